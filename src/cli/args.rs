//! Value types and parsers the commands' options share: output formats, durations, ranges.

use clap::ValueEnum;

/// Formats of a plan.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Md,
    Dot,
}

/// Formats of the other results.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn parse_precision(text: &str) -> Result<fleetplan::spec::Precision, String> {
    fleetplan::spec::Precision::from_name(text).ok_or_else(|| {
        format!("unknown precision; use one of {}", fleetplan::spec::Precision::NAMES.join(", "))
    })
}

/// `50ms`, `50 ms`, `1.5s`: a number and a time unit of the language, above zero and at most
/// a year.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as `50ms`"))?;
    let unit = fleetplan::check::units::lookup(unit.trim())
        .filter(|u| u.dim == fleetplan::check::units::Dim::TIME)
        .ok_or_else(|| format!("`{text}` needs a time unit: us, ms, s, min"))?;
    let seconds = number * unit.factor;
    if !(seconds > 0.0 && seconds <= MAX_DURATION_S) {
        return Err(format!("`{text}` must be above zero and at most a year"));
    }
    Ok(seconds)
}

/// The longest duration an option takes: a year.
const MAX_DURATION_S: f64 = 365.0 * 86_400.0;

/// A number in `[low, high]`: `NaN`, infinities and anything outside are refused by name.
fn parse_in_range(text: &str, low: f64, high: f64, what: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !(value >= low && value <= high) {
        return Err(format!("{what} must be from {low} to {high}"));
    }
    Ok(value)
}

pub fn parse_mip_gap(text: &str) -> Result<f64, String> {
    parse_in_range(text, 0.0, 1.0, "the gap")
}

/// The solver's time limit: above zero (a zero limit finds nothing) and at most a day.
pub fn parse_time_limit(text: &str) -> Result<f64, String> {
    let value = parse_in_range(text, 0.0, 86_400.0, "the time limit (seconds)")?;
    if value <= 0.0 {
        return Err("the time limit (seconds) must be above 0".to_string());
    }
    Ok(value)
}

/// `--solver` (the library's [`fleetplan::solve::Solver`]; clap stays out of the library).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverArg {
    /// Pure Rust, always available.
    Microlp,
    /// HiGHS (a build with `--features highs`).
    Highs,
}

/// `--solver`: HiGHS only when this build has it, so that asking for it elsewhere is a usage
/// error that says how to build it, not a missing plan.
pub fn parse_solver(text: &str) -> Result<fleetplan::solve::Solver, String> {
    match SolverArg::from_str(text, true)? {
        SolverArg::Microlp => Ok(fleetplan::solve::Solver::Microlp),
        SolverArg::Highs if cfg!(feature = "highs") => Ok(fleetplan::solve::Solver::Highs),
        SolverArg::Highs => Err("this fleetplan was built without HiGHS; build it with \
             `cargo install --locked --path . --features highs` (needs cmake and libclang), \
             or use `--solver microlp`"
            .to_string()),
    }
}

/// `--error-format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormatArg {
    /// Source snippets with underlined labels (stderr).
    Human,
    /// One line per label, no drawing characters, for screen readers and logs (stderr).
    Plain,
    /// One JSON document on stdout, whatever the outcome (docs/json.md).
    Json,
}

impl From<ErrorFormatArg> for fleetplan::diagnostic::ErrorFormat {
    fn from(format: ErrorFormatArg) -> Self {
        match format {
            ErrorFormatArg::Human => Self::Human,
            ErrorFormatArg::Plain => Self::Plain,
            ErrorFormatArg::Json => Self::Json,
        }
    }
}

/// `deploy --target`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// NVIDIA Dynamo: one `DynamoGraphDeployment` (nvidia.com/v1beta1) per served unit.
    Dynamo,
    /// llm-d: `llm-d-modelservice` Helm values per served unit.
    #[value(name = "llm-d")]
    LlmD,
    /// KServe: one `LLMInferenceService` (serving.kserve.io/v1alpha1) per served unit.
    Kserve,
}

impl From<TargetArg> for fleetplan::deploy::Target {
    fn from(target: TargetArg) -> Self {
        match target {
            TargetArg::Dynamo => Self::Dynamo,
            TargetArg::LlmD => Self::LlmD,
            TargetArg::Kserve => Self::Kserve,
        }
    }
}

/// `deploy --dynamo-api`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DynamoApiArg {
    /// `spec.components` with `type` and a Kubernetes pod template (the default).
    V1beta1,
    /// `spec.services` keyed by name with `componentType` / `subComponentType`, for operators
    /// that serve only v1alpha1.
    V1alpha1,
}

impl From<DynamoApiArg> for fleetplan::deploy::DynamoApi {
    fn from(api: DynamoApiArg) -> Self {
        match api {
            DynamoApiArg::V1beta1 => Self::V1beta1,
            DynamoApiArg::V1alpha1 => Self::V1alpha1,
        }
    }
}

/// The solver options `plan`, `simulate` and `deploy` share.
#[derive(clap::Args, Clone, Copy)]
pub struct SolveArgs {
    /// The MILP solver: microlp, or highs in a build with `--features highs`.
    #[arg(long, default_value = "microlp", value_parser = parse_solver)]
    pub solver: fleetplan::solve::Solver,
    /// Accept a solution within this relative gap of the optimum (0 to 1).
    #[arg(long, default_value_t = 1e-3, value_parser = parse_mip_gap, allow_hyphen_values = true)]
    pub mip_gap: f64,
    /// Stop the solver after this many seconds and report the best plan found (above 0, at
    /// most 86400).
    #[arg(long, default_value_t = 30.0, value_parser = parse_time_limit, allow_hyphen_values = true)]
    pub time_limit: f64,
}

impl SolveArgs {
    pub fn options(&self) -> fleetplan::solve::Options {
        fleetplan::solve::Options {
            solver: self.solver,
            mip_gap: self.mip_gap,
            time_limit_s: self.time_limit,
            ..Default::default()
        }
    }
}
