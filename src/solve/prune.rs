//! Candidates the program can leave out without changing its optimum: within a pool
//! (`dominated`), and across pools inside one group's program (`across_pools`).

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::{CandidateGraph, TierKind};
use crate::perf::{Candidate, Role};
use crate::spec::Spec;

use super::program::{Fixed, Surcharge};

/// The candidates that get a variable: those `dominated` leaves, with spare KV memory compared
/// where a workload may keep sessions in a pool's spare HBM.
pub fn undominated(g: &CandidateGraph) -> Vec<bool> {
    let spare: std::collections::BTreeSet<(&str, &str)> = g
        .demands
        .iter()
        .flat_map(|d| d.tiers.iter().map(move |&t| (d, t)))
        .filter(|(_, t)| matches!(g.tiers[*t].kind, TierKind::SpareHbm))
        .map(|(d, t)| (d.workload.as_str(), g.tiers[t].pool.as_str()))
        .collect();
    dominated(&g.candidates, |w, p| spare.contains(&(w, p))).iter().map(|d| !d).collect()
}

/// Which candidates are dominated. `b` is dominated by `a` when both serve the same workload
/// from the same pool, `a` covers every phase `b` covers (an aggregated candidate covers both),
/// `b`'s size is a whole multiple `m` of `a`'s, and `m` instances of `a` serve at least as many
/// requests per second as one of `b`, leave at least as much spare KV memory, for no more
/// cost. Swapping every instance of `b` for `m` of `a` then uses the same devices of the same
/// pool (so the same pool limits, power, host-memory units, and NIC read bandwidth of the
/// spare-HBM tier, all counted per device) and covers at least as much of every row the
/// program has (phase demand, spare-HBM capacity): some optimum uses no `b`. These are every
/// figure of a candidate the program reads (`solve/program.rs`: devices, pool, role,
/// requests per second, spare KV bytes, cost). Spare KV memory is read only where the
/// workload may keep sessions in that pool's spare HBM (`spare_counts(workload, pool)`);
/// elsewhere it is not compared, which keeps the rule as strong as it can be. Equal candidates
/// keep the first. Dominance is transitive, so every dominated candidate has an undominated
/// dominator.
pub fn dominated(candidates: &[Candidate], spare_counts: impl Fn(&str, &str) -> bool) -> Vec<bool> {
    // Only candidates of one workload on one pool can dominate each other: compare within
    // those buckets (a large fleet has ~10⁵ candidates but ~10 per bucket).
    let mut buckets: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        buckets.entry((c.workload.as_str(), c.pool.as_str())).or_default().push(i);
    }
    let mut out = vec![false; candidates.len()];
    for ((workload, pool), bucket) in &buckets {
        let spare = spare_counts(workload, pool);
        for &ib in bucket {
            let b = &candidates[ib];
            out[ib] =
                bucket.iter().any(|&ia| ia != ib && dominates(&candidates[ia], ia, b, ib, spare));
        }
    }
    out
}

/// Pools whose memory some workload may use (host memory, spare HBM): moving devices out of
/// such a pool could take memory a plan needs, so its candidates are never dominated from
/// another pool.
pub fn pools_with_tiers(g: &CandidateGraph) -> BTreeSet<&str> {
    g.demands
        .iter()
        .flat_map(|d| d.tiers.iter())
        .filter(|&&t| !matches!(g.tiers[t].kind, TierKind::Devices))
        .map(|&t| g.tiers[t].pool.as_str())
        .collect()
}

