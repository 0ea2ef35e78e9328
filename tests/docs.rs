//! The docs, the grammar and the checker must agree: docs/language.md names every keyword
//! (the grammar's `kw_*` rules), every unit (the checker's table) and exactly the fields of
//! each block (the checker's schema).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use fleetplan::check::schema;
use fleetplan::check::units::UNITS;
use fleetplan::spec::Precision;

fn language_doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md")).unwrap()
}

/// The text from a heading line to the next heading of the same or higher level.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc.find(heading).unwrap_or_else(|| panic!("no heading {heading}"));
    let level = heading.chars().take_while(|c| *c == '#').count();
    let rest = &doc[start + heading.len()..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| rest[i + 1..].chars().take_while(|c| *c == '#').count() <= level)
        .map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

/// First-column names of every table row in a section: "| `name` | …".
fn table_names(section: &str) -> BTreeSet<String> {
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(name, _)| name.to_string())
        .collect()
}

fn schema_names(tables: &[&[schema::FieldSpec]]) -> BTreeSet<String> {
    tables.iter().flat_map(|t| t.iter().map(|f| f.name.to_string())).collect()
}

#[test]
fn every_keyword_is_documented() {
    let documented = table_names(section(&language_doc(), "## Keywords"));
    let keywords: BTreeSet<String> = fleetplan::syntax::keywords().into_iter().collect();
    assert!(keywords.len() >= 9, "keyword scan found {keywords:?}");
    assert_eq!(documented, keywords);
}

#[test]
fn every_field_is_documented() {
    let doc = language_doc();
    let cases: [(&str, Vec<&[schema::FieldSpec]>); 5] = [
        ("### `device`", vec![schema::DEVICE]),
        ("### `model`", vec![schema::MODEL]),
        ("### `pool`", vec![schema::POOL]),
        ("### `workload`", vec![schema::WORKLOAD, schema::MEMORY]),
        ("### `site`", vec![schema::SITE]),
    ];
    for (heading, tables) in cases {
        assert_eq!(
            table_names(section(&doc, heading)),
            schema_names(&tables),
            "fields under {heading}"
        );
    }
    let device = section(&doc, "### `device`");
    for precision in Precision::NAMES {
        assert!(device.contains(&format!("`{precision}`")), "precision {precision} not documented");
    }
}

#[test]
fn every_unit_is_documented() {
    let doc = language_doc();
    let units = section(&doc, "## Quantities and units");
    for unit in UNITS {
        assert!(units.contains(&format!("`{}`", unit.name)), "unit `{}` not documented", unit.name);
    }
}

/// The `fleet` code blocks of README.md and docs/language.md are valid programs, and those that
/// are whole programs (with pools) plan (issue 16: the README's example once did not).
#[test]
fn fleet_code_blocks_in_the_docs_check_clean() {
    for doc in ["README.md", "docs/language.md"] {
        let text =
            std::fs::read_to_string(format!("{}/{doc}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let blocks: Vec<&str> =
            text.split("```fleet\n").skip(1).filter_map(|b| b.split("```").next()).collect();
        assert!(!blocks.is_empty(), "{doc} has no fleet block");
        for block in blocks {
            let root =
                fleetplan::load::Root::Text { name: doc.to_string(), text: block.to_string() };
            let compiled = fleetplan::compile(root).unwrap();
            if let Err(d) = &compiled.result {
                panic!("{doc}:\n{}", d.render_plain(&compiled.program.sources));
            }
            // A whole program (one with pools) is an example a user may run: it must plan.
            if block.lines().any(|l| l.starts_with("pool ")) {
                let root =
                    fleetplan::load::Root::Text { name: doc.to_string(), text: block.to_string() };
                let planned = fleetplan::plan(root, &fleetplan::solve::Options::default()).unwrap();
                if let fleetplan::PlanOutcome::Infeasible { diagnostics, .. } = &planned.outcome {
                    panic!(
                        "{doc}: the example does not plan:\n{}",
                        diagnostics.render_plain(&planned.program.sources)
                    );
                }
                assert!(
                    matches!(planned.outcome, fleetplan::PlanOutcome::Planned { .. }),
                    "{doc}: the example does not plan"
                );
            }
        }
    }
}
