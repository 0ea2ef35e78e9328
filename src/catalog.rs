//! The standard catalog as a listing (`fleetplan catalog`): each device's and model's key
//! figures from the checked spec, its one-line title and the public sources its figures cite,
//! read from the comments of `std/*.fleet` (the same text the compiler loads).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::load::Root;
use crate::spec::{Device, Model, Spec};

/// Version of the catalog's JSON shape (`fleetplan catalog --format json`).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Catalog {
    pub schema_version: u32,
    pub devices: Vec<DeviceEntry>,
    pub models: Vec<ModelEntry>,
}

/// A device of `std.hardware`, in base units.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DeviceEntry {
    pub name: String,
    /// The comment above its definition ("NVIDIA H100 SXM5 80GB (Hopper).").
    pub title: String,
    pub kind: String,
    pub memory_bytes: f64,
    pub memory_bandwidth_bytes_per_s: f64,
    /// Peak dense compute per precision, FLOP/s (operations/s for integers).
    pub compute_flops: BTreeMap<String, f64>,
    pub power_watts: Option<f64>,
    pub price_usd_per_hour: Option<f64>,
    pub sources: Vec<Source>,
}

/// A model of `std.models`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ModelEntry {
    pub name: String,
    pub title: String,
    pub params: f64,
    pub active_params: f64,
    pub layers: u32,
    pub attention: String,
    pub weights: String,
    pub kv_cache: String,
    /// At the model's own KV precision.
    pub kv_bytes_per_token: f64,
    pub max_context_tokens: Option<f64>,
    pub sources: Vec<Source>,
}

/// A public source a catalog entry cites (`[S1]`), as the catalog's header lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Source {
    pub tag: String,
    pub text: String,
}

/// The standard catalog, sorted by name. `Err` only if the bundled catalog does not compile,
/// which the tests rule out.
pub fn catalog() -> Result<Catalog, String> {
    let root = Root::Text {
        name: "<catalog>".into(),
        text: "use std.hardware.*\nuse std.models.*\n".into(),
    };
    let compiled = crate::compile(root).map_err(|e| e.to_string())?;
    let spec: Spec =
        compiled.result.map_err(|_| "the standard catalog does not compile".to_string())?;
    let hardware = Commented::new(std_text("std.hardware"));
    let models = Commented::new(std_text("std.models"));
    Ok(Catalog {
        schema_version: SCHEMA_VERSION,
        devices: spec.devices.values().map(|d| device_entry(d, &hardware)).collect(),
        models: spec.models.values().map(|m| model_entry(m, &models)).collect(),
    })
}

fn device_entry(device: &Device, text: &Commented) -> DeviceEntry {
    let (title, sources) = text.describe("device", &device.name);
    DeviceEntry {
        name: device.name.clone(),
        title,
        kind: device.kind.name().to_string(),
        memory_bytes: device.memory_bytes,
        memory_bandwidth_bytes_per_s: device.memory_bandwidth_bytes_per_s,
        compute_flops: device
            .compute_flops
            .iter()
            .map(|(p, f)| (p.name().to_string(), *f))
            .collect(),
        power_watts: device.power_watts,
        price_usd_per_hour: device.price_usd_per_hour,
        sources,
    }
}

fn model_entry(model: &Model, text: &Commented) -> ModelEntry {
    let (title, sources) = text.describe("model", &model.name);
    ModelEntry {
        name: model.name.clone(),
        title,
        params: model.params,
        active_params: model.active_params,
        layers: model.layers,
        attention: model.attention.name().to_string(),
        weights: model.weights.name().to_string(),
        kv_cache: model.kv_cache.name().to_string(),
        kv_bytes_per_token: crate::perf::model::kv_bytes_per_token(model, model.kv_cache),
        max_context_tokens: model.max_context_tokens,
        sources,
    }
}

/// A catalog file's text with its header's source list (`// [S1]  text`, continued on lines
/// indented further).
struct Commented {
    text: &'static str,
    sources: BTreeMap<String, String>,
}

impl Commented {
    fn new(text: &'static str) -> Self {
        Commented { text, sources: header_sources(text) }
    }

