//! `fleetplan deploy`: a plan turned into what a serving stack consumes (Dynamo
//! `DynamoGraphDeployment`s, llm-d `llm-d-modelservice` Helm values, KServe
//! `LLMInferenceService`s), written into one directory. docs/deploy.md says where each field
//! comes from.
//!
//! Pure bookkeeping over `report::Plan` and `spec::Spec`, like `report`: the shared model
//! ([`Unit`], [`Deployment`]) is read from the plan once, and each target module prints it.
//! Nothing here recomputes physics.

pub mod dynamo;
mod files;
pub mod kserve;
pub mod llmd;
mod model;
mod write;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use dynamo::DynamoApi;
pub use model::{units, Deployment, Offload, Unit, Vendor};
pub use write::{check_out_dir, write_dir};

use crate::report::Plan;
use crate::spec::Spec;

/// Which serving stack the manifests are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// NVIDIA Dynamo: one `DynamoGraphDeployment` (nvidia.com/v1beta1) per served unit.
    Dynamo,
    /// llm-d: `llm-d-modelservice` Helm values per served unit.
    LlmD,
    /// KServe: one `LLMInferenceService` (serving.kserve.io/v1alpha1) per served unit.
    Kserve,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Dynamo => "dynamo",
            Target::LlmD => "llm-d",
            Target::Kserve => "kserve",
        }
    }
}

/// What `deploy` writes: the target, the CRD version for Dynamo, and the directory (refused
/// when it exists and is not empty, unless `force`).
#[derive(Clone, Debug)]
pub struct Request {
    pub target: Target,
    pub dynamo_api: DynamoApi,
    pub out: PathBuf,
    pub force: bool,
}

/// Every file of a target's directory, by relative path (`/`-separated), with its bytes.
pub type Files = BTreeMap<String, String>;

/// The files for one target (Dynamo at v1beta1). Deterministic: the same plan gives the same
/// bytes.
pub fn render(target: Target, spec: &Spec, plan: &Plan) -> Files {
    render_with(target, DynamoApi::V1beta1, spec, plan)
}

/// [`render`], with the `DynamoGraphDeployment` version to write.
pub fn render_with(target: Target, dynamo_api: DynamoApi, spec: &Spec, plan: &Plan) -> Files {
    let units = units(spec, plan);
    let mut files = match target {
        Target::Dynamo => dynamo::render(plan, &units, dynamo_api),
        Target::LlmD => llmd::render(plan, &units),
        Target::Kserve => kserve::render(plan, &units),
    };
    files.insert("fleetplan/plan.json".into(), crate::dump::json(plan));
    files.insert("fleetplan/traffic.yaml".into(), model::traffic_yaml(&units));
    if units.iter().any(|u| u.external.is_some()) {
        files.insert("fleetplan/external.yaml".into(), model::external_yaml(&units));
    }
    let readme = model::readme(target, plan, &units, &files);
    files.insert("README.md".into(), readme);
    files
}

/// Renders the target's files and writes them atomically into `args.out`; the summary to
/// print on success.
pub fn deploy(args: &Request, spec: &Spec, plan: &Plan) -> Result<String, String> {
    let files = render_with(args.target, args.dynamo_api, spec, plan);
    write_dir(&args.out, &files, args.force)?;
    let mut summary = format!(
        "wrote {} files for {} into {}\n",
        files.len(),
        args.target.name(),
        args.out.display()
    );
    for path in files.keys() {
        summary.push_str(&format!("  {path}\n"));
    }
    summary.push_str("see README.md there for what must be filled in before applying\n");
    Ok(summary)
}
