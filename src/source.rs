//! Source texts and the small `Copy` span that points into them.
//!
//! Every stage that reports an error carries [`Span`]s; conversion to miette's `SourceSpan` and
//! `NamedSource` happens only when a diagnostic is rendered (see `crate::diagnostic`).

use std::fmt;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FileId(pub u32);

/// A byte range in one source file.
///
/// Spans compare equal to each other whatever they cover, so that two ASTs parsed from
/// differently laid-out texts compare by meaning. Use [`Span::same_place`] to compare places.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}
impl Eq for Span {}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: clamp_u32(start), end: clamp_u32(end.max(start)) }
    }

    /// The smallest span that covers both (both must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// True when both spans cover the same bytes of the same file.
    pub fn same_place(self, other: Span) -> bool {
        self.file == other.file && self.start == other.start && self.end == other.end
    }

    /// Sort key: file, then position.
    pub fn key(self) -> (FileId, u32, u32) {
        (self.file, self.start, self.end)
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start as usize, span.len()).into()
    }
}

/// A value together with the span it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// One text of a compilation: the path shown to users and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offset of the start of every line, ascending (the first is 0), so that a line and
    /// column are found by binary search: a file with thousands of diagnostics stays linear.
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name, text, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        // The number of line starts at or before `offset` is the 1-based line.
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// Owns every text of one compilation; spans index into it.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        // INVARIANT: FileIds are only made by `add` on this map.
        &self.files[id.0 as usize]
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.file(id).name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.file(id).text
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.file).get(span.start as usize..span.end as usize).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        self.file(file).line_col(offset)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Lines longer than this many bytes are clipped when a diagnostic shows them.
pub const CLIP_LINE_BYTES: usize = 240;
/// Bytes kept before the first label on a clipped line.
const CLIP_BEFORE: usize = 60;

/// A text whose long lines were cut to a window, and the spans moved to match.
pub struct Clipped {
    pub text: String,
    pub spans: Vec<(usize, usize)>,
}

/// For drawing a diagnostic: the text with every line longer than [`CLIP_LINE_BYTES`] cut to a
/// window around the first span that starts on it (or its start), marked with `…`; `None` when
/// no line is that long. The renderer pads to a label's column with a formatting width, which
/// panics past 65,535, and a 70,000-column line helps nobody.
pub fn clip_long_lines(text: &str, spans: &[(usize, usize)]) -> Option<Clipped> {
    if !text.split('\n').any(|line| line.len() > CLIP_LINE_BYTES) {
        return None;
    }
    // (original start, original end, start in the new text) of every kept piece, in order.
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    let mut out = String::with_capacity(text.len().min(1 << 20));
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        if line.len() <= CLIP_LINE_BYTES {
            kept.push((line_start, line_end, out.len()));
            out.push_str(line);
        } else {
            let anchor = spans
                .iter()
                .map(|s| s.0)
                .filter(|&s| s >= line_start && s < line_end)
                .min()
                .unwrap_or(line_start);
            let from = floor_boundary(text, anchor.saturating_sub(CLIP_BEFORE).max(line_start));
            let to = floor_boundary(text, (from + CLIP_LINE_BYTES).min(line_end));
            if from > line_start {
                out.push('…');
            }
            kept.push((from, to, out.len()));
            out.push_str(text.get(from..to).unwrap_or(""));
            if to < line_end {
                out.push('…');
            }
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
        line_start = line_end;
    }
    let map = |offset: usize| -> usize {
        // The piece holding the offset, or the next one (an offset cut away moves to the
        // nearest kept text after it, or to the end of the piece before).
        let i = kept.partition_point(|&(_, end, _)| end < offset);
        match kept.get(i) {
            Some(&(start, end, at)) => at + offset.clamp(start, end) - start,
            None => out.len(),
        }
    };
    let spans = spans
        .iter()
        .map(|&(start, end)| {
            let s = map(start);
            (s, map(end).max(s))
        })
        .collect();
    Some(Clipped { text: out, spans })
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary search against counting the newlines before the offset.
    #[test]
    fn line_col_agrees_with_counting() {
        let text = "ab\n\nçd\ne\n";
        let mut map = SourceMap::new();
        let id = map.add("t", text);
        for offset in 0..=text.len() + 2 {
            let clamped = offset.min(text.len());
            let Some(before) = text.get(..clamped) else { continue };
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() + 1;
            assert_eq!(map.line_col(id, offset as u32), (line, column), "offset {offset}");
        }
    }

    #[test]
    fn long_lines_are_clipped_around_the_label() {
        assert!(clip_long_lines("short\nlines\n", &[(0, 5)]).is_none());
        let long = format!("a = 1\nb = {}X{}\nc", "é".repeat(40_000), "y".repeat(40_000));
        let x = long.find('X').unwrap_or(0);
        let clipped = clip_long_lines(&long, &[(x, x + 1), (0, 1)]);
        let Some(clipped) = clipped else { panic!("not clipped") };
        let (s, e) = clipped.spans[0];
        assert_eq!(&clipped.text[s..e], "X");
        assert_eq!(&clipped.text[clipped.spans[1].0..clipped.spans[1].1], "a");
        assert!(clipped.text.lines().all(|l| l.len() <= CLIP_LINE_BYTES + 8));
        assert!(clipped.text.ends_with("\nc"));
    }
}
