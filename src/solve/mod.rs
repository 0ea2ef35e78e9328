//! Stage 5, solve: the candidate graph as a mixed-integer program (good_lp), and its solution.
//!
//! Integer instance counts per candidate; each workload's prefill and decode demand covered
//! (aggregated candidates cover both); pool device limits and minimums; the share of each
//! workload's retained KV held in each memory tier, within the tier's capacity and read
//! bandwidth, each hit taking prefill work off the prompts; site power and budget. Objective:
//! minimum cost per hour. Figures come from the graph; nothing here recomputes physics.
//! Dominated candidates are left out (`prune`) and independent groups of workloads are solved
//! apart when their union respects the shared limits (`groups`); when it breaks pool maximums
//! or the site's power, those are priced and the groups still solved apart (`lagrange`).

mod groups;
mod infeasible;
mod lagrange;
mod program;
mod prune;

use serde::Serialize;

pub use infeasible::{explain_infeasible, PlanError, SolveError};
pub use program::{solve_program, Limits};

use crate::diagnostic::Diagnostics;
use crate::graph::CandidateGraph;
use crate::spec::Spec;

/// Which MILP solver runs the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Pure Rust, always available.
    Microlp,
    /// HiGHS (build with `--features highs`).
    Highs,
}

/// How hard to solve.
#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
pub struct Options {
    pub solver: Solver,
    /// Relative MIP gap at which a solution is accepted.
    pub mip_gap: f64,
    pub time_limit_s: f64,
    /// Threads that build and solve independent groups at once; 0 takes every core. The plan
    /// is the same bytes for any count (`solve/groups.rs`), so it is not reported.
    #[serde(skip)]
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        // Within 0.1% of the optimum is closer than any price in the catalog is known, and
        // microlp proves it on the generated 1,000-workload fleet in ~2 s of solve
        // (docs/planner.md); the report states the gap it proved. 30 s bounds a fleet that
        // does not split into groups.
        Options { solver: Solver::Microlp, mip_gap: 1e-3, time_limit_s: 30.0, threads: 0 }
    }
}

/// How the solver ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proven optimal.
    Optimal,
    /// Within the MIP gap of the optimum.
    GapLimit,
    /// Best found when the time limit cut a search, and not proven within the MIP gap
    /// (`Solution::proven_gap` says how close it is).
    TimeLimit,
    /// A plan whose proven gap is above the MIP gap although no search was cut: workloads
    /// coupled by shared limits were planned by pricing the limits (`solve/lagrange.rs`)
    /// or solved again together with the rest fixed (`solve/groups.rs`), and the bound those
    /// prove is not within the MIP gap.
    Feasible,
}

impl Options {
    /// The threads to use: `threads`, or every core the system offers.
    pub fn thread_count(&self) -> usize {
        crate::parallel::thread_count(self.threads)
    }
}

/// A solved program: instance counts and memory placement.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Solution {
    pub status: Status,
    pub objective_usd_per_hour: f64,
    /// The best lower bound on the optimum's cost the solver proved: the sum of the groups'
    /// bounds (each a relaxation of the whole program), or the whole program's.
    pub lower_bound_usd_per_hour: Option<f64>,
    /// `(objective − lower bound) / objective`: how far from optimal the plan is at most.
    pub proven_gap: Option<f64>,
    /// Instances of each candidate (same order as `CandidateGraph::candidates`).
    pub instances: Vec<u32>,
    /// Units of each tier (devices for SSD/DRAM pools; for host memory, the compute devices
    /// whose nodes hold it).
    pub tier_units: Vec<u32>,
    /// Share of workload `w`'s retained KV in tier `t`: (w, t, share).
    pub placement: Vec<(usize, usize, f64)>,
    pub options: Options,
    /// With `configs` limits: the cost of the plan without them, to show what simplicity
    /// costs.
    pub unconstrained_usd_per_hour: Option<f64>,
}

impl Solution {
    /// The relative gap between the plan's cost and the lower bound, when there is one.
    pub fn gap_to_bound(&self) -> Option<f64> {
        let bound = self.lower_bound_usd_per_hour?;
        let cost = self.objective_usd_per_hour;
        Some(if cost > 0.0 { ((cost - bound) / cost).max(0.0) } else { 0.0 })
    }
}

/// Solves the plan without explaining a failure: what-if re-solves (`crate::whatif`) ask
/// only whether and at what cost, and the elastic re-solve that names a binding limit would
/// double their time. The plan is [`solve`]'s (the `configs` comparison left out).
pub fn try_solve(
    spec: &Spec,
    graph: &CandidateGraph,
    options: &Options,
) -> Result<Solution, SolveError> {
    if spec.workloads.is_empty() {
        return solve(spec, graph, options).map_err(|_| SolveError::Infeasible);
    }
    if infeasible::missing_candidates(spec, graph).is_some() {
        return Err(SolveError::Infeasible);
    }
    let mut solution = groups::solve_in_groups(spec, graph, options)?;
    let within = solution.proven_gap.is_some_and(|gap| gap <= options.mip_gap);
    if within && matches!(solution.status, Status::TimeLimit | Status::Feasible) {
        solution.status = Status::GapLimit;
    }
    Ok(solution)
}

