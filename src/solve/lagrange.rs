//! Coupled fleets: when the groups' plans together break pools' maximums, the maximums are
//! priced instead of imposed (Lagrangian relaxation), so that the workloads are still solved
//! apart.
//!
//! With a price `μ_p ≥ 0` per device of each pool `p` (the `Surcharge`), every group solves its
//! own program with `cost + Σ_p μ_p · devices_p` as the objective (its own maximums kept,
//! alone). For any prices, the sum of the groups' proven lower bounds less `Σ_p μ_p · max_p` is
//! a lower bound on the whole program's optimum: a whole plan is feasible for every group's
//! program, its surcharge is at most `Σ_p μ_p · max_p` because it keeps the maximums, so its
//! cost is at least the groups' optima summed less that (weak duality). The prices are found
//! by Kelley's cutting planes in a trust region: every round's plans give a cut,
//! `L(μ) ≤ their cost + Σ_p μ_p · (their devices_p − max_p)`, and the next prices maximise the
//! lowest cut within a box around the prices of the best bound (a small LP); the box widens
//! after a better bound and narrows after a worse one. The first step is a subgradient step of
//! Polyak's length (prices up where the groups buy more than a maximum), toward the best
//! plan's cost.
//!
//! Each round also makes a plan: the groups' plans are kept in group order while they fit in
//! what the earlier ones leave of the maximums, and a group that does not fit is solved again
//! at the devices' prices in what is left (`program::Fixed`). The cheapest plan found is kept,
//! with the best bound; its proven gap is their distance. A round solves again only the groups
//! whose program the new prices change: those with candidates in a pool whose price moved,
//! and of them not those whose plan uses no pool whose price rose when no price fell (their
//! plan costs the same and every other plan of theirs more, so their plan and bound stand).
//!
//! Used when only pool maximums are broken and no pool has a minimum (`decompose` returns
//! `None` otherwise, and `groups` repairs or solves the whole program as before).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::groups::{self, Index};
use super::infeasible::SolveError;
use super::program::{solve_scope, solve_scope_within, Fixed, Limits, Part, Scope, Surcharge};
use super::{Options, Solution, Status};
use crate::graph::CandidateGraph;
use crate::spec::Spec;

/// Rounds of price updates at most: each solves most groups again.
const ROUNDS: usize = 30;

/// Rounds in a row that improve neither the bound nor the plan by more than
/// [`PROGRESS`] of the plan's cost, after which the decomposition stops with the gap it proved.
const PATIENCE: usize = 6;
const PROGRESS: f64 = 1e-4;

/// Branch-and-bound nodes one group's program may take inside a round. Priced programs are
/// harder for branch and bound than unpriced ones (the prices break the ties that let it
/// prune); a group stopped short keeps its best plan and its proven bound, which still bounds
/// its optimum, so the relaxation's bound stays valid, only weaker. Nodes, not seconds: the
/// answer is then the same however busy the machine is.
/// On the generated coupled fleets (wall time, proven gap) at 5,000 nodes: N = 100 1.5 s and
/// 0.46%, N = 3,000 28 s (the weak bounds of the groups cut short misled the price search);
/// at 20,000: 6.4 s and 0.13%, 8.9 s and 0.063%; at 10,000: 3.9 s and 0.13%, 2.2 s and 0.063%
/// at N = 1,000, 6.8 s and 0.067% at N = 3,000.
const GROUP_NODES: u64 = 10_000;

