//! Fits a device's calibration to the user's own measurements (`calibrate =
//! measured("bench.csv")`): the stage between `check` and the planner. Each point is
//! predicted by the planner's own functions ([`super::measured::predict`]); the five
//! calibration values are fitted by least squares on the log of predicted over measured,
//! each inside its physical range (an efficiency in (0, 100%], a latency of zero or more), so
//! that no fitted prediction exceeds a peak. A value is fitted only when at least two points
//! depend on it; the others keep the device's own or default value, and the fit says so.
//! docs/perf-model.md ("Bring your own measurements") states the method.

use miette::Diagnostic;
use thiserror::Error;

use super::calibration;
use super::measured::{self, Point};
use crate::diagnostic::{did_you_mean, Diagnostics, StageError};
use crate::source::Span;
use crate::spec::{CalibrationFit, Device, FittedPoint, FittedTerm, Measurement, Model, Spec};

#[derive(Debug, Error, Diagnostic)]
pub enum CalibrateError {
    #[error("no model `{model}` in scope for the measurements of `{device}`")]
    #[diagnostic(code(fleet::measured_model), help("{help}"))]
    UnknownModel {
        model: String,
        device: String,
        help: String,
        #[label("not a model in scope")]
        span: Span,
    },

    #[error("line {line} of `{path}`: `{model}` cannot run as measured on `{device}`")]
    #[diagnostic(
        code(fleet::measured_not_runnable),
        help("{reason}; check the `devices`, `weights` and `kv_cache` cells of the row")
    )]
    NotRunnable {
        path: String,
        line: usize,
        model: String,
        device: String,
        reason: String,
        #[label("this row")]
        span: Span,
    },

    #[error("`{device}` has {found} measured points; a fit needs at least {needed}")]
    #[diagnostic(
        code(fleet::too_few_measurements),
        help("measure at least a small-batch step time (`tpot_ms` at batch 1) and a long prompt (`ttft_ms`), then a loaded point; each value is fitted only where two points depend on it")
    )]
    TooFewPoints {
        device: String,
        found: usize,
        needed: usize,
        #[label("measurements named here")]
        span: Span,
    },
}

impl StageError for CalibrateError {
    fn span(&self) -> Span {
        match self {
            CalibrateError::UnknownModel { span, .. }
            | CalibrateError::NotRunnable { span, .. }
            | CalibrateError::TooFewPoints { span, .. } => *span,
        }
    }
}

/// The fewest points a fit takes.
pub const MIN_POINTS: usize = 2;

/// A point "depends" on a value when changing the value by its probe moves the prediction by
/// at least this much (2%, in log terms).
const SENSITIVITY: f64 = 0.02;

/// A value is fitted when its pattern of moves keeps this share of its norm after the values
/// before it are projected out.
const IDENTIFIABLE: f64 = 0.05;

/// The calibration values, in the order of [`TERMS`].
type Values = [f64; 5];

/// How each value is searched: its name, its range, and the offset that lets a latency of zero
/// sit on a log scale.
struct Term {
    name: &'static str,
    low: f64,
    high: f64,
    /// Added before taking logs (zero for efficiencies, which are never zero).
    offset: f64,
    /// The change that probes whether a point depends on the value.
    probe: fn(f64) -> f64,
}

const TERMS: [Term; 5] = [
    Term { name: "compute_efficiency", low: 0.01, high: 1.0, offset: 0.0, probe: |v| v * 0.8 },
    Term { name: "bandwidth_efficiency", low: 0.05, high: 1.0, offset: 0.0, probe: |v| v * 0.8 },
    Term { name: "step_overhead", low: 0.0, high: 0.1, offset: 1e-5, probe: |v| v + v.max(1e-3) },
    Term { name: "layer_latency", low: 0.0, high: 1e-3, offset: 1e-7, probe: |v| v + v.max(10e-6) },
    Term {
        name: "collective_latency",
        low: 0.0,
        high: 1e-3,
        offset: 1e-7,
        probe: |v| v + v.max(10e-6),
    },
];

/// Every device with measurements, fitted; errors at the rows and files that cannot be fitted.
pub fn calibrate(mut spec: Spec) -> Result<Spec, Diagnostics> {
    let mut errors = Diagnostics::new();
    let names: Vec<String> = spec
        .devices
        .iter()
        .filter(|(_, d)| d.measurements.is_some())
        .map(|(n, _)| n.clone())
        .collect();
    for name in names {
        let fitted = match spec.devices.get(&name) {
            Some(device) => fit_device(&spec, device, &mut errors),
            None => None,
        };
        if let (Some((values, fit)), Some(device)) = (fitted, spec.devices.get_mut(&name)) {
            for (i, term) in fit.terms.iter().enumerate() {
                if term.fitted {
                    *slot(device, i) = Some(values[i]);
                }
            }
            device.fit = Some(fit);
        }
    }
    errors.finish(spec)
}

