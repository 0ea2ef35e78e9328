//! Time to first token under Poisson arrivals: each prefill instance is an M/D/1 queue (a
//! prompt length gives a fixed service time).
//!
//! The waiting time uses Pollaczek–Khinchine for its mean, `E[W] = ρ·s / (2(1−ρ))`, and the
//! exponential-tail approximation for its quantiles: an arrival waits with probability ρ, and
//! a wait that happens is exponential with mean `E[W]/ρ`. So the p-quantile is
//! `w_p = s / (2(1−ρ)) · ln(ρ / (1−p))` when `ρ > 1−p`, and 0 otherwise. For M/D/1 this tail is
//! slightly pessimistic at moderate load (the exact M/D/1 tail decays faster), which errs on
//! the side of meeting the SLO; `fleetplan simulate` (a later issue) checks it.

use crate::spec::Percentile;

/// Waiting time at `percentile` for service time `service` at utilisation `rho` (< 1).
pub fn wait(service: f64, rho: f64, percentile: Percentile) -> f64 {
    if rho <= 0.0 {
        return 0.0;
    }
    if rho >= 1.0 {
        return f64::INFINITY;
    }
    let tail_mean = service / (2.0 * (1.0 - rho));
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

/// Highest utilisation in [0, 1) at which `wait + service + fixed ≤ limit`, if any.
pub fn max_utilisation(
    service: f64,
    fixed: f64,
    limit: f64,
    percentile: Percentile,
) -> Option<f64> {
    let within = |rho: f64| wait(service, rho, percentile) + service + fixed <= limit;
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn utilisation_meets_the_limit_exactly() {
        let rho = max_utilisation(0.2, 0.05, 1.0, Percentile::P(99.0)).expect("feasible");
        let total = wait(0.2, rho, Percentile::P(99.0)) + 0.25;
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert_eq!(max_utilisation(0.2, 0.9, 1.0, Percentile::P(99.0)), None);
    }
}
