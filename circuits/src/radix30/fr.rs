//! BLS12-381's scalar field in radix 2^30 for WebAssembly: nine 30-bit limbs (270 bits),
//! Montgomery form with R = 2^270 (> 4r), on the engine of [`super`]. Poseidon's permutation
//! runs on it in WebAssembly (building a group's tree is about 1,000 permutations a proof),
//! where arkworks' `Fr` emulates 64×64→128-bit products. Elements enter and leave through
//! arkworks' representation (R = 2^256) with one multiplication each way.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use ark_bls12_381::Fr;
use ark_ff::BigInt;

use crate::radix30::{self, join, split};

const LIMBS: usize = 9;

/// Runs `$body` once for each limb index, with `$i` a constant: straight-line code.
macro_rules! each {
    ($i:ident, $body:block) => {
        radix30::unroll!($i, $body, 0 1 2 3 4 5 6 7 8)
    };
}

radix30::montgomery!();

/// The modulus r.
const P: [u64; LIMBS] = split::<4, LIMBS>(&[
    0xffffffff00000001,
    0x53bda402fffe5bfe,
    0x3339d80809a1d805,
    0x73eda753299d7d48,
]);
/// −r⁻¹ mod 2^30 (r ≡ 1 mod 2^32).
const INV: u64 = 0x3fffffff;
/// 2^284 mod r: arkworks' form (x·2^256) times this, reduced, is ours (x·2^270).
const TO_OURS: Fr30 = Fr30(split::<4, LIMBS>(&[
    0x2355094ddcaaf6b2,
    0xf375260da699014e,
    0x87cb91f0ebe0430a,
    0x6567bec750a25f75,
]));
/// 2^256 mod r: ours times this, reduced, is arkworks' form.
const TO_ARKWORKS: Fr30 = Fr30(split::<4, LIMBS>(&[
    0x1fffffffe,
    0x5884b7fa00034802,
    0x998c4fefecbc4ff5,
    0x1824b159acc5056f,
]));

/// An element of Fr in radix 2^30 Montgomery form: each limb below 2^30, value below r.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fr30([u64; LIMBS]);

impl Fr30 {
    pub(crate) fn from_ark(x: &Fr) -> Fr30 {
        Fr30(split::<4, LIMBS>(&x.0.0)).mul(&TO_OURS)
    }

    pub(crate) fn to_ark(self) -> Fr {
        Fr::new_unchecked(BigInt(join::<LIMBS, 4>(&self.mul(&TO_ARKWORKS).0)))
    }

    #[inline(never)]
    pub(crate) fn mul(&self, other: &Fr30) -> Fr30 {
        Fr30(montgomery_columns(|c| {
            product_column::<false>(&self.0, &other.0, c)
        }))
    }

    #[inline(never)]
    pub(crate) fn square(&self) -> Fr30 {
        Fr30(montgomery_columns(|c| {
            product_column::<true>(&self.0, &self.0, c)
        }))
    }

    #[inline(always)]
    pub(crate) fn add(&self, other: &Fr30) -> Fr30 {
        Fr30(radix30::add_mod(&self.0, &other.0, &P))
    }

    #[inline(always)]
    pub(crate) fn sub(&self, other: &Fr30) -> Fr30 {
        Fr30(radix30::sub_mod(&self.0, &other.0, &P))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field as _, PrimeField, UniformRand};
    use proptest::prelude::*;

    /// One: 2^270 mod r.
    const ONE: Fr30 = Fr30(split::<4, LIMBS>(&[
        0x8d53ffff72ac,
        0x12708804e7de5d54,
        0x5508b00eb2ea2f21,
        0x10dc4aca9a522018,
    ]));

    fn check(a: Fr, b: Fr) {
        let (x, y) = (Fr30::from_ark(&a), Fr30::from_ark(&b));
        assert_eq!(x.to_ark(), a);
        assert_eq!(x.mul(&y).to_ark(), a * b);
        assert_eq!(x.square().to_ark(), a.square());
        assert_eq!(x.add(&y).to_ark(), a + b);
        assert_eq!(x.sub(&y).to_ark(), a - b);
        assert_eq!(x == y, a == b);
    }

    #[test]
    fn constants_agree_with_arkworks() {
        assert_eq!(ONE.to_ark(), Fr::ONE);
        assert_eq!(Fr30::from_ark(&Fr::ONE), ONE);
        assert_eq!(join::<LIMBS, 4>(&P), Fr::MODULUS.0);
        assert_eq!(P[0].wrapping_mul(INV) & radix30::MASK, radix30::MASK);
    }

    #[test]
    fn edge_values_agree_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let mut values = vec![
            Fr::ZERO,
            Fr::ONE,
            -Fr::ONE,
            -Fr::from(2u8),
            Fr::from(u64::MAX),
            Fr::from(1u64 << 30),
            -Fr::from(1u64 << 30),
        ];
        values.extend((0..40).map(|_| Fr::rand(&mut rng)));
        for a in &values {
            for b in &values {
                check(*a, *b);
            }
        }
    }

    proptest! {
        #[test]
        fn random_words_agree_with_arkworks(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            let to_field = |w: [u64; 4]| {
                let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
                Fr::from_le_bytes_mod_order(&bytes)
            };
            check(to_field(a), to_field(b));
        }
    }
}
