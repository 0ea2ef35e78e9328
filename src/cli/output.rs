//! Where the `fleetplan` binary prints (part of the binary, not the library): diagnostics in
//! the chosen format, errors that point at no text (with a code and a help line like every
//! diagnostic), and standard output that a closed pipe ends quietly.

use std::io::{IsTerminal, Write};

use fleetplan::diagnostic::{Diagnostics, ErrorFormat, RenderStyle};
use fleetplan::source::SourceMap;

use super::Status;

/// The one printer of the binary: results go to stdout, diagnostics to stderr, except with
/// `--error-format json`, where stdout holds exactly one JSON document whatever the outcome
/// (docs/json.md):
/// - a command with a result prints `{"<result>": …, "text": …, "diagnostics": […],
///   "exit_code": N}`: the result as JSON with `--format json` (else `null`), and the text of
///   any other format under `text` (else `null`);
/// - a command whose only output is its diagnostics (`check`, `fmt --check`) prints the array
///   of diagnostics, `[]` when all is well.
pub struct Output {
    format: ErrorFormat,
    color: bool,
    diagnostics: Vec<serde_json::Value>,
    /// The result's key in the JSON document (`None`: diagnostics only).
    result_key: Option<&'static str>,
    result: Option<serde_json::Value>,
    /// Results beside the main one (`plan --sensitivity`: `sensitivity`).
    extras: Vec<(&'static str, serde_json::Value)>,
    text: String,
}

impl Output {
    pub fn new(format: ErrorFormat, color: clap::ColorChoice) -> Self {
        let color = match color {
            clap::ColorChoice::Always => true,
            clap::ColorChoice::Never => false,
            clap::ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Output {
            format,
            color,
            diagnostics: Vec::new(),
            result_key: None,
            result: None,
            extras: Vec::new(),
            text: String::new(),
        }
    }

    /// Whether diagnostics go to stdout as JSON.
    pub fn is_json(&self) -> bool {
        self.format == ErrorFormat::Json
    }

    /// Names the command's result in the JSON document (`plan`, `simulation`, …); from then on
    /// the document is an object, with `null` for a result that never came.
    pub fn result_named(&mut self, key: &'static str) {
        self.result_key = Some(key);
    }

    /// A result as JSON (`--format json`): pretty-printed on stdout, or held for the document.
    pub fn json<T: serde::Serialize>(&mut self, value: &T) {
        if self.is_json() {
            self.result = Some(serde_json::to_value(value).unwrap_or_default());
        } else {
            self.text(&fleetplan::dump::json(value));
        }
    }

    /// With `--error-format json`, a second result beside the main one in the document, under
    /// its own key; otherwise nothing (the command prints it with the main result).
    pub fn extra<T: serde::Serialize>(&mut self, key: &'static str, value: &T) {
        if self.is_json() {
            self.extras.push((key, serde_json::to_value(value).unwrap_or_default()));
        }
    }

    /// A result as text (text, Markdown, DOT, a completion script): stdout, or the document's
    /// `text` with `--error-format json`.
    pub fn text(&mut self, text: &str) {
        if self.is_json() {
            self.text.push_str(text);
        } else if !write_stdout(text) {
            self.error(
                "fleet::io",
                "cannot write to standard output".to_string(),
                "check the disk or the pipe that standard output goes to",
            );
        }
    }

    pub fn report(&mut self, sources: &SourceMap, diagnostics: &Diagnostics) {
        match self.format {
            ErrorFormat::Json => {
                for d in diagnostics.to_json(sources) {
                    self.diagnostics.push(serde_json::to_value(d).unwrap_or_default());
                }
            }
            format => {
                let width = terminal_width();
                let style = RenderStyle { color: self.color, width };
                write_stderr(&diagnostics.render(sources, format, style));
            }
        }
    }

    /// An error without a source span (an unreadable root file, an unknown `--workload`): a
    /// code and a help line like every diagnostic.
    pub fn error(&mut self, code: &str, message: String, help: &str) {
        match self.format {
            ErrorFormat::Json => {
                let diagnostic = fleetplan::diagnostic::JsonDiagnostic {
                    code: code.to_string(),
                    severity: "error",
                    message,
                    file: None,
                    line: None,
                    column: None,
                    span: None,
                    labels: Vec::new(),
                    help: Some(help.to_string()),
                };
                self.diagnostics.push(serde_json::to_value(diagnostic).unwrap_or_default());
            }
            ErrorFormat::Plain => {
                write_stderr(&format!("{message}\n    diagnostic code: {code}\nhelp: {help}\n"))
            }
            ErrorFormat::Human => {
                write_stderr(&format!("{code}\n\n  × {message}\n  help: {help}\n"))
            }
        }
    }

    /// A note for the user that is not a diagnostic (stderr in every format).
    pub fn note(&mut self, text: &str) {
        write_stderr(text);
    }

    /// The error of a root file that could not be read.
    pub fn root_error(&mut self, error: &fleetplan::load::RootError) {
        self.error(error.code, error.to_string(), &error.help);
    }

    /// Prints the JSON document (with `--error-format json`) and gives back the status.
    pub fn finish(self, status: Status) -> Status {
        if self.format != ErrorFormat::Json {
            return status;
        }
        let diagnostics = serde_json::Value::Array(self.diagnostics);
        let document = match self.result_key {
            None => diagnostics,
            Some(key) => {
                let mut document = serde_json::Map::new();
                document.insert(key.to_string(), self.result.unwrap_or_default());
                for (key, value) in self.extras {
                    document.insert(key.to_string(), value);
                }
                let text = if self.text.is_empty() {
                    serde_json::Value::Null
                } else {
                    serde_json::Value::String(self.text)
                };
                document.insert("text".to_string(), text);
                document.insert("diagnostics".to_string(), diagnostics);
                document.insert("exit_code".to_string(), status.code().into());
                serde_json::Value::Object(document)
            }
        };
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        write_stdout(&format!("{text}\n"));
        status
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
