//! The performance model against published measurements (tests/data/validation.csv, copied
//! from shared/reference/measurements.csv with the source of each row). Prints the table
//! (`cargo test --test perf_validation -- --nocapture`) and holds the errors to a bound, so
//! that a change that makes the model worse fails.
#![allow(clippy::unwrap_used)]

use fleetplan::load::Root;
use fleetplan::perf::{self, calibration, EstimateRequest, Instance};
use fleetplan::spec::{Precision, Spec};

fn catalog() -> Spec {
    let text = "use std.hardware.*\nuse std.models.*\n".to_string();
    fleetplan::compile(Root::Text { name: "catalog.fleet".into(), text }).unwrap().result.unwrap()
}

struct Row {
    line: String,
    device: String,
    devices: Option<u32>,
    model: String,
    weights: Precision,
    kv: Precision,
    input: f64,
    output: f64,
    metric: String,
    measured: f64,
}

fn rows() -> Vec<Row> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/validation.csv"))
            .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|line| {
            let fields = split_csv(line);
            let f = |name: &str| fields[col(name)].clone();
            Row {
                line: f("csv_line"),
                device: f("device"),
                devices: f("devices").parse().ok(),
                model: f("model"),
                weights: Precision::from_name(&f("weights")).unwrap(),
                kv: Precision::from_name(&f("kv_cache")).unwrap(),
                input: f("input").parse().unwrap(),
                output: f("output").parse().unwrap(),
                metric: f("metric"),
                measured: f("measured").parse().unwrap(),
            }
        })
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

fn predict(spec: &Spec, row: &Row) -> f64 {
    let model = &spec.models[&row.model];
    let device = &spec.devices[&row.device];
    match row.metric.as_str() {
        "offline_output_tokens_per_s" => {
            let devices = row.devices.unwrap();
            let (tp, pp) = perf::layout_for(model, device, devices, 8);
            let instance = Instance { model, device, tp, pp, weights: row.weights, kv: row.kv };
            perf::offline_throughput(
                &instance,
                row.input,
                row.output,
                calibration::SCHEDULER_MAX_BATCH,
            )
            .map_or(0.0, |(_, t)| t)
        }
        "decode_tokens_per_s_per_user" => {
            let request = EstimateRequest {
                model,
                device,
                devices: row.devices,
                batch: Some(1),
                input_tokens: row.input,
                output_tokens: row.output,
                weights: Some(row.weights),
                kv_cache: Some(row.kv),
                tpot_s: None,
                ttft_s: None,
            };
            perf::estimate(&request).decode_tokens_per_s
        }
        other => panic!("unknown metric {other}"),
    }
}

fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i]
}

/// The bounds this model has earned; lower them when the model improves, never raise them
/// without saying why in docs/perf-model.md.
const MEDIAN_BOUND: f64 = 0.12;
const P90_BOUND: f64 = 0.32;

#[test]
fn predictions_against_measurements() {
    let spec = catalog();
    let rows = rows();
    assert!(rows.len() >= 60, "the validation set shrank to {}", rows.len());
    let mut errors = Vec::new();
    let mut families: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    println!("| line | device | n | model | weights | in/out | measured | predicted | error |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let predicted = predict(&spec, row);
        let error = (predicted - row.measured) / row.measured;
        println!(
            "| {} | {} | {} | {} | {} | {}/{} | {:.0} | {:.0} | {:+.1}% |",
            row.line,
            row.device,
            row.devices.map_or("min".into(), |d| d.to_string()),
            row.model,
            row.weights.name(),
            row.input,
            row.output,
            row.measured,
            predicted,
            error * 100.0
        );
        errors.push(error.abs());
        families.entry(row.device.clone()).or_default().push(error.abs());
    }
    println!("\n| family | rows | median abs. error | p90 abs. error |");
    println!("|---|---|---|---|");
    for (family, errs) in &families {
        println!(
            "| {family} | {} | {:.1}% | {:.1}% |",
            errs.len(),
            quantile(errs.clone(), 0.5) * 100.0,
            quantile(errs.clone(), 0.9) * 100.0
        );
    }
    let (median, p90) = (quantile(errors.clone(), 0.5), quantile(errors.clone(), 0.9));
    println!("| all | {} | {:.1}% | {:.1}% |", errors.len(), median * 100.0, p90 * 100.0);
    assert!(
        median <= MEDIAN_BOUND,
        "median |error| {:.1}% above {:.0}%",
        median * 100.0,
        MEDIAN_BOUND * 100.0
    );
    assert!(p90 <= P90_BOUND, "p90 |error| {:.1}% above {:.0}%", p90 * 100.0, P90_BOUND * 100.0);
}
