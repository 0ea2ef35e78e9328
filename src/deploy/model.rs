//! The shared deployment model: each planned deployment with what every target needs (model,
//! device and vendor, role, replicas, parallelism, batch limit, chunk budget, precisions,
//! offload sizes), grouped into the units a target deploys as one thing, with their traffic
//! shares. Read from `report::Plan` and `spec::Spec` only.

use std::collections::{BTreeMap, BTreeSet};

pub use super::files::{external_yaml, in_cluster, readme, traffic_yaml};
use super::yaml::{map, s, Yaml};
use crate::graph::TierKind;
use crate::perf::Role;
use crate::report::Plan;
use crate::spec::{DeviceKind, Percentile, Precision, Spec};

/// Which engine family and Kubernetes resource a device takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Vendor {
    /// NVIDIA GPUs: vLLM CUDA, `nvidia.com/gpu`.
    Nvidia,
    /// AMD Instinct GPUs: vLLM ROCm, `amd.com/gpu`.
    Amd,
    /// Intel Gaudi: vLLM for Gaudi (HPU), `habana.ai/gaudi`.
    Gaudi,
    /// Huawei Ascend NPUs: vllm-ascend, `huawei.com/Ascend910`.
    Ascend,
    /// Google Cloud TPUs: vLLM for TPU, `google.com/tpu` (GKE's TPU resource).
    Tpu,
    /// CPU sockets: vLLM CPU; no accelerator resource.
    Cpu,
    /// Devices no open engine serves (Groq and Cerebras LPUs, unknown accelerators): rented
    /// as OpenAI-compatible endpoints.
    External,
}

impl Vendor {
    /// Read from the device's kind and name (the spec keeps no vendor; derived devices keep
    /// their base's name in theirs, as `mi300x_vllm` does).
    pub fn of(name: &str, kind: DeviceKind) -> Vendor {
        let name = name.to_ascii_lowercase();
        match kind {
            DeviceKind::Lpu => Vendor::External,
            DeviceKind::Cpu => Vendor::Cpu,
            _ if name.contains("ascend") => Vendor::Ascend,
            _ if name.contains("gaudi") => Vendor::Gaudi,
            _ if name.contains("tpu") => Vendor::Tpu,
            _ if ["mi250", "mi300", "mi325", "mi350", "mi355", "instinct"]
                .iter()
                .any(|m| name.contains(m)) =>
            {
                Vendor::Amd
            }
            DeviceKind::Gpu => Vendor::Nvidia,
            _ => Vendor::External,
        }
    }

    /// The device plugin's resource name.
    pub fn resource_key(self) -> Option<&'static str> {
        match self {
            Vendor::Nvidia => Some("nvidia.com/gpu"),
            Vendor::Amd => Some("amd.com/gpu"),
            Vendor::Gaudi => Some("habana.ai/gaudi"),
            Vendor::Ascend => Some("huawei.com/Ascend910"),
            Vendor::Tpu => Some("google.com/tpu"),
            Vendor::Cpu | Vendor::External => None,
        }
    }

    /// The engine image family.
    pub fn family(self) -> &'static str {
        match self {
            Vendor::Nvidia => "vLLM (CUDA)",
            Vendor::Amd => "vLLM (ROCm)",
            Vendor::Gaudi => "vLLM for Gaudi (HPU)",
            Vendor::Ascend => "vllm-ascend",
            Vendor::Tpu => "vLLM (TPU)",
            Vendor::Cpu => "vLLM (CPU)",
            Vendor::External => "external OpenAI-compatible endpoint",
        }
    }

    /// A plain vLLM image of the family (its tag to be filled in).
    pub fn vllm_image(self) -> &'static str {
        match self {
            Vendor::Nvidia => "docker.io/vllm/vllm-openai:FILL-IN-TAG",
            Vendor::Amd => "docker.io/rocm/vllm:FILL-IN-TAG",
            Vendor::Gaudi => "FILL-IN-REGISTRY/vllm-gaudi:FILL-IN-TAG",
            Vendor::Ascend => "quay.io/ascend/vllm-ascend:FILL-IN-TAG",
            Vendor::Tpu => "docker.io/vllm/vllm-tpu:FILL-IN-TAG",
            Vendor::Cpu => "FILL-IN-REGISTRY/vllm-cpu:FILL-IN-TAG",
            Vendor::External => "",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Vendor::Nvidia => "nvidia",
            Vendor::Amd => "amd",
            Vendor::Gaudi => "intel-gaudi",
            Vendor::Ascend => "ascend",
            Vendor::Tpu => "tpu",
            Vendor::Cpu => "cpu",
            Vendor::External => "external",
        }
    }
}

