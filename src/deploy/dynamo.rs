//! NVIDIA Dynamo: one `DynamoGraphDeployment` per unit, `nvidia.com/v1beta1`.
//!
//! v1beta1 rather than v1alpha1 because its components carry a plain Kubernetes pod template
//! (`podTemplate.spec.containers[].resources`), so any vendor's device resource
//! (`amd.com/gpu`, `habana.ai/gaudi`, `huawei.com/Ascend910`) and a node selector are written
//! as Kubernetes itself reads them; v1alpha1's `resources.limits.gpu` names a count only. Its
//! `type: prefill|decode|worker` is what v1alpha1 called `subComponentType`.

use super::model::{in_cluster, node_selector, pod_metadata, resources, Deployment, Unit};
use super::yaml::{self, int, map, s, strings, Yaml};
use super::{Files, Vendor};
use crate::perf::Role;
use crate::report::Plan;

/// The CRD version written by default.
pub const API_VERSION: &str = "nvidia.com/v1beta1";

/// Which version of the `DynamoGraphDeployment` CRD to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DynamoApi {
    /// `spec.components` with `type` and a Kubernetes pod template (the default).
    #[default]
    V1beta1,
    /// `spec.services` keyed by name with `componentType` / `subComponentType`, for operators
    /// that serve only v1alpha1.
    V1alpha1,
}

fn get<'a>(node: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    match node {
        Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The same graph in v1alpha1's shape: each component becomes `spec.services.NAME` with
/// `componentType` (`frontend` or `worker`) and `subComponentType` (`prefill` / `decode`), its
/// pod template's container `extraPodSpec.mainContainer`, its node selector
/// `extraPodSpec.nodeSelector`, its pod metadata `extraPodMetadata`; an NVIDIA count moves to
/// v1alpha1's `resources.limits.gpu`, other vendors' keys stay on the container.
fn to_v1alpha1(node: &Yaml, namespace: &str) -> Yaml {
    let mut services = Vec::new();
    let components = get(node, "spec").and_then(|s| get(s, "components"));
    for c in components.into_iter().flat_map(|c| match c {
        Yaml::List(items) => items.as_slice(),
        _ => &[],
    }) {
        let name = match get(c, "name") {
            Some(Yaml::Str(n)) => n.clone(),
            _ => continue,
        };
        let kind = match get(c, "type") {
            Some(Yaml::Str(k)) => k.as_str(),
            _ => "worker",
        };
        let mut service = map([("dynamoNamespace", s(namespace))]);
        match kind {
            "frontend" => service.push("componentType", s("frontend")),
            "prefill" | "decode" => {
                service.push("componentType", s("worker"));
                service.push("subComponentType", s(kind));
            }
            _ => service.push("componentType", s("worker")),
        }
        if kind != "frontend" {
            service.push("envFromSecret", s("hf-token-secret"));
        }
        if let Some(r) = get(c, "replicas") {
            service.push("replicas", r.clone());
        }
        if let Some(m) = get(c, "multinode") {
            service.push("multinode", m.clone());
        }
        let template = get(c, "podTemplate");
        let spec = template.and_then(|t| get(t, "spec"));
        let container = spec.and_then(|s| get(s, "containers")).and_then(|c| match c {
            Yaml::List(items) => items.first(),
            _ => None,
        });
        let mut main = map(Vec::<(String, Yaml)>::new());
        let mut gpus = None;
        if let Some(Yaml::Map(entries)) = container {
            for (k, v) in entries {
                match k.as_str() {
                    "name" | "envFrom" => {}
                    "resources" => {
                        let nvidia = get(v, "limits").and_then(|l| get(l, "nvidia.com/gpu"));
                        match nvidia {
                            Some(n) => gpus = Some(n.clone()),
                            None => main.push(k.clone(), v.clone()),
                        }
                    }
                    _ => main.push(k.clone(), v.clone()),
                }
            }
        }
        if let Some(n) = gpus {
            service.push(
                "resources",
                map([("limits", map([("gpu", n.clone())])), ("requests", map([("gpu", n)]))]),
            );
        }
        if let Some(metadata) = template.and_then(|t| get(t, "metadata")) {
            service.push("extraPodMetadata", metadata.clone());
        }
        let mut pod = map(Vec::<(String, Yaml)>::new());
        if let Some(selector) = spec.and_then(|s| get(s, "nodeSelector")) {
            pod.push("nodeSelector", selector.clone());
        }
        pod.push("mainContainer", main);
        service.push("extraPodSpec", pod);
        services.push((name, service));
    }
    let mut out = map([("apiVersion", s("nvidia.com/v1alpha1"))]);
    for key in ["kind", "metadata"] {
        if let Some(v) = get(node, key) {
            out.push(key, v.clone());
        }
    }
    out.push("spec", map([("services", Yaml::Map(services))]));
    out
}

