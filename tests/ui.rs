//! Every file under tests/ui/ is a bad input (to the checker, or to the planner). Its `// expect: CODE at "TEXT"` lines say which
//! diagnostics it must produce and what each underlines (the semantic test); the rendered
//! diagnostics are pinned by an insta snapshot (the wording test).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{fleet_files, plan_diagnostics_of, relative, render};

/// (code, underlined text) pairs that a file announces.
fn expectations(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("// expect:"))
        .map(|rest| {
            let rest = rest.trim();
            let (code, at) = rest.split_once(" at ").unwrap_or((rest, "\"\""));
            let at = at.trim();
            let quoted = at.strip_prefix('"').and_then(|a| a.strip_suffix('"')).unwrap_or(at);
            (code.trim().to_string(), quoted.replace("\\\"", "\""))
        })
        .collect()
}

fn check_file(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let (sources, diagnostics) = plan_diagnostics_of(path);
    let name = relative(path).display().to_string();
    let mut expected = expectations(&text);
    assert!(!expected.is_empty(), "{name}: no `// expect:` line");
    let mut found: Vec<(String, String)> = diagnostics
        .sorted()
        .iter()
        .map(|d| (d.code(), sources.snippet(d.span()).to_string()))
        .collect();
    expected.sort();
    found.sort();
    assert_eq!(found, expected, "{name}: diagnostics (code, underlined text) differ");
    for d in diagnostics.iter() {
        assert!(d.help().is_some_and(|h| !h.is_empty()), "{name}: {} has no help line", d.code());
        assert!(!d.labels().is_empty(), "{name}: {} has no label", d.code());
    }
    format!("{text}\n──────── diagnostics ────────\n{}", render(&sources, &diagnostics))
}

#[test]
fn ui_files_produce_their_diagnostics() {
    insta::glob!("ui/*.fleet", |path| {
        let output = check_file(path);
        insta::assert_snapshot!(output);
    });
}

/// Every diagnostic code declared in src/ is exercised by at least one ui file.
#[test]
fn every_code_has_a_ui_case() {
    let mut declared = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("code(fleet::").skip(1) {
                    let code: String =
                        part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    declared.insert(format!("fleet::{code}"));
                }
            }
        }
    }
    let mut covered = BTreeSet::new();
    for path in fleet_files("tests/ui") {
        for (code, _) in expectations(&std::fs::read_to_string(path).unwrap()) {
            covered.insert(code);
        }
    }
    // Reached only when the elastic program finds no binding limit, or when the solver itself
    // fails; neither can be written as a source file. solve/mod.rs tests the solver one. The
    // simulator's codes are about a trace file or a simulation, not a `.fleet` file:
    // tests/simulate.rs asserts each one with its underlined text.
    for exempt in [
        "fleet::infeasible",
        "fleet::solver_error",
        "fleet::slo_missed",
        "fleet::trace_fields",
        "fleet::trace_value",
        "fleet::trace_workload",
    ] {
        covered.insert(exempt.to_string());
    }
    let missing: Vec<&String> = declared.difference(&covered).collect();
    assert!(missing.is_empty(), "codes without a tests/ui case: {missing:?}");
    assert!(declared.len() >= 35, "only {} codes found: is the scan broken?", declared.len());
}

#[test]
fn there_are_at_least_forty_bad_inputs() {
    assert!(fleet_files("tests/ui").len() >= 40);
}
