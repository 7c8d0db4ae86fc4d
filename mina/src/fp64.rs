//! Native arithmetic in the Pallas base field, specialised to its modulus
//! p = 2^254 + 45560315531419706090280762371685220353, whose 64-bit words are
//! `[p0, p1, 0, 2^62]`. Values are arkworks' Montgomery forms (R = 2^256), as four words.
//!
//! The three products of a Poseidon MDS row are accumulated column by column (product
//! scanning) and share one Montgomery reduction, interleaved with the columns; a reduction
//! step costs two multiplications (by `p0` and `p1`) and a shift (by `2^62`) instead of four
//! multiplications. Results are canonical (below p), chosen without branches. WebAssembly,
//! which lacks a 64×64→128-bit multiply, uses `radix29` instead.

use crate::curve::{P_WORDS as P, montgomery_inverse};

/// Four 64-bit words, least significant first: a field element in Montgomery form.
pub(crate) type Limbs = [u64; 4];

/// −p⁻¹ mod 2^64.
const INV: u64 = montgomery_inverse(P[0]);

// The shape the reduction relies on.
const _: () = assert!(P[2] == 0 && P[3] == 1 << 62);

/// A 192-bit column accumulator: 128 bits and an overflow word.
#[derive(Clone, Copy, Default)]
struct Acc {
    low: u128,
    high: u64,
}

impl Acc {
    #[inline(always)]
    fn add(&mut self, x: u128) {
        let (sum, overflow) = self.low.overflowing_add(x);
        self.low = sum;
        self.high += u64::from(overflow);
    }

    #[inline(always)]
    fn mul_add(&mut self, a: u64, b: u64) {
        self.add(u128::from(a) * u128::from(b));
    }

    /// Returns the lowest word and shifts the accumulator down by one word.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let out = self.low as u64;
        self.low = (self.low >> 64) | (u128::from(self.high) << 64);
        self.high = 0;
        out
    }
}

/// Montgomery reduction `T · 2^-256 mod p` of the 512-bit `T` whose column `k` (the terms of
/// weight `2^(64k)`) `column` adds to the accumulator. Requires `T < p · 2^256`; the result is
/// canonical.
#[inline(always)]
fn redc(mut column: impl FnMut(&mut Acc, usize)) -> Limbs {
    let mut acc = Acc::default();
    let mut m = [0u64; 4];
    let mut out = [0u64; 4];
    // one call per column with a constant index, so that everything unrolls
    step::<0>(&mut acc, &mut m, &mut out, &mut column);
    step::<1>(&mut acc, &mut m, &mut out, &mut column);
    step::<2>(&mut acc, &mut m, &mut out, &mut column);
    step::<3>(&mut acc, &mut m, &mut out, &mut column);
    step::<4>(&mut acc, &mut m, &mut out, &mut column);
    step::<5>(&mut acc, &mut m, &mut out, &mut column);
    step::<6>(&mut acc, &mut m, &mut out, &mut column);
    step::<7>(&mut acc, &mut m, &mut out, &mut column);
    // T < p·2^256 gives a result below 2p < 2^256: nothing is left in the accumulator
    debug_assert_eq!(acc.low, 0);
    subtract_p_if_not_below(out)
}

/// Column `K` of [`redc`].
#[inline(always)]
fn step<const K: usize>(
    acc: &mut Acc,
    m: &mut [u64; 4],
    out: &mut Limbs,
    column: &mut impl FnMut(&mut Acc, usize),
) {
    column(acc, K);
    // the terms m_j · p_(k−j) of columns already reduced: p1 at j = k−1, 2^62 at j = k−3
    if K >= 1 && K <= 4 {
        acc.mul_add(m[K - 1], P[1]);
    }
    if K >= 3 && K <= 6 {
        acc.add(u128::from(m[K - 3]) << 62);
    }
    if K < 4 {
        m[K] = (acc.low as u64).wrapping_mul(INV);
        acc.mul_add(m[K], P[0]);
        acc.shift(); // zero by the choice of m[K]
    } else {
        out[K - 4] = acc.shift();
    }
}

