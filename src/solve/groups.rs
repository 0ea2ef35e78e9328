//! Solving workloads apart. Workloads interact only through what they share: pool and site
//! limits, and memory tiers. Each group of workloads that shares a tier is solved on its own
//! with every limit applied to the group alone (a relaxation: the others use none of it); when
//! the union of the groups' plans also respects the shared limits it is feasible for the whole
//! program, and since the sum of the groups' optima bounds the whole program's optimum from
//! below, so does the sum of their proven lower bounds: the plan's proven gap. Otherwise the
//! broken pool maximums and site power are priced and the groups solved apart again
//! (`lagrange`); what that does not settle is repaired here or solved as one program. Many
//! small programs are far easier for branch and bound than one
//! large one, and independent ones run on every core.
//!
//! Every pass here is linear in the fleet: candidates are indexed by workload and pool once,
//! and each group's program is built from its own candidates.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::infeasible::SolveError;
use super::program::{solve_scope, Fixed, Limits, Part, Scope, Surcharge};
use super::{Options, Solution, Status};
use crate::graph::{CandidateGraph, TierKind};
use crate::spec::Spec;

/// The candidates that get a variable, indexed once.
pub(super) struct Index<'g> {
    /// Whether each candidate gets a variable (`prune::undominated`).
    pub keep: Vec<bool>,
    /// The kept candidates of each workload (by demand), ascending.
    pub by_demand: Vec<Vec<usize>>,
    /// The kept candidates of each pool, ascending.
    pub by_pool: BTreeMap<&'g str, Vec<usize>>,
    /// The demand each candidate serves.
    pub demand_of: Vec<Option<usize>>,
    /// Pools whose memory a workload may use (`prune::pools_with_tiers`).
    pub blocked: std::collections::BTreeSet<&'g str>,
}

