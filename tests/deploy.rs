//! `fleetplan deploy`: every example's manifests for every target, parsed back with a YAML
//! parser and checked against the plan (devices deployed per pool = devices planned,
//! tensor-parallel sizes, prefill and decode marked, replicas); the outputs pinned; the
//! command line's exit codes, refusals and atomic, deterministic writes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use fleetplan::deploy::{render, render_with, DynamoApi, Files, Target};
use fleetplan::load::Root;
use fleetplan::solve::Options;
use fleetplan::PlanOutcome;
use serde::Deserialize;
use serde_json::Value;

const TARGETS: [Target; 3] = [Target::Dynamo, Target::LlmD, Target::Kserve];

fn planned(path: &Path) -> Option<(fleetplan::spec::Spec, fleetplan::report::Plan)> {
    let planned = fleetplan::plan(Root::Path(common::relative(path)), &Options::default()).unwrap();
    match planned.outcome {
        PlanOutcome::Planned { spec, plan, .. } => Some((*spec, *plan)),
        _ => None,
    }
}

/// Every YAML document of a file, as JSON values (the parser is serde_norway's libyaml port,
/// which shares nothing with the writer).
fn documents(text: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn dns(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The device plugin resource each vendor's devices are requested by, written here from the
/// vendors' device plugins, not from the code under test.
fn resource_key(device: &str, kind: &str) -> Option<&'static str> {
    match kind {
        "cpu" => None,
        _ if device.contains("ascend") => Some("huawei.com/Ascend910"),
        _ if device.contains("gaudi") => Some("habana.ai/gaudi"),
        _ if device.starts_with("tpu") => Some("google.com/tpu"),
        _ if device.starts_with("mi3") => Some("amd.com/gpu"),
        _ => Some("nvidia.com/gpu"),
    }
}

/// What a worker deploys, as read back from the manifests.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Worker {
    pool: String,
    role: String,
    replicas: u64,
    tensor_parallel: u64,
    devices_per_replica: u64,
}

fn arg(args: &Value, flag: &str) -> Option<String> {
    let args: Vec<&str> = args.as_array()?.iter().filter_map(Value::as_str).collect();
    args.iter().position(|a| *a == flag).and_then(|i| args.get(i + 1)).map(|s| s.to_string())
}

fn uint(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

/// Devices of one pod: its accelerator resource (limits equal requests), or for CPU pools the
/// pod's annotation.
fn pod_devices(container: &Value, annotations: &Value, key: Option<&str>) -> u64 {
    match key {
        Some(key) => {
            let limits = &container["resources"]["limits"][key];
            assert_eq!(limits, &container["resources"]["requests"][key], "limits = requests");
            uint(limits)
        }
        None => uint(&annotations["fleetplan.dev/devices-per-replica"]),
    }
}

struct Context<'a> {
    /// pool (DNS form) → (device, kind)
    pools: BTreeMap<String, (String, String)>,
    spec: &'a fleetplan::spec::Spec,
}

impl Context<'_> {
    fn key(&self, pool: &str) -> Option<&'static str> {
        let (device, kind) = &self.pools[pool];
        resource_key(device, kind)
    }
}

fn dynamo_workers(ctx: &Context, files: &Files) -> Vec<Worker> {
    let mut workers = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".yaml") && !p.contains('/')) {
        for doc in documents(text) {
            if doc["kind"] == "HTTPRoute" {
                continue;
            }
            assert_eq!(doc["apiVersion"], "nvidia.com/v1beta1", "{path}");
            assert_eq!(doc["kind"], "DynamoGraphDeployment", "{path}");
            let components = doc["spec"]["components"].as_array().unwrap();
            assert_eq!(components.iter().filter(|c| c["type"] == "frontend").count(), 1);
            for c in components.iter().filter(|c| c["type"] != "frontend") {
                let pod = &c["podTemplate"];
                let pool = pod["spec"]["nodeSelector"]["fleetplan.dev/pool"].as_str().unwrap();
                let container = &pod["spec"]["containers"][0];
                let nodes = c["multinode"]["nodeCount"].as_u64().unwrap_or(1);
                let role = match c["type"].as_str().unwrap() {
                    "worker" => "aggregated",
                    other => other,
                };
                let args = &container["args"];
                if role != "aggregated" {
                    assert_eq!(arg(args, "--disaggregation-mode").as_deref(), Some(role), "{path}");
                    assert!(arg(args, "--kv-transfer-config").unwrap().contains("NixlConnector"));
                }
                let key = ctx.key(pool);
                workers.push(Worker {
                    pool: pool.to_string(),
                    role: role.to_string(),
                    replicas: c["replicas"].as_u64().unwrap(),
                    tensor_parallel: arg(args, "--tensor-parallel-size").unwrap().parse().unwrap(),
                    devices_per_replica: nodes
                        * pod_devices(container, &pod["metadata"]["annotations"], key)
                        / if key.is_none() { nodes } else { 1 },
                });
            }
        }
    }
    workers
}

