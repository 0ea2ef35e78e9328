//! `fleetplan report`: a plan as one self-contained HTML page, with the frontier of each
//! workload and, with `--simulate`, the simulated latencies (src/report/html.rs).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use fleetplan::simulate::{SimOptions, Traffic, DEFAULT_REQUESTS};
use fleetplan::whatif::frontier::{
    compare, compute_pools, costliest, FrontierOptions, REPORT_BY_POOL, REPORT_FRONTIERS,
};

use super::output::Output;
use super::write::write_in_place;
use super::{plan_file, simulate, Status};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// A `.fleet` file; `-` reads standard input.
    file: String,
    /// The HTML file to write (replaced if it exists).
    #[arg(short, long)]
    out: PathBuf,
    /// Simulate the plan and show the simulated p50/p90/p99 beside the predictions.
    #[arg(long)]
    simulate: bool,
    /// Requests the simulation runs (default 100000).
    #[arg(long, requires = "simulate",
          value_parser = clap::value_parser!(u64).range(1..=fleetplan::simulate::MAX_REQUESTS))]
    requests: Option<u64>,
    /// Seed of the simulation.
    #[arg(long, requires = "simulate", default_value_t = 1)]
    seed: u64,
    /// Bounds tried per frontier sweep (at most 200; below 2, 2); 0 leaves the frontiers out.
    #[arg(long, default_value_t = fleetplan::whatif::frontier::DEFAULT_STEPS as u32,
          value_parser = clap::value_parser!(u32).range(0..=200))]
    frontier_steps: u32,
    /// Leave out the sensitivity section (each SLO relaxed and tightened, break-even prices,
    /// extra devices and rates: dozens of re-solves, docs/what-if.md).
    #[arg(long)]
    no_sensitivity: bool,
}

pub fn run(args: &ReportArgs, out: &mut Output) -> Status {
    out.result_named("report");
    let options = fleetplan::solve::Options::default();
    let Some(planned) = plan_file(&args.file, &options, out) else {
        return Status::Invalid;
    };
    let sources = &planned.program.sources;
    let (spec, graph, solution, plan) = match planned.outcome {
        fleetplan::PlanOutcome::Invalid(diagnostics) => {
            out.report(sources, &diagnostics);
            return Status::Invalid;
        }
        fleetplan::PlanOutcome::Infeasible { diagnostics, .. } => {
            out.report(sources, &diagnostics);
            return Status::Infeasible;
        }
        fleetplan::PlanOutcome::Planned { spec, graph, solution, plan } => {
            (spec, graph, solution, plan)
        }
    };
    let mut frontiers = Vec::new();
    let mut frontier_notes = Vec::new();
    if args.frontier_steps > 0 {
        let f_options = FrontierOptions { steps: args.frontier_steps as usize, solve: options };
        let (drawn, left_out) = costliest(&plan, REPORT_FRONTIERS);
        // With one compute pool, that pool alone is the frontier itself.
        let each_pool = (2..=REPORT_BY_POOL).contains(&compute_pools(&spec));
        for name in &drawn {
            match compare(&plan.source, &spec, name, &f_options, each_pool) {
                Ok(f) => frontiers.push(f),
                Err(e) => frontier_notes.push(e.to_string()),
            }
        }
        if !left_out.is_empty() {
            frontier_notes.push(format!(
                "The page draws the frontiers of the {REPORT_FRONTIERS} costliest workloads; `fleetplan frontier {} --workload W` draws those of the other {}: {}.",
                args.file,
                left_out.len(),
                left_out.join(", ")
            ));
        }
    }
    let simulation = if args.simulate {
        let sim = SimOptions {
            traffic: Traffic::Requests(args.requests.unwrap_or(DEFAULT_REQUESTS)),
            seed: args.seed,
            ..SimOptions::default()
        };
        if !simulate::fits(&spec, &sim.traffic, out) {
            return Status::Invalid;
        }
        let mut report = simulate::run_with_progress(&spec, &graph, &solution, &sim);
        report.source = plan.source.clone();
        Some(report)
    } else {
        None
    };
    let sensitivity = (!args.no_sensitivity).then(|| {
        let s = fleetplan::whatif::sensitivity(&spec, &graph, &solution, &options);
        fleetplan::report::Section {
            id: "sensitivity",
            title: "Sensitivity".to_string(),
            html: fleetplan::whatif::sensitivity_html(&s),
        }
    });
    let input = fleetplan::report::ReportInput {
        plan: &plan,
        frontiers: &frontiers,
        frontier_notes: &frontier_notes,
        simulation: simulation.as_ref(),
        sensitivity,
    };
    let page = fleetplan::report::html(&input);
    if let Err(message) = write_page(&args.out, &page) {
        let help = "check that the folder of `--out` exists and is writable";
        out.error("fleet::io", format!("cannot write `{}`: {message}", args.out.display()), help);
        return Status::Invalid;
    }
    let written = fleetplan::report::PageWritten {
        path: args.out.display().to_string(),
        bytes: page.len(),
        frontiers: frontiers.len(),
        simulated: simulation.is_some(),
        sensitivity: !args.no_sensitivity,
    };
    if out.is_json() {
        out.json(&written);
    } else {
        out.text(&format!("wrote {} ({} bytes)\n", args.out.display(), page.len()));
    }
    if let Some(report) = &simulation {
        let misses = fleetplan::simulate::slo_misses(report);
        if !misses.is_empty() {
            out.report(sources, &misses);
            return Status::SloMissed;
        }
    }
    Status::Success
}

/// Replaces an existing file atomically (as `fmt` does), or creates a new one through a
/// temporary file in its folder, so a reader never sees half a page.
fn write_page(path: &Path, text: &str) -> Result<(), String> {
    if path.is_dir() {
        return Err("it is a folder; name the HTML file to write".to_string());
    }
    if path.exists() {
        return write_in_place(path, text).map_err(|e| e.to_string());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".fleetplan-report.")
        .tempfile_in(dir)
        .map_err(|e| e.to_string())?;
    temp.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // A page is for reading: tempfile creates it private (0600).
        let readable = std::fs::Permissions::from_mode(0o644);
        temp.as_file().set_permissions(readable).map_err(|e| e.to_string())?;
    }
    temp.as_file().sync_all().map_err(|e| e.to_string())?;
    temp.persist_noclobber(path).map_err(|e| e.error.to_string())?;
    Ok(())
}
