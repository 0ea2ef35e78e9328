//! The cost/interactivity frontier of one workload: what faster tokens or a faster first token
//! cost, over every pool and role the file offers.
//!
//! The knob is the SLO itself. A tighter TPOT bound shrinks every decode instance's batch
//! (`perf::candidate`'s `max_batch_within`), so each token costs more; a tighter TTFT bound
//! lowers the utilisation a prefill queue may run at. Each point of the frontier is a whole
//! plan (`graph::build` and `solve::solve`, nothing linearised) of the workload alone at one
//! bound, so the configuration beside it (pools, roles, sizes, batches) is one that `plan`
//! would buy for that SLO. Two sweeps: the TPOT bound with the file's TTFT bound kept, and
//! the TTFT bound with the file's TPOT bound kept; each is filtered to its Pareto points.
//! `by_pool` plans the same bounds on each compute pool alone, to set vendors side by side.
//!
//! The frontier is sampled: a bound between two of the grid's may buy a cheaper fleet (cost is
//! not monotone in the TPOT bound, since the first token waits one decode step at the bound's
//! batch). The grid is dense where the file's bound is and includes each pool's fastest, where
//! a pool's cheapest fast deployment appears.

use serde::Serialize;

use crate::perf::{self, Role};
use crate::report::{self, Plan};
use crate::solve::{self, Options};
use crate::spec::{Metric, Percentile, SloBound, Spec, Workload};

/// Bumped when the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// Bounds tried per sweep (besides the file's own): enough for the batch steps of a typical
/// decode instance to show, few enough that a sweep of a three-pool file plans in a second.
pub const DEFAULT_STEPS: usize = 24;

/// The percentile a sweep bounds when the workload has no bound on that metric: the one SLOs
/// are most often written at.
const DEFAULT_PERCENTILE: Percentile = Percentile::P(90.0);

/// The TTFT sweep spends its steps up to the fastest first token any instance gives times
/// this (or twice the file's bound, whichever is larger): past the knee, where prefill queues
/// already run at their utilisation ceiling.
const TTFT_RANGE: f64 = 12.0;

/// A sparse tail goes on to the slowest pool's fastest first token times this: an LPU's first
/// token can be ten times faster than a GPU's, and a sweep that stopped at twelve LPU first
/// tokens never reached the GPUs' cheap, patient prefill.
const SLOWEST_POOL_TTFT_RANGE: f64 = 4.0;

/// The TPOT sweep spends its steps up to the file's bound times this (or the fastest step
/// times [`DENSE_WITHOUT_BOUND`]), and half as many again on the tail beyond, up to the
/// slowest step any instance takes: a CPU's full batch can take seconds per token, and
/// spreading the steps evenly that far left a GPU's cheapest bounds between two of them.
const DENSE_TPOT_RANGE: f64 = 6.0;

const DENSE_WITHOUT_BOUND: f64 = 30.0;

/// A bound just above a fastest latency: exactly at it, the bound is met only with no queue.
const NEAR_FASTEST: f64 = 1.02;

/// How the frontier is found.
#[derive(Clone, Copy, Debug)]
pub struct FrontierOptions {
    /// Bounds tried per sweep (at least 2).
    pub steps: usize,
    pub solve: Options,
}

impl Default for FrontierOptions {
    fn default() -> Self {
        FrontierOptions { steps: DEFAULT_STEPS, solve: Options::default() }
    }
}

/// Both frontiers of one workload.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Frontier {
    pub schema_version: u32,
    pub source: String,
    pub workload: String,
    /// The one compute pool the frontier was restricted to (`--by-pool`), memory pools kept;
    /// absent when every pool may serve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    pub model: String,
    pub rate_per_s: f64,
    pub tpot_percentile: Percentile,
    pub ttft_percentile: Percentile,
    /// The plan at the file's own bounds, to place it against the frontier (it may lie off
    /// it: a tighter bound can cost no more).
    pub own: Option<Point>,
    /// Cost against output tokens per second per user (the TPOT sweep), fastest last.
    pub interactivity: Vec<Point>,
    /// Cost against TTFT (the TTFT sweep), slowest first.
    pub ttft: Vec<Point>,
    /// Plans solved for the sweeps (the own point besides), and how many of them had no
    /// feasible fleet (bounds too tight).
    pub plans_solved: usize,
    pub infeasible: usize,
}

