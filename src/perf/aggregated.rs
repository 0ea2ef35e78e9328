//! (7) Aggregated serving: chunked prefill inside the decode steps. Split from `candidate`
//! because it is the one role with its own queueing model (docs/perf-model.md (7)).

use super::candidate::{
    batch_context, length_at, per_million, prefill_service, prefill_side, z_above_median,
    Candidate, Derivation, NicQueue, Rejected, Role, ServerPool, DEFAULT_MAX_UTILISATION,
    MAX_PLANNED_UTILISATION,
};
use super::instance::Instance;
use super::load::AtLoad;
use super::queue;
use crate::spec::{Metric, Percentile, Pool, SloBound, Workload};

/// (7) Aggregated serving: chunked prefill inside the decode steps (docs/perf-model.md (7)).
///
/// The engine caps a step at the budget `T` (the TPOT bound, so every step and hence every
/// sequence's TPOT is within it at any percentile; without a TPOT bound one mean prompt's
/// prefill work beside the decode step, `T = t_step(B) + E[t_pf]`). A step decodes the batch in
/// `t_step(B)` and fills the rest, `T − t_step(B)`, with prompt chunks, first come first
/// served. `t_pf(L)` is the compute and communication of a prompt's prefill (what its chunks add
/// to the steps). A prompt therefore progresses at the share `φ = (T − t_step(B))/T` of wall
/// time: it is served in `S_eff(L) = t_pf(L)/φ` by a GI/G/1 prefill server at
/// `ρ = λ·E[S_eff]`. Then
///
/// ```text
/// TTFT_p   = w_p(E[S_eff], ρ) + S_eff(I_p) + t_step(B) + ρ·(T − t_step(B))
/// TPOT     = t_step(B) / (1 − λ·E[t_pf])                       (≤ t_step + ρ(T − t_step) ≤ T)
/// λ(B)     = min(B / (O·t_step(B) + B·E[t_pf]),  ρ_max(B) / E[S_eff])
/// ```
///
/// with `ρ_max` the highest utilisation meeting the TTFT bound (at most
/// [`MAX_PLANNED_UTILISATION`]; [`DEFAULT_MAX_UTILISATION`] without a bound). The decode side
/// of `λ` grows with `B` and the prefill side shrinks (the decode part of a step leaves less
/// room for prompts), so the batch is the one where they cross, among the batches that meet
/// the TTFT bound at all.
#[allow(clippy::too_many_arguments)]
pub(super) fn aggregated(
    workload: &Workload,
    pool: &Pool,
    instance: &Instance<'_>,
    mut derivation: Derivation,
    cost: f64,
    max_batch: u32,
    (tpot, ttft): (Option<&SloBound>, Option<&SloBound>),
    hit_share: Option<f64>,
    reject: impl Fn(String, Option<f64>, Option<Metric>) -> Rejected,
) -> Result<Candidate, Rejected> {
    let output = workload.output_tokens;
    let context = batch_context(workload);
    // The prompts are held to the prefill side of the TTFT bound; the wait for a slot in the
    // batch to its admission share (below).
    let whole_ttft = ttft;
    let ttft = ttft.map(prefill_side);
    let ttft = ttft.as_ref();
    let percentile = ttft.map_or(Percentile::Mean, |t| t.percentile);
    let tokens = length_at(&workload.input, percentile);
    let work = |l: f64| {
        let p = instance.prefill(l);
        p.compute_s + p.communication_s
    };
    // E[t_pf] and cs² of the prefill work (cs² is that of S_eff too: φ only scales it).
    let service = prefill_service(&workload.input, work);
    let variability =
        queue::Variability { arrivals_scv: workload.arrivals.scv(), service_scv: service.scv };
    let mean_work = service.mean_s;
    // The prompt the TTFT bound is checked for (at its percentile).
    let work_p = if tokens == workload.input_tokens { mean_work } else { work(tokens) };
    let at = |b: u32| {
        Chunked::at(
            instance,
            b,
            context,
            output,
            tpot,
            ttft,
            percentile,
            mean_work,
            work_p,
            variability,
        )
    };
    let first = at(1);
    if !first.meets_bounds_unloaded() {
        let (metric, best) = if first.budget <= first.step.time_s {
            (Metric::Tpot, first.step.time_s)
        } else {
            (Metric::Ttft, first.ttft(0.0, percentile, variability))
        };
        return Err(reject(
            format!("even one sequence misses {}: {:.2} ms", metric.name(), best * 1e3),
            Some(best),
            Some(metric),
        ));
    }
    // The largest batch that meets the bounds at all (at no load)...
    let (mut good, mut bad) = (1u32, max_batch.saturating_add(1));
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if at(mid).meets_bounds_unloaded() {
            good = mid;
        } else {
            bad = mid;
        }
    }
    let largest = good;
    // ...and below it the last batch whose decode side is not above its prefill side; it or
    // the next one serves the most requests.
    let (mut low, mut high) = (0u32, largest.saturating_add(1));
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if at(mid).prefill_keeps_up() {
            low = mid;
        } else {
            high = mid;
        }
    }
    let chosen = [low, low.saturating_add(1)]
        .into_iter()
        .filter(|&b| b >= 1 && b <= largest)
        .map(at)
        .reduce(|a, b| if b.rate() > a.rate() { b } else { a })
        .unwrap_or(first);
    // A prefilled prompt decodes in its own instance's batch, up to the batch limit: the
    // slots of one instance, each held for `O` steps. A step lasts `TPOT = t_step/(1 − λ·E[t_pf])`
    // on average, at most `T`; at the highest rate the batch allows (`chosen.rate()`, above any
    // rate planned here) it is longest, so the holding time taken there bounds it. (Taking `T`
    // itself under-counted the slots' capacity wherever the batch limit binds and prompts are
    // short: MLPerf server runs of Llama-2-70B on B200 at 2.3× the planned rate.)
    let longest_step =
        (chosen.step.time_s / (1.0 - chosen.rate() * mean_work).max(1e-9)).min(chosen.budget);
    let slots = ServerPool::decode_slots(workload, largest, output * longest_step, false);
    let slot_capacity = f64::from(largest) / slots.mean_service_s;
    let requests = chosen.rate().min(slots.admission_utilisation(whole_ttft) * slot_capacity);
    // A prompt prefilled here may decode on a decode instance of the workload (the plan can
    // cover its decode with both, and the router splits by capacity): its KV then leaves over
    // this instance's NICs, one transfer after another. The rate is held where, were every
    // prompt sent, the NIC's wait and the transfer would keep the TTFT within the bound
    // (`NicQueue` at `λ` requests per second). With retained sessions a hit's prefill is
    // cheap but its whole KV is sent, so the NIC can bind first.
    let transfer_of = |tokens: f64| instance.kv_transfer_s(tokens);
    let nic = NicQueue::new(workload, hit_share, 1.0, &transfer_of);
    let sent = |lambda: f64| {
        chosen.ttft(lambda * chosen.mean_eff, percentile, variability)
            + nic.wait(lambda, percentile)
            + transfer_of(tokens)
    };
    let requests = match ttft {
        Some(b) if sent(requests) > b.limit_s => {
            queue::highest_utilisation(|u| sent(u * requests) <= b.limit_s)
                .map_or(requests, |u| u * requests)
        }
        Some(_) => requests,
        None if nic.load_per_rho > 0.0 => requests.min(DEFAULT_MAX_UTILISATION / nic.load_per_rho),
        None => requests,
    };
    derivation.slot_wait_probability = Some(slots.wait_probability(requests / slot_capacity));
    let rho = requests * chosen.mean_eff;
    let t_tft = chosen.ttft(rho, percentile, variability);
    let t_pot = chosen.step.time_s / (1.0 - requests * mean_work);
    derivation.step_s = Some(chosen.step.time_s);
    derivation.step_bound = Some(chosen.step.bound);
    derivation.step_budget_s = Some(chosen.budget);
    derivation.batch_limit = Some(largest);
    derivation.prefill_s = Some(chosen.eff_p);
    derivation.queue_wait_s = Some(queue::wait_gg1(chosen.mean_eff, rho, percentile, variability));
    derivation.utilisation = Some(rho);
    let tokens = requests * output;
    Ok(Candidate {
        workload: workload.name.clone(),
        pool: pool.name.clone(),
        role: Role::Aggregated,
        devices: instance.devices(),
        tensor_parallel: instance.tp,
        pipeline_stages: instance.pp,
        batch: chosen.batch,
        requests_per_s: requests,
        tokens_per_s: tokens,
        ttft_s: Some(t_tft),
        tpot_s: Some(t_pot),
        cost_usd_per_hour: cost,
        usd_per_million_tokens: per_million(cost, tokens),
        derivation,
        at_load: AtLoad::Aggregated {
            // Each instance queues its own prompts (GI/G/1, as (7) plans them).
            servers: ServerPool {
                per_instance: 1,
                mean_service_s: chosen.mean_eff,
                pooled_load: 0.0,
                variability,
            },
            requests_max: requests,
            percentile,
            mean_eff_s: chosen.mean_eff,
            eff_p_s: chosen.eff_p,
            step_s: chosen.step.time_s,
            budget_s: chosen.budget,
        },
    })
}

