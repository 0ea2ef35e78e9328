//! Stage 7 (optional), simulate: a discrete-event simulation of a plan, request by request.
//!
//! Arrivals per workload (Poisson, gamma with a coefficient of variation, or a replayed
//! trace), lengths drawn from the workload's distributions, prefill instances as FCFS queues,
//! KV transfers over the NIC, decode instances with continuous batching bounded by their KV
//! memory, aggregated instances with chunked prefill. Every service time comes from `perf`;
//! this module only schedules. docs/simulate.md states the model and its policies.
//!
//! The entry is [`simulate`]: spec + graph + solution → [`SimReport`]. Deterministic: a seed
//! gives the same bytes.

mod engine;
pub mod queue;
mod report;
pub mod rng;
mod trace;
mod verify;

use std::collections::HashMap;

pub use report::{
    quantile, report_text, slo_misses, DeploymentSim, PoolSim, Quantiles, SimError, SimReport,
    SloCheck, WorkloadSim,
};
pub use trace::{parse_trace, TraceError, TraceRequest, MAX_SIMULATED_TOKENS};
pub use verify::{verify, verify_text, verify_with_progress, Round, Verification, MARGINS};

use engine::{Arrival, Engine, Kind, Route, Window};
use rng::Rng;

use crate::graph::{CandidateGraph, TierKind};
use crate::perf::{self, Role};
use crate::solve::Solution;
use crate::spec::{Arrivals, Spec};

/// How much traffic to simulate.
#[derive(Clone, Debug)]
pub enum Traffic {
    /// This many requests in all, the earliest of every workload's stream.
    Requests(u64),
    /// Every request arriving in this many seconds.
    Duration(f64),
    /// Replay these requests (from `parse_trace`).
    Trace(Vec<TraceRequest>),
}

/// Options of a simulation.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub traffic: Traffic,
    pub seed: u64,
    /// Share of the first requests (in arrival order) left out of every statistic.
    pub warmup: f64,
}

/// Most requests one run generates (about 100 bytes each while it runs, so about 500 MB):
/// `--duration` stops there, and `--requests` may not ask for more. It was 50 million, which
/// needed 5 GB; statistics that stream (a quantile sketch) would lift it.
pub const MAX_REQUESTS: u64 = 5_000_000;

/// Requests simulated when nothing else is asked.
pub const DEFAULT_REQUESTS: u64 = 100_000;

/// Share of requests discarded as warm-up: the fleet starts empty, and the first requests see
/// shorter queues than the steady state.
pub const WARMUP_SHARE: f64 = 0.05;

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions { traffic: Traffic::Requests(DEFAULT_REQUESTS), seed: 1, warmup: WARMUP_SHARE }
    }
}

/// Simulates the plan.
pub fn simulate(
    spec: &Spec,
    graph: &CandidateGraph,
    solution: &Solution,
    options: &SimOptions,
) -> SimReport {
    simulate_with_progress(spec, graph, solution, options, &mut |_, _| {})
}

