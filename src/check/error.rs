//! Errors of the check stage: names, fields, units and values.

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostic::StageError;
use crate::source::Span;

#[derive(Debug, Error, Diagnostic)]
pub enum CheckError {
    #[error("unknown unit `{unit}`")]
    #[diagnostic(code(fleet::unknown_unit), help("{help}"))]
    UnknownUnit {
        unit: String,
        help: String,
        #[label("not a unit")]
        span: Span,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(fleet::unit_mismatch), help("{help}"))]
    UnitMismatch {
        expected: String,
        found: String,
        help: String,
        #[label("this is {found}")]
        span: Span,
    },

    #[error("`{field}` needs a unit")]
    #[diagnostic(code(fleet::missing_unit), help("write {expected}"))]
    MissingUnit {
        field: String,
        expected: String,
        #[label("a plain number")]
        span: Span,
    },

    #[error("unknown field `{field}` in {place}")]
    #[diagnostic(code(fleet::unknown_field), help("{help}"))]
    UnknownField {
        field: String,
        place: String,
        help: String,
        #[label("not a field of {place}")]
        span: Span,
    },

    #[error("`{field}` is set twice")]
    #[diagnostic(code(fleet::duplicate_field), help("keep one of the two"))]
    DuplicateField {
        field: String,
        #[label("set again here")]
        span: Span,
        #[label("first set here")]
        first: Span,
    },

    #[error("{place} is missing `{field}`")]
    #[diagnostic(code(fleet::missing_field), help("add {example}"))]
    MissingField {
        field: String,
        place: String,
        example: String,
        #[label("needs `{field}`")]
        span: Span,
    },

    #[error("`{field}` is a block, not a value")]
    #[diagnostic(code(fleet::expected_block), help("write it as a block: `{example}`"))]
    ExpectedBlock {
        field: String,
        example: String,
        #[label("expected `{{` after `{field}`")]
        span: Span,
    },

    #[error("`{field}` is a value, not a block")]
    #[diagnostic(code(fleet::expected_value), help("write `{field} = …`"))]
    ExpectedValue {
        field: String,
        #[label("expected `=` after `{field}`")]
        span: Span,
    },

    #[error("SLO bounds belong in an `slo` block")]
    #[diagnostic(
        code(fleet::misplaced_bound),
        help("move it into the workload's `slo {{ … }}` block")
    )]
    MisplacedBound {
        #[label("not inside `slo`")]
        span: Span,
    },

    #[error("expected {expected} for `{field}`, found {found}")]
    #[diagnostic(code(fleet::wrong_value), help("{help}"))]
    WrongValue {
        field: String,
        expected: String,
        found: String,
        help: String,
        #[label("expected {expected}")]
        span: Span,
    },

    #[error("unknown {what} `{value}`")]
    #[diagnostic(code(fleet::unknown_value), help("{help}"))]
    UnknownValue {
        what: String,
        value: String,
        help: String,
        #[label("not a {what}")]
        span: Span,
    },

    #[error("unknown name `{name}`")]
    #[diagnostic(code(fleet::unknown_name), help("{help}"))]
    UnknownName {
        name: String,
        help: String,
        #[label("not defined or imported")]
        span: Span,
    },

    #[error("`{name}` is a {found}, expected a {expected}")]
    #[diagnostic(code(fleet::wrong_kind), help("{help}"))]
    WrongKind {
        name: String,
        found: String,
        expected: String,
        help: String,
        #[label("a {found}")]
        span: Span,
    },

    #[error("`{name}` is defined twice")]
    #[diagnostic(code(fleet::duplicate_definition), help("{help}"))]
    DuplicateDefinition {
        name: String,
        help: String,
        #[label("defined again here")]
        span: Span,
        #[label("first defined here")]
        first: Option<Span>,
    },

    #[error("`{field}` {rule}, found {found}")]
    #[diagnostic(code(fleet::out_of_range), help("{help}"))]
    OutOfRange {
        field: String,
        rule: String,
        found: String,
        help: String,
        #[label("out of range")]
        span: Span,
    },

    #[error("`{field}` must be a whole number, found `{found}`")]
    #[diagnostic(code(fleet::not_whole), help("write a whole number, such as `{rounded}`"))]
    NotWhole {
        field: String,
        found: String,
        rounded: String,
        #[label("not a whole number")]
        span: Span,
    },

    #[error("`min` ({min}) is above `max` ({max})")]
    #[diagnostic(code(fleet::min_above_max), help("raise `max` or lower `min`"))]
    MinAboveMax {
        min: String,
        max: String,
        #[label("min is here")]
        span: Span,
        #[label("max is here")]
        max_span: Span,
    },

    #[error("unknown SLO metric `{metric}`")]
    #[diagnostic(code(fleet::unknown_metric), help("{help}"))]
    UnknownMetric {
        metric: String,
        help: String,
        #[label("not a metric")]
        span: Span,
    },

    #[error("percentile `{text}` is outside 0–100")]
    #[diagnostic(
        code(fleet::percentile_range),
        help("use a percentile above 0 and below 100, such as `p50`, `p90`, `p99.9`, or `mean`")
    )]
    PercentileRange {
        text: String,
        #[label("out of range")]
        span: Span,
    },

    #[error("`{name}` derives from itself: {chain}")]
    #[diagnostic(
        code(fleet::derivation_cycle),
        help("derive from a definition that does not lead back here")
    )]
    DerivationCycle {
        name: String,
        chain: String,
        #[label("this `from` closes the cycle")]
        span: Span,
    },

    #[error("`{name}` is not defined in `{module}`")]
    #[diagnostic(code(fleet::unknown_import), help("{help}"))]
    UnknownImport {
        name: String,
        module: String,
        help: String,
        #[label("not in `{module}`")]
        span: Span,
    },

    #[error("`{item}` belongs in the root file")]
    #[diagnostic(
        code(fleet::misplaced_item),
        help("move it to the file given to fleetplan; imported files hold definitions only")
    )]
    MisplacedItem {
        item: String,
        #[label("in an imported file")]
        span: Span,
    },

    #[error("`{item}` is given twice")]
    #[diagnostic(code(fleet::duplicate_item), help("merge the two into one"))]
    DuplicateItem {
        item: String,
        #[label("given again here")]
        span: Span,
        #[label("first given here")]
        first: Span,
    },

    #[error("{message}")]
    #[diagnostic(code(fleet::inconsistent), help("{help}"))]
    Inconsistent {
        message: String,
        help: String,
        #[label("{label}")]
        span: Span,
        label: String,
    },

    #[error("unknown objective `{metric}`")]
    #[diagnostic(code(fleet::unknown_objective), help("{help}"))]
    UnknownObjective {
        metric: String,
        help: String,
        #[label("not an objective")]
        span: Span,
    },

    #[error("pool `{pool}` has no price")]
    #[diagnostic(
        code(fleet::missing_price),
        help("add `price = 3.80 $/h` (per device-hour) to the pool, or a reference price to device `{device}`")
    )]
    MissingPrice {
        pool: String,
        device: String,
        #[label("needs a price")]
        span: Span,
    },

    #[error("unknown {what} `{name}`")]
    #[diagnostic(code(fleet::unknown_distribution), help("{help}"))]
    UnknownDistribution {
        name: String,
        what: String,
        help: String,
        #[label("no such {what}")]
        span: Span,
    },

    #[error("`{call}` has no parameter `{param}`")]
    #[diagnostic(code(fleet::unknown_parameter), help("{help}"))]
    UnknownParameter {
        param: String,
        call: String,
        help: String,
        #[label("not a parameter of `{call}`")]
        span: Span,
    },

    #[error("parameter `{param}` is given twice")]
    #[diagnostic(code(fleet::duplicate_parameter), help("keep one of the two"))]
    DuplicateParameter {
        param: String,
        #[label("given again here")]
        span: Span,
        #[label("first given here")]
        first: Span,
    },

    #[error("`{call}` is missing {missing}")]
    #[diagnostic(code(fleet::missing_parameter), help("write {example}"))]
    MissingParameter {
        call: String,
        missing: String,
        example: String,
        #[label("needs {missing}")]
        span: Span,
    },

    #[error("`{call}` takes {first} or {second}, not both")]
    #[diagnostic(code(fleet::conflicting_parameters), help("{help}"))]
    ConflictingParameters {
        call: String,
        first: String,
        second: String,
        help: String,
        #[label("this belongs to the other form")]
        span: Span,
    },

    #[error("{message}")]
    #[diagnostic(code(fleet::wrong_argument), help("write {example}"))]
    WrongArgument {
        message: String,
        example: String,
        #[label("{label}")]
        span: Span,
        label: String,
    },

    #[error("`low` ({low}) is above `high` ({high})")]
    #[diagnostic(code(fleet::low_above_high), help("swap them, or raise `high`"))]
    LowAboveHigh {
        low: String,
        high: String,
        #[label("low is here")]
        span: Span,
        #[label("high is here")]
        high_span: Span,
    },

    #[error("`p99` ({p99}) must be above `p50` ({p50})")]
    #[diagnostic(
        code(fleet::percentiles_out_of_order),
        help("the 99th percentile of a spread of lengths lies above its median; for one length, write it as a plain count")
    )]
    PercentilesOutOfOrder {
        p50: String,
        p99: String,
        #[label("not above p50")]
        span: Span,
        #[label("p50 is here")]
        p50_span: Span,
    },

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(fleet::data_file_unreadable),
        help("data files are relative to the `.fleet` file that names them")
    )]
    DataFileUnreadable {
        path: String,
        reason: String,
        #[label("named here")]
        span: Span,
    },

    #[error("`{path}` holds no lengths")]
    #[diagnostic(
        code(fleet::data_file_empty),
        help("write one token count per row, after an optional header row")
    )]
    DataFileEmpty {
        path: String,
        #[label("an empty data file")]
        span: Span,
    },

    #[error("`{path}` has a row that is not a number")]
    #[diagnostic(
        code(fleet::data_file_row),
        help("row {row} is `{text}`: write one token count per row, after an optional header row")
    )]
    DataFileRow {
        path: String,
        row: usize,
        text: String,
        #[label("row {row} of this file")]
        span: Span,
    },

    #[error("`{path}` has a negative length")]
    #[diagnostic(
        code(fleet::data_file_negative),
        help("row {row} is `{text}`: lengths are token counts, zero or more")
    )]
    DataFileNegative {
        path: String,
        row: usize,
        text: String,
        #[label("row {row} of this file")]
        span: Span,
    },

    #[error("`{path}`: {problem}")]
    #[diagnostic(
        code(fleet::model_config),
        help("a model config is a Hugging Face `config.json` with `hidden_size`, `num_hidden_layers`, `num_attention_heads`, `vocab_size` and, for the MLP, `intermediate_size` (docs/models.md); or write the model's fields in the block")
    )]
    ModelConfig {
        path: String,
        problem: String,
        #[label("read from here")]
        span: Span,
    },

    #[error("`{path}` holds no measurements")]
    #[diagnostic(
        code(fleet::measured_empty),
        help("write a header row (`model,metric,measured,input,output,…`) and one row per measurement")
    )]
    MeasuredEmpty {
        path: String,
        #[label("an empty measurements file")]
        span: Span,
    },

    #[error("`{path}` holds more than {most} measurements")]
    #[diagnostic(
        code(fleet::measured_too_many),
        help("a fit needs a dozen points that span batch sizes and prompt lengths: keep the ones that do (or average repeats)")
    )]
    MeasuredTooMany {
        path: String,
        most: usize,
        #[label("the first row beyond the limit")]
        span: Span,
    },

    #[error("line {line} of `{path}` has {found} cells, the header {expected}")]
    #[diagnostic(
        code(fleet::measured_row),
        help("give every row one cell per column (empty for an optional value not stated); quote a cell that holds a comma")
    )]
    MeasuredRow {
        path: String,
        line: usize,
        found: usize,
        expected: usize,
        #[label("{found} cells")]
        span: Span,
    },

    #[error("column `{column}` of `{path}` {problem}")]
    #[diagnostic(code(fleet::measured_column), help("{help}"))]
    MeasuredColumn {
        path: String,
        column: String,
        problem: String,
        help: String,
        #[label("here")]
        span: Span,
    },

    #[error("line {line} of `{path}`: `{column}` {rule}")]
    #[diagnostic(code(fleet::measured_value), help("{help}"))]
    MeasuredValue {
        path: String,
        line: usize,
        column: String,
        text: String,
        rule: String,
        help: String,
        #[label("`{text}`")]
        span: Span,
    },

    #[error("two different definitions named `{name}` are used")]
    #[diagnostic(code(fleet::name_clash), help("rename one of them"))]
    NameClash {
        name: String,
        #[label("this `{name}` is used")]
        span: Span,
    },
}

