//! `fleetplan catalog [devices|models]`: what `use std.hardware.*` and `use std.models.*`
//! bring in, with the figures that matter for planning and the source of each.

use clap::ValueEnum;

use super::args::Format;
use super::output::Output;
use super::Status;

#[derive(clap::Args)]
pub struct CatalogArgs {
    /// Only devices, or only models (default: both).
    #[arg(value_enum)]
    what: Option<What>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum What {
    Devices,
    Models,
}

pub fn run(args: &CatalogArgs, out: &mut Output) -> Status {
    out.result_named("catalog");
    let mut catalog = match fleetplan::catalog::catalog() {
        Ok(catalog) => catalog,
        Err(message) => {
            out.error("fleet::internal", message, "this is a bug in fleetplan: please report it");
            return Status::Invalid;
        }
    };
    match args.what {
        Some(What::Devices) => catalog.models.clear(),
        Some(What::Models) => catalog.devices.clear(),
        None => {}
    }
    match args.format {
        Format::Text => out.text(&fleetplan::report::catalog_text(&catalog)),
        Format::Json => out.json(&catalog),
    }
    Status::Success
}
