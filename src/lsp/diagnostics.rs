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
    out
}
