//! A measured point and what the planner's own functions predict for it. One mapping serves
//! two callers: the validation against published measurements (tests/perf_validation.rs) and
//! the fit of a device to a user's own measurements (`calibrate = measured("…")`,
//! [`super::calibrate`]). docs/perf-model.md ("Measurements") says what each metric means.

use super::candidate::{self, Role};
use super::instance::Instance;
use super::{aggregated, calibration, estimate};
use crate::spec::{
    Arrivals, Device, Lengths, Metric as SloMetric, Model, Percentile, Pool, Precision, SloBound,
    Workload,
};

pub use crate::spec::MeasuredMetric as Metric;

/// One measurement (`spec::MeasuredPoint`).
pub use crate::spec::MeasuredPoint as Point;

/// The precisions a point ran at: its own, else the model's.
fn precisions(model: &Model, point: &Point) -> (Precision, Precision) {
    (point.weights.unwrap_or(model.weights), point.kv_cache.unwrap_or(model.kv_cache))
}

/// The instance a point ran on: its devices laid out as the planner lays them out (tensor
/// parallel inside an 8-device node, pipeline stages across), or the fewest that hold it.
pub fn instance<'a>(model: &'a Model, device: &'a Device, point: &Point) -> Instance<'a> {
    let devices = point.devices.unwrap_or_else(|| {
        estimate::estimate(&estimate::EstimateRequest {
            model,
            device,
            devices: None,
            batch: Some(1),
            input_tokens: point.input_tokens,
            output_tokens: point.output_tokens,
            weights: Some(precisions(model, point).0),
            kv_cache: Some(precisions(model, point).1),
            tpot_s: None,
            ttft_s: None,
        })
        .devices
    });
    let (tp, pp) = estimate::layout_for(model, device, devices, estimate::DEFAULT_SCALE_UP);
    let (weights, kv) = precisions(model, point);
    Instance { model, device, tp, pp, weights, kv }
}

/// `vLLM benchmark_latency`: `B` prompts prefilled together, then `O` decode steps of the
/// whole batch. The prefill is the batch's compute (or one read of the weights, if longer) and
/// its all-reduces: `max(B·compute(I), memory(I), floor) + communication(B·I)`.
fn batch_latency(instance: &Instance<'_>, batch: f64, input: f64, output: f64) -> f64 {
    let one = instance.prefill(input);
    let all = instance.prefill(batch * input);
    let prefill = (batch * one.compute_s).max(one.memory_s).max(one.floor_s) + all.communication_s;
    let step = instance.decode_step(batch, estimate::mean_context(input, output));
    prefill + output * step.time_s
}

/// What the planner's functions predict for `point`, in its metric's unit: offline and loaded
/// rows through (7)'s closed loop ([`aggregated::closed_loop`], [`estimate::offline_throughput`]),
/// batch runs through the instance's prefill and decode step, per-user rates through
/// [`estimate::estimate`]. Zero (or infinite time) when the model cannot run there.
pub fn predict(model: &Model, device: &Device, point: &Point) -> f64 {
    let instance = instance(model, device, point);
    let (input, output) = (point.input_tokens, point.output_tokens);
    let cap = point.batch.unwrap_or(calibration::SCHEDULER_MAX_BATCH);
    let loaded = |batch: u32| aggregated::closed_loop(&instance, f64::from(batch), input, output);
    let offline =
        || estimate::offline_throughput(&instance, input, output, cap).map_or(0.0, |(_, t)| t);
    let replicas = f64::from(point.replicas.max(1));
    let one = match point.metric {
        Metric::OfflineOutputTokensPerS => offline(),
        Metric::OfflineTotalTokensPerS => offline() * (input + output) / output,
        Metric::DecodeTokensPerSPerUser => {
            let step = instance.decode_step(1.0, estimate::mean_context(input, output));
            1.0 / step.time_s
        }
        Metric::TpotMs => 1e3 * loaded(cap).tpot_s,
        Metric::TtftMs => 1e3 * instance.prefill(input).time_s,
        Metric::OutputTokensPerS => loaded(cap).output_tokens_per_s,
        Metric::OutputTokensPerSPerDevice => {
            loaded(cap).output_tokens_per_s / f64::from(instance.devices())
        }
        Metric::TotalTokensPerS => loaded(cap).output_tokens_per_s * (input + output) / output,
        Metric::BatchLatencyS => batch_latency(&instance, f64::from(cap), input, output),
        Metric::BatchOutputTokensPerS => {
            f64::from(cap) * output / batch_latency(&instance, f64::from(cap), input, output)
        }
        Metric::ServerOutputTokensPerS => server(model, device, &instance, point),
    };
    // Times and per-device rates are the same for every replica; rates add up.
    let per_instance = point.metric.is_time()
        || matches!(
            point.metric,
            Metric::OutputTokensPerSPerDevice | Metric::DecodeTokensPerSPerUser
        );
    if per_instance {
        one
    } else {
        one * replicas
    }
}

/// A server's output tokens per second within p99 TTFT and TPOT limits: the planner's own
/// capacity for one aggregated instance of this size ([`candidate::candidates`], the queue,
/// chunked prefill and batch at the SLO of docs/perf-model.md (6)–(7)), for Poisson arrivals of
/// fixed-length requests (a measurement gives only the mean lengths). Zero when no instance of
/// this size meets the limits.
fn server(model: &Model, device: &Device, instance: &Instance<'_>, point: &Point) -> f64 {
    let (weights, kv_cache) = precisions(model, point);
    let model = Model { weights, kv_cache, ..model.clone() };
    let devices = instance.devices();
    // A pool and a workload that exist only for this question; they point at the device's
    // definition, the one place in the source they stand for.
    let pool = Pool {
        name: device.name.clone(),
        device: device.name.clone(),
        per_node: devices.max(super::estimate::DEFAULT_SCALE_UP),
        min_devices: 0,
        max_devices: devices,
        price_usd_per_hour: 1.0,
        host_memory_bytes: None,
        power_watts: None,
        span: device.span,
        max_span: device.span,
    };
    let bound = |metric: SloMetric, limit_s: f64| SloBound {
        metric,
        percentile: Percentile::P(99.0),
        limit_s,
        span: device.span,
    };
    let slo: Vec<SloBound> = [
        point.ttft_limit_s.map(|l| bound(SloMetric::Ttft, l)),
        point.tpot_limit_s.map(|l| bound(SloMetric::Tpot, l)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let workload = Workload {
        name: model.name.clone(),
        model: model.name.clone(),
        rate_per_s: 1.0,
        input_tokens: point.input_tokens,
        output_tokens: point.output_tokens,
        input: Lengths::fixed(point.input_tokens),
        output: Lengths::fixed(point.output_tokens),
        arrivals: Arrivals::Poisson,
        slo,
        memory: None,
        max_configs: None,
        span: device.span,
    };
    let (found, _) = candidate::candidates(&workload, &model, &pool, device);
    found
        .iter()
        .filter(|c| c.role == Role::Aggregated && c.devices == devices)
        .map(|c| c.tokens_per_s)
        .fold(0.0, f64::max)
}

/// Relative error of a prediction: positive when the model is too optimistic (predicts more
/// throughput, or less time, than was measured).
pub fn error(point: &Point, predicted: f64) -> f64 {
    if point.metric.is_time() {
        (point.measured - predicted) / predicted
    } else {
        (predicted - point.measured) / point.measured
    }
}
