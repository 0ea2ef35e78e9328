//! fleetplan: a compiler for `.fleet` files that plans LLM inference fleets.
//!
//! The pipeline is one function per stage, chained here; see ARCHITECTURE.md.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod catalog;
pub mod check;
pub mod deploy;
pub mod diagnostic;
pub mod dump;
pub mod fmt;
pub mod graph;
pub mod hf;
pub mod json_schema;
pub mod load;
pub mod lsp;
pub mod parallel;
pub mod perf;
pub mod report;
pub mod simulate;
pub mod solve;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod traffic;
pub mod whatif;

use diagnostic::Diagnostics;
use load::{Program, Root, RootError};
use spec::Spec;

/// What a compilation gives: the program (whose sources diagnostics render against) and
/// either the checked spec or every diagnostic found.
pub struct Compiled {
    pub program: Program,
    pub result: Result<Spec, Diagnostics>,
}

/// load → syntax (inside load, per file) → check → calibrate (the devices that name their
/// own measurements, fitted to them).
pub fn compile(root: Root) -> Result<Compiled, RootError> {
    compile_timed(root, &load::Disk, &mut Timings::default())
}

/// [`compile`], reading imports and data files through `files` (the language server's open
/// documents before the disk).
pub fn compile_with(root: Root, files: &dyn load::Files) -> Result<Compiled, RootError> {
    compile_timed(root, files, &mut Timings::default())
}

/// [`compile`], its load and its check (with calibration) timed into `timings`.
fn compile_timed(
    root: Root,
    files: &dyn load::Files,
    timings: &mut Timings,
) -> Result<Compiled, RootError> {
    let started = std::time::Instant::now();
    let (program, load_errors) = load::load_with(root, files)?;
    timings.load = started.elapsed();
    if !load_errors.is_empty() {
        return Ok(Compiled { program, result: Err(load_errors) });
    }
    let started = std::time::Instant::now();
    let result = check::check(&program).and_then(perf::calibrate::calibrate);
    timings.check = started.elapsed();
    Ok(Compiled { program, result })
}

/// What planning gives: the program (for rendering diagnostics), the stage outcome and how
/// long each stage took.
pub struct Planned {
    pub program: Program,
    pub outcome: PlanOutcome,
    pub timings: Timings,
}

/// Wall time of each stage of `plan` (`fleetplan plan --timings`); a stage that did not run
/// took zero. `graph` includes the performance model, which `graph::build` runs for every
/// workload × pool.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub load: std::time::Duration,
    pub check: std::time::Duration,
    pub graph: std::time::Duration,
    pub solve: std::time::Duration,
    pub report: std::time::Duration,
}

impl Timings {
    /// One line per stage, then the total, in seconds.
    pub fn text(&self) -> String {
        let stages = [
            ("load", self.load),
            ("check", self.check),
            ("perf+graph", self.graph),
            ("solve", self.solve),
            ("report", self.report),
        ];
        let total: std::time::Duration = stages.iter().map(|(_, d)| *d).sum();
        let mut out = String::new();
        for (name, d) in stages.iter().chain([&("total", total)]) {
            out.push_str(&format!("{name:>10}  {:9.3} s\n", d.as_secs_f64()));
        }
        out
    }
}

pub enum PlanOutcome {
    /// The source did not check: fix these first.
    Invalid(Diagnostics),
    /// Checked, but no plan meets the SLOs and limits: these say why, at the source.
    Infeasible { graph: graph::CandidateGraph, diagnostics: Diagnostics },
    Planned {
        /// The checked spec the plan is for (the simulator replays its workloads).
        spec: Box<Spec>,
        graph: graph::CandidateGraph,
        solution: solve::Solution,
        plan: Box<report::Plan>,
    },
}

/// load → syntax → check → calibrate → perf (inside graph) → graph → solve → report.
pub fn plan(root: Root, options: &solve::Options) -> Result<Planned, RootError> {
    plan_with(root, &load::Disk, options)
}

/// [`plan`], reading imports and data files through `files` (as [`compile_with`]).
pub fn plan_with(
    root: Root,
    files: &dyn load::Files,
    options: &solve::Options,
) -> Result<Planned, RootError> {
    let mut timings = Timings::default();
    let Compiled { program, result } = compile_timed(root, files, &mut timings)?;
    let spec = match result {
        Ok(spec) => spec,
        Err(diagnostics) => {
            return Ok(Planned { program, outcome: PlanOutcome::Invalid(diagnostics), timings })
        }
    };
    let started = std::time::Instant::now();
    // `objective maximize throughput`: the spec at the highest rates with a plan (the search
    // is re-planning, timed as solve); without any, the file's own rates say why not.
    let (spec, throughput) = match spec.objective {
        spec::Objective::MaximizeThroughput => match whatif::maximize_throughput(&spec, options) {
            Some((scaled, found)) => (scaled, Some(found)),
            None => (spec, None),
        },
        spec::Objective::MinimizeCost => (spec, None),
    };
    timings.solve = started.elapsed();
    let started = std::time::Instant::now();
    let graph = graph::build_with(&spec, options.threads);
    timings.graph = started.elapsed();
    let started = std::time::Instant::now();
    let solved = solve::solve(&spec, &graph, options);
    timings.solve += started.elapsed();
    let outcome = match solved {
        Ok(solution) => {
            let started = std::time::Instant::now();
            let mut plan = Box::new(report::plan(
                program.sources.name(program.root),
                &spec,
                &graph,
                &solution,
            ));
            plan.throughput = throughput;
            timings.report = started.elapsed();
            PlanOutcome::Planned { spec: Box::new(spec), graph, solution, plan }
        }
        Err(diagnostics) => PlanOutcome::Infeasible { graph, diagnostics },
    };
    Ok(Planned { program, outcome, timings })
}
