//! `s·G − e·P` for verification, in one chain of doublings: both scalars split by Pallas's
//! endomorphism `φ(x, y) = (βx, y) = λ·(x, y)` into halves of about 128 bits (GLV), each half
//! in width-w NAF (Straus): P's odd multiples `1·P … 15·P` computed per call (w = 5), G's
//! `1·G … 511·G` once (w = 10), their images under φ for free. About 128 doublings and 70 mixed
//! additions, against 128 doublings, about 96 full additions and 64 mixed additions for
//! arkworks' GLV multiplication beside the fixed-base table.
//!
//! Variable time: public scalars and points only (verification).

use std::sync::OnceLock;

use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, scalar_mul::glv::GLVConfig};
use ark_ff::PrimeField;
use ark_pallas::PallasConfig;

use crate::curve::{self, Affine, Projective, Scalar};

/// NAF width for the per-call point: 8 odd multiples.
const POINT_WINDOW: usize = 5;
/// NAF width for the generator: 256 odd multiples, computed once.
const GENERATOR_WINDOW: usize = 10;

/// The odd multiples `1·Q, 3·Q, …, (2^(w−1) − 1)·Q` in affine form.
fn odd_multiples(q: &Affine, window: usize) -> Vec<Affine> {
    let count = 1 << (window - 2);
    let double = q.into_group().double();
    let mut multiples = Vec::with_capacity(count);
    let mut current = q.into_group();
    for _ in 0..count {
        multiples.push(current);
        current += double;
    }
    Projective::normalize_batch(&multiples)
}

/// Tables of odd multiples of `Q` and of `φ(Q)`.
struct Tables {
    base: Vec<Affine>,
    endomorphism: Vec<Affine>,
}

impl Tables {
    fn new(q: &Affine, window: usize) -> Tables {
        let base = odd_multiples(q, window);
        let endomorphism = base.iter().map(PallasConfig::endomorphism_affine).collect();
        Tables { base, endomorphism }
    }
}

fn generator_tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables::new(&curve::generator(), GENERATOR_WINDOW))
}

/// `round(2^384 · |n22| / q)` and `round(2^384 · n12 / q)` for arkworks' reduced basis of the
/// GLV lattice `(n11, n12), (n21, n22)` of Pallas (`SCALAR_DECOMP_COEFFS`; `n12 > 0`, the others
/// negative), so that `k · G_i / 2^384` approximates the basis coordinates of `(k, 0)`.
const ROUNDING: [[u64; 5]; 2] = [
    [
        0x4a95a2d972171db4,
        0x61afdea68480fa55,
        0x32c49e4bffffffff,
        0x279a745902a2654e,
        0x0000000000000001,
    ],
    [
        0xc689c5879f98a4df,
        0x61afdea683e7688a,
        0xff2b871c00000003,
        0x279a745903c12455,
        0x0000000000000001,
    ],
];

/// `round(k · g / 2^384)` for `k < 2^256` and `g < 2^258`: below 2^130.
fn mul_shift(k: &[u64; 4], g: &[u64; 5]) -> u128 {
    let mut t = [0u64; 9];
    for (i, ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, gj) in g.iter().enumerate() {
            let v = u128::from(t[i + j]) + u128::from(*ki) * u128::from(*gj) + carry;
            t[i + j] = v as u64;
            carry = v >> 64;
        }
        t[i + 5] = carry as u64;
    }
    // + 2^383 rounds to nearest
    let (low, overflow) = t[5].overflowing_add(1 << 63);
    t[5] = low;
    let high = (u128::from(t[6]) | (u128::from(t[7]) << 64)) + u128::from(overflow);
    debug_assert_eq!(t[8], 0);
    high
}

