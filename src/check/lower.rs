//! Validated fields → typed spec values, with the checks that span several fields.

use std::collections::BTreeMap;

use super::error::CheckError;
use super::fields::{Checked, Fields};
use super::schema::{self, FieldSpec};
use crate::diagnostic::Diagnostics;
use crate::source::Span;
use crate::spec::*;

/// Reads fields of one definition, reporting missing required ones.
pub struct Reader<'a> {
    pub fields: &'a Fields,
    pub schema: &'static [FieldSpec],
    /// "device `h200`"
    pub place: String,
    /// Where "missing field" points: the definition's name.
    pub at: Span,
    pub errors: &'a mut Diagnostics,
}

impl Reader<'_> {
    fn missing(&mut self, name: &'static str) {
        if self.fields.poisoned {
            return;
        }
        let example = schema::find(self.schema, name).map_or(name, |f| f.example);
        self.errors.push(CheckError::MissingField {
            field: name.to_string(),
            place: self.place.clone(),
            example: format!("`{example}`"),
            span: self.at,
        });
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.fields.values.get(name) {
            Some(Checked::Number { value, .. }) => Some(*value),
            _ => None,
        }
    }

    pub fn span_of(&self, name: &str) -> Option<Span> {
        self.fields.values.get(name).map(Checked::span)
    }

    pub fn required(&mut self, name: &'static str) -> Option<f64> {
        let value = self.number(name);
        if value.is_none() {
            self.missing(name);
        }
        value
    }

    pub fn whole(&self, name: &str) -> Option<u32> {
        self.number(name).map(to_u32)
    }

    pub fn required_whole(&mut self, name: &'static str) -> Option<u32> {
        self.required(name).map(to_u32)
    }

    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.fields.values.get(name) {
            Some(Checked::Choice { value, .. }) => Some(value),
            _ => None,
        }
    }

    pub fn required_choice(&mut self, name: &'static str) -> Option<&'static str> {
        let value = self.choice(name);
        if value.is_none() {
            self.missing(name);
        }
        value
    }

    pub fn reference(&mut self, name: &'static str) -> Option<(String, Span)> {
        match self.fields.values.get(name) {
            Some(Checked::Reference { name, span }) => Some((name.clone(), *span)),
            _ => {
                self.missing(name);
                None
            }
        }
    }

    /// A length distribution (a plain count is `Fixed`); reports it missing otherwise.
    pub fn required_lengths(&mut self, name: &'static str) -> Option<Lengths> {
        match self.fields.values.get(name) {
            Some(Checked::Lengths { value, .. }) => Some(value.clone()),
            _ => {
                self.missing(name);
                None
            }
        }
    }

    pub fn arrivals(&self, name: &str) -> Option<Arrivals> {
        match self.fields.values.get(name) {
            Some(Checked::Arrivals { value, .. }) => Some(*value),
            _ => None,
        }
    }

    pub fn block(&self, name: &str) -> Option<&Fields> {
        match self.fields.values.get(name) {
            Some(Checked::Block(fields)) => Some(fields),
            _ => None,
        }
    }

    fn inconsistent(&mut self, span: Span, message: String, label: &str, help: &str) {
        self.errors.push(CheckError::Inconsistent {
            message,
            help: help.to_string(),
            span,
            label: label.to_string(),
        });
    }
}

fn to_u32(value: f64) -> u32 {
    // Values are validated as whole and positive; the cast saturates beyond u32::MAX.
    value as u32
}

pub fn device(name: &str, r: &mut Reader<'_>) -> Option<Device> {
    let kind = r.required_choice("kind").and_then(DeviceKind::from_name);
    let memory = r.required("memory");
    let bandwidth = r.required("bandwidth");
    let mut compute = BTreeMap::new();
    if let Some(block) = r.block("compute") {
        for (precision, value) in &block.values {
            if let (Some(p), Checked::Number { value, .. }) =
                (Precision::from_name(precision), value)
            {
                compute.insert(p, *value);
            }
        }
    }
    if kind.is_some_and(DeviceKind::computes) && compute.is_empty() && !r.fields.poisoned {
        r.missing("compute");
    }
    let efficiency = r.block("efficiency");
    let efficiency_of = |field: &str| match efficiency.and_then(|f| f.values.get(field)) {
        Some(Checked::Number { value, .. }) => Some(*value),
        _ => None,
    };
    Some(Device {
        name: name.to_string(),
        kind: kind?,
        memory_bytes: memory?,
        memory_bandwidth_bytes_per_s: bandwidth?,
        compute_flops: compute,
        link_bandwidth_bytes_per_s: r.number("link"),
        nic_bandwidth_bytes_per_s: r.number("nic"),
        power_watts: r.number("power"),
        step_overhead_s: r.number("overhead"),
        layer_latency_s: r.number("layer_latency"),
        collective_latency_s: r.number("collective_latency"),
        compute_efficiency: efficiency_of("compute"),
        bandwidth_efficiency: efficiency_of("bandwidth"),
        price_usd_per_hour: r.number("price").map(|p| p * 3600.0),
        measurements: match r.fields.values.get("calibrate") {
            Some(Checked::Measurements { value, .. }) => Some(value.clone()),
            _ => None,
        },
        fit: None,
        span: r.at,
    })
}

