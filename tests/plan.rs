//! The planner: every example's plan (or its diagnostics) is pinned, every plan passes an
//! independent verifier that re-derives it from `perf`, plans are deterministic, and on small
//! instances the MILP's cost equals a brute-force enumeration's.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../benches/generate.rs"]
#[allow(dead_code)]
mod generate;
mod verifier;

use std::collections::BTreeMap;

use fleetplan::diagnostic::RenderStyle;
use fleetplan::graph::{Demand, TierKind};
use fleetplan::load::Root;
use fleetplan::perf::Role;
use fleetplan::solve::Options;
use fleetplan::spec::Spec;
use fleetplan::{PlanOutcome, Planned};

fn plan_file(path: &std::path::Path, options: &Options) -> Planned {
    fleetplan::plan(Root::Path(common::relative(path)), options).unwrap()
}

fn spec_of(path: &std::path::Path) -> Spec {
    fleetplan::compile(Root::Path(common::relative(path))).unwrap().result.unwrap()
}

#[test]
fn example_plans() {
    insta::glob!("../examples", "*.fleet", |path| {
        let planned = plan_file(path, &Options::default());
        let output = match &planned.outcome {
            PlanOutcome::Planned { plan, .. } => fleetplan::report::plan_text(plan),
            PlanOutcome::Infeasible { diagnostics, .. } => {
                diagnostics.render_human(&planned.program.sources, RenderStyle::SNAPSHOT)
            }
            PlanOutcome::Invalid(d) => panic!("{}", d.render_plain(&planned.program.sources)),
        };
        insta::assert_snapshot!(output);
    });
}

/// The independent verifier (tests/verifier): physics and limits from the spec alone.
fn verify(spec: &Spec, plan: &fleetplan::report::Plan) {
    verifier::verify(spec, plan);
}

#[test]
fn every_example_plan_passes_the_verifier() {
    for path in common::fleet_files("examples") {
        let planned = plan_file(&path, &Options::default());
        match &planned.outcome {
            PlanOutcome::Planned { plan, .. } => verify(&spec_of(&path), plan),
            // Only the example written to be infeasible has no plan.
            _ => assert!(path.ends_with("infeasible.fleet"), "{} has no plan", path.display()),
        }
    }
}

/// The verifier is evidence only if it can fail: plans tampered with in ways the spec forbids
/// are rejected.
#[test]
fn the_verifier_rejects_tampered_plans() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let spec = spec_of(&path);
    let PlanOutcome::Planned { plan, .. } = plan_file(&path, &Options::default()).outcome else {
        panic!("chat has no plan")
    };
    type Tamper = Box<dyn Fn(&mut fleetplan::report::Plan)>;
    let tampered: Vec<(&str, Tamper)> = vec![
        (
            "a decode step faster than bandwidth allows",
            Box::new(|p| {
                for c in p.candidates.iter_mut().filter(|c| c.candidate.role == Role::Decode) {
                    c.candidate.tpot_s = Some(1e-6);
                }
            }),
        ),
        (
            "more requests than the devices compute",
            Box::new(|p| {
                for c in &mut p.candidates {
                    c.candidate.requests_per_s *= 1e4;
                }
            }),
        ),
        (
            "demand not covered",
            Box::new(|p| {
                for c in &mut p.candidates {
                    c.instances /= 2;
                }
            }),
        ),
        (
            "a pool over its maximum",
            Box::new(|p| {
                for c in p.candidates.iter_mut().filter(|c| c.instances > 0) {
                    c.instances += 300;
                }
            }),
        ),
        ("a cost that does not add up", Box::new(|p| p.totals.cost_usd_per_hour -= 1.0)),
        (
            "a batch whose KV cannot fit",
            Box::new(|p| {
                for c in &mut p.candidates {
                    c.candidate.batch = 1_000_000;
                }
            }),
        ),
    ];
    for (what, tamper) in tampered {
        let mut bad = plan.clone();
        tamper(&mut bad);
        let caught = std::panic::catch_unwind(|| verify(&spec, &bad)).is_err();
        assert!(caught, "the verifier accepted {what}");
    }
}

#[test]
fn plans_are_deterministic() {
    for path in common::fleet_files("examples") {
        let json = |p: &Planned| match &p.outcome {
            PlanOutcome::Planned { plan, .. } => fleetplan::dump::json(plan),
            PlanOutcome::Infeasible { diagnostics, .. } => {
                diagnostics.render_json(&p.program.sources)
            }
            PlanOutcome::Invalid(d) => d.render_json(&p.program.sources),
        };
        let a = json(&plan_file(&path, &Options::default()));
        let b = json(&plan_file(&path, &Options::default()));
        assert_eq!(a, b, "{} planned differently twice", path.display());
    }
}

