//! Stage 4, graph: the candidate deployments of every workload, as a petgraph.
//!
//! Nodes: workloads, their phases (prefill, decode, memory), candidates (pool × size × role,
//! from `perf`), pools and memory tiers. Edges say which candidate covers which phase, which
//! pool it draws devices from, and which tiers may hold a workload's retained KV. Every number
//! on the graph comes from `perf`; `solve` reads them and never recomputes physics.

mod dot;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

pub use dot::to_dot;

use crate::perf::{self, Candidate, Rejected, Role};
use crate::source::Span;
use crate::spec::{DeviceKind, Metric, Spec};

/// Read bandwidth from host DRAM to one accelerator: PCIe Gen5 x16, about 64 GB/s each way
/// (shared/reference/specs.md, "Host link for PCIe accelerators").
pub const HOST_LINK_BYTES_PER_S: f64 = 64e9;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Prefill,
    Decode,
    Memory,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub enum Node {
    Workload(String),
    Phase(String, Phase),
    Candidate(usize),
    Pool(String),
    Tier(usize),
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub enum Edge {
    /// Workload → its phase.
    Has,
    /// Phase → a candidate that serves it.
    ServedBy,
    /// Candidate → the pool its devices come from (devices per instance).
    Uses(u32),
    /// Memory phase → a tier that may hold the workload's KV.
    StoredIn,
    /// Tier → the pool whose devices (or nodes' DRAM) make it.
    Backed,
}

/// Where retained KV can live.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierKind {
    /// A pool of SSD or DRAM devices, bought by the unit.
    Devices,
    /// The host DRAM of a compute pool's nodes: comes with the nodes the plan uses.
    HostMemory,
    /// The HBM of one workload's instances on a GPU or accelerator pool that their own
    /// sequences never use (`Derivation::spare_kv_gb`), holding that workload's sessions (where
    /// an engine's prefix cache keeps them) and read over the NIC: comes free with the
    /// instances the plan uses, as much as they leave. One tier per workload and pool, so
    /// that workloads stay independent for `solve`'s groups.
    SpareHbm,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Tier {
    pub pool: String,
    /// The workload whose instances make the tier (SpareHbm); shared tiers have none.
    pub workload: Option<String>,
    pub kind: TierKind,
    /// Per device (Devices) or per compute device's share of its node (HostMemory); for
    /// SpareHbm each instance's own spare (`Derivation::spare_kv_gb`), so 0 here.
    pub capacity_bytes_per_unit: f64,
    /// Per device: the tier's read bandwidth (Devices), the host link (HostMemory), the NIC
    /// (SpareHbm).
    pub read_bytes_per_s_per_unit: f64,
    pub price_usd_per_hour_per_unit: f64,
    pub power_watts_per_unit: f64,
    pub min_units: u32,
    pub max_units: u32,
}

/// What a workload asks of the plan, as the program sees it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Demand {
    pub workload: String,
    pub model: String,
    pub rate_per_s: f64,
    pub output_tokens: f64,
    /// Retained KV and the share of prompt tokens it can serve (memory block).
    pub retained_bytes: f64,
    pub reuse: f64,
    /// Share of a whole prompt's prefill work a hit saves (perf (10)): less than `reuse`,
    /// since the prompt's new tokens still attend to the reused ones.
    pub hit_saving: f64,
    /// KV bytes read from a tier per request on a hit.
    pub hit_bytes: f64,
    /// Tiers fast enough to use (indices into `CandidateGraph::tiers`).
    pub tiers: Vec<usize>,
    #[serde(skip)]
    pub span: Span,
}

impl Tier {
    /// Whether a candidate's devices make this tier (host memory and spare HBM come with the
    /// instances; a spare-HBM tier only with its own workload's).
    pub fn backed_by(&self, c: &Candidate) -> bool {
        c.pool == self.pool && self.workload.as_ref().is_none_or(|w| *w == c.workload)
    }
}

impl CandidateGraph {
    /// Bytes of retained KV a placement `(workload, tier, share)` puts in tier `t`.
    pub fn tier_used_bytes(&self, placement: &[(usize, usize, f64)], t: usize) -> f64 {
        placement
            .iter()
            .filter(|(_, pt, _)| *pt == t)
            .map(|(w, _, x)| self.demands[*w].retained_bytes * x)
            .sum()
    }

    /// Spare HBM that `instances` (per candidate) leave in tier `t`'s pool for its workload.
    pub fn spare_hbm_bytes(&self, instances: &[u32], t: usize) -> f64 {
        self.candidates
            .iter()
            .zip(instances)
            .filter(|(c, _)| self.tiers[t].backed_by(c))
            .map(|(c, n)| c.spare_kv_bytes() * f64::from(*n))
            .sum()
    }
}