/// The plan of a fleet whose groups' plans (`parts`, at no surcharge) together break pools'
/// maximums, with a bound from the relaxation; `None` where the decomposition does not apply
/// or finds no plan.
pub(super) fn decompose(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    index: &Index,
    groups: &[Vec<usize>],
    mut parts: Vec<Part>,
    started: Instant,
) -> Option<Solution> {
    if spec.pools.values().any(|p| p.min_devices > 0) {
        return None;
    }
    let combined = groups::union(g, options, parts.clone());
    if groups::broken_pools(spec, g, index, &combined)?.is_empty() {
        return None;
    }
    let pools_of: Vec<BTreeSet<&str>> = groups
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|&w| index.by_demand[w].iter().map(|&c| g.candidates[c].pool.as_str()))
                .collect()
        })
        .collect();
    let max_of = |pool: &str| spec.pools.get(pool).map_or(0.0, |p| f64::from(p.max_devices));
    let mut prices: BTreeMap<String, f64> = BTreeMap::new();
    let mut bound = dual(&parts, &prices, &max_of)?;
    let mut best_bound = bound;
    let mut best: Option<Solution> = None;
    let mut idle = 0;
    let mut previous: (f64, Option<f64>) = (f64::NEG_INFINITY, None);
    let mut cut = false;
    let mut cuts: Vec<Cut> = Vec::new();
    let mut coupled: BTreeSet<String> = BTreeSet::new();
    let mut center: BTreeMap<String, f64> = BTreeMap::new();
    let mut radius: Option<f64> = None;
    for _ in 0..ROUNDS {
        if started.elapsed().as_secs_f64() >= options.time_limit_s {
            cut = true;
            break;
        }
        let usage = devices_by_pool(g, &parts);
        let primal_plan = primal(spec, g, options, index, groups, &parts, &usage, started);
        if let Some(plan) = primal_plan {
            if best.as_ref().is_none_or(|b| plan.objective_usd_per_hour < b.objective_usd_per_hour)
            {
                best = Some(plan);
            }
        }
        let upper = best.as_ref().map(|b| b.objective_usd_per_hour);
        if upper.is_some_and(|u| gap(u, best_bound) <= options.mip_gap) {
            break;
        }
        // Stop when neither the bound (last round's) nor the plan moves any more.
        let scale_of = upper.unwrap_or(best_bound).abs().max(1.0);
        let moved_bound = best_bound > previous.0 + PROGRESS * scale_of;
        let moved_plan = match (upper, previous.1) {
            (Some(u), Some(p)) => u < p - PROGRESS * scale_of,
            (Some(_), None) => true,
            _ => false,
        };
        idle = if moved_bound || moved_plan { 0 } else { idle + 1 };
        previous = (best_bound, upper);
        if idle >= PATIENCE {
            break;
        }
        // The subgradient: what the groups buy over each maximum (priced pools and broken).
        let mut slope: BTreeMap<String, f64> = BTreeMap::new();
        for (pool, &used) in &usage {
            if used > max_of(pool) {
                slope.insert(pool.to_string(), used - max_of(pool));
            }
        }
        for pool in prices.keys() {
            let used = usage.get(pool.as_str()).copied().unwrap_or(0.0);
            slope.insert(pool.clone(), used - max_of(pool));
        }
        let norm: f64 = slope.values().map(|s| s * s).sum();
        if norm == 0.0 {
            break;
        }
        cuts.push(Cut {
            cost: parts.iter().map(|p| p.objective_usd_per_hour).sum(),
            devices: usage.iter().map(|(p, d)| (p.to_string(), *d)).collect(),
        });
        coupled.extend(slope.keys().cloned());
        let next_prices = match radius {
            Some(r) => model_maximum(&cuts, &coupled, &center, r, &max_of),
            None => {
                // The first step: Polyak's, toward the best plan's cost (1% above the bound
                // before there is one); its size is the first trust region's.
                let target = upper.unwrap_or(bound + 0.01 * bound.abs().max(1.0));
                let step = (target - bound).max(1e-9 * target.abs()) / norm;
                let next: BTreeMap<String, f64> = slope
                    .iter()
                    .map(|(pool, s)| {
                        let old = prices.get(pool).copied().unwrap_or(0.0);
                        (pool.clone(), (old + step * s).max(0.0))
                    })
                    .collect();
                radius = Some(next.values().fold(0.0, |m: f64, v| m.max(v.abs())).max(1e-6));
                next
            }
        };
        let mut moved: BTreeMap<String, f64> = BTreeMap::new();
        for pool in next_prices.keys().chain(prices.keys()) {
            let old = prices.get(pool).copied().unwrap_or(0.0);
            let new = next_prices.get(pool).copied().unwrap_or(0.0);
            if new != old {
                moved.insert(pool.clone(), new - old);
            }
        }
        if moved.is_empty() {
            break;
        }
        for (pool, delta) in &moved {
            let price = prices.entry(pool.clone()).or_insert(0.0);
            *price += delta;
            if *price <= 0.0 {
                prices.remove(pool);
            }
        }
        let fell = moved.values().any(|&d| d < 0.0);
        let again: Vec<usize> = (0..groups.len())
            .filter(|&i| {
                let touched = moved.keys().any(|p| pools_of[i].contains(p.as_str()));
                let uses_risen = parts[i]
                    .counts
                    .iter()
                    .any(|&(c, _)| moved.get(&g.candidates[c].pool).is_some_and(|&d| d > 0.0));
                touched && (fell || uses_risen)
            })
            .collect();
        let surcharge = Surcharge { per_device: prices.clone() };
        let threads = options.thread_count().clamp(1, again.len().max(1));
        let solved = crate::parallel::map(&again, threads, |_, &i| {
            let scope = groups::group_scope(spec, g, index, &groups[i], None, surcharge.clone());
            solve_with_retry(spec, g, options, &scope, started)
        });
        // A group without a plan or a bound at these prices proves nothing more: stop with
        // the best plan and bound so far.
        let mut complete = true;
        for (&i, part) in again.iter().zip(solved) {
            match part {
                Ok(part) => parts[i] = part,
                Err(_) => complete = false,
            }
        }
        let Some(next) = dual(&parts, &prices, &max_of).filter(|_| complete) else { break };
        bound = next;
        // A better bound moves the trust region there and widens it; a worse one narrows it
        // (its cut is in the model now).
        if bound > best_bound * (1.0 + 1e-9) {
            best_bound = bound;
            center = prices.clone();
            radius = radius.map(|r| r * 1.5);
        } else {
            radius = radius.map(|r| r * 0.5);
        }
    }
    let mut plan = best?;
    plan.lower_bound_usd_per_hour = Some(best_bound.min(plan.objective_usd_per_hour));
    plan.proven_gap = plan.gap_to_bound();
    let within = plan.proven_gap.is_some_and(|gap| gap <= options.mip_gap);
    plan.status = match (within, cut) {
        (true, _) => Status::GapLimit,
        (false, true) => Status::TimeLimit,
        (false, false) => Status::Feasible,
    };
    Some(plan)
}

