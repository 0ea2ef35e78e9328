#![allow(clippy::unwrap_used)]
mod validation;
use fleetplan::perf::measured::{self, Metric, Point};
use fleetplan::spec::Precision;

#[test]
#[ignore]
fn mlperf_v4() {
    let spec = validation::catalog();
    let text = std::fs::read_to_string("/work/data-mlperf/mlperf-v4.csv").unwrap();
    let input: f64 = std::env::var("IN").ok().and_then(|s| s.parse().ok()).unwrap_or(294.0);
    for line in text.lines().skip(1) {
        let mut f = vec![String::new()];
        let mut q = false;
        for c in line.chars() {
            match c {
                '"' => q = !q,
                ',' if !q => f.push(String::new()),
                _ => f.last_mut().unwrap().push(c),
            }
        }
        let (device, devices, model) = (&f[1], f[2].parse::<u32>().unwrap(), &f[3]);
        if !spec.models.contains_key(model.as_str()) || !spec.devices.contains_key(device.as_str())
        {
            continue;
        }
        let w = Precision::from_name(&f[4]).unwrap();
        let kv = Precision::from_name(&f[5]).unwrap();
        let output: f64 = f[7].parse().unwrap();
        let batch: Option<u32> = f[8].parse().ok();
        let measured: f64 = f[11].parse().unwrap();
        let m = &spec.models[model.as_str()];
        let d = &spec.devices[device.as_str()];
        let inp = if model == "mixtral_8x7b" { 427.39 } else { input };
        // per-instance layouts: try sizes 1,2,4,8 and take the best data-parallel split
        let mut best = (0.0, 0);
        for s in [1u32, 2, 4, 8] {
            if s > devices {
                continue;
            }
            let p = Point {
                devices: Some(s),
                weights: w,
                kv,
                input_tokens: inp,
                output_tokens: output,
                batch,
                metric: Metric::OfflineOutputTokensPerS,
                measured,
            };
            let t = measured::predict(m, d, &p) * f64::from(devices / s);
            if t > best.0 {
                best = (t, s);
            }
        }
        let p = Point {
            devices: Some(devices),
            weights: w,
            kv,
            input_tokens: inp,
            output_tokens: output,
            batch,
            metric: Metric::OfflineOutputTokensPerS,
            measured,
        };
        let whole = measured::predict(m, d, &p);
        println!(
            "{:>12} {:>2} {:>13} {:>7} {:>9.0} whole {:>9.0} ({:+.0}%) best {:>9.0} tp{} ({:+.0}%)",
            device,
            devices,
            model,
            f[9],
            measured,
            whole,
            100.0 * (whole - measured) / measured,
            best.0,
            best.1,
            100.0 * (best.0 - measured) / measured
        );
    }
}
