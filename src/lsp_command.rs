//! `fleetplan lsp`: the language server on standard input and output (src/lsp/).

use std::process::ExitCode;

use crate::output::write_stderr;

/// Serves one editor until it exits. Standard output carries the protocol, so a failure is
/// reported on standard error alone, whatever `--error-format` says: one more document on
/// standard output would be read by the editor as a broken message.
pub fn lsp() -> ExitCode {
    match fleetplan::lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            write_stderr(&format!("fleet::lsp\n\n  × {e}\n  help: the editor closed the connection or sent a message that is not the Language Server Protocol; start `fleetplan lsp` from the editor\n"));
            ExitCode::FAILURE
        }
    }
}
