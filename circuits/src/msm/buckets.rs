//! The buckets of one Pippenger window, summed in affine coordinates with batched inversions.
//!
//! An affine addition P + Q costs one inversion, λ = (y_Q − y_P)/(x_Q − x_P), one
//! multiplication, one squaring and one more multiplication; Montgomery's trick shares one
//! inversion among all the additions of a batch for three multiplications each. About six
//! multiplications per base instead of the ten of an XYZZ bucket ([`super::point`]), provided
//! no addition of a batch needs another's result. So the bases of a window are sorted by
//! bucket (a counting sort), and each bucket is summed as a tree: every round adds its points
//! in pairs, all pairs of all buckets in one batch, until each bucket holds one point (about
//! log₂ of the largest bucket's size rounds, each with one inversion). The buckets are then
//! weighted by column and row sums, added the same way ([`Buckets::weighted_sum`]).

use std::ops::Range;

use super::field::FieldOps;
use super::point::{Affine, Xyzz};

/// Bucket counts from which [`Buckets::weighted_sum`] sums by columns and rows.
const SPLIT_FROM: usize = 32;

/// How a pair of points adds up, decided when its denominator is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pair {
    /// P + Q with x_P ≠ x_Q: λ = (y_Q − y_P)/(x_Q − x_P).
    Add,
    /// P + P with y_P ≠ 0: λ = 3x_P²/(2y_P).
    Double,
    /// Q (P is the identity): no inversion.
    Right,
    /// P (Q is the identity): no inversion.
    Left,
    /// P + (−P), or 2P of a point with y = 0 (none on the curve; a key's bases are not
    /// curve-checked): the identity.
    Identity,
}

/// Working space of [`Buckets::window_sum`], kept across the windows of an MSM.
pub(crate) struct Buckets<F> {
    /// Buckets in a window.
    count: usize,
    /// Group k's slots are `offsets[k]..offsets[k + 1]`: the groups are the buckets, then the
    /// columns and rows of [`Buckets::weighted_sum`].
    offsets: Vec<u32>,
    /// Points group k still holds (in its first slots).
    lengths: Vec<u32>,
    /// The buckets' sums with their weights, while they are regrouped.
    points: Vec<(usize, Affine<F>)>,
    /// The window's bases sorted by bucket: index shifted left by one, the low bit set for a
    /// negative digit.
    entries: Vec<u32>,
    /// The groups' points.
    slots: Vec<Affine<F>>,
    pairs: Vec<Pair>,
    /// A pair's denominator, then its inverse.
    inverses: Vec<F>,
    /// Working space of [`FieldOps::batch_invert`].
    prefix: Vec<F>,
}

impl<F: FieldOps> Buckets<F> {
    /// Space for `count` buckets and windows of up to `size` bases.
    pub(crate) fn new(count: usize, size: usize) -> Buckets<F> {
        Buckets {
            count,
            offsets: vec![0; count + 1],
            lengths: vec![0; count],
            points: Vec::with_capacity(count),
            entries: vec![0; size],
            slots: vec![Affine::IDENTITY; size],
            pairs: Vec::with_capacity(size / 2),
            inverses: Vec::with_capacity(size / 2),
            prefix: Vec::with_capacity(size / 2),
        }
    }

    /// `Σ_k (k + 1)·bucket[k]`, where bucket k holds the bases whose digit is ±(k + 1) (negated
    /// for −): `digits[i]` is base i's digit, at most the bucket count in absolute value (an
    /// identity base adds nothing; [`super::pippenger::msm_part`] gives it digits zero).
    pub(crate) fn window_sum(&mut self, bases: &[Affine<F>], digits: &[i32]) -> Xyzz<F> {
        self.sort(digits);
        self.reduce(Some(bases));
        self.weighted_sum()
    }

    /// Adds up each group's points, a round of pairs at a time, until every group holds at most
    /// one: the first round reads `bases` through the entries when given, then the slots.
    fn reduce(&mut self, mut source: Option<&[Affine<F>]>) {
        loop {
            let pairs = self.denominators(source);
            // every denominator is nonzero (see `classify`)
            F::batch_invert(&mut self.inverses, &mut self.prefix);
            self.add_pairs(source);
            if pairs == 0 {
                break;
            }
            source = None;
        }
    }

    /// The point in `slot`: in the first round (`bases` given) the base of the slot's entry (a
    /// base index shifted left by one, the low bit set for a negative digit), later the slot.
    #[inline(always)]
    fn point(&self, bases: Option<&[Affine<F>]>, slot: usize) -> Affine<F> {
        let (point, negated) = self.stored(bases, slot);
        if negated { point.neg() } else { *point }
    }