/// KV offload per instance, from the plan's memory tiers (whole GB, rounded up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offload {
    /// Host DRAM (the pool's `host_memory` tier, or a DRAM pool).
    pub cpu_gb: u32,
    /// SSD (an SSD pool's tier).
    pub disk_gb: u32,
}

/// One planned deployment: a (workload, pool, role, size) with its instance count.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Its name inside its unit (`decode-gpu-8`), DNS-safe.
    pub name: String,
    pub workload: String,
    pub model: String,
    pub pool: String,
    pub device: String,
    pub vendor: Vendor,
    pub role: Role,
    /// Replicas: the planned instances.
    pub instances: u32,
    pub tensor_parallel: u32,
    pub pipeline_stages: u32,
    pub devices_per_instance: u32,
    /// Nodes one instance spans: devices over the pool's `per_node`, rounded up.
    pub nodes_per_instance: u32,
    /// The most sequences a step decodes (decode, aggregated): the candidate's batch limit,
    /// else its planned batch.
    pub batch_limit: Option<u32>,
    /// Aggregated: prompt tokens a step takes beside its decodes (the chunk budget).
    pub chunk_tokens: Option<u32>,
    pub weights: Precision,
    pub kv_cache: Precision,
    /// Requests per second all its instances serve at capacity.
    pub capacity_per_s: f64,
    pub offload: Offload,
    /// The workload reuses retained KV: the engine's prefix cache is on.
    pub prefix_caching: bool,
}

impl Deployment {
    /// Devices one pod holds: the instance's devices over the nodes it spans.
    pub fn devices_per_pod(&self) -> u32 {
        self.devices_per_instance.div_ceil(self.nodes_per_instance.max(1))
    }

    /// The vLLM engine arguments every target shares (parallelism, batch limit, chunk
    /// budget, precisions, prefix cache); the KV connector is the target's.
    pub fn engine_args(&self) -> Vec<String> {
        let mut args = vec![
            "--tensor-parallel-size".to_string(),
            self.tensor_parallel.to_string(),
            "--pipeline-parallel-size".to_string(),
            self.pipeline_stages.to_string(),
        ];
        if let Some(limit) = self.batch_limit {
            args.extend(["--max-num-seqs".to_string(), limit.to_string()]);
        }
        if let Some(chunk) = self.chunk_tokens {
            args.extend([
                "--enable-chunked-prefill".to_string(),
                "--max-num-batched-tokens".to_string(),
                chunk.to_string(),
            ]);
        }
        match self.weights {
            Precision::Bf16 => args.extend(["--dtype".into(), "bfloat16".into()]),
            Precision::Fp16 => args.extend(["--dtype".into(), "float16".into()]),
            Precision::Fp8 => args.extend(["--quantization".into(), "fp8".into()]),
            _ => {}
        }
        let kv = match self.kv_cache {
            Precision::Fp8 => "fp8",
            _ => "auto",
        };
        args.extend(["--kv-cache-dtype".to_string(), kv.to_string()]);
        if self.prefix_caching {
            args.push("--enable-prefix-caching".to_string());
        }
        args
    }

    /// What the engine arguments cannot say about the precisions (a checkpoint to choose).
    pub fn precision_note(&self) -> Option<String> {
        let weights = match self.weights {
            Precision::Bf16 | Precision::Fp16 | Precision::Fp8 => None,
            p => Some(format!("weights in {}: serve a checkpoint quantized to it", p.name())),
        };
        let kv = match self.kv_cache {
            Precision::Bf16 | Precision::Fp16 | Precision::Fp8 => None,
            p => Some(format!("KV cache in {}: vLLM has no such KV dtype (auto used)", p.name())),
        };
        let notes: Vec<String> = weights.into_iter().chain(kv).collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    }
}

