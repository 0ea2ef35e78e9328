//! The pipeline's diagnostics as the protocol's: each with its `fleet::` code, its range in
//! UTF-16 columns, its labels as related information and its help line, grouped by the file
//! they point into (a broken import is reported in the import, a bad row in its CSV file).

use std::collections::BTreeMap;

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url,
};

use super::position::LineIndex;
use super::state::{uri_of, Analysis};
use crate::load::{max_file_bytes, FileKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Item, UseSource};

/// The name editors show as the diagnostics' source.
pub const SOURCE: &str = "fleetplan";

/// Every diagnostic of one analysis, by the URI of the file it points into. The document
/// itself is always present (with an empty list when it is clean), so that publishing the
/// result clears what was shown before.
pub fn by_file(analysis: &Analysis, root: &Url) -> BTreeMap<Url, Vec<Diagnostic>> {
    let mut out: BTreeMap<Url, Vec<Diagnostic>> = BTreeMap::new();
    out.insert(root.clone(), Vec::new());
    if let Some(refused) = &analysis.refused {
        out.insert(
            root.clone(),
            vec![Diagnostic {
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(refused.code().to_string())),
                source: Some(SOURCE.to_string()),
                message: format!(
                    "this file is not checked: {refused} ({} bytes at most)\n\nhelp: {}",
                    max_file_bytes(FileKind::Source),
                    refused.help()
                ),
                ..Diagnostic::default()
            }],
        );
        return out;
    }
    let program = &analysis.program;
    let mut indexes: BTreeMap<FileId, LineIndex<'_>> = BTreeMap::new();
    let mut range = |span: Span| {
        let index = indexes
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(program.sources.text(span.file)));
        index.range(span.start as usize, span.end as usize)
    };
    for d in analysis.diagnostics.sorted() {
        let primary = d.span();
        let Some(uri) = uri_of(program, primary.file, root) else { continue };
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels()
            .into_iter()
            .filter(|(_, text)| !text.is_empty())
            .map(|(span, text)| DiagnosticRelatedInformation {
                location: Location { uri: uri.clone(), range: range(span) },
                message: text,
            })
            .collect();
        let mut message = d.message();
        if let Some(help) = d.help() {
            message.push_str("\n\nhelp: ");
            message.push_str(&help);
        }
        let code = d.code();
        let diagnostic = Diagnostic {
            range: range(primary),
            severity: Some(DiagnosticSeverity::ERROR),
            code: (!code.is_empty()).then_some(NumberOrString::String(code)),
            source: Some(SOURCE.to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        };
        out.entry(uri).or_default().push(diagnostic);
    }
    for summary in in_imports(analysis, root, &mut range) {
        out.entry(root.clone()).or_default().push(summary);
    }
    out
}

/// Most places in an imported file listed under the `use` that brings its errors.
const LISTED: usize = 10;

/// For each `use` of the document that leads (perhaps through other files) to a file with
/// errors, one diagnostic on the `use`: the errors are published for that file too, but a
/// reader of this document would not see them there.
fn in_imports(
    analysis: &Analysis,
    root: &Url,
    range: &mut dyn FnMut(Span) -> lsp_types::Range,
) -> Vec<Diagnostic> {
    let program = &analysis.program;
    let mut by_use: BTreeMap<(u32, u32), (Span, Vec<&crate::diagnostic::Diagnostic>)> =
        BTreeMap::new();
    for d in analysis.diagnostics.sorted() {
        let file = d.span().file;
        if file == program.root {
            continue;
        }
        if let Some(span) = root_use(program, file) {
            by_use.entry((span.start, span.end)).or_insert((span, Vec::new())).1.push(d);
        }
    }
    by_use
        .into_values()
        .filter_map(|(span, errors)| {
            let first = errors.first()?;
            let file = first.span().file;
            let related: Vec<DiagnosticRelatedInformation> = errors
                .iter()
                .take(LISTED)
                .filter_map(|d| {
                    let uri = uri_of(program, d.span().file, root)?;
                    Some(DiagnosticRelatedInformation {
                        location: Location { uri, range: range(d.span()) },
                        message: format!("{}: {}", d.code(), d.message()),
                    })
                })
                .collect();
            let count = match errors.len() {
                1 => "an error".to_string(),
                n => format!("{n} errors"),
            };
            let code = first.code();
            Some(Diagnostic {
                range: range(span),
                severity: Some(DiagnosticSeverity::ERROR),
                code: (!code.is_empty()).then_some(NumberOrString::String(code)),
                source: Some(SOURCE.to_string()),
                message: format!(
                    "`{}`, imported here, has {count}; the first: {}",
                    program.sources.name(file),
                    first.message()
                ),
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            })
        })
        .collect()
}

/// The `use` (or the data file's name, `empirical("lengths.csv")`) of the root file through
/// which `file` was read.
fn root_use(program: &crate::load::Program, file: FileId) -> Option<Span> {
    let mut at = file;
    // Each step goes one import up; a chain is at most as long as the files.
    for _ in 0..program.sources.len() {
        let imported = program.imports.iter().find(|(_, target)| *target == at).map(|(s, _)| s);
        let named = || program.data.iter().find(|d| d.file == Some(at)).map(|d| &d.span);
        let span = imported.or_else(named)?;
        if span.file == program.root {
            return Some(use_path(program, *span));
        }
        at = span.file;
    }
    None
}

/// Within a `use` item, what it names: `"common.fleet"` or `std.hardware`; else the span as is.
fn use_path(program: &crate::load::Program, span: Span) -> Span {
    let items = program.files.get(&span.file).map_or(&[][..], |f| &f.items[..]);
    items
        .iter()
        .find_map(|item| match item {
            Item::Use(decl) if decl.span.same_place(span) => match &decl.source {
                UseSource::File { span, .. } => Some(*span),
                UseSource::Module(segments) => {
                    Some(segments.iter().fold(segments.first()?.span, |s, n| s.to(n.span)))
                }
            },
            _ => None,
        })
        .unwrap_or(span)
}
