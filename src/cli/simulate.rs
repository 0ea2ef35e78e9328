//! `fleetplan simulate`: plan a file, then replay it request by request.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use fleetplan::load::{read_data_file, FileKind, RootError};
use fleetplan::simulate::{SimOptions, Traffic, DEFAULT_REQUESTS};
use fleetplan::PlanOutcome;

use super::args::{parse_duration, Format};
use super::output::Output;
use super::{plan_file, Status};

#[derive(clap::Args)]
pub struct SimulateArgs {
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
}

pub fn run(args: &SimulateArgs, out: &mut Output) -> Status {
    out.result_named("simulation");
    let traffic = match (args.requests, args.duration) {
        (_, Some(d)) => Traffic::Duration(d),
        (n, None) => Traffic::Requests(n.unwrap_or(DEFAULT_REQUESTS)),
    };
    let mut sim = SimOptions { traffic, seed: args.seed, ..SimOptions::default() };
    let Some(planned) = plan_file(&args.file, &fleetplan::solve::Options::default(), out) else {
        return Status::Invalid;
    };
    let root_file = planned.program.root;
    let mut sources = planned.program.sources;
    let (spec, graph, solution) = match planned.outcome {
        PlanOutcome::Invalid(diagnostics) => {
            out.report(&sources, &diagnostics);
            return Status::Invalid;
        }
        PlanOutcome::Infeasible { diagnostics, .. } => {
            out.report(&sources, &diagnostics);
            return Status::Infeasible;
        }
        PlanOutcome::Planned { spec, graph, solution, .. } => (spec, graph, solution),
    };
    if let Some(path) = &args.trace {
        match read_trace(path, &mut sources, &spec, out) {
            Some(requests) => sim.traffic = Traffic::Trace(requests),
            None => return Status::Invalid,
        }
    }
    if !fits(&spec, &sim.traffic, out) {
        return Status::Invalid;
    }
    let mut report = run_with_progress(&spec, &graph, &solution, &sim);
    report.source = sources.name(root_file).to_string();
    match args.format {
        Format::Text => out.text(&fleetplan::simulate::report_text(&report)),
        Format::Json => out.json(&report),
    }
    let misses = fleetplan::simulate::slo_misses(&report);
    if misses.is_empty() {
        Status::Success
    } else {
        out.report(&sources, &misses);
        Status::SloMissed
    }
}

/// Refuses generated traffic that would decode more output tokens than a simulation may
/// ([`fleetplan::simulate::MAX_SIMULATED_TOKENS`]): the run would take hours. `true` when it
/// fits (traces are checked as they are read).
pub fn fits(spec: &fleetplan::spec::Spec, traffic: &Traffic, out: &mut Output) -> bool {
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

/// Simulates a plan with a progress bar on stderr (on a terminal, for long runs).
pub fn run_with_progress(
    spec: &fleetplan::spec::Spec,
    graph: &fleetplan::graph::CandidateGraph,
    solution: &fleetplan::solve::Solution,
    sim: &SimOptions,
) -> fleetplan::simulate::SimReport {
    let mut progress = Progress::new("simulating");
    let report = fleetplan::simulate::simulate_with_progress(
        spec,
        graph,
        solution,
        sim,
        &mut |done, total| progress.update(done, total),
    );
    progress.finish();
    report
}

/// Requests from which a simulation shows a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 200_000;

/// A progress bar on stderr, shown only on a terminal and for long runs.
pub struct Progress {
    label: &'static str,
    terminal: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(label: &'static str) -> Self {
        Progress { label, terminal: std::io::stderr().is_terminal(), bar: None }
    }

    pub fn update(&mut self, done: u64, total: u64) {
        if !self.terminal || total < PROGRESS_FROM {
            return;
        }
        let label = self.label;
        let bar = self.bar.get_or_insert_with(|| {
            let style = indicatif::ProgressStyle::with_template(&format!(
                "{label} {{bar:40}} {{pos}}/{{len}} requests ({{eta}} left)"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            indicatif::ProgressBar::new(total).with_style(style)
        });
        // A new simulation (the next round of `--verify`) starts the bar again.
        if bar.length() != Some(total) || done < bar.position() {
            bar.set_length(total);
            bar.reset();
        }
        bar.set_position(done);
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Reads and parses a trace; its errors are reported (against the trace, added to `sources`).
pub fn read_trace(
    path: &Path,
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
