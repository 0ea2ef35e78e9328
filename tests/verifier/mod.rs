//! An independent verifier of plans, written from the spec: it shares no code with `perf`,
//! `graph` or `solve`. It re-derives, with its own few lines of physics, what any real
//! deployment must satisfy whatever the calibration: weights and KV fit in the devices' memory,
//! no decode step is faster than reading the active weights at peak bandwidth, no prefill
//! faster than peak compute, no TTFT below the prompt's prefill at peak compute; and it checks
//! every limit of the spec: demand covered (prefill relieved at most by the reused share of
//! prompts), pool minimums and maximums, site power and budget, tier capacities, and the cost.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;

use fleetplan::graph::TierKind;
use fleetplan::perf::Role;
use fleetplan::report::Plan;
use fleetplan::spec::{Attention, Model, Precision, Spec};

/// Bits per stored value, without block scales (a lower bound of the bytes).
fn bytes_per_value(p: Precision) -> f64 {
    use Precision::*;
    match p {
        Fp32 => 4.0,
        Bf16 | Fp16 => 2.0,
        Fp8 | Int8 | Mxfp8 => 1.0,
        Mxfp6 => 0.75,
        Fp4 | Mxfp4 | Nvfp4 | Int4 => 0.5,
    }
}

/// KV bytes one token holds on the model's full-attention layers (windowed layers left out: a
/// lower bound).
fn kv_per_token(m: &Model) -> f64 {
    let layers = f64::from(m.layers - m.window_layers.unwrap_or(0).min(m.layers));
    let per_layer = match m.attention {
        Attention::Mla => f64::from(m.kv_lora_rank.unwrap_or(0) + m.rope_dim.unwrap_or(0)),
        _ => 2.0 * f64::from(m.kv_heads) * f64::from(m.head_dim),
    };
    per_layer * bytes_per_value(m.kv_cache) * layers
}

fn peak_flops(spec: &Spec, device: &str) -> f64 {
    spec.devices[device].compute_flops.values().copied().fold(0.0, f64::max)
}

