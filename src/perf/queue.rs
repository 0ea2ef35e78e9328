//! Time to first token: each prefill instance is a GI/G/1 queue. Requests arrive as a renewal
//! process (Poisson, or gamma inter-arrival times for `bursty`) and prompts of varying length
//! give varying service times.
//!
//! The mean wait is the Kingman / Allen–Cunneen approximation
//! `E[W] = (ca² + cs²)/2 · ρ/(1−ρ) · E[S]`, with `ca²` and `cs²` the squared coefficients of
//! variation of the inter-arrival and service times. For Poisson arrivals and one prompt
//! length (`ca² = 1`, `cs² = 0`) it is Pollaczek–Khinchine's exact M/D/1 mean,
//! `ρ·s / (2(1−ρ))`, and the code computes it with the same floating-point operations.
//! Quantiles use the exponential-tail approximation: an arrival waits with probability ρ, and
//! a wait that happens is exponential with mean `E[W]/ρ`. So the p-quantile is
//! `w_p = (ca² + cs²)/2 · E[S]/(1−ρ) · ln(ρ / (1−p))` when `ρ > 1−p`, and 0 otherwise. For
//! M/D/1 this tail is slightly pessimistic at moderate load (the exact M/D/1 tail decays
//! faster), which errs on the side of meeting the SLO; `fleetplan simulate` checks it.

use crate::spec::Percentile;

/// The squared coefficients of variation of a queue's inter-arrival times (`ca²`) and service
/// times (`cs²`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Variability {
    pub arrivals_scv: f64,
    pub service_scv: f64,
}

impl Variability {
    /// Poisson arrivals, one service time.
    pub const MD1: Variability = Variability { arrivals_scv: 1.0, service_scv: 0.0 };
}

/// Waiting time at `percentile` of an M/D/1 queue with service time `service` at utilisation
/// `rho` (< 1).
pub fn wait(service: f64, rho: f64, percentile: Percentile) -> f64 {
    wait_gg1(service, rho, percentile, Variability::MD1)
}

/// Waiting time at `percentile` of a GI/G/1 queue with mean service time `mean_service` at
/// utilisation `rho` (< 1).
pub fn wait_gg1(mean_service: f64, rho: f64, percentile: Percentile, v: Variability) -> f64 {
    if rho <= 0.0 {
        return 0.0;
    }
    if rho >= 1.0 {
        return f64::INFINITY;
    }
    // (ca² + cs²) · E[S] / (2(1−ρ)): for M/D/1 the factor is exactly 1, so the result is
    // bit-for-bit `s / (2(1−ρ))`.
    let tail_mean = (v.arrivals_scv + v.service_scv) * mean_service / (2.0 * (1.0 - rho));
    match percentile {
        Percentile::Mean => rho * tail_mean,
        Percentile::P(p) => {
            let beyond = 1.0 - p / 100.0;
            if rho <= beyond {
                0.0
            } else {
                tail_mean * (rho / beyond).ln()
            }
        }
    }
}

/// Highest utilisation in [0, 1) at which `wait + service + fixed ≤ limit` for an M/D/1 queue,
/// if any.
pub fn max_utilisation(
    service: f64,
    fixed: f64,
    limit: f64,
    percentile: Percentile,
) -> Option<f64> {
    max_utilisation_gg1(service, service, fixed, limit, percentile, Variability::MD1)
}

/// Highest utilisation in [0, 1) at which `wait + service + fixed ≤ limit`, if any, where the
/// wait is a GI/G/1 queue's with mean service time `mean_service`, and `service` is the
/// service time of the request the bound is checked for (the one at the bound's percentile).
pub fn max_utilisation_gg1(
    mean_service: f64,
    service: f64,
    fixed: f64,
    limit: f64,
    percentile: Percentile,
    v: Variability,
) -> Option<f64> {
    highest_utilisation(|rho| wait_gg1(mean_service, rho, percentile, v) + service + fixed <= limit)
}

