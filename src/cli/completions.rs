//! `fleetplan completions SHELL` and `fleetplan man`: generated from the same clap definition
//! the command line parses with, so they cannot fall out of step with it.

use clap_complete::Shell;

use super::output::Output;
use super::Status;

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: &CompletionsArgs, mut command: clap::Command, out: &mut Output) -> Status {
    out.result_named("completions");
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "fleetplan", &mut script);
    out.text(&String::from_utf8_lossy(&script));
    Status::Success
}

pub fn man(command: clap::Command, out: &mut Output) -> Status {
    out.result_named("man");
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut page) {
        out.error("fleet::io", format!("cannot render the manual page: {e}"), "report this bug");
        return Status::Invalid;
    }
    out.text(&String::from_utf8_lossy(&page));
    Status::Success
}
