//! Stage 3, perf: what one instance of a model on a device can do. Pure functions over the
//! typed spec; no solver, no I/O. docs/perf-model.md states every equation and its validation.
//!
//! INVARIANT: nothing here predicts above a physical bound: decode never reads faster than
//! peak bandwidth, prefill never computes faster than peak FLOP/s, and a batch never holds
//! more KV cache than the memory left after the weights (property tests in `tests/perf.rs`).

pub mod calibration;
mod estimate;
mod instance;
pub mod model;
pub mod precision;
pub mod queue;

pub use estimate::{estimate, layout_for, offline_throughput, Estimate, EstimateRequest};
pub use instance::{max_batch_within, Bound, Instance, Memory, Step};