    /// The title comment above `keyword name {` and the sources cited from the title to the
    /// block's closing brace, by tag.
    fn describe(&self, keyword: &str, name: &str) -> (String, Vec<Source>) {
        let lines: Vec<&str> = self.text.lines().collect();
        let header = format!("{keyword} {name} ");
        let Some(start) = lines.iter().position(|l| l.starts_with(&header)) else {
            return (String::new(), Vec::new());
        };
        let mut first = start;
        while first > 0 && lines[first - 1].starts_with("//") {
            first -= 1;
        }
        let title: Vec<&str> =
            lines[first..start].iter().map(|l| l.trim_start_matches('/').trim()).collect();
        // The block ends where its braces balance (`model a from b {}` ends on its own line).
        let mut depth = 0i64;
        let mut end = lines.len() - 1;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let code = line.split("//").next().unwrap_or("");
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            if depth <= 0 {
                end = i;
                break;
            }
        }
        let mut tags: Vec<String> = Vec::new();
        for line in &lines[first..=end] {
            tags.extend(cited(line));
        }
        // A derived entry (`model a from b`) takes its figures, and so its sources, from b.
        let base = lines[start].strip_prefix(&header).and_then(|rest| {
            let rest = rest.trim_start().strip_prefix("from ")?;
            rest.split(|c: char| c.is_whitespace() || c == '{').next()
        });
        if let Some(base) = base.filter(|b| *b != name) {
            tags.extend(self.describe(keyword, base).1.into_iter().map(|s| s.tag));
        }
        tags.sort_by_key(|t| tag_order(t));
        tags.dedup();
        let sources = tags
            .into_iter()
            .filter_map(|tag| self.sources.get(&tag).map(|text| Source { tag, text: text.clone() }))
            .collect();
        (title.join(" "), sources)
    }
}

/// The catalog model a Hugging Face repository id names (`meta-llama/Llama-3.1-8B-Instruct`
/// is `llama3_1_8b`), by comparing names with case, separators and the release suffixes
/// (`-Instruct`, `-it`, `-hf`, `-chat`, `-v0.1`) left out: the instruct and base releases of a
/// model share its architecture, which is all a plan needs. `None` when no catalog model, or
/// more than one, matches.
pub fn model_for_hf_id(id: &str) -> Option<String> {
    let repo = id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase();
    let mut parts: Vec<&str> = repo.split(['-', '_', '.']).filter(|p| !p.is_empty()).collect();
    while let Some(last) = parts.last() {
        let release = ["instruct", "it", "hf", "chat", "base"].contains(last)
            || (last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()));
        if !release || parts.len() == 1 {
            break;
        }
        parts.pop();
    }
    if parts.first() == Some(&"meta") && parts.len() > 1 {
        parts.remove(0);
    }
    let wanted: String = parts.concat();
    let squash = |name: &str| name.replace('_', "");
    let names = crate::check::catalog_names(crate::syntax::ast::DefKind::Model);
    let exact: Vec<&String> =
        names.iter().map(|(_, n)| n).filter(|n| squash(n) == wanted).collect();
    if let [one] = exact.as_slice() {
        return Some((*one).clone());
    }
    // `Llama-4-Scout-17B-16E` is the catalog's `llama4_scout`: the longest catalog name the id
    // starts with, when one is longest.
    let mut prefixes: Vec<&String> = names
        .iter()
        .map(|(_, n)| n)
        .filter(|n| wanted.starts_with(&squash(n)) && squash(n).len() >= 6)
        .collect();
    prefixes.sort_by_key(|n| std::cmp::Reverse(squash(n).len()));
    match prefixes.as_slice() {
        [one] => Some((*one).clone()),
        [a, b, ..] if squash(a).len() > squash(b).len() => Some((*a).clone()),
        _ => None,
    }
}

fn std_text(module: &str) -> &'static str {
    crate::load::STD_MODULES.iter().find(|m| m.0 == module).map_or("", |m| m.2)
}

