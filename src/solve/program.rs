//! The mixed-integer program itself.

use std::collections::BTreeMap;

use good_lp::{
    constraint, variable, Expression, ProblemVariables, ResolutionError, Solution as _,
    SolutionStatus, SolverModel, Variable, WithMipGap, WithTimeLimit,
};

use super::infeasible::SolveError;
use super::{Options, Solution, Solver, Status};
use crate::graph::{CandidateGraph, TierKind};
use crate::perf::{Candidate, Role};
use crate::spec::Spec;

/// Whether limits are hard, or elastic with penalised slack (to find which limit binds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    Hard,
    Elastic,
}

/// Cost per unit of slack in elastic mode: far above any fleet's hourly cost, so slack is used
/// only where nothing else works.
const SLACK_PENALTY: f64 = 1e7;

/// Slack variables of an elastic solve, by limit.
#[derive(Clone, Debug, Default)]
pub struct Slacks {
    /// (pool name, extra devices needed)
    pub pools: Vec<(String, f64)>,
    pub power_watts: f64,
    pub budget_usd_per_hour: f64,
}

/// Which part of the program to build.
#[derive(Clone, Debug)]
pub(super) struct Scope {
    /// Candidates that get a variable; the others are fixed at zero (dominated, or serving a
    /// workload outside the group).
    pub candidates: Vec<bool>,
    /// Workloads whose demand is covered.
    pub demands: Vec<bool>,
    /// A group's relaxation: pool minimums are left to the check of the combined solution, and
    /// tiers none of the group's workloads can use get no variable.
    pub group: bool,
}

impl Scope {
    /// The whole program, without the dominated candidates.
    pub fn whole(g: &CandidateGraph) -> Scope {
        // Spare KV memory counts where a workload may keep sessions in a pool's spare HBM.
        let spare: std::collections::BTreeSet<(&str, &str)> = g
            .demands
            .iter()
            .flat_map(|d| d.tiers.iter().map(move |&t| (d, t)))
            .filter(|(_, t)| matches!(g.tiers[*t].kind, TierKind::SpareHbm))
            .map(|(d, t)| (d.workload.as_str(), g.tiers[t].pool.as_str()))
            .collect();
        let dominated = super::prune::dominated(&g.candidates, |w, p| spare.contains(&(w, p)));
        Scope {
            candidates: dominated.iter().map(|d| !d).collect(),
            demands: vec![true; g.demands.len()],
            group: false,
        }
    }

    /// The workloads `group` alone, within `whole`.
    /// `demand_of[c]` is the demand candidate `c` serves.
    pub fn group(whole: &Scope, demand_of: &[Option<usize>], group: &[usize]) -> Scope {
        let mut demands = vec![false; whole.demands.len()];
        for &w in group {
            demands[w] = true;
        }
        let candidates = whole
            .candidates
            .iter()
            .zip(demand_of)
            .map(|(&keep, w)| keep && w.is_some_and(|w| demands[w]))
            .collect();
        Scope { candidates, demands, group: true }
    }
}

struct Built {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    instances: Vec<Option<Variable>>,
    tier_units: Vec<Option<Variable>>,
    placement: Vec<(usize, usize, Variable)>,
    pool_slack: Vec<(String, Variable)>,
    power_slack: Option<Variable>,
    budget_slack: Option<Variable>,
}

/// The most instances of a candidate: what its pool can supply (elastic: far more, so that a
/// pool's slack, not this bound, absorbs a shortfall).
fn instance_bound(spec: &Spec, c: &Candidate, elastic: bool) -> f64 {
    let max = spec.pools.get(&c.pool).map_or(0, |p| p.max_devices / c.devices.max(1));
    if elastic {
        f64::from(max).max(1.0) * 64.0
    } else {
        f64::from(max)
    }
}

