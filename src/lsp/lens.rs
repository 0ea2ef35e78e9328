//! A code lens on each workload with its planned cost and latencies, from the last successful
//! `plan` of the saved document. Planning runs the solver, so it runs only for a saved
//! document that checks clean, once per text, with a short time limit: typing never waits for
//! it. When the document no longer plans (or has errors), the last plan's figures stay, marked.

use std::collections::BTreeMap;

use lsp_types::{CodeLens, Command};

use super::position::LineIndex;
use super::state::Documents;
use crate::check::units::duration_text;
use crate::load::{Program, Root};
use crate::report::Plan;
use crate::spec::Percentile;
use crate::syntax::ast::{DefKind, Item};
use crate::PlanOutcome;

/// The longest the solver may take for a lens: past it, the best plan found is shown.
pub const PLAN_SECONDS: f64 = 5.0;

/// The last successful plan of one document: the text it was made from, and per workload the
/// line its lens shows.
#[derive(Default)]
pub struct LastPlan {
    pub text: String,
    pub lines: BTreeMap<String, String>,
}

/// Plans `text` (named `name`) and returns each workload's line; `None` when it does not plan.
pub fn plan(docs: &Documents, name: String, text: &str) -> Option<LastPlan> {
    let options =
        crate::solve::Options { time_limit_s: PLAN_SECONDS, threads: 1, ..Default::default() };
    let planned =
        crate::plan_with(Root::Text { name, text: text.to_string() }, docs, &options).ok()?;
    let PlanOutcome::Planned { plan, .. } = planned.outcome else { return None };
    Some(LastPlan { text: text.to_string(), lines: lines(&plan) })
}

fn lines(plan: &Plan) -> BTreeMap<String, String> {
    plan.workloads
        .iter()
        .map(|w| {
            let mut line = format!(
                "plan: ${:.2}/h · ${:.2} per million output tokens",
                w.cost_usd_per_hour, w.usd_per_million_output_tokens
            );
            for l in &w.latency {
                let p = match l.percentile {
                    Percentile::Mean => "mean".to_string(),
                    Percentile::P(v) => format!("p{v}"),
                };
                let (predicted, slo) = (duration_text(l.predicted_s), duration_text(l.slo_s));
                line.push_str(&format!(" · {} {p} {predicted} (SLO {slo})", l.metric.name()));
            }
            (w.workload.clone(), line)
        })
        .collect()
}

/// A lens on the name of each workload of the document that the plan covers.
pub fn lenses(program: &Program, last: &LastPlan) -> Vec<CodeLens> {
    let text = program.sources.text(program.root);
    let stale = last.text != text;
    let index = LineIndex::new(text);
    let items = program.files.get(&program.root).map_or(&[][..], |f| &f.items[..]);
    items
        .iter()
        .filter_map(|item| match item {
            Item::Definition(d) if d.kind == DefKind::Workload => {
                let line = last.lines.get(&d.name.text)?;
                let title = if stale { format!("last {line}") } else { line.clone() };
                Some(CodeLens {
                    range: index.range(d.name.span.start as usize, d.name.span.end as usize),
                    command: Some(Command { title, command: String::new(), arguments: None }),
                    data: None,
                })
            }
            _ => None,
        })
        .collect()
}
