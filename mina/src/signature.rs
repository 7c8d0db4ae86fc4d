//! Schnorr signatures over Pallas as Mina defines them (`Schnorr.Legacy` and
//! `Schnorr.Chunked`): a deterministic blake2b nonce, `R = k·G` with even `y`, the challenge
//! `e = Poseidon(prefix; input ‖ pk.x ‖ pk.y ‖ R.x)`, and `s = k + e·sk`.

use std::fmt;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, PrimeField};
use blake2::{
    Blake2bVar,
    digest::{Update, VariableOutput},
};

use crate::base58::{self, version};
use crate::curve::{self, Affine, Field, Scalar};
use crate::hash_input::{BitWriter, FIELD_BITS, LegacyInput};
use crate::keys::{PrivateKey, PublicKey};
use crate::network::NetworkId;
use crate::poseidon::Poseidon;
use crate::{Error, Result};

/// Version number inside a base58 signature.
const VERSION_NUMBER: u8 = 1;

/// A Schnorr signature: the x coordinate `r` of the nonce point and the scalar `s`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// `R.x`, a base-field element.
    pub r: Field,
    /// `k + e·sk`, a scalar.
    pub s: Scalar,
}

impl Signature {
    /// Decodes the base58 form (`7m…`) used by field signatures.
    pub fn from_base58(text: &str) -> Result<Signature> {
        let payload = base58::decode_check(text, version::SIGNATURE, "signature")?;
        let body = base58::strip_version_number(&payload, VERSION_NUMBER)?;
        let bytes = base58::exact::<64>(body)?;
        let (r, s) = bytes.split_at(32);
        Signature::from_bytes(r, s)
    }

    /// Encodes as base58 (`7m…`).
    pub fn to_base58(&self) -> String {
        let mut payload = Vec::with_capacity(65);
        payload.push(VERSION_NUMBER);
        payload.extend_from_slice(&self.to_raw());
        base58::encode_check(version::SIGNATURE, &payload)
    }

    /// `r` and `s` as 32 little-endian bytes each: the daemon's `rawSignature` (hex of these).
    pub fn to_raw(&self) -> [u8; 64] {
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(&curve::field_to_bytes(&self.r));
        raw[32..].copy_from_slice(&curve::scalar_to_bytes(&self.s));
        raw
    }

    fn from_bytes(r: &[u8], s: &[u8]) -> Result<Signature> {
        let r: [u8; 32] = base58::exact(r)?;
        let s: [u8; 32] = base58::exact(s)?;
        Ok(Signature {
            r: curve::field_from_bytes(&r).map_err(|e| e.in_field("field"))?,
            s: curve::scalar_from_bytes(&s).map_err(|e| e.in_field("scalar"))?,
        })
    }

    /// Parses the JSON form's integer strings (decimal, or any form `BigInt()` reads); values
    /// out of range are refused.
    pub fn from_decimal(field: &str, scalar: &str) -> Result<Signature> {
        let r =
            parse_element::<Field>(field, Error::FieldRange).map_err(|e| e.in_field("field"))?;
        let s = parse_element::<Scalar>(scalar, Error::ScalarRange { nonzero: false })
            .map_err(|e| e.in_field("scalar"))?;
        Ok(Signature { r, s })
    }

    /// `r` in decimal (the JSON `field`).
    pub fn field_decimal(&self) -> String {
        self.r.into_bigint().to_string()
    }

    /// `s` in decimal (the JSON `scalar`).
    pub fn scalar_decimal(&self) -> String {
        self.s.into_bigint().to_string()
    }
}

/// Parses an integer (as JavaScript's `BigInt()` reads text) that must be below the modulus of
/// `F`; `range` is the error for values at or above it.
pub(crate) fn parse_element<F: PrimeField<BigInt = ark_ff::BigInt<4>>>(
    text: &str,
    range: Error,
) -> Result<F> {
    let limbs = crate::numeric::parse_js_u256(text)?.ok_or_else(|| range.clone())?;
    F::from_bigint(ark_ff::BigInt(limbs)).ok_or(range)
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base58())
    }
}

/// The scheme, which fixes the hash-input packing, the Poseidon parameters and the nonce
/// derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Legacy,
    Kimchi,
}

/// Signs a legacy hash input (payments, delegations, messages).
pub fn sign_legacy(
    input: &LegacyInput,
    key: &PrivateKey,
    network: &NetworkId,
) -> Result<Signature> {
    let public = key.public_point();
    let nonce = derive_nonce_legacy(input, &public, key, network);
    finish_signature(Scheme::Legacy, input, &[], &public, key, nonce, network)
}

/// Verifies a legacy signature; any malformed part gives `false`.
pub fn verify_legacy(
    input: &LegacyInput,
    signature: &Signature,
    key: &PublicKey,
    network: &NetworkId,
) -> bool {
    verify(Scheme::Legacy, input, &[], signature, key, network)
}

