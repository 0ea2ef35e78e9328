//! Whole-document formatting through `fmt`, the same layout as `fleetplan fmt`.

use lsp_types::TextEdit;

use super::position::LineIndex;
use crate::source::FileId;

/// The edits that format `text`: none when it is formatted already, `None` when it does not
/// parse (its diagnostics say why; formatting half a file would move text the user is typing).
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = crate::fmt::format_source(FileId(0), text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let index = LineIndex::new(text);
    Some(vec![TextEdit { range: index.range(0, text.len()), new_text: formatted }])
}
