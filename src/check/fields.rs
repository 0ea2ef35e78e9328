//! Validates the entries of a block against its schema: field names, duplicates, units,
//! ranges and enumerated values. References are kept as names for the resolver.

use std::collections::BTreeMap;

use super::error::CheckError;
use super::schema::{self, Expect, FieldSpec, Range};
use super::units::{self, Dim, UNITS};
use crate::diagnostic::{did_you_mean, Diagnostics};
use crate::load::quoted_list;
use crate::load::DataFile;
use crate::source::{SourceMap, Span};
use crate::spec::{Arrivals, Lengths, Measurements, Metric, Percentile, Precision};
use crate::syntax::ast::{self, DefKind, Entry, Value};

/// A validated value.
#[derive(Clone, Debug)]
pub enum Checked {
    Number {
        value: f64,
        span: Span,
    },
    Choice {
        value: &'static str,
        span: Span,
    },
    Reference {
        name: String,
        span: Span,
    },
    Block(Fields),
    Bounds(Vec<CheckedBound>),
    Lengths {
        value: Lengths,
        span: Span,
    },
    Arrivals {
        value: Arrivals,
        span: Span,
    },
    Measurements {
        value: Measurements,
        span: Span,
    },
    /// A model read from a Hugging Face config (`config = hf("config.json")`).
    ModelConfig {
        value: Box<crate::spec::Model>,
        span: Span,
    },
}

