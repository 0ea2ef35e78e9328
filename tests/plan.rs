//! The planner: every example's plan (or its diagnostics) is pinned, every plan passes an
//! independent verifier that re-derives it from `perf`, plans are deterministic, and on small
//! instances the MILP's cost equals a brute-force enumeration's.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use fleetplan::diagnostic::RenderStyle;
use fleetplan::graph::{Demand, TierKind};
use fleetplan::load::Root;
use fleetplan::perf::{self, Role};
use fleetplan::solve::Options;
use fleetplan::spec::{Metric, Spec};
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

/// Re-evaluates a plan with `perf` alone: each chosen deployment is a candidate `perf` derives
/// again for that workload and pool, with the same figures; every SLO holds at the predicted
/// latencies; demand is covered; pool limits hold; the cost adds up.
fn verify(spec: &Spec, plan: &fleetplan::report::Plan) {
    let mut prefill: BTreeMap<&str, f64> = BTreeMap::new();
    let mut decode: BTreeMap<&str, f64> = BTreeMap::new();
    let mut cost = 0.0;
    let mut devices_per_pool: BTreeMap<&str, u32> = BTreeMap::new();
    for chosen in plan.candidates.iter().filter(|c| c.instances > 0) {
        let c = &chosen.candidate;
        let w = &spec.workloads[&c.workload];
        let model = &spec.models[&w.model];
        let pool = &spec.pools[&c.pool];
        let device = &spec.devices[&pool.device];
        let (again, _) = perf::candidates(w, model, pool, device);
        let same = again
            .iter()
            .find(|a| a.role == c.role && a.devices == c.devices)
            .unwrap_or_else(|| {
                panic!(
                    "{} {} ×{} is not a candidate perf derives",
                    c.pool,
                    c.role.name(),
                    c.devices
                )
            });
        assert_eq!(same.batch, c.batch);
        assert!((same.requests_per_s - c.requests_per_s).abs() <= 1e-9 * c.requests_per_s.max(1.0));
        for bound in &w.slo {
            let predicted = match bound.metric {
                Metric::Ttft => same.ttft_s,
                Metric::Tpot => same.tpot_s,
                Metric::E2e => None,
            };
            if let Some(p) = predicted {
                assert!(
                    p <= bound.limit_s * (1.0 + 1e-9),
                    "{}: {:?} {p} > {}",
                    c.workload,
                    bound.metric,
                    bound.limit_s
                );
            }
        }
        let n = f64::from(chosen.instances);
        if matches!(c.role, Role::Prefill | Role::Aggregated) {
            *prefill.entry(c.workload.as_str()).or_default() += n * same.requests_per_s;
        }
        if matches!(c.role, Role::Decode | Role::Aggregated) {
            *decode.entry(c.workload.as_str()).or_default() += n * same.requests_per_s;
        }
        cost += n * f64::from(c.devices) * pool.price_usd_per_hour;
        *devices_per_pool.entry(c.pool.as_str()).or_default() += chosen.instances * c.devices;
    }
    for w in spec.workloads.values() {
        let hits =
            plan.workloads.iter().find(|p| p.workload == w.name).map_or(0.0, |p| p.kv_hit_share);
        // A hit serves `reuse` of the prompt's tokens but saves less of its prefill work: the
        // new tokens attend to the reused ones (perf (10)).
        let saved = match &w.memory {
            Some(m) if m.reuse > 0.0 => {
                let model = &spec.models[&w.model];
                hits / m.reuse * fleetplan::perf::memory::hit_saving(model, w.input_tokens, m.reuse)
            }
            _ => 0.0,
        };
        // The plan rounds the hit share to 4 decimals: allow half a unit of that rounding.
        let need = w.rate_per_s * (1.0 - saved - 5e-5);
        let got = prefill.get(w.name.as_str()).copied().unwrap_or(0.0);
        assert!(got >= need * (1.0 - 1e-6), "{}: prefill {got} < {need}", w.name);
        let got = decode.get(w.name.as_str()).copied().unwrap_or(0.0);
        assert!(got >= w.rate_per_s * (1.0 - 1e-6), "{}: decode {got} < {}", w.name, w.rate_per_s);
    }
    for (pool, used) in &devices_per_pool {
        assert!(*used <= spec.pools[*pool].max_devices, "pool {pool}: {used} devices");
    }
    for tier in &plan.memory {
        cost += tier.cost_usd_per_hour;
        // Shares come from the solver, feasible to its tolerance (1e-6 relative).
        assert!(
            tier.used_gb <= tier.capacity_gb * (1.0 + 1e-5) + 0.1,
            "tier {} over capacity",
            tier.pool
        );
        assert!(
            tier.read_gb_per_s <= tier.read_capacity_gb_per_s + 1e-3,
            "tier {} over bandwidth",
            tier.pool
        );
    }
    assert!(
        (cost - plan.totals.cost_usd_per_hour).abs() < 1e-3,
        "cost {cost} vs {}",
        plan.totals.cost_usd_per_hour
    );
    if let Some(budget) = spec.site.budget_usd_per_hour {
        assert!(plan.totals.cost_usd_per_hour <= budget + 1e-6);
    }
    if let Some(power) = spec.site.max_power_watts {
        assert!(plan.totals.power_kw * 1e3 <= power + 1e-3);
    }
    for w in &plan.workloads {
        assert!(w.latency.iter().all(|l| l.met), "{}: an SLO is not met", w.workload);
    }
}

