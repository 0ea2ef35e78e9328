//! One instance: a model on `tp × pp` devices. Memory fit, decode step time, prefill time.
//!
//! Equations are numbered as in docs/perf-model.md.

use serde::Serialize;

use super::calibration::{self, Calibration, ACTIVATION_BYTES, KV_FREE_FRACTION};
use super::model;
use super::precision;
use crate::spec::{Device, DeviceKind, Model, Precision};

/// How a model is laid out on devices.
#[derive(Clone, Copy, Debug)]
pub struct Instance<'a> {
    pub model: &'a Model,
    pub device: &'a Device,
    /// Tensor-parallel width: devices that share every layer (inside the scale-up domain).
    pub tp: u32,
    /// Pipeline stages: groups of layers one after the other (across nodes or SRAM chips).
    pub pp: u32,
    pub weights: Precision,
    pub kv: Precision,
}

/// What limits a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Compute,
    Bandwidth,
    /// Fixed costs: step overhead and the per-layer latency floor.
    Overhead,
    Communication,
}

/// The parts of one step's time, in seconds.
#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub time_s: f64,
    pub memory_s: f64,
    pub compute_s: f64,
    pub floor_s: f64,
    pub communication_s: f64,
    pub overhead_s: f64,
    pub bound: Bound,
}

/// Memory per device and what is left for KV cache.
#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
pub struct Memory {
    pub usable_bytes_per_device: f64,
    pub weight_bytes_per_device: f64,
    /// KV-cache bytes the whole instance can hold (zero or less: the weights do not fit).
    pub kv_capacity_bytes: f64,
}

impl Memory {
    pub fn fits(&self) -> bool {
        self.kv_capacity_bytes > 0.0
    }
}

