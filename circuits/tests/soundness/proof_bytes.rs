//! Untrusted proof bytes: every malformed encoding is a typed error, never a panic, and
//! nothing but an honest proof verifies.

use std::sync::OnceLock;

use ark_bls12_381::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::CanonicalSerialize;
use proptest::prelude::*;
use webfn_circuits::{CredentialProof, Error, Fr, PROOF_BYTES, Proof, ProofElement, prove, verify};

use crate::common::{group, keys, rng};

/// One honest credential for the byte-level tests.
pub fn credential() -> &'static CredentialProof {
    static CREDENTIAL: OnceLock<CredentialProof> = OnceLock::new();
    CREDENTIAL.get_or_init(|| {
        let (members, tree) = group(2, 40);
        let path = tree.proof(1).expect("path");
        prove(
            &keys().0,
            &members[1],
            &path,
            Fr::from(1u64),
            Fr::from(2u64),
            &mut rng(6),
        )
        .expect("prove")
    })
}

/// The byte range of each point.
fn range(element: ProofElement) -> std::ops::Range<usize> {
    match element {
        ProofElement::A => 0..48,
        ProofElement::B => 48..144,
        ProofElement::C => 144..192,
    }
}

/// A valid proof's bytes with `element` replaced by `replacement`.
fn with_point(element: ProofElement, replacement: &[u8]) -> Vec<u8> {
    let mut bytes = credential().proof.to_bytes().to_vec();
    bytes[range(element)].copy_from_slice(replacement);
    bytes
}

fn compressed<P: SWCurveConfig>(point: &Affine<P>) -> Vec<u8> {
    let mut out = Vec::new();
    point.serialize_compressed(&mut out).expect("serialize");
    out
}

/// Compressed encoding of the x-coordinate `x` (no point need exist).
fn compressed_x_g1(x: u64) -> Vec<u8> {
    let mut out = Fq::from(x).into_bigint().to_bytes_be();
    out[0] |= 0x80;
    out
}

fn compressed_x_g2(x: u64) -> Vec<u8> {
    // x = x + 0·u: c1 (all zero, carrying the flags) then c0
    let mut out = vec![0u8; 48];
    out[0] = 0x80;
    out.extend(Fq::from(x).into_bigint().to_bytes_be());
    out
}

fn g1_point(x: u64) -> Option<G1Affine> {
    G1Affine::get_point_from_x_unchecked(Fq::from(x), false)
}

fn g2_point(x: u64) -> Option<G2Affine> {
    G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(x), Fq::from(0u64)), false)
}

fn decode(bytes: &[u8]) -> Result<Proof, Error> {
    Proof::from_bytes(bytes)
}

#[test]
fn honest_bytes_round_trip() {
    let proof = &credential().proof;
    let bytes = proof.to_bytes();
    assert_eq!(bytes.len(), PROOF_BYTES);
    assert_eq!(&decode(&bytes).expect("decode"), proof);
    assert_eq!(&Proof::from_hex(&proof.to_hex()).expect("hex"), proof);
    assert_eq!(
        &Proof::from_hex(&proof.to_hex().to_uppercase()).expect("hex"),
        proof
    );
}

#[test]
fn truncated_and_over_long_proofs_are_refused() {
    let bytes = credential().proof.to_bytes();
    for len in [0, 1, 48, 144, 191] {
        assert!(matches!(
            decode(&bytes[..len]),
            Err(Error::ProofLength { expected: 192, got }) if got == len
        ));
    }
    for extra in [1, 192] {
        let mut long = bytes.to_vec();
        long.extend(vec![0u8; extra]);
        assert!(matches!(decode(&long), Err(Error::ProofLength { .. })));
    }
    assert!(matches!(Proof::from_hex("zz"), Err(Error::ProofHex(_))));
    assert!(matches!(Proof::from_hex("abc"), Err(Error::ProofHex(_))));
}

#[test]
fn identity_points_are_refused() {
    for (element, len) in [
        (ProofElement::A, 48),
        (ProofElement::B, 96),
        (ProofElement::C, 48),
    ] {
        let mut infinity = vec![0u8; len];
        infinity[0] = 0xc0;
        assert!(matches!(
            decode(&with_point(element, &infinity)),
            Err(Error::Identity { element: e }) if e == element
        ));
    }
}

