//! `fleetplan frontier`: the JSON of every example's frontiers pinned; each frontier is
//! monotone (cost rises with interactivity and with a faster first token); each point is a
//! plan that the independent verifier accepts and that planning the file's own text at the
//! point's bounds reproduces; tightening a bound never makes a plan cheaper.
#![allow(clippy::unwrap_used)]

mod common;
mod verifier;

use fleetplan::load::Root;
use fleetplan::spec::{Metric, Percentile, Spec};
use fleetplan::whatif::frontier::{
    by_pool, frontier, with_bounds, Frontier, FrontierOptions, Point,
};
use fleetplan::PlanOutcome;

/// The solver's relative gap: two plans of the same program may differ by this much.
const GAP: f64 = 1e-3;

fn spec_of(path: &std::path::Path) -> Spec {
    fleetplan::compile(Root::Path(common::relative(path))).unwrap().result.unwrap()
}

fn frontier_of(path: &std::path::Path, workload: &str) -> Frontier {
    let source = common::relative(path).display().to_string();
    frontier(&source, &spec_of(path), workload, &FrontierOptions::default()).unwrap()
}

/// The cost of planning `text` from scratch (load, check, graph, solve): shares no code with
/// the sweep but the planner itself.
fn planned_cost(text: String) -> Option<(f64, fleetplan::report::Plan)> {
    let root = Root::Text { name: "frontier-point.fleet".into(), text };
    let planned = fleetplan::plan(root, &fleetplan::solve::Options::default()).unwrap();
    match planned.outcome {
        PlanOutcome::Planned { plan, .. } => Some((plan.totals.cost_usd_per_hour, *plan)),
        PlanOutcome::Infeasible { .. } => None,
        PlanOutcome::Invalid(d) => panic!("{}", d.render_plain(&planned.program.sources)),
    }
}

#[test]
fn frontier_json_of_the_examples() {
    insta::glob!("../examples", "*.fleet", |path| {
        let spec = spec_of(path);
        let source = common::relative(path).display().to_string();
        let mut documents = Vec::new();
        for name in spec.workloads.keys() {
            documents.push(match frontier(&source, &spec, name, &FrontierOptions::default()) {
                Ok(f) => serde_json::to_value(&f).unwrap(),
                Err(e) => serde_json::json!({ "workload": name, "error": e.to_string() }),
            });
        }
        insta::assert_snapshot!(fleetplan::dump::json(&documents));
    });
}

#[test]
fn chat_has_at_least_five_points() {
    let f = frontier_of(std::path::Path::new("examples/chat.fleet"), "chat");
    assert!(f.interactivity.len() >= 5, "{} points", f.interactivity.len());
    assert!(f.ttft.len() >= 5, "{} points", f.ttft.len());
}

fn assert_monotone(points: &[Point], x: impl Fn(&Point) -> f64, what: &str) {
    for pair in points.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(x(b) > x(a), "{what}: interactivity does not rise: {} then {}", x(a), x(b));
        assert!(
            b.usd_per_hour > a.usd_per_hour,
            "{what}: more interactivity for no more money ({} then {}): not a frontier",
            a.usd_per_hour,
            b.usd_per_hour
        );
        assert!(b.usd_per_million_output_tokens >= a.usd_per_million_output_tokens);
    }
}

#[test]
fn every_frontier_is_monotone() {
    for path in common::fleet_files("examples") {
        let spec = spec_of(&path);
        for name in spec.workloads.keys() {
            let Ok(f) = frontier("x", &spec, name, &FrontierOptions::default()) else { continue };
            let what = format!("{} {name}", path.display());
            assert_monotone(
                &f.interactivity,
                |p| p.output_tokens_per_s_per_user.unwrap(),
                &format!("{what} tok/s"),
            );
            assert_monotone(&f.ttft, |p| -p.ttft_s.unwrap(), &format!("{what} ttft"));
        }
    }
}

/// Every point is a plan within its own bounds that the independent verifier (tests/verifier)
/// accepts for the spec at those bounds.
#[test]
fn every_point_is_a_verified_plan_within_its_bounds() {
    for (file, workload) in [
        ("examples/chat.fleet", "chat"),
        ("examples/three-layer.fleet", "voice"),
        ("examples/three-layer.fleet", "summaries"),
        ("examples/voice-lpu.fleet", "voice"),
        ("examples/agent-memory.fleet", "agent"),
    ] {
        verified_points(file, workload);
    }
}

