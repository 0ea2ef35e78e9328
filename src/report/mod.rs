//! Stage 6, report: renders results as text (and JSON through serde). No computation here:
//! every figure comes from the stage that produced it.

mod calibration;
mod catalog;
mod charts;
mod explain;
mod frontier_text;
mod html;
mod plan;
mod plan_text;
mod table;
mod table_html;

pub use calibration::{fits, fits_text, DeviceFit};
pub use catalog::catalog_text;
pub use charts::{escape as escape_html, frontier_svg, CHART_CSS};
pub use explain::explain_text;
pub use frontier_text::{configuration_text, frontier_text};
pub use html::{html, sections, PageWritten, ReportInput, Section};
pub use plan::{plan, Plan, SCHEMA_VERSION};
pub use plan_text::{plan_markdown, plan_text};
pub use table::Table;

use crate::perf::Estimate;

/// `fleetplan estimate` as text: one `key: value` line per figure, in the JSON keys' order.
pub fn estimate_text(e: &Estimate) -> String {
    let mut t = Table::new(&["", ""]);
    let opt = |x: Option<String>| x.unwrap_or_else(|| "-".to_string());
    t.row(vec!["model".into(), e.model.clone()]);
    t.row(vec!["device".into(), e.device.clone()]);
    t.row(vec![
        "devices".into(),
        format!(
            "{} (tensor parallel {} × pipeline {})",
            e.devices, e.tensor_parallel, e.pipeline_stages
        ),
    ]);
    t.row(vec![
        "precision".into(),
        format!(
            "weights {}, KV cache {}, compute {}",
            e.weights.name(),
            e.kv_cache.name(),
            e.compute_precision.map_or("none", |p| p.name())
        ),
    ]);
    t.row(vec![
        "fits".into(),
        match &e.why_not {
            None => "yes".into(),
            Some(why) => format!("no: {why}"),
        },
    ]);
    t.row(vec!["weights per device".into(), format!("{:.1} GB", e.weight_gb_per_device)]);
    t.row(vec!["KV capacity".into(), format!("{:.1} GB", e.kv_capacity_gb)]);
    t.row(vec!["max_batch".into(), e.max_batch.to_string()]);
    t.row(vec!["batch".into(), e.batch.to_string()]);
    t.row(vec!["prefill".into(), format!("{:.2} ms", e.prefill_s * 1e3)]);
    t.row(vec!["decode step".into(), format!("{:.2} ms", e.decode_step_s * 1e3)]);
    t.row(vec!["decode_tokens_per_s".into(), format!("{:.0}", e.decode_tokens_per_s)]);
    t.row(vec!["bound".into(), opt(e.bound.map(|b| format!("{b:?}").to_lowercase()))]);
    t.row(vec!["max_batch_at_slo".into(), opt(e.max_batch_at_slo.map(|b| b.to_string()))]);
    t.row(vec![
        "tokens_per_s_at_slo".into(),
        opt(e.tokens_per_s_at_slo.map(|x| format!("{x:.0}"))),
    ]);
    if let Some(meets) = e.meets_ttft {
        t.row(vec!["meets ttft".into(), if meets { "yes".into() } else { "no".into() }]);
    }
    t.render_plain()
}