/// The sources a file's header lists: `// [S2]  text` at the start of a line, continued on the
/// comment lines below it that are indented further (the first definition of a tag counts); anything else ends an entry. The catalog lists its sources so;
/// `fleetplan catalog` and the editor's hover both read them here.
pub fn header_sources(text: &str) -> BTreeMap<String, String> {
    let mut sources = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let Some(comment) = line.strip_prefix("//") else {
            current = None;
            continue;
        };
        let body = comment.trim_start();
        if let Some((tag, rest)) = body.strip_prefix('[').and_then(|b| b.split_once(']')) {
            // The header comes first: a later comment that opens with a tag is a note citing
            // it, not its definition.
            if is_tag(tag) && !sources.contains_key(tag) {
                sources.insert(tag.to_string(), rest.trim().to_string());
                current = Some(tag.to_string());
                continue;
            }
        }
        match &current {
            Some(tag) if comment.starts_with("  ") && !body.is_empty() => {
                if let Some(text) = sources.get_mut(tag) {
                    text.push(' ');
                    text.push_str(body);
                }
            }
            _ => current = None,
        }
    }
    sources
}

/// `S2`, `M15`, `S20b`: capitals, digits, perhaps one small letter.
fn is_tag(tag: &str) -> bool {
    let letters = tag.chars().take_while(char::is_ascii_uppercase).count();
    let rest = &tag[letters..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    letters > 0 && digits > 0 && tail.len() <= 1 && tail.chars().all(|c| c.is_ascii_lowercase())
}

/// Sorts `S2` before `S10`.
fn tag_order(tag: &str) -> (String, u32) {
    let letters = tag.chars().take_while(char::is_ascii_uppercase).count();
    let (letter, rest) = tag.split_at(letters);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (letter.to_string(), digits.parse().unwrap_or(u32::MAX))
}

/// The tags a note cites, each once in order: `[S2,S1]` and `[S62, S63]` give each.
pub fn cited(note: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut rest = note;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        for part in after[..close].split(',') {
            let part = part.trim();
            if is_tag(part) && !tags.iter().any(|t| t == part) {
                tags.push(part.to_string());
            }
        }
        rest = &after[close + 1..];
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids as the model cards on huggingface.co spell them.
    #[test]
    fn hugging_face_ids_name_catalog_models() {
        for (id, name) in [
            ("meta-llama/Llama-3.1-8B-Instruct", Some("llama3_1_8b")),
            ("meta-llama/Meta-Llama-3.1-70B-Instruct", Some("llama3_1_70b")),
            ("meta-llama/Llama-3.3-70B-Instruct", Some("llama3_3_70b")),
            ("meta-llama/Llama-2-70b-hf", Some("llama2_70b")),
            ("meta-llama/Llama-4-Scout-17B-16E-Instruct", Some("llama4_scout")),
            ("deepseek-ai/DeepSeek-R1", Some("deepseek_r1")),
            ("openai/gpt-oss-120b", Some("gpt_oss_120b")),
            ("mistralai/Mixtral-8x7B-Instruct-v0.1", Some("mixtral_8x7b")),
            ("moonshotai/Kimi-K2-Instruct", Some("kimi_k2")),
            ("google/gemma-3-27b-it", Some("gemma3_27b")),
            ("Qwen/Qwen3-235B-A22B", Some("qwen3_235b_a22b")),
            ("Qwen/Qwen3-32B", Some("qwen3_32b")),
            ("meta-llama/Llama-3.2-1B-Instruct", None),
            ("Qwen/Qwen3-8B", None),
        ] {
            assert_eq!(model_for_hf_id(id).as_deref(), name, "{id}");
        }
    }

    #[test]
    fn tags_are_read_from_brackets() {
        assert_eq!(cited("x = 1 // dense [S3,S5] and [M1, M2]"), ["S3", "S5", "M1", "M2"]);
        assert!(cited("// [not a tag] [S]").is_empty());
        assert_eq!(
            cited("dense [S2,S1]; see [S20b] and [M5, X] [not a tag]"),
            ["S2", "S1", "S20b", "M5"]
        );
        assert!(!is_tag("S") && !is_tag("2") && !is_tag("Sab") && is_tag("M15"));
    }

    #[test]
    fn a_source_continues_on_indented_lines() {
        let text = "// [S1]  first line,\n//       second.\n// [S2]  other\n//\ndevice x {\n  // [S1] a note citing S1, not its source\n}\n// [S2] again\n";
        let c = Commented::new(Box::leak(text.to_string().into_boxed_str()));
        assert_eq!(c.sources["S1"], "first line, second.");
        assert_eq!(c.sources["S2"], "other");
    }
}
