//! `calibrate = measured("…")` end to end: points generated from a device whose calibration
//! is known (the oracle) are written to a CSV, a `.fleet` file fits a catalog device to them,
//! and the fit must recover the known values; a device measured faster than its datasheet
//! allows must stop at the physical bound, never above it.
#![allow(clippy::unwrap_used)]

mod validation;

use std::path::Path;

use fleetplan::load::Root;
use fleetplan::perf::measured::{self, Metric, Point};
use fleetplan::spec::{Device, Precision, Spec};

fn compile(dir: &Path, text: &str) -> Spec {
    let path = dir.join("fit.fleet");
    std::fs::write(&path, text).unwrap();
    let compiled = fleetplan::compile(Root::Path(path)).unwrap();
    match compiled.result {
        Ok(spec) => spec,
        Err(d) => panic!("{}", d.render_plain(&compiled.program.sources)),
    }
}

/// The points a benchmark sweep would measure: step times over batches and prompts, prompt
/// times over lengths, for two models (80 and 32 layers) at tensor-parallel 1, 2 and 4, so that
/// every calibration value moves some points apart from the others.
fn sweep() -> Vec<(&'static str, Point)> {
    let mut points = Vec::new();
    for (model, devices) in
        [("llama3_1_70b", 2), ("llama3_1_70b", 4), ("llama3_1_8b", 1), ("llama3_1_8b", 2)]
    {
        for batch in [1, 8, 64, 256] {
            points.push((
                model,
                Point {
                    devices: Some(devices),
                    weights: Some(Precision::Fp8),
                    kv_cache: Some(Precision::Fp8),
                    input_tokens: 1024.0,
                    output_tokens: 256.0,
                    batch: Some(batch),
                    metric: Metric::TpotMs,
                    replicas: 1,
                    ttft_limit_s: None,
                    tpot_limit_s: None,
                    measured: 0.0,
                },
            ));
        }
        for input in [512.0, 4096.0, 16384.0] {
            points.push((
                model,
                Point {
                    devices: Some(devices),
                    weights: Some(Precision::Fp8),
                    kv_cache: Some(Precision::Fp8),
                    input_tokens: input,
                    output_tokens: 128.0,
                    batch: Some(1),
                    metric: Metric::TtftMs,
                    replicas: 1,
                    ttft_limit_s: None,
                    tpot_limit_s: None,
                    measured: 0.0,
                },
            ));
        }
    }
    points
}

fn write_csv(dir: &Path, spec: &Spec, truth: &Device, scale: f64) {
    let mut csv =
        String::from("model,devices,weights,kv_cache,input,output,batch,metric,measured\n");
    for (model, mut p) in sweep() {
        p.measured = measured::predict(&spec.models[model], truth, &p);
        // A rate `scale` times the truth, or a time `scale` times shorter.
        p.measured = if p.metric.is_time() { p.measured / scale } else { p.measured * scale };
        csv.push_str(&format!(
            "{model},{},fp8,fp8,{},{},{},{},{}\n",
            p.devices.unwrap(),
            p.input_tokens,
            p.output_tokens,
            p.batch.unwrap(),
            p.metric.name(),
            p.measured
        ));
    }
    std::fs::write(dir.join("points.csv"), csv).unwrap();
}

const FILE: &str = "use std.hardware.{h100_sxm}\nuse std.models.{llama3_1_70b, llama3_1_8b}\n\
                    device mine from h100_sxm {\n  calibrate = measured(\"points.csv\")\n}\n";

/// The catalog's H100 with calibration values `[compute, bandwidth, overhead, layer,
/// collective]` of its own: the truth the fit must find.
fn h100_with(catalog: &Spec, [c, b, o, l, a]: [f64; 5]) -> Device {
    let mut truth = catalog.devices["h100_sxm"].clone();
    truth.compute_efficiency = Some(c);
    truth.bandwidth_efficiency = Some(b);
    truth.step_overhead_s = Some(o);
    truth.layer_latency_s = Some(l);
    truth.collective_latency_s = Some(a);
    truth
}

#[test]
fn the_fit_recovers_a_known_calibration() {
    let catalog = validation::catalog();
    // Far from the catalog's 45%, 90%, 2 ms, 45 us, 8 us: the fit has to move every value.
    let truth = h100_with(&catalog, [0.30, 0.70, 4e-3, 20e-6, 30e-6]);
    let dir = tempdir();
    write_csv(&dir, &catalog, &truth, 1.0);
    let spec = compile(&dir, FILE);
    let fit = spec.devices["mine"].fit.clone().unwrap();
    assert!(fit.median_abs_error_before > 0.10, "the catalog values already fit: {fit:?}");
    assert!(fit.max_abs_error_after < 0.02, "points left unexplained: {fit:?}");
    let value = |name: &str| fit.terms.iter().find(|t| t.name == name).unwrap();
    for (name, expected) in [("compute_efficiency", 0.30), ("bandwidth_efficiency", 0.70)] {
        let t = value(name);
        assert!(t.fitted, "{name} not fitted: {fit:?}");
        assert!((t.after - expected).abs() / expected < 0.03, "{name}: {} vs {expected}", t.after);
    }
    // The fixed costs of a step: their effect on these points is recovered as a whole.
    let fixed =
        |overhead: f64, layer: f64, collective: f64| overhead + 80.0 * layer + 160.0 * collective;
    let recovered = fixed(
        value("step_overhead").after,
        value("layer_latency").after,
        value("collective_latency").after,
    );
    let expected = fixed(4e-3, 20e-6, 30e-6);
    assert!(
        (recovered - expected).abs() / expected < 0.1,
        "fixed step costs {recovered} vs {expected}"
    );
    // And the planner reads the fitted values, marked as such.
    let c = fleetplan::perf::calibration::for_device(&spec.devices["mine"]);
    assert!((c.compute_efficiency - value("compute_efficiency").after).abs() < 1e-12);
    assert_eq!(c.provenance.compute_efficiency, fleetplan::perf::calibration::Source::Fitted);
}

#[test]
fn measurements_faster_than_physics_stop_at_the_bound() {
    let catalog = validation::catalog();
    let truth = h100_with(&catalog, [1.0, 1.0, 0.0, 0.0, 0.0]);
    let dir = tempdir();
    // Twice as fast as the device at its peaks with no fixed costs: impossible.
    write_csv(&dir, &catalog, &truth, 2.0);
    let spec = compile(&dir, FILE);
    let device = &spec.devices["mine"];
    let fit = device.fit.clone().unwrap();
    let c = fleetplan::perf::calibration::for_device(device);
    assert!(c.compute_efficiency <= 1.0 && c.bandwidth_efficiency <= 1.0);
    assert!(fit.terms.iter().any(|t| t.at_bound), "no value reported at its bound: {fit:?}");
    // Every fitted prediction stays at or below what the peaks allow (the truth device).
    for (model, p) in sweep() {
        let peak = measured::predict(&catalog.models[model], &truth, &p);
        let fitted = measured::predict(&catalog.models[model], device, &p);
        if p.metric.is_time() {
            assert!(
                fitted >= peak * (1.0 - 1e-9),
                "{model} {p:?}: {fitted} below the bound {peak}"
            );
        } else {
            assert!(
                fitted <= peak * (1.0 + 1e-9),
                "{model} {p:?}: {fitted} above the bound {peak}"
            );
        }
    }
}

/// A fresh directory under the target dir (no extra dependency for tests).
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "calibrate-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
