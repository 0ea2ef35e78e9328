//! `fleetplan frontier`: the cost/interactivity frontier of one workload (src/whatif).

use std::process::ExitCode;

use fleetplan::whatif::frontier::{compare, FrontierOptions};

use crate::output::Output;
use crate::{compile, print_and_succeed};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FrontierFormat {
    Text,
    Json,
    Svg,
}

#[derive(clap::Args)]
pub struct FrontierArgs {
    /// A `.fleet` file; `-` reads standard input.
    file: String,
    /// The workload whose frontier to draw.
    #[arg(long)]
    workload: String,
    /// Bounds tried per sweep (2 to 200).
    #[arg(long, default_value_t = fleetplan::whatif::frontier::DEFAULT_STEPS as u32,
          value_parser = clap::value_parser!(u32).range(2..=200))]
    steps: u32,
    /// Also the frontier of each compute pool alone (memory pools kept): one device or vendor
    /// against another.
    #[arg(long)]
    by_pool: bool,
    #[arg(long, value_enum, default_value_t = FrontierFormat::Text)]
    format: FrontierFormat,
}

pub fn frontier_command(args: &FrontierArgs, out: &mut Output) -> ExitCode {
    let Some(spec) = compile(&args.file, out) else { return ExitCode::FAILURE };
    let source = if args.file == "-" { "<stdin>" } else { args.file.as_str() };
    let options = FrontierOptions { steps: args.steps as usize, ..FrontierOptions::default() };
    let found = compare(source, &spec, &args.workload, &options, args.by_pool);
    let comparison = match found {
        Ok(found) => found,
        Err(e) => {
            out.error(e.code(), e.to_string(), &e.help());
            return if matches!(e, fleetplan::whatif::frontier::FrontierError::NoPlan { .. }) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            };
        }
    };
    let (f, pools) = (&comparison.combined, &comparison.by_pool);
    // With `--by-pool` the JSON is `{"combined": …, "by_pool": […]}`, else the frontier.
    let json = || {
        if args.by_pool {
            serde_json::to_value(&comparison).unwrap_or_default()
        } else {
            serde_json::to_value(f).unwrap_or_default()
        }
    };
    if args.format == FrontierFormat::Json && out.is_json() {
        out.hold("frontier", json());
        return ExitCode::SUCCESS;
    }
    print_and_succeed(&match args.format {
        FrontierFormat::Text => std::iter::once(f)
            .chain(pools)
            .map(fleetplan::report::frontier_text)
            .collect::<Vec<_>>()
            .join("\n"),
        FrontierFormat::Json => fleetplan::dump::json(&json()),
        FrontierFormat::Svg => fleetplan::report::frontier_svg(f, pools),
    })
}
