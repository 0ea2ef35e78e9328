//! Traces to replay: CSV lines `timestamp_s,workload,input_tokens,output_tokens`. An optional
//! header line (starting with `timestamp`), blank lines and `#` comments are skipped; requests
//! are replayed in timestamp order. Every bad line is a diagnostic at that line; nothing here
//! panics on input.

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::{suggest, Diagnostics, StageError};
use crate::source::{FileId, Span};
use crate::spec::Spec;

/// One replayed request.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRequest {
    pub time_s: f64,
    pub workload: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
}

/// Errors of a trace file.
#[derive(Debug, Error, Diagnostic)]
pub enum TraceError {
    #[error("a trace line needs 4 fields, `timestamp_s,workload,input_tokens,output_tokens`; this one has {found}")]
    #[diagnostic(
        code(fleet::trace_fields),
        help("separate the fields with commas; `#` starts a comment line")
    )]
    Fields {
        found: usize,
        #[label("{found} fields")]
        span: Span,
    },

    #[error("`{text}` is not {what}")]
    #[diagnostic(code(fleet::trace_value), help("{help}"))]
    Value {
        text: String,
        what: &'static str,
        help: &'static str,
        #[label("expected {what}")]
        span: Span,
    },

    #[error("the trace has more than {limit} requests")]
    #[diagnostic(
        code(fleet::trace_too_long),
        help("replay a part of it: the simulator holds every request in memory")
    )]
    TooLong {
        limit: u64,
        #[label("request {limit} + 1")]
        span: Span,
    },

    #[error("the trace asks for {tokens} output tokens, more than a simulation decodes ({limit})")]
    #[diagnostic(
        code(fleet::trace_too_large),
        help("replay a part of the trace: the simulator decodes every output token")
    )]
    TooMuchWork {
        tokens: f64,
        limit: f64,
        #[label("the budget is used up at this request")]
        span: Span,
    },

    #[error("no workload `{name}` in the plan")]
    #[diagnostic(code(fleet::trace_workload), help("{help}"))]
    Workload {
        name: String,
        help: String,
        #[label("unknown workload")]
        span: Span,
    },
}

impl StageError for TraceError {
    fn span(&self) -> Span {
        match self {
            TraceError::Fields { span, .. }
            | TraceError::Value { span, .. }
            | TraceError::TooLong { span, .. }
            | TraceError::TooMuchWork { span, .. }
            | TraceError::Workload { span, .. } => *span,
        }
    }
}

/// Largest token count a trace line may give: the checker's limit for one request (10M, the
/// longest context of any model). A line with a billion output tokens ran for minutes.
const MAX_TOKENS: f64 = crate::check::limits::MAX_REQUEST_TOKENS;

/// Most output tokens one simulation may decode, over all its requests. The event loop takes
/// one step per output token of every batch; with batches of one (a long context fills an
/// instance) that is about 30 ns a token, so this bounds a run at about half a minute. The
/// default run (100,000 requests of a few hundred tokens) decodes a few ten millions.
pub const MAX_SIMULATED_TOKENS: f64 = 1e9;

/// Latest timestamp, in seconds: a year of traffic.
const MAX_TIME_S: f64 = 365.0 * 86_400.0;

/// Bad lines reported before the rest of a trace is skipped: a binary file or the wrong file
/// would otherwise give one diagnostic per line.
const MAX_ERRORS: usize = 200;

/// Most characters of a bad field quoted in a diagnostic.
const MAX_QUOTED: usize = 40;

/// A field as quoted in a diagnostic: cut short, so a binary or huge line is not echoed.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or("")),
        None => text.to_string(),
    }
}

/// Parses a trace; `file` is its id in the source map the diagnostics render against.
pub fn parse_trace(
    file: FileId,
    text: &str,
    spec: &Spec,
) -> Result<Vec<TraceRequest>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut requests = Vec::new();
    let names: Vec<&str> = spec.workloads.keys().map(String::as_str).collect();
    let mut offset = 0usize;
    let mut first = true;
    let mut output_tokens = 0.0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        if diagnostics.len() >= MAX_ERRORS {
            break;
        }
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        if is_first && trimmed.to_ascii_lowercase().starts_with("timestamp") {
            continue;
        }
        // Fields with their byte ranges.
        let mut fields = Vec::new();
        let mut at = start;
        for part in line.split(',') {
            let lead = part.len() - part.trim_start().len();
            let value = part.trim();
            let s = at + lead;
            fields.push((value, Span::new(file, s, s + value.len())));
            at += part.len() + 1;
        }
        let line_span = Span::new(
            file,
            start + (line.len() - line.trim_start().len()),
            start + line.trim_end().len(),
        );
        if fields.len() != 4 {
            diagnostics.push(TraceError::Fields { found: fields.len(), span: line_span });
            continue;
        }
        if requests.len() as u64 >= crate::simulate::MAX_REQUESTS {
            diagnostics.push(TraceError::TooLong {
                limit: crate::simulate::MAX_REQUESTS,
                span: line_span,
            });
            break;
        }
        let (time_text, time_span) = fields[0];
        let time = time_text.parse::<f64>().ok().filter(|t| (0.0..=MAX_TIME_S).contains(t));
        if time.is_none() {
            diagnostics.push(TraceError::Value {
                text: quoted(time_text),
                what: "a time in seconds",
                help: "timestamps are seconds from the start of the trace, from 0 to a year (31536000), such as `12.5`",
                span: time_span,
            });
        }
        let (name, name_span) = fields[1];
        let known = names.contains(&name);
        if !known {
            let help = suggest(name, &names, || {
                format!(
                    "the workloads are {}",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                )
            });
            diagnostics.push(TraceError::Workload { name: quoted(name), help, span: name_span });
        }
        let mut tokens = [0u32; 2];
        let mut ok = true;
        for (slot, (value, span)) in tokens.iter_mut().zip([fields[2], fields[3]]) {
            match value.parse::<f64>() {
                Ok(v) if (1.0..=MAX_TOKENS).contains(&v) && v.fract() == 0.0 => {
                    *slot = v as u32;
                }
                _ => {
                    ok = false;
                    diagnostics.push(TraceError::Value {
                        text: quoted(value),
                        what: "a token count",
                        help: "token counts are whole numbers from 1 to 10,000,000",
                        span,
                    });
                }
            }
        }
        if ok {
            output_tokens += f64::from(tokens[1]);
            if output_tokens > MAX_SIMULATED_TOKENS {
                diagnostics.push(TraceError::TooMuchWork {
                    tokens: output_tokens,
                    limit: MAX_SIMULATED_TOKENS,
                    span: line_span,
                });
                break;
            }
        }
        if let (Some(time_s), true, true) = (time, known, ok) {
            requests.push(TraceRequest {
                time_s,
                workload: name.to_string(),
                input_tokens: tokens[0],
                output_tokens: tokens[1],
            });
        }
    }
    requests.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    diagnostics.finish(requests)
}