#[test]
fn json_plan_has_the_documented_shape() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat.fleet");
    let planned = plan_file(&path, &Options::default());
    let PlanOutcome::Planned { plan, .. } = &planned.outcome else { panic!("chat does not plan") };
    let v: serde_json::Value = serde_json::from_str(&fleetplan::dump::json(plan)).unwrap();
    assert_eq!(v["schema_version"], fleetplan::report::SCHEMA_VERSION);
    for key in ["source", "solver", "totals", "pools", "workloads", "memory", "candidates"] {
        assert!(v.get(key).is_some(), "no `{key}`");
    }
    for key in [
        "cost_usd_per_hour",
        "devices",
        "power_kw",
        "output_tokens_per_s",
        "usd_per_million_output_tokens",
    ] {
        assert!(v["totals"].get(key).is_some(), "no totals.{key}");
    }
    let solver = &v["solver"];
    let status = solver["status"].as_str().unwrap();
    assert!(["optimal", "gap_limit", "time_limit", "feasible"].contains(&status));
    // The proven gap is the cost's distance from the bound, within the MIP gap when the
    // status says so.
    let cost = solver["objective_usd_per_hour"].as_f64().unwrap();
    let bound = solver["lower_bound_usd_per_hour"].as_f64().unwrap();
    let gap = solver["proven_gap"].as_f64().unwrap();
    assert!(bound <= cost && ((cost - bound) / cost - gap).abs() < 1e-5, "{solver}");
    if matches!(status, "optimal" | "gap_limit") {
        assert!(gap <= solver["options"]["mip_gap"].as_f64().unwrap() + 1e-9, "{solver}");
    }
    let d = &v["pools"][0]["deployments"][0];
    for key in [
        "workload",
        "role",
        "instances",
        "devices_per_instance",
        "tensor_parallel",
        "pipeline_stages",
        "batch",
        "utilisation",
        "cost_usd_per_hour",
    ] {
        assert!(d.get(key).is_some(), "no deployment.{key}");
    }
    let c = &v["candidates"][0];
    for key in [
        "instances",
        "workload",
        "pool",
        "role",
        "devices",
        "requests_per_s",
        "cost_usd_per_hour",
        "derivation",
    ] {
        assert!(c.get(key).is_some(), "no candidate.{key}");
    }
}

/// xorshift, to draw small instances deterministically.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Cheapest instance counts by exhaustive search: every combination within the pool limits.
fn brute_force(g: &fleetplan::graph::CandidateGraph, spec: &Spec) -> Option<f64> {
    fn search(
        i: usize,
        g: &fleetplan::graph::CandidateGraph,
        spec: &Spec,
        used: &mut BTreeMap<String, u32>,
        counts: &mut Vec<u32>,
        best: &mut Option<f64>,
    ) {
        if i == g.candidates.len() {
            for (name, pool) in &spec.pools {
                let has_candidates = g.candidates.iter().any(|c| &c.pool == name);
                if has_candidates && used.get(name).copied().unwrap_or(0) < pool.min_devices {
                    return;
                }
            }
            // `configs`: at most that many distinct candidates per role of a workload.
            for w in spec.workloads.values() {
                let Some(limit) = w.max_configs else { continue };
                for role in [Role::Prefill, Role::Decode, Role::Aggregated] {
                    let used = g
                        .candidates
                        .iter()
                        .zip(counts.iter())
                        .filter(|(c, n)| c.workload == w.name && c.role == role && **n > 0)
                        .count();
                    if used > limit as usize {
                        return;
                    }
                }
            }
            for d in &g.demands {
                let stored = best_stored_share(g, d, counts);
                let mut pre = 0.0;
                let mut dec = 0.0;
                for (c, n) in g.candidates.iter().zip(counts.iter()) {
                    if c.workload != d.workload {
                        continue;
                    }
                    if matches!(c.role, Role::Prefill | Role::Aggregated) {
                        pre += c.requests_per_s * f64::from(*n);
                    }
                    if matches!(c.role, Role::Decode | Role::Aggregated) {
                        dec += c.requests_per_s * f64::from(*n);
                    }
                }
                // Hits save `hit_saving` of a prompt's prefill for the share stored.
                if pre < d.rate_per_s * (1.0 - d.hit_saving * stored) - 1e-9 || dec < d.rate_per_s {
                    return;
                }
            }
            let cost: f64 = g
                .candidates
                .iter()
                .zip(counts.iter())
                .map(|(c, n)| c.cost_usd_per_hour * f64::from(*n))
                .sum();
            let power: f64 = g
                .candidates
                .iter()
                .zip(counts.iter())
                .map(|(c, n)| {
                    let device = &spec.devices[&spec.pools[&c.pool].device];
                    let watts = spec.pools[&c.pool].power_watts.or(device.power_watts);
                    watts.unwrap_or(0.0) * f64::from(c.devices * n)
                })
                .sum();
            if spec.site.budget_usd_per_hour.is_some_and(|b| cost > b + 1e-9)
                || spec.site.max_power_watts.is_some_and(|p| power > p + 1e-9)
            {
                return;
            }
            if best.is_none_or(|b| cost < b) {
                *best = Some(cost);
            }
            return;
        }
        let c = &g.candidates[i];
        let max = spec.pools[&c.pool].max_devices;
        let mut n = 0;
        loop {
            counts[i] = n;
            search(i + 1, g, spec, used, counts, best);
            let pool_used = used.entry(c.pool.clone()).or_default();
            if *pool_used + c.devices > max {
                break;
            }
            *pool_used += c.devices;
            n += 1;
        }
        *used.get_mut(&c.pool).unwrap() -= n * c.devices;
        counts[i] = 0;
    }
    let mut best = None;
    search(0, g, spec, &mut BTreeMap::new(), &mut vec![0; g.candidates.len()], &mut best);
    best
}

