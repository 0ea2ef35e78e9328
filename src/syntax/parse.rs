//! pest parse tree → AST, and pest errors → diagnostics.
//!
//! One function per grammar rule. The grammar guarantees the shape of the tree, not its values,
//! so nothing here unwraps: an unexpected shape becomes a syntax error at the pair's span.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use super::error::SyntaxError;
use super::expect;
use crate::diagnostic::{did_you_mean, Diagnostics};
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/fleet.pest"]
pub(crate) struct FleetParser;

/// Parses one file. Errors that leave the tree intact (such as `memory: 80 GB`) are reported
/// alongside a tree; a pest failure gives no tree, but parsing goes on past the broken item
/// (see [`recover`]) so that one run reports the syntax errors of every item.
pub fn parse_file(file: FileId, text: &str) -> (Option<File>, Diagnostics) {
    let limits = super::limits::check(file, text);
    if !limits.is_empty() {
        // The grammar must not see the text: deep nesting would overflow its stack.
        return (None, limits);
    }
    pest::set_error_detail(true);
    let mut conv = Converter { file, errors: Diagnostics::new() };
    match FleetParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let Some(root) = pairs.next() else {
                conv.unexpected(Span::new(file, 0, 0), "a `.fleet` item", "nothing");
                return (None, conv.errors);
            };
            let comments = conv.comments(root.clone());
            let items = root
                .into_inner()
                .filter(|p| p.as_rule() != Rule::EOI && p.as_rule() != Rule::COMMENT)
                .filter_map(|p| conv.item(p))
                .collect();
            (Some(File { items, comments }), conv.errors)
        }
        Err(error) => {
            conv.errors.push(expect::describe(file, text, &error));
            recover(&mut conv, text, error_position(&error));
            (None, conv.errors)
        }
    }
}

/// Most syntax errors reported for one file.
const MAX_SYNTAX_ERRORS: usize = 20;

/// After a failure, blanks out the broken top-level item (keeping byte offsets and line breaks)
/// and parses again, so that the errors of later items are found too. Only items that start at
/// the beginning of a line with a keyword count as boundaries; without a later one, recovery
/// stops.
fn recover(conv: &mut Converter, text: &str, mut position: usize) {
    let mut masked = text.as_bytes().to_vec();
    for _ in 1..MAX_SYNTAX_ERRORS {
        let Some((start, end)) = item_region(&masked, position) else { return };
        for byte in masked.get_mut(start..end).into_iter().flatten() {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        let Ok(masked_text) = std::str::from_utf8(&masked) else { return };
        match FleetParser::parse(Rule::file, masked_text) {
            Ok(mut pairs) => {
                // The rest parses: its friendlier errors (`memory: 80 GB`, …) still count.
                if let Some(root) = pairs.next() {
                    conv.comments(root.clone());
                    for pair in root
                        .into_inner()
                        .filter(|p| !matches!(p.as_rule(), Rule::EOI | Rule::COMMENT))
                    {
                        conv.item(pair);
                    }
                }
                return;
            }
            Err(error) => {
                let next = error_position(&error);
                if next < end {
                    return;
                }
                conv.errors.push(expect::describe(conv.file, masked_text, &error));
                position = next;
            }
        }
    }
}

fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// The top-level item around `position`: from the start of the last line at or before it that
/// opens an item, to the start of the next line after it that does.
fn item_region(text: &[u8], position: usize) -> Option<(usize, usize)> {
    let mut line_starts = vec![0];
    line_starts.extend(text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1));
    let opens_item = |at: usize| expect::opens_item(text, at);
    let start =
        line_starts.iter().rev().find(|&&s| s <= position && opens_item(s)).copied().unwrap_or(0);
    let end = line_starts.iter().find(|&&s| s > position && opens_item(s)).copied()?;
    Some((start, end))
}

struct Converter {
    file: FileId,
    errors: Diagnostics,
}

/// The meaningful children of a pair: comments are collected separately.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() != Rule::COMMENT)
}

impl Converter {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn unexpected(&mut self, span: Span, expected: &str, found: &str) {
        self.errors.push(SyntaxError::Unexpected {
            expected: expected.to_string(),
            found: found.to_string(),
            help: "see docs/language.md for the syntax of `.fleet` files".to_string(),
            span,
        });
    }

