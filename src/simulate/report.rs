//! What a simulation gives: per workload latency percentiles and SLO attainment next to the
//! plan's predictions, per pool utilisation and queues; as a value (JSON through serde), as
//! text, and as diagnostics for the SLOs it misses.

use crate::check::units::duration_text;
use miette::Diagnostic;
use serde::Serialize;
use thiserror::Error;

use super::engine::{Arrival, Outcome, Window};
use super::{SimOptions, Traffic};
use crate::diagnostic::{Diagnostics, StageError};
use crate::graph::CandidateGraph;
use crate::perf::Role;
use crate::report::Table;
use crate::solve::Solution;
use crate::source::Span;
use crate::spec::{Metric, Percentile, SloBound, Spec};

/// Bumped when the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SimReport {
    pub schema_version: u32,
    /// The simulated file (set by the caller; empty otherwise).
    pub source: String,
    pub seed: u64,
    /// `generated` or `trace`.
    pub traffic: &'static str,
    /// Requests simulated, and the first of them left out as warm-up.
    pub requests: u64,
    pub warmup_requests: u64,
    /// Arrival time of the last request, in seconds.
    pub traffic_s: f64,
    /// The measurement window (first counted arrival to last arrival), in seconds.
    pub window_s: f64,
    pub workloads: Vec<WorkloadSim>,
    pub pools: Vec<PoolSim>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct WorkloadSim {
    pub workload: String,
    /// Counted requests (after warm-up).
    pub requests: u64,
    /// Requests no instance could take (the plan has no route for them).
    pub unserved: u64,
    pub ttft_s: Option<Quantiles>,
    pub tpot_s: Option<Quantiles>,
    pub e2e_s: Option<Quantiles>,
    pub slo_attainment: Vec<SloCheck>,
}

#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
pub struct Quantiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

/// One SLO bound: the share of requests within it, and the percentile simulated and planned.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SloCheck {
    pub metric: Metric,
    pub percentile: Percentile,
    pub slo_s: f64,
    /// Share of counted requests within the bound.
    pub attainment: f64,
    /// One-sided 95% confidence bound on the attainment (lower) for a percentile bound, or on
    /// the mean latency in seconds (upper) for a mean bound, by batch means: the counted requests,
    /// in the order they finish, split into [`BATCHES`] consecutive batches whose figures are
    /// nearly independent; Student's t over them. `None` with too few requests.
    pub confidence_95: Option<f64>,
    /// The share the percentile asks for (`None` for a mean bound).
    pub required: Option<f64>,
    /// The simulated latency at the bound's percentile (or the mean).
    pub simulated_s: Option<f64>,
    /// The plan's prediction for this bound.
    pub predicted_s: Option<f64>,
    /// The bound holds at 95% confidence: the attainment's lower bound at or above the
    /// percentile (the mean's upper bound within the limit).
    pub met: bool,
    #[serde(skip)]
    pub span: Span,
}

/// Batches of the batch-means confidence bounds.
pub const BATCHES: usize = 10;

/// Student's t quantile at 0.95 with `BATCHES − 1` = 9 degrees of freedom.
const T95_9: f64 = 1.833_112_933;