/// (7) with every slot of a batch of `batch` sequences decoding (a closed loop of `batch`
/// requests in flight, as an offline run or a benchmark at a fixed concurrency holds it): each
/// step decodes the batch in `t_step(B)` at the mean context `I + O/2`, and the `B/O` prompts
/// that replace the finished sequences add their prefill work `t_pf(I)` (compute and
/// communication, as in [`aggregated`]). Then
///
/// ```text
/// TPOT = t_step(B) + (B/O)·t_pf(I),    λ = B / (O·TPOT) = B / (O·t_step(B) + B·t_pf(I))
/// ```
///
/// the decode side of (7)'s `λ(B)`; `TTFT` is a lone prompt's prefill plus one step.
pub fn closed_loop(instance: &Instance<'_>, batch: f64, input: f64, output: f64) -> ClosedLoop {
    let step = instance.decode_step(batch, super::estimate::mean_context(input, output));
    let prefill = instance.prefill(input);
    let work = prefill.compute_s + prefill.communication_s;
    let tpot_s = step.time_s + batch / output.max(1.0) * work;
    let requests_per_s = batch / (output.max(1.0) * tpot_s);
    ClosedLoop {
        step,
        tpot_s,
        ttft_s: prefill.time_s + step.time_s,
        requests_per_s,
        output_tokens_per_s: requests_per_s * output,
    }
}