#[test]
fn points_not_on_the_curve_are_refused() {
    let x1 = (1u64..)
        .find(|x| g1_point(*x).is_none())
        .expect("an x off G1");
    let x2 = (1u64..)
        .find(|x| g2_point(*x).is_none())
        .expect("an x off G2");
    for (element, bytes) in [
        (ProofElement::A, compressed_x_g1(x1)),
        (ProofElement::B, compressed_x_g2(x2)),
        (ProofElement::C, compressed_x_g1(x1)),
    ] {
        assert!(matches!(
            decode(&with_point(element, &bytes)),
            Err(Error::NotOnCurve { element: e }) if e == element
        ));
    }
}

#[test]
fn points_outside_the_subgroup_are_refused() {
    let p1 = (1u64..)
        .filter_map(g1_point)
        .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        .expect("a G1 point outside the subgroup");
    let p2 = (1u64..)
        .filter_map(g2_point)
        .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        .expect("a G2 point outside the subgroup");
    assert!(p1.is_on_curve() && p2.is_on_curve() && !p1.is_zero());
    for (element, bytes) in [
        (ProofElement::A, compressed(&p1)),
        (ProofElement::B, compressed(&p2)),
        (ProofElement::C, compressed(&p1)),
    ] {
        assert!(matches!(
            decode(&with_point(element, &bytes)),
            Err(Error::NotInSubgroup { element: e }) if e == element
        ));
    }
}

#[test]
fn malformed_encodings_are_refused() {
    let valid = credential().proof.to_bytes();
    // uncompressed flag
    let mut bytes = valid;
    bytes[0] &= 0x7f;
    assert!(matches!(
        decode(&bytes),
        Err(Error::PointEncoding {
            element: ProofElement::A
        })
    ));
    // infinity flag with a non-zero x
    let mut bytes = valid;
    bytes[48] |= 0x40;
    assert!(matches!(
        decode(&bytes),
        Err(Error::PointEncoding {
            element: ProofElement::B
        })
    ));
    // x not below p
    let mut bytes = valid;
    bytes[145..192].fill(0xff);
    bytes[144] = 0x9f;
    assert!(matches!(
        decode(&bytes),
        Err(Error::PointEncoding {
            element: ProofElement::C
        })
    ));
    // A and C swapped: both are valid G1 points, so it decodes, but it does not verify
    let mut swapped = valid.to_vec();
    swapped[..48].copy_from_slice(&valid[144..]);
    swapped[144..].copy_from_slice(&valid[..48]);
    let proof = decode(&swapped).expect("two valid G1 points");
    let forged = CredentialProof {
        proof,
        ..credential().clone()
    };
    assert!(!verify(&keys().1, &forged).expect("verify runs"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random bytes of the right length never panic and never verify.
    #[test]
    fn random_bytes_never_verify(bytes in proptest::collection::vec(any::<u8>(), PROOF_BYTES)) {
        if let Ok(proof) = decode(&bytes) {
            let forged = CredentialProof { proof, ..credential().clone() };
            prop_assert!(!verify(&keys().1, &forged).expect("verify runs"));
        }
    }

    /// Any single corrupted byte of an honest proof is refused or does not verify.
    #[test]
    fn corrupted_bytes_never_verify(index in 0..PROOF_BYTES, mask in 1u8..=255) {
        let mut bytes = credential().proof.to_bytes();
        bytes[index] ^= mask;
        if let Ok(proof) = decode(&bytes) {
            let forged = CredentialProof { proof, ..credential().clone() };
            prop_assert!(!verify(&keys().1, &forged).expect("verify runs"));
        }
    }

    /// Any length but 192 is a length error, whatever the content.
    #[test]
    fn wrong_lengths_are_length_errors(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assume!(bytes.len() != PROOF_BYTES);
        let refused = matches!(decode(&bytes), Err(Error::ProofLength { .. }));
        prop_assert!(refused);
    }
}
