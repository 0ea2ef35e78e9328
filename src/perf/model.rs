//! What a model costs per token: weight bytes, KV-cache bytes, FLOPs, and the expert weights a
//! decode batch touches.

use super::precision::bytes_per_value;
use crate::spec::{Attention, Model, Precision};

/// Bytes of all weights at `precision`.
pub fn weight_bytes(model: &Model, precision: Precision) -> f64 {
    model.params * bytes_per_value(precision)
}

/// KV-cache bytes one token adds to one layer.
///
/// GQA/MHA: keys and values, `2 × kv_heads × head_dim` values. MLA (DeepSeek-V2/V3): the
/// compressed latent and the decoupled RoPE key, `kv_rank + rope_dim` values.
pub fn kv_bytes_per_token_per_layer(model: &Model, kv: Precision) -> f64 {
    let values = match model.attention {
        Attention::Mla => {
            f64::from(model.kv_lora_rank.unwrap_or(0)) + f64::from(model.rope_dim.unwrap_or(0))
        }
        Attention::Gqa | Attention::Mha => {
            2.0 * f64::from(model.kv_heads) * f64::from(model.head_dim)
        }
    };
    values * bytes_per_value(kv)
}

/// KV bytes one token adds while it is within every window: the per-layer figure over the
/// layers that keep KV (a hybrid's linear-attention layers, modelled with a window of zero
/// tokens, keep none).
pub fn kv_bytes_per_token(model: &Model, kv: Precision) -> f64 {
    let (window_layers, window) = window(model);
    let layers = if window > 0.0 {
        f64::from(model.layers)
    } else {
        f64::from(model.layers) - window_layers
    };
    layers * kv_bytes_per_token_per_layer(model, kv)
}

/// Layers with a sliding window, and the window; the other layers attend to everything.
fn window(model: &Model) -> (f64, f64) {
    match (model.window_layers, model.window_tokens) {
        (Some(n), Some(w)) => (f64::from(n.min(model.layers)), w),
        _ => (0.0, f64::INFINITY),
    }
}

/// KV-cache bytes of one sequence holding `context` tokens (sliding-window layers keep at most
/// their window).
pub fn kv_bytes(model: &Model, kv: Precision, context: f64) -> f64 {
    let (window_layers, window) = window(model);
    let full_layers = f64::from(model.layers) - window_layers;
    let tokens = full_layers * context + window_layers * context.min(window);
    tokens * kv_bytes_per_token_per_layer(model, kv)
}

/// Attention FLOPs for one new token that attends to `context` earlier tokens.
///
/// Per layer and head: `2·d·c` for QKᵀ and `2·d·c` for the weighted sum of values. For MLA with
/// absorbed projections the key has `kv_rank + rope_dim` dimensions and the value `kv_rank`.
pub fn attention_flops(model: &Model, context: f64) -> f64 {
    let (window_layers, window) = window(model);
    let full_layers = f64::from(model.layers) - window_layers;
    let per_position = match model.attention {
        Attention::Mla => {
            let rank = f64::from(model.kv_lora_rank.unwrap_or(0));
            2.0 * f64::from(model.heads) * (2.0 * rank + f64::from(model.rope_dim.unwrap_or(0)))
        }
        Attention::Gqa | Attention::Mha => 4.0 * f64::from(model.heads) * f64::from(model.head_dim),
    };
    per_position * (full_layers * context + window_layers * context.min(window))
}

/// FLOPs to produce one token with `context` earlier tokens: `2 × active parameters` for the
/// matrix products, plus attention.
pub fn flops_per_token(model: &Model, context: f64) -> f64 {
    2.0 * model.active_params + attention_flops(model, context)
}

/// FLOPs to prefill a prompt of `tokens` (causal: token i attends to i earlier tokens).
pub fn prefill_flops(model: &Model, tokens: f64) -> f64 {
    tokens * 2.0 * model.active_params + tokens * attention_flops(model, tokens / 2.0)
}

/// Parameters of one routed expert, and of the always-active part (MoE), from
/// `params = dense + E·p` and `active = dense + k·p`.
pub fn expert_split(model: &Model) -> Option<(f64, f64)> {
    let (experts, k) = (f64::from(model.experts?), f64::from(model.experts_per_token?));
    if experts <= k {
        return None;
    }
    let per_expert = (model.params - model.active_params) / (experts - k);
    let dense = (model.active_params - k * per_expert).max(0.0);
    Some((per_expert, dense))
}

