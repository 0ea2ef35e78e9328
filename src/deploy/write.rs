//! Writing a target's directory atomically: every file goes into a temporary directory beside
//! the output, which is then renamed into place, so a reader never sees half a deployment.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Files;

/// Refuses an output that exists and is not an empty directory, unless `force` (and refuses
/// a file whatever `force` says). Checked before planning and again before writing.
pub fn check_out_dir(out: &Path, force: bool) -> Result<(), String> {
    match std::fs::metadata(out) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => {
            Err(format!("`{}` exists and is not a directory", out.display()))
        }
        Ok(_) => {
            let empty = std::fs::read_dir(out)
                .map_err(|e| format!("cannot read `{}`: {e}", out.display()))?
                .next()
                .is_none();
            if empty || force {
                Ok(())
            } else {
                Err(format!(
                    "`{}` is not empty; pass `--force` to replace it, or choose another `--out`",
                    out.display()
                ))
            }
        }
    }
}

fn beside(out: &Path, what: &str) -> PathBuf {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    parent.join(format!(".{name}.fleetplan-{what}.{}", std::process::id()))
}

/// Writes `files` into `out`: into a temporary directory beside it, then renamed over it (an
/// existing directory, allowed by `force`, is moved aside first and removed after).
pub fn write_dir(out: &Path, files: &Files, force: bool) -> Result<(), String> {
    check_out_dir(out, force)?;
    let temp = beside(out, "deploy");
    let result = fill(&temp, files).and_then(|()| swap(&temp, out));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result.map_err(|e| format!("cannot write `{}`: {e}", out.display()))
}

fn fill(dir: &Path, files: &Files) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (path, text) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::File::create(&target)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    Ok(())
}

fn swap(temp: &Path, out: &Path) -> std::io::Result<()> {
    if !out.exists() {
        return std::fs::rename(temp, out);
    }
    // An empty directory is replaced in one rename; a full one (with `--force`) is moved
    // aside, the new one renamed in, and the old one removed.
    if std::fs::remove_dir(out).is_ok() {
        return std::fs::rename(temp, out);
    }
    let old = beside(out, "old");
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(temp, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    std::fs::remove_dir_all(&old)
}
