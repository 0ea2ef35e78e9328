//! Hover: for a definition, its figures as written with their value in base units, its
//! comments and the sources they cite (the catalog's provenance); for a number with a unit,
//! its value in base units; for a field, what the schema says of it.

use std::fmt::Write;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::comments::Comments;
use super::position::LineIndex;
use super::symbols::{self, What};
use crate::catalog::cited;
use crate::check::schema::{Expect, FieldSpec};
use crate::check::scope::{DefId, Scopes};
use crate::check::units::{self, Dim};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Entry, Quantity, Value};

/// How many `from` bases a hover follows.
const MAX_BASES: usize = 4;

/// The hover at `offset` of the program's root file.
pub fn hover(program: &Program, offset: usize) -> Option<Hover> {
    let scopes = Scopes::build(program, &mut Default::default());
    let found = symbols::at(program, &scopes, program.root, offset)?;
    let text = match found.what {
        What::Def(id) => definition(program, &scopes, id),
        What::Quantity(q) => quantity(q)?,
        What::Field(spec) => field(spec),
        What::Import(file) => import(program, &scopes, file),
    };
    let index = LineIndex::new(program.sources.text(program.root));
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: text }),
        range: Some(index.range(found.span.start as usize, found.span.end as usize)),
    })
}

/// A definition: where it is, its comment, every figure with its note, then the sources cited.
pub fn definition(program: &Program, scopes: &Scopes<'_>, id: DefId) -> String {
    let mut out = String::new();
    let mut cites: Vec<String> = Vec::new();
    let mut next = Some(id);
    for depth in 0..=MAX_BASES {
        let Some(id) = next.take() else { break };
        let def = &scopes.defs[id];
        let comments = Comments::of(program, def.file);
        let (line, _) = program.sources.line_col(def.file, def.ast.name.span.start);
        let place = format!("{}:{line}", program.sources.name(def.file));
        if depth == 0 {
            let _ =
                writeln!(out, "**{}** `{}` ({place})\n", def.ast.kind.keyword(), def.ast.name.text);
        } else {
            let _ = writeln!(
                out,
                "\nfrom **{}** `{}` ({place}):\n",
                def.ast.kind.keyword(),
                def.ast.name.text
            );
        }
        let header =
            Span::new(def.file, def.ast.span.start as usize, def.ast.name.span.end as usize);
        for note in comments.around(program, header) {
            let _ = writeln!(out, "{note}  ");
            cites.extend(cited(&note));
        }
        out.push('\n');
        for entry in &def.ast.body.entries {
            figure(program, &comments, entry, "", &mut out, &mut cites);
        }
        referenced(program, scopes, def, &mut out);
        let sources = crate::catalog::header_sources(program.sources.text(def.file));
        let mut listed = false;
        let mut seen = std::collections::BTreeSet::new();
        for tag in cites.drain(..).filter(|t| seen.insert(t.clone())) {
            if let Some(source) = sources.get(&tag) {
                if !listed {
                    out.push_str("\nsources:\n");
                    listed = true;
                }
                let _ = writeln!(out, "- [{tag}] {source}");
            }
        }
        next = def.ast.base.as_ref().and_then(|b| symbols::lookup(scopes, def.file, &b.text));
    }
    out
}

/// The figures of what a pool or workload names (`device = h200`, `model = …`), one line
/// each, as written in that definition (a base's fields are not followed here).
fn referenced(
    program: &Program,
    scopes: &Scopes<'_>,
    def: &crate::check::scope::Def<'_>,
    out: &mut String,
) {
    let schema = crate::check::schema::fields_of(def.ast.kind);
    for entry in &def.ast.body.entries {
        let Entry::Field(field) = entry else { continue };
        let Value::Symbol(name) = &field.value else { continue };
        let Some(spec) = crate::check::schema::find(schema, &field.name.text) else { continue };
        let Expect::Reference(kind) = spec.expect else { continue };
        let Some(id) = symbols::lookup(scopes, def.file, &name.text) else { continue };
        let target = &scopes.defs[id];
        if target.ast.kind != kind {
            continue;
        }
        let figures: Vec<String> = target
            .ast
            .body
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Field(f) => {
                    Some(format!("{} = {}", f.name.text, program.sources.snippet(f.value.span())))
                }
                _ => None,
            })
            .collect();
        let base =
            target.ast.base.as_ref().map_or(String::new(), |b| format!(" (from `{}`)", b.text));
        let _ = writeln!(
            out,
            "\n{} `{}`{base}: {}",
            kind.keyword(),
            name.text,
            if figures.is_empty() {
                "no fields of its own".to_string()
            } else {
                figures.join(", ")
            }
        );
    }
}

/// One entry as a list item (a nested block as one item per field, `compute.fp8 = …`).
fn figure(
    program: &Program,
    comments: &Comments<'_>,
    entry: &Entry,
    prefix: &str,
    out: &mut String,
    cites: &mut Vec<String>,
) {
    let notes = comments.around(program, entry.span());
    match entry {
        Entry::Block(sub) => {
            if !notes.is_empty() {
                let _ = writeln!(out, "- `{prefix}{}`: {}", sub.name.text, notes.join(" "));
            }
            let prefix = format!("{prefix}{}.", sub.name.text);
            for inner in &sub.body.entries {
                figure(program, comments, inner, &prefix, out, cites);
            }
            cites.extend(notes.iter().flat_map(|n| cited(n)));
            return;
        }
        Entry::Field(f) => {
            let written = program.sources.snippet(f.value.span());
            let _ = write!(out, "- `{prefix}{} = {written}`", f.name.text);
            if let Value::Quantity(q) = &f.value {
                if let Some(base) = in_base_units(q) {
                    let _ = write!(out, " = {base}");
                }
            }
        }
        Entry::Bound(b) => {
            let _ = write!(out, "- `{prefix}{}`", program.sources.snippet(b.span));
        }
    }
    if !notes.is_empty() {
        let _ = write!(out, " — {}", notes.join(" "));
    }
    out.push('\n');
    cites.extend(notes.iter().flat_map(|n| cited(n)));
}

