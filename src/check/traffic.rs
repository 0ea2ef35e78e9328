//! Distributions and arrival processes: `input = lognormal(mean = 2k tokens, cv = 0.8)`,
//! `arrivals = bursty(cv = 2)`. Validates the call's name and parameters (units through the
//! field checker, so they read like any other field's) and reads `empirical` data from the
//! text the loader read: the checker does no I/O.

use std::collections::BTreeMap;

use super::error::CheckError;
use super::fields::{Checked, FieldChecker};
use super::schema::{Expect, FieldSpec, Range};
use super::units::Dim;
use crate::diagnostic::suggest;
use crate::load::quoted_list;
use crate::source::Span;
use crate::spec::{Arrivals, Lengths};
use crate::syntax::ast::{Call, Value};

/// The length distributions, with an example of each for help lines.
pub(crate) const LENGTHS: &[(&str, &str)] = &[
    ("uniform", "uniform(low = 1k tokens, high = 4k tokens)"),
    ("lognormal", "lognormal(mean = 2k tokens, cv = 0.8)"),
    ("empirical", "empirical(\"lengths.csv\")"),
];

/// The arrival processes that take parameters (`poisson` is a plain word).
const PROCESSES: &[(&str, &str)] = &[("bursty", "bursty(cv = 2)")];

/// Every arrival process, as written.
pub(crate) const ARRIVAL_NAMES: &[&str] = &["poisson", "bursty"];

/// One parameter of a call: its name, dimension, range and an example.
struct Param {
    name: &'static str,
    dim: Dim,
    range: Range,
    example: &'static str,
}

const fn param(name: &'static str, dim: Dim, range: Range, example: &'static str) -> Param {
    Param { name, dim, range, example }
}

const UNIFORM: &[Param] = &[
    param("low", Dim::TOKENS, Range::NonNegative, "low = 1k tokens"),
    param("high", Dim::TOKENS, Range::Positive, "high = 4k tokens"),
];

const LOGNORMAL: &[Param] = &[
    param("mean", Dim::TOKENS, Range::Positive, "mean = 2k tokens"),
    param("cv", Dim::NONE, Range::Positive, "cv = 0.8"),
    param("p50", Dim::TOKENS, Range::Positive, "p50 = 1.5k tokens"),
    param("p99", Dim::TOKENS, Range::Positive, "p99 = 12k tokens"),
];

const BURSTY: &[Param] = &[param("cv", Dim::NONE, Range::Positive, "cv = 2")];

/// A validated parameter: its value, the whole argument (`low = 1k tokens`) and the value.
#[derive(Clone, Copy)]
struct Arg {
    value: f64,
    span: Span,
    value_span: Span,
}

type Args = BTreeMap<&'static str, Arg>;