impl Instance<'_> {
    pub fn devices(&self) -> u32 {
        self.tp * self.pp
    }

    /// The device's calibration ([`calibration::for_device`]), with the compute efficiency of
    /// the precision it computes in.
    pub fn calibration(&self) -> Calibration {
        let mut cal = calibration::for_device(self.device);
        cal.compute_efficiency *=
            self.peak_flops().map_or(1.0, |(p, _)| calibration::precision_factor(p));
        cal
    }

    /// Fixed per-layer time of one step: every layer's kernels, `L × ℓ`, a MoE layer's
    /// counting [`calibration::MOE_LAYER_KERNELS`] times a dense one's. On SRAM parts `ℓ` is
    /// instead the pipeline floor (a `max` with the work, see `combine`): a stage's time,
    /// whatever runs in it.
    fn layer_time(&self, cal: &Calibration) -> f64 {
        let moe = self.model.experts.is_some() && !self.pipeline_floor();
        let kernels = if moe { calibration::MOE_LAYER_KERNELS } else { 1.0 };
        f64::from(self.model.layers) * cal.layer_latency_s * kernels
    }

    fn pipeline_floor(&self) -> bool {
        self.device.kind == DeviceKind::Lpu
    }

    /// Peak FLOP/s per device for the weights' precision (or the next wider one it runs).
    pub fn peak_flops(&self) -> Option<(Precision, f64)> {
        precision::compute_for(&self.device.compute_flops, self.weights)
    }

    /// (1) Weights are split over all devices; the KV cache gets a share of what they leave:
    /// KV capacity = φ × (devices × memory − weights), with `memory` the capacity the driver
    /// reports and φ = [`KV_FREE_FRACTION`]. Zero or less: the weights do not fit.
    pub fn memory(&self) -> Memory {
        let devices = f64::from(self.devices());
        let weights = model::weight_bytes(self.model, self.weights);
        let free = devices * self.device.memory_bytes - weights;
        Memory {
            usable_bytes_per_device: self.device.memory_bytes,
            weight_bytes_per_device: weights / devices,
            kv_capacity_bytes: if free > 0.0 { KV_FREE_FRACTION * free } else { free },
        }
    }

    /// (2) Largest batch whose KV cache fits when each sequence holds `context` tokens.
    pub fn max_batch(&self, context: f64) -> u32 {
        let per_sequence = model::kv_bytes(self.model, self.kv, context.max(1.0));
        let memory = self.memory();
        if !memory.fits() || per_sequence <= 0.0 {
            return 0;
        }
        (memory.kv_capacity_bytes / per_sequence).floor().min(f64::from(u32::MAX)) as u32
    }

    /// (3) One decode step of `batch` sequences at `context` tokens each:
    /// t = overhead + max(floor, memory, compute) + communication, where with `pp` stages the
    /// batch runs as `pp` micro-batches, each stage on `tp` devices:
    /// memory = (W_read(B/pp) + (B/pp)·KV(c)) / (tp·BW·η_bw),
    /// compute = (B/pp)·F(c) / (tp·FLOPS·η_c), floor = layers × layer latency.
    pub fn decode_step(&self, batch: f64, context: f64) -> Step {
        let cal = self.calibration();
        let (tp, pp) = (f64::from(self.tp), f64::from(self.pp));
        let micro = batch / pp;
        let bytes = model::weight_bytes_read(self.model, self.weights, micro)
            + micro * model::kv_bytes(self.model, self.kv, context);
        let memory_s =
            bytes / (tp * self.device.memory_bandwidth_bytes_per_s * cal.bandwidth_efficiency);
        let flops = micro * model::flops_per_token(self.model, context);
        let compute_s = self.compute_time(flops / tp, &cal);
        let floor_s = self.layer_time(&cal);
        let communication_s = self.communication(micro, &cal);
        combine(
            cal.step_overhead_s,
            floor_s,
            self.pipeline_floor(),
            memory_s,
            compute_s,
            communication_s,
        )
    }

    /// (4) Prefill of one prompt of `tokens`, alone on the instance: the whole instance
    /// computes it (pipelined stages overlap on chunks), reading the weights once.
    pub fn prefill(&self, tokens: f64) -> Step {
        let cal = self.calibration();
        let devices = f64::from(self.devices());
        let tp = f64::from(self.tp);
        let flops = model::prefill_flops(self.model, tokens);
        let compute_s = self.compute_time(flops / devices, &cal);
        let bytes = model::weight_bytes_read(self.model, self.weights, tokens)
            + model::kv_bytes(self.model, self.kv, tokens);
        let memory_s =
            bytes / (tp * self.device.memory_bandwidth_bytes_per_s * cal.bandwidth_efficiency);
        let floor_s = self.layer_time(&cal);
        let communication_s = self.communication(tokens, &cal);
        combine(0.0, floor_s, self.pipeline_floor(), memory_s, compute_s, communication_s)
    }

    /// (4) with (10): prefill of `new` prompt tokens after `cached` tokens whose KV was loaded
    /// from a memory tier: the new tokens attend to the cached ones, and the whole context's KV
    /// is read. `prefill_after(tokens, 0)` is `prefill(tokens)`.
    pub fn prefill_after(&self, new: f64, cached: f64) -> Step {
        if cached <= 0.0 {
            return self.prefill(new);
        }
        let cal = self.calibration();
        let devices = f64::from(self.devices());
        let tp = f64::from(self.tp);
        let flops = super::memory::prefill_flops_after(self.model, new, cached);
        let compute_s = self.compute_time(flops / devices, &cal);
        let bytes = model::weight_bytes_read(self.model, self.weights, new)
            + model::kv_bytes(self.model, self.kv, cached + new);
        let memory_s =
            bytes / (tp * self.device.memory_bandwidth_bytes_per_s * cal.bandwidth_efficiency);
        let floor_s = self.layer_time(&cal);
        let communication_s = self.communication(new, &cal);
        combine(0.0, floor_s, self.pipeline_floor(), memory_s, compute_s, communication_s)
    }

    /// (6) Time to send the KV of `tokens` prompt tokens to a decode instance over this
    /// instance's NICs (all devices send in parallel); zero without a NIC figure.
    pub fn kv_transfer_s(&self, tokens: f64) -> f64 {
        let nic = self.device.nic_bandwidth_bytes_per_s.unwrap_or(f64::INFINITY);
        model::kv_bytes(self.model, self.kv, tokens) / (f64::from(self.devices()) * nic)
    }

    fn compute_time(&self, flops_per_device: f64, cal: &Calibration) -> f64 {
        match self.peak_flops() {
            Some((_, peak)) if peak > 0.0 && cal.compute_efficiency > 0.0 => {
                flops_per_device / (peak * cal.compute_efficiency)
            }
            _ => f64::INFINITY,
        }
    }

    /// (5) Tensor-parallel all-reduces (two per layer, ring: 2(tp−1)/tp of the activations
    /// over the link, one way) and activations crossing pipeline stages over the NIC. SRAM
    /// parts have no separate term: their measured layer latency includes chip-to-chip traffic.
    fn communication(&self, tokens: f64, cal: &Calibration) -> f64 {
        if self.device.kind == DeviceKind::Lpu {
            return 0.0;
        }
        let activation = tokens * f64::from(self.model.hidden) * ACTIVATION_BYTES;
        let mut time = 0.0;
        if self.tp > 1 {
            let tp = f64::from(self.tp);
            let one_way = self.link_one_way();
            let per_call = cal.collective_latency_s + 2.0 * (tp - 1.0) / tp * activation / one_way;
            time += 2.0 * f64::from(self.model.layers) * per_call;
        }
        if self.pp > 1 {
            let nic = self.device.nic_bandwidth_bytes_per_s.unwrap_or(f64::INFINITY);
            time += f64::from(self.pp - 1) * (cal.collective_latency_s + activation / nic);
        }
        time
    }

    /// Whether the devices can share layers: tensor parallelism needs a link (or a NIC).
    pub fn can_split(&self) -> bool {
        self.tp <= 1 || self.device.kind == DeviceKind::Lpu || self.link_one_way() > 0.0
    }

    /// Scale-up bandwidth in one direction (catalog figures are bidirectional aggregates); a
    /// device without a link talks over its NIC.
    fn link_one_way(&self) -> f64 {
        match (self.device.link_bandwidth_bytes_per_s, self.device.nic_bandwidth_bytes_per_s) {
            (Some(link), _) => link / 2.0,
            (None, Some(nic)) => nic,
            (None, None) => 0.0,
        }
    }
}

