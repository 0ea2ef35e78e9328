//! The fits of devices calibrated to the user's measurements (`perf::calibrate`), as the plan
//! reports them: which values moved, which were kept and why, and how well the points fit.

use serde::Serialize;

use crate::spec::{CalibrationFit, Spec};

/// One fitted device, as the plan reports it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DeviceFit {
    pub device: String,
    #[serde(flatten)]
    pub fit: CalibrationFit,
}

/// Every fitted device, by name.
pub fn fits(spec: &Spec) -> Vec<DeviceFit> {
    spec.devices
        .values()
        .filter_map(|d| Some(DeviceFit { device: d.name.clone(), fit: d.fit.clone()? }))
        .collect()
}

/// A value in the unit people read it in.
fn value_text(name: &str, value: f64) -> String {
    if name.ends_with("efficiency") {
        format!("{:.1}%", value * 100.0)
    } else if value >= 1e-3 {
        format!("{:.2} ms", value * 1e3)
    } else {
        format!("{:.1} us", value * 1e6)
    }
}

/// The plan's "calibration" section: one paragraph per fitted device.
pub fn fits_text(fits: &[DeviceFit]) -> String {
    let mut out = String::new();
    if fits.is_empty() {
        return out;
    }
    out.push_str("\ncalibration fitted to measurements\n");
    for f in fits {
        let fit = &f.fit;
        out.push_str(&format!(
            "  {}: {} points of {}; median |error| {:.1}% before, {:.1}% after (largest {:.1}%)\n",
            f.device,
            fit.points.len(),
            fit.path,
            fit.median_abs_error_before * 100.0,
            fit.median_abs_error_after * 100.0,
            fit.max_abs_error_after * 100.0
        ));
        let name = |n: &str| n.replace('_', " ");
        let fitted: Vec<String> = fit
            .terms
            .iter()
            .filter(|t| t.fitted)
            .map(|t| {
                format!(
                    "{} {} → {}{}",
                    name(t.name),
                    value_text(t.name, t.before),
                    value_text(t.name, t.after),
                    if t.at_bound { " (at its bound)" } else { "" }
                )
            })
            .collect();
        out.push_str(&format!("    fitted: {}\n", fitted.join(", ")));
        let kept: Vec<String> = fit
            .terms
            .iter()
            .filter(|t| !t.fitted)
            .map(|t| format!("{} {}", name(t.name), value_text(t.name, t.before)))
            .collect();
        if !kept.is_empty() {
            out.push_str(&format!(
                "    kept (fewer than two points depend on them apart from the values fitted): {}\n",
                kept.join(", ")
            ));
        }
    }
    out
}
