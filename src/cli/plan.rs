//! `fleetplan plan`: the cheapest fleet within the SLOs; with `--verify`, simulated and
//! re-planned until it holds.

use std::path::PathBuf;

use fleetplan::simulate::{SimOptions, Traffic, DEFAULT_REQUESTS};
use fleetplan::PlanOutcome;

use super::args::{PlanFormat, SolveArgs};
use super::output::Output;
use super::{plan_file, root_or_report, simulate, Status};

#[derive(clap::Args)]
pub struct PlanArgs {
    /// A `.fleet` file; `-` reads standard input.
    pub file: String,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Simulate the plan; while an SLO is missed, re-plan the workloads that miss it with a
    /// growing rate margin (at most 5 rounds). Exit 3 when it still misses.
    #[arg(long)]
    verify: bool,
    /// Print the wall time of each stage (load, check, perf+graph, solve, report) to stderr.
    #[arg(long)]
    pub timings: bool,
    /// Also say what the plan's constraints cost, by re-solving: each SLO bound relaxed and
    /// tightened, each pool's break-even price and extra device, each workload's extra req/s,
    /// each binding site limit (docs/what-if.md).
    #[arg(long, conflicts_with = "verify")]
    sensitivity: bool,
    /// Requests each verifying simulation runs (default 100000).
    #[arg(long, requires = "verify",
          value_parser = clap::value_parser!(u64).range(1..=fleetplan::simulate::MAX_REQUESTS))]
    requests: Option<u64>,
    /// Seed of the verifying simulations (default 1).
    #[arg(long, requires = "verify")]
    seed: Option<u64>,
    /// Verify against a replayed CSV trace (`timestamp_s,workload,input_tokens,
    /// output_tokens`) instead of generated traffic: plan for the traffic you recorded.
    #[arg(long, requires = "verify", conflicts_with = "requests")]
    trace: Option<PathBuf>,
}

pub fn run(args: &PlanArgs, out: &mut Output) -> Status {
    out.result_named(if args.verify { "verification" } else { "plan" });
    if args.verify {
        verified(args, out)
    } else if args.sensitivity {
        super::sensitivity::run(args, out)
    } else {
        plan(args, out)
    }
}

fn plan(args: &PlanArgs, out: &mut Output) -> Status {
    let Some(planned) = plan_file(&args.file, &args.solve.options(), out) else {
        return Status::Invalid;
    };
    if args.timings {
        // Before the plan is printed, so that it shows even when stdout is piped away.
        out.note(&planned.timings.text());
    }
    let sources = &planned.program.sources;
    match planned.outcome {
        PlanOutcome::Invalid(diagnostics) => {
            out.report(sources, &diagnostics);
            Status::Invalid
        }
        PlanOutcome::Infeasible { graph, diagnostics } => {
            // The candidate graph shows what was tried; in a JSON document it would be a second
            // result, so it is printed only as DOT on its own.
            if args.format == PlanFormat::Dot && !out.is_json() {
                out.text(&fleetplan::graph::to_dot(&graph, &[], &[], &[]));
            }
            out.report(sources, &diagnostics);
            Status::Infeasible
        }
        PlanOutcome::Planned { graph, solution, plan, .. } => {
            match args.format {
                PlanFormat::Text => out.text(&fleetplan::report::plan_text(&plan)),
                PlanFormat::Md => out.text(&fleetplan::report::plan_markdown(&plan)),
                PlanFormat::Json => out.json(&*plan),
                PlanFormat::Dot => out.text(&fleetplan::graph::to_dot(
                    &graph,
                    &solution.instances,
                    &solution.tier_units,
                    &solution.placement,
                )),
            }
            Status::Success
        }
    }
}

fn verified(args: &PlanArgs, out: &mut Output) -> Status {
    let Some(root) = root_or_report(&args.file, out) else { return Status::Invalid };
    let mut compiled = match fleetplan::compile(root) {
        Ok(compiled) => compiled,
        Err(error) => {
            out.root_error(&error);
            return Status::Invalid;
        }
    };
    let spec = match compiled.result {
        Ok(spec) => spec,
        Err(diagnostics) => {
            out.report(&compiled.program.sources, &diagnostics);
            return Status::Invalid;
        }
    };
    let mut sim = SimOptions {
        traffic: Traffic::Requests(args.requests.unwrap_or(DEFAULT_REQUESTS)),
        seed: args.seed.unwrap_or(1),
        ..SimOptions::default()
    };
    if let Some(path) = &args.trace {
        match simulate::read_trace(path, &mut compiled.program.sources, &spec, out) {
            Some(requests) => sim.traffic = Traffic::Trace(requests),
            None => return Status::Invalid,
        }
    }
    if !simulate::fits(&spec, &sim.traffic, out) {
        return Status::Invalid;
    }
    let sources = &compiled.program.sources;
    let source = sources.name(compiled.program.root);
    let mut progress = simulate::Progress::new("verifying");
    let verification = fleetplan::simulate::verify_with_progress(
        source,
        &spec,
        &args.solve.options(),
        &sim,
        &mut |done, total| progress.update(done, total),
    );
    progress.finish();
    let v = match verification {
        Ok(v) => v,
        Err(diagnostics) => {
            out.report(sources, &diagnostics);
            return Status::Infeasible;
        }
    };
    match args.format {
        PlanFormat::Text => out.text(&format!(
            "{}{}\n{}",
            fleetplan::report::plan_text(&v.plan),
            fleetplan::simulate::verify_text(&v),
            fleetplan::simulate::report_text(&v.simulation)
        )),
        PlanFormat::Md => out.text(&format!(
            "{}\n```text{}```\n",
            fleetplan::report::plan_markdown(&v.plan),
            fleetplan::simulate::verify_text(&v)
        )),
        PlanFormat::Json => out.json(&v),
        PlanFormat::Dot => out.text(&fleetplan::graph::to_dot(
            &v.graph,
            &v.solution.instances,
            &v.solution.tier_units,
            &v.solution.placement,
        )),
    }
    if v.holds {
        Status::Success
    } else {
        out.report(sources, &fleetplan::simulate::slo_misses(&v.simulation));
        Status::SloMissed
    }
}
