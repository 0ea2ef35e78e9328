//! The mixed-integer program itself.

use std::collections::{BTreeMap, HashMap};

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

/// Which part of the program to build. Lists, not masks over the whole graph: a group's
/// program touches a few hundred of a large fleet's ~10⁵ candidates, and building it must cost
/// that, not the fleet's size.
#[derive(Clone, Debug)]
pub(super) struct Scope {
    /// Candidates that get a variable, ascending; the others are fixed at zero (dominated, or
    /// serving a workload outside the group).
    pub candidates: Vec<usize>,
    /// Workloads (indices into `CandidateGraph::demands`) whose demand is covered, ascending.
    pub demands: Vec<usize>,
    /// A group's relaxation: pool minimums are left to the check of the combined solution, and
    /// tiers none of the group's workloads can use get no variable.
    pub group: bool,
    /// What the rest of the fleet's plan already uses, fixed: the scope then gets what is left
    /// of each limit, minimums included (`groups`' repair of coupled groups).
    pub fixed: Option<Fixed>,
    /// Prices on the pools' devices added to the cost in the objective (`lagrange`); the
    /// plan's cost stays the devices' prices.
    pub surcharge: Surcharge,
}

/// Prices on what a scope buys beyond its cost, in $/h: the Lagrange multipliers of the pools'
/// maximums and of the site's power (`lagrange`). A scope's objective is then its cost plus
/// the surcharge of what it buys, and its bound is a bound on that.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Surcharge {
    /// Per device of each pool (its maximum's price and its power's).
    pub per_device: BTreeMap<String, f64>,
    /// Per watt a device tier's units draw (the power's price).
    pub per_watt: f64,
}

impl Surcharge {
    /// The surcharge of one instance of `c`.
    pub fn on(&self, c: &Candidate) -> f64 {
        self.per_device.get(&c.pool).map_or(0.0, |price| price * f64::from(c.devices))
    }

    /// The surcharge of one unit of a device tier.
    pub fn on_unit(&self, tier: &crate::graph::Tier) -> f64 {
        self.per_watt * tier.power_watts_per_unit
    }
}

/// Devices per pool, power and cost that a scope must leave room for.
#[derive(Clone, Debug, Default)]
pub(super) struct Fixed {
    pub pool_devices: BTreeMap<String, u32>,
    pub power_watts: f64,
    pub cost_usd_per_hour: f64,
}

impl Fixed {
    pub fn devices(&self, pool: &str) -> f64 {
        f64::from(self.pool_devices.get(pool).copied().unwrap_or(0))
    }

    /// Adds what a solved scope buys: its devices by pool, their power and its tiers' (only
    /// device tiers have units), and its cost.
    pub fn add(&mut self, spec: &Spec, g: &CandidateGraph, part: &Part) {
        for &(c, n) in &part.counts {
            let candidate = &g.candidates[c];
            *self.pool_devices.entry(candidate.pool.clone()).or_default() += candidate.devices * n;
            self.power_watts +=
                spec.pool_power_watts(&candidate.pool) * f64::from(candidate.devices * n);
        }
        for &(t, n) in &part.units {
            self.power_watts += g.tiers[t].power_watts_per_unit * f64::from(n);
        }
        self.cost_usd_per_hour += part.objective_usd_per_hour;
    }
}

impl Scope {
    /// The whole program, without the dominated candidates.
    pub fn whole(g: &CandidateGraph) -> Scope {
        let keep = super::prune::undominated(g);
        Scope::whole_of(g, &keep)
    }

    /// The whole program over the candidates `keep` marks.
    pub fn whole_of(g: &CandidateGraph, keep: &[bool]) -> Scope {
        Scope {
            candidates: (0..g.candidates.len()).filter(|&c| keep[c]).collect(),
            demands: (0..g.demands.len()).collect(),
            group: false,
            fixed: None,
            surcharge: Surcharge::default(),
        }
    }
}

