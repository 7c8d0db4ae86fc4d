//! Proving and verifying keys as files: a versioned header, an arkworks body, a SHA-256 digest.
//!
//! Layout (all integers big-endian):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `WEBFN-ZK` |
//! | 8 | 2 | format version, `1` |
//! | 10 | 1 | kind: `1` proving key, `2` verifying key |
//! | 11 | 1 | tree depth of the circuit, `20` |
//! | 12 | 32 | SHA-256 of the Poseidon constants ([`crate::poseidon::constants_digest`]) |
//! | 44 | … | body: arkworks' canonical *uncompressed* serialization of `ark_groth16::ProvingKey` or `VerifyingKey` over BLS12-381 |
//!
//! The key's digest is the SHA-256 of the whole file, written `sha256:<64 hex digits>`.
//! Uncompressed bodies load fast (no square roots); [`ProvingKey::from_bytes`] still checks
//! every point (on the curve, in the subgroup), while [`ProvingKey::from_bytes_pinned`] skips
//! those checks once the bytes match a digest the caller trusts (the browser's fast path).
//! Verifying keys are small and always fully checked.

use std::fmt;
use std::str::FromStr;

use ark_bls12_381::Bls12_381;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};

use crate::merkle::TREE_DEPTH;
use crate::poseidon::constants_digest;
use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"WEBFN-ZK";
/// The key file format version this crate writes and reads.
pub const KEY_FORMAT_VERSION: u16 = 1;
const HEADER_BYTES: usize = 44;
/// Number of public inputs of the credential circuit.
const PUBLIC_INPUTS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Proving = 1,
    Verifying = 2,
}

/// SHA-256 of a key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest(pub [u8; 32]);

impl KeyDigest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        KeyDigest(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl FromStr for KeyDigest {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || Error::KeyFormat(format!("{text:?} is not a sha256:<64 hex digits> digest"));
        let hex_part = text.strip_prefix("sha256:").ok_or_else(bad)?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut digest).map_err(|_| bad())?;
        Ok(KeyDigest(digest))
    }
}

/// A Groth16 proving key of the credential circuit (with, in WebAssembly, its bases converted
/// for [`crate::msm`] on first use).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvingKey(
    pub(crate) ark_groth16::ProvingKey<Bls12_381>,
    crate::msm::BasesCache,
);

/// A Groth16 verifying key of the credential circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyingKey(pub(crate) ark_groth16::VerifyingKey<Bls12_381>);

/// A verifying key with its pairings precomputed: what verification uses. Natively it also
/// holds what the blst verifier needs (`crate::native`: fixed-base tables of the public
/// inputs' points, about 1 MiB, and `e(α, β)` in blst's form).
#[derive(Debug, Clone)]
pub struct PreparedVerifyingKey {
    pub(crate) ark: ark_groth16::PreparedVerifyingKey<Bls12_381>,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) native: crate::native::NativeKey,
}

impl ProvingKey {
    pub(crate) fn new(key: ark_groth16::ProvingKey<Bls12_381>) -> Self {
        ProvingKey(key, crate::msm::BasesCache::default())
    }

    /// The bases of the key's queries converted for [`crate::msm`], computed once.
    #[cfg(any(target_arch = "wasm32", feature = "wasm-msm"))]
    pub(crate) fn msm_bases(&self) -> &crate::msm::ProvingBases {
        self.1.get_or_init(&self.0)
    }

    /// The key file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(Kind::Proving, &self.0)
    }

    /// Decodes a key file, checking every point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: ark_groth16::ProvingKey<Bls12_381> = decode(Kind::Proving, bytes, Validate::Yes)?;
        check_inputs(key.vk.gamma_abc_g1.len())?;
        Ok(ProvingKey::new(key))
    }

    /// Decodes a key file whose digest must be `expected`; the points are then trusted
    /// without the (slow) curve and subgroup checks.
    pub fn from_bytes_pinned(bytes: &[u8], expected: &KeyDigest) -> Result<Self> {
        check_digest(bytes, expected)?;
        let key: ark_groth16::ProvingKey<Bls12_381> = decode(Kind::Proving, bytes, Validate::No)?;
        check_inputs(key.vk.gamma_abc_g1.len())?;
        Ok(ProvingKey::new(key))
    }

    /// Refuses a key whose queries do not fit the circuit's R1CS (a key of another circuit that
    /// passed the header checks), before the prover indexes them.
    pub(crate) fn check_shape(&self, shape: &crate::r1cs::Shape) -> Result<()> {
        let variables = shape.num_instance_variables + shape.num_witness_variables;
        let domain = (shape.num_constraints + shape.num_instance_variables).next_power_of_two();
        let key = &self.0;
        let queries = [
            ("A", key.a_query.len(), variables),
            ("B (G1)", key.b_g1_query.len(), variables),
            ("B (G2)", key.b_g2_query.len(), variables),
            ("L", key.l_query.len(), shape.num_witness_variables),
            ("H", key.h_query.len(), domain - 1),
        ];
        for (name, got, expected) in queries {
            if got != expected {
                return Err(Error::KeyFormat(format!(
                    "the key's {name} query has {got} points, the circuit needs {expected}"
                )));
            }
        }
        Ok(())
    }

    /// The digest of [`ProvingKey::to_bytes`].
    pub fn digest(&self) -> KeyDigest {
        KeyDigest::of(&self.to_bytes())
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.vk.clone())
    }

    /// The arkworks key, for interoperating with other arkworks code.
    pub fn as_arkworks(&self) -> &ark_groth16::ProvingKey<Bls12_381> {
        &self.0
    }
}

