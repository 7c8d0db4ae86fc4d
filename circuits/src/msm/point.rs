//! Points of a short Weierstrass curve y² = x³ + b (BLS12-381's G1 over Fq, G2 over Fq2):
//! affine bases and XYZZ accumulators (x = X/ZZ, y = Y/ZZZ, ZZ³ = ZZZ²), whose addition of an
//! affine point costs 8 multiplications and 2 squarings (madd-2008-s of the Explicit-Formulas
//! Database): the running sums that weight Pippenger's buckets, and the windows' total.

use super::field::FieldOps;

/// An affine point; `infinity` marks the identity (then `x`, `y` are meaningless).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Affine<F> {
    pub(crate) x: F,
    pub(crate) y: F,
    pub(crate) infinity: bool,
}

/// A point in XYZZ coordinates; ZZ = 0 is the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Xyzz<F> {
    pub(crate) x: F,
    pub(crate) y: F,
    pub(crate) zz: F,
    pub(crate) zzz: F,
}

impl<F: FieldOps> Affine<F> {
    pub(crate) const IDENTITY: Affine<F> = Affine {
        x: F::ZERO,
        y: F::ZERO,
        infinity: true,
    };

    #[inline(always)]
    pub(crate) fn neg(&self) -> Affine<F> {
        Affine {
            x: self.x,
            y: self.y.neg(),
            infinity: self.infinity,
        }
    }
}

impl<F: FieldOps> Xyzz<F> {
    pub(crate) const IDENTITY: Xyzz<F> = Xyzz {
        x: F::ONE,
        y: F::ONE,
        zz: F::ZERO,
        zzz: F::ZERO,
    };

    #[inline(always)]
    pub(crate) fn is_identity(&self) -> bool {
        self.zz.is_zero()
    }

    /// The affine point (x, y) as (x, y, 1, 1).
    pub(crate) fn from_affine(p: &Affine<F>) -> Xyzz<F> {
        if p.infinity {
            return Self::IDENTITY;
        }
        Xyzz {
            x: p.x,
            y: p.y,
            zz: F::ONE,
            zzz: F::ONE,
        }
    }

    /// `self += p` for an affine `p` (madd-2008-s; mdbl-2008-s-1 when they are equal).
    #[inline(always)]
    pub(crate) fn add_affine(&mut self, p: &Affine<F>) {
        if p.infinity {
            return;
        }
        if self.is_identity() {
            *self = Self::from_affine(p);
            return;
        }
        let u2 = p.x.mul(&self.zz);
        let s2 = p.y.mul(&self.zzz);
        let pp_ = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if pp_.is_zero() {
            *self = if r.is_zero() {
                Self::double_affine(p)
            } else {
                Self::IDENTITY
            };
            return;
        }
        let pp = pp_.square();
        let ppp = pp_.mul(&pp);
        let q = self.x.mul(&pp);
        let x3 = r.square().sub(&ppp).sub(&q.double());
        let y3 = r.mul(&q.sub(&x3)).sub(&self.y.mul(&ppp));
        *self = Xyzz {
            x: x3,
            y: y3,
            zz: self.zz.mul(&pp),
            zzz: self.zzz.mul(&ppp),
        };
    }

    /// `2·p` for an affine `p` (mdbl-2008-s-1, a = 0).
    fn double_affine(p: &Affine<F>) -> Xyzz<F> {
        let u = p.y.double();
        let v = u.square();
        let w = u.mul(&v);
        let s = p.x.mul(&v);
        let x_sq = p.x.square();
        let m = x_sq.double().add(&x_sq);
        let x3 = m.square().sub(&s.double());
        let y3 = m.mul(&s.sub(&x3)).sub(&w.mul(&p.y));
        Xyzz {
            x: x3,
            y: y3,
            zz: v,
            zzz: w,
        }
    }

    /// `self + other` (add-2008-s; dbl-2008-s-1 when they are equal).
    pub(crate) fn add(&self, other: &Xyzz<F>) -> Xyzz<F> {
        if self.is_identity() {
            return *other;
        }
        if other.is_identity() {
            return *self;
        }
        let u1 = self.x.mul(&other.zz);
        let u2 = other.x.mul(&self.zz);
        let s1 = self.y.mul(&other.zzz);
        let s2 = other.y.mul(&self.zzz);
        let pp_ = u2.sub(&u1);
        let r = s2.sub(&s1);
        if pp_.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let pp = pp_.square();
        let ppp = pp_.mul(&pp);
        let q = u1.mul(&pp);
        let x3 = r.square().sub(&ppp).sub(&q.double());
        let y3 = r.mul(&q.sub(&x3)).sub(&s1.mul(&ppp));
        Xyzz {
            x: x3,
            y: y3,
            zz: self.zz.mul(&other.zz).mul(&pp),
            zzz: self.zzz.mul(&other.zzz).mul(&ppp),
        }
    }

    /// `2·self` (dbl-2008-s-1, a = 0).
    pub(crate) fn double(&self) -> Xyzz<F> {
        if self.is_identity() {
            return *self;
        }
        let u = self.y.double();
        let v = u.square();
        let w = u.mul(&v);
        let s = self.x.mul(&v);
        let x_sq = self.x.square();
        let m = x_sq.double().add(&x_sq);
        let x3 = m.square().sub(&s.double());
        let y3 = m.mul(&s.sub(&x3)).sub(&w.mul(&self.y));
        Xyzz {
            x: x3,
            y: y3,
            zz: v.mul(&self.zz),
            zzz: w.mul(&self.zzz),
        }
    }
}
