//! The MDS step of native Poseidon with lazy reduction: each output row is the sum of three
//! products, accumulated as a 512-bit integer and Montgomery-reduced once instead of three
//! times. The sum of three products of values below p is below 3p² < p·2^256, so one reduction
//! leaves a value below 2p, and one conditional subtraction makes it canonical.

use ark_ff::BigInt;

use crate::curve::{Field, P_WORDS as P, montgomery_inverse};

/// −p⁻¹ mod 2^64.
const INV: u64 = montgomery_inverse(P[0]);

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: &mut u64) -> u64 {
    let t = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(*carry);
    *carry = (t >> 64) as u64;
    t as u64
}

/// `acc += a · b` over 9 words (the top word only ever holds a small carry).
#[inline(always)]
fn add_product(acc: &mut [u64; 9], a: &[u64; 4], b: &[u64; 4]) {
    for i in 0..4 {
        let mut carry = 0;
        for j in 0..4 {
            acc[i + j] = mac(acc[i + j], a[i], b[j], &mut carry);
        }
        let mut k = i + 4;
        while carry != 0 && k < 9 {
            let (sum, overflow) = acc[k].overflowing_add(carry);
            acc[k] = sum;
            carry = u64::from(overflow);
            k += 1;
        }
    }
}

/// Montgomery reduction of `t < p·2^256`: `t · 2^-256 mod p`, canonical.
#[inline(always)]
fn reduce(mut t: [u64; 9]) -> [u64; 4] {
    for i in 0..4 {
        let m = t[i].wrapping_mul(INV);
        let mut carry = 0;
        for (j, word) in P.iter().enumerate() {
            t[i + j] = mac(t[i + j], m, *word, &mut carry);
        }
        let mut k = i + 4;
        while carry != 0 && k < 9 {
            let (sum, overflow) = t[k].overflowing_add(carry);
            t[k] = sum;
            carry = u64::from(overflow);
            k += 1;
        }
    }
    let r = [t[4], t[5], t[6], t[7]];
    let mut s = [0u64; 4];
    let mut borrow = false;
    for k in 0..4 {
        let (d1, b1) = r[k].overflowing_sub(P[k]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        s[k] = d2;
        borrow = b1 || b2;
    }
    if t[8] != 0 || !borrow { s } else { r }
}

/// `row · state`, the field elements in arkworks' Montgomery form (the product of two
/// Montgomery forms reduced once is again in Montgomery form).
#[inline(always)]
pub(super) fn dot3(row: &[Field; 3], state: &[Field; 3]) -> Field {
    let mut acc = [0u64; 9];
    for (a, b) in row.iter().zip(state) {
        add_product(&mut acc, &a.0.0, &b.0.0);
    }
    Field::new_unchecked(BigInt(reduce(acc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field as _, UniformRand};

    #[test]
    fn agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let extremes = [-Field::ONE, -Field::ONE, -Field::ONE];
        assert_eq!(dot3(&extremes, &extremes), Field::from(3u8));
        let zeros = [Field::ZERO; 3];
        assert_eq!(dot3(&zeros, &extremes), Field::ZERO);
        for _ in 0..500 {
            let a = [
                Field::rand(&mut rng),
                Field::rand(&mut rng),
                Field::rand(&mut rng),
            ];
            let b = [Field::rand(&mut rng), -Field::ONE, Field::rand(&mut rng)];
            assert_eq!(dot3(&a, &b), a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
        }
    }
}