impl<'g> Index<'g> {
    pub fn new(g: &'g CandidateGraph) -> Index<'g> {
        let keep = super::prune::undominated(g);
        let demand_index: BTreeMap<&str, usize> =
            g.demands.iter().enumerate().map(|(w, d)| (d.workload.as_str(), w)).collect();
        let demand_of: Vec<Option<usize>> =
            g.candidates.iter().map(|c| demand_index.get(c.workload.as_str()).copied()).collect();
        let mut by_demand = vec![Vec::new(); g.demands.len()];
        let mut by_pool: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (c, candidate) in g.candidates.iter().enumerate() {
            if !keep[c] {
                continue;
            }
            if let Some(w) = demand_of[c] {
                by_demand[w].push(c);
            }
            by_pool.entry(candidate.pool.as_str()).or_default().push(c);
        }
        let blocked = super::prune::pools_with_tiers(g);
        Index { keep, by_demand, by_pool, demand_of, blocked }
    }
}

/// Solves the program, by groups of workloads when it can.
pub fn solve_in_groups(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
) -> Result<Solution, SolveError> {
    let started = Instant::now();
    let index = Index::new(g);
    let groups = components(g, &index);
    let mut groups_bound = None;
    let mut repaired = None;
    // Even one group goes this way: its relaxation (no pool minimums, only the tiers it may
    // use) admits the pruning across pools, and its plan, when it keeps the minimums, is the
    // whole program's.
    if !groups.is_empty() {
        match solve_groups(spec, g, options, &index, &groups, started) {
            Ok(parts) => {
                let combined = union(g, options, parts.clone());
                if respects_shared_limits(spec, g, &index, &combined) {
                    return Ok(combined);
                }
                // Infeasible together, but still a relaxation of the whole: its bound holds.
                groups_bound = combined.lower_bound_usd_per_hour;
                // Pool maximums and the site power: priced, the groups still solved apart, with
                // a bound.
                let decomposed = super::lagrange::decompose(
                    spec,
                    g,
                    options,
                    &index,
                    &groups,
                    parts.clone(),
                    started,
                );
                let small = index.keep.iter().filter(|&&k| k).count() <= WHOLE_PROGRAM_UP_TO;
                match decomposed {
                    Some(plan) if plan.status == Status::GapLimit || !small => return Ok(plan),
                    _ => {}
                }
                repaired =
                    cheaper(decomposed, repair(spec, g, options, &index, &groups, parts, started));
                if let Some(plan) = repaired.take_if(|p| p.status != Status::Feasible) {
                    return Ok(plan);
                }
            }
            Err(SolveError::Infeasible) => return Err(SolveError::Infeasible),
            // A group found no plan in the time it had: the whole program gets what is left.
            Err(_) => {}
        }
    }
    // The time limit is for the whole solve: the whole program gets what the groups left.
    let left = (options.time_limit_s - started.elapsed().as_secs_f64()).max(1.0);
    let options_left = Options { time_limit_s: left.min(options.time_limit_s), ..*options };
    let whole = Scope::whole_of(g, &index.keep);
    let solved = solve_scope(spec, g, &options_left, Limits::Hard, &whole);
    // The cheaper of the whole program's plan and the repaired one (never a feasible plan
    // dropped for a retry), with the best bound either proved.
    let mut solution = match (solved, repaired) {
        (Ok(part), Some(plan)) => {
            let whole = part.into_solution(g, options);
            let bound = whole.lower_bound_usd_per_hour;
            let status = worse(whole.status, plan.status);
            let mut best = if whole.objective_usd_per_hour <= plan.objective_usd_per_hour {
                whole
            } else {
                plan
            };
            best.status = if best.status == Status::Feasible { status } else { best.status };
            best.lower_bound_usd_per_hour = max_bound(best.lower_bound_usd_per_hour, bound);
            best
        }
        (Ok(part), None) => part.into_solution(g, options),
        (Err(_), Some(plan)) => plan,
        (Err(error), None) => return Err(error),
    };
    solution.lower_bound_usd_per_hour = max_bound(solution.lower_bound_usd_per_hour, groups_bound);
    solution.proven_gap = solution.gap_to_bound();
    if solution.status == Status::Feasible
        && solution.proven_gap.is_some_and(|gap| gap <= options.mip_gap)
    {
        solution.status = Status::GapLimit;
    }
    Ok(solution)
}

/// Variables (candidates) of the whole program up to which it is still solved when the
/// decomposition of a coupled fleet stops short of the MIP gap: branch and bound closes such
/// programs in well under a second (the brute-force tests' fleets have tens), while the
/// generated fleet of 30 workloads (2,767 candidates, a pool limit binding) took the 30 s
/// limit without closing its gap. Above it the decomposition's plan stands, with its gap.
const WHOLE_PROGRAM_UP_TO: usize = 300;

/// The cheaper of two plans, with the better bound of the two.
fn cheaper(a: Option<Solution>, b: Option<Solution>) -> Option<Solution> {
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => return a.or(b),
    };
    let bound = max_bound(a.lower_bound_usd_per_hour, b.lower_bound_usd_per_hour);
    let mut best = if b.objective_usd_per_hour < a.objective_usd_per_hour { b } else { a };
    best.lower_bound_usd_per_hour = bound.map(|l| l.min(best.objective_usd_per_hour));
    best.proven_gap = best.gap_to_bound();
    Some(best)
}