/// The largest share of a workload's retained KV that the instances `counts` can hold, for a
/// workload that shares no tier with another (as the generated cases are): every tier it may
/// use holds at most its capacity and serves at most its read bandwidth, separately, so the
/// best share is their sum, capped at the whole. Free tiers only (spare HBM, host memory): the
/// cases buy no SSD.
fn best_stored_share(g: &fleetplan::graph::CandidateGraph, d: &Demand, counts: &[u32]) -> f64 {
    if d.retained_bytes <= 0.0 {
        return 0.0;
    }
    let mut share = 0.0;
    for &t in &d.tiers {
        let tier = &g.tiers[t];
        let backing = g.candidates.iter().zip(counts).filter(|(c, _)| {
            c.pool == tier.pool && tier.workload.as_ref().is_none_or(|w| *w == c.workload)
        });
        let (mut devices, mut spare) = (0.0, 0.0);
        for (c, n) in backing {
            devices += f64::from(c.devices * n);
            spare += c.derivation.spare_kv_gb.unwrap_or(0.0) * 1e9 * f64::from(*n);
        }
        let capacity = match tier.kind {
            TierKind::SpareHbm => spare,
            TierKind::HostMemory => tier.capacity_bytes_per_unit * devices,
            TierKind::Devices => panic!("the brute force buys no SSD"),
        };
        let reads = tier.read_bytes_per_s_per_unit * devices;
        let by_reads = if d.hit_bytes > 0.0 { reads / (d.rate_per_s * d.hit_bytes) } else { 1.0 };
        share += (capacity / d.retained_bytes).min(by_reads);
    }
    share.min(1.0)
}

// The brute-force cases serve each model as `long`, the same model with `max_context` lifted:
// llama2_7b reads 4k tokens, and the checker refuses longer prompts, but these cases use it
// for its large KV cache (perf does not read `max_context`, so the physics is unchanged).
#[test]
fn milp_cost_equals_brute_force_on_small_instances() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    for case in 0..40 {
        let device = *rng.pick(&["h100_sxm", "h200", "l40s", "a100_80gb"]);
        let model = *rng.pick(&["llama3_1_8b", "llama2_7b", "qwen3_32b"]);
        let rate = *rng.pick(&[0.5, 2.0, 5.0, 9.0]);
        let input = *rng.pick(&[500, 2000, 6000]);
        let output = *rng.pick(&[100, 400]);
        let ttft = *rng.pick(&["500 ms", "1 s", "3 s"]);
        let tpot = *rng.pick(&["20 ms", "40 ms", "100 ms"]);
        let max = *rng.pick(&[4, 6, 8]);
        let configs = *rng.pick(&["", "", "configs = 1", "configs = 2"]);
        let text = format!(
            "use std.hardware.{{{device}}}\nuse std.models.{{{model}}}\n\
             model long from {model} {{ max_context = 1M tokens }}\n\
             pool p {{ device = {device}  per_node = 4  max = {max}  price = 2 $/h }}\n\
             workload w {{ model = long  rate = {rate} req/s  input = {input} tokens  output = {output} tokens\n\
               slo {{ ttft p90 <= {ttft}  tpot p90 <= {tpot} }} {configs} }}\n"
        );
        let spec = fleetplan::compile(Root::Text { name: format!("case{case}.fleet"), text })
            .unwrap()
            .result
            .unwrap();
        compared += compare_with_brute_force(case, &spec);
    }
    assert!(compared >= 10, "only {compared} feasible cases compared");
}