/// What a target deploys as one thing: a workload's deployments on one pool group, either
/// aggregated (one pool) or disaggregated (its prefill and decode deployments together).
#[derive(Clone, Debug)]
pub struct Unit {
    /// DNS-safe: `workload-pool[-pool…][-pd]`.
    pub name: String,
    pub workload: String,
    pub model: String,
    /// The Hugging Face repository the model is served from, or a placeholder to fill in.
    pub model_id: String,
    pub disaggregated: bool,
    /// Why the unit is not deployed in the cluster (a pool of LPUs), when it is not.
    pub external: Option<String>,
    pub deployments: Vec<Deployment>,
    /// Its share of the workload's requests: its decode-side capacity over the workload's.
    pub share: f64,
    /// The workload's rate times the share.
    pub rate_per_s: f64,
    /// The share in thousandths, summing to 1000 over the workload's units.
    pub weight: u32,
}

/// DNS-1123 label: lowercase letters, digits and `-`.
pub fn dns(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    out.truncate(52);
    out.trim_end_matches('-').to_string()
}

/// Hugging Face repositories of the catalog's models (std/models.fleet); a model derived
/// from one (`llama3_3_70b_fp8 from llama3_3_70b`) carries its base's name as a prefix.
const MODEL_IDS: &[(&str, &str)] = &[
    ("deepseek_r1", "deepseek-ai/DeepSeek-R1"),
    ("deepseek_v3", "deepseek-ai/DeepSeek-V3"),
    ("gemma3_27b", "google/gemma-3-27b-it"),
    ("gpt_oss_120b", "openai/gpt-oss-120b"),
    ("kimi_k2", "moonshotai/Kimi-K2-Instruct"),
    ("llama2_70b", "meta-llama/Llama-2-70b-chat-hf"),
    ("llama2_7b", "meta-llama/Llama-2-7b-chat-hf"),
    ("llama3_1_405b", "meta-llama/Llama-3.1-405B-Instruct"),
    ("llama3_1_70b", "meta-llama/Llama-3.1-70B-Instruct"),
    ("llama3_1_8b", "meta-llama/Llama-3.1-8B-Instruct"),
    ("llama3_3_70b", "meta-llama/Llama-3.3-70B-Instruct"),
    ("llama4_scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct"),
    ("mixtral_8x7b", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
    ("qwen3_235b_a22b", "Qwen/Qwen3-235B-A22B"),
    ("qwen3_32b", "Qwen/Qwen3-32B"),
];

/// The repository of a model: the catalog entry whose name is the longest prefix of it.
pub fn model_id(model: &str) -> String {
    MODEL_IDS
        .iter()
        .filter(|(name, _)| model.starts_with(name))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, id)| id.to_string())
        .unwrap_or_else(|| format!("FILL-IN/{model}"))
}

