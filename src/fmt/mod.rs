//! `fleetplan fmt`: the canonical layout of a `.fleet` file, keeping every comment.
//!
//! The printer walks the AST and writes one token at a time; before each token it writes the
//! comments that start before it in the source. The source text decides only what the AST
//! cannot say: whether a comment trails a line or stands on its own, where blank lines were,
//! and whether a nested block was written on one line. Every other choice (spacing,
//! indentation, line breaks) is fixed, so formatting a formatted file changes nothing.
//!
//! INVARIANT: the output parses to the same items and the same comments, in the same order.
//! `tests` checks this on every example and standard-library file and on generated inputs.

use crate::diagnostic::Diagnostics;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Block, Comment, Entry, Item, Name, Quantity, SubBlock, Use, UseSelect, UseSource, Value,
};

/// One level of indentation.
const INDENT: &str = "  ";
/// The widest a nested block kept on one line may be, indentation included.
const MAX_WIDTH: usize = 100;
/// Between code and the comment that trails it.
const TRAILING_GAP: &str = "  ";
/// Between the entries of a nested block kept on one line.
const ONE_LINE_GAP: &str = "  ";

/// Formats one file's text. Fails (with the syntax errors) when the text does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Diagnostics> {
    let (ast, errors) = crate::syntax::parse_file(file, text);
    match ast {
        Some(ast) if errors.is_empty() => Ok(Printer::new(text, &ast.comments).file(&ast.items)),
        _ => Err(errors),
    }
}

struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet written.
    next: usize,
    out: String,
    /// The current output line has text. Indentation is written with a line's first text, so
    /// a blank line never holds spaces.
    line_open: bool,
    /// Indentation level of the current line, used when its first text is written.
    indent: usize,
    /// Source offset just past the last token or comment written: blank lines and trailing
    /// comments are judged from the source between it and what comes next.
    prev_end: usize,
    /// The last thing written is a comment, so the next token needs a space before it.
    after_comment: bool,
    /// Only a `{` (and comments trailing it) has been written since the last own-line text:
    /// a blank line here would open the block with one.
    after_open: bool,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        Printer {
            src,
            comments,
            next: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            line_open: false,
            indent: 0,
            prev_end: 0,
            after_comment: false,
            after_open: false,
        }
    }

    fn file(mut self, items: &[Item]) -> String {
        let mut previous: Option<&Item> = None;
        for item in items {
            let blank_required = previous.is_some_and(|p| is_block_item(p) || is_block_item(item));
            self.break_before(item.span().start as usize, 0, blank_required);
            self.item(item);
            previous = Some(item);
        }
        self.comments_before(self.src.len(), 0, false);
        self.end_line();
        self.out
    }

    fn item(&mut self, item: &Item) {
        let span = item.span();
        match item {
            Item::Use(u) => self.use_decl(u),
            Item::Definition(d) => {
                self.keyword(span, d.kind.keyword());
                self.indent = 1;
                self.name(&d.name, true);
                if let Some(base) = &d.base {
                    self.word("from", true);
                    self.name(base, true);
                }
                self.block(&d.body, 0);
            }
            Item::Site(s) => {
                self.keyword(span, "site");
                self.indent = 1;
                self.block(&s.body, 0);
            }
            Item::Objective(o) => {
                self.keyword(span, "objective");
                self.indent = 1;
                self.name(&o.direction, true);
                self.name(&o.metric, true);
            }
        }
    }

    fn use_decl(&mut self, u: &Use) {
        self.keyword(u.span, "use");
        self.indent = 1;
        match &u.source {
            UseSource::File { path, span } => self.token(*span, &format!("\"{path}\""), true),
            UseSource::Module(segments) => {
                let first = segments.first().map_or(u.span, |s| s.span);
                let span = segments.last().map_or(first, |s| first.to(s.span));
                let path: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
                self.token(span, &path.join("."), true);
            }
        }
        match &u.select {
            None => {}
            Some(UseSelect::All { span }) => {
                self.word(".", false);
                self.token(*span, "*", false);
            }
            Some(UseSelect::Names(names)) => {
                self.word(".{", false);
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        self.word(",", false);
                    }
                    self.name(name, i > 0);
                }
                self.word("}", false);
            }
        }
    }

    /// A block whose header ends the current line, at `depth` (the header's level).
    fn block(&mut self, block: &Block, depth: usize) {
        let open = block.span.start as usize;
        let close = (block.span.end as usize).saturating_sub(1);
        self.token(Span::new(block.span.file, open, open + 1), "{", true);
        let close_span = Span::new(block.span.file, close, close + 1);
        if block.entries.is_empty() && self.comment_before(close).is_none() {
            self.token(close_span, "}", false);
            return;
        }
        self.after_open = true;
        for entry in &block.entries {
            self.break_before(entry.span().start as usize, depth + 1, false);
            self.entry(entry, depth + 1);
        }
        // Comments after the last entry keep the entries' indentation: they are most often
        // commented-out fields, and read as part of the block (as rustfmt and gofmt do).
        self.comments_before(close, depth + 1, false);
        self.end_line();
        self.indent = depth;
        self.token(close_span, "}", false);
    }

    /// One entry, on a line already started at `depth`.
    fn entry(&mut self, entry: &Entry, depth: usize) {
        match entry {
            Entry::Field(f) => {
                self.name(&f.name, true);
                self.indent = depth + 1;
                self.word("=", true);
                self.value(&f.value);
            }
            Entry::Bound(b) => {
                self.name(&b.metric, true);
                self.indent = depth + 1;
                self.token(b.percentile.span, &b.percentile.text, true);
                self.word("<=", true);
                self.value(&b.value);
            }
            Entry::Block(b) if self.keeps_one_line(b, depth) => {
                self.token(b.span, &one_line(b), true);
            }
            Entry::Block(b) => {
                self.name(&b.name, true);
                self.indent = depth + 1;
                self.block(&b.body, depth);
            }
        }
    }

    /// A nested block stays on one line only if it was on one line, so that the decision
    /// reads the same from the output: formatting twice gives what formatting once gave.
    fn keeps_one_line(&self, block: &SubBlock, depth: usize) -> bool {
        let (start, end) = (block.span.start as usize, block.span.end as usize);
        let single_line = self.src.get(start..end).is_some_and(|s| !s.contains('\n'));
        // Comments before the entry are already written, so any left before its end are in it.
        let has_comment = self.comment_before(end).is_some();
        single_line
            && !has_comment
            && depth * INDENT.len() + one_line(block).chars().count() <= MAX_WIDTH
    }

    /// The keyword that starts the item at `item`.
    fn keyword(&mut self, item: Span, keyword: &str) {
        let start = item.start as usize;
        self.token(Span::new(item.file, start, start + keyword.len()), keyword, true);
    }

    fn name(&mut self, name: &Name, space: bool) {
        self.token(name.span, &name.text, space);
    }

    fn value(&mut self, value: &Value) {
        self.token(value.span(), &value_text(value), true);
    }

    /// Ends the current line before the item or entry at `pos`, writing the comments before
    /// it, and sets the indentation of the line it will start. `blank_required` asks for a
    /// blank line somewhere between the previous node and this one.
    fn break_before(&mut self, pos: usize, indent: usize, blank_required: bool) {
        let owe_blank = blank_required && !self.gap_has_blank_line(pos);
        let owe_blank = self.comments_before(pos, indent, owe_blank);
        let blank = owe_blank || self.blank_line_in_source(pos);
        self.new_line(blank);
        self.indent = indent;
    }

    /// Writes the comments that start before `pos`, between two lines of code: a comment on
    /// the line of the code before it stays there; any other goes on its own line at
    /// `indent`. An owed blank line goes before the first own-line comment, so that a
    /// comment just above a definition stays attached to it. Returns whether it is still owed.
    fn comments_before(&mut self, pos: usize, indent: usize, mut owe_blank: bool) -> bool {
        while let Some(comment) = self.comment_before(pos) {
            let start = comment.span.start as usize;
            let text = comment_text(comment);
            if self.line_open && !self.gap(start).contains('\n') {
                self.out.push_str(TRAILING_GAP);
                self.out.push_str(&text);
            } else {
                let blank = owe_blank || self.blank_line_in_source(start);
                self.new_line(blank);
                owe_blank = false;
                self.indent = indent;
                self.put(&text);
            }
            self.wrote_comment(comment);
        }
        owe_blank
    }

    /// Writes a token found in the source at `span`, after the comments before it. Those are
    /// inside an item or entry (the ones between lines were written by `break_before`), so
    /// they stay inline; a line comment ends the line, and the token goes on the next one.
    fn token(&mut self, span: Span, text: &str, space: bool) {
        while let Some(comment) = self.comment_before(span.start as usize) {
            let text = comment_text(comment);
            if self.line_open {
                self.out.push_str(if is_line_comment(comment) { TRAILING_GAP } else { " " });
                self.out.push_str(&text);
            } else {
                self.put(&text);
            }
            self.wrote_comment(comment);
        }
        self.word(text, space);
        self.prev_end = span.end as usize;
    }

    /// Writes text the AST keeps no place for (`=`, `<=`, `from`, `.{`, `,`): comments near
    /// it are written before the next token instead.
    fn word(&mut self, text: &str, space: bool) {
        if self.line_open && (space || self.after_comment) {
            self.out.push(' ');
        }
        self.put(text);
    }

    fn put(&mut self, text: &str) {
        if !self.line_open {
            for _ in 0..self.indent {
                self.out.push_str(INDENT);
            }
            self.line_open = true;
        }
        self.out.push_str(text);
        self.after_comment = false;
        self.after_open = false;
    }

    fn wrote_comment(&mut self, comment: &Comment) {
        self.next += 1;
        self.prev_end = comment.span.end as usize;
        self.after_comment = true;
        if is_line_comment(comment) {
            self.end_line();
        }
    }

    fn end_line(&mut self) {
        if self.line_open {
            self.out.push('\n');
            self.line_open = false;
        }
    }

    /// Ends the line, and leaves one blank line if `blank` (never at the start of the file
    /// or of a block, never two).
    fn new_line(&mut self, blank: bool) {
        self.end_line();
        if blank && !self.after_open && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn comment_before(&self, pos: usize) -> Option<&'a Comment> {
        self.comments.get(self.next).filter(|c| (c.span.start as usize) < pos)
    }

    /// The source between the last thing written and `to`.
    fn gap(&self, to: usize) -> &'a str {
        self.src.get(self.prev_end..to).unwrap_or_default()
    }

    fn blank_line_in_source(&self, to: usize) -> bool {
        self.gap(to).matches('\n').count() > 1
    }

    /// Whether the source has a blank line anywhere between the last thing written and
    /// `pos`, looking past the comments in between.
    fn gap_has_blank_line(&self, pos: usize) -> bool {
        let mut from = self.prev_end;
        let rest = self.comments.get(self.next..).unwrap_or_default();
        for comment in rest.iter().take_while(|c| (c.span.start as usize) < pos) {
            let between = self.src.get(from..comment.span.start as usize).unwrap_or_default();
            if between.matches('\n').count() > 1 {
                return true;
            }
            from = comment.span.end as usize;
        }
        self.src.get(from..pos).unwrap_or_default().matches('\n').count() > 1
    }
}