/// A number with a unit or scale, in base units.
fn quantity(q: &Quantity) -> Option<String> {
    let written = match &q.unit {
        Some(unit) => {
            format!("{}{} {}", q.numeral, q.scale.map_or("", |s| s.symbol()), unit.text())
        }
        None => format!("{}{}", q.numeral, q.scale.map_or("", |s| s.symbol())),
    };
    match in_base_units(q) {
        Some(base) => Some(format!("`{written}` = {base}")),
        None if units::measure(q).is_err() => None,
        None => Some(format!("`{written}`: in base units already")),
    }
}

/// `143771 MiB` → "150757015552 B"; `None` when that is what was written, or the unit is
/// unknown (the diagnostic says so).
pub fn in_base_units(q: &Quantity) -> Option<String> {
    let measured = units::measure(q).ok()?;
    let unit = match base_unit(measured.dim) {
        unit if unit.is_empty() => unit,
        unit => format!(" {unit}"),
    };
    let base = format!("{}{unit}", number(measured.value));
    let written = format!(
        "{}{}{}",
        q.numeral,
        q.scale.map_or("", |s| s.symbol()),
        q.unit.as_ref().map(|u| format!(" {}", u.text())).unwrap_or_default()
    );
    (base != written).then_some(base)
}

/// The base unit of a dimension as people write it: `B/s`, `$/s`, `FLOP/s`, `tokens`.
fn base_unit(dim: Dim) -> String {
    let parts = [
        ("B", dim.data),
        ("FLOP", dim.flop),
        ("$", dim.money),
        ("W", dim.power),
        ("req", dim.request),
        ("tokens", dim.token),
        ("s", dim.time),
    ];
    let side = |sign: i8| -> Vec<String> {
        parts
            .iter()
            .filter(|(_, e)| e.signum() == sign)
            .map(|(u, e)| match e.abs() {
                1 => u.to_string(),
                n => format!("{u}^{n}"),
            })
            .collect()
    };
    let (top, bottom) = (side(1), side(-1));
    match (top.is_empty(), bottom.is_empty()) {
        (_, true) => top.join("·"),
        (true, false) => format!("1/{}", bottom.join("·")),
        (false, false) => format!("{}/{}", top.join("·"), bottom.join("·")),
    }
}

/// A number as people read it: six significant figures, in powers of ten past a million.
fn number(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return value.to_string();
    }
    let magnitude = value.abs().log10().floor();
    if !(-4.0..6.0).contains(&magnitude) {
        let text = format!("{value:.5e}");
        return match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => {
                format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => text,
        };
    }
    let decimals = (5.0 - magnitude).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    text.to_string()
}

fn field(spec: &FieldSpec) -> String {
    let expects = match spec.expect {
        Expect::Quantity { dim, whole: true, .. } if dim == Dim::NONE => {
            "a whole number".to_string()
        }
        Expect::Quantity { dim, .. } => dim.describe(),
        Expect::Choice { what, options } => format!("a {what}: {}", options.join(", ")),
        Expect::Reference(kind) => format!("the name of a {}", kind.keyword()),
        Expect::Block(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            format!("a block of {}", names.join(", "))
        }
        Expect::PerPrecision(dim) => format!("a block of {} per precision", dim.noun()),
        Expect::Bounds => "SLO bounds such as `ttft p90 <= 2 s`".to_string(),
        Expect::Lengths => "a token count or a distribution of them".to_string(),
        Expect::Arrivals => "an arrival process: `poisson` or `bursty(cv = 2)`".to_string(),
        Expect::Measurements => "a file of measurements: `measured(\"bench.csv\")`".to_string(),
        Expect::ModelConfig => "a Hugging Face config: `hf(\"config.json\")`".to_string(),
    };
    format!(
        "**`{}`**: {}\n\nexpects {expects}; for example `{}`",
        spec.name, spec.doc, spec.example
    )
}

fn import(program: &Program, scopes: &Scopes<'_>, file: FileId) -> String {
    let names: Vec<String> = scopes
        .defs
        .iter()
        .filter(|d| d.file == file)
        .map(|d| format!("{} `{}`", d.ast.kind.keyword(), d.ast.name.text))
        .collect();
    format!(
        "**{}**: {} definitions\n\n{}",
        program.sources.name(file),
        names.len(),
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(150757015552.0), "1.50757e11");
        assert_eq!(number(3.29 / 3600.0), "0.000913889");
        assert_eq!(number(0.85), "0.85");
        assert_eq!(number(2000.0), "2000");
        assert_eq!(number(4.8e12), "4.8e12");
        assert_eq!(number(1e-9), "1e-9");
    }

    #[test]
    fn base_units_read_as_written() {
        use crate::check::units::Dim;
        assert_eq!(super::base_unit(Dim::BANDWIDTH), "B/s");
        assert_eq!(super::base_unit(Dim::PRICE), "$/s");
        assert_eq!(super::base_unit(Dim::TOKENS), "tokens");
        assert_eq!(super::base_unit(Dim::NONE), "");
        assert_eq!(super::base_unit(Dim::NONE.per(Dim::TIME)), "1/s");
    }
}
