//! Candidates: one workload's model on one pool's device, at one size and in one role, with
//! everything the planner needs (capacity, latency at the SLO, cost) and the derivation that
//! `fleetplan explain` shows.

use serde::Serialize;

use super::aggregated::aggregated;
use super::calibration::SCHEDULER_MAX_BATCH;
pub use super::enumerate::{candidates, candidates_on, sizes};
use super::estimate::mean_context;
use super::instance::{max_batch_within, Bound, Instance};
use super::load::AtLoad;
pub use super::servers::{
    prefill_side, ttft_split, NicQueue, ServerPool, TtftSplit, ADMISSION_MEAN_SHARE,
    ADMISSION_SHARE,
};
use super::{model, queue};
use crate::spec::{Lengths, Metric, Model, Percentile, Pool, SloBound, Workload};

/// The part of serving a candidate instance does.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Prompts only; KV goes to decode instances over the network.
    Prefill,
    /// Output tokens only, from KV made elsewhere.
    Decode,
    /// Both on one instance (chunked prefill mixed into decode steps).
    Aggregated,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Prefill, Role::Decode, Role::Aggregated];

    pub fn name(self) -> &'static str {
        match self {
            Role::Prefill => "prefill",
            Role::Decode => "decode",
            Role::Aggregated => "aggregated",
        }
    }
}

/// Utilisation a prefill queue is planned at when the workload has no TTFT bound: headroom for
/// bursts, as capacity planners use for any queue without a latency target.
pub const DEFAULT_MAX_UTILISATION: f64 = 0.8;

/// No queue is planned busier than this, whatever the SLO allows: the tail approximation is
/// poor near saturation, and a few percent more traffic than planned would make it unstable.
pub const MAX_PLANNED_UTILISATION: f64 = 0.95;

/// A candidate that can serve its role within the SLOs.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub workload: String,
    pub pool: String,
    pub role: Role,
    pub devices: u32,
    pub tensor_parallel: u32,
    pub pipeline_stages: u32,
    /// Decode batch (decode, aggregated).
    pub batch: u32,
    /// Requests per second one instance serves within the SLOs.
    pub requests_per_s: f64,
    /// Output tokens per second (decode, aggregated) or prompt tokens per second (prefill).
    pub tokens_per_s: f64,
    /// Predicted latencies at the SLO percentiles, in seconds.
    pub ttft_s: Option<f64>,
    pub tpot_s: Option<f64>,
    pub cost_usd_per_hour: f64,
    /// Dollars per million tokens of its role (prompt tokens for prefill, output otherwise).
    pub usd_per_million_tokens: f64,
    pub derivation: Derivation,
    /// Its latencies below capacity, for the report's predictions at the planned load.
    #[serde(skip)]
    pub at_load: AtLoad,
}

impl Candidate {
    /// Bytes of retained KV one instance can hold in its spare HBM.
    pub fn spare_kv_bytes(&self) -> f64 {
        self.derivation.spare_kv_gb.unwrap_or(0.0) * 1e9
    }
}

/// The intermediate figures, for `explain`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Derivation {
    pub weight_gb_per_device: f64,
    pub kv_capacity_gb: f64,
    pub max_batch_by_memory: u32,
    pub step_s: Option<f64>,
    pub step_bound: Option<Bound>,
    /// Aggregated: the step budget `T` that decode and prompt chunks share (perf (7)).
    pub step_budget_s: Option<f64>,
    /// Aggregated: the most sequences a step may decode (an engine's `max_num_seqs`), the
    /// largest batch that meets the bounds unloaded. The planned batch (`batch`) is the mean at
    /// capacity; the room above it lets a burst of prefilled prompts join the batch (which
    /// then slows the prompts behind them) instead of waiting for a slot (perf (7)).
    pub batch_limit: Option<u32>,
    /// Prefill of the prompt at the TTFT bound's percentile; aggregated: its chunked prefill
    /// `S_eff(I_p)`, spread over the steps.
    pub prefill_s: Option<f64>,
    pub queue_wait_s: Option<f64>,
    pub kv_transfer_s: Option<f64>,
    pub utilisation: Option<f64>,
    /// Prefill and aggregated, for a workload with retained sessions: the mean prefill time of
    /// a hit (a prompt's new tokens after its reused ones) over a whole prompt's.
    /// More than the FLOPs' ratio where the hit's few new tokens are bound by reading the
    /// weights (perf (4) after (10)).
    pub hit_cost_share: Option<f64>,
    /// Decode and aggregated: the probability that a prefilled request waits for a decode slot
    /// at the planned utilisation of the slots ([`ServerPool::admission_utilisation`]).
    pub slot_wait_probability: Option<f64>,
    /// KV memory of the instance its own sequences never use: the capacity less the KV of the
    /// most sequences it admits (a prefill instance: one prompt; decode: its batch; aggregated:
    /// its batch limit). Retained sessions may live there (the spare-HBM tier).
    pub spare_kv_gb: Option<f64>,
}

