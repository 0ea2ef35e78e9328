//! `fleetplan check`: every diagnostic of every file, nothing else.

use super::output::Output;
use super::{compile, Status};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// `.fleet` files; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<String>,
}

pub fn run(args: &CheckArgs, out: &mut Output) -> Status {
    let mut status = Status::Success;
    for file in &args.files {
        if compile(file, out).is_none() {
            status = Status::Invalid;
        }
    }
    status
}
