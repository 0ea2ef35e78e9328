//! Reading one file, the same way for every file the program reads: the root, `use "…"`,
//! `empirical("…")`, `--trace`, each file `fmt` rewrites, and any data file a later block
//! names. Only regular files (a FIFO would block forever, a device such as `/dev/zero` never
//! ends), at most [`max_file_bytes`] bytes, UTF-8 with any byte order mark dropped.
//!
//! Path policy (docs/language.md, "Files"): a path in `use` or `empirical` is relative to the
//! file that names it, absolute paths are refused (a plan must not depend on the machine it
//! was written on), `..` may step out of the folder, and the name must end in `.fleet` (for
//! `use`) or `.csv`/`.txt` (for data), so that no other file is read and its text shown in a
//! diagnostic.

use std::path::Path;

use thiserror::Error;

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

/// `O_NONBLOCK`: opening a FIFO returns at once instead of waiting for a writer. (A regular
/// file ignores it.)
#[cfg(unix)]
const NON_BLOCKING: i32 = libc::O_NONBLOCK;

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
pub(super) fn path_policy(path: &str, extensions: &[&str]) -> Option<String> {
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
/// What a data call (`empirical("…")`, `measured("…")`, `hf("…")`) may name.
pub const DATA_EXTENSIONS: &[&str] = &["csv", "txt", "json"];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_its_byte_order_mark() {
        assert_eq!(decode(b"\xef\xbb\xbfpool".to_vec()), Ok("pool".to_string()));
        assert_eq!(decode(b"pool".to_vec()), Ok("pool".to_string()));
        assert_eq!(decode(b"ab\xe9".to_vec()), Err(ReadError::NotText { offset: 2 }));
    }

    #[test]
    fn the_path_policy() {
        assert_eq!(path_policy("common.fleet", SOURCE_EXTENSIONS), None);
        assert_eq!(path_policy("../shared/common.FLEET", SOURCE_EXTENSIONS), None);
        assert_eq!(path_policy("lengths.csv", DATA_EXTENSIONS), None);
        assert!(path_policy("/etc/passwd", DATA_EXTENSIONS).is_some());
        assert!(path_policy("/abs/x.fleet", SOURCE_EXTENSIONS).is_some());
        assert!(path_policy("x.csv", SOURCE_EXTENSIONS).is_some());
        assert!(path_policy("", SOURCE_EXTENSIONS).is_some());
        assert!(path_policy("folder/", SOURCE_EXTENSIONS).is_some());
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = std::env::temp_dir();
        assert!(matches!(read_data_file(&dir, FileKind::Data), Err(ReadError::NotRegular(_))));
        #[cfg(unix)]
        assert!(matches!(
            read_data_file(Path::new("/dev/null"), FileKind::Data),
            Err(ReadError::NotRegular("a device"))
        ));
        assert!(matches!(
            read_data_file(&dir.join("fleetplan-no-such-file.csv"), FileKind::Data),
            Err(ReadError::Io(_))
        ));
    }
}