/// [`simulate`], calling `progress(done, total)` as arrivals are processed.
pub fn simulate_with_progress(
    spec: &Spec,
    graph: &CandidateGraph,
    solution: &Solution,
    options: &SimOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> SimReport {
    let names: Vec<&String> = spec.workloads.keys().collect();
    let arrivals = arrivals(spec, options);
    let warmup = ((arrivals.len() as f64) * options.warmup.clamp(0.0, 1.0)).floor() as usize;
    let window = Window {
        start: arrivals.get(warmup).or(arrivals.last()).map_or(0.0, |a| a.time),
        end: arrivals.last().map_or(0.0, |a| a.time),
    };

    // One kind per chosen candidate, and its instances.
    let mut kinds = Vec::new();
    let mut kind_candidate = Vec::new();
    let mut instance_kinds = Vec::new();
    let mut routes: Vec<Route> = Vec::new();
    for (w, name) in names.iter().enumerate() {
        let workload = &spec.workloads[*name];
        let demand = graph.demands.iter().enumerate().find(|(_, d)| &d.workload == *name);
        let mut tiers = Vec::new();
        let mut cumulative = 0.0;
        if let Some((index, _)) = demand {
            for &(pw, t, share) in &solution.placement {
                if pw == index && share > 0.0 {
                    if let Some(tier) = graph.tiers.get(t) {
                        cumulative += share;
                        tiers.push((cumulative.min(1.0), tier.read_bytes_per_s_per_unit));
                    }
                }
            }
        }
        routes.push(Route {
            prefill: Vec::new(),
            decode: Vec::new(),
            aggregated: Vec::new(),
            prefill_on_aggregated: 0.0,
            decode_on_aggregated: 0.0,
            tiers,
            reuse: workload.memory.as_ref().map_or(0.0, |m| m.reuse),
            rng: Rng::stream(options.seed, 3 * w as u64 + 2),
        });
    }
    // Retained sessions in a pool's spare HBM take that share of every instance's spare KV.
    let spare_used: Vec<f64> = graph
        .tiers
        .iter()
        .enumerate()
        .map(|(t, tier)| {
            if !matches!(tier.kind, TierKind::SpareHbm) {
                return 0.0;
            }
            let used = graph.tier_used_bytes(&solution.placement, t);
            let spare = graph.spare_hbm_bytes(&solution.instances, t);
            if spare > 0.0 {
                (used / spare).min(1.0)
            } else {
                0.0
            }
        })
        .collect();
    for (c, (candidate, &count)) in graph.candidates.iter().zip(&solution.instances).enumerate() {
        if count == 0 {
            continue;
        }
        let held_share: f64 = graph
            .tiers
            .iter()
            .zip(&spare_used)
            .filter(|(tier, _)| tier.backed_by(candidate))
            .map(|(_, share)| share)
            .sum();
        let Some(w) = names.iter().position(|n| **n == candidate.workload) else { continue };
        let workload = &spec.workloads[names[w]];
        let (Some(model), Some(pool)) =
            (spec.models.get(&workload.model), spec.pools.get(&candidate.pool))
        else {
            continue;
        };
        let Some(device) = spec.devices.get(&pool.device) else { continue };
        let instance = perf::Instance {
            model,
            device,
            tp: candidate.tensor_parallel,
            pp: candidate.pipeline_stages,
            weights: model.weights,
            kv: model.kv_cache,
        };
        let context = perf::mean_context(workload.input_tokens, workload.output_tokens);
        // Aggregated: up to the batch limit, and chunks fill each step up to the step budget
        // `T`, with at least the prefill part of a step at the batch limit (at the planner's
        // context), so prompts progress whatever the batch.
        let batch_cap = candidate.derivation.batch_limit.unwrap_or(candidate.batch).max(1);
        let (step_budget_s, chunk_floor_s) = if candidate.role == Role::Aggregated {
            let budget = candidate.derivation.step_budget_s.unwrap_or(0.0);
            let step =
                instance.decode_step(f64::from(batch_cap), perf::batch_context(workload)).time_s;
            (budget, (budget - step).max(0.0))
        } else {
            (0.0, 0.0)
        };
        let k = kinds.len();
        kinds.push(Kind {
            role: candidate.role,
            instance,
            batch_cap,
            planned_batch: candidate.batch.max(1),
            kv_capacity: instance.memory().kv_capacity_bytes
                - held_share * candidate.spare_kv_bytes(),
            step_budget_s,
            chunk_floor_s,
            bucket: (context / 128.0).max(1.0),
            step_cache: HashMap::new(),
            prefill_cache: HashMap::new(),
        });
        kind_candidate.push(c);
        for _ in 0..count {
            let i = instance_kinds.len();
            instance_kinds.push(k);
            let route = &mut routes[w];
            match candidate.role {
                Role::Prefill => route.prefill.push(i),
                Role::Decode => route.decode.push(i),
                Role::Aggregated => route.aggregated.push(i),
            }
        }
    }
    // Phase shares: each phase splits between aggregated and role instances in proportion to
    // the plan's capacities for it (as the program counts them: prefill capacity in full
    // prompts for both kinds), so that both run at the plan's utilisation.
    for (w, name) in names.iter().enumerate() {
        let capacity = |role: Role| -> f64 {
            graph
                .candidates
                .iter()
                .zip(&solution.instances)
                .filter(|(c, _)| &c.workload == *name && c.role == role)
                .map(|(c, n)| c.requests_per_s * f64::from(*n))
                .sum()
        };
        let route = &mut routes[w];
        let aggregated = capacity(Role::Aggregated);
        let share = |other: f64| -> f64 {
            if aggregated + other > 0.0 {
                aggregated / (aggregated + other)
            } else {
                0.0
            }
        };
        route.prefill_on_aggregated = share(capacity(Role::Prefill));
        route.decode_on_aggregated = share(capacity(Role::Decode));
    }

    let models: Vec<Option<&crate::spec::Model>> =
        names.iter().map(|n| spec.models.get(&spec.workloads[*n].model)).collect();
    let kv_of = move |w: usize, tokens: f64| -> f64 {
        models
            .get(w)
            .copied()
            .flatten()
            .map_or(0.0, |m| perf::model::kv_bytes(m, m.kv_cache, tokens))
    };
    let engine = Engine::new(&mut kinds, &mut routes, &instance_kinds, &kv_of, window);
    let outcome = engine.run(&arrivals, warmup, progress);
    report::assemble(
        spec,
        graph,
        solution,
        options,
        &arrivals,
        warmup,
        window,
        &kind_candidate,
        outcome,
    )
}

/// Every request of the run, in arrival order.
fn arrivals(spec: &Spec, options: &SimOptions) -> Vec<Arrival> {
    let names: Vec<&String> = spec.workloads.keys().collect();
    if let Traffic::Trace(requests) = &options.traffic {
        let mut out: Vec<Arrival> = requests
            .iter()
            .filter_map(|r| {
                let w = names.iter().position(|n| **n == r.workload)?;
                Some(Arrival {
                    time: r.time_s,
                    workload: w as u32,
                    input: r.input_tokens.max(1),
                    output: r.output_tokens.max(1),
                })
            })
            .collect();
        out.sort_by(|a, b| a.time.total_cmp(&b.time));
        return out;
    }
    // One stream of inter-arrival times and one of lengths per workload.
    struct Stream<'a> {
        next: f64,
        mean_gap: f64,
        arrivals: Arrivals,
        input: &'a crate::spec::Lengths,
        output: &'a crate::spec::Lengths,
        gaps: Rng,
        lengths: Rng,
    }
    impl Stream<'_> {
        fn gap(&mut self) -> f64 {
            match self.arrivals {
                Arrivals::Poisson => self.gaps.exponential(self.mean_gap),
                Arrivals::Gamma { cv } if cv > 0.0 => {
                    let shape = 1.0 / (cv * cv);
                    self.gaps.gamma(shape, self.mean_gap / shape)
                }
                Arrivals::Gamma { .. } => self.mean_gap,
            }
        }
    }
    let mut streams: Vec<Stream> = names
        .iter()
        .enumerate()
        .map(|(w, name)| {
            let workload = &spec.workloads[*name];
            let rate = workload.rate_per_s;
            let mut stream = Stream {
                next: 0.0,
                mean_gap: if rate > 0.0 { 1.0 / rate } else { f64::INFINITY },
                arrivals: workload.arrivals,
                input: &workload.input,
                output: &workload.output,
                gaps: Rng::stream(options.seed, 3 * w as u64),
                lengths: Rng::stream(options.seed, 3 * w as u64 + 1),
            };
            stream.next = if rate > 0.0 { stream.gap() } else { f64::INFINITY };
            stream
        })
        .collect();
    let (limit, horizon) = match options.traffic {
        Traffic::Requests(n) => (n.min(MAX_REQUESTS), f64::INFINITY),
        Traffic::Duration(d) => (MAX_REQUESTS, d),
        Traffic::Trace(_) => (0, 0.0),
    };
    let mut out = Vec::new();
    while (out.len() as u64) < limit {
        let Some((w, stream)) =
            streams.iter_mut().enumerate().min_by(|a, b| a.1.next.total_cmp(&b.1.next))
        else {
            break;
        };
        if !stream.next.is_finite() || stream.next >= horizon {
            break;
        }
        let tokens = |lengths: &crate::spec::Lengths, rng: &mut Rng| -> u32 {
            lengths.sample(rng.uniform()).round().clamp(1.0, 1e9) as u32
        };
        let input = tokens(stream.input, &mut stream.lengths);
        let output = tokens(stream.output, &mut stream.lengths);
        out.push(Arrival { time: stream.next, workload: w as u32, input, output });
        stream.next += stream.gap();
    }
    out
}
