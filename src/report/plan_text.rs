//! Text and Markdown renderings of a plan.

use super::plan::{LatencyCheck, Plan};
use super::table::Table;
use crate::check::units::duration_text;
use crate::graph::TierKind;
use crate::solve::Status;
use crate::spec::Percentile;

fn status_text(plan: &Plan) -> String {
    let s = &plan.solver;
    let solver = format!("{:?}", s.options.solver).to_lowercase();
    // The gap the bound proves, not the one asked for: at a time limit too, the plan is
    // within that of the optimum.
    let proven = |gap: f64| format!("within {} of optimal (proven", percent(gap));
    match (s.status, s.proven_gap) {
        (Status::Optimal, _) => format!("optimal ({solver})"),
        (Status::GapLimit, Some(gap)) => format!("{}; {solver}, MIP gap)", proven(gap)),
        (Status::GapLimit, None) => {
            format!("within {} of optimal ({solver}, MIP gap)", percent(s.options.mip_gap))
        }
        (Status::TimeLimit, Some(gap)) => {
            format!(
                "{}; {solver}, stopped by the {} s time limit)",
                proven(gap),
                s.options.time_limit_s
            )
        }
        (Status::Feasible, Some(gap)) => {
            format!("{}; {solver}, workloads coupled by shared limits)", proven(gap))
        }
        (Status::TimeLimit | Status::Feasible, None) => format!(
            "best found within the {} s time limit, optimality not proven ({solver}, time limit)",
            s.options.time_limit_s
        ),
    }
}

/// A share as a percentage, with two significant digits below 1%.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 1.0 || p == 0.0 {
        format!("{p:.2}%")
    } else {
        let digits = (1 - p.log10().floor() as i32).clamp(2, 6) as usize;
        format!("{p:.digits$}%")
    }
}

fn latency_text(l: &LatencyCheck) -> String {
    let p = match l.percentile {
        Percentile::Mean => "mean".to_string(),
        Percentile::P(v) => format!("p{v}"),
    };
    format!(
        "{} {p} {} ≤ {} {} ({:.0}% headroom)",
        l.metric.name(),
        duration_text(l.predicted_s),
        duration_text(l.slo_s),
        if l.met { "✓" } else { "✗" },
        (l.headroom * 100.0).max(0.0)
    )
}

/// Where a workload's retained KV lives: `5% (30340 GB) in gpu spare HBM, 95% (…) in ssd`
/// (the text and the HTML page both say it).
pub(super) fn retained_kv_text(w: &super::plan::WorkloadPlan) -> String {
    let parts: Vec<String> = w
        .memory
        .iter()
        .map(|p| {
            let what = match p.kind {
                TierKind::Devices => p.tier.clone(),
                _ => format!("{} {}", p.tier, p.kind.name()),
            };
            format!("{:.0}% ({:.0} GB) in {what}", p.share * 100.0, p.gb)
        })
        .collect();
    parts.join(", ")
}

fn money(x: f64) -> String {
    format!("${x:.2}")
}

