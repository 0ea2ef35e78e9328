//! `calibrate = measured("bench.csv")`: a device's own measurements, read by `load`, checked
//! here row by row (columns, numbers, physical sense) with diagnostics that point at the cell.
//! The fit itself is `perf::calibrate`'s: this stage knows nothing of the performance model.

use super::error::CheckError;
use super::fields::{Checked, FieldChecker};
use crate::diagnostic::did_you_mean;
use crate::load::quoted_list;
use crate::source::{FileId, Span};
use crate::spec::{MeasuredMetric, MeasuredPoint, Measurement, Measurements, Precision};
use crate::syntax::ast::Call;

/// Columns a measurements file must have.
pub const REQUIRED_COLUMNS: &[&str] = &["model", "metric", "measured", "input", "output"];
/// Columns it may have; `source` and `note` are kept for the reader and not read.
pub const OPTIONAL_COLUMNS: &[&str] = &[
    "devices",
    "batch",
    "replicas",
    "weights",
    "kv_cache",
    "ttft_limit_ms",
    "tpot_limit_ms",
    "source",
    "note",
];

/// The most rows a measurements file may hold: a fit predicts every point up to some three
/// thousand times (a server point plans an instance each time: 12 of them take about 2.5 s of
/// CPU), and a dozen points already fit the five values.
pub const MAX_POINTS: usize = 200;

/// The most devices one measured instance may span.
const MAX_DEVICES: f64 = 4096.0;

impl FieldChecker<'_> {
    /// `measured("bench.csv")`: the file's rows as [`Measurements`].
    pub(super) fn measured(&mut self, call: &Call) -> Option<Checked> {
        let (path, span) = self.file_argument(call, "measured", "`measured(\"bench.csv\")`")?;
        let (text, file) = self.data_text(&path, span)?;
        // A file that was read is in the source map (`load`), so rows have spans.
        let file = file?;
        let before = self.errors.len();
        let points = Table { file, path: &path, checker: self }.rows(&text);
        if self.errors.len() > before {
            return None;
        }
        if points.is_empty() {
            self.errors.push(CheckError::MeasuredEmpty { path, span });
            return None;
        }
        Some(Checked::Measurements { value: Measurements { path, points, span }, span })
    }
}

/// One file being read, for its diagnostics.
struct Table<'a, 'b> {
    file: FileId,
    path: &'a str,
    checker: &'a mut FieldChecker<'b>,
}

/// A cell: its text and where it is.
struct Cell<'t> {
    text: &'t str,
    span: Span,
}

