//! The comments around a definition and its fields, and the sources they cite: the catalog
//! documents every figure in a comment (`bandwidth = 4.8 TB/s  // [S2]`) and lists the
//! sources once in its header (`// [S2]  lzwjava.github.io …`). Hover shows both.

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

    /// The sources the header lists: `// [S2]  text` and the indented lines that continue it.
    pub fn sources(&self) -> BTreeMap<String, String> {
        let mut sources = BTreeMap::new();
        let mut open: Option<(String, usize)> = None;
        for (&line, (comment, alone)) in &self.by_line {
            let body = comment.text.strip_prefix("//").unwrap_or("");
            if let Some((tag, rest)) =
                body.trim_start().strip_prefix('[').and_then(|b| b.split_once(']'))
            {
                if *alone && is_tag(tag) {
                    sources.insert(tag.to_string(), rest.trim().to_string());
                    open = Some((tag.to_string(), line));
                    continue;
                }
            }
            match &mut open {
                Some((tag, at)) if *alone && *at + 1 == line && body.starts_with("  ") => {
                    if let Some(entry) = sources.get_mut(tag.as_str()) {
                        entry.push(' ');
                        entry.push_str(body.trim());
                    }
                    *at = line;
                }
                _ => open = None,
            }
        }
        sources
    }
}

/// The comment's words without its markers.
fn text(comment: &Comment) -> String {
    let t = comment.text.as_str();
    let t = t.strip_prefix("//").or_else(|| t.strip_prefix("/*")).unwrap_or(t);
    t.strip_suffix("*/").unwrap_or(t).trim().to_string()
}

/// `S2`, `M15`, `S20b`: capitals, digits, perhaps one small letter.
fn is_tag(tag: &str) -> bool {
    let letters = tag.chars().take_while(char::is_ascii_uppercase).count();
    let rest = &tag[letters..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    letters > 0 && digits > 0 && tail.len() <= 1 && tail.chars().all(|c| c.is_ascii_lowercase())
}

/// The tags a note cites: `[S2,S1]` and `[S62, S63]` give each.
pub fn cited(note: &str) -> Vec<String> {
    let mut tags = Vec::new();
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
        rest = &after[close..];
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(
            cited("dense [S2,S1]; see [S20b] and [M5, X] [not a tag]"),
            ["S2", "S1", "S20b", "M5"]
        );
        assert!(!is_tag("S") && !is_tag("2") && !is_tag("Sab") && is_tag("M15"));
    }
}
