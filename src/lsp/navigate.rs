//! Go to definition and find references, across the document, its imports and the catalog.

use std::collections::BTreeSet;

use lsp_types::{Location, Url};

use super::position::LineIndex;
use super::state::uri_of;
use super::symbols::{self, What};
use crate::check::scope::Scopes;
use crate::load::Program;
use crate::source::Span;

/// Where the name at `offset` of the root file is defined (for a `use`, the file it names).
pub fn definition(program: &Program, root: &Url, offset: usize) -> Option<Location> {
    let scopes = Scopes::build(program, &mut Default::default());
    let found = symbols::at(program, &scopes, program.root, offset)?;
    let span = match found.what {
        What::Def(id) => scopes.defs[id].ast.name.span,
        What::Import(file) => Span::new(file, 0, 0),
        What::Field(_) | What::Quantity(_) => return None,
    };
    location(program, root, span)
}

/// A definition as the same thing in every analysis: the file it is in and where its name
/// starts. Two documents that import one catalog device refer to it by the same key.
pub type DefKey = (String, u32);

/// The definition that the name at `offset` stands for.
pub fn key_at(program: &Program, offset: usize) -> Option<DefKey> {
    let scopes = Scopes::build(program, &mut Default::default());
    match symbols::at(program, &scopes, program.root, offset)?.what {
        What::Def(id) => {
            let def = &scopes.defs[id];
            Some((program.sources.name(def.file).to_string(), def.ast.name.span.start))
        }
        _ => None,
    }
}

/// A place as the references answer holds it, ordered: URI, start and end (line, column).
pub type Place = (Url, (u32, u32), (u32, u32));

/// Every place of one analysis that names the definition `key` (its own name included when
/// `declaration`), in every file of the program.
pub fn references(
    program: &Program,
    root: &Url,
    key: &DefKey,
    declaration: bool,
    into: &mut BTreeSet<Place>,
) {
    let scopes = Scopes::build(program, &mut Default::default());
    for &file in program.files.keys() {
        for found in symbols::occurrences(program, &scopes, file) {
            let What::Def(id) = found.what else { continue };
            let def = &scopes.defs[id];
            if (program.sources.name(def.file), def.ast.name.span.start) != (key.0.as_str(), key.1)
            {
                continue;
            }
            if !declaration && def.ast.name.span.same_place(found.span) {
                continue;
            }
            if let Some(l) = location(program, root, found.span) {
                let r = l.range;
                into.insert((
                    l.uri,
                    (r.start.line, r.start.character),
                    (r.end.line, r.end.character),
                ));
            }
        }
    }
}

fn location(program: &Program, root: &Url, span: Span) -> Option<Location> {
    let uri = uri_of(program, span.file, root)?;
    let index = LineIndex::new(program.sources.text(span.file));
    Some(Location { uri, range: index.range(span.start as usize, span.end as usize) })
}