/// Highest utilisation in [0, 1) for which `within` holds (by bisection, to 2⁻⁶⁰), if it
/// holds for an idle server; `within` must hold below some level and fail above it.
pub fn highest_utilisation(within: impl Fn(f64) -> bool) -> Option<f64> {
    if !within(0.0) {
        return None;
    }
    let (mut good, mut bad) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = (good + bad) / 2.0;
        if within(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some(good)
}

/// Erlang's C formula: the probability that an arrival waits in an M/M/n queue offered `a`
/// erlangs (`a = λ · E[S]`), by the stable recursion for Erlang B, `B₀ = 1`,
/// `Bₖ = a·Bₖ₋₁ / (k + a·Bₖ₋₁)`, then `C = B / (1 − (a/n)(1 − B))`. One at or above `n` erlangs.
pub fn erlang_c(servers: u32, erlangs: f64) -> f64 {
    let n = f64::from(servers);
    if servers == 0 || erlangs >= n {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = erlangs * b / (f64::from(k) + erlangs * b);
    }
    b / (1.0 - erlangs / n * (1.0 - b))
}

/// (3a) Highest occupancy `a/n` of a decode instance's `n` batch slots at which an arriving
/// request finds a free slot with probability at least `1 − waiting` (Erlang C; exponential
/// holding times make it conservative for the near-constant `O · TPOT` a slot is held).
pub fn slot_occupancy(slots: u32, waiting: f64) -> f64 {
    let n = f64::from(slots);
    highest_utilisation(|rho| erlang_c(slots, rho * n) <= waiting).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_by_hand() {
        // One server: C = ρ. Two servers at a = 1: B₂ = 0.2, C = 0.2 / (1 − 0.5 · 0.8) = 1/3.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(erlang_c(4, 4.0), 1.0);
        // Many slots run fuller for the same chance of waiting (pooling).
        let (few, many) = (slot_occupancy(4, 0.1), slot_occupancy(256, 0.1));
        assert!(few < many && many < 1.0, "{few} {many}");
        assert!((erlang_c(256, many * 256.0) - 0.1).abs() < 1e-6);
    }

    #[test]
    fn mean_wait_is_pollaczek_khinchine_for_md1() {
        // ρ = 0.5, s = 1: E[W] = 0.5 / (2 × 0.5) = 0.5
        assert!((wait(1.0, 0.5, Percentile::Mean) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn quantiles_grow_with_load_and_vanish_when_most_arrivals_do_not_wait() {
        assert_eq!(wait(1.0, 0.05, Percentile::P(90.0)), 0.0);
        let low = wait(1.0, 0.5, Percentile::P(90.0));
        let high = wait(1.0, 0.9, Percentile::P(90.0));
        assert!(low > 0.0 && high > 5.0 * low, "{low} {high}");
        // ρ = 0.5, p90: 1/(2·0.5) · ln(0.5/0.1) = ln 5
        assert!((low - 5f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn kingman_scales_the_md1_wait_by_the_variability() {
        // ρ = 0.5, E[S] = 1, ca² = 4 (bursty cv 2), cs² = 0.5: E[W] = 2.25 · 1 · 1 = 2.25
        let v = Variability { arrivals_scv: 4.0, service_scv: 0.5 };
        assert!((wait_gg1(1.0, 0.5, Percentile::Mean, v) - 2.25).abs() < 1e-12);
        // M/M/1 (ca² = cs² = 1): E[W] = ρ/(1−ρ) · E[S]
        let mm1 = Variability { arrivals_scv: 1.0, service_scv: 1.0 };
        assert!((wait_gg1(2.0, 0.75, Percentile::Mean, mm1) - 6.0).abs() < 1e-12);
        // The M/D/1 case is the same function, bit for bit.
        for rho in [0.1, 0.33, 0.5, 0.77, 0.9, 0.95] {
            for p in
                [Percentile::Mean, Percentile::P(50.0), Percentile::P(90.0), Percentile::P(99.0)]
            {
                let s = 0.123_456_789;
                let md1 = if rho <= 0.0 { 0.0 } else { s / (2.0 * (1.0 - rho)) };
                let expected = match p {
                    Percentile::Mean => rho * md1,
                    Percentile::P(q) if rho > 1.0 - q / 100.0 => {
                        md1 * (rho / (1.0 - q / 100.0)).ln()
                    }
                    Percentile::P(_) => 0.0,
                };
                assert_eq!(wait(s, rho, p).to_bits(), expected.to_bits());
            }
        }
    }

    #[test]
    fn utilisation_meets_the_limit_exactly() {
        let rho = max_utilisation(0.2, 0.05, 1.0, Percentile::P(99.0)).expect("feasible");
        let total = wait(0.2, rho, Percentile::P(99.0)) + 0.25;
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert_eq!(max_utilisation(0.2, 0.9, 1.0, Percentile::P(99.0)), None);
    }
}
