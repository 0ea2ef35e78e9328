//! `fleetplan plan --sensitivity`: what the plan's constraints cost, by exact re-solves.
//!
//! Per SLO bound, the plan again with the bound relaxed and tightened; per pool, the price at
//! which it enters or leaves the plan (bisection on re-solves) and, where its `max` binds, the
//! value of one more device; per workload, the cost of more requests per second; per site
//! limit that binds, the value of more of it. Every re-solve rebuilds the candidates (a bound
//! or a rate changes which instances meet the SLO and what each serves) and is solved to a
//! zero MIP gap, so that two plans a few cents apart are told apart by the solver, not by its
//! tolerance.

use serde::Serialize;

use super::groups::Groups;
use super::replan::{NoPlan, Replanned, Replanner};
use crate::graph::CandidateGraph;
use crate::parallel;
use crate::solve::{Options, Solution};
use crate::spec::Spec;

/// What the bounds are multiplied by: tightened 2×, by 25% and 10%, relaxed by 10%, 25%, 2×.
pub const SLO_FACTORS: [f64; 6] = [0.5, 0.75, 0.9, 1.1, 1.25, 2.0];

/// A break-even price is bracketed to within this share of itself.
pub const PRICE_TOLERANCE: f64 = 0.005;

/// A workload's rate is raised by this share to price more of it.
pub const RATE_STEP: f64 = 0.10;

/// Costs closer than this ($/h) are the same plan's.
const SAME_COST_USD: f64 = 1e-6;

/// Seconds each re-solve may take (or the plan's own limit, when lower): some changed
/// programs (a bound tightened to where few candidates remain) are far harder than the plan,
/// and dozens of re-solves must stay interactive. One that runs out is reported as such.
pub const RESOLVE_TIME_LIMIT_S: f64 = 2.0;

/// Everything `--sensitivity` finds, for the text, Markdown and JSON renderers.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Sensitivity {
    /// The plan re-solved to a zero gap: the cost every change is compared with.
    pub base_usd_per_hour: f64,
    pub slo: Vec<SloSensitivity>,
    pub pools: Vec<PoolSensitivity>,
    pub workloads: Vec<WorkloadSensitivity>,
    pub site: Vec<SiteSensitivity>,
    /// Plans solved to answer all of it.
    pub resolves: usize,
    /// Changes to one workload answered by re-solving its group alone, the other groups'
    /// plans kept (`whatif/groups.rs`).
    pub group_resolves: usize,
    /// Re-solves the solver could not prove optimal in its time (their figures are upper
    /// bounds).
    pub unproven: usize,
    /// Re-solves that found no plan in their time (`RESOLVE_TIME_LIMIT_S`): not proven
    /// impossible.
    pub unsolved: usize,
    pub resolve_time_limit_s: f64,
    pub price_tolerance: f64,
    pub rate_step: f64,
}

/// One SLO bound of one workload, changed.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SloSensitivity {
    pub workload: String,
    /// As written: `ttft p90 <= 2 s`.
    pub bound: String,
    pub limit_s: f64,
    pub changes: Vec<SloChange>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SloChange {
    /// The bound multiplied by this (below 1: tightened).
    pub factor: f64,
    pub limit_s: f64,
    /// The plan's cost with the changed bound; `None`: no plan meets it, or (`unsolved`)
    /// the solver found none in its time.
    pub usd_per_hour: Option<f64>,
    pub unsolved: bool,
    pub delta_usd_per_hour: Option<f64>,
    /// Devices that change, by pool and role.
    pub moves: Vec<Move>,
}

/// Devices of one pool in one role, before and after a change.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Move {
    pub pool: String,
    pub role: &'static str,
    pub before: u32,
    pub after: u32,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PoolSensitivity {
    pub pool: String,
    pub price_usd_per_hour: f64,
    pub devices: u32,
    pub max_devices: u32,
    pub break_even: BreakEven,
    /// Relaxing `max` lowers the cost.
    pub max_binds: bool,
    /// Where `max` binds: $/h saved by one more device, and by one more node.
    pub one_more_device_saves_usd_per_hour: Option<f64>,
    pub one_more_node_saves_usd_per_hour: Option<f64>,
}