impl StageError for CheckError {
    fn span(&self) -> Span {
        use CheckError::*;
        match self {
            UnknownUnit { span, .. }
            | UnitMismatch { span, .. }
            | MissingUnit { span, .. }
            | UnknownField { span, .. }
            | DuplicateField { span, .. }
            | MissingField { span, .. }
            | ExpectedBlock { span, .. }
            | ExpectedValue { span, .. }
            | MisplacedBound { span }
            | WrongValue { span, .. }
            | UnknownValue { span, .. }
            | UnknownName { span, .. }
            | WrongKind { span, .. }
            | DuplicateDefinition { span, .. }
            | OutOfRange { span, .. }
            | NotWhole { span, .. }
            | MinAboveMax { span, .. }
            | UnknownMetric { span, .. }
            | PercentileRange { span, .. }
            | DerivationCycle { span, .. }
            | UnknownImport { span, .. }
            | MisplacedItem { span, .. }
            | DuplicateItem { span, .. }
            | Inconsistent { span, .. }
            | UnknownObjective { span, .. }
            | MissingPrice { span, .. }
            | NameClash { span, .. }
            | UnknownDistribution { span, .. }
            | UnknownParameter { span, .. }
            | DuplicateParameter { span, .. }
            | MissingParameter { span, .. }
            | ConflictingParameters { span, .. }
            | WrongArgument { span, .. }
            | LowAboveHigh { span, .. }
            | PercentilesOutOfOrder { span, .. }
            | DataFileUnreadable { span, .. }
            | DataFileEmpty { span, .. }
            | DataFileRow { span, .. }
            | DataFileNegative { span, .. }
            | ModelConfig { span, .. }
            | MeasuredEmpty { span, .. }
            | MeasuredRow { span, .. }
            | MeasuredTooMany { span, .. }
            | MeasuredColumn { span, .. }
            | MeasuredValue { span, .. } => *span,
        }
    }
}
