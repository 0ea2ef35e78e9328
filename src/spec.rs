//! The typed specification: what the checker produces and every later stage consumes.
//!
//! All quantities are in base units and named with them (`_bytes`, `_s`, `_per_s`,
//! `_flops` for FLOP/s, `_watts`, `_usd_per_hour`). No pest types, no AST. Spans remain only
//! where a later stage may need to point at the source (an SLO bound, a pool limit).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::source::Span;
pub use crate::traffic::{Arrivals, Lengths};

/// One checked program: the definitions in scope of the root file.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Spec {
    pub devices: BTreeMap<String, Device>,
    pub models: BTreeMap<String, Model>,
    pub pools: BTreeMap<String, Pool>,
    pub workloads: BTreeMap<String, Workload>,
    pub site: Site,
    pub objective: Objective,
}

impl Spec {
    /// Watts one device of pool `pool` draws: the pool's `power`, else its device's, else 0.
    pub fn pool_power_watts(&self, pool: &str) -> f64 {
        self.pools
            .get(pool)
            .and_then(|p| p.power_watts.or_else(|| self.devices.get(&p.device)?.power_watts))
            .unwrap_or(0.0)
    }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

keyword_enum! {
    /// What a device is; decides which roles it can take.
    DeviceKind { Gpu = "gpu", Lpu = "lpu", Cpu = "cpu", Asic = "asic", Ssd = "ssd", Dram = "dram" }
}

impl DeviceKind {
    /// Devices that run models (the others only hold KV cache).
    pub fn computes(self) -> bool {
        !matches!(self, DeviceKind::Ssd | DeviceKind::Dram)
    }
}

keyword_enum! {
    /// Number formats for weights, KV cache and compute.
    Precision {
        Fp32 = "fp32", Bf16 = "bf16", Fp16 = "fp16", Fp8 = "fp8", Mxfp8 = "mxfp8",
        Int8 = "int8", Mxfp6 = "mxfp6", Fp4 = "fp4", Mxfp4 = "mxfp4", Nvfp4 = "nvfp4", Int4 = "int4",
    }
}

keyword_enum! {
    /// How attention keys and values are stored.
    Attention { Mha = "mha", Gqa = "gqa", Mla = "mla" }
}

keyword_enum! {
    /// SLO metrics: time to first token, time per output token, end-to-end latency.
    Metric { Ttft = "ttft", Tpot = "tpot", E2e = "e2e" }
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Device {
    pub name: String,
    pub kind: DeviceKind,
    /// Memory capacity per device: HBM, SRAM, DRAM or flash.
    pub memory_bytes: f64,
    /// Memory read bandwidth per device.
    pub memory_bandwidth_bytes_per_s: f64,
    /// Peak dense compute per precision.
    pub compute_flops: BTreeMap<Precision, f64>,
    /// Scale-up link bandwidth per device (NVLink, Infinity Fabric, chip-to-chip).
    pub link_bandwidth_bytes_per_s: Option<f64>,
    /// Scale-out network bandwidth per device.
    pub nic_bandwidth_bytes_per_s: Option<f64>,
    pub power_watts: Option<f64>,
    /// Fixed cost of one decode step (kernel launches, scheduling).
    pub step_overhead_s: Option<f64>,
    /// Least time one layer takes per step, whatever the batch (launch and sync latency; on
    /// SRAM parts, the pipeline floor).
    pub layer_latency_s: Option<f64>,
    /// Fixed latency of one collective (all-reduce, all-to-all) over the scale-up interconnect.
    pub collective_latency_s: Option<f64>,
    /// Share of peak compute reached in practice (0–1).
    pub compute_efficiency: Option<f64>,
    /// Share of peak memory bandwidth reached in practice (0–1).
    pub bandwidth_efficiency: Option<f64>,
    /// A reference price per device-hour; pools may override it.
    pub price_usd_per_hour: Option<f64>,
    /// The user's measurements of this device (`calibrate = measured("bench.csv")`), which
    /// `perf::calibrate` fits its calibration to.
    pub measurements: Option<Measurements>,
    /// The fit, once `perf::calibrate` has made it.
    pub fit: Option<CalibrationFit>,
    #[serde(skip)]
    pub span: Span,
}

keyword_enum! {
    /// What a measured point measured (the `metric` column of a `measured("…")` file); each
    /// is in the unit its name ends with. docs/perf-model.md ("Measurements") says how the
    /// planner's functions predict each.
    MeasuredMetric {
        OfflineOutputTokensPerS = "offline_output_tokens_per_s",
        OfflineTotalTokensPerS = "offline_total_tokens_per_s",
        DecodeTokensPerSPerUser = "decode_tokens_per_s_per_user",
        TpotMs = "tpot_ms",
        TtftMs = "ttft_ms",
        OutputTokensPerS = "output_tokens_per_s",
        OutputTokensPerSPerDevice = "output_tokens_per_s_per_device",
        TotalTokensPerS = "total_tokens_per_s",
        BatchLatencyS = "batch_latency_s",
        BatchOutputTokensPerS = "batch_output_tokens_per_s",
        ServerOutputTokensPerS = "server_output_tokens_per_s",
    }
}

impl MeasuredMetric {
    /// A time (lower is faster) rather than a rate.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            MeasuredMetric::TpotMs | MeasuredMetric::TtftMs | MeasuredMetric::BatchLatencyS
        )
    }
}

