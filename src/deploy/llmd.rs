//! llm-d: `llm-d-modelservice` Helm values, one release per prefill/decode pair of a unit.
//!
//! A release holds one prefill and one decode group; a unit with more (decode on two sizes,
//! prefill on two pools) becomes several releases whose pods carry the same
//! `modelArtifacts.labels`, so the unit's one InferencePool, and its endpoint picker, sees
//! them all and picks prefill and decode pods by their `llm-d.ai/role`.

use super::model::{
    in_cluster, lmcache_env, lmcache_transfer_config, node_selector, offload_volume, resources,
    Deployment, Unit,
};
use super::yaml::{self, int, map, s, strings, Yaml};
use super::{Files, Vendor};
use crate::perf::Role;
use crate::report::Plan;

/// The chart's `accelerator.type` (where it has one for the vendor).
fn accelerator(vendor: Vendor) -> Option<&'static str> {
    match vendor {
        Vendor::Nvidia => Some("nvidia"),
        Vendor::Amd => Some("amd"),
        Vendor::Gaudi => Some("intel-gaudi"),
        Vendor::Ascend | Vendor::Tpu | Vendor::Cpu | Vendor::External => None,
    }
}

fn image(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Nvidia => "ghcr.io/llm-d/llm-d-cuda:FILL-IN-TAG",
        other => other.vllm_image(),
    }
}

fn group(u: &Unit, d: Option<&Deployment>) -> Yaml {
    let Some(d) = d else { return map([("create", Yaml::Bool(false)), ("replicas", int(0))]) };
    let mut args = d.engine_args();
    if let Some(config) = lmcache_transfer_config(d, u.disaggregated) {
        args.extend(["--kv-transfer-config".to_string(), config]);
    }
    let mut container = map([
        ("name", s("vllm")),
        ("image", s(image(d.vendor))),
        ("modelCommand", s("vllmServe")),
        ("args", strings(&args)),
    ]);
    let env = lmcache_env(d);
    if !env.is_empty() {
        container.push("env", Yaml::List(env));
    }
    container.push("resources", resources(d));
    let volume = offload_volume(d);
    if let Some((_, mount)) = &volume {
        container.push("volumeMounts", Yaml::List(vec![mount.clone()]));
    }
    let mut group = map([
        ("create", Yaml::Bool(true)),
        ("replicas", int(d.instances)),
        (
            "parallelism",
            map([
                ("tensor", int(d.tensor_parallel)),
                ("data", int(1)),
                ("workers", int(d.nodes_per_instance)),
            ]),
        ),
        ("nodeSelector", node_selector(d)),
        (
            "podAnnotations",
            map([
                ("fleetplan.dev/deployment", s(&d.name)),
                ("fleetplan.dev/device", s(&d.device)),
                ("fleetplan.dev/devices-per-replica", s(d.devices_per_instance.to_string())),
            ]),
        ),
        ("containers", Yaml::List(vec![container])),
    ]);
    if let Some((volume, _)) = volume {
        group.push("volumes", Yaml::List(vec![volume]));
    }
    group
}

/// The releases of a unit: (prefill, decode-side) pairs by index.
pub fn releases(u: &Unit) -> Vec<(Option<&Deployment>, Option<&Deployment>)> {
    let prefill: Vec<&Deployment> =
        u.deployments.iter().filter(|d| d.role == Role::Prefill).collect();
    let decode: Vec<&Deployment> =
        u.deployments.iter().filter(|d| d.role != Role::Prefill).collect();
    (0..prefill.len().max(decode.len()))
        .map(|i| (prefill.get(i).copied(), decode.get(i).copied()))
        .collect()
}

fn values(
    plan: &Plan,
    u: &Unit,
    index: usize,
    prefill: Option<&Deployment>,
    decode: Option<&Deployment>,
) -> String {
    let first = decode.or(prefill);
    let multinode = [prefill, decode].iter().flatten().any(|d| d.nodes_per_instance > 1);
    let mut node = map([(
        "modelArtifacts",
        map([
            ("name", s(&u.model_id)),
            ("uri", s(format!("hf://{}", u.model_id))),
            ("size", s("FILL-IN-SIZE")),
            ("authSecretName", s("hf-token-secret")),
            (
                "labels",
                map([("llm-d.ai/inferenceServing", s("true")), ("llm-d.ai/model", s(&u.name))]),
            ),
        ]),
    )]);
    node.push("multinode", Yaml::Bool(multinode));
    if let Some(kind) = first.and_then(|d| accelerator(d.vendor)) {
        node.push("accelerator", map([("type", s(kind))]));
    }
    node.push(
        "routing",
        map([
            ("servicePort", int(8000)),
            (
                "proxy",
                map([
                    ("enabled", Yaml::Bool(u.disaggregated)),
                    ("targetPort", int(8200)),
                    ("connector", s("nixlv2")),
                ]),
            ),
        ]),
    );
    node.push("prefill", group(u, prefill));
    node.push("decode", group(u, decode));
    yaml::document(
        &[
            format!(
                "fleetplan deploy from {}: workload `{}` ({})",
                plan.source, u.workload, u.model_id
            ),
            format!(
                "unit `{}`, release {} of {}; {}; {:.1}% of the workload's requests ({:.3}/s)",
                u.name,
                index + 1,
                releases(u).len(),
                if u.disaggregated {
                    "disaggregated prefill/decode"
                } else {
                    "aggregated (decode pods serve whole requests)"
                },
                u.share * 100.0,
                u.rate_per_s
            ),
            format!(
                "helm install {} llm-d-modelservice/llm-d-modelservice -f THIS-FILE",
                release_name(u, index)
            ),
        ],
        &node,
    )
}

/// The Helm release name of a unit's `index`th release.
pub fn release_name(u: &Unit, index: usize) -> String {
    if index == 0 {
        u.name.clone()
    } else {
        format!("{}-{}", u.name, index + 1)
    }
}

/// `values-RELEASE.yaml` per release of each in-cluster unit, and `traffic-split.yaml`.
pub fn render(plan: &Plan, units: &[Unit]) -> Files {
    // Each unit's pods sit behind one InferencePool (created by the llm-d gateway recipe for
    // the unit's `llm-d.ai/model` label), named after the unit.
    in_cluster(
        units,
        |u| {
            releases(u)
                .into_iter()
                .enumerate()
                .map(|(i, (prefill, decode))| {
                    (
                        format!("values-{}.yaml", release_name(u, i)),
                        values(plan, u, i, prefill, decode),
                    )
                })
                .collect()
        },
        |u| {
            vec![
                ("group", s("inference.networking.k8s.io")),
                ("kind", s("InferencePool")),
                ("name", s(&u.name)),
            ]
        },
    )
}