/// Checks `plan` against `spec`; panics with what is wrong.
pub fn verify(spec: &Spec, plan: &Plan) {
    let mut cost = 0.0;
    let mut power = 0.0;
    let mut devices_per_pool: BTreeMap<&str, u32> = BTreeMap::new();
    let mut prefill: BTreeMap<&str, f64> = BTreeMap::new();
    let mut decode: BTreeMap<&str, f64> = BTreeMap::new();
    for chosen in plan.candidates.iter().filter(|c| c.instances > 0) {
        let c = &chosen.candidate;
        let w = &spec.workloads[&c.workload];
        let model = &spec.models[&w.model];
        let pool = &spec.pools[&c.pool];
        let device = &spec.devices[&pool.device];
        let what = format!("{} {} {}×{}", c.workload, c.pool, c.role.name(), c.devices);
        let n = f64::from(chosen.instances);
        let devices = f64::from(c.devices);
        // Layout.
        assert_eq!(c.tensor_parallel * c.pipeline_stages, c.devices, "{what}: tp × pp");
        // Memory: the weights, and a batch of sequences each holding at least its mean
        // prompt's KV, fit in the devices' whole memory.
        let weights = model.params * bytes_per_value(model.weights);
        let memory = devices * device.memory_bytes;
        let sequences = f64::from(c.batch.max(1));
        let kv = sequences * kv_per_token(model) * w.input.mean();
        assert!(weights + kv <= memory * (1.0 + 1e-9), "{what}: {weights} + {kv} B > {memory} B");
        // Decode: a step reads at least the active weights, over `tp` devices' bandwidth.
        let tp = f64::from(c.tensor_parallel);
        let fastest_step = model.active_params * bytes_per_value(model.weights)
            / (tp * device.memory_bandwidth_bytes_per_s);
        if let Some(tpot) = c.tpot_s {
            assert!(tpot >= fastest_step * (1.0 - 1e-9), "{what}: TPOT {tpot} below physics");
            let most = sequences / fastest_step / w.output.mean();
            assert!(
                matches!(c.role, Role::Prefill) || c.requests_per_s <= most * (1.0 + 1e-9),
                "{what}: {} req/s above {most} that bandwidth allows",
                c.requests_per_s
            );
        }
        // Prefill: 2 FLOPs per active parameter per prompt token at most at peak compute.
        let flops = 2.0 * model.active_params * w.input.mean();
        let peak = devices * peak_flops(spec, &pool.device);
        if matches!(c.role, Role::Prefill | Role::Aggregated) {
            // Hits save at most the reused share of a prompt's work.
            let reuse = w.memory.as_ref().map_or(0.0, |m| m.reuse);
            let most = peak / (flops * (1.0 - reuse).max(1e-9));
            assert!(c.requests_per_s <= most * (1.0 + 1e-9), "{what}: prefill above peak");
            *prefill.entry(c.workload.as_str()).or_default() += n * c.requests_per_s;
        }
        if matches!(c.role, Role::Decode | Role::Aggregated) {
            *decode.entry(c.workload.as_str()).or_default() += n * c.requests_per_s;
        }
        // No TTFT below a miss's prefill at peak compute (the plan's TTFT is for a miss).
        if let Some(ttft) = c.ttft_s {
            assert!(ttft * peak >= flops * (1.0 - 1e-9), "{what}: TTFT {ttft} below physics");
        }
        cost += n * devices * pool.price_usd_per_hour;
        power += n * devices * pool.power_watts.or(device.power_watts).unwrap_or(0.0);
        *devices_per_pool.entry(c.pool.as_str()).or_default() += chosen.instances * c.devices;
    }
    // Demand: decode covers the rate; prefill the rate less at most the reused share of the
    // prompts served from retained KV.
    for w in spec.workloads.values() {
        let planned = plan.workloads.iter().find(|p| p.workload == w.name);
        let stored: f64 = planned.map_or(0.0, |p| p.memory.iter().map(|m| m.share).sum());
        let reuse = w.memory.as_ref().map_or(0.0, |m| m.reuse);
        let need = w.rate_per_s * (1.0 - reuse * stored.min(1.0) - 1e-4);
        let got = prefill.get(w.name.as_str()).copied().unwrap_or(0.0);
        assert!(got >= need * (1.0 - 1e-6), "{}: prefill {got} < {need}", w.name);
        let got = decode.get(w.name.as_str()).copied().unwrap_or(0.0);
        assert!(got >= w.rate_per_s * (1.0 - 1e-6), "{}: decode {got} < {}", w.name, w.rate_per_s);
        // Every SLO the plan reports, at or under its bound, with its headroom.
        if let Some(p) = planned {
            for bound in &w.slo {
                let check = p.latency.iter().find(|l| {
                    l.metric == bound.metric
                        && l.percentile == bound.percentile
                        && (l.slo_s - bound.limit_s).abs() < 1e-9
                });
                let Some(check) = check else {
                    panic!("{}: no prediction for {:?}", w.name, bound.metric)
                };
                assert!(check.met && check.predicted_s <= check.slo_s * (1.0 + 1e-9));
                assert!((check.headroom - (1.0 - check.predicted_s / check.slo_s)).abs() < 1e-9);
            }
        }
    }
    // Pools: minimums and maximums.
    for (name, pool) in &spec.pools {
        let used = devices_per_pool.get(name.as_str()).copied().unwrap_or(0);
        let tier_units: u32 = plan
            .memory
            .iter()
            .filter(|t| &t.pool == name && matches!(t.kind, TierKind::Devices))
            .map(|t| t.units)
            .sum();
        let total = used + tier_units;
        assert!(total <= pool.max_devices, "pool {name}: {total} > max {}", pool.max_devices);
        let computes = spec.devices[&pool.device].kind.computes();
        if computes {
            assert!(total >= pool.min_devices, "pool {name}: {total} < min {}", pool.min_devices);
        }
    }
    // Tiers: within the capacity their devices have; their cost and power.
    for tier in &plan.memory {
        let pool = &spec.pools[&tier.pool];
        let device = &spec.devices[&pool.device];
        if matches!(tier.kind, TierKind::Devices) {
            let capacity = f64::from(tier.units) * device.memory_bytes / 1e9;
            assert!(tier.used_gb <= capacity * (1.0 + 1e-5) + 0.1, "tier {}", tier.pool);
            power += f64::from(tier.units) * pool.power_watts.or(device.power_watts).unwrap_or(0.0);
            assert!(
                (tier.cost_usd_per_hour - f64::from(tier.units) * pool.price_usd_per_hour).abs()
                    < 1e-3
            );
        }
        // Shares of a workload's retained KV are rounded to 10⁻⁶ (docs/planner.md,
        // "Determinism"), so a full tier may hold up to that much of each workload more.
        let rounding_gb: f64 = plan
            .workloads
            .iter()
            .flat_map(|w| &w.memory)
            .filter(|m| {
                m.tier == tier.pool
                    && std::mem::discriminant(&m.kind) == std::mem::discriminant(&tier.kind)
                    && m.share > 0.0
            })
            .map(|m| m.gb / m.share * 1e-6)
            .sum();
        assert!(
            tier.used_gb <= tier.capacity_gb * (1.0 + 1e-9) + rounding_gb,
            "tier {} {:?}: used {} GB of {} GB",
            tier.pool,
            tier.kind,
            tier.used_gb,
            tier.capacity_gb
        );
        assert!(tier.read_gb_per_s <= tier.read_capacity_gb_per_s + 1e-3, "tier {}", tier.pool);
        cost += tier.cost_usd_per_hour;
    }
    assert!(
        (cost - plan.totals.cost_usd_per_hour).abs() < 1e-3,
        "cost {cost} vs {}",
        plan.totals.cost_usd_per_hour
    );
    if let Some(budget) = spec.site.budget_usd_per_hour {
        assert!(cost <= budget + 1e-6, "budget");
    }
    if let Some(max) = spec.site.max_power_watts {
        assert!(power <= max + 1e-3, "power {power} W > {max} W");
    }
}
