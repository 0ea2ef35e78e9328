//! A small seeded random number generator: xoshiro256** seeded through splitmix64, with the
//! draws the simulator needs (uniform, exponential, normal, gamma). No dependency, and the same
//! seed gives the same stream on every platform.

/// splitmix64: expands one seed into well-mixed words (and derives independent stream seeds).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman and Vigna).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut state = seed;
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
        ];
        Rng { s }
    }

    /// An independent stream for `(seed, stream)`: streams do not shift when another stream
    /// draws more or fewer numbers.
    pub fn stream(seed: u64, stream: u64) -> Rng {
        let mut state = seed ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03);
        Rng::new(splitmix64(&mut state))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform on [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on (0, 1): safe under a logarithm.
    pub fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with this mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.open01().ln()
    }

    /// Standard normal (Marsaglia's polar method; the second value is dropped to keep the
    /// generator state the only state).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Gamma with this shape and scale (mean shape × scale), by Marsaglia and Tsang (2000); a
    /// shape below 1 draws Gamma(shape + 1) and multiplies by U^(1/shape).
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape.is_nan() || scale.is_nan() || shape <= 0.0 || scale <= 0.0 {
            return 0.0;
        }
        if shape < 1.0 {
            let boost = self.open01().powf(1.0 / shape);
            return self.gamma(shape + 1.0, scale) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open01();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v * scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_values() {
        // First outputs of xoshiro256** from state [1, 2, 3, 4] (the reference C code).
        let mut rng = Rng { s: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 11520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1509978240);
        assert_eq!(rng.next_u64(), 1215971899390074240);
    }

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::stream(7, 0).next_u64(), Rng::stream(7, 1).next_u64());
    }

    fn moments(draws: &[f64]) -> (f64, f64) {
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let var = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn gamma_has_its_mean_and_variance() {
        let mut rng = Rng::new(3);
        for (shape, scale) in [(0.25, 2.0), (1.0, 1.0), (4.0, 0.5), (30.0, 0.1)] {
            let draws: Vec<f64> = (0..200_000).map(|_| rng.gamma(shape, scale)).collect();
            let (mean, var) = moments(&draws);
            let (m, v) = (shape * scale, shape * scale * scale);
            assert!((mean - m).abs() / m < 0.02, "shape {shape}: mean {mean} vs {m}");
            assert!((var - v).abs() / v < 0.05, "shape {shape}: var {var} vs {v}");
        }
    }

    #[test]
    fn exponential_and_normal_moments() {
        let mut rng = Rng::new(11);
        let e: Vec<f64> = (0..200_000).map(|_| rng.exponential(2.0)).collect();
        let (mean, var) = moments(&e);
        assert!((mean - 2.0).abs() < 0.03 && (var - 4.0).abs() < 0.15, "{mean} {var}");
        let n: Vec<f64> = (0..200_000).map(|_| rng.normal()).collect();
        let (mean, var) = moments(&n);
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.02, "{mean} {var}");
    }
}
