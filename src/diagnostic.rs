//! Diagnostics from every stage, collected and rendered the same way.
//!
//! Each stage has its own error enum (a `miette::Diagnostic` with a code, labels and a help
//! line) that implements [`StageError`]. Stages push their errors into [`Diagnostics`] and
//! keep going; the pipeline stops only between stages. Rendering attaches the source text here,
//! so stage errors hold only small [`Span`]s.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, NarratableReportHandler};
use serde::Serialize;

use crate::source::{FileId, SourceMap, Span};

/// An error of one stage: a miette diagnostic whose primary span says which file it is in.
pub trait StageError: miette::Diagnostic + Send + Sync + 'static {
    /// The span the first label points at; it selects the source file to render.
    fn span(&self) -> Span;
}

/// One diagnostic, kept with the file its labels point into.
pub struct Diagnostic {
    file: FileId,
    primary: Span,
    error: Box<dyn miette::Diagnostic + Send + Sync>,
}

impl Diagnostic {
    pub fn new(error: impl StageError) -> Self {
        let primary = error.span();
        Diagnostic { file: primary.file, primary, error: Box::new(error) }
    }

    /// The stable code, such as `fleet::unknown_name`.
    pub fn code(&self) -> String {
        self.error.code().map(|c| c.to_string()).unwrap_or_default()
    }

    pub fn message(&self) -> String {
        self.error.to_string()
    }

    pub fn help(&self) -> Option<String> {
        self.error.help().map(|h| h.to_string())
    }

    pub fn span(&self) -> Span {
        self.primary
    }

    /// The labels as (span, text), in the file of the primary span.
    pub fn labels(&self) -> Vec<(Span, String)> {
        self.error
            .labels()
            .into_iter()
            .flatten()
            .map(|l| {
                let span = Span::new(self.file, l.offset(), l.offset() + l.len());
                (span, l.label().unwrap_or_default().to_string())
            })
            .collect()
    }
}

impl fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} at {:?}", self.code(), self.message(), self.primary)
    }
}

/// Every diagnostic of a run, in the order they are shown: by file, then position.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