/// The same graphs written as v1alpha1 (`spec.services`).
fn dynamo_v1alpha1_workers(ctx: &Context, files: &Files) -> Vec<Worker> {
    let mut workers = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".yaml") && !p.contains('/')) {
        for doc in documents(text) {
            if doc["kind"] == "HTTPRoute" {
                continue;
            }
            assert_eq!(doc["apiVersion"], "nvidia.com/v1alpha1", "{path}");
            let services = doc["spec"]["services"].as_object().unwrap();
            assert_eq!(services.values().filter(|c| c["componentType"] == "frontend").count(), 1);
            for c in services.values().filter(|c| c["componentType"] == "worker") {
                let pool =
                    c["extraPodSpec"]["nodeSelector"]["fleetplan.dev/pool"].as_str().unwrap();
                let container = &c["extraPodSpec"]["mainContainer"];
                let nodes = c["multinode"]["nodeCount"].as_u64().unwrap_or(1);
                let role = c["subComponentType"].as_str().unwrap_or("aggregated");
                let per_pod = match ctx.key(pool) {
                    Some("nvidia.com/gpu") => uint(&c["resources"]["limits"]["gpu"]),
                    key => pod_devices(container, &c["extraPodMetadata"]["annotations"], key),
                };
                let devices = if ctx.key(pool).is_some() { nodes * per_pod } else { per_pod };
                workers.push(Worker {
                    pool: pool.to_string(),
                    role: role.to_string(),
                    replicas: c["replicas"].as_u64().unwrap(),
                    tensor_parallel: arg(&container["args"], "--tensor-parallel-size")
                        .unwrap()
                        .parse()
                        .unwrap(),
                    devices_per_replica: devices,
                });
            }
        }
    }
    workers
}

fn llmd_workers(ctx: &Context, files: &Files) -> Vec<Worker> {
    let mut workers = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with("values-")) {
        let doc = &documents(text)[0];
        let disaggregated = doc["routing"]["proxy"]["enabled"].as_bool().unwrap();
        for section in ["prefill", "decode"] {
            let group = &doc[section];
            if group["create"] != true {
                continue;
            }
            let pool = group["nodeSelector"]["fleetplan.dev/pool"].as_str().unwrap();
            let container = &group["containers"][0];
            let tp = group["parallelism"]["tensor"].as_u64().unwrap();
            let args = &container["args"];
            assert_eq!(arg(args, "--tensor-parallel-size"), Some(tp.to_string()), "{path}");
            let role = match (section, disaggregated) {
                ("decode", false) => "aggregated",
                (s, _) => s,
            };
            workers.push(Worker {
                pool: pool.to_string(),
                role: role.to_string(),
                replicas: group["replicas"].as_u64().unwrap(),
                tensor_parallel: tp,
                devices_per_replica: group["parallelism"]["workers"].as_u64().unwrap()
                    * pod_devices(container, &group["podAnnotations"], ctx.key(pool))
                    / if ctx.key(pool).is_none() {
                        group["parallelism"]["workers"].as_u64().unwrap()
                    } else {
                        1
                    },
            });
        }
    }
    workers
}

