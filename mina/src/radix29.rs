//! Pallas base-field arithmetic in radix 2^29, for WebAssembly.
//!
//! WebAssembly has no 64×64→128-bit multiply, so arkworks' 64-bit limbs emulate it and a field
//! multiplication costs about 100 ns in wasm32. Here an element is nine 29-bit limbs in `u64`
//! words, in Montgomery form with R = 2^261: limb products fit in 58 bits and a whole column of
//! them adds up without carries, which makes a multiplication about 2.8× faster in wasm32 (and
//! 3× slower natively, so only wasm32 uses it: for Poseidon and multiples of the generator).
//! Elements enter and leave through arkworks' representation (R = 2^256), so the rest of the
//! crate never sees this one.

use ark_ff::{BigInt, MontFp};
use subtle::{Choice, ConditionallySelectable};

use crate::curve::{Field, P_WORDS, montgomery_inverse};

const LIMBS: usize = 9;
const BITS: usize = 29;
const MASK: u64 = (1 << BITS) - 1;

/// Converts arkworks' Montgomery representation (R = 2^256) into ours (R = 2^261): ×32.
const TO_OURS: Field = MontFp!("32");
/// Converts back: ×32⁻¹.
const TO_ARKWORKS: Field =
    MontFp!("28043396612162516079146097931791602683257960966880886943581093115464031141889");

/// A field element in radix 2^29 Montgomery form, each limb below 2^29, value below p.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fe([u64; LIMBS]);

const fn split(words: &[u64; 4]) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        let bit = i * BITS;
        let (word, offset) = (bit / 64, bit % 64);
        let mut value = words[word] >> offset;
        if offset + BITS > 64 && word + 1 < 4 {
            value |= words[word + 1] << (64 - offset);
        }
        out[i] = value & MASK;
        i += 1;
    }
    out
}

fn join(limbs: &[u64; LIMBS]) -> [u64; 4] {
    let mut words = [0u64; 4];
    for (i, limb) in limbs.iter().enumerate() {
        let bit = i * BITS;
        let (word, offset) = (bit / 64, bit % 64);
        words[word] |= limb << offset;
        if offset + BITS > 64 && word + 1 < 4 {
            words[word + 1] |= limb >> (64 - offset);
        }
    }
    words
}

const P: [u64; LIMBS] = split(&[
    0x992d30ed00000001,
    0x224698fc094cf91b,
    0,
    0x4000000000000000,
]);
/// −p⁻¹ mod 2^29.
const INV: u64 = montgomery_inverse(P[0]) & MASK;

impl Fe {
    pub(crate) fn from_field(x: &Field) -> Fe {
        Fe(split(&(*x * TO_OURS).0.0))
    }

    pub(crate) fn to_field(self) -> Field {
        Field::new_unchecked(BigInt(join(&self.0))) * TO_ARKWORKS
    }

    /// Montgomery multiplication: columns of products without carries, then word-by-word
    /// reduction. Column sums stay below 18·2^58 + 2^35 < 2^64.
    #[inline(always)]
    pub(crate) fn mul(&self, other: &Fe) -> Fe {
        let (a, b) = (&self.0, &other.0);
        let mut t = [0u64; 2 * LIMBS + 1];
        for i in 0..LIMBS {
            for j in 0..LIMBS {
                t[i + j] += a[i] * b[j];
            }
        }
        for i in 0..LIMBS {
            let m = t[i].wrapping_mul(INV) & MASK;
            for j in 0..LIMBS {
                t[i + j] += m * P[j];
            }
            t[i + 1] += t[i] >> BITS;
        }
        let mut r = [0u64; LIMBS];
        let mut carry = 0u64;
        for k in 0..LIMBS {
            let v = t[LIMBS + k] + carry;
            r[k] = v & MASK;
            carry = v >> BITS;
        }
        Fe(r).reduce_once()
    }

    #[inline(always)]
    pub(crate) fn add(&self, other: &Fe) -> Fe {
        let mut r = [0u64; LIMBS];
        let mut carry = 0u64;
        for (k, slot) in r.iter_mut().enumerate() {
            let v = self.0[k] + other.0[k] + carry;
            *slot = v & MASK;
            carry = v >> BITS;
        }
        Fe(r).reduce_once()
    }

