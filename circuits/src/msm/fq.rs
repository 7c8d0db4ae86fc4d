//! BLS12-381's base field in radix 2^30, for WebAssembly: thirteen 30-bit limbs (390 bits),
//! Montgomery form with R = 2^390, on the engine of [`crate::radix30`]. 30 bits rather than
//! 29 need one limb less (13·13 rather than 14·14 products, for the product and for the
//! reduction) at the price of the split accumulators. Elements enter and leave through
//! arkworks' representation (R = 2^384) with one multiplication each way.

use ark_bls12_381::Fq as ArkFq;
use ark_ff::BigInt;

use super::field::FieldOps;
use crate::radix30::{self, BITS, MASK, below, join, split};

const LIMBS: usize = 13;

/// Runs `$body` once for each limb index, with `$i` a constant: straight-line code.
macro_rules! each {
    ($i:ident, $body:block) => {
        radix30::unroll!($i, $body, 0 1 2 3 4 5 6 7 8 9 10 11 12)
    };
}

radix30::montgomery!();

/// A double-width integer (below 2^780) in 26 limbs of 30 bits: an unreduced product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wide([u64; 2 * LIMBS]);

/// p², the offset that keeps `a − b` of two products (each below p²) positive.
pub(crate) const P_SQUARED: Wide = Wide([
    0x1c718e39, 0x1aa80000, 0x2382eab2, 0x3b5ac75d, 0x113cfd7c, 0x30ce0d88, 0x1b743162, 0x247b4f9c,
    0x204966bf, 0x16a1c246, 0x7b292e8, 0x27218617, 0x11d6861, 0xc25e3bc, 0x2f531493, 0x5b7729b,
    0x10a62cfd, 0x127a2f41, 0x2e59e493, 0x1c11ad19, 0x1c90e50e, 0x3c97a78b, 0x278eaa22, 0x17f1d2f4,
    0x37a4b8c3, 0xa90,
]);

impl Wide {
    #[inline(always)]
    pub(crate) fn add(&self, other: &Wide) -> Wide {
        Wide(radix30::add(&self.0, &other.0))
    }

    /// `self − other`, for `self ≥ other`.
    #[inline(always)]
    pub(crate) fn sub(&self, other: &Wide) -> Wide {
        let mut r = [0u64; 2 * LIMBS];
        let mut borrow = 0u64;
        for (k, slot) in r.iter_mut().enumerate() {
            let d = self.0[k].wrapping_sub(other.0[k]).wrapping_sub(borrow);
            *slot = d & MASK;
            borrow = d >> 63;
        }
        debug_assert_eq!(borrow, 0, "self ≥ other");
        Wide(r)
    }
}

/// An element of Fq in radix 2^30 Montgomery form: each limb below 2^30, value below p.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fq([u64; LIMBS]);

/// The modulus p.
const P: [u64; LIMBS] = split::<6, LIMBS>(&[
    0xb9feffffffffaaab,
    0x1eabfffeb153ffff,
    0x6730d2a0f6b0f624,
    0x64774b84f38512bf,
    0x4b1ba7b6434bacd7,
    0x1a0111ea397fe69a,
]);
/// −p⁻¹ mod 2^30.
const INV: u64 = 0x3ffcfffd;
/// 2^396 mod p: arkworks' form (x·2^384) times this, reduced, is ours (x·2^390).
const TO_OURS: Fq = Fq(split::<6, LIMBS>(&[
    0x6f8300003480cb7f,
    0xd1fccdeabe042b12,
    0x40d780573c7de4b4,
    0x6da3d19ec66805c5,
    0x9afe66762746752a,
    0x9772fe123205efb,
]));
/// 2^384 mod p: ours times this, reduced, is arkworks' form.
const TO_ARKWORKS: Fq = Fq(split::<6, LIMBS>(&[
    0x760900000002fffd,
    0xebf4000bc40c0002,
    0x5f48985753c758ba,
    0x77ce585370525745,
    0x5c071a97a256ec6d,
    0x15f65ec3fa80e493,
]));

