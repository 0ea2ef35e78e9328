//! Where the editor finds the standard catalog. Its modules are compiled into the binary, so
//! "go to definition" on `h200` needs a file to open: the catalog of a fleetplan checkout
//! that holds the document, when its text is the embedded one (editing the examples), else a
//! copy written once to the user's cache directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lsp_types::Url;

use crate::load::{read_data_file, FileKind, STD_MODULES};

/// The URI to open for the catalog module shown as `name` (`std/hardware.fleet`) with this
/// text; `None` when it is not a catalog module or no copy can be had.
pub fn uri(name: &str, text: &str, near: Option<&Path>) -> Option<Url> {
    let (_, shown, embedded) = STD_MODULES.iter().find(|(_, shown, _)| *shown == name)?;
    if *embedded != text {
        return None;
    }
    let path = near.and_then(|doc| in_checkout(doc, shown, embedded)).or_else(|| cached(shown))?;
    Url::from_file_path(path).ok()
}

/// Directories already looked in, and what they gave: a lookup reads the catalog files of
/// every directory above the document, once per session.
static CHECKOUTS: Mutex<BTreeMap<(PathBuf, &'static str), Option<PathBuf>>> =
    Mutex::new(BTreeMap::new());

/// `dir/std/hardware.fleet` for the nearest directory above the document that has it with
/// the embedded text.
fn in_checkout(doc: &Path, shown: &'static str, embedded: &str) -> Option<PathBuf> {
    let mut seen = CHECKOUTS.lock().ok()?;
    for dir in doc.ancestors().skip(1) {
        let found = seen.entry((dir.to_path_buf(), shown)).or_insert_with(|| {
            let candidate = dir.join(shown);
            let same = read_data_file(&candidate, FileKind::Source).is_ok_and(|t| t == embedded);
            same.then_some(candidate)
        });
        if let Some(found) = found {
            return Some(found.clone());
        }
    }
    None
}

/// A copy of the module in the cache directory (or the temporary one, when the cache cannot
/// be written), written when missing or different. The directory's name carries the version
/// and a hash of the catalog, so copies of different builds never overwrite each other.
fn cached(shown: &str) -> Option<PathBuf> {
    let bases = [
        std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")),
        Some(std::env::temp_dir()),
    ];
    cached_in(bases.into_iter().flatten(), shown)
}

/// [`cached`] under the first of `bases` that can be written.
fn cached_in(bases: impl IntoIterator<Item = PathBuf>, shown: &str) -> Option<PathBuf> {
    let (_, _, embedded) = STD_MODULES.iter().find(|(_, s, _)| *s == shown)?;
    let hash = STD_MODULES.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, (_, _, text)| {
        text.bytes().fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    });
    let folder = format!("catalog-{}-{hash:016x}", env!("CARGO_PKG_VERSION"));
    bases.into_iter().find_map(|base| {
        let path = base.join("fleetplan").join(&folder).join(shown);
        write_once(&path, embedded).then_some(path)
    })
}

/// Whether `path` holds `text`, writing it when it does not.
fn write_once(path: &Path, text: &str) -> bool {
    if read_data_file(path, FileKind::Source).is_ok_and(|t| t == text) {
        return true;
    }
    let Some(parent) = path.parent() else { return false };
    // Written aside and renamed, so a second server never reads half a file.
    let written = std::fs::create_dir_all(parent)
        .and_then(|()| tempfile::NamedTempFile::new_in(parent))
        .and_then(|mut file| file.write_all(text.as_bytes()).map(|()| file))
        .map_err(|e| e.to_string())
        .and_then(|file| file.persist(path).map_err(|e| e.to_string()));
    written.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module is copied byte for byte under the first base that can be written, and found
    /// there again; a text that is not the catalog's gets no file.
    #[test]
    fn catalog_copy_in_the_cache() {
        let (_, shown, text) = STD_MODULES[0];
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let unwritable = dir.path().join("a-file");
        std::fs::write(&unwritable, "").unwrap_or_else(|e| panic!("{e}"));
        let bases = || [unwritable.clone(), dir.path().join("cache")];
        let Some(path) = cached_in(bases(), shown) else { panic!("no copy") };
        assert!(path.starts_with(dir.path().join("cache")) && path.ends_with(shown), "{path:?}");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(text));
        assert_eq!(cached_in(bases(), shown), Some(path));
        assert_eq!(uri(shown, "changed text", None), None, "not the catalog");
        assert_eq!(uri("std/other.fleet", text, None), None);
    }
}
