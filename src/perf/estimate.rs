//! `fleetplan estimate`: one instance, its fit, prefill, decode and throughput.

use serde::Serialize;

use super::instance::{max_batch_within, Bound, Instance};
use super::model;
use crate::spec::{Device, DeviceKind, Model, Precision};

/// What `estimate` is asked.
#[derive(Clone, Debug)]
pub struct EstimateRequest<'a> {
    pub model: &'a Model,
    pub device: &'a Device,
    /// Devices in the instance; `None`: the fewest that hold the model.
    pub devices: Option<u32>,
    /// Decode batch; `None`: the largest that fits (and meets `tpot` when given).
    pub batch: Option<u32>,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub weights: Option<Precision>,
    pub kv_cache: Option<Precision>,
    pub tpot_s: Option<f64>,
    pub ttft_s: Option<f64>,
}

/// The answer. Field names are a stable interface (`--format json`).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Estimate {
    /// [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    pub model: String,
    pub device: String,
    pub devices: u32,
    pub tensor_parallel: u32,
    pub pipeline_stages: u32,
    pub weights: Precision,
    pub kv_cache: Precision,
    /// The precision the device computes in (the weights' or the next wider it supports).
    pub compute_precision: Option<Precision>,
    pub fits: bool,
    /// Why not, when `fits` is false.
    pub why_not: Option<String>,
    /// The model's parameters, and those one token uses (MoE).
    pub params: f64,
    pub active_params: f64,
    /// KV-cache bytes one token adds (at the KV precision, over the layers that keep KV).
    pub kv_bytes_per_token: f64,
    pub weight_gb_per_device: f64,
    pub kv_capacity_gb: f64,
    /// Largest batch whose whole KV cache (input + output tokens each) fits: engines admit a
    /// sequence only when its KV will fit to the end.
    pub max_batch: u32,
    pub batch: u32,
    pub prefill_s: f64,
    pub decode_step_s: f64,
    pub decode_tokens_per_s: f64,
    pub bound: Option<Bound>,
    pub max_batch_at_slo: Option<u32>,
    pub tokens_per_s_at_slo: Option<f64>,
    /// Time to first token of a lone request: prefill only, no queueing.
    pub ttft_s: f64,
    pub meets_ttft: Option<bool>,
}

/// Mean context of a sequence during decode: the prompt and half the output.
pub fn mean_context(input: f64, output: f64) -> f64 {
    input + output / 2.0
}

/// Devices in one scale-up domain when no pool says otherwise: an 8-GPU HGX/OAM board.
pub const DEFAULT_SCALE_UP: u32 = 8;

/// Tensor-parallel width and pipeline stages for `devices` devices. Scale-up parts use tensor
/// parallelism inside a node of `per_node` devices and pipeline stages across nodes; SRAM parts
/// pipeline layers across chips (at most one stage per layer) and split each stage across the
/// rest.
pub fn layout_for(model: &Model, device: &Device, devices: u32, per_node: u32) -> (u32, u32) {
    let devices = devices.max(1);
    if device.kind == DeviceKind::Lpu {
        let pp = devices.min(model.layers.max(1));
        (devices.div_ceil(pp), pp)
    } else {
        let tp = devices.min(per_node.max(1));
        (tp, devices.div_ceil(tp))
    }
}

/// The fewest devices that hold the weights and one sequence at `context`: powers of two for
/// tensor-parallel parts (up to 64), any count for SRAM parts.
fn fewest_devices(
    model: &Model,
    device: &Device,
    weights: Precision,
    kv: Precision,
    context: f64,
) -> Option<u32> {
    let holds = |n: u32| {
        let (tp, pp) = layout_for(model, device, n, DEFAULT_SCALE_UP);
        let instance = Instance { model, device, tp, pp, weights, kv };
        instance.max_batch(context) >= 1
    };
    if device.kind == DeviceKind::Lpu {
        let need = super::calibration::devices_for(
            device.memory_bytes,
            model::weight_bytes(model, weights),
            model::kv_bytes(model, kv, context),
        );
        let start = need.ceil().clamp(1.0, 1e6) as u32;
        (start..start.saturating_add(1024)).find(|n| holds(*n))
    } else {
        (0..=6).map(|k| 1u32 << k).find(|n| holds(*n))
    }
}

