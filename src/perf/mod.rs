//! Stage 3, perf: what one instance of a model on a device can do. Pure functions over the
//! typed spec; no solver, no I/O. docs/perf-model.md states every equation and its validation.
//!
//! INVARIANT: nothing here predicts above a physical bound: decode never reads faster than
//! peak bandwidth, prefill never computes faster than peak FLOP/s, and a batch never holds
//! more KV cache than the memory left after the weights (property tests in `tests/perf.rs`).

mod aggregated;
pub mod calibrate;
pub mod calibration;
pub mod candidate;
mod enumerate;
mod estimate;
mod instance;
pub mod load;
pub mod measured;
pub mod memory;
pub mod model;
pub mod precision;
pub mod queue;
mod servers;

pub use aggregated::{closed_loop, ClosedLoop};
pub use candidate::{
    batch_context, bound, candidates, candidates_on, kv_tokens, length_at, longest_tokens,
    prefill_service, Candidate, Derivation, Explanation, PoolExplanation, PrefillService, Rejected,
    Role,
};
pub use estimate::{
    estimate, layout_for, mean_context, offline_throughput, Estimate, EstimateRequest,
};
pub use instance::{max_batch_within, Bound, Instance, Memory, Step};

use crate::spec::Spec;

/// The version of the JSON shapes of `estimate` and `explain`, bumped when one changes
/// incompatibly (the plan's is `report::SCHEMA_VERSION`).
pub const SCHEMA_VERSION: u32 = 2;

/// Every candidate of `workload` on every pool (or only `pool`), for `fleetplan explain`.
pub fn explain(spec: &Spec, workload: &str, pool: Option<&str>) -> Result<Explanation, String> {
    let w = spec.workloads.get(workload).ok_or_else(|| {
        let names: Vec<&str> = spec.workloads.keys().map(String::as_str).collect();
        format!("no workload `{workload}`; the workloads are {}", names.join(", "))
    })?;
    let model = spec.models.get(&w.model).ok_or_else(|| format!("model `{}` missing", w.model))?;
    if let Some(p) = pool {
        if !spec.pools.contains_key(p) {
            let names: Vec<&str> = spec.pools.keys().map(String::as_str).collect();
            return Err(format!("no pool `{p}`; the pools are {}", names.join(", ")));
        }
    }
    let mut pools = Vec::new();
    for (name, p) in &spec.pools {
        if pool.is_some_and(|only| only != name) {
            continue;
        }
        let Some(device) = spec.devices.get(&p.device) else { continue };
        if !device.kind.computes() {
            continue;
        }
        let (candidates, rejected) = candidates(w, model, p, device);
        pools.push(PoolExplanation {
            pool: name.clone(),
            device: device.name.clone(),
            calibration: calibration::for_device(device),
            candidates,
            rejected,
        });
    }
    Ok(Explanation {
        schema_version: SCHEMA_VERSION,
        workload: w.name.clone(),
        model: model.name.clone(),
        pools,
    })
}