/// One group's program within [`GROUP_NODES`] nodes; one that finds no plan in them gets what
/// is left of the time limit (at least 1 s), as `groups` gives a group that finds none in its
/// share.
fn solve_with_retry(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    scope: &Scope,
    started: Instant,
) -> Result<Part, SolveError> {
    let left = (options.time_limit_s - started.elapsed().as_secs_f64()).max(1.0);
    let options = Options { time_limit_s: left, ..*options };
    match solve_scope_within(spec, g, &options, Limits::Hard, scope, Some(GROUP_NODES)) {
        Err(SolveError::Other(_)) => solve_scope(spec, g, &options, Limits::Hard, scope),
        result => result,
    }
}

/// What the groups' plans of one round cost and buy: for any prices `μ`,
/// `L(μ) ≤ cost + Σ_p μ_p · (devices_p − max_p)`, since those plans are feasible for every
/// group's program.
struct Cut {
    cost: f64,
    devices: BTreeMap<String, f64>,
}

/// The prices within `radius` of `center` (and not negative) that maximise the cuts' model of
/// `L`, its lowest cut: Kelley's cutting planes in a trust region, a small LP.
fn model_maximum(
    cuts: &[Cut],
    pools: &BTreeSet<String>,
    center: &BTreeMap<String, f64>,
    radius: f64,
    max_of: &dyn Fn(&str) -> f64,
) -> BTreeMap<String, f64> {
    use good_lp::{constraint, variable, Expression, ProblemVariables, Solution as _, SolverModel};
    let mut vars = ProblemVariables::new();
    let prices: Vec<(&String, good_lp::Variable)> = pools
        .iter()
        .map(|pool| {
            let at = center.get(pool).copied().unwrap_or(0.0);
            (pool, vars.add(variable().min((at - radius).max(0.0)).max(at + radius)))
        })
        .collect();
    let model = vars.add(variable());
    let mut problem = vars.maximise(model).using(good_lp::microlp);
    for cut in cuts {
        let mut value = Expression::from(cut.cost);
        for &(pool, price) in &prices {
            let devices = cut.devices.get(pool).copied().unwrap_or(0.0);
            value += (devices - max_of(pool)) * price;
        }
        problem = problem.with(constraint!(model <= value));
    }
    match problem.solve() {
        Ok(solution) => prices
            .iter()
            .map(|&(pool, price)| (pool.clone(), solution.value(price).max(0.0)))
            .collect(),
        Err(_) => center.clone(),
    }
}

