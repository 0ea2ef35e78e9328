//! Solving workloads apart. Workloads interact only through what they share: pool and site
//! limits, and memory tiers. Each group of workloads that shares a tier is solved on its own
//! with every limit applied to the group alone (a relaxation: the others use none of it); when
//! the union of the groups' plans also respects the shared limits it is feasible for the whole
//! program, and since the sum of the groups' optima bounds the whole program's optimum from
//! below, so does the sum of their proven lower bounds: the plan's proven gap. Otherwise the
//! whole program is solved. Many small programs are far easier for branch and bound than one
//! large one, and independent ones run on every core.
//!
//! Every pass here is linear in the fleet: candidates are indexed by workload and pool once,
//! and each group's program is built from its own candidates.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::infeasible::SolveError;
use super::program::{solve_scope, Limits, Part, Scope};
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
    // Even one group goes this way: its relaxation (no pool minimums, only the tiers it may
    // use) admits the pruning across pools, and its plan, when it keeps the minimums, is the
    // whole program's.
    if !groups.is_empty() {
        match solve_groups(spec, g, options, &index, &groups, started) {
            Ok(parts) => {
                let combined = union(g, options, parts);
                if respects_shared_limits(spec, g, &index, &combined) {
                    return Ok(combined);
                }
                // Infeasible together, but still a relaxation of the whole: its bound holds.
                groups_bound = combined.lower_bound_usd_per_hour;
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
    let part = solve_scope(spec, g, &options_left, Limits::Hard, &whole)?;
    let mut solution = part.into_solution(g, options);
    if let Some(bound) = groups_bound {
        let best = solution.lower_bound_usd_per_hour.map_or(bound, |b| b.max(bound));
        solution.lower_bound_usd_per_hour = Some(best);
        solution.proven_gap = solution.gap_to_bound();
    }
    Ok(solution)
}

/// Each group's plan, solved on `options.thread_count()` threads and returned in group order,
/// so that the plan does not depend on which thread solved what. Fails at the first group
/// that is infeasible (the whole program then is too) or that finds no plan in its time.
fn solve_groups(
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
    let mut candidates: Vec<usize> =
        group.iter().flat_map(|&w| index.by_demand[w].iter().copied()).collect();
    candidates.sort_unstable();
    let candidates = super::prune::across_pools(spec, g, &candidates, group, &index.blocked);
    let scope = Scope { candidates, demands: group.to_vec(), group: true };
    let solve = |time_limit_s: f64| {
        let group_options = Options { time_limit_s, ..*options };
        solve_scope(spec, g, &group_options, Limits::Hard, &scope)
    };
    match solve(share) {
        Err(SolveError::Other(_)) if share < left => solve(left),
        result => result,
    }
}

/// The groups' plans as one solution: their counts side by side (each candidate and tier
/// belongs to one group), the worst status, and the sum of their bounds.
fn union(g: &CandidateGraph, options: &Options, parts: Vec<Part>) -> Solution {
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
        Status::TimeLimit => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Pool maximums and minimums, tier minimums, site power and budget, over all groups.
fn respects_shared_limits(spec: &Spec, g: &CandidateGraph, index: &Index, s: &Solution) -> bool {
    let mut power_watts = 0.0;
    for pool in spec.pools.values() {
        let Some(candidates) = index.by_pool.get(pool.name.as_str()) else { continue };
        let devices: u32 =
            candidates.iter().map(|&c| g.candidates[c].devices * s.instances[c]).sum();
        if devices > pool.max_devices || devices < pool.min_devices {
            return false;
        }
        power_watts += spec.pool_power_watts(&pool.name) * f64::from(devices);
    }
    for (tier, units) in g.tiers.iter().zip(&s.tier_units) {
        if matches!(tier.kind, TierKind::Devices) {
            if *units < tier.min_units {
                return false;
            }
            power_watts += tier.power_watts_per_unit * f64::from(*units);
        }
    }
    if spec.site.max_power_watts.is_some_and(|max| power_watts > max * (1.0 + 1e-9)) {
        return false;
    }
    if spec.site.budget_usd_per_hour.is_some_and(|b| s.objective_usd_per_hour > b * (1.0 + 1e-9)) {
        return false;
    }
    true
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