#[test]
fn every_example_plan_passes_the_verifier() {
    let mut planned_count = 0;
    for path in common::fleet_files("examples") {
        let planned = plan_file(&path, &Options::default());
        if let PlanOutcome::Planned { plan, .. } = &planned.outcome {
            verify(&spec_of(&path), plan);
            planned_count += 1;
        }
    }
    assert!(planned_count >= 3, "only {planned_count} examples plan");
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
    assert!(
        ["optimal", "gap_limit", "time_limit"].contains(&v["solver"]["status"].as_str().unwrap())
    );
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

#[test]
fn milp_cost_equals_brute_force_on_small_instances() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    for case in 0..24 {
        let device = *rng.pick(&["h100_sxm", "h200", "l40s", "a100_80gb"]);
        let model = *rng.pick(&["llama3_1_8b", "llama2_7b", "qwen3_32b"]);
        let rate = *rng.pick(&[0.5, 2.0, 5.0, 9.0]);
        let input = *rng.pick(&[500, 2000, 6000]);
        let output = *rng.pick(&[100, 400]);
        let ttft = *rng.pick(&["500 ms", "1 s", "3 s"]);
        let tpot = *rng.pick(&["20 ms", "40 ms", "100 ms"]);
        let max = *rng.pick(&[4, 6, 8]);
        let text = format!(
            "use std.hardware.{{{device}}}\nuse std.models.{{{model}}}\n\
             pool p {{ device = {device}  per_node = 4  max = {max}  price = 2 $/h }}\n\
             workload w {{ model = {model}  rate = {rate} req/s  input = {input} tokens  output = {output} tokens\n\
               slo {{ ttft p90 <= {ttft}  tpot p90 <= {tpot} }} }}\n"
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
             pool cheap {{ device = h100_sxm  per_node = 4  max = {cheap_max}  price = 2 $/h }}\n\
             pool dear {{ device = l40s  per_node = 2  max = 2  min = {dear_min}  price = 5 $/h }}\n\
             workload a {{ model = {model}  rate = {} req/s  input = {} tokens  output = 200 tokens\n\
               slo {{ ttft p90 <= 2 s  tpot p90 <= 60 ms }} }}\n\
             workload b {{ model = {model}  rate = {} req/s  input = {} tokens  output = 200 tokens\n\
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
             pool p {{ device = {device}  per_node = 4  max = {max}  min = {min}  price = 2 $/h  {host} }}
             workload w {{ model = {model}  rate = {rate} req/s  input = {input} tokens  output = 200 tokens
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
    let plan_of = |text: String| {
        let spec = fleetplan::compile(Root::Text { name: "agent.fleet".into(), text })
            .unwrap()
            .result
            .unwrap();
        let g = fleetplan::graph::build(&spec);
        let solution = fleetplan::solve::solve(&spec, &g, &Options::default()).unwrap();
        let plan = fleetplan::report::plan("agent.fleet", &spec, &g, &solution);
        verify(&spec, &plan);
        plan
    };
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
