//! The formatter's invariants, on every `examples/` and `std/` file and on generated inputs:
//! formatting is idempotent, keeps the items and the comments, depends on whitespace only
//! through line breaks, and leaves no trailing whitespace.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::Config;

use super::fmt;
use crate::source::FileId;
use crate::syntax::ast::File;
use crate::syntax::parse_file;

fn config(cases: u32) -> Config {
    // No regression files: they would be written into src/ and nobody would review them.
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn parse_ok(text: &str) -> File {
    let (file, errors) = parse_file(FileId(0), text);
    match file {
        Some(file) if errors.is_empty() => file,
        _ => panic!("does not parse: {errors:?}\n{text}"),
    }
}

/// What the formatter may change in a comment: trailing whitespace on its lines.
fn comment_texts(file: &File) -> Vec<String> {
    file.comments
        .iter()
        .map(|c| c.text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n"))
        .collect()
}

/// Checks every invariant on `text`, which must parse, and returns its formatted form.
#[track_caller]
fn check_invariants(text: &str) -> String {
    let original = parse_ok(text);
    let once = fmt(text);
    let formatted = parse_ok(&once);
    assert_eq!(formatted.items, original.items, "the items changed:\n{text}\n---\n{once}");
    assert_eq!(comment_texts(&formatted), comment_texts(&original), "comments changed:\n{once}");
    assert_eq!(fmt(&once), once, "not idempotent on:\n{text}");
    assert!(!once.contains('\r'), "a carriage return is left:\n{once}");
    assert!(once.is_empty() || once.ends_with('\n') && !once.ends_with("\n\n"), "{once:?}");
    assert!(!once.starts_with('\n') && !once.contains("\n\n\n"), "extra blank lines:\n{once}");
    for line in once.lines() {
        assert_eq!(line, line.trim_end(), "trailing whitespace in:\n{once}");
    }
    once
}

/// Every `.fleet` file under `examples/` and `std/` that parses. Files that do not are left
/// to the tests that own them (the standard library is being written as this runs).
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["examples", "std"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
            for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
                if path.extension().is_some_and(|x| x == "fleet") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    if parse_file(FileId(0), &text).1.is_empty() {
                        files.push((path.display().to_string(), text));
                    } else {
                        eprintln!("skipped {}: it does not parse", path.display());
                    }
                }
            }
        }
        files.sort();
        files
    })
}

#[test]
fn corpus_files_keep_their_meaning_and_format_once() {
    for (path, text) in corpus() {
        eprintln!("checking {path}");
        check_invariants(text);
    }
}

/// The spans of whitespace outside comments and strings.
fn whitespace_runs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if rest[0] == b'"' {
            i += 1 + rest[1..].iter().position(|&b| b == b'"' || b == b'\n').unwrap_or(0) + 1;
        } else if rest[0].is_ascii_whitespace() {
            let len = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
            runs.push((i, i + len));
            i += len;
        } else {
            i += 1;
        }
    }
    runs
}