/// Signs an array of field elements with the kimchi (chunked) scheme.
pub fn sign_fields(fields: &[Field], key: &PrivateKey, network: &NetworkId) -> Result<Signature> {
    let public = key.public_point();
    let nonce = derive_nonce_kimchi(fields, &public, key, network)?;
    finish_signature(
        Scheme::Kimchi,
        &LegacyInput::default(),
        fields,
        &public,
        key,
        nonce,
        network,
    )
}

/// Verifies a kimchi signature over field elements.
pub fn verify_fields(
    fields: &[Field],
    signature: &Signature,
    key: &PublicKey,
    network: &NetworkId,
) -> bool {
    verify(
        Scheme::Kimchi,
        &LegacyInput::default(),
        fields,
        signature,
        key,
        network,
    )
}

fn finish_signature(
    scheme: Scheme,
    legacy: &LegacyInput,
    fields: &[Field],
    public: &Affine,
    key: &PrivateKey,
    nonce: Scalar,
    network: &NetworkId,
) -> Result<Signature> {
    if nonce == Scalar::ZERO {
        return Err(Error::ZeroNonce);
    }
    let r_point = curve::mul_generator(&nonce).into_affine();
    let k = if curve::is_odd(&r_point.y) {
        -nonce
    } else {
        nonce
    };
    let e = challenge(scheme, legacy, fields, public, &r_point.x, network)?;
    Ok(Signature {
        r: r_point.x,
        s: k + e * key.scalar(),
    })
}

fn verify(
    scheme: Scheme,
    legacy: &LegacyInput,
    fields: &[Field],
    signature: &Signature,
    key: &PublicKey,
    network: &NetworkId,
) -> bool {
    let Ok(public) = key.to_point() else {
        return false;
    };
    let Ok(e) = challenge(scheme, legacy, fields, &public, &signature.r, network) else {
        return false;
    };
    // WebAssembly keeps the radix-2^29 table for s·G (its multiplications are cheaper there)
    let r_point = if cfg!(target_arch = "wasm32") {
        curve::mul_generator_public(&signature.s) - curve::mul_point(&public, &e)
    } else {
        crate::double_mul::mul_generator_minus_point(&signature.s, &e, &public)
    }
    .into_affine();
    !r_point.is_zero() && !curve::is_odd(&r_point.y) && r_point.x == signature.r
}

/// `e = Poseidon(prefix; input ‖ pk.x ‖ pk.y ‖ r)` read as a scalar.
fn challenge(
    scheme: Scheme,
    legacy: &LegacyInput,
    fields: &[Field],
    public: &Affine,
    r: &Field,
    network: &NetworkId,
) -> Result<Scalar> {
    let prefix = network.signature_prefix()?;
    let hash = match scheme {
        Scheme::Legacy => {
            let mut input = LegacyInput {
                fields: legacy.fields.clone(),
                bits: Vec::new(),
            };
            input.field(public.x).field(public.y).field(*r);
            input.bits.clone_from(&legacy.bits);
            Poseidon::Legacy.hash_with_prefix(&prefix, &input.pack_to_fields())?
        }
        Scheme::Kimchi => {
            let mut input = Vec::with_capacity(fields.len() + 3);
            input.extend_from_slice(fields);
            input.extend([public.x, public.y, *r]);
            Poseidon::Kimchi.hash_with_prefix(&prefix, &input)?
        }
    };
    Ok(curve::field_to_scalar(&hash))
}

/// blake2b-256 of the bytes, top two bits cleared, read little-endian as a scalar.
fn nonce_from_bytes(bytes: &[u8]) -> Scalar {
    let mut digest = [0u8; 32];
    let mut hasher =
        Blake2bVar::new(32).unwrap_or_else(|_| unreachable!("32 is a valid blake2b length"));
    hasher.update(bytes);
    hasher
        .finalize_variable(&mut digest)
        .unwrap_or_else(|_| unreachable!("the buffer has the requested length"));
    digest[31] &= 0x3f;
    Scalar::from_le_bytes_mod_order(&digest)
}

fn derive_nonce_legacy(
    input: &LegacyInput,
    public: &Affine,
    key: &PrivateKey,
    network: &NetworkId,
) -> Scalar {
    let mut writer = BitWriter::default();
    for x in input.fields.iter().chain([&public.x, &public.y]) {
        writer.field(x);
    }
    for bit in &input.bits {
        writer.bit(*bit);
    }
    writer.bits_le(&curve::scalar_to_bytes(key.scalar()), FIELD_BITS);
    let id = network.legacy_nonce_byte();
    for i in 0..8 {
        writer.bit(id >> i & 1 == 1);
    }
    nonce_from_bytes(&writer.finish())
}

fn derive_nonce_kimchi(
    fields: &[Field],
    public: &Affine,
    key: &PrivateKey,
    network: &NetworkId,
) -> Result<Scalar> {
    let mut writer = BitWriter::default();
    let d = curve::scalar_to_field(key.scalar());
    let id = network.kimchi_nonce_field()?;
    for x in fields.iter().chain([&public.x, &public.y, &d, &id]) {
        writer.field(x);
    }
    Ok(nonce_from_bytes(&writer.finish()))
}
