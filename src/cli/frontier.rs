//! `fleetplan frontier`: the cost/interactivity frontier of one workload (src/whatif).

use fleetplan::whatif::frontier::{compare, FrontierOptions};

use super::output::Output;
use super::{compile, Status};

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

pub fn run(args: &FrontierArgs, out: &mut Output) -> Status {
    out.result_named("frontier");
    let Some(spec) = compile(&args.file, out) else { return Status::Invalid };
    let source = if args.file == "-" { "<stdin>" } else { args.file.as_str() };
    let options = FrontierOptions { steps: args.steps as usize, ..FrontierOptions::default() };
    let found = compare(source, &spec, &args.workload, &options, args.by_pool);
    let comparison = match found {
        Ok(found) => found,
        Err(e) => {
            out.error(e.code(), e.to_string(), &e.help());
            return if matches!(e, fleetplan::whatif::frontier::FrontierError::NoPlan { .. }) {
                Status::Infeasible
            } else {
                Status::Invalid
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
    match args.format {
        FrontierFormat::Text => out.text(
            &std::iter::once(f)
                .chain(pools)
                .map(fleetplan::report::frontier_text)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        FrontierFormat::Json => out.json(&json()),
        FrontierFormat::Svg => out.text(&fleetplan::report::frontier_svg(f, pools)),
    }
    Status::Success
}
