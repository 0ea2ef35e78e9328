//! `fleetplan plan FILE --sensitivity`: the plan, then what its constraints cost
//! (`fleetplan::whatif::sensitivity`), in the plan's format.

use std::process::ExitCode;

use crate::output::{write_stderr, Output};
use crate::{plan_file, print_and_succeed, PlanFormat};

pub fn plan_with_sensitivity(
    file: &str,
    format: PlanFormat,
    options: &fleetplan::solve::Options,
    timings: bool,
    out: &mut Output,
) -> ExitCode {
    if format == PlanFormat::Dot {
        out.error(
            "fleet::sensitivity_format",
            "`--sensitivity` has no DOT form".into(),
            "use `--format text`, `md` or `json` with `--sensitivity`",
        );
        return ExitCode::FAILURE;
    }
    let Some(planned) = plan_file(file, options, out) else { return ExitCode::FAILURE };
    if timings {
        write_stderr(&planned.timings.text());
    }
    let sources = &planned.program.sources;
    let (spec, graph, solution, plan) = match planned.outcome {
        fleetplan::PlanOutcome::Invalid(diagnostics) => {
            out.report(sources, &diagnostics);
            return ExitCode::FAILURE;
        }
        fleetplan::PlanOutcome::Infeasible { diagnostics, .. } => {
            out.report(sources, &diagnostics);
            return ExitCode::from(2);
        }
        fleetplan::PlanOutcome::Planned { spec, graph, solution, plan } => {
            (spec, graph, solution, plan)
        }
    };
    let started = std::time::Instant::now();
    let sensitivity = fleetplan::whatif::sensitivity(&spec, &graph, &solution, options);
    if timings {
        write_stderr(&format!(
            "sensitivity  {:9.3} s ({} re-solves)\n",
            started.elapsed().as_secs_f64(),
            sensitivity.resolves
        ));
    }
    if format == PlanFormat::Json {
        let plan = serde_json::to_value(&*plan).unwrap_or_default();
        let sensitivity = serde_json::to_value(&sensitivity).unwrap_or_default();
        if out.is_json() {
            out.hold("plan", plan);
            out.hold("sensitivity", sensitivity);
            return ExitCode::SUCCESS;
        }
        let document = serde_json::json!({ "plan": plan, "sensitivity": sensitivity });
        return print_and_succeed(&fleetplan::dump::json(&document));
    }
    print_and_succeed(&match format {
        PlanFormat::Md => format!(
            "{}{}",
            fleetplan::report::plan_markdown(&plan),
            fleetplan::whatif::sensitivity_markdown(&sensitivity)
        ),
        _ => format!(
            "{}{}",
            fleetplan::report::plan_text(&plan),
            fleetplan::whatif::sensitivity_text(&sensitivity)
        ),
    })
}