impl Derivation {
    /// The memory figures of an instance, before its role's figures are derived.
    pub fn of_memory(weight_gb_per_device: f64, kv_capacity_gb: f64, max_batch: u32) -> Self {
        Derivation {
            weight_gb_per_device,
            kv_capacity_gb,
            max_batch_by_memory: max_batch,
            step_s: None,
            step_bound: None,
            step_budget_s: None,
            batch_limit: None,
            prefill_s: None,
            queue_wait_s: None,
            kv_transfer_s: None,
            utilisation: None,
            slot_wait_probability: None,
            hit_cost_share: None,
            spare_kv_gb: None,
        }
    }
}

/// Why a size and role cannot serve the workload.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Rejected {
    pub workload: String,
    pub pool: String,
    pub role: Role,
    pub devices: u32,
    pub reason: String,
    /// The best latency it reaches for the bound it misses, in seconds.
    pub best_s: Option<f64>,
    pub metric: Option<Metric>,
}

/// The length of a request at a bound's percentile: the `p`-quantile of `lengths`, or its mean
/// for a bound on the mean.
pub fn length_at(lengths: &Lengths, percentile: Percentile) -> f64 {
    match percentile {
        Percentile::Mean => lengths.mean(),
        Percentile::P(p) => lengths.quantile(p / 100.0),
    }
}

/// Tokens of KV one sequence of a decode batch holds, averaged over its time in the batch:
/// engines reserve the whole sequence (prompt and output) when they admit it, and a sequence
/// stays as many steps as it has output tokens, so the time average is
/// `E[I] + E[O²]/E[O]` (the prompt and output lengths independent). For fixed lengths it is
/// `I + O`.
pub fn kv_tokens(workload: &Workload) -> f64 {
    workload.input.mean() + workload.output.length_biased_mean()
}

/// Mean context of the sequences of a decode batch at a step: `E[I] + E[O²]/(2E[O])` (for
/// fixed lengths `I + O/2`, as [`mean_context`] gives).
pub fn batch_context(workload: &Workload) -> f64 {
    mean_context(workload.input.mean(), workload.output.length_biased_mean())
}

/// The mean context of a full batch of `batch` sequences at a TPOT bound's percentile: the
/// batch's mean context is an average over its sequences, near [`batch_context`] with the
/// standard deviation `σ_c/√B` (the central limit theorem), where `σ_c²` is the variance of one
/// sequence's context, `Var[I] + Var[O]/4 + E[O]²/12` (its prompt, and its progress through an
/// output uniform over `[0, O]`). A step at the mean context meets the bound only half the time
/// a batch is full; at the `p`-quantile of the mean context, `p` of the time. `Mean` and
/// percentiles below the median take the mean.
pub fn batch_context_at(workload: &Workload, batch: u32, percentile: Percentile) -> f64 {
    let Some(z) = z_above_median(percentile) else { return batch_context(workload) };
    let (input, output) = (&workload.input, &workload.output);
    let variance = input.scv() * input.mean().powi(2)
        + output.scv() * output.mean().powi(2) / 4.0
        + output.mean().powi(2) / 12.0;
    batch_context(workload) + z * (variance / f64::from(batch.max(1))).sqrt()
}

