//! Traces to replay: CSV (RFC 4180, read by the `csv` crate) with the columns
//! `timestamp_s,workload,input_tokens,output_tokens`, in that order or in any order a header
//! line names (other columns are then ignored). Blank lines and `#` comments are skipped;
//! requests are replayed in timestamp order. Every bad field is a diagnostic at its place in the
//! file; nothing here panics on input.

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

    #[error("the trace's header has no `{column}` column")]
    #[diagnostic(
        code(fleet::trace_columns),
        help("a header names the columns `timestamp_s`, `workload`, `input_tokens` and `output_tokens`, in any order; without one they are in that order")
    )]
    Column {
        column: &'static str,
        #[label("the header")]
        span: Span,
    },

    #[error("the trace is not valid CSV: {message}")]
    #[diagnostic(
        code(fleet::trace_csv),
        help("check that the trace is a CSV text file: fields separated by commas, quotes closed")
    )]
    Csv {
        message: String,
        #[label("here")]
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
            | TraceError::Column { span, .. }
            | TraceError::Csv { span, .. }
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

/// The four columns, in the order a trace without a header gives them.
const COLUMNS: [&str; 4] = ["timestamp_s", "workload", "input_tokens", "output_tokens"];

/// Parses a trace; `file` is its id in the source map the diagnostics render against. The
/// `csv` crate reads it (quoted fields, `#` comments, blank lines); a header line, if any, names
/// the columns in any order, and other columns beside them are ignored.
pub fn parse_trace(
    file: FileId,
    text: &str,
    spec: &Spec,
) -> Result<Vec<TraceRequest>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut requests = Vec::new();
    let names: Vec<&str> = spec.workloads.keys().map(String::as_str).collect();
    let mut output_tokens = 0.0;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // Column of each of COLUMNS; a header line may reorder them.
    let mut columns: Option<[usize; 4]> = None;
    let mut width = COLUMNS.len();
    loop {
        if diagnostics.len() >= MAX_ERRORS {
            break;
        }
        let start = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(start, |p| p.byte() as usize).min(text.len());
                diagnostics.push(TraceError::Csv {
                    message: e.to_string(),
                    span: Span::new(file, at, at),
                });
                break;
            }
        }
        let begin = record.position().map_or(start, |p| p.byte() as usize).min(text.len());
        let end = (reader.position().byte() as usize).clamp(begin, text.len());
        let raw = text.get(begin..end).unwrap_or("").trim_end_matches(['\n', '\r']);
        let line_span = Span::new(
            file,
            begin + (raw.len() - raw.trim_start().len()),
            begin + raw.trim_end().len(),
        );
        let fields = field_spans(file, raw, begin, &record, line_span);
        if columns.is_none() {
            match header(&record, line_span) {
                Header::Columns(found) => {
                    columns = Some(found);
                    width = record.len();
                    continue;
                }
                Header::Missing(error) => {
                    diagnostics.push(*error);
                    break;
                }
                Header::None => columns = Some([0, 1, 2, 3]),
            }
        }
        let Some(columns) = columns else { break };
        if record.len() != width {
            diagnostics.push(TraceError::Fields { found: record.len(), span: line_span });
            continue;
        }
        if requests.len() as u64 >= crate::simulate::MAX_REQUESTS {
            diagnostics.push(TraceError::TooLong {
                limit: crate::simulate::MAX_REQUESTS,
                span: line_span,
            });
            break;
        }
        let field = |i: usize| (fields[columns[i]].0, fields[columns[i]].1);
        let (time_text, time_span) = field(0);
        let time = time_text.parse::<f64>().ok().filter(|t| (0.0..=MAX_TIME_S).contains(t));
        if time.is_none() {
            diagnostics.push(TraceError::Value {
                text: quoted(time_text),
                what: "a time in seconds",
                help: "timestamps are seconds from the start of the trace, from 0 to a year (31536000), such as `12.5`",
                span: time_span,
            });
        }
        let (name, name_span) = field(1);
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
        for (slot, (value, span)) in tokens.iter_mut().zip([field(2), field(3)]) {
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

/// Each field's text with its place in the file: found in the record's raw text in order (a
/// quoted field's span covers its quotes); where a field cannot be found (escaped quotes
/// change its text), the whole line.
fn field_spans<'r>(
    file: FileId,
    raw: &str,
    begin: usize,
    record: &'r csv::StringRecord,
    line_span: Span,
) -> Vec<(&'r str, Span)> {
    let mut cursor = 0;
    record
        .iter()
        .map(|value| {
            let found = raw.get(cursor..).and_then(|rest| rest.find(value));
            match found {
                Some(at) if !value.is_empty() => {
                    let s = cursor + at;
                    cursor = s + value.len();
                    let quoted = raw[..s].ends_with('"') && raw[cursor..].starts_with('"');
                    let (s, e) = if quoted { (s - 1, cursor + 1) } else { (s, cursor) };
                    (value, Span::new(file, begin + s, begin + e))
                }
                _ => (value, line_span),
            }
        })
        .collect()
}

enum Header {
    /// The record names the columns: where each of [`COLUMNS`] is.
    Columns([usize; 4]),
    /// A header that lacks a column.
    Missing(Box<TraceError>),
    /// Not a header: the columns are in [`COLUMNS`] order.
    None,
}

/// Whether the first record is a header: any of its fields names a column (`timestamp` alone
/// stands for `timestamp_s`).
fn header(record: &csv::StringRecord, line_span: Span) -> Header {
    let name = |field: &str| {
        let field = field.to_ascii_lowercase();
        if field == "timestamp" {
            "timestamp_s".to_string()
        } else {
            field
        }
    };
    let named: Vec<String> = record.iter().map(name).collect();
    if !named.iter().any(|n| COLUMNS.contains(&n.as_str())) {
        return Header::None;
    }
    let mut columns = [0usize; 4];
    for (slot, column) in columns.iter_mut().zip(COLUMNS) {
        match named.iter().position(|n| n == column) {
            Some(i) => *slot = i,
            None => {
                let error = TraceError::Column { column, span: line_span };
                return Header::Missing(Box::new(error));
            }
        }
    }
    Header::Columns(columns)
}
