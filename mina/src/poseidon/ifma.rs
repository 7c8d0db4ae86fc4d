//! The Poseidon permutation with AVX-512 IFMA (`vpmadd52luq` / `vpmadd52huq`), on x86-64
//! processors that have it: the three state elements are the lanes of 256-bit vectors, each
//! element five 52-bit limbs (one vector per limb), in Montgomery form with R = 2^260.
//!
//! A field multiplication is 25 limb products (15 for a square; low and high halves added into
//! 64-bit lanes without carries) and a Montgomery reduction of five steps whose multiples of p
//! use p's three nonzero low limbs and, for its top limb `2^46`, shifts. Values stay below
//! 2^256 and are never fully reduced inside the permutation: for operands below 2^256 a product
//! is below `2^512 / 2^260 + p = p + 2^252`. The state is kept scaled per element so that every
//! round's MDS diagonal is one ([`Params52::convert`]): a row is then `y_i` plus two lane-wise
//! products with the lanes rotated (`M[i][i+1] · y[i+1] + M[i][i+2] · y[i+2]`, indices mod 3)
//! and the round constant, sharing one reduction, below
//! `(p + 2^252) + p + 2p · 2^256 / 2^260 + p < 2^256`.
//!
//! This module holds the crate's only `unsafe`: the call of the `#[target_feature]` function
//! from code compiled without those features, made only after `is_x86_feature_detected!` has
//! seen them at run time (`docs/decisions/0004-avx512-ifma-poseidon.md`). Every intrinsic used
//! is safe inside the feature-enabled functions.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, _mm256_add_epi64, _mm256_and_si256, _mm256_extract_epi64, _mm256_madd52hi_epu64,
    _mm256_madd52lo_epu64, _mm256_permute4x64_epi64, _mm256_set1_epi64x, _mm256_setr_epi64x,
    _mm256_setzero_si256, _mm256_slli_epi64, _mm256_srli_epi64,
};
use std::sync::OnceLock;

use ark_ff::{BigInt, Field as _, PrimeField};

use super::{PoseidonParams, WIDTH};
use crate::curve::{Field, P_WORDS, montgomery_inverse};
use crate::fp64::{self, Limbs};

/// Limbs of an element.
const LIMBS: usize = 5;
const MASK: u64 = (1 << 52) - 1;

/// An element in radix 2^52: five limbs, least significant first.
type Radix52 = [u64; LIMBS];
/// Lane `i` of limb `k` is limb `k` of state element `i` (lane 3 unused).
type Lanes = [[u64; 4]; LIMBS];

const fn split(w: &Limbs) -> Radix52 {
    [
        w[0] & MASK,
        (w[0] >> 52 | w[1] << 12) & MASK,
        (w[1] >> 40 | w[2] << 24) & MASK,
        (w[2] >> 28 | w[3] << 36) & MASK,
        w[3] >> 16,
    ]
}

/// The inverse of [`split`] for limbs below 2^52 and a value below 2^256.
fn join(l: &Radix52) -> Limbs {
    [
        l[0] | l[1] << 52,
        l[1] >> 12 | l[2] << 40,
        l[2] >> 24 | l[3] << 28,
        l[3] >> 36 | l[4] << 16,
    ]
}

const P: Radix52 = split(&P_WORDS);
/// −p⁻¹ mod 2^52.
const INV: u64 = montgomery_inverse(P_WORDS[0]) & MASK;

// The shape the reduction relies on: p's limb 3 is zero, limb 4 is 2^46.
const _: () = assert!(P[3] == 0 && P[4] == 1 << 46);

/// A parameter set in this representation, with the state kept scaled so that the MDS
/// diagonal is one in every round (see [`Params52::convert`]).
#[derive(Debug)]
pub(crate) struct Params52 {
    rounds: Vec<Round>,
    /// The round constants added before the first round, if any (arkworks' form).
    initial: Option<[Field; WIDTH]>,
    /// Multipliers at entry (`2^264 mod p`: arkworks' Montgomery form to ours) and at exit
    /// (lane `i`: `2^256 / a_i`, back to arkworks' form, the scaling undone).
    to_ours: Lanes,
    to_arkworks: Lanes,
    power: u64,
}

/// One round's scaled MDS off the diagonal and its round constants.
#[derive(Debug)]
struct Round {
    /// `diagonals[k − 1]`, lane `i`: the scaled `M[i][(i + k) mod 3]`, for `k` = 1, 2.
    diagonals: [Lanes; 2],
    constants: Lanes,
}

