//! The Pallas curve as Mina uses it: its fields, Mina's generator `(1, y)` (not ark-pallas's
//! default `(-1, 2)`), a fixed-base table for fast multiples of the generator, and compressed
//! points (`x` and the parity of `y`).

use std::sync::OnceLock;

use ark_ec::{AdditiveGroup, CurveGroup, scalar_mul::glv::GLVConfig};
use ark_ff::{BigInteger, Field as _, MontFp, PrimeField};
use ark_pallas::PallasConfig;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::{Error, Result};

/// The Pallas base field (Mina's `Field`), modulus p.
pub type Field = ark_pallas::Fq;
/// The Pallas scalar field (Mina's `Scalar`), modulus q > p.
pub type Scalar = ark_pallas::Fr;
/// An affine Pallas point.
pub type Affine = ark_pallas::Affine;
/// A projective Pallas point.
pub type Projective = ark_pallas::Projective;

/// The y coordinate of Mina's generator `(1, y)`.
const GENERATOR_Y: Field =
    MontFp!("12418654782883325593414442427049395787963493412651469444558597405572177144507");

/// The base-field modulus p in 64-bit words, least significant first (for the hand-written
/// arithmetic in `fp64`, `poseidon::ifma` and `radix29`).
pub(crate) const P_WORDS: [u64; 4] = Field::MODULUS.0;

/// `−m⁻¹ mod 2^64` for an odd `m0` (Newton's iteration), the Montgomery constant of a modulus
/// whose lowest word is `m0`.
pub(crate) const fn montgomery_inverse(m0: u64) -> u64 {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 7 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
}

/// Mina's generator of the Pallas group.
pub fn generator() -> Affine {
    Affine::new_unchecked(Field::ONE, GENERATOR_Y)
}

/// Window width of the fixed-base table, in bits.
const WINDOW: usize = 4;
/// Number of windows covering a 256-bit scalar.
const WINDOWS: usize = 256 / WINDOW;
/// Entries per window: `j · 16^i · G` for `j` in `0..16` (entry 0 holds `16^i · G` as a
/// placeholder that is never added).
pub(crate) const ENTRIES: usize = 1 << WINDOW;

type Table = Vec<[Affine; ENTRIES]>;

pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn build_table() -> Table {
    let mut projective = Vec::with_capacity(WINDOWS * ENTRIES);
    let mut base = Projective::from(generator());
    for _ in 0..WINDOWS {
        projective.push(base);
        let mut multiple = base;
        for _ in 1..ENTRIES {
            projective.push(multiple);
            multiple += base;
        }
        base = multiple;
    }
    let affine = Projective::normalize_batch(&projective);
    affine
        .chunks_exact(ENTRIES)
        .map(|chunk| std::array::from_fn(|j| chunk[j]))
        .collect()
}

fn select_field(a: &Field, b: &Field, choice: Choice) -> Field {
    let mut out = *a;
    for (limb, (x, y)) in out.0.0.iter_mut().zip(a.0.0.iter().zip(b.0.0.iter())) {
        *limb = u64::conditional_select(x, y, choice);
    }
    out
}

fn select_point(a: &Projective, b: &Projective, choice: Choice) -> Projective {
    Projective::new_unchecked(
        select_field(&a.x, &b.x, choice),
        select_field(&a.y, &b.y, choice),
        select_field(&a.z, &b.z, choice),
    )
}

/// Window width of the native fixed-base table, in bits: signed digits in `−16..=15`.
const SIGNED_WINDOW: usize = 5;
/// Windows of the signed table: 51 cover a scalar below 2^255, one more takes the last carry.
const SIGNED_WINDOWS: usize = 52;
/// Entries per signed window: `j · 32^i · G` for `j` in `1..=16` (index `j − 1`).
const SIGNED_ENTRIES: usize = 16;

type SignedTable = Vec<[Affine; SIGNED_ENTRIES]>;

fn signed_table() -> &'static SignedTable {
    static TABLE: OnceLock<SignedTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut projective = Vec::with_capacity(SIGNED_WINDOWS * SIGNED_ENTRIES);
        let mut base = Projective::from(generator());
        for _ in 0..SIGNED_WINDOWS {
            let mut multiple = base;
            for _ in 0..SIGNED_ENTRIES {
                projective.push(multiple);
                multiple += base;
            }
            // 32 · base = 2 · (16 · base)
            base = projective[projective.len() - 1].double();
        }
        Projective::normalize_batch(&projective)
            .chunks_exact(SIGNED_ENTRIES)
            .map(|chunk| std::array::from_fn(|j| chunk[j]))
            .collect()
    })
}

