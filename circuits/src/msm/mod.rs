//! Multi-scalar multiplication shaped for WebAssembly: the Groth16 prover's MSMs in wasm32.
//!
//! arkworks' `Fq` uses six 64-bit limbs, and WebAssembly, lacking a 64×64→128-bit multiply,
//! emulates each limb product: about 90% of proving is these MSMs and most of that is `Fq`
//! multiplication. Here `Fq` is thirteen 30-bit limbs ([`fq`], on `crate::radix30`), `Fq2` is
//! built on it ([`fq2`]), and the MSM is Pippenger's with signed digits ([`pippenger`]), each
//! window's buckets summed with batched affine additions ([`buckets`]; XYZZ coordinates,
//! [`point`], for the running sums). Natively arkworks is faster (it has the wide multiply), so
//! the prover uses this module only in wasm32 builds, or natively with the `wasm-msm` feature
//! (for tests).
//!
//! The proving key's bases are converted once per key ([`BasesCache`]); scalars and results are
//! arkworks types.

// natively (without `wasm-msm`) only the tests use this module
#![cfg_attr(
    not(any(target_arch = "wasm32", feature = "wasm-msm")),
    allow(dead_code)
)]

mod buckets;
mod field;
mod fq;
mod fq2;
mod pippenger;
mod point;

use std::sync::{Arc, OnceLock};

use ark_bls12_381::{Bls12_381, G1Projective, G2Projective, g1, g2};
use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine as ArkAffine, Projective, SWCurveConfig};
use ark_ff::{BigInt, Field as _};

pub(crate) use field::FieldOps;
pub(crate) use fq::Fq;
pub(crate) use fq2::Fq2;
pub(crate) use point::{Affine, Xyzz};

/// A coordinate field with conversions from and to its arkworks twin.
pub(crate) trait ArkField: FieldOps {
    type Ark: ark_ff::Field;
    fn from_ark(x: &Self::Ark) -> Self;
    fn to_ark(self) -> Self::Ark;
}

impl ArkField for Fq {
    type Ark = ark_bls12_381::Fq;
    fn from_ark(x: &Self::Ark) -> Self {
        Fq::from_ark(x)
    }
    fn to_ark(self) -> Self::Ark {
        Fq::to_ark(self)
    }
}

impl ArkField for Fq2 {
    type Ark = ark_bls12_381::Fq2;
    fn from_ark(x: &Self::Ark) -> Self {
        Fq2::from_ark(x)
    }
    fn to_ark(self) -> Self::Ark {
        Fq2::to_ark(self)
    }
}

/// arkworks affine points as MSM bases.
pub(crate) fn bases<P, F>(points: &[ArkAffine<P>]) -> Vec<Affine<F>>
where
    P: SWCurveConfig,
    F: ArkField<Ark = P::BaseField>,
{
    points
        .iter()
        .map(|p| Affine {
            x: F::from_ark(&p.x),
            y: F::from_ark(&p.y),
            infinity: p.is_zero(),
        })
        .collect()
}

/// An XYZZ point as an arkworks projective point.
pub(crate) fn to_projective<P, F>(p: &Xyzz<F>) -> Projective<P>
where
    P: SWCurveConfig,
    F: ArkField<Ark = P::BaseField>,
{
    let (Some(zz_inv), Some(zzz_inv)) = (p.zz.to_ark().inverse(), p.zzz.to_ark().inverse()) else {
        return Projective::<P>::default();
    };
    ArkAffine::<P>::new_unchecked(p.x.to_ark() * zz_inv, p.y.to_ark() * zzz_inv).into()
}

/// `Σ scalars[i]·bases[i]` in G1.
#[cfg(test)]
pub(crate) fn msm_g1(bases: &[Affine<Fq>], scalars: &[BigInt<4>]) -> G1Projective {
    msm_g1_part(bases, scalars, 0, 1)
}

/// `Σ scalars[i]·bases[i]` in G2.
#[cfg(test)]
pub(crate) fn msm_g2(bases: &[Affine<Fq2>], scalars: &[BigInt<4>]) -> G2Projective {
    msm_g2_part(bases, scalars, 0, 1)
}

/// Part `part` of `parts` of `Σ scalars[i]·bases[i]` in G1 ([`pippenger::msm_part`]).
pub(crate) fn msm_g1_part(
    bases: &[Affine<Fq>],
    scalars: &[BigInt<4>],
    part: usize,
    parts: usize,
) -> G1Projective {
    to_projective::<g1::Config, Fq>(&pippenger::msm_part(bases, scalars, part, parts))
}

/// Part `part` of `parts` of `Σ scalars[i]·bases[i]` in G2 ([`pippenger::msm_part`]).
pub(crate) fn msm_g2_part(
    bases: &[Affine<Fq2>],
    scalars: &[BigInt<4>],
    part: usize,
    parts: usize,
) -> G2Projective {
    to_projective::<g2::Config, Fq2>(&pippenger::msm_part(bases, scalars, part, parts))
}

/// The bases of a proving key's queries, converted.
#[derive(Debug)]
pub(crate) struct ProvingBases {
    pub(crate) a: Vec<Affine<Fq>>,
    pub(crate) b_g1: Vec<Affine<Fq>>,
    pub(crate) b_g2: Vec<Affine<Fq2>>,
    pub(crate) h: Vec<Affine<Fq>>,
    pub(crate) l: Vec<Affine<Fq>>,
}

impl ProvingBases {
    pub(crate) fn new(key: &ark_groth16::ProvingKey<Bls12_381>) -> Self {
        ProvingBases {
            a: bases(&key.a_query),
            b_g1: bases(&key.b_g1_query),
            b_g2: bases(&key.b_g2_query),
            h: bases(&key.h_query),
            l: bases(&key.l_query),
        }
    }
}

/// [`ProvingBases`] computed on first use and kept beside the key. Clones share it; it takes no
/// part in the key's equality.
#[derive(Debug, Clone, Default)]
pub(crate) struct BasesCache(OnceLock<Arc<ProvingBases>>);

impl BasesCache {
    pub(crate) fn get_or_init(&self, key: &ark_groth16::ProvingKey<Bls12_381>) -> &ProvingBases {
        self.0.get_or_init(|| Arc::new(ProvingBases::new(key)))
    }
}

impl PartialEq for BasesCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
