//! What-if: questions about a plan that are answered by planning again. Every figure here is
//! an exact re-solve of a changed spec (candidates rebuilt by `perf` through `graph::build`,
//! then `solve`), never a linearisation: an SLO or a rate changes which candidates exist and
//! what each serves, which no dual price of the program can say.

pub mod frontier;
mod groups;
mod replan;
pub mod sensitivity;
mod sensitivity_text;
pub mod throughput;

pub use sensitivity::{sensitivity, Sensitivity};
pub use sensitivity_text::{sensitivity_html, sensitivity_markdown, sensitivity_text};
pub use throughput::{maximize_throughput, Throughput};