/// Two workloads competing for a cheap pool with a dearer one beside it, sometimes with a
/// minimum: exercises solving by groups (each workload alone), the check of the shared pool
/// limits, the fallback to the whole program, and the pruning of dominated candidates.
#[test]
fn milp_cost_equals_brute_force_with_shared_pools() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut compared = 0;
    for case in 0..16 {
        let model = *rng.pick(&["llama3_1_8b", "llama2_7b"]);
        let rates = [*rng.pick(&[1.0, 4.0, 12.0]), *rng.pick(&[1.0, 4.0, 12.0])];
        let inputs = [*rng.pick(&[500, 4000]), *rng.pick(&[500, 4000])];
        let cheap_max = *rng.pick(&[2, 3, 4]);
        let dear_min = *rng.pick(&[0, 0, 1, 2]);
        let text = format!(
            "use std.hardware.{{h100_sxm, l40s}}\nuse std.models.{{{model}}}\n\
             model long from {model} {{ max_context = 1M tokens }}\n\
             pool cheap {{ device = h100_sxm  per_node = 4  max = {cheap_max}  price = 2 $/h }}\n\
             pool dear {{ device = l40s  per_node = 2  max = 2  min = {dear_min}  price = 5 $/h }}\n\
             workload a {{ model = long  rate = {} req/s  input = {} tokens  output = 200 tokens\n\
               slo {{ ttft p90 <= 2 s  tpot p90 <= 60 ms }} }}\n\
             workload b {{ model = long  rate = {} req/s  input = {} tokens  output = 200 tokens\n\
               slo {{ ttft p90 <= 2 s  tpot p90 <= 60 ms }} }}\n",
            rates[0], inputs[0], rates[1], inputs[1]
        );
        let spec = fleetplan::compile(Root::Text { name: format!("shared{case}.fleet"), text })
            .unwrap()
            .result
            .unwrap();
        compared += compare_with_brute_force(case, &spec);
    }
    assert!(compared >= 6, "only {compared} feasible cases compared");
}

/// One workload with retained sessions on a small pool: the spare HBM of the instances (and
/// host memory when the pool has it) holds sessions, whose hits save prefill; with minimums,
/// power and budget limits. Optimality then depends on every resource a candidate carries
/// (a pruning rule that ignored spare KV memory lost it).
#[test]
fn milp_cost_equals_brute_force_with_memory() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut compared = 0;
    for case in 0..60 {
        let device = *rng.pick(&["h100_sxm", "h200"]);
        let model = *rng.pick(&["llama3_1_8b", "llama2_7b"]);
        let rate = *rng.pick(&[0.5, 1.0, 2.0, 4.0]);
        let input = *rng.pick(&["8k", "16k", "32k", "32k"]);
        let reuse = *rng.pick(&[50, 90, 90]);
        let sessions = *rng.pick(&[10, 30, 100, 100, 300]);
        let max = *rng.pick(&[4, 6]);
        let min = *rng.pick(&[0, 0, 2]);
        let host = *rng.pick(&["", "", "host_memory = 64 GB"]);
        let site = *rng.pick(&["", "site { power = 5 kW }", "site { budget = 14 $/h }"]);
        let text = format!(
            "use std.hardware.{{{device}}}
use std.models.{{{model}}}
             model long from {model} {{ max_context = 1M tokens }}
             pool p {{ device = {device}  per_node = 4  max = {max}  min = {min}  price = 2 $/h  {host} }}
             workload w {{ model = long  rate = {rate} req/s  input = {input} tokens  output = 200 tokens
               slo {{ ttft p90 <= 3 s  tpot p90 <= 50 ms }}
               memory {{ reuse = {reuse}%  sessions = {sessions}  context = {input} tokens }} }}
{site}
"
        );
        let spec = fleetplan::compile(Root::Text { name: format!("memory{case}.fleet"), text })
            .unwrap()
            .result
            .unwrap();
        compared += compare_with_brute_force(case, &spec);
    }
    assert!(compared >= 25, "only {compared} feasible cases compared");
}

