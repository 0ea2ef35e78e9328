//! Models read from Hugging Face configs (tests/data/hf, transcribed from the public
//! `config.json` files; tests/data/hf/README.md gives each source) against the figures their
//! model cards publish: total parameters within 3%, active parameters within 8%, and the KV
//! bytes one token adds (BF16) within 2%, computed here from the config's own keys.
#![allow(clippy::unwrap_used)]

mod common;

use fleetplan::hf::model_from_config;
use fleetplan::perf::model::kv_bytes_per_token;
use fleetplan::source::{FileId, Span};
use fleetplan::spec::Precision;

/// (file, total parameters, active parameters, KV bytes per token in BF16, as published or as
/// the config's layer, head and rank counts give it).
const CARDS: &[(&str, f64, f64, f64)] = &[
    // Meta's model cards: 8B (8.03B), 70B (70.6B), 405B; KV 2 × layers × 8 × 128 × 2 B.
    ("llama-3.1-8b", 8.03e9, 8.03e9, 2.0 * 32.0 * 8.0 * 128.0 * 2.0),
    ("llama-3.1-70b", 70.6e9, 70.6e9, 2.0 * 80.0 * 8.0 * 128.0 * 2.0),
    ("llama-3.1-405b", 405.0e9, 405.0e9, 2.0 * 126.0 * 8.0 * 128.0 * 2.0),
    // Qwen's cards: 32.8B; 235B total, 22B activated.
    ("qwen3-32b", 32.8e9, 32.8e9, 2.0 * 64.0 * 8.0 * 128.0 * 2.0),
    ("qwen3-235b-a22b", 235.0e9, 22.0e9, 2.0 * 94.0 * 4.0 * 128.0 * 2.0),
    // Mistral: 46.7B total, 12.9B active.
    ("mixtral-8x7b", 46.7e9, 12.9e9, 2.0 * 32.0 * 8.0 * 128.0 * 2.0),
    // DeepSeek-V3: 671B total, 37B activated (MTP module excluded); MLA keeps 512 + 64 values.
    ("deepseek-v3", 671.0e9, 37.0e9, 61.0 * 576.0 * 2.0),
    // Kimi K2: 1T total (1.04T), 32B activated.
    ("kimi-k2", 1.04e12, 32.0e9, 61.0 * 576.0 * 2.0),
    // gpt-oss-120b: 117B total (116.8B), 5.1B active; every layer keeps KV (half within 128).
    ("gpt-oss-120b", 116.8e9, 5.13e9, 2.0 * 36.0 * 8.0 * 64.0 * 2.0),
    // Llama 4 Scout: 109B total (vision encoder included, not modelled), 17B active.
    ("llama-4-scout", 109.0e9, 17.0e9, 2.0 * 48.0 * 8.0 * 128.0 * 2.0),
    // Qwen3-Next-80B-A3B (hybrid): 80B total, 3B activated; 12 of 48 layers keep KV.
    ("qwen3-next-80b-a3b", 80.0e9, 3.0e9, 2.0 * 12.0 * 2.0 * 256.0 * 2.0),
    // Gemma 3 27B (sliding window 1,024 on 52 of 62 layers): 27B.
    ("gemma-3-27b", 27.0e9, 27.0e9, 2.0 * 62.0 * 16.0 * 128.0 * 2.0),
];

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/hf/{name}.json", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
}