impl TierKind {
    pub fn name(&self) -> &'static str {
        match self {
            TierKind::Devices => "devices",
            TierKind::HostMemory => "host memory",
            TierKind::SpareHbm => "spare HBM",
        }
    }
}

/// Everything `solve` needs, and the graph that `--format dot` draws.
#[derive(Debug)]
pub struct CandidateGraph {
    pub graph: DiGraph<Node, Edge>,
    pub candidates: Vec<Candidate>,
    pub rejected: Vec<Rejected>,
    pub tiers: Vec<Tier>,
    pub demands: Vec<Demand>,
}

/// Builds the candidate graph of a spec, on every core.
pub fn build(spec: &Spec) -> CandidateGraph {
    build_with(spec, 0)
}

/// Builds the candidate graph of a spec on `threads` threads (0: every core). The performance
/// model of each workload × pool is independent of the others' and is most of the time:
/// workloads are derived in parallel and assembled in order, so the graph is the same for any
/// thread count.
pub fn build_with(spec: &Spec, threads: usize) -> CandidateGraph {
    let workloads: Vec<&crate::spec::Workload> = spec.workloads.values().collect();
    let pools: Vec<_> = spec
        .pools
        .values()
        .filter_map(|pool| Some((pool, spec.devices.get(&pool.device)?)))
        .collect();
    let derived = crate::parallel::map(&workloads, threads, |_, workload| {
        let Some(model) = spec.models.get(&workload.model) else { return Vec::new() };
        perf::candidates_on(workload, model, &pools)
    });
    let mut derived = derived.into_iter();
    let mut graph = DiGraph::new();
    let mut candidates = Vec::new();
    let mut rejected = Vec::new();
    let mut pool_nodes = std::collections::BTreeMap::new();
    for name in spec.pools.keys() {
        pool_nodes.insert(name.clone(), graph.add_node(Node::Pool(name.clone())));
    }
    let tiers = tiers(spec);
    let tier_nodes: Vec<NodeIndex> = tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let node = graph.add_node(Node::Tier(i));
            if let Some(&pool) = pool_nodes.get(&t.pool) {
                graph.add_edge(node, pool, Edge::Backed);
            }
            node
        })
        .collect();
    // The tiers each workload may consider: the shared ones and its own spare HBM, ascending
    // (a large fleet has a spare-HBM tier per pool and workload with sessions: scanning all
    // of them for each workload would be quadratic).
    let mut tiers_of: std::collections::BTreeMap<&str, Vec<usize>> =
        std::collections::BTreeMap::new();
    let mut shared_tiers = Vec::new();
    for (i, tier) in tiers.iter().enumerate() {
        match &tier.workload {
            Some(w) => tiers_of.entry(w.as_str()).or_default().push(i),
            None => shared_tiers.push(i),
        }
    }
    let mut demands = Vec::new();
    for workload in spec.workloads.values() {
        let per_pool = derived.next().unwrap_or_default();
        let Some(model) = spec.models.get(&workload.model) else { continue };
        let w = graph.add_node(Node::Workload(workload.name.clone()));
        let prefill = graph.add_node(Node::Phase(workload.name.clone(), Phase::Prefill));
        let decode = graph.add_node(Node::Phase(workload.name.clone(), Phase::Decode));
        graph.add_edge(w, prefill, Edge::Has);
        graph.add_edge(w, decode, Edge::Has);
        let mut fastest_prefill = f64::INFINITY;
        // The least a hit saves on any instance that may prefill the workload (perf's
        // `hit_cost_share`): the program counts one saving per workload, so the smallest.
        let mut dearest_hit: Option<f64> = None;
        let pools = spec.pools.values().filter(|p| spec.devices.contains_key(&p.device));
        for (pool, (found, missed)) in pools.zip(per_pool) {
            rejected.extend(missed);
            for candidate in found {
                let node = graph.add_node(Node::Candidate(candidates.len()));
                if matches!(candidate.role, Role::Prefill | Role::Aggregated) {
                    graph.add_edge(prefill, node, Edge::ServedBy);
                    fastest_prefill = fastest_prefill
                        .min(candidate.derivation.prefill_s.unwrap_or(f64::INFINITY));
                    if let Some(share) = candidate.derivation.hit_cost_share {
                        dearest_hit = Some(dearest_hit.map_or(share, |d| d.max(share)));
                    }
                }
                if matches!(candidate.role, Role::Decode | Role::Aggregated) {
                    graph.add_edge(decode, node, Edge::ServedBy);
                }
                if let Some(&p) = pool_nodes.get(&pool.name) {
                    graph.add_edge(node, p, Edge::Uses(candidate.devices));
                }
                candidates.push(candidate);
            }
        }
        let mut demand = Demand {
            workload: workload.name.clone(),
            model: model.name.clone(),
            rate_per_s: workload.rate_per_s,
            output_tokens: workload.output_tokens,
            retained_bytes: 0.0,
            reuse: 0.0,
            hit_saving: 0.0,
            hit_bytes: 0.0,
            tiers: Vec::new(),
            span: workload.span,
        };
        if let Some(needs) = &workload.memory {
            let reused_tokens = needs.reuse * workload.input_tokens;
            demand.retained_bytes = perf::memory::retained_kv_bytes(model, needs);
            demand.reuse = needs.reuse;
            demand.hit_saving = match dearest_hit {
                Some(share) => 1.0 - share,
                None => perf::memory::hit_saving(model, workload.input_tokens, needs.reuse),
            };
            demand.hit_bytes = perf::model::kv_bytes(model, model.kv_cache, reused_tokens);
            let memory = graph.add_node(Node::Phase(workload.name.clone(), Phase::Memory));
            graph.add_edge(w, memory, Edge::Has);
            // A tier is eligible when loading the reused KV takes less than the prefill time a
            // hit saves on the fastest prefill candidate: a hit then never lengthens TTFT, and
            // the SLO analysis (made for a miss) stays valid.
            let recompute = fastest_prefill * demand.hit_saving;
            let mut considered = shared_tiers.clone();
            considered.extend(tiers_of.get(workload.name.as_str()).into_iter().flatten());
            considered.sort_unstable();
            for i in considered {
                let tier = &tiers[i];
                let load = demand.hit_bytes / tier.read_bytes_per_s_per_unit.max(1.0);
                if needs.reuse > 0.0 && load < recompute {
                    demand.tiers.push(i);
                    graph.add_edge(memory, tier_nodes[i], Edge::StoredIn);
                }
            }
        }
        demands.push(demand);
    }
    CandidateGraph { graph, candidates, rejected, tiers, demands }
}

