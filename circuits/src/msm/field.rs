//! What the curve arithmetic needs of a field: [`super::fq::Fq`] and [`super::fq2::Fq2`].

/// Field arithmetic on canonical values (equality is representation equality).
pub(crate) trait FieldOps: Copy + PartialEq + Send + Sync {
    const ZERO: Self;
    const ONE: Self;

    fn add(&self, other: &Self) -> Self;
    fn sub(&self, other: &Self) -> Self;
    fn mul(&self, other: &Self) -> Self;
    fn square(&self) -> Self;
    fn is_zero(&self) -> bool;
    /// `1/self`, or `None` for zero.
    fn inverse(&self) -> Option<Self>;

    #[inline(always)]
    fn double(&self) -> Self {
        self.add(self)
    }

    #[inline(always)]
    fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }
}
