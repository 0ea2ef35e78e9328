//! Latencies at the load a plan gives a candidate. A candidate is derived at its capacity:
//! its TTFT is the bound's limit there. The plan runs it below that (whole instances, and
//! several candidates sharing a workload's traffic), so its latencies are lower; the report
//! shows them with the headroom left. These are the candidate's own queueing formulas (the
//! same `perf` code that sized it) evaluated at another utilisation, from figures the
//! candidate carries: no stage after `perf` recomputes physics.

use serde::Serialize;

use super::candidate::{NicQueue, ServerPool};
use crate::spec::Percentile;

/// How a candidate's latencies depend on its utilisation `u` (the share of its capacity the
/// plan's traffic uses, 0–1).
#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum AtLoad {
    /// `TTFT(ρ) = wait(ρ) + prefill of the prompt at the percentile + fixed` (perf (6)), with
    /// `ρ = u · ρ_max`, over the workload's pooled prefill servers.
    Prefill {
        #[serde(skip)]
        servers: ServerPool,
        /// The KV transfers that follow (their wait is part of the TTFT).
        #[serde(skip)]
        nic: NicQueue,
        rho_max: f64,
        percentile: Percentile,
        service_s: f64,
        fixed_s: f64,
    },
    /// The wait for a decode slot, part of the workload's TTFT, at `ρ = u · ρ_max` of the
    /// pooled slots; TPOT at the mean batch `ρ·B`, from the step times at 1 and `B` sequences
    /// (interpolated: the step time is convex in the batch, so the chord is above it).
    Decode {
        #[serde(skip)]
        slots: ServerPool,
        rho_max: f64,
        admission: Percentile,
        batch: u32,
        step_one_s: f64,
        step_batch_s: f64,
    },
    /// (7) at `λ = u · λ_max`: `TTFT = w_p(E[S_eff], ρ) + S_eff(I_p) + the first token's step`
    /// with `ρ = λ E[S_eff]`, and TPOT the steps' time average `t_step + ρ (T − t_step)`.
    Aggregated {
        #[serde(skip)]
        servers: ServerPool,
        requests_max: f64,
        percentile: Percentile,
        mean_eff_s: f64,
        eff_p_s: f64,
        step_s: f64,
        budget_s: f64,
    },
}

/// A candidate's predicted latencies at a utilisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loaded {
    /// Prefill and aggregated: the prompt's whole TTFT but the wait for a decode slot on
    /// another instance; decode: that wait.
    pub ttft_part_s: f64,
    pub tpot_s: Option<f64>,
}

impl AtLoad {
    /// The latencies at utilisation `u` of the candidate's capacity (clamped to [0, 1]).
    pub fn at(&self, u: f64) -> Loaded {
        let u = if u.is_finite() { u.clamp(0.0, 1.0) } else { 1.0 };
        match *self {
            AtLoad::Prefill { servers, nic, rho_max, percentile, service_s, fixed_s } => Loaded {
                ttft_part_s: servers.wait(u * rho_max, percentile)
                    + nic.wait(u * rho_max, percentile)
                    + service_s
                    + fixed_s,
                tpot_s: None,
            },
            AtLoad::Decode { slots, rho_max, admission, batch, step_one_s, step_batch_s } => {
                let rho = u * rho_max;
                let mean_batch = rho * f64::from(batch);
                let tpot = if batch > 1 {
                    let along = ((mean_batch - 1.0) / f64::from(batch - 1)).clamp(0.0, 1.0);
                    step_one_s + along * (step_batch_s - step_one_s)
                } else {
                    step_batch_s
                };
                Loaded { ttft_part_s: slots.wait(rho, admission), tpot_s: Some(tpot) }
            }
            AtLoad::Aggregated {
                servers,
                requests_max,
                percentile,
                mean_eff_s,
                eff_p_s,
                step_s,
                budget_s,
            } => {
                let requests = u * requests_max;
                let rho = requests * mean_eff_s;
                let ttft = servers.wait(rho, percentile)
                    + eff_p_s
                    + super::aggregated::chunked_first_step(step_s, budget_s, rho, percentile);
                // The time average of the steps (prompts fill a step to `T` with probability
                // ρ), above their harmonic mean, which is the mean TPOT (7): a sequence's TPOT
                // at a percentile above the median is nearer this.
                let tpot = step_s + rho.min(1.0) * (budget_s - step_s).max(0.0);
                Loaded { ttft_part_s: ttft, tpot_s: Some(tpot) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::queue;

    fn pool(pooled_load: f64) -> ServerPool {
        ServerPool {
            per_instance: 1,
            mean_service_s: 0.2,
            pooled_load,
            variability: queue::Variability::MD1,
        }
    }

    #[test]
    fn prefill_at_capacity_is_the_candidates_figure_and_less_below() {
        // One server: the GI/G/1 wait of perf (6) at ρ = u·ρ_max.
        let at_load = AtLoad::Prefill {
            servers: pool(0.0),
            nic: NicQueue {
                mean_transfer_s: 0.0,
                load_per_rho: 0.0,
                variability: queue::Variability::MD1,
            },
            rho_max: 0.8,
            percentile: Percentile::P(90.0),
            service_s: 0.2,
            fixed_s: 0.05,
        };
        let full = at_load.at(1.0).ttft_part_s;
        let expected = queue::wait(0.2, 0.8, Percentile::P(90.0)) + 0.25;
        assert!((full - expected).abs() < 1e-12, "{full} {expected}");
        let half = at_load.at(0.5).ttft_part_s;
        assert!((half - (queue::wait(0.2, 0.4, Percentile::P(90.0)) + 0.25)).abs() < 1e-12);
        assert!(half < full);
        assert_eq!(at_load.at(0.0).ttft_part_s, 0.25);
    }

    #[test]
    fn decode_tpot_follows_the_mean_batch() {
        let at_load = AtLoad::Decode {
            slots: pool(0.0),
            rho_max: 1.0,
            admission: Percentile::P(95.0),
            batch: 101,
            step_one_s: 0.01,
            step_batch_s: 0.03,
        };
        // Half the slots busy: batch 50.5, half way along the chord.
        let tpot = at_load.at(0.5).tpot_s.unwrap_or(0.0);
        assert!((tpot - (0.01 + 0.495 * 0.02)).abs() < 1e-12, "{tpot}");
        assert_eq!(at_load.at(1.0).tpot_s, Some(0.03));
    }
}