/// The price at which a pool's place in the plan changes.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BreakEven {
    /// Used; above this price ($/h per device) it leaves the plan.
    LeavesAbove { price_usd_per_hour: f64 },
    /// Unused; below this price it enters the plan.
    EntersBelow { price_usd_per_hour: f64 },
    /// Used, and no plan exists without it.
    Indispensable,
    /// Used because of its `min`.
    Minimum,
    /// Unused even at no cost.
    NeverEnters,
    /// Used at every price up to this one (the search stopped there).
    UsedUpTo { price_usd_per_hour: f64 },
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct WorkloadSensitivity {
    pub workload: String,
    pub rate_per_s: f64,
    /// The rate priced: `rate × (1 + rate_step)`.
    pub raised_rate_per_s: f64,
    pub raised_usd_per_hour: Option<f64>,
    /// ($/h at the raised rate − base) / (raised − rate): $/h per extra req/s.
    pub marginal_usd_per_hour_per_req_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SiteSensitivity {
    /// `power` or `budget`.
    pub limit: &'static str,
    /// In its unit: kW or $/h.
    pub value: f64,
    pub used: f64,
    /// Relaxing it lowers the cost.
    pub binds: bool,
    /// Where it binds: $/h saved by one more kW (power).
    pub one_more_saves_usd_per_hour: Option<f64>,
}

/// Every sensitivity of a planned spec. `graph` and `solution` are the plan's (its devices
/// by pool); every figure is a re-solve with `options` at a zero MIP gap.
pub fn sensitivity(
    spec: &Spec,
    graph: &CandidateGraph,
    solution: &Solution,
    options: &Options,
) -> Sensitivity {
    let time_limit_s = options.time_limit_s.min(RESOLVE_TIME_LIMIT_S);
    // The questions are independent: they share the threads, each re-solve one thread.
    let threads = options.thread_count();
    let replanner = Replanner::new(Options { mip_gap: 0.0, time_limit_s, threads: 1, ..*options });
    let base = replanner.replan(spec).unwrap_or_else(|_| Replanned::of(spec, graph, solution));
    let groups = Groups::new(spec, &replanner, &base);
    let change = Change { replanner: &replanner, groups: groups.as_ref() };
    let slo = slo_changes(spec, &change, &base, threads);
    let pool_list: Vec<&crate::spec::Pool> = spec.pools.values().collect();
    let pools = parallel::map(&pool_list, threads, |_, p| pool(spec, &replanner, &base, p));
    let names: Vec<&String> = spec.workloads.keys().collect();
    let workloads = parallel::map(&names, threads, |_, w| workload(spec, &change, &base, w));
    let site = site(spec, &replanner, &base);
    let (resolves, unproven, unsolved) = replanner.counts();
    let group_resolves = groups.as_ref().map_or(0, Groups::local);
    Sensitivity {
        base_usd_per_hour: cents(base.usd_per_hour),
        slo,
        pools,
        workloads,
        site,
        resolves,
        group_resolves,
        unproven,
        unsolved,
        resolve_time_limit_s: time_limit_s,
        price_tolerance: PRICE_TOLERANCE,
        rate_step: RATE_STEP,
    }
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Rounded to 4 significant figures: a break-even is known to `PRICE_TOLERANCE`, no better.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// How a change to one workload is re-planned: its group alone where the plan splits.
struct Change<'a> {
    replanner: &'a Replanner,
    groups: Option<&'a Groups>,
}

impl Change<'_> {
    fn replan(&self, changed: &Spec, workload: &str) -> Result<Replanned, NoPlan> {
        match self.groups {
            Some(groups) => groups.replan_touching(self.replanner, changed, workload),
            None => self.replanner.replan(changed),
        }
    }
}

fn slo_changes(
    spec: &Spec,
    change: &Change,
    base: &Replanned,
    threads: usize,
) -> Vec<SloSensitivity> {
    // Every (workload, bound, factor), re-planned on the threads, then grouped by bound.
    let mut changes = Vec::new();
    for w in spec.workloads.values() {
        for b in 0..w.slo.len() {
            changes.extend(SLO_FACTORS.iter().map(|&factor| (w, b, factor)));
        }
    }
    let mut answers = parallel::map(&changes, threads, |_, &(w, b, factor)| {
        let mut changed = spec.clone();
        let limit_s = w.slo[b].limit_s * factor;
        if let Some(cw) = changed.workloads.get_mut(&w.name) {
            cw.slo[b].limit_s = limit_s;
        }
        let after = change.replan(&changed, &w.name);
        let unsolved = after.as_ref().err() == Some(&NoPlan::Unsolved);
        let after = after.ok();
        SloChange {
            factor,
            limit_s,
            usd_per_hour: after.as_ref().map(|a| cents(a.usd_per_hour)),
            unsolved,
            delta_usd_per_hour: after.as_ref().map(|a| cents(a.usd_per_hour - base.usd_per_hour)),
            moves: after.as_ref().map(|a| moves(base, a)).unwrap_or_default(),
        }
    })
    .into_iter();
    let mut out = Vec::new();
    for w in spec.workloads.values() {
        for bound in &w.slo {
            out.push(SloSensitivity {
                workload: w.name.clone(),
                bound: bound_text(bound),
                limit_s: bound.limit_s,
                changes: answers.by_ref().take(SLO_FACTORS.len()).collect(),
            });
        }
    }
    out
}

