//! Native arithmetic in the Pallas base field, specialised to its modulus
//! p = 2^254 + 45560315531419706090280762371685220353, whose 64-bit words are
//! `[p0, p1, 0, 2^62]`. Values are arkworks' Montgomery forms (R = 2^256), as four words.
//!
//! A Poseidon MDS row and its round constant are accumulated column by column (product
//! scanning) and share one Montgomery reduction, interleaved with the columns; a reduction
//! step costs two multiplications (by `p0` and `p1`) and a shift (by `2^62`) instead of four
//! multiplications. Results are canonical (below p), chosen without branches. Public keys are
//! checked with a binary Jacobi symbol instead of an exponentiation. WebAssembly, which lacks a
//! 64×64→128-bit multiply, uses `radix29` instead; x86-64 processors with AVX-512 IFMA run
//! Poseidon in `poseidon::ifma` instead.

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
/// weight `2^(64k)`) `column` adds to the accumulator, not reduced below p: the result is
/// below `T / 2^256 + p`.
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
    // the result is below 2^256 (see the callers): nothing is left in the accumulator
    debug_assert_eq!(acc.low, 0);
    out
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

/// `x − p` if `x ≥ p`, else `x`, without branches.
#[inline(always)]
pub(crate) fn subtract_p_if_not_below(x: Limbs) -> Limbs {
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

/// `row · x + c` (three products and a constant, one reduction) for canonical operands: the
/// constant enters the accumulator as `c · 2^256`, so that the reduction adds it.
#[inline(always)]
pub(crate) fn dot3_plus(row: &[Limbs; 3], x: &[Limbs; 3], c: &Limbs) -> Limbs {
    // T < 3p² + p·2^256 gives a result below 3p²/2^256 + 2p < 3p < 2^256: two subtractions
    let sum = redc(|acc, k| {
        // one accumulator per product, so that the three carry chains run side by side
        let mut parts = [Acc::default(); 3];
        for (part, (a, b)) in parts.iter_mut().zip(row.iter().zip(x)) {
            for i in k.saturating_sub(3)..=k.min(3) {
                part.mul_add(a[i], b[k - i]);
            }
        }
        for part in parts {
            acc.add(part.low);
            acc.high += part.high;
        }
        if k >= 4 {
            acc.add(u128::from(c[k - 4]));
        }
    });
    subtract_p_if_not_below(subtract_p_if_not_below(sum))
}

/// Whether the integer `a < p` (words, not a Montgomery form) is zero or a square mod p: the
/// Jacobi symbol `(a / p)` by the binary algorithm, subtractions and shifts only. Its time
/// depends on `a`: for public values (public keys) only.
pub(crate) fn is_square_vartime(a: &Limbs) -> bool {
    let (mut a, mut n) = (*a, P);
    let mut negated = false;
    // four words until both fit in two, then u128 arithmetic (the same steps, cheaper)
    while a[2] | a[3] | n[2] | n[3] != 0 {
        if a == [0; 4] {
            return true; // gcd(a, p) = n > 1: a was zero
        }
        let zeros = trailing_zeros(&a);
        a = shift_right(&a, zeros);
        // (2 / n) = −1 exactly when n ≡ 3 or 5 mod 8
        if zeros % 2 == 1 && matches!(n[0] % 8, 3 | 5) {
            negated = !negated;
        }
        if less_than(&a, &n) {
            // quadratic reciprocity for odd a and n
            (a, n) = (n, a);
            if a[0] % 4 == 3 && n[0] % 4 == 3 {
                negated = !negated;
            }
        }
        a = subtract(&a, &n);
    }
    let (mut a, mut n) = (
        u128::from(a[0]) | u128::from(a[1]) << 64,
        u128::from(n[0]) | u128::from(n[1]) << 64,
    );
    while a != 0 {
        let zeros = a.trailing_zeros();
        a >>= zeros;
        if zeros % 2 == 1 && matches!(n % 8, 3 | 5) {
            negated = !negated;
        }
        if a < n {
            (a, n) = (n, a);
            if a % 4 == 3 && n % 4 == 3 {
                negated = !negated;
            }
        }
        a -= n;
    }
    // n is now gcd(a, p): 1 unless a was 0
    n != 1 || !negated
}

fn trailing_zeros(a: &Limbs) -> u32 {
    let mut zeros = 0;
    for word in a {
        if *word != 0 {
            return zeros + word.trailing_zeros();
        }
        zeros += 64;
    }
    zeros
}

fn shift_right(a: &Limbs, bits: u32) -> Limbs {
    let (words, bits) = ((bits / 64) as usize, bits % 64);
    std::array::from_fn(|k| {
        let low = a.get(k + words).copied().unwrap_or(0);
        let high = a.get(k + words + 1).copied().unwrap_or(0);
        if bits == 0 {
            low
        } else {
            (low >> bits) | (high << (64 - bits))
        }
    })
}

fn less_than(a: &Limbs, b: &Limbs) -> bool {
    a.iter().rev().cmp(b.iter().rev()).is_lt()
}

/// `a − b` for `a ≥ b`.
fn subtract(a: &Limbs, b: &Limbs) -> Limbs {
    let mut difference = [0u64; 4];
    let mut borrow = false;
    for k in 0..4 {
        let (d, b1) = a[k].overflowing_sub(b[k]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        difference[k] = d;
        borrow = b1 | b2;
    }
    difference
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
        for (row, x, constant, expected) in [
            ([la, lb, lc], [lc, la, lb], lb, a * c + b * a + c * b + b),
            ([la, la, la], [la, la, la], la, a * a * Field::from(3u8) + a),
            ([la, lb, lc], [lb, lb, lb], lc, (a + b + c) * b + c),
            ([la, lb, lc], [la, lb, lc], [0; 4], a * a + b * b + c * c),
        ] {
            let result = dot3_plus(&row, &x, &constant);
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

    fn check_square(x: Field) {
        let expected = x.legendre() != ark_ff::LegendreSymbol::QuadraticNonResidue;
        assert_eq!(is_square_vartime(&x.into_bigint().0), expected, "{x}");
    }

    #[test]
    fn squares_agree_with_arkworks() {
        let mut rng = ark_std::test_rng();
        for x in edges() {
            check_square(x);
            check_square(x.square());
            check_square(x + Field::from(5u8));
        }
        // 5 is not a square mod p (decompression of x = 0 fails)
        assert!(!is_square_vartime(&[5, 0, 0, 0]));
        for _ in 0..2_000 {
            let x = Field::rand(&mut rng);
            check_square(x);
            check_square(x.square());
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
            check_square(to_field(a));
        }
    }
}