/// How many standard deviations a normal's quantile at `percentile` lies above its mean, for
/// a percentile above the median (`None` for the mean and for the median or below).
pub(super) fn z_above_median(percentile: Percentile) -> Option<f64> {
    match percentile {
        Percentile::P(p) if p > 50.0 => Some(crate::traffic::inverse_normal_cdf(p / 100.0)),
        _ => None,
    }
}

/// A tall sequence, which one instance must hold alone: the 99th percentiles of the prompt and
/// output lengths (for fixed lengths, `I + O`).
pub fn longest_tokens(workload: &Workload) -> f64 {
    workload.input.quantile(LONGEST_QUANTILE) + workload.output.quantile(LONGEST_QUANTILE)
}

/// The quantile of the lengths that one instance must fit alone.
pub const LONGEST_QUANTILE: f64 = 0.99;

/// Service times of a prefill queue whose prompts have the workload's lengths.
#[derive(Clone, Copy, Debug)]
pub struct PrefillService {
    /// `E[S]`.
    pub mean_s: f64,
    /// `cs² = Var[S] / E[S]²`.
    pub scv: f64,
}

/// Points of the length distribution [`prefill_service`] averages over.
const SERVICE_POINTS: u32 = 64;

/// (6a) Moments of the prefill time `S(L)` (from `time`) over the prompt lengths: `E[S]` and
/// `E[S²]` by the midpoint rule in probability (the lengths at the quantiles `(k + ½)/K`,
/// `K =` [`SERVICE_POINTS`], the last bin halved down to 2⁻³⁰ for long tails), and
/// `cs² = E[S²]/E[S]² − 1`. `S` is
/// convex in the length where a floor (the layer latency of SRAM parts, the weight reads of a
/// short prompt) gives way to compute, so `S(E[L])` would understate the mean. One prompt
/// length gives `E[S] = S(L)` and `cs² = 0` exactly.
pub fn prefill_service(input: &Lengths, time: impl Fn(f64) -> f64) -> PrefillService {
    if let Lengths::Fixed { tokens } = input {
        return PrefillService { mean_s: time(*tokens), scv: 0.0 };
    }
    let (mut first, mut second, mut weight) = (0.0, 0.0, 0.0);
    let mut add = |low: f64, width: f64| {
        let t = time(input.quantile(low + width / 2.0).max(1.0));
        first += width * t;
        second += width * t * t;
        weight += width;
    };
    let width = 1.0 / f64::from(SERVICE_POINTS);
    for k in 0..SERVICE_POINTS - 1 {
        add(f64::from(k) * width, width);
    }
    // The last bin holds the long tail: halve it again and again, down to 2⁻³⁰.
    let (mut low, mut rest) = (1.0 - width, width);
    while rest > 1e-9 {
        add(low, rest / 2.0);
        low += rest / 2.0;
        rest /= 2.0;
    }
    let (mean_s, second) = (first / weight, second / weight);
    if mean_s <= 0.0 || !mean_s.is_finite() {
        return PrefillService { mean_s, scv: 0.0 };
    }
    PrefillService { mean_s, scv: (second / (mean_s * mean_s) - 1.0).max(0.0) }
}

/// The tightest bound a candidate is held to for `metric`. An end-to-end bound is split evenly
/// between the first token and the output: `TTFT ≤ e2e/2` and `O_p × TPOT ≤ e2e/2`, with `O_p`
/// the output length at the bound's percentile, so a plan that meets both meets the end-to-end
/// bound by construction.
pub fn bound(workload: &Workload, metric: Metric) -> Option<SloBound> {
    let direct = workload.slo.iter().filter(|b| b.metric == metric).cloned();
    let from_e2e = workload.slo.iter().filter(|b| b.metric == Metric::E2e).map(|b| {
        let share = match metric {
            Metric::Ttft => b.limit_s / 2.0,
            _ => b.limit_s / 2.0 / length_at(&workload.output, b.percentile).max(1.0),
        };
        SloBound { metric, percentile: b.percentile, limit_s: share, span: b.span }
    });
    direct.chain(from_e2e).min_by(|a, b| a.limit_s.total_cmp(&b.limit_s))
}