/// One plan of the workload alone, at one pair of bounds.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Point {
    /// The bounds it was planned at (seconds).
    pub tpot_bound_s: Option<f64>,
    pub ttft_bound_s: Option<f64>,
    /// The plan's predictions at its load (seconds), at the bounds' percentiles.
    pub tpot_s: Option<f64>,
    pub ttft_s: Option<f64>,
    /// `1 / tpot_s`: how fast one user sees tokens.
    pub output_tokens_per_s_per_user: Option<f64>,
    pub usd_per_hour: f64,
    pub usd_per_million_output_tokens: f64,
    pub devices: u32,
    pub configuration: Vec<Config>,
    /// The whole plan, for the tests' verifier and the report.
    #[serde(skip)]
    pub plan: Box<Plan>,
}

/// One deployment of a point's plan.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Config {
    pub pool: String,
    pub device: String,
    pub role: Role,
    pub instances: u32,
    pub devices_per_instance: u32,
    pub tensor_parallel: u32,
    pub pipeline_stages: u32,
    pub batch: u32,
}

/// A report draws each pool alone beside the mix when the file has at most this many compute
/// pools: each one is another frontier's worth of plans.
pub const REPORT_BY_POOL: usize = 4;

/// Frontiers a report draws at most: each is about fifty plans, so a fleet of a hundred
/// workloads would take minutes and a page of megabytes; `fleetplan frontier` draws any other.
pub const REPORT_FRONTIERS: usize = 8;

/// The `max` workloads of a plan that cost the most per hour (by name among equals), and the
/// rest, each list in the plan's order.
pub fn costliest(plan: &Plan, max: usize) -> (Vec<String>, Vec<String>) {
    let mut by_cost: Vec<_> = plan.workloads.iter().collect();
    by_cost.sort_by(|a, b| {
        b.cost_usd_per_hour.total_cmp(&a.cost_usd_per_hour).then(a.workload.cmp(&b.workload))
    });
    let chosen: std::collections::BTreeSet<&str> =
        by_cost.iter().take(max).map(|w| w.workload.as_str()).collect();
    plan.workloads.iter().map(|w| w.workload.clone()).partition(|w| chosen.contains(w.as_str()))
}

/// Why no frontier could be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontierError {
    /// No workload of that name; the names the file has.
    UnknownWorkload { name: String, known: Vec<String> },
    /// Not one bound of either sweep gave a plan.
    NoPlan { workload: String },
}

impl FrontierError {
    pub fn code(&self) -> &'static str {
        match self {
            FrontierError::UnknownWorkload { .. } => "fleet::unknown_name",
            FrontierError::NoPlan { .. } => "fleet::infeasible",
        }
    }

    pub fn help(&self) -> String {
        match self {
            FrontierError::UnknownWorkload { known, .. } if known.is_empty() => {
                "the file declares no workload".to_string()
            }
            FrontierError::UnknownWorkload { known, .. } => {
                format!("the file's workloads: {}", known.join(", "))
            }
            FrontierError::NoPlan { .. } => {
                "`fleetplan plan FILE` says which limit or SLO stops the workload".to_string()
            }
        }
    }
}

impl std::fmt::Display for FrontierError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrontierError::UnknownWorkload { name, .. } => write!(f, "no workload `{name}`"),
            FrontierError::NoPlan { workload } => {
                write!(f, "no bound of the sweep gives `{workload}` a feasible fleet")
            }
        }
    }
}

/// The frontiers of `workload` in `spec` (`source` names the file in the output).
pub fn frontier(
    source: &str,
    spec: &Spec,
    workload: &str,
    options: &FrontierOptions,
) -> Result<Frontier, FrontierError> {
    let w = find(spec, workload)?;
    let alone = alone(spec, w);
    let bounds = bounds(&alone, w, options.steps.max(2));
    sweep(source, &alone, w, &bounds, options)
}

fn find<'a>(spec: &'a Spec, workload: &str) -> Result<&'a Workload, FrontierError> {
    spec.workloads.get(workload).ok_or_else(|| FrontierError::UnknownWorkload {
        name: workload.to_string(),
        known: spec.workloads.keys().cloned().collect(),
    })
}

