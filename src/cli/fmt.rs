//! `fleetplan fmt`: the canonical layout, in place or checked.

use std::path::Path;

use fleetplan::load::{FileKind, RootError};
use fleetplan::source::SourceMap;

use super::output::Output;
use super::write::write_in_place;
use super::Status;

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Change nothing; exit 1 when a file is not formatted.
    #[arg(long)]
    check: bool,
    /// `.fleet` files; `-` formats standard input to standard output.
    #[arg(required = true)]
    files: Vec<String>,
}

pub fn run(args: &FmtArgs, out: &mut Output) -> Status {
    if args.files.iter().any(|f| f == "-") && !args.check {
        out.result_named("formatted");
    }
    let mut status = Status::Success;
    for file in &args.files {
        if !format_one(file, args.check, out) {
            status = Status::Invalid;
        }
    }
    status
}

/// Formats, checks or prints one file; `false` when it has errors, is not formatted
/// (`--check`) or could not be written.
fn format_one(file: &str, check: bool, out: &mut Output) -> bool {
    let read = if file == "-" {
        fleetplan::load::read_stdin(FileKind::Source)
            .map(|t| ("<stdin>".to_string(), t))
            .map_err(|e| RootError::new("standard input".to_string(), &e))
    } else {
        fleetplan::load::read_root(Path::new(file)).map(|t| (file.to_string(), t))
    };
    let (name, text) = match read {
        Ok(read) => read,
        Err(e) => {
            out.root_error(&e);
            return false;
        }
    };
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let formatted = match fleetplan::fmt::format_source(id, sources.text(id)) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            out.report(&sources, &diagnostics);
            return false;
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
            return false;
        }
    } else if file == "-" {
        out.text(&formatted);
    } else if !unchanged {
        if let Err(e) = write_in_place(Path::new(file), &formatted) {
            out.error(e.code(), format!("cannot write `{file}`: {e}"), &e.help());
            return false;
        }
    }
    true
}