    fn comments(&mut self, root: Pair<'_, Rule>) -> Vec<Comment> {
        let mut comments = Vec::new();
        for pair in root.into_inner().flatten() {
            if pair.as_rule() != Rule::COMMENT {
                continue;
            }
            let span = self.span(&pair);
            let text = pair.as_str().trim_end().to_string();
            if text.starts_with("/*") && !block_comment_closed(&text) {
                self.errors.push(SyntaxError::UnterminatedComment {
                    span: Span::new(self.file, span.start as usize, span.start as usize + 2),
                });
            }
            comments.push(Comment { text, span });
        }
        comments
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> Name {
        Name { text: pair.as_str().to_string(), span: self.span(pair) }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        match pair.as_rule() {
            Rule::use_decl => self.use_decl(pair).map(Item::Use),
            Rule::definition => self.definition(pair).map(Item::Definition),
            Rule::site_decl => self.site(pair).map(Item::Site),
            Rule::objective_decl => self.objective(pair).map(Item::Objective),
            Rule::unknown_item => {
                self.unknown_item(pair);
                None
            }
            _ => {
                let span = self.span(&pair);
                self.unexpected(span, "an item", pair.as_str());
                None
            }
        }
    }

    fn use_decl(&mut self, pair: Pair<'_, Rule>) -> Option<Use> {
        let span = self.span(&pair);
        let mut source = None;
        let mut select = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::kw_use => {}
                Rule::string => {
                    let (path, span) = self.string(child)?;
                    source = Some(UseSource::File { path, span });
                }
                Rule::module_path => {
                    let segments = children(child).map(|p| self.name(&p)).collect();
                    source = Some(UseSource::Module(segments));
                }
                Rule::use_select => select = self.use_select(child),
                _ => {}
            }
        }
        Some(Use { source: source?, select, span })
    }

    fn use_select(&mut self, pair: Pair<'_, Rule>) -> Option<UseSelect> {
        let inner = children(pair).next()?;
        match inner.as_rule() {
            Rule::use_glob => Some(UseSelect::All { span: self.span(&inner) }),
            Rule::use_group => {
                Some(UseSelect::Names(children(inner).map(|p| self.name(&p)).collect()))
            }
            _ => None,
        }
    }

    fn definition(&mut self, pair: Pair<'_, Rule>) -> Option<Definition> {
        let span = self.span(&pair);
        let mut kind = None;
        let mut name = None;
        let mut base = None;
        let mut body = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::def_kind => kind = def_kind(child),
                Rule::ident => name = Some(self.name(&child)),
                Rule::base => {
                    base =
                        children(child).find(|p| p.as_rule() == Rule::ident).map(|p| self.name(&p))
                }
                Rule::block => body = Some(self.block(child)),
                _ => {}
            }
        }
        Some(Definition { kind: kind?, name: name?, base, body: body?, span })
    }

    fn site(&mut self, pair: Pair<'_, Rule>) -> Option<Site> {
        let span = self.span(&pair);
        let body = children(pair).find(|p| p.as_rule() == Rule::block)?;
        Some(Site { body: self.block(body), span })
    }

    fn objective(&mut self, pair: Pair<'_, Rule>) -> Option<Objective> {
        let span = self.span(&pair);
        let mut direction = None;
        let mut metric = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::direction => {
                    let name = self.name(&child);
                    let rule = children(child).next().map(|p| p.as_rule());
                    if !matches!(rule, Some(Rule::kw_minimize | Rule::kw_maximize)) {
                        self.errors.push(SyntaxError::ObjectiveDirection {
                            word: name.text.clone(),
                            span: name.span,
                        });
                        return None;
                    }
                    direction = Some(name);
                }
                Rule::ident => metric = Some(self.name(&child)),
                _ => {}
            }
        }
        Some(Objective { direction: direction?, metric: metric?, span })
    }

    fn unknown_item(&mut self, pair: Pair<'_, Rule>) {
        let Some(word) = children(pair).next() else { return };
        let name = self.name(&word);
        let help = match did_you_mean(&name.text, expect::ITEM_KEYWORDS.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "a file holds these items: {}",
                expect::ITEM_KEYWORDS
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.errors.push(SyntaxError::UnknownKeyword { word: name.text, help, span: name.span });
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Block {
        let span = self.span(&pair);
        let entries = children(pair).filter_map(|p| self.entry(p)).collect();
        Block { entries, span }
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) -> Option<Entry> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let text = pair.as_str();
        let parts: Vec<Pair<'_, Rule>> = children(pair).collect();
        match (rule, parts.as_slice()) {
            (Rule::field, [name, value]) => Some(Entry::Field(Field {
                name: self.name(name),
                value: self.value(value.clone())?,
                span,
            })),
            (Rule::sub_block, [name, body]) => Some(Entry::Block(SubBlock {
                name: self.name(name),
                body: self.block(body.clone()),
                span,
            })),
            (Rule::bound, [metric, percentile, comparison, value]) => {
                self.check_comparison(comparison);
                Some(Entry::Bound(Bound {
                    metric: self.name(metric),
                    percentile: Percentile {
                        text: percentile.as_str().to_string(),
                        span: self.span(percentile),
                    },
                    value: self.value(value.clone())?,
                    span,
                }))
            }
            (Rule::colon_field, [name, value]) => {
                let name_len = name.as_str().len();
                let colon_at =
                    text.get(name_len..).and_then(|t| t.find(':')).map_or(0, |i| i + name_len);
                let start = span.start as usize + colon_at;
                let colon = Span::new(self.file, start, start + 1);
                self.errors.push(SyntaxError::ColonField {
                    name: name.as_str().to_string(),
                    value: value.as_str().to_string(),
                    span: colon,
                });
                None
            }
            (Rule::bare_bound, [metric, _comparison, value]) => {
                self.errors.push(SyntaxError::MissingPercentile {
                    metric: metric.as_str().to_string(),
                    value: value.as_str().to_string(),
                    span: self.span(metric),
                });
                None
            }
            _ => {
                self.unexpected(span, "a field, a block or a bound", "something else");
                None
            }
        }
    }

    fn check_comparison(&mut self, pair: &Pair<'_, Rule>) {
        if pair.as_str() == "<" {
            let span = self.span(pair);
            self.errors.push(SyntaxError::StrictBound { span });
        }
    }

    fn value(&mut self, pair: Pair<'_, Rule>) -> Option<Value> {
        let inner = children(pair).next()?;
        match inner.as_rule() {
            Rule::quantity => self.quantity(inner).map(Value::Quantity),
            Rule::string => self.string(inner).map(|(text, span)| Value::String { text, span }),
            Rule::symbol => Some(Value::Symbol(self.name(&inner))),
            Rule::call => self.call(inner).map(Value::Call),
            _ => None,
        }
    }

    fn call(&mut self, pair: Pair<'_, Rule>) -> Option<Call> {
        let span = self.span(&pair);
        let mut name = None;
        let mut args = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::call_name => name = Some(self.name(&child)),
                Rule::argument => args.push(self.argument(child)?),
                _ => {}
            }
        }
        Some(Call { name: name?, args, span })
    }

    fn argument(&mut self, pair: Pair<'_, Rule>) -> Option<Argument> {
        let span = self.span(&pair);
        let inner = children(pair).next()?;
        let mut name = None;
        let mut value = None;
        for child in children(inner) {
            match child.as_rule() {
                Rule::ident => name = Some(self.name(&child)),
                Rule::arg_value => value = Some(self.value(child)?),
                _ => {}
            }
        }
        Some(Argument { name, value: value?, span })
    }

    fn quantity(&mut self, pair: Pair<'_, Rule>) -> Option<Quantity> {
        let span = self.span(&pair);
        let mut numeral = String::new();
        let mut scale = None;
        let mut unit = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::numeral => numeral = child.as_str().to_string(),
                Rule::scale => scale = child.as_str().chars().next().and_then(Scale::from_char),
                Rule::unit => {
                    let unit_span = self.span(&child);
                    let atoms = children(child).map(|p| self.name(&p)).collect();
                    unit = Some(Unit { atoms, span: unit_span });
                }
                _ => {}
            }
        }
        let number: f64 = numeral.replace('_', "").parse().ok()?;
        if !number.is_finite() || !(number * scale.map_or(1.0, Scale::factor)).is_finite() {
            self.errors.push(SyntaxError::NumberTooLarge { text: numeral, span });
            return None;
        }
        Some(Quantity { number, numeral, scale, unit, span })
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Option<(String, Span)> {
        let span = self.span(&pair);
        let mut text = String::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::string_text => text = child.as_str().to_string(),
                Rule::unterminated => {
                    self.errors.push(SyntaxError::UnterminatedString {
                        span: Span::new(self.file, span.start as usize, span.start as usize + 1),
                    });
                    return None;
                }
                _ => {}
            }
        }
        Some((text, span))
    }
}

fn def_kind(pair: Pair<'_, Rule>) -> Option<DefKind> {
    match children(pair).next()?.as_rule() {
        Rule::kw_device => Some(DefKind::Device),
        Rule::kw_model => Some(DefKind::Model),
        Rule::kw_pool => Some(DefKind::Pool),
        Rule::kw_workload => Some(DefKind::Workload),
        _ => None,
    }
}

fn block_comment_closed(text: &str) -> bool {
    // Nested comments: count openers and closers.
    let opens = text.matches("/*").count();
    let closes = text.matches("*/").count();
    text.ends_with("*/") && closes >= opens
}