/// What [`closed_loop`] predicts.
#[derive(Clone, Copy, Debug)]
pub struct ClosedLoop {
    /// The decode part of a step.
    pub step: super::instance::Step,
    pub tpot_s: f64,
    pub ttft_s: f64,
    pub requests_per_s: f64,
    pub output_tokens_per_s: f64,
}

/// The step that makes a prompt's first token on an aggregated instance: full (`T`) when other
/// prompts wait (probability `ρ`), `t_step` otherwise; for a mean bound its mean
/// `t_step + ρ (T − t_step)`, at a percentile `p` its quantile, `T` once `ρ > 1 − p`.
pub(super) fn chunked_first_step(step: f64, budget: f64, rho: f64, percentile: Percentile) -> f64 {
    let full = budget.max(step);
    match percentile {
        Percentile::Mean => step + rho * (full - step),
        Percentile::P(p) if rho > 1.0 - p / 100.0 => full,
        Percentile::P(_) => step,
    }
}

/// One batch of an aggregated instance under (7).
#[derive(Clone, Debug)]
struct Chunked {
    batch: u32,
    /// Decode part of a step, `t_step(B)`.
    step: super::instance::Step,
    /// Step budget `T`.
    budget: f64,
    /// `E[t_pf]` and `E[S_eff] = E[t_pf]/φ`.
    mean_work: f64,
    mean_eff: f64,
    /// `S_eff(I_p)`.
    eff_p: f64,
    output: f64,
    /// The TTFT bound the prompts are held to (its prefill side), and how they queue.
    ttft_limit: Option<f64>,
    percentile: Percentile,
    variability: queue::Variability,
    /// [`Chunked::rho_max`], found when first asked for: the search over batches needs only
    /// whether a batch meets the bounds and which side of `λ(B)` binds, each one evaluation of
    /// the TTFT, not a bisection.
    rho_max: std::cell::OnceCell<Option<f64>>,
}

