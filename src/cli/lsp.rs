//! `fleetplan lsp`: the language server on standard input and output (src/lsp/).

use super::output::write_stderr;
use super::Status;

/// Serves one editor until it exits. Standard output carries the protocol, so this command
/// bypasses the printer: a failure is reported on standard error alone, whatever
/// `--error-format` says, since one more document on standard output would be read by the
/// editor as a broken message.
pub fn run() -> Status {
    match fleetplan::lsp::run_stdio() {
        Ok(()) => Status::Success,
        Err(e) => {
            write_stderr(&format!("fleet::lsp\n\n  × {e}\n  help: the editor closed the connection or sent a message that is not the Language Server Protocol; start `fleetplan lsp` from the editor\n"));
            Status::Invalid
        }
    }
}