    /// The point in `slot` as stored, and whether it stands negated.
    #[inline(always)]
    fn stored<'a>(&'a self, bases: Option<&'a [Affine<F>]>, slot: usize) -> (&'a Affine<F>, bool) {
        match bases {
            Some(bases) => {
                let entry = self.entries[slot] as usize;
                (&bases[entry >> 1], entry & 1 == 1)
            }
            None => (&self.slots[slot], false),
        }
    }

    /// A counting sort of the bases by bucket, into `entries`; bases with digit zero are left
    /// out.
    fn sort(&mut self, digits: &[i32]) {
        self.lengths.clear();
        self.lengths.resize(self.count, 0);
        self.offsets.resize(self.count + 1, 0);
        for &digit in digits {
            if digit != 0 {
                self.lengths[digit.unsigned_abs() as usize - 1] += 1;
            }
        }
        let mut offset = 0;
        for (k, &length) in self.lengths.iter().enumerate() {
            self.offsets[k] = offset;
            offset += length;
        }
        let count = self.lengths.len();
        self.offsets[count] = offset;
        // `lengths` serves as each bucket's cursor, and ends as its length again
        self.lengths.fill(0);
        for (i, &digit) in digits.iter().enumerate() {
            if digit != 0 {
                let k = digit.unsigned_abs() as usize - 1;
                let slot = (self.offsets[k] + self.lengths[k]) as usize;
                self.entries[slot] = ((i as u32) << 1) | u32::from(digit < 0);
                self.lengths[k] += 1;
            }
        }
    }

    /// Classifies this round's pairs (points 2i and 2i + 1 of each group), stores their
    /// denominators, and returns how many there are.
    fn denominators(&mut self, source: Option<&[Affine<F>]>) -> usize {
        self.pairs.clear();
        self.inverses.clear();
        for (k, &length) in self.lengths.iter().enumerate() {
            let start = self.offsets[k] as usize;
            for i in 0..(length as usize) / 2 {
                let p = self.stored(source, start + 2 * i);
                let q = self.stored(source, start + 2 * i + 1);
                let (pair, denominator) = classify(p, q);
                self.pairs.push(pair);
                self.inverses.push(denominator);
            }
        }
        self.pairs.len()
    }

    /// Adds this round's pairs, in the order [`Buckets::denominators`] met them: pair i of a
    /// group goes to its slot i (in place: pairs in increasing order only overwrite slots
    /// already read), and an odd last point follows them.
    fn add_pairs(&mut self, source: Option<&[Affine<F>]>) {
        let mut j = 0;
        for k in 0..self.lengths.len() {
            let (start, length) = (self.offsets[k] as usize, self.lengths[k] as usize);
            for i in 0..length / 2 {
                let p = self.point(source, start + 2 * i);
                let q = self.point(source, start + 2 * i + 1);
                self.slots[start + i] = add(&p, &q, self.pairs[j], &self.inverses[j]);
                j += 1;
            }
            if length % 2 == 1 {
                self.slots[start + length / 2] = self.point(source, start + length - 1);
            }
            self.lengths[k] = length.div_ceil(2) as u32;
        }
    }

    /// `Σ_k k·B_k` over the buckets' sums (B_k in group k − 1, k = 1..=K), once every bucket
    /// holds at most one point. Running sums cost two XYZZ additions per bucket; instead, with
    /// k = i + L·j (L about √K), this is `Σ_i i·C_i + L·Σ_j j·R_j` with column sums
    /// `C_i = Σ_j B_(i+L·j)` and row sums `R_j = Σ_i B_(i+L·j)`: two affine additions per
    /// bucket, batched as the buckets' were, then running sums over L columns and K/L rows.
    fn weighted_sum(&mut self) -> Xyzz<F> {
        let count = self.lengths.len();
        if count < SPLIT_FROM {
            return self.running_sum(0..count);
        }
        let half = count.trailing_zeros().div_ceil(2);
        let width = 1usize << half;
        let rows = count / width + 1;
        self.spread(width, rows);
        self.reduce(None);
        let mut by_row = self.running_sum(width + 1..width + rows);
        for _ in 0..half {
            by_row = by_row.double();
        }
        self.running_sum(1..width).add(&by_row)
    }

    /// Regroups the buckets' points: group i < `width` gathers the column i (the buckets of
    /// weight k ≡ i mod `width`), group `width` + j the row j (weight k with k / `width` = j).
    fn spread(&mut self, width: usize, rows: usize) {
        self.points.clear();
        for (k, &length) in self.lengths.iter().enumerate() {
            if length == 1 {
                let point = &self.slots[self.offsets[k] as usize];
                if !point.infinity {
                    self.points.push((k + 1, *point));
                }
            }
        }
        let groups = width + rows;
        self.lengths.clear();
        self.lengths.resize(groups, 0);
        for &(k, _) in &self.points {
            self.lengths[k % width] += 1;
            self.lengths[width + k / width] += 1;
        }
        self.offsets.resize(groups + 1, 0);
        let mut offset = 0;
        for (group, &length) in self.lengths.iter().enumerate() {
            self.offsets[group] = offset;
            offset += length;
        }
        self.offsets[groups] = offset;
        if self.slots.len() < offset as usize {
            self.slots.resize(offset as usize, Affine::IDENTITY);
        }
        self.lengths.fill(0);
        for &(k, point) in &self.points {
            for group in [k % width, width + k / width] {
                self.slots[(self.offsets[group] + self.lengths[group]) as usize] = point;
                self.lengths[group] += 1;
            }
        }
    }

    /// `Σ_g (g − groups.start + 1)·(group g's point)` by running sums (two XYZZ additions per
    /// group), once every group holds at most one point.
    fn running_sum(&self, groups: Range<usize>) -> Xyzz<F> {
        let mut running = Xyzz::IDENTITY;
        let mut sum = Xyzz::IDENTITY;
        for group in groups.rev() {
            if self.lengths[group] == 1 {
                running.add_affine(&self.slots[self.offsets[group] as usize]);
            }
            sum = sum.add(&running);
        }
        sum
    }
}