impl Checked {
    pub fn span(&self) -> Span {
        match self {
            Checked::Number { span, .. }
            | Checked::Choice { span, .. }
            | Checked::Reference { span, .. }
            | Checked::Lengths { span, .. }
            | Checked::Arrivals { span, .. }
            | Checked::Measurements { span, .. }
            | Checked::ModelConfig { span, .. } => *span,
            Checked::Block(fields) => fields.span,
            Checked::Bounds(bounds) => {
                bounds.first().map_or(Span::new(crate::source::FileId(0), 0, 0), |b| b.span)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct CheckedBound {
    pub metric: Metric,
    pub percentile: Percentile,
    pub limit_s: f64,
    pub span: Span,
}

/// The valid fields of one block, by name.
#[derive(Clone, Debug)]
pub struct Fields {
    pub values: BTreeMap<&'static str, Checked>,
    /// The block's braces (or the definition's name, for diagnostics about missing fields).
    pub span: Span,
    /// Some entry was invalid: missing fields are then not reported, since the user most
    /// likely meant the invalid entry.
    pub poisoned: bool,
}

impl Fields {
    pub fn empty(span: Span) -> Fields {
        Fields { values: BTreeMap::new(), span, poisoned: false }
    }

    /// `self` with `over`'s fields replacing or (for blocks) merging into its own.
    pub fn overlay(mut self, over: Fields) -> Fields {
        for (name, value) in over.values {
            let merged = match (self.values.remove(name), value) {
                (Some(Checked::Block(base)), Checked::Block(top)) => {
                    Checked::Block(base.overlay(top))
                }
                (_, value) => value,
            };
            self.values.insert(name, merged);
        }
        self.poisoned |= over.poisoned;
        self.span = over.span;
        self
    }
}

/// Validates blocks, pushing errors into `errors`.
pub struct FieldChecker<'a> {
    pub sources: &'a SourceMap,
    /// The data files the loader read (for `empirical("…")`).
    pub data: &'a [DataFile],
    pub errors: &'a mut Diagnostics,
}

impl FieldChecker<'_> {
    /// Validates `block` as `place` (such as "device `h200`") against `schema`.
    pub fn block(
        &mut self,
        block: &ast::Block,
        schema: &'static [FieldSpec],
        place: &str,
    ) -> Fields {
        let mut fields = Fields::empty(block.span);
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for entry in &block.entries {
            let name = entry.name();
            let Some(spec) = schema::find(schema, &name.text) else {
                if matches!(entry, Entry::Bound(_)) {
                    self.errors.push(CheckError::MisplacedBound { span: entry.span() });
                } else {
                    let names: Vec<&str> = schema.iter().map(|f| f.name).collect();
                    let help = match did_you_mean(&name.text, names.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("the fields of {place} are {}", quoted_list(&names)),
                    };
                    self.errors.push(CheckError::UnknownField {
                        field: name.text.clone(),
                        place: place.to_string(),
                        help,
                        span: name.span,
                    });
                }
                fields.poisoned = true;
                continue;
            };
            if let Some(first) = seen.insert(spec.name, name.span) {
                self.errors.push(CheckError::DuplicateField {
                    field: spec.name.to_string(),
                    span: name.span,
                    first,
                });
                continue;
            }
            match self.entry(entry, spec, place) {
                Some(value) => {
                    // A bad entry inside a nested block poisons the definition too.
                    fields.poisoned |= matches!(&value, Checked::Block(inner) if inner.poisoned);
                    fields.values.insert(spec.name, value);
                }
                None => fields.poisoned = true,
            }
        }
        fields
    }

    fn entry(&mut self, entry: &Entry, spec: &'static FieldSpec, place: &str) -> Option<Checked> {
        let block_expected =
            matches!(spec.expect, Expect::Block(_) | Expect::PerPrecision(_) | Expect::Bounds);
        match entry {
            Entry::Bound(bound) => {
                self.errors.push(CheckError::MisplacedBound { span: bound.span });
                None
            }
            Entry::Field(field) if block_expected => {
                self.errors.push(CheckError::ExpectedBlock {
                    field: spec.name.to_string(),
                    example: spec.example.to_string(),
                    span: field.value.span(),
                });
                None
            }
            Entry::Block(sub) if !block_expected => {
                self.errors.push(CheckError::ExpectedValue {
                    field: spec.name.to_string(),
                    span: sub.name.span,
                });
                None
            }
            Entry::Field(field) => self.value(&field.value, spec),
            Entry::Block(sub) => match spec.expect {
                Expect::Block(inner) => {
                    Some(Checked::Block(self.block(&sub.body, inner, &format!("`{}`", spec.name))))
                }
                Expect::PerPrecision(dim) => {
                    Some(Checked::Block(self.per_precision(&sub.body, dim, spec)))
                }
                Expect::Bounds => Some(Checked::Bounds(self.bounds(&sub.body, place))),
                _ => None,
            },
        }
    }

    fn per_precision(&mut self, block: &ast::Block, dim: Dim, spec: &FieldSpec) -> Fields {
        let mut fields = Fields::empty(block.span);
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for entry in &block.entries {
            let name = entry.name();
            let Some(precision) = Precision::from_name(&name.text) else {
                let help = match did_you_mean(&name.text, Precision::NAMES.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("the precisions are {}", quoted_list(Precision::NAMES)),
                };
                self.errors.push(CheckError::UnknownValue {
                    what: "precision".to_string(),
                    value: name.text.clone(),
                    help,
                    span: name.span,
                });
                fields.poisoned = true;
                continue;
            };
            let key = precision.name();
            if let Some(first) = seen.insert(key, name.span) {
                self.errors.push(CheckError::DuplicateField {
                    field: key.to_string(),
                    span: name.span,
                    first,
                });
                continue;
            }
            let Entry::Field(field) = entry else {
                self.errors
                    .push(CheckError::ExpectedValue { field: key.to_string(), span: name.span });
                continue;
            };
            let inner = FieldSpec {
                name: key,
                expect: Expect::Quantity { dim, range: Range::Positive, whole: false },
                example: spec.example,
                doc: "",
            };
            match self.value(&field.value, &inner) {
                Some(value) => {
                    fields.values.insert(key, value);
                }
                None => fields.poisoned = true,
            }
        }
        fields
    }

    fn bounds(&mut self, block: &ast::Block, place: &str) -> Vec<CheckedBound> {
        let mut bounds: Vec<CheckedBound> = Vec::new();
        for entry in &block.entries {
            let Entry::Bound(bound) = entry else {
                let name = entry.name();
                let help =
                    format!("an SLO is a list of bounds such as `ttft p90 <= 2 s` (in {place})");
                self.errors.push(CheckError::UnknownField {
                    field: name.text.clone(),
                    place: "`slo`".to_string(),
                    help,
                    span: name.span,
                });
                continue;
            };
            let Some(metric) = Metric::from_name(&bound.metric.text) else {
                let help = match did_you_mean(&bound.metric.text, Metric::NAMES.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "the metrics are `ttft` (time to first token), `tpot` (time per output token) and `e2e` (end to end)".to_string(),
                };
                self.errors.push(CheckError::UnknownMetric {
                    metric: bound.metric.text.clone(),
                    help,
                    span: bound.metric.span,
                });
                continue;
            };
            let Some(percentile) = self.percentile(&bound.percentile) else { continue };
            let spec = FieldSpec {
                name: metric.name(),
                expect: Expect::Quantity { dim: Dim::TIME, range: Range::Positive, whole: false },
                example: "ttft p90 <= 2 s",
                doc: "",
            };
            let Some(Checked::Number { value, .. }) = self.value(&bound.value, &spec) else {
                continue;
            };
            if let Some(first) =
                bounds.iter().find(|b| b.metric == metric && b.percentile == percentile)
            {
                self.errors.push(CheckError::DuplicateField {
                    field: format!("{} {}", metric.name(), bound.percentile.text),
                    span: bound.metric.span.to(bound.percentile.span),
                    first: first.span,
                });
                continue;
            }
            bounds.push(CheckedBound { metric, percentile, limit_s: value, span: bound.span });
        }
        bounds
    }

    fn percentile(&mut self, p: &ast::Percentile) -> Option<Percentile> {
        if p.text == "mean" {
            return Some(Percentile::Mean);
        }
        let value: f64 = p.text.get(1..).and_then(|t| t.parse().ok()).unwrap_or(f64::NAN);
        if value > 0.0 && value < 100.0 {
            Some(Percentile::P(value))
        } else {
            self.errors.push(CheckError::PercentileRange { text: p.text.clone(), span: p.span });
            None
        }
    }

    /// Validates one value against its field's expectation.
    pub fn value(&mut self, value: &Value, spec: &FieldSpec) -> Option<Checked> {
        match (spec.expect, value) {
            (Expect::Quantity { dim, range, whole }, Value::Quantity(q)) => {
                self.quantity(q, spec, dim, range, whole)
            }
            (Expect::Choice { what, options }, Value::Symbol(name)) => {
                match options.iter().find(|o| **o == name.text) {
                    Some(value) => Some(Checked::Choice { value, span: name.span }),
                    None => {
                        let help = match did_you_mean(&name.text, options.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("use one of {}", quoted_list(options)),
                        };
                        self.errors.push(CheckError::UnknownValue {
                            what: what.to_string(),
                            value: name.text.clone(),
                            help,
                            span: name.span,
                        });
                        None
                    }
                }
            }
            (Expect::Reference(_), Value::Symbol(name)) => {
                Some(Checked::Reference { name: name.text.clone(), span: name.span })
            }
            (Expect::Lengths, Value::Quantity(_) | Value::Call(_)) => self.lengths(value, spec),
            (Expect::Arrivals, Value::Symbol(_) | Value::Call(_)) => self.arrivals(value, spec),
            (Expect::Measurements, Value::Call(call)) if call.name.text == "measured" => {
                self.measured(call)
            }
            (Expect::ModelConfig, Value::Call(call)) if call.name.text == "hf" => {
                self.model_config(call)
            }
            (expect, value) => {
                let expected = match expect {
                    Expect::Quantity { dim, .. } => dim.noun(),
                    Expect::Choice { what, .. } => format!("a {what}"),
                    Expect::Reference(kind) => format!("the name of a {}", kind.keyword()),
                    Expect::Lengths => "a token count or a distribution of them".to_string(),
                    Expect::Arrivals => "an arrival process".to_string(),
                    Expect::Measurements => "a file of measurements".to_string(),
                    Expect::ModelConfig => "a model config file".to_string(),
                    _ => "a block".to_string(),
                };
                let help = match (expect, value) {
                    (Expect::Lengths, Value::String { text, .. }) => {
                        format!("to read lengths from a file, write `empirical(\"{text}\")`")
                    }
                    (Expect::Lengths, _) => format!(
                        "write `{}` or a distribution such as `lognormal(mean = 2k tokens, cv = 0.8)`",
                        spec.example
                    ),
                    (Expect::ModelConfig, Value::String { text, .. }) => {
                        format!("to read a Hugging Face config, write `hf(\"{text}\")`")
                    }
                    (Expect::Reference(DefKind::Model), Value::String { text, .. }) => {
                        match crate::catalog::model_for_hf_id(text) {
                            Some(name) => format!(
                                "`{text}` is the catalog's `{name}`: import it with `use std.models.{{{name}}}` and write `model = {name}`"
                            ),
                            None => "name a model (`model = llama3_3_70b`), or define one from its Hugging Face config: `model m { config = hf(\"config.json\") }`".to_string(),
                        }
                    }
                    (Expect::Measurements, Value::String { text, .. }) => {
                        format!("to read measurements from a file, write `measured(\"{text}\")`")
                    }
                    (Expect::Arrivals, _) => {
                        "write `arrivals = poisson` or `arrivals = bursty(cv = 2)`".to_string()
                    }
                    _ => format!("write `{}`", spec.example),
                };
                let found = match value {
                    Value::Quantity(_) => "a number".to_string(),
                    Value::Symbol(n) => format!("the name `{}`", n.text),
                    Value::String { .. } => "a string".to_string(),
                    Value::Call(c) => format!("`{}(…)`", c.name.text),
                };
                self.errors.push(CheckError::WrongValue {
                    field: spec.name.to_string(),
                    expected,
                    found,
                    help,
                    span: value.span(),
                });
                None
            }
        }
    }

    pub(super) fn quantity(
        &mut self,
        q: &ast::Quantity,
        spec: &FieldSpec,
        dim: Dim,
        range: Range,
        whole: bool,
    ) -> Option<Checked> {
        let measured = match units::measure(q) {
            Ok(m) => m,
            Err(unknown) => {
                let atom = q.unit.as_ref().and_then(|u| u.atoms.get(unknown.index))?;
                self.errors.push(CheckError::UnknownUnit {
                    unit: atom.text.clone(),
                    help: unit_help(&atom.text, dim),
                    span: atom.span,
                });
                return None;
            }
        };
        let text = self.sources.snippet(q.span).to_string();
        let share = matches!(range, Range::Share | Range::ShareOrZero);
        if measured.dim != dim || (measured.percent && !share) {
            if q.unit.is_none() {
                self.errors.push(CheckError::MissingUnit {
                    field: spec.name.to_string(),
                    expected: example_of(spec, dim),
                    span: q.span,
                });
            } else {
                let found =
                    if measured.percent { "a percentage".to_string() } else { measured.dim.noun() };
                let help = mismatch_help(spec, dim, measured.dim);
                self.errors.push(CheckError::UnitMismatch {
                    expected: expected_phrase(spec, dim),
                    found: format!("{found} (`{text}`)"),
                    help,
                    span: q.span,
                });
            }
            return None;
        }
        if !range.admits(measured.value) {
            self.errors.push(CheckError::OutOfRange {
                field: spec.name.to_string(),
                rule: range.rule().to_string(),
                found: format!("`{text}`"),
                help: format!("for example `{}`", spec.example),
                span: q.span,
            });
            return None;
        }
        let ceiling = super::limits::ceiling(spec.name, dim, whole);
        let floor = super::limits::floor(spec.name, dim);
        let (beyond, rule) = if measured.value.is_nan() || measured.value > ceiling.value {
            (true, format!("must be at most `{}`", ceiling.shown))
        } else {
            match floor {
                Some(f) if measured.value > 0.0 && measured.value < f.value => {
                    (true, format!("must be at least `{}`", f.shown))
                }
                _ => (false, String::new()),
            }
        };
        if beyond {
            self.errors.push(CheckError::OutOfRange {
                field: spec.name.to_string(),
                rule,
                found: format!("`{text}`"),
                help: format!(
                    "a value this far from any real fleet is a typo or a unit mistake; for example `{}`",
                    spec.example
                ),
                span: q.span,
            });
            return None;
        }
        if whole && measured.value.fract() != 0.0 {
            self.errors.push(CheckError::NotWhole {
                field: spec.name.to_string(),
                found: text,
                rounded: format!("{}", measured.value.round()),
                span: q.span,
            });
            return None;
        }
        Some(Checked::Number { value: measured.value, span: q.span })
    }
}

fn example_of(spec: &FieldSpec, dim: Dim) -> String {
    format!("{} (`{}`)", dim.noun(), spec.example)
}

/// "a data size such as `80 GB`", with the field's own example value.
fn expected_phrase(spec: &FieldSpec, dim: Dim) -> String {
    match spec.example.rsplit_once("= ") {
        Some((_, value)) => format!("{} such as `{value}`", dim.noun()),
        None => dim.describe(),
    }
}

fn mismatch_help(spec: &FieldSpec, expected: Dim, found: Dim) -> String {
    if expected == Dim::NONE && found == Dim::DATA && matches!(spec.name, "params" | "active") {
        return "`B` means bytes; write a parameter count with a scale, such as `70G` for 70 billion"
            .to_string();
    }
    format!("write `{}`", spec.example)
}

fn unit_help(word: &str, expected: Dim) -> String {
    if matches!(word, "params" | "parameters") {
        return "parameter counts take no unit: write `70.6G` for 70.6 billion".to_string();
    }
    if let Some((_, meant)) = UNIT_ALIASES.iter().find(|(alias, _)| *alias == word) {
        return format!("did you mean `{meant}`?");
    }
    let same_dim: Vec<&str> = UNITS.iter().filter(|u| u.dim == expected).map(|u| u.name).collect();
    let all: Vec<&str> = UNITS.iter().map(|u| u.name).collect();
    match did_you_mean(word, all.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if !same_dim.is_empty() => {
            format!("units of {} are {}", expected.noun(), quoted_list(&same_dim))
        }
        None => "see docs/language.md for the units".to_string(),
    }
}

/// Spellings people use for units the language writes another way.
const UNIT_ALIASES: &[(&str, &str)] = &[
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("hr", "h"),
    ("hour", "h"),
    ("hours", "h"),
    ("mins", "min"),
    ("minute", "min"),
    ("minutes", "min"),
    ("days", "day"),
    ("bytes", "B"),
    ("tok", "tokens"),
    ("toks", "tokens"),
    ("GBps", "GB/s"),
    ("TBps", "TB/s"),
    ("Gbps", "Gb/s"),
    ("flops", "FLOPS"),
    ("tflops", "TFLOPS"),
    ("TFLOP", "TFLOPS"),
    ("rps", "req/s"),
];

impl FieldChecker<'_> {
    /// The one file name a data call takes (`empirical("…")`, `measured("…")`, `hf("…")`),
    /// or its error: a named parameter, a value that is not a string, a second argument, none.
    pub(super) fn file_argument(
        &mut self,
        call: &ast::Call,
        name: &str,
        example: &str,
    ) -> Option<(String, Span)> {
        let mut path = None;
        for (i, arg) in call.args.iter().enumerate() {
            match (&arg.name, &arg.value) {
                (None, Value::String { text, span }) if i == 0 => {
                    path = Some((text.clone(), *span))
                }
                (Some(parameter), _) => {
                    self.errors.push(CheckError::WrongArgument {
                        message: format!("`{name}` takes a file name, not named parameters"),
                        example: example.to_string(),
                        span: parameter.span,
                        label: format!("not a parameter of `{name}`"),
                    });
                    return None;
                }
                (None, value) => {
                    let (message, label) = if i == 0 {
                        (format!("`{name}` takes the name of a file, in quotes"), "not a string")
                    } else {
                        (format!("`{name}` takes one file name"), "one argument too many")
                    };
                    self.errors.push(CheckError::WrongArgument {
                        message,
                        example: example.to_string(),
                        span: value.span(),
                        label: label.to_string(),
                    });
                    return None;
                }
            }
        }
        if path.is_none() {
            self.errors.push(CheckError::MissingParameter {
                call: name.to_string(),
                missing: "a file name".to_string(),
                example: example.to_string(),
                span: call.span,
            });
        }
        path
    }

    /// The text of the data file named at `span`, or the error that it could not be read.
    pub(super) fn data_text(
        &mut self,
        path: &str,
        span: Span,
    ) -> Option<(String, Option<crate::source::FileId>)> {
        match self.data.iter().find(|d| d.span.same_place(span)).map(|d| (&d.text, d.file)) {
            Some((Ok(text), file)) => Some((text.clone(), file)),
            Some((Err(reason), _)) => {
                self.errors.push(CheckError::DataFileUnreadable {
                    path: path.to_string(),
                    reason: reason.clone(),
                    span,
                });
                None
            }
            None => {
                self.errors.push(CheckError::DataFileUnreadable {
                    path: path.to_string(),
                    reason: "it was not loaded".to_string(),
                    span,
                });
                None
            }
        }
    }
}
