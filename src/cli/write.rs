//! How `fleetplan fmt` replaces a file (part of the binary: the library never writes files).
//!
//! The new text goes into a temporary file created in the target's folder by the `tempfile`
//! crate (a random name, created exclusively, so nothing planted at a predictable name can be
//! followed or overwritten), which gets the target's permissions and owner through its own
//! handle, is synced, and is renamed over the target; then the folder is synced so that the
//! rename survives a crash. The temporary file is removed on every error. A symbolic link is
//! followed: the file it points to is formatted and the link stays a link. A read-only file or
//! one with several hard links is refused and left untouched (renaming over one name would cut
//! it from the others).

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why a file was not rewritten.
#[derive(Debug)]
pub enum WriteError {
    Io(std::io::Error),
    ReadOnly,
    HardLinks(u64),
    /// The temporary file could not be given the target's owner.
    Owner,
}

impl WriteError {
    pub fn code(&self) -> &'static str {
        match self {
            WriteError::Io(_) => "fleet::io",
            WriteError::ReadOnly => "fleet::read_only",
            WriteError::HardLinks(_) => "fleet::hard_link",
            WriteError::Owner => "fleet::owner",
        }
    }

    pub fn help(&self) -> String {
        match self {
            WriteError::Io(_) => "check that the folder is writable".to_string(),
            WriteError::ReadOnly => {
                "the file was left untouched; make it writable to format it, or print the formatted text with `fleetplan fmt - < FILE`".to_string()
            }
            WriteError::HardLinks(_) => {
                "the file was left untouched: replacing it would cut it from its other names; print the formatted text with `fleetplan fmt - < FILE` and copy it in".to_string()
            }
            WriteError::Owner => {
                "the file was left untouched: it belongs to another user, and a rewritten file would belong to you".to_string()
            }
        }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io(e) => write!(f, "{e}"),
            WriteError::ReadOnly => write!(f, "it is read-only"),
            WriteError::HardLinks(n) => write!(f, "it has {n} hard links"),
            WriteError::Owner => write!(f, "its owner cannot be kept"),
        }
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replaces the file at `path` (or the file a link there points to) with `text`, atomically.
pub fn write_in_place(path: &Path, text: &str) -> Result<(), WriteError> {
    let target: PathBuf = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.nlink() > 1 {
            return Err(WriteError::HardLinks(meta.nlink()));
        }
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".fleetplan-fmt")
        .tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    keep_owner(temp.as_file(), &meta)?;
    temp.as_file().set_permissions(meta.permissions())?;
    temp.as_file().sync_all()?;
    // On failure the error holds the temporary file, and dropping it removes it.
    temp.persist(&target).map_err(|e| WriteError::Io(e.error))?;
    sync_dir(dir)
}

#[cfg(unix)]
fn keep_owner(file: &std::fs::File, meta: &std::fs::Metadata) -> Result<(), WriteError> {
    use std::os::unix::fs::MetadataExt as _;
    let mine = file.metadata()?;
    if mine.uid() == meta.uid() && mine.gid() == meta.gid() {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
        .map_err(|_| WriteError::Owner)
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) -> Result<(), WriteError> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> Result<(), WriteError> {
    Ok(())
}
