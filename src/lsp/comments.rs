//! The comments around a definition and its fields, and the sources they cite: the catalog
//! documents every figure in a comment (`bandwidth = 4.8 TB/s  // [S2]`) and lists the
//! sources once in its header (`// [S2]  lzwjava.github.io …`, read by
//! `catalog::header_sources`). Hover shows both.

use std::collections::BTreeMap;

use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::Comment;

/// The comments of one file, by line.
pub struct Comments<'p> {
    /// 1-based line → the comment that starts on it, and whether it is alone on its line.
    by_line: BTreeMap<usize, (&'p Comment, bool)>,
}

impl<'p> Comments<'p> {
    pub fn of(program: &'p Program, file: FileId) -> Comments<'p> {
        let mut by_line = BTreeMap::new();
        let text = program.sources.text(file);
        for comment in program.files.get(&file).map_or(&[][..], |f| &f.comments[..]) {
            let start = comment.span.start as usize;
            let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
            let alone = text.get(line_start..start).is_some_and(|t| t.trim().is_empty());
            let (line, _) = program.sources.line_col(file, comment.span.start);
            by_line.entry(line).or_insert((comment, alone));
        }
        Comments { by_line }
    }

    /// The comment lines directly above the line of `span` (no blank line between), then the
    /// comment trailing its last line: what a reader takes as that line's note.
    pub fn around(&self, program: &Program, span: Span) -> Vec<String> {
        let (first, _) = program.sources.line_col(span.file, span.start);
        let (last, _) = program.sources.line_col(span.file, span.end);
        let mut above = Vec::new();
        let mut line = first;
        while let Some((comment, true)) = line.checked_sub(1).and_then(|l| self.by_line.get(&l)) {
            above.push(text(comment));
            line -= 1;
        }
        above.reverse();
        if let Some((comment, false)) = self.by_line.get(&last) {
            if comment.span.start >= span.end {
                above.push(text(comment));
            }
        }
        above
    }
}

/// The comment's words without its markers.
fn text(comment: &Comment) -> String {
    let t = comment.text.as_str();
    let t = t.strip_prefix("//").or_else(|| t.strip_prefix("/*")).unwrap_or(t);
    t.strip_suffix("*/").unwrap_or(t).trim().to_string()
}
