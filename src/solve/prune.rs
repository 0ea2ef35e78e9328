//! Candidates the program can leave out without changing its optimum.

use std::collections::BTreeMap;

use crate::graph::CandidateGraph;
use crate::perf::{Candidate, Role};

/// Which candidates are dominated. `b` is dominated by `a` when both serve the same workload
/// from the same pool, `a` covers every phase `b` covers (an aggregated candidate covers both),
/// `b`'s size is a whole multiple `m` of `a`'s, and `m` instances of `a` serve at least as many
/// requests per second as one of `b` for no more cost. Swapping every instance of `b` for `m`
/// of `a` then uses the same devices of the same pool (so the same pool limits, power and host
/// memory) and covers at least as much: some optimum uses no `b`. Equal candidates keep the
/// first. Dominance is transitive, so every dominated candidate has an undominated dominator.
pub fn dominated(g: &CandidateGraph) -> Vec<bool> {
    // Only candidates of one workload on one pool can dominate each other: compare within
    // those buckets (a large fleet has ~10⁵ candidates but ~10 per bucket).
    let mut buckets: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, c) in g.candidates.iter().enumerate() {
        buckets.entry((c.workload.as_str(), c.pool.as_str())).or_default().push(i);
    }
    let mut out = vec![false; g.candidates.len()];
    for bucket in buckets.values() {
        for &ib in bucket {
            let b = &g.candidates[ib];
            out[ib] = bucket.iter().any(|&ia| ia != ib && dominates(&g.candidates[ia], ia, b, ib));
        }
    }
    out
}

fn covers(a: Role, b: Role) -> bool {
    a == Role::Aggregated || a == b
}

fn dominates(a: &Candidate, ia: usize, b: &Candidate, ib: usize) -> bool {
    if a.workload != b.workload || a.pool != b.pool || !covers(a.role, b.role) {
        return false;
    }
    if a.devices == 0 || b.devices % a.devices != 0 {
        return false;
    }
    let m = f64::from(b.devices / a.devices);
    let serves = m * a.requests_per_s >= b.requests_per_s;
    let cheaper = m * a.cost_usd_per_hour <= b.cost_usd_per_hour * (1.0 + 1e-12);
    if !(serves && cheaper) {
        return false;
    }
    // Mutual dominance means equal in everything the program sees: keep the first.
    let mutual = covers(b.role, a.role)
        && a.devices == b.devices
        && a.requests_per_s == b.requests_per_s
        && a.cost_usd_per_hour == b.cost_usd_per_hour;
    !mutual || ia < ib
}
