//! `fleetplan explain`: every candidate of a workload, with why it fits or not.

use super::args::Format;
use super::output::Output;
use super::{compile, Status};

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A `.fleet` file; `-` reads standard input.
    file: String,
    /// The workload to explain.
    #[arg(long)]
    workload: String,
    /// Only this pool.
    #[arg(long)]
    pool: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &ExplainArgs, out: &mut Output) -> Status {
    out.result_named("explanation");
    let Some(spec) = compile(&args.file, out) else { return Status::Invalid };
    match fleetplan::perf::explain(&spec, &args.workload, args.pool.as_deref()) {
        Ok(explanation) => {
            match args.format {
                Format::Text => out.text(&fleetplan::report::explain_text(&explanation)),
                Format::Json => out.json(&explanation),
            }
            Status::Success
        }
        Err(message) => {
            out.error(
                "fleet::unknown_name",
                message,
                "`fleetplan debug spec FILE` lists the workloads and pools of a file",
            );
            Status::Invalid
        }
    }
}
