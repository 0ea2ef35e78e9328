//! Physical bounds of the performance model, over random models, devices, sizes, batches and
//! lengths; and an answer for every catalog device and model.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use fleetplan::load::Root;
use fleetplan::perf::{self, model, precision, EstimateRequest, Instance};
use fleetplan::source::{FileId, Span};
use fleetplan::spec::{Attention, Device, DeviceKind, Model, Precision, Spec};
use proptest::prelude::*;

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

prop_compose! {
    fn arb_model()(
        layers in 1u32..128,
        heads_exp in 0u32..7,
        group_exp in 0u32..4,
        head_dim in prop::sample::select(vec![64u32, 96, 128, 256]),
        params in 1e8f64..2e12,
        moe in prop::option::of((8u32..256, 1u32..9)),
        active_share in 0.02f64..1.0,
        mla in any::<bool>(),
        weights in prop::sample::select(Precision::ALL.to_vec()),
        kv in prop::sample::select(vec![Precision::Bf16, Precision::Fp8, Precision::Fp4]),
        window in prop::option::of((16f64..8192.0, 0u32..64)),
    ) -> Model {
        let heads = 1u32 << heads_exp;
        let kv_heads = (heads >> group_exp).max(1);
        let experts = moe.map(|(e, k)| (e, k.min(e)));
        Model {
            name: "m".into(),
            params,
            active_params: if experts.is_some() { params * active_share } else { params },
            layers,
            hidden: heads * head_dim,
            heads,
            kv_heads,
            head_dim,
            attention: if mla { Attention::Mla } else { Attention::Gqa },
            kv_lora_rank: mla.then_some(512),
            rope_dim: mla.then_some(64),
            experts: experts.map(|(e, _)| e),
            experts_per_token: experts.map(|(_, k)| k),
            window_tokens: window.map(|(w, _)| w),
            window_layers: window.map(|(_, n)| n),
            max_context_tokens: None,
            weights,
            kv_cache: kv,
            span: span(),
        }
    }
}