/// Our Montgomery form (R = 2^260) of an element, canonical, in radix 2^52.
fn ours(x: &Field) -> Radix52 {
    split(&(*x * Field::from(16u8)).0.0)
}

/// A plain integer below p, in radix 2^52.
fn plain(x: Field) -> Radix52 {
    split(&x.into_bigint().0)
}

fn lanes(elements: [Radix52; WIDTH]) -> Lanes {
    std::array::from_fn(|k| [elements[0][k], elements[1][k], elements[2][k], 0])
}

impl Params52 {
    /// The state before round `r` is kept as `a_r ∘ s` (element `i` times `a_r[i]`), with
    /// `a_0 = 1` and `a_(r+1)[i] = a_r[i]^POWER / M[i][i]`: the S-box turns `a_r ∘ s` into
    /// `a_r^POWER ∘ sbox(s)`, so the round's matrix becomes
    /// `M'[i][j] = a_(r+1)[i] · M[i][j] / a_r[j]^POWER`, whose diagonal is one (an addition
    /// instead of a product), and its constants `a_(r+1) ∘ c`.
    fn convert<const N: usize>(params: &PoseidonParams<N>) -> Params52 {
        let offset = usize::from(params.has_initial_round_constant);
        let mut scale = [Field::ONE; WIDTH];
        let mut rounds = Vec::with_capacity(params.full_rounds);
        for constants in &params.round_constants[offset..offset + params.full_rounds] {
            let powered = scale.map(|a| a.pow([params.power]));
            let next: [Field; WIDTH] = std::array::from_fn(|i| powered[i] / params.mds[i][i]);
            let entry = |i: usize, j: usize| next[i] * params.mds[i][j] / powered[j];
            rounds.push(Round {
                diagonals: [1, 2]
                    .map(|k| lanes(std::array::from_fn(|i| ours(&entry(i, (i + k) % WIDTH))))),
                constants: lanes(std::array::from_fn(|i| ours(&(next[i] * constants[i])))),
            });
            scale = next;
        }
        let two = Field::from(2u8);
        let unscale = scale.map(|a| {
            let inverse = a
                .inverse()
                .unwrap_or_else(|| unreachable!("MDS diagonals are nonzero"));
            plain(two.pow([256]) * inverse)
        });
        Params52 {
            rounds,
            initial: params
                .has_initial_round_constant
                .then_some(params.round_constants[0]),
            to_ours: lanes([plain(two.pow([264])); WIDTH]),
            to_arkworks: lanes(unscale),
            power: params.power,
        }
    }
}

fn params(kimchi: bool) -> &'static Params52 {
    static LEGACY: OnceLock<Params52> = OnceLock::new();
    static KIMCHI: OnceLock<Params52> = OnceLock::new();
    if kimchi {
        KIMCHI.get_or_init(|| Params52::convert(&super::params::KIMCHI))
    } else {
        LEGACY.get_or_init(|| Params52::convert(&super::params::LEGACY))
    }
}

/// Whether this processor has the instructions (detected once; the standard library caches).
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512ifma")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// Applies the permutation when [`available`]; `false` (state untouched) otherwise.
pub(crate) fn permute(kimchi: bool, state: &mut [Field; WIDTH]) -> bool {
    if !available() {
        return false;
    }
    let params = params(kimchi);
    // SAFETY: `available()` has just checked that the processor supports avx512ifma and
    // avx512vl (and so avx512f and avx2, which they imply), the target features of
    // `permute_ifma`; it has no other safety condition.
    unsafe { permute_ifma(params, state) };
    true
}

type Vector = [__m256i; LIMBS];

#[target_feature(enable = "avx512ifma,avx512vl")]
fn load(lanes: &Lanes) -> Vector {
    lanes.map(|l| _mm256_setr_epi64x(l[0] as i64, l[1] as i64, l[2] as i64, l[3] as i64))
}

