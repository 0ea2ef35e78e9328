//! Names: which definitions each file sees (its own and what it imports), duplicates, and
//! resolution of a name used in a file.

use std::collections::BTreeMap;

use super::error::CheckError;
use crate::diagnostic::{did_you_mean, Diagnostics};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{DefKind, Definition, Item, Name, UseSelect, UseSource};

pub type DefId = usize;

/// One definition of the program.
pub struct Def<'p> {
    pub file: FileId,
    pub ast: &'p Definition,
}

/// Every definition, and the names each file can use.
pub struct Scopes<'p> {
    pub defs: Vec<Def<'p>>,
    scopes: BTreeMap<FileId, BTreeMap<String, DefId>>,
    locals: BTreeMap<FileId, BTreeMap<String, DefId>>,
}

impl<'p> Scopes<'p> {
    pub fn build(program: &'p Program, errors: &mut Diagnostics) -> Scopes<'p> {
        let mut scopes =
            Scopes { defs: Vec::new(), scopes: BTreeMap::new(), locals: BTreeMap::new() };
        for (&file, ast) in &program.files {
            let mut local: BTreeMap<String, DefId> = BTreeMap::new();
            for item in &ast.items {
                let Item::Definition(def) = item else { continue };
                if let Some(&first) = local.get(&def.name.text) {
                    let first_span = scopes.defs[first].ast.name.span;
                    errors.push(CheckError::DuplicateDefinition {
                        name: def.name.text.clone(),
                        help: "rename one of them, or derive one from the other with `from`"
                            .to_string(),
                        span: def.name.span,
                        first: Some(first_span),
                    });
                    continue;
                }
                local.insert(def.name.text.clone(), scopes.defs.len());
                scopes.defs.push(Def { file, ast: def });
            }
            scopes.scopes.insert(file, local.clone());
            scopes.locals.insert(file, local);
        }
        for (&file, ast) in &program.files {
            for item in &ast.items {
                let Item::Use(decl) = item else { continue };
                let Some(target) = program.import_target(decl.span) else { continue };
                let module = match &decl.source {
                    UseSource::File { path, .. } => path.clone(),
                    UseSource::Module(segments) => module_name(segments, decl.select.is_some()),
                };
                let names: Vec<Name> = match (&decl.select, &decl.source) {
                    (Some(UseSelect::Names(names)), _) => names.clone(),
                    (None, UseSource::Module(segments)) => {
                        segments.last().cloned().into_iter().collect()
                    }
                    (Some(UseSelect::All { .. }), _) | (None, UseSource::File { .. }) => {
                        let target_names = scopes.locals.get(&target).cloned().unwrap_or_default();
                        for (name, id) in target_names {
                            scopes.import(file, &name, id, decl.span, errors);
                        }
                        continue;
                    }
                };
                for name in names {
                    let target_locals = scopes.locals.get(&target);
                    match target_locals.and_then(|l| l.get(&name.text)) {
                        Some(&id) => scopes.import(file, &name.text, id, name.span, errors),
                        None => {
                            let candidates: Vec<&str> = target_locals
                                .map(|l| l.keys().map(String::as_str).collect())
                                .unwrap_or_default();
                            let best = errors
                                .suggesting()
                                .then(|| did_you_mean(&name.text, candidates.iter().copied()))
                                .flatten();
                            let help = match best {
                                Some(best) => format!("did you mean `{best}`?"),
                                None => defined_names(&module, &candidates),
                            };
                            errors.push(CheckError::UnknownImport {
                                name: name.text.clone(),
                                module: module.clone(),
                                help,
                                span: name.span,
                            });
                        }
                    }
                }
            }
        }
        scopes
    }

    fn import(
        &mut self,
        file: FileId,
        name: &str,
        id: DefId,
        span: Span,
        errors: &mut Diagnostics,
    ) {
        let scope = self.scopes.entry(file).or_default();
        match scope.get(name) {
            Some(&existing) if existing == id => {}
            Some(&existing) => {
                let first = self.defs[existing].ast.name.span;
                let same_file = first.file == span.file;
                errors.push(CheckError::DuplicateDefinition {
                    name: name.to_string(),
                    help: if same_file {
                        "rename the local definition, or import only the names you need".to_string()
                    } else {
                        "two imports bring this name; import only the one you need".to_string()
                    },
                    span,
                    first: same_file.then_some(first),
                });
            }
            None => {
                scope.insert(name.to_string(), id);
            }
        }
    }

    /// The names a file sees, sorted.
    pub fn visible(&self, file: FileId) -> impl Iterator<Item = (&str, DefId)> {
        self.scopes.get(&file).into_iter().flatten().map(|(n, id)| (n.as_str(), *id))
    }

    /// Resolves `name` as used in `file`, expecting a definition of `kind`.
    pub fn resolve(
        &self,
        file: FileId,
        name: &str,
        span: Span,
        kind: DefKind,
        errors: &mut Diagnostics,
    ) -> Option<DefId> {
        let scope = self.scopes.get(&file);
        match scope.and_then(|s| s.get(name)) {
            Some(&id) if self.defs[id].ast.kind == kind => Some(id),
            Some(&id) => {
                let found = self.defs[id].ast.kind.keyword();
                let same_kind: Vec<&str> = self
                    .visible(file)
                    .filter(|(_, d)| self.defs[*d].ast.kind == kind)
                    .map(|(n, _)| n)
                    .collect();
                let help = match same_kind.as_slice() {
                    [] => format!("define a {} or import one from the catalog", kind.keyword()),
                    names => format!(
                        "the {}s in scope are {}",
                        kind.keyword(),
                        crate::load::quoted_list(names)
                    ),
                };
                errors.push(CheckError::WrongKind {
                    name: name.to_string(),
                    found: found.to_string(),
                    expected: kind.keyword().to_string(),
                    help,
                    span,
                });
                None
            }
            None => {
                let best = if errors.suggesting() {
                    let all: Vec<&str> = self.visible(file).map(|(n, _)| n).collect();
                    did_you_mean(name, all.iter().copied())
                } else {
                    None
                };
                let help = match best {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => match kind {
                        DefKind::Device => format!("define `device {name} {{ … }}` or import it, e.g. `use std.hardware.{{{name}}}`"),
                        DefKind::Model => format!("define `model {name} {{ … }}` or import it, e.g. `use std.models.{{{name}}}`"),
                        _ => format!("define `{} {name} {{ … }}`", kind.keyword()),
                    },
                };
                errors.push(CheckError::UnknownName { name: name.to_string(), help, span });
                None
            }
        }
    }
}

fn module_name(segments: &[Name], selected: bool) -> String {
    let keep = if selected { segments.len() } else { segments.len().saturating_sub(1) };
    segments.iter().take(keep).map(|n| n.text.as_str()).collect::<Vec<_>>().join(".")
}

/// "`m` defines `a`, `b` and 3 more" for a help line.
fn defined_names(module: &str, names: &[&str]) -> String {
    const SHOWN: usize = 8;
    match names.len() {
        0 => format!("`{module}` defines nothing yet"),
        n if n <= SHOWN => format!("`{module}` defines {}", crate::load::quoted_list(names)),
        n => format!(
            "`{module}` defines {} and {} more",
            crate::load::quoted_list(&names[..SHOWN]),
            n - SHOWN
        ),
    }
}