impl Fq {
    /// One: 2^390 mod p.
    pub(crate) const ONE: Fq = Fq(split::<6, LIMBS>(&[
        0x4676000000d1ff2e,
        0x84b803379b4800ac,
        0xdd9a7e0e882431c,
        0xc26c26d0b683dcf8,
        0x29f1457663c4a5ee,
        0x15de9967f3e804b,
    ]));
    pub(crate) const ZERO: Fq = Fq([0; LIMBS]);

    pub(crate) fn from_ark(x: &ArkFq) -> Fq {
        Fq(split::<6, LIMBS>(&x.0.0)).mul(&TO_OURS)
    }

    pub(crate) fn to_ark(self) -> ArkFq {
        ArkFq::new_unchecked(BigInt(join::<LIMBS, 6>(&self.mul(&TO_ARKWORKS).0)))
    }

    /// Montgomery multiplication (of a by b, or of a by itself if `SQUARE`).
    #[inline(never)]
    fn montgomery<const SQUARE: bool>(a: &[u64; LIMBS], b: &[u64; LIMBS]) -> Fq {
        Fq(montgomery_columns(|c| product_column::<SQUARE>(a, b, c)))
    }

    /// The product a·b, unreduced (for sums of products reduced once, as in `Fq2`). `a` and
    /// `b` may be below 2p (see [`Fq::add_unreduced`]).
    #[inline(never)]
    pub(crate) fn wide_mul(&self, other: &Fq) -> Wide {
        let (a, b) = (&self.0, &other.0);
        let mut t = [0u64; 2 * LIMBS];
        let mut carry = 0u64;
        each!(k, {
            let v = carry + product_column::<false>(a, b, k);
            t[k] = v & MASK;
            carry = v >> BITS;
        });
        each!(j, {
            if below(j, LIMBS - 1) {
                let v = carry + product_column::<false>(a, b, LIMBS + j);
                t[LIMBS + j] = v & MASK;
                carry = v >> BITS;
            }
        });
        t[2 * LIMBS - 1] = carry;
        Wide(t)
    }

    /// `x / R mod p` for a wide `x` below p·R.
    #[inline(never)]
    pub(crate) fn reduce_wide(x: &Wide) -> Fq {
        Fq(montgomery_columns(|c| x.0[c]))
    }

    /// `a + b` without reduction (below 2p): only as an input of [`Fq::wide_mul`].
    #[inline(always)]
    pub(crate) fn add_unreduced(&self, other: &Fq) -> Fq {
        Fq(radix30::add(&self.0, &other.0))
    }
}

impl FieldOps for Fq {
    const ZERO: Fq = Fq::ZERO;
    const ONE: Fq = Fq::ONE;

    #[inline(always)]
    fn mul(&self, other: &Fq) -> Fq {
        Fq::montgomery::<false>(&self.0, &other.0)
    }

    #[inline(always)]
    fn square(&self) -> Fq {
        Fq::montgomery::<true>(&self.0, &self.0)
    }

    #[inline(always)]
    fn add(&self, other: &Fq) -> Fq {
        Fq(radix30::add_mod(&self.0, &other.0, &P))
    }

    #[inline(always)]
    fn sub(&self, other: &Fq) -> Fq {
        Fq(radix30::sub_mod(&self.0, &other.0, &P))
    }

    #[inline(always)]
    fn is_zero(&self) -> bool {
        self.0.iter().all(|&limb| limb == 0)
    }

