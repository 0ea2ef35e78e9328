//! A model from its Hugging Face `config.json` (and `hf_quant_config.json` or the config's
//! `quantization_config`): parameters, active parameters, layers, attention and KV layout, MoE
//! routing. Pure: the caller reads the files (`load` for `hf("…")` in a `.fleet` file, the CLI
//! for `estimate --model-config`). Keys are read by what they mean, not by architecture name,
//! so a new family that reuses the usual keys needs no code; docs/models.md lists them.
//!
//! Counting (per decoder layer; `h` hidden size, `n` query heads, `g` KV heads, `d` head size):
//! - attention: GQA/MHA `h·n·d + 2·h·g·d + n·d·h`; MLA (DeepSeek) the low-rank query
//!   (`h·r_q + r_q·n·(d_nope + d_rope)`, or `h·n·(d_nope + d_rope)` without `q_lora_rank`), the
//!   joint KV down-projection `h·(r_kv + d_rope)`, its up-projection `r_kv·n·(d_nope + d_v)`
//!   and the output `n·d_v·h`;
//! - a gated MLP `3·h·i` (dense layers `intermediate_size`, experts `moe_intermediate_size`);
//!   a MoE layer has `E` routed experts of which `k` run per token, shared experts, and a
//!   router `h·E`;
//! - embeddings `V·h`, and the output head `V·h` unless tied; norms `2h` per layer;
//! - multi-token-prediction layers (`num_nextn_predict_layers`) are not counted: they are not
//!   decoded by default and model cards leave them out (DeepSeek-V3's 671B).
//!
//! KV per token: GQA/MHA `2·g·d` values per layer, MLA `r_kv + d_rope`; sliding-window layers
//! keep at most their window; linear-attention and state-space layers (hybrids) keep none and
//! are modelled as layers with a window of zero tokens (their constant per-sequence state is not
//! counted).

use serde_json::Value;

use crate::source::Span;
use crate::spec::{Attention, Model, Precision};

