//! KServe: `LLMInferenceService` (`serving.kserve.io/v1alpha1`), the resource KServe's llm-d
//! integration serves LLMs with. One per prefill/decode pair of a unit, as for llm-d
//! ([`super::llmd::releases`]): the decode side (or aggregated workers) in `spec`, the prefill
//! side in `spec.prefill`.

use super::llmd::{release_name, releases};
use super::model::{
    in_cluster, lmcache_env, lmcache_transfer_config, node_selector, offload_volume, pod_metadata,
    resources, Deployment, Unit,
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

/// An instance wider than a node: the other nodes' pods (`worker`, run by KServe as a
/// LeaderWorkerSet with the `template` pod as leader), each with its share of the devices.
fn worker(d: &Deployment) -> Option<Yaml> {
    (d.nodes_per_instance > 1).then(|| {
        map([
            ("nodeSelector", node_selector(d)),
            (
                "containers",
                Yaml::List(vec![map([
                    ("name", s("main")),
                    ("image", s(d.vendor.vllm_image())),
                    ("resources", resources(d)),
                ])]),
            ),
        ])
    })
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
            if let Some(w) = worker(d) {
                spec.push("worker", w);
            }
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
        let mut group = map([
            ("replicas", int(p.instances)),
            ("parallelism", parallelism(p)),
            ("template", template(u, p)),
        ]);
        if let Some(w) = worker(p) {
            group.push("worker", w);
        }
        spec.push("prefill", group);
    }
    let mut annotations = Vec::new();
    for d in [decode, prefill].into_iter().flatten() {
        annotations.push((
            format!("fleetplan.dev/{}", d.role.name()),
            s(format!(
                "{} x {} devices of {} ({}){}",
                d.instances,
                d.devices_per_instance,
                d.device,
                d.pool,
                if d.nodes_per_instance > 1 {
                    format!(", {} nodes each", d.nodes_per_instance)
                } else {
                    String::new()
                }
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
    // The first service of each unit carries its router; KServe names its workload Service
    // `NAME-kserve-workload-svc`.
    in_cluster(
        units,
        |u| {
            releases(u)
                .into_iter()
                .enumerate()
                .map(|(i, (prefill, decode))| {
                    (format!("{}.yaml", release_name(u, i)), service(plan, u, i, prefill, decode))
                })
                .collect()
        },
        |u| vec![("name", s(format!("{}-kserve-workload-svc", u.name))), ("port", int(8000))],
    )
}

#[cfg(test)]
mod tests {
    use super::super::model::Offload;
    use super::super::Vendor;
    use super::*;
    use crate::perf::Role;
    use crate::spec::Precision;

    #[test]
    fn an_instance_wider_than_a_node_has_worker_pods() {
        let d = Deployment {
            name: "decode-gpu-16".into(),
            workload: "w".into(),
            model: "llama3_1_405b".into(),
            pool: "gpu".into(),
            device: "h100_sxm".into(),
            vendor: Vendor::Nvidia,
            role: Role::Aggregated,
            instances: 2,
            tensor_parallel: 8,
            pipeline_stages: 2,
            devices_per_instance: 16,
            nodes_per_instance: 2,
            batch_limit: Some(64),
            chunk_tokens: Some(2048),
            weights: Precision::Bf16,
            kv_cache: Precision::Bf16,
            capacity_per_s: 1.0,
            offload: Offload::default(),
            prefix_caching: false,
        };
        let text = worker(&d).map(|w| yaml::document(&[], &w)).unwrap_or_default();
        // The other node's pod: eight of the sixteen GPUs, on the pool's nodes.
        assert!(text.contains("nvidia.com/gpu: \"8\""), "{text}");
        assert!(text.contains("fleetplan.dev/pool: \"gpu\""), "{text}");
        let narrow = Deployment { devices_per_instance: 8, nodes_per_instance: 1, ..d };
        assert!(worker(&narrow).is_none());
    }
}
