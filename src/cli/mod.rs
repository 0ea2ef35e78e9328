//! The `fleetplan` command line: one module per command, each with its arguments (clap) and
//! one `run` function that calls the library and prints through [`Output`]. Nothing here
//! computes a plan; clap, progress bars and printing stay out of the library.

mod args;
mod catalog;
mod check;
mod completions;
mod debug;
mod deploy;
mod estimate;
mod explain;
mod fmt;
mod frontier;
mod lsp;
mod output;
mod plan;
mod report;
mod sensitivity;
mod simulate;
mod status;
mod write;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use fleetplan::load::{FileKind, Root};

use args::ErrorFormatArg;
use output::Output;
pub use status::Status;

#[derive(Parser)]
#[command(
    name = "fleetplan",
    version,
    about = "Plan the cheapest LLM inference fleet that meets its SLOs",
    after_help = status::EXIT_CODES_HELP
)]
pub struct Cli {
    /// How diagnostics are printed: human or plain on stderr; json makes stdout one JSON
    /// document whatever the outcome (docs/json.md).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormatArg::Human)]
    error_format: ErrorFormatArg,
    /// Colour in diagnostics: auto (on a terminal, unless `NO_COLOR` is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = clap::ColorChoice::Auto)]
    color: clap::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan the cheapest fleet that meets every SLO.
    Plan(plan::PlanArgs),
    /// Plan a file, then simulate the plan request by request: latency percentiles and SLO
    /// attainment against the plan's predictions, pool utilisation and queues.
    Simulate(simulate::SimulateArgs),
    /// Check files for errors.
    Check(check::CheckArgs),
    /// Rewrite files in the canonical layout, keeping every comment.
    Fmt(fmt::FmtArgs),
    /// Predict what one instance of a model does on a device.
    Estimate(estimate::EstimateArgs),
    /// Show every candidate of a workload: fit, batch at the SLO, TTFT parts, capacity, cost.
    Explain(explain::ExplainArgs),
    /// The cost/interactivity frontier of one workload over every pool and role.
    Frontier(frontier::FrontierArgs),
    /// Plan a file and write it as one self-contained HTML page with charts.
    Report(report::ReportArgs),
    /// Plan a file and write manifests for a serving stack (Dynamo, llm-d, KServe) into a
    /// directory (nothing is written without a plan).
    Deploy(deploy::DeployArgs),
    /// List the standard catalog's devices and models with their key figures and sources.
    Catalog(catalog::CatalogArgs),
    /// Serve the Language Server Protocol on stdin/stdout: diagnostics as you type, hover,
    /// definition, references, completion, formatting (docs/editors.md).
    Lsp,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    Man,
    /// Print an intermediate form.
    Debug(debug::DebugArgs),
}

/// Parses the command line (a usage error exits [`Status::Usage`]), runs the command, prints
/// what it gathered and exits with its status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are "errors" to clap that print to stdout and succeed.
            if !error.use_stderr() {
                let _ = error.print();
                return Status::Success.into();
            }
            // With `--error-format json` even a usage error is one JSON document on stdout.
            if asks_for_json(std::env::args()) {
                let mut out =
                    Output::new(fleetplan::diagnostic::ErrorFormat::Json, clap::ColorChoice::Never);
                let rendered = error.render().to_string();
                let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
                let first = lines.next().unwrap_or("the command line is wrong");
                let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
                let help = lines.collect::<Vec<_>>().join(" ");
                out.error("fleet::usage", message, &help);
                return out.finish(Status::Usage).into();
            }
            let _ = error.print();
            return Status::Usage.into();
        }
    };
    if let Command::Lsp = cli.command {
        // Standard output is the protocol's: nothing else may be printed there.
        return lsp::run().into();
    }
    let mut out = Output::new(cli.error_format.into(), cli.color);
    let status = match cli.command {
        Command::Plan(args) => plan::run(&args, &mut out),
        Command::Simulate(args) => simulate::run(&args, &mut out),
        Command::Check(args) => check::run(&args, &mut out),
        Command::Fmt(args) => fmt::run(&args, &mut out),
        Command::Estimate(args) => estimate::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Deploy(args) => deploy::run(&args, &mut out),
        Command::Frontier(args) => frontier::run(&args, &mut out),
        Command::Report(args) => report::run(&args, &mut out),
        Command::Catalog(args) => catalog::run(&args, &mut out),
        Command::Completions(args) => completions::run(&args, Cli::command(), &mut out),
        Command::Man => completions::man(Cli::command(), &mut out),
        Command::Lsp => lsp::run(),
        Command::Debug(args) => debug::run(&args, &mut out),
    };
    out.finish(status).into()
}

/// Whether the command line asks for JSON diagnostics, read from the raw arguments (for a
/// command line clap could not parse).
fn asks_for_json(args: impl Iterator<Item = String>) -> bool {
    let args: Vec<String> = args.collect();
    args.iter().any(|a| a == "--error-format=json")
        || args.windows(2).any(|w| w[0] == "--error-format" && w[1] == "json")
}

/// The root of a file argument: `-` is standard input.
fn root(file: &str) -> Result<Root, fleetplan::load::RootError> {
    if file == "-" {
        fleetplan::load::read_stdin(FileKind::Source)
            .map(Root::Stdin)
            .map_err(|e| fleetplan::load::RootError::new("standard input".to_string(), &e))
    } else {
        Ok(Root::Path(PathBuf::from(file)))
    }
}

/// The file's root, or its error reported.
fn root_or_report(file: &str, out: &mut Output) -> Option<Root> {
    match root(file) {
        Ok(root) => Some(root),
        Err(error) => {
            out.root_error(&error);
            None
        }
    }
}

/// Compiles one file, reporting its diagnostics; `None` when there were any.
fn compile(file: &str, out: &mut Output) -> Option<fleetplan::spec::Spec> {
    let root = root_or_report(file, out)?;
    match fleetplan::compile(root) {
        Ok(compiled) => match compiled.result {
            Ok(spec) => Some(spec),
            Err(diagnostics) => {
                out.report(&compiled.program.sources, &diagnostics);
                None
            }
        },
        Err(error) => {
            out.root_error(&error);
            None
        }
    }
}

/// The file planned, or the error that stopped it before any stage ran reported.
fn plan_file(
    file: &str,
    options: &fleetplan::solve::Options,
    out: &mut Output,
) -> Option<fleetplan::Planned> {
    let root = root_or_report(file, out)?;
    match fleetplan::plan(root, options) {
        Ok(planned) => Some(planned),
        Err(error) => {
            out.root_error(&error);
            None
        }
    }
}