/// `x − p` if `x ≥ p`, else `x`, for `x < 2p`, without branches.
#[inline(always)]
fn subtract_p_if_not_below(x: Limbs) -> Limbs {
    let mut difference = [0u64; 4];
    let mut borrow = 0u64;
    for k in 0..4 {
        let (d, b1) = x[k].overflowing_sub(P[k]);
        let (d, b2) = d.overflowing_sub(borrow);
        difference[k] = d;
        borrow = u64::from(b1 | b2);
    }
    // borrow = 1 exactly when x < p: keep x
    let keep = borrow.wrapping_neg();
    std::array::from_fn(|k| (x[k] & keep) | (difference[k] & !keep))
}

/// `row · x` (three products, one reduction) for canonical operands.
#[inline(always)]
pub(crate) fn dot3(row: &[Limbs; 3], x: &[Limbs; 3]) -> Limbs {
    // 3p² < p·2^256, so one reduction suffices
    redc(|acc, k| {
        for (a, b) in row.iter().zip(x) {
            for i in k.saturating_sub(3)..=k.min(3) {
                acc.mul_add(a[i], b[k - i]);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::Field;
    use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field as _, PrimeField, UniformRand};
    use proptest::prelude::*;

    fn limbs(x: Field) -> Limbs {
        x.0.0
    }

    fn field(x: Limbs) -> Field {
        Field::new_unchecked(BigInt(x))
    }

    /// Canonical Montgomery forms: the raw words must be below p.
    fn is_canonical(x: &Limbs) -> bool {
        BigInt(*x) < Field::MODULUS
    }

    fn edges() -> Vec<Field> {
        let mut values = vec![
            Field::ZERO,
            Field::ONE,
            -Field::ONE,
            -Field::from(2u8),
            Field::from(2u8),
            // raw Montgomery words 1 and p − 1
            field([1, 0, 0, 0]),
            field([P[0] - 1, P[1], P[2], P[3]]),
            // raw words with the top bit patterns of p
            field([u64::MAX, u64::MAX, u64::MAX, (1 << 62) - 1]),
            field([0, 0, 0, 1 << 62]),
        ];
        values.extend(
            values
                .clone()
                .iter()
                .map(|x| x.inverse().unwrap_or(Field::ZERO)),
        );
        values
    }

    fn check(a: Field, b: Field, c: Field) {
        let (la, lb, lc) = (limbs(a), limbs(b), limbs(c));
        for (row, x, expected) in [
            ([la, lb, lc], [lc, la, lb], a * c + b * a + c * b),
            ([la, la, la], [la, la, la], a * a * Field::from(3u8)),
            ([la, lb, lc], [lb, lb, lb], (a + b + c) * b),
        ] {
            let result = dot3(&row, &x);
            assert!(is_canonical(&result));
            assert_eq!(field(result), expected);
        }
    }

    #[test]
    fn edge_values_agree_with_arkworks() {
        let values = edges();
        for a in &values {
            for b in &values {
                for c in &values {
                    check(*a, *b, *c);
                }
            }
        }
    }

    #[test]
    fn random_values_agree_with_arkworks() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20_000 {
            check(
                Field::rand(&mut rng),
                Field::rand(&mut rng),
                Field::rand(&mut rng),
            );
        }
    }

    proptest! {
        #[test]
        fn arbitrary_words_agree_with_arkworks(
            a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), c in any::<[u64; 4]>(),
        ) {
            // any 256-bit integers, reduced into the field
            let to_field = |w: [u64; 4]| Field::from_bigint(BigInt(w)).unwrap_or_else(|| {
                Field::from_le_bytes_mod_order(&BigInt(w).to_bytes_le())
            });
            check(to_field(a), to_field(b), to_field(c));
        }
    }
}
