//! Bytes per value and the compute a device offers for a precision.

use std::collections::BTreeMap;

use crate::spec::Precision::{self, *};

/// Storage per value, including block-scale overhead:
/// - MX formats (OCP Microscaling v1.0): one 8-bit E8M0 scale per 32 values, +1/32 byte;
/// - NVFP4: one FP8 scale per 16 values, +1/16 byte (NVIDIA Blackwell NVFP4 description);
/// - INT4: weight-only groups of 128 with an FP16 scale, +2/128 byte (AWQ/GPTQ default
///   group size);
/// - plain FP4 is taken as unscaled 4-bit storage.
pub fn bytes_per_value(precision: Precision) -> f64 {
    match precision {
        Fp32 => 4.0,
        Bf16 | Fp16 => 2.0,
        Fp8 | Int8 => 1.0,
        Mxfp8 => 1.0 + 1.0 / 32.0,
        Mxfp6 => 0.75 + 1.0 / 32.0,
        Fp4 => 0.5,
        Mxfp4 => 0.5 + 1.0 / 32.0,
        Nvfp4 => 0.5 + 1.0 / 16.0,
        Int4 => 0.5 + 2.0 / 128.0,
    }
}

/// Precisions of the same width and kind: a device that quotes one runs the others.
const FLOAT_LADDER: &[&[Precision]] =
    &[&[Fp4, Mxfp4, Nvfp4], &[Mxfp6], &[Fp8, Mxfp8], &[Bf16, Fp16], &[Fp32]];
const INT_LADDER: &[&[Precision]] = &[&[Int4], &[Int8], &[Bf16, Fp16], &[Fp32]];

/// The precision a device computes `wanted` in, and its peak FLOP/s: the same precision, one of
/// the same width, or else the next wider one that the device quotes.
pub fn compute_for(
    compute: &BTreeMap<Precision, f64>,
    wanted: Precision,
) -> Option<(Precision, f64)> {
    let ladder = if matches!(wanted, Int4 | Int8) { INT_LADDER } else { FLOAT_LADDER };
    let start = ladder.iter().position(|rung| rung.contains(&wanted)).unwrap_or(0);
    if let Some(flops) = compute.get(&wanted) {
        return Some((wanted, *flops));
    }
    ladder
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .flat_map(|rung| rung.iter())
        .find_map(|p| compute.get(p).map(|f| (*p, *f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_overheads() {
        assert_eq!(bytes_per_value(Mxfp4), 0.53125);
        assert_eq!(bytes_per_value(Nvfp4), 0.5625);
        assert_eq!(bytes_per_value(Mxfp8), 1.03125);
    }

    #[test]
    fn falls_back_to_the_next_wider_precision() {
        let a100: BTreeMap<Precision, f64> = [(Bf16, 312e12), (Int8, 624e12)].into();
        assert_eq!(compute_for(&a100, Fp8), Some((Bf16, 312e12)));
        assert_eq!(compute_for(&a100, Mxfp4), Some((Bf16, 312e12)));
        assert_eq!(compute_for(&a100, Int4), Some((Int8, 624e12)));
        assert_eq!(compute_for(&a100, Fp16), Some((Bf16, 312e12)));
        let b200: BTreeMap<Precision, f64> = [(Bf16, 2.25e15), (Fp8, 4.5e15), (Fp4, 9e15)].into();
        assert_eq!(compute_for(&b200, Nvfp4), Some((Fp4, 9e15)));
        assert_eq!(compute_for(&b200, Fp32), None);
    }
}