fn fit_device(
    spec: &Spec,
    device: &Device,
    errors: &mut Diagnostics,
) -> Option<(Values, CalibrationFit)> {
    let measurements = device.measurements.as_ref()?;
    let mut points: Vec<(&Model, Point, &Measurement)> = Vec::new();
    for m in &measurements.points {
        let Some(model) = spec.models.get(&m.model) else {
            let help = match did_you_mean(&m.model, spec.models.keys().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None => "import the model (`use std.models.*`) or define it".to_string(),
            };
            errors.push(CalibrateError::UnknownModel {
                model: m.model.clone(),
                device: device.name.clone(),
                help,
                span: m.model_span,
            });
            continue;
        };
        let point = m.point.clone();
        if let Some(reason) = why_not_runnable(model, device, &point) {
            errors.push(CalibrateError::NotRunnable {
                path: measurements.path.clone(),
                line: m.line,
                model: m.model.clone(),
                device: device.name.clone(),
                reason,
                span: m.span,
            });
            continue;
        }
        points.push((model, point, m));
    }
    if points.len() != measurements.points.len() {
        return None;
    }
    if points.len() < MIN_POINTS {
        errors.push(CalibrateError::TooFewPoints {
            device: device.name.clone(),
            found: points.len(),
            needed: MIN_POINTS,
            span: measurements.span,
        });
        return None;
    }
    let prior = values_of(device);
    // Trials copy the device for every loss evaluation: without its measurements.
    let bare = Device { measurements: None, fit: None, ..device.clone() };
    let predict_all = |values: &Values| -> Vec<f64> {
        let trial = with_values(&bare, values);
        points.iter().map(|(model, p, _)| measured::predict(model, &trial, p)).collect()
    };
    let before = predict_all(&prior);
    // How each point's prediction moves with each value (log change under the value's probe).
    let moves: Vec<Vec<f64>> = (0..TERMS.len())
        .map(|i| {
            let mut probed = prior;
            probed[i] = (TERMS[i].probe)(prior[i]).clamp(TERMS[i].low, TERMS[i].high);
            let after = predict_all(&probed);
            before.iter().zip(&after).map(|(a, b)| b.ln() - a.ln()).collect()
        })
        .collect();
    let sensitive: Vec<usize> = moves
        .iter()
        .map(|m| m.iter().filter(|d| d.is_finite() && d.abs() >= SENSITIVITY).count())
        .collect();
    let free = identifiable(&moves, &sensitive);
    let loss = |values: &Values| -> f64 {
        let predicted = predict_all(values);
        let sum: f64 = points
            .iter()
            .zip(&predicted)
            .map(|((_, p, _), q)| log_error(p.measured, *q).powi(2))
            .sum();
        sum / points.len() as f64
    };
    let values = minimise(&loss, prior, &free);
    let after = predict_all(&values);
    let errors_of = |predicted: &[f64]| -> Vec<f64> {
        points.iter().zip(predicted).map(|((_, p, _), q)| measured::error(p, *q)).collect()
    };
    let (errors_before, errors_after) = (errors_of(&before), errors_of(&after));
    let terms = TERMS
        .iter()
        .enumerate()
        .map(|(i, t)| FittedTerm {
            name: t.name,
            before: prior[i],
            after: values[i],
            fitted: free.contains(&i),
            sensitive_points: sensitive[i],
            at_bound: free.contains(&i)
                && ((values[i] - t.low).abs() <= 1e-3 * (t.high - t.low)
                    || (values[i] - t.high).abs() <= 1e-3 * (t.high - t.low)),
        })
        .collect();
    let fitted_points = points
        .iter()
        .zip(before.iter().zip(&after))
        .zip(&errors_after)
        .map(|(((_, p, m), (b, a)), e)| FittedPoint {
            line: m.line,
            model: m.model.clone(),
            metric: p.metric,
            measured: p.measured,
            predicted_before: *b,
            predicted_after: *a,
            error_after: *e,
        })
        .collect();
    let fit = CalibrationFit {
        path: measurements.path.clone(),
        terms,
        points: fitted_points,
        median_abs_error_before: median_abs(&errors_before),
        median_abs_error_after: median_abs(&errors_after),
        max_abs_error_after: errors_after.iter().fold(0.0, |m, e| m.max(e.abs())),
    };
    Some((values, fit))
}

/// Why the planner's model cannot predict `point` at all (the model does not fit), if so.
fn why_not_runnable(model: &Model, device: &Device, point: &Point) -> Option<String> {
    let instance = measured::instance(model, device, point);
    let tokens = point.input_tokens + point.output_tokens;
    super::estimate::why_not(&instance, tokens, point.batch.unwrap_or(1)).or_else(|| {
        let predicted = measured::predict(model, device, point);
        (!(predicted.is_finite() && predicted > 0.0))
            .then(|| "the prediction is not finite".to_string())
    })
}

