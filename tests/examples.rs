//! Every bundled file is valid: each example and each catalog file checks clean, and is
//! already in the canonical layout that `fleetplan fmt` produces.
#![allow(clippy::unwrap_used)]

mod common;

use common::{diagnostics_of, fleet_files, relative, render};
use fleetplan::source::FileId;

fn bundled() -> Vec<std::path::PathBuf> {
    let mut files = fleet_files("examples");
    files.extend(fleet_files("std"));
    assert!(files.len() >= 5, "expected the examples and the two catalog files");
    files
}

#[test]
fn examples_and_catalog_check_clean() {
    for path in bundled() {
        let (sources, diagnostics) = diagnostics_of(&path);
        assert!(
            diagnostics.is_empty(),
            "{}:\n{}",
            relative(&path).display(),
            render(&sources, &diagnostics)
        );
    }
}

#[test]
fn examples_and_catalog_are_formatted() {
    for path in bundled() {
        let text = std::fs::read_to_string(&path).unwrap();
        let formatted = fleetplan::fmt::format_source(FileId(0), &text).unwrap();
        assert_eq!(
            formatted,
            text,
            "{} is not formatted: run `fleetplan fmt` on it",
            relative(&path).display()
        );
        let again = fleetplan::fmt::format_source(FileId(0), &formatted).unwrap();
        assert_eq!(again, formatted, "fmt is not idempotent on {}", relative(&path).display());
    }
}