/// 1 when the MILP and brute force agree on a plan, 0 when both find none; panics otherwise.
fn compare_with_brute_force(case: usize, spec: &Spec) -> usize {
    let g = fleetplan::graph::build(spec);
    let exact = Options { mip_gap: 0.0, ..Options::default() };
    let solved = fleetplan::solve::solve(spec, &g, &exact);
    let brute = brute_force(&g, spec);
    match (solved, brute) {
        (Ok(solution), Some(best)) => {
            assert!(
                (solution.objective_usd_per_hour - best).abs() < 1e-6,
                "case {case}: MILP {} vs brute force {best}",
                solution.objective_usd_per_hour
            );
            1
        }
        (Err(_), None) => 0,
        (Ok(s), None) => panic!(
            "case {case}: MILP found {} but brute force found nothing",
            s.objective_usd_per_hour
        ),
        (Err(_), Some(best)) => {
            panic!("case {case}: brute force found {best} but the MILP found no plan")
        }
    }
}

/// Plans `text` at the default options and checks the plan with the independent verifier.
fn verified_plan(name: &str, text: String) -> fleetplan::report::Plan {
    let spec = fleetplan::compile(Root::Text { name: name.into(), text }).unwrap().result.unwrap();
    let g = fleetplan::graph::build(&spec);
    let solution = fleetplan::solve::solve(&spec, &g, &Options::default()).unwrap();
    let plan = fleetplan::report::plan(name, &spec, &g, &solution);
    verify(&spec, &plan);
    plan
}

/// With no SSD and no host memory, retained sessions go to the HBM the planned instances leave
/// unused, within it, and prefill shrinks by what the hits save.
#[test]
fn sessions_fit_in_spare_hbm() {
    let text = |memory: &str| {
        format!(
            "use std.hardware.{{h200}}\nuse std.models.{{llama3_1_8b}}\n\
             pool gpu {{ device = h200  per_node = 8  max = 64  price = 3 $/h }}\n\
             workload agent {{ model = llama3_1_8b  rate = 20 req/s  input = 16k tokens  output = 200 tokens\n\
               slo {{ ttft p90 <= 2 s  tpot p90 <= 40 ms }}\n{memory} }}\n"
        )
    };
    let plan_of = |text: String| verified_plan("agent.fleet", text);
    let without = plan_of(text(""));
    let with = plan_of(text("memory { reuse = 90%  sessions = 200  context = 16k tokens }"));
    let tier = with.memory.iter().find(|t| matches!(t.kind, TierKind::SpareHbm)).unwrap();
    assert!(tier.used_gb > 0.0 && tier.used_gb <= tier.capacity_gb * (1.0 + 1e-5), "{tier:?}");
    assert!(with.workloads[0].kv_hit_share > 0.5, "{:?}", with.workloads[0]);
    assert!(
        with.totals.cost_usd_per_hour < without.totals.cost_usd_per_hour,
        "{} vs {}",
        with.totals.cost_usd_per_hour,
        without.totals.cost_usd_per_hour
    );
}

/// `configs = 1`: one configuration per role, and the plan states what that costs against the
/// same file planned without the limit.
#[test]
fn a_configs_limit_is_kept_and_priced() {
    let text = |limit: &str| {
        format!(
            "use std.hardware.{{h200}}\nuse std.models.{{llama3_1_70b}}\n\
             model m from llama3_1_70b {{ weights = fp8 }}\n\
             pool gpu {{ device = h200  per_node = 8  max = 256  price = 3.29 $/h }}\n\
             workload chat {{ model = m  rate = 25 req/s  input = 2k tokens  output = 300 tokens\n\
               slo {{ ttft p90 <= 1 s  tpot p90 <= 40 ms }} {limit} }}\n"
        )
    };
    let plan_of = |text: String| verified_plan("chat.fleet", text);
    let free = plan_of(text(""));
    let limited = plan_of(text("configs = 1"));
    for role in [Role::Prefill, Role::Decode, Role::Aggregated] {
        let configs = limited
            .candidates
            .iter()
            .filter(|c| c.instances > 0 && c.candidate.role == role)
            .count();
        assert!(configs <= 1, "{} configurations for {}", configs, role.name());
    }
    let free_configs = free.candidates.iter().filter(|c| c.instances > 0).count();
    assert!(free_configs > 2, "the unlimited plan uses {free_configs} configurations");
    assert_eq!(free.solver.unconstrained_usd_per_hour, None);
    let reported = limited.solver.unconstrained_usd_per_hour.unwrap();
    assert!((reported - free.totals.cost_usd_per_hour).abs() < 1e-3 * reported);
    assert!(limited.totals.cost_usd_per_hour >= free.totals.cost_usd_per_hour - 1e-6);
}