fn kserve_workers(ctx: &Context, files: &Files) -> Vec<Worker> {
    let mut workers = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".yaml") && !p.contains('/')) {
        for doc in documents(text) {
            if doc["kind"] == "HTTPRoute" {
                continue;
            }
            assert_eq!(doc["apiVersion"], "serving.kserve.io/v1alpha1", "{path}");
            assert_eq!(doc["kind"], "LLMInferenceService", "{path}");
            let spec = &doc["spec"];
            // A unit's second and later decode sizes are services without `spec.prefill`
            // (KServe puts one prefill and one decode group in a service): the generator's
            // annotation says which role the main group was planned as.
            let annotations = &doc["metadata"]["annotations"];
            let disaggregated = annotations.get("fleetplan.dev/decode").is_some()
                || annotations.get("fleetplan.dev/prefill").is_some();
            for (part, role) in [(spec, "decode"), (&spec["prefill"], "prefill")] {
                let Some(template) = part.get("template") else { continue };
                let pool = template["nodeSelector"]["fleetplan.dev/pool"].as_str().unwrap();
                let container = &template["containers"][0];
                let tp = part["parallelism"]["tensor"].as_u64().unwrap();
                assert_eq!(arg(&container["args"], "--tensor-parallel-size"), Some(tp.to_string()));
                let role = if role == "decode" && !disaggregated { "aggregated" } else { role };
                // CPU pools have no device resource: their count is in the annotations.
                // CPU pools and instances wider than a node (`worker` pods beside the
                // leader): the planned devices per replica are in the annotations.
                let devices = match ctx.key(pool) {
                    Some(_) if part.get("worker").is_none() => {
                        pod_devices(container, &Value::Null, ctx.key(pool))
                    }
                    _ => {
                        let note = doc["metadata"]["annotations"][format!(
                            "fleetplan.dev/{}",
                            if role == "prefill" {
                                "prefill"
                            } else if disaggregated {
                                "decode"
                            } else {
                                "aggregated"
                            }
                        )]
                        .as_str()
                        .unwrap()
                        .to_string();
                        note.split(" x ")
                            .nth(1)
                            .unwrap()
                            .split(' ')
                            .next()
                            .unwrap()
                            .parse()
                            .unwrap()
                    }
                };
                workers.push(Worker {
                    pool: pool.to_string(),
                    role: role.to_string(),
                    replicas: part["replicas"].as_u64().unwrap(),
                    tensor_parallel: tp,
                    devices_per_replica: devices,
                });
            }
        }
    }
    workers
}

/// Deployments listed as external endpoints (never in the manifests).
fn external_workers(files: &Files) -> Vec<Worker> {
    let Some(text) = files.get("fleetplan/external.yaml") else { return Vec::new() };
    let doc = &documents(text)[0];
    let mut workers = Vec::new();
    for unit in doc["external"].as_array().unwrap() {
        assert!(unit["endpoint"].as_str().unwrap().starts_with("FILL-IN"));
        for d in unit["planned"].as_array().unwrap() {
            assert_eq!(d["in_cluster"], false);
            workers.push(Worker {
                pool: dns(d["pool"].as_str().unwrap()),
                role: d["role"].as_str().unwrap().to_string(),
                replicas: d["instances"].as_u64().unwrap(),
                tensor_parallel: d["tensor_parallel"].as_u64().unwrap(),
                devices_per_replica: d["devices_per_instance"].as_u64().unwrap(),
            });
        }
    }
    workers
}

/// The plan's deployments, read from its JSON.
fn planned_workers(plan: &Value) -> Vec<Worker> {
    let mut workers = Vec::new();
    for pool in plan["pools"].as_array().unwrap() {
        for d in pool["deployments"].as_array().unwrap() {
            workers.push(Worker {
                pool: dns(pool["pool"].as_str().unwrap()),
                role: d["role"].as_str().unwrap().to_string(),
                replicas: d["instances"].as_u64().unwrap(),
                tensor_parallel: d["tensor_parallel"].as_u64().unwrap(),
                devices_per_replica: d["devices_per_instance"].as_u64().unwrap(),
            });
        }
    }
    workers.sort();
    workers
}

type Reader = fn(&Context, &Files) -> Vec<Worker>;

fn reader(target: Target) -> Reader {
    match target {
        Target::Dynamo => dynamo_workers,
        Target::LlmD => llmd_workers,
        Target::Kserve => kserve_workers,
    }
}

fn check_against_plan(
    path: &Path,
    target: Target,
    spec: &fleetplan::spec::Spec,
    plan: &Value,
    files: &Files,
) {
    check_with(path, target.name(), reader(target), spec, plan, files);
}