fn build(spec: &Spec, g: &CandidateGraph, limits: Limits, scope: &Scope) -> Built {
    let mut vars = ProblemVariables::new();
    let mut constraints = Vec::new();
    let elastic = limits == Limits::Elastic;

    // Instances per candidate, bounded by what its pool can supply.
    let instances: Vec<Option<Variable>> = g
        .candidates
        .iter()
        .zip(&scope.candidates)
        .map(|(c, &keep)| {
            keep.then(|| {
                vars.add(variable().integer().min(0).max(instance_bound(spec, c, elastic)))
            })
        })
        .collect();
    let used_by_scope = |t: usize| {
        g.demands.iter().zip(&scope.demands).any(|(d, &inside)| inside && d.tiers.contains(&t))
    };
    let tier_units: Vec<Option<Variable>> = g
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| match t.kind {
            TierKind::Devices if scope.group && !used_by_scope(i) => None,
            TierKind::Devices => {
                let max =
                    if elastic { f64::from(t.max_units) * 64.0 } else { f64::from(t.max_units) };
                Some(vars.add(variable().integer().min(f64::from(t.min_units)).max(max)))
            }
            TierKind::HostMemory | TierKind::SpareHbm => None,
        })
        .collect();
    let mut placement = Vec::new();
    for (w, demand) in g.demands.iter().enumerate() {
        if !scope.demands[w] {
            continue;
        }
        for &t in &demand.tiers {
            placement.push((w, t, vars.add(variable().min(0.0).max(1.0))));
        }
    }

    // The candidates with a variable, by workload and by pool: a group's program touches a
    // few hundred of a large fleet's ~10⁵ candidates.
    let active: Vec<(&Candidate, Variable)> =
        g.candidates.iter().zip(&instances).filter_map(|(c, x)| x.map(|x| (c, x))).collect();
    let mut by_workload: BTreeMap<&str, Vec<(&Candidate, Variable)>> = BTreeMap::new();
    let mut by_pool: BTreeMap<&str, Vec<(&Candidate, Variable)>> = BTreeMap::new();
    for &(c, x) in &active {
        by_workload.entry(c.workload.as_str()).or_default().push((c, x));
        by_pool.entry(c.pool.as_str()).or_default().push((c, x));
    }
    let in_workload = |name: &str| by_workload.get(name).map_or(&[][..], Vec::as_slice);
    let in_pool = |name: &str| by_pool.get(name).map_or(&[][..], Vec::as_slice);

    // `configs`: at most N distinct candidates per role of a workload, each one used a binary
    // that its instance count needs (x ≤ max·y).
    for w in spec.workloads.values() {
        let Some(limit) = w.max_configs else { continue };
        for role in Role::ALL {
            let mut used = Expression::from(0.0);
            let mut any = false;
            for &(c, x) in in_workload(&w.name).iter().filter(|(c, _)| c.role == role) {
                let y = vars.add(variable().binary());
                constraints.push(constraint!(x <= instance_bound(spec, c, elastic) * y));
                used += y;
                any = true;
            }
            if any {
                constraints.push(constraint!(used <= f64::from(limit)));
            }
        }
    }

    // Cost.
    let mut cost = Expression::from(0.0);
    for &(c, x) in &active {
        cost += c.cost_usd_per_hour * x;
    }
    for (t, y) in g.tiers.iter().zip(&tier_units) {
        if let Some(y) = y {
            cost += t.price_usd_per_hour_per_unit * *y;
        }
    }

    // Coverage of each workload's prefill and decode, in requests per second.
    for (w, demand) in g.demands.iter().enumerate() {
        if !scope.demands[w] {
            continue;
        }
        let mut prefill = Expression::from(0.0);
        let mut decode = Expression::from(0.0);
        for &(c, x) in in_workload(&demand.workload) {
            if matches!(c.role, Role::Prefill | Role::Aggregated) {
                prefill += c.requests_per_s * x;
            }
            if matches!(c.role, Role::Decode | Role::Aggregated) {
                decode += c.requests_per_s * x;
            }
        }
        // Hits from retained KV take their share of prompt tokens off prefill.
        let mut stored = Expression::from(0.0);
        for (pw, _, s) in &placement {
            if *pw == w {
                stored += *s;
            }
        }
        constraints.push(constraint!(
            prefill + demand.rate_per_s * demand.hit_saving * stored.clone() >= demand.rate_per_s
        ));
        constraints.push(constraint!(decode >= demand.rate_per_s));
        if !demand.tiers.is_empty() {
            constraints.push(constraint!(stored <= 1.0));
        }
    }

    // Pool limits.
    let mut pool_slack = Vec::new();
    for pool in spec.pools.values() {
        let mut devices = Expression::from(0.0);
        let candidates = in_pool(&pool.name);
        if candidates.is_empty() {
            continue;
        }
        for &(c, x) in candidates {
            devices += f64::from(c.devices) * x;
        }
        if elastic {
            let slack = vars.add(variable().min(0.0));
            pool_slack.push((pool.name.clone(), slack));
            constraints.push(constraint!(devices.clone() <= f64::from(pool.max_devices) + slack));
        } else {
            constraints.push(constraint!(devices.clone() <= f64::from(pool.max_devices)));
        }
        if pool.min_devices > 0 && !scope.group {
            constraints.push(constraint!(devices >= f64::from(pool.min_devices)));
        }
    }

    // Memory tiers: capacity and read bandwidth.
    for (t, tier) in g.tiers.iter().enumerate() {
        let mut bytes = Expression::from(0.0);
        let mut reads = Expression::from(0.0);
        let mut any = false;
        for (w, pt, s) in &placement {
            if *pt == t {
                let demand = &g.demands[*w];
                bytes += demand.retained_bytes * *s;
                reads += demand.rate_per_s * demand.hit_bytes * *s;
                any = true;
            }
        }
        if !any {
            continue;
        }
        // Units: the tier's devices, or the compute devices the plan uses in that pool (host
        // memory and spare HBM come with them). Scaled to GB and GB/s to keep the coefficients
        // near 1.
        let mut units = Expression::from(0.0);
        let mut capacity_gb = Expression::from(0.0);
        match (&tier.kind, tier_units[t]) {
            (TierKind::Devices, Some(y)) => units += y,
            (TierKind::Devices, None) => {}
            (TierKind::HostMemory | TierKind::SpareHbm, _) => {
                for &(c, x) in in_pool(&tier.pool) {
                    if tier.backed_by(c) {
                        units += f64::from(c.devices) * x;
                        capacity_gb += c.spare_kv_bytes() / 1e9 * x;
                    }
                }
            }
        }
        if !matches!(tier.kind, TierKind::SpareHbm) {
            capacity_gb = (tier.capacity_bytes_per_unit / 1e9) * units.clone();
        }
        constraints.push(constraint!(bytes / 1e9 <= capacity_gb));
        constraints
            .push(constraint!(reads / 1e9 <= (tier.read_bytes_per_s_per_unit / 1e9) * units));
    }

    // Site limits.
    let mut power_slack = None;
    if let Some(max_power) = spec.site.max_power_watts {
        let mut power = Expression::from(0.0);
        for &(c, x) in &active {
            power += spec.pool_power_watts(&c.pool) * f64::from(c.devices) / 1e3 * x;
        }
        for (t, y) in g.tiers.iter().zip(&tier_units) {
            if let Some(y) = y {
                power += t.power_watts_per_unit / 1e3 * *y;
            }
        }
        if elastic {
            let slack = vars.add(variable().min(0.0));
            power_slack = Some(slack);
            constraints.push(constraint!(power <= max_power / 1e3 + slack));
        } else {
            constraints.push(constraint!(power <= max_power / 1e3));
        }
    }
    let mut budget_slack = None;
    if let Some(budget) = spec.site.budget_usd_per_hour {
        if elastic {
            let slack = vars.add(variable().min(0.0));
            budget_slack = Some(slack);
            constraints.push(constraint!(cost.clone() <= budget + slack));
        } else {
            constraints.push(constraint!(cost.clone() <= budget));
        }
    }

    let mut objective = cost.clone();
    for (_, s) in &pool_slack {
        objective += SLACK_PENALTY * *s;
    }
    if let Some(s) = power_slack {
        objective += SLACK_PENALTY * s;
    }
    if let Some(s) = budget_slack {
        objective += SLACK_PENALTY / 100.0 * s;
    }
    Built {
        vars,
        objective,
        constraints,
        instances,
        tier_units,
        placement,
        pool_slack,
        power_slack,
        budget_slack,
    }
}