const RUNTIME_IMAGE: &str = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:FILL-IN-TAG";

/// The worker image: Dynamo's vLLM runtime on NVIDIA; elsewhere the vendor's vLLM image,
/// which must have Dynamo's `dynamo.vllm` installed (the README says so).
fn image(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Nvidia => RUNTIME_IMAGE,
        Vendor::Amd => "FILL-IN-REGISTRY/dynamo-vllm-rocm:FILL-IN-TAG",
        Vendor::Gaudi => "FILL-IN-REGISTRY/dynamo-vllm-gaudi:FILL-IN-TAG",
        Vendor::Ascend => "FILL-IN-REGISTRY/dynamo-vllm-ascend:FILL-IN-TAG",
        Vendor::Tpu => "FILL-IN-REGISTRY/dynamo-vllm-tpu:FILL-IN-TAG",
        Vendor::Cpu => "FILL-IN-REGISTRY/dynamo-vllm-cpu:FILL-IN-TAG",
        Vendor::External => "",
    }
}

/// KVBM (Dynamo's KV block manager) for offload, NIXL between prefill and decode; a prefill
/// worker with offload takes both through PdConnector, as Dynamo's own examples do.
fn kv_transfer_config(d: &Deployment, disaggregated: bool) -> Option<String> {
    let nixl = r#"{"kv_connector":"NixlConnector","kv_role":"kv_both"}"#;
    let kvbm = r#"{"kv_connector":"DynamoConnector","kv_connector_module_path":"kvbm.vllm_integration.connector","kv_role":"kv_both"}"#;
    let offload = d.offload.cpu_gb > 0 || d.offload.disk_gb > 0;
    match (disaggregated, offload, d.role) {
        (false, false, _) => None,
        (false, true, _) => Some(kvbm.to_string()),
        (true, true, Role::Prefill) => Some(format!(
            r#"{{"kv_connector":"PdConnector","kv_role":"kv_both","kv_connector_extra_config":{{"connectors":[{kvbm},{nixl}]}},"kv_connector_module_path":"kvbm.vllm_integration.connector"}}"#
        )),
        (true, _, _) => Some(nixl.to_string()),
    }
}

fn worker(u: &Unit, d: &Deployment) -> Yaml {
    let mut args = vec!["--model".to_string(), u.model_id.clone()];
    if u.disaggregated {
        args.extend(["--disaggregation-mode".to_string(), d.role.name().to_string()]);
    }
    args.extend(d.engine_args());
    if let Some(config) = kv_transfer_config(d, u.disaggregated) {
        args.extend(["--kv-transfer-config".to_string(), config]);
    }
    let mut env = Vec::new();
    if kv_transfer_config(d, u.disaggregated).is_some_and(|c| c.contains("kvbm")) {
        if d.offload.cpu_gb > 0 {
            env.push(map([
                ("name", s("DYN_KVBM_CPU_CACHE_GB")),
                ("value", s(d.offload.cpu_gb.to_string())),
            ]));
        }
        if d.offload.disk_gb > 0 {
            env.push(map([
                ("name", s("DYN_KVBM_DISK_CACHE_GB")),
                ("value", s(d.offload.disk_gb.to_string())),
            ]));
        }
    }
    let mut container = map([
        ("name", s("main")),
        ("image", s(image(d.vendor))),
        ("command", strings(["python3", "-m", "dynamo.vllm"])),
        ("args", strings(&args)),
    ]);
    if !env.is_empty() {
        container.push("env", Yaml::List(env));
    }
    container.push(
        "envFrom",
        Yaml::List(vec![map([("secretRef", map([("name", s("hf-token-secret"))]))])]),
    );
    container.push("resources", resources(d));
    let kind = match d.role {
        Role::Prefill => "prefill",
        Role::Decode => "decode",
        Role::Aggregated => "worker",
    };
    let mut component =
        map([("name", s(&d.name)), ("type", s(kind)), ("replicas", int(d.instances))]);
    if d.nodes_per_instance > 1 {
        component.push("multinode", map([("nodeCount", int(d.nodes_per_instance))]));
    }
    component.push(
        "podTemplate",
        map([
            ("metadata", pod_metadata(u, d)),
            (
                "spec",
                map([
                    ("nodeSelector", node_selector(d)),
                    ("containers", Yaml::List(vec![container])),
                ]),
            ),
        ]),
    );
    component
}

