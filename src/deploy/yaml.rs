//! A small YAML writer: the manifests are built as [`Yaml`] trees and printed in block style,
//! every string double-quoted (a JSON string is a YAML double-quoted scalar), so the bytes
//! depend on nothing but the tree and no value is ever read as another type (`"8"` stays a
//! string, `yes` is never a boolean).

use std::fmt::Write;

/// One YAML node. Maps keep their insertion order: the writer prints what it is given.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Str(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

/// A string node.
pub fn s(text: impl Into<String>) -> Yaml {
    Yaml::Str(text.into())
}

/// An integer node.
pub fn int(n: impl Into<i64>) -> Yaml {
    Yaml::Int(n.into())
}

/// A map node from `(key, value)` pairs.
pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
    Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// A list of strings.
pub fn strings<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> Yaml {
    Yaml::List(items.into_iter().map(|t| s(t.as_ref())).collect())
}

impl Yaml {
    /// Adds an entry to a map node (no-op on other nodes).
    pub fn push(&mut self, key: impl Into<String>, value: Yaml) {
        if let Yaml::Map(entries) = self {
            entries.push((key.into(), value));
        }
    }

    fn is_block(&self) -> bool {
        match self {
            Yaml::List(items) => !items.is_empty(),
            Yaml::Map(entries) => !entries.is_empty(),
            _ => false,
        }
    }
}

/// One YAML document: optional `#` comment lines, then the node.
pub fn document(comments: &[String], node: &Yaml) -> String {
    let mut out = String::new();
    for line in comments {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    if node.is_block() {
        write_block(node, 0, &mut out);
    } else {
        let _ = writeln!(out, "{}", scalar(node));
    }
    out
}

/// Several documents in one stream, separated by `---`.
pub fn stream(documents: &[String]) -> String {
    documents.join("---\n")
}

fn scalar(node: &Yaml) -> String {
    match node {
        Yaml::Str(text) => quote(text),
        Yaml::Int(n) => n.to_string(),
        Yaml::Num(x) if x.is_finite() => {
            let text = format!("{x}");
            if text.contains('.') || text.contains('e') {
                text
            } else {
                format!("{text}.0")
            }
        }
        Yaml::Num(_) => ".nan".to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::List(_) => "[]".to_string(),
        Yaml::Map(_) => "{}".to_string(),
    }
}

/// A JSON string literal, which YAML reads as the same string.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// Keys are printed plain when they are unambiguous in YAML, quoted otherwise.
fn key(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        text.to_string()
    } else {
        quote(text)
    }
}

fn write_block(node: &Yaml, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Yaml::Map(entries) => {
            for (k, v) in entries {
                if v.is_block() {
                    let _ = writeln!(out, "{pad}{}:", key(k));
                    write_block(v, indent + 2, out);
                } else {
                    let _ = writeln!(out, "{pad}{}: {}", key(k), scalar(v));
                }
            }
        }
        Yaml::List(items) => {
            for item in items {
                if item.is_block() {
                    // The item's block at two more columns, its first line's indent turned
                    // into the dash.
                    let mut inner = String::new();
                    write_block(item, indent + 2, &mut inner);
                    let _ = write!(out, "{pad}- {}", &inner[indent + 2..]);
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_nested_blocks() {
        let node = map([
            ("apiVersion", s("v1")),
            ("spec", map([("replicas", int(3)), ("args", strings(["--a", "8"]))])),
            ("items", Yaml::List(vec![map([("name", s("x")), ("n", int(1))]), Yaml::List(vec![])])),
            ("empty", map(Vec::<(String, Yaml)>::new())),
            ("nvidia.com/gpu", s("8")),
            ("yes", Yaml::Bool(true)),
        ]);
        let text = document(&["a comment".into()], &node);
        assert_eq!(
            text,
            "# a comment\napiVersion: \"v1\"\nspec:\n  replicas: 3\n  args:\n    - \"--a\"\n    - \"8\"\n\
             items:\n  - name: \"x\"\n    \"n\": 1\n  - []\nempty: {}\nnvidia.com/gpu: \"8\"\n\"yes\": true\n"
        );
    }
}
