//! Completion: field names valid in the block, units valid for the field, catalog and local
//! names after `device =` / `model =` and in `use std.…{}` lists, the values of a choice.
//! Everything offered comes from the tables the checker uses: `check::schema` for fields,
//! `check::units` for units, the embedded catalog for names.

use std::collections::BTreeSet;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Position, Range, TextEdit,
};

use super::context::{self, Context};
use super::position::LineIndex;
use super::state::Analysis;
use crate::check::schema::{self, Expect, FieldSpec};
use crate::check::scope::Scopes;
use crate::check::scope::{catalog_definitions, CatalogName};
use crate::check::units::{Dim, UNITS};
use crate::load::STD_MODULES;
use crate::spec::{Metric, Precision};
use crate::syntax::ast::DefKind;

/// The block the cursor is in, as the schema sees it.
enum Block<'t> {
    TopLevel,
    Fields(&'static [FieldSpec]),
    /// `compute { bf16 = … }`: one field per precision, each of this dimension.
    PerPrecision(Dim),
    Bounds,
    /// `use std.hardware.{…}`: names of this module.
    Import(&'t str),
    Unknown,
}

/// The completions at `offset` of `text`. `analysis` (of this document, perhaps of an
/// earlier text) adds the names its imports bring.
pub fn complete(text: &str, offset: usize, analysis: Option<&Analysis>) -> Vec<CompletionItem> {
    let Some(cx) = context::at(text, offset) else { return Vec::new() };
    let index = LineIndex::new(text);
    let replace = index.range(cx.partial_start, cx.partial_start + cx.partial.len());
    let item = |label: String, kind: CompletionItemKind, detail: String| CompletionItem {
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range: replace,
            new_text: label.clone(),
        })),
        label,
        kind: Some(kind),
        detail: Some(detail),
        ..CompletionItem::default()
    };
    let block = block_of(&cx);
    // `name = ` and `metric p90 <= 1 ` end the words before the cursor: what follows is the
    // value, or the unit after a number.
    let words: Vec<&str> = cx.before.split_whitespace().collect();
    match (&block, words.as_slice()) {
        (Block::Import(module), _) => {
            let listed: BTreeSet<&str> =
                cx.block_text.split(',').map(str::trim).filter(|w| !w.is_empty()).collect();
            catalog_definitions()
                .iter()
                .filter(|c| c.module == *module && !listed.contains(c.name.as_str()))
                .map(|c| {
                    item(
                        c.name.clone(),
                        symbol_kind(c.kind),
                        format!("{} in {}", c.kind.keyword(), c.module),
                    )
                })
                .collect()
        }
        (Block::TopLevel, []) => crate::syntax::ITEM_KEYWORDS
            .iter()
            .map(|k| item(k.to_string(), CompletionItemKind::KEYWORD, "item".to_string()))
            .collect(),
        (Block::TopLevel, ["use"]) => STD_MODULES
            .iter()
            .map(|(module, _, _)| {
                item(module.to_string(), CompletionItemKind::MODULE, "catalog module".to_string())
            })
            .collect(),
        // `device eco from ` takes a definition of the same kind.
        (Block::TopLevel, [keyword, _, "from"]) => {
            match DefKind::ALL.iter().find(|k| k.keyword() == *keyword) {
                Some(kind) => names(text, *kind, analysis, &index, &item),
                None => Vec::new(),
            }
        }
        (_, [.., name, "="]) => match field_spec(&block, name).map(|s| s.expect) {
            Some(Expect::Reference(kind)) => names(text, kind, analysis, &index, &item),
            Some(Expect::Choice { what, options }) => options
                .iter()
                .map(|o| item(o.to_string(), CompletionItemKind::ENUM_MEMBER, what.to_string()))
                .collect(),
            Some(Expect::Arrivals) => crate::check::traffic::ARRIVAL_NAMES
                .iter()
                .map(|o| {
                    item(o.to_string(), CompletionItemKind::FUNCTION, "arrival process".to_string())
                })
                .collect(),
            Some(Expect::Lengths) => crate::check::traffic::LENGTHS
                .iter()
                .map(|(n, example)| {
                    item(n.to_string(), CompletionItemKind::FUNCTION, example.to_string())
                })
                .collect(),
            _ => Vec::new(),
        },
        (_, [.., name, "=", number]) | (_, [.., name, _, "<=", number]) if is_number(number) => {
            let dim = match (&block, field_spec(&block, name).map(|s| s.expect)) {
                (Block::Bounds, _) => Some(Dim::TIME),
                (Block::PerPrecision(dim), _) => Some(*dim),
                (_, Some(Expect::Quantity { dim, .. })) => Some(dim),
                (_, Some(Expect::Lengths)) => Some(Dim::TOKENS),
                _ => None,
            };
            dim.map(|dim| {
                units_of(dim)
                    .into_iter()
                    .map(|u| item(u, CompletionItemKind::UNIT, dim.noun()))
                    .collect()
            })
            .unwrap_or_default()
        }
        (Block::Fields(fields), []) => {
            let set = already_set(cx.block_text, &text[cx.partial_start..]);
            fields
                .iter()
                .filter(|f| !set.contains(f.name))
                .map(|f| item(f.name.to_string(), CompletionItemKind::FIELD, f.doc.to_string()))
                .collect()
        }
        (Block::PerPrecision(dim), []) => Precision::NAMES
            .iter()
            .map(|p| item(p.to_string(), CompletionItemKind::FIELD, dim.noun()))
            .collect(),
        (Block::Bounds, []) => Metric::NAMES
            .iter()
            .map(|m| item(m.to_string(), CompletionItemKind::FIELD, "latency metric".to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The fields the block sets already (`name =` or `name {` at its own level), before the
/// cursor and after it up to the block's end; the word being typed does not count.
fn already_set<'t>(before: &'t str, after: &'t str) -> BTreeSet<&'t str> {
    let mut set = entry_names(before, false);
    set.extend(entry_names(after, true));
    set
}

/// The entry names of one level of a block's text. `until_close`: the text runs past the
/// block, so stop at its `}`; its first word is the one under the cursor, left out.
fn entry_names(text: &str, until_close: bool) -> BTreeSet<&str> {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let mut names = BTreeSet::new();
    let mut depth = 0usize;
    let mut i =
        if until_close { bytes.iter().position(|&b| !ident(b)).unwrap_or(bytes.len()) } else { 0 };
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 && until_close => break,
            b'}' => depth = depth.saturating_sub(1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i += text[i..].find('\n').unwrap_or(text.len() - i);
                continue;
            }
            b'"' => {
                i += 1 + text[i + 1..].find(['"', '\n']).unwrap_or(text.len() - i - 1);
            }
            _ if depth == 0 && ident(b) && !(i > 0 && ident(bytes[i - 1])) => {
                let start = i;
                while bytes.get(i).is_some_and(|&b| ident(b)) {
                    i += 1;
                }
                let rest = text[i..].trim_start_matches([' ', '\t']);
                if rest.starts_with('{') || (rest.starts_with('=') && !rest.starts_with("==")) {
                    names.insert(&text[start..i]);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// The schema of the block the cursor is in, from the headers of the blocks around it.
fn block_of<'t>(cx: &Context<'t>) -> Block<'t> {
    let Some((first, inner)) = cx.blocks.split_first() else { return Block::TopLevel };
    if let Some(module) = first.strip_prefix("use ") {
        return Block::Import(module.trim().trim_end_matches('.'));
    }
    let keyword = first.split_whitespace().next().unwrap_or("");
    let mut block = match DefKind::ALL.iter().find(|k| k.keyword() == keyword) {
        Some(kind) => Block::Fields(schema::fields_of(*kind)),
        None if keyword == "site" => Block::Fields(schema::SITE),
        None => Block::Unknown,
    };
    for header in inner {
        let name = header.split_whitespace().next().unwrap_or("");
        block = match (&block, field_spec(&block, name).map(|s| s.expect)) {
            (_, Some(Expect::Block(fields))) => Block::Fields(fields),
            (_, Some(Expect::PerPrecision(dim))) => Block::PerPrecision(dim),
            (_, Some(Expect::Bounds)) => Block::Bounds,
            _ => Block::Unknown,
        };
    }
    block
}

fn field_spec(block: &Block<'_>, name: &str) -> Option<&'static FieldSpec> {
    match block {
        Block::Fields(fields) => schema::find(fields, name),
        _ => None,
    }
}

/// `2`, `2.5`, `24k`, `1e3`: a numeral, perhaps with its count scale.
fn is_number(word: &str) -> bool {
    let digits = word.strip_suffix(['k', 'M', 'G', 'T']).unwrap_or(word);
    digits.starts_with(|c: char| c.is_ascii_digit()) && digits.parse::<f64>().is_ok()
}

/// Every unit of one dimension: single words (`GB`), then quotients of two (`TB/s`, `$/h`).
pub fn units_of(dim: Dim) -> Vec<String> {
    let mut out: Vec<String> =
        UNITS.iter().filter(|u| u.dim == dim).map(|u| u.name.to_string()).collect();
    for top in UNITS {
        for bottom in UNITS {
            if top.dim != Dim::NONE && bottom.dim != Dim::NONE && top.dim.per(bottom.dim) == dim {
                out.push(format!("{}/{}", top.name, bottom.name));
            }
        }
    }
    out
}

fn symbol_kind(kind: DefKind) -> CompletionItemKind {
    match kind {
        DefKind::Device => CompletionItemKind::CLASS,
        DefKind::Model => CompletionItemKind::STRUCT,
        DefKind::Pool | DefKind::Workload => CompletionItemKind::VARIABLE,
    }
}

/// The names a reference to a `kind` may take: those in scope first (this file's and its
/// imports', as the last analysis saw them), then the catalog's others, each with the edit
/// that imports it.
fn names(
    text: &str,
    kind: DefKind,
    analysis: Option<&Analysis>,
    index: &LineIndex<'_>,
    item: &dyn Fn(String, CompletionItemKind, String) -> CompletionItem,
) -> Vec<CompletionItem> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    if let Some(analysis) = analysis {
        let program = &analysis.program;
        let scopes = Scopes::build(program, &mut Default::default());
        for (name, id) in scopes.visible(program.root) {
            let def = &scopes.defs[id];
            if def.ast.kind == kind && seen.insert(name.to_string()) {
                let mut c = item(
                    name.to_string(),
                    symbol_kind(kind),
                    program.sources.name(def.file).to_string(),
                );
                c.sort_text = Some(format!("0{name}"));
                out.push(c);
            }
        }
    }
    // Definitions of this file as typed so far (it may not parse): `pool gpu {` at the start
    // of a line. Indented lines are fields (`  device = h200`), not definitions.
    for line in text.lines().filter(|l| !l.starts_with(char::is_whitespace)) {
        let mut words = line.split_whitespace();
        if words.next() == Some(kind.keyword()) {
            let name = words.next().unwrap_or("").trim_end_matches('{');
            let is_name = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            if is_name && seen.insert(name.to_string()) {
                let mut c = item(name.to_string(), symbol_kind(kind), "this file".to_string());
                c.sort_text = Some(format!("0{name}"));
                out.push(c);
            }
        }
    }
    let imported = imported(text);
    let in_scope = |c: &CatalogName| {
        imported.contains(&(c.module, c.name.as_str())) || imported.contains(&(c.module, "*"))
    };
    let (mut near, far): (Vec<&CatalogName>, Vec<&CatalogName>) =
        catalog_definitions().iter().filter(|c| c.kind == kind).partition(|c| in_scope(c));
    for c in near.drain(..) {
        if seen.insert(c.name.clone()) {
            let mut completion = item(c.name.clone(), symbol_kind(kind), c.module.to_string());
            completion.sort_text = Some(format!("0{}", c.name));
            out.push(completion);
        }
    }
    for c in far {
        if !seen.insert(c.name.clone()) {
            continue;
        }
        let mut completion =
            item(c.name.clone(), symbol_kind(kind), format!("{} (imports it)", c.module));
        completion.sort_text = Some(format!("1{}", c.name));
        completion.additional_text_edits = Some(vec![import_edit(text, c.module, &c.name, index)]);
        out.push(completion);
    }
    out
}

/// The catalog names the `use` lines of the text import, as (module, name); `*` for a whole
/// module. Read from the text, as typed, so that it holds while the file does not parse.
fn imported(text: &str) -> BTreeSet<(&str, &str)> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("use ") else { continue };
        let rest = rest.split("//").next().unwrap_or("").trim();
        if let Some((module, list)) = rest.split_once(".{") {
            for name in list.trim_end_matches('}').split(',') {
                out.insert((module.trim(), name.trim()));
            }
        } else if let Some(module) = rest.strip_suffix(".*") {
            out.insert((module.trim(), "*"));
        }
    }
    out
}

/// The edit that imports `name` from `module`: into an existing `use module.{…}` list, else
/// as a new `use` line after the last one (or at the top).
fn import_edit(text: &str, module: &str, name: &str, index: &LineIndex<'_>) -> TextEdit {
    let list = format!("use {module}.{{");
    let mut offset = 0;
    let mut after_uses = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(&list) {
            if let Some(close) = line.find('}') {
                let at = offset + close;
                let empty = line[..close].trim_end().ends_with('{');
                let new_text = if empty { name.to_string() } else { format!(", {name}") };
                return TextEdit { range: index.range(at, at), new_text };
            }
        }
        if trimmed.starts_with("use ") {
            after_uses = Some(offset + line.len());
        }
        offset += line.len();
    }
    let at = after_uses.unwrap_or(0);
    let position: Position = index.position(at);
    let needs_break = at > 0 && !text[..at].ends_with('\n');
    let new_text = format!("{}use {module}.{{{name}}}\n", if needs_break { "\n" } else { "" });
    TextEdit { range: Range { start: position, end: position }, new_text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_already_set() {
        let before = "device = h200  max = 8\n  // price = 1 $/h\n  host { x = 1 }\n  ";
        let after = "per_node = 4\n  name = \"a { b = 1\"\n}\nkind = gpu";
        let set = already_set(before, after);
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["device", "host", "max", "name"]);
    }
}
