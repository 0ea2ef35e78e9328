//! What each name and number of a file stands for: the one walk over a file's syntax tree
//! that hover, go to definition and find references share. Names resolve through the
//! checker's own scopes (`check::scope`), so the editor and the compiler agree on what a
//! name means, and a file with errors elsewhere still resolves what it can.

use crate::check::schema::{self, Expect, FieldSpec};
use crate::check::scope::{DefId, Scopes};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, DefKind, Entry, Item, Quantity, UseSelect, UseSource, Value};

/// What a piece of text stands for.
#[derive(Clone, Copy)]
pub enum What<'p> {
    /// A definition: its own name, a `from` base, a reference such as `device = h200`, or a
    /// name in a `use` list.
    Def(DefId),
    /// A field's name, with what the schema says of it.
    Field(&'static FieldSpec),
    /// A number with its unit, in the field it sets (when the schema knows the field).
    Quantity(&'p Quantity),
    /// The file or module a `use` names.
    Import(FileId),
}

/// One occurrence: the text it covers and what it stands for.
#[derive(Clone, Copy)]
pub struct Occurrence<'p> {
    pub span: Span,
    pub what: What<'p>,
}

/// Every name and number of `file` that stands for something, in source order.
pub fn occurrences<'p>(
    program: &'p Program,
    scopes: &Scopes<'p>,
    file: FileId,
) -> Vec<Occurrence<'p>> {
    let mut walk = Walk { program, scopes, file, found: Vec::new() };
    if let Some(ast) = program.files.get(&file) {
        for item in &ast.items {
            walk.item(item);
        }
    }
    walk.found
}

/// The innermost occurrence that covers `offset` (a cursor just past a name still hovers it).
pub fn at<'p>(
    program: &'p Program,
    scopes: &Scopes<'p>,
    file: FileId,
    offset: usize,
) -> Option<Occurrence<'p>> {
    occurrences(program, scopes, file)
        .into_iter()
        .filter(|o| o.span.start as usize <= offset && offset <= o.span.end as usize)
        .min_by_key(|o| o.span.len())
}

/// The definition a name in `file` refers to.
pub fn lookup(scopes: &Scopes<'_>, file: FileId, name: &str) -> Option<DefId> {
    scopes.visible(file).find(|(n, _)| *n == name).map(|(_, id)| id)
}

/// The definition whose own name is at `span`.
pub fn def_at(scopes: &Scopes<'_>, span: Span) -> Option<DefId> {
    scopes.defs.iter().position(|d| d.ast.name.span.same_place(span))
}

struct Walk<'p, 's> {
    program: &'p Program,
    scopes: &'s Scopes<'p>,
    file: FileId,
    found: Vec<Occurrence<'p>>,
}

impl<'p> Walk<'p, '_> {
    fn push(&mut self, span: Span, what: What<'p>) {
        self.found.push(Occurrence { span, what });
    }

    fn reference(&mut self, name: &str, span: Span) {
        if let Some(id) = lookup(self.scopes, self.file, name) {
            self.push(span, What::Def(id));
        }
    }

    fn item(&mut self, item: &'p Item) {
        match item {
            Item::Use(decl) => {
                if let Some(target) = self.program.import_target(decl.span) {
                    let span = match &decl.source {
                        UseSource::File { span, .. } => *span,
                        UseSource::Module(segments) => match (segments.first(), segments.last()) {
                            (Some(first), Some(last)) => first.span.to(last.span),
                            _ => decl.span,
                        },
                    };
                    self.push(span, What::Import(target));
                }
                if let Some(UseSelect::Names(names)) = &decl.select {
                    for name in names {
                        self.reference(&name.text, name.span);
                    }
                }
            }
            Item::Definition(def) => {
                if let Some(id) = def_at(self.scopes, def.name.span) {
                    self.push(def.name.span, What::Def(id));
                }
                if let Some(base) = &def.base {
                    self.reference(&base.text, base.span);
                }
                self.block(&def.body, schema::fields_of(def.kind));
            }
            Item::Site(site) => self.block(&site.body, schema::SITE),
            Item::Objective(_) => {}
        }
    }

    fn block(&mut self, block: &'p Block, fields: &'static [FieldSpec]) {
        for entry in &block.entries {
            let spec = schema::find(fields, &entry.name().text);
            match entry {
                Entry::Field(field) => {
                    if let Some(spec) = spec {
                        self.push(field.name.span, What::Field(spec));
                    }
                    self.value(&field.value, spec);
                }
                Entry::Block(sub) => {
                    if let Some(spec) = spec {
                        self.push(sub.name.span, What::Field(spec));
                    }
                    let nested = match spec.map(|s| s.expect) {
                        Some(Expect::Block(nested)) => nested,
                        _ => &[],
                    };
                    self.block(&sub.body, nested);
                }
                Entry::Bound(bound) => self.value(&bound.value, None),
            }
        }
    }

    fn value(&mut self, value: &'p Value, spec: Option<&'static FieldSpec>) {
        match value {
            Value::Quantity(q) => self.push(q.span, What::Quantity(q)),
            Value::Symbol(name) => {
                if let Some(Expect::Reference(kind)) = spec.map(|s| s.expect) {
                    self.typed_reference(&name.text, name.span, kind);
                }
            }
            Value::Call(call) => {
                for arg in &call.args {
                    if let Value::Quantity(q) = &arg.value {
                        self.push(q.span, What::Quantity(q));
                    }
                }
            }
            Value::String { .. } => {}
        }
    }

    /// A reference that must name a definition of `kind` (`kind = gpu` is no pool `gpu`).
    fn typed_reference(&mut self, name: &str, span: Span, kind: DefKind) {
        if let Some(id) = lookup(self.scopes, self.file, name) {
            if self.scopes.defs[id].ast.kind == kind {
                self.push(span, What::Def(id));
            }
        }
    }
}
