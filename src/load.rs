//! Stage 0, load: reads the root file and everything it imports, parsing each once.
//!
//! This is the only stage that touches the file system. It resolves `use "path"` relative to
//! the importing file and `use std.…` against the catalog embedded in the binary, and reports
//! missing files, unknown modules and import cycles. Its output owns every source text.
//!
//! Every file the program reads (the root, `use "…"`, `empirical("…")`, `--trace`, `fmt`)
//! goes through [`read_data_file`] (in `read`), with the path policy of docs/language.md
//! ("Files").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::{did_you_mean, Diagnostics, StageError};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{DefKind, Entry, File, Item, UseSource, Value};
use crate::syntax::parse_file;

mod read;
use read::path_policy;
pub use read::{
    decode, max_file_bytes, read_data_file, read_root, read_stdin, FileKind, ReadError, RootError,
    DATA_EXTENSIONS, MAX_DATA_BYTES, MAX_FILE_BYTES_VAR, MAX_SOURCE_BYTES, SOURCE_EXTENSIONS,
};

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

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(fleet::not_a_file),
        help("name a regular `.fleet` file: pipes, devices and directories are not read")
    )]
    NotAFile {
        path: String,
        reason: String,
        #[label("imported here")]
        span: Span,
    },

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(fleet::file_too_large), help("{help}"))]
    FileTooLarge {
        path: String,
        reason: String,
        help: String,
        #[label("imported here")]
        span: Span,
    },

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(fleet::not_text), help("save the file as UTF-8 text"))]
    NotText {
        path: String,
        reason: String,
        #[label("imported here")]
        span: Span,
    },

    #[error("`{path}` is not allowed here: {reason}")]
    #[diagnostic(
        code(fleet::path_not_allowed),
        help("name a file relative to this one, such as `\"common.fleet\"` or `\"../shared/lengths.csv\"`; see \"Files\" in docs/language.md")
    )]
    PathNotAllowed {
        path: String,
        reason: String,
        #[label("not allowed")]
        span: Span,
    },

    #[error("imports nest deeper than {limit} files")]
    #[diagnostic(
        code(fleet::import_chain),
        help("a chain of more than {limit} files importing each other is generated or corrupt; import shared files from the root instead")
    )]
    ImportChain {
        limit: usize,
        #[label("this import is file {limit} of the chain")]
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
            | LoadError::NotAFile { span, .. }
            | LoadError::FileTooLarge { span, .. }
            | LoadError::NotText { span, .. }
            | LoadError::PathNotAllowed { span, .. }
            | LoadError::ImportChain { span, .. }
            | LoadError::ImportCycle { span, .. }
            | LoadError::UnknownModule { span, .. }
            | LoadError::UseNeedsNames { span, .. } => *span,
        }
    }
}

impl LoadError {
    /// The diagnostic for a file `use` names that could not be read.
    fn unreadable(path: &str, error: ReadError, span: Span) -> LoadError {
        let path = path.to_string();
        let reason = error.to_string();
        match error {
            ReadError::Io(_) => LoadError::MissingFile { path, reason, span },
            ReadError::NotRegular(_) => LoadError::NotAFile { path, reason, span },
            ReadError::TooLarge { .. } => {
                LoadError::FileTooLarge { path, reason, help: error.help(), span }
            }
            ReadError::NotText { .. } => LoadError::NotText { path, reason, span },
        }
    }
}

/// Most bytes of all the `.fleet` files of one program together, as a multiple of the limit
/// for one file: a chain of imports must not multiply the memory a run takes.
pub const PROGRAM_FILES: u64 = 2;

/// Most files in one chain of imports (the root counts). Each level is a recursive call.
pub const MAX_IMPORT_DEPTH: usize = 64;

/// Where the loader reads imported `.fleet` files and data files from, by path: the one
/// interface between the compiler and the file system (as typst's `World`). The CLI reads the
/// disk; the language server (`crate::lsp`) serves the editor's unsaved texts first.
pub trait Files {
    fn read(&self, path: &Path, kind: FileKind) -> Result<String, ReadError>;
}

/// The file system, through [`read_data_file`] and its limits.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path, kind: FileKind) -> Result<String, ReadError> {
        read_data_file(path, kind)
    }
}

/// Loads the root and its imports. `Err` only when the root cannot be read; every other
/// problem is in the diagnostics, alongside what could be loaded.
pub fn load(root: Root) -> Result<(Program, Diagnostics), RootError> {
    load_with(root, &Disk)
}