prop_compose! {
    fn arb_device()(
        kind in prop::sample::select(vec![DeviceKind::Gpu, DeviceKind::Lpu, DeviceKind::Cpu, DeviceKind::Asic]),
        memory in 1e8f64..3e11,
        bandwidth in 1e10f64..1e14,
        bf16 in 1e12f64..5e15,
        fp8 in prop::option::of(1e12f64..1e16),
        link in prop::option::of(1e10f64..2e12),
        nic in prop::option::of(1e9f64..1e11),
        overhead in prop::option::of(0.0f64..5e-3),
        efficiency in prop::option::of((0.05f64..1.0, 0.05f64..1.0)),
    ) -> Device {
        let mut compute = BTreeMap::new();
        compute.insert(Precision::Bf16, bf16);
        if let Some(f) = fp8 {
            compute.insert(Precision::Fp8, f);
        }
        Device {
            name: "d".into(),
            kind,
            memory_bytes: memory,
            memory_bandwidth_bytes_per_s: bandwidth,
            compute_flops: compute,
            link_bandwidth_bytes_per_s: link,
            nic_bandwidth_bytes_per_s: nic,
            power_watts: None,
            step_overhead_s: overhead,
            layer_latency_s: None,
            collective_latency_s: None,
            compute_efficiency: efficiency.map(|e| e.0),
            bandwidth_efficiency: efficiency.map(|e| e.1),
            price_usd_per_hour: None,
            measurements: None,
            fit: None,
            span: span(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, max_global_rejects: 50_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Decode never reads faster than peak bandwidth, never computes faster than peak FLOP/s,
    /// and a batch that is said to fit does fit.
    #[test]
    fn decode_respects_bandwidth_compute_and_memory(
        m in arb_model(),
        d in arb_device(),
        devices in 1u32..64,
        per_node in prop::sample::select(vec![1u32, 2, 4, 8]),
        input in 1f64..100_000.0,
        output in 1f64..10_000.0,
        batch_share in 0.0f64..1.0,
    ) {
        let (tp, pp) = perf::layout_for(&m, &d, devices, per_node);
        let instance = Instance { model: &m, device: &d, tp, pp, weights: m.weights, kv: m.kv_cache };
        let max_batch = instance.max_batch(input + output);
        prop_assume!(max_batch >= 1);
        // Instances that cannot run at all (no compute at the precision, no link to split
        // over) are rejected before any timing; they are checked in `estimate_answers…`.
        prop_assume!(instance.peak_flops().is_some() && instance.can_split());
        let batch = (1.0 + batch_share * f64::from(max_batch - 1)).floor();
        let context = perf::mean_context(input, output);
        let step = instance.decode_step(batch, context);
        let n = f64::from(instance.devices());
        prop_assert!(step.time_s.is_finite() && step.time_s > 0.0);

        // Memory: weights and the KV of the whole batch at full length fit in all devices.
        let used = model::weight_bytes(&m, m.weights) + batch * model::kv_bytes(&m, m.kv_cache, input + output);
        prop_assert!(used <= n * d.memory_bytes, "{used} > {}", n * d.memory_bytes);

        // Bandwidth: every byte a step must read, at the peak bandwidth of every device.
        let bytes = model::weight_bytes_read(&m, m.weights, batch / f64::from(pp)) / f64::from(pp)
            + batch * model::kv_bytes(&m, m.kv_cache, context);
        let bandwidth_floor = bytes / (n * d.memory_bandwidth_bytes_per_s);
        prop_assert!(step.time_s >= bandwidth_floor * (1.0 - 1e-9), "{} < {bandwidth_floor}", step.time_s);

        // Compute: every FLOP of the step at the peak of every device (best precision offered).
        let peak = precision::compute_for(&d.compute_flops, m.weights).map(|(_, f)| f).unwrap_or(f64::INFINITY);
        let compute_floor = batch * model::flops_per_token(&m, context) / (n * peak);
        prop_assert!(step.time_s >= compute_floor * (1.0 - 1e-9), "{} < {compute_floor}", step.time_s);
    }

    /// Prefill never computes faster than the peak FLOP/s of all the instance's devices.
    #[test]
    fn prefill_respects_compute(
        m in arb_model(),
        d in arb_device(),
        devices in 1u32..64,
        tokens in 1f64..200_000.0,
    ) {
        let (tp, pp) = perf::layout_for(&m, &d, devices, 8);
        let instance = Instance { model: &m, device: &d, tp, pp, weights: m.weights, kv: m.kv_cache };
        prop_assume!(instance.peak_flops().is_some() && instance.can_split());
        let step = instance.prefill(tokens);
        let peak = precision::compute_for(&d.compute_flops, m.weights).map(|(_, f)| f).unwrap_or(f64::INFINITY);
        let floor = model::prefill_flops(&m, tokens) / (f64::from(instance.devices()) * peak);
        prop_assert!(step.time_s >= floor * (1.0 - 1e-9), "{} < {floor}", step.time_s);
    }
}

fn catalog() -> Spec {
    let text = "use std.hardware.*\nuse std.models.*\n".to_string();
    fleetplan::compile(Root::Text { name: "catalog.fleet".into(), text }).unwrap().result.unwrap()
}

/// Every device and model of the catalog gets an answer: figures when it fits, a reason when
/// not, never a NaN.
#[test]
fn estimate_answers_for_every_catalog_pair() {
    let spec = catalog();
    let mut fits = 0;
    let mut pairs = 0;
    for device in spec.devices.values() {
        for model in spec.models.values() {
            pairs += 1;
            let e = perf::estimate(&EstimateRequest {
                model,
                device,
                devices: None,
                batch: None,
                input_tokens: 2000.0,
                output_tokens: 500.0,
                weights: None,
                kv_cache: None,
                tpot_s: Some(0.05),
                ttft_s: Some(1.0),
            });
            let json = serde_json::to_value(&e).unwrap();
            for key in [
                "devices",
                "fits",
                "prefill_s",
                "decode_step_s",
                "decode_tokens_per_s",
                "max_batch",
                "bound",
                "max_batch_at_slo",
                "tokens_per_s_at_slo",
            ] {
                assert!(json.get(key).is_some(), "{} on {}: no `{key}`", model.name, device.name);
            }
            if e.fits {
                fits += 1;
                assert!(e.why_not.is_none());
                assert!(e.decode_tokens_per_s > 0.0 && e.decode_tokens_per_s.is_finite());
                assert!(e.prefill_s > 0.0 && e.prefill_s.is_finite());
                assert!(e.max_batch >= 1);
            } else {
                let why = e.why_not.as_deref().unwrap_or("");
                assert!(
                    !why.is_empty(),
                    "{} on {} does not fit and says no reason",
                    model.name,
                    device.name
                );
            }
        }
    }
    assert!(pairs >= 12 * 20, "{pairs} pairs");
    assert!(fits * 2 > pairs, "only {fits} of {pairs} pairs fit");
}

/// Hand-computed decode step: Llama-3.1-70B FP8 on one H200 at batch 1 reads 70.6 GB of
/// weights and 160 KiB × 1000 of KV: (70.6e9 + 163.84e6) / (4.8e12 × 0.90) = 16.38 ms, plus
/// the H200's 2 ms step overhead and 80 layers × 45 µs (std/hardware.fleet); one device, no
/// collective.
#[test]
fn decode_step_by_hand() {
    let spec = catalog();
    let (m, d) = (&spec.models["llama3_1_70b"], &spec.devices["h200"]);
    let instance =
        Instance { model: m, device: d, tp: 1, pp: 1, weights: Precision::Fp8, kv: Precision::Fp8 };
    let step = instance.decode_step(1.0, 1000.0);
    let expected = 2e-3 + 80.0 * 45e-6 + (70.6e9 + 1000.0 * 163_840.0) / (4.8e12 * 0.90);
    assert!((step.time_s - expected).abs() < 1e-9, "{} vs {expected}", step.time_s);
    assert_eq!(step.bound, perf::Bound::Bandwidth);
}

/// Capacities as the drivers report them, typed in here from the driver outputs that
/// std/hardware.fleet cites (nvidia-smi MiB totals, rocm-smi bytes), independently of the
/// catalog: a vendor's "80 GB" read as 10⁹ bytes is 7% short of what a serving stack can use.
#[test]
fn catalog_capacities_are_the_drivers() {
    const MIB: f64 = 1_048_576.0;
    let spec = catalog();
    let reported = [
        ("a100_80gb", 81_920.0 * MIB),
        ("h100_sxm", 81_559.0 * MIB),
        ("h200", 143_771.0 * MIB),
        ("b200", 183_359.0 * MIB),
        ("l4", 23_034.0 * MIB),
        ("l40s", 46_068.0 * MIB),
        ("mi300x", 206_141_652_992.0),
    ];
    for (name, bytes) in reported {
        let catalog = spec.devices[name].memory_bytes;
        assert!(
            (catalog - bytes).abs() <= 1e-6 * bytes,
            "{name}: catalog {catalog}, driver {bytes}"
        );
    }
}

/// A GB/GiB slip decides whether a 70B BF16 model (141.2 GB of weights) fits one H200: with
/// the driver's 143,771 MiB (150.8 GB) it does, with the printed "141 GB" read as 10⁹ bytes it
/// does not.
#[test]
fn llama_70b_bf16_fits_one_h200_only_at_the_drivers_capacity() {
    let spec = catalog();
    let m = &spec.models["llama3_1_70b"];
    let h200 = spec.devices["h200"].clone();
    let fits = |device: &Device| {
        let instance = Instance {
            model: m,
            device,
            tp: 1,
            pp: 1,
            weights: Precision::Bf16,
            kv: Precision::Bf16,
        };
        instance.memory().fits() && instance.max_batch(2048.0) >= 1
    };
    assert!(fits(&h200), "70B BF16 must fit one H200 as drivers report it");
    let printed = Device { memory_bytes: 141e9, ..h200 };
    assert!(!fits(&printed), "141 GB read as 10^9 bytes cannot hold 141.2 GB of weights");
}
