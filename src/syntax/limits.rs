//! Limits checked before the grammar runs, in one linear pass over the text.
//!
//! pest descends one Rust stack frame chain per nested block, parenthesis or block comment, so
//! a small file of deep nesting (5,200 `{` in 26 KB) overflows the stack and aborts the process:
//! no `catch_unwind` can turn that into a diagnostic. The text is therefore scanned first, and
//! a file nested deeper than [`MAX_NESTING`] is refused before pest sees it. The same pass
//! refuses lines longer than [`MAX_LINE_BYTES`] and carriage returns that end a line on their
//! own (old Mac line ends), which the grammar would read as one long line: a `//` comment would
//! then swallow the rest of the file and its items would silently vanish.

use super::error::SyntaxError;
use crate::diagnostic::Diagnostics;
use crate::source::{FileId, Span};

/// Deepest nesting of blocks and parentheses together, and separately of block comments. Real
/// files nest three deep (`workload { memory { … } }`); the limit leaves room for any layout
/// and keeps every recursive stage (parser, converter, formatter, checker) far from the stack's
/// end.
pub const MAX_NESTING: usize = 64;

/// Longest line, in bytes. Longer lines are generated or corrupt, and no diagnostic could show
/// them.
pub const MAX_LINE_BYTES: usize = 10_000;

/// Every limit the text breaks (at most one of each kind: the first place).
pub(crate) fn check(file: FileId, text: &str) -> Diagnostics {
    let mut errors = Diagnostics::new();
    let bytes = text.as_bytes();
    let mut brackets: Vec<usize> = Vec::new();
    let mut too_deep = false;
    let mut comment_too_deep = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match (byte, bytes.get(i + 1)) {
            (b'/', Some(b'/')) => {
                // A line comment runs to the end of the line; its line ends are checked below.
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                let (end, deepest) = block_comment(bytes, i);
                if deepest > MAX_NESTING && !comment_too_deep {
                    comment_too_deep = true;
                    errors.push(SyntaxError::TooDeep {
                        what: "block comments".to_string(),
                        limit: MAX_NESTING,
                        span: Span::new(file, deepest_open(bytes, i), deepest_open(bytes, i) + 2),
                    });
                }
                i = end;
                continue;
            }
            (b'"', _) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' && bytes[i] != b'\r'
                {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                }
                continue;
            }
            (b'{' | b'(', _) => {
                brackets.push(i);
                if brackets.len() > MAX_NESTING && !too_deep {
                    too_deep = true;
                    errors.push(SyntaxError::TooDeep {
                        what: "blocks and parentheses".to_string(),
                        limit: MAX_NESTING,
                        span: Span::new(file, i, i + 1),
                    });
                }
            }
            (b'}' | b')', _) => {
                brackets.pop();
            }
            _ => {}
        }
        i += 1;
    }
    check_lines(file, text, &mut errors);
    errors
}

/// Line lengths and line ends, in a pass of their own: they do not depend on tokens.
fn check_lines(file: FileId, text: &str, errors: &mut Diagnostics) {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut long_line = false;
    let mut lone_cr = false;
    for at in 0..=bytes.len() {
        let ends_line = match bytes.get(at) {
            None | Some(b'\n') => true,
            Some(b'\r') if bytes.get(at + 1) != Some(&b'\n') => {
                if !lone_cr {
                    lone_cr = true;
                    errors.push(SyntaxError::CarriageReturn { span: Span::new(file, at, at + 1) });
                }
                true
            }
            _ => false,
        };
        if !ends_line {
            continue;
        }
        if !long_line && at - line_start > MAX_LINE_BYTES {
            long_line = true;
            let mut cut = line_start + MAX_LINE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let next = text.get(cut..).and_then(|r| r.chars().next()).map_or(0, char::len_utf8);
            errors.push(SyntaxError::LineTooLong {
                limit: MAX_LINE_BYTES,
                span: Span::new(file, cut, cut + next),
            });
        }
        line_start = at + 1;
    }
}

/// The end of the block comment opening at `start` (or of the text), and its deepest nesting.
fn block_comment(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            deepest = deepest.max(depth);
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return (i, deepest);
            }
        } else {
            i += 1;
        }
    }
    (i, deepest)
}

/// Where the comment opening at `start` first nests one deeper than the limit.
fn deepest_open(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            if depth > MAX_NESTING {
                return i;
            }
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth = depth.saturating_sub(1);
            i += 2;
        } else {
            i += 1;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        check(FileId(0), text).iter().map(|d| d.code()).collect()
    }

    #[test]
    fn nesting_at_the_limit_passes_and_one_deeper_fails() {
        let ok = format!("pool a {}{}", "{ b ".repeat(MAX_NESTING), "}".repeat(MAX_NESTING));
        assert!(codes(&ok).is_empty());
        let deep = format!("x{}", "(".repeat(MAX_NESTING + 1));
        assert_eq!(codes(&deep), ["fleet::too_deep"]);
        let comments = format!("{}{}", "/*".repeat(MAX_NESTING + 1), "*/".repeat(MAX_NESTING + 1));
        assert_eq!(codes(&comments), ["fleet::too_deep"]);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text =
            format!("// {}\n\"{}\"\n/* {} */", "{".repeat(100), "(".repeat(100), "{".repeat(100));
        assert!(codes(&text).is_empty());
    }

    #[test]
    fn line_ends() {
        assert!(codes("a\r\nb\n").is_empty());
        assert_eq!(codes("a\rb\n"), ["fleet::carriage_return"]);
        assert_eq!(codes("// c\rpool"), ["fleet::carriage_return"]);
        assert_eq!(codes(&"x".repeat(MAX_LINE_BYTES + 1)), ["fleet::line_too_long"]);
        assert!(codes(&format!("{}\n", "x".repeat(MAX_LINE_BYTES))).is_empty());
        assert_eq!(
            codes(&format!("/* {} */", "é".repeat(MAX_LINE_BYTES))),
            ["fleet::line_too_long"]
        );
    }
}
