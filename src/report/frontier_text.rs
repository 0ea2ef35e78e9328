//! `fleetplan frontier` as text: the two frontiers as tables, each point with its
//! configuration.

use super::table::Table;
use crate::spec::Percentile;
use crate::whatif::frontier::{Config, Frontier, Point};

fn percentile_text(p: Percentile) -> String {
    match p {
        Percentile::Mean => "mean".to_string(),
        Percentile::P(v) => format!("p{v}"),
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
}

/// `prefill gpu 9×(1 h200, tp1) + decode gpu 1×(2 h200, tp2, batch 275)`.
pub fn configuration_text(configuration: &[Config]) -> String {
    let parts: Vec<String> = configuration
        .iter()
        .map(|c| {
            let layout = if c.pipeline_stages > 1 {
                format!("tp{}×pp{}", c.tensor_parallel, c.pipeline_stages)
            } else {
                format!("tp{}", c.tensor_parallel)
            };
            let batch = match c.role {
                crate::perf::Role::Prefill => String::new(),
                _ => format!(", batch {}", c.batch),
            };
            format!(
                "{} {} {}×({} {}, {layout}{batch})",
                c.role.name(),
                c.pool,
                c.instances,
                c.devices_per_instance,
                c.device
            )
        })
        .collect();
    parts.join(" + ")
}

fn table(points: &[Point]) -> String {
    let mut t = Table::new(&[
        "tok/s/user",
        "tpot ms",
        "ttft ms",
        "$/Mtok",
        "$/h",
        "devices",
        "bounds (tpot, ttft ms)",
        "configuration",
    ])
    .right_align(&[0, 1, 2, 3, 4, 5]);
    for p in points {
        t.row(vec![
            opt(p.output_tokens_per_s_per_user, 1),
            opt(p.tpot_s.map(|s| s * 1e3), 1),
            opt(p.ttft_s.map(|s| s * 1e3), 1),
            format!("{:.3}", p.usd_per_million_output_tokens),
            format!("{:.2}", p.usd_per_hour),
            p.devices.to_string(),
            format!(
                "{}, {}",
                opt(p.tpot_bound_s.map(|s| s * 1e3), 1),
                opt(p.ttft_bound_s.map(|s| s * 1e3), 1)
            ),
            configuration_text(&p.configuration),
        ]);
    }
    t.render()
}

pub fn frontier_text(f: &Frontier) -> String {
    let on = f.pool.as_ref().map_or(String::new(), |p| format!(" on pool `{p}` alone"));
    let mut out = format!(
        "frontier of `{}`{on} in {} ({}, {} req/s): {} plans, {} of them found no fleet\n",
        f.workload, f.source, f.model, f.rate_per_s, f.plans_solved, f.infeasible
    );
    if let Some(p) = &f.own {
        out.push_str(&format!(
            "at the file's own SLO: {} tok/s/user, ttft {} ms, ${:.3}/Mtok (${:.2}/h): {}\n",
            opt(p.output_tokens_per_s_per_user, 1),
            opt(p.ttft_s.map(|s| s * 1e3), 1),
            p.usd_per_million_output_tokens,
            p.usd_per_hour,
            configuration_text(&p.configuration)
        ));
    }
    out.push_str(&format!(
        "\ncost against interactivity (tpot {} bound swept, file's ttft bound kept): {} points\n",
        percentile_text(f.tpot_percentile),
        f.interactivity.len()
    ));
    out.push_str(&table(&f.interactivity));
    out.push_str(&format!(
        "\ncost against time to first token (ttft {} bound swept, file's tpot bound kept): {} points\n",
        percentile_text(f.ttft_percentile),
        f.ttft.len()
    ));
    out.push_str(&table(&f.ttft));
    out
}