    #[inline(always)]
    pub(crate) fn sub(&self, other: &Fe) -> Fe {
        // a + (p − b): p − b is in 1..=p since b < p
        let mut negated = [0u64; LIMBS];
        let mut borrow = 0u64;
        for (k, slot) in negated.iter_mut().enumerate() {
            let d = P[k].wrapping_sub(other.0[k]).wrapping_sub(borrow);
            *slot = d & MASK;
            borrow = d >> 63;
        }
        self.add(&Fe(negated))
    }

    /// Subtracts p once if the value (below 2p) is at least p.
    #[inline(always)]
    fn reduce_once(self) -> Fe {
        let mut s = [0u64; LIMBS];
        let mut borrow = 0u64;
        for (k, slot) in s.iter_mut().enumerate() {
            let d = self.0[k].wrapping_sub(P[k]).wrapping_sub(borrow);
            *slot = d & MASK;
            borrow = d >> 63;
        }
        if borrow == 0 { Fe(s) } else { self }
    }

    pub(crate) fn pow(&self, power: u64) -> Fe {
        let x2 = self.mul(self);
        let x4 = x2.mul(&x2);
        match power {
            5 => x4.mul(self),
            7 => x4.mul(&x2).mul(self),
            _ => {
                let mut acc = *self;
                for _ in 1..power {
                    acc = acc.mul(self);
                }
                acc
            }
        }
    }
}

/// (p − 1) / 2 = p >> 1 (p is odd), the exponent of Euler's criterion.
const HALF_P_MINUS_ONE: [u64; 4] = [
    (P_WORDS[0] >> 1) | (P_WORDS[1] << 63),
    (P_WORDS[1] >> 1) | (P_WORDS[2] << 63),
    (P_WORDS[2] >> 1) | (P_WORDS[3] << 63),
    P_WORDS[3] >> 1,
];

/// Whether `x` is a square in the field (zero counts as one), by Euler's criterion.
pub(crate) fn is_square(x: &Field) -> bool {
    let base = Fe::from_field(x);
    let one = Fe::from_field(&Field::from(1u8));
    let mut acc = one;
    for word in HALF_P_MINUS_ONE.iter().rev() {
        for bit in (0..64).rev() {
            acc = acc.mul(&acc);
            if word >> bit & 1 == 1 {
                acc = acc.mul(&base);
            }
        }
    }
    acc == one || base == Fe::from_field(&Field::from(0u8))
}

impl ConditionallySelectable for Fe {
    fn conditional_select(a: &Fe, b: &Fe, choice: Choice) -> Fe {
        Fe(std::array::from_fn(|k| {
            u64::conditional_select(&a.0[k], &b.0[k], choice)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field as _, UniformRand};

    #[test]
    fn arithmetic_agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let mut cases = vec![Field::ZERO, Field::ONE, -Field::ONE, -Field::from(2u8)];
        cases.extend((0..200).map(|_| Field::rand(&mut rng)));
        cases.push(Field::ZERO);
        for pair in cases.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (x, y) = (Fe::from_field(&a), Fe::from_field(&b));
            assert_eq!(x.to_field(), a);
            assert_eq!(x.mul(&y).to_field(), a * b);
            assert_eq!(x.add(&y).to_field(), a + b);
            assert_eq!(x.sub(&y).to_field(), a - b);
            assert_eq!(y.sub(&x).to_field(), b - a);
            assert_eq!(x.sub(&x).to_field(), Field::ZERO);
            assert_eq!(x.pow(5).to_field(), a.pow([5]));
            assert_eq!(x.pow(7).to_field(), a.pow([7]));
            let chosen = Fe::conditional_select(&x, &y, Choice::from(1));
            assert_eq!(chosen, y);
            assert_eq!(
                is_square(&a),
                a.legendre() != ark_ff::LegendreSymbol::QuadraticNonResidue
            );
        }
    }
}
