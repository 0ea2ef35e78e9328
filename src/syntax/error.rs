//! Errors of the syntax stage.

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::StageError;
use crate::source::Span;

/// Everything the parser and the tree conversion can report.
#[derive(Debug, Error, Diagnostic)]
pub enum SyntaxError {
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(fleet::syntax), help("{help}"))]
    Unexpected {
        expected: String,
        found: String,
        help: String,
        #[label("expected {expected}")]
        span: Span,
    },

    #[error("this block is never closed")]
    #[diagnostic(code(fleet::unclosed_block), help("add `}}` where the block ends"))]
    UnclosedBlock {
        #[label("this `{{` has no matching `}}`")]
        span: Span,
    },

    #[error("unterminated block comment")]
    #[diagnostic(code(fleet::unterminated_comment), help("close the comment with `*/`"))]
    UnterminatedComment {
        #[label("this comment is never closed")]
        span: Span,
    },

    #[error("unterminated string")]
    #[diagnostic(
        code(fleet::unterminated_string),
        help("close the string with `\"` on the same line")
    )]
    UnterminatedString {
        #[label("this string is never closed")]
        span: Span,
    },

    #[error("fields are set with `=`, not `:`")]
    #[diagnostic(code(fleet::colon_field), help("write `{name} = {value}`"))]
    ColonField {
        name: String,
        value: String,
        #[label("replace `:` with `=`")]
        span: Span,
    },

    #[error("the bound on `{metric}` has no percentile")]
    #[diagnostic(
        code(fleet::missing_percentile),
        help(
            "say which percentile the bound holds at, e.g. `{metric} p90 <= {value}` (or `mean`)"
        )
    )]
    MissingPercentile {
        metric: String,
        value: String,
        #[label("add a percentile such as `p90` after `{metric}`")]
        span: Span,
    },

    #[error("SLO bounds are written with `<=`")]
    #[diagnostic(
        code(fleet::strict_bound),
        help("write `<=`: a bound says the latency may reach the value, not that it must stay under it")
    )]
    StrictBound {
        #[label("use `<=` here")]
        span: Span,
    },

    #[error("unknown item `{word}`")]
    #[diagnostic(code(fleet::unknown_keyword), help("{help}"))]
    UnknownKeyword {
        word: String,
        help: String,
        #[label("not a keyword")]
        span: Span,
    },

    #[error("unknown objective direction `{word}`")]
    #[diagnostic(
        code(fleet::objective_direction),
        help(
            "the objective is written `objective minimize cost` or `objective maximize throughput`"
        )
    )]
    ObjectiveDirection {
        word: String,
        #[label("expected `minimize` or `maximize`")]
        span: Span,
    },

    #[error("the number `{text}` is too large")]
    #[diagnostic(
        code(fleet::number_too_large),
        help("write a smaller number, using a scale (`k`, `M`, `G`, `T`) or a larger unit")
    )]
    NumberTooLarge {
        text: String,
        #[label("does not fit in a 64-bit float")]
        span: Span,
    },

    #[error("{what} nest deeper than {limit} levels")]
    #[diagnostic(
        code(fleet::too_deep),
        help("a `.fleet` file nests a few levels deep (`workload {{ slo {{ … }} }}`); close the blocks, parentheses or comments left open")
    )]
    TooDeep {
        what: String,
        limit: usize,
        #[label("level {limit} is exceeded here")]
        span: Span,
    },

    #[error("a line is longer than {limit} bytes")]
    #[diagnostic(
        code(fleet::line_too_long),
        help("break the line: entries are separated by line breaks, and a long comment can span several lines")
    )]
    LineTooLong {
        limit: usize,
        #[label("the line goes on past here")]
        span: Span,
    },

    #[error("a carriage return ends a line on its own")]
    #[diagnostic(
        code(fleet::carriage_return),
        help("save the file with Unix (LF) or Windows (CRLF) line ends; a lone CR would hide the rest of the line from the parser")
    )]
    CarriageReturn {
        #[label("lone carriage return")]
        span: Span,
    },
}

impl StageError for SyntaxError {
    fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::UnclosedBlock { span }
            | SyntaxError::UnterminatedComment { span }
            | SyntaxError::UnterminatedString { span }
            | SyntaxError::ColonField { span, .. }
            | SyntaxError::MissingPercentile { span, .. }
            | SyntaxError::StrictBound { span }
            | SyntaxError::UnknownKeyword { span, .. }
            | SyntaxError::ObjectiveDirection { span, .. }
            | SyntaxError::NumberTooLarge { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::LineTooLong { span, .. }
            | SyntaxError::CarriageReturn { span } => *span,
        }
    }
}