#[target_feature(enable = "avx512ifma,avx512vl")]
fn permute_ifma(params: &Params52, state: &mut [Field; WIDTH]) {
    if let Some(initial) = &params.initial {
        for (slot, constant) in state.iter_mut().zip(initial) {
            *slot += constant;
        }
    }
    let words = state.map(|x| split(&x.0.0));
    let mut s = mul(&load(&lanes(words)), &load(&params.to_ours));
    for round in &params.rounds {
        let x2 = square(&s);
        let x4 = square(&x2);
        let powered = if params.power == 5 {
            mul(&x4, &s)
        } else {
            mul(&mul(&x4, &x2), &s)
        };
        let diagonals = round.diagonals.each_ref().map(|d| load(d));
        s = mds(&diagonals, &powered, &load(&round.constants));
    }
    let out = mul(&s, &load(&params.to_arkworks));
    let extract = |k: usize| -> [u64; 3] {
        [
            _mm256_extract_epi64::<0>(out[k]) as u64,
            _mm256_extract_epi64::<1>(out[k]) as u64,
            _mm256_extract_epi64::<2>(out[k]) as u64,
        ]
    };
    let limbs: [[u64; 3]; LIMBS] = std::array::from_fn(extract);
    for (i, slot) in state.iter_mut().enumerate() {
        // below p + 2^252 < 2p: one conditional subtraction makes it canonical
        let words = fp64::subtract_p_if_not_below(join(&limbs.map(|l| l[i])));
        *slot = Field::new_unchecked(BigInt(words));
    }
}

/// Lane-wise products of two elements each below 2^256, added into `t` (column `k` holds the
/// terms of weight 2^(52k); the high halves go into `high` to keep the chains short).
#[target_feature(enable = "avx512ifma,avx512vl")]
#[inline]
fn products(t: &mut [__m256i; 2 * LIMBS], high: &mut [__m256i; 2 * LIMBS], a: &Vector, b: &Vector) {
    for i in 0..LIMBS {
        for j in 0..LIMBS {
            t[i + j] = _mm256_madd52lo_epu64(t[i + j], a[i], b[j]);
            high[i + j + 1] = _mm256_madd52hi_epu64(high[i + j + 1], a[i], b[j]);
        }
    }
}

/// `a · b / 2^260 mod p`, below `a · b / 2^260 + p`.
#[target_feature(enable = "avx512ifma,avx512vl")]
#[inline]
fn mul(a: &Vector, b: &Vector) -> Vector {
    let zero = _mm256_setzero_si256();
    let (mut t, mut high) = ([zero; 2 * LIMBS], [zero; 2 * LIMBS]);
    products(&mut t, &mut high, a, b);
    reduce(&t, &high)
}

/// `a² / 2^260 mod p` with 15 limb products instead of 25: the products `a_i · a_j`, `i < j`,
/// are summed once and doubled.
#[target_feature(enable = "avx512ifma,avx512vl")]
#[inline]
fn square(a: &Vector) -> Vector {
    let zero = _mm256_setzero_si256();
    let (mut t, mut high) = ([zero; 2 * LIMBS], [zero; 2 * LIMBS]);
    for i in 0..LIMBS {
        for j in i + 1..LIMBS {
            t[i + j] = _mm256_madd52lo_epu64(t[i + j], a[i], a[j]);
            high[i + j + 1] = _mm256_madd52hi_epu64(high[i + j + 1], a[i], a[j]);
        }
    }
    for k in 0..2 * LIMBS {
        t[k] = _mm256_slli_epi64::<1>(_mm256_add_epi64(t[k], high[k]));
    }
    for i in 0..LIMBS {
        t[2 * i] = _mm256_madd52lo_epu64(t[2 * i], a[i], a[i]);
        t[2 * i + 1] = _mm256_madd52hi_epu64(t[2 * i + 1], a[i], a[i]);
    }
    reduce(&t, &[zero; 2 * LIMBS])
}

/// One scaled MDS row per lane plus the round constant:
/// `y + d_1 · rotate_1(y) + d_2 · rotate_2(y) + c`, reduced. `y` and `c` enter the columns as
/// `(y + c) · 2^260`, so that the reduction adds them.
#[target_feature(enable = "avx512ifma,avx512vl")]
#[inline]
fn mds(diagonals: &[Vector; 2], y: &Vector, constants: &Vector) -> Vector {
    // lanes (y1, y2, y0) and (y2, y0, y1)
    let rotate1 = y.map(|v| _mm256_permute4x64_epi64::<0b11_00_10_01>(v));
    let rotate2 = y.map(|v| _mm256_permute4x64_epi64::<0b11_01_00_10>(v));
    let zero = _mm256_setzero_si256();
    let (mut t, mut high) = ([zero; 2 * LIMBS], [zero; 2 * LIMBS]);
    products(&mut t, &mut high, &diagonals[0], &rotate1);
    products(&mut t, &mut high, &diagonals[1], &rotate2);
    for k in 0..LIMBS {
        t[LIMBS + k] = _mm256_add_epi64(t[LIMBS + k], _mm256_add_epi64(y[k], constants[k]));
    }
    reduce(&t, &high)
}

