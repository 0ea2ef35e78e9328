//! Re-solving only the workloads a change touches.
//!
//! `solve` splits workloads that share no memory tier into groups, solves each with every
//! limit applied to it alone, and keeps the union when it respects the shared pool and site
//! limits: the sum of the groups' optima bounds the whole program's from below, so such a
//! union is optimal. The same argument lets a change to one workload (its SLO, its rate)
//! re-solve that workload's group alone, the other groups' plans kept: when the new union
//! still respects the shared limits it is the new optimum; otherwise the whole is re-solved.
//!
//! The groups here are coarser than `solve`'s and need no graph: only a memory block makes a
//! workload share a tier, and host memory ties a pool's users together, so every workload
//! without a memory block is a group of its own, and the ones with a memory block form one
//! group, which holds every workload when any pool offers host memory. Pool minimums (and so
//! tier minimums) are met by the whole fleet, not by a group: with any, nothing is split.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::replan::{NoPlan, Replanned, Replanner};
use crate::spec::Spec;

/// The base plan as the union of its groups' plans.
pub struct Groups {
    /// Each workload's group.
    of: BTreeMap<String, usize>,
    members: Vec<Vec<String>>,
    /// Each group's plan alone, at the base spec.
    base: Vec<Replanned>,
    /// Re-plans that solved one group only.
    local: AtomicUsize,
}

/// Costs that differ by less than this share are the same optimum (sums in another order).
const SAME_COST: f64 = 1e-9;

impl Groups {
    /// The groups of `spec`, each solved alone, when their union is `base` (the whole plan's
    /// optimum); `None` when the plan does not split (one group, a pool minimum, or a union
    /// that breaks a shared limit).
    pub fn new(spec: &Spec, replanner: &Replanner, base: &Replanned) -> Option<Groups> {
        if spec.pools.values().any(|p| p.min_devices > 0) {
            return None;
        }
        let with_memory: Vec<String> = spec
            .workloads
            .values()
            .filter(|w| w.memory.is_some())
            .map(|w| w.name.clone())
            .collect();
        let host_memory = spec.pools.values().any(|p| p.host_memory_bytes.is_some());
        if !with_memory.is_empty() && host_memory {
            return None;
        }
        let mut members: Vec<Vec<String>> = spec
            .workloads
            .values()
            .filter(|w| w.memory.is_none())
            .map(|w| vec![w.name.clone()])
            .collect();
        if !with_memory.is_empty() {
            members.push(with_memory);
        }
        if members.len() < 2 {
            return None;
        }
        let mut parts = Vec::with_capacity(members.len());
        for group in &members {
            parts.push(replanner.replan(&restricted(spec, group)).ok()?);
        }
        let union = combine(parts.iter());
        let same = (union.usd_per_hour - base.usd_per_hour).abs()
            <= SAME_COST * base.usd_per_hour.abs().max(1.0);
        if !same || !within_shared_limits(spec, &union) {
            return None;
        }
        let of = members
            .iter()
            .enumerate()
            .flat_map(|(g, names)| names.iter().map(move |n| (n.clone(), g)))
            .collect();
        Some(Groups { of, members, base: parts, local: AtomicUsize::new(0) })
    }

    /// The optimum of `changed`, which differs from the base spec in workload `workload`
    /// only: its group re-solved alone when the others' plans still fit beside it.
    pub fn replan_touching(
        &self,
        replanner: &Replanner,
        changed: &Spec,
        workload: &str,
    ) -> Result<Replanned, NoPlan> {
        let Some(&g) = self.of.get(workload) else { return replanner.replan(changed) };
        // A group alone is a relaxation of the whole: no plan for it is none for the whole.
        let part = replanner.replan(&restricted(changed, &self.members[g]))?;
        let others = self.base.iter().enumerate().filter(|&(i, _)| i != g).map(|(_, p)| p);
        let union = combine(std::iter::once(&part).chain(others));
        if within_shared_limits(changed, &union) {
            self.local.fetch_add(1, Ordering::Relaxed);
            return Ok(union);
        }
        replanner.replan(changed)
    }

    /// Re-plans so far that solved one group only.
    pub fn local(&self) -> usize {
        self.local.load(Ordering::Relaxed)
    }
}

/// `spec` with only the named workloads.
fn restricted(spec: &Spec, workloads: &[String]) -> Spec {
    let mut out = spec.clone();
    out.workloads.retain(|name, _| workloads.contains(name));
    out
}

/// Plans side by side.
fn combine<'a>(parts: impl Iterator<Item = &'a Replanned>) -> Replanned {
    let mut union = Replanned {
        usd_per_hour: 0.0,
        devices: BTreeMap::new(),
        pool_devices: BTreeMap::new(),
        power_watts: 0.0,
        proven: true,
    };
    for part in parts {
        union.usd_per_hour += part.usd_per_hour;
        union.power_watts += part.power_watts;
        union.proven &= part.proven;
        for (key, n) in &part.devices {
            *union.devices.entry(key.clone()).or_default() += n;
        }
        for (pool, n) in &part.pool_devices {
            *union.pool_devices.entry(pool.clone()).or_default() += n;
        }
    }
    union
}

/// Pool maximums, site power and budget (minimums are excluded by `Groups::new`).
fn within_shared_limits(spec: &Spec, plan: &Replanned) -> bool {
    let pools = spec.pools.values().all(|p| plan.uses(&p.name) <= p.max_devices);
    let power = spec.site.max_power_watts.is_none_or(|max| plan.power_watts <= max * (1.0 + 1e-9));
    let budget =
        spec.site.budget_usd_per_hour.is_none_or(|b| plan.usd_per_hour <= b * (1.0 + 1e-9));
    pools && power && budget
}