impl Chunked {
    #[allow(clippy::too_many_arguments)]
    fn at(
        instance: &Instance<'_>,
        batch: u32,
        context: f64,
        output: f64,
        tpot: Option<&SloBound>,
        ttft: Option<&SloBound>,
        percentile: Percentile,
        mean_work: f64,
        work_p: f64,
        variability: queue::Variability,
    ) -> Chunked {
        let step = instance.decode_step(f64::from(batch), context);
        let budget = tpot.map_or(step.time_s + mean_work, |b| b.limit_s);
        // The batch is a count of sequences in service (Poisson about its mean `B`, as in an
        // M/G/∞ queue), and prompts queue most when it is high: the prompts' share of a step
        // is taken with the batch at the TTFT percentile's quantile of that count, `B + z√B`
        // (one standard deviation without a percentile above the median).
        let z = z_above_median(percentile).unwrap_or(1.0);
        let b = f64::from(batch);
        let busy = instance.decode_step(b + z * b.sqrt(), context);
        let share = if budget > busy.time_s { (budget - busy.time_s) / budget } else { 0.0 };
        let (mean_eff, eff_p) = if share > 0.0 {
            (mean_work / share, work_p / share)
        } else {
            (f64::INFINITY, f64::INFINITY)
        };
        Chunked {
            batch,
            step,
            budget,
            mean_work,
            mean_eff,
            eff_p,
            output,
            ttft_limit: ttft.map(|b| b.limit_s),
            percentile,
            variability,
            rho_max: std::cell::OnceCell::new(),
        }
    }

    /// Whether prompts fit beside the batch at all and, unloaded, meet the TTFT bound: whether
    /// [`Chunked::rho_max`] is some (`queue::highest_utilisation` is `None` exactly when its
    /// test fails at zero).
    fn meets_bounds_unloaded(&self) -> bool {
        self.mean_eff.is_finite()
            && self
                .ttft_limit
                .is_none_or(|limit| self.ttft(0.0, self.percentile, self.variability) <= limit)
    }

    /// Highest utilisation of the prefill server within the TTFT bound (at most
    /// [`MAX_PLANNED_UTILISATION`]; [`DEFAULT_MAX_UTILISATION`] without a bound); `None` when
    /// the batch misses a bound even unloaded.
    fn rho_max(&self) -> Option<f64> {
        *self.rho_max.get_or_init(|| {
            if !self.meets_bounds_unloaded() {
                return None;
            }
            match self.ttft_limit {
                None => Some(DEFAULT_MAX_UTILISATION),
                Some(limit) => queue::highest_utilisation(|rho| {
                    self.ttft(rho, self.percentile, self.variability) <= limit
                })
                .map(|rho| rho.min(MAX_PLANNED_UTILISATION)),
            }
        })
    }

    /// `decode_rate() <= prefill_rate()`, the side of the crossing in `λ(B)` this batch is on,
    /// with one evaluation of the TTFT where `rho_max` is not known yet: the prefill server
    /// takes the decode side's rate when the utilisation it brings meets the bound (the TTFT
    /// grows with the utilisation). It can differ from the comparison only within the
    /// bisection's 2⁻⁶⁰ of `rho_max`.
    fn prefill_keeps_up(&self) -> bool {
        let decode = self.decode_rate();
        if let Some(rho_max) = self.rho_max.get() {
            return decode <= rho_max.map_or(0.0, |rho| rho / self.mean_eff);
        }
        if !self.meets_bounds_unloaded() {
            return decode <= 0.0;
        }
        let cap = self.ttft_limit.map_or(DEFAULT_MAX_UTILISATION, |_| MAX_PLANNED_UTILISATION);
        let rho = decode * self.mean_eff;
        decode <= cap / self.mean_eff
            && self
                .ttft_limit
                .is_none_or(|limit| self.ttft(rho, self.percentile, self.variability) <= limit)
    }

    /// `TTFT_p = w_p + S_eff(I_p) + (the step that makes the first token)`: the wait, the
    /// prompt's chunks, and a step that is full (`T`) when other prompts wait (probability
    /// `ρ`) and `t_step(B)` otherwise; for a mean bound its mean `t_step + ρ (T − t_step)`, at a
    /// percentile `p` its quantile, `T` when `ρ > 1 − p`.
    fn ttft(&self, rho: f64, percentile: Percentile, variability: queue::Variability) -> f64 {
        queue::wait_gg1(self.mean_eff, rho, percentile, variability)
            + self.eff_p
            + chunked_first_step(self.step.time_s, self.budget, rho, percentile)
    }