/// How diagnostics are printed (`--error-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    /// Source snippets with underlined labels.
    Human,
    /// One line per label, no drawing characters (for screen readers and logs).
    Plain,
    /// A JSON array, one object per diagnostic.
    Json,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: impl StageError) {
        self.items.push(Diagnostic::new(error));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether suggestions that search the program's own names are still worth their cost
    /// (see [`SUGGEST_WHILE_FEWER_THAN`]).
    pub fn suggesting(&self) -> bool {
        self.items.len() < SUGGEST_WHILE_FEWER_THAN
    }

    /// The diagnostics sorted by file and position (stable for equal positions).
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|d| d.primary.key());
        items
    }

    /// `Ok(value)` when nothing was reported, else the diagnostics.
    pub fn finish<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.items.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn render(&self, sources: &SourceMap, format: ErrorFormat, style: RenderStyle) -> String {
        match format {
            ErrorFormat::Human => self.render_human(sources, style),
            ErrorFormat::Plain => self.render_plain(sources),
            ErrorFormat::Json => self.render_json(sources),
        }
    }

    /// Graphical rendering: unicode, fixed width; colour only when asked.
    pub fn render_human(&self, sources: &SourceMap, style: RenderStyle) -> String {
        let theme =
            if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(style.width)
            .with_links(false)
            .with_context_lines(1);
        let mut out = String::new();
        let sorted = self.sorted();
        for diagnostic in sorted.iter().take(MAX_SHOWN) {
            let located = Located::new(diagnostic, sources);
            if handler.render_report(&mut out, &located).is_err() {
                out.push_str(&diagnostic.message());
            }
        }
        out.push_str(&more_note(sorted.len()));
        out
    }

    pub fn render_plain(&self, sources: &SourceMap) -> String {
        let handler = NarratableReportHandler::new().with_context_lines(0);
        let mut out = String::new();
        let sorted = self.sorted();
        for diagnostic in sorted.iter().take(MAX_SHOWN) {
            let located = Located::new(diagnostic, sources);
            if handler.render_report(&mut out, &located).is_err() {
                out.push_str(&diagnostic.message());
            }
        }
        out.push_str(&more_note(sorted.len()));
        out
    }

    pub fn to_json(&self, sources: &SourceMap) -> Vec<JsonDiagnostic> {
        self.sorted()
            .into_iter()
            .map(|d| {
                let (line, column) = sources.line_col(d.file, d.primary.start);
                JsonDiagnostic {
                    code: d.code(),
                    severity: "error",
                    message: d.message(),
                    file: Some(sources.name(d.file).to_string()),
                    line: Some(line),
                    column: Some(column),
                    span: Some(JsonSpan { start: d.primary.start, end: d.primary.end }),
                    labels: d
                        .labels()
                        .into_iter()
                        .map(|(span, text)| {
                            let (line, column) = sources.line_col(span.file, span.start);
                            JsonLabel {
                                text,
                                line,
                                column,
                                span: JsonSpan { start: span.start, end: span.end },
                            }
                        })
                        .collect(),
                    help: d.help(),
                }
            })
            .collect()
    }

    pub fn render_json(&self, sources: &SourceMap) -> String {
        let mut out = serde_json::to_string_pretty(&self.to_json(sources))
            .unwrap_or_else(|e| format!("[{{\"message\": \"{e}\"}}]"));
        out.push('\n');
        out
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

/// Most diagnostics drawn by the human and plain formats. Past a screenful they stop helping
/// (the first usually explains the rest), and each drawing scans its file: 20,000 of them took
/// minutes. The JSON format lists every one.
pub const MAX_SHOWN: usize = 50;

/// The closing note when diagnostics were left out, or nothing.
fn more_note(total: usize) -> String {
    match total.saturating_sub(MAX_SHOWN) {
        0 => String::new(),
        1 => "note: 1 more error not shown (`--error-format json` lists every one)\n".to_string(),
        n => format!("note: {n} more errors not shown (`--error-format json` lists every one)\n"),
    }
}

/// How `render_human` draws.
#[derive(Clone, Copy, Debug)]
pub struct RenderStyle {
    pub color: bool,
    pub width: usize,
}

impl RenderStyle {
    /// What the tests pin: no colour, 100 columns.
    pub const SNAPSHOT: RenderStyle = RenderStyle { color: false, width: 100 };
}

/// The JSON form of one diagnostic (`--error-format json`). An error that points at no text
/// (an unreadable root file, an unknown `--workload`) has `null` file, line, column and span.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonDiagnostic {
    /// `fleet::…`, stable: scripts may branch on it.
    pub code: String,
    pub severity: &'static str,
    pub message: String,
    pub file: Option<String>,
    /// 1-based line of the primary span.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the primary span.
    pub column: Option<usize>,
    /// Byte offsets of the primary span.
    pub span: Option<JsonSpan>,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonSpan {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonLabel {
    pub text: String,
    pub line: usize,
    pub column: usize,
    pub span: JsonSpan,
}

/// A diagnostic with its source file attached, for miette's handlers.
struct Located<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
    /// The labels, moved when long lines of the source were clipped.
    labels: Vec<miette::LabeledSpan>,
}

impl<'a> Located<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &SourceMap) -> Self {
        let file = sources.file(diagnostic.file);
        let labels: Vec<miette::LabeledSpan> =
            diagnostic.error.labels().into_iter().flatten().collect();
        let spans: Vec<(usize, usize)> =
            labels.iter().map(|l| (l.offset(), l.offset() + l.len())).collect();
        match crate::source::clip_long_lines(&file.text, &spans) {
            None => {
                let source = NamedSource::new(file.name.clone(), file.text.clone());
                Located { diagnostic, source, labels }
            }
            Some(clipped) => {
                let labels = labels
                    .iter()
                    .zip(&clipped.spans)
                    .map(|(l, (start, end))| {
                        miette::LabeledSpan::new(l.label().map(str::to_string), *start, end - start)
                    })
                    .collect();
                let source = NamedSource::new(file.name.clone(), clipped.text);
                Located { diagnostic, source, labels }
            }
        }
    }
}