fn check_with(
    path: &Path,
    target: &str,
    read: Reader,
    spec: &fleetplan::spec::Spec,
    plan: &Value,
    files: &Files,
) {
    let ctx = Context {
        pools: spec
            .pools
            .values()
            .map(|p| {
                let kind = spec.devices[&p.device].kind.name().to_string();
                (dns(&p.name), (p.device.clone(), kind))
            })
            .collect(),
        spec,
    };
    let mut deployed = read(&ctx, files);
    let external = external_workers(files);
    // LPUs are never deployed in the cluster; everything else on them is.
    for w in &deployed {
        assert_ne!(ctx.pools[&w.pool].1, "lpu", "{}: an LPU in the manifests", path.display());
    }
    deployed.extend(external);
    deployed.sort();
    let name = format!("{} {target}", path.display());
    // Each deployment once, with its replicas, TP size and role.
    assert_eq!(deployed, planned_workers(plan), "{name}");
    // And so the devices per compute pool: replicas × devices per replica = the plan's
    // devices used (tier pools of SSD or DRAM hold KV, not engines).
    for pool in plan["pools"].as_array().unwrap() {
        let p = dns(pool["pool"].as_str().unwrap());
        let device = &ctx.spec.devices[pool["device"].as_str().unwrap()];
        if !device.kind.computes() {
            continue;
        }
        let sum: u64 = deployed
            .iter()
            .filter(|w| w.pool == p)
            .map(|w| w.replicas * w.devices_per_replica)
            .sum();
        assert_eq!(sum, pool["devices_used"].as_u64().unwrap(), "{name}: pool {p}");
    }
    // Weights: thousandths summing to 1000 per workload.
    let traffic = &documents(&files["fleetplan/traffic.yaml"])[0];
    for (workload, units) in traffic.as_object().unwrap() {
        let total: u64 =
            units.as_array().unwrap().iter().map(|u| u["weight"].as_u64().unwrap()).sum();
        assert_eq!(total, 1000, "{name}: {workload}");
    }
}

fn examples() -> Vec<std::path::PathBuf> {
    common::fleet_files("examples")
}

#[test]
fn every_example_deploys_what_was_planned_for_every_target() {
    let mut planned_count = 0;
    for path in examples() {
        let Some((spec, plan)) = planned(&path) else { continue };
        planned_count += 1;
        let plan_json = serde_json::to_value(&plan).unwrap();
        for target in TARGETS {
            let files = render(target, &spec, &plan);
            // Every YAML file parses.
            for (name, text) in files.iter().filter(|(p, _)| p.ends_with(".yaml")) {
                assert!(!documents(text).is_empty(), "{name} is empty");
            }
            check_against_plan(&path, target, &spec, &plan_json, &files);
        }
        let v1alpha1 = render_with(Target::Dynamo, DynamoApi::V1alpha1, &spec, &plan);
        check_with(&path, "dynamo v1alpha1", dynamo_v1alpha1_workers, &spec, &plan_json, &v1alpha1);
    }
    assert!(planned_count >= 8);
}

#[test]
fn disaggregated_pairs_and_vendors() {
    // three-layer: voice prefills on H200s and decodes on LPUs. The LPU decode is an external
    // unit; the H200 prefill is deployed, alone in its unit and with no traffic, so that every
    // planned GPU is in a manifest.
    let (spec, plan) = planned(Path::new("examples/three-layer.fleet")).unwrap();
    let files = render(Target::Dynamo, &spec, &plan);
    let external = &files["fleetplan/external.yaml"];
    assert!(external.contains("unit: \"voice-lpu-pd\""));
    assert!(!external.contains("h200"), "{external}");
    let voice = &files["voice-gpu-pd.yaml"];
    assert!(voice.contains("type: \"prefill\"") && !voice.contains("type: \"decode\""), "{voice}");
    assert!(voice.contains("0.0% of the workload's requests"), "{voice}");
    assert!(files["README.md"].contains("EXTERNAL"));
    // ascend: Ascend resource keys, vllm-ascend images on llm-d and KServe.
    let (spec, plan) = planned(Path::new("examples/ascend.fleet")).unwrap();
    for target in [Target::LlmD, Target::Kserve] {
        let files = render(target, &spec, &plan);
        let all: String = files.values().cloned().collect();
        assert!(all.contains("huawei.com/Ascend910"), "{}", target.name());
        assert!(all.contains("quay.io/ascend/vllm-ascend"), "{}", target.name());
        assert!(!all.contains("nvidia.com/gpu"), "{}", target.name());
    }
    // agent-memory: host DRAM and SSD tiers become offload sizes.
    let (spec, plan) = planned(Path::new("examples/agent-memory.fleet")).unwrap();
    let dynamo = render(Target::Dynamo, &spec, &plan);
    let all: String = dynamo.values().cloned().collect();
    assert!(all.contains("DYN_KVBM_CPU_CACHE_GB") && all.contains("DYN_KVBM_DISK_CACHE_GB"));
    let llmd: String = render(Target::LlmD, &spec, &plan).values().cloned().collect();
    assert!(
        llmd.contains("LMCACHE_MAX_LOCAL_CPU_SIZE") && llmd.contains("LMCACHE_MAX_LOCAL_DISK_SIZE")
    );
}

