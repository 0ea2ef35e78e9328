//! `objective maximize throughput`: the highest common scale of every workload's rate (their
//! mix kept) that the pools and site limits serve within every SLO.
//!
//! The candidates depend on the rate (a pool of servers waits less per request than one
//! server at the same utilisation, perf's queueing), so no single program over fixed
//! candidates answers it exactly. Each step here re-plans the scaled spec from its candidates
//! (`graph::build`, then `solve`): a scale is reached when a plan exists at it. Feasibility
//! falls as the scale rises (a plan at a rate serves every lower one), so the scale is
//! bracketed by doubling or halving from the file's own rates and bisected to
//! `SCALE_TOLERANCE`: the answer is a scale with a plan, and no plan exists at
//! `scale × (1 + SCALE_TOLERANCE)`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::replan::Replanner;
use crate::solve::Options;
use crate::spec::Spec;

/// The scale found is within this share of the highest with a plan.
pub const SCALE_TOLERANCE: f64 = 1e-3;

/// The highest rate the checker accepts for a workload (`check/limits.rs`): the search stops
/// there.
const MAX_RATE_PER_S: f64 = 1e6;

/// Below this share of the file's rates the search gives up: no plan at any useful rate.
const MIN_SCALE: f64 = 1e-6;

/// Seconds each step may take to find a plan (or the plan's own limit, when lower); a step
/// that finds none in it counts as no plan, and the report says how many did.
pub const STEP_TIME_LIMIT_S: f64 = 10.0;

/// What the search found, for the plan's report.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Throughput {
    /// Every workload's rate was multiplied by this.
    pub scale: f64,
    /// The rates planned, by workload.
    pub rates_per_s: BTreeMap<String, f64>,
    /// Their sum.
    pub total_per_s: f64,
    /// The search stopped at the rate ceiling (`1M req/s` for a workload), not at a limit.
    pub at_rate_ceiling: bool,
    pub tolerance: f64,
    /// The limits that stop it: each doubled alone just above the maximum gives a plan
    /// (`pool `gpu` max`, `site power`, `site budget`). Empty when only several together, or
    /// the SLOs, do.
    pub limited_by: Vec<String>,
    /// Plans solved in the search.
    pub plans: usize,
    /// Steps whose solver found no plan in `STEP_TIME_LIMIT_S`, taken as none: the scale is
    /// then a lower bound.
    pub unsolved: usize,
}

/// Every workload's rate multiplied by `scale`.
pub fn scaled(spec: &Spec, scale: f64) -> Spec {
    let mut out = spec.clone();
    for w in out.workloads.values_mut() {
        w.rate_per_s *= scale;
    }
    out
}

/// The spec at the highest scale with a plan, and what the search found; `None` when no
/// plan exists even at a millionth of the file's rates (the plan at the file's rates then
/// says why).
pub fn maximize_throughput(spec: &Spec, options: &Options) -> Option<(Spec, Throughput)> {
    let highest_rate = spec.workloads.values().map(|w| w.rate_per_s).fold(0.0, f64::max);
    if highest_rate <= 0.0 {
        return None;
    }
    let ceiling = MAX_RATE_PER_S / highest_rate;
    // Feasibility does not depend on the gap: any plan will do until the last step.
    let time_limit_s = options.time_limit_s.min(STEP_TIME_LIMIT_S);
    let replanner = Replanner::new(Options { mip_gap: 1.0, time_limit_s, ..*options });
    let feasible_spec = |s: &Spec| replanner.replan(s).is_ok();
    let feasible = |scale: f64| feasible_spec(&scaled(spec, scale));
    // INVARIANT: a plan at `low`, none at `high` (or `high` past the ceiling).
    let (mut low, mut high) = if feasible(1.0) {
        let mut low = 1.0;
        while low * 2.0 <= ceiling && feasible(low * 2.0) {
            low *= 2.0;
        }
        (low, (low * 2.0).min(ceiling))
    } else {
        let mut high = 1.0;
        while !feasible(high / 2.0) {
            high /= 2.0;
            if high < MIN_SCALE {
                return None;
            }
        }
        (high / 2.0, high)
    };
    let at_rate_ceiling = high >= ceiling && feasible(ceiling);
    if at_rate_ceiling {
        low = ceiling;
        high = ceiling;
    }
    while high - low > SCALE_TOLERANCE * low {
        let mid = 0.5 * (low + high);
        if feasible(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    let limited_by =
        if at_rate_ceiling { Vec::new() } else { limits_at(spec, high, &feasible_spec) };
    let best = scaled(spec, low);
    let rates_per_s: BTreeMap<String, f64> =
        best.workloads.values().map(|w| (w.name.clone(), w.rate_per_s)).collect();
    let total_per_s = rates_per_s.values().sum();
    let throughput = Throughput {
        scale: low,
        rates_per_s,
        total_per_s,
        at_rate_ceiling,
        tolerance: SCALE_TOLERANCE,
        limited_by,
        plans: replanner.counts().0,
        unsolved: replanner.counts().2,
    };
    Some((best, throughput))
}

/// The limits that stop the scale: each one doubled alone at `scale` (just above the maximum,
/// where there is no plan) and kept when that makes a plan exist.
fn limits_at(spec: &Spec, scale: f64, feasible_spec: &dyn Fn(&Spec) -> bool) -> Vec<String> {
    let at = scaled(spec, scale);
    let mut limits = Vec::new();
    for pool in spec.pools.values() {
        let mut more = at.clone();
        if let Some(p) = more.pools.get_mut(&pool.name) {
            p.max_devices = p.max_devices.saturating_mul(2);
        }
        if feasible_spec(&more) {
            limits.push(format!("pool `{}` max", pool.name));
        }
    }
    if let Some(power) = spec.site.max_power_watts {
        let mut more = at.clone();
        more.site.max_power_watts = Some(power * 2.0);
        if feasible_spec(&more) {
            limits.push("site power".to_string());
        }
    }
    if let Some(budget) = spec.site.budget_usd_per_hour {
        let mut more = at.clone();
        more.site.budget_usd_per_hour = Some(budget * 2.0);
        if feasible_spec(&more) {
            limits.push("site budget".to_string());
        }
    }
    limits
}