/// `k = k1 + λ·k2 (mod q)` with `|k1|, |k2|` about 2^128, as (is non-negative, magnitude):
/// arkworks' GLV decomposition, with fixed-size arithmetic instead of arbitrary-precision
/// division. The rounding may differ from arkworks' by one, which only changes the halves'
/// size by a lattice vector, never the identity.
fn decompose(k: &Scalar) -> [(bool, [u64; 4]); 2] {
    let [(_, n11), (_, n12), (_, n21), (_, n22)] =
        PallasConfig::SCALAR_DECOMP_COEFFS.map(|(sign, n)| (sign, Scalar::from_bigint(n)));
    let unwrap = |x: Option<Scalar>| x.unwrap_or_else(|| unreachable!("basis entries are below q"));
    let (n11, n12, n21, n22) = (unwrap(n11), unwrap(n12), unwrap(n21), unwrap(n22));
    let words = k.into_bigint().0;
    // c1 = round(k·|n22|/q), c2 = round(k·n12/q): the basis coordinates are −c1 and −c2
    let c1 = Scalar::from(mul_shift(&words, &ROUNDING[0]));
    let c2 = Scalar::from(mul_shift(&words, &ROUNDING[1]));
    // (k1, k2) = (k, 0) − (−c1)·(n11, n12) − (−c2)·(n21, n22), with n11, n21, n22 negative
    let k1 = *k - c1 * n11 - c2 * n21;
    let k2 = c1 * n12 - c2 * n22;
    [k1, k2].map(|half| {
        let words = half.into_bigint();
        if words <= Scalar::MODULUS_MINUS_ONE_DIV_TWO {
            (true, words.0)
        } else {
            (false, (-half).into_bigint().0)
        }
    })
}

/// Width-`w` NAF digits of `k < 2^250`, least significant first: odd or zero, below 2^(w−1) in
/// magnitude, at most one nonzero in any `w` consecutive; and the number of digits up to the
/// last nonzero one.
fn wnaf(k: &[u64; 4], window: usize) -> ([i16; 256], usize) {
    let mut digits = [0i16; 256];
    let words = [k[0], k[1], k[2], k[3], 0];
    let width = 1u64 << window;
    let (mut position, mut carry, mut length) = (0, 0, 0);
    while position < 256 {
        let (word, bit) = (position / 64, position % 64);
        let mut bits = words[word] >> bit;
        if bit + window > 64 {
            bits |= words[word + 1] << (64 - bit);
        }
        let value = carry + (bits & (width - 1));
        if value & 1 == 0 {
            position += 1;
            continue;
        }
        if value < width / 2 {
            carry = 0;
            digits[position] = value as i16;
        } else {
            carry = 1;
            digits[position] = value as i16 - width as i16;
        }
        length = position + 1;
        position += window;
    }
    debug_assert_eq!(carry, 0);
    (digits, length)
}

/// A half of a decomposed scalar as NAF digits (least significant first) with the table of
/// odd multiples it selects from, and the sign of the whole term.
struct Stream<'a> {
    digits: [i16; 256],
    length: usize,
    table: &'a [Affine],
    negate: bool,
}

/// The two streams of `k·Q` (`negate`: of `−k·Q`).
fn streams<'a>(k: &Scalar, tables: &'a Tables, window: usize, negate: bool) -> [Stream<'a>; 2] {
    let [(positive1, k1), (positive2, k2)] = decompose(k);
    let stream = |half: &[u64; 4], table: &'a [Affine], positive: bool| {
        let (digits, length) = wnaf(half, window);
        Stream {
            digits,
            length,
            table,
            negate: positive == negate,
        }
    };
    [
        stream(&k1, &tables.base, positive1),
        stream(&k2, &tables.endomorphism, positive2),
    ]
}