/// Rewrites every run of whitespace into another with the same number of line breaks:
/// spaces, tabs, indentation and CRLF, chosen by `choices`.
fn respace(text: &str, choices: &[u8]) -> String {
    const INLINE: [&str; 4] = [" ", "  ", "\t", " \t "];
    const LINE_END: [&str; 4] = ["\n", " \n", "\r\n", "\t\n"];
    const INDENT: [&str; 4] = ["", "  ", "      ", "\t"];
    let mut pick = choices.iter().cycle().map(|&c| usize::from(c));
    let mut out = String::new();
    let mut last = 0;
    for (start, end) in whitespace_runs(text) {
        out.push_str(&text[last..start]);
        let breaks = text[start..end].matches('\n').count();
        if breaks == 0 {
            out.push_str(INLINE[pick.next().unwrap_or(0) % INLINE.len()]);
        } else {
            for _ in 0..breaks {
                out.push_str(LINE_END[pick.next().unwrap_or(0) % LINE_END.len()]);
            }
            out.push_str(INDENT[pick.next().unwrap_or(0) % INDENT.len()]);
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn corpus_layout_depends_only_on_line_breaks(
        file in any::<Index>(),
        choices in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let corpus = corpus();
        if !corpus.is_empty() {
            let (_, text) = file.get(corpus);
            let respaced = respace(text, &choices);
            prop_assert_eq!(check_invariants(&respaced), fmt(text));
        }
    }
}

// ─────────────────────────── Generated inputs ───────────────────────────

/// A token of generated source and what may come before it.
#[derive(Clone, Debug)]
enum Piece {
    /// Any whitespace or comment before it.
    Free(String),
    /// Only spaces or tabs before it: `name =`, `metric p90`, `name {` must stay on one line
    /// after a quantity without a unit, or the name would be read as the unit.
    SameLine(String),
}

fn free(text: &str) -> Piece {
    Piece::Free(text.to_string())
}

/// What may separate two tokens: spaces and tabs, then line breaks, then comments. A file
/// draws from the first 6 (all on one line), the first 12 (no comments) or all of them.
const TRIVIA: [&str; 20] = [
    " ",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\n",
    "\n    ",
    "\n\n",
    "\n\n\n",
    "\r\n",
    " /* c */ ",
    "/* tight */",
    "  // line  \n",
    "// tight\n",
    "\n// own\n",
    "\n\n// after a blank\n\n",
    "\n  /* multi\n       line   \n */\n",
    " /* a /* nested */ b */ ",
];
const PALETTES: [usize; 3] = [6, 12, TRIVIA.len()];
const SAME_LINE: [&str; 3] = [" ", "  ", "\t"];
const LEAD: [&str; 4] = ["", "\n\n", "// top\n", "/* top */ "];
const TAIL: [&str; 5] = ["", "\n", "\n\n\n", "  // eof", "\n/* eof\n */\n\n"];

const NAMES: [&str; 7] = ["a", "rate", "price", "per_node", "device", "fp8", "x_1"];
const METRICS: [&str; 3] = ["ttft", "tpot", "e2e"];
const PERCENTILES: [&str; 4] = ["p90", "p99.9", "mean", "p50"];
const NUMERALS: [&str; 8] = ["1", "0", "3.80", "1_000", "-2", "1e3", "2.5E-3", "70.6"];
const SCALES: [&str; 4] = ["k", "M", "G", "T"];
const UNITS: [&str; 9] = ["GB", "TB/s", "$/h", "%", "ms", "tokens", "req/s", "W", "µs"];
const GAPS: [&str; 4] = ["", " ", "  ", "\t"];
const SYMBOLS: [&str; 3] = ["h200", "gpu", "fp8"];
const STRINGS: [&str; 3] = ["\"a b\"", "\"x.fleet\"", "\"\""];

fn name() -> impl Strategy<Value = String> {
    select(&NAMES[..]).prop_map(String::from)
}

fn quantity() -> impl Strategy<Value = String> {
    let unit = prop::option::of((select(&UNITS[..]), select(&GAPS[..])));
    (select(&NUMERALS[..]), prop::option::of(select(&SCALES[..])), unit).prop_map(
        |(numeral, scale, unit)| {
            let mut text = format!("{numeral}{}", scale.unwrap_or(""));
            if let Some((unit, gap)) = unit {
                // Glued after a scale, the unit would be read as part of it (`1k%`).
                let gap = if scale.is_some() && gap.is_empty() { " " } else { gap };
                text.push_str(gap);
                text.push_str(unit);
            }
            text
        },
    )
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => quantity(),
        1 => select(&SYMBOLS[..]).prop_map(String::from),
        1 => select(&STRINGS[..]).prop_map(String::from),
    ]
}

fn entry() -> impl Strategy<Value = Vec<Piece>> {
    let field = (name(), value())
        .prop_map(|(n, v)| vec![Piece::Free(n), Piece::SameLine("=".into()), Piece::Free(v)]);
    let bound = (select(&METRICS[..]), select(&PERCENTILES[..]), quantity()).prop_map(
        |(metric, percentile, v)| {
            vec![free(metric), Piece::SameLine(percentile.into()), free("<="), Piece::Free(v)]
        },
    );
    prop_oneof![3 => field, 1 => bound].prop_recursive(3, 24, 4, |inner| {
        (name(), prop::collection::vec(inner, 0..4)).prop_map(|(n, entries)| {
            let mut pieces = vec![Piece::Free(n), Piece::SameLine("{".into())];
            pieces.extend(entries.into_iter().flatten());
            pieces.push(free("}"));
            pieces
        })
    })
}

fn block() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(entry(), 0..5).prop_map(|entries| {
        let mut pieces = vec![free("{")];
        pieces.extend(entries.into_iter().flatten());
        pieces.push(free("}"));
        pieces
    })
}

