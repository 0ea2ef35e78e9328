//! The performance model against published measurements (tests/data/validation.csv and
//! tests/data/validation-vendors.csv, each row with its source), predicted with the planner's
//! own functions (tests/validation/mod.rs). Prints the tables of docs/perf-model.md
//! (`cargo test --test perf_validation -- --nocapture`) and holds the errors to bounds per
//! vendor and scenario, in sample and leave one vendor out.
#![allow(clippy::unwrap_used)]

mod validation;

use std::collections::{BTreeMap, BTreeSet};

use fleetplan::spec::Spec;
use validation::{catalog, error, predict, quantile, rows, Row};

/// `(median, p90)` of absolute errors.
fn summary(errors: &[f64]) -> (f64, f64) {
    let abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    (quantile(abs.clone(), 0.5), quantile(abs, 0.9))
}

fn table(title: &str, groups: &BTreeMap<String, Vec<f64>>) {
    println!("\n| {title} | rows | median abs. error | p90 abs. error | too optimistic |");
    println!("|---|---|---|---|---|");
    for (name, errors) in groups {
        let (median, p90) = summary(errors);
        let optimistic = errors.iter().filter(|e| **e > 0.0).count();
        println!(
            "| {name} | {} | {:.1}% | {:.1}% | {optimistic} of {} |",
            errors.len(),
            median * 100.0,
            p90 * 100.0,
            errors.len()
        );
    }
}

fn group(rows: &[Row], errors: &[f64], key: impl Fn(&Row) -> String) -> BTreeMap<String, Vec<f64>> {
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (row, e) in rows.iter().zip(errors) {
        groups.entry(key(row)).or_default().push(*e);
        groups.entry("all".into()).or_default().push(*e);
    }
    groups
}

/// The bounds this model has earned: each is today's figure plus a small margin (about two
/// points on the median, five on the p90), so that a change that makes the model worse fails:
/// tripwires, not targets (the targets of issue 11 are 15% median and 45% p90 on held-out
/// data). Lower them when the model
/// improves; never raise them without saying why in docs/perf-model.md.
const OVERALL: (f64, f64) = (0.19, 0.81);
const PER_VENDOR: &[(&str, f64, f64)] = &[
    ("amd", 0.30, 0.93),
    ("cerebras", 0.29, 0.32),
    ("cpu", 0.17, 0.39),
    ("groq", 0.62, 0.74),
    ("huawei", 0.16, 0.24),
    ("intel_gaudi", 0.14, 0.39),
    ("nvidia", 0.16, 0.58),
];
const PER_SCENARIO: &[(&str, f64, f64)] = &[
    // 18% before MI300X's compute share rose from 18% to 25% with the MLPerf v4.1 rows (the
    // ROCm vLLM sweeps are slower than MLPerf's tuned runs): docs/perf-model.md.
    ("batch_sweep", 0.21, 0.46),
    ("interactive", 0.44, 1.25),
    ("latency", 0.17, 0.39),
    ("offline", 0.17, 0.70),
    ("per_user", 0.24, 0.74),
    ("server", 0.21, 0.86),
];
const LEAVE_ONE_VENDOR_OUT: (f64, f64) = (0.35, 1.21);

fn check(what: &str, errors: &[f64], (median_bound, p90_bound): (f64, f64)) {
    let (median, p90) = summary(errors);
    assert!(
        median <= median_bound,
        "{what}: median |error| {:.1}% above {:.0}%",
        median * 100.0,
        median_bound * 100.0
    );
    assert!(
        p90 <= p90_bound,
        "{what}: p90 |error| {:.1}% above {:.0}%",
        p90 * 100.0,
        p90_bound * 100.0
    );
}

#[test]
fn predictions_against_measurements() {
    let spec = catalog();
    let rows = rows();
    assert!(rows.len() >= 270, "the validation set shrank to {}", rows.len());
    let errors: Vec<f64> = rows.iter().map(|r| error(r, predict(&spec, r))).collect();
    println!("| origin | device | n | model | weights | in/out | batch | metric | measured | predicted | error |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (row, e) in rows.iter().zip(&errors) {
        println!(
            "| {} | {} | {} | {} | {} | {}/{} | {} | {} | {:.4} | {:.4} | {:+.1}% |",
            row.origin,
            row.device,
            row.devices.map_or("min".into(), |d| d.to_string()),
            row.model,
            row.weights.name(),
            row.input,
            row.output,
            row.batch.map_or("max".into(), |b| b.to_string()),
            row.metric,
            row.measured,
            predict(&spec, row),
            e * 100.0
        );
    }
    let by_vendor = group(&rows, &errors, |r| r.vendor().to_string());
    let by_scenario = group(&rows, &errors, |r| r.scenario.clone());
    table("vendor", &by_vendor);
    table("scenario", &by_scenario);
    table("model family", &group(&rows, &errors, |r| r.family(&spec)));
    table("device", &group(&rows, &errors, |r| r.device.clone()));
    check("all rows", &errors, OVERALL);
    for (vendor, median, p90) in PER_VENDOR {
        check(vendor, &by_vendor[*vendor], (*median, *p90));
    }
    for (scenario, median, p90) in PER_SCENARIO {
        check(scenario, &by_scenario[*scenario], (*median, *p90));
    }
}

