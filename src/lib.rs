//! fleetplan: a compiler for `.fleet` files that plans LLM inference fleets.
//!
//! The pipeline is one function per stage, chained here; see ARCHITECTURE.md.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod check;
pub mod diagnostic;
pub mod dump;
pub mod fmt;
pub mod graph;
pub mod hf;
pub mod load;
pub mod perf;
pub mod report;
pub mod simulate;
pub mod solve;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod traffic;

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
    let (program, load_errors) = load::load(root)?;
    if !load_errors.is_empty() {
        return Ok(Compiled { program, result: Err(load_errors) });
    }
    let result = check::check(&program).and_then(perf::calibrate::calibrate);
    Ok(Compiled { program, result })
}

/// What planning gives: the program (for rendering diagnostics) and the stage outcome.
pub struct Planned {
    pub program: Program,
    pub outcome: PlanOutcome,
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

/// load → syntax → check → perf (inside graph) → graph → solve → report.
pub fn plan(root: Root, options: &solve::Options) -> Result<Planned, RootError> {
    let compiled = compile(root)?;
    let program = compiled.program;
    let spec = match compiled.result {
        Ok(spec) => spec,
        Err(diagnostics) => {
            return Ok(Planned { program, outcome: PlanOutcome::Invalid(diagnostics) })
        }
    };
    let graph = graph::build(&spec);
    let outcome = match solve::solve(&spec, &graph, options) {
        Ok(solution) => {
            let plan = Box::new(report::plan(
                program.sources.name(program.root),
                &spec,
                &graph,
                &solution,
            ));
            PlanOutcome::Planned { spec: Box::new(spec), graph, solution, plan }
        }
        Err(diagnostics) => PlanOutcome::Infeasible { graph, diagnostics },
    };
    Ok(Planned { program, outcome })
}