#[test]
fn offload_sizes_add_up_to_the_plan_placements() {
    // Per-instance sizes are rounded up: their total over the instances is the placement, to
    // within one GB per instance.
    let (spec, plan) = planned(Path::new("examples/agent-memory.fleet")).unwrap();
    let units = fleetplan::deploy::units(&spec, &plan);
    let plan_json = serde_json::to_value(&plan).unwrap();
    for w in plan_json["workloads"].as_array().unwrap() {
        for p in w["memory"].as_array().unwrap() {
            let gb = p["gb"].as_f64().unwrap();
            let (total, instances) = units
                .iter()
                .flat_map(|u| &u.deployments)
                .map(|d| {
                    let each = match p["kind"].as_str().unwrap() {
                        "host_memory" => d.offload.cpu_gb,
                        "devices" => d.offload.disk_gb,
                        _ => return (0.0, 0.0),
                    };
                    (f64::from(each * d.instances), f64::from(d.instances))
                })
                .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            if p["kind"] == "spare_hbm" {
                continue;
            }
            assert!(total >= gb && total <= gb + instances, "{p}: {total} GB over {instances}");
        }
    }
}

#[test]
fn manifests_are_pinned() {
    for path in examples() {
        let Some((spec, plan)) = planned(&path) else { continue };
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for target in TARGETS {
            let files = render(target, &spec, &plan);
            let mut text = String::new();
            for (name, body) in files.iter().filter(|(p, _)| p.as_str() != "fleetplan/plan.json") {
                text.push_str(&format!("=== {name}\n{body}"));
            }
            insta::assert_snapshot!(format!("deploy_{stem}_{}", target.name()), text);
        }
    }
}