/// Solves the plan; an infeasible one is explained against the source.
pub fn solve(
    spec: &Spec,
    graph: &CandidateGraph,
    options: &Options,
) -> Result<Solution, Diagnostics> {
    let Some(first) = spec.workloads.values().next() else {
        // Nothing to serve: the empty fleet.
        return Ok(Solution {
            status: Status::Optimal,
            objective_usd_per_hour: 0.0,
            lower_bound_usd_per_hour: Some(0.0),
            proven_gap: Some(0.0),
            instances: vec![0; graph.candidates.len()],
            tier_units: vec![0; graph.tiers.len()],
            placement: Vec::new(),
            options: *options,
            unconstrained_usd_per_hour: None,
        });
    };
    if let Some(diagnostics) = infeasible::missing_candidates(spec, graph) {
        return Err(diagnostics);
    }
    match groups::solve_in_groups(spec, graph, options) {
        Ok(mut solution) => {
            // A group stopped by its time share, or a repaired plan, is still within the MIP
            // gap when the bound over all groups proves it: the status says what is proven.
            let within = solution.proven_gap.is_some_and(|gap| gap <= options.mip_gap);
            if within && matches!(solution.status, Status::TimeLimit | Status::Feasible) {
                solution.status = Status::GapLimit;
            }
            // What the `configs` limits cost: the same program without them.
            if spec.workloads.values().any(|w| w.max_configs.is_some()) {
                let mut free = spec.clone();
                for w in free.workloads.values_mut() {
                    w.max_configs = None;
                }
                solution.unconstrained_usd_per_hour =
                    groups::solve_in_groups(&free, graph, options)
                        .ok()
                        .map(|s| s.objective_usd_per_hour);
            }
            Ok(solution)
        }
        Err(SolveError::Infeasible) => Err(explain_infeasible(spec, graph, options)),
        Err(error) => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(infeasible::PlanError::Solver {
                message: error.to_string(),
                help: infeasible::solver_help(options),
                span: first.span,
            });
            Err(diagnostics)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Root;

    fn spec(text: &str) -> Spec {
        match crate::compile(Root::Text { name: "t.fleet".into(), text: text.into() })
            .map(|c| c.result)
        {
            Ok(Ok(spec)) => spec,
            _ => panic!("does not compile"),
        }
    }

    const CHAT: &str = "use std.hardware.{h200}\nuse std.models.{llama3_1_8b}\n\
        pool gpu { device = h200  max = 8  price = 3 $/h }\n\
        workload w { model = llama3_1_8b  rate = 2 req/s  input = 1000 tokens  output = 100 tokens\n\
        slo { ttft p90 <= 1 s  tpot p90 <= 50 ms } }\n";

    #[cfg(not(feature = "highs"))]
    #[test]
    fn highs_without_the_feature_is_a_diagnostic() {
        let spec = spec(CHAT);
        let graph = crate::graph::build(&spec);
        let options = Options { solver: Solver::Highs, ..Options::default() };
        let Err(diagnostics) = solve(&spec, &graph, &options) else {
            panic!("solved without HiGHS")
        };
        let codes: Vec<String> = diagnostics.iter().map(|d| d.code()).collect();
        assert_eq!(codes, ["fleet::solver_error"]);
        assert!(diagnostics.iter().all(|d| d.message().contains("without HiGHS")));
    }

    #[test]
    fn no_workloads_is_the_empty_fleet() {
        let spec =
            spec("use std.hardware.{h200}\npool gpu { device = h200  max = 8  price = 3 $/h }\n");
        let graph = crate::graph::build(&spec);
        let solution =
            solve(&spec, &graph, &Options::default()).ok().map(|s| s.objective_usd_per_hour);
        assert_eq!(solution, Some(0.0));
    }

    #[test]
    fn pool_minimum_is_bought_even_when_not_needed() {
        let text = CHAT.replace("max = 8", "max = 8  min = 4");
        let spec = spec(&text);
        let graph = crate::graph::build(&spec);
        let Ok(solution) = solve(&spec, &graph, &Options::default()) else { panic!("no plan") };
        let devices: u32 =
            graph.candidates.iter().zip(&solution.instances).map(|(c, n)| c.devices * n).sum();
        assert!(devices >= 4, "{devices} devices");
    }
}