/// Definitions and `site` always have a blank line around them; `use` and `objective` keep
/// the source's grouping.
fn is_block_item(item: &Item) -> bool {
    matches!(item, Item::Definition(_) | Item::Site(_))
}

fn is_line_comment(comment: &Comment) -> bool {
    comment.text.starts_with("//")
}

/// A comment as written, without trailing whitespace on any of its lines (which also drops
/// the `\r` of CRLF line ends inside a block comment).
fn comment_text(comment: &Comment) -> String {
    let lines: Vec<&str> = comment.text.split('\n').map(str::trim_end).collect();
    lines.join("\n")
}

/// `name { a = 1  b = 2 }`, or `name {}`.
fn one_line(block: &SubBlock) -> String {
    let entries: Vec<String> = block.body.entries.iter().map(entry_text).collect();
    if entries.is_empty() {
        format!("{} {{}}", block.name.text)
    } else {
        format!("{} {{ {} }}", block.name.text, entries.join(ONE_LINE_GAP))
    }
}

fn entry_text(entry: &Entry) -> String {
    match entry {
        Entry::Field(f) => format!("{} = {}", f.name.text, value_text(&f.value)),
        Entry::Bound(b) => {
            format!("{} {} <= {}", b.metric.text, b.percentile.text, value_text(&b.value))
        }
        Entry::Block(b) => one_line(b),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Quantity(q) => quantity_text(q),
        Value::Symbol(name) => name.text.clone(),
        Value::String { text, .. } => format!("\"{text}\""),
        Value::Call(call) => {
            let args: Vec<String> = call
                .args
                .iter()
                .map(|a| match &a.name {
                    Some(name) => format!("{} = {}", name.text, value_text(&a.value)),
                    None => value_text(&a.value),
                })
                .collect();
            format!("{}({})", call.name.text, args.join(", "))
        }
    }
}

/// The numeral as written, the scale glued to it, then the unit after one space; `%` is
/// glued too, but not after a scale: `1k%` would read as `1` in the unit `k`, then a stray `%`.
fn quantity_text(q: &Quantity) -> String {
    let mut text = q.numeral.clone();
    if let Some(scale) = q.scale {
        text.push_str(scale.symbol());
    }
    if let Some(unit) = &q.unit {
        let unit = unit.text();
        if !(unit.starts_with('%') && q.scale.is_none()) {
            text.push(' ');
        }
        text.push_str(&unit);
    }
    text
}

#[cfg(test)]
mod tests;