    /// By arkworks' inversion (binary extended Euclid): the MSM inverts once per batch of
    /// additions, so its speed hardly matters.
    fn inverse(&self) -> Option<Fq> {
        ark_ff::Field::inverse(&self.to_ark()).map(|x| Fq::from_ark(&x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field as _, PrimeField, UniformRand, Zero};
    use proptest::prelude::*;

    fn edge_values() -> Vec<ArkFq> {
        let mut rng = ark_std::test_rng();
        let mut values = vec![
            ArkFq::ZERO,
            ArkFq::ONE,
            -ArkFq::ONE,
            -ArkFq::from(2u8),
            ArkFq::from(2u8),
            ArkFq::from(u64::MAX),
            ArkFq::from(1u64 << 30),
            ArkFq::from((1u64 << 30) - 1),
            -ArkFq::from(1u64 << 30),
        ];
        values.extend((0..60).map(|_| ArkFq::rand(&mut rng)));
        values
    }

    fn check(a: ArkFq, b: ArkFq) {
        let (x, y) = (Fq::from_ark(&a), Fq::from_ark(&b));
        assert_eq!(x.to_ark(), a);
        assert_eq!(x.mul(&y).to_ark(), a * b);
        assert_eq!(x.square().to_ark(), a.square());
        assert_eq!(x.add(&y).to_ark(), a + b);
        assert_eq!(x.sub(&y).to_ark(), a - b);
        assert_eq!(x.double().to_ark(), a.double());
        assert_eq!(x.neg().to_ark(), -a);
        assert_eq!(x.is_zero(), a.is_zero());
        assert_eq!(x == y, a == b);
    }

    #[test]
    fn constants_agree_with_arkworks() {
        assert_eq!(Fq::ONE.to_ark(), ArkFq::ONE);
        assert_eq!(Fq::ZERO.to_ark(), ArkFq::ZERO);
        assert_eq!(Fq::from_ark(&ArkFq::ONE), Fq::ONE);
        assert_eq!(join(&P), ArkFq::MODULUS.0);
        assert_eq!(
            P[0].wrapping_mul(INV) & MASK,
            MASK,
            "p·(−p⁻¹) ≡ −1 mod 2^30"
        );
    }

    #[test]
    fn wide_products_reduce_to_the_product() {
        let values = edge_values();
        let p_squared = Wide(split_wide(&ArkFq::MODULUS));
        assert_eq!(p_squared, P_SQUARED);
        for a in &values {
            for b in &values {
                let (x, y) = (Fq::from_ark(a), Fq::from_ark(b));
                assert_eq!(Fq::reduce_wide(&x.wide_mul(&y)).to_ark(), *a * b);
                let sum = x.add_unreduced(&y);
                let (sum_ark, one) = (*a + b, Fq::from_ark(&ArkFq::ONE));
                assert_eq!(Fq::reduce_wide(&sum.wide_mul(&one)).to_ark(), sum_ark);
                let difference = x.wide_mul(&x).add(&P_SQUARED).sub(&y.wide_mul(&y));
                assert_eq!(
                    Fq::reduce_wide(&difference).to_ark(),
                    a.square() - b.square()
                );
            }
        }
    }

    /// p² in 30-bit limbs, computed independently of the constant.
    fn split_wide(p: &BigInt<6>) -> [u64; 2 * LIMBS] {
        let mut columns = [0u128; 2 * LIMBS];
        let limbs = split::<6, LIMBS>(&p.0);
        for i in 0..LIMBS {
            for j in 0..LIMBS {
                columns[i + j] += u128::from(limbs[i] * limbs[j]);
            }
        }
        let mut out = [0u64; 2 * LIMBS];
        let mut carry = 0u128;
        for (k, slot) in out.iter_mut().enumerate() {
            let v = columns[k] + carry;
            *slot = (v & u128::from(MASK)) as u64;
            carry = v >> BITS;
        }
        out
    }

    #[test]
    fn edge_values_agree_with_arkworks() {
        let values = edge_values();
        for a in &values {
            for b in &values {
                check(*a, *b);
            }
        }
    }

    #[test]
    fn batch_inversion_agrees_with_arkworks() {
        let nonzero: Vec<ArkFq> = edge_values().into_iter().filter(|x| !x.is_zero()).collect();
        let mut ours: Vec<Fq> = nonzero.iter().map(Fq::from_ark).collect();
        Fq::batch_invert(&mut ours, &mut Vec::new());
        for (inverse, x) in ours.iter().zip(&nonzero) {
            assert_eq!(inverse.to_ark(), x.inverse().expect("nonzero"));
        }
        Fq::batch_invert(&mut [], &mut Vec::new());
    }

    proptest! {
        #[test]
        fn random_words_agree_with_arkworks(a in any::<[u64; 6]>(), b in any::<[u64; 6]>()) {
            // arbitrary 384-bit words, reduced mod p as arkworks reads bytes
            let to_field = |w: [u64; 6]| {
                let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
                ArkFq::from_le_bytes_mod_order(&bytes)
            };
            check(to_field(a), to_field(b));
        }
    }
}
