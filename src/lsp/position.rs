//! Byte offsets ↔ LSP positions. The protocol counts columns in UTF-16 code units (its
//! default encoding, the only one every client speaks); spans count bytes.

use lsp_types::{Position, Range};

/// Where each line of one text starts, for converting in both directions.
pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of the start of every line, ascending; the first is 0.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text, moved back to a char boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize =
            self.text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position { line: to_u32(line), character: to_u32(column) }
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range { start: self.position(start), end: self.position(end.max(start)) }
    }

    /// The byte offset of a position. A line past the end is the end of the text; a column
    /// past the end of its line (or inside a surrogate pair) is the end of the line or the
    /// character it falls in: clients send such positions, and they must not fail.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line_end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next.saturating_sub(1));
        let line = self.text.get(start..line_end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        // A `\r` before the `\n` belongs to the line break, not to the line.
        start + line.strip_suffix('\r').map_or(line.len(), str::len)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against counting by hand: `é` is one UTF-16 unit in two bytes, `𝄞` two units in four.
    #[test]
    fn utf16_columns() {
        let text = "aé𝄞b\nxy\r\nz";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap_or(0);
        assert_eq!(index.position(b), Position { line: 0, character: 4 });
        assert_eq!(index.offset(Position { line: 0, character: 4 }), b);
        let z = text.find('z').unwrap_or(0);
        assert_eq!(index.position(z), Position { line: 2, character: 0 });
        assert_eq!(index.offset(Position { line: 2, character: 0 }), z);
        // Past the end of a line: its end, before the `\r\n`.
        assert_eq!(index.offset(Position { line: 1, character: 99 }), text.find('\r').unwrap_or(0));
        // Past the last line: the end of the text.
        assert_eq!(index.offset(Position { line: 9, character: 0 }), text.len());
        // Inside a multi-byte character: back to its start.
        assert_eq!(index.position(2), Position { line: 0, character: 1 });
    }

    /// Every char boundary goes there and back unchanged.
    #[test]
    fn round_trip() {
        let text = "use std.{é}\n\n  x = 𝄞 1 ms\r\nend";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            if text[..offset].ends_with('\r') {
                continue;
            }
            assert_eq!(index.offset(index.position(offset)), offset, "offset {offset}");
        }
    }
}
