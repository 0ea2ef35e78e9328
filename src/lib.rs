//! fleetplan: a compiler for `.fleet` files that plans LLM inference fleets.
//!
//! The pipeline is one function per stage, chained here; see ARCHITECTURE.md.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod check;
pub mod diagnostic;
pub mod dump;
pub mod fmt;
pub mod load;
pub mod perf;
pub mod report;
pub mod source;
pub mod spec;
pub mod syntax;

use diagnostic::Diagnostics;
use load::{Program, Root, RootError};
use spec::Spec;

/// What a compilation gives: the program (whose sources diagnostics render against) and
/// either the checked spec or every diagnostic found.
pub struct Compiled {
    pub program: Program,
    pub result: Result<Spec, Diagnostics>,
}

/// load → syntax (inside load, per file) → check.
pub fn compile(root: Root) -> Result<Compiled, RootError> {
    let (program, load_errors) = load::load(root)?;
    if !load_errors.is_empty() {
        return Ok(Compiled { program, result: Err(load_errors) });
    }
    let result = check::check(&program);
    Ok(Compiled { program, result })
}
