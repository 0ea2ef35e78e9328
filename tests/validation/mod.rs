//! Published measurements and what the planner's own functions predict for them: the rows of
//! tests/data/validation.csv (NVIDIA TensorRT-LLM offline, Groq, Cerebras) and
//! tests/data/validation-vendors.csv (AMD, Intel Gaudi and Xeon, Huawei Ascend, NVIDIA small
//! batch, Groq), each with its source. docs/perf-model.md says how each metric is mapped.
#![allow(clippy::unwrap_used, dead_code)]

use fleetplan::load::Root;
use fleetplan::perf::measured;
use fleetplan::spec::{Precision, Spec};

pub fn catalog() -> Spec {
    let text = "use std.hardware.*\nuse std.models.*\n".to_string();
    fleetplan::compile(Root::Text { name: "catalog.fleet".into(), text }).unwrap().result.unwrap()
}

/// One measurement.
#[derive(Clone, Debug)]
pub struct Row {
    /// `file:line` of the row in the source CSV it was transcribed from.
    pub origin: String,
    /// The publication the row comes from.
    pub source: String,
    pub device: String,
    /// Devices of the instance; `None`: the fewest that hold the model.
    pub devices: Option<u32>,
    pub model: String,
    pub weights: Precision,
    pub kv: Precision,
    pub input: f64,
    pub output: f64,
    /// Batch or concurrency; `None`: the planner's own (memory, scheduler cap).
    pub batch: Option<u32>,
    /// Identical instances whose summed rate was measured (a system of `replicas × devices`).
    pub replicas: u32,
    pub ttft_limit_ms: Option<f64>,
    pub tpot_limit_ms: Option<f64>,
    pub scenario: String,
    pub metric: String,
    pub measured: f64,
}

impl Row {
    /// The vendor whose calibration the row informs.
    pub fn vendor(&self) -> &'static str {
        match self.device.as_str() {
            "mi300x" | "mi325x" | "mi355x" => "amd",
            "gaudi2" | "gaudi3" => "intel_gaudi",
            "xeon6_6980p" | "epyc_9965" | "grace" => "cpu",
            "ascend_910b" | "ascend_910c" => "huawei",
            "groq_lpu" => "groq",
            "cerebras_wse3" => "cerebras",
            _ => "nvidia",
        }
    }

    /// The publication the row belongs to: its source, or for MLPerf results the round and
    /// submitter (one submission's systems and scenarios share its software).
    pub fn publication(&self) -> &str {
        if self.source.starts_with("MLPerf") {
            let cut = self.source.match_indices(", ").nth(1).map_or(self.source.len(), |(i, _)| i);
            &self.source[..cut]
        } else {
            &self.source
        }
    }

    /// Model family and whether it is MoE.
    pub fn family(&self, spec: &Spec) -> String {
        let family = self.model.split('_').next().unwrap_or("");
        let moe = spec.models[&self.model].experts.is_some();
        format!("{family} {}", if moe { "moe" } else { "dense" })
    }
}

fn read(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    text.lines().map(split_csv).collect()
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

/// Every row of both files.
pub fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (file, line_col) in [
        ("validation.csv", "csv_line"),
        ("validation-vendors.csv", "vendor_line"),
        ("validation-mlperf.csv", "mlperf_line"),
    ] {
        let table = read(file);
        let header = &table[0];
        let col = |name: &str| header.iter().position(|h| h == name);
        for fields in &table[1..] {
            let f = |name: &str| col(name).map(|i| fields[i].clone()).unwrap_or_default();
            let metric = f("metric");
            let scenario = match col("scenario") {
                Some(i) => fields[i].clone(),
                None if metric.starts_with("offline") => "offline".into(),
                None => "per_user".into(),
            };
            let measurements = match file {
                "validation.csv" => "measurements",
                "validation-mlperf.csv" => "mlperf-v4",
                _ => "vendors",
            };
            rows.push(Row {
                origin: format!("{measurements}:{}", f(line_col)),
                source: f("source"),
                device: f("device"),
                devices: f("devices").parse().ok(),
                model: f("model"),
                weights: Precision::from_name(&f("weights")).unwrap(),
                kv: Precision::from_name(&f("kv_cache")).unwrap(),
                input: f("input").parse().unwrap(),
                output: f("output").parse().unwrap(),
                batch: f("batch").parse().ok(),
                replicas: f("replicas").parse().unwrap_or(1),
                ttft_limit_ms: f("ttft_limit_ms").parse().ok(),
                tpot_limit_ms: f("tpot_limit_ms").parse().ok(),
                scenario,
                metric,
                measured: f("measured").parse().unwrap(),
            });
        }
    }
    rows
}

/// The row as the library's measured point.
pub fn point(row: &Row) -> measured::Point {
    measured::Point {
        devices: row.devices,
        weights: Some(row.weights),
        kv_cache: Some(row.kv),
        input_tokens: row.input,
        output_tokens: row.output,
        batch: row.batch,
        replicas: row.replicas,
        ttft_limit_s: row.ttft_limit_ms.map(|t| t / 1e3),
        tpot_limit_s: row.tpot_limit_ms.map(|t| t / 1e3),
        metric: measured::Metric::from_name(&row.metric)
            .unwrap_or_else(|| panic!("unknown metric {}", row.metric)),
        measured: row.measured,
    }
}

/// The prediction for a row, from the functions the planner uses (`perf::measured::predict`,
/// which a device's fit to a user's measurements also uses).
pub fn predict(spec: &Spec, row: &Row) -> f64 {
    measured::predict(&spec.models[&row.model], &spec.devices[&row.device], &point(row))
}

/// Relative error of a prediction: positive when the model is too optimistic (predicts more
/// throughput, or less time, than was measured).
pub fn error(row: &Row, predicted: f64) -> f64 {
    measured::error(&point(row), predicted)
}

pub fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i]
}