/// One size and role; `hit_share` is its `hit_cost_share` (for the NIC's transfers).
pub(super) fn evaluate(
    workload: &Workload,
    pool: &Pool,
    instance: &Instance<'_>,
    role: Role,
    hit_share: Option<f64>,
) -> Result<Candidate, Rejected> {
    let devices = instance.devices();
    let reject = |reason: String, best_s: Option<f64>, metric: Option<Metric>| Rejected {
        workload: workload.name.clone(),
        pool: pool.name.clone(),
        role,
        devices,
        reason,
        best_s,
        metric,
    };
    let memory = instance.memory();
    let (input, output) = (workload.input_tokens, workload.output_tokens);
    let context = batch_context(workload);
    let longest = longest_tokens(workload);
    let max_batch = if instance.max_batch(longest) == 0 {
        0
    } else {
        instance.max_batch(kv_tokens(workload)).min(SCHEDULER_MAX_BATCH)
    };
    if instance.peak_flops().is_none() {
        return Err(reject(
            format!("`{}` has no compute for {}", instance.device.name, instance.weights.name()),
            None,
            None,
        ));
    }
    if !instance.can_split() {
        return Err(reject(
            format!(
                "`{}` has no link or NIC to split the model across devices",
                instance.device.name
            ),
            None,
            None,
        ));
    }
    if !memory.fits() {
        return Err(reject(
            format!(
                "does not fit: weights need {:.1} GB per device, the device has {:.1} GB",
                memory.weight_bytes_per_device / 1e9,
                memory.usable_bytes_per_device / 1e9
            ),
            None,
            None,
        ));
    }
    if max_batch == 0 {
        return Err(reject(
            format!(
                "does not fit: {:.1} GB left after the weights, one sequence of {:.0} tokens needs {:.1} GB",
                memory.kv_capacity_bytes / 1e9,
                longest,
                model::kv_bytes(instance.model, instance.kv, longest) / 1e9
            ),
            None,
            None,
        ));
    }
    let tpot = bound(workload, Metric::Tpot);
    let tpot = tpot.as_ref();
    let ttft = bound(workload, Metric::Ttft);
    let ttft = ttft.as_ref();
    let cost = f64::from(devices) * pool.price_usd_per_hour;
    let mut derivation = Derivation::of_memory(
        memory.weight_bytes_per_device / 1e9,
        memory.kv_capacity_bytes / 1e9,
        max_batch,
    );
    let prefill = instance.prefill(input);
    let nic =
        f64::from(devices) * instance.device.nic_bandwidth_bytes_per_s.unwrap_or(f64::INFINITY);
    let kv_transfer_of = |tokens: f64| model::kv_bytes(instance.model, instance.kv, tokens) / nic;
    let service = prefill_service(&workload.input, |tokens| instance.prefill(tokens).time_s);
    let variability =
        queue::Variability { arrivals_scv: workload.arrivals.scv(), service_scv: service.scv };
    match role {
        Role::Decode => {
            let (batch, step) = match tpot {
                Some(b) => match max_batch_within(
                    instance,
                    max_batch,
                    |batch| batch_context_at(workload, batch, b.percentile),
                    b.limit_s,
                ) {
                    Some(found) => found,
                    None => {
                        let best = instance.decode_step(1.0, context).time_s;
                        return Err(reject(
                            format!("one sequence takes {:.2} ms per token", best * 1e3),
                            Some(best),
                            Some(Metric::Tpot),
                        ));
                    }
                },
                None => (max_batch, instance.decode_step(f64::from(max_batch), context)),
            };
            derivation.step_s = Some(step.time_s);
            derivation.step_bound = Some(step.bound);
            // Each sequence holds a slot for its output, O steps; the slots are planned busy
            // only as far as the wait for one stays within the TTFT bound.
            let slots = ServerPool::decode_slots(workload, batch, output * step.time_s, true);
            let rho = slots.admission_utilisation(ttft);
            derivation.utilisation = Some(rho);
            derivation.slot_wait_probability = Some(slots.wait_probability(rho));
            let tokens = rho * f64::from(batch) / step.time_s;
            let at_load = AtLoad::Decode {
                slots,
                rho_max: rho,
                admission: ttft.map_or(Percentile::Mean, |b| ttft_split(b).admission_percentile),
                batch,
                step_one_s: instance.decode_step(1.0, context).time_s,
                step_batch_s: step.time_s,
            };
            Ok(Candidate {
                workload: workload.name.clone(),
                pool: pool.name.clone(),
                role,
                devices,
                tensor_parallel: instance.tp,
                pipeline_stages: instance.pp,
                batch,
                requests_per_s: tokens / output,
                tokens_per_s: tokens,
                ttft_s: None,
                tpot_s: Some(step.time_s),
                cost_usd_per_hour: cost,
                usd_per_million_tokens: per_million(cost, tokens),
                derivation,
                at_load,
            })
        }
        Role::Prefill => {
            let ttft = ttft.map(prefill_side);
            let ttft = ttft.as_ref();
            let percentile = ttft.map_or(Percentile::Mean, |b| b.percentile);
            // The request the bound is checked for has the prompt length at its percentile.
            let tokens = length_at(&workload.input, percentile);
            let (mean_service, service) = if tokens == input {
                (prefill.time_s, prefill.time_s)
            } else {
                (service.mean_s, instance.prefill(tokens).time_s)
            };
            // The first token also waits for the KV transfer and one decode step.
            let first_step =
                first_token_step(instance, tpot, percentile, tokens, (max_batch, context));
            let kv_transfer = kv_transfer_of(tokens);
            let fixed = kv_transfer + first_step;
            let servers = ServerPool {
                per_instance: 1,
                mean_service_s: mean_service,
                pooled_load: prefill_rate(workload, instance.model) * mean_service,
                variability,
            };
            let nic = NicQueue::new(workload, hit_share, mean_service, &kv_transfer_of);
            let within = |rho: f64, b: &SloBound| {
                servers.wait(rho, b.percentile) + nic.wait(rho, b.percentile) + service + fixed
                    <= b.limit_s
            };
            let rho = match ttft {
                Some(b) => match queue::highest_utilisation(|rho| within(rho, b)) {
                    Some(rho) => rho.min(MAX_PLANNED_UTILISATION),
                    None => {
                        let best = service + fixed;
                        return Err(reject(
                            format!(
                                "an idle instance needs {:.0} ms for the first token",
                                best * 1e3
                            ),
                            Some(best),
                            Some(Metric::Ttft),
                        ));
                    }
                },
                // No bound: the prefill server and the NIC each at most at the default.
                None => DEFAULT_MAX_UTILISATION.min(DEFAULT_MAX_UTILISATION / nic.load_per_rho),
            };
            let wait = servers.wait(rho, percentile) + nic.wait(rho, percentile);
            derivation.prefill_s = Some(service);
            derivation.queue_wait_s = Some(wait);
            derivation.kv_transfer_s = Some(kv_transfer);
            derivation.utilisation = Some(rho);
            let requests = rho / mean_service;
            Ok(Candidate {
                workload: workload.name.clone(),
                pool: pool.name.clone(),
                role,
                devices,
                tensor_parallel: instance.tp,
                pipeline_stages: instance.pp,
                batch: 1,
                requests_per_s: requests,
                tokens_per_s: requests * input,
                ttft_s: Some(wait + service + fixed),
                tpot_s: None,
                cost_usd_per_hour: cost,
                usd_per_million_tokens: per_million(cost, requests * input),
                derivation,
                at_load: AtLoad::Prefill {
                    servers,
                    nic,
                    rho_max: rho,
                    percentile,
                    service_s: service,
                    fixed_s: fixed,
                },
            })
        }
        Role::Aggregated => {
            let bounds = (tpot, ttft);
            aggregated(
                workload, pool, instance, derivation, cost, max_batch, bounds, hit_share, reject,
            )
        }
    }
}