fn use_decl() -> impl Strategy<Value = Vec<Piece>> {
    let source = select(&["std.hardware", "std.models", "\"common.fleet\""][..]);
    let names = prop::collection::vec(name(), 1..4);
    (source, prop::option::of((names, any::<bool>())), any::<bool>()).prop_map(
        |(source, select, trailing_comma)| {
            let mut pieces = vec![free("use")];
            match select {
                None if source.starts_with('"') => pieces.push(free(source)),
                None => pieces.push(Piece::Free(format!("{source}.h200"))),
                Some((_, true)) => pieces.extend([free(source), free("."), free("*")]),
                Some((names, false)) => {
                    pieces.extend([free(source), free("."), free("{")]);
                    for (i, name) in names.into_iter().enumerate() {
                        if i > 0 {
                            pieces.push(free(","));
                        }
                        pieces.push(Piece::Free(name));
                    }
                    if trailing_comma {
                        pieces.push(free(","));
                    }
                    pieces.push(free("}"));
                }
            }
            pieces
        },
    )
}

fn item() -> impl Strategy<Value = Vec<Piece>> {
    let kind = select(&["device", "model", "pool", "workload"][..]);
    let definition =
        (kind, name(), prop::option::of(name()), block()).prop_map(|(kind, name, base, body)| {
            let mut pieces = vec![free(kind), Piece::Free(name)];
            if let Some(base) = base {
                pieces.extend([free("from"), Piece::Free(base)]);
            }
            pieces.extend(body);
            pieces
        });
    let site = block().prop_map(|body| [vec![free("site")], body].concat());
    let objective = Just(vec![free("objective"), free("minimize"), free("cost")]);
    prop_oneof![2 => use_decl(), 4 => definition, 1 => site, 1 => objective]
}

/// A whole file: items with trivia chosen by `choices` (cycled) between their tokens.
fn source() -> impl Strategy<Value = String> {
    let items = prop::collection::vec(item(), 0..6);
    let choices = prop::collection::vec(any::<u8>(), 1..48);
    let palette = select(&PALETTES[..]);
    (items, choices, palette, select(&LEAD[..]), select(&TAIL[..])).prop_map(
        |(items, choices, palette, lead, tail)| {
            let trivia = &TRIVIA[..palette];
            let mut pick = choices.iter().cycle().map(|&c| usize::from(c));
            let mut text = lead.to_string();
            for (i, piece) in items.into_iter().flatten().enumerate() {
                let choice = pick.next().unwrap_or(0);
                match piece {
                    Piece::Free(token) => {
                        if i > 0 {
                            text.push_str(trivia[choice % trivia.len()]);
                        }
                        text.push_str(&token);
                    }
                    Piece::SameLine(token) => {
                        text.push_str(SAME_LINE[choice % SAME_LINE.len()]);
                        text.push_str(&token);
                    }
                }
            }
            text.push_str(tail);
            text
        },
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_files_keep_their_meaning_and_format_once(text in source()) {
        check_invariants(&text);
    }

    #[test]
    fn generated_layout_depends_only_on_line_breaks(
        text in source(),
        choices in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        prop_assert_eq!(check_invariants(&respace(&text, &choices)), fmt(&text));
    }
}
