//! Fq2 = Fq[u]/(u² + 1) over the radix-2^29 [`Fq`]: the coordinates of G2.

use ark_bls12_381::Fq2 as ArkFq2;

use super::field::FieldOps;
use super::fq::{Fq, P_SQUARED};

/// `c0 + c1·u` with u² = −1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fq2 {
    c0: Fq,
    c1: Fq,
}

impl Fq2 {
    pub(crate) fn from_ark(x: &ArkFq2) -> Fq2 {
        Fq2 {
            c0: Fq::from_ark(&x.c0),
            c1: Fq::from_ark(&x.c1),
        }
    }

    pub(crate) fn to_ark(self) -> ArkFq2 {
        ArkFq2::new(self.c0.to_ark(), self.c1.to_ark())
    }
}

impl FieldOps for Fq2 {
    const ZERO: Fq2 = Fq2 {
        c0: Fq::ZERO,
        c1: Fq::ZERO,
    };
    const ONE: Fq2 = Fq2 {
        c0: Fq::ONE,
        c1: Fq::ZERO,
    };

    /// Karatsuba with lazy reduction: three products of Fq, unreduced, combined as integers
    /// (c0 = a0·b0 − a1·b1 + p², c1 = (a0 + a1)(b0 + b1) − a0·b0 − a1·b1, both below p·R),
    /// then two reductions instead of three.
    #[inline(always)]
    fn mul(&self, other: &Fq2) -> Fq2 {
        let v0 = self.c0.wide_mul(&other.c0);
        let v1 = self.c1.wide_mul(&other.c1);
        let cross = self
            .c0
            .add_unreduced(&self.c1)
            .wide_mul(&other.c0.add_unreduced(&other.c1));
        Fq2 {
            c0: Fq::reduce_wide(&v0.add(&P_SQUARED).sub(&v1)),
            c1: Fq::reduce_wide(&cross.sub(&v0).sub(&v1)),
        }
    }

    /// (c0 + c1)(c0 − c1) + 2·c0·c1·u: two multiplications.
    #[inline(always)]
    fn square(&self) -> Fq2 {
        let product = self.c0.mul(&self.c1);
        Fq2 {
            c0: self.c0.add(&self.c1).mul(&self.c0.sub(&self.c1)),
            c1: product.double(),
        }
    }

    #[inline(always)]
    fn add(&self, other: &Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0.add(&other.c0),
            c1: self.c1.add(&other.c1),
        }
    }

    #[inline(always)]
    fn sub(&self, other: &Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0.sub(&other.c0),
            c1: self.c1.sub(&other.c1),
        }
    }

    #[inline(always)]
    fn is_zero(&self) -> bool {
        self.c0.is_zero() && self.c1.is_zero()
    }

    /// By arkworks' (one inversion in Fq): once per batch of additions.
    fn inverse(&self) -> Option<Fq2> {
        ark_ff::Field::inverse(&self.to_ark()).map(|x| Fq2::from_ark(&x))
    }

    /// Through the norms: `1/(c0 + c1·u) = (c0 − c1·u)/(c0² + c1²)`, the norms inverted
    /// together in Fq (three Fq multiplications each, where Montgomery's trick in Fq2 takes
    /// three Fq2 ones). A nonzero value has a nonzero norm (−1 is not a square in Fq).
    fn batch_invert(values: &mut [Fq2], _scratch: &mut Vec<Fq2>) {
        let mut norms: Vec<Fq> = values
            .iter()
            .map(|x| x.c0.square().add(&x.c1.square()))
            .collect();
        Fq::batch_invert(&mut norms, &mut Vec::with_capacity(values.len()));
        for (x, norm) in values.iter_mut().zip(&norms) {
            *x = Fq2 {
                c0: x.c0.mul(norm),
                c1: x.c1.mul(norm).neg(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::Fq as ArkFq;
    use ark_ff::{AdditiveGroup, Field as _, UniformRand, Zero};

    #[test]
    fn arithmetic_agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let edges = [ArkFq::ZERO, ArkFq::ONE, -ArkFq::ONE];
        let mut values: Vec<ArkFq2> = edges
            .iter()
            .flat_map(|a| edges.iter().map(|b| ArkFq2::new(*a, *b)))
            .collect();
        values.extend((0..40).map(|_| ArkFq2::rand(&mut rng)));
        for a in &values {
            for b in &values {
                let (x, y) = (Fq2::from_ark(a), Fq2::from_ark(b));
                assert_eq!(x.to_ark(), *a);
                assert_eq!(x.mul(&y).to_ark(), *a * b);
                assert_eq!(x.square().to_ark(), a.square());
                assert_eq!(x.add(&y).to_ark(), *a + b);
                assert_eq!(x.sub(&y).to_ark(), *a - b);
                assert_eq!(x.neg().to_ark(), -*a);
                assert_eq!(x.double().to_ark(), a.double());
                assert_eq!(x.is_zero(), a.is_zero());
            }
        }
        // batch inversion (through the norms) of the nonzero values
        let nonzero: Vec<ArkFq2> = values.into_iter().filter(|x| !x.is_zero()).collect();
        let mut ours: Vec<Fq2> = nonzero.iter().map(Fq2::from_ark).collect();
        Fq2::batch_invert(&mut ours, &mut Vec::new());
        for (inverse, x) in ours.iter().zip(&nonzero) {
            assert_eq!(inverse.to_ark(), x.inverse().expect("nonzero"));
        }
    }
}