/// `ttft p90 <= 2 s`, in the unit that reads best.
pub fn bound_text(bound: &crate::spec::SloBound) -> String {
    let percentile = match bound.percentile {
        crate::spec::Percentile::Mean => "mean".to_string(),
        crate::spec::Percentile::P(p) => format!("p{p}"),
    };
    format!("{} {percentile} <= {}", bound.metric.name(), seconds_text(bound.limit_s))
}

/// A duration in ms below a second, in s below ten minutes, else in min.
pub fn seconds_text(s: f64) -> String {
    if s < 1.0 {
        format!("{} ms", significant(s * 1e3))
    } else if s < 600.0 {
        format!("{} s", significant(s))
    } else {
        format!("{} min", significant(s / 60.0))
    }
}

/// The devices that differ between two plans, by pool and role.
fn moves(before: &Replanned, after: &Replanned) -> Vec<Move> {
    let mut keys: Vec<&(String, &'static str)> =
        before.devices.keys().chain(after.devices.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let b = before.devices.get(key).copied().unwrap_or(0);
            let a = after.devices.get(key).copied().unwrap_or(0);
            (a != b).then(|| Move { pool: key.0.clone(), role: key.1, before: b, after: a })
        })
        .collect()
}

fn with_pool(spec: &Spec, pool: &str, change: impl FnOnce(&mut crate::spec::Pool)) -> Spec {
    let mut changed = spec.clone();
    if let Some(p) = changed.pools.get_mut(pool) {
        change(p);
    }
    changed
}

fn pool(
    spec: &Spec,
    replanner: &Replanner,
    base: &Replanned,
    p: &crate::spec::Pool,
) -> PoolSensitivity {
    let name = p.name.as_str();
    let devices = base.uses(name);
    let break_even = break_even(spec, replanner, p, devices > 0);
    // `max` binds when twice as many devices would make the plan cheaper.
    let relaxed = with_pool(spec, name, |q| q.max_devices = q.max_devices.saturating_mul(2));
    let max_binds = devices > 0
        && replanner
            .replan(&relaxed)
            .is_ok_and(|r| r.usd_per_hour < base.usd_per_hour - SAME_COST_USD);
    let saves = |more: u32| {
        let more = with_pool(spec, name, |q| q.max_devices = q.max_devices.saturating_add(more));
        replanner.replan(&more).ok().map(|r| cents(base.usd_per_hour - r.usd_per_hour))
    };
    let (device, node) =
        if max_binds { (saves(1), saves(p.per_node.max(1))) } else { (None, None) };
    PoolSensitivity {
        pool: name.to_string(),
        price_usd_per_hour: p.price_usd_per_hour,
        devices,
        max_devices: p.max_devices,
        break_even,
        max_binds,
        one_more_device_saves_usd_per_hour: device,
        one_more_node_saves_usd_per_hour: node,
    }
}

/// Doublings of the price tried before a used pool is declared used at any price.
const MAX_DOUBLINGS: u32 = 30;

