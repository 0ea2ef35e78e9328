//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

pub mod mutate;

use fleetplan::diagnostic::{Diagnostics, RenderStyle};
use fleetplan::load::Root;
use fleetplan::source::SourceMap;

/// A path relative to the crate root, so that rendered file names are the same everywhere.
pub fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

/// Compiles a file and returns its sources and diagnostics (empty when it checks clean).
pub fn diagnostics_of(path: &Path) -> (SourceMap, Diagnostics) {
    let compiled = fleetplan::compile(Root::Path(relative(path))).unwrap();
    let diagnostics = match compiled.result {
        Ok(_) => Diagnostics::new(),
        Err(d) => d,
    };
    (compiled.program.sources, diagnostics)
}

/// Plans a file and returns its sources and diagnostics: the check stage's, or, for a valid
/// file, the planner's (empty when a plan is found).
pub fn plan_diagnostics_of(path: &Path) -> (SourceMap, Diagnostics) {
    let options = fleetplan::solve::Options::default();
    let planned = fleetplan::plan(Root::Path(relative(path)), &options).unwrap();
    let diagnostics = match planned.outcome {
        fleetplan::PlanOutcome::Invalid(d) => d,
        fleetplan::PlanOutcome::Infeasible { diagnostics, .. } => diagnostics,
        fleetplan::PlanOutcome::Planned { .. } => Diagnostics::new(),
    };
    (planned.program.sources, diagnostics)
}

pub fn render(sources: &SourceMap, diagnostics: &Diagnostics) -> String {
    diagnostics.render_human(sources, RenderStyle::SNAPSHOT)
}

/// Every `.fleet` file directly under a folder of the crate, sorted.
pub fn fleet_files(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fleet"))
        .collect();
    files.sort();
    files
}

/// xorshift64*: small and deterministic, for drawing test cases and mutations.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform index below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}
