//! The `fleetplan` command line: only argument handling and printing; the work is in the
//! library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use fleetplan::diagnostic::ErrorFormat;
use fleetplan::load::{read_data_file, FileKind, Root, RootError};
use fleetplan::simulate::{SimOptions, Traffic, DEFAULT_REQUESTS};
use fleetplan::source::SourceMap;

mod estimate_command;
mod lsp_command;
mod output;
mod write;
use estimate_command::{estimate, EstimateArgs};
use output::{write_stdout, Output};
use write::write_in_place;

#[derive(Parser)]
#[command(
    name = "fleetplan",
    version,
    about = "Plan the cheapest LLM inference fleet that meets its SLOs"
)]
struct Cli {
    /// How diagnostics are printed: human (stderr), plain (stderr) or json (stdout).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human)]
    error_format: ErrorFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan the cheapest fleet that meets every SLO (exit 0 with a plan, 1 when the file has
    /// errors, 2 when no plan meets the SLOs and limits).
    Plan {
        /// A `.fleet` file; `-` reads standard input.
        file: String,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// The MILP solver.
        #[arg(long, value_enum, default_value_t = fleetplan::solve::Solver::Microlp)]
        solver: fleetplan::solve::Solver,
        /// Accept a solution within this relative gap of the optimum (0 to 1).
        #[arg(long, default_value_t = 1e-3, value_parser = parse_mip_gap, allow_hyphen_values = true)]
        mip_gap: f64,
        /// Stop the solver after this many seconds and report the best plan found (above 0, at
        /// most 86400).
        #[arg(long, default_value_t = 30.0, value_parser = parse_time_limit, allow_hyphen_values = true)]
        time_limit: f64,
        /// Simulate the plan; while an SLO is missed, re-plan the workloads that miss it with a
        /// growing rate margin (at most 5 rounds). Exit 3 when it still misses.
        #[arg(long)]
        verify: bool,
        /// Print the wall time of each stage (load, check, perf+graph, solve, report) to
        /// stderr.
        #[arg(long)]
        timings: bool,
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
    },
    /// Plan a file, then simulate the plan request by request: latency percentiles and SLO
    /// attainment against the plan's predictions, pool utilisation and queues (exit 3 when a
    /// simulated SLO is missed).
    Simulate {
        /// A `.fleet` file; `-` reads standard input.
        file: String,
        /// Requests to simulate in all workloads (default 100000, at most 5 million).
        #[arg(long, conflicts_with_all = ["duration", "trace"],
              value_parser = clap::value_parser!(u64).range(1..=fleetplan::simulate::MAX_REQUESTS))]
        requests: Option<u64>,
        /// Simulate every request arriving in this time, such as `10min` (at most 5 million
        /// requests).
        #[arg(long, value_parser = parse_duration, conflicts_with = "trace", allow_hyphen_values = true)]
        duration: Option<f64>,
        /// Seed of the random draws (arrivals, lengths, KV hits, routing).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replay a CSV trace (`timestamp_s,workload,input_tokens,output_tokens`) instead of
        /// generating arrivals.
        #[arg(long)]
        trace: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check files for errors (exit 0 when clean, 1 with diagnostics).
    Check {
        /// `.fleet` files; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Rewrite files in the canonical layout, keeping every comment.
    Fmt {
        /// Change nothing; exit 1 when a file is not formatted.
        #[arg(long)]
        check: bool,
        /// `.fleet` files; `-` formats standard input to standard output.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Predict what one instance of a model does on a device.
    Estimate(EstimateArgs),
    /// Show every candidate of a workload: fit, batch at the SLO, TTFT parts, capacity, cost.
    Explain {
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
    },
    /// Plan a file and write manifests for a serving stack (Dynamo, llm-d, KServe) into a
    /// directory (exit codes as `plan`; nothing is written without a plan).
    Deploy(fleetplan::deploy::DeployArgs),
    /// Serve the Language Server Protocol on stdin/stdout: diagnostics as you type, hover,
    /// definition, references, completion, formatting (docs/editors.md).
    Lsp,
    /// Print an intermediate form.
    Debug {
        #[arg(value_enum)]
        form: DebugForm,
        /// A `.fleet` file; `-` reads standard input.
        file: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Md,
    Dot,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_precision(text: &str) -> Result<fleetplan::spec::Precision, String> {
    fleetplan::spec::Precision::from_name(text).ok_or_else(|| {
        format!("unknown precision; use one of {}", fleetplan::spec::Precision::NAMES.join(", "))
    })
}

/// `50ms`, `50 ms`, `1.5s`: a number and a time unit of the language, above zero and at most
/// a year.
fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as `50ms`"))?;
    let unit = fleetplan::check::units::lookup(unit.trim())
        .filter(|u| u.dim == fleetplan::check::units::Dim::TIME)
        .ok_or_else(|| format!("`{text}` needs a time unit: us, ms, s, min"))?;
    let seconds = number * unit.factor;
    if !(seconds > 0.0 && seconds <= MAX_DURATION_S) {
        return Err(format!("`{text}` must be above zero and at most a year"));
    }
    Ok(seconds)
}

/// The longest duration an option takes: a year.
const MAX_DURATION_S: f64 = 365.0 * 86_400.0;

/// A number in `[low, high]`: `NaN`, infinities and anything outside are refused by name.
fn parse_in_range(text: &str, low: f64, high: f64, what: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !(value >= low && value <= high) {
        return Err(format!("{what} must be from {low} to {high}"));
    }
    Ok(value)
}

fn parse_mip_gap(text: &str) -> Result<f64, String> {
    parse_in_range(text, 0.0, 1.0, "the gap")
}

/// The solver's time limit: above zero (a zero limit finds nothing) and at most a day.
fn parse_time_limit(text: &str) -> Result<f64, String> {
    let value = parse_in_range(text, 0.0, 86_400.0, "the time limit (seconds)")?;
    if value <= 0.0 {
        return Err("the time limit (seconds) must be above 0".to_string());
    }
    Ok(value)
}

#[derive(Clone, Copy, ValueEnum)]
enum DebugForm {
    /// The syntax tree of the file itself (JSON).
    Ast,
    /// The checked spec of the file and its imports (JSON).
    Spec,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.error_format;
    let mut out = Output::new(format);
    let code = match cli.command {
        Command::Plan {
            file,
            format,
            solver,
            mip_gap,
            time_limit,
            verify,
            timings,
            requests,
            seed,
            trace,
        } => {
            let options = fleetplan::solve::Options {
                solver,
                mip_gap,
                time_limit_s: time_limit,
                ..Default::default()
            };
            if verify {
                let sim = SimOptions {
                    traffic: Traffic::Requests(requests.unwrap_or(DEFAULT_REQUESTS)),
                    seed: seed.unwrap_or(1),
                    ..SimOptions::default()
                };
                plan_verified(&file, format, &options, &sim, trace.as_deref(), &mut out)
            } else {
                plan(&file, format, &options, timings, &mut out)
            }
        }
        Command::Simulate { file, requests, duration, seed, trace, format } => {
            let traffic = match (requests, duration) {
                (_, Some(d)) => Traffic::Duration(d),
                (n, None) => Traffic::Requests(n.unwrap_or(DEFAULT_REQUESTS)),
            };
            let sim = SimOptions { traffic, seed, ..SimOptions::default() };
            simulate(&file, &sim, trace.as_deref(), format, &mut out)
        }
        Command::Check { files } => {
            out.diagnostics_only();
            let mut code = ExitCode::SUCCESS;
            for file in files {
                match compile(&file, &mut out) {
                    Some(_) => {}
                    None => code = ExitCode::FAILURE,
                }
            }
            code
        }
        Command::Fmt { check, files } => {
            if check {
                out.diagnostics_only();
            }
            fmt(&files, check, &mut out)
        }
        Command::Debug { form, file } => debug(form, &file, &mut out),
        Command::Estimate(args) => estimate(&args, &mut out),
        Command::Deploy(args) => deploy(&args, &mut out),
        Command::Lsp => lsp_command::lsp(),
        Command::Explain { file, workload, pool, format } => match compile(&file, &mut out) {
            Some(spec) => match fleetplan::perf::explain(&spec, &workload, pool.as_deref()) {
                Ok(explanation) => print_and_succeed(&match format {
                    Format::Text => fleetplan::report::explain_text(&explanation),
                    Format::Json => fleetplan::dump::json(&explanation),
                }),
                Err(message) => {
                    out.error(
                        "fleet::unknown_name",
                        message,
                        "`fleetplan debug spec FILE` lists the workloads and pools of a file",
                    );
                    ExitCode::FAILURE
                }
            },
            None => ExitCode::FAILURE,
        },
    };
    out.finish();
    code
}

fn root(file: &str) -> Result<Root, fleetplan::load::RootError> {
    if file == "-" {
        fleetplan::load::read_stdin(FileKind::Source)
            .map(Root::Stdin)
            .map_err(|e| fleetplan::load::RootError::new("standard input".to_string(), &e))
    } else {
        Ok(Root::Path(PathBuf::from(file)))
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

fn debug(form: DebugForm, file: &str, out: &mut Output) -> ExitCode {
    match form {
        DebugForm::Spec => match compile(file, out) {
            Some(spec) => print_and_succeed(&fleetplan::dump::spec(&spec)),
            None => ExitCode::FAILURE,
        },
        DebugForm::Ast => {
            let Some(root) = root_or_report(file, out) else { return ExitCode::FAILURE };
            let (name, text) = match root {
                Root::Path(path) => match fleetplan::load::read_root(&path) {
                    Ok(text) => (path.display().to_string(), text),
                    Err(e) => {
                        out.root_error(&e);
                        return ExitCode::FAILURE;
                    }
                },
                Root::Stdin(text) => ("<stdin>".to_string(), text),
                Root::Text { name, text } => (name, text),
            };
            let mut sources = SourceMap::new();
            let id = sources.add(name, text);
            let (ast, errors) = fleetplan::syntax::parse_file(id, sources.text(id));
            if !errors.is_empty() {
                out.report(&sources, &errors);
            }
            match ast {
                Some(ast) if errors.is_empty() => print_and_succeed(&fleetplan::dump::ast(&ast)),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn print_and_succeed(text: &str) -> ExitCode {
    if write_stdout(text) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn fmt(files: &[String], check: bool, out: &mut Output) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for file in files {
        let read = if file == "-" {
            fleetplan::load::read_stdin(FileKind::Source)
                .map(|t| ("<stdin>".to_string(), t))
                .map_err(|e| RootError::new("standard input".to_string(), &e))
        } else {
            fleetplan::load::read_root(Path::new(file)).map(|t| (file.clone(), t))
        };
        let (name, text) = match read {
            Ok(read) => read,
            Err(e) => {
                out.root_error(&e);
                code = ExitCode::FAILURE;
                continue;
            }
        };
        let mut sources = SourceMap::new();
        let id = sources.add(name, text);
        let formatted = match fleetplan::fmt::format_source(id, sources.text(id)) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                out.report(&sources, &diagnostics);
                code = ExitCode::FAILURE;
                continue;
            }
        };
        let unchanged = formatted == sources.text(id);
        if check {
            if !unchanged {
                let name = sources.name(id);
                let shown = if file == "-" {
                    "fleetplan fmt -".to_string()
                } else {
                    format!("fleetplan fmt {name}")
                };
                out.error(
                    "fleet::not_formatted",
                    format!("`{name}` is not formatted"),
                    &format!("`{shown}` rewrites it in the canonical layout"),
                );
                code = ExitCode::FAILURE;
            }
        } else if file == "-" {
            if !write_stdout(&formatted) {
                code = ExitCode::FAILURE;
            }
        } else if !unchanged {
            if let Err(e) = write_in_place(Path::new(file), &formatted) {
                out.error(e.code(), format!("cannot write `{file}`: {e}"), &e.help());
                code = ExitCode::FAILURE;
            }
        }
    }
    code
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

fn plan(
    file: &str,
    format: PlanFormat,
    options: &fleetplan::solve::Options,
    timings: bool,
    out: &mut Output,
) -> ExitCode {
    let Some(planned) = plan_file(file, options, out) else { return ExitCode::FAILURE };
    if timings {
        // Before the plan is printed, so that it shows even when stdout is piped away.
        eprint!("{}", planned.timings.text());
    }
    let sources = &planned.program.sources;
    match planned.outcome {
        fleetplan::PlanOutcome::Invalid(diagnostics) => {
            out.report(sources, &diagnostics);
            ExitCode::FAILURE
        }
        fleetplan::PlanOutcome::Infeasible { graph, diagnostics } => {
            // With JSON diagnostics on stdout, the graph of an infeasible plan is left out: one
            // document, not DOT and JSON mixed.
            if format == PlanFormat::Dot && !out.is_json() {
                write_stdout(&fleetplan::graph::to_dot(&graph, &[], &[]));
            }
            out.report(sources, &diagnostics);
            ExitCode::from(2)
        }
        fleetplan::PlanOutcome::Planned { graph, solution, plan, .. } => {
            if format == PlanFormat::Json && out.is_json() {
                out.hold("plan", serde_json::to_value(&*plan).unwrap_or_default());
                return ExitCode::SUCCESS;
            }
            print_and_succeed(&match format {
                PlanFormat::Text => fleetplan::report::plan_text(&plan),
                PlanFormat::Md => fleetplan::report::plan_markdown(&plan),
                PlanFormat::Json => fleetplan::dump::json(&plan),
                PlanFormat::Dot => {
                    fleetplan::graph::to_dot(&graph, &solution.instances, &solution.tier_units)
                }
            })
        }
    }
}

/// Refuses generated traffic that would decode more output tokens than a simulation may
/// ([`fleetplan::simulate::MAX_SIMULATED_TOKENS`]): the run would take hours. `true` when it
/// fits (traces are checked as they are read).
fn simulation_fits(spec: &fleetplan::spec::Spec, traffic: &Traffic, out: &mut Output) -> bool {
    let rate: f64 = spec.workloads.values().map(|w| w.rate_per_s).sum();
    let tokens_per_s: f64 = spec.workloads.values().map(|w| w.rate_per_s * w.output_tokens).sum();
    if rate <= 0.0 {
        return true;
    }
    let per_request = tokens_per_s / rate;
    let max = fleetplan::simulate::MAX_REQUESTS as f64;
    let requests = match traffic {
        Traffic::Requests(n) => (*n as f64).min(max),
        Traffic::Duration(d) => (rate * d).min(max),
        Traffic::Trace(_) => return true,
    };
    let limit = fleetplan::simulate::MAX_SIMULATED_TOKENS;
    if requests * per_request <= limit {
        return true;
    }
    let fits = (limit / per_request).floor().max(1.0);
    out.error(
        "fleet::simulation_too_large",
        format!(
            "{requests:.0} requests of {per_request:.0} output tokens on average are more than a simulation decodes ({limit:e} tokens)"
        ),
        &format!("simulate at most {fits:.0} requests (`--requests {fits:.0}`)"),
    );
    false
}

/// Exit code when a simulated SLO is missed.
const SLO_MISSED: u8 = 3;

/// Requests from which a simulation shows a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 200_000;

/// Runs a simulation, with a progress bar on stderr when it is a terminal and the run is long.
fn run_simulation(
    spec: &fleetplan::spec::Spec,
    graph: &fleetplan::graph::CandidateGraph,
    solution: &fleetplan::solve::Solution,
    sim: &SimOptions,
) -> fleetplan::simulate::SimReport {
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let report = {
        let mut progress = |done: u64, total: u64| {
            if !terminal || total < PROGRESS_FROM {
                return;
            }
            let bar = bar.get_or_insert_with(|| {
                let style = indicatif::ProgressStyle::with_template(
                    "simulating {bar:40} {pos}/{len} requests ({eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
                indicatif::ProgressBar::new(total).with_style(style)
            });
            bar.set_position(done);
        };
        fleetplan::simulate::simulate_with_progress(spec, graph, solution, sim, &mut progress)
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report
}

/// Reads and parses a trace; its errors are reported (against the trace, added to `sources`).
fn read_trace(
    path: &std::path::Path,
    sources: &mut fleetplan::source::SourceMap,
    spec: &fleetplan::spec::Spec,
    out: &mut Output,
) -> Option<Vec<fleetplan::simulate::TraceRequest>> {
    let text = match read_data_file(path, FileKind::Data) {
        Ok(text) => text,
        Err(e) => {
            out.root_error(&RootError::new(path.display().to_string(), &e));
            return None;
        }
    };
    // Parsed from the source map's copy: a trace may be hundreds of megabytes.
    let id = sources.add(path.display().to_string(), text);
    match fleetplan::simulate::parse_trace(id, sources.text(id), spec) {
        Ok(requests) => Some(requests),
        Err(diagnostics) => {
            out.report(sources, &diagnostics);
            None
        }
    }
}

fn simulate(
    file: &str,
    sim: &SimOptions,
    trace: Option<&std::path::Path>,
    format: Format,
    out: &mut Output,
) -> ExitCode {
    let Some(planned) = plan_file(file, &fleetplan::solve::Options::default(), out) else {
        return ExitCode::FAILURE;
    };
    let root_file = planned.program.root;
    let mut sources = planned.program.sources;
    let (spec, graph, solution) = match planned.outcome {
        fleetplan::PlanOutcome::Invalid(diagnostics) => {
            out.report(&sources, &diagnostics);
            return ExitCode::FAILURE;
        }
        fleetplan::PlanOutcome::Infeasible { diagnostics, .. } => {
            out.report(&sources, &diagnostics);
            return ExitCode::from(2);
        }
        fleetplan::PlanOutcome::Planned { spec, graph, solution, .. } => (spec, graph, solution),
    };
    let mut sim = sim.clone();
    if let Some(path) = trace {
        match read_trace(path, &mut sources, &spec, out) {
            Some(requests) => sim.traffic = Traffic::Trace(requests),
            None => return ExitCode::FAILURE,
        }
    }
    if !simulation_fits(&spec, &sim.traffic, out) {
        return ExitCode::FAILURE;
    }
    let mut report = run_simulation(&spec, &graph, &solution, &sim);
    report.source = sources.name(root_file).to_string();
    if format == Format::Json && out.is_json() {
        // One document: the report and the missed SLOs beside it.
        out.hold("simulation", serde_json::to_value(&report).unwrap_or_default());
        let misses = fleetplan::simulate::slo_misses(&report);
        if !misses.is_empty() {
            out.report(&sources, &misses);
            return ExitCode::from(SLO_MISSED);
        }
        return ExitCode::SUCCESS;
    }
    let printed = print_and_succeed(&match format {
        Format::Text => fleetplan::simulate::report_text(&report),
        Format::Json => fleetplan::dump::json(&report),
    });
    let misses = fleetplan::simulate::slo_misses(&report);
    if !misses.is_empty() {
        out.report(&sources, &misses);
        return ExitCode::from(SLO_MISSED);
    }
    printed
}

fn plan_verified(
    file: &str,
    format: PlanFormat,
    options: &fleetplan::solve::Options,
    sim: &SimOptions,
    trace: Option<&std::path::Path>,
    out: &mut Output,
) -> ExitCode {
    let Some(root) = root_or_report(file, out) else { return ExitCode::FAILURE };
    let mut compiled = match fleetplan::compile(root) {
        Ok(compiled) => compiled,
        Err(error) => {
            out.root_error(&error);
            return ExitCode::FAILURE;
        }
    };
    let spec = match compiled.result {
        Ok(spec) => spec,
        Err(diagnostics) => {
            out.report(&compiled.program.sources, &diagnostics);
            return ExitCode::FAILURE;
        }
    };
    let mut sim = sim.clone();
    if let Some(path) = trace {
        match read_trace(path, &mut compiled.program.sources, &spec, out) {
            Some(requests) => sim.traffic = Traffic::Trace(requests),
            None => return ExitCode::FAILURE,
        }
    }
    if !simulation_fits(&spec, &sim.traffic, out) {
        return ExitCode::FAILURE;
    }
    let sources = &compiled.program.sources;
    let source = sources.name(compiled.program.root);
    let verification = match fleetplan::simulate::verify(source, &spec, options, &sim) {
        Ok(v) => v,
        Err(diagnostics) => {
            out.report(sources, &diagnostics);
            return ExitCode::from(2);
        }
    };
    let v = &verification;
    let printed = print_and_succeed(&match format {
        PlanFormat::Text => format!(
            "{}{}\n{}",
            fleetplan::report::plan_text(&v.plan),
            fleetplan::simulate::verify_text(v),
            fleetplan::simulate::report_text(&v.simulation)
        ),
        PlanFormat::Md => format!(
            "{}\n```text{}```\n",
            fleetplan::report::plan_markdown(&v.plan),
            fleetplan::simulate::verify_text(v)
        ),
        PlanFormat::Json => fleetplan::dump::json(v),
        PlanFormat::Dot => {
            fleetplan::graph::to_dot(&v.graph, &v.solution.instances, &v.solution.tier_units)
        }
    });
    if !v.holds {
        out.report(sources, &fleetplan::simulate::slo_misses(&v.simulation));
        return ExitCode::from(SLO_MISSED);
    }
    printed
}

/// `fleetplan deploy`: plans like `plan`, then writes the target's directory (src/deploy).
fn deploy(args: &fleetplan::deploy::DeployArgs, out: &mut Output) -> ExitCode {
    if let Err(message) = fleetplan::deploy::check_out_dir(&args.out, args.force) {
        let help = "`--force` replaces a non-empty directory; or choose another `--out`";
        out.error("fleet::out_dir", message, help);
        return ExitCode::FAILURE;
    }
    let Some(planned) = plan_file(&args.file, &args.options(), out) else {
        return ExitCode::FAILURE;
    };
    let (code, diagnostics) = match planned.outcome {
        fleetplan::PlanOutcome::Invalid(diagnostics) => (ExitCode::FAILURE, diagnostics),
        fleetplan::PlanOutcome::Infeasible { diagnostics, .. } => (ExitCode::from(2), diagnostics),
        fleetplan::PlanOutcome::Planned { spec, plan, .. } => {
            return match fleetplan::deploy::deploy(args, &spec, &plan) {
                Ok(summary) => print_and_succeed(&summary),
                Err(message) => {
                    let help = "check that `--out` and its parent directory are writable";
                    out.error("fleet::io", message, help);
                    ExitCode::FAILURE
                }
            }
        }
    };
    out.report(&planned.program.sources, &diagnostics);
    code
}
