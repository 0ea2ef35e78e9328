//! The open documents, what the pipeline made of each, and the names files go by: a path for
//! the compiler, a URI for the editor.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use lsp_types::Url;

use crate::diagnostic::Diagnostics;
use crate::load::{max_file_bytes, read_data_file, FileKind, Files, Program, ReadError, Root};
use crate::source::FileId;

/// One open document.
pub struct Document {
    /// A `.fleet` document. Others (a CSV that `empirical(…)` reads) are kept only so that
    /// the files that read them see their unsaved text: never checked, never answered about.
    pub fleet: bool,
    pub text: String,
    pub version: i32,
    /// What the pipeline made of `text`, or of an earlier text when not `fresh` (completion
    /// still uses it: a half-typed file keeps the names its imports brought).
    pub analysis: Option<Analysis>,
    pub fresh: bool,
    /// The text is what was last opened or saved (a code lens plans only such a text).
    pub saved: bool,
}

/// One run of the front end (load, syntax, check, calibrate) over a document and its imports.
pub struct Analysis {
    /// Every file read, parsed where it parsed: hover, definition and references use it even
    /// when `diagnostics` is not empty.
    pub program: Program,
    pub diagnostics: Diagnostics,
    /// Why the document was not analysed at all (only a document over the size limit).
    pub refused: Option<ReadError>,
}

/// Every open document, by URI.
#[derive(Default)]
pub struct Documents {
    pub open: BTreeMap<Url, Document>,
}

impl Documents {
    /// Runs the front end over the document at `uri`, reading its imports through the open
    /// documents first. `None` when it is not open.
    pub fn analyse(&self, uri: &Url) -> Option<Analysis> {
        let doc = self.open.get(uri)?;
        let limit = max_file_bytes(FileKind::Source);
        let root = Root::Text { name: name_of(uri), text: doc.text.clone() };
        let empty = || Root::Text { name: name_of(uri), text: String::new() };
        let (root, refused) = if doc.text.len() as u64 > limit {
            (empty(), Some(ReadError::TooLarge { size: doc.text.len() as u64, limit }))
        } else {
            (root, None)
        };
        // A text root is never read from the disk, so this cannot fail; should it ever, the
        // empty text stands in rather than a panic.
        let compiled =
            crate::compile_with(root, self).or_else(|_| crate::compile_with(empty(), self)).ok()?;
        Some(Analysis {
            program: compiled.program,
            diagnostics: compiled.result.err().unwrap_or_default(),
            refused,
        })
    }

    /// The open document a path names, if any.
    fn by_path(&self, path: &Path) -> Option<&Document> {
        let wanted = normalise(path);
        self.open.iter().find(|(uri, _)| path_of(uri).is_some_and(|p| p == wanted)).map(|(_, d)| d)
    }
}

impl Files for Documents {
    /// An open document's unsaved text, under the disk's size limit; else the disk.
    fn read(&self, path: &Path, kind: FileKind) -> Result<String, ReadError> {
        match self.by_path(path) {
            Some(doc) => {
                let limit = max_file_bytes(kind);
                if doc.text.len() as u64 > limit {
                    return Err(ReadError::TooLarge { size: doc.text.len() as u64, limit });
                }
                Ok(doc.text.clone())
            }
            None => read_data_file(path, kind),
        }
    }
}

/// The name a document is compiled under: its path for a `file:` URI (so that imports and
/// data files resolve beside it), else the URI itself.
pub fn name_of(uri: &Url) -> String {
    match path_of(uri) {
        Some(path) => path.display().to_string(),
        None => uri.to_string(),
    }
}

/// The local path of a `file:` URI, without `.` and `..` parts.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    (uri.scheme() == "file").then(|| uri.to_file_path().ok()).flatten().map(|p| normalise(&p))
}

/// The URI of a file of an analysed document's program: the document itself, a catalog
/// module (`super::catalog`), or a file beside it named by its path.
pub fn uri_of(program: &Program, file: FileId, root: &Url) -> Option<Url> {
    if file == program.root {
        return Some(root.clone());
    }
    let name = program.sources.name(file);
    let text = program.sources.text(file);
    if let Some(uri) = super::catalog::uri(name, text, path_of(root).as_deref()) {
        return Some(uri);
    }
    let path = Path::new(name);
    path.is_absolute().then(|| Url::from_file_path(normalise(path)).ok()).flatten()
}

/// `a/./b/../c` → `a/c`, without asking the file system (the file may not exist yet).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