pub fn model(name: &str, r: &mut Reader<'_>) -> Option<Model> {
    if let Some(Checked::ModelConfig { value, .. }) = r.fields.values.get("config") {
        let base = (**value).clone();
        return Some(model_over_config(name, base, r));
    }
    let params = r.required("params");
    let active = r.number("active");
    let layers = r.required_whole("layers");
    let hidden = r.required_whole("hidden");
    let heads = r.required_whole("heads");
    let kv_heads = r.whole("kv_heads").or(heads);
    let head_dim = r.whole("head_dim").or(match (hidden, heads) {
        (Some(h), Some(n)) if n > 0 => Some(h / n),
        _ => None,
    });
    let attention = r.choice("attention").and_then(Attention::from_name).unwrap_or(Attention::Gqa);
    let experts = r.whole("experts");
    let experts_per_token = r.whole("experts_per_token");
    let (kv_lora_rank, rope_dim) = (r.whole("kv_rank"), r.whole("rope_dim"));
    let weights = r.choice("weights").and_then(Precision::from_name).unwrap_or(Precision::Bf16);
    let kv_cache = r.choice("kv_cache").and_then(Precision::from_name).unwrap_or(Precision::Bf16);

    let mut ok = true;
    if let (Some(p), Some(a)) = (params, active) {
        if a > p {
            let span = r.span_of("active").unwrap_or(r.at);
            r.inconsistent(
                span,
                "`active` exceeds `params`".to_string(),
                "more than the total",
                "active parameters are a subset of all parameters",
            );
            ok = false;
        }
    }
    if let (Some(h), Some(kv)) = (heads, kv_heads) {
        if kv > h || h % kv != 0 {
            let span = r.span_of("kv_heads").unwrap_or(r.at);
            r.inconsistent(
                span,
                format!("`kv_heads` ({kv}) must divide `heads` ({h})"),
                "does not divide the heads",
                "each KV head serves a whole group of query heads",
            );
            ok = false;
        }
    }
    match (experts, experts_per_token) {
        (Some(e), Some(k)) if k > e => {
            let span = r.span_of("experts_per_token").unwrap_or(r.at);
            r.inconsistent(
                span,
                format!("`experts_per_token` ({k}) exceeds `experts` ({e})"),
                "more than there are",
                "a token is routed to some of the experts",
            );
            ok = false;
        }
        (Some(_), None) => {
            r.missing("experts_per_token");
            ok = false;
        }
        (None, Some(_)) => {
            r.missing("experts");
            ok = false;
        }
        _ => {}
    }
    if experts.is_some() && active.is_none() {
        r.missing("active");
        ok = false;
    }
    if attention == Attention::Mla {
        if kv_lora_rank.is_none() {
            r.missing("kv_rank");
            ok = false;
        }
        if rope_dim.is_none() {
            r.missing("rope_dim");
            ok = false;
        }
    }
    if let (Some(window_layers), Some(layers)) = (r.whole("window_layers"), layers) {
        if window_layers > layers {
            let span = r.span_of("window_layers").unwrap_or(r.at);
            r.inconsistent(
                span,
                format!(
                    "`window_layers` is {window_layers}, more than the model's {layers} layers"
                ),
                "more than `layers`",
                "`window_layers` counts the layers that use the sliding window: at most `layers`",
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let params = params?;
    Some(Model {
        name: name.to_string(),
        params,
        active_params: active.unwrap_or(params),
        layers: layers?,
        hidden: hidden?,
        heads: heads?,
        kv_heads: kv_heads?,
        head_dim: head_dim?,
        attention,
        kv_lora_rank,
        rope_dim,
        experts,
        experts_per_token,
        window_tokens: r.number("window"),
        window_layers: r.whole("window_layers"),
        max_context_tokens: r.number("max_context"),
        weights,
        kv_cache,
        span: r.at,
    })
}

/// A model read from its config (`config = hf("…")`), the block's own fields laid over it.
fn model_over_config(name: &str, base: Model, r: &Reader<'_>) -> Model {
    let params = r.number("params").unwrap_or(base.params);
    let precision =
        |field: &str, own: Precision| r.choice(field).and_then(Precision::from_name).unwrap_or(own);
    Model {
        name: name.to_string(),
        params,
        active_params: r.number("active").unwrap_or(base.active_params).min(params),
        layers: r.whole("layers").unwrap_or(base.layers),
        hidden: r.whole("hidden").unwrap_or(base.hidden),
        heads: r.whole("heads").unwrap_or(base.heads),
        kv_heads: r.whole("kv_heads").unwrap_or(base.kv_heads),
        head_dim: r.whole("head_dim").unwrap_or(base.head_dim),
        attention: r.choice("attention").and_then(Attention::from_name).unwrap_or(base.attention),
        kv_lora_rank: r.whole("kv_rank").or(base.kv_lora_rank),
        rope_dim: r.whole("rope_dim").or(base.rope_dim),
        experts: r.whole("experts").or(base.experts),
        experts_per_token: r.whole("experts_per_token").or(base.experts_per_token),
        window_tokens: r.number("window").or(base.window_tokens),
        window_layers: r.whole("window_layers").or(base.window_layers),
        max_context_tokens: r.number("max_context").or(base.max_context_tokens),
        weights: precision("weights", base.weights),
        kv_cache: precision("kv_cache", base.kv_cache),
        span: r.at,
    }
}

/// A pool; `device` is the resolved device (for its reference price).
pub fn pool(name: &str, device: Option<&Device>, r: &mut Reader<'_>) -> Option<Pool> {
    let max = r.required_whole("max");
    let min = r.whole("min").unwrap_or(0);
    if let Some(max) = max {
        if min > max {
            let span = r.span_of("min").unwrap_or(r.at);
            let max_span = r.span_of("max").unwrap_or(r.at);
            let max_span = if max_span.file == span.file { max_span } else { span };
            r.errors.push(CheckError::MinAboveMax {
                min: min.to_string(),
                max: max.to_string(),
                span,
                max_span,
            });
            return None;
        }
    }
    let device = device?;
    let price = match r.number("price") {
        Some(p) => Some(p * 3600.0),
        None => device.price_usd_per_hour,
    };
    let Some(price) = price else {
        if !r.fields.poisoned {
            r.errors.push(CheckError::MissingPrice {
                pool: name.to_string(),
                device: device.name.clone(),
                span: r.at,
            });
        }
        return None;
    };
    Some(Pool {
        name: name.to_string(),
        device: device.name.clone(),
        per_node: r.whole("per_node").unwrap_or(1),
        min_devices: min,
        max_devices: max?,
        price_usd_per_hour: price,
        host_memory_bytes: r.number("host_memory"),
        power_watts: r.number("power"),
        span: r.at,
        max_span: r.span_of("max").unwrap_or(r.at),
    })
}

pub fn workload(name: &str, model: Option<&Model>, r: &mut Reader<'_>) -> Option<Workload> {
    let rate = r.required("rate");
    let input = r.required_lengths("input");
    let output = r.required_lengths("output");
    let arrivals = r.arrivals("arrivals").unwrap_or_default();
    let max_configs = r.whole("configs");
    let slo = match r.fields.values.get("slo") {
        Some(Checked::Bounds(bounds)) => bounds
            .iter()
            .map(|b| SloBound {
                metric: b.metric,
                percentile: b.percentile,
                limit_s: b.limit_s,
                span: b.span,
            })
            .collect(),
        _ => Vec::new(),
    };
    let all: &Fields = r.fields;
    let memory = match all.values.get("memory") {
        Some(Checked::Block(block)) => {
            let mut inner = Reader {
                fields: block,
                schema: schema::MEMORY,
                place: format!("the memory block of workload `{name}`"),
                at: block.span,
                errors: r.errors,
            };
            let reuse = inner.required("reuse");
            let sessions = inner.required("sessions");
            let context = inner.required("context");
            let retention = inner.number("retention");
            if let (Some(model), Some(context)) = (model, context) {
                if !fits_context(name, model, context, "context", &mut inner) {
                    return None;
                }
            }
            Some(MemoryNeeds {
                reuse: reuse?,
                sessions: sessions?,
                context_tokens: context?,
                retention_s: retention,
            })
        }
        _ => None,
    };
    if let (Some(model), Some(input), Some(output)) = (model, &input, &output) {
        if !fits_context(name, model, input.mean() + output.mean(), "input", r) {
            return None;
        }
    }
    Some(Workload {
        name: name.to_string(),
        model: model?.name.clone(),
        rate_per_s: rate?,
        input_tokens: input.as_ref()?.mean(),
        output_tokens: output.as_ref()?.mean(),
        input: input?,
        output: output?,
        arrivals,
        slo,
        memory,
        max_configs,
        span: r.at,
    })
}

/// Whether `tokens` (a request's prompt and output, or a session's retained context, named by
/// `field`) fit the model's `max_context`; reports at the field when not. A prompt longer than
/// the model reads would otherwise be planned as if it could be served.
fn fits_context(
    workload: &str,
    model: &Model,
    tokens: f64,
    field: &str,
    r: &mut Reader<'_>,
) -> bool {
    let Some(limit) = model.max_context_tokens else { return true };
    if tokens <= limit {
        return true;
    }
    let span = r.span_of(field).unwrap_or(r.at);
    let what = if field == "context" {
        "the retained context".to_string()
    } else {
        "a request's prompt and output".to_string()
    };
    r.inconsistent(
        span,
        format!(
            "{what} ({tokens} tokens) is longer than model `{}` reads ({limit} tokens) in workload `{workload}`",
            model.name
        ),
        "longer than the model's `max_context`",
        "shorten it to the model's `max_context`, or serve a model with a longer context",
    );
    false
}

pub fn site(r: &mut Reader<'_>) -> Site {
    Site {
        max_power_watts: r.number("power"),
        budget_usd_per_hour: r.number("budget").map(|b| b * 3600.0),
        power_span: r.span_of("power"),
        budget_span: r.span_of("budget"),
    }
}
