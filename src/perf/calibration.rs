//! Efficiencies and latencies that no datasheet gives. A device's calibration is resolved once,
//! here ([`for_device`]): the values its catalog entry sets (each citing the measurement that
//! justifies it, in std/hardware.fleet) over the defaults of its kind, with the provenance of
//! each value, which `explain` shows. docs/perf-model.md shows the fits and their errors.

use serde::Serialize;

use crate::spec::{Device, DeviceKind};

/// What the roofline needs beyond the datasheet.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Calibration {
    /// Share of peak dense FLOP/s reached by the matrix products of a step (prefill, big
    /// batches).
    pub compute_efficiency: f64,
    /// Share of peak memory bandwidth reached when streaming weights and KV cache.
    pub bandwidth_efficiency: f64,
    /// Fixed time per decode step: scheduling, sampling, launch of the step.
    pub step_overhead_s: f64,
    /// Fixed time per layer per step (kernel launches and their tails; on SRAM parts, the
    /// pipeline floor: the least time per layer whatever the batch).
    pub layer_latency_s: f64,
    /// Fixed latency of one collective (a tensor-parallel all-reduce, an expert all-to-all) over
    /// the device's scale-up interconnect.
    pub collective_latency_s: f64,
    /// Where each value comes from.
    pub provenance: Provenance,
}

/// Whether a calibration value was set for the device (from the measurement its catalog entry
/// cites) or is the default of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Device,
    Default,
    /// Fitted to the user's measurements (`calibrate = measured("…")`).
    Fitted,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Device => "device",
            Source::Default => "default",
            Source::Fitted => "fitted",
        }
    }
}

/// The [`Source`] of each value of a [`Calibration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Provenance {
    pub compute_efficiency: Source,
    pub bandwidth_efficiency: Source,
    pub step_overhead: Source,
    pub layer_latency: Source,
    pub collective_latency: Source,
}

/// A device's calibration: its own values over the defaults of its kind.
pub fn for_device(device: &Device) -> Calibration {
    let d = defaults(device);
    let fitted = |term: &str| {
        device.fit.as_ref().is_some_and(|f| f.terms.iter().any(|t| t.fitted && t.name == term))
    };
    let pick = |own: Option<f64>, default: f64, term: &str| match own {
        Some(v) if fitted(term) => (v, Source::Fitted),
        Some(v) => (v, Source::Device),
        None => (default, Source::Default),
    };
    let (compute_efficiency, c) =
        pick(device.compute_efficiency, d.compute_efficiency, "compute_efficiency");
    let (bandwidth_efficiency, b) =
        pick(device.bandwidth_efficiency, d.bandwidth_efficiency, "bandwidth_efficiency");
    let (step_overhead_s, o) = pick(device.step_overhead_s, d.step_overhead_s, "step_overhead");
    let (layer_latency_s, l) = pick(device.layer_latency_s, d.layer_latency_s, "layer_latency");
    let (collective_latency_s, a) =
        pick(device.collective_latency_s, d.collective_latency_s, "collective_latency");
    Calibration {
        compute_efficiency,
        bandwidth_efficiency,
        step_overhead_s,
        layer_latency_s,
        collective_latency_s,
        provenance: Provenance {
            compute_efficiency: c,
            bandwidth_efficiency: b,
            step_overhead: o,
            layer_latency: l,
            collective_latency: a,
        },
    }
}

/// Defaults for a device without values of its own, by kind. (Collective latencies by
/// interconnect are the devices' own values: NVLink 8 µs, Infinity Fabric 15 µs, Gaudi RoCE
/// 40 µs, Xeon UPI and Ascend HCCS 4 µs; see docs/perf-model.md.)
///
/// - GPU and ASIC: one set of values fitted (tests/fit_calibration.rs) to the rows of every
///   accelerator at once (NVIDIA, AMD, Gaudi 2, Ascend 910B: 219 rows of tests/data, each
///   publication weighted alike): the best guess for a chip with no measurement, which is what
///   the leave-one-vendor-out figure of docs/perf-model.md tests. Layer latency: a dense decoder
///   layer runs about ten kernels (norm, QKV, RoPE and cache write, attention, output, norm,
///   gate-up, activation, down, residual), a few µs each. Collective latency: the same fit (25
///   µs), which is also RCCL's small-message all-reduce without NVLink-class fabric
///   (github.com/ROCm/rccl pull 929: 25 µs on MI250X). Catalog devices with measurements set
///   their own values.
/// - LPU: the layer latency is the pipeline floor of SRAM parts; per-user decode rates give
///   it: Groq 300 tok/s on Llama-2-70B (80 layers) and 750 tok/s on Llama-2-7B (32 layers) are
///   both 41.7 µs per layer. The catalog sets each SRAM device's own value. Their chip-to-chip
///   traffic is inside that figure: no separate collective.
/// - CPU: the Xeon 6980P's values, fitted to the SGLang Xeon 6 rows (the only CPU measured):
///   AMX sustains far below its theoretical peak (specs.md says so). For other CPUs (EPYC,
///   Grace) they are UNVERIFIED.
/// - SSD and DRAM only serve KV-cache reads: their bandwidth efficiency applies.
pub fn defaults(device: &Device) -> Calibration {
    kind_defaults(device.kind)
}

