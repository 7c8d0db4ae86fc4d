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

    /// Each of `values` (all nonzero) replaced by its inverse, with one inversion (Montgomery's
    /// trick: three multiplications per value); `scratch` is working space.
    fn batch_invert(values: &mut [Self], scratch: &mut Vec<Self>) {
        scratch.clear();
        let mut product = Self::ONE;
        for value in values.iter() {
            product = product.mul(value);
            scratch.push(product);
        }
        if values.is_empty() {
            return;
        }
        let mut inverse = product
            .inverse()
            .expect("a product of nonzero field elements is nonzero");
        for j in (0..values.len()).rev() {
            let value = values[j];
            values[j] = match j {
                0 => inverse,
                _ => inverse.mul(&scratch[j - 1]),
            };
            inverse = inverse.mul(&value);
        }
    }

    #[inline(always)]
    fn double(&self) -> Self {
        self.add(self)
    }

    #[inline(always)]
    fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }
}