fn max_bound(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Each group's plan, solved on `options.thread_count()` threads and returned in group order,
/// so that the plan does not depend on which thread solved what. Fails at the first group
/// that is infeasible (the whole program then is too) or that finds no plan in its time.
pub(super) fn solve_groups(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    index: &Index,
    groups: &[Vec<usize>],
    started: Instant,
) -> Result<Vec<Part>, SolveError> {
    let threads = options.thread_count().clamp(1, groups.len());
    // After a failure the other groups' plans are of no use: skip them.
    let stop = AtomicBool::new(false);
    let results = crate::parallel::map(groups, threads, |i, group| {
        if stop.load(Ordering::Relaxed) {
            return Err(SolveError::Other("not solved: another group failed".into()));
        }
        let result = solve_group(spec, g, options, index, group, i, groups.len(), threads, started);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
    });
    // The first failure in group order (an infeasible group makes the whole program so).
    let mut parts = Vec::with_capacity(groups.len());
    let mut failed = None;
    for result in results {
        match result {
            Ok(part) => parts.push(part),
            Err(SolveError::Infeasible) => return Err(SolveError::Infeasible),
            Err(error) => failed = failed.or(Some(error)),
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(parts),
    }
}

/// One group's plan, within a fair share of the time left (at least 1 s), so that one hard
/// group cannot take the time of all the others; a group that finds no plan in its share gets
/// the rest.
#[allow(clippy::too_many_arguments)]
fn solve_group(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    index: &Index,
    group: &[usize],
    i: usize,
    groups: usize,
    threads: usize,
    started: Instant,
) -> Result<Part, SolveError> {
    let left = (options.time_limit_s - started.elapsed().as_secs_f64()).max(1.0);
    let share = (left * threads as f64 / (groups - i) as f64).clamp(1.0, left);
    let scope = group_scope(spec, g, index, group, None, Surcharge::default());
    let solve = |time_limit_s: f64| {
        let group_options = Options { time_limit_s, ..*options };
        solve_scope(spec, g, &group_options, Limits::Hard, &scope)
    };
    match solve(share) {
        Err(SolveError::Other(_)) if share < left => solve(left),
        result => result,
    }
}

/// The program of one group of workloads: its candidates less those another pool's dominate
/// (`prune::across_pools`), in what `fixed` leaves of the limits, at `surcharge`.
pub(super) fn group_scope(
    spec: &Spec,
    g: &CandidateGraph,
    index: &Index,
    group: &[usize],
    fixed: Option<&Fixed>,
    surcharge: Surcharge,
) -> Scope {
    let mut candidates: Vec<usize> =
        group.iter().flat_map(|&w| index.by_demand[w].iter().copied()).collect();
    candidates.sort_unstable();
    let candidates =
        super::prune::across_pools(spec, g, &candidates, group, &index.blocked, fixed, &surcharge);
    Scope { candidates, demands: group.to_vec(), group: true, fixed: fixed.cloned(), surcharge }
}

/// Rounds of `repair` before the whole program is solved instead.
const REPAIR_ROUNDS: usize = 4;

/// When the groups' plans together break a pool's limit, the groups that use that pool (or,
/// for a minimum, could) are solved again together, with the other groups' plans fixed and
/// what they leave of every limit; a limit the new plan breaks in turn brings its groups in,
/// for a few rounds. The plan that comes out is feasible but not proven optimal: its gap is
/// measured against the sum of the groups' bounds, which still bounds the whole program from
/// below. A broken budget or tier minimum couples every group: the whole program is solved then.
fn repair(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    index: &Index,
    groups: &[Vec<usize>],
    mut parts: Vec<Part>,
    started: Instant,
) -> Option<Solution> {
    let bound = parts.iter().map(|p| p.bound_usd_per_hour).sum::<Option<f64>>();
    let mut coupled = vec![false; groups.len()];
    for _ in 0..REPAIR_ROUNDS {
        let combined = union(g, options, parts.clone());
        let broken = broken_pools(spec, g, index, &combined)?;
        if broken.is_empty() {
            let mut solution = combined;
            solution.lower_bound_usd_per_hour = bound;
            solution.proven_gap = solution.gap_to_bound();
            // Optimal only for the fixed rest: what is proven is the gap to the groups' bound.
            let within = solution.proven_gap.is_some_and(|gap| gap <= options.mip_gap);
            let proven = if within { Status::GapLimit } else { Status::Feasible };
            solution.status = worse(solution.status, proven);
            return Some(solution);
        }
        for (i, part) in parts.iter().enumerate() {
            let uses =
                part.counts.iter().any(|&(c, _)| broken.contains(g.candidates[c].pool.as_str()));
            let could = groups[i].iter().any(|&w| {
                index.by_demand[w].iter().any(|&c| {
                    let pool = g.candidates[c].pool.as_str();
                    broken.contains(pool) && spec.pools.get(pool).is_some_and(|p| p.min_devices > 0)
                })
            });
            coupled[i] |= uses || could;
        }
        if coupled.iter().all(|&c| c) {
            return None;
        }
        // The others' plans, fixed.
        let mut fixed = Fixed::default();
        for (part, _) in parts.iter().zip(&coupled).filter(|(_, &c)| !c) {
            fixed.add(spec, g, part);
        }
        let mut demands: Vec<usize> = (0..groups.len())
            .filter(|&i| coupled[i])
            .flat_map(|i| groups[i].iter().copied())
            .collect();
        demands.sort_unstable();
        let mut candidates: Vec<usize> =
            demands.iter().flat_map(|&w| index.by_demand[w].iter().copied()).collect();
        candidates.sort_unstable();
        // Pruning across pools holds in what the fixed plans leave (`prune::across_pools`).
        let candidates = super::prune::across_pools(
            spec,
            g,
            &candidates,
            &demands,
            &index.blocked,
            Some(&fixed),
            &Surcharge::default(),
        );
        let scope = Scope {
            candidates,
            demands,
            group: true,
            fixed: Some(fixed),
            surcharge: Surcharge::default(),
        };
        let left = (options.time_limit_s - started.elapsed().as_secs_f64()).max(1.0);
        let part =
            solve_scope(spec, g, &Options { time_limit_s: left, ..*options }, Limits::Hard, &scope)
                .ok()?;
        // The coupled groups' plans are replaced by the one plan of them all.
        let mut merged = Some(part);
        parts = parts
            .into_iter()
            .zip(&coupled)
            .map(|(p, &c)| if c { merged.take().unwrap_or_else(empty_part) } else { p })
            .collect();
        // Later rounds see the merged plan as the first coupled group's; the others are empty.
    }
    None
}

/// A part that buys nothing (a coupled group whose plan another part carries).
fn empty_part() -> Part {
    Part {
        status: Status::Optimal,
        objective_usd_per_hour: 0.0,
        bound_usd_per_hour: Some(0.0),
        counts: Vec::new(),
        units: Vec::new(),
        placement: Vec::new(),
        slacks: Default::default(),
    }
}

/// The pools whose maximum or minimum the solution breaks; `None` when a tier minimum or a
/// site limit is broken (those couple every group).
fn broken_pools<'s>(
    spec: &'s Spec,
    g: &CandidateGraph,
    index: &Index,
    s: &Solution,
) -> Option<BTreeSet<&'s str>> {
    let mut broken = BTreeSet::new();
    for pool in spec.pools.values() {
        let Some(devices) = pool_devices(g, index, s, &pool.name) else { continue };
        if devices > pool.max_devices || devices < pool.min_devices {
            broken.insert(pool.name.as_str());
        }
    }
    site_and_tiers_hold(spec, g, index, s).then_some(broken)
}