/// Calibration values a device may set, as one candidate for the defaults.
#[derive(Clone, Copy, Debug)]
struct Defaults {
    compute: f64,
    bandwidth: f64,
    overhead_s: f64,
    layer_s: f64,
    collective_s: f64,
}

/// `spec` with the devices in `names` given `d` (or, with `None`, stripped of their own values
/// so that the defaults of their kind in src/perf/calibration.rs apply).
fn with_defaults(spec: &Spec, names: &BTreeSet<String>, d: Option<Defaults>) -> Spec {
    let mut spec = spec.clone();
    for (name, device) in spec.devices.iter_mut() {
        if names.contains(name) {
            device.compute_efficiency = d.map(|d| d.compute);
            device.bandwidth_efficiency = d.map(|d| d.bandwidth);
            device.step_overhead_s = d.map(|d| d.overhead_s);
            device.layer_latency_s = d.map(|d| d.layer_s);
            device.collective_latency_s = d.map(|d| d.collective_s);
        }
    }
    spec
}

/// Mean clipped absolute error, each publication weighted alike (as tests/fit_calibration.rs
/// fits the catalog's values).
fn score(rows: &[&Row], errors: &[f64]) -> f64 {
    let mut by_source: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (r, e) in rows.iter().zip(errors) {
        by_source.entry(r.publication()).or_default().push(e.abs().min(1.0));
    }
    by_source.values().map(|e| e.iter().sum::<f64>() / e.len() as f64).sum::<f64>()
        / by_source.len().max(1) as f64
}

/// Leave one vendor out: the held-out vendor's devices lose their own calibration and take
/// defaults refitted (one set of values for every device, as defaults are) on the other
/// vendors' rows of the same kind of device (accelerators, SRAM parts; CPUs have one vendor
/// here, so theirs are fitted on every other row): how the model does on a chip it has no
/// measurement of.
#[test]
fn leave_one_vendor_out() {
    let spec = catalog();
    let rows = rows();
    let mut grid = Vec::new();
    for compute in [0.1, 0.2, 0.3, 0.45, 0.6] {
        for bandwidth in [0.45, 0.55, 0.65, 0.75, 0.85] {
            for overhead_s in [0.5e-3, 2e-3, 5e-3] {
                for layer_s in [5e-6, 20e-6, 45e-6] {
                    for collective_s in [4e-6, 15e-6, 40e-6] {
                        grid.push(Defaults {
                            compute,
                            bandwidth,
                            overhead_s,
                            layer_s,
                            collective_s,
                        });
                    }
                }
            }
        }
    }
    let kind = |r: &Row| spec.devices[&r.device].kind;
    let vendors: BTreeSet<&str> = rows.iter().map(Row::vendor).collect();
    let mut held_out = BTreeMap::new();
    let mut all = Vec::new();
    for vendor in vendors {
        let test: Vec<&Row> = rows.iter().filter(|r| r.vendor() == vendor).collect();
        let kinds: BTreeSet<_> = test.iter().map(|r| kind(r)).collect();
        let same_kind: Vec<&Row> =
            rows.iter().filter(|r| r.vendor() != vendor && kinds.contains(&kind(r))).collect();
        // No other vendor of the kind (CPUs: only the Xeon has rows): fit on every other row.
        let train = if same_kind.is_empty() {
            rows.iter().filter(|r| r.vendor() != vendor).collect()
        } else {
            same_kind
        };
        let mine: BTreeSet<String> = test.iter().map(|r| r.device.clone()).collect();
        let theirs: BTreeSet<String> = train.iter().map(|r| r.device.clone()).collect();
        let best = grid
            .iter()
            .map(|d| {
                let spec = with_defaults(&spec, &theirs, Some(*d));
                let errors: Vec<f64> = train.iter().map(|r| error(r, predict(&spec, r))).collect();
                (score(&train, &errors), *d)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, d)| d);
        println!("held out {vendor}: defaults fitted on the rest {best:?}");
        let spec = with_defaults(&spec, &mine, best);
        let errors: Vec<f64> = test.iter().map(|r| error(r, predict(&spec, r))).collect();
        all.extend(errors.iter().copied());
        held_out.insert(vendor.to_string(), errors);
    }
    held_out.insert("all".into(), all.clone());
    table("held-out vendor", &held_out);
    check("leave one vendor out", &all, LEAVE_ONE_VENDOR_OUT);
}
