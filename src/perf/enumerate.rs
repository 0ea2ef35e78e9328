//! Enumeration: every size and role of a workload's model on each pool's device, evaluated
//! (`candidate::evaluate`) once per device and priced per pool.

use super::candidate::{
    evaluate, kv_tokens, per_million, prefill_service, Candidate, Rejected, Role,
};
use super::estimate::layout_for;
use super::instance::Instance;
use super::model;
use crate::spec::{Device, DeviceKind, Model, Pool, Workload};

/// Every size to try for a pool: powers of two up to the scale-up domain (and whole nodes
/// beyond, up to the pool limit, for models too large for one node); for SRAM parts, the fewest
/// chips that hold the model and multiples of it.
pub fn sizes(model: &Model, device: &Device, pool: &Pool, context: f64) -> Vec<u32> {
    let weights = model::weight_bytes(model, model.weights);
    let mut sizes = Vec::new();
    if device.kind == DeviceKind::Lpu {
        let kv = model::kv_bytes(model, model.kv_cache, context);
        let need = super::calibration::devices_for(device.memory_bytes, weights, kv).ceil();
        let base = need.clamp(1.0, f64::from(pool.max_devices)) as u32;
        for k in [1, 2, 4] {
            let n = base.saturating_mul(k);
            if n <= pool.max_devices {
                sizes.push(n);
            }
        }
        return sizes;
    }
    let mut n = 1;
    while n <= pool.per_node.max(1) && n <= pool.max_devices {
        sizes.push(n);
        n *= 2;
    }
    sizes
}

/// Every candidate of a workload on a pool, and the sizes and roles that cannot meet its SLOs.
pub fn candidates(
    workload: &Workload,
    model: &Model,
    pool: &Pool,
    device: &Device,
) -> (Vec<Candidate>, Vec<Rejected>) {
    candidates_on(workload, model, &[(pool, device)]).pop().unwrap_or_default()
}

/// [`candidates`] of a workload on each of `pools`, in their order. Pools of one device differ
/// in price, limits and node size, not in physics: an instance of a given size, layout and
/// role performs the same in each, so it is evaluated once and priced per pool. This is exact:
/// of a pool, [`evaluate`] reads only its name and price, and [`priced`] sets both again for
/// every pool (the first included), so a candidate has the same bits whether or not it was
/// shared. (A fleet that buys one device from several clouds evaluates it once.)
pub fn candidates_on(
    workload: &Workload,
    model: &Model,
    pools: &[(&Pool, &Device)],
) -> Vec<(Vec<Candidate>, Vec<Rejected>)> {
    type Physics = Result<Candidate, Rejected>;
    let mut evaluated: std::collections::HashMap<(&str, u32, u32, u32, Role), Physics> =
        std::collections::HashMap::new();
    let mut per_pool = Vec::with_capacity(pools.len());
    for &(pool, device) in pools {
        let mut found = Vec::new();
        let mut rejected = Vec::new();
        if !device.kind.computes() {
            per_pool.push((found, rejected));
            continue;
        }
        for devices in sizes(model, device, pool, kv_tokens(workload)) {
            let (tp, pp) = layout_for(model, device, devices, pool.per_node);
            let instance =
                Instance { model, device, tp, pp, weights: model.weights, kv: model.kv_cache };
            for role in Role::ALL {
                let key = (device.name.as_str(), devices, tp, pp, role);
                let physics = evaluated.entry(key).or_insert_with(|| {
                    let hit_share = hit_cost_share(&instance, workload, role);
                    evaluate(workload, pool, &instance, role, hit_share).map(|mut c| {
                        c.derivation.spare_kv_gb =
                            Some(spare_kv_bytes(&instance, workload, &c) / 1e9);
                        c.derivation.hit_cost_share = hit_share;
                        c
                    })
                });
                match physics {
                    Ok(c) => found.push(priced(c.clone(), pool)),
                    Err(r) => rejected.push(Rejected { pool: pool.name.clone(), ..r.clone() }),
                }
            }
        }
        per_pool.push((found, rejected));
    }
    per_pool
}

/// A candidate evaluated on one pool, as it is on `pool`: its name, and the cost of its devices
/// at `pool`'s price (and so its cost per token).
fn priced(mut candidate: Candidate, pool: &Pool) -> Candidate {
    candidate.pool = pool.name.clone();
    candidate.cost_usd_per_hour = f64::from(candidate.devices) * pool.price_usd_per_hour;
    candidate.usd_per_million_tokens =
        per_million(candidate.cost_usd_per_hour, candidate.tokens_per_s);
    candidate
}

/// See `Derivation::hit_cost_share`. A prefill instance is busy for a prompt's whole prefill
/// time; an aggregated one adds a prompt's compute and communication to its steps (perf (7)).
fn hit_cost_share(instance: &Instance<'_>, workload: &Workload, role: Role) -> Option<f64> {
    let reuse = workload.memory.as_ref()?.reuse;
    if role == Role::Decode || reuse <= 0.0 {
        return None;
    }
    // Averaged over the prompt lengths as the prefill service is (6a): a hit's few new tokens
    // often sit on a floor (the weights' read), which makes its cost convex in the length.
    let cost = |step: super::instance::Step| match role {
        Role::Aggregated => step.compute_s + step.communication_s,
        _ => step.time_s,
    };
    let hit = |input: f64| {
        let cached = (reuse.clamp(0.0, 1.0) * input).min(input - 1.0).max(0.0);
        cost(instance.prefill_after(input - cached, cached))
    };
    let full = prefill_service(&workload.input, |input| cost(instance.prefill(input))).mean_s;
    let share = prefill_service(&workload.input, hit).mean_s / full;
    share.is_finite().then_some(share.clamp(0.0, 1.0))
}

/// KV memory an instance's own sequences never use (see `Derivation::spare_kv_gb`). Sequences
/// are counted at their time-averaged KV (`kv_tokens`), as the batch is sized.
fn spare_kv_bytes(instance: &Instance<'_>, workload: &Workload, c: &Candidate) -> f64 {
    let admitted = match c.role {
        Role::Prefill => 1,
        Role::Decode => c.batch,
        Role::Aggregated => c.derivation.batch_limit.unwrap_or(c.batch),
    };
    let per_sequence = model::kv_bytes(instance.model, instance.kv, kv_tokens(workload));
    (instance.memory().kv_capacity_bytes - f64::from(admitted) * per_sequence).max(0.0)
}
