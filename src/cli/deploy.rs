//! `fleetplan deploy`: plans like `plan`, then writes the target's directory (src/deploy).

use std::path::PathBuf;

use fleetplan::PlanOutcome;

use super::args::{DynamoApiArg, SolveArgs, TargetArg};
use super::output::Output;
use super::{plan_file, Status};

#[derive(clap::Args)]
pub struct DeployArgs {
    /// A `.fleet` file; `-` reads standard input.
    file: String,
    /// The serving stack to write manifests for.
    #[arg(long, value_enum)]
    target: TargetArg,
    /// The directory to write; refused when it exists and is not empty, unless `--force`.
    #[arg(long)]
    out: PathBuf,
    /// Replace a non-empty output directory.
    #[arg(long)]
    force: bool,
    /// The `DynamoGraphDeployment` version written (`--target dynamo`).
    #[arg(long, value_enum, default_value_t = DynamoApiArg::V1beta1)]
    dynamo_api: DynamoApiArg,
    #[command(flatten)]
    solve: SolveArgs,
}

pub fn run(args: &DeployArgs, out: &mut Output) -> Status {
    out.result_named("deployment");
    let request = fleetplan::deploy::Request {
        target: args.target.into(),
        dynamo_api: args.dynamo_api.into(),
        out: args.out.clone(),
        force: args.force,
    };
    if let Err(message) = fleetplan::deploy::check_out_dir(&request.out, request.force) {
        let help = "`--force` replaces a non-empty directory; or choose another `--out`";
        out.error("fleet::out_dir", message, help);
        return Status::Invalid;
    }
    let Some(planned) = plan_file(&args.file, &args.solve.options(), out) else {
        return Status::Invalid;
    };
    let (status, diagnostics) = match planned.outcome {
        PlanOutcome::Invalid(diagnostics) => (Status::Invalid, diagnostics),
        PlanOutcome::Infeasible { diagnostics, .. } => (Status::Infeasible, diagnostics),
        PlanOutcome::Planned { spec, plan, .. } => {
            return match fleetplan::deploy::deploy(&request, &spec, &plan) {
                Ok(summary) => {
                    out.text(&summary);
                    Status::Success
                }
                Err(message) => {
                    let help = "check that `--out` and its parent directory are writable";
                    out.error("fleet::io", message, help);
                    Status::Invalid
                }
            }
        }
    };
    out.report(&planned.program.sources, &diagnostics);
    status
}