/// `t = overhead + max(memory, compute) + layers + communication`; on SRAM parts the per-layer
/// time is a floor instead: `overhead + max(floor, memory, compute) + communication`.
fn combine(
    overhead: f64,
    floor: f64,
    pipeline_floor: bool,
    memory: f64,
    compute: f64,
    communication: f64,
) -> Step {
    let work = if pipeline_floor { floor.max(memory).max(compute) } else { memory.max(compute) };
    let fixed = if pipeline_floor { 0.0 } else { floor };
    let time = overhead + fixed + work + communication;
    let bound = if communication >= work && communication >= overhead {
        Bound::Communication
    } else if overhead + fixed >= work || floor >= memory.max(compute) {
        Bound::Overhead
    } else if compute >= memory {
        Bound::Compute
    } else {
        Bound::Bandwidth
    };
    Step {
        time_s: time,
        memory_s: memory,
        compute_s: compute,
        floor_s: floor,
        communication_s: communication,
        overhead_s: overhead,
        bound,
    }
}

/// Largest batch in `1..=limit` whose step time is at most `tpot` (step time grows with the
/// batch), and that step; a batch of `b` sequences is taken at the mean context `context(b)`
/// (which may shrink with `b`, as long as `b · context(b)` does not).
pub fn max_batch_within(
    instance: &Instance<'_>,
    limit: u32,
    context: impl Fn(u32) -> f64,
    tpot: f64,
) -> Option<(u32, Step)> {
    let step = |b: u32| instance.decode_step(f64::from(b), context(b));
    let ok = |b: u32| step(b).time_s <= tpot;
    if limit == 0 || !ok(1) {
        return None;
    }
    let (mut good, mut bad) = (1u32, limit.saturating_add(1));
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if ok(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some((good, step(good)))
}
