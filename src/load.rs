//! Stage 0, load: reads the root file and everything it imports, parsing each once.
//!
//! This is the only stage that touches the file system. It resolves `use "path"` relative to
//! the importing file and `use std.…` against the catalog embedded in the binary, and reports
//! missing files, unknown modules and import cycles. Its output owns every source text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::{did_you_mean, Diagnostics, StageError};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{Block, Entry, File, Item, UseSource, Value};
use crate::syntax::parse_file;

/// The standard catalog, embedded: module path → (file name shown to users, text).
pub const STD_MODULES: &[(&str, &str, &str)] = &[
    ("std.hardware", "std/hardware.fleet", include_str!("../std/hardware.fleet")),
    ("std.models", "std/models.fleet", include_str!("../std/models.fleet")),
];

/// Every file of one compilation, parsed.
#[derive(Debug)]
pub struct Program {
    pub sources: SourceMap,
    pub root: FileId,
    /// Parsed files by id (files that failed to parse are absent).
    pub files: BTreeMap<FileId, File>,
    /// Which file each `use` (by the span of its item) refers to.
    pub imports: Vec<(Span, FileId)>,
    /// Every data file a call names (`empirical("lengths.csv")`), read here so that the
    /// checker does no I/O.
    pub data: Vec<DataFile>,
}

impl Program {
    pub fn import_target(&self, use_span: Span) -> Option<FileId> {
        self.imports.iter().find(|(s, _)| s.same_place(use_span)).map(|(_, f)| *f)
    }

    /// The data file named by the string at `span`.
    pub fn data_file(&self, span: Span) -> Option<&DataFile> {
        self.data.iter().find(|d| d.span.same_place(span))
    }
}

/// The calls whose first argument is a data file, relative to the file that names it.
pub const DATA_CALLS: &[&str] = &["empirical", "measured", "hf"];

/// A data file named in a call, as read (or why it could not be).
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The string that names it.
    pub span: Span,
    /// The path as resolved, for diagnostics.
    pub path: String,
    /// Its text, or why it could not be read.
    pub text: Result<String, String>,
    /// Its id in the source map, when it was read: diagnostics about a row point into it.
    pub file: Option<FileId>,
}

/// Where the root text comes from.
pub enum Root {
    Path(PathBuf),
    /// Standard input (`-`): imports resolve against the working directory.
    Stdin(String),
    /// A text with a name, for tests and the catalog itself.
    Text {
        name: String,
        text: String,
    },
}

#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(fleet::missing_file),
        help("paths in `use` are relative to the importing file")
    )]
    MissingFile {
        path: String,
        reason: String,
        #[label("imported here")]
        span: Span,
    },

    #[error("import cycle: {chain}")]
    #[diagnostic(
        code(fleet::import_cycle),
        help("move the shared definitions into a file that both import")
    )]
    ImportCycle {
        chain: String,
        #[label("this import closes the cycle")]
        span: Span,
    },

    #[error("unknown module `{path}`")]
    #[diagnostic(code(fleet::unknown_module), help("{help}"))]
    UnknownModule {
        path: String,
        help: String,
        #[label("no such module")]
        span: Span,
    },

    #[error("`use {path}` names a module, not a definition")]
    #[diagnostic(
        code(fleet::use_needs_names),
        help("say what to import: `use {path}.{{name, …}}` or `use {path}.*`")
    )]
    UseNeedsNames {
        path: String,
        #[label("add `.{{…}}` or `.*`")]
        span: Span,
    },
}

impl StageError for LoadError {
    fn span(&self) -> Span {
        match self {
            LoadError::MissingFile { span, .. }
            | LoadError::ImportCycle { span, .. }
            | LoadError::UnknownModule { span, .. }
            | LoadError::UseNeedsNames { span, .. } => *span,
        }
    }
}

/// Error reading the root file itself: there is no span to point at.
#[derive(Debug, Error)]
#[error("cannot read `{path}`: {reason}")]
pub struct RootError {
    pub path: String,
    pub reason: String,
}