/// Devices the solution uses in a pool; `None` when the pool has no candidate (no limit of it
/// is in the program).
fn pool_devices(g: &CandidateGraph, index: &Index, s: &Solution, pool: &str) -> Option<u32> {
    let candidates = index.by_pool.get(pool)?;
    Some(candidates.iter().map(|&c| g.candidates[c].devices * s.instances[c]).sum())
}

/// The groups' plans as one solution: their counts side by side (each candidate and tier
/// belongs to one group), the worst status, and the sum of their bounds.
pub(super) fn union(g: &CandidateGraph, options: &Options, parts: Vec<Part>) -> Solution {
    let mut combined = Part {
        status: Status::Optimal,
        objective_usd_per_hour: 0.0,
        bound_usd_per_hour: Some(0.0),
        counts: Vec::new(),
        units: Vec::new(),
        placement: Vec::new(),
        slacks: Default::default(),
    };
    for part in parts {
        combined.status = worse(combined.status, part.status);
        combined.objective_usd_per_hour += part.objective_usd_per_hour;
        combined.bound_usd_per_hour =
            combined.bound_usd_per_hour.zip(part.bound_usd_per_hour).map(|(a, b)| a + b);
        combined.counts.extend(part.counts);
        combined.units.extend(part.units);
        combined.placement.extend(part.placement);
    }
    combined.placement.sort_by_key(|&(w, t, _)| (w, t));
    combined.into_solution(g, options)
}