struct Built {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    /// (candidate, its instance count)
    instances: Vec<(usize, Variable)>,
    /// (tier, its units), for the device tiers in the program
    tier_units: Vec<(usize, Variable)>,
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
    let instances: Vec<(usize, Variable)> = scope
        .candidates
        .iter()
        .map(|&c| {
            let bound = instance_bound(spec, &g.candidates[c], elastic);
            (c, vars.add(variable().integer().min(0).max(bound)))
        })
        .collect();
    // The tiers the scope's workloads may use; the whole program also buys every device tier's
    // minimum.
    let mut used_tiers: Vec<usize> =
        scope.demands.iter().flat_map(|&w| g.demands[w].tiers.iter().copied()).collect();
    used_tiers.sort_unstable();
    used_tiers.dedup();
    let device_tiers: Vec<usize> =
        if scope.group { used_tiers.clone() } else { (0..g.tiers.len()).collect() };
    let tier_units: Vec<(usize, Variable)> = device_tiers
        .into_iter()
        .filter(|&t| matches!(g.tiers[t].kind, TierKind::Devices))
        .map(|t| {
            let tier = &g.tiers[t];
            let max =
                if elastic { f64::from(tier.max_units) * 64.0 } else { f64::from(tier.max_units) };
            (t, vars.add(variable().integer().min(f64::from(tier.min_units)).max(max)))
        })
        .collect();
    let mut placement = Vec::new();
    for &w in &scope.demands {
        for &t in &g.demands[w].tiers {
            placement.push((w, t, vars.add(variable().min(0.0).max(1.0))));
        }
    }

