//! Stage 0, load: reads the root file and everything it imports, parsing each once.
//!
//! This is the only stage that touches the file system. It resolves `use "path"` relative to
//! the importing file and `use std.…` against the catalog embedded in the binary, and reports
//! missing files, unknown modules and import cycles. Its output owns every source text.
//!
//! Every file the program reads (the root, `use "…"`, `empirical("…")`, `--trace`, `fmt`)
//! goes through [`read_data_file`]: only regular files (a FIFO would block forever, a device
//! such as `/dev/zero` never ends), at most [`max_file_bytes`] bytes, UTF-8 with any byte order
//! mark dropped. Path policy (docs/language.md, "Files"): a path in `use` or `empirical` is
//! relative to the file that names it, absolute paths are refused (a plan must not depend on
//! the machine it was written on), `..` may step out of the folder, and the name must end in
//! `.fleet` (for `use`) or `.csv`/`.txt` (for data), so that no other file is read and its
//! text shown in a diagnostic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::{did_you_mean, Diagnostics, StageError};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{DefKind, Entry, File, Item, UseSource, Value};
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
pub const DATA_CALLS: &[&str] = &["empirical"];

/// A data file named in a call, as read (or why it could not be).
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The string that names it.
    pub span: Span,
    /// The path as resolved, for diagnostics.
    pub path: String,
    /// Its text, or why it could not be read.
    pub text: Result<String, String>,
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

/// What a file is read as; the kind sets its default size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A `.fleet` file: parsed into a tree a few times its size.
    Source,
    /// A CSV (data file, trace, calibration): read line by line.
    Data,
}

/// Default most bytes of a `.fleet` file: hundreds of times any real one (the catalog is
/// 60 KB, a generated 1,000-workload fleet 200 KB). Checking takes up to about 240 bytes of
/// memory per byte of source (tree, spec and a diagnostic per definition), so the limit, and
/// twice it for all the files of a program together, keep a run well under a gigabyte.
pub const MAX_SOURCE_BYTES: u64 = 1 << 20;
/// Default most bytes of a data file or trace: 128 MiB holds the 5 million requests a
/// simulation may replay, and the text, its parsed rows and a run together stay under a
/// gigabyte.
pub const MAX_DATA_BYTES: u64 = 128 << 20;
/// Environment variable that overrides both limits, in bytes.
pub const MAX_FILE_BYTES_VAR: &str = "FLEETPLAN_MAX_FILE_BYTES";

/// The size limit for a kind of file: [`MAX_FILE_BYTES_VAR`] when set to a number, else the
/// kind's default.
pub fn max_file_bytes(kind: FileKind) -> u64 {
    let default = match kind {
        FileKind::Source => MAX_SOURCE_BYTES,
        FileKind::Data => MAX_DATA_BYTES,
    };
    std::env::var(MAX_FILE_BYTES_VAR).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// Why a file could not be read. Never holds any of the file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The operating system's error (missing, no permission, …).
    Io(String),
    /// A directory, FIFO, socket or device: what it is.
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Not UTF-8: the offset of the first bad byte.
    NotText {
        offset: usize,
    },
}

impl ReadError {
    /// The diagnostic code each reason is reported under.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Io(_) => "fleet::io",
            ReadError::NotRegular(_) => "fleet::not_a_file",
            ReadError::TooLarge { .. } => "fleet::file_too_large",
            ReadError::NotText { .. } => "fleet::not_text",
        }
    }

    /// A help line for each reason.
    pub fn help(&self) -> String {
        match self {
            ReadError::Io(_) => "check the path and its permissions".to_string(),
            ReadError::NotRegular(_) => {
                "name a regular file: pipes, devices and directories are not read".to_string()
            }
            ReadError::TooLarge { .. } => format!(
                "split the file, or raise the limit with the environment variable {MAX_FILE_BYTES_VAR}"
            ),
            ReadError::NotText { .. } => "save the file as UTF-8 text".to_string(),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(reason) => write!(f, "{reason}"),
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge { size, limit } => {
                write!(f, "it is {size} bytes, over the limit of {limit} bytes")
            }
            ReadError::NotText { offset } => {
                write!(f, "it is not UTF-8 text (byte {offset} is not)")
            }
        }
    }
}