/// One-sided 95% bound of the mean of `f` over [`BATCHES`] consecutive batches of `values`
/// (lower when `lower`), if every batch has at least 30 values.
fn batch_means_bound(values: &[f64], f: impl Fn(&[f64]) -> f64, lower: bool) -> Option<f64> {
    let size = values.len() / BATCHES;
    if size < 30 {
        return None;
    }
    let means: Vec<f64> = values.chunks_exact(size).take(BATCHES).map(f).collect();
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    let variance = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let half = T95_9 * (variance / k).sqrt();
    Some(if lower { mean - half } else { mean + half })
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PoolSim {
    pub pool: String,
    pub devices: u32,
    /// Device-weighted utilisation of its deployments.
    pub utilisation: f64,
    /// Requests waiting, time-averaged, per instance.
    pub mean_queue: f64,
    pub max_queue: u32,
    pub deployments: Vec<DeploymentSim>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DeploymentSim {
    pub workload: String,
    pub role: Role,
    pub instances: u32,
    pub devices_per_instance: u32,
    /// Prefill: share of the window spent prefilling. Decode and aggregated: mean batch over
    /// the batch cap.
    pub utilisation: f64,
    /// The same figure as planned: demand over capacity, times the planned ρ for prefill.
    pub planned_utilisation: f64,
    /// Sequences decoding, time-averaged, per instance (decode and aggregated).
    pub mean_batch: Option<f64>,
    pub batch_cap: u32,
    pub mean_queue: f64,
    pub max_queue: u32,
}

/// Nearest-rank quantile of sorted values: the smallest value with at least `q` of the values
/// at or below it.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

fn quantiles(sorted: &[f64]) -> Option<Quantiles> {
    let q = |p| quantile(sorted, p);
    Some(Quantiles { p50: q(0.5)?, p90: q(0.9)?, p99: q(0.99)? })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn assemble(
    spec: &Spec,
    graph: &CandidateGraph,
    solution: &Solution,
    options: &SimOptions,
    arrivals: &[Arrival],
    warmup: usize,
    window: Window,
    kind_candidate: &[usize],
    outcome: Outcome,
) -> SimReport {
    let plan = crate::report::plan("", spec, graph, solution);
    let mut workloads = Vec::new();
    for (w, (name, workload)) in spec.workloads.iter().enumerate() {
        let Some(samples) = outcome.samples.get(w) else { continue };
        let (mut ttft, mut tpot, mut e2e) =
            (samples.ttft.clone(), samples.tpot.clone(), samples.e2e.clone());
        for v in [&mut ttft, &mut tpot, &mut e2e] {
            v.sort_by(f64::total_cmp);
        }
        let planned = plan.workloads.iter().find(|p| &p.workload == name);
        let slo_attainment = workload
            .slo
            .iter()
            .map(|bound| {
                let (values, in_order) = match bound.metric {
                    Metric::Ttft => (&ttft, &samples.ttft),
                    Metric::Tpot => (&tpot, &samples.tpot),
                    Metric::E2e => (&e2e, &samples.e2e),
                };
                let predicted_s = planned.and_then(|p| {
                    p.latency
                        .iter()
                        .find(|l| {
                            l.metric == bound.metric
                                && l.percentile == bound.percentile
                                && l.slo_s == bound.limit_s
                        })
                        .map(|l| l.predicted_s)
                });
                check(bound, values, in_order, predicted_s)
            })
            .collect();
        workloads.push(WorkloadSim {
            workload: name.clone(),
            requests: samples.ttft.len() as u64,
            unserved: samples.unserved,
            ttft_s: quantiles(&ttft),
            tpot_s: quantiles(&tpot),
            e2e_s: quantiles(&e2e),
            slo_attainment,
        });
    }

    // Deployments: chosen candidates of one (pool, workload, role, size).
    let length = (window.end - window.start).max(0.0);
    let mut pools: Vec<PoolSim> = Vec::new();
    for pool in spec.pools.keys() {
        let mut deployments = Vec::new();
        let (mut device_busy, mut devices, mut queue, mut instances, mut max_queue) =
            (0.0, 0u32, 0.0, 0u32, 0u32);
        for (k, &c) in kind_candidate.iter().enumerate() {
            let candidate = &graph.candidates[c];
            if &candidate.pool != pool {
                continue;
            }
            let mine: Vec<_> = outcome.instances.iter().filter(|i| i.kind == k).collect();
            let n = mine.len() as u32;
            let per = |f: &dyn Fn(&super::engine::InstStats) -> f64| -> f64 {
                if n == 0 || length <= 0.0 {
                    0.0
                } else {
                    mine.iter().map(|i| f(i)).sum::<f64>() / (f64::from(n) * length)
                }
            };
            let mean_batch = per(&|i| i.batch_area);
            // Prefill: the share of time prefilling. Decode and aggregated: the mean batch over
            // its cap (a decode instance steps whenever it holds a sequence).
            let utilisation = match candidate.role {
                Role::Prefill => per(&|i| i.busy_s),
                _ => mean_batch / f64::from(candidate.batch.max(1)),
            };
            let mean_queue = per(&|i| i.queue_area);
            let deployment_max = mine.iter().map(|i| i.max_queue).max().unwrap_or(0);
            let planned_utilisation = plan
                .pools
                .iter()
                .filter(|p| &p.pool == pool)
                .flat_map(|p| &p.deployments)
                .find(|d| {
                    d.workload == candidate.workload
                        && d.role == candidate.role
                        && d.devices_per_instance == candidate.devices
                })
                .map_or(0.0, |d| d.utilisation)
                // The plan's utilisation is demand over capacity; a prefill queue's capacity is
                // planned at utilisation ρ, so its planned busy share is the product.
                * match candidate.role {
                    Role::Prefill => candidate.derivation.utilisation.unwrap_or(1.0),
                    _ => 1.0,
                };
            deployments.push(DeploymentSim {
                workload: candidate.workload.clone(),
                role: candidate.role,
                instances: n,
                devices_per_instance: candidate.devices,
                utilisation,
                planned_utilisation,
                mean_batch: (candidate.role != Role::Prefill).then_some(mean_batch),
                batch_cap: candidate.derivation.batch_limit.unwrap_or(candidate.batch),
                mean_queue,
                max_queue: deployment_max,
            });
            device_busy += utilisation * f64::from(n * candidate.devices);
            devices += n * candidate.devices;
            queue += mean_queue * f64::from(n);
            instances += n;
            max_queue = max_queue.max(deployment_max);
        }
        if deployments.is_empty() {
            continue;
        }
        deployments.sort_by(|a, b| {
            (&a.workload, a.role, a.devices_per_instance).cmp(&(
                &b.workload,
                b.role,
                b.devices_per_instance,
            ))
        });
        pools.push(PoolSim {
            pool: pool.clone(),
            devices,
            utilisation: if devices > 0 { device_busy / f64::from(devices) } else { 0.0 },
            mean_queue: if instances > 0 { queue / f64::from(instances) } else { 0.0 },
            max_queue,
            deployments,
        });
    }

    SimReport {
        schema_version: SCHEMA_VERSION,
        source: String::new(),
        seed: options.seed,
        traffic: if matches!(options.traffic, Traffic::Trace(_)) { "trace" } else { "generated" },
        requests: arrivals.len() as u64,
        warmup_requests: warmup as u64,
        traffic_s: arrivals.last().map_or(0.0, |a| a.time),
        window_s: length,
        workloads,
        pools,
    }
}

/// `sorted` and `in_order` hold the same latencies, sorted and in the order requests finished
/// (for the batch means).
fn check(bound: &SloBound, sorted: &[f64], in_order: &[f64], predicted_s: Option<f64>) -> SloCheck {
    let n = sorted.len();
    // A latency equal to the bound up to rounding meets it: an aggregated step filled to its
    // budget `T` (the TPOT bound) sums to `T` within a few ulps.
    let limit = bound.limit_s * (1.0 + 1e-9);
    let within = sorted.partition_point(|&x| x <= limit);
    let attainment = if n > 0 { within as f64 / n as f64 } else { 1.0 };
    let share_within = |batch: &[f64]| {
        batch.iter().filter(|&&x| x <= limit).count() as f64 / batch.len().max(1) as f64
    };
    let mean_of = |batch: &[f64]| batch.iter().sum::<f64>() / batch.len().max(1) as f64;
    let (required, simulated, confidence, met) = match bound.percentile {
        Percentile::P(p) => {
            let required = p / 100.0;
            let lower = batch_means_bound(in_order, share_within, true);
            // The lower bound (the attainment itself with too few requests for batches) at or
            // above the percentile meets it; no requests is vacuously met.
            let met = n == 0 || lower.unwrap_or(attainment) >= required;
            (Some(required), quantile(sorted, required), lower, met)
        }
        Percentile::Mean => {
            let mean = (n > 0).then(|| mean_of(sorted));
            let upper = batch_means_bound(in_order, mean_of, false);
            let met = upper.or(mean).is_none_or(|m| m <= limit);
            (None, mean, upper, met)
        }
    };
    SloCheck {
        metric: bound.metric,
        percentile: bound.percentile,
        slo_s: bound.limit_s,
        attainment,
        confidence_95: confidence,
        required,
        simulated_s: simulated,
        predicted_s,
        met,
        span: bound.span,
    }
}

/// The simulation's diagnostics.
#[derive(Debug, Error, Diagnostic)]
pub enum SimError {
    #[error("workload `{workload}` misses `{bound}` in simulation: {within} of requests within it, {required} required")]
    #[diagnostic(code(fleet::slo_missed), help("{help}"))]
    SloMissed {
        workload: String,
        bound: String,
        within: String,
        required: String,
        help: String,
        #[label("{label}")]
        span: Span,
        label: String,
    },
}

impl StageError for SimError {
    fn span(&self) -> Span {
        match self {
            SimError::SloMissed { span, .. } => *span,
        }
    }
}

pub fn percentile_text(p: Percentile) -> String {
    match p {
        Percentile::Mean => "mean".to_string(),
        Percentile::P(v) => format!("p{v}"),
    }
}

fn bound_text(metric: Metric, percentile: Percentile, slo_s: f64) -> String {
    format!("{} {} <= {}", metric.name(), percentile_text(percentile), duration_text(slo_s))
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The 95% confidence bound: on the attainment (`≥ 90.3%`) or the mean (`≤ 412 ms`).
fn confidence_text(c: &SloCheck) -> String {
    match (c.confidence_95, c.required) {
        (None, _) => "-".into(),
        (Some(lower), Some(_)) => format!("≥ {}", percent(lower)),
        (Some(upper), None) => format!("≤ {}", duration_text(upper)),
    }
}

/// One diagnostic per SLO the simulation misses, at the bound in the source.
pub fn slo_misses(report: &SimReport) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for w in &report.workloads {
        for c in w.slo_attainment.iter().filter(|c| !c.met) {
            let simulated = c.simulated_s.map_or("-".into(), duration_text);
            let predicted = c.predicted_s.map_or("-".into(), duration_text);
            let (within, required, label) = match c.required {
                Some(r) => (
                    percent(c.attainment),
                    percent(r),
                    format!(
                        "{} in simulation ({} within, {} at 95% confidence); the plan predicted {}",
                        simulated,
                        percent(c.attainment),
                        confidence_text(c),
                        predicted
                    ),
                ),
                None => (
                    percent(c.attainment),
                    "a mean within the bound".into(),
                    format!("mean {simulated} in simulation; the plan predicted {predicted}"),
                ),
            };
            diagnostics.push(SimError::SloMissed {
                workload: w.workload.clone(),
                bound: bound_text(c.metric, c.percentile, c.slo_s),
                within,
                required,
                help: format!(
                    "`fleetplan plan --verify` re-plans `{}` with more headroom until the simulation meets it; or relax the bound",
                    w.workload
                ),
                span: c.span,
                label,
            });
        }
    }
    diagnostics
}

/// The report as text: deterministic, sorted, rounded.
pub fn report_text(r: &SimReport) -> String {
    let mut out = String::new();
    let source = if r.source.is_empty() { String::new() } else { format!(" of {}", r.source) };
    out.push_str(&format!(
        "simulation{source}: {} requests ({}, seed {}) over {:.1} s; the first {} ({:.0}%) are warm-up and not counted\n",
        r.requests,
        r.traffic,
        r.seed,
        r.traffic_s,
        r.warmup_requests,
        if r.requests > 0 { r.warmup_requests as f64 / r.requests as f64 * 100.0 } else { 0.0 }
    ));
    out.push_str("\nworkloads (simulated latency percentiles)\n");
    let mut t =
        Table::new(&["workload", "requests", "ttft p50", "p90", "p99", "tpot p50", "p90", "p99"])
            .right_align(&[1, 2, 3, 4, 5, 6, 7]);
    for w in &r.workloads {
        let q = |x: Option<Quantiles>, f: fn(&Quantiles) -> f64| {
            x.as_ref().map_or("-".to_string(), |q| duration_text(f(q)))
        };
        t.row(vec![
            w.workload.clone(),
            w.requests.to_string(),
            q(w.ttft_s, |q| q.p50),
            q(w.ttft_s, |q| q.p90),
            q(w.ttft_s, |q| q.p99),
            q(w.tpot_s, |q| q.p50),
            q(w.tpot_s, |q| q.p90),
            q(w.tpot_s, |q| q.p99),
        ]);
    }
    out.push_str(&indent(&t.render()));
    out.push_str("\nSLOs (simulated against the plan)\n");
    let mut t = Table::new(&[
        "workload",
        "slo",
        "simulated",
        "planned",
        "within",
        "95% bound",
        "required",
        "",
    ])
    .right_align(&[2, 3, 4, 5, 6]);
    for w in &r.workloads {
        for c in &w.slo_attainment {
            t.row(vec![
                w.workload.clone(),
                bound_text(c.metric, c.percentile, c.slo_s),
                c.simulated_s.map_or("-".into(), duration_text),
                c.predicted_s.map_or("-".into(), duration_text),
                percent(c.attainment),
                confidence_text(c),
                c.required.map_or("mean".into(), percent),
                if c.met { "✓".into() } else { "✗ missed".into() },
            ]);
        }
    }
    out.push_str(&indent(&t.render()));
    out.push_str("\npools (over the measurement window)\n");
    let mut t = Table::new(&[
        "pool",
        "workload",
        "role",
        "instances",
        "devices",
        "load",
        "planned",
        "batch (cap)",
        "queue mean",
        "max",
    ])
    .right_align(&[3, 4, 5, 6, 7, 8, 9]);
    for p in &r.pools {
        for d in &p.deployments {
            t.row(vec![
                p.pool.clone(),
                d.workload.clone(),
                d.role.name().into(),
                d.instances.to_string(),
                // All the deployment's devices, as the plan's table counts them.
                (d.instances * d.devices_per_instance).to_string(),
                format!("{:.0}%", d.utilisation * 100.0),
                format!("{:.0}%", d.planned_utilisation * 100.0),
                d.mean_batch.map_or("-".into(), |b| format!("{b:.1} ({})", d.batch_cap)),
                format!("{:.2}", d.mean_queue),
                d.max_queue.to_string(),
            ]);
        }
        t.row(vec![
            p.pool.clone(),
            "(pool)".into(),
            String::new(),
            String::new(),
            p.devices.to_string(),
            format!("{:.0}%", p.utilisation * 100.0),
            String::new(),
            String::new(),
            format!("{:.2}", p.mean_queue),
            p.max_queue.to_string(),
        ]);
    }
    out.push_str(&indent(&t.render()));
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {}\n", l.trim_end())).collect()
}
