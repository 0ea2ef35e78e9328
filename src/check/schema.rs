//! What fields each kind of block has, what each expects, and what it means.
//!
//! This table is the language's vocabulary of fields: the checker validates against it,
//! `docs/language.md` is checked against it (tests/docs.rs), and did-you-mean draws from it.

use super::units::Dim;
use crate::spec::{Attention, DeviceKind, Precision};
use crate::syntax::ast::DefKind;

/// What a field's value must be.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// A number with a unit of this dimension (`Dim::NONE`: a plain number).
    Quantity { dim: Dim, range: Range, whole: bool },
    /// One word out of a fixed list.
    Choice { what: &'static str, options: &'static [&'static str] },
    /// The name of a definition of this kind.
    Reference(DefKind),
    /// A nested block with these fields.
    Block(&'static [FieldSpec]),
    /// A nested block with one field per precision, each of this dimension.
    PerPrecision(Dim),
    /// A block of SLO bounds (`ttft p90 <= 2 s`).
    Bounds,
    /// A token count, or a distribution of them (`lognormal(mean = 2k tokens, cv = 0.8)`).
    Lengths,
    /// An arrival process: `poisson` or `bursty(cv = 2)`.
    Arrivals,
    /// A file of measured points: `measured("bench.csv")`.
    Measurements,
    /// A Hugging Face model config: `hf("config.json")`.
    ModelConfig,
}

/// The values a number may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// Greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// Greater than zero and at most 100%.
    Share,
    /// Zero to 100%.
    ShareOrZero,
}

impl Range {
    pub fn admits(self, value: f64) -> bool {
        match self {
            Range::Positive => value > 0.0,
            Range::NonNegative => value >= 0.0,
            Range::Share => value > 0.0 && value <= 1.0,
            Range::ShareOrZero => (0.0..=1.0).contains(&value),
        }
    }

    pub fn rule(self) -> &'static str {
        match self {
            Range::Positive => "must be greater than zero",
            Range::NonNegative => "must not be negative",
            Range::Share => "must be above 0% and at most 100%",
            Range::ShareOrZero => "must be between 0% and 100%",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub expect: Expect,
    /// A correct example of the whole entry, used in help lines.
    pub example: &'static str,
    /// One line for the docs.
    pub doc: &'static str,
}

const fn quantity(dim: Dim, range: Range) -> Expect {
    Expect::Quantity { dim, range, whole: false }
}

const fn whole(range: Range) -> Expect {
    Expect::Quantity { dim: Dim::NONE, range, whole: true }
}

const fn field(
    name: &'static str,
    expect: Expect,
    example: &'static str,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec { name, expect, example, doc }
}

const SHARE: Expect = quantity(Dim::NONE, Range::Share);

pub const EFFICIENCY: &[FieldSpec] = &[
    field("compute", SHARE, "compute = 60%", "share of peak FLOPS reached in practice"),
    field(
        "bandwidth",
        SHARE,
        "bandwidth = 80%",
        "share of peak memory bandwidth reached in practice",
    ),
];

pub const DEVICE: &[FieldSpec] = &[
    field(
        "kind",
        Expect::Choice { what: "device kind", options: DeviceKind::NAMES },
        "kind = gpu",
        "what the device is: gpu, lpu, cpu, asic, ssd or dram",
    ),
    field(
        "memory",
        quantity(Dim::DATA, Range::Positive),
        "memory = 80 GB",
        "memory capacity per device",
    ),
    field(
        "bandwidth",
        quantity(Dim::BANDWIDTH, Range::Positive),
        "bandwidth = 3.35 TB/s",
        "memory read bandwidth per device",
    ),
    field(
        "compute",
        Expect::PerPrecision(Dim::COMPUTE),
        "compute { bf16 = 989 TFLOPS }",
        "peak dense compute per precision",
    ),
    field(
        "link",
        quantity(Dim::BANDWIDTH, Range::Positive),
        "link = 900 GB/s",
        "scale-up link bandwidth per device",
    ),
    field(
        "nic",
        quantity(Dim::BANDWIDTH, Range::Positive),
        "nic = 400 Gb/s",
        "scale-out network bandwidth per device",
    ),
    field("power", quantity(Dim::POWER, Range::Positive), "power = 700 W", "power draw per device"),
    field(
        "overhead",
        quantity(Dim::TIME, Range::NonNegative),
        "overhead = 30 us",
        "fixed time per decode step (kernel launch, scheduling)",
    ),
    field(
        "layer_latency",
        quantity(Dim::TIME, Range::NonNegative),
        "layer_latency = 40 us",
        "fixed time one layer takes per step; on SRAM parts, the pipeline floor",
    ),
    field(
        "collective_latency",
        quantity(Dim::TIME, Range::NonNegative),
        "collective_latency = 25 us",
        "fixed latency of one all-reduce or all-to-all over the scale-up interconnect",
    ),
    field(
        "efficiency",
        Expect::Block(EFFICIENCY),
        "efficiency { compute = 60% }",
        "reachable share of the peaks",
    ),
    field(
        "price",
        quantity(Dim::PRICE, Range::NonNegative),
        "price = 3.80 $/h",
        "reference price per device-hour (pools may override it)",
    ),
    field(
        "calibrate",
        Expect::Measurements,
        "calibrate = measured(\"bench.csv\")",
        "fit the calibration values to the device's own measurements (a CSV file)",
    ),
];

pub const MODEL: &[FieldSpec] = &[
    field(
        "config",
        Expect::ModelConfig,
        "config = hf(\"config.json\")",
        "read the model from its Hugging Face `config.json`; the block's fields override it",
    ),
    field(
        "params",
        quantity(Dim::NONE, Range::Positive),
        "params = 70.6G",
        "total parameters (`70.6G` = 70.6 billion)",
    ),
    field(
        "active",
        quantity(Dim::NONE, Range::Positive),
        "active = 37G",
        "parameters active per token (MoE)",
    ),
    field("layers", whole(Range::Positive), "layers = 80", "transformer layers"),
    field("hidden", whole(Range::Positive), "hidden = 8192", "hidden size"),
    field("heads", whole(Range::Positive), "heads = 64", "attention (query) heads"),
    field(
        "kv_heads",
        whole(Range::Positive),
        "kv_heads = 8",
        "key/value heads (GQA); defaults to `heads`",
    ),
    field(
        "head_dim",
        whole(Range::Positive),
        "head_dim = 128",
        "dimension per head; defaults to hidden / heads",
    ),
    field(
        "attention",
        Expect::Choice { what: "attention kind", options: Attention::NAMES },
        "attention = gqa",
        "mha, gqa or mla; defaults to gqa",
    ),
    field("kv_rank", whole(Range::Positive), "kv_rank = 512", "MLA: compressed KV rank"),
    field("rope_dim", whole(Range::Positive), "rope_dim = 64", "MLA: decoupled RoPE key dimension"),
    field("experts", whole(Range::Positive), "experts = 256", "routed experts (MoE)"),
    field(
        "experts_per_token",
        whole(Range::Positive),
        "experts_per_token = 8",
        "routed experts per token (MoE)",
    ),
    field(
        "window",
        quantity(Dim::TOKENS, Range::Positive),
        "window = 128 tokens",
        "sliding-window length, for the layers in `window_layers`",
    ),
    field(
        "window_layers",
        whole(Range::NonNegative),
        "window_layers = 18",
        "layers that use the sliding window",
    ),
    field(
        "max_context",
        quantity(Dim::TOKENS, Range::Positive),
        "max_context = 128k tokens",
        "longest context the model supports",
    ),
    field(
        "weights",
        Expect::Choice { what: "precision", options: Precision::NAMES },
        "weights = fp8",
        "weight precision; defaults to bf16",
    ),
    field(
        "kv_cache",
        Expect::Choice { what: "precision", options: Precision::NAMES },
        "kv_cache = fp8",
        "KV-cache precision; defaults to bf16",
    ),
];

pub const POOL: &[FieldSpec] = &[
    field(
        "device",
        Expect::Reference(DefKind::Device),
        "device = h200",
        "the device the pool holds",
    ),
    field(
        "per_node",
        whole(Range::Positive),
        "per_node = 8",
        "devices per node: the scale-up domain; defaults to 1",
    ),
    field("max", whole(Range::Positive), "max = 512", "most devices that can be had"),
    field(
        "min",
        whole(Range::NonNegative),
        "min = 16",
        "devices that must be used (already owned); defaults to 0",
    ),
    field(
        "price",
        quantity(Dim::PRICE, Range::NonNegative),
        "price = 3.80 $/h",
        "price per device-hour",
    ),
    field(
        "host_memory",
        quantity(Dim::DATA, Range::Positive),
        "host_memory = 2 TB",
        "host DRAM per node",
    ),
    field(
        "power",
        quantity(Dim::POWER, Range::Positive),
        "power = 1.2 kW",
        "power per device, when not the device's",
    ),
];

pub const MEMORY: &[FieldSpec] = &[
    field(
        "reuse",
        quantity(Dim::NONE, Range::ShareOrZero),
        "reuse = 85%",
        "share of input tokens whose KV can come from retained sessions",
    ),
    field("sessions", whole(Range::NonNegative), "sessions = 50k", "sessions whose KV is retained"),
    field(
        "context",
        quantity(Dim::TOKENS, Range::Positive),
        "context = 64k tokens",
        "retained context per session",
    ),
    field(
        "retention",
        quantity(Dim::TIME, Range::Positive),
        "retention = 30 min",
        "how long a session's KV is kept",
    ),
];

pub const WORKLOAD: &[FieldSpec] = &[
    field("model", Expect::Reference(DefKind::Model), "model = llama3_3_70b", "the model served"),
    field(
        "rate",
        quantity(Dim::REQUEST_RATE, Range::Positive),
        "rate = 40 req/s",
        "request arrival rate",
    ),
    field(
        "input",
        Expect::Lengths,
        "input = 1500 tokens",
        "prompt tokens per request, or their distribution",
    ),
    field(
        "output",
        Expect::Lengths,
        "output = 150 tokens",
        "output tokens per request, or their distribution",
    ),
    field(
        "arrivals",
        Expect::Arrivals,
        "arrivals = bursty(cv = 2)",
        "how requests arrive: `poisson` (the default) or `bursty(cv = …)`",
    ),
    field("slo", Expect::Bounds, "slo { ttft p90 <= 2 s }", "latency objectives"),
    field(
        "configs",
        whole(Range::Positive),
        "configs = 1",
        "the most distinct configurations (pool and size) serving each role",
    ),
    field(
        "memory",
        Expect::Block(MEMORY),
        "memory { reuse = 85% }",
        "KV cache retained between requests",
    ),
];

pub const SITE: &[FieldSpec] = &[
    field(
        "power",
        quantity(Dim::POWER, Range::Positive),
        "power = 2 MW",
        "most power the fleet may draw",
    ),
    field(
        "budget",
        quantity(Dim::PRICE, Range::Positive),
        "budget = 40k $/h",
        "most the fleet may cost per hour",
    ),
];

/// The fields of a definition kind.
pub fn fields_of(kind: DefKind) -> &'static [FieldSpec] {
    match kind {
        DefKind::Device => DEVICE,
        DefKind::Model => MODEL,
        DefKind::Pool => POOL,
        DefKind::Workload => WORKLOAD,
    }
}

pub fn find(schema: &'static [FieldSpec], name: &str) -> Option<&'static FieldSpec> {
    schema.iter().find(|f| f.name == name)
}