/// `(upper − lower) / upper`.
fn gap(upper: f64, lower: f64) -> f64 {
    if upper > 0.0 {
        ((upper - lower) / upper).max(0.0)
    } else {
        0.0
    }
}

/// The relaxation's bound: the groups' bounds at `prices`, less the prices of the maximums;
/// `None` when a group proved no bound.
fn dual(
    parts: &[Part],
    prices: &BTreeMap<String, f64>,
    max_of: &dyn Fn(&str) -> f64,
) -> Option<f64> {
    let groups: f64 = parts.iter().map(|p| p.bound_usd_per_hour).sum::<Option<f64>>()?;
    Some(groups - prices.iter().map(|(pool, price)| price * max_of(pool)).sum::<f64>())
}

/// Devices the parts buy in each pool.
fn devices_by_pool<'g>(g: &'g CandidateGraph, parts: &[Part]) -> BTreeMap<&'g str, f64> {
    let mut usage = BTreeMap::new();
    for part in parts {
        for &(c, n) in &part.counts {
            let candidate = &g.candidates[c];
            *usage.entry(candidate.pool.as_str()).or_insert(0.0) +=
                f64::from(candidate.devices) * f64::from(n);
        }
    }
    usage
}

/// A plan from the groups' plans at the current prices: kept in group order while they fit in
/// what the others leave of every limit; a group that does not fit is solved again, at the
/// devices' prices, in what is left. `None` when such a group finds no plan there.
#[allow(clippy::too_many_arguments)]
fn primal(
    spec: &Spec,
    g: &CandidateGraph,
    options: &Options,
    index: &Index,
    groups: &[Vec<usize>],
    parts: &[Part],
    usage: &BTreeMap<&str, f64>,
    started: Instant,
) -> Option<Solution> {
    let over: BTreeSet<&str> = usage
        .iter()
        .filter(|(pool, &used)| {
            spec.pools.get(**pool).is_some_and(|p| used > f64::from(p.max_devices))
        })
        .map(|(pool, _)| *pool)
        .collect();
    let touches = |part: &Part| {
        part.counts.iter().any(|&(c, _)| over.contains(g.candidates[c].pool.as_str()))
    };
    // What the groups that buy nothing from a broken pool take, fixed.
    let mut fixed = Fixed::default();
    for part in parts.iter().filter(|p| !touches(p)) {
        fixed.add(spec, g, part);
    }
    // The groups that buy from a broken pool, those that buy least of it first: the few that
    // buy most are the ones solved again, in what the others leave.
    let over_devices = |part: &Part| -> u64 {
        part.counts
            .iter()
            .filter(|&&(c, _)| over.contains(g.candidates[c].pool.as_str()))
            .map(|&(c, n)| u64::from(g.candidates[c].devices) * u64::from(n))
            .sum()
    };
    let mut order: Vec<usize> = (0..parts.len()).filter(|&i| touches(&parts[i])).collect();
    order.sort_by_key(|&i| (over_devices(&parts[i]), i));
    let mut planned = parts.to_vec();
    for i in order {
        let part = &parts[i];
        if !fits(spec, g, &fixed, part) {
            let scope =
                groups::group_scope(spec, g, index, &groups[i], Some(&fixed), Surcharge::default());
            planned[i] = solve_with_retry(spec, g, options, &scope, started).ok()?;
        }
        fixed.add(spec, g, &planned[i]);
    }
    let plan = groups::union(g, options, planned);
    groups::respects_shared_limits(spec, g, index, &plan).then_some(plan)
}