impl FieldChecker<'_> {
    /// A token count (`Fixed`) or a length distribution.
    pub(super) fn lengths(&mut self, value: &Value, spec: &FieldSpec) -> Option<Checked> {
        let lengths = match value {
            Value::Quantity(q) => {
                // A request holds whole tokens: `0.5 tokens` is a mistake, not a length.
                match self.quantity(q, spec, Dim::TOKENS, Range::Positive, true)? {
                    Checked::Number { value, .. } => Lengths::fixed(value),
                    _ => return None,
                }
            }
            Value::Call(call) => match call.name.text.as_str() {
                "uniform" => self.uniform(call)?,
                "lognormal" => self.lognormal(call)?,
                "empirical" => self.empirical(call)?,
                _ => {
                    self.unknown_call(call, "length distribution", LENGTHS, PROCESSES);
                    return None;
                }
            },
            _ => return None,
        };
        Some(Checked::Lengths { value: lengths, span: value.span() })
    }

    /// `poisson` or `bursty(cv = …)`.
    pub(super) fn arrivals(&mut self, value: &Value, _spec: &FieldSpec) -> Option<Checked> {
        let arrivals = match value {
            Value::Symbol(name) if name.text == "poisson" => Arrivals::Poisson,
            Value::Symbol(name) => {
                let help = match PROCESSES.iter().find(|(n, _)| *n == name.text) {
                    Some((_, example)) => {
                        format!("`{}` takes parameters: write `{example}`", name.text)
                    }
                    None => suggest(&name.text, ARRIVAL_NAMES, || {
                        "write `poisson` or `bursty(cv = 2)`".to_string()
                    }),
                };
                self.errors.push(CheckError::UnknownDistribution {
                    name: name.text.clone(),
                    what: "arrival process".to_string(),
                    help,
                    span: name.span,
                });
                return None;
            }
            Value::Call(call) if call.name.text == "bursty" => {
                let args = self.named_args(call, BURSTY)?;
                let cv = self.require(call, &args, "cv", "`cv`", "`bursty(cv = 2)`")?;
                if !(cv.value * cv.value).is_finite() {
                    self.too_large(cv.value_span, "cv");
                    return None;
                }
                Arrivals::Gamma { cv: cv.value }
            }
            Value::Call(call) => {
                self.unknown_call(call, "arrival process", PROCESSES, LENGTHS);
                return None;
            }
            _ => return None,
        };
        Some(Checked::Arrivals { value: arrivals, span: value.span() })
    }

    fn uniform(&mut self, call: &Call) -> Option<Lengths> {
        let args = self.named_args(call, UNIFORM)?;
        let example = "`uniform(low = 1k tokens, high = 4k tokens)`";
        let low = self.require(call, &args, "low", "`low`", example);
        let high = self.require(call, &args, "high", "`high`", example);
        let (low, high) = (low?, high?);
        if low.value > high.value {
            self.errors.push(CheckError::LowAboveHigh {
                low: self.sources.snippet(low.value_span).to_string(),
                high: self.sources.snippet(high.value_span).to_string(),
                span: low.span,
                high_span: high.span,
            });
            return None;
        }
        Some(Lengths::Uniform { low: low.value, high: high.value })
    }

    fn lognormal(&mut self, call: &Call) -> Option<Lengths> {
        let args = self.named_args(call, LOGNORMAL)?;
        let by_moments = args.contains_key("mean") || args.contains_key("cv");
        let by_percentiles = args.contains_key("p50") || args.contains_key("p99");
        if by_moments && by_percentiles {
            // Point at the first argument of whichever form comes second.
            let first_of = |names: [&str; 2]| {
                names.iter().filter_map(|n| args.get(n)).map(|a| a.span).min_by_key(|s| s.start)
            };
            let (moments, percentiles) = (first_of(["mean", "cv"]), first_of(["p50", "p99"]));
            let span = match (moments, percentiles) {
                (Some(m), Some(p)) if m.start > p.start => m,
                (_, Some(p)) => p,
                (Some(m), None) => m,
                (None, None) => call.span,
            };
            self.errors.push(CheckError::ConflictingParameters {
                call: "lognormal".to_string(),
                first: "`mean` and `cv`".to_string(),
                second: "`p50` and `p99`".to_string(),
                help: "describe the spread one way: `lognormal(mean = 2k tokens, cv = 0.8)` or `lognormal(p50 = 1.5k tokens, p99 = 12k tokens)`".to_string(),
                span,
            });
            return None;
        }
        if by_percentiles {
            let example = "`lognormal(p50 = 1.5k tokens, p99 = 12k tokens)`";
            let p50 = self.require(call, &args, "p50", "`p50`", example);
            let p99 = self.require(call, &args, "p99", "`p99`", example);
            let (p50, p99) = (p50?, p99?);
            if p99.value <= p50.value {
                self.errors.push(CheckError::PercentilesOutOfOrder {
                    p50: self.sources.snippet(p50.value_span).to_string(),
                    p99: self.sources.snippet(p99.value_span).to_string(),
                    span: p99.span,
                    p50_span: p50.span,
                });
                return None;
            }
            let lengths = Lengths::lognormal_from_percentiles(p50.value, p99.value);
            if !finite_lognormal(&lengths) {
                self.too_large(p99.value_span, "p99");
                return None;
            }
            return Some(lengths);
        }
        if !by_moments {
            self.errors.push(CheckError::MissingParameter {
                call: "lognormal".to_string(),
                missing: "`mean` and `cv`, or `p50` and `p99`".to_string(),
                example: "`lognormal(mean = 2k tokens, cv = 0.8)` or `lognormal(p50 = 1.5k tokens, p99 = 12k tokens)`".to_string(),
                span: call.name.span,
            });
            return None;
        }
        let example = "`lognormal(mean = 2k tokens, cv = 0.8)`";
        let mean = self.require(call, &args, "mean", "`mean`", example);
        let cv = self.require(call, &args, "cv", "`cv`", example);
        let (mean, cv) = (mean?, cv?);
        let lengths = Lengths::Lognormal { mean: mean.value, cv: cv.value };
        if !finite_lognormal(&lengths) {
            self.too_large(cv.value_span, "cv");
            return None;
        }
        Some(lengths)
    }

    fn empirical(&mut self, call: &Call) -> Option<Lengths> {
        let (path, span) = self.file_argument(call, "empirical", "`empirical(\"lengths.csv\")`")?;
        let (text, _) = self.data_text(&path, span)?;

        let values = match parse_lengths(&text) {
            Ok(values) => values,
            Err(problem) => {
                let path = path.clone();
                self.errors.push(match problem {
                    RowProblem::Empty => CheckError::DataFileEmpty { path, span },
                    RowProblem::NotANumber { row, text } => {
                        CheckError::DataFileRow { path, row, text, span }
                    }
                    RowProblem::Negative { row, text } => {
                        CheckError::DataFileNegative { path, row, text, span }
                    }
                });
                return None;
            }
        };
        if values.len() > MAX_DATA_ROWS {
            self.errors.push(CheckError::OutOfRange {
                field: path.clone(),
                rule: format!("must hold at most {MAX_DATA_ROWS} lengths"),
                found: format!("more than {MAX_DATA_ROWS} rows"),
                help: "a sample of a million lengths describes any distribution; keep a random sample of the rows".to_string(),
                span,
            });
            return None;
        }
        let longest = values.last().copied().unwrap_or(0.0);
        if longest > super::limits::MAX_REQUEST_TOKENS {
            self.errors.push(CheckError::OutOfRange {
                field: path.clone(),
                rule: "must hold lengths of at most 10M tokens".to_string(),
                found: format!("a length of {longest} tokens"),
                help: "write one token count per row, each at most 10000000".to_string(),
                span,
            });
            return None;
        }
        let lengths = Lengths::Empirical { values };
        if lengths.mean() <= 0.0 || !lengths.second_moment().is_finite() {
            self.errors.push(CheckError::OutOfRange {
                field: path.clone(),
                rule: "must hold lengths above zero, and not too large".to_string(),
                found: "no usable length".to_string(),
                help: "write one token count per row, such as `1500`".to_string(),
                span,
            });
            return None;
        }
        Some(lengths)
    }

    /// Validates named arguments against `params`, reporting every problem; `None` if any.
    fn named_args(&mut self, call: &Call, params: &'static [Param]) -> Option<Args> {
        let mut args = Args::new();
        let mut ok = true;
        let name = call.name.text.as_str();
        let names: Vec<&str> = params.iter().map(|p| p.name).collect();
        let examples: Vec<&str> = params.iter().map(|p| p.example).collect();
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for arg in &call.args {
            let Some(arg_name) = &arg.name else {
                self.errors.push(CheckError::WrongArgument {
                    message: format!("the parameters of `{name}` are named"),
                    example: format!("`{name}({})`", examples.join(", ")),
                    span: arg.span,
                    label: "no parameter name".to_string(),
                });
                ok = false;
                continue;
            };
            let Some(p) = params.iter().find(|p| p.name == arg_name.text) else {
                let help = suggest(&arg_name.text, &names, || {
                    format!("the parameters of `{name}` are {}", quoted_list(&names))
                });
                self.errors.push(CheckError::UnknownParameter {
                    param: arg_name.text.clone(),
                    call: name.to_string(),
                    help,
                    span: arg_name.span,
                });
                ok = false;
                continue;
            };
            if let Some(first) = seen.insert(p.name, arg_name.span) {
                self.errors.push(CheckError::DuplicateParameter {
                    param: p.name.to_string(),
                    span: arg_name.span,
                    first,
                });
                ok = false;
                continue;
            }
            let spec = FieldSpec {
                name: p.name,
                expect: Expect::Quantity { dim: p.dim, range: p.range, whole: false },
                example: p.example,
                doc: "",
            };
            match self.value(&arg.value, &spec) {
                Some(Checked::Number { value, span }) => {
                    args.insert(p.name, Arg { value, span: arg.span, value_span: span });
                }
                _ => ok = false,
            }
        }
        ok.then_some(args)
    }

    /// A parameter that must be there; reports it missing (at the call's name) otherwise.
    fn require(
        &mut self,
        call: &Call,
        args: &Args,
        name: &str,
        missing: &str,
        example: &str,
    ) -> Option<Arg> {
        let found = args.get(name).copied();
        if found.is_none() {
            self.errors.push(CheckError::MissingParameter {
                call: call.name.text.clone(),
                missing: missing.to_string(),
                example: example.to_string(),
                span: call.name.span,
            });
        }
        found
    }

    fn unknown_call(
        &mut self,
        call: &Call,
        what: &str,
        known: &[(&str, &str)],
        other: &[(&str, &str)],
    ) {
        let name = &call.name.text;
        let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        let help = if other.iter().any(|(n, _)| n == name) {
            let examples: Vec<&str> = known.iter().map(|(_, e)| *e).collect();
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("`{name}` is not {article} {what}; write {}", quoted_list(&examples))
        } else {
            suggest(name, &names, || format!("the {what}s are {}", quoted_list(&names)))
        };
        self.errors.push(CheckError::UnknownDistribution {
            name: name.clone(),
            what: what.to_string(),
            help,
            span: call.name.span,
        });
    }

    fn too_large(&mut self, span: Span, field: &str) {
        self.errors.push(CheckError::OutOfRange {
            field: field.to_string(),
            rule: "gives a spread too wide to compute with".to_string(),
            found: format!("`{}`", self.sources.snippet(span)),
            help: "the distribution's moments overflow a 64-bit float; use a smaller value"
                .to_string(),
            span,
        });
    }
}