/// The values the points can fit: each needs two points that depend on it, and a pattern of
/// dependence that the values before it (in [`TERMS`] order) do not already explain. The
/// fixed costs of a step (overhead, per-layer and per-collective latencies) move every point
/// of one model and layout alike: such points fit their sum, as the step overhead, and the
/// others keep their values. (Gram–Schmidt on the points' log changes; a value whose changes
/// keep less than [`IDENTIFIABLE`] of their norm after projection is not identifiable.)
fn identifiable(moves: &[Vec<f64>], sensitive: &[usize]) -> Vec<usize> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut free = Vec::new();
    for (i, m) in moves.iter().enumerate() {
        if sensitive[i] < MIN_POINTS || m.iter().any(|d| !d.is_finite()) {
            continue;
        }
        let mut rest = m.clone();
        for b in &basis {
            let along = dot(&rest, b);
            rest.iter_mut().zip(b).for_each(|(r, x)| *r -= along * x);
        }
        let norm = dot(&rest, &rest).sqrt();
        if norm >= IDENTIFIABLE * dot(m, m).sqrt() {
            basis.push(rest.iter().map(|r| r / norm).collect());
            free.push(i);
        }
    }
    free
}

/// `ln(measured / predicted)`, large when the prediction is unusable.
fn log_error(measured: f64, predicted: f64) -> f64 {
    if predicted.is_finite() && predicted > 0.0 {
        (measured / predicted).ln()
    } else {
        10.0
    }
}

fn median_abs(errors: &[f64]) -> f64 {
    let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    abs.sort_by(f64::total_cmp);
    if abs.is_empty() {
        return 0.0;
    }
    let mid = abs.len() / 2;
    if abs.len() % 2 == 1 {
        abs[mid]
    } else {
        0.5 * (abs[mid - 1] + abs[mid])
    }
}

/// Cyclic coordinate descent over the `free` values: for each, a grid over its whole range
/// (the loss is not convex across a roofline's corner) and a golden-section refinement
/// around the best grid point, on a log scale; repeated until a sweep gains nothing.
/// Deterministic, and never worse than `start`.
fn minimise(loss: &dyn Fn(&Values) -> f64, start: Values, free: &[usize]) -> Values {
    const GRID: usize = 17;
    const GOLDEN_STEPS: usize = 30;
    const SWEEPS: usize = 12;
    let to_u = |i: usize, v: f64| (v + TERMS[i].offset).ln();
    let from_u = |i: usize, u: f64| (u.exp() - TERMS[i].offset).clamp(TERMS[i].low, TERMS[i].high);
    let mut best = start;
    for i in 0..best.len() {
        best[i] = best[i].clamp(TERMS[i].low, TERMS[i].high);
    }
    let mut best_loss = loss(&best);
    for _ in 0..SWEEPS {
        let sweep_start = best_loss;
        for &i in free {
            let (lo, hi) = (to_u(i, TERMS[i].low), to_u(i, TERMS[i].high));
            let at = |u: f64, values: &Values| {
                let mut v = *values;
                v[i] = from_u(i, u);
                (loss(&v), v)
            };
            let step = (hi - lo) / (GRID - 1) as f64;
            let mut grid_best = (best_loss, to_u(i, best[i]));
            for k in 0..GRID {
                let u = lo + step * k as f64;
                let (l, _) = at(u, &best);
                if l < grid_best.0 {
                    grid_best = (l, u);
                }
            }
            let (mut a, mut b) = ((grid_best.1 - step).max(lo), (grid_best.1 + step).min(hi));
            let ratio = 0.5 * (5f64.sqrt() - 1.0);
            let mut c = b - ratio * (b - a);
            let mut d = a + ratio * (b - a);
            let (mut fc, mut fd) = (at(c, &best).0, at(d, &best).0);
            for _ in 0..GOLDEN_STEPS {
                if fc < fd {
                    b = d;
                    d = c;
                    fd = fc;
                    c = b - ratio * (b - a);
                    fc = at(c, &best).0;
                } else {
                    a = c;
                    c = d;
                    fc = fd;
                    d = a + ratio * (b - a);
                    fd = at(d, &best).0;
                }
            }
            for u in [grid_best.1, 0.5 * (a + b)] {
                let (l, v) = at(u, &best);
                if l < best_loss {
                    best_loss = l;
                    best = v;
                }
            }
        }
        if sweep_start - best_loss <= 1e-9 * sweep_start.max(1e-12) {
            break;
        }
    }
    best
}

/// The device's calibration values as the planner resolves them (its own over its kind's).
fn values_of(device: &Device) -> Values {
    let c = calibration::for_device(device);
    [
        c.compute_efficiency,
        c.bandwidth_efficiency,
        c.step_overhead_s,
        c.layer_latency_s,
        c.collective_latency_s,
    ]
}

fn with_values(device: &Device, values: &Values) -> Device {
    let mut trial = device.clone();
    for (i, value) in values.iter().enumerate() {
        *slot(&mut trial, i) = Some(*value);
    }
    trial
}

/// The device's field for the `i`-th of [`TERMS`].
fn slot(device: &mut Device, i: usize) -> &mut Option<f64> {
    match i {
        0 => &mut device.compute_efficiency,
        1 => &mut device.bandwidth_efficiency,
        2 => &mut device.step_overhead_s,
        3 => &mut device.layer_latency_s,
        _ => &mut device.collective_latency_s,
    }
}
