//! Where the editor finds the standard catalog. Its modules are compiled into the binary, so
//! "go to definition" on `h200` needs a file to open: the catalog of a fleetplan checkout
//! that holds the document, when its text is the embedded one (editing the examples), else a
//! copy written once to the user's cache directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lsp_types::Url;

use crate::load::STD_MODULES;

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
            let same = std::fs::read_to_string(&candidate).is_ok_and(|t| t == embedded);
            same.then_some(candidate)
        });
        if let Some(found) = found {
            return Some(found.clone());
        }
    }
    None
}

/// A copy of the module in the cache directory, written when missing or different. The
/// directory's name carries the version and a hash of the catalog, so copies of different
/// builds never overwrite each other.
fn cached(shown: &str) -> Option<PathBuf> {
    let (_, _, embedded) = STD_MODULES.iter().find(|(_, s, _)| *s == shown)?;
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let hash = STD_MODULES.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, (_, _, text)| {
        text.bytes().fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    });
    let dir =
        base.join("fleetplan").join(format!("catalog-{}-{hash:016x}", env!("CARGO_PKG_VERSION")));
    let path = dir.join(shown);
    if std::fs::read_to_string(&path).is_ok_and(|t| t == *embedded) {
        return Some(path);
    }
    let parent = path.parent()?;
    std::fs::create_dir_all(parent).ok()?;
    // Written aside and renamed, so a second server never reads half a file.
    let mut file = tempfile::NamedTempFile::new_in(parent).ok()?;
    file.write_all(embedded.as_bytes()).ok()?;
    file.persist(&path).ok()?;
    Some(path)
}