/// The percentile of the workload's bound on `metric`, p90 when it has none.
fn percentile_of(w: &Workload, metric: Metric) -> Percentile {
    bound_of(w, metric).map_or(DEFAULT_PERCENTILE, |b| b.percentile)
}

/// The bounds to plan at: the file's own first, then the TPOT sweep's and the TTFT sweep's.
fn bounds(alone: &Spec, w: &Workload, steps: usize) -> Vec<(Option<f64>, Option<f64>, Sweep)> {
    let file_tpot = bound_of(w, Metric::Tpot).map(|b| b.limit_s);
    let file_ttft = bound_of(w, Metric::Ttft).map(|b| b.limit_s);
    // The TPOT sweep runs from the fastest step any instance takes to the slowest step of a
    // batch as large as memory allows; the TTFT sweep from the fastest first token onwards.
    // Each pool's own fastest is on the grid too: just above it, that pool's cheapest fast
    // deployment appears, which an even grid would step over.
    let percentiles = [percentile_of(w, Metric::Tpot), percentile_of(w, Metric::Ttft)];
    let fastest_tpots = fastest(alone, w, Metric::Tpot, percentiles);
    let loosest_tpot = loosest_tpot(alone, w).or(file_tpot.map(|b| b * DENSE_TPOT_RANGE));
    let fastest_ttfts = fastest(alone, w, Metric::Ttft, percentiles);
    let just_above = |fastest: &[f64]| -> Vec<f64> {
        fastest.iter().skip(1).map(|s| round(s * NEAR_FASTEST, 7)).collect()
    };
    // The file's own bounds first: with none on TPOT or TTFT (an end-to-end bound alone) it is
    // on neither sweep's grid.
    let mut bounds = vec![(file_tpot, file_ttft, Sweep::Own)];
    if let (Some(&lo), Some(hi)) = (fastest_tpots.first(), loosest_tpot) {
        let hi = hi.max(file_tpot.unwrap_or(0.0));
        let knee = file_tpot.map_or(lo * DENSE_WITHOUT_BOUND, |b| b * DENSE_TPOT_RANGE).min(hi);
        let mut extra: Vec<f64> = file_tpot.into_iter().collect();
        extra.extend(just_above(&fastest_tpots).into_iter().filter(|s| *s <= hi));
        let mut tpots = grid(lo, knee, steps, &extra);
        if hi > knee * 1.5 {
            let tail = grid(knee / NEAR_FASTEST, hi, (steps / 2).max(2), &[]);
            tpots.extend(tail.into_iter().skip(1));
        }
        tpots.sort_by(f64::total_cmp);
        tpots.dedup();
        bounds.extend(tpots.into_iter().map(|tpot| (Some(tpot), file_ttft, Sweep::Tpot)));
    }
    if let (Some(&lo), Some(&slowest)) = (fastest_ttfts.first(), fastest_ttfts.last()) {
        // Dense up to the knee; a sparse tail far enough past the slowest pool's fastest first
        // token to see its queue's knee too.
        let knee = (lo * TTFT_RANGE).max(file_ttft.unwrap_or(0.0) * 2.0);
        let hi = knee.max(slowest * SLOWEST_POOL_TTFT_RANGE);
        let mut extra: Vec<f64> = file_ttft.into_iter().collect();
        extra.extend(just_above(&fastest_ttfts).into_iter().filter(|s| *s <= hi));
        let mut ttfts = grid(lo, knee, steps, &extra);
        if hi > knee * 1.5 {
            let tail = grid(knee / NEAR_FASTEST, hi, (steps / 2).max(2), &[]);
            ttfts.extend(tail.into_iter().skip(1));
        }
        ttfts.sort_by(f64::total_cmp);
        ttfts.dedup();
        bounds.extend(ttfts.into_iter().map(|ttft| (file_tpot, Some(ttft), Sweep::Ttft)));
    }
    bounds
}

