//! What-if analyses: what a plan would cost if its SLOs, prices or limits were different.

pub mod frontier;