/// Loads the root and its imports. `Err` only when the root cannot be read; every other
/// problem is in the diagnostics, alongside what could be loaded.
pub fn load(root: Root) -> Result<(Program, Diagnostics), RootError> {
    let (name, text, dir, key) = match root {
        Root::Path(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| RootError {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let key = canonical_key(&path);
            (path.display().to_string(), text, dir, key)
        }
        Root::Stdin(text) => ("<stdin>".to_string(), text, PathBuf::new(), "<stdin>".to_string()),
        Root::Text { name, text } => {
            let dir = Path::new(&name).parent().map(Path::to_path_buf).unwrap_or_default();
            (name.clone(), text, dir, name)
        }
    };
    let mut loader = Loader {
        sources: SourceMap::new(),
        files: BTreeMap::new(),
        imports: Vec::new(),
        by_key: BTreeMap::new(),
        stack: Vec::new(),
        errors: Diagnostics::new(),
        data: Vec::new(),
    };
    let root = loader.add_file(key, name, text, Some(dir));
    let program = Program {
        sources: loader.sources,
        root,
        files: loader.files,
        imports: loader.imports,
        data: loader.data,
    };
    Ok((program, loader.errors))
}

struct Loader {
    sources: SourceMap,
    files: BTreeMap<FileId, File>,
    imports: Vec<(Span, FileId)>,
    /// Canonical path or module name → file, so each file is parsed once.
    by_key: BTreeMap<String, FileId>,
    /// Keys and shown names of the files being loaded, outermost first (for cycle detection).
    stack: Vec<(String, String)>,
    errors: Diagnostics,
    data: Vec<DataFile>,
}

impl Loader {
    /// Parses a file and loads its imports. `dir` is where relative imports resolve; `None`
    /// for catalog modules, which may import only other catalog modules.
    fn add_file(
        &mut self,
        key: String,
        name: String,
        text: String,
        dir: Option<PathBuf>,
    ) -> FileId {
        let id = self.sources.add(name, text);
        self.by_key.insert(key.clone(), id);
        let (ast, errors) = parse_file(id, self.sources.text(id));
        self.errors.extend(errors);
        let Some(ast) = ast else { return id };
        self.stack.push((key, self.sources.name(id).to_string()));
        for item in &ast.items {
            let Item::Use(decl) = item else { continue };
            if let Some(target) = self.resolve(decl, dir.as_deref()) {
                self.imports.push((decl.span, target));
            }
        }
        self.stack.pop();
        for (path, span) in data_paths(&ast) {
            let (shown, text) = match dir.as_deref() {
                Some(dir) => {
                    let full = dir.join(&path);
                    let text = std::fs::read_to_string(&full).map_err(|e| e.to_string());
                    (full.display().to_string(), text)
                }
                None => (path, Err("the standard catalog reads no data files".to_string())),
            };
            let file = text.as_ref().ok().map(|t| self.sources.add(shown.clone(), t.clone()));
            self.data.push(DataFile { span, path: shown, text, file });
        }
        self.files.insert(id, ast);
        id
    }

    fn resolve(&mut self, decl: &crate::syntax::ast::Use, dir: Option<&Path>) -> Option<FileId> {
        match &decl.source {
            UseSource::File { path, span } => {
                let Some(dir) = dir else {
                    self.errors.push(LoadError::MissingFile {
                        path: path.clone(),
                        reason: "the standard catalog imports only `std` modules".to_string(),
                        span: *span,
                    });
                    return None;
                };
                let full = dir.join(path);
                let key = canonical_key(&full);
                if let Some(found) = self.visit(&key, &full.display().to_string(), *span) {
                    return found;
                }
                match std::fs::read_to_string(&full) {
                    Ok(text) => {
                        let next_dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
                        Some(self.add_file(key, full.display().to_string(), text, Some(next_dir)))
                    }
                    Err(e) => {
                        self.errors.push(LoadError::MissingFile {
                            path: path.clone(),
                            reason: e.to_string(),
                            span: *span,
                        });
                        None
                    }
                }
            }
            UseSource::Module(segments) => {
                let first = segments.first()?;
                let span = segments.iter().fold(first.span, |s, n| s.to(n.span));
                let full: Vec<&str> = segments.iter().map(|n| n.text.as_str()).collect();
                let full_path = full.join(".");
                let module_path = if decl.select.is_some() {
                    full_path.clone()
                } else {
                    full.get(..full.len().saturating_sub(1)).unwrap_or(&[]).join(".")
                };
                if decl.select.is_none() && module(&full_path).is_some() {
                    self.errors.push(LoadError::UseNeedsNames { path: full_path, span });
                    return None;
                }
                let Some((_, name, text)) = module(&module_path) else {
                    let names: Vec<&str> = STD_MODULES.iter().map(|m| m.0).collect();
                    let help = match did_you_mean(&module_path, names.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("the catalog modules are {}", quoted_list(&names)),
                    };
                    self.errors.push(LoadError::UnknownModule { path: module_path, help, span });
                    return None;
                };
                let key = format!("<{module_path}>");
                if let Some(found) = self.visit(&key, name, span) {
                    return found;
                }
                Some(self.add_file(key, name.to_string(), text.to_string(), None))
            }
        }
    }

    /// `Some(found)` when the key was loaded before (or closes a cycle: `Some(None)`).
    fn visit(&mut self, key: &str, shown: &str, span: Span) -> Option<Option<FileId>> {
        if let Some(pos) = self.stack.iter().position(|(k, _)| k == key) {
            let mut chain: Vec<String> =
                self.stack.get(pos..).unwrap_or(&[]).iter().map(|(_, n)| n.clone()).collect();
            chain.push(shown.to_string());
            self.errors.push(LoadError::ImportCycle { chain: chain.join(" → "), span });
            return Some(None);
        }
        self.by_key.get(key).map(|id| Some(*id))
    }
}

/// The paths (and the strings that name them) of the data calls in a file's definitions.
fn data_paths(ast: &File) -> Vec<(String, Span)> {
    fn walk(block: &Block, found: &mut Vec<(String, Span)>) {
        for entry in &block.entries {
            match entry {
                Entry::Field(field) => {
                    let Value::Call(call) = &field.value else { continue };
                    if !DATA_CALLS.contains(&call.name.text.as_str()) {
                        continue;
                    }
                    if let Some(Value::String { text, span }) =
                        call.args.first().filter(|a| a.name.is_none()).map(|a| &a.value)
                    {
                        found.push((text.clone(), *span));
                    }
                }
                Entry::Block(sub) => walk(&sub.body, found),
                Entry::Bound(_) => {}
            }
        }
    }
    let mut found = Vec::new();
    for item in &ast.items {
        match item {
            Item::Definition(d) => walk(&d.body, &mut found),
            Item::Site(s) => walk(&s.body, &mut found),
            _ => {}
        }
    }
    found
}

fn module(path: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    STD_MODULES.iter().find(|m| m.0 == path)
}

fn canonical_key(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

pub(crate) fn quoted_list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
