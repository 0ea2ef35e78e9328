//! Where the `fleetplan` binary prints (part of the binary, not the library): diagnostics in
//! the chosen format, errors that point at no text (with a code and a help line like every
//! diagnostic), and standard output that a closed pipe ends quietly.

use std::io::{IsTerminal, Write};

use fleetplan::diagnostic::{Diagnostics, ErrorFormat, RenderStyle};
use fleetplan::source::SourceMap;

/// Collects diagnostics; JSON ones are printed together at the end as one array.
pub struct Output {
    format: ErrorFormat,
    json: Vec<serde_json::Value>,
    /// The command prints nothing but its diagnostics (`check`, `fmt --check`): with
    /// `--error-format json` its stdout is then the array, `[]` when all is well.
    diagnostics_only: bool,
    /// JSON results held back to print in one document with the diagnostics
    /// (`{"plan": …, "diagnostics": […]}`, with `--sensitivity` also `"sensitivity": …`),
    /// when both are JSON.
    document: Vec<(&'static str, serde_json::Value)>,
}

impl Output {
    pub fn new(format: ErrorFormat) -> Self {
        Output { format, json: Vec::new(), diagnostics_only: false, document: Vec::new() }
    }

    /// Whether diagnostics go to stdout as JSON.
    pub fn is_json(&self) -> bool {
        self.format == ErrorFormat::Json
    }

    /// With `--error-format json`, a command's JSON result is printed with the diagnostics as
    /// one document, `{key: result, …, "diagnostics": […]}`, whatever the outcome.
    pub fn hold(&mut self, key: &'static str, value: serde_json::Value) {
        self.document.push((key, value));
    }

    /// Marks a command whose only output is its diagnostics (see the field).
    pub fn diagnostics_only(&mut self) {
        self.diagnostics_only = true;
    }

    pub fn report(&mut self, sources: &SourceMap, diagnostics: &Diagnostics) {
        match self.format {
            ErrorFormat::Json => {
                for d in diagnostics.to_json(sources) {
                    self.json.push(serde_json::to_value(d).unwrap_or_default());
                }
            }
            format => {
                let color =
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let width = terminal_width();
                let text = diagnostics.render(sources, format, RenderStyle { color, width });
                write_stderr(&text);
            }
        }
    }

    /// An error without a source span (an unreadable root file, an unknown `--workload`): a
    /// code and a help line like every diagnostic.
    pub fn error(&mut self, code: &str, message: String, help: &str) {
        match self.format {
            ErrorFormat::Json => self.json.push(serde_json::json!({
                "code": code, "severity": "error", "message": message,
                "file": null, "line": null, "column": null, "span": null, "labels": [],
                "help": help,
            })),
            ErrorFormat::Plain => {
                write_stderr(&format!("{message}\n    diagnostic code: {code}\nhelp: {help}\n"))
            }
            ErrorFormat::Human => {
                write_stderr(&format!("{code}\n\n  × {message}\n  help: {help}\n"))
            }
        }
    }

    /// The error of a root file that could not be read.
    pub fn root_error(&mut self, error: &fleetplan::load::RootError) {
        self.error(error.code, error.to_string(), &error.help);
    }

    pub fn finish(self) {
        if self.format == ErrorFormat::Json && !self.document.is_empty() {
            let mut document = serde_json::Map::new();
            for (key, value) in self.document {
                document.insert(key.to_string(), value);
            }
            document.insert("diagnostics".to_string(), serde_json::Value::Array(self.json));
            let text = serde_json::to_string_pretty(&document).unwrap_or_default();
            write_stdout(&format!("{text}\n"));
            return;
        }
        if self.format == ErrorFormat::Json && (self.diagnostics_only || !self.json.is_empty()) {
            let text = serde_json::to_string_pretty(&self.json).unwrap_or_default();
            write_stdout(&format!("{text}\n"));
        }
    }
}

/// Writes to standard output. A reader that went away (`fleetplan plan x | head -1`) is not an
/// error of ours: the rest is dropped quietly, as `grep` and `cat` do. `false` for any other
/// failure.
pub fn write_stdout(text: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => true,
        Err(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
    }
}

/// Writes to standard error; a closed one loses the message but never panics (`eprint!` would).
pub fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}