/// The measured points of one device, as read from its file.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Measurements {
    /// The file, as the source names it.
    pub path: String,
    pub points: Vec<Measurement>,
    /// The `measured("…")` string, for diagnostics about the whole file.
    #[serde(skip)]
    pub span: Span,
}

/// One measurement of a model on a device, in the units of its metric: a row of a
/// `measured("…")` file, or of the validation data. Precisions left empty are the model's own.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MeasuredPoint {
    /// Devices of the instance; `None`: the fewest that hold the model.
    pub devices: Option<u32>,
    pub weights: Option<Precision>,
    pub kv_cache: Option<Precision>,
    pub input_tokens: f64,
    pub output_tokens: f64,
    /// Batch or concurrency; `None`: as many as memory and the scheduler allow.
    pub batch: Option<u32>,
    /// Identical instances the measured rate is the sum of (a system of 8 GPUs serving as
    /// eight one-GPU instances); rates are predicted per instance and multiplied.
    pub replicas: u32,
    /// Latency limits a server measurement was held to (its p99 TTFT and TPOT).
    pub ttft_limit_s: Option<f64>,
    pub tpot_limit_s: Option<f64>,
    pub metric: MeasuredMetric,
    pub measured: f64,
}

/// One row of a `measured("…")` file: the model it measured and the point.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Measurement {
    pub model: String,
    #[serde(flatten)]
    pub point: MeasuredPoint,
    /// The row's line in its file (1-based, the header is line 1).
    pub line: usize,
    /// The row, and its `model` cell.
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub model_span: Span,
}

/// A device's calibration as fitted to its measurements, and how well it fits.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CalibrationFit {
    pub path: String,
    pub terms: Vec<FittedTerm>,
    pub points: Vec<FittedPoint>,
    /// Median and largest |relative error| over the points, before (the device's values
    /// without the measurements) and after the fit.
    pub median_abs_error_before: f64,
    pub median_abs_error_after: f64,
    pub max_abs_error_after: f64,
}

/// One calibration value: fitted, or kept because no point depends on it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct FittedTerm {
    pub name: &'static str,
    pub before: f64,
    pub after: f64,
    pub fitted: bool,
    /// Points whose prediction moves with this value (the fit needs two).
    pub sensitive_points: usize,
    /// Where the fit stopped at a bound (an efficiency of 100%, a latency of zero).
    pub at_bound: bool,
}