/// `s·G − e·P`, for public `s`, `e` and `P` only.
pub fn mul_generator_minus_point(s: &Scalar, e: &Scalar, point: &Affine) -> Projective {
    let point_tables = Tables::new(point, POINT_WINDOW);
    let [g1, g2] = streams(s, generator_tables(), GENERATOR_WINDOW, false);
    let [p1, p2] = streams(e, &point_tables, POINT_WINDOW, true);
    let all = [g1, g2, p1, p2];
    let length = all.iter().map(|s| s.length).max().unwrap_or(0);
    let mut acc = Projective::ZERO;
    for i in (0..length).rev() {
        acc.double_in_place();
        for stream in &all {
            let digit = stream.digits[i];
            if digit != 0 {
                let entry = stream.table[(digit.unsigned_abs() / 2) as usize];
                if (digit < 0) != stream.negate {
                    acc += -entry;
                } else {
                    acc += entry;
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field as _, UniformRand};
    use ark_std::rand::RngCore;

    fn scalar(words: &[u64; 4]) -> Scalar {
        Scalar::from_bigint(ark_ff::BigInt(*words))
            .unwrap_or_else(|| panic!("{words:?} is not below q"))
    }

    fn edge_scalars() -> Vec<Scalar> {
        let lambda = PallasConfig::LAMBDA;
        vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::from(2u8),
            lambda,
            -lambda,
            lambda + Scalar::ONE,
            Scalar::from(2u8).pow([128]),
            Scalar::from(2u8).pow([127]) - Scalar::ONE,
            Scalar::from(2u8).pow([253]),
            Scalar::from_bigint(Scalar::MODULUS_MINUS_ONE_DIV_TWO).unwrap_or(Scalar::ONE),
        ]
    }

    #[test]
    fn decomposition_is_short_and_exact() {
        let mut rng = ark_std::test_rng();
        let mut scalars = edge_scalars();
        scalars.extend((0..5000).map(|_| Scalar::rand(&mut rng)));
        for k in scalars {
            let [(positive1, k1), (positive2, k2)] = decompose(&k);
            for half in [k1, k2] {
                assert!(half[2] >> 2 == 0 && half[3] == 0, "{k}: {half:?}");
            }
            let signed = |positive: bool, x: Scalar| if positive { x } else { -x };
            let recomposed = signed(positive1, scalar(&k1))
                + PallasConfig::LAMBDA * signed(positive2, scalar(&k2));
            assert_eq!(recomposed, k);
        }
    }

    #[test]
    fn naf_digits_recompose_and_are_sparse() {
        let mut rng = ark_std::test_rng();
        for window in [5, 10] {
            for _ in 0..2000 {
                let mut words: [u64; 4] = [rng.next_u64(), rng.next_u64(), rng.next_u64(), 0];
                words[2] >>= rng.next_u64() % 64;
                let (digits, length) = wnaf(&words, window);
                assert!(digits[length..].iter().all(|d| *d == 0));
                let mut sum = Scalar::ZERO;
                for (i, d) in digits.iter().enumerate().rev() {
                    sum = sum.double() + Scalar::from(i64::from(*d));
                    if *d != 0 {
                        assert!(d % 2 != 0 && d.unsigned_abs() < 1 << (window - 1));
                        let next = &digits[i + 1..(i + window).min(256)];
                        assert!(next.iter().all(|x| *x == 0), "adjacent digits at {i}");
                    }
                }
                assert_eq!(sum, scalar(&words));
            }
        }
    }

    fn reference(s: &Scalar, e: &Scalar, point: &Affine) -> Projective {
        curve::generator() * s - *point * e
    }

    #[test]
    fn agrees_with_plain_multiplication() {
        let mut rng = ark_std::test_rng();
        let g = curve::generator();
        let edges = edge_scalars();
        let points = [
            g,
            (g * Scalar::from(3u8)).into_affine(),
            (g * Scalar::rand(&mut rng)).into_affine(),
        ];
        for point in &points {
            for s in &edges {
                for e in &edges {
                    assert_eq!(
                        mul_generator_minus_point(s, e, point),
                        reference(s, e, point),
                        "{s} {e}"
                    );
                }
            }
        }
        for _ in 0..200 {
            let (s, e) = (Scalar::rand(&mut rng), Scalar::rand(&mut rng));
            let point = (g * Scalar::rand(&mut rng)).into_affine();
            assert_eq!(
                mul_generator_minus_point(&s, &e, &point),
                reference(&s, &e, &point)
            );
        }
        // s·G − e·P is zero when P = G and s = e
        let k = Scalar::rand(&mut rng);
        assert_eq!(mul_generator_minus_point(&k, &k, &g), Projective::ZERO);
    }
}
