//! Traffic shapes shared by the planner and the simulator: how request lengths are distributed
//! and how requests arrive. Pure values with their moments and quantiles; no I/O, no RNG (a
//! sample is the quantile of a uniform draw, so any RNG the caller owns will do).

use serde::Serialize;

/// How a length in tokens is distributed across requests. A plain `input = 2k tokens` is
/// `Fixed`.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Lengths {
    Fixed {
        tokens: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        low: f64,
        high: f64,
    },
    /// Lognormal with this mean and coefficient of variation (standard deviation / mean).
    Lognormal {
        mean: f64,
        cv: f64,
    },
    /// Lengths read from a file, sorted ascending, each equally likely.
    Empirical {
        values: Vec<f64>,
    },
}

impl Lengths {
    pub fn fixed(tokens: f64) -> Lengths {
        Lengths::Fixed { tokens }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Lengths::Fixed { tokens } => *tokens,
            Lengths::Uniform { low, high } => 0.5 * (low + high),
            Lengths::Lognormal { mean, .. } => *mean,
            Lengths::Empirical { values } => {
                values.iter().sum::<f64>() / (values.len().max(1) as f64)
            }
        }
    }

    /// E[L²], for Pollaczek–Khinchine style waits.
    pub fn second_moment(&self) -> f64 {
        let m = self.mean();
        match self {
            Lengths::Fixed { tokens } => tokens * tokens,
            Lengths::Uniform { low, high } => (low * low + low * high + high * high) / 3.0,
            Lengths::Lognormal { cv, .. } => m * m * (1.0 + cv * cv),
            Lengths::Empirical { values } => {
                values.iter().map(|v| v * v).sum::<f64>() / (values.len().max(1) as f64)
            }
        }
    }

    /// Squared coefficient of variation, Var[L] / E[L]².
    pub fn scv(&self) -> f64 {
        let m = self.mean();
        if m <= 0.0 {
            return 0.0;
        }
        (self.second_moment() / (m * m) - 1.0).max(0.0)
    }

    /// The `q`-quantile, `q` in [0, 1] (clamped). `sample(u)` is `quantile(u)` for a uniform
    /// draw `u`.
    pub fn quantile(&self, q: f64) -> f64 {
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        match self {
            Lengths::Fixed { tokens } => *tokens,
            Lengths::Uniform { low, high } => low + q * (high - low),
            Lengths::Lognormal { mean, cv } => {
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = mean.ln() - 0.5 * sigma2;
                let q = q.clamp(1e-12, 1.0 - 1e-12);
                (mu + sigma2.sqrt() * inverse_normal_cdf(q)).exp()
            }
            Lengths::Empirical { values } => {
                if values.is_empty() {
                    return 0.0;
                }
                // The inverse of the empirical CDF: the smallest value with F(v) ≥ q.
                let n = values.len();
                let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
                values[i]
            }
        }
    }

    /// E[L²] / E[L]: the mean length seen by a time average that weights each request by its
    /// length, such as the output length of the sequences in a decode batch at a random step
    /// (a sequence of `o` output tokens stays `o` steps). Equals the length when it is fixed.
    pub fn length_biased_mean(&self) -> f64 {
        match self {
            Lengths::Fixed { tokens } => *tokens,
            _ => {
                let m = self.mean();
                if m > 0.0 {
                    self.second_moment() / m
                } else {
                    0.0
                }
            }
        }
    }

    /// The lognormal with this median and 99th percentile (`p99 > p50 > 0`):
    /// σ = ln(p99/p50) / z₀.₉₉, μ = ln p50, mean = exp(μ + σ²/2), cv = √(exp(σ²) − 1).
    pub fn lognormal_from_percentiles(p50: f64, p99: f64) -> Lengths {
        let sigma = (p99 / p50).ln() / Z_99;
        let sigma2 = sigma * sigma;
        let mean = (p50.ln() + sigma2 / 2.0).exp();
        let cv = sigma2.exp_m1().sqrt();
        Lengths::Lognormal { mean, cv }
    }

    /// Draw one length from a uniform `u` in [0, 1).
    pub fn sample(&self, u: f64) -> f64 {
        self.quantile(u)
    }
}

