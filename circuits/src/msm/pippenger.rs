//! Pippenger's multi-scalar multiplication over [`Affine`] bases with signed digits: each
//! window of c bits becomes a digit in [−2^(c−1), 2^(c−1)] (a carry into the next window), so a
//! window needs 2^(c−1) buckets and a negative digit adds the negated base (negating y is one
//! subtraction). A window's buckets are summed in affine coordinates with batched inversions,
//! and weighted by column and row sums ([`Buckets`]).

use ark_ff::{BigInt, BigInteger};

use super::buckets::Buckets;
use super::field::FieldOps;
use super::point::{Affine, Xyzz};

/// Bits a scalar may have: arkworks' 256-bit `BigInt<4>` (field elements are below 2^255).
const SCALAR_BITS: usize = 256;
/// Relative costs used to pick the window, in multiplications: adding a base into its bucket
/// (an affine addition with a batched inversion, 5M + 1S, and the sorting), and weighting a
/// bucket (two such additions into its column and row sums, and its share of their running
/// sums; [`Buckets`]). Measured in node, 12 to 22 for the bucket pick the same windows within
/// the noise.
const BASE_COST: usize = 7;
const BUCKET_COST: usize = 16;

/// Part `part` of `parts` of the MSM: the windows w ≡ part (mod parts), each weighted by its
/// 2^(c·w). The parts add up to the MSM, and each costs about 1/parts of it (splitting the
/// windows rather than the bases keeps the window fit for all the bases and sums each
/// window's buckets once).
pub(crate) fn msm_part<F: FieldOps>(
    bases: &[Affine<F>],
    scalars: &[BigInt<4>],
    part: usize,
    parts: usize,
) -> Xyzz<F> {
    let size = bases.len().min(scalars.len());
    let bases = &bases[..size];
    // the identity's scalar as zero: its digits are all zero, and no window looks at it
    let scalars: Vec<BigInt<4>> = bases
        .iter()
        .zip(scalars)
        .map(|(base, scalar)| {
            if base.infinity {
                BigInt::zero()
            } else {
                *scalar
            }
        })
        .collect();
    let live = scalars.iter().filter(|scalar| !scalar.is_zero()).count();
    if live == 0 {
        return Xyzz::IDENTITY;
    }
    let c = window_bits(live);
    let windows = SCALAR_BITS / c + 1;
    let digits = signed_digits(&scalars, c, windows);
    let mut buckets = Buckets::new(1 << (c - 1), size);
    let mut total = Xyzz::IDENTITY;
    for w in (0..windows).rev() {
        for _ in 0..c {
            total = total.double();
        }
        if w % parts == part {
            let window = &digits[w * size..(w + 1) * size];
            total = total.add(&buckets.window_sum(bases, window));
        }
    }
    total
}

/// The window width c minimizing windows × (bucket additions + bucket summation).
fn window_bits(size: usize) -> usize {
    (2..=16)
        .min_by_key(|&c| (SCALAR_BITS / c + 1) * (size * BASE_COST + (BUCKET_COST << (c - 1))))
        .unwrap_or(8)
}

/// `c` bits of `scalar` from bit `offset` (bits past the end are zero).
fn bits(scalar: &BigInt<4>, offset: usize, c: usize) -> u64 {
    let (word, shift) = (offset / 64, offset % 64);
    if word >= 4 {
        return 0;
    }
    let mut value = scalar.0[word] >> shift;
    if shift + c > 64 && word + 1 < 4 {
        value |= scalar.0[word + 1] << (64 - shift);
    }
    value & ((1 << c) - 1)
}

/// Signed digits, window-major: `digits[w·n + i]` is window `w` of scalar `i`, and
/// `Σ_w digits[w·n + i]·2^(c·w) = scalars[i]`.
fn signed_digits(scalars: &[BigInt<4>], c: usize, windows: usize) -> Vec<i32> {
    let n = scalars.len();
    let half = 1i64 << (c - 1);
    let mut digits = vec![0i32; n * windows];
    for (i, scalar) in scalars.iter().enumerate() {
        let mut carry = 0i64;
        for w in 0..windows {
            let mut digit = bits(scalar, w * c, c) as i64 + carry;
            carry = 0;
            if digit > half {
                digit -= 1 << c;
                carry = 1;
            }
            digits[w * n + i] = digit as i32;
        }
        debug_assert_eq!(carry, 0, "the top window absorbs the last carry");
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_digits_recompose_the_scalar() {
        let scalars = [
            BigInt([0, 0, 0, 0]),
            BigInt([1, 0, 0, 0]),
            BigInt([u64::MAX; 4]),
            BigInt([0x8000_0000_0000_0000, 7, u64::MAX, 0x7fff_ffff_ffff_ffff]),
        ];
        for c in 2..=16 {
            let windows = SCALAR_BITS / c + 1;
            let digits = signed_digits(&scalars, c, windows);
            for (i, scalar) in scalars.iter().enumerate() {
                // Σ digit·2^(c·w) in i128 pieces: compare word by word via a running value
                let mut words = [0i128; 5];
                for w in 0..windows {
                    let digit = digits[w * scalars.len() + i];
                    assert!(digit.unsigned_abs() <= 1 << (c - 1));
                    let (word, shift) = ((w * c) / 64, (w * c) % 64);
                    let shifted = i128::from(digit) << shift;
                    words[word] += shifted;
                }
                for k in 0..4 {
                    let carry = words[k] >> 64;
                    words[k + 1] += carry;
                    words[k] -= carry << 64;
                }
                let got: Vec<u64> = words[..4].iter().map(|&w| w as u64).collect();
                assert_eq!(got, scalar.0.to_vec(), "c = {c}");
                assert_eq!(words[4], 0);
            }
        }
    }
}
