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
                let help = if errors.suggesting() {
                    self.unknown_name_help(file, name, kind)
                } else {
                    String::new()
                };
                errors.push(CheckError::UnknownName { name: name.to_string(), help, span });
                None
            }
        }
    }
}

impl Scopes<'_> {
    /// Help for a name that `file` cannot see: a near miss in scope (the same kind first), else
    /// the name or a near miss in the standard catalog with the `use` line that imports it,
    /// else how to define one.
    fn unknown_name_help(&self, file: FileId, name: &str, kind: DefKind) -> String {
        let catalog = catalog_names(kind);
        if let Some((module, _)) = catalog.iter().find(|(_, n)| n == name) {
            return format!("`{name}` is in the catalog: import it with `use {module}.{{{name}}}`");
        }
        let same_kind: Vec<&str> = self
            .visible(file)
            .filter(|(_, d)| self.defs[*d].ast.kind == kind)
            .map(|(n, _)| n)
            .collect();
        // One ranking over both, so that the catalog's `h100_sxm` beats an imported `h200`
        // for `H100`; a name in scope wins a tie.
        let candidates = same_kind.iter().copied().chain(catalog.iter().map(|(_, n)| n.as_str()));
        if let Some(best) = did_you_mean(name, candidates) {
            if same_kind.contains(&best) {
                return format!("did you mean `{best}`?");
            }
            let module = catalog.iter().find(|(_, n)| n == best).map_or("std", |(m, _)| m);
            return format!(
                "did you mean `{best}`? It is in the catalog: import it with `use {module}.{{{best}}}`"
            );
        }
        let all: Vec<&str> = self.visible(file).map(|(n, _)| n).collect();
        if let Some(best) = did_you_mean(name, all.iter().copied()) {
            return format!("did you mean `{best}`?");
        }
        match kind {
            DefKind::Device => format!(
                "define `device {name} {{ … }}`, or find one in the catalog with `fleetplan catalog devices`"
            ),
            DefKind::Model => format!(
                "define `model {name} {{ … }}` (or read it with `config = hf(\"config.json\")`), or find one in the catalog with `fleetplan catalog models`"
            ),
            _ => format!("define `{} {name} {{ … }}`", kind.keyword()),
        }
    }
}

/// One definition of the standard catalog.
pub struct CatalogName {
    pub module: &'static str,
    pub kind: DefKind,
    pub name: String,
}

/// The standard catalog's definitions, from the embedded `std/*.fleet` (parsed once): for the
/// checker's suggestions and the editor's completions.
pub fn catalog_definitions() -> &'static [CatalogName] {
    static NAMES: std::sync::OnceLock<Vec<CatalogName>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Vec::new();
        for (i, (module, _, text)) in crate::load::STD_MODULES.iter().enumerate() {
            let (ast, _) = crate::syntax::parse_file(FileId(i as u32), text);
            for item in ast.iter().flat_map(|f| &f.items) {
                if let Item::Definition(def) = item {
                    names.push(CatalogName { module, kind: def.kind, name: def.name.text.clone() });
                }
            }
        }
        names
    })
}

/// The standard catalog's definitions of one kind, as `(module, name)`.
pub fn catalog_names(kind: DefKind) -> Vec<(&'static str, String)> {
    catalog_definitions()
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| (c.module, c.name.clone()))
        .collect()
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
