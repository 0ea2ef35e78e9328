//! `fleetplan plan FILE --sensitivity`: the plan, then what its constraints cost
//! (`fleetplan::whatif::sensitivity`), in the plan's format.

use fleetplan::PlanOutcome;

use super::args::PlanFormat;
use super::output::Output;
use super::plan::PlanArgs;
use super::{plan_file, Status};

pub fn run(args: &PlanArgs, out: &mut Output) -> Status {
    if args.format == PlanFormat::Dot {
        out.error(
            "fleet::sensitivity_format",
            "`--sensitivity` has no DOT form".into(),
            "use `--format text`, `md` or `json` with `--sensitivity`",
        );
        return Status::Usage;
    }
    let options = args.solve.options();
    let Some(planned) = plan_file(&args.file, &options, out) else { return Status::Invalid };
    if args.timings {
        out.note(&planned.timings.text());
    }
    let sources = &planned.program.sources;
    let (spec, graph, solution, plan) = match planned.outcome {
        PlanOutcome::Invalid(diagnostics) => {
            out.report(sources, &diagnostics);
            return Status::Invalid;
        }
        PlanOutcome::Infeasible { diagnostics, .. } => {
            out.report(sources, &diagnostics);
            return Status::Infeasible;
        }
        PlanOutcome::Planned { spec, graph, solution, plan } => (spec, graph, solution, plan),
    };
    let started = std::time::Instant::now();
    let sensitivity = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &options);
    if args.timings {
        out.note(&format!(
            "sensitivity  {:9.3} s ({} re-solves)\n",
            started.elapsed().as_secs_f64(),
            sensitivity.resolves
        ));
    }
    match args.format {
        PlanFormat::Json if out.is_json() => {
            out.json(&*plan);
            out.extra("sensitivity", &sensitivity);
        }
        PlanFormat::Json => {
            out.text(&fleetplan::dump::json(&serde_json::json!({
                "plan": &*plan,
                "sensitivity": sensitivity,
            })));
        }
        PlanFormat::Md => out.text(&format!(
            "{}{}",
            fleetplan::report::plan_markdown(&plan),
            fleetplan::whatif::sensitivity_markdown(&sensitivity)
        )),
        PlanFormat::Text | PlanFormat::Dot => out.text(&format!(
            "{}{}",
            fleetplan::report::plan_text(&plan),
            fleetplan::whatif::sensitivity_text(&sensitivity)
        )),
    }
    Status::Success
}