impl VerifyingKey {
    /// The key file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(Kind::Verifying, &self.0)
    }

    /// Decodes a key file, checking every point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: ark_groth16::VerifyingKey<Bls12_381> =
            decode(Kind::Verifying, bytes, Validate::Yes)?;
        check_inputs(key.gamma_abc_g1.len())?;
        Ok(VerifyingKey(key))
    }

    /// The digest of [`VerifyingKey::to_bytes`].
    pub fn digest(&self) -> KeyDigest {
        KeyDigest::of(&self.to_bytes())
    }

    /// The arkworks key, for interoperating with other arkworks code.
    pub fn as_arkworks(&self) -> &ark_groth16::VerifyingKey<Bls12_381> {
        &self.0
    }

    /// Precomputes what verification needs.
    pub fn prepare(&self) -> PreparedVerifyingKey {
        PreparedVerifyingKey {
            ark: ark_groth16::prepare_verifying_key(&self.0),
            #[cfg(not(target_arch = "wasm32"))]
            native: crate::native::NativeKey::new(&self.0),
        }
    }
}

fn header(kind: Kind) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&KEY_FORMAT_VERSION.to_be_bytes());
    out.push(kind as u8);
    out.push(TREE_DEPTH as u8);
    out.extend_from_slice(&constants_digest());
    out
}

fn encode<T: CanonicalSerialize>(kind: Kind, body: &T) -> Vec<u8> {
    let mut out = header(kind);
    out.reserve(body.uncompressed_size());
    // Serializing into a Vec cannot fail.
    let written = body.serialize_uncompressed(&mut out);
    debug_assert!(written.is_ok());
    out
}

fn decode<T: CanonicalDeserialize>(kind: Kind, bytes: &[u8], validate: Validate) -> Result<T> {
    let format = |reason: String| Error::KeyFormat(reason);
    if bytes.len() < HEADER_BYTES || &bytes[..8] != MAGIC {
        return Err(format("not a webfn key file (bad magic)".into()));
    }
    let version = u16::from_be_bytes([bytes[8], bytes[9]]);
    if version != KEY_FORMAT_VERSION {
        return Err(format(format!(
            "format version {version}, this build reads {KEY_FORMAT_VERSION}"
        )));
    }
    if bytes[10] != kind as u8 {
        let wanted = match kind {
            Kind::Proving => "a proving key",
            Kind::Verifying => "a verifying key",
        };
        return Err(format(format!("kind {} is not {wanted}", bytes[10])));
    }
    if usize::from(bytes[11]) != TREE_DEPTH {
        return Err(format(format!(
            "made for tree depth {}, the circuit has {TREE_DEPTH}",
            bytes[11]
        )));
    }
    if bytes[12..HEADER_BYTES] != constants_digest() {
        return Err(format("made with other Poseidon parameters".into()));
    }
    let mut body = &bytes[HEADER_BYTES..];
    let key = T::deserialize_with_mode(&mut body, Compress::No, validate)
        .map_err(|e| format(format!("body: {e}")))?;
    if !body.is_empty() {
        return Err(format(format!("{} trailing bytes", body.len())));
    }
    Ok(key)
}

fn check_digest(bytes: &[u8], expected: &KeyDigest) -> Result<()> {
    let got = KeyDigest::of(bytes);
    if &got != expected {
        return Err(Error::KeyDigest {
            expected: expected.to_string(),
            got: got.to_string(),
        });
    }
    Ok(())
}

fn check_inputs(gamma_abc: usize) -> Result<()> {
    if gamma_abc != PUBLIC_INPUTS + 1 {
        return Err(Error::KeyFormat(format!(
            "the key has {} public inputs, the circuit {PUBLIC_INPUTS}",
            gamma_abc.saturating_sub(1)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::r1cs::Shape;
    use crate::{Fr, Identity, MerkleTree, TREE_DEPTH};

    /// A key whose queries were cut or padded (its header and public inputs intact) is refused
    /// with a typed error when proving, not indexed out of bounds.
    #[test]
    fn keys_of_another_shape_are_refused_before_proving() {
        let key = crate::setup_seeded([7; 32]).expect("setup");
        let shape = Shape::get().expect("shape");
        key.check_shape(shape)
            .expect("the setup's key fits its circuit");
        let member = Identity::generate(&mut StdRng::seed_from_u64(12));
        let tree = MerkleTree::from_leaves(TREE_DEPTH, 1, &[member.commitment()]).expect("tree");
        let path = tree.proof(0).expect("path");
        let alter = |change: fn(&mut ark_groth16::ProvingKey<Bls12_381>)| {
            let mut altered = key.0.clone();
            change(&mut altered);
            ProvingKey::new(altered)
        };
        let broken = [
            alter(|k| k.a_query.clear()),
            alter(|k| k.b_g1_query.truncate(1)),
            alter(|k| k.b_g2_query.truncate(3)),
            alter(|k| k.l_query.push(k.l_query[0])),
            alter(|k| {
                k.h_query.pop();
            }),
        ];
        for broken in broken {
            assert!(matches!(
                broken.check_shape(shape),
                Err(Error::KeyFormat(_))
            ));
            let mut rng = StdRng::seed_from_u64(13);
            let proved = crate::prove(
                &broken,
                &member,
                &path,
                Fr::from(1u8),
                Fr::from(2u8),
                &mut rng,
            );
            assert!(matches!(proved, Err(Error::KeyFormat(_))), "{proved:?}");
        }
    }
}