/// How requests arrive. `Poisson` is the default; `Gamma` draws inter-arrival times from a gamma
/// distribution with the workload's mean rate and this coefficient of variation (cv > 1 is
/// burstier than Poisson, cv = 1 is Poisson).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arrivals {
    #[default]
    Poisson,
    Gamma {
        cv: f64,
    },
}

impl Arrivals {
    /// Squared coefficient of variation of the inter-arrival times.
    pub fn scv(self) -> f64 {
        match self {
            Arrivals::Poisson => 1.0,
            Arrivals::Gamma { cv } => cv * cv,
        }
    }
}

/// z₀.₉₉ = Φ⁻¹(0.99), the standard normal's 99th percentile.
pub const Z_99: f64 = 2.326_347_874_040_840_8;

/// Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2e-9 over (0, 1)).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p_low = 0.02425;
    if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -inverse_normal_cdf(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_normal_matches_known_quantiles() {
        assert!((inverse_normal_cdf(0.5)).abs() < 1e-9);
        assert!((inverse_normal_cdf(0.975) - 1.959_963_985).abs() < 1e-6);
        assert!((inverse_normal_cdf(0.01) + 2.326_347_874).abs() < 1e-6);
    }

    #[test]
    fn moments_by_hand() {
        let u = Lengths::Uniform { low: 0.0, high: 6.0 };
        assert_eq!(u.mean(), 3.0);
        assert!((u.scv() - 1.0 / 3.0).abs() < 1e-12); // var 3, mean² 9
        let l = Lengths::Lognormal { mean: 1000.0, cv: 0.5 };
        assert!((l.scv() - 0.25).abs() < 1e-12);
        // The median of a lognormal is mean / sqrt(1 + cv²).
        assert!((l.quantile(0.5) - 1000.0 / 1.25_f64.sqrt()).abs() < 1e-6);
        let e = Lengths::Empirical { values: vec![1.0, 2.0, 3.0, 4.0] };
        assert_eq!(e.mean(), 2.5);
        assert_eq!(e.quantile(0.5), 2.0);
        assert_eq!(e.quantile(0.51), 3.0);
        assert_eq!(e.quantile(1.0), 4.0);
        assert_eq!(Lengths::fixed(7.0).scv(), 0.0);
        assert_eq!(Arrivals::Gamma { cv: 2.0 }.scv(), 4.0);
    }

    #[test]
    fn lognormal_from_percentiles_gives_them_back() {
        let l = Lengths::lognormal_from_percentiles(1500.0, 12_000.0);
        assert!((l.quantile(0.5) - 1500.0).abs() < 1e-6, "{}", l.quantile(0.5));
        assert!((l.quantile(0.99) - 12_000.0).abs() < 1e-4, "{}", l.quantile(0.99));
        // σ = ln 8 / z₀.₉₉ = 0.893 9; mean = 1500 · exp(σ²/2)
        let sigma = 8f64.ln() / Z_99;
        let Lengths::Lognormal { mean, cv } = l else { panic!("not lognormal") };
        assert!((mean - 1500.0 * (sigma * sigma / 2.0).exp()).abs() < 1e-9);
        assert!((cv - ((sigma * sigma).exp() - 1.0).sqrt()).abs() < 1e-12);
        assert!((Z_99 - inverse_normal_cdf(0.99)).abs() < 1e-8);
    }

    #[test]
    fn length_biased_mean_by_hand() {
        assert_eq!(Lengths::fixed(300.0).length_biased_mean(), 300.0);
        // E[L²]/E[L] = (1 + 9)/2 / 2 = 2.5 for {1, 3}
        let e = Lengths::Empirical { values: vec![1.0, 3.0] };
        assert_eq!(e.length_biased_mean(), 2.5);
        // mean (1 + cv²) for a lognormal
        let l = Lengths::Lognormal { mean: 100.0, cv: 1.0 };
        assert!((l.length_biased_mean() - 200.0).abs() < 1e-9);
    }
}