fn worse(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Optimal => 0,
        Status::GapLimit => 1,
        Status::Feasible => 2,
        Status::TimeLimit => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Pool maximums and minimums, tier minimums, site power and budget, over all groups.
pub(super) fn respects_shared_limits(
    spec: &Spec,
    g: &CandidateGraph,
    index: &Index,
    s: &Solution,
) -> bool {
    broken_pools(spec, g, index, s).is_some_and(|broken| broken.is_empty())
}

/// Tier minimums, site power and budget.
fn site_and_tiers_hold(spec: &Spec, g: &CandidateGraph, index: &Index, s: &Solution) -> bool {
    let mut power_watts = 0.0;
    for pool in spec.pools.values() {
        let devices = pool_devices(g, index, s, &pool.name).unwrap_or(0);
        power_watts += spec.pool_power_watts(&pool.name) * f64::from(devices);
    }
    for (tier, units) in g.tiers.iter().zip(&s.tier_units) {
        if matches!(tier.kind, TierKind::Devices) {
            power_watts += tier.power_watts_per_unit * f64::from(*units);
        }
    }
    let powered = spec.site.max_power_watts.is_none_or(|max| power_watts <= max * (1.0 + 1e-9));
    powered && tiers_and_budget_hold(spec, g, s)
}

/// Tier minimums and the budget (the shared limits the decomposition does not price).
pub(super) fn tiers_and_budget_hold(spec: &Spec, g: &CandidateGraph, s: &Solution) -> bool {
    let minimums =
        g.tiers.iter().zip(&s.tier_units).all(|(tier, units)| {
            !matches!(tier.kind, TierKind::Devices) || *units >= tier.min_units
        });
    let affordable =
        spec.site.budget_usd_per_hour.is_none_or(|b| s.objective_usd_per_hour <= b * (1.0 + 1e-9));
    minimums && affordable
}

/// Groups of workloads (indices into `CandidateGraph::demands`) that share nothing but pool
/// and site limits: workloads that may store KV in the same tier are grouped, and a workload
/// that may use a pool's host memory is grouped with every workload that has candidates on that
/// pool (their devices make that memory; a spare-HBM tier belongs to one workload). Sorted,
/// deterministic.
pub(super) fn components(g: &CandidateGraph, index: &Index) -> Vec<Vec<usize>> {
    let n = g.demands.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let join = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    };
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); g.tiers.len()];
    for (w, demand) in g.demands.iter().enumerate() {
        for &t in &demand.tiers {
            users[t].push(w);
        }
    }
    for (t, tier) in g.tiers.iter().enumerate() {
        let users = &mut users[t];
        if users.is_empty() {
            continue;
        }
        if matches!(tier.kind, TierKind::HostMemory) {
            let in_pool = index.by_pool.get(tier.pool.as_str()).map_or(&[][..], Vec::as_slice);
            users.extend(in_pool.iter().filter_map(|&c| index.demand_of[c]));
        }
        for pair in users.windows(2) {
            join(&mut parent, pair[0], pair[1]);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for w in 0..n {
        let root = find(&mut parent, w);
        groups.entry(root).or_default().push(w);
    }
    groups.into_values().collect()
}