    // The candidates with a variable, by workload and by pool.
    let active: Vec<(&Candidate, Variable)> =
        instances.iter().map(|&(c, x)| (&g.candidates[c], x)).collect();
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
    for &d in &scope.demands {
        let Some(w) = spec.workloads.get(&g.demands[d].workload) else { continue };
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
    for &(t, y) in &tier_units {
        cost += g.tiers[t].price_usd_per_hour_per_unit * y;
    }

    // Coverage of each workload's prefill and decode, in requests per second.
    let mut stored_in: BTreeMap<usize, Expression> = BTreeMap::new();
    for &(w, _, s) in &placement {
        *stored_in.entry(w).or_insert_with(|| Expression::from(0.0)) += s;
    }
    for &w in &scope.demands {
        let demand = &g.demands[w];
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
        let stored = stored_in.remove(&w).unwrap_or_else(|| Expression::from(0.0));
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
    let fixed = scope.fixed.clone().unwrap_or_default();
    for pool in spec.pools.values() {
        let mut devices = Expression::from(0.0);
        let candidates = in_pool(&pool.name);
        if candidates.is_empty() {
            continue;
        }
        for &(c, x) in candidates {
            devices += f64::from(c.devices) * x;
        }
        let max = f64::from(pool.max_devices) - fixed.devices(&pool.name);
        if elastic {
            let slack = vars.add(variable().min(0.0));
            pool_slack.push((pool.name.clone(), slack));
            constraints.push(constraint!(devices.clone() <= max + slack));
        } else {
            constraints.push(constraint!(devices.clone() <= max));
        }
        let min = f64::from(pool.min_devices) - fixed.devices(&pool.name);
        if min > 0.0 && (!scope.group || scope.fixed.is_some()) {
            constraints.push(constraint!(devices >= min));
        }
    }

    // Memory tiers: capacity and read bandwidth.
    let mut placed_in: BTreeMap<usize, Vec<(usize, Variable)>> = BTreeMap::new();
    for &(w, t, s) in &placement {
        placed_in.entry(t).or_default().push((w, s));
    }
    for (&t, placed) in &placed_in {
        let tier = &g.tiers[t];
        let mut bytes = Expression::from(0.0);
        let mut reads = Expression::from(0.0);
        for &(w, s) in placed {
            let demand = &g.demands[w];
            bytes += demand.retained_bytes * s;
            reads += demand.rate_per_s * demand.hit_bytes * s;
        }
        // Units: the tier's devices, or the compute devices the plan uses in that pool (host
        // memory and spare HBM come with them). Scaled to GB and GB/s to keep the coefficients
        // near 1.
        let mut units = Expression::from(0.0);
        let mut capacity_gb = Expression::from(0.0);
        match tier.kind {
            TierKind::Devices => {
                if let Some(&(_, y)) = tier_units.iter().find(|(ut, _)| *ut == t) {
                    units += y;
                }
            }
            TierKind::HostMemory | TierKind::SpareHbm => {
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
        for &(t, y) in &tier_units {
            power += g.tiers[t].power_watts_per_unit / 1e3 * y;
        }
        if elastic {
            let slack = vars.add(variable().min(0.0));
            power_slack = Some(slack);
            constraints.push(constraint!(power <= max_power / 1e3 + slack));
        } else {
            constraints.push(constraint!(power <= (max_power - fixed.power_watts) / 1e3));
        }
    }
    let mut budget_slack = None;
    if let Some(budget) = spec.site.budget_usd_per_hour {
        if elastic {
            let slack = vars.add(variable().min(0.0));
            budget_slack = Some(slack);
            constraints.push(constraint!(cost.clone() <= budget + slack));
        } else {
            constraints.push(constraint!(cost.clone() <= budget - fixed.cost_usd_per_hour));
        }
    }

    let mut objective = cost.clone();
    for &(c, x) in &active {
        let surcharge = scope.surcharge.on(c);
        if surcharge != 0.0 {
            objective += surcharge * x;
        }
    }
    for &(t, y) in &tier_units {
        let surcharge = scope.surcharge.on_unit(&g.tiers[t]);
        if surcharge != 0.0 {
            objective += surcharge * y;
        }
    }
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

/// A solved scope, sparse: what a group's solve returns, so that combining a thousand groups
/// costs their size, not a thousand times the fleet's.
#[derive(Clone, Debug)]
pub(super) struct Part {
    pub status: Status,
    /// The cost of the rounded counts, which is what the plan buys.
    pub objective_usd_per_hour: f64,
    /// The best lower bound on the scope's optimum the solver proved (`None`: not known).
    pub bound_usd_per_hour: Option<f64>,
    /// (candidate, instances), nonzero only, ascending.
    pub counts: Vec<(usize, u32)>,
    /// (tier, units) of the device tiers in the scope, ascending.
    pub units: Vec<(usize, u32)>,
    /// (workload, tier, share), nonzero only.
    pub placement: Vec<(usize, usize, f64)>,
    pub slacks: Slacks,
}

impl Part {
    /// The dense solution over the whole graph.
    pub fn into_solution(self, g: &CandidateGraph, options: &Options) -> Solution {
        let mut instances = vec![0; g.candidates.len()];
        for (c, n) in self.counts {
            instances[c] = n;
        }
        let mut tier_units = vec![0; g.tiers.len()];
        for (t, n) in self.units {
            tier_units[t] = n;
        }
        let mut solution = Solution {
            status: self.status,
            objective_usd_per_hour: self.objective_usd_per_hour,
            lower_bound_usd_per_hour: self.bound_usd_per_hour,
            proven_gap: None,
            instances,
            tier_units,
            placement: self.placement,
            options: *options,
            unconstrained_usd_per_hour: None,
        };
        solution.proven_gap = solution.gap_to_bound();
        solution
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
    let mut part = solve_scope(spec, g, options, limits, scope)?;
    let slacks = std::mem::take(&mut part.slacks);
    Ok((part.into_solution(g, options), slacks))
}

/// Solves one scope of the program.
pub(super) fn solve_scope(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    limits: Limits,
    scope: &Scope,
) -> Result<Part, SolveError> {
    solve_scope_within(spec, g, options, limits, scope, None)
}

/// [`solve_scope`], with microlp's branch and bound stopped after `node_limit` nodes as well as
/// at the time limit: a bound on the work that, unlike time, gives the same answer however
/// busy the machine is (`lagrange`'s rounds). Its plan and bound are what it proved by then.
pub(super) fn solve_scope_within(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    limits: Limits,
    scope: &Scope,
    node_limit: Option<u64>,
) -> Result<Part, SolveError> {
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
    // good_lp makes microlp's variables in this order; a solve that calls microlp itself (with
    // a node limit, which good_lp does not pass on) reads its values by it.
    let order: HashMap<Variable, usize> = match node_limit {
        Some(_) => vars.iter_variables_with_def().enumerate().map(|(i, (v, _))| (v, i)).collect(),
        None => HashMap::new(),
    };
    let problem = vars.minimise(objective);
    let read = |solution: &dyn good_lp::Solution, status: SolutionStatus| {
        let status = match status {
            SolutionStatus::Optimal => Status::Optimal,
            SolutionStatus::GapLimit => Status::GapLimit,
            SolutionStatus::TimeLimit => Status::TimeLimit,
        };
        let counts: Vec<(usize, u32)> = instances
            .iter()
            .map(|&(c, v)| (c, round_count(solution.value(v))))
            .filter(|&(_, n)| n > 0)
            .collect();
        let units: Vec<(usize, u32)> =
            tier_units.iter().map(|&(t, v)| (t, round_count(solution.value(v)))).collect();
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
        let objective: f64 = counts
            .iter()
            .map(|&(c, n)| g.candidates[c].cost_usd_per_hour * f64::from(n))
            .sum::<f64>()
            + units
                .iter()
                .map(|&(t, n)| g.tiers[t].price_usd_per_hour_per_unit * f64::from(n))
                .sum::<f64>();
        Part {
            status,
            objective_usd_per_hour: objective,
            bound_usd_per_hour: None,
            counts,
            units,
            placement: shares,
            slacks,
        }
    };
    let gap = options.mip_gap as f32;
    // A lower bound on the optimum only means something when the objective is the cost.
    let hard = limits == Limits::Hard;
    match options.solver {
        Solver::Microlp => {
            let mut model = problem.using(good_lp::microlp).with_time_limit(options.time_limit_s);
            model = model.with_mip_gap(gap).map_err(|e| SolveError::Other(e.to_string()))?;
            for c in constraints {
                model = model.with(c);
            }
            let (mut part, status, stats) = match node_limit {
                None => {
                    let solution = model.solve().map_err(map_error)?;
                    let status = solution.status();
                    let part = read(&solution, status);
                    (part, status, solution.into_inner().stats())
                }
                Some(nodes) => {
                    // good_lp's `solve` also reports the integer bounds it could not give
                    // microlp; those bounds do not depend on the scope's prices or what is
                    // fixed, and `lagrange` calls this only for groups that solved through
                    // good_lp first.
                    let mut direct = microlp::SolveOptions::default();
                    direct.mip_gap = f64::from(gap);
                    direct.time_limit =
                        Some(std::time::Duration::from_secs_f64(options.time_limit_s.max(0.0)));
                    direct.node_limit = Some(nodes);
                    let outcome = model
                        .as_inner()
                        .solve_with(direct)
                        .map_err(|e| map_error(ResolutionError::from(e)))?;
                    let microlp::SolveOutcome::Solution(solution) = outcome else {
                        return Err(SolveError::Other(format!(
                            "no plan within {nodes} branch-and-bound nodes"
                        )));
                    };
                    let by_index = ByIndex::new(&solution, &order);
                    let status = by_index.status();
                    (read(&by_index, status), status, solution.stats())
                }
            };
            // microlp's best proven bound: the least LP bound over the open nodes of its
            // branch and bound, or the incumbent's own value (with its surcharge: the bound is
            // on the objective) once it is proven.
            part.bound_usd_per_hour = match status {
                SolutionStatus::Optimal => {
                    Some(part.objective_usd_per_hour + surcharge_of(g, scope, &part))
                }
                _ => stats.best_bound,
            }
            .filter(|_| hard);
            Ok(part)
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
            let mut part = read(&solution, status);
            // good_lp does not hand on HiGHS's dual bound: what the status proves instead
            // (HiGHS's relative gap is (incumbent − bound) / incumbent).
            let priced = part.objective_usd_per_hour + surcharge_of(g, scope, &part);
            part.bound_usd_per_hour = match status {
                SolutionStatus::Optimal => Some(priced),
                SolutionStatus::GapLimit => Some(priced * (1.0 - options.mip_gap)),
                SolutionStatus::TimeLimit => None,
            }
            .filter(|_| hard);
            Ok(part)
        }
        #[cfg(not(feature = "highs"))]
        Solver::Highs => Err(SolveError::Other(
            "this fleetplan was built without HiGHS; rebuild with `--features highs`".to_string(),
        )),
    }
}

/// The surcharge of what a part buys under `scope`'s prices.
pub(super) fn surcharge_of(g: &CandidateGraph, scope: &Scope, part: &Part) -> f64 {
    let instances: f64 =
        part.counts.iter().map(|&(c, n)| scope.surcharge.on(&g.candidates[c]) * f64::from(n)).sum();
    let units: f64 =
        part.units.iter().map(|&(t, n)| scope.surcharge.on_unit(&g.tiers[t]) * f64::from(n)).sum();
    instances + units
}

/// A microlp solution read through good_lp's variables (by their creation order).
struct ByIndex<'a> {
    values: Vec<f64>,
    order: &'a HashMap<Variable, usize>,
    reason: microlp::TerminationReason,
}

impl<'a> ByIndex<'a> {
    fn new(solution: &microlp::Solution, order: &'a HashMap<Variable, usize>) -> ByIndex<'a> {
        let values = solution.iter().map(|(_, value)| value).collect();
        ByIndex { values, order, reason: solution.termination_reason() }
    }
}

impl good_lp::Solution for ByIndex<'_> {
    /// As good_lp maps microlp's reasons (a node limit is a limit like time).
    fn status(&self) -> SolutionStatus {
        match self.reason {
            microlp::TerminationReason::ProvenOptimal => SolutionStatus::Optimal,
            microlp::TerminationReason::MipGap => SolutionStatus::GapLimit,
            _ => SolutionStatus::TimeLimit,
        }
    }

    fn value(&self, variable: Variable) -> f64 {
        self.order.get(&variable).and_then(|&i| self.values.get(i)).copied().unwrap_or(0.0)
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
