//! Candidates the program can leave out without changing its optimum.

use std::collections::BTreeMap;

use crate::graph::{CandidateGraph, TierKind};
use crate::perf::{Candidate, Role};

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

fn covers(a: Role, b: Role) -> bool {
    a == Role::Aggregated || a == b
}

fn dominates(a: &Candidate, ia: usize, b: &Candidate, ib: usize, spare: bool) -> bool {
    if a.workload != b.workload || a.pool != b.pool || !covers(a.role, b.role) {
        return false;
    }
    if a.devices == 0 || b.devices % a.devices != 0 {
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
