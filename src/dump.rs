//! Text dumps of the intermediate forms (`fleetplan debug …`); the tests pin the same dumps.

use crate::spec::Spec;
use crate::syntax::ast::File;

/// The syntax tree as pretty JSON (spans and comments left out).
pub fn ast(file: &File) -> String {
    json(file)
}

/// The checked spec as pretty JSON, in base units.
pub fn spec(spec: &Spec) -> String {
    json(spec)
}

/// Pretty JSON with a final newline.
pub fn json(value: &impl serde::Serialize) -> String {
    let mut text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