#[test]
fn configs_match_their_model_cards() {
    let span = Span::new(FileId(0), 0, 0);
    let mut report = Vec::new();
    for (name, params, active, kv) in CARDS {
        let m = model_from_config(name, &read(name), None, span).unwrap().model;
        let kv_ours = kv_bytes_per_token(&m, Precision::Bf16);
        let (dp, da, dk) =
            (m.params / params - 1.0, m.active_params / active - 1.0, kv_ours / kv - 1.0);
        report.push(format!(
            "{name}: params {:.2}B ({:+.1}%), active {:.2}B ({:+.1}%), KV {kv_ours} B/token ({:+.1}%)",
            m.params / 1e9,
            dp * 100.0,
            m.active_params / 1e9,
            da * 100.0,
            dk * 100.0
        ));
        assert!(dp.abs() <= 0.03, "{}", report.join("\n"));
        assert!(da.abs() <= 0.08, "{}", report.join("\n"));
        assert!(dk.abs() <= 0.02, "{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn quantisation_sets_the_weights_precision() {
    let span = Span::new(FileId(0), 0, 0);
    let ds = model_from_config("ds", &read("deepseek-v3"), None, span).unwrap();
    assert_eq!(ds.model.weights, Precision::Fp8);
    assert!(ds.notes.iter().any(|n| n.contains("multi-token")), "{:?}", ds.notes);
    let oss = model_from_config("oss", &read("gpt-oss-120b"), None, span).unwrap();
    assert_eq!(oss.model.weights, Precision::Mxfp4);
    let nvfp4 = r#"{"quantization": {"quant_algo": "NVFP4"}}"#;
    let l = model_from_config("l", &read("llama-3.1-70b"), Some(nvfp4), span).unwrap();
    assert_eq!(l.model.weights, Precision::Nvfp4);
    let scout = model_from_config("s", &read("llama-4-scout"), None, span).unwrap();
    assert!(scout.notes.iter().any(|n| n.contains("vision")));
}

#[test]
fn missing_and_malformed_keys_are_named() {
    let span = Span::new(FileId(0), 0, 0);
    let problems =
        model_from_config("x", r#"{"hidden_size": 4096, "num_attention_heads": "32"}"#, None, span)
            .unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.message()).collect();
    for key in ["num_hidden_layers", "vocab_size", "num_attention_heads"] {
        assert!(text.iter().any(|t| t.contains(key)), "{key} not named: {text:?}");
    }
    assert!(model_from_config("x", "not json", None, span).is_err());
    assert!(model_from_config("x", "[1, 2]", None, span).is_err());
}

/// Configs mutated the way files go wrong (keys dropped or renamed, values replaced by zero,
/// huge, negative, fractional, null, text or nested values, bytes cut or flipped): every one
/// gives a model or problems, never a panic, and every model read has finite, positive sizes.
#[test]
fn mutated_configs_never_panic() {
    use serde_json::Value;
    let span = Span::new(FileId(0), 0, 0);
    let mut rng = common::Rng(0x5eed_cafe_f00d_0001);
    let replacements =
        ["0", "1", "-1", "4294967296", "1e308", "0.5", "null", "\"x\"", "[]", "{}", "true"];
    let mut read = 0;
    for (name, ..) in CARDS {
        let text = read_file(name);
        for _ in 0..300 {
            let mutated = match rng.below(3) {
                0 => {
                    let mut v: Value = serde_json::from_str(&text).unwrap();
                    let target = v.get("text_config").is_some();
                    let object = if target { v.get_mut("text_config").unwrap() } else { &mut v };
                    let map = object.as_object_mut().unwrap();
                    let keys: Vec<String> = map.keys().cloned().collect();
                    for _ in 0..1 + rng.below(3) {
                        let key = rng.pick(&keys).clone();
                        if rng.chance(0.3) {
                            map.remove(&key);
                        } else {
                            let value: &&str = rng.pick(&replacements);
                            map.insert(key, serde_json::from_str::<Value>(value).unwrap());
                        }
                    }
                    v.to_string()
                }
                1 => {
                    let mut cut = rng.below(text.len());
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text[..cut].to_string()
                }
                _ => {
                    let mut bytes = text.clone().into_bytes();
                    let i = rng.below(bytes.len());
                    bytes[i] = b"0{}[],:\"9 -"[rng.below(11)];
                    String::from_utf8_lossy(&bytes).into_owned()
                }
            };
            if let Ok(m) = model_from_config("m", &mutated, None, span) {
                read += 1;
                let m = m.model;
                assert!(m.params.is_finite() && m.params > 0.0, "{name}: {mutated}");
                assert!(m.active_params > 0.0 && m.active_params <= m.params, "{name}: {mutated}");
                assert!(kv_bytes_per_token(&m, Precision::Bf16).is_finite());
            }
        }
    }
    assert!(read > 100, "only {read} mutated configs read: is the mutation too harsh?");
}

fn read_file(name: &str) -> String {
    read(name)
}

/// Other spellings of the required keys (GPT-2's `n_embd`, `n_layer`, `n_head`, `n_inner`),
/// and the hybrids' layer patterns: Nemotron-H's `hybrid_override_pattern` (`*` attention) and
/// Jamba's `attn_layer_period`/`attn_layer_offset`, whose other layers keep no KV.
#[test]
fn other_spellings_and_hybrid_patterns() {
    let span = Span::new(FileId(0), 0, 0);
    let gpt2 = r#"{"n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": 3072, "vocab_size": 50257,
                   "tie_word_embeddings": true}"#;
    let m = model_from_config("gpt2", gpt2, None, span).unwrap().model;
    assert_eq!((m.hidden, m.layers, m.heads, m.head_dim), (768, 12, 12, 64));
    // Per layer 4·768² (attention) + 3·768·3072 (a gated MLP, as the counting assumes) + norms.
    let per_layer = 4.0 * 768.0 * 768.0 + 3.0 * 768.0 * 3072.0 + 2.0 * 768.0;
    let expected = 12.0 * per_layer + 768.0 + 50257.0 * 768.0;
    assert!((m.params - expected).abs() < 1.0, "{} vs {expected}", m.params);

    let nemotron = r#"{"hidden_size": 4096, "num_hidden_layers": 8, "num_attention_heads": 32,
        "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 16384, "vocab_size": 131072,
        "hybrid_override_pattern": "M-M*-M*-"}"#;
    let m = model_from_config("nh", nemotron, None, span).unwrap().model;
    // Two attention layers keep 2 × 8 × 128 values a token each, in BF16.
    assert_eq!(kv_bytes_per_token(&m, Precision::Bf16), 2.0 * 2.0 * 8.0 * 128.0 * 2.0);

    let jamba = r#"{"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
        "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 65536,
        "attn_layer_period": 8, "attn_layer_offset": 4}"#;
    let m = model_from_config("jamba", jamba, None, span).unwrap().model;
    assert_eq!(kv_bytes_per_token(&m, Precision::Bf16), 4.0 * 2.0 * 8.0 * 128.0 * 2.0);
}