    /// Requests per second with every slot of the batch decoding: `B / (O·t_step + B·E[t_pf])`.
    fn decode_rate(&self) -> f64 {
        let b = f64::from(self.batch);
        b / (self.output * self.step.time_s + b * self.mean_work)
    }

    /// Requests per second the prefill server takes within the TTFT bound: `ρ_max / E[S_eff]`.
    fn prefill_rate(&self) -> f64 {
        self.rho_max().map_or(0.0, |rho| rho / self.mean_eff)
    }

    fn rate(&self) -> f64 {
        self.decode_rate().min(self.prefill_rate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::calibration::SCHEDULER_MAX_BATCH;
    use crate::perf::candidate::tests::spec;
    use crate::perf::candidate::{bound, candidates, kv_tokens};
    use crate::spec::Spec;

    /// The aggregated candidates of a workload on the `gpu` pool, with their instances.
    fn aggregated_of<'s>(spec: &'s Spec, w: &Workload) -> Vec<(Candidate, Instance<'s>)> {
        let (pool, model) = (&spec.pools["gpu"], &spec.models[&w.model]);
        let device = &spec.devices[&pool.device];
        let (found, _) = candidates(w, model, pool, device);
        found
            .into_iter()
            .filter(|c| c.role == Role::Aggregated)
            .map(|c| {
                let instance = Instance {
                    model,
                    device,
                    tp: c.tensor_parallel,
                    pp: c.pipeline_stages,
                    weights: model.weights,
                    kv: model.kv_cache,
                };
                (c, instance)
            })
            .collect()
    }

    fn work(instance: &Instance<'_>, tokens: f64) -> f64 {
        let p = instance.prefill(tokens);
        p.compute_s + p.communication_s
    }

    #[test]
    fn aggregated_prompts_get_the_steps_prefill_share() {
        let spec = spec();
        let w = spec.workloads["chat"].clone();
        let found = aggregated_of(&spec, &w);
        assert!(!found.is_empty());
        for (c, instance) in found {
            let d = &c.derivation;
            let (t, budget) = (d.step_s.unwrap_or(0.0), d.step_budget_s.unwrap_or(0.0));
            // T is the TPOT bound, and the decode part leaves room for prompts.
            assert_eq!(budget, 0.040);
            assert!(t > 0.0 && t < budget, "{t} {budget}");
            // S_eff(I) = W(I) · T / (T − t_step(B + z√B)), the batch at its 95th percentile
            // (the prefill side of a p90 bound).
            let b = f64::from(c.batch);
            let z = crate::traffic::inverse_normal_cdf(0.95);
            let busy = instance.decode_step(b + z * b.sqrt(), batch_context(&w)).time_s;
            let share = (budget - busy) / budget;
            let eff = work(&instance, w.input_tokens) / share;
            assert!((d.prefill_s.unwrap_or(0.0) - eff).abs() < 1e-9 * eff, "{c:?}");
            // ρ = λ·E[S_eff] (one prompt length: E[S_eff] = S_eff(I)), at most the cap.
            let rho = d.utilisation.unwrap_or(0.0);
            assert!((rho - c.requests_per_s * eff).abs() < 1e-9, "{rho}");
            assert!(rho > 0.0 && rho <= MAX_PLANNED_UTILISATION);
            // TTFT_p = w_p + S_eff(I_p) + the first token's step at the prefill side's
            // percentile (p95 of a p90 bound, half the miss budget): T when ρ > 5%.
            let wait = queue::wait(eff, rho, Percentile::P(95.0));
            let ttft = wait + eff + if rho > 0.05 { budget } else { t };
            assert!((c.ttft_s.unwrap_or(0.0) - ttft).abs() < 1e-9, "{c:?}");
            assert!(ttft <= 1.0 + 1e-9);
            // TPOT = t_step / (1 − λ·E[t_pf]), between t_step and the time average, under T.
            let tpot = c.tpot_s.unwrap_or(0.0);
            let lambda_w = c.requests_per_s * work(&instance, w.input_tokens);
            assert!((tpot - t / (1.0 - lambda_w)).abs() < 1e-12);
            assert!(t < tpot && tpot <= t + rho * (budget - t) + 1e-12 && tpot <= budget);
            // Little's law: the planned batch decodes at the planned rate, at most its capacity.
            let b = f64::from(c.batch);
            assert!(
                c.requests_per_s
                    <= b / (w.output_tokens * t + b * work(&instance, 2000.0)) * (1.0 + 1e-12)
            );
            // The batch limit is above the planned batch, and its step leaves room too.
            let limit = d.batch_limit.unwrap_or(0);
            assert!(limit >= c.batch, "{limit} {}", c.batch);
            let context = batch_context(&w);
            assert!(instance.decode_step(f64::from(limit), context).time_s < budget);
        }
    }

    #[test]
    fn aggregated_planned_at_the_crossing_of_decode_and_prefill() {
        let spec = spec();
        let w = spec.workloads["chat"].clone();
        let (tpot, ttft) =
            (bound(&w, Metric::Tpot), bound(&w, Metric::Ttft).map(|b| prefill_side(&b)));
        for (c, instance) in aggregated_of(&spec, &w) {
            let mean = work(&instance, w.input_tokens);
            let at = |b: u32| {
                Chunked::at(
                    &instance,
                    b,
                    batch_context(&w),
                    w.output_tokens,
                    tpot.as_ref(),
                    ttft.as_ref(),
                    Percentile::P(95.0),
                    mean,
                    mean,
                    queue::Variability::MD1,
                )
            };
            let chosen = at(c.batch);
            // The rate is the batch's, or lower where the slots of the batch limit or the NIC
            // (prompts sent to decode instances) hold it.
            assert!(c.requests_per_s <= chosen.rate() * (1.0 + 1e-12));
            // No feasible batch serves more (before those limits, which do not depend on it).
            let limit = c.derivation.batch_limit.unwrap_or(0);
            for b in 1..=limit {
                assert!(at(b).rate() <= chosen.rate() * (1.0 + 1e-12), "{b}");
            }
            assert!(at(limit + 1).rho_max().is_none() || limit == instance_max(&instance, &w));
        }
    }

    fn instance_max(instance: &Instance<'_>, w: &Workload) -> u32 {
        instance.max_batch(kv_tokens(w)).min(SCHEDULER_MAX_BATCH)
    }

    #[test]
    fn aggregated_unloaded_is_the_prefill_and_a_step() {
        // With a step budget far above the decode step, a lone prompt takes its prefill work
        // and one step: S_eff → W as φ → 1.
        let spec = spec();
        let w = spec.workloads["chat"].clone();
        let Some((_, instance)) = aggregated_of(&spec, &w).into_iter().next() else {
            panic!("chat has no aggregated candidate")
        };
        let Some(tpot) = bound(&w, Metric::Tpot) else { panic!("chat has no TPOT bound") };
        let loose = SloBound { limit_s: 1e6, ..tpot };
        let mean = work(&instance, w.input_tokens);
        let point = Chunked::at(
            &instance,
            1,
            batch_context(&w),
            w.output_tokens,
            Some(&loose),
            None,
            Percentile::Mean,
            mean,
            mean,
            queue::Variability::MD1,
        );
        let step = instance.decode_step(1.0, batch_context(&w)).time_s;
        let alone = point.ttft(0.0, Percentile::Mean, queue::Variability::MD1);
        assert!((alone - (mean + step)).abs() < 1e-6 * alone, "{alone} {mean} {step}");
        // Without a TPOT bound the budget is one mean prompt's work beside the decode step.
        let free = Chunked::at(
            &instance,
            1,
            batch_context(&w),
            w.output_tokens,
            None,
            None,
            Percentile::Mean,
            mean,
            mean,
            queue::Variability::MD1,
        );
        assert_eq!(free.budget, step + mean);
        assert_eq!(free.rho_max(), Some(DEFAULT_MAX_UTILISATION));
        // Prompts get the step's share left by a batch one standard deviation up (2 at 1).
        let busy = instance.decode_step(2.0, batch_context(&w)).time_s;
        let expected = mean * (step + mean) / (step + mean - busy);
        assert!((free.mean_eff - expected).abs() < 1e-9 * expected, "{}", free.mean_eff);
    }
}