/// Montgomery reduction of the columns `t + high` (each below 2^62): `T / 2^260 mod p`, limbs
/// normalised below 2^52, for `T / 2^260 + p < 2^256`.
#[target_feature(enable = "avx512ifma,avx512vl")]
#[inline]
fn reduce(t: &[__m256i; 2 * LIMBS], high: &[__m256i; 2 * LIMBS]) -> Vector {
    let zero = _mm256_setzero_si256();
    let [p0, p1, p2, _, _] = P.map(|l| _mm256_set1_epi64x(l as i64));
    let inv = _mm256_set1_epi64x(INV as i64);
    let mut t: [__m256i; 2 * LIMBS] = std::array::from_fn(|k| _mm256_add_epi64(t[k], high[k]));
    let mask = _mm256_set1_epi64x(MASK as i64);
    for k in 0..LIMBS {
        // m = t_k · (−p⁻¹) mod 2^52 makes t_k + m·p0 a multiple of 2^52: its carry is
        // t_k / 2^52, plus one unless t_k's low 52 bits are zero (known before m)
        let m = _mm256_madd52lo_epu64(zero, t[k], inv);
        // (t_k + 2^52 − 1) / 2^52: the carry is known before m
        let carry = _mm256_srli_epi64::<52>(_mm256_add_epi64(t[k], mask));
        let a = _mm256_madd52hi_epu64(_mm256_add_epi64(t[k + 1], carry), m, p0);
        let b = _mm256_madd52lo_epu64(zero, m, p1);
        t[k + 1] = _mm256_add_epi64(a, b);
        t[k + 2] = _mm256_madd52hi_epu64(t[k + 2], m, p1);
        t[k + 2] = _mm256_madd52lo_epu64(t[k + 2], m, p2);
        t[k + 3] = _mm256_madd52hi_epu64(t[k + 3], m, p2);
        // m · p4 = m · 2^46: shifts instead of products
        let shifted = _mm256_and_si256(_mm256_slli_epi64::<46>(m), mask);
        t[k + 4] = _mm256_add_epi64(t[k + 4], shifted);
        t[k + 5] = _mm256_add_epi64(t[k + 5], _mm256_srli_epi64::<6>(m));
    }
    let mut out = [zero; LIMBS];
    let mut carry = zero;
    for k in 0..LIMBS {
        let limb = _mm256_add_epi64(t[LIMBS + k], carry);
        carry = _mm256_srli_epi64::<52>(limb);
        out[k] = _mm256_and_si256(limb, mask);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, BigInteger, UniformRand};
    use proptest::prelude::*;

    /// The integer of four words, reduced mod p.
    fn reduced(words: &Limbs) -> Field {
        Field::from_le_bytes_mod_order(&BigInt(*words).to_bytes_le())
    }

    /// 2^−260 mod p.
    fn r_inverse() -> Field {
        Field::from(2u8)
            .pow([260])
            .inverse()
            .unwrap_or_else(|| unreachable!("2 is invertible"))
    }

    fn vector(elements: [Limbs; WIDTH]) -> Lanes {
        lanes(elements.map(|w| split(&w)))
    }

    /// Lanes back to words, checking that the limbs are normalised and the values below 2^256.
    #[target_feature(enable = "avx512ifma,avx512vl")]
    fn words(v: &Vector) -> [Limbs; WIDTH] {
        let mut limbs = [[0u64; LIMBS]; WIDTH];
        for (k, limb) in v.iter().enumerate() {
            limbs[0][k] = _mm256_extract_epi64::<0>(*limb) as u64;
            limbs[1][k] = _mm256_extract_epi64::<1>(*limb) as u64;
            limbs[2][k] = _mm256_extract_epi64::<2>(*limb) as u64;
        }
        for l in &limbs {
            assert!(l.iter().all(|x| *x <= MASK), "limbs not normalised: {l:?}");
            assert!(l[4] >> 48 == 0, "value not below 2^256: {l:?}");
        }
        limbs.map(|l| join(&l))
    }

    /// `mul`, `square` and `mds` on the lanes `a`, `b`, `c` (any words) against arkworks'
    /// arithmetic; the MDS entries and constants are canonical, as in the parameters.
    #[target_feature(enable = "avx512ifma,avx512vl")]
    fn check_arithmetic(a: [Limbs; WIDTH], b: [Limbs; WIDTH], c: [Limbs; WIDTH]) {
        let (va, vb) = (load(&vector(a)), load(&vector(b)));
        let r_inverse = r_inverse();
        let product = words(&mul(&va, &vb));
        let squared = words(&square(&va));
        let canonical = |x: [Limbs; WIDTH]| x.map(|w| reduced(&w).into_bigint().0);
        let (d1, d2, constants) = (canonical(b), canonical(c), canonical(a));
        let diagonals = [load(&vector(d1)), load(&vector(d2))];
        // the MDS's input is a product, below p + 2^252: here up to 2^254 + 2^252
        let y = a.map(|[w0, w1, w2, w3]| [w0, w1, w2, w3 & ((1 << 62) | ((1 << 60) - 1))]);
        let row = words(&mds(
            &diagonals,
            &load(&vector(y)),
            &load(&vector(constants)),
        ));
        for i in 0..WIDTH {
            let (left, right) = (reduced(&a[i]), reduced(&b[i]));
            assert_eq!(
                reduced(&product[i]),
                left * right * r_inverse,
                "{a:?} · {b:?}"
            );
            assert_eq!(reduced(&squared[i]), left * left * r_inverse, "{a:?}²");
            let lane = |k: usize| reduced(&y[(i + k) % WIDTH]);
            let expected = lane(0)
                + (reduced(&d1[i]) * lane(1) + reduced(&d2[i]) * lane(2)) * r_inverse
                + reduced(&constants[i]);
            assert_eq!(reduced(&row[i]), expected, "mds {y:?} {b:?} {c:?}");
        }
    }

    fn run(a: [Limbs; WIDTH], b: [Limbs; WIDTH], c: [Limbs; WIDTH]) {
        if available() {
            // SAFETY: the processor has the target features of `check_arithmetic`
            unsafe { check_arithmetic(a, b, c) }
        }
    }

    /// Operands below 2^256: canonical values and the largest the permutation produces.
    fn edges() -> Vec<Limbs> {
        let p = P_WORDS;
        vec![
            [0; 4],
            [1, 0, 0, 0],
            [p[0] - 1, p[1], p[2], p[3]],
            p,
            [p[0] + 1, p[1], p[2], p[3]],
            [0, 0, 0, 1 << 63],
            [u64::MAX; 4],
            [u64::MAX, u64::MAX, u64::MAX, (1 << 62) - 1],
            [(1 << 52) - 1, 0, 0, 0],
            [1 << 52, 0, 0, 0],
            (Field::ONE + Field::ONE).0.0,
            (-Field::ONE).0.0,
        ]
    }

    #[test]
    fn arithmetic_agrees_with_arkworks_on_edge_values() {
        if !available() {
            eprintln!("no avx512ifma: nothing to test");
            return;
        }
        let values = edges();
        for a in &values {
            for b in &values {
                for c in &values {
                    run([*a, *b, *c], [*b, *c, *a], [*c, *a, *b]);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn arithmetic_agrees_with_arkworks(
            a in any::<[[u64; 4]; 3]>(), b in any::<[[u64; 4]; 3]>(), c in any::<[[u64; 4]; 3]>(),
        ) {
            run(a, b, c);
        }
    }

    /// The scaled permutation against the portable one.
    #[test]
    fn permutations_agree_with_the_portable_path() {
        if !available() {
            eprintln!("no avx512ifma: nothing to test");
            return;
        }
        let mut rng = ark_std::test_rng();
        let mut states = vec![
            [Field::ZERO; WIDTH],
            [-Field::ONE; WIDTH],
            [Field::ONE, Field::ZERO, -Field::ONE],
        ];
        states.extend((0..500).map(|_| std::array::from_fn(|_| Field::rand(&mut rng))));
        for state in states {
            for kimchi in [false, true] {
                let (mut ours, mut portable) = (state, state);
                assert!(permute(kimchi, &mut ours));
                if kimchi {
                    super::super::permute::<_, 7>(&super::super::params::KIMCHI, &mut portable);
                } else {
                    super::super::permute::<_, 5>(&super::super::params::LEGACY, &mut portable);
                }
                assert_eq!(ours, portable, "kimchi = {kimchi}");
                assert!(ours.iter().all(|x| BigInt(x.0.0) < Field::MODULUS));
            }
        }
    }
}
