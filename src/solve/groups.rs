//! Solving workloads apart. Workloads interact only through what they share: pool and site
//! limits, and memory tiers. Each group of workloads that shares a tier is solved on its own
//! with every limit applied to the group alone (a relaxation: the others use none of it); when
//! the union of the groups' plans also respects the shared limits it is feasible for the whole
//! program, and since the sum of the groups' optima bounds the whole program's optimum from
//! below, it is optimal (within the groups' MIP gap). Otherwise the whole program is solved.
//! Many small programs are far easier for branch and bound than one large one.

use std::collections::BTreeMap;
use std::time::Instant;

use super::infeasible::SolveError;
use super::program::{solve_with_slacks, Limits, Scope};
use super::{Options, Solution, Status};
use crate::graph::{CandidateGraph, TierKind};
use crate::spec::Spec;

/// Solves the program, by groups of workloads when it can.
pub fn solve_in_groups(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
) -> Result<Solution, SolveError> {
    let started = Instant::now();
    let whole = Scope::whole(g);
    let demand_index: BTreeMap<&str, usize> =
        g.demands.iter().enumerate().map(|(w, d)| (d.workload.as_str(), w)).collect();
    let demand_of: Vec<Option<usize>> =
        g.candidates.iter().map(|c| demand_index.get(c.workload.as_str()).copied()).collect();
    let groups = components(g, &whole.candidates, &demand_of);
    if groups.len() > 1 {
        if let Some(solution) = combine(spec, g, options, &whole, &demand_of, &groups, started) {
            return Ok(solution);
        }
    }
    // The time limit is for the whole solve: the whole program gets what the groups left.
    let left = (options.time_limit_s - started.elapsed().as_secs_f64()).max(1.0);
    let options_left = Options { time_limit_s: left.min(options.time_limit_s), ..*options };
    solve_with_slacks(spec, g, &options_left, Limits::Hard, &whole)
        .map(|(s, _)| Solution { options: *options, ..s })
}

/// The groups' plans combined, when each solves and together they respect the shared limits.
fn combine(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    whole: &Scope,
    demand_of: &[Option<usize>],
    groups: &[Vec<usize>],
    started: Instant,
) -> Option<Solution> {
    let mut combined = Solution {
        status: Status::Optimal,
        objective_usd_per_hour: 0.0,
        instances: vec![0; g.candidates.len()],
        tier_units: vec![0; g.tiers.len()],
        placement: Vec::new(),
        options: *options,
        unconstrained_usd_per_hour: None,
    };
    for (i, group) in groups.iter().enumerate() {
        let left = options.time_limit_s - started.elapsed().as_secs_f64();
        if left <= 0.0 {
            return None;
        }
        // A fair share of what is left (at least 1 s), so that one hard group cannot take the
        // time of all the others; a group that finds no plan in its share gets the rest.
        let share = (left / (groups.len() - i) as f64).max(1.0).min(left);
        let scope = Scope::group(whole, demand_of, group);
        let solve = |time_limit_s: f64| {
            let group_options = Options { time_limit_s, ..*options };
            solve_with_slacks(spec, g, &group_options, Limits::Hard, &scope)
        };
        let (solution, _) = match solve(share) {
            Ok(found) => found,
            Err(SolveError::Infeasible) => return None,
            Err(_) if share < left => solve(left).ok()?,
            Err(_) => return None,
        };
        combined.status = worse(combined.status, solution.status);
        combined.objective_usd_per_hour += solution.objective_usd_per_hour;
        for (sum, n) in combined.instances.iter_mut().zip(&solution.instances) {
            *sum += n;
        }
        for (sum, n) in combined.tier_units.iter_mut().zip(&solution.tier_units) {
            *sum += n;
        }
        combined.placement.extend(solution.placement);
    }
    combined.placement.sort_by_key(|&(w, t, _)| (w, t));
    respects_shared_limits(spec, g, &combined).then_some(combined)
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
fn respects_shared_limits(spec: &Spec, g: &CandidateGraph, s: &Solution) -> bool {
    let mut power_watts = 0.0;
    for pool in spec.pools.values() {
        let devices: u32 = g
            .candidates
            .iter()
            .zip(&s.instances)
            .filter(|(c, _)| c.pool == pool.name)
            .map(|(c, n)| c.devices * n)
            .sum();
        if devices > pool.max_devices {
            return false;
        }
        let has_candidates = g.candidates.iter().any(|c| c.pool == pool.name);
        if has_candidates && devices < pool.min_devices {
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
/// pool (their devices make that memory; a spare-HBM tier belongs to one workload). Sorted, deterministic.
pub fn components(
    g: &CandidateGraph,
    in_program: &[bool],
    demand_of: &[Option<usize>],
) -> Vec<Vec<usize>> {
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
    for (t, tier) in g.tiers.iter().enumerate() {
        let mut users: Vec<usize> = (0..n).filter(|&w| g.demands[w].tiers.contains(&t)).collect();
        if users.is_empty() {
            continue;
        }
        if matches!(tier.kind, TierKind::HostMemory) {
            for (c, candidate) in g.candidates.iter().enumerate() {
                if in_program[c] && candidate.pool == tier.pool {
                    users.extend(demand_of[c]);
                }
            }
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
