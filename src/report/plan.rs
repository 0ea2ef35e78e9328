//! The `Plan` value: what to buy, how to run it, what it costs and how close to the SLOs it
//! runs. Text, Markdown and JSON are renderings of this one value.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::{CandidateGraph, TierKind};
use crate::perf::{Candidate, Role};
use crate::solve::{Options, Solution, Status};
use crate::spec::{Metric, Percentile, Spec};

/// Bumped when the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Plan {
    pub schema_version: u32,
    pub source: String,
    pub solver: SolverReport,
    pub totals: Totals,
    pub pools: Vec<PoolPlan>,
    pub workloads: Vec<WorkloadPlan>,
    pub memory: Vec<TierPlan>,
    /// Every candidate the program chose from, with the count chosen: enough to re-check it.
    pub candidates: Vec<ChosenCandidate>,
    /// Devices fitted to the user's measurements (`calibrate = measured("…")`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<super::DeviceFit>,
    /// With `objective maximize throughput`: the rates the search reached (the plan is at
    /// them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput: Option<crate::whatif::Throughput>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SolverReport {
    pub options: Options,
    pub status: Status,
    pub objective_usd_per_hour: f64,
    /// The best lower bound on the optimum's cost the solver proved (absent when it proved
    /// none, as HiGHS at a time limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower_bound_usd_per_hour: Option<f64>,
    /// `(objective − lower bound) / objective`: the plan costs at most this share more than
    /// the optimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proven_gap: Option<f64>,
    /// With `configs` limits: the cost of the best plan without them (what the simplicity
    /// costs is the difference); absent without limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unconstrained_usd_per_hour: Option<f64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Totals {
    pub cost_usd_per_hour: f64,
    pub devices: u32,
    pub power_kw: f64,
    pub output_tokens_per_s: f64,
    pub usd_per_million_output_tokens: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PoolPlan {
    pub pool: String,
    pub device: String,
    pub devices_used: u32,
    pub max_devices: u32,
    pub cost_usd_per_hour: f64,
    pub deployments: Vec<Deployment>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Deployment {
    pub workload: String,
    pub role: Role,
    pub instances: u32,
    pub devices_per_instance: u32,
    pub tensor_parallel: u32,
    pub pipeline_stages: u32,
    pub batch: u32,
    /// Share of the deployment's capacity the workload's traffic uses (for its role).
    pub utilisation: f64,
    pub cost_usd_per_hour: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct LatencyCheck {
    pub metric: Metric,
    pub percentile: Percentile,
    pub slo_s: f64,
    /// The prediction at the load the plan gives each deployment (perf's `AtLoad`): for TTFT
    /// the slowest prompt path (queue, prefill, KV transfer, first step) and the wait for a
    /// decode slot, each at its share of the bound's miss budget, so an upper estimate of the
    /// bound's percentile; for TPOT the slowest deployment's step at its mean batch.
    pub predicted_s: f64,
    /// Share of the bound the prediction leaves unused (`1 − predicted / bound`).
    pub headroom: f64,
    pub met: bool,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct WorkloadPlan {
    pub workload: String,
    pub model: String,
    pub rate_per_s: f64,
    pub latency: Vec<LatencyCheck>,
    pub output_tokens_per_s: f64,
    pub cost_usd_per_hour: f64,
    pub usd_per_million_output_tokens: f64,
    /// Share of prompt tokens served from retained KV.
    pub kv_hit_share: f64,
    pub memory: Vec<Placement>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Placement {
    /// The pool that makes the tier.
    pub tier: String,
    pub kind: TierKind,
    pub share: f64,
    pub gb: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct TierPlan {
    pub pool: String,
    pub kind: TierKind,
    pub units: u32,
    pub capacity_gb: f64,
    pub used_gb: f64,
    pub read_gb_per_s: f64,
    pub read_capacity_gb_per_s: f64,
    pub cost_usd_per_hour: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ChosenCandidate {
    pub instances: u32,
    #[serde(flatten)]
    pub candidate: Candidate,
}

/// Assembles the plan from the solution. Pure bookkeeping: every figure is read from the graph
/// (hence from `perf`) or the solution.
pub fn plan(source: &str, spec: &Spec, g: &CandidateGraph, s: &Solution) -> Plan {
    let chosen: Vec<(&Candidate, u32)> = g
        .candidates
        .iter()
        .zip(&s.instances)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (c, *n))
        .collect();

    // Utilisation per workload and role: demand over chosen capacity.
    let mut capacity: BTreeMap<(String, &'static str), f64> = BTreeMap::new();
    for (c, n) in &chosen {
        for phase in phases(c.role) {
            *capacity.entry((c.workload.clone(), phase)).or_default() +=
                c.requests_per_s * f64::from(*n);
        }
    }
    // Of each workload's retained KV, the share some tier holds; hits then serve `reuse` of
    // its prompt tokens (reported) and save `hit_saving` of its prefill work (what prefill
    // instances are relieved of).
    // One pass over the placement, by workload and by tier (a large fleet has thousands of
    // tiers and workloads: scanning the placement for each would be quadratic).
    let mut placed_by_workload: Vec<Vec<(usize, f64)>> = vec![Vec::new(); g.demands.len()];
    let mut placed_in_tier: Vec<Vec<(usize, f64)>> = vec![Vec::new(); g.tiers.len()];
    for &(w, t, x) in &s.placement {
        if let (Some(by_w), Some(by_t)) = (placed_by_workload.get_mut(w), placed_in_tier.get_mut(t))
        {
            by_w.push((t, x));
            by_t.push((w, x));
        }
    }
    let stored: Vec<f64> = placed_by_workload
        .iter()
        .map(|placed| placed.iter().map(|(_, x)| x).sum::<f64>().min(1.0))
        .collect();
    let by_workload = |per_share: fn(&crate::graph::Demand) -> f64| -> BTreeMap<String, f64> {
        g.demands.iter().zip(&stored).map(|(d, x)| (d.workload.clone(), per_share(d) * x)).collect()
    };
    let prefill_saved = by_workload(|d| d.hit_saving);
    let hit_share = by_workload(|d| d.reuse);
    let demand_of = |workload: &str, phase: &str| -> f64 {
        let Some(w) = spec.workloads.get(workload) else { return 0.0 };
        let hit = prefill_saved.get(workload).copied().unwrap_or(0.0);
        if phase == "prefill" {
            w.rate_per_s * (1.0 - hit)
        } else {
            w.rate_per_s
        }
    };
    let utilisation = |c: &Candidate| -> f64 {
        phases(c.role)
            .iter()
            .map(|phase| {
                let cap = capacity.get(&(c.workload.clone(), *phase)).copied().unwrap_or(0.0);
                if cap > 0.0 {
                    demand_of(&c.workload, phase) / cap
                } else {
                    0.0
                }
            })
            .fold(0.0, f64::max)
    };

    let mut pools = Vec::new();
    for pool in spec.pools.values() {
        let mut deployments: Vec<Deployment> = chosen
            .iter()
            .filter(|(c, _)| c.pool == pool.name)
            .map(|(c, n)| Deployment {
                workload: c.workload.clone(),
                role: c.role,
                instances: *n,
                devices_per_instance: c.devices,
                tensor_parallel: c.tensor_parallel,
                pipeline_stages: c.pipeline_stages,
                batch: c.batch,
                utilisation: utilisation(c),
                cost_usd_per_hour: c.cost_usd_per_hour * f64::from(*n),
            })
            .collect();
        deployments.sort_by(|a, b| {
            (&a.workload, a.role, a.devices_per_instance).cmp(&(
                &b.workload,
                b.role,
                b.devices_per_instance,
            ))
        });
        let tier_units: u32 = g
            .tiers
            .iter()
            .zip(&s.tier_units)
            .filter(|(t, _)| t.pool == pool.name && matches!(t.kind, TierKind::Devices))
            .map(|(_, n)| *n)
            .sum();
        let devices_used =
            deployments.iter().map(|d| d.instances * d.devices_per_instance).sum::<u32>()
                + tier_units;
        if devices_used == 0 {
            continue;
        }
        pools.push(PoolPlan {
            pool: pool.name.clone(),
            device: pool.device.clone(),
            devices_used,
            max_devices: pool.max_devices,
            cost_usd_per_hour: f64::from(devices_used) * pool.price_usd_per_hour,
            deployments,
        });
    }

    // The chosen devices and spare KV memory by pool, and by pool and workload (in candidate
    // order, so the sums are those of `CandidateGraph::spare_hbm_bytes`).
    let mut pool_devices: BTreeMap<&str, u32> = BTreeMap::new();
    let mut workload_pool: BTreeMap<(&str, &str), (u32, f64)> = BTreeMap::new();
    for (c, n) in &chosen {
        *pool_devices.entry(c.pool.as_str()).or_default() += c.devices * n;
        let entry = workload_pool.entry((c.workload.as_str(), c.pool.as_str())).or_default();
        entry.0 += c.devices * n;
        entry.1 += c.spare_kv_bytes() * f64::from(*n);
    }
    // Each tier's stored bytes, and each workload's share of them (for the tier's cost).
    let tier_bytes: Vec<f64> = placed_in_tier
        .iter()
        .map(|placed| placed.iter().map(|(w, x)| g.demands[*w].retained_bytes * x).sum())
        .collect();
    let memory: Vec<TierPlan> = g
        .tiers
        .iter()
        .enumerate()
        .filter_map(|(t, tier)| {
            let placed = &placed_in_tier[t];
            let used = tier_bytes[t];
            let reads: f64 = placed
                .iter()
                .map(|(w, x)| g.demands[*w].rate_per_s * g.demands[*w].hit_bytes * x)
                .sum();
            let mine = tier
                .workload
                .as_deref()
                .map(|w| workload_pool.get(&(w, tier.pool.as_str())).copied().unwrap_or_default());
            let units = match (&tier.kind, mine) {
                (TierKind::Devices, _) => s.tier_units.get(t).copied().unwrap_or(0),
                (_, Some((devices, _))) => devices,
                (_, None) => pool_devices.get(tier.pool.as_str()).copied().unwrap_or(0),
            };
            let capacity = match (&tier.kind, mine) {
                (TierKind::SpareHbm, Some((_, spare))) => spare,
                (TierKind::SpareHbm, None) => 0.0,
                _ => tier.capacity_bytes_per_unit * f64::from(units),
            };
            (used > 0.0 || (matches!(tier.kind, TierKind::Devices) && units > 0)).then(|| {
                TierPlan {
                    pool: tier.pool.clone(),
                    kind: tier.kind.clone(),
                    units,
                    capacity_gb: capacity / 1e9,
                    used_gb: used / 1e9,
                    read_gb_per_s: reads / 1e9,
                    read_capacity_gb_per_s: tier.read_bytes_per_s_per_unit * f64::from(units) / 1e9,
                    cost_usd_per_hour: tier.price_usd_per_hour_per_unit * f64::from(units),
                }
            })
        })
        .collect();

    let mut chosen_by_workload: BTreeMap<&str, Vec<&(&Candidate, u32)>> = BTreeMap::new();
    for chosen in &chosen {
        chosen_by_workload.entry(chosen.0.workload.as_str()).or_default().push(chosen);
    }
    let demand_index: BTreeMap<&str, usize> =
        g.demands.iter().enumerate().map(|(w, d)| (d.workload.as_str(), w)).collect();
    let mut workloads = Vec::new();
    for w in spec.workloads.values() {
        let mine: &[&(&Candidate, u32)] =
            chosen_by_workload.get(w.name.as_str()).map_or(&[], Vec::as_slice);
        // Each deployment's latencies at the share of its capacity the plan uses (perf's
        // `AtLoad`): the slowest prompt path, plus the wait for a slot on a decode instance.
        let loaded: Vec<(Role, crate::perf::load::Loaded)> =
            mine.iter().map(|(c, _)| (c.role, c.at_load.at(utilisation(c)))).collect();
        let slowest = |roles: &[Role], f: fn(&crate::perf::load::Loaded) -> Option<f64>| {
            loaded
                .iter()
                .filter(|(r, _)| roles.contains(r))
                .filter_map(|(_, l)| f(l))
                .fold(None, |acc: Option<f64>, x| Some(acc.map_or(x, |a: f64| a.max(x))))
        };
        let ttft = slowest(&[Role::Prefill, Role::Aggregated], |l| Some(l.ttft_part_s))
            .map(|t| t + slowest(&[Role::Decode], |l| Some(l.ttft_part_s)).unwrap_or(0.0));
        let tpot = slowest(&[Role::Decode, Role::Aggregated], |l| l.tpot_s);
        let latency = w
            .slo
            .iter()
            .filter_map(|b| {
                let predicted = match b.metric {
                    Metric::Ttft => ttft?,
                    Metric::Tpot => tpot?,
                    Metric::E2e => {
                        let output = crate::perf::length_at(&w.output, b.percentile);
                        ttft? + tpot? * output
                    }
                };
                Some(LatencyCheck {
                    metric: b.metric,
                    percentile: b.percentile,
                    slo_s: b.limit_s,
                    predicted_s: predicted,
                    headroom: 1.0 - predicted / b.limit_s,
                    met: predicted <= b.limit_s * (1.0 + 1e-9),
                })
            })
            .collect();
        let index = demand_index.get(w.name.as_str()).copied();
        let placed = index.map_or(&[][..], |w| placed_by_workload[w].as_slice());
        // A tier's cost split over the workloads it holds, by bytes.
        let tier_cost: f64 = index.map_or(0.0, |pw| {
            placed
                .iter()
                .filter(|(t, _)| tier_bytes[*t] > 0.0)
                .map(|&(t, x)| {
                    let units = f64::from(s.tier_units.get(t).copied().unwrap_or(0));
                    let mine = g.demands[pw].retained_bytes * x;
                    g.tiers[t].price_usd_per_hour_per_unit * units * mine / tier_bytes[t]
                })
                .sum()
        });
        let cost: f64 =
            mine.iter().map(|(c, n)| c.cost_usd_per_hour * f64::from(*n)).sum::<f64>() + tier_cost;
        let tokens = w.rate_per_s * w.output_tokens;
        let placements = index
            .map(|pw| {
                placed
                    .iter()
                    .map(|&(t, x)| Placement {
                        tier: g.tiers[t].pool.clone(),
                        kind: g.tiers[t].kind.clone(),
                        share: x,
                        gb: g.demands[pw].retained_bytes * x / 1e9,
                    })
                    .collect()
            })
            .unwrap_or_default();
        workloads.push(WorkloadPlan {
            workload: w.name.clone(),
            model: w.model.clone(),
            rate_per_s: w.rate_per_s,
            latency,
            output_tokens_per_s: tokens,
            cost_usd_per_hour: cost,
            usd_per_million_output_tokens: per_million(cost, tokens),
            kv_hit_share: hit_share.get(&w.name).copied().unwrap_or(0.0),
            memory: placements,
        });
    }

    let devices = pools.iter().map(|p| p.devices_used).sum();
    let cost = s.objective_usd_per_hour;
    let power: f64 =
        pools.iter().map(|p| spec.pool_power_watts(&p.pool) * f64::from(p.devices_used)).sum();
    let tokens: f64 = spec.workloads.values().map(|w| w.rate_per_s * w.output_tokens).sum();
    Plan {
        schema_version: SCHEMA_VERSION,
        source: source.to_string(),
        solver: SolverReport {
            options: s.options,
            status: s.status,
            objective_usd_per_hour: cost,
            lower_bound_usd_per_hour: s.lower_bound_usd_per_hour,
            proven_gap: s.proven_gap,
            unconstrained_usd_per_hour: s.unconstrained_usd_per_hour,
        },
        totals: Totals {
            cost_usd_per_hour: cost,
            devices,
            power_kw: power / 1e3,
            output_tokens_per_s: tokens,
            usd_per_million_output_tokens: per_million(cost, tokens),
        },
        pools,
        workloads,
        memory,
        candidates: g
            .candidates
            .iter()
            .zip(&s.instances)
            .map(|(c, n)| ChosenCandidate { instances: *n, candidate: c.clone() })
            .collect(),
        calibration: super::fits(spec),
        throughput: None,
    }
}

fn phases(role: Role) -> &'static [&'static str] {
    match role {
        Role::Prefill => &["prefill"],
        Role::Decode => &["decode"],
        Role::Aggregated => &["prefill", "decode"],
    }
}

fn per_million(cost_per_hour: f64, tokens_per_s: f64) -> f64 {
    if tokens_per_s > 0.0 {
        cost_per_hour / (tokens_per_s * 3600.0) * 1e6
    } else {
        0.0
    }
}
