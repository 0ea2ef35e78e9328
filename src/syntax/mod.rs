//! Stage 1, syntax: text → [`ast::File`].
//!
//! INVARIANT: this module depends on nothing else in the crate but `source` and
//! `diagnostic`; it knows nothing of units, field names, the catalog or the solver.

pub mod ast;
mod error;
mod expect;
mod limits;
mod parse;

pub use error::SyntaxError;
pub use expect::ITEM_KEYWORDS;
pub use limits::{MAX_LINE_BYTES, MAX_NESTING};
pub use parse::parse_file;

/// The grammar's text, for tests that check the editors and docs agree with it.
pub const GRAMMAR: &str = include_str!("../../grammar/fleet.pest");

/// The keywords of the language: the grammar's `kw_*` rules.
pub fn keywords() -> Vec<String> {
    GRAMMAR
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("kw_")?;
            let (_, body) = rest.split_once('=')?;
            let start = body.find('"')? + 1;
            let len = body.get(start..)?.find('"')?;
            body.get(start..start + len).map(str::to_string)
        })
        .collect()
}

#[cfg(test)]
mod tests;