/// The price at which the pool's use changes: bracketed by doubling (used) or from zero
/// (unused), then bisected to `PRICE_TOLERANCE`. Whether a pool is used falls as its price
/// rises (an optimum that uses it at a price uses it at any lower one), so bisection holds.
fn break_even(spec: &Spec, replanner: &Replanner, p: &crate::spec::Pool, used: bool) -> BreakEven {
    let name = p.name.as_str();
    let used_at = |price: f64| {
        let priced = with_pool(spec, name, |q| q.price_usd_per_hour = price);
        replanner.replan(&priced).ok().map(|r| r.uses(name) > 0)
    };
    let (mut low, mut high) = if used {
        if p.min_devices > 0 {
            return BreakEven::Minimum;
        }
        let mut without = spec.clone();
        without.pools.remove(name);
        if replanner.replan(&without).err() == Some(NoPlan::Infeasible) {
            return BreakEven::Indispensable;
        }
        // The lowest price known to use it, and the first doubling that leaves it out.
        let mut low = p.price_usd_per_hour;
        let mut high = p.price_usd_per_hour.max(0.01) * 2.0;
        let mut doublings = 0;
        while used_at(high) != Some(false) {
            if doublings == MAX_DOUBLINGS {
                return BreakEven::UsedUpTo { price_usd_per_hour: significant(high) };
            }
            low = high;
            high *= 2.0;
            doublings += 1;
        }
        (low, high)
    } else {
        if used_at(0.0) != Some(true) {
            return BreakEven::NeverEnters;
        }
        (0.0, p.price_usd_per_hour)
    };
    // INVARIANT: used at `low`, unused at `high`.
    while high - low > PRICE_TOLERANCE * high {
        let mid = 0.5 * (low + high);
        if used_at(mid) == Some(true) {
            low = mid;
        } else {
            high = mid;
        }
    }
    let price = significant(0.5 * (low + high));
    if used {
        BreakEven::LeavesAbove { price_usd_per_hour: price }
    } else {
        BreakEven::EntersBelow { price_usd_per_hour: price }
    }
}

fn workload(spec: &Spec, change: &Change, base: &Replanned, name: &str) -> WorkloadSensitivity {
    let rate = spec.workloads.get(name).map_or(0.0, |w| w.rate_per_s);
    let raised_rate = rate * (1.0 + RATE_STEP);
    let mut raised = spec.clone();
    if let Some(w) = raised.workloads.get_mut(name) {
        w.rate_per_s = raised_rate;
    }
    let after = change.replan(&raised, name).ok();
    let marginal = after.as_ref().and_then(|a| {
        let extra = raised_rate - rate;
        (extra > 0.0).then(|| cents((a.usd_per_hour - base.usd_per_hour) / extra))
    });
    WorkloadSensitivity {
        workload: name.to_string(),
        rate_per_s: rate,
        raised_rate_per_s: raised_rate,
        raised_usd_per_hour: after.map(|a| cents(a.usd_per_hour)),
        marginal_usd_per_hour_per_req_s: marginal,
    }
}

/// Site limits: power (the cost of one more kW where it binds) and budget (which, with the
/// cost as the objective, can only make a plan impossible, never dearer: it never binds).
fn site(spec: &Spec, replanner: &Replanner, base: &Replanned) -> Vec<SiteSensitivity> {
    let mut out = Vec::new();
    if let Some(max) = spec.site.max_power_watts {
        let mut relaxed = spec.clone();
        relaxed.site.max_power_watts = Some(max * 2.0);
        let binds = replanner
            .replan(&relaxed)
            .is_ok_and(|r| r.usd_per_hour < base.usd_per_hour - SAME_COST_USD);
        let one_more = binds
            .then(|| {
                let mut more = spec.clone();
                more.site.max_power_watts = Some(max + 1e3);
                replanner.replan(&more).ok().map(|r| cents(base.usd_per_hour - r.usd_per_hour))
            })
            .flatten();
        out.push(SiteSensitivity {
            limit: "power",
            value: max / 1e3,
            used: (base.power_watts / 1e3 * 10.0).round() / 10.0,
            binds,
            one_more_saves_usd_per_hour: one_more,
        });
    }
    if let Some(budget) = spec.site.budget_usd_per_hour {
        out.push(SiteSensitivity {
            limit: "budget",
            value: budget,
            used: cents(base.usd_per_hour),
            binds: false,
            one_more_saves_usd_per_hour: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(seconds_text(0.0036), "3.6 ms");
        assert_eq!(seconds_text(0.1125), "112.5 ms");
        assert_eq!(seconds_text(2.5), "2.5 s");
        assert_eq!(seconds_text(750.0), "12.5 min");
    }

    #[test]
    fn break_evens_keep_four_significant_figures() {
        assert_eq!(significant(0.422_749), 0.4227);
        assert_eq!(significant(14.106_01), 14.11);
        assert_eq!(significant(0.0), 0.0);
    }
}
