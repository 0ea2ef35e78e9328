//! No number makes fleetplan panic, hang or plan nonsense: every numeral of the examples is
//! replaced, one or two at a time, by an extreme value (zero, negative, tiny, huge, past a
//! 64-bit float, fractional), and each variant goes through the whole pipeline: check, plan
//! (with a short solver time limit), simulation of a planned fleet, every rendering and the
//! formatter. Every diagnostic must have a code and a help line, and no report may hold `NaN`
//! or `inf`. Deterministic; `FLEETPLAN_NUMBER_CASES=N` runs more.
#![allow(clippy::unwrap_used)]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use fleetplan::diagnostic::{Diagnostics, RenderStyle};
use fleetplan::load::Root;
use fleetplan::simulate::{SimOptions, Traffic, MAX_SIMULATED_TOKENS};
use fleetplan::source::{FileId, SourceMap};

use common::Rng;

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "-0",
    "1e-300",
    "1e300",
    "1e308",
    "1e999",
    "99999999999999999999",
    "0.5",
    "1e-9",
    "4294967296",
    "1M",
    "1T",
    "10000000",
    "1",
    "2",
];

/// Byte ranges of the numerals of a text (outside comments and strings, roughly: a digit run
/// after a space or `=` or `(`).
fn numerals(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut in_comment = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            in_comment = false;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            in_comment = true;
        }
        let starts = b.is_ascii_digit()
            && !in_comment
            && i > 0
            && matches!(bytes[i - 1], b' ' | b'=' | b'(');
        if starts {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            found.push((start, i));
            continue;
        }
        i += 1;
    }
    found
}

fn all_coded(diagnostics: &Diagnostics, what: &str) {
    for d in diagnostics.iter() {
        assert!(d.code().starts_with("fleet::"), "{what}: uncoded diagnostic {d:?}");
        assert!(d.help().is_some_and(|h| !h.is_empty()), "{what}: {} has no help", d.code());
    }
}

fn render_all(sources: &SourceMap, diagnostics: &Diagnostics) {
    assert!(!diagnostics.render_human(sources, RenderStyle::SNAPSHOT).is_empty());
    let _ = diagnostics.render_plain(sources);
    let _ = diagnostics.render_json(sources);
}

fn finite(text: &str, what: &str) {
    let words = text.split(|c: char| c.is_whitespace() || c == '$' || c == '(' || c == ')');
    for word in words {
        let bad = word.contains("NaN")
            || word.trim_start_matches(['-', '+']).starts_with("inf") && !word.contains('.');
        assert!(!bad, "{what}: `{word}` in the report:\n{text}");
    }
}

fn run(name: &str, text: &str) {
    let _ = fleetplan::fmt::format_source(FileId(0), text);
    let options = fleetplan::solve::Options { time_limit_s: 5.0, ..Default::default() };
    let root = Root::Text { name: name.to_string(), text: text.to_string() };
    let planned = fleetplan::plan(root, &options).unwrap();
    let sources = &planned.program.sources;
    match planned.outcome {
        fleetplan::PlanOutcome::Invalid(d)
        | fleetplan::PlanOutcome::Infeasible { diagnostics: d, .. } => {
            all_coded(&d, name);
            render_all(sources, &d);
        }
        fleetplan::PlanOutcome::Planned { spec, graph, solution, plan } => {
            finite(&fleetplan::report::plan_text(&plan), name);
            let _ = fleetplan::report::plan_markdown(&plan);
            let _ = fleetplan::dump::json(&plan);
            whatif_and_html(name, &spec, &plan, &options);
            // As the CLI does: only simulations within the token budget run.
            let rate: f64 = spec.workloads.values().map(|w| w.rate_per_s).sum();
            let tokens: f64 = spec.workloads.values().map(|w| w.rate_per_s * w.output_tokens).sum();
            let requests = 500u64;
            if rate > 0.0 && tokens / rate * requests as f64 <= MAX_SIMULATED_TOKENS {
                let sim =
                    SimOptions { traffic: Traffic::Requests(requests), ..SimOptions::default() };
                let report = fleetplan::simulate::simulate(&spec, &graph, &solution, &sim);
                let _ = fleetplan::simulate::report_text(&report);
                let misses = fleetplan::simulate::slo_misses(&report);
                all_coded(&misses, name);
            }
        }
    }
}

/// The frontier of every workload (a short sweep) and the HTML page, as `report` makes them.
fn whatif_and_html(
    name: &str,
    spec: &fleetplan::spec::Spec,
    plan: &fleetplan::report::Plan,
    options: &fleetplan::solve::Options,
) {
    use fleetplan::whatif::frontier::{compare, FrontierOptions};
    let options = FrontierOptions {
        steps: 3,
        solve: fleetplan::solve::Options { time_limit_s: 1.0, ..*options },
    };
    let frontiers: Vec<_> =
        spec.workloads.keys().filter_map(|w| compare(name, spec, w, &options, true).ok()).collect();
    for c in &frontiers {
        for f in std::iter::once(&c.combined).chain(&c.by_pool) {
            finite(&fleetplan::report::frontier_text(f), name);
        }
        let _ = fleetplan::report::frontier_svg(&c.combined, &c.by_pool);
    }
    let input = fleetplan::report::ReportInput {
        plan,
        frontiers: &frontiers,
        frontier_notes: &[],
        simulation: None,
        sensitivity: None,
    };
    let page = fleetplan::report::html(&input);
    assert!(!page.contains("chart not drawn"), "{name}: a chart failed");
}

#[test]
fn extreme_numbers_never_panic() {
    let cases: usize =
        std::env::var("FLEETPLAN_NUMBER_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48);
    let seeds: Vec<(String, String)> = common::fleet_files("examples")
        .into_iter()
        .map(|p| (common::relative(&p).display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let mut rng = Rng(0xB16F_1EE7_0DD5);
    let mut failures = Vec::new();
    for case in 0..cases {
        let (name, seed) = &seeds[case % seeds.len()];
        let spots = numerals(seed);
        let mut text = seed.clone();
        // Replace from the end so earlier offsets stay valid.
        let mut chosen: Vec<(usize, usize)> =
            (0..1 + rng.below(2)).map(|_| spots[rng.below(spots.len())]).collect();
        chosen.sort();
        chosen.dedup();
        for (start, end) in chosen.into_iter().rev() {
            text.replace_range(start..end, EXTREMES[rng.below(EXTREMES.len())]);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| run(name, &text)));
        if let Err(e) = outcome {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("case {case} from {name}: {why}\n{text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