/// The scalar in radix 32 with digits in `−16..=15`, least significant first, computed
/// without branches: `k = Σ d_i · 32^i`.
fn signed_digits(k: &Scalar) -> [i8; SIGNED_WINDOWS] {
    let limbs = k.into_bigint().0;
    let bits = |at: usize| -> u8 {
        let (word, offset) = (at / 64, at % 64);
        let mut value = limbs.get(word).copied().unwrap_or(0) >> offset;
        if offset + SIGNED_WINDOW > 64 {
            value |= limbs.get(word + 1).copied().unwrap_or(0) << (64 - offset);
        }
        (value & 0x1f) as u8
    };
    let mut carry = 0u8;
    std::array::from_fn(|i| {
        let d = bits(i * SIGNED_WINDOW) + carry; // 0..=32
        carry = (d + 16) >> 5; // d ≥ 16: borrow 32 from the next window
        (d as i8).wrapping_sub((carry << 5) as i8)
    })
}

/// Reads `±entries[|digit| − 1]` touching every entry, so the memory access pattern does not
/// depend on the (secret) digit; digit 0 gives an unused entry.
fn select_signed(entries: &[Affine; SIGNED_ENTRIES], digit: i8) -> Affine {
    let negative = (digit >> 7) as u8; // 0xff or 0
    let magnitude = ((digit as u8) ^ negative).wrapping_sub(negative);
    let mut x = entries[0].x;
    let mut y = entries[0].y;
    for (j, entry) in entries.iter().enumerate() {
        let hit = (j as u8 + 1).ct_eq(&magnitude);
        x = select_field(&x, &entry.x, hit);
        y = select_field(&y, &entry.y, hit);
    }
    let y = select_field(&y, &-y, Choice::from(negative & 1));
    Affine::new_unchecked(x, y)
}

/// `k · G` for Mina's generator, by the fixed-base table of signed digits: 52 mixed
/// additions, no doublings. Table reads, negations and the choice to add are constant-time in
/// `k`; the field and point arithmetic underneath is arkworks' and is not hardened against
/// timing.
pub fn mul_generator(k: &Scalar) -> Projective {
    // WebAssembly lacks a 64×64→128-bit multiply: radix 2^29 is much faster there
    if cfg!(target_arch = "wasm32") {
        return crate::generator29::mul_generator(k);
    }
    let mut acc = Projective::ZERO;
    for (entries, digit) in signed_table().iter().zip(signed_digits(k)) {
        let point = select_signed(entries, digit);
        let sum = acc + point;
        acc = select_point(&acc, &sum, !digit.ct_eq(&0));
    }
    acc
}

/// `k · G` for a public `k` (verification): the same table read directly, zero windows
/// skipped. Not constant-time: never pass a secret.
pub fn mul_generator_public(k: &Scalar) -> Projective {
    if cfg!(target_arch = "wasm32") {
        return crate::generator29::mul_generator(k);
    }
    let mut acc = Projective::ZERO;
    for (entries, digit) in table().iter().zip(digits(k)) {
        if digit != 0 {
            acc += entries[usize::from(digit)];
        }
    }
    acc
}

/// The 4-bit windows of a scalar, least significant first.
pub(crate) fn digits(k: &Scalar) -> impl Iterator<Item = u8> {
    let limbs = k.into_bigint().0;
    (0..WINDOWS).map(move |i| ((limbs[i / 16] >> ((i % 16) * WINDOW)) & 0xf) as u8)
}

/// `k · P` for an arbitrary point, using Pallas's GLV endomorphism (public data only).
pub fn mul_point(point: &Affine, k: &Scalar) -> Projective {
    <PallasConfig as GLVConfig>::glv_mul_projective(Projective::from(*point), *k)
}

/// Whether a field element, as an integer in `0..p`, is odd.
pub fn is_odd(y: &Field) -> bool {
    y.into_bigint().is_odd()
}

/// Reinterprets a base-field element as a scalar (always possible: p < q).
pub fn field_to_scalar(x: &Field) -> Scalar {
    Scalar::from_bigint(x.into_bigint())
        .unwrap_or_else(|| unreachable!("p < q, so every base field element is a valid scalar"))
}

/// Reduces a scalar modulo p, as `Field(privateKey)` does in mina-signer.
pub fn scalar_to_field(k: &Scalar) -> Field {
    Field::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le())
}