fn gb(bytes_gb: f64) -> u32 {
    if bytes_gb > 0.0 {
        // INVARIANT: a planned tier holds at most petabytes, far below u32::MAX GB.
        bytes_gb.ceil().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Every unit of the plan, in workload order, then aggregated pools before the
/// disaggregated group.
pub fn units(spec: &Spec, plan: &Plan) -> Vec<Unit> {
    let mut units = Vec::new();
    for w in &plan.workloads {
        let Some(workload) = spec.workloads.get(&w.workload) else { continue };
        let model = spec.models.get(&w.model);
        let mut mine: Vec<Deployment> = Vec::new();
        for pool in &plan.pools {
            let Some(pool_spec) = spec.pools.get(&pool.pool) else { continue };
            let kind = spec.devices.get(&pool.device).map_or(DeviceKind::Gpu, |d| d.kind);
            for d in pool.deployments.iter().filter(|d| d.workload == w.workload) {
                let candidate = plan.candidates.iter().find(|c| {
                    c.instances == d.instances
                        && c.candidate.workload == d.workload
                        && c.candidate.pool == pool.pool
                        && c.candidate.role == d.role
                        && c.candidate.devices == d.devices_per_instance
                });
                let derivation = candidate.map(|c| &c.candidate.derivation);
                let batch_limit = match d.role {
                    Role::Prefill => None,
                    _ => Some(derivation.and_then(|x| x.batch_limit).unwrap_or(d.batch).max(1)),
                };
                // Aggregated: a prompt at the TTFT bound's percentile is spread over
                // `prefill_s / step_budget_s` steps (perf (7)), so a step takes that
                // prompt's tokens over that many steps.
                let chunk_tokens = match (d.role, derivation) {
                    (Role::Aggregated, Some(x)) => match (x.step_budget_s, x.prefill_s) {
                        (Some(budget), Some(prefill)) if prefill > 0.0 && budget > 0.0 => {
                            let percentile = workload
                                .slo
                                .iter()
                                .find(|b| b.metric == crate::spec::Metric::Ttft)
                                .map_or(Percentile::Mean, |b| b.percentile);
                            let tokens = crate::perf::length_at(&workload.input, percentile);
                            let chunk = (tokens * budget / prefill).ceil().min(1e9) as u32;
                            Some(chunk.max(batch_limit.unwrap_or(1)))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let per_node = pool_spec.per_node.max(1);
                mine.push(Deployment {
                    name: dns(&format!(
                        "{}-{}-{}",
                        d.role.name(),
                        pool.pool,
                        d.devices_per_instance
                    )),
                    workload: w.workload.clone(),
                    model: w.model.clone(),
                    pool: pool.pool.clone(),
                    device: pool.device.clone(),
                    vendor: Vendor::of(&pool.device, kind),
                    role: d.role,
                    instances: d.instances,
                    tensor_parallel: d.tensor_parallel,
                    pipeline_stages: d.pipeline_stages,
                    devices_per_instance: d.devices_per_instance,
                    nodes_per_instance: d.devices_per_instance.div_ceil(per_node),
                    batch_limit,
                    chunk_tokens,
                    weights: model.map_or(Precision::Bf16, |m| m.weights),
                    kv_cache: model.map_or(Precision::Bf16, |m| m.kv_cache),
                    capacity_per_s: candidate
                        .map_or(0.0, |c| c.candidate.requests_per_s * f64::from(d.instances)),
                    offload: Offload::default(),
                    prefix_caching: workload.memory.is_some(),
                });
            }
        }
        let memory: Vec<(String, TierKind, f64)> =
            w.memory.iter().map(|p| (p.tier.clone(), p.kind.clone(), p.gb)).collect();
        place_offload(spec, &memory, &mut mine);

        // Group: each pool's aggregated deployments, then all disaggregated ones together.
        let mut groups: BTreeMap<(bool, Vec<String>), Vec<Deployment>> = BTreeMap::new();
        let disaggregated_pools: BTreeSet<String> =
            mine.iter().filter(|d| d.role != Role::Aggregated).map(|d| d.pool.clone()).collect();
        let external_pools: BTreeSet<String> =
            mine.iter().filter(|d| d.vendor == Vendor::External).map(|d| d.pool.clone()).collect();
        for d in mine {
            // A disaggregated pair across an LPU stands in two units: the side an open engine
            // serves (a GPU prefill) is deployed, so that every planned GPU is in a manifest;
            // the LPU side is rented as an endpoint. No open engine hands KV between the two:
            // the README says so.
            let key = if d.role == Role::Aggregated {
                (false, vec![d.pool.clone()])
            } else {
                let external = external_pools.contains(&d.pool);
                let side = disaggregated_pools
                    .iter()
                    .filter(|p| external_pools.contains(*p) == external)
                    .cloned()
                    .collect();
                (true, side)
            };
            groups.entry(key).or_default().push(d);
        }
        let decode_side = |ds: &[Deployment]| -> f64 {
            // `+ 0.0`: an empty float sum is −0.0, which prints as "-0.0%".
            ds.iter().filter(|d| d.role != Role::Prefill).map(|d| d.capacity_per_s).sum::<f64>()
                + 0.0
        };
        let total: f64 = groups.values().map(|g| decode_side(g)).sum();
        let count = groups.len();
        let first = units.len();
        for ((disaggregated, pools), deployments) in groups {
            let share =
                if total > 0.0 { decode_side(&deployments) / total } else { 1.0 / count as f64 };
            let external = deployments.iter().find(|d| d.vendor == Vendor::External).map(|d| {
                format!(
                    "pool `{}` ({}) runs on no open serving engine: rent it as an \
                     OpenAI-compatible endpoint",
                    d.pool, d.device
                )
            });
            let suffix = if disaggregated { "-pd" } else { "" };
            units.push(Unit {
                name: format!("{}{suffix}", dns(&format!("{}-{}", w.workload, pools.join("-")))),
                workload: w.workload.clone(),
                model: w.model.clone(),
                model_id: model_id(&w.model),
                disaggregated,
                external,
                deployments,
                share,
                rate_per_s: w.rate_per_s * share,
                weight: 0,
            });
        }
        weights(&mut units[first..]);
    }
    units
}

/// Thousandths by largest remainder, summing to 1000.
fn weights(units: &mut [Unit]) {
    if units.is_empty() {
        return;
    }
    let raw: Vec<f64> = units.iter().map(|u| u.share * 1000.0).collect();
    let mut floor: Vec<u32> = raw.iter().map(|x| x.floor().max(0.0) as u32).collect();
    let mut left = 1000u32.saturating_sub(floor.iter().sum());
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| (raw[b] - raw[b].floor()).total_cmp(&(raw[a] - raw[a].floor())));
    for i in order.iter().cycle().take(units.len() * 2) {
        if left == 0 {
            break;
        }
        floor[*i] += 1;
        left -= 1;
    }
    for (u, w) in units.iter_mut().zip(floor) {
        u.weight = w;
    }
}

/// The workload's tier placements as offload sizes per instance, in proportion to its
/// devices: a pool's host memory over the workload's instances on that pool, an SSD or DRAM
/// pool over all its instances. The plan pools a tier across its hosts (hits are read over
/// the NIC); docs/deploy.md says how engines' per-worker caches approximate that.
fn place_offload(spec: &Spec, memory: &[(String, TierKind, f64)], mine: &mut [Deployment]) {
    for (tier, kind, placed_gb) in memory {
        let (on_pool, disk) = match kind {
            TierKind::SpareHbm => continue,
            TierKind::HostMemory => (true, false),
            TierKind::Devices => {
                let kind = spec
                    .pools
                    .get(tier)
                    .and_then(|pool| spec.devices.get(&pool.device))
                    .map(|d| d.kind);
                (false, kind != Some(DeviceKind::Dram))
            }
        };
        let holds = |d: &Deployment| !on_pool || d.pool == *tier;
        let devices: u32 =
            mine.iter().filter(|d| holds(d)).map(|d| d.instances * d.devices_per_instance).sum();
        if devices == 0 {
            continue;
        }
        for d in mine.iter_mut().filter(|d| holds(d)) {
            let each = gb(placed_gb * f64::from(d.devices_per_instance) / f64::from(devices));
            if disk {
                d.offload.disk_gb += each;
            } else {
                d.offload.cpu_gb += each;
            }
        }
    }
}

/// Labels and annotations every worker pod carries, so a reader can map it back to the plan.
pub fn pod_metadata(u: &Unit, d: &Deployment) -> Yaml {
    map([
        (
            "labels",
            map([
                ("fleetplan.dev/workload", s(dns(&u.workload))),
                ("fleetplan.dev/pool", s(dns(&d.pool))),
                ("fleetplan.dev/role", s(d.role.name())),
            ]),
        ),
        (
            "annotations",
            map([
                ("fleetplan.dev/device", s(&d.device)),
                ("fleetplan.dev/devices-per-replica", s(d.devices_per_instance.to_string())),
            ]),
        ),
    ])
}

/// The pod's device resources (limits and requests equal), empty for CPU pools.
pub fn resources(d: &Deployment) -> Yaml {
    match d.vendor.resource_key() {
        Some(key) => {
            let n = s(d.devices_per_pod().to_string());
            map([("limits", map([(key, n.clone())])), ("requests", map([(key, n)]))])
        }
        None => map(Vec::<(String, Yaml)>::new()),
    }
}

/// Selects the pool's nodes.
pub fn node_selector(d: &Deployment) -> Yaml {
    map([("fleetplan.dev/pool", s(dns(&d.pool)))])
}

/// LMCache's offload settings (llm-d, KServe) as environment variables.
pub fn lmcache_env(d: &Deployment) -> Vec<Yaml> {
    let var = |name: &str, value: String| map([("name", s(name)), ("value", s(value))]);
    let mut env = Vec::new();
    if d.offload.cpu_gb > 0 || d.offload.disk_gb > 0 {
        env.push(var("LMCACHE_LOCAL_CPU", "True".into()));
        env.push(var("LMCACHE_MAX_LOCAL_CPU_SIZE", d.offload.cpu_gb.max(1).to_string()));
    }
    if d.offload.disk_gb > 0 {
        env.push(var("LMCACHE_LOCAL_DISK", format!("file://{KV_OFFLOAD_PATH}/")));
        env.push(var("LMCACHE_MAX_LOCAL_DISK_SIZE", d.offload.disk_gb.to_string()));
    }
    env
}

/// Where LMCache's disk tier is mounted.
pub const KV_OFFLOAD_PATH: &str = "/kv-offload";

/// The disk tier's volume (node-local scratch of the planned size) and its mount, when the
/// deployment has one.
pub fn offload_volume(d: &Deployment) -> Option<(Yaml, Yaml)> {
    (d.offload.disk_gb > 0).then(|| {
        (
            map([
                ("name", s("kv-offload")),
                ("emptyDir", map([("sizeLimit", s(format!("{}G", d.offload.disk_gb)))])),
            ]),
            map([("name", s("kv-offload")), ("mountPath", s(KV_OFFLOAD_PATH))]),
        )
    })
}

/// The vLLM KV-transfer config for llm-d and KServe: NIXL between prefill and decode, LMCache
/// for offload, both through vLLM's MultiConnector when a deployment has both.
pub fn lmcache_transfer_config(d: &Deployment, disaggregated: bool) -> Option<String> {
    let nixl = r#"{"kv_connector":"NixlConnector","kv_role":"kv_both"}"#;
    let lmcache = r#"{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"}"#;
    let offload = d.offload.cpu_gb > 0 || d.offload.disk_gb > 0;
    match (disaggregated, offload) {
        (false, false) => None,
        (true, false) => Some(nixl.to_string()),
        (false, true) => Some(lmcache.to_string()),
        (true, true) => Some(format!(
            r#"{{"kv_connector":"MultiConnector","kv_role":"kv_both","kv_connector_extra_config":{{"connectors":[{nixl},{lmcache}]}}}}"#
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(share: f64) -> Unit {
        Unit {
            name: String::new(),
            workload: "w".into(),
            model: String::new(),
            model_id: String::new(),
            disaggregated: false,
            external: None,
            deployments: Vec::new(),
            share,
            rate_per_s: 0.0,
            weight: 0,
        }
    }

    #[test]
    fn weights_are_thousandths_summing_to_1000() {
        let mut units: Vec<Unit> =
            [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0].into_iter().map(unit).collect();
        weights(&mut units);
        assert_eq!(units.iter().map(|u| u.weight).collect::<Vec<_>>(), [334, 333, 333]);
        let mut units: Vec<Unit> = [0.0004, 0.9996].into_iter().map(unit).collect();
        weights(&mut units);
        assert_eq!(units.iter().map(|u| u.weight).sum::<u32>(), 1000);
    }

    #[test]
    fn names_are_dns_labels_and_models_map_by_prefix() {
        assert_eq!(dns("Coding_Agent--gpu"), "coding-agent-gpu");
        assert_eq!(dns(&"x".repeat(80)).len(), 52);
        assert_eq!(model_id("llama3_3_70b_fp8"), "meta-llama/Llama-3.3-70B-Instruct");
        assert_eq!(model_id("llama3_1_8b"), "meta-llama/Llama-3.1-8B-Instruct");
        assert_eq!(model_id("my_model"), "FILL-IN/my_model");
    }
}
