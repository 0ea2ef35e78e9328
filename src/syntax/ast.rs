//! The abstract syntax tree of one `.fleet` file.
//!
//! It mirrors the text: no names are resolved, no units interpreted. Every node a diagnostic
//! may point at carries a [`Span`]; spans are ignored by equality (see `Span`).

use serde::Serialize;

use crate::source::Span;

/// One parsed file: its items in source order and every comment (for `fmt`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct File {
    pub items: Vec<Item>,
    #[serde(skip)]
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comment {
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    Use(Use),
    Definition(Definition),
    Site(Site),
    Objective(Objective),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Definition(d) => d.span,
            Item::Site(s) => s.span,
            Item::Objective(o) => o.span,
        }
    }
}

/// An identifier with its place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Name {
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

/// `use std.hardware.{h200}` or `use "common.fleet"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Use {
    pub source: UseSource,
    pub select: Option<UseSelect>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UseSource {
    /// A path relative to the importing file, as written between the quotes.
    File {
        path: String,
        #[serde(skip)]
        span: Span,
    },
    /// Dotted segments: `std.hardware` (with a selection) or `std.hardware.h200` (without).
    Module(Vec<Name>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UseSelect {
    /// `.*`
    All {
        #[serde(skip)]
        span: Span,
    },
    /// `.{a, b}`
    Names(Vec<Name>),
}

/// The four kinds of named definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefKind {
    Device,
    Model,
    Pool,
    Workload,
}

impl DefKind {
    pub const ALL: [DefKind; 4] =
        [DefKind::Device, DefKind::Model, DefKind::Pool, DefKind::Workload];

    /// The keyword that introduces it.
    pub fn keyword(self) -> &'static str {
        match self {
            DefKind::Device => "device",
            DefKind::Model => "model",
            DefKind::Pool => "pool",
            DefKind::Workload => "workload",
        }
    }
}

/// `device h200 from h100 { … }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Definition {
    pub kind: DefKind,
    pub name: Name,
    pub base: Option<Name>,
    pub body: Block,
    #[serde(skip)]
    pub span: Span,
}

/// `site { … }`: site-wide limits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    pub body: Block,
    #[serde(skip)]
    pub span: Span,
}

/// `objective minimize cost`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Objective {
    pub direction: Name,
    pub metric: Name,
    #[serde(skip)]
    pub span: Span,
}

/// `{ entries }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Block {
    pub entries: Vec<Entry>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// `name = value`
    Field(Field),
    /// `name { … }`
    Block(SubBlock),
    /// `metric p90 <= value`
    Bound(Bound),
}

impl Entry {
    pub fn name(&self) -> &Name {
        match self {
            Entry::Field(f) => &f.name,
            Entry::Block(b) => &b.name,
            Entry::Bound(b) => &b.metric,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Entry::Field(f) => f.span,
            Entry::Block(b) => b.span,
            Entry::Bound(b) => b.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Field {
    pub name: Name,
    pub value: Value,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubBlock {
    pub name: Name,
    pub body: Block,
    #[serde(skip)]
    pub span: Span,
}

/// An SLO bound such as `ttft p90 <= 2 s`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bound {
    pub metric: Name,
    pub percentile: Percentile,
    pub value: Value,
    #[serde(skip)]
    pub span: Span,
}

/// `p90`, `p99.9` or `mean`, as written (the checker checks the range).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentile {
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Value {
    Quantity(Quantity),
    /// A bare word: a reference to a definition or an enumerated value (`gpu`, `fp8`).
    Symbol(Name),
    String {
        text: String,
        #[serde(skip)]
        span: Span,
    },
    /// A distribution or an arrival process: `uniform(low = 1k tokens, high = 4k tokens)`.
    Call(Call),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Quantity(q) => q.span,
            Value::Symbol(n) => n.span,
            Value::String { span, .. } => *span,
            Value::Call(c) => c.span,
        }
    }
}

/// `name(arguments)`, as written: the checker knows which names and parameters exist.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    pub name: Name,
    pub args: Vec<Argument>,
    #[serde(skip)]
    pub span: Span,
}

/// `low = 1k tokens` (named) or `"lengths.csv"` (positional). The value is never a call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Argument {
    pub name: Option<Name>,
    pub value: Value,
    #[serde(skip)]
    pub span: Span,
}

/// A number with an optional count scale and unit: `24k tokens`, `4.8 TB/s`, `85%`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quantity {
    /// The numeral's value, before the scale is applied.
    pub number: f64,
    /// The numeral as written (for `fmt`).
    pub numeral: String,
    /// `k`, `M`, `G` or `T`.
    pub scale: Option<Scale>,
    pub unit: Option<Unit>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Scale {
    #[serde(rename = "k")]
    Kilo,
    #[serde(rename = "M")]
    Mega,
    #[serde(rename = "G")]
    Giga,
    #[serde(rename = "T")]
    Tera,
}

impl Scale {
    pub fn from_char(c: char) -> Option<Scale> {
        match c {
            'k' => Some(Scale::Kilo),
            'M' => Some(Scale::Mega),
            'G' => Some(Scale::Giga),
            'T' => Some(Scale::Tera),
            _ => None,
        }
    }

    pub fn factor(self) -> f64 {
        match self {
            Scale::Kilo => 1e3,
            Scale::Mega => 1e6,
            Scale::Giga => 1e9,
            Scale::Tera => 1e12,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Scale::Kilo => "k",
            Scale::Mega => "M",
            Scale::Giga => "G",
            Scale::Tera => "T",
        }
    }
}

/// `GB/s` is `[GB, s]`: the first atom over the product of the rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unit {
    pub atoms: Vec<Name>,
    #[serde(skip)]
    pub span: Span,
}

impl Unit {
    pub fn text(&self) -> String {
        self.atoms.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join("/")
    }
}
