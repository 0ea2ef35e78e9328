//! The document's outline (`textDocument/documentSymbol`): its definitions, `site` and
//! `objective`, each with its fields as children, for the editor's outline and breadcrumbs.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::position::LineIndex;
use crate::load::Program;
use crate::syntax::ast::{Block, DefKind, Entry, Item};

/// The outline of the program's root file (empty when it does not parse).
pub fn outline(program: &Program) -> Vec<DocumentSymbol> {
    let index = LineIndex::new(program.sources.text(program.root));
    let Some(file) = program.files.get(&program.root) else { return Vec::new() };
    file.items
        .iter()
        .filter_map(|item| {
            let (name, detail, kind, span, selection, body) = match item {
                Item::Definition(d) => (
                    d.name.text.clone(),
                    d.base.as_ref().map_or(d.kind.keyword().to_string(), |b| {
                        format!("{} from {}", d.kind.keyword(), b.text)
                    }),
                    match d.kind {
                        DefKind::Device => SymbolKind::CLASS,
                        DefKind::Model => SymbolKind::STRUCT,
                        DefKind::Pool => SymbolKind::OBJECT,
                        DefKind::Workload => SymbolKind::EVENT,
                    },
                    d.span,
                    d.name.span,
                    Some(&d.body),
                ),
                Item::Site(s) => (
                    "site".into(),
                    String::new(),
                    SymbolKind::NAMESPACE,
                    s.span,
                    s.span,
                    Some(&s.body),
                ),
                Item::Objective(o) => {
                    let text = format!("objective {} {}", o.direction.text, o.metric.text);
                    (text, String::new(), SymbolKind::KEY, o.span, o.span, None)
                }
                Item::Use(_) => return None,
            };
            Some(symbol(
                &index,
                name,
                detail,
                kind,
                (span.start, span.end),
                (selection.start, selection.end),
                body,
            ))
        })
        .collect()
}

#[allow(deprecated)] // `deprecated` is a field the type still requires
fn symbol(
    index: &LineIndex<'_>,
    name: String,
    detail: String,
    kind: SymbolKind,
    span: (u32, u32),
    selection: (u32, u32),
    body: Option<&Block>,
) -> DocumentSymbol {
    let children = body.map(|b| {
        b.entries
            .iter()
            .map(|e| {
                let name_span = e.name().span;
                let nested = match e {
                    Entry::Block(sub) => Some(&sub.body),
                    _ => None,
                };
                let span = e.span();
                symbol(
                    index,
                    e.name().text.clone(),
                    String::new(),
                    SymbolKind::FIELD,
                    (span.start, span.end),
                    (name_span.start, name_span.end),
                    nested,
                )
            })
            .collect()
    });
    DocumentSymbol {
        name,
        detail: (!detail.is_empty()).then_some(detail),
        kind,
        tags: None,
        deprecated: None,
        range: index.range(span.0 as usize, span.1 as usize),
        selection_range: index.range(selection.0 as usize, selection.1 as usize),
        children,
    }
}