/// Requests per second of whole-prompt prefill work the workload brings at the least: its
/// rate, less the prefill that KV hits save if every session is retained
/// (`perf::memory::hit_saving`). Pooling the prefill queue over this fewest work is
/// conservative: fewer servers wait more.
fn prefill_rate(workload: &Workload, model: &Model) -> f64 {
    let saving = workload
        .memory
        .as_ref()
        .map_or(0.0, |m| super::memory::hit_saving(model, workload.input_tokens, m.reuse));
    workload.rate_per_s * (1.0 - saving)
}

/// The time from a sequence's arrival at a decode instance to its first token: the rest of
/// the step under way and the step it joins. Each takes at most the TPOT bound's limit `T`
/// (every decode candidate meets it); the rest of a step is uniform on `[0, T]`, so at the
/// prefill side's percentile `p` it is `p·T` (the mean `T/2`). Without a TPOT bound a decode
/// step may be as long as a full batch's: `T` is then this device's step at the largest
/// batch it holds (`max_batch` at context `context`), an upper bound where decode runs on the
/// same device.
fn first_token_step(
    instance: &Instance<'_>,
    tpot: Option<&SloBound>,
    percentile: Percentile,
    tokens: f64,
    (max_batch, context): (u32, f64),
) -> f64 {
    let alone = instance.decode_step(1.0, tokens).time_s;
    let longest = match tpot {
        Some(t) => t.limit_s,
        None => instance.decode_step(f64::from(max_batch.max(1)), context).time_s,
    };
    let rest = match percentile {
        Percentile::Mean => 0.5,
        Percentile::P(p) => p / 100.0,
    };
    alone.max(longest * (1.0 + rest))
}