/// Three-layer's `coding_agent` retains 616 TB of sessions: at a TPOT bound of 248 ms its plan
/// fills a spare-HBM tier of 203.7 GB to within the placement shares' documented rounding
/// (10⁻⁶ of the retained bytes, docs/planner.md "Determinism"), which the verifier allows.
#[test]
fn coding_agent_points_are_verified_plans() {
    verified_points("examples/three-layer.fleet", "coding_agent");
}

fn verified_points(file: &str, workload: &str) {
    {
        let path = std::path::Path::new(file);
        let spec = spec_of(path);
        let f = frontier_of(path, workload);
        let mut alone = spec.clone();
        alone.workloads.retain(|name, _| name == workload);
        for p in f.interactivity.iter().chain(&f.ttft) {
            let bounded = with_bounds(
                &alone,
                workload,
                p.tpot_bound_s,
                f.tpot_percentile,
                p.ttft_bound_s,
                f.ttft_percentile,
            );
            verifier::verify(&bounded, &p.plan);
            for l in &p.plan.workloads[0].latency {
                assert!(l.met, "{file} {workload}: a point misses its own {:?} bound", l.metric);
            }
            if let (Some(bound), Some(tpot)) = (p.tpot_bound_s, p.tpot_s) {
                assert!(tpot <= bound * (1.0 + 1e-9), "{file}: tpot {tpot} above {bound}");
            }
            if let (Some(bound), Some(ttft)) = (p.ttft_bound_s, p.ttft_s) {
                assert!(ttft <= bound * (1.0 + 1e-9), "{file}: ttft {ttft} above {bound}");
            }
        }
    }
}

/// chat.fleet with its SLO block rewritten.
fn chat_at(tpot_s: f64, ttft_s: f64) -> String {
    let text = std::fs::read_to_string("examples/chat.fleet").unwrap();
    let text = text.replace("tpot p90 <= 40 ms", &format!("tpot p90 <= {tpot_s} s"));
    text.replace("ttft p90 <= 1 s", &format!("ttft p90 <= {ttft_s} s"))
}

/// Planning the file's own text with a point's bounds written in gives the point's cost.
#[test]
fn each_chat_point_is_what_plan_buys_at_its_bounds() {
    let f = frontier_of(std::path::Path::new("examples/chat.fleet"), "chat");
    assert_eq!(f.tpot_percentile, Percentile::P(90.0));
    for p in f.interactivity.iter().chain(&f.ttft) {
        let (tpot, ttft) = (p.tpot_bound_s.unwrap(), p.ttft_bound_s.unwrap());
        let (cost, plan) = planned_cost(chat_at(tpot, ttft)).unwrap();
        assert!(
            (cost - p.usd_per_hour).abs() <= GAP * p.usd_per_hour + 0.01,
            "at tpot {tpot} s, ttft {ttft} s: plan costs {cost}, the frontier says {}",
            p.usd_per_hour
        );
        let predicted = plan.workloads[0].latency.iter().find(|l| l.metric == Metric::Tpot);
        assert!(predicted.unwrap().predicted_s <= tpot);
    }
}

/// The trade-off itself, from plans of the text alone: on chat, where decode is what a tighter
/// TPOT bound makes dearer, a tighter bound never costs less, and the frontier's cheapest point
/// is no dearer than the file's own plan. (Not a theorem of the model in general: the first
/// token waits for one decode step at the bound's batch, so a looser TPOT bound can make the
/// TTFT bound harder to meet; the frontier keeps only the points nothing beats.)
#[test]
fn tighter_bounds_never_cost_less() {
    let mut last: Option<(f64, f64)> = None;
    for tpot in [0.060, 0.040, 0.025, 0.018, 0.014, 0.012, 0.010] {
        let Some((cost, _)) = planned_cost(chat_at(tpot, 1.0)) else { break };
        if let Some((looser, looser_cost)) = last {
            assert!(
                cost >= looser_cost * (1.0 - GAP),
                "tpot {tpot} s costs {cost}, less than {looser_cost} at {looser} s"
            );
        }
        last = Some((tpot, cost));
    }
    let (own, _) = planned_cost(chat_at(0.040, 1.0)).unwrap();
    let f = frontier_of(std::path::Path::new("examples/chat.fleet"), "chat");
    assert!(f.interactivity[0].usd_per_hour <= own * (1.0 + GAP));
    // Faster than any H200 step at batch one is out of reach: the sweep found it infeasible.
    assert!(planned_cost(chat_at(0.001, 1.0)).is_none());
}

