//! The servers a workload's requests queue for, as a candidate sees them: its prefill
//! instances and decode slots pooled across the workload's instances (GI/G/c), an instance's
//! NIC sending KV (GI/G/1), and how a TTFT bound is shared between the prefill side and the
//! wait for a decode slot. The queueing formulas are `queue`'s; this module says which queue
//! each part of a candidate is (docs/perf-model.md (3a), (6b), (6c)).

use super::candidate::MAX_PLANNED_UTILISATION;
use super::queue;
use crate::spec::{Percentile, SloBound, Workload};

/// The share of a TTFT bound's miss budget `1 − p` given to waiting for a decode slot. A
/// request's first token waits for the prefill side (queue, prefill, KV transfer, first step)
/// and then, when every decode slot is taken, for a slot; the two are held separately, each
/// to its share of the budget, so that by the union bound at most `1 − p` of requests miss the
/// bound whatever the correlation of the two waits. Halves, as an end-to-end bound is split
/// between the first token and the output.
pub const ADMISSION_SHARE: f64 = 0.5;

/// For a bound on the mean TTFT (no miss budget to share), the share of its limit left to the
/// mean wait for a decode slot; the prefill side is held to the rest.
pub const ADMISSION_MEAN_SHARE: f64 = 0.1;

/// How a TTFT bound is shared between the prefill side and the wait for a decode slot
/// ([`ADMISSION_SHARE`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TtftSplit {
    /// The percentile the prefill side is held at (for `p`: `1 − (1 − p)(1 − share)`).
    pub prefill_percentile: Percentile,
    /// The limit of the prefill side.
    pub prefill_limit_s: f64,
    /// The slot wait at this percentile (for `p`: `1 − (1 − p)·share`) must be within
    /// `admission_limit_s`: zero for a percentile bound, so that at most that share of requests
    /// waits for a slot at all.
    pub admission_percentile: Percentile,
    pub admission_limit_s: f64,
}

/// The split of a TTFT bound ([`TtftSplit`]).
pub fn ttft_split(bound: &SloBound) -> TtftSplit {
    match bound.percentile {
        Percentile::P(p) => {
            let miss = 100.0 - p;
            TtftSplit {
                prefill_percentile: Percentile::P(100.0 - miss * (1.0 - ADMISSION_SHARE)),
                prefill_limit_s: bound.limit_s,
                admission_percentile: Percentile::P(100.0 - miss * ADMISSION_SHARE),
                admission_limit_s: 0.0,
            }
        }
        Percentile::Mean => TtftSplit {
            prefill_percentile: Percentile::Mean,
            prefill_limit_s: bound.limit_s * (1.0 - ADMISSION_MEAN_SHARE),
            admission_percentile: Percentile::Mean,
            admission_limit_s: bound.limit_s * ADMISSION_MEAN_SHARE,
        },
    }
}

/// The prefill side of a workload's TTFT bound: the bound at the prefill side's percentile and
/// limit ([`ttft_split`]).
pub fn prefill_side(bound: &SloBound) -> SloBound {
    let split = ttft_split(bound);
    SloBound { percentile: split.prefill_percentile, limit_s: split.prefill_limit_s, ..*bound }
}

/// The servers a workload's requests queue for: its prefill instances (one server each,
/// service: a prompt's prefill) or its decode slots (`batch` per instance, service: a
/// sequence's `O` steps). Where the router sends a request to the instance where it is served
/// first (prefill: where it would finish first; decode: the least loaded), the servers are
/// pooled across the workload's instances, a GI/G/c queue: at utilisation `ρ` the workload's
/// offered load `λ · E[S]` (`pooled_load`) needs `λ · E[S] / ρ` servers, and never fewer than
/// one instance's. Where a request is served by the instance it was routed to before
/// (aggregated decode: the instance that prefilled it), `pooled_load` is 0: one instance.
#[derive(Clone, Copy, Debug)]
pub struct ServerPool {
    pub per_instance: u32,
    pub mean_service_s: f64,
    pub pooled_load: f64,
    pub variability: queue::Variability,
}