/// Why a config cannot be read as a model.
#[derive(Clone, Debug, PartialEq)]
pub enum HfProblem {
    /// Not JSON, or not an object.
    NotJson(String),
    /// A key the model needs is absent.
    MissingKey(&'static str),
    /// A key holds something other than what it should.
    BadKey { key: &'static str, found: String, expected: &'static str },
    /// The quantisation names a format fleetplan does not know.
    UnknownQuantisation(String),
}

impl HfProblem {
    pub fn message(&self) -> String {
        match self {
            HfProblem::NotJson(why) => format!("not a JSON object: {why}"),
            HfProblem::MissingKey(key) => format!("the config has no `{key}`"),
            HfProblem::BadKey { key, found, expected } => {
                format!("`{key}` is {found}, expected {expected}")
            }
            HfProblem::UnknownQuantisation(q) => format!("unknown quantisation `{q}`"),
        }
    }
}

/// The model a config describes, and what about it is not modelled.
#[derive(Clone, Debug)]
pub struct HfModel {
    pub model: Model,
    pub notes: Vec<String>,
}

/// Reads `config` (and the optional `quant` file's text) as a model named `name`; `span` is
/// where the source names the config (the model's span).
pub fn model_from_config(
    name: &str,
    config: &str,
    quant: Option<&str>,
    span: Span,
) -> Result<HfModel, Vec<HfProblem>> {
    let root: Value =
        serde_json::from_str(config).map_err(|e| vec![HfProblem::NotJson(e.to_string())])?;
    if !root.is_object() {
        return Err(vec![HfProblem::NotJson("the top level is not an object".into())]);
    }
    let mut notes = Vec::new();
    // Multimodal configs keep the language model under `text_config`.
    let text = match root.get("text_config") {
        Some(t) if t.is_object() => {
            notes.push("the vision tower is not modelled: the language model is".to_string());
            t
        }
        _ => &root,
    };
    let mut r = Reader { v: text, problems: Vec::new() };
    // The usual names first, then the older or other families' spellings of the same key.
    let hidden = r.whole_any("hidden_size", &["n_embd", "d_model", "hidden_dim"]);
    let layers = r.whole_any("num_hidden_layers", &["n_layer", "num_layers", "n_layers"]);
    let heads = r.whole_any("num_attention_heads", &["n_head", "num_heads", "n_heads"]);
    let vocab = r.whole_any("vocab_size", &["padded_vocab_size"]);
    let kv_heads = r.opt_whole("num_key_value_heads").filter(|g| *g > 0).or(heads);
    let head_dim = r.opt_whole("head_dim").filter(|d| *d > 0).or(match (hidden, heads) {
        (Some(h), Some(n)) if n > 0 => Some(h / n),
        _ => None,
    });
    let intermediate = r
        .opt_whole("intermediate_size")
        .or_else(|| r.opt_whole("ffn_hidden_size"))
        .or_else(|| r.opt_whole("n_inner"))
        .or_else(|| r.opt_whole("d_ff"))
        .filter(|i| *i > 0);
    let tied = text.get("tie_word_embeddings").and_then(Value::as_bool).unwrap_or(false);
    // MoE: the usual names of the expert count, the experts per token and their size.
    let experts = r
        .opt_whole("n_routed_experts")
        .or_else(|| r.opt_whole("num_local_experts"))
        .or_else(|| r.opt_whole("num_experts"))
        .filter(|e| *e > 1);
    let per_token = r.opt_whole("num_experts_per_tok").or_else(|| r.opt_whole("moe_topk"));
    let expert_size = r.opt_whole("moe_intermediate_size").filter(|i| *i > 0).or(intermediate);
    let shared = r.opt_whole("n_shared_experts").unwrap_or(0);
    let shared_size = r
        .opt_whole("shared_expert_intermediate_size")
        .map(|s| (1, s))
        .or_else(|| (shared > 0).then(|| (shared, expert_size.unwrap_or(0))));
    // Llama 4 puts a shared expert of the expert's size beside every routed set.
    let shared_size = shared_size.or_else(|| {
        (text.get("model_type").and_then(Value::as_str) == Some("llama4_text"))
            .then(|| (1, expert_size.unwrap_or(0)))
    });
    let dense_mlp = r.opt_whole("intermediate_size_mlp").filter(|i| *i > 0).or(intermediate);
    // MLA.
    let kv_rank = r.opt_whole("kv_lora_rank").filter(|x| *x > 0);
    let q_rank = r.opt_whole("q_lora_rank").filter(|x| *x > 0);
    let rope = r.opt_whole("qk_rope_head_dim");
    let nope = r.opt_whole("qk_nope_head_dim");
    let v_dim = r.opt_whole("v_head_dim");
    let (Some(h), Some(l), Some(n), Some(vocab), Some(g), Some(d)) =
        (hidden, layers, heads, vocab, kv_heads, head_dim)
    else {
        return Err(r.problems);
    };
    if experts.is_none() && dense_mlp.is_none() {
        r.problems.push(HfProblem::MissingKey("intermediate_size"));
    }
    if experts.is_some() && per_token.is_none() {
        r.problems.push(HfProblem::MissingKey("num_experts_per_tok"));
    }
    // Which layers are MoE.
    let moe_layers: u32 = match experts {
        None => 0,
        Some(_) => {
            let first_dense = r.opt_whole("first_k_dense_replace").unwrap_or(0).min(l);
            let step = r
                .opt_whole("decoder_sparse_step")
                .or_else(|| r.opt_whole("interleave_moe_layer_step"))
                .or_else(|| r.opt_whole("moe_layer_freq"))
                .unwrap_or(1)
                .max(1);
            let dense_only: Vec<u64> = text
                .get("mlp_only_layers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            (first_dense..l)
                .filter(|i| (i + 1) % step == 0 || step == 1)
                .filter(|i| !dense_only.contains(&u64::from(*i)))
                .count() as u32
        }
    };
    let (hf, nf, gf, df) = (f(h), f(n), f(g), f(d));
    let mla = kv_rank.is_some();
    let attention_params = if mla {
        let (rank, rope, nope) =
            (f(kv_rank.unwrap_or(0)), f(rope.unwrap_or(0)), f(nope.unwrap_or(d)));
        let v = f(v_dim.unwrap_or(d));
        let q = match q_rank {
            Some(rq) => hf * f(rq) + f(rq) * nf * (nope + rope) + f(rq),
            None => hf * nf * (nope + rope),
        };
        q + hf * (rank + rope) + rank + rank * nf * (nope + v) + nf * v * hf
    } else {
        hf * nf * df + 2.0 * hf * gf * df + nf * df * hf
    };
    let mlp = |size: u32| 3.0 * hf * f(size);
    let dense_layer_mlp = mlp(dense_mlp.unwrap_or(0));
    let (routed, active_routed, shared_params, router) = match (experts, per_token) {
        (Some(e), Some(k)) => {
            let one = mlp(expert_size.unwrap_or(0));
            let shared = shared_size.map_or(0.0, |(count, size)| f(count) * mlp(size));
            (f(e) * one, f(k.min(e)) * one, shared, hf * f(e))
        }
        _ => (0.0, 0.0, 0.0, 0.0),
    };
    let norms = 2.0 * hf;
    let dense_layers = f(l - moe_layers);
    let moe = f(moe_layers);
    let embeddings = f(vocab) * hf * if tied { 1.0 } else { 2.0 };
    let common = f(l) * (attention_params + norms) + hf + embeddings;
    let params = common + dense_layers * dense_layer_mlp + moe * (routed + shared_params + router);
    // A MoE model's active parameters are those a token multiplies by: the input embedding is a
    // lookup (the output head, tied or not, is counted once). gpt-oss's card counts this way
    // (5.13B of 116.8B); DeepSeek-V3's 37B, Qwen3's 22B and Kimi K2's 32B agree within 2%.
    // Dense models' cards give all parameters as active, and so does this.
    let lookup = if experts.is_some() { f(vocab) * hf } else { 0.0 };
    let active = common - lookup
        + dense_layers * dense_layer_mlp
        + moe * (active_routed + shared_params + router);
    // Sliding windows and KV-less layers.
    let window = r.opt_whole("sliding_window").filter(|w| *w > 0);
    let layer_types: Vec<String> = text
        .get("layer_types")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut no_kv = layer_types
        .iter()
        .filter(|t| t.contains("linear") || t.contains("mamba") || t.contains("ssm"))
        .count() as u32;
    // Qwen3-Next: one full-attention layer in every `full_attention_interval`, the rest linear.
    // Nemotron-H: `hybrid_override_pattern`, one character a layer, `*` for attention. Jamba:
    // attention where `i % attn_layer_period == attn_layer_offset`.
    if layer_types.is_empty() {
        if let Some(every) = r.opt_whole("full_attention_interval").filter(|i| *i > 1) {
            no_kv = l - l / every;
        } else if let Some(pattern) = text.get("hybrid_override_pattern").and_then(Value::as_str) {
            let attention = pattern.chars().filter(|c| *c == '*').count() as u32;
            no_kv = l.saturating_sub(attention.min(l));
        } else if let Some(period) = r.opt_whole("attn_layer_period").filter(|p| *p > 0) {
            let offset = r.opt_whole("attn_layer_offset").unwrap_or(0);
            no_kv = (0..l).filter(|i| i % period != offset % period).count() as u32;
        }
    }
    let sliding = layer_types.iter().filter(|t| t.contains("sliding")).count() as u32;
    let (window_tokens, window_layers) = if no_kv > 0 {
        notes.push(format!(
            "{no_kv} of {l} layers are linear attention or state space: they keep no KV (their constant state per sequence is not counted)"
        ));
        (Some(0.0), Some(no_kv))
    } else if let (Some(w), true) = (window, sliding > 0) {
        (Some(f(w)), Some(sliding))
    } else if let (Some(w), true) =
        (window, text.get("use_sliding_window").and_then(Value::as_bool) == Some(true))
    {
        (Some(f(w)), Some(l))
    } else {
        (None, None)
    };
    if let Some(top) = r.opt_whole("index_topk").filter(|k| *k > 0) {
        notes.push(format!(
            "sparse attention (an indexer picks {top} tokens) is not modelled: attention is counted over the whole context"
        ));
    }
    if let Some(mtp) = r.opt_whole("num_nextn_predict_layers").filter(|m| *m > 0) {
        notes.push(format!("{mtp} multi-token-prediction layer(s) not counted and not decoded"));
    }
    let weights = match quantisation(&root, quant) {
        Ok(Some(p)) => p,
        Ok(None) => match text
            .get("torch_dtype")
            .or_else(|| root.get("torch_dtype"))
            .and_then(Value::as_str)
        {
            Some("float16") => Precision::Fp16,
            Some("float32") => Precision::Fp32,
            _ => Precision::Bf16,
        },
        Err(p) => {
            r.problems.push(p);
            Precision::Bf16
        }
    };
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let model = Model {
        name: name.to_string(),
        params,
        active_params: active.min(params),
        layers: l,
        hidden: h,
        heads: n,
        kv_heads: if mla { n } else { g },
        head_dim: d,
        attention: if mla {
            Attention::Mla
        } else if g == n {
            Attention::Mha
        } else {
            Attention::Gqa
        },
        kv_lora_rank: kv_rank,
        rope_dim: if mla { rope } else { None },
        experts,
        experts_per_token: per_token,
        window_tokens,
        window_layers,
        max_context_tokens: r.opt_whole("max_position_embeddings").map(f),
        weights,
        kv_cache: Precision::Bf16,
        span,
    };
    Ok(HfModel { model, notes })
}

/// The weights' precision from `hf_quant_config.json` (`quantization.quant_algo`) or the
/// config's `quantization_config` (`quant_method`, or the format of compressed tensors).
fn quantisation(root: &Value, quant: Option<&str>) -> Result<Option<Precision>, HfProblem> {
    if let Some(text) = quant {
        let q: Value = serde_json::from_str(text).map_err(|e| HfProblem::NotJson(e.to_string()))?;
        if let Some(algo) = q.pointer("/quantization/quant_algo").and_then(Value::as_str) {
            return precision_of(algo).map(Some);
        }
    }
    let Some(q) = root.get("quantization_config") else { return Ok(None) };
    let method = q.get("quant_method").and_then(Value::as_str).unwrap_or("");
    match method {
        "fp8" | "fbgemm_fp8" => Ok(Some(Precision::Fp8)),
        "mxfp4" => Ok(Some(Precision::Mxfp4)),
        "modelopt" => {
            let algo = q.get("quant_algo").and_then(Value::as_str).unwrap_or("FP8");
            precision_of(algo).map(Some)
        }
        "compressed-tensors" => {
            let format = q.get("format").and_then(Value::as_str).unwrap_or("");
            let text = serde_json::to_string(q).unwrap_or_default();
            if format.contains("nvfp4") || text.contains("\"num_bits\":4") && text.contains("float")
            {
                Ok(Some(Precision::Nvfp4))
            } else if format.contains("float") || text.contains("\"type\":\"float\"") {
                Ok(Some(Precision::Fp8))
            } else if text.contains("\"num_bits\":4") {
                Ok(Some(Precision::Int4))
            } else if text.contains("\"num_bits\":8") {
                Ok(Some(Precision::Int8))
            } else {
                Err(HfProblem::UnknownQuantisation(format!("compressed-tensors {format}")))
            }
        }
        "gptq" | "awq" => match q.get("bits").and_then(Value::as_u64) {
            Some(8) => Ok(Some(Precision::Int8)),
            _ => Ok(Some(Precision::Int4)),
        },
        other => Err(HfProblem::UnknownQuantisation(other.to_string())),
    }
}

fn precision_of(algo: &str) -> Result<Precision, HfProblem> {
    match algo.to_ascii_lowercase().as_str() {
        "fp8" | "fp8_block_scales" | "fp8_pb_wo" => Ok(Precision::Fp8),
        "nvfp4" => Ok(Precision::Nvfp4),
        "mxfp4" => Ok(Precision::Mxfp4),
        "w4a16_awq" | "int4_awq" | "w4a8_awq" => Ok(Precision::Int4),
        "int8_sq" | "w8a16" => Ok(Precision::Int8),
        other => Err(HfProblem::UnknownQuantisation(other.to_string())),
    }
}

fn f(x: u32) -> f64 {
    f64::from(x)
}

/// Reads whole numbers from the config, recording what is missing or malformed.
struct Reader<'v> {
    v: &'v Value,
    problems: Vec<HfProblem>,
}

impl Reader<'_> {
    /// [`Reader::whole`] under `key` or, when it is absent, the first of `aliases` present.
    fn whole_any(&mut self, key: &'static str, aliases: &[&'static str]) -> Option<u32> {
        let present = |k: &str| self.v.get(k).is_some_and(|v| !v.is_null());
        match aliases.iter().find(|a| !present(key) && present(a)) {
            Some(alias) => self.whole(alias),
            None => self.whole(key),
        }
    }

    /// A whole number above zero that the model needs.
    fn whole(&mut self, key: &'static str) -> Option<u32> {
        if self.v.get(key).is_none_or(Value::is_null) {
            self.problems.push(HfProblem::MissingKey(key));
            return None;
        }
        match self.opt_whole(key) {
            Some(0) => {
                self.bad(key, "a whole number above zero");
                None
            }
            other => other,
        }
    }

    /// A whole number if the key is there (zero included: `first_k_dense_replace = 0`).
    fn opt_whole(&mut self, key: &'static str) -> Option<u32> {
        let value = self.v.get(key)?;
        if value.is_null() {
            return None;
        }
        let whole = value.as_u64().and_then(|x| u32::try_from(x).ok());
        if whole.is_none() {
            self.bad(key, "a whole number");
        }
        whole
    }

    fn bad(&mut self, key: &'static str, expected: &'static str) {
        let found =
            self.v.get(key).map_or(String::new(), |v| v.to_string().chars().take(40).collect());
        self.problems.push(HfProblem::BadKey { key, found, expected });
    }
}
