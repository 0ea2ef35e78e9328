//! The simulator: queueing against analytic results, every example simulated and pinned,
//! determinism, trace replay, and errors that never panic.
#![allow(clippy::unwrap_used)]

mod common;

use fleetplan::load::Root;
use fleetplan::simulate::{self, SimOptions, Traffic};
use fleetplan::solve::Options;
use fleetplan::PlanOutcome;

fn simulate_file(path: &std::path::Path, options: &SimOptions) -> Option<simulate::SimReport> {
    let planned = fleetplan::plan(Root::Path(common::relative(path)), &Options::default()).unwrap();
    let spec = fleetplan::compile(Root::Path(common::relative(path))).unwrap().result.unwrap();
    match planned.outcome {
        PlanOutcome::Planned { graph, solution, .. } => {
            let mut report = simulate::simulate(&spec, &graph, &solution, options);
            report.source = common::relative(path).display().to_string();
            Some(report)
        }
        _ => None,
    }
}

#[test]
fn scratch_examples() {
    let options = SimOptions { traffic: Traffic::Requests(20_000), ..SimOptions::default() };
    for path in common::fleet_files("examples") {
        let t = std::time::Instant::now();
        if let Some(report) = simulate_file(&path, &options) {
            println!("{}", simulate::report_text(&report));
            println!("{:?}", t.elapsed());
        }
    }
}

#[test]
fn scratch_hit_cost() {
    let spec = fleetplan::compile(Root::Path("examples/agent-memory.fleet".into()))
        .unwrap()
        .result
        .unwrap();
    let m = &spec.models["qwen3_235b_a22b_fp8"];
    let d = &spec.devices["h200"];
    let inst = fleetplan::perf::Instance {
        model: m,
        device: d,
        tp: 8,
        pp: 1,
        weights: m.weights,
        kv: m.kv_cache,
    };
    let full = inst.prefill(32000.0).time_s;
    let hit = inst.prefill_after(3200.0, 28800.0).time_s;
    let lin = inst.prefill(3200.0).time_s;
    println!("full {full} hit {hit} ratio {} short-prompt {lin}", hit / full);
}