pub fn plan_text(plan: &Plan) -> String {
    let t = &plan.totals;
    let mut out = format!("plan for {}: {}\n", plan.source, status_text(plan));
    out.push_str(&format!(
        "total {}/h · {} devices · {:.1} kW · {} per million output tokens\n",
        money(t.cost_usd_per_hour),
        t.devices,
        t.power_kw,
        money(t.usd_per_million_output_tokens)
    ));
    if let Some(line) = configs_text(plan) {
        out.push_str(&format!("{line}\n"));
    }
    if let Some(line) = throughput_text(plan) {
        out.push_str(&format!("{line}\n"));
    }
    for pool in &plan.pools {
        out.push_str(&format!(
            "\npool {} ({}): {} of {} devices, {}/h\n",
            pool.pool,
            pool.device,
            pool.devices_used,
            pool.max_devices,
            money(pool.cost_usd_per_hour)
        ));
        if pool.deployments.is_empty() {
            out.push_str("  memory tier only\n");
            continue;
        }
        let mut table = Table::new(&[
            "workload",
            "role",
            "instances",
            "devices",
            "tp×pp",
            "batch",
            "util",
            "$/h",
        ])
        .right_align(&[2, 3, 5, 6, 7]);
        for d in &pool.deployments {
            table.row(vec![
                d.workload.clone(),
                d.role.name().to_string(),
                d.instances.to_string(),
                (d.instances * d.devices_per_instance).to_string(),
                format!("{}×{}", d.tensor_parallel, d.pipeline_stages),
                d.batch.to_string(),
                format!("{:.0}%", d.utilisation * 100.0),
                format!("{:.2}", d.cost_usd_per_hour),
            ]);
        }
        for line in table.render().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("\nworkloads\n");
    let mut table = Table::new(&[
        "workload",
        "model",
        "req/s",
        "latency at the SLO percentiles",
        "out tok/s",
        "$/h",
        "$/Mtok",
        "KV hits",
    ])
    .right_align(&[2, 4, 5, 6, 7]);
    for w in &plan.workloads {
        let latency = if w.latency.is_empty() {
            "no SLO".to_string()
        } else {
            w.latency.iter().map(latency_text).collect::<Vec<_>>().join(", ")
        };
        table.row(vec![
            w.workload.clone(),
            w.model.clone(),
            format!("{:.2}", w.rate_per_s),
            latency,
            format!("{:.0}", w.output_tokens_per_s),
            format!("{:.2}", w.cost_usd_per_hour),
            format!("{:.3}", w.usd_per_million_output_tokens),
            format!("{:.0}%", w.kv_hit_share * 100.0 + 0.0),
        ]);
    }
    for line in table.render().lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if !plan.memory.is_empty() {
        out.push_str("\nmemory tiers (retained KV cache)\n");
        let mut table = Table::new(&["tier", "kind", "units", "used / capacity", "reads", "$/h"])
            .right_align(&[2, 4, 5]);
        for m in &plan.memory {
            table.row(vec![
                m.pool.clone(),
                m.kind.name().to_string(),
                m.units.to_string(),
                format!("{:.0} / {:.0} GB", m.used_gb, m.capacity_gb),
                format!("{:.2} GB/s", m.read_gb_per_s),
                format!("{:.2}", m.cost_usd_per_hour),
            ]);
        }
        for line in table.render().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        for w in plan.workloads.iter().filter(|w| !w.memory.is_empty()) {
            out.push_str(&format!("  {}: retained KV {}\n", w.workload, retained_kv_text(w)));
        }
    }
    out.push_str(&super::fits_text(&plan.calibration));
    out
}

pub fn plan_markdown(plan: &Plan) -> String {
    let t = &plan.totals;
    let mut out = format!("# Plan for `{}`\n\n", plan.source);
    out.push_str(&format!(
        "Solver: {}. Total **{}/h**, {} devices, {:.1} kW, {} per million output tokens.\n\n",
        status_text(plan),
        money(t.cost_usd_per_hour),
        t.devices,
        t.power_kw,
        money(t.usd_per_million_output_tokens)
    ));
    if let Some(line) = configs_text(plan) {
        out.push_str(&format!("{}.\n\n", line.replacen("the", "The", 1)));
    }
    if let Some(line) = throughput_text(plan) {
        out.push_str(&format!("{}.\n\n", line.replacen("maximum", "Maximum", 1)));
    }
    out.push_str("## Pools\n\n| pool | device | workload | role | instances | devices | tp×pp | batch | util | $/h |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for pool in &plan.pools {
        for d in &pool.deployments {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {}×{} | {} | {:.0}% | {:.2} |\n",
                pool.pool,
                pool.device,
                d.workload,
                d.role.name(),
                d.instances,
                d.instances * d.devices_per_instance,
                d.tensor_parallel,
                d.pipeline_stages,
                d.batch,
                d.utilisation * 100.0,
                d.cost_usd_per_hour
            ));
        }
    }
    out.push_str("\n## Workloads\n\n| workload | model | req/s | latency | $/h | $/Mtok | KV hits |\n|---|---|---|---|---|---|---|\n");
    for w in &plan.workloads {
        let latency = w.latency.iter().map(latency_text).collect::<Vec<_>>().join("; ");
        out.push_str(&format!(
            "| {} | {} | {:.2} | {} | {:.2} | {:.3} | {:.0}% |\n",
            w.workload,
            w.model,
            w.rate_per_s,
            if latency.is_empty() { "no SLO".into() } else { latency },
            w.cost_usd_per_hour,
            w.usd_per_million_output_tokens,
            w.kv_hit_share * 100.0 + 0.0
        ));
    }
    if !plan.memory.is_empty() {
        out.push_str("\n## Memory tiers\n\n| tier | kind | units | used GB | capacity GB | reads GB/s | $/h |\n|---|---|---|---|---|---|---|\n");
        for m in &plan.memory {
            out.push_str(&format!(
                "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} |\n",
                m.pool,
                m.kind.name(),
                m.units,
                m.used_gb,
                m.capacity_gb,
                m.read_gb_per_s,
                m.cost_usd_per_hour
            ));
        }
    }
    out
}

/// What `configs` limits cost, when the file sets any.
fn configs_text(plan: &Plan) -> Option<String> {
    let free = plan.solver.unconstrained_usd_per_hour?;
    let extra = plan.totals.cost_usd_per_hour - free;
    Some(format!(
        "the `configs` limits cost {}/h ({:+.1}%) over the best plan without them ({}/h)",
        money(extra.max(0.0)),
        if free > 0.0 { extra / free * 100.0 } else { 0.0 },
        money(free)
    ))
}

/// `objective maximize throughput`: the scale reached and the rates it gives.
fn throughput_text(plan: &Plan) -> Option<String> {
    let t = plan.throughput.as_ref()?;
    let rates: Vec<String> = t.rates_per_s.iter().map(|(w, r)| format!("{w} {r:.2}")).collect();
    let stop = if t.at_rate_ceiling {
        "stopped at the rate ceiling of 1M req/s".to_string()
    } else if t.limited_by.is_empty() {
        format!("no plan {:.1}% above", t.tolerance * 100.0)
    } else {
        format!("no plan {:.1}% above; limited by {}", t.tolerance * 100.0, t.limited_by.join(", "))
    };
    Some(format!(
        "maximum throughput: {:.2} req/s, the file's rates × {:.4} ({}; {stop}; {} plans searched)",
        t.total_per_s,
        t.scale,
        rates.join(", "),
        t.plans
    ))
}
