//! The memory role: KV cache retained between requests, and what reading it back costs.

use super::calibration;
use super::model;
use crate::spec::{Device, MemoryNeeds, Model};

/// (8) Bytes of KV a workload retains: `sessions × KV(context)`.
pub fn retained_kv_bytes(model: &Model, memory: &MemoryNeeds) -> f64 {
    memory.sessions * model::kv_bytes(model, model.kv_cache, memory.context_tokens)
}

/// (9) Time to load the KV of `tokens` reused prompt tokens from a memory tier, reading from
/// `devices` tier devices in parallel at their bandwidth efficiency.
pub fn tier_load_s(model: &Model, tier: &Device, devices: f64, tokens: f64) -> f64 {
    let efficiency = calibration::for_device(tier).bandwidth_efficiency;
    let bandwidth = tier.memory_bandwidth_bytes_per_s * efficiency * devices.max(1.0);
    model::kv_bytes(model, model.kv_cache, tokens) / bandwidth
}

/// (10) FLOPs to prefill `new` prompt tokens after `cached` tokens whose KV was loaded: the new
/// tokens attend to the cached ones and (causally) to each other.
pub fn prefill_flops_after(model: &Model, new: f64, cached: f64) -> f64 {
    new * 2.0 * model.active_params + new * model::attention_flops(model, cached + new / 2.0)
}

/// Share of a mean prompt's prefill FLOPs that a hit saves when `reuse` of its `input` tokens
/// are loaded: `1 − (10)/(4)`. Prefill is compute-bound at the lengths where retained KV
/// matters, so FLOPs stand for time (the simulator uses the full time model and agrees).
pub fn hit_saving(model: &Model, input: f64, reuse: f64) -> f64 {
    let full = model::prefill_flops(model, input);
    if full <= 0.0 || reuse <= 0.0 {
        return 0.0;
    }
    let cached = reuse.clamp(0.0, 1.0) * input;
    (1.0 - prefill_flops_after(model, input - cached, cached) / full).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Root;

    fn catalog() -> crate::spec::Spec {
        let text = "use std.hardware.*\nuse std.models.*\n".to_string();
        match crate::compile(Root::Text { name: "c.fleet".into(), text }).map(|c| c.result) {
            Ok(Ok(spec)) => spec,
            _ => panic!("catalog does not compile"),
        }
    }

    #[test]
    fn ssd_load_time_by_hand() {
        let spec = catalog();
        let (m, ssd) = (&spec.models["llama3_1_70b"], &spec.devices["micron_9550"]);
        // 10k tokens × 320 KiB = 3.2768 GB from one SSD at 14 GB/s × 0.8
        let t = tier_load_s(m, ssd, 1.0, 10_000.0);
        assert!((t - 3.2768e9 / (14e9 * 0.8)).abs() < 1e-9, "{t}");
        // Four SSDs read in parallel.
        assert!((tier_load_s(m, ssd, 4.0, 10_000.0) - t / 4.0).abs() < 1e-9);
    }

    #[test]
    fn reuse_saves_prefill_compute() {
        let spec = catalog();
        let m = &spec.models["llama3_1_70b"];
        let full = model::prefill_flops(m, 10_000.0);
        assert!((prefill_flops_after(m, 10_000.0, 0.0) - full).abs() / full < 1e-12);
        let after = prefill_flops_after(m, 1_500.0, 8_500.0);
        assert!(after < 0.2 * full && after > 0.15 * full, "{after} vs {full}");
    }

    #[test]
    fn a_hit_saves_less_than_its_share_of_tokens() {
        let spec = catalog();
        let m = &spec.models["llama3_1_70b"];
        let saving = hit_saving(m, 10_000.0, 0.85);
        let by_hand =
            1.0 - prefill_flops_after(m, 1_500.0, 8_500.0) / model::prefill_flops(m, 10_000.0);
        assert!((saving - by_hand).abs() < 1e-12);
        assert!(saving < 0.85 && saving > 0.8, "{saving}");
        assert_eq!(hit_saving(m, 10_000.0, 0.0), 0.0);
    }

    #[test]
    fn retained_kv_is_sessions_times_context() {
        let spec = catalog();
        let m = &spec.models["llama3_1_70b"];
        let needs = MemoryNeeds {
            reuse: 0.85,
            sessions: 1000.0,
            context_tokens: 1000.0,
            retention_s: None,
        };
        assert_eq!(retained_kv_bytes(m, &needs), 1000.0 * 1000.0 * 327_680.0);
    }
}