/// Memory tiers: SSD/DRAM pools, and the host DRAM of compute pools that declare it.
fn tiers(spec: &Spec) -> Vec<Tier> {
    let mut tiers = Vec::new();
    for pool in spec.pools.values() {
        let Some(device) = spec.devices.get(&pool.device) else { continue };
        if matches!(device.kind, DeviceKind::Ssd | DeviceKind::Dram) {
            let efficiency = device
                .bandwidth_efficiency
                .unwrap_or(perf::calibration::defaults(device).bandwidth_efficiency);
            tiers.push(Tier {
                pool: pool.name.clone(),
                workload: None,
                kind: TierKind::Devices,
                capacity_bytes_per_unit: device.memory_bytes,
                read_bytes_per_s_per_unit: device.memory_bandwidth_bytes_per_s * efficiency,
                price_usd_per_hour_per_unit: pool.price_usd_per_hour,
                power_watts_per_unit: pool.power_watts.or(device.power_watts).unwrap_or(0.0),
                min_units: pool.min_devices,
                max_units: pool.max_devices,
            });
        } else if let Some(host) = pool.host_memory_bytes {
            tiers.push(Tier {
                pool: pool.name.clone(),
                workload: None,
                kind: TierKind::HostMemory,
                capacity_bytes_per_unit: host / f64::from(pool.per_node.max(1)),
                read_bytes_per_s_per_unit: HOST_LINK_BYTES_PER_S,
                price_usd_per_hour_per_unit: 0.0,
                power_watts_per_unit: 0.0,
                min_units: 0,
                max_units: pool.max_devices,
            });
        }
        let has_hbm = matches!(device.kind, DeviceKind::Gpu | DeviceKind::Asic);
        if let (true, Some(nic)) = (has_hbm, device.nic_bandwidth_bytes_per_s) {
            for workload in spec.workloads.values().filter(|w| w.memory.is_some()) {
                tiers.push(Tier {
                    pool: pool.name.clone(),
                    workload: Some(workload.name.clone()),
                    kind: TierKind::SpareHbm,
                    capacity_bytes_per_unit: 0.0,
                    read_bytes_per_s_per_unit: nic,
                    price_usd_per_hour_per_unit: 0.0,
                    power_watts_per_unit: 0.0,
                    min_units: 0,
                    max_units: pool.max_devices,
                });
            }
        }
    }
    tiers
}

/// The SLO bound a workload's phase is held to, for diagnostics.
pub fn bound_span(spec: &Spec, workload: &str, metric: Metric) -> Option<(Span, f64, String)> {
    let w = spec.workloads.get(workload)?;
    w.slo
        .iter()
        .filter(|b| b.metric == metric)
        .min_by(|a, b| a.limit_s.total_cmp(&b.limit_s))
        .map(|b| (b.span, b.limit_s, format!("{:?}", b.percentile)))
}