/// Solves the whole program (without dominated candidates); with `Limits::Elastic` also
/// returns the slack each limit needed.
pub fn solve_program(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    limits: Limits,
) -> Result<Solution, SolveError> {
    solve_with_slacks(spec, g, options, limits, &Scope::whole(g)).map(|(s, _)| s)
}

pub(super) fn solve_with_slacks(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    limits: Limits,
    scope: &Scope,
) -> Result<(Solution, Slacks), SolveError> {
    let built = build(spec, g, limits, scope);
    let Built {
        vars,
        objective,
        constraints,
        instances,
        tier_units,
        placement,
        pool_slack,
        power_slack,
        budget_slack,
    } = built;
    let problem = vars.minimise(objective);
    let read = |solution: &dyn good_lp::Solution, status: SolutionStatus| {
        let status = match status {
            SolutionStatus::Optimal => Status::Optimal,
            SolutionStatus::GapLimit => Status::GapLimit,
            SolutionStatus::TimeLimit => Status::TimeLimit,
        };
        let counts: Vec<u32> =
            instances.iter().map(|v| v.map_or(0, |v| round_count(solution.value(v)))).collect();
        let units: Vec<u32> =
            tier_units.iter().map(|v| v.map_or(0, |v| round_count(solution.value(v)))).collect();
        // Shares are rounded to 1e-6 so that solver tie-breaking noise does not reach the output.
        let shares = placement
            .iter()
            .map(|(w, t, v)| (*w, *t, (solution.value(*v) * 1e6).round() / 1e6))
            .filter(|(_, _, s)| *s > 0.0)
            .collect();
        let slacks = Slacks {
            pools: pool_slack
                .iter()
                .map(|(p, v)| (p.clone(), solution.value(*v)))
                .filter(|(_, s)| *s > 1e-6)
                .collect(),
            power_watts: power_slack.map_or(0.0, |v| solution.value(v) * 1e3),
            budget_usd_per_hour: budget_slack.map_or(0.0, |v| solution.value(v)),
        };
        // The cost of the rounded counts, which is what the plan buys.
        let objective: f64 = g
            .candidates
            .iter()
            .zip(&counts)
            .map(|(c, n)| c.cost_usd_per_hour * f64::from(*n))
            .sum::<f64>()
            + g.tiers
                .iter()
                .zip(&units)
                .map(|(t, n)| t.price_usd_per_hour_per_unit * f64::from(*n))
                .sum::<f64>();
        (
            Solution {
                status,
                objective_usd_per_hour: objective,
                instances: counts,
                tier_units: units,
                placement: shares,
                options: *options,
                unconstrained_usd_per_hour: None,
            },
            slacks,
        )
    };
    let gap = options.mip_gap as f32;
    match options.solver {
        Solver::Microlp => {
            let mut model = problem.using(good_lp::microlp).with_time_limit(options.time_limit_s);
            model = model.with_mip_gap(gap).map_err(|e| SolveError::Other(e.to_string()))?;
            for c in constraints {
                model = model.with(c);
            }
            let solution = model.solve().map_err(map_error)?;
            let status = solution.status();
            Ok(read(&solution, status))
        }
        #[cfg(feature = "highs")]
        Solver::Highs => {
            let mut model = problem.using(good_lp::highs).with_time_limit(options.time_limit_s);
            model = model.with_mip_gap(gap).map_err(|e| SolveError::Other(e.to_string()))?;
            for c in constraints {
                model = model.with(c);
            }
            let solution = model.solve().map_err(map_error)?;
            let status = solution.status();
            Ok(read(&solution, status))
        }
        #[cfg(not(feature = "highs"))]
        Solver::Highs => Err(SolveError::Other(
            "this fleetplan was built without HiGHS; rebuild with `--features highs`".to_string(),
        )),
    }
}

fn round_count(value: f64) -> u32 {
    value.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

fn map_error(error: ResolutionError) -> SolveError {
    match error {
        ResolutionError::Infeasible => SolveError::Infeasible,
        ResolutionError::Unbounded => SolveError::Other("the program is unbounded".to_string()),
        other => SolveError::Other(other.to_string()),
    }
}