/// The candidates of one group's program (`candidates`, serving the workloads `demands`) that
/// no candidate of another pool dominates. `a` in pool `A` dominates `b` in pool `B` when both
/// serve the same workload, `a`'s role covers `b`'s, `b` uses a whole multiple `m` of `a`'s
/// devices, `m` instances of `a` serve at least `r_b` for at most `cost_b`, and moving `b`'s
/// devices from `B` to `A` changes nothing else the program counts:
///
/// - `A`'s maximum cannot bind: a plan of the group costs at most `U` (a feasible plan found
///   below), and since every device in `A` costs at least `p_A` (the least cost per device of
///   the group's candidates there), no plan of cost ≤ `U` uses more than `U / p_A` devices of
///   `A`; the rule asks `max_A ≥ U / p_A`. Swapping only lowers the cost, so the swapped
///   optimum stays within it;
/// - `B` has no minimum, and no workload may keep KV in `B`'s host memory or spare HBM
///   (`pools_with_tiers`): taking devices out of `B` loses nothing;
/// - with a site power limit, `A`'s devices draw no more than `B`'s; the budget row is the
///   cost, which falls; `A`'s own memory tiers only gain units;
/// - a workload with `configs` limits is left alone (roles are counted per configuration).
///
/// This relation is transitive, so every dominated candidate has an undominated dominator;
/// of two that dominate each other the first is kept. Applied to a group's relaxation only:
/// `U` bounds the group's optimum, not the whole program's.
///
/// With a `surcharge` (`lagrange`) the objective is the cost plus it: costs above are then
/// the objective's (`U`, `p_A` and the comparison), and `a` must also cost no more than `b`
/// at the devices' prices, for the budget row.
pub fn across_pools(
    spec: &Spec,
    g: &CandidateGraph,
    candidates: &[usize],
    demands: &[usize],
    blocked: &BTreeSet<&str>,
    fixed: Option<&Fixed>,
    surcharge: &Surcharge,
) -> Vec<usize> {
    let fixed = fixed.cloned().unwrap_or_default();
    let priced = |c: &Candidate| c.cost_usd_per_hour + surcharge.on(c);
    let configs = demands.iter().any(|&w| {
        spec.workloads.get(&g.demands[w].workload).is_some_and(|w| w.max_configs.is_some())
    });
    let Some(upper) = (!configs)
        .then(|| upper_bound(spec, g, candidates, demands, &fixed, &priced, surcharge))
        .flatten()
    else {
        return candidates.to_vec();
    };
    // The least cost per device in each pool, and whether its maximum can bind.
    let mut per_device: BTreeMap<&str, f64> = BTreeMap::new();
    for &c in candidates {
        let c = &g.candidates[c];
        if c.devices > 0 {
            let p = per_device.entry(c.pool.as_str()).or_insert(f64::INFINITY);
            *p = p.min(priced(c) / f64::from(c.devices));
        }
    }
    let unbinding = |pool: &str| {
        let (Some(p), Some(limits)) = (per_device.get(pool), spec.pools.get(pool)) else {
            return false;
        };
        let room = f64::from(limits.max_devices) - fixed.devices(pool);
        *p > 0.0 && room >= upper / p * (1.0 + 1e-9)
    };
    let free = |pool: &str| {
        !blocked.contains(pool)
            && spec.pools.get(pool).is_some_and(|p| f64::from(p.min_devices) <= fixed.devices(pool))
    };
    let power_limited = spec.site.max_power_watts.is_some();
    let dominates = |ia: usize, ib: usize| {
        let (a, b) = (&g.candidates[ia], &g.candidates[ib]);
        if a.workload != b.workload || a.pool == b.pool || !covers(a.role, b.role) {
            return false;
        }
        if a.devices == 0 || b.devices % a.devices != 0 {
            return false;
        }
        let m = f64::from(b.devices / a.devices);
        m * a.requests_per_s >= b.requests_per_s
            && m * a.cost_usd_per_hour <= b.cost_usd_per_hour * (1.0 + 1e-12)
            && m * priced(a) <= priced(b) * (1.0 + 1e-12)
            && (!power_limited || spec.pool_power_watts(&a.pool) <= spec.pool_power_watts(&b.pool))
            && unbinding(&a.pool)
            && free(&b.pool)
    };
    // Candidates of one workload are compared with each other only.
    let mut by_workload: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &c in candidates {
        by_workload.entry(g.candidates[c].workload.as_str()).or_default().push(c);
    }
    let mut pruned = BTreeSet::new();
    for bucket in by_workload.values() {
        for &ib in bucket {
            let beaten = bucket
                .iter()
                .any(|&ia| ia != ib && dominates(ia, ib) && !(ib < ia && dominates(ib, ia)));
            if beaten {
                pruned.insert(ib);
            }
        }
    }
    candidates.iter().copied().filter(|c| !pruned.contains(c)).collect()
}

/// The cost of one feasible plan of a group's program, if this simple one is feasible: each
/// workload's prefill and decode each covered by the fewest instances of the one candidate that
/// does it most cheaply, no retained KV stored, every device tier the group may use at its
/// minimum; within every pool maximum, the site power and the budget. Its objective: the cost
/// with each candidate at `priced` (its cost, or its cost and surcharge).
fn upper_bound(
    spec: &Spec,
    g: &CandidateGraph,
    candidates: &[usize],
    demands: &[usize],
    fixed: &Fixed,
    priced: &dyn Fn(&Candidate) -> f64,
    surcharge: &Surcharge,
) -> Option<f64> {
    let mut by_workload: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &c in candidates {
        by_workload.entry(g.candidates[c].workload.as_str()).or_default().push(c);
    }
    let mut cost = 0.0;
    let mut objective = 0.0;
    let mut power = 0.0;
    let mut devices: BTreeMap<&str, u64> = BTreeMap::new();
    for &w in demands {
        let demand = &g.demands[w];
        let mine = by_workload.get(demand.workload.as_str())?;
        for phase in [Role::Prefill, Role::Decode] {
            let (c, n) = mine
                .iter()
                .map(|&c| &g.candidates[c])
                .filter(|c| covers(c.role, phase) && c.requests_per_s > 0.0)
                .map(|c| (c, (demand.rate_per_s / c.requests_per_s * (1.0 + 1e-9)).ceil()))
                .min_by(|(a, na), (b, nb)| (priced(a) * na).total_cmp(&(priced(b) * nb)))?;
            cost += c.cost_usd_per_hour * n;
            objective += priced(c) * n;
            power += spec.pool_power_watts(&c.pool) * f64::from(c.devices) * n;
            *devices.entry(c.pool.as_str()).or_default() += u64::from(c.devices) * n as u64;
        }
    }
    let tiers: BTreeSet<usize> =
        demands.iter().flat_map(|&w| g.demands[w].tiers.iter().copied()).collect();
    for t in tiers {
        let tier = &g.tiers[t];
        if matches!(tier.kind, TierKind::Devices) {
            cost += tier.price_usd_per_hour_per_unit * f64::from(tier.min_units);
            objective += (tier.price_usd_per_hour_per_unit + surcharge.on_unit(tier))
                * f64::from(tier.min_units);
            power += tier.power_watts_per_unit * f64::from(tier.min_units);
        }
    }
    let fits = devices.iter().all(|(pool, &n)| {
        spec.pools
            .get(*pool)
            .is_some_and(|p| n as f64 <= f64::from(p.max_devices) - fixed.devices(pool))
    });
    let powered = spec.site.max_power_watts.is_none_or(|max| power <= max - fixed.power_watts);
    let affordable =
        spec.site.budget_usd_per_hour.is_none_or(|max| cost <= max - fixed.cost_usd_per_hour);
    (fits && powered && affordable && objective.is_finite()).then_some(objective)
}