/// A lognormal whose moments are finite numbers.
fn finite_lognormal(lengths: &Lengths) -> bool {
    lengths.mean().is_finite() && lengths.second_moment().is_finite()
}

/// What is wrong with a data file's rows (rows are numbered from 1, as editors show them).
#[derive(Debug, PartialEq)]
enum RowProblem {
    Empty,
    NotANumber { row: usize, text: String },
    Negative { row: usize, text: String },
}

/// Most rows of an `empirical` file: the spec keeps every length, and later stages copy it.
const MAX_DATA_ROWS: usize = 1_000_000;

/// A row as quoted in a diagnostic: at most 40 characters, so that a file that is not a list
/// of lengths is not echoed.
fn excerpt(cell: &str) -> String {
    match cell.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", cell.get(..at).unwrap_or("")),
        None => cell.to_string(),
    }
}

/// One token count per row; a first row that is not a number is a header; blank rows are
/// skipped; a trailing comma is allowed (a one-column CSV). Sorted ascending.
fn parse_lengths(text: &str) -> Result<Vec<f64>, RowProblem> {
    let mut values = Vec::new();
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let cell = line.trim().trim_end_matches(',').trim();
        if cell.is_empty() {
            continue;
        }
        let parsed = cell.parse::<f64>().ok().filter(|v| v.is_finite());
        let was_first = std::mem::replace(&mut first, false);
        match parsed {
            Some(v) if v < 0.0 => {
                return Err(RowProblem::Negative { row: i + 1, text: excerpt(cell) })
            }
            Some(v) => {
                values.push(v);
                if values.len() > MAX_DATA_ROWS {
                    // Enough to say the file is too long; reading on would only take memory.
                    break;
                }
            }
            None if was_first => {}
            None => return Err(RowProblem::NotANumber { row: i + 1, text: excerpt(cell) }),
        }
    }
    if values.is_empty() {
        return Err(RowProblem::Empty);
    }
    values.sort_by(f64::total_cmp);
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_a_header_and_blanks() {
        assert_eq!(parse_lengths("tokens\n300\n\n100,\n200\n"), Ok(vec![100.0, 200.0, 300.0]));
        assert_eq!(parse_lengths("5\n"), Ok(vec![5.0]));
    }

    #[test]
    fn bad_rows_are_numbered_from_one() {
        assert_eq!(
            parse_lengths("tokens\n300\nabc\n"),
            Err(RowProblem::NotANumber { row: 3, text: "abc".into() })
        );
        assert_eq!(
            parse_lengths("1\n-2\n"),
            Err(RowProblem::Negative { row: 2, text: "-2".into() })
        );
        assert_eq!(parse_lengths("tokens\n\n"), Err(RowProblem::Empty));
        assert_eq!(parse_lengths(""), Err(RowProblem::Empty));
        assert_eq!(
            parse_lengths("1\ninf\n"),
            Err(RowProblem::NotANumber { row: 2, text: "inf".into() })
        );
    }

    #[test]
    fn workloads_carry_their_distributions() {
        let dir = std::env::temp_dir().join(format!("fleet-traffic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        std::fs::write(dir.join("out.csv"), "tokens\n100\n300\n200\n").unwrap_or_default();
        let text = "use std.models.{llama3_1_8b}\n\
            workload w {\n model = llama3_1_8b\n rate = 1 req/s\n\
            input = lognormal(p50 = 1.5k tokens, p99 = 12k tokens)\n\
            output = empirical(\"out.csv\")\n arrivals = bursty(cv = 2)\n}\n\
            workload u from w {\n input = uniform(low = 1k tokens, high = 3k tokens)\n\
            arrivals = poisson\n}\n";
        let name = dir.join("w.fleet").display().to_string();
        let compiled = crate::compile(crate::load::Root::Text { name, text: text.to_string() });
        let spec = match compiled.map(|c| c.result) {
            Ok(Ok(spec)) => spec,
            Ok(Err(d)) => panic!("{d:?}"),
            Err(e) => panic!("{e}"),
        };
        let (w, u) = (&spec.workloads["w"], &spec.workloads["u"]);
        assert_eq!(w.output, Lengths::Empirical { values: vec![100.0, 200.0, 300.0] });
        assert_eq!(w.output_tokens, 200.0);
        assert_eq!(w.input, Lengths::lognormal_from_percentiles(1500.0, 12_000.0));
        assert_eq!(w.arrivals, Arrivals::Gamma { cv: 2.0 });
        assert_eq!(u.input, Lengths::Uniform { low: 1000.0, high: 3000.0 });
        assert_eq!(u.input_tokens, 2000.0);
        assert_eq!(u.arrivals, Arrivals::Poisson);
        assert_eq!(u.output, w.output);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
