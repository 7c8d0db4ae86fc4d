//! Square roots in the Pallas base field for decompressing public keys: Tonelli–Shanks with
//! tables (Sarkar's variant). With `p − 1 = 2^32 · t`, `t` odd, and `g` a primitive 2^32-th
//! root of unity: `x = a^((t−1)/2)`, `b = a·x² = a^t` lies in `⟨g⟩`; its discrete logarithm `e`
//! is found eight bits at a time from a table of the 256 powers of `g^(2^24)` (48 squarings
//! in all, instead of the up to 32·31/2 of the textbook loop); `a` is a square exactly when `e`
//! is even, and then `a·x · g^(−e/2)` is a root. The exponentiation uses 4-bit windows.
//!
//! Variable time (hash-table lookups, branches on the digits): public values only.

use std::collections::HashMap;
use std::sync::OnceLock;

use ark_ff::{AdditiveGroup, FftField, Field as _, PrimeField};

use crate::curve::Field;

/// Bits of the discrete logarithm found per step.
const STEP: u32 = 8;
/// Steps: 2^32 = 256^4.
const STEPS: usize = 4;

struct Tables {
    /// `inverse_powers[i][j] = g^(−j · 256^i)`.
    inverse_powers: [Vec<Field>; STEPS],
    /// `h^j ↦ j` for `h = g^(2^24)`, of order 256.
    logarithms: HashMap<[u64; 4], u32>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        const { assert!(Field::TWO_ADICITY == STEP * STEPS as u32) };
        let g = Field::TWO_ADIC_ROOT_OF_UNITY;
        let inverse_powers = std::array::from_fn(|i| {
            let base = g
                .pow([1u64 << (STEP as usize * i)])
                .inverse()
                .unwrap_or_else(|| unreachable!("a root of unity is invertible"));
            std::iter::successors(Some(Field::ONE), |x| Some(*x * base))
                .take(1 << STEP)
                .collect()
        });
        let h = g.pow([1u64 << (STEP * (STEPS as u32 - 1))]);
        let logarithms = std::iter::successors(Some(Field::ONE), |x| Some(*x * h))
            .take(1 << STEP)
            .zip(0..)
            .map(|(x, j)| (x.0.0, j))
            .collect();
        Tables {
            inverse_powers,
            logarithms,
        }
    })
}

/// `a^exponent` with 4-bit windows (variable time).
fn pow_vartime(a: &Field, exponent: &[u64]) -> Field {
    let mut powers = [Field::ONE; 16];
    for j in 1..16 {
        powers[j] = powers[j - 1] * a;
    }
    let mut acc = Field::ONE;
    for word in exponent.iter().rev() {
        for shift in (0..16).rev() {
            for _ in 0..4 {
                acc.square_in_place();
            }
            let digit = (word >> (4 * shift)) & 0xf;
            if digit != 0 {
                acc *= powers[digit as usize];
            }
        }
    }
    acc
}

/// `g^(−e)` for `e < 2^32`, from the tables.
fn inverse_power_of_g(tables: &Tables, e: u32) -> Field {
    (0..STEPS).fold(Field::ONE, |acc, i| {
        acc * tables.inverse_powers[i][((e >> (STEP as usize * i)) & 0xff) as usize]
    })
}

/// A square root of `a`, or `None` when `a` is not a square. Which of the two roots is
/// unspecified. For public values only.
pub(crate) fn sqrt_vartime(a: &Field) -> Option<Field> {
    if *a == Field::ZERO {
        return Some(Field::ZERO);
    }
    let tables = tables();
    let x = pow_vartime(a, Field::TRACE_MINUS_ONE_DIV_TWO.as_ref());
    let root = *a * x; // a^((t+1)/2)
    let mut b = root * x; // a^t = g^e
    let mut e = 0u32;
    for i in 0..STEPS {
        // b = g^(e' · 256^i) with e' the digits not found yet: b^(256^(3−i)) = h^(digit i)
        let mut probe = b;
        for _ in 0..STEP as usize * (STEPS - 1 - i) {
            probe.square_in_place();
        }
        let digit = *tables.logarithms.get(&probe.0.0)?;
        e |= digit << (STEP as usize * i);
        b *= tables.inverse_powers[i][digit as usize];
    }
    // g is not a square: g^e is one exactly when e is even
    if e % 2 == 1 {
        return None;
    }
    Some(root * inverse_power_of_g(tables, e / 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    fn check(a: Field) {
        let ours = sqrt_vartime(&a);
        match a.sqrt() {
            None => assert_eq!(ours, None, "{a}"),
            Some(root) => {
                let ours = ours.unwrap_or_else(|| panic!("no root found for the square {a}"));
                assert!(ours == root || ours == -root, "{a}");
            }
        }
    }

    #[test]
    fn agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        let g = Field::TWO_ADIC_ROOT_OF_UNITY;
        let mut values = vec![
            Field::ZERO,
            Field::ONE,
            -Field::ONE,
            Field::from(5u8),
            g,
            g.square(),
            g.pow([1u64 << 31]),
            g.pow([(1u64 << 32) - 2]),
            Field::GENERATOR,
        ];
        values.extend((0..500).map(|_| Field::rand(&mut rng)));
        for a in values {
            check(a);
            check(a.square());
            check(a.square() * Field::GENERATOR);
        }
    }

    #[test]
    fn windowed_power_agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        for _ in 0..50 {
            let (a, e) = (Field::rand(&mut rng), Field::rand(&mut rng).into_bigint());
            assert_eq!(pow_vartime(&a, e.as_ref()), a.pow(e));
        }
    }
}