/// Plans `alone` (the workload `w` alone, perhaps on fewer pools) at every bound and keeps
/// the Pareto points of each sweep.
fn sweep(
    source: &str,
    alone: &Spec,
    w: &Workload,
    bounds: &[(Option<f64>, Option<f64>, Sweep)],
    options: &FrontierOptions,
) -> Result<Frontier, FrontierError> {
    let (tpot_percentile, ttft_percentile) =
        (percentile_of(w, Metric::Tpot), percentile_of(w, Metric::Ttft));
    let solve_options = Options { threads: 1, ..options.solve };
    let planned = crate::parallel::map(bounds, options.solve.threads, |_, (tpot, ttft, _)| {
        let bounded = with_bounds(alone, &w.name, *tpot, tpot_percentile, *ttft, ttft_percentile);
        point(source, &bounded, *tpot, *ttft, &solve_options)
    });
    let infeasible = planned.iter().skip(1).filter(|p| p.is_none()).count();
    let mut tpot_points = Vec::new();
    let mut ttft_points = Vec::new();
    let mut own = None;
    for ((_, _, sweep), p) in bounds.iter().zip(planned) {
        match (sweep, p) {
            (Sweep::Tpot, Some(p)) => tpot_points.push(p),
            (Sweep::Ttft, Some(p)) => ttft_points.push(p),
            (Sweep::Own, p) => own = p,
            (_, None) => {}
        }
    }
    let interactivity =
        pareto(tpot_points, |p| p.output_tokens_per_s_per_user.map(|x| round(x, 2)));
    // Faster is better, so slowest first: cost rises along the list in both frontiers.
    let ttft = pareto(ttft_points, |p| p.ttft_s.map(|t| -round(t * 1e3, 2)));
    if interactivity.is_empty() && ttft.is_empty() && own.is_none() {
        return Err(FrontierError::NoPlan { workload: w.name.clone() });
    }
    Ok(Frontier {
        schema_version: SCHEMA_VERSION,
        source: source.to_string(),
        workload: w.name.clone(),
        pool: None,
        model: w.model.clone(),
        rate_per_s: w.rate_per_s,
        tpot_percentile,
        ttft_percentile,
        own,
        interactivity,
        ttft,
        plans_solved: bounds.len().saturating_sub(1),
        infeasible,
    })
}

/// A workload's frontier over every pool and, when asked, on each compute pool alone.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    pub combined: Frontier,
    pub by_pool: Vec<Frontier>,
}

/// [`frontier`], and [`by_pool`] beside it when `each_pool` is set.
pub fn compare(
    source: &str,
    spec: &Spec,
    workload: &str,
    options: &FrontierOptions,
    each_pool: bool,
) -> Result<Comparison, FrontierError> {
    let combined = frontier(source, spec, workload, options)?;
    let by_pool = if each_pool { by_pool(source, spec, workload, options)? } else { Vec::new() };
    Ok(Comparison { combined, by_pool })
}

/// The compute pools of a spec (those whose device runs models): what `by_pool` goes over.
pub fn compute_pools(spec: &Spec) -> usize {
    spec.pools
        .values()
        .filter(|p| spec.devices.get(&p.device).is_some_and(|d| d.kind.computes()))
        .count()
}