impl ServerPool {
    /// The decode slots of a workload: holding times proportional to the output length, the
    /// workload's arrivals (prefill spreads them, which this ignores: conservative for bursty
    /// arrivals).
    pub fn decode_slots(
        workload: &Workload,
        per_instance: u32,
        holding_s: f64,
        pooled: bool,
    ) -> ServerPool {
        ServerPool {
            per_instance,
            mean_service_s: holding_s,
            pooled_load: if pooled { workload.rate_per_s * holding_s } else { 0.0 },
            variability: queue::Variability {
                arrivals_scv: workload.arrivals.scv(),
                service_scv: workload.output.scv(),
            },
        }
    }

    fn servers(&self, rho: f64) -> f64 {
        let one = f64::from(self.per_instance.max(1));
        if rho > 0.0 {
            one.max(self.pooled_load / rho)
        } else {
            one
        }
    }

    /// Highest utilisation of decode slots at which the wait for one stays within the TTFT
    /// bound's admission share ([`ttft_split`]); without a TTFT bound,
    /// [`MAX_PLANNED_UTILISATION`].
    pub fn admission_utilisation(&self, ttft: Option<&SloBound>) -> f64 {
        let Some(bound) = ttft else { return MAX_PLANNED_UTILISATION };
        let split = ttft_split(bound);
        queue::highest_utilisation(|rho| {
            self.wait(rho, split.admission_percentile) <= split.admission_limit_s
        })
        .unwrap_or(0.0)
    }

    /// The probability that a request waits at utilisation `rho`.
    pub fn wait_probability(&self, rho: f64) -> f64 {
        queue::waiting_probability_ggc(self.servers(rho), rho, self.variability)
    }

    /// The wait at `percentile` and utilisation `rho`.
    pub fn wait(&self, rho: f64, percentile: Percentile) -> f64 {
        queue::wait_ggc(self.servers(rho), self.mean_service_s, rho, percentile, self.variability)
    }
}

/// The KV transfers of a prefill instance: one after another over its NICs (FCFS, a GI/G/1
/// queue per instance, as the prompts it prefilled finish), each of a whole prompt's KV. A
/// request whose reused KV was loaded from a tier costs the prefill server only
/// `hit_cost_share` of a prompt but still sends its whole KV: with every session retained,
/// one prompt's worth of prefill work sends `1 / hit_cost_share` transfers. At prefill
/// utilisation `ρ` (of whole prompts, `λ = ρ / E[S]`) the NIC is busy
/// `ρ_nic = λ · E[t_x] / hit_cost_share`, `load_per_rho · ρ`. A NIC at or above 100% has no
/// steady state: its wait is unbounded and the bisection stops below it.
#[derive(Clone, Copy, Debug)]
pub struct NicQueue {
    pub mean_transfer_s: f64,
    pub load_per_rho: f64,
    pub variability: queue::Variability,
}

impl NicQueue {
    /// The NIC of an instance serving `workload`, whose hits cost `hit_share` of a prompt's
    /// prefill (`Derivation::hit_cost_share`), at `mean_service` seconds per whole prompt.
    pub(super) fn new(
        workload: &Workload,
        hit_share: Option<f64>,
        mean_service: f64,
        transfer_of: &dyn Fn(f64) -> f64,
    ) -> NicQueue {
        let mean_transfer_s = transfer_of(workload.input.mean());
        let transfers_per_prompt =
            hit_share.filter(|share| *share > 0.0).map_or(1.0, |share| 1.0 / share);
        let load_per_rho = if mean_service > 0.0 && mean_transfer_s.is_finite() {
            mean_transfer_s * transfers_per_prompt / mean_service
        } else {
            0.0
        };
        NicQueue {
            mean_transfer_s,
            load_per_rho,
            // Transfers are as long as the prompts; they arrive as the prompts did.
            variability: queue::Variability {
                arrivals_scv: workload.arrivals.scv(),
                service_scv: workload.input.scv(),
            },
        }
    }

    /// The wait for the NIC at `percentile` when the prefill server is at `rho`.
    pub fn wait(&self, rho: f64, percentile: Percentile) -> f64 {
        if self.load_per_rho <= 0.0 {
            return 0.0;
        }
        queue::wait_gg1(self.mean_transfer_s, rho * self.load_per_rho, percentile, self.variability)
    }
}
