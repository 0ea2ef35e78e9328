//! The exit status of every command: one table, documented in the README and in `--help`.

use std::process::ExitCode;

/// How a command ended. The numbers are part of the command line's contract
/// ([`EXIT_CODES_HELP`]); scripts branch on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done: a plan, a clean check, a formatted file.
    Success,
    /// The input has errors (diagnostics say where), or a file could not be read or written.
    Invalid,
    /// The file checks, but no plan meets its SLOs and limits (diagnostics say which to change).
    Infeasible,
    /// A plan was found, but the simulation misses an SLO (`simulate`, `plan --verify`).
    SloMissed,
    /// The command line itself is wrong (sysexits' `EX_USAGE`): an unknown option, a value out
    /// of range, a feature this build lacks.
    Usage,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Invalid => 1,
            Status::Infeasible => 2,
            Status::SloMissed => 3,
            Status::Usage => 64,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// The exit-code table as `--help` prints it (the README holds the same table; a test checks
/// both against [`Status::code`]).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0   success
  1   the input has errors, or a file could not be read or written
  2   no plan meets the SLOs and limits
  3   a simulated SLO is missed (simulate, plan --verify)
  64  the command line is wrong (unknown option, value out of range, feature not built)";