pub fn estimate(req: &EstimateRequest<'_>) -> Estimate {
    let weights = req.weights.unwrap_or(req.model.weights);
    let kv = req.kv_cache.unwrap_or(req.model.kv_cache);
    let context = mean_context(req.input_tokens, req.output_tokens);
    let full = req.input_tokens + req.output_tokens;
    let devices = req
        .devices
        .or_else(|| fewest_devices(req.model, req.device, weights, kv, full))
        .unwrap_or(if req.device.kind == DeviceKind::Lpu { 1 } else { 64 });
    let (tp, pp) = layout_for(req.model, req.device, devices, DEFAULT_SCALE_UP);
    let instance = Instance { model: req.model, device: req.device, tp, pp, weights, kv };
    let memory = instance.memory();
    let max_batch = instance.max_batch(req.input_tokens + req.output_tokens);
    let compute_precision = instance.peak_flops().map(|(p, _)| p);
    let why_not = why_not(&instance, full, 1);
    let fits = why_not.is_none();
    let at_slo = match (fits, req.tpot_s) {
        (true, Some(tpot)) => max_batch_within(&instance, max_batch, |_| context, tpot),
        _ => None,
    };
    let batch = req.batch.unwrap_or(match at_slo {
        Some((b, _)) => b,
        None => max_batch.max(1),
    });
    let step = instance.decode_step(f64::from(batch), context);
    let prefill = instance.prefill(req.input_tokens);
    let finite = |x: f64| if x.is_finite() { x } else { f64::MAX };
    Estimate {
        schema_version: super::SCHEMA_VERSION,
        model: req.model.name.clone(),
        device: req.device.name.clone(),
        devices: instance.devices(),
        tensor_parallel: tp,
        pipeline_stages: pp,
        weights,
        kv_cache: kv,
        compute_precision,
        fits,
        why_not,
        params: req.model.params,
        active_params: req.model.active_params,
        kv_bytes_per_token: model::kv_bytes_per_token(req.model, kv),
        weight_gb_per_device: memory.weight_bytes_per_device / 1e9,
        kv_capacity_gb: memory.kv_capacity_bytes.max(0.0) / 1e9,
        max_batch,
        batch,
        prefill_s: finite(prefill.time_s),
        decode_step_s: finite(step.time_s),
        decode_tokens_per_s: if fits { f64::from(batch) / step.time_s } else { 0.0 },
        bound: fits.then_some(step.bound),
        max_batch_at_slo: at_slo.map(|(b, _)| b),
        tokens_per_s_at_slo: at_slo.map(|(b, s)| f64::from(b) / s.time_s),
        ttft_s: finite(prefill.time_s),
        meets_ttft: req.ttft_s.map(|limit| fits && prefill.time_s <= limit),
    }
}

/// Why `instance` cannot run at all, or not with `batch` sequences of `tokens` tokens each
/// (their KV reserved whole, as engines admit them), if so. `estimate` and the fit of a device to
/// its measurements (`super::calibrate`) both ask.
pub(super) fn why_not(instance: &Instance<'_>, tokens: f64, batch: u32) -> Option<String> {
    let device = instance.device;
    let memory = instance.memory();
    if !device.kind.computes() {
        Some(format!("`{}` is a {} and holds KV cache only", device.name, device.kind.name()))
    } else if instance.peak_flops().is_none() {
        Some(format!("`{}` quotes no compute at {} or wider", device.name, instance.weights.name()))
    } else if !instance.can_split() {
        Some(format!(
            "`{}` has no link or NIC to split the model across {} devices",
            device.name,
            instance.devices()
        ))
    } else if !memory.fits() {
        Some(format!(
            "the weights need {:.1} GB per device on {} devices, the device has {:.1} GB",
            memory.weight_bytes_per_device / 1e9,
            instance.devices(),
            memory.usable_bytes_per_device / 1e9
        ))
    } else if instance.max_batch(tokens) < batch.max(1) {
        Some(format!(
            "no room for the KV cache of {} of {tokens:.0} tokens after the weights",
            if batch <= 1 { "one sequence".to_string() } else { format!("{batch} sequences") }
        ))
    } else {
        None
    }
}

/// Output tokens per second of an instance running flat out on fixed-length requests, with
/// continuous batching and chunked prefill (as benchmarks such as `trtllm-bench` measure): the
/// planner's aggregated capacity with no latency bound, (7)'s decode side
/// ([`super::aggregated::closed_loop`]) at the largest batch memory and `batch_cap` allow.
pub fn offline_throughput(
    instance: &Instance<'_>,
    input: f64,
    output: f64,
    batch_cap: u32,
) -> Option<(u32, f64)> {
    let batch = instance.max_batch(input + output).min(batch_cap);
    if batch == 0 {
        return None;
    }
    let run = super::aggregated::closed_loop(instance, f64::from(batch), input, output);
    Some((batch, run.output_tokens_per_s))
}