pub(super) fn per_million(cost_per_hour: f64, tokens_per_s: f64) -> f64 {
    if tokens_per_s > 0.0 {
        cost_per_hour / (tokens_per_s * 3600.0) * 1e6
    } else {
        f64::INFINITY
    }
}

/// The candidates of one workload on each pool.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Explanation {
    /// [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    pub workload: String,
    pub model: String,
    pub pools: Vec<PoolExplanation>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PoolExplanation {
    pub pool: String,
    pub device: String,
    /// The device's calibration and where each value comes from.
    pub calibration: super::calibration::Calibration,
    pub candidates: Vec<Candidate>,
    pub rejected: Vec<Rejected>,
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::load::Root;
    use crate::spec::{Arrivals, Spec};

    /// examples/chat.fleet, checked (the perf tests' fixture).
    pub(in crate::perf) fn spec() -> Spec {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/chat.fleet"))
                .unwrap_or_default();
        match crate::compile(Root::Text { name: "chat.fleet".into(), text }).map(|c| c.result) {
            Ok(Ok(spec)) => spec,
            _ => panic!("examples/chat.fleet does not compile"),
        }
    }

    fn prefill_capacity(spec: &Spec, w: &Workload) -> f64 {
        let (pool, model) = (&spec.pools["gpu"], &spec.models[&w.model]);
        let (found, _) = candidates(w, model, pool, &spec.devices[&pool.device]);
        found
            .iter()
            .filter(|c| c.role == Role::Prefill)
            .map(|c| c.requests_per_s / f64::from(c.devices))
            .fold(0.0, f64::max)
    }

    #[test]
    fn affine_service_moments_by_hand() {
        // S(L) = 0.01 + 0.001 L over uniform(1000, 3000): E[S] = 2.01, Var[S] = 1e-6 · 1e6/3.
        let u = Lengths::Uniform { low: 1000.0, high: 3000.0 };
        let s = prefill_service(&u, |l| 0.01 + 0.001 * l);
        assert!((s.mean_s - 2.01).abs() < 1e-6);
        // The midpoint rule's variance is short by the factor 1 − 1/K².
        let scv = (1.0 / 3.0) / (2.01 * 2.01);
        assert!((s.scv - scv).abs() < 1e-3 * scv, "{}", s.scv);
        assert_eq!(prefill_service(&Lengths::fixed(2000.0), |l| l * l).scv, 0.0);
    }

    #[test]
    fn convex_service_is_averaged_not_taken_at_the_mean() {
        // A floor of 1 s until 1,000 tokens, then 1 s per 1,000 tokens: over lognormal lengths
        // with median 1,000 the mean is well above S(E[L]). Oracle: the closed form
        // E[max(1, L/1000)] = P(L ≤ 1000) + E[L/1000; L > 1000] for a lognormal,
        // = Φ(−μ'/σ)... with μ' = ln 1000 − μ = 0: ½ + e^{σ²/2}·Φ(σ)·(median/1000).
        let sigma: f64 = 0.9;
        let lengths = Lengths::Lognormal { mean: 1000.0 * (sigma * sigma / 2.0).exp(), cv: 0.0 };
        let lengths = match lengths {
            Lengths::Lognormal { mean, .. } => {
                Lengths::Lognormal { mean, cv: ((sigma * sigma).exp() - 1.0).sqrt() }
            }
            other => other,
        };
        let s = prefill_service(&lengths, |l| (l / 1000.0).max(1.0));
        let exact = 0.5 + (sigma * sigma / 2.0).exp() * queue::normal_cdf(sigma);
        assert!((s.mean_s - exact).abs() < 0.01 * exact, "{} {exact}", s.mean_s);
        assert!(s.mean_s > (lengths.mean() / 1000.0) * 1.05);
    }

    #[test]
    fn variability_costs_prefill_capacity() {
        let spec = spec();
        let fixed = spec.workloads["chat"].clone();
        let base = prefill_capacity(&spec, &fixed);
        let bursty = Workload { arrivals: Arrivals::Gamma { cv: 2.0 }, ..fixed.clone() };
        let spread = Workload { input: Lengths::Lognormal { mean: 2000.0, cv: 1.0 }, ..fixed };
        let (b, s) = (prefill_capacity(&spec, &bursty), prefill_capacity(&spec, &spread));
        assert!(base > 0.0 && b < base && s < base, "{base} {b} {s}");
        // cv = 1 gamma arrivals are Poisson.
        let poisson_again = Workload { arrivals: Arrivals::Gamma { cv: 1.0 }, ..bursty };
        assert_eq!(prefill_capacity(&spec, &poisson_again), base);
    }

    #[test]
    fn fixed_lengths_keep_the_fixed_figures() {
        let w = &spec().workloads["chat"];
        assert_eq!(kv_tokens(w), w.input_tokens + w.output_tokens);
        assert_eq!(longest_tokens(w), w.input_tokens + w.output_tokens);
        assert_eq!(batch_context(w), mean_context(w.input_tokens, w.output_tokens));
        assert_eq!(length_at(&w.input, Percentile::P(99.0)), w.input_tokens);
    }

    #[test]
    fn at_capacity_the_load_model_gives_the_candidates_own_ttft() {
        // The report's predictions (perf::load) are the candidates' formulas: at full load they
        // return the TTFT each candidate was sized at, for fixed and spread lengths, Poisson
        // and bursty arrivals, and bounds from the median to p99.
        let spec = spec();
        let base = spec.workloads["chat"].clone();
        let (pool, model) = (&spec.pools["gpu"], &spec.models[&base.model]);
        let device = &spec.devices[&pool.device];
        let variants = [
            base.clone(),
            Workload { arrivals: Arrivals::Gamma { cv: 2.5 }, ..base.clone() },
            Workload { input: Lengths::Lognormal { mean: 2000.0, cv: 1.0 }, ..base.clone() },
        ];
        let mut checked = 0;
        for w in variants {
            for p in [50.0, 90.0, 99.0] {
                let mut w = w.clone();
                for b in &mut w.slo {
                    b.percentile = Percentile::P(p);
                }
                let (found, _) = candidates(&w, model, pool, device);
                for c in found.iter().filter(|c| c.role != Role::Decode) {
                    let Some(ttft) = c.ttft_s else { continue };
                    let loaded = c.at_load.at(1.0).ttft_part_s;
                    assert!((loaded - ttft).abs() <= 1e-9 * ttft, "{:?}: {loaded} {ttft}", c.role);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 20, "{checked}");
    }
}