/// How `p + q` adds up, and the denominator of its λ (one when there is none), for points as
/// stored and whether each stands negated (only x is needed, unless the x are equal).
#[inline(always)]
fn classify<F: FieldOps>(
    (p, p_negated): (&Affine<F>, bool),
    (q, q_negated): (&Affine<F>, bool),
) -> (Pair, F) {
    if p.infinity {
        return (Pair::Right, F::ONE);
    }
    if q.infinity {
        return (Pair::Left, F::ONE);
    }
    if p.x != q.x {
        return (Pair::Add, q.x.sub(&p.x));
    }
    let same_y = if p_negated == q_negated {
        p.y == q.y
    } else {
        p.y == q.y.neg()
    };
    if same_y && !p.y.is_zero() {
        let y = if p_negated { p.y.neg() } else { p.y };
        return (Pair::Double, y.double());
    }
    (Pair::Identity, F::ONE)
}

/// `p + q` given how they add up and the inverse of the denominator.
#[inline(always)]
fn add<F: FieldOps>(p: &Affine<F>, q: &Affine<F>, pair: Pair, inverse: &F) -> Affine<F> {
    let lambda = match pair {
        Pair::Add => q.y.sub(&p.y).mul(inverse),
        Pair::Double => {
            let x_squared = p.x.square();
            x_squared.double().add(&x_squared).mul(inverse)
        }
        Pair::Right => return *q,
        Pair::Left => return *p,
        Pair::Identity => return Affine::IDENTITY,
    };
    let x = lambda.square().sub(&p.x).sub(&q.x);
    let y = lambda.mul(&p.x.sub(&x)).sub(&p.y);
    Affine {
        x,
        y,
        infinity: false,
    }
}

#[cfg(test)]
mod tests {
    use ark_bls12_381::{Fr, G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};

    use super::*;
    use crate::msm::{Fq, bases, to_projective};

    /// Σ digits[i]·points[i] the slow way.
    fn expected(points: &[G1Affine], digits: &[i32]) -> G1Projective {
        points
            .iter()
            .zip(digits)
            .map(|(p, &d)| {
                let scalar = Fr::from(d.unsigned_abs());
                let product = *p * scalar;
                if d < 0 { -product } else { product }
            })
            .sum()
    }

    /// Windows over few distinct points (g, 2g, −g, the identity), so that buckets meet every
    /// kind of pair: additions, doublings, P + (−P), and the identity on either side; with up
    /// to 128 buckets, so that the buckets' sums are also weighted by columns and rows.
    #[test]
    fn windows_of_colliding_points_sum_to_the_weighted_sum() {
        let mut rng = StdRng::seed_from_u64(6);
        let g = G1Projective::generator();
        let palette = [
            g.into_affine(),
            (g + g).into_affine(),
            (-g).into_affine(),
            G1Affine::identity(),
            (g * Fr::from(7u8)).into_affine(),
        ];
        for round in 0..300 {
            let n = rng.gen_range(0..300);
            let count = 1usize << rng.gen_range(0..8);
            let points: Vec<G1Affine> = (0..n)
                .map(|_| palette[rng.gen_range(0..palette.len())])
                .collect();
            let digits: Vec<i32> = (0..n)
                .map(|_| rng.gen_range(-(count as i32)..=count as i32))
                .collect();
            let mut buckets = Buckets::<Fq>::new(count, n);
            let got = buckets.window_sum(&bases(&points), &digits);
            let got = to_projective::<ark_bls12_381::g1::Config, Fq>(&got);
            assert_eq!(got, expected(&points, &digits), "case {round}");
        }
    }

    /// Points off the curve with y = 0 (a key's bases are not curve-checked): no doubling's
    /// denominator may be zero, so nothing panics.
    #[test]
    fn off_curve_points_with_y_zero_do_not_panic() {
        let point = Affine {
            x: Fq::ONE,
            y: Fq::ZERO,
            infinity: false,
        };
        let mut buckets = Buckets::<Fq>::new(2, 8);
        buckets.window_sum(&[point; 8], &[1, 1, 2, 2, -1, 1, 2, -2]);
    }
}