fn covers(a: Role, b: Role) -> bool {
    a == Role::Aggregated || a == b
}

fn dominates(a: &Candidate, ia: usize, b: &Candidate, ib: usize, spare: bool) -> bool {
    if a.workload != b.workload || a.pool != b.pool || !covers(a.role, b.role) {
        return false;
    }
    if a.devices == 0 || !b.devices.is_multiple_of(a.devices) {
        return false;
    }
    let m = f64::from(b.devices / a.devices);
    let serves = m * a.requests_per_s >= b.requests_per_s;
    let cheaper = m * a.cost_usd_per_hour <= b.cost_usd_per_hour * (1.0 + 1e-12);
    let holds = !spare || m * a.spare_kv_bytes() >= b.spare_kv_bytes();
    if !(serves && cheaper && holds) {
        return false;
    }
    // Mutual dominance means equal in everything the program sees: keep the first.
    let mutual = covers(b.role, a.role)
        && a.devices == b.devices
        && a.requests_per_s == b.requests_per_s
        && (!spare || a.spare_kv_bytes() == b.spare_kv_bytes())
        && a.cost_usd_per_hour == b.cost_usd_per_hour;
    !mutual || ia < ib
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::candidate::{NicQueue, ServerPool};
    use crate::perf::load::AtLoad;
    use crate::perf::queue::Variability;
    use crate::perf::Derivation;
    use crate::spec::Percentile;

    fn candidate(role: Role, devices: u32, requests_per_s: f64, spare_kv_gb: f64) -> Candidate {
        Candidate {
            workload: "w".into(),
            pool: "p".into(),
            role,
            devices,
            tensor_parallel: devices,
            pipeline_stages: 1,
            batch: 1,
            requests_per_s,
            tokens_per_s: requests_per_s,
            ttft_s: None,
            tpot_s: None,
            cost_usd_per_hour: 2.0 * f64::from(devices),
            usd_per_million_tokens: 1.0,
            derivation: Derivation {
                spare_kv_gb: Some(spare_kv_gb),
                ..Derivation::of_memory(0.0, 0.0, 1)
            },
            at_load: AtLoad::Prefill {
                servers: ServerPool {
                    per_instance: 1,
                    mean_service_s: 1.0,
                    pooled_load: 0.0,
                    variability: Variability::MD1,
                },
                nic: NicQueue {
                    mean_transfer_s: 0.0,
                    load_per_rho: 0.0,
                    variability: Variability::MD1,
                },
                rho_max: 0.5,
                percentile: Percentile::Mean,
                service_s: 1.0,
                fixed_s: 0.0,
            },
        }
    }

    #[test]
    fn more_of_a_smaller_instance_dominates_only_with_as_much_spare_memory() {
        // Two one-device instances serve more than one two-device instance at the same cost...
        let small = candidate(Role::Prefill, 1, 3.0, 10.0);
        // ...but the two-device one holds the weights once and leaves more KV memory spare:
        // sessions kept there save prefill, so it must stay in the program.
        let large_spare = candidate(Role::Prefill, 2, 5.0, 60.0);
        assert_eq!(dominated(&[small.clone(), large_spare.clone()], |_, _| true), [false, false]);
        // With no more spare memory than the two small ones, it is dominated.
        let large_plain = candidate(Role::Prefill, 2, 5.0, 20.0);
        assert_eq!(dominated(&[small.clone(), large_plain], |_, _| true), [false, true]);
        // An aggregated candidate covers a decode one; a prefill one does not.
        let aggregated = candidate(Role::Aggregated, 1, 3.0, 10.0);
        let decode = candidate(Role::Decode, 1, 3.0, 10.0);
        assert_eq!(dominated(&[aggregated, decode.clone()], |_, _| true), [false, true]);
        assert_eq!(dominated(&[small.clone(), decode], |_, _| true), [false, false]);
        // Where no session may live in spare HBM, spare memory is not compared.
        assert_eq!(dominated(&[small, large_spare], |_, _| false), [false, true]);
    }
}
