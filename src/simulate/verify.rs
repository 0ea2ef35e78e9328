//! `fleetplan plan --verify`: plan, simulate, and while the simulation misses an SLO, re-plan
//! with headroom on the workloads that miss it: their planning rate is raised by a margin that
//! grows each round (the simulation keeps the real rate). At most `MARGINS.len()` re-plans.

use std::collections::BTreeMap;

use serde::Serialize;

use super::report::percentile_text;
use super::{simulate_with_progress, SimOptions, SimReport};
use crate::diagnostic::Diagnostics;
use crate::graph::{self, CandidateGraph};
use crate::report::{self, Plan};
use crate::solve::{self, Solution};
use crate::spec::Spec;

/// Planning-rate margins, one more step for a workload each round it misses an SLO.
pub const MARGINS: [f64; 5] = [0.1, 0.2, 0.4, 0.8, 1.6];

/// One plan and what its simulation found.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Round {
    pub round: u32,
    /// Planning-rate margin per workload (only those with one).
    pub margins: BTreeMap<String, f64>,
    pub cost_usd_per_hour: f64,
    /// `workload: bound (attainment)` for every SLO missed.
    pub missed: Vec<String>,
}

/// The outcome of `--verify`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Verification {
    pub rounds: Vec<Round>,
    pub holds: bool,
    pub cost_before_usd_per_hour: f64,
    pub cost_after_usd_per_hour: f64,
    pub margins: BTreeMap<String, f64>,
    /// Why re-planning stopped before the simulation held, if it did.
    pub stopped: Option<String>,
    /// The final plan (reported against the real rates) and its simulation.
    pub plan: Plan,
    pub simulation: SimReport,
    #[serde(skip)]
    pub graph: CandidateGraph,
    #[serde(skip)]
    pub solution: Solution,
}

fn missed(report: &SimReport) -> Vec<(String, String)> {
    report
        .workloads
        .iter()
        .flat_map(|w| {
            w.slo_attainment.iter().filter(|c| !c.met).map(|c| {
                let within = format!("{:.1}% within", c.attainment * 100.0);
                (
                    w.workload.clone(),
                    format!("{} {} ({within})", c.metric.name(), percentile_text(c.percentile)),
                )
            })
        })
        .collect()
}

/// Plans `spec`, simulates, and re-plans with growing margins until the simulation meets every
/// SLO or the rounds run out. `Err` only when the first plan fails (its diagnostics).
pub fn verify(
    source: &str,
    spec: &Spec,
    solve_options: &solve::Options,
    sim: &SimOptions,
) -> Result<Verification, Diagnostics> {
    verify_with_progress(source, spec, solve_options, sim, &mut |_, _| {})
}

/// [`verify`], calling `progress(done, total)` as each round's simulation runs (it starts
/// again from zero at every round).
pub fn verify_with_progress(
    source: &str,
    spec: &Spec,
    solve_options: &solve::Options,
    sim: &SimOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Verification, Diagnostics> {
    let first_graph = graph::build(spec);
    let first = solve::solve(spec, &first_graph, solve_options)?;
    let mut current = (first_graph, first);
    let mut steps: BTreeMap<String, usize> = BTreeMap::new();
    let mut rounds = Vec::new();
    let mut stopped = None;
    let cost_before = current.1.objective_usd_per_hour;
    let mut report;
    let mut margins: BTreeMap<String, f64> = BTreeMap::new();
    loop {
        report = simulate_with_progress(spec, &current.0, &current.1, sim, progress);
        let misses = missed(&report);
        rounds.push(Round {
            round: rounds.len() as u32 + 1,
            margins: margins.clone(),
            cost_usd_per_hour: current.1.objective_usd_per_hour,
            missed: misses.iter().map(|(w, b)| format!("{w}: {b}")).collect(),
        });
        if misses.is_empty() {
            break;
        }
        let mut exhausted = Vec::new();
        for (w, _) in &misses {
            let step = steps.entry(w.clone()).or_insert(0);
            if *step >= MARGINS.len() {
                exhausted.push(w.clone());
                continue;
            }
            margins.insert(w.clone(), MARGINS[*step]);
            *step += 1;
        }
        if !exhausted.is_empty() {
            exhausted.dedup();
            stopped = Some(format!(
                "{} still miss at a {:.0}% margin",
                exhausted.join(", "),
                MARGINS[MARGINS.len() - 1] * 100.0
            ));
            break;
        }
        let mut planned = spec.clone();
        for (w, margin) in &margins {
            if let Some(workload) = planned.workloads.get_mut(w) {
                workload.rate_per_s *= 1.0 + margin;
            }
        }
        let g = graph::build(&planned);
        match solve::solve(&planned, &g, solve_options) {
            Ok(solution) => current = (g, solution),
            Err(diagnostics) => {
                let messages: Vec<String> = diagnostics.iter().map(|d| d.message()).collect();
                stopped = Some(format!("no plan with these margins: {}", messages.join("; ")));
                break;
            }
        }
    }
    let holds = rounds.last().is_some_and(|r| r.missed.is_empty());
    let (graph, solution) = current;
    let mut plan = report::plan(source, spec, &graph, &solution);
    plan.source = source.to_string();
    report.source = source.to_string();
    Ok(Verification {
        cost_after_usd_per_hour: solution.objective_usd_per_hour,
        rounds,
        holds,
        cost_before_usd_per_hour: cost_before,
        margins,
        stopped,
        plan,
        simulation: report,
        graph,
        solution,
    })
}

/// The verification as text (after the plan's text).
pub fn verify_text(v: &Verification) -> String {
    let mut out = String::from("\nverification by simulation\n");
    for r in &v.rounds {
        let margins = if r.margins.is_empty() {
            "no margin".to_string()
        } else {
            r.margins
                .iter()
                .map(|(w, m)| format!("{w} +{:.0}%", m * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let outcome = if r.missed.is_empty() {
            "every SLO met".to_string()
        } else {
            format!("missed {}", r.missed.join(", "))
        };
        out.push_str(&format!(
            "  round {}: {margins}, ${:.2}/h: {outcome}\n",
            r.round, r.cost_usd_per_hour
        ));
    }
    let change = v.cost_after_usd_per_hour - v.cost_before_usd_per_hour;
    if v.holds && v.rounds.len() > 1 {
        out.push_str(&format!(
            "  holds with planning-rate margins; cost ${:.2}/h → ${:.2}/h ({:+.2}, {:+.1}%)\n",
            v.cost_before_usd_per_hour,
            v.cost_after_usd_per_hour,
            change,
            if v.cost_before_usd_per_hour > 0.0 {
                change / v.cost_before_usd_per_hour * 100.0
            } else {
                0.0
            }
        ));
    } else if v.holds {
        out.push_str("  holds as planned: no margin needed\n");
    }
    if let Some(why) = &v.stopped {
        out.push_str(&format!("  stopped: {why}\n"));
    }
    out
}