impl fmt::Debug for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.diagnostic.error, f)
    }
}

impl std::error::Error for Located<'_> {}

impl miette::Diagnostic for Located<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.error.code()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.error.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

/// Diagnostics after which "did you mean" stops searching a program's own names. Each search
/// compares against every visible name, so 20,000 unknown names among 20,000 definitions took
/// minutes; the first diagnostics, the ones read, keep their suggestions.
pub const SUGGEST_WHILE_FEWER_THAN: usize = 200;

/// Edit distance under which a name is offered as "did you mean".
pub const DID_YOU_MEAN_DISTANCE: usize = 2;

/// The closest candidate to `name`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let numbers = numbers_in(&lower);
    candidates
        .into_iter()
        .filter_map(|c| {
            let other = c.to_ascii_lowercase();
            let edits = levenshtein(&lower, &other);
            let similarity = strsim::jaro_winkler(&lower, &other);
            let close = edits <= DID_YOU_MEAN_DISTANCE.min(c.len().saturating_sub(1)).max(1)
                || similarity >= SIMILAR;
            // Names differ most in their numbers (`llama3_70b` is a Llama 3 model, not
            // `llama2_70b`; `H100` is `h100_sxm`, not `h200`): rank by the numbers they share,
            // then by Jaro–Winkler similarity, which favours a shared prefix.
            let shared = numbers_in(&other).iter().filter(|n| numbers.contains(n)).count();
            close.then_some((shared, similarity, c))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(b.2.cmp(a.2)))
        .map(|(_, _, c)| c)
}

/// Jaro–Winkler similarity at which a name counts as close whatever its edit distance (a
/// shared prefix with a suffix added: `h100` and `h100_sxm`).
const SIMILAR: f64 = 0.88;

/// The runs of digits in a name.
fn numbers_in(name: &str) -> Vec<&str> {
    name.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect()
}

/// A `help` sentence: "did you mean `x`?" or the fallback.
pub fn suggest(name: &str, candidates: &[&str], fallback: impl FnOnce() -> String) -> String {
    match did_you_mean(name, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => fallback(),
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("h200", "h200"), 0);
    }

    #[test]
    fn suggestions_only_for_close_names() {
        assert_eq!(did_you_mean("h20", ["h200", "b200", "a100"]), Some("h200"));
        assert_eq!(did_you_mean("bandwith", ["bandwidth", "memory"]), Some("bandwidth"));
        assert_eq!(did_you_mean("zzz", ["h200", "b200"]), None);
        // One-letter names never attract distant guesses.
        assert_eq!(did_you_mean("x", ["ab"]), None);
    }

    #[test]
    fn suggestions_favour_shared_numbers_and_prefixes() {
        let models = ["llama2_7b", "llama2_70b", "llama3_1_8b", "llama3_1_70b", "llama3_3_70b"];
        // A Llama 3 name is a Llama 3 model, not the Llama 2 one an edit away.
        assert!(did_you_mean("llama3_70b", models).is_some_and(|m| m.starts_with("llama3_")));
        assert_eq!(did_you_mean("llama3_8b", models), Some("llama3_1_8b"));
        // The catalog's `h100_sxm`, not `h200`, one edit from `h100`.
        assert_eq!(did_you_mean("H100", ["h200", "h100_sxm", "b200"]), Some("h100_sxm"));
        assert_eq!(did_you_mean("batchsize", ["batch", "devices", "replicas"]), Some("batch"));
    }
}
