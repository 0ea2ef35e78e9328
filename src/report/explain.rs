//! `fleetplan explain`: every candidate of a workload, with its derivation.

use super::table::Table;
use crate::perf::calibration::Calibration;
use crate::perf::Explanation;

/// Seconds (as the JSON holds them) shown in milliseconds.
fn ms(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "-".to_string(), |s| format!("{:.1}", s * 1e3))
}

/// The device's calibration, each value marked `device` (set in its catalog entry, from the
/// measurement cited there) or `default` (its kind's default, src/perf/calibration.rs).
fn calibration_line(c: &Calibration) -> String {
    let p = &c.provenance;
    format!(
        "  calibration: compute {:.0}% ({}), bandwidth {:.0}% ({}), step overhead {:.2} ms ({}), \
         layer {:.0} µs ({}), collective {:.0} µs ({})\n",
        c.compute_efficiency * 100.0,
        p.compute_efficiency.name(),
        c.bandwidth_efficiency * 100.0,
        p.bandwidth_efficiency.name(),
        c.step_overhead_s * 1e3,
        p.step_overhead.name(),
        c.layer_latency_s * 1e6,
        p.layer_latency.name(),
        c.collective_latency_s * 1e6,
        p.collective_latency.name(),
    )
}

pub fn explain_text(e: &Explanation) -> String {
    let mut out = format!("workload `{}` (model `{}`)\n", e.workload, e.model);
    for pool in &e.pools {
        out.push_str(&format!("\npool `{}` ({})\n", pool.pool, pool.device));
        out.push_str(&calibration_line(&pool.calibration));
        if pool.candidates.is_empty() {
            out.push_str("  no candidate meets the SLOs\n");
        } else {
            let mut t = Table::new(&[
                "role",
                "devices",
                "batch",
                "step ms",
                "budget ms",
                "bound",
                "prefill ms",
                "wait ms",
                "kv ms",
                "util",
                "ttft ms",
                "tpot ms",
                "req/s",
                "tok/s",
                "$/h",
                "$/Mtok",
            ])
            .right_align(&[1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
            for c in &pool.candidates {
                let d = &c.derivation;
                t.row(vec![
                    c.role.name().to_string(),
                    format!("{}×{}", c.tensor_parallel, c.pipeline_stages),
                    match d.batch_limit {
                        Some(limit) => format!("{} (≤{limit})", c.batch),
                        None => c.batch.to_string(),
                    },
                    ms(d.step_s),
                    ms(d.step_budget_s),
                    d.step_bound.map_or("-".into(), |b| format!("{b:?}").to_lowercase()),
                    ms(d.prefill_s),
                    ms(d.queue_wait_s),
                    ms(d.kv_transfer_s),
                    d.utilisation.map_or("-".into(), |u| format!("{:.0}%", u * 100.0)),
                    ms(c.ttft_s),
                    ms(c.tpot_s),
                    format!("{:.2}", c.requests_per_s),
                    format!("{:.0}", c.tokens_per_s),
                    format!("{:.2}", c.cost_usd_per_hour),
                    format!("{:.3}", c.usd_per_million_tokens),
                ]);
            }
            for line in t.render().lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        for r in &pool.rejected {
            out.push_str(&format!(
                "  ✗ {} on {} devices: {}\n",
                r.role.name(),
                r.devices,
                r.reason
            ));
        }
    }
    out.push_str(
        "\ndevices: tensor parallel × pipeline stages; aggregated: batch planned (≤ the most a \
         step decodes), budget = the step time decode and prompt chunks share, prefill = the \
         prompt's chunked prefill (docs/perf-model.md (7)); $/Mtok: per million prompt tokens \
         for prefill, output tokens otherwise\n",
    );
    out
}