impl Table<'_, '_> {
    fn rows(&mut self, text: &str) -> Vec<Measurement> {
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            lines.push((offset, body));
            offset += line.len();
        }
        let mut lines = lines.into_iter().enumerate().filter(|(_, (_, l))| !l.trim().is_empty());
        let Some((_, (header_at, header))) = lines.next() else { return Vec::new() };
        let header = split(header, header_at, self.file);
        let Some(columns) = self.columns(&header, header_at) else { return Vec::new() };
        let mut points = Vec::new();
        for (count, (index, (at, line))) in lines.enumerate() {
            if count >= MAX_POINTS {
                self.checker.errors.push(CheckError::MeasuredTooMany {
                    path: self.path.to_string(),
                    most: MAX_POINTS,
                    span: Span::new(self.file, at, at + line.len()),
                });
                break;
            }
            let cells = split(line, at, self.file);
            let line_span = Span::new(self.file, at, at + line.len());
            if cells.len() != header.len() {
                self.checker.errors.push(CheckError::MeasuredRow {
                    path: self.path.to_string(),
                    line: index + 1,
                    found: cells.len(),
                    expected: header.len(),
                    span: line_span,
                });
                continue;
            }
            if let Some(point) = self.row(&columns, &cells, index + 1, line_span) {
                points.push(point);
            }
        }
        points
    }

    /// The position of each known column, or every problem with the header.
    fn columns(&mut self, header: &[Cell<'_>], at: usize) -> Option<Vec<(&'static str, usize)>> {
        let known: Vec<&'static str> =
            REQUIRED_COLUMNS.iter().chain(OPTIONAL_COLUMNS).copied().collect();
        let mut columns = Vec::new();
        let mut ok = true;
        for (i, cell) in header.iter().enumerate() {
            let name = cell.text.trim();
            match known.iter().find(|k| **k == name) {
                Some(k) if columns.iter().any(|(c, _)| c == k) => {
                    self.checker.errors.push(CheckError::MeasuredColumn {
                        path: self.path.to_string(),
                        column: name.to_string(),
                        problem: "appears twice".to_string(),
                        help: "keep one column of each name".to_string(),
                        span: cell.span,
                    });
                    ok = false;
                }
                Some(k) => columns.push((*k, i)),
                None => {
                    let help = match did_you_mean(name, known.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("the columns are {}", quoted_list(&known)),
                    };
                    self.checker.errors.push(CheckError::MeasuredColumn {
                        path: self.path.to_string(),
                        column: name.to_string(),
                        problem: "is not a column of a measurements file".to_string(),
                        help,
                        span: cell.span,
                    });
                    ok = false;
                }
            }
        }
        let header_span =
            Span::new(self.file, at, header.last().map_or(at, |c| c.span.key().2 as usize).max(at));
        for required in REQUIRED_COLUMNS {
            if !columns.iter().any(|(c, _)| c == required) {
                self.checker.errors.push(CheckError::MeasuredColumn {
                    path: self.path.to_string(),
                    column: required.to_string(),
                    problem: "is missing".to_string(),
                    help: format!("a measurements file has the columns {}", quoted_list(&known)),
                    span: header_span,
                });
                ok = false;
            }
        }
        ok.then_some(columns)
    }

    fn row(
        &mut self,
        columns: &[(&'static str, usize)],
        cells: &[Cell<'_>],
        line: usize,
        span: Span,
    ) -> Option<Measurement> {
        let cell = |name: &str| {
            columns.iter().find(|(c, _)| *c == name).map(|(_, i)| &cells[*i]).filter(|c| {
                // An empty optional cell means "not stated".
                !c.text.trim().is_empty() || REQUIRED_COLUMNS.contains(&name)
            })
        };
        let mut ok = true;
        let model = cell("model").map(|c| (c.text.trim().to_string(), c.span));
        if model.as_ref().is_some_and(|(m, _)| m.is_empty()) {
            ok &= self.bad(
                line,
                "model",
                model.as_ref().map_or(span, |m| m.1),
                "",
                "is empty",
                "name a model in scope, such as `llama3_1_70b`",
            );
        }
        let metric = cell("metric").and_then(|c| {
            let text = c.text.trim();
            let found = MeasuredMetric::from_name(text);
            if found.is_none() {
                let help = match did_you_mean(text, MeasuredMetric::NAMES.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("the metrics are {}", quoted_list(MeasuredMetric::NAMES)),
                };
                ok &= self.bad(line, "metric", c.span, text, "is not a metric", &help);
            }
            found
        });
        let mut number = |name: &str, whole: bool, upper: f64| -> Option<f64> {
            let c = cell(name)?;
            let text = c.text.trim();
            let value = match text.replace('_', "").parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    ok &= self.bad(
                        line,
                        name,
                        c.span,
                        text,
                        "is not a number",
                        "write a plain number, such as `1024` or `12.5`",
                    );
                    return None;
                }
            };
            if value <= 0.0 {
                ok &= self.bad(
                    line,
                    name,
                    c.span,
                    text,
                    "must be greater than zero",
                    "a measurement of nothing cannot be fitted: fix or drop the row",
                );
                return None;
            }
            if whole && value.fract() != 0.0 {
                ok &= self.bad(
                    line,
                    name,
                    c.span,
                    text,
                    "must be a whole number",
                    "write a count, such as `8`",
                );
                return None;
            }
            if value > upper {
                ok &= self.bad(
                    line,
                    name,
                    c.span,
                    text,
                    "is beyond any real measurement",
                    &format!("at most {upper}"),
                );
                return None;
            }
            Some(value)
        };
        let measured = number("measured", false, 1e12);
        let input = number("input", false, 1e8);
        let output = number("output", false, 1e8);
        let devices = number("devices", true, MAX_DEVICES);
        let batch = number("batch", true, 1e6);
        let replicas = number("replicas", true, 1e6);
        let ttft_limit = number("ttft_limit_ms", false, 1e9);
        let tpot_limit = number("tpot_limit_ms", false, 1e9);
        let mut precision = |name: &str| -> Option<Precision> {
            let c = cell(name)?;
            let text = c.text.trim();
            let found = Precision::from_name(text);
            if found.is_none() {
                let help = match did_you_mean(text, Precision::NAMES.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("the precisions are {}", quoted_list(Precision::NAMES)),
                };
                ok &= self.bad(line, name, c.span, text, "is not a precision", &help);
            }
            found
        };
        let weights = precision("weights");
        let kv_cache = precision("kv_cache");
        let (Some((model, model_span)), Some(metric), Some(measured), Some(input), Some(output)) =
            (model, metric, measured, input, output)
        else {
            return None;
        };
        if metric == MeasuredMetric::ServerOutputTokensPerS
            && ttft_limit.is_none()
            && tpot_limit.is_none()
        {
            let at = cell("metric").map_or(span, |c| c.span);
            ok &= self.bad(
                line,
                "metric",
                at,
                metric.name(),
                "needs the latency limits the server was held to",
                "fill `ttft_limit_ms` or `tpot_limit_ms` (or both) for this row",
            );
        }
        if !ok {
            return None;
        }
        Some(Measurement {
            model,
            point: MeasuredPoint {
                devices: devices.map(|d| d as u32),
                weights,
                kv_cache,
                input_tokens: input,
                output_tokens: output,
                batch: batch.map(|b| b as u32),
                replicas: replicas.map_or(1, |r| r as u32),
                ttft_limit_s: ttft_limit.map(|t| t / 1e3),
                tpot_limit_s: tpot_limit.map(|t| t / 1e3),
                metric,
                measured,
            },
            line,
            span,
            model_span,
        })
    }

    /// Records a bad cell; always `false`, for `ok &= …`.
    fn bad(
        &mut self,
        line: usize,
        column: &str,
        span: Span,
        text: &str,
        rule: &str,
        help: &str,
    ) -> bool {
        self.checker.errors.push(CheckError::MeasuredValue {
            path: self.path.to_string(),
            line,
            column: column.to_string(),
            text: text.to_string(),
            rule: rule.to_string(),
            help: help.to_string(),
            span,
        });
        false
    }
}

/// The cells of one line, with their spans; double quotes group commas and are dropped from
/// the cell's text only at its ends.
fn split(line: &str, at: usize, file: FileId) -> Vec<Cell<'_>> {
    let mut cells = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                cells.push(cell(line, start, i, at, file));
                start = i + 1;
            }
            _ => {}
        }
    }
    cells.push(cell(line, start, line.len(), at, file));
    cells
}

fn cell(line: &str, start: usize, end: usize, at: usize, file: FileId) -> Cell<'_> {
    let raw = &line[start..end];
    let text = raw.trim().trim_matches('"');
    Cell { text, span: Span::new(file, at + start, at + end) }
}