/// The frontier of the workload on each compute pool alone (the pools without compute, SSD
/// and DRAM tiers, kept beside it), at the same bounds as the frontier over every pool: one
/// vendor or device against another and against the mix. A pool that cannot serve the
/// workload at any bound has none.
pub fn by_pool(
    source: &str,
    spec: &Spec,
    workload: &str,
    options: &FrontierOptions,
) -> Result<Vec<Frontier>, FrontierError> {
    let w = find(spec, workload)?;
    let alone = alone(spec, w);
    let bounds = bounds(&alone, w, options.steps.max(2));
    let computes = |pool: &crate::spec::Pool| {
        spec.devices.get(&pool.device).is_some_and(|d| d.kind.computes())
    };
    let mut frontiers = Vec::new();
    for (name, _) in spec.pools.iter().filter(|(_, p)| computes(p)) {
        let mut one = alone.clone();
        one.pools.retain(|other, p| other == name || !computes(p));
        match sweep(source, &one, w, &bounds, options) {
            Ok(mut f) => {
                f.pool = Some(name.clone());
                frontiers.push(f);
            }
            Err(FrontierError::NoPlan { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(frontiers)
}

#[derive(Clone, Copy)]
enum Sweep {
    /// The file's own bounds.
    Own,
    Tpot,
    Ttft,
}

/// The spec with this workload alone: the frontier is what serving it costs, not the share of
/// a fleet it would have with the others. Whatever the file's objective, each point is the
/// cheapest fleet at its bounds (the frontier's axis is cost).
fn alone(spec: &Spec, w: &Workload) -> Spec {
    let mut alone = spec.clone();
    alone.workloads.retain(|name, _| *name == w.name);
    alone.objective = crate::spec::Objective::default();
    alone
}

/// The workload's own bound on `metric` (the tightest, if several).
fn bound_of(w: &Workload, metric: Metric) -> Option<&SloBound> {
    w.slo.iter().filter(|b| b.metric == metric).min_by(|a, b| a.limit_s.total_cmp(&b.limit_s))
}

/// `spec` with the workload's TPOT and TTFT bounds replaced (a bound on end-to-end latency is
/// kept: it still limits both).
pub fn with_bounds(
    spec: &Spec,
    workload: &str,
    tpot_s: Option<f64>,
    tpot_percentile: Percentile,
    ttft_s: Option<f64>,
    ttft_percentile: Percentile,
) -> Spec {
    let mut spec = spec.clone();
    if let Some(w) = spec.workloads.get_mut(workload) {
        let span = w.span;
        w.slo.retain(|b| !matches!(b.metric, Metric::Tpot | Metric::Ttft));
        for (metric, limit, percentile) in
            [(Metric::Ttft, ttft_s, ttft_percentile), (Metric::Tpot, tpot_s, tpot_percentile)]
        {
            if let Some(limit_s) = limit {
                w.slo.push(SloBound { metric, percentile, limit_s, span });
            }
        }
    }
    spec
}

/// The fastest `metric` an instance of each pool reaches for the workload (ascending, one per
/// pool that runs it): what the candidates rejected under a bound no instance meets report as
/// their best. The other metric keeps the file's bound.
fn fastest(spec: &Spec, w: &Workload, metric: Metric, percentiles: [Percentile; 2]) -> Vec<f64> {
    let file = |m: Metric| bound_of(w, m).map(|b| b.limit_s);
    let (tpot, ttft) = match metric {
        Metric::Ttft => (file(Metric::Tpot), Some(1e-9)),
        _ => (Some(1e-9), file(Metric::Ttft)),
    };
    let [tpot_p, ttft_p] = percentiles;
    let probe = with_bounds(spec, &w.name, tpot, tpot_p, ttft, ttft_p);
    let Some(w) = probe.workloads.get(&w.name) else { return Vec::new() };
    let mut per_pool: Vec<f64> = each_pool(&probe, w)
        .filter_map(|(_, rejected)| {
            rejected
                .iter()
                .filter(|r| r.metric == Some(metric))
                .filter_map(|r| r.best_s)
                .filter(|s| s.is_finite() && *s > 0.0)
                .min_by(f64::total_cmp)
        })
        .collect();
    per_pool.sort_by(f64::total_cmp);
    per_pool.dedup();
    per_pool
}

/// The slowest step of a decode or aggregated instance whose batch only memory limits.
fn loosest_tpot(spec: &Spec, w: &Workload) -> Option<f64> {
    let ttft = bound_of(w, Metric::Ttft);
    let probe = with_bounds(
        spec,
        &w.name,
        None,
        DEFAULT_PERCENTILE,
        ttft.map(|b| b.limit_s),
        ttft.map_or(DEFAULT_PERCENTILE, |b| b.percentile),
    );
    let w = probe.workloads.get(&w.name)?;
    each_pool(&probe, w)
        .flat_map(|(found, _)| found)
        .filter_map(|c| c.tpot_s)
        .filter(|s| s.is_finite() && *s > 0.0)
        .max_by(f64::total_cmp)
}

fn each_pool<'a>(
    spec: &'a Spec,
    w: &'a Workload,
) -> impl Iterator<Item = (Vec<perf::Candidate>, Vec<perf::Rejected>)> + 'a {
    let model = spec.models.get(&w.model);
    spec.pools.values().filter_map(move |pool| {
        let device = spec.devices.get(&pool.device)?;
        Some(perf::candidates(w, model?, pool, device))
    })
}

/// `steps` bounds spaced evenly in ratio from just above `lo` to `hi`, with `extra` (the
/// file's bound, each pool's fastest) among them, ascending and without repeats.
fn grid(lo: f64, hi: f64, steps: usize, extra: &[f64]) -> Vec<f64> {
    let lo = lo * NEAR_FASTEST;
    let hi = hi.max(lo * 1.5);
    let ratio = (hi / lo).powf(1.0 / (steps - 1) as f64);
    let mut bounds: Vec<f64> = (0..steps).map(|i| round(lo * ratio.powi(i as i32), 7)).collect();
    bounds.extend_from_slice(extra);
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    bounds
}

/// The plan of `spec` (one workload) at these bounds, as a point; `None` when infeasible.
fn point(
    source: &str,
    spec: &Spec,
    tpot_bound_s: Option<f64>,
    ttft_bound_s: Option<f64>,
    options: &Options,
) -> Option<Point> {
    let graph = crate::graph::build_with(spec, 1);
    let solution = solve::solve(spec, &graph, options).ok()?;
    let plan = report::plan(source, spec, &graph, &solution);
    let w = plan.workloads.first()?;
    let predicted =
        |metric: Metric| w.latency.iter().find(|l| l.metric == metric).map(|l| l.predicted_s);
    let tpot_s = predicted(Metric::Tpot);
    let configuration = plan
        .pools
        .iter()
        .flat_map(|p| {
            p.deployments.iter().map(|d| Config {
                pool: p.pool.clone(),
                device: p.device.clone(),
                role: d.role,
                instances: d.instances,
                devices_per_instance: d.devices_per_instance,
                tensor_parallel: d.tensor_parallel,
                pipeline_stages: d.pipeline_stages,
                batch: d.batch,
            })
        })
        .collect();
    let cost = plan.totals.cost_usd_per_hour;
    let per_mtok = plan.totals.usd_per_million_output_tokens;
    if !(cost.is_finite() && per_mtok.is_finite()) {
        return None;
    }
    Some(Point {
        tpot_bound_s,
        ttft_bound_s,
        tpot_s,
        ttft_s: predicted(Metric::Ttft),
        output_tokens_per_s_per_user: tpot_s.filter(|t| *t > 0.0).map(|t| 1.0 / t),
        usd_per_hour: cost,
        usd_per_million_output_tokens: per_mtok,
        devices: plan.totals.devices,
        configuration,
        plan: Box::new(plan),
    })
}

/// The points no other point beats: none is at least as good on `better` (larger is better)
/// and cheaper. Ascending in `better`, so strictly ascending in cost.
fn pareto(points: Vec<Point>, better: impl Fn(&Point) -> Option<f64>) -> Vec<Point> {
    pareto_by(points, better, |p| p.usd_per_hour)
}

fn pareto_by<T>(
    mut points: Vec<T>,
    better: impl Fn(&T) -> Option<f64>,
    cost: impl Fn(&T) -> f64,
) -> Vec<T> {
    points.retain(|p| better(p).is_some());
    // Best first, the cheaper of equals first; then keep each point cheaper than all before it.
    points.sort_by(|a, b| {
        let (x, y) = (better(a).unwrap_or(0.0), better(b).unwrap_or(0.0));
        y.total_cmp(&x).then(cost(a).total_cmp(&cost(b)))
    });
    let mut kept: Vec<T> = Vec::new();
    for p in points {
        if kept.last().is_none_or(|last| cost(&p) < cost(last)) {
            kept.push(p);
        }
    }
    kept.reverse();
    kept
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::pareto_by;

    /// The filter against the definition, by brute force: a point is kept exactly when no
    /// other is at least as good on both counts and better on one.
    #[test]
    fn pareto_keeps_exactly_the_undominated_points() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..500 {
            let n = 1 + next(12) as usize;
            // Few distinct values, so ties on either count are common.
            let points: Vec<(f64, f64)> =
                (0..n).map(|_| (next(6) as f64, next(6) as f64)).collect();
            let kept = pareto_by(points.clone(), |p| Some(p.0), |p| p.1);
            let dominated = |p: &(f64, f64)| {
                points.iter().any(|q| q.0 >= p.0 && q.1 <= p.1 && (q.0 > p.0 || q.1 < p.1))
            };
            let mut expected: Vec<(f64, f64)> =
                points.iter().filter(|p| !dominated(p)).copied().collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0));
            expected.dedup();
            assert_eq!(kept, expected, "from {points:?}");
        }
    }
}