/// One or two workloads on two pools of the same device with different prices, limits, power
/// and minimums: the dominance across pools (solve/prune.rs) drops the dear pool's candidates
/// only where the cheap pool's maximum cannot bind, the dear pool has no minimum and power
/// does not rise. Cases where the cheap pool is too small, where the dear one has a minimum,
/// and where the site's power or budget binds all have to come out at the brute force's cost.
#[test]
fn milp_cost_equals_brute_force_across_pools_of_one_device() {
    let mut rng = Rng(0x5851_F42D_4C95_7F2D);
    let mut compared = 0;
    for case in 0..24 {
        let model = *rng.pick(&["llama3_1_8b", "llama2_7b"]);
        let rate = *rng.pick(&[1.0, 4.0, 12.0]);
        let cheap_max = *rng.pick(&[1, 2, 4]);
        let dear_max = *rng.pick(&[2, 4]);
        let dear_min = *rng.pick(&[0, 0, 0, 1]);
        let dear_price = *rng.pick(&["2", "3", "5"]);
        // The cheap pool may draw more power per device than the dear one.
        let cheap_power = *rng.pick(&["", "power = 1200 W"]);
        let site = *rng.pick(&["", "", "site { power = 4 kW }", "site { budget = 20 $/h }"]);
        let second = if rng.pick(&[false, true]) == &true {
            format!(
                "workload b {{ model = {model}  rate = {rate} req/s  input = 500 tokens  output = 100 tokens\n\
                   slo {{ ttft p90 <= 2 s  tpot p90 <= 60 ms }} }}\n"
            )
        } else {
            String::new()
        };
        let text = format!(
            "use std.hardware.{{h100_sxm}}\nuse std.models.{{{model}}}\n\
             pool cheap {{ device = h100_sxm  per_node = 2  max = {cheap_max}  price = 2 $/h  {cheap_power} }}\n\
             pool dear {{ device = h100_sxm  per_node = 2  max = {dear_max}  min = {dear_min}  price = {dear_price} $/h }}\n\
             workload a {{ model = {model}  rate = {rate} req/s  input = 2000 tokens  output = 200 tokens\n\
               slo {{ ttft p90 <= 2 s  tpot p90 <= 60 ms }} }}\n{second}{site}\n"
        );
        let spec = fleetplan::compile(Root::Text { name: format!("across{case}.fleet"), text })
            .unwrap()
            .result
            .unwrap();
        compared += compare_with_brute_force(case, &spec);
    }
    assert!(compared >= 10, "only {compared} feasible cases compared");
}

/// The plan is the same bytes on one thread as on several: the graph's workloads and the
/// solve's groups are derived in parallel but assembled in order (src/parallel.rs).
#[test]
fn one_thread_and_several_give_the_same_bytes() {
    fn same_bytes(name: &str, root: impl Fn() -> Root) {
        let json = |threads: usize| {
            let options = Options { threads, ..Options::default() };
            match fleetplan::plan(root(), &options).map(|p| p.outcome) {
                Ok(PlanOutcome::Planned { plan, .. }) => fleetplan::dump::json(&plan),
                Ok(PlanOutcome::Infeasible { .. }) => "infeasible".to_string(),
                _ => panic!("{name} does not check"),
            }
        };
        assert_eq!(json(1), json(4), "{name}: one thread and four planned differently");
    }
    for path in common::fleet_files("examples") {
        same_bytes(&path.display().to_string(), || Root::Path(path.clone()));
    }
    // 20 workloads: many groups, solved on several threads; at 30 `b200_2`'s maximum binds
    // and the groups are solved again at priced devices (solve/lagrange.rs), also in parallel.
    for n in [20, 30] {
        let text = generate::fleet(n, generate::SEED);
        same_bytes(&format!("generated-{n}"), || Root::Text {
            name: format!("generated-{n}.fleet"),
            text: text.clone(),
        });
    }
}