fn fleetplan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fleetplan-deploy-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn cli_writes_deterministic_bytes_and_refuses_to_overwrite() {
    let a = scratch("a");
    let b = scratch("b");
    for dir in [&a, &b] {
        let out = fleetplan(&[
            "deploy",
            "examples/chat.fleet",
            "--target",
            "dynamo",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let files = read_dir(&a);
    assert_eq!(files, read_dir(&b));
    assert!(files.contains_key("README.md") && files.contains_key("fleetplan/plan.json"));
    // No temporary directory is left beside it.
    let parent = a.parent().unwrap();
    let name = a.file_name().unwrap().to_string_lossy().into_owned();
    assert!(!std::fs::read_dir(parent).unwrap().any(|e| {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        n.starts_with(&format!(".{name}.fleetplan-"))
    }));

    // A non-empty directory is refused, and left as it was.
    let out = fleetplan(&[
        "deploy",
        "examples/chat.fleet",
        "--target",
        "llm-d",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(read_dir(&a), files);
    // With --force it is replaced whole.
    let out = fleetplan(&[
        "deploy",
        "examples/chat.fleet",
        "--target",
        "llm-d",
        "--out",
        a.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let replaced = read_dir(&a);
    assert!(replaced.keys().any(|k| k.starts_with("values-")));
    assert!(!replaced.keys().any(|k| k == "chat-gpu-pd.yaml"));
    for dir in [&a, &b] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn cli_writes_nothing_without_a_plan() {
    let out_dir = scratch("none");
    let out = fleetplan(&[
        "deploy",
        "examples/infeasible.fleet",
        "--target",
        "kserve",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_dir.exists());
    let bad =
        std::env::temp_dir().join(format!("fleetplan-deploy-bad-{}.fleet", std::process::id()));
    std::fs::write(&bad, "pool p { device = nope }\n").unwrap();
    let out = fleetplan(&[
        "deploy",
        bad.to_str().unwrap(),
        "--target",
        "dynamo",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out_dir.exists());
    std::fs::remove_file(&bad).unwrap();
}

/// A case no example covers: NVIDIA, AMD and Gaudi pools in one plan (the planner puts
/// DeepSeek-V3 on the MI300Xs and the 8B model on a Gaudi 3).
const HETEROGENEOUS: &str = r#"
use std.hardware.{h100_sxm, mi300x, gaudi3}
use std.models.{deepseek_v3, llama3_1_8b}

pool nv {
  device = h100_sxm
  per_node = 8
  max = 128
  price = 2.50 $/h
}

pool amd {
  device = mi300x
  per_node = 8
  max = 16
  price = 2.00 $/h
}

pool gaudi {
  device = gaudi3
  per_node = 8
  max = 16
  price = 1.80 $/h
}

workload big {
  model = deepseek_v3
  rate = 1 req/s
  input = 2k tokens
  output = 300 tokens
  slo { ttft p90 <= 10 s  tpot p90 <= 150 ms }
}

workload small {
  model = llama3_1_8b
  rate = 20 req/s
  input = 1k tokens
  output = 200 tokens
  slo { ttft p90 <= 1 s  tpot p90 <= 50 ms }
}
"#;

#[test]
fn a_plan_across_vendors() {
    let root = Root::Text { name: "heterogeneous.fleet".into(), text: HETEROGENEOUS.into() };
    let planned = fleetplan::plan(root, &Options::default()).unwrap();
    let PlanOutcome::Planned { spec, plan, .. } = planned.outcome else {
        panic!("the heterogeneous case has no plan")
    };
    let plan_json = serde_json::to_value(&*plan).unwrap();
    let path = Path::new("heterogeneous.fleet");
    for target in TARGETS {
        let files = render(target, &spec, &plan);
        check_against_plan(path, target, &spec, &plan_json, &files);
    }
    let files = render(Target::Dynamo, &spec, &plan);
    let all: String = files.values().cloned().collect();
    assert!(all.contains("amd.com/gpu") && all.contains("habana.ai/gaudi"), "{all}");
    insta::assert_snapshot!("deploy_heterogeneous_dynamo", {
        let mut text = String::new();
        for (name, body) in files.iter().filter(|(p, _)| p.as_str() != "fleetplan/plan.json") {
            text.push_str(&format!("=== {name}\n{body}"));
        }
        text
    });
}

#[test]
fn dynamo_v1alpha1_is_pinned() {
    let (spec, plan) = planned(Path::new("examples/agent-memory.fleet")).unwrap();
    let files = render_with(Target::Dynamo, DynamoApi::V1alpha1, &spec, &plan);
    let text: String = files
        .iter()
        .filter(|(p, _)| p.ends_with(".yaml") && !p.contains('/'))
        .map(|(name, body)| format!("=== {name}\n{body}"))
        .collect();
    insta::assert_snapshot!("deploy_agent-memory_dynamo_v1alpha1", text);
}

#[test]
fn every_catalog_device_gets_its_vendors_resource() {
    let catalog = Root::Text {
        name: "<catalog>".into(),
        text: "use std.hardware.*\nuse std.models.*\n".into(),
    };
    let spec = fleetplan::compile(catalog).unwrap().result.unwrap();
    let mut seen = 0;
    for device in spec.devices.values().filter(|d| d.kind.computes()) {
        let vendor = fleetplan::deploy::Vendor::of(&device.name, device.kind);
        if matches!(device.kind, fleetplan::spec::DeviceKind::Lpu) {
            assert_eq!(vendor, fleetplan::deploy::Vendor::External, "{}", device.name);
            continue;
        }
        assert_eq!(
            vendor.resource_key(),
            resource_key(&device.name, device.kind.name()),
            "{}",
            device.name
        );
        seen += 1;
    }
    assert!(seen >= 15, "{seen} devices");
}
