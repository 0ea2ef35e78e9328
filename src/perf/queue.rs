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
    // bit-for-bit `s / (2(1−ρ))`. Burstier arrivals than Poisson also wait at light load
    // (`waiting_probability_ggc`, `arrival_root`): the same as `wait_ggc` with one server.
    if v.arrivals_scv != 1.0 {
        return wait_ggc(1.0, mean_service, rho, percentile, v);
    }
    let tail_mean = (v.arrivals_scv + v.service_scv) * mean_service / (2.0 * (1.0 - rho));
    exponential_tail(rho, tail_mean, percentile)
}

/// The wait at `percentile` when an arrival waits with `probability` and a wait that happens
/// is exponential with mean `mean_if_waiting`: `mean · ln(P / (1 − p))` when `P > 1 − p`, else
/// 0; for the mean, `P · mean`.
fn exponential_tail(probability: f64, mean_if_waiting: f64, percentile: Percentile) -> f64 {
    match percentile {
        Percentile::Mean => probability * mean_if_waiting,
        Percentile::P(p) => {
            let beyond = 1.0 - p / 100.0;
            if probability <= beyond {
                0.0
            } else {
                mean_if_waiting * (probability / beyond).ln()
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
    highest_utilisation(|rho| wait(service, rho, percentile) + service + fixed <= limit)
}

/// Highest utilisation in [0, 1) for which `within` holds (by bisection, to 2⁻⁶⁰ or to
/// adjacent floating-point numbers, whichever comes first), if it holds for an idle server;
/// `within` must hold below some level and fail above it.
pub fn highest_utilisation(within: impl Fn(f64) -> bool) -> Option<f64> {
    if !within(0.0) {
        return None;
    }
    let (mut good, mut bad) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = (good + bad) / 2.0;
        // Adjacent numbers: every later step would test `good` or `bad` again and change
        // nothing (above ½ that is after 53 steps, not 60).
        if mid == good || mid == bad {
            break;
        }
        if within(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some(good)
}

/// Waiting time at `percentile` of a GI/G/c queue of `servers` servers with mean service
/// time `holding` at utilisation `rho` (< 1): the prefill instances of a workload (service: a
/// prompt's prefill), or its decode slots (service: a sequence's `O × TPOT`).
///
/// An arrival waits with the probability of [`waiting_probability_ggc`]. A wait that happens is
/// exponential with mean the longer of Kingman's heavy-traffic `f · E[S] / (c (1 − ρ))`,
/// `f = (ca² + cs²)/2`, and GI/M/c's `E[S] / (c (1 − σ))` scaled by the service variability
/// `(1 + cs²)/2` ([`arrival_root`]; the two agree for Poisson arrivals); its `p`-quantile is
/// `mean · ln(P_w / (1 − p))` when `P_w > 1 − p`, else 0. With one server and Poisson arrivals
/// this is [`wait_gg1`]'s form.
pub fn wait_ggc(
    servers: f64,
    holding: f64,
    rho: f64,
    percentile: Percentile,
    v: Variability,
) -> f64 {
    if rho <= 0.0 || servers <= 0.0 {
        return 0.0;
    }
    if rho >= 1.0 {
        return f64::INFINITY;
    }
    let f = (v.arrivals_scv + v.service_scv) / 2.0;
    let sigma = arrival_root(rho, v.arrivals_scv);
    let probability = waiting_probability_with(servers, rho, sigma, v);
    let mean_if_waiting = (f * holding / (servers * (1.0 - rho)))
        .max((1.0 + v.service_scv) / 2.0 * holding / (servers * (1.0 - sigma)));
    exponential_tail(probability, mean_if_waiting, percentile)
}

/// The probability that an arrival waits in [`wait_ggc`]'s queue: Erlang C at `c / f`
/// servers, `f = max(1, (ca² + cs²)/2)` (heavy traffic), times `σ / ρ` (light traffic), and
/// never above one. `σ` is GI/M/1's waiting probability for the arrivals ([`arrival_root`]):
/// for Poisson arrivals `σ = ρ`; bursty arrivals come in clusters, so even at light load a
/// share of them finds the server busy (gamma gaps of `cv = 2.5` at 1% load: σ ≈ 0.3).
pub fn waiting_probability_ggc(servers: f64, rho: f64, v: Variability) -> f64 {
    waiting_probability_with(servers, rho, arrival_root(rho, v.arrivals_scv), v)
}

/// [`waiting_probability_ggc`] with the arrivals' `σ` already found (it costs a bisection).
fn waiting_probability_with(servers: f64, rho: f64, sigma: f64, v: Variability) -> f64 {
    if rho <= 0.0 {
        return 0.0;
    }
    let f = ((v.arrivals_scv + v.service_scv) / 2.0).max(1.0);
    (waiting_probability(servers / f, rho) * (sigma / rho).max(1.0)).min(1.0)
}

/// `σ` of a GI/M/1 queue at utilisation `rho` whose inter-arrival times are gamma with squared
/// coefficient of variation `scv` (the language's arrival processes): the root in (0, 1) of
/// `σ = A*(μ(1 − σ))`, `A*(s) = (1 + s/(αλ))^(−α)`, `α = 1/scv`, that is
/// `σ = (1 + (1 − σ)/(αρ))^(−α)`. An arrival waits with probability `σ`, and a wait is
/// exponential with mean `E[S]/(1 − σ)`. Poisson arrivals (`scv = 1`) give `σ = ρ` exactly.
pub fn arrival_root(rho: f64, scv: f64) -> f64 {
    if rho <= 0.0 {
        return 0.0;
    }
    if rho >= 1.0 {
        return 1.0;
    }
    if scv == 1.0 || scv <= 0.0 || !scv.is_finite() {
        return rho;
    }
    let alpha = 1.0 / scv;
    let gap = |sigma: f64| (1.0 + (1.0 - sigma) / (alpha * rho)).powf(-alpha) - sigma;
    // gap > 0 at 0 and < 0 just below 1 (its slope at 1 is 1/ρ − 1 > 0): bisect.
    let (mut low, mut high) = (0.0, 1.0 - 1e-12);
    for _ in 0..80 {
        let mid = 0.5 * (low + high);
        if gap(mid) > 0.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// Above this many servers Erlang's C formula is replaced by its Halfin–Whitt limit, which is
/// within a few per cent of it there (unit test) and costs O(1) instead of O(c).
const EXACT_ERLANG_UP_TO: f64 = 512.0;

/// Probability that an arrival waits in an M/M/c queue with `servers` servers (rounded down:
/// fewer servers wait more) at utilisation `rho` < 1: Erlang C, from the Erlang B recursion
/// `B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1))` and `C = B / (1 − ρ(1 − B))`; beyond
/// [`EXACT_ERLANG_UP_TO`] servers the Halfin–Whitt limit `1 / (1 + β Φ(β) / φ(β))`,
/// `β = (1 − ρ)√c`.
pub fn waiting_probability(servers: f64, rho: f64) -> f64 {
    let c = servers.floor().max(1.0);
    if rho <= 0.0 {
        return 0.0;
    }
    if rho >= 1.0 {
        return 1.0;
    }
    if c > EXACT_ERLANG_UP_TO {
        let beta = (1.0 - rho) * c.sqrt();
        let density = (-0.5 * beta * beta).exp() / (2.0 * std::f64::consts::PI).sqrt();
        return 1.0 / (1.0 + beta * normal_cdf(beta) / density);
    }
    // Erlang B by its reciprocal, 1/B(k) = 1 + (k/a)·1/B(k−1): one multiply-add a server where
    // the textbook recursion B(k) = a·B/(k + a·B) divides (this loop was half the planner's time
    // at 100 workloads). A reciprocal past f64's range is a B of zero: no one waits.
    let per_load = 1.0 / (rho * c);
    let mut inverse = 1.0;
    let mut k = 1.0;
    while k <= c {
        inverse = 1.0 + inverse * k * per_load;
        k += 1.0;
    }
    let b = 1.0 / inverse;
    b / (1.0 - rho * (1.0 - b))
}

/// Φ(x), the standard normal CDF, from the complementary error function (Numerical Recipes'
/// `erfcc`, a Chebyshev fit with fractional error below 1.2e-7 everywhere).
pub fn normal_cdf(x: f64) -> f64 {
    let z = (x / std::f64::consts::SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
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
    fn kingman_scales_the_md1_wait_by_the_variability() {
        // ρ = 0.5, E[S] = 1, ca² = 4 (bursty cv 2), cs² = 0.5: Kingman's E[W] = 2.25 · 1 · 1
        // = 2.25 is a heavy-traffic figure; bursty arrivals also wait more often than ρ (σ of
        // GI/M/1), so the mean is at least Kingman's.
        let v = Variability { arrivals_scv: 4.0, service_scv: 0.5 };
        let mean = wait_gg1(1.0, 0.5, Percentile::Mean, v);
        let sigma = arrival_root(0.5, 4.0);
        assert!(mean >= 2.25 - 1e-12 && sigma > 0.5, "{mean} {sigma}");
        // It is σ times the longer of the two conditional means.
        let conditional = (2.25 / 0.5_f64).max(0.75 / (1.0 - sigma));
        assert!((mean - sigma * conditional).abs() < 1e-9, "{mean}");
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

    #[test]
    fn gamma_arrivals_wait_as_gi_m_1() {
        // Poisson: σ = ρ.
        assert_eq!(arrival_root(0.4, 1.0), 0.4);
        // Erlang-2 arrivals (scv ½) at ρ = ½: σ = (2 − σ)^(−2), that is
        // (σ − 1)(σ² − 3σ + 1) = 0, whose root in (0, 1) is (3 − √5)/2.
        let exact = (3.0 - 5f64.sqrt()) / 2.0;
        assert!((arrival_root(0.5, 0.5) - exact).abs() < 1e-9, "{}", arrival_root(0.5, 0.5));
        // Bursty gaps wait more than Poisson at any load, and far more at light load.
        for rho in [0.01, 0.3, 0.8] {
            assert!(arrival_root(rho, 6.25) > rho);
        }
        assert!(arrival_root(0.01, 6.25) > 0.2, "{}", arrival_root(0.01, 6.25));
    }

    #[test]
    fn erlang_c_against_closed_forms() {
        // One server: an arrival waits with probability ρ (M/M/1).
        for rho in [0.1, 0.5, 0.9] {
            assert!((waiting_probability(1.0, rho) - rho).abs() < 1e-12);
        }
        // Two servers: C = 2ρ²/(1 + ρ).
        for rho in [0.2, 0.6, 0.95] {
            let exact = 2.0 * rho * rho / (1.0 + rho);
            assert!((waiting_probability(2.0, rho) - exact).abs() < 1e-12);
        }
        // c servers from the textbook sum: C = (a^c/c!)·c/(c−a) / (Σ_{k<c} a^k/k! + that).
        for (c, rho) in [(5u32, 0.7), (20, 0.9), (64, 0.95)] {
            let a = rho * f64::from(c);
            let mut term = 1.0; // a^k / k!
            let mut sum = 0.0;
            for k in 0..c {
                sum += term;
                term *= a / f64::from(k + 1);
            }
            let last = term / (1.0 - rho);
            let exact = last / (sum + last);
            let got = waiting_probability(f64::from(c), rho);
            assert!((got - exact).abs() < 1e-9 * exact.max(1e-3), "{c} {rho}: {got} {exact}");
        }
    }

    #[test]
    fn halfin_whitt_continues_erlang_c() {
        // At the switch the limit is within half a percentage point of the exact formula.
        for rho in [0.85, 0.9, 0.95, 0.98] {
            let exact = waiting_probability(EXACT_ERLANG_UP_TO, rho);
            let beta = (1.0 - rho) * EXACT_ERLANG_UP_TO.sqrt();
            let density = (-0.5 * beta * beta).exp() / (2.0 * std::f64::consts::PI).sqrt();
            let limit = 1.0 / (1.0 + beta * normal_cdf(beta) / density);
            assert!((limit - exact).abs() < 0.005, "{rho}: {limit} {exact}");
        }
        // Φ at known points.
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_cdf(-1.281_551_566) - 0.1).abs() < 1e-7);
    }

    #[test]
    fn one_server_waits_as_the_single_server_queue() {
        // f = 1 (Poisson arrivals, exponential holding): the same tail as `wait_gg1`.
        let v = Variability { arrivals_scv: 1.0, service_scv: 1.0 };
        for rho in [0.3, 0.8] {
            for p in [Percentile::Mean, Percentile::P(90.0), Percentile::P(99.0)] {
                let a = wait_ggc(1.0, 2.0, rho, p, v);
                let b = wait_gg1(2.0, rho, p, v);
                assert!((a - b).abs() < 1e-12 * b.max(1.0), "{rho} {p:?}: {a} {b}");
            }
        }
        // More slots at the same utilisation wait less; more variability waits more.
        let p90 = Percentile::P(90.0);
        let md = Variability { arrivals_scv: 1.0, service_scv: 0.0 };
        assert!(wait_ggc(64.0, 10.0, 0.9, p90, md) < wait_ggc(8.0, 10.0, 0.9, p90, md));
        let bursty = Variability { arrivals_scv: 4.0, service_scv: 0.0 };
        assert!(wait_ggc(64.0, 10.0, 0.9, p90, bursty) > wait_ggc(64.0, 10.0, 0.9, p90, md));
    }
}