/// Whether `part` fits in what `fixed` leaves of the pools' maximums, the site power and the
/// budget.
fn fits(spec: &Spec, g: &CandidateGraph, fixed: &Fixed, part: &Part) -> bool {
    let mut with = fixed.clone();
    with.add(spec, g, part);
    let pools = with
        .pool_devices
        .iter()
        .all(|(pool, &devices)| spec.pools.get(pool).is_some_and(|p| devices <= p.max_devices));
    let power = spec.site.max_power_watts.is_none_or(|max| with.power_watts <= max * (1.0 + 1e-9));
    let budget = spec
        .site
        .budget_usd_per_hour
        .is_none_or(|max| with.cost_usd_per_hour <= max * (1.0 + 1e-9));
    pools && power && budget
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Root;

    /// Small fleets whose workloads compete for a cheap pool: the decomposition (forced, below
    /// the size at which `groups` would also solve the whole program) against the whole
    /// program solved by branch and bound at a zero gap, the independent oracle.
    #[test]
    fn the_bound_holds_and_the_plan_keeps_the_limits() {
        let (mut decomposed, mut optimal) = (0, 0);
        for case in 0..24u32 {
            let rates = [8.0 + f64::from(case % 4) * 9.0, 15.0 + f64::from(case % 3) * 6.0, 30.0];
            let inputs = [500 + 500 * (case % 2), 2000, 1000 + 1000 * (case % 3)];
            let cheap_max = 2 + case % 5;
            let text = format!(
                "use std.hardware.{{h100_sxm, h200, l40s}}\nuse std.models.{{llama3_1_8b}}\n\
                 pool cheap {{ device = h100_sxm  per_node = 2  max = {cheap_max}  price = 2 $/h }}\n\
                 pool mid {{ device = h200  per_node = 2  max = 4  price = 3.5 $/h }}\n\
                 pool dear {{ device = l40s  per_node = 2  max = 64  price = 1.9 $/h }}\n{}",
                (0..3)
                    .map(|i| format!(
                        "workload w{i} {{ model = llama3_1_8b  rate = {} req/s  input = {} tokens  \
                         output = 200 tokens  slo {{ ttft p90 <= 1500 ms  tpot p90 <= 40 ms }} }}\n",
                        rates[i], inputs[i]
                    ))
                    .collect::<String>()
            );
            let spec = match crate::compile(Root::Text { name: "c.fleet".into(), text }) {
                Ok(c) => match c.result {
                    Ok(spec) => spec,
                    Err(_) => panic!("case {case} does not check"),
                },
                Err(_) => panic!("case {case} does not load"),
            };
            let g = crate::graph::build(&spec);
            let options = Options::default();
            let exact = Options { mip_gap: 0.0, ..Options::default() };
            let whole = super::super::solve_program(&spec, &g, &exact, Limits::Hard);
            let index = Index::new(&g);
            let groups = groups::components(&g, &index);
            let started = Instant::now();
            let Ok(parts) = groups::solve_groups(&spec, &g, &options, &index, &groups, started)
            else {
                continue;
            };
            let Some(plan) = decompose(&spec, &g, &options, &index, &groups, parts, started) else {
                continue;
            };
            decomposed += 1;

            let Ok(whole) = whole else { panic!("case {case}: a plan, but no whole optimum") };
            let optimum = whole.objective_usd_per_hour;
            let (cost, bound) = (plan.objective_usd_per_hour, plan.lower_bound_usd_per_hour);
            let Some(bound) = bound else { panic!("case {case}: no bound") };
            assert!(bound <= optimum * (1.0 + 1e-9), "case {case}: bound {bound} > {optimum}");
            assert!(cost >= optimum * (1.0 - 1e-9), "case {case}: plan {cost} < {optimum}");
            assert!(groups::respects_shared_limits(&spec, &g, &index, &plan), "case {case}");
            let gap = plan.proven_gap.unwrap_or(1.0);
            assert!(((cost - bound) / cost - gap).abs() < 1e-9, "case {case}: gap {gap}");
            // The plans' quality (when written, 22 of 22 were the optimum; bounds within 3%).
            assert!(cost <= optimum * 1.02, "case {case}: plan {cost}, optimum {optimum}");
            optimal += usize::from(cost <= optimum * (1.0 + 1e-9));
        }
        assert!(decomposed >= 12, "only {decomposed} cases coupled");
        assert!(optimal + 2 >= decomposed, "{optimal} of {decomposed} plans optimal");
    }
}