/// [`load`], reading every file but a [`Root::Path`] through `files`.
pub fn load_with(root: Root, files: &dyn Files) -> Result<(Program, Diagnostics), RootError> {
    let (name, text, dir, key) = match root {
        Root::Path(path) => {
            let text = read_root(&path)?;
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
        disk: files,
        sources: SourceMap::new(),
        files: BTreeMap::new(),
        imports: Vec::new(),
        by_key: BTreeMap::new(),
        stack: Vec::new(),
        errors: Diagnostics::new(),
        data: Vec::new(),
        loaded_bytes: 0,
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

struct Loader<'f> {
    disk: &'f dyn Files,
    sources: SourceMap,
    files: BTreeMap<FileId, File>,
    imports: Vec<(Span, FileId)>,
    /// Canonical path or module name → file, so each file is parsed once.
    by_key: BTreeMap<String, FileId>,
    /// Keys and shown names of the files being loaded, outermost first (for cycle detection).
    stack: Vec<(String, String)>,
    errors: Diagnostics,
    data: Vec<DataFile>,
    /// Bytes of the program's own `.fleet` files read so far (the catalog is not counted).
    loaded_bytes: u64,
}

impl Loader<'_> {
    /// Parses a file and loads its imports. `dir` is where relative imports resolve; `None`
    /// for catalog modules, which may import only other catalog modules.
    fn add_file(
        &mut self,
        key: String,
        name: String,
        text: String,
        dir: Option<PathBuf>,
    ) -> FileId {
        if dir.is_some() {
            self.loaded_bytes += text.len() as u64;
        }
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
            let refused = path_policy(&path, DATA_EXTENSIONS);
            let (shown, text) = match (dir.as_deref(), refused) {
                (Some(_), Some(reason)) => (path, Err(format!("it is not allowed: {reason}"))),
                (Some(dir), None) => {
                    let full = dir.join(&path);
                    let text = self.disk.read(&full, FileKind::Data).map_err(|e| e.to_string());
                    (full.display().to_string(), text)
                }
                (None, _) => (path, Err("the standard catalog reads no data files".to_string())),
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
                if let Some(reason) = path_policy(path, SOURCE_EXTENSIONS) {
                    self.errors.push(LoadError::PathNotAllowed {
                        path: path.clone(),
                        reason,
                        span: *span,
                    });
                    return None;
                }
                let full = dir.join(path);
                let key = canonical_key(&full);
                if let Some(found) = self.visit(&key, &full.display().to_string(), *span) {
                    return found;
                }
                if self.stack.len() >= MAX_IMPORT_DEPTH {
                    self.errors
                        .push(LoadError::ImportChain { limit: MAX_IMPORT_DEPTH, span: *span });
                    return None;
                }
                let budget = max_file_bytes(FileKind::Source).saturating_mul(PROGRAM_FILES);
                match self.disk.read(&full, FileKind::Source) {
                    Ok(text) if self.loaded_bytes + text.len() as u64 > budget => {
                        let error = ReadError::TooLarge {
                            size: self.loaded_bytes + text.len() as u64,
                            limit: budget,
                        };
                        self.errors.push(LoadError::FileTooLarge {
                            path: path.clone(),
                            reason: format!(
                                "the program's files would total more than {budget} bytes"
                            ),
                            help: error.help(),
                            span: *span,
                        });
                        None
                    }
                    Ok(text) => {
                        let next_dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
                        Some(self.add_file(key, full.display().to_string(), text, Some(next_dir)))
                    }
                    Err(e) => {
                        self.errors.push(LoadError::unreadable(path, e, *span));
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

/// The fields that take a data call, by the kind of definition they are in. Only these are
/// read: a data call anywhere else is an error the checker reports, and its file is never opened.
pub const DATA_FIELDS: &[(DefKind, &[&str])] = &[
    (DefKind::Workload, &["input", "output"]),
    (DefKind::Device, &["calibrate"]),
    (DefKind::Model, &["config"]),
];

/// The paths (and the strings that name them) of the data calls in fields that take one.
fn data_paths(ast: &File) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for item in &ast.items {
        let Item::Definition(d) = item else { continue };
        let Some((_, fields)) = DATA_FIELDS.iter().find(|(kind, _)| *kind == d.kind) else {
            continue;
        };
        for entry in &d.body.entries {
            let Entry::Field(field) = entry else { continue };
            if !fields.contains(&field.name.text.as_str()) {
                continue;
            }
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
