//! Multiples of Mina's generator in radix 2^29 (see [`crate::radix29`]), for wasm32: the same
//! fixed-base table and constant-time reads as [`crate::curve::mul_generator`], with complete
//! projective addition formulas (Renes–Costello–Batina 2016, algorithm 8, a = 0), so the
//! identity needs no special case.

use std::sync::OnceLock;

use ark_ff::Field as _;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::curve::{self, Field, Projective, Scalar};
use crate::radix29::Fe;

/// A point in homogeneous projective coordinates `(X : Y : Z)`, affine `(X/Z, Y/Z)`.
#[derive(Clone, Copy, Debug)]
struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl ConditionallySelectable for Point {
    fn conditional_select(a: &Point, b: &Point, choice: Choice) -> Point {
        Point {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
            z: Fe::conditional_select(&a.z, &b.z, choice),
        }
    }
}

#[derive(Debug)]
struct Table29 {
    /// `3·b` = 15 for y² = x³ + 5.
    b3: Fe,
    /// `(x, y)` of each entry of the arkworks table.
    windows: Vec<[(Fe, Fe); curve::ENTRIES]>,
}

fn table() -> &'static Table29 {
    static TABLE: OnceLock<Table29> = OnceLock::new();
    TABLE.get_or_init(|| Table29 {
        b3: Fe::from_field(&Field::from(15u8)),
        windows: curve::table()
            .iter()
            .map(|entries| entries.map(|p| (Fe::from_field(&p.x), Fe::from_field(&p.y))))
            .collect(),
    })
}

/// `p + (x2, y2)` for an affine, non-identity `(x2, y2)`; complete for any `p`.
fn add_mixed(p: &Point, x2: &Fe, y2: &Fe, b3: &Fe) -> Point {
    let t0 = p.x.mul(x2);
    let t1 = p.y.mul(y2);
    let t3 = x2.add(y2).mul(&p.x.add(&p.y));
    let t4 = t0.add(&t1);
    let t3 = t3.sub(&t4);
    let t4 = y2.mul(&p.z).add(&p.y);
    let y3 = x2.mul(&p.z).add(&p.x);
    let x3 = t0.add(&t0);
    let t0 = x3.add(&t0);
    let t2 = b3.mul(&p.z);
    let z3 = t1.add(&t2);
    let t1 = t1.sub(&t2);
    let y3 = b3.mul(&y3);
    let x3 = t3.mul(&t1).sub(&t4.mul(&y3));
    let y3 = t1.mul(&z3).add(&y3.mul(&t0));
    let z3 = z3.mul(&t4).add(&t0.mul(&t3));
    Point {
        x: x3,
        y: y3,
        z: z3,
    }
}

fn select_entry(entries: &[(Fe, Fe); curve::ENTRIES], index: u8) -> (Fe, Fe) {
    let mut chosen = entries[0];
    for (j, entry) in entries.iter().enumerate() {
        let hit = (j as u8).ct_eq(&index);
        chosen = (
            Fe::conditional_select(&chosen.0, &entry.0, hit),
            Fe::conditional_select(&chosen.1, &entry.1, hit),
        );
    }
    chosen
}

/// `k · G`: 64 complete mixed additions with constant-time table reads and selection.
pub(crate) fn mul_generator(k: &Scalar) -> Projective {
    let table = table();
    let one = Fe::from_field(&Field::ONE);
    let zero = Fe::from_field(&Field::from(0u8));
    let mut acc = Point {
        x: zero,
        y: one,
        z: zero,
    };
    for (i, digit) in curve::digits(k).enumerate() {
        let (x, y) = select_entry(&table.windows[i], digit);
        let sum = add_mixed(&acc, &x, &y, &table.b3);
        acc = Point::conditional_select(&acc, &sum, !digit.ct_eq(&0));
    }
    // homogeneous (X : Y : Z) to arkworks' Jacobian (X·Z, Y·Z², Z)
    let xz = acc.x.mul(&acc.z);
    let yz2 = acc.y.mul(&acc.z).mul(&acc.z);
    Projective::new_unchecked(xz.to_field(), yz2.to_field(), acc.z.to_field())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, UniformRand};

    #[test]
    fn agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let mut scalars = vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::from(16u8),
            Scalar::from(17u8),
        ];
        scalars.extend((0..32).map(|_| Scalar::rand(&mut rng)));
        for k in scalars {
            assert_eq!(mul_generator(&k), curve::generator() * k, "{k}");
        }
    }
}
