//! Random edits of a valid file, for the no-panic tests (tests/no_panic.rs, tests/lsp.rs):
//! byte edits, deletions, insertions of tricky text, truncations, duplicated and deleted
//! lines.

use super::Rng;

/// Fragments that stress the grammar's edges.
pub const TRICKY: &[&str] = &[
    "{",
    "}",
    "=",
    "\"",
    "/*",
    "*/",
    "//",
    ":",
    "<=",
    "<",
    ".",
    ",",
    "*",
    "%",
    "$",
    "/",
    "p",
    "p99.9",
    "1e999",
    "-",
    "_",
    "k",
    "G",
    "B",
    "\n",
    "µ",
    "é",
    "\u{0}",
    "use ",
    "from ",
    "mean",
    "{{{{",
    "}}}}",
    "9999999999999999999999",
    "0.0",
    "std.",
    "\"../",
    "\r\n",
];

pub fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let len = bytes.len();
        match rng.below(6) {
            0 if len > 0 => {
                let at = rng.below(len);
                bytes[at] = (rng.next() % 128) as u8;
            }
            1 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below(8.min(len - at));
                bytes.drain(at..at + n);
            }
            2 => {
                let at = rng.below(len + 1);
                let piece = TRICKY[rng.below(TRICKY.len())];
                bytes.splice(at..at, piece.bytes());
            }
            3 => bytes.truncate(rng.below(len + 1)),
            4 => {
                let owned = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = owned.lines().collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    bytes = out.join("\n").into_bytes();
                }
            }
            _ => {
                let owned = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = owned.lines().collect();
                if !lines.is_empty() {
                    lines.remove(rng.below(lines.len()));
                }
                bytes = lines.join("\n").into_bytes();
            }
        }
    }
    // Inputs are UTF-8 text (the CLI reads files as strings); invalid bytes become U+FFFD.
    String::from_utf8_lossy(&bytes).into_owned()
}