/// One point's prediction before and after the fit.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct FittedPoint {
    pub line: usize,
    pub model: String,
    pub metric: MeasuredMetric,
    pub measured: f64,
    pub predicted_before: f64,
    pub predicted_after: f64,
    /// Relative error after the fit; positive when the prediction is too optimistic.
    pub error_after: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Model {
    pub name: String,
    /// Total parameters.
    pub params: f64,
    /// Parameters used per token (MoE); equals `params` for dense models.
    pub active_params: f64,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    pub attention: Attention,
    /// MLA: compressed KV rank and the decoupled RoPE dimension.
    pub kv_lora_rank: Option<u32>,
    pub rope_dim: Option<u32>,
    pub experts: Option<u32>,
    pub experts_per_token: Option<u32>,
    /// Sliding-window attention: window length and how many layers use it.
    pub window_tokens: Option<f64>,
    pub window_layers: Option<u32>,
    pub max_context_tokens: Option<f64>,
    pub weights: Precision,
    pub kv_cache: Precision,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Pool {
    pub name: String,
    pub device: String,
    /// Devices per node: the scale-up domain that tensor parallelism stays inside.
    pub per_node: u32,
    pub min_devices: u32,
    pub max_devices: u32,
    pub price_usd_per_hour: f64,
    /// Host DRAM per node (a memory tier for KV cache).
    pub host_memory_bytes: Option<f64>,
    /// Power per device, when it differs from the device's.
    pub power_watts: Option<f64>,
    #[serde(skip)]
    pub span: Span,
    /// The `max` field, for diagnostics about a binding pool limit.
    #[serde(skip)]
    pub max_span: Span,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Workload {
    pub name: String,
    pub model: String,
    pub rate_per_s: f64,
    /// Mean prompt length; `input` is its distribution.
    pub input_tokens: f64,
    /// Mean output length; `output` is its distribution.
    pub output_tokens: f64,
    pub input: Lengths,
    pub output: Lengths,
    pub arrivals: Arrivals,
    pub slo: Vec<SloBound>,
    pub memory: Option<MemoryNeeds>,
    /// The most distinct configurations (pool, size) that may serve each role of the workload
    /// (`configs`): fewer deployments to run and route, at a cost the report states.
    pub max_configs: Option<u32>,
    #[serde(skip)]
    pub span: Span,
}

/// `ttft p90 <= 2 s`
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SloBound {
    pub metric: Metric,
    pub percentile: Percentile,
    pub limit_s: f64,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Percentile {
    Mean,
    /// In (0, 100).
    P(f64),
}

/// The memory block of a workload: KV cache kept between requests.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MemoryNeeds {
    /// Share of input tokens whose KV can be reused from retained sessions (0–1).
    pub reuse: f64,
    pub sessions: f64,
    pub context_tokens: f64,
    pub retention_s: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Site {
    pub max_power_watts: Option<f64>,
    pub budget_usd_per_hour: Option<f64>,
    /// The `power` and `budget` fields, for diagnostics about a binding site limit.
    #[serde(skip)]
    pub power_span: Option<Span>,
    #[serde(skip)]
    pub budget_span: Option<Span>,
}

/// What the plan optimises (`objective …`, docs/language.md and docs/what-if.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The cheapest fleet that serves every workload at its rate.
    #[default]
    MinimizeCost,
    /// The highest rate the pools and site limits can serve within every SLO, every workload's
    /// rate scaled by one factor (the file's rates are the mix, their ratios kept), planned at
    /// the least cost at that rate.
    MaximizeThroughput,
}

impl Objective {
    /// Every objective as written: direction and metric.
    pub const ALL: &'static [(Objective, &'static str, &'static str)] = &[
        (Objective::MinimizeCost, "minimize", "cost"),
        (Objective::MaximizeThroughput, "maximize", "throughput"),
    ];

    /// The objective that `objective DIRECTION METRIC` names.
    pub fn from_words(direction: &str, metric: &str) -> Option<Objective> {
        Self::ALL.iter().find(|(_, d, m)| *d == direction && *m == metric).map(|(o, _, _)| *o)
    }

    /// The metrics written after `direction`.
    pub fn metrics(direction: &str) -> Vec<&'static str> {
        Self::ALL.iter().filter(|(_, d, _)| *d == direction).map(|(_, _, m)| *m).collect()
    }
}
