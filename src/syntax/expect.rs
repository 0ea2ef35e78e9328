//! Turns a pest failure into a diagnostic that says in words what was expected.
//!
//! pest reports the rules and literal tokens it tried at the furthest position. Rule names mean
//! nothing to users, so each is mapped to a phrase; the catch-all rules that exist only to
//! produce better errors (`colon_field`, `bare_bound`, `unknown_item`) are left out.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::error::SyntaxError;
use super::parse::Rule;
use crate::source::{FileId, Span};

/// The keywords that start a top-level item, in the order the docs list them.
pub const ITEM_KEYWORDS: [&str; 7] =
    ["use", "device", "model", "pool", "workload", "site", "objective"];

const AN_ITEM: &str = "an item (`use`, `device`, `model`, `pool`, `workload`, `site`, `objective`)";
const A_VALUE: &str = "a value";
const A_FIELD: &str = "a field";

pub(crate) fn describe(file: FileId, text: &str, error: &Error<Rule>) -> SyntaxError {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut phrases: BTreeSet<(u8, String)> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(p) = rule_phrase(*rule) {
                phrases.insert(p);
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        let catch_all_only = attempts.call_stacks().iter().all(|stack| {
            matches!(stack.parent, Some(Rule::colon_field | Rule::bare_bound | Rule::unknown_item))
        });
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if let Some(p) = token_phrase(&token, catch_all_only) {
                phrases.insert(p);
            }
        }
    }
    if phrases.is_empty() {
        phrases.insert((9, "valid syntax".to_string()));
    }
    if phrases.iter().any(|(_, w)| w.starts_with("a percentile")) {
        // `<=` then comes only from the catch-all for a bound without a percentile.
        phrases.retain(|(_, w)| w != "`<=`");
    }
    let at_end = position >= text.len();
    // A block left open is noticed only where the next item starts (or at the end of the
    // file); point at the brace that was never closed instead.
    let line_start = text.get(..position).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let next_item = opens_item(text.as_bytes(), line_start) && line_start > 0;
    if (at_end && phrases.iter().any(|(_, w)| w == "`}`")) || next_item {
        let before = if next_item { line_start } else { position };
        if let Some(open) = text.get(..before).and_then(unclosed_brace) {
            return SyntaxError::UnclosedBlock { span: Span::new(file, open, open + 1) };
        }
    }
    let words: Vec<String> = phrases.iter().map(|(_, w)| w.clone()).collect();
    let expected = join_or(&words);
    let (found, end) = found_at(text, position);
    let help = help_for(&words, at_end);
    SyntaxError::Unexpected { expected, found, help, span: Span::new(file, position, end) }
}

/// Phrases are ranked so that the most useful comes first in "expected A, B or C".
fn rule_phrase(rule: Rule) -> Option<(u8, String)> {
    let phrase = match rule {
        Rule::EOI => (8, "end of file"),
        Rule::use_decl
        | Rule::definition
        | Rule::site_decl
        | Rule::objective_decl
        | Rule::def_kind
        | Rule::kw_use
        | Rule::kw_device
        | Rule::kw_model
        | Rule::kw_pool
        | Rule::kw_workload
        | Rule::kw_site
        | Rule::kw_objective => (5, AN_ITEM),
        Rule::field | Rule::sub_block | Rule::bound => (3, A_FIELD),
        Rule::value
        | Rule::quantity
        | Rule::numeral
        | Rule::symbol
        | Rule::string
        | Rule::call
        | Rule::call_name
        | Rule::arg_value
        | Rule::kw_uniform
        | Rule::kw_lognormal
        | Rule::kw_empirical
        | Rule::kw_poisson
        | Rule::kw_bursty
        | Rule::kw_measured
        | Rule::kw_hf => (2, A_VALUE),
        Rule::argument | Rule::named_arg | Rule::positional => (3, "an argument such as `cv = 2`"),
        Rule::percentile => (4, "a percentile such as `p90`"),
        Rule::comparison => (1, "`<=`"),
        Rule::block => (1, "`{`"),
        Rule::ident => (2, "a name"),
        Rule::module_path => (2, "a module such as `std.hardware`"),
        Rule::use_select | Rule::use_group | Rule::use_glob => (4, "`.{…}` or `.*`"),
        Rule::kw_from => (4, "`from`"),
        Rule::kw_minimize | Rule::kw_maximize | Rule::direction => (2, "`minimize` or `maximize`"),
        Rule::unit | Rule::unit_atom => (6, "a unit"),
        _ => return None,
    };
    Some((phrase.0, phrase.1.to_string()))
}

fn token_phrase(token: &str, catch_all_only: bool) -> Option<(u8, String)> {
    match token {
        // Only the catch-all rules try these after a field name; suggesting them would teach
        // the mistake.
        ":" => None,
        "<" | "<=" if catch_all_only => None,
        "<" => None,
        "<=" => Some((1, "`<=`".to_string())),
        "=" => Some((0, "`=`".to_string())),
        "{" => Some((1, "`{`".to_string())),
        "}" => Some((7, "`}`".to_string())),
        "," => Some((1, "`,`".to_string())),
        ")" => Some((1, "`)`".to_string())),
        "(" => None,
        "." => None,
        _ => None,
    }
}

fn join_or(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}

/// What stands at `position`, in words, and where it ends.
fn found_at(text: &str, position: usize) -> (String, usize) {
    let rest = text.get(position..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), position);
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let len = if is_word(first) {
        rest.char_indices().find(|(_, c)| !is_word(*c)).map_or(rest.len(), |(i, _)| i)
    } else {
        first.len_utf8()
    };
    let token = rest.get(..len).unwrap_or("");
    let shown = match first {
        '\n' | '\r' => "the end of the line".to_string(),
        _ => format!("`{token}`"),
    };
    (shown, position + len)
}

fn help_for(expected: &[String], at_end: bool) -> String {
    let has = |w: &str| expected.iter().any(|e| e == w);
    if has("`}`") && at_end {
        "every `{` needs a matching `}`".to_string()
    } else if expected.len() == 2 && has("`{`") && has("a name") {
        "fields belong inside a block, such as `pool gpu { max = 8 }`".to_string()
    } else if has("`=`") {
        "fields are written `name = value`, such as `memory = 80 GB`".to_string()
    } else if has(A_VALUE) {
        "a value is a number with its unit (`80 GB`, `4.8 TB/s`), a name (`h200`) or a quoted path"
            .to_string()
    } else if has(AN_ITEM) {
        "each item starts with a keyword, such as `pool gpu { … }` or `use std.hardware.{h200}`"
            .to_string()
    } else {
        "see docs/language.md for the syntax of `.fleet` files".to_string()
    }
}

/// The byte offset of the last `{` that is never closed, skipping comments and strings.
fn unclosed_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            (b'"', _) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'{', _) => open.push(i),
            (b'}', _) => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.pop()
}

/// Whether a top-level item keyword starts at byte `at` (a line start).
pub(crate) fn opens_item(text: &[u8], at: usize) -> bool {
    let rest = text.get(at..).unwrap_or(&[]);
    ITEM_KEYWORDS.iter().any(|kw| {
        rest.starts_with(kw.as_bytes())
            && !rest.get(kw.len()).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    })
}