/// Whether some point of the curve has this x coordinate (x³ + 5 is a square). Cheaper than
/// [`decompress`], which also finds y. Natively by the binary Jacobi symbol, whose time depends
/// on `x`: for public keys only.
pub fn is_x_coordinate(x: &Field) -> bool {
    let y_squared = x.square() * x + MontFp!("5");
    if cfg!(target_arch = "wasm32") {
        crate::radix29::is_square(&y_squared)
    } else {
        crate::fp64::is_square_vartime(&y_squared.into_bigint().0)
    }
}

/// Recovers the point `(x, y)` with the given parity of `y` (variable time: public keys).
pub fn decompress(x: &Field, y_is_odd: bool) -> Result<Affine> {
    let y_squared = x.square() * x + MontFp!("5");
    let y = crate::sqrt::sqrt_vartime(&y_squared).ok_or(Error::NotOnCurve)?;
    let y = if is_odd(&y) == y_is_odd { y } else { -y };
    Ok(Affine::new_unchecked(*x, y))
}

/// 32 little-endian bytes of a field element.
pub fn field_to_bytes(x: &Field) -> [u8; 32] {
    to_32_bytes(x.into_bigint().to_bytes_le())
}

/// 32 little-endian bytes of a scalar.
pub fn scalar_to_bytes(k: &Scalar) -> [u8; 32] {
    to_32_bytes(k.into_bigint().to_bytes_le())
}

fn to_32_bytes(bytes: Vec<u8>) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes[..32]);
    out
}

/// Reads 32 little-endian bytes as a field element; refuses values ≥ p.
pub fn field_from_bytes(bytes: &[u8; 32]) -> Result<Field> {
    let value = Field::from_le_bytes_mod_order(bytes);
    if field_to_bytes(&value) == *bytes {
        Ok(value)
    } else {
        Err(Error::FieldRange)
    }
}

/// Reads 32 little-endian bytes as a scalar; refuses values ≥ q.
pub fn scalar_from_bytes(bytes: &[u8; 32]) -> Result<Scalar> {
    let value = Scalar::from_le_bytes_mod_order(bytes);
    if scalar_to_bytes(&value) == *bytes {
        Ok(value)
    } else {
        Err(Error::ScalarRange { nonzero: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_std::UniformRand;

    #[test]
    fn generator_is_on_the_curve() {
        assert!(generator().is_on_curve());
        assert_ne!(generator(), Affine::generator());
    }

    #[test]
    fn fixed_base_table_agrees_with_double_and_add() {
        let mut rng = ark_std::test_rng();
        let g = generator();
        for k in [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(16u8)] {
            assert_eq!(mul_generator(&k), g * k);
            assert_eq!(mul_generator_public(&k), g * k);
        }
        for k in [
            Scalar::from(15u8),
            Scalar::from(16u8),
            Scalar::from(31u8),
            Scalar::from(32u8),
            -Scalar::from(16u8),
            Scalar::from(2u8).pow([254]),
            Scalar::from(2u8).pow([255]) - Scalar::ONE,
        ] {
            assert_eq!(mul_generator(&k), g * k, "{k}");
        }
        for _ in 0..256 {
            let k = Scalar::rand(&mut rng);
            assert_eq!(mul_generator(&k), g * k);
            assert_eq!(mul_generator_public(&k), g * k);
            assert_eq!(mul_point(&g, &k), g * k);
        }
    }

    #[test]
    fn signed_digits_recompose_the_scalar() {
        let mut rng = ark_std::test_rng();
        let mut scalars = vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::from(16u8),
            Scalar::from(u64::MAX),
            -Scalar::from(16u8),
        ];
        scalars.extend((0..1000).map(|_| Scalar::rand(&mut rng)));
        for k in scalars {
            let digits = signed_digits(&k);
            assert!(digits.iter().all(|d| (-16..=15).contains(d)), "{k}");
            let sum = digits.iter().rev().fold(Scalar::ZERO, |sum, d| {
                sum * Scalar::from(32u8) + Scalar::from(*d)
            });
            assert_eq!(sum, k);
        }
    }

    #[test]
    fn decompression_round_trips() {
        let point = (generator() * Scalar::from(12345u32)).into_affine();
        assert_eq!(decompress(&point.x, is_odd(&point.y)).ok(), Some(point));
        // x = 0 gives y^2 = 5, a non-residue mod p
        assert_eq!(decompress(&Field::ZERO, false), Err(Error::NotOnCurve));
        assert!(!is_x_coordinate(&Field::ZERO));
        assert!(is_x_coordinate(&point.x));
    }
}
