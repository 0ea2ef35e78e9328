//! One re-plan of a changed spec, reduced to what the what-if questions compare.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::graph::CandidateGraph;
use crate::solve::{self, Options, Solution, Status};
use crate::spec::Spec;

/// A re-planned spec: its cost, and the devices it buys by pool and role.
#[derive(Clone, Debug)]
pub struct Replanned {
    pub usd_per_hour: f64,
    /// Devices by (pool, role name).
    pub devices: BTreeMap<(String, &'static str), u32>,
    /// Devices by pool.
    pub pool_devices: BTreeMap<String, u32>,
    /// Watts the plan draws (pools and tier devices).
    pub power_watts: f64,
    /// The solver proved it optimal (within the options' gap).
    pub proven: bool,
}

impl Replanned {
    /// What the plan buys of graph `g`.
    pub fn of(spec: &Spec, g: &CandidateGraph, s: &Solution) -> Replanned {
        let mut devices = BTreeMap::new();
        let mut pool_devices: BTreeMap<String, u32> = BTreeMap::new();
        let mut power_watts = 0.0;
        for (c, &n) in g.candidates.iter().zip(&s.instances) {
            if n == 0 {
                continue;
            }
            let k = c.devices * n;
            *devices.entry((c.pool.clone(), c.role.name())).or_default() += k;
            *pool_devices.entry(c.pool.clone()).or_default() += k;
            power_watts += spec.pool_power_watts(&c.pool) * f64::from(k);
        }
        for (tier, &units) in g.tiers.iter().zip(&s.tier_units) {
            if matches!(tier.kind, crate::graph::TierKind::Devices) {
                *pool_devices.entry(tier.pool.clone()).or_default() += units;
                *devices.entry((tier.pool.clone(), "memory")).or_default() += units;
                power_watts += tier.power_watts_per_unit * f64::from(units);
            }
        }
        devices.retain(|_, k| *k > 0);
        pool_devices.retain(|_, k| *k > 0);
        Replanned {
            usd_per_hour: s.objective_usd_per_hour,
            devices,
            pool_devices,
            power_watts,
            proven: matches!(s.status, Status::Optimal | Status::GapLimit),
        }
    }

    /// Devices the plan takes from `pool`.
    pub fn uses(&self, pool: &str) -> u32 {
        self.pool_devices.get(pool).copied().unwrap_or(0)
    }
}

/// Why a re-plan has no plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoPlan {
    /// Proven: no plan meets the SLOs and limits.
    Infeasible,
    /// The solver found none within its time (the program may still have one).
    Unsolved,
}

/// Re-plans specs with one set of options, counting the re-solves, those the solver could
/// not prove optimal and those it could not finish.
pub struct Replanner {
    pub options: Options,
    count: AtomicUsize,
    unproven: AtomicUsize,
    unsolved: AtomicUsize,
}

impl Replanner {
    pub fn new(options: Options) -> Replanner {
        let zero = || AtomicUsize::new(0);
        Replanner { options, count: zero(), unproven: zero(), unsolved: zero() }
    }

    /// Re-plans so far: (all, not proven optimal, no plan found in time).
    pub fn counts(&self) -> (usize, usize, usize) {
        let get = |n: &AtomicUsize| n.load(Ordering::Relaxed);
        (get(&self.count), get(&self.unproven), get(&self.unsolved))
    }

    /// The cheapest plan of `spec`, or why there is none.
    pub fn replan(&self, spec: &Spec) -> Result<Replanned, NoPlan> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let graph = crate::graph::build_with(spec, self.options.threads);
        let solution = match solve::try_solve(spec, &graph, &self.options) {
            Ok(solution) => solution,
            Err(solve::SolveError::Infeasible) => return Err(NoPlan::Infeasible),
            Err(solve::SolveError::Other(_)) => {
                self.unsolved.fetch_add(1, Ordering::Relaxed);
                return Err(NoPlan::Unsolved);
            }
        };
        let planned = Replanned::of(spec, &graph, &solution);
        if !planned.proven {
            self.unproven.fetch_add(1, Ordering::Relaxed);
        }
        Ok(planned)
    }
}
