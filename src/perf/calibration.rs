//! Efficiencies and latencies that no datasheet gives, per device kind, each with the
//! measurement that justifies it. A device's own fields (`efficiency`, `overhead`,
//! `layer_latency`) override these. docs/perf-model.md shows the fit and its errors.

use crate::spec::DeviceKind;

/// What the roofline needs beyond the datasheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// Share of peak dense FLOP/s reached by large matrix products (prefill, big batches).
    pub compute_efficiency: f64,
    /// Share of peak memory bandwidth reached when streaming weights and KV cache.
    pub bandwidth_efficiency: f64,
    /// Fixed time per decode step: scheduling, sampling, launch of the step.
    pub step_overhead_s: f64,
    /// Least time per layer per step, whatever the batch.
    pub layer_latency_s: f64,
    /// Fixed latency of one tensor-parallel all-reduce.
    pub allreduce_latency_s: f64,
}

/// Defaults by kind.
///
/// - GPU and ASIC: efficiencies and step overhead fitted to the 66 TensorRT-LLM
///   offline-throughput rows of `tests/data/validation.csv` (H100, H200, B200, GB200); see the
///   validation table in docs/perf-model.md. The all-reduce latency was not fitted (a typical
///   NVLink small-message figure, UNVERIFIED). ASICs have no rows: they take the GPU values
///   (UNVERIFIED).
/// - LPU: the layer latency is the pipeline floor of SRAM parts; per-user decode rates give
///   it: Groq 300 tok/s on Llama-2-70B (80 layers) and 750 tok/s on Llama-2-7B (32 layers) are
///   both 41.7 µs per layer. The catalog sets each SRAM device's own value.
/// - CPU: AMX sustained throughput is far below its theoretical peak (specs.md says so); no
///   CPU row exists to fit, so these are UNVERIFIED and flagged in the docs.
/// - SSD and DRAM only serve KV-cache reads: their bandwidth efficiency applies.
pub fn defaults(kind: DeviceKind) -> Calibration {
    match kind {
        DeviceKind::Gpu | DeviceKind::Asic => Calibration {
            compute_efficiency: 0.55,
            bandwidth_efficiency: 0.75,
            step_overhead_s: 2.0e-3,
            layer_latency_s: 10e-6,
            allreduce_latency_s: 8e-6,
        },
        DeviceKind::Lpu => Calibration {
            compute_efficiency: 0.5,
            bandwidth_efficiency: 0.8,
            step_overhead_s: 0.0,
            layer_latency_s: 40e-6,
            allreduce_latency_s: 2e-6,
        },
        DeviceKind::Cpu => Calibration {
            compute_efficiency: 0.3,
            bandwidth_efficiency: 0.7,
            step_overhead_s: 2.0e-3,
            layer_latency_s: 20e-6,
            allreduce_latency_s: 20e-6,
        },
        DeviceKind::Ssd | DeviceKind::Dram => Calibration {
            compute_efficiency: 0.0,
            bandwidth_efficiency: 0.8,
            step_overhead_s: 0.0,
            layer_latency_s: 0.0,
            allreduce_latency_s: 0.0,
        },
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

/// Compute efficiency of mixture-of-experts models relative to dense ones: many small expert
/// GEMMs, routing imbalance and expert all-to-all. Fitted to the 12 Qwen3-235B-A22B rows
/// (H200 and B200, TP8): without it they are 2–4× too fast; with 0.3 their median error is
/// 14%.
pub const MOE_COMPUTE_FACTOR: f64 = 0.3;

/// The efficiency factor for the precision the device computes in.
pub fn precision_factor(precision: crate::spec::Precision) -> f64 {
    use crate::spec::Precision::*;
    match precision {
        Fp4 | Mxfp4 | Nvfp4 | Int4 => FOUR_BIT_COMPUTE_FACTOR,
        _ => 1.0,
    }
}