/// Expected number of distinct experts that `tokens` tokens route to, when each picks `k` of
/// `E` experts uniformly: `E·(1 − (1 − k/E)^tokens)`.
pub fn experts_touched(experts: f64, k: f64, tokens: f64) -> f64 {
    experts * (1.0 - (1.0 - k / experts).powf(tokens))
}

/// Weight bytes one decode step of `batch` sequences reads: all of a dense model; for MoE the
/// always-active part plus the experts the batch touches.
pub fn weight_bytes_read(model: &Model, precision: Precision, batch: f64) -> f64 {
    let params = match expert_split(model) {
        Some((per_expert, dense)) => {
            let experts = f64::from(model.experts.unwrap_or(1));
            let k = f64::from(model.experts_per_token.unwrap_or(1));
            dense + per_expert * experts_touched(experts, k, batch.max(1.0))
        }
        None => model.params,
    };
    params.min(model.params) * bytes_per_value(precision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn model(f: impl FnOnce(&mut Model)) -> Model {
        let mut m = Model {
            name: "m".into(),
            params: 70.6e9,
            active_params: 70.6e9,
            layers: 80,
            hidden: 8192,
            heads: 64,
            kv_heads: 8,
            head_dim: 128,
            attention: Attention::Gqa,
            kv_lora_rank: None,
            rope_dim: None,
            experts: None,
            experts_per_token: None,
            window_tokens: None,
            window_layers: None,
            max_context_tokens: None,
            weights: Precision::Bf16,
            kv_cache: Precision::Bf16,
            span: Span::new(FileId(0), 0, 0),
        };
        f(&mut m);
        m
    }

    #[test]
    fn llama_3_1_70b_kv_is_320_kib_per_token() {
        let m = model(|_| {});
        assert_eq!(kv_bytes(&m, Precision::Bf16, 1.0), 320.0 * 1024.0);
        assert_eq!(kv_bytes(&m, Precision::Fp8, 1000.0), 160.0 * 1024.0 * 1000.0);
    }

    #[test]
    fn deepseek_v3_mla_kv_is_68_6_kib_per_token() {
        let m = model(|m| {
            m.attention = Attention::Mla;
            m.layers = 61;
            m.kv_lora_rank = Some(512);
            m.rope_dim = Some(64);
        });
        let kib = kv_bytes(&m, Precision::Bf16, 1.0) / 1024.0;
        assert!((kib - 68.625).abs() < 1e-9, "{kib}");
    }

    #[test]
    fn sliding_window_layers_stop_growing() {
        let m = model(|m| {
            m.layers = 36;
            m.window_layers = Some(18);
            m.window_tokens = Some(128.0);
        });
        let per_layer = kv_bytes_per_token_per_layer(&m, Precision::Bf16);
        assert_eq!(kv_bytes(&m, Precision::Bf16, 100.0), 36.0 * 100.0 * per_layer);
        assert_eq!(
            kv_bytes(&m, Precision::Bf16, 1000.0),
            (18.0 * 1000.0 + 18.0 * 128.0) * per_layer
        );
    }

    #[test]
    fn flops_per_token_is_twice_the_active_parameters_plus_attention() {
        let m = model(|_| {});
        assert_eq!(flops_per_token(&m, 0.0), 2.0 * 70.6e9);
        // 80 layers × 64 heads × 4 × 128 × 1000 positions
        assert_eq!(attention_flops(&m, 1000.0), 80.0 * 64.0 * 4.0 * 128.0 * 1000.0);
    }

    #[test]
    fn moe_batches_touch_more_experts() {
        let m = model(|m| {
            m.params = 235e9;
            m.active_params = 22e9;
            m.experts = Some(128);
            m.experts_per_token = Some(8);
        });
        let one = weight_bytes_read(&m, Precision::Fp8, 1.0);
        let many = weight_bytes_read(&m, Precision::Fp8, 256.0);
        assert!((one - 22e9).abs() / 22e9 < 1e-9, "{one}");
        assert!(many > 0.99 * 235e9 && many <= 235e9, "{many}");
        assert!(experts_touched(128.0, 8.0, 1.0) == 8.0);
    }
}