fn graph(plan: &Plan, u: &Unit, api: DynamoApi) -> String {
    let mut frontend_args = vec!["--http-port".to_string(), "8000".to_string()];
    if u.deployments.iter().any(|d| d.prefix_caching) {
        frontend_args.extend(["--router-mode".to_string(), "kv".to_string()]);
    }
    let frontend = map([
        ("name", s("Frontend")),
        ("type", s("frontend")),
        ("replicas", int(1)),
        (
            "podTemplate",
            map([(
                "spec",
                map([(
                    "containers",
                    Yaml::List(vec![map([
                        ("name", s("main")),
                        ("image", s(RUNTIME_IMAGE)),
                        ("command", strings(["python3", "-m", "dynamo.frontend"])),
                        ("args", strings(&frontend_args)),
                    ])]),
                )]),
            )]),
        ),
    ]);
    let mut components = vec![frontend];
    components.extend(u.deployments.iter().map(|d| worker(u, d)));
    let node = map([
        ("apiVersion", s(API_VERSION)),
        ("kind", s("DynamoGraphDeployment")),
        (
            "metadata",
            map([
                ("name", s(&u.name)),
                ("labels", map([("fleetplan.dev/workload", s(super::model::dns(&u.workload)))])),
            ]),
        ),
        ("spec", map([("components", Yaml::List(components))])),
    ]);
    let node = match api {
        DynamoApi::V1beta1 => node,
        DynamoApi::V1alpha1 => to_v1alpha1(&node, &u.name),
    };
    yaml::document(
        &[
            format!(
                "fleetplan deploy from {}: workload `{}` ({})",
                plan.source, u.workload, u.model_id
            ),
            format!(
                "{}; {:.1}% of the workload's requests ({:.3}/s)",
                if u.disaggregated { "disaggregated prefill/decode" } else { "aggregated" },
                u.share * 100.0,
                u.rate_per_s
            ),
        ],
        &node,
    )
}

/// `UNIT.yaml` per in-cluster unit, and `traffic-split.yaml` when a workload spans several.
pub fn render(plan: &Plan, units: &[Unit], api: DynamoApi) -> Files {
    // Dynamo's operator names a graph's frontend Service `GRAPH-frontend`, port 8000.
    in_cluster(
        units,
        |u| vec![(format!("{}.yaml", u.name), graph(plan, u, api))],
        |u| vec![("name", s(format!("{}-frontend", u.name))), ("port", int(8000))],
    )
}

#[cfg(test)]
mod tests {
    use super::super::model::Offload;
    use super::*;
    use crate::spec::Precision;

    #[test]
    fn an_instance_wider_than_a_node_is_multinode() {
        let d = Deployment {
            name: "decode-gpu-16".into(),
            workload: "w".into(),
            model: "llama3_1_405b".into(),
            pool: "gpu".into(),
            device: "h100_sxm".into(),
            vendor: Vendor::Nvidia,
            role: Role::Decode,
            instances: 3,
            tensor_parallel: 8,
            pipeline_stages: 2,
            devices_per_instance: 16,
            nodes_per_instance: 2,
            batch_limit: Some(64),
            chunk_tokens: None,
            weights: Precision::Bf16,
            kv_cache: Precision::Fp8,
            capacity_per_s: 1.0,
            offload: Offload::default(),
            prefix_caching: false,
        };
        let u = Unit {
            name: "w-gpu-pd".into(),
            workload: "w".into(),
            model: d.model.clone(),
            model_id: "meta-llama/Llama-3.1-405B-Instruct".into(),
            disaggregated: true,
            external: None,
            deployments: vec![d.clone()],
            share: 1.0,
            rate_per_s: 1.0,
            weight: 1000,
        };
        let text = yaml::document(&[], &worker(&u, &d));
        assert!(text.contains("multinode:\n  nodeCount: 2\n"), "{text}");
        // Eight GPUs on each of the two nodes: 16 per replica.
        assert!(text.contains("nvidia.com/gpu: \"8\""), "{text}");
        for arg in
            ["--pipeline-parallel-size\"\n", "\"2\"", "--kv-cache-dtype", "\"fp8\"", "\"64\""]
        {
            assert!(text.contains(arg), "{arg} missing:\n{text}");
        }
    }
}