/// Reads one file the program was told to read: a regular file of at most
/// [`max_file_bytes`] bytes of UTF-8, its byte order mark dropped. Every read goes through
/// here. The file type is checked before opening (opening a FIFO waits for a writer), and the
/// file is opened non-blocking and checked again through the handle, so a file swapped in
/// between cannot make the read hang.
pub fn read_data_file(path: &Path, kind: FileKind) -> Result<String, ReadError> {
    use std::io::Read as _;
    let io = |e: std::io::Error| ReadError::Io(e.to_string());
    let limit = max_file_bytes(kind);
    regular(&std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(NON_BLOCKING);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    regular(&meta)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge { size: meta.len(), limit });
    }
    let mut bytes = Vec::new();
    // The file may grow after the check: read one byte past the limit to notice.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit });
    }
    decode(bytes)
}

/// `O_NONBLOCK` (the same value on every Linux and BSD target this builds for): opening a FIFO
/// returns at once instead of waiting for a writer.
#[cfg(unix)]
const NON_BLOCKING: i32 = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    0x4
} else {
    0o4000
};

fn regular(meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let what = if kind.is_dir() { "a directory" } else { special_kind(&kind) };
    Err(ReadError::NotRegular(what))
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_fifo() {
        "a pipe (FIFO)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// UTF-8 text without its byte order mark (editors on Windows write one); the same for files
/// and standard input.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    let text = String::from_utf8(bytes)
        .map_err(|e| ReadError::NotText { offset: e.utf8_error().valid_up_to() })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads standard input like a file: at most the limit of its kind, UTF-8, no byte order mark.
pub fn read_stdin(kind: FileKind) -> Result<String, ReadError> {
    use std::io::Read as _;
    let limit = max_file_bytes(kind);
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit });
    }
    decode(bytes)
}

/// Why a path named in a file breaks the path policy (see the module docs), or `None`.
fn path_policy(path: &str, extensions: &[&str]) -> Option<String> {
    let p = Path::new(path);
    if p.is_absolute() {
        return Some("absolute paths are not allowed".to_string());
    }
    let ok = p
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)));
    if !ok {
        let list: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
        return Some(format!("the file name must end in {}", list.join(" or ")));
    }
    None
}

/// What `use "…"` may name.
pub const SOURCE_EXTENSIONS: &[&str] = &["fleet"];
/// What a data call (`empirical("…")`) may name.
pub const DATA_EXTENSIONS: &[&str] = &["csv", "txt"];

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

/// Error reading the root file itself: there is no span to point at.
#[derive(Debug, Error)]
#[error("cannot read `{path}`: {reason}")]
pub struct RootError {
    pub path: String,
    pub reason: String,
    /// The diagnostic code (`fleet::io`, `fleet::not_a_file`, …).
    pub code: &'static str,
    pub help: String,
}

impl RootError {
    pub fn new(path: String, error: &ReadError) -> Self {
        RootError { path, reason: error.to_string(), code: error.code(), help: error.help() }
    }
}

/// Reads a `.fleet` file named on the command line (to check, plan, format or dump). Its text
/// is shown in syntax errors, so only a file whose name ends in `.fleet` is read.
pub fn read_root(path: &Path) -> Result<String, RootError> {
    let shown = path.display().to_string();
    let fleet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("fleet"));
    if !fleet {
        return Err(RootError {
            path: shown,
            reason: "the file name does not end in `.fleet`".to_string(),
            code: "fleet::not_fleet_file",
            help: "fleetplan reads `.fleet` files (`-` reads standard input)".to_string(),
        });
    }
    read_data_file(path, FileKind::Source).map_err(|e| RootError::new(shown, &e))
}

/// Loads the root and its imports. `Err` only when the root cannot be read; every other
/// problem is in the diagnostics, alongside what could be loaded.
pub fn load(root: Root) -> Result<(Program, Diagnostics), RootError> {
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
    /// Bytes of the program's own `.fleet` files read so far (the catalog is not counted).
    loaded_bytes: u64,
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
                    let text = read_data_file(&full, FileKind::Data).map_err(|e| e.to_string());
                    (full.display().to_string(), text)
                }
                (None, _) => (path, Err("the standard catalog reads no data files".to_string())),
            };
            self.data.push(DataFile { span, path: shown, text });
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
                match read_data_file(&full, FileKind::Source) {
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
pub const DATA_FIELDS: &[(DefKind, &[&str])] = &[(DefKind::Workload, &["input", "output"])];

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
