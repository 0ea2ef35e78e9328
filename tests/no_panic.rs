//! No input makes fleetplan panic: every example, catalog and ui file is mutated at random
//! (byte edits, deletions, insertions of tricky text, truncations, duplicated lines) and each
//! mutant goes through the front end: load, check, rendering of every diagnostic (human and
//! JSON) and the formatter (tests/no_panic_numbers.rs takes extreme numbers on through plan and
//! simulate). Deterministic: the seed is fixed; set `FLEETPLAN_MUTATIONS=N` for a longer run.
#![allow(clippy::unwrap_used)]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use fleetplan::diagnostic::RenderStyle;
use fleetplan::load::Root;
use fleetplan::source::FileId;

use common::mutate::mutate;
use common::Rng;

fn run_pipeline(name: &str, text: &str) {
    let compiled =
        fleetplan::compile(Root::Text { name: name.to_string(), text: text.to_string() }).unwrap();
    if let Err(diagnostics) = &compiled.result {
        let sources = &compiled.program.sources;
        let human = diagnostics.render_human(sources, RenderStyle::SNAPSHOT);
        assert!(!human.is_empty());
        let _ = diagnostics.render_plain(sources);
        let _ = diagnostics.render_json(sources);
    }
    let _ = fleetplan::fmt::format_source(FileId(0), text);
}

#[test]
fn mutated_inputs_never_panic() {
    let cases: usize =
        std::env::var("FLEETPLAN_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(3000);
    let mut seeds = Vec::new();
    for folder in ["examples", "std", "tests/ui"] {
        for path in common::fleet_files(folder) {
            let name = common::relative(&path).display().to_string();
            seeds.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    assert!(seeds.len() > 40, "too few seed files: {}", seeds.len());
    let mut rng = Rng(0x5EED_F1EE_7B1A_4E00);
    let mut failures = Vec::new();
    for case in 0..cases {
        let (name, seed) = &seeds[case % seeds.len()];
        let mutant = mutate(&mut rng, seed);
        let outcome = catch_unwind(AssertUnwindSafe(|| run_pipeline(name, &mutant)));
        if outcome.is_err() {
            failures.push(format!("case {case} from {name}:\n{mutant}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} mutants panicked; first:\n{}",
        failures.len(),
        failures[0]
    );
}