/// [`defaults`] for a kind.
pub fn kind_defaults(kind: DeviceKind) -> Calibration {
    let provenance = Provenance {
        compute_efficiency: Source::Default,
        bandwidth_efficiency: Source::Default,
        step_overhead: Source::Default,
        layer_latency: Source::Default,
        collective_latency: Source::Default,
    };
    let (compute_efficiency, bandwidth_efficiency, step_overhead_s, layer_latency_s, collective) =
        match kind {
            DeviceKind::Gpu | DeviceKind::Asic => (0.45, 0.55, 0.5e-3, 45e-6, 25e-6),
            DeviceKind::Lpu => (0.5, 0.8, 0.0, 40e-6, 0.0),
            DeviceKind::Cpu => (0.045, 0.45, 3.0e-3, 45e-6, 4e-6),
            DeviceKind::Ssd | DeviceKind::Dram => (0.0, 0.8, 0.0, 0.0, 0.0),
        };
    Calibration {
        compute_efficiency,
        bandwidth_efficiency,
        step_overhead_s,
        layer_latency_s,
        collective_latency_s: collective,
        provenance,
    }
}

/// Share of the memory left after the weights that the KV cache gets; the rest is kept for
/// activations, workspace and fragmentation. TensorRT-LLM's `kv_cache_free_gpu_mem_fraction`
/// defaults to 0.9 of the free memory after the weights are loaded (noted with the
/// TensorRT-LLM rows of measurements.csv). Until issue 11 the reserve was 10% of the whole
/// device, which with the catalog's decimal capacities rejected a 70B BF16 model (141.2 GB) on
/// one H200 (143,771 MiB = 150.8 GB reported by the driver), where serving stacks run it.
pub const KV_FREE_FRACTION: f64 = 0.90;

/// Devices of `memory` bytes each that hold `weights` and leave `kv` bytes of KV cache by (1):
/// `φ × (n·memory − weights) ≥ kv`.
pub fn devices_for(memory: f64, weights: f64, kv: f64) -> f64 {
    (weights + kv / KV_FREE_FRACTION) / memory
}

/// Activation bytes per value sent in tensor-parallel all-reduces (BF16).
pub const ACTIVATION_BYTES: f64 = 2.0;

/// Most sequences an engine batches in one decode step, whatever the memory allows (vLLM's
/// `max_num_seqs`, TensorRT-LLM's `max_batch_size`). Fitted: on the TensorRT-LLM rows the
/// median error is 11.0–11.5% for caps of 512 to 1024 and rises to 26% with no cap (the
/// 128-in/2048-out rows then batch thousands of sequences).
pub const SCHEDULER_MAX_BATCH: u32 = 1024;

/// Compute efficiency of 4-bit formats relative to 8- and 16-bit. Fitted to the 24 B200 and
/// GB200 NVFP4 rows: at the 8-bit efficiency their prefill-heavy rows (2048 in / 128 out) are
/// 36–38% too fast. A sweep over 0.55, 0.65 and 0.8 (other constants fixed) gave the lowest
/// median error over all rows at 0.55, where those rows are 13–20% too slow instead.
pub const FOUR_BIT_COMPUTE_FACTOR: f64 = 0.55;

/// Kernels of a mixture-of-experts decoder layer relative to a dense one, for its fixed
/// per-layer time: a dense layer runs about ten kernels (norm, QKV, RoPE and cache write,
/// attention, output projection, norm, gate-up, activation, down, residual); a MoE layer adds
/// the router GEMM, top-k, token permutation, two grouped expert GEMMs and their activation,
/// un-permutation and the shared expert's three, about 25 in all (vLLM's and SGLang's fused-MoE
/// layers). The InferenceX DeepSeek-R1 rows at concurrency 4 (validation-vendors.csv) leave
/// 100–140 µs per layer beyond the weight reads on B200, H200 and MI355X, against 20–45 µs
/// for dense layers on the same stacks. Kernel counts alone give 2.5; fitted with the layer
/// latencies (tests/fit_calibration.rs), 5 lowers the NVIDIA rows' mean clipped error from 24%
/// to 21% and the MI300X rows' from 42% to 28% against 2.5: the MoE kernels (grouped GEMMs over
/// a few tokens per expert, permutations) are also slower than dense ones, not only more.
pub const MOE_LAYER_KERNELS: f64 = 5.0;

/// The efficiency factor for the precision the device computes in.
pub fn precision_factor(precision: crate::spec::Precision) -> f64 {
    use crate::spec::Precision::*;
    match precision {
        Fp4 | Mxfp4 | Nvfp4 | Int4 => FOUR_BIT_COMPUTE_FACTOR,
        _ => 1.0,
    }
}