/// The point at the file's own SLO is the plan `fleetplan plan` makes of the file (chat has one
/// workload, so the plan of the workload alone is the plan of the file).
#[test]
fn the_own_point_is_the_files_plan() {
    let f = frontier_of(std::path::Path::new("examples/chat.fleet"), "chat");
    let own = f.own.as_ref().unwrap();
    let text = std::fs::read_to_string("examples/chat.fleet").unwrap();
    let (cost, plan) = planned_cost(text).unwrap();
    assert!((own.usd_per_hour - cost).abs() <= GAP * cost, "{} vs {cost}", own.usd_per_hour);
    assert_eq!(own.devices, plan.totals.devices);
    assert_eq!((own.tpot_bound_s, own.ttft_bound_s), (Some(0.04), Some(1.0)));
    // An infeasible file has no own point, but its frontier still shows what can be had.
    let spec = spec_of(std::path::Path::new("examples/infeasible.fleet"));
    let name = spec.workloads.keys().next().unwrap().clone();
    if let Ok(f) = frontier("x", &spec, &name, &FrontierOptions::default()) {
        assert!(f.own.is_none());
    }
}

#[test]
fn unknown_workload_names_the_known_ones() {
    let spec = spec_of(std::path::Path::new("examples/three-layer.fleet"));
    let e = frontier("x", &spec, "vocie", &FrontierOptions::default()).unwrap_err();
    assert_eq!(e.code(), "fleet::unknown_name");
    assert!(e.help().contains("coding_agent, summaries, voice"), "{}", e.help());
}

/// Each pool alone: its points use only that pool's compute devices, and every one of them,
/// re-planned with all the file's pools at the same bounds, costs no more (more pools only add
/// choices: the candidates of a pool do not depend on the others).
#[test]
fn a_pool_alone_never_beats_all_pools_at_its_bounds() {
    let path = std::path::Path::new("examples/three-layer.fleet");
    let spec = spec_of(path);
    let mut alone = spec.clone();
    alone.workloads.retain(|name, _| name == "voice");
    let pools = by_pool("x", &spec, "voice", &FrontierOptions::default()).unwrap();
    let names: Vec<&str> = pools.iter().filter_map(|f| f.pool.as_deref()).collect();
    assert_eq!(names, ["gpu", "lpu"], "the CPU pool cannot serve voice at any bound");
    for f in &pools {
        let pool = f.pool.as_deref().unwrap();
        for p in f.interactivity.iter().chain(&f.ttft) {
            assert!(
                p.configuration.iter().all(|c| c.pool == pool),
                "{pool}: {:?}",
                p.configuration
            );
            let bounded = with_bounds(
                &alone,
                "voice",
                p.tpot_bound_s,
                f.tpot_percentile,
                p.ttft_bound_s,
                f.ttft_percentile,
            );
            let g = fleetplan::graph::build(&bounded);
            let all = fleetplan::solve::solve(&bounded, &g, &Default::default()).unwrap();
            assert!(
                all.objective_usd_per_hour <= p.usd_per_hour * (1.0 + GAP),
                "{pool} alone at {:?}/{:?}: {} with every pool, {} alone",
                p.tpot_bound_s,
                p.ttft_bound_s,
                all.objective_usd_per_hour,
                p.usd_per_hour
            );
        }
    }
}

/// The sweep's plans run on several threads; the frontier is the same bytes on one.
#[test]
fn the_frontier_does_not_depend_on_the_thread_count() {
    let spec = spec_of(std::path::Path::new("examples/three-layer.fleet"));
    let json = |threads: usize| {
        let solve = fleetplan::solve::Options { threads, ..Default::default() };
        let options = FrontierOptions { solve, ..FrontierOptions::default() };
        fleetplan::dump::json(&frontier("x", &spec, "coding_agent", &options).unwrap())
    };
    assert_eq!(json(1), json(4));
}
