//! The largest (and for a few fields the smallest) values the checker accepts.
//!
//! The schema's ranges say what a value means (a memory is above zero); these limits say what
//! is physically absurd: a value beyond them is a typo or a unit mistake (`1e308 $/h`,
//! `max = 1e15`, `rate = 1e-300 req/s`), and letting it through gives a `$NaN/h` plan, a
//! solver failure pointed at a workload, or a simulation that never ends. Each is far beyond
//! any real fleet; docs/language.md ("Limits") lists them.

use super::units::Dim;

/// A limit: its value in base units, and how it is written in the language.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub value: f64,
    pub shown: &'static str,
}

const fn limit(value: f64, shown: &'static str) -> Limit {
    Limit { value, shown }
}

/// Most tokens in one request, prompt or output (the longest context of any model is 10M).
pub const MAX_REQUEST_TOKENS: f64 = 1e7;

/// The token counts of one request, and the parameters of their distributions.
const REQUEST_LENGTHS: &[&str] = &["input", "output", "low", "high", "mean", "p50", "p99"];

/// The SLO metrics (bounds are checked as fields named by their metric).
const SLO_METRICS: &[&str] = &["ttft", "tpot", "e2e"];

/// The largest value of a field of this dimension.
pub fn ceiling(field: &str, dim: Dim, whole: bool) -> Limit {
    if field == "cv" {
        // Arrivals or lengths ten times as variable as exponential ones; past it the queueing
        // formulas ask for more instances than any solver takes.
        return limit(10.0, "10");
    }
    if field == "sessions" {
        return limit(1e9, "1G");
    }
    if dim == Dim::TOKENS && REQUEST_LENGTHS.contains(&field) {
        return limit(MAX_REQUEST_TOKENS, "10M tokens");
    }
    if whole {
        // Layers, heads, devices, sizes: beyond this the solver's integers and the
        // simulator's loops stop being exact or finite in time.
        return limit(1e6, "1M");
    }
    if dim == Dim::TIME && SLO_METRICS.contains(&field) {
        return limit(86_400.0, "1 day");
    }
    match dim {
        d if d == Dim::DATA => limit(1e18, "1000 PB"),
        d if d == Dim::BANDWIDTH => limit(1e18, "1000 PB/s"),
        d if d == Dim::COMPUTE => limit(1e21, "1000000 PFLOPS"),
        d if d == Dim::POWER => limit(1e10, "10000 MW"),
        d if d == Dim::TIME => limit(365.0 * 86_400.0, "365 day"),
        d if d == Dim::PRICE => limit(1e9, "1G $/h"),
        d if d == Dim::REQUEST_RATE => limit(1e6, "1M req/s"),
        d if d == Dim::TOKENS => limit(1e8, "100M tokens"),
        // Parameter counts and plain numbers.
        _ => limit(1e15, "1000T"),
    }
}

/// The smallest value above zero a field may take, where the schema's range allows values too
/// small to mean anything: a rate of one request in 30 years plans zero devices, a length of
/// `1e-9 tokens` or a retention of `1e-300 s` is a typo. Zero itself stays what the range says.
pub fn floor(field: &str, dim: Dim) -> Option<Limit> {
    if field == "cv" {
        return Some(limit(0.01, "0.01"));
    }
    if dim == Dim::TOKENS {
        return Some(limit(1.0, "1 tokens"));
    }
    if field == "params" || field == "active" {
        return Some(limit(1.0, "1"));
    }
    match dim {
        d if d == Dim::REQUEST_RATE => Some(limit(1e-6, "0.000001 req/s")),
        d if d == Dim::TIME => Some(limit(1e-9, "1 ns")),
        d if d == Dim::DATA => Some(limit(1.0, "1 B")),
        d if d == Dim::BANDWIDTH => Some(limit(1.0, "1 B/s")),
        d if d == Dim::COMPUTE => Some(limit(1.0, "1 FLOPS")),
        d if d == Dim::POWER => Some(limit(1e-3, "0.001 W")),
        _ => None,
    }
}
