//! KServe: `LLMInferenceService` (`serving.kserve.io/v1alpha1`), the resource KServe's llm-d
//! integration serves LLMs with. One per prefill/decode pair of a unit, as for llm-d
//! ([`super::llmd::releases`]): the decode side (or aggregated workers) in `spec`, the prefill
//! side in `spec.prefill`.

use super::llmd::{release_name, releases};
use super::model::{
    lmcache_env, lmcache_transfer_config, node_selector, offload_volume, pod_metadata, resources,
    traffic_split, Deployment, Unit,
};
use super::yaml::{self, int, map, s, strings, Yaml};
use super::Files;
use crate::report::Plan;

/// The CRD version written.
pub const API_VERSION: &str = "serving.kserve.io/v1alpha1";

fn parallelism(d: &Deployment) -> Yaml {
    map([("tensor", int(d.tensor_parallel)), ("pipeline", int(d.pipeline_stages))])
}

fn template(u: &Unit, d: &Deployment) -> Yaml {
    let mut args = d.engine_args();
    if let Some(config) = lmcache_transfer_config(d, u.disaggregated) {
        args.extend(["--kv-transfer-config".to_string(), config]);
    }
    let mut container =
        map([("name", s("main")), ("image", s(d.vendor.vllm_image())), ("args", strings(&args))]);
    let env = lmcache_env(d);
    if !env.is_empty() {
        container.push("env", Yaml::List(env));
    }
    container.push("resources", resources(d));
    let volume = offload_volume(d);
    if let Some((_, mount)) = &volume {
        container.push("volumeMounts", Yaml::List(vec![mount.clone()]));
    }
    let mut template =
        map([("nodeSelector", node_selector(d)), ("containers", Yaml::List(vec![container]))]);
    if let Some((volume, _)) = volume {
        template.push("volumes", Yaml::List(vec![volume]));
    }
    template
}

fn service(
    plan: &Plan,
    u: &Unit,
    index: usize,
    prefill: Option<&Deployment>,
    decode: Option<&Deployment>,
) -> String {
    let name = release_name(u, index);
    let mut spec = map([(
        "model",
        map([("uri", s(format!("hf://{}", u.model_id))), ("name", s(&u.model_id))]),
    )]);
    match decode {
        Some(d) => {
            spec.push("replicas", int(d.instances));
            spec.push("parallelism", parallelism(d));
            spec.push("template", template(u, d));
        }
        None => spec.push("replicas", int(0)),
    }
    if index == 0 {
        spec.push(
            "router",
            map([
                ("gateway", map(Vec::<(String, Yaml)>::new())),
                ("route", map(Vec::<(String, Yaml)>::new())),
                ("scheduler", map(Vec::<(String, Yaml)>::new())),
            ]),
        );
    }
    if let Some(p) = prefill {
        spec.push(
            "prefill",
            map([
                ("replicas", int(p.instances)),
                ("parallelism", parallelism(p)),
                ("template", template(u, p)),
            ]),
        );
    }
    let mut annotations = Vec::new();
    for d in [decode, prefill].into_iter().flatten() {
        annotations.push((
            format!("fleetplan.dev/{}", d.role.name()),
            s(format!(
                "{} x {} devices of {} ({})",
                d.instances, d.devices_per_instance, d.device, d.pool
            )),
        ));
    }
    let first = decode.or(prefill);
    let mut metadata = map([("name", s(&name))]);
    if let Some(d) = first {
        if let Yaml::Map(entries) = pod_metadata(u, d) {
            for (k, v) in entries {
                if k == "labels" {
                    metadata.push(k, v);
                }
            }
        }
    }
    metadata.push("annotations", Yaml::Map(annotations));
    let node = map([
        ("apiVersion", s(API_VERSION)),
        ("kind", s("LLMInferenceService")),
        ("metadata", metadata),
        ("spec", spec),
    ]);
    yaml::document(
        &[
            format!(
                "fleetplan deploy from {}: workload `{}` ({})",
                plan.source, u.workload, u.model_id
            ),
            format!(
                "unit `{}`, service {} of {}; {}; {:.1}% of the workload's requests ({:.3}/s)",
                u.name,
                index + 1,
                releases(u).len(),
                if u.disaggregated { "disaggregated prefill/decode" } else { "aggregated" },
                u.share * 100.0,
                u.rate_per_s
            ),
        ],
        &node,
    )
}

/// `NAME.yaml` per service of each in-cluster unit, and `traffic-split.yaml`.
pub fn render(plan: &Plan, units: &[Unit]) -> Files {
    let mut files = Files::new();
    for u in units.iter().filter(|u| u.external.is_none()) {
        for (i, (prefill, decode)) in releases(u).into_iter().enumerate() {
            files.insert(
                format!("{}.yaml", release_name(u, i)),
                service(plan, u, i, prefill, decode),
            );
        }
    }
    // The first service of each unit carries its router; KServe names its workload Service
    // `NAME-kserve-workload-svc`.
    if let Some(split) = traffic_split(units, |u| {
        vec![("name", s(format!("{}-kserve-workload-svc", u.name))), ("port", int(8000))]
    }) {
        files.insert("traffic-split.yaml".into(), split);
    }
    files
}
