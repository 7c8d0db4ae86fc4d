//! Groth16 proofs as bytes and JSON, and the strict decoding of untrusted ones.
//!
//! Bytes: `A ‖ B ‖ C` compressed, 48 + 96 + 48 = 192 bytes, in the Zcash/IETF encoding of
//! BLS12-381 points that arkworks uses: big-endian x (for G2 `x.c1` then `x.c0`), the top three
//! bits of the first byte being the compression flag (always set), the infinity flag and the
//! sign of y. JSON: the 192 bytes as one string of 384 lowercase hex digits.
//!
//! Decoding refuses, with a typed error and never a panic: a length other than 192, a bad
//! flag combination or a coordinate not below p ([`Error::PointEncoding`]), an x with no
//! point ([`Error::NotOnCurve`]), a point outside the prime-order subgroup
//! ([`Error::NotInSubgroup`]), and the point at infinity ([`Error::Identity`]).

use ark_bls12_381::{Bls12_381, Fq};
use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::error::ProofElement;
use crate::{Error, Result};

/// Length of a compressed proof.
pub const PROOF_BYTES: usize = 192;
const G1_BYTES: usize = 48;
const G2_BYTES: usize = 96;

/// A Groth16 proof over BLS12-381 whose points are all checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Proof(pub(crate) ark_groth16::Proof<Bls12_381>);

// point equality is an equivalence relation (arkworks only forgot to derive it)
impl Eq for Proof {}

impl Proof {
    /// The 192-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; PROOF_BYTES] {
        let mut out = [0u8; PROOF_BYTES];
        let (a, rest) = out.split_at_mut(G1_BYTES);
        let (b, c) = rest.split_at_mut(G2_BYTES);
        write_point(&self.0.a, a);
        write_point(&self.0.b, b);
        write_point(&self.0.c, c);
        out
    }

    /// Decodes and checks an untrusted proof.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        // fast path natively: blst decodes, and the proof must encode back to the same bytes
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(proof) = crate::native::decode_proof(bytes).map(Proof)
            && proof.to_bytes()[..] == *bytes
        {
            return Ok(proof);
        }
        Proof::decode_arkworks(bytes)
    }

    /// [`Proof::from_bytes`] on arkworks alone: what WebAssembly runs, natively what names the
    /// error of a proof blst refuses (and the reference blst's decoding is tested and measured
    /// against). Takes exactly 192 bytes; anything else is [`Error::ProofLength`].
    pub fn decode_arkworks(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != PROOF_BYTES {
            return Err(Error::ProofLength {
                expected: PROOF_BYTES,
                got: bytes.len(),
            });
        }
        let (a, rest) = bytes.split_at(G1_BYTES);
        let (b, c) = rest.split_at(G2_BYTES);
        Ok(Proof(ark_groth16::Proof {
            a: read_point::<ark_bls12_381::g1::Config>(a, ProofElement::A)?,
            b: read_point::<ark_bls12_381::g2::Config>(b, ProofElement::B)?,
            c: read_point::<ark_bls12_381::g1::Config>(c, ProofElement::C)?,
        }))
    }

    /// The JSON form: 384 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Parses the JSON form (hex, either case), then decodes as [`Proof::from_bytes`].
    pub fn from_hex(text: &str) -> Result<Self> {
        Proof::from_bytes(&hex::decode(text)?)
    }
}

fn write_point<P: SWCurveConfig>(point: &Affine<P>, out: &mut [u8]) {
    // Serializing an affine point into a buffer of exactly its size cannot fail.
    let written = point.serialize_compressed(&mut &mut out[..]);
    debug_assert!(written.is_ok());
}

/// Decodes one compressed point, classifying every way it can be wrong.
fn read_point<P: SWCurveConfig>(bytes: &[u8], element: ProofElement) -> Result<Affine<P>> {
    let point = match Affine::<P>::deserialize_compressed_unchecked(bytes) {
        Ok(point) => point,
        Err(_) if well_formed(bytes) => return Err(Error::NotOnCurve { element }),
        Err(_) => return Err(Error::PointEncoding { element }),
    };
    if point.is_zero() {
        return Err(Error::Identity { element });
    }
    if !point.is_on_curve() {
        return Err(Error::NotOnCurve { element });
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(Error::NotInSubgroup { element });
    }
    Ok(point)
}

/// Whether the flags are those of a compressed finite point and every 48-byte coordinate is
/// below p: then a decoding failure means that x has no point on the curve.
fn well_formed(bytes: &[u8]) -> bool {
    let Some(first) = bytes.first() else {
        return false;
    };
    let (compressed, infinity) = (first & 0x80 != 0, first & 0x40 != 0);
    if !compressed || infinity {
        return false;
    }
    bytes.chunks(G1_BYTES).enumerate().all(|(i, chunk)| {
        let mut words = [0u64; 6];
        for (k, word) in chunk.chunks(8).rev().enumerate() {
            let mut be = [0u8; 8];
            be.copy_from_slice(word);
            if i == 0 && k == 5 {
                be[0] &= 0x1f;
            }
            words[k] = u64::from_be_bytes(be);
        }
        Fq::from_bigint(BigInt::new(words)).is_some()
    })
}

impl Serialize for Proof {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Proof {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Proof::from_hex(&text).map_err(de::Error::custom)
    }
}
