//! Where the cursor is, for completion: the blocks it is inside and what precedes it on its
//! line. Completion runs while the file is half typed (`device = ` does not parse), so this
//! reads the text itself: braces, strings and comments, never the grammar's rules.

/// What the text before the cursor says.
#[derive(Debug, PartialEq)]
pub struct Context<'t> {
    /// The header of every open block, outermost first: `pool gpu`, `compute`,
    /// `use std.hardware.`.
    pub blocks: Vec<&'t str>,
    /// The word being typed (perhaps empty) and where it starts.
    pub partial: &'t str,
    pub partial_start: usize,
    /// What the entry holds before that word: `device =`, `memory = 80`, `ttft p90 <= 1`.
    pub before: &'t str,
    /// The text of the innermost block before the cursor, after its `{`.
    pub block_text: &'t str,
}

/// `None` inside a comment or a string.
pub fn at(text: &str, offset: usize) -> Option<Context<'_>> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before_cursor = &text[..offset];
    let bytes = before_cursor.as_bytes();
    // (header start, brace) of each open block; a header starts after the last brace, line
    // break or `(` before it.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut statement_start = 0;
    let mut comment_depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if comment_depth > 0 {
            match (b, next) {
                (b'*', Some(b'/')) => {
                    comment_depth -= 1;
                    i += 2;
                }
                (b'/', Some(b'*')) => {
                    comment_depth += 1;
                    i += 2;
                }
                _ => i += 1,
            }
            continue;
        }
        match (b, next) {
            (b'/', Some(b'/')) => match before_cursor[i..].find('\n') {
                Some(end) => i += end,
                None => return None,
            },
            (b'/', Some(b'*')) => {
                comment_depth = 1;
                i += 2;
            }
            (b'"', _) => match before_cursor[i + 1..].find(['"', '\n']) {
                Some(end) if bytes[i + 1 + end] == b'"' => i += end + 2,
                Some(end) => i += end + 1,
                None => return None,
            },
            (b'{', _) => {
                open.push((statement_start, i));
                statement_start = i + 1;
                i += 1;
            }
            (b'}', _) => {
                open.pop();
                statement_start = i + 1;
                i += 1;
            }
            (b'\n', _) => {
                statement_start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    if comment_depth > 0 {
        return None;
    }
    let blocks = open.iter().map(|&(start, brace)| before_cursor[start..brace].trim()).collect();
    let block_text = open.last().map_or(before_cursor, |&(_, brace)| &before_cursor[brace + 1..]);
    let entry = &before_cursor[statement_start..];
    let partial_len = entry
        .chars()
        .rev()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '{' | '}' | '=' | ',' | '(' | ')'))
        .map(char::len_utf8)
        .sum::<usize>();
    let partial_start = offset - partial_len;
    let before = entry[..entry.len() - partial_len].trim();
    Some(Context {
        blocks,
        partial: &before_cursor[partial_start..],
        partial_start,
        before,
        block_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_words() {
        let text = "use std.hardware.{h200, b2}\npool gpu {\n  device = h2";
        let c = at(text, text.len()).unwrap();
        assert_eq!(c.blocks, ["pool gpu"]);
        assert_eq!((c.before, c.partial), ("device =", "h2"));
        let cut = text.find("b2").unwrap() + 2;
        let c = at(text, cut).unwrap();
        assert_eq!(c.blocks, ["use std.hardware."]);
        assert_eq!((c.before, c.partial), ("h200,", "b2"));
    }

    #[test]
    fn nested_blocks_closed_blocks_and_comments() {
        let text = "device d { // {\n  compute { bf16 = 1 TFLOPS }\n  efficiency { compute = 4";
        let c = at(text, text.len()).unwrap();
        assert_eq!(c.blocks, ["device d", "efficiency"]);
        assert_eq!((c.before, c.partial), ("compute =", "4"));
        assert!(at("pool p { /* x", 13).is_none());
        assert!(at("pool p { // x", 13).is_none());
        assert!(at("use \"comm", 9).is_none());
    }
}
