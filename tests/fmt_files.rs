//! `fleetplan fmt` on the files a careless user or an attacker leaves around: links, read-only
//! files, hard links, modes, and what is left behind.
#![allow(clippy::unwrap_used)]

mod hostile;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use hostile::{run_in, scratch, Run, TEN_SECONDS};

const MESSY: &str = "pool   gpu{device=h200 max=8   // eight\n}\n";

fn fmt(dir: &Path, file: &str) -> Run {
    run_in(dir, &["fmt", file], &[], None, TEN_SECONDS)
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn is_formatted(text: &str) -> bool {
    text != MESSY && text.contains("// eight") && text.contains("max = 8")
}

#[test]
fn a_symbolic_link_formats_its_target_and_stays_a_link() {
    let dir = scratch("fmt-link");
    std::fs::create_dir(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/target.fleet"), MESSY).unwrap();
    std::os::unix::fs::symlink("real/target.fleet", dir.join("link.fleet")).unwrap();
    let out = fmt(&dir, "link.fleet");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let link = std::fs::symlink_metadata(dir.join("link.fleet")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced by a file");
    assert!(is_formatted(&std::fs::read_to_string(dir.join("real/target.fleet")).unwrap()));
    assert_eq!(names(&dir), ["link.fleet", "real"]);
    assert_eq!(names(&dir.join("real")), ["target.fleet"]);
}

#[test]
fn the_mode_is_kept_and_nothing_is_left_behind() {
    let dir = scratch("fmt-mode");
    let file = dir.join("x.fleet");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&file).unwrap().ino();
    let out = fmt(&dir, "x.fleet");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_ne!(meta.ino(), inode, "written through a new file, renamed into place");
    assert!(is_formatted(&std::fs::read_to_string(&file).unwrap()));
    assert_eq!(names(&dir), ["x.fleet"]);
}

#[test]
fn a_read_only_file_is_refused_with_a_code_and_left_untouched() {
    let dir = scratch("fmt-readonly");
    let file = dir.join("x.fleet");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = fmt(&dir, "x.fleet");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("fleet::read_only"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o7777, 0o444);
    assert_eq!(names(&dir), ["x.fleet"]);
}

#[test]
fn a_hard_linked_file_is_refused_and_left_untouched() {
    let dir = scratch("fmt-hardlink");
    let file = dir.join("x.fleet");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::hard_link(&file, dir.join("y.fleet")).unwrap();
    let out = fmt(&dir, "x.fleet");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("fleet::hard_link"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);
    assert_eq!(std::fs::metadata(&file).unwrap().nlink(), 2);
    assert_eq!(names(&dir), ["x.fleet", "y.fleet"]);
}

#[test]
fn an_unwritable_folder_leaves_no_temporary_file() {
    let dir = scratch("fmt-folder");
    std::fs::create_dir(dir.join("locked")).unwrap();
    let file = dir.join("locked/x.fleet");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = fmt(&dir, "locked/x.fleet");
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Root may write anyway: then the file is formatted; otherwise it is refused with a code.
    if out.code == Some(0) {
        assert!(is_formatted(&std::fs::read_to_string(&file).unwrap()));
    } else {
        assert!(out.stderr.contains("fleet::io"), "{}", out.stderr);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);
    }
    assert_eq!(names(&dir.join("locked")), ["x.fleet"]);
}

#[test]
fn a_file_that_does_not_parse_is_never_written() {
    let dir = scratch("fmt-invalid");
    let file = dir.join("x.fleet");
    std::fs::write(&file, "pool gpu { max = }\n").unwrap();
    let out = fmt(&dir, "x.fleet");
    assert_eq!(out.code, Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "pool gpu { max = }\n");
    assert_eq!(names(&dir), ["x.fleet"]);
}
