//! Native verification of credential proofs, the relay's and the provider's hot path: the
//! pairings on [blst](https://github.com/supranational/blst) (assembly, `mulx`/`adx` where the
//! build machine has them) and the public inputs folded with fixed-base tables.
//!
//! The equation is arkworks' (`ark_groth16::Groth16::verify_proof`), unchanged:
//! `e(A, B) · e(L, −γ) · e(C, −δ) = e(α, β)` with `L = IC_0 + Σ_j x_j · IC_j`.
//!
//! - `L`: each `IC_j` (j ≥ 1) has a table of its multiples `d · 2^(8k) · IC_j` for every byte
//!   position `k` and byte value `d`, so `x_j · IC_j` is at most 32 additions of table points
//!   instead of a 255-bit scalar multiplication. The inputs are public: the table reads need
//!   not be constant-time.
//! - The pairings: one three-way Miller loop and one final exponentiation in blst, compared
//!   with `e(α, β)` computed once when the key is prepared. Batches (`crate::verify_batch`)
//!   hand their `n + 3` pairs to one blst Miller loop the same way.
//!
//! Points cross from arkworks to blst as their coordinates in Montgomery form, which both
//! libraries define with `R = 2^384` (six 64-bit words, least significant first). A proof's
//! points are already on the curve and in their subgroups (checked when it was decoded,
//! [`crate::Proof::from_bytes`]) and never the identity; an `L` at infinity (which no one can
//! produce without the discrete logarithms of the key's points) is left to arkworks'
//! verifier rather than handed to blst, whose affine encoding of infinity is `(0, 0)`.
//!
//! Agreement with arkworks' verifier on valid and tampered proofs is tested below and in
//! `tests/soundness.rs`, which checks every rejection through [`crate::verify`].

use std::sync::LazyLock;

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, PrimeField};
use blst::{blst_fp, blst_fp2, blst_fp12, blst_p1_affine, blst_p2_affine};

/// Bits of a table window: one byte of the scalar.
const WINDOW_BITS: usize = 8;
/// Windows of a scalar of the 255-bit field.
const WINDOWS: usize = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(WINDOW_BITS);
/// Points per window: the multiples 1..=255 (0 is no addition).
const PER_WINDOW: usize = (1 << WINDOW_BITS) - 1;

/// `R = 2^384 mod p` as a field element: `x · R` is `x` in Montgomery form.
static MONTGOMERY_R: LazyLock<Fq> = LazyLock::new(|| Fq::from(2u64).pow([384]));

/// What native verification precomputes from a verifying key.
#[derive(Clone)]
pub(crate) struct NativeKey {
    ic0: G1Affine,
    /// per public input `j ≥ 1`: `WINDOWS × PER_WINDOW` affine multiples of `IC_j`
    tables: Vec<Vec<G1Affine>>,
    neg_gamma: blst_p2_affine,
    neg_delta: blst_p2_affine,
    neg_beta: blst_p2_affine,
    alpha_beta: blst_fp12,
}

impl std::fmt::Debug for NativeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeKey")
            .field("ic0", &self.ic0)
            .field("inputs", &self.tables.len())
            .finish_non_exhaustive()
    }
}

impl NativeKey {
    /// Precomputes the tables and `e(α, β)` for `key`.
    pub(crate) fn new(key: &ark_groth16::VerifyingKey<ark_bls12_381::Bls12_381>) -> Self {
        let alpha_beta = blst_fp12::miller_loop(&g2(&key.beta_g2), &g1(&key.alpha_g1)).final_exp();
        NativeKey {
            ic0: key.gamma_abc_g1[0],
            tables: key.gamma_abc_g1[1..].iter().map(table).collect(),
            neg_gamma: g2(&-key.gamma_g2),
            neg_delta: g2(&-key.delta_g2),
            neg_beta: g2(&-key.beta_g2),
            alpha_beta,
        }
    }

    /// Whether `proof` verifies for `inputs`; `None` when `L` is the point at infinity (the
    /// caller then verifies with arkworks). `inputs` must have one element per table.
    pub(crate) fn verify(
        &self,
        proof: &ark_groth16::Proof<ark_bls12_381::Bls12_381>,
        inputs: &[Fr],
    ) -> Option<bool> {
        let l = self.fold_inputs(inputs).into_affine();
        if l.is_zero() || proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
            return None;
        }
        let miller = blst_fp12::miller_loop_n(
            &[g2(&proof.b), self.neg_gamma, self.neg_delta],
            &[g1(&proof.a), g1(&l), g1(&proof.c)],
        );
        Some(miller.final_exp() == self.alpha_beta)
    }

    /// Whether `Π_i e(g1[i], bs[i]) · e(g1[n], −γ) · e(g1[n+1], −δ) · e(g1[n+2], −β) = 1` for
    /// `n = bs.len()`: the batch equation of `crate::batch`, its points computed there.
    /// `None` if a point is the identity (the caller then checks with arkworks) or the
    /// lengths do not match.
    pub(crate) fn product_is_one(&self, g1s: &[G1Affine], bs: &[G2Affine]) -> Option<bool> {
        if g1s.len() != bs.len() + 3
            || g1s.iter().any(|p| p.is_zero())
            || bs.iter().any(|q| q.is_zero())
        {
            return None;
        }
        let g1s: Vec<blst_p1_affine> = g1s.iter().map(g1).collect();
        let mut g2s: Vec<blst_p2_affine> = bs.iter().map(g2).collect();
        g2s.extend([self.neg_gamma, self.neg_delta, self.neg_beta]);
        Some(blst_fp12::miller_loop_n(&g2s, &g1s).final_exp() == blst_fp12::default())
    }

    /// `L = IC_0 + Σ_j x_j · IC_j` from the tables.
    pub(crate) fn fold_inputs(&self, inputs: &[Fr]) -> G1Projective {
        let mut sum = self.ic0.into_group();
        for (table, input) in self.tables.iter().zip(inputs) {
            let bytes = input.into_bigint().0.into_iter().flat_map(u64::to_le_bytes);
            for (window, byte) in bytes.enumerate().take(WINDOWS) {
                if byte != 0 {
                    sum += table[window * PER_WINDOW + usize::from(byte) - 1];
                }
            }
        }
        sum
    }
}

/// The multiples `d · 2^(8k) · base`, `k < WINDOWS`, `1 ≤ d ≤ 255`, in that order.
fn table(base: &G1Affine) -> Vec<G1Affine> {
    let mut points = Vec::with_capacity(WINDOWS * PER_WINDOW);
    let mut window_base = base.into_group();
    for _ in 0..WINDOWS {
        let mut multiple = window_base;
        for _ in 0..PER_WINDOW {
            points.push(multiple);
            multiple += window_base;
        }
        // `multiple` is now 256 · window_base: the next window's base
        window_base = multiple;
    }
    G1Projective::normalize_batch(&points)
}

/// Decodes a compressed proof (`A ‖ B ‖ C`, 192 bytes) with blst: decompression and subgroup
/// checks in assembly. `None` for anything blst refuses, the identity included; the caller
/// then decodes with arkworks, which names the error.
pub(crate) fn decode_proof(bytes: &[u8]) -> Option<ark_groth16::Proof<ark_bls12_381::Bls12_381>> {
    let (a, rest) = bytes.split_at_checked(48)?;
    let (b, c) = rest.split_at_checked(96)?;
    Some(ark_groth16::Proof {
        a: decode_g1(a)?,
        b: decode_g2(b)?,
        c: decode_g1(c)?,
    })
}

fn decode_g1(bytes: &[u8]) -> Option<G1Affine> {
    let point = blst::min_pk::PublicKey::uncompress(bytes).ok()?;
    point.validate().ok()?;
    let point = blst_p1_affine::from(point);
    Some(G1Affine::new_unchecked(
        from_fp(&point.x),
        from_fp(&point.y),
    ))
}

fn decode_g2(bytes: &[u8]) -> Option<G2Affine> {
    let point = blst::min_pk::Signature::uncompress(bytes).ok()?;
    point.validate(true).ok()?;
    let point = blst_p2_affine::from(point);
    Some(G2Affine::new_unchecked(
        from_fp2(&point.x),
        from_fp2(&point.y),
    ))
}

/// A base-field element from blst's representation (Montgomery form, below p).
fn from_fp(x: &blst_fp) -> Fq {
    Fq::new_unchecked(ark_ff::BigInt::new(x.l))
}

fn from_fp2(x: &blst_fp2) -> Fq2 {
    Fq2::new(from_fp(&x.fp[0]), from_fp(&x.fp[1]))
}

/// A base-field element in blst's representation.
fn fp(x: &Fq) -> blst_fp {
    let montgomery = (*x * *MONTGOMERY_R).into_bigint();
    blst_fp { l: montgomery.0 }
}

fn fp2(x: &Fq2) -> blst_fp2 {
    blst_fp2 {
        fp: [fp(&x.c0), fp(&x.c1)],
    }
}

/// A finite G1 point in blst's representation.
fn g1(point: &G1Affine) -> blst_p1_affine {
    blst_p1_affine {
        x: fp(&point.x),
        y: fp(&point.y),
    }
}

/// A finite G2 point in blst's representation.
fn g2(point: &G2Affine) -> blst_p2_affine {
    blst_p2_affine {
        x: fp2(&point.x),
        y: fp2(&point.y),
    }
}

#[cfg(test)]
mod tests {
    use ark_bls12_381::Bls12_381;
    use ark_ec::pairing::Pairing;
    use ark_ff::{UniformRand, Zero};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn montgomery_form_matches_blst() {
        // blst's own encoding of the G1 generator, compared through its public API
        let generator = G1Affine::generator();
        let ours = g1(&generator);
        let mut bytes = Vec::new();
        ark_serialize::CanonicalSerialize::serialize_uncompressed(&generator, &mut bytes)
            .expect("serialize");
        let theirs = blst::min_pk::PublicKey::deserialize(&bytes).expect("blst decodes it");
        assert_eq!(blst_p1_affine::from(theirs), ours);
    }

    #[test]
    fn pairing_matches_arkworks_bilinearity() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let p = (G1Affine::generator() * a).into_affine();
        let q = (G2Affine::generator() * b).into_affine();
        let pq = blst_fp12::miller_loop(&g2(&q), &g1(&p)).final_exp();
        let ab = (G1Affine::generator() * (a * b)).into_affine();
        let generator_ab = blst_fp12::miller_loop(&g2(&G2Affine::generator()), &g1(&ab));
        assert_eq!(pq, generator_ab.final_exp());
        // and arkworks agrees that the pairing is not trivial
        assert!(!Bls12_381::pairing(p, q).is_zero());
    }

    /// blst's verdict equals arkworks' on honest proofs and on proofs with their points or
    /// inputs swapped, altered or taken from another key's proofs.
    #[test]
    fn verdicts_agree_with_arkworks() {
        use crate::{CredentialProof, Identity, MerkleTree, PublicInputs, prove, setup_seeded};
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let keys = [
            setup_seeded([21; 32]).expect("setup"),
            setup_seeded([22; 32]).expect("setup"),
        ];
        let prepared = keys.each_ref().map(|key| key.verifying_key().prepare());
        let members: Vec<Identity> = (0..3).map(|_| Identity::generate(&mut rng)).collect();
        let leaves: Vec<Fr> = members.iter().map(Identity::commitment).collect();
        let tree = MerkleTree::from_leaves(crate::TREE_DEPTH, 4, &leaves).expect("tree");
        let mut proofs: Vec<CredentialProof> = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let path = tree.proof(i as u64).expect("path");
            let scope = Fr::rand(&mut rng);
            let message = Fr::rand(&mut rng);
            let key = &keys[i % 2];
            proofs.push(prove(key, member, &path, scope, message, &mut rng).expect("prove"));
        }
        let mut cases: Vec<CredentialProof> = proofs.clone();
        for (i, honest) in proofs.iter().enumerate() {
            let other = &proofs[(i + 1) % proofs.len()];
            let mut swapped = honest.clone();
            std::mem::swap(&mut swapped.proof.0.a, &mut swapped.proof.0.c);
            cases.push(swapped);
            let mut foreign_b = honest.clone();
            foreign_b.proof.0.b = other.proof.0.b;
            cases.push(foreign_b);
            let mut foreign_inputs = honest.clone();
            foreign_inputs.public_inputs = other.public_inputs;
            cases.push(foreign_inputs);
            let alter: [fn(&mut PublicInputs, Fr); 4] = [
                |p, d| p.root += d,
                |p, d| p.nullifier += d,
                |p, d| p.message += d,
                |p, d| p.scope += d,
            ];
            for change in alter {
                let mut altered = honest.clone();
                change(&mut altered.public_inputs, Fr::rand(&mut rng));
                cases.push(altered);
            }
        }
        let mut accepted = 0;
        for (n, case) in cases.iter().enumerate() {
            for key in &prepared {
                let native = key
                    .native
                    .verify(&case.proof.0, &case.public_inputs.to_vec());
                let reference =
                    crate::groth16::verify_arkworks(key, case).expect("arkworks verifies");
                assert_eq!(native, Some(reference), "case {n}");
                accepted += usize::from(reference);
            }
        }
        // each honest proof verifies under its own key only; every altered one nowhere
        assert_eq!(accepted, proofs.len());
    }

    /// blst's decoding (with the re-encoding check of `Proof::from_bytes`) accepts exactly
    /// the proofs arkworks accepts, as the same points, under single-byte changes, truncation
    /// and random bytes.
    #[test]
    fn decoding_agrees_with_arkworks() {
        use crate::Proof;
        use rand_core::RngCore;
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let a = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let b = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let c = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let honest = Proof(ark_groth16::Proof { a, b, c }).to_bytes();
        let mut cases: Vec<Vec<u8>> = vec![honest.to_vec()];
        for _ in 0..600 {
            let mut bytes = honest.to_vec();
            let at = rng.next_u32() as usize % bytes.len();
            bytes[at] ^= 1 << (rng.next_u32() % 8);
            if rng.next_u32() % 4 == 0 {
                bytes[at] = rng.next_u32() as u8;
            }
            cases.push(bytes);
        }
        for flags in [0x00, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xc0, 0xe0] {
            for offset in [0, 48, 144] {
                let mut bytes = honest.to_vec();
                bytes[offset] = (bytes[offset] & 0x1f) | flags;
                cases.push(bytes);
                let mut infinity = vec![0u8; 192];
                infinity[..].copy_from_slice(&honest);
                infinity[offset] = flags;
                let end = if offset == 48 { 144 } else { offset + 48 };
                infinity[offset + 1..end].fill(0);
                cases.push(infinity);
            }
        }
        for _ in 0..50 {
            let mut bytes = vec![0u8; 192];
            rng.fill_bytes(&mut bytes);
            bytes[0] |= 0x80;
            bytes[48] |= 0x80;
            bytes[144] |= 0x80;
            cases.push(bytes);
        }
        let mut accepted = 0;
        for (n, bytes) in cases.iter().enumerate() {
            let fast = decode_proof(bytes)
                .map(Proof)
                .filter(|proof| proof.to_bytes()[..] == bytes[..]);
            let reference = Proof::decode_arkworks(bytes).ok();
            assert_eq!(fast, reference, "case {n}: {}", hex::encode(bytes));
            accepted += usize::from(reference.is_some());
        }
        assert!(
            accepted >= 1 && accepted < cases.len() / 2,
            "{accepted} accepted"
        );
        assert!(decode_proof(&honest[..191]).is_none());
    }

    #[test]
    fn tables_fold_inputs_as_scalar_multiplications() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let bases: Vec<G1Affine> = (0..5)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let key = NativeKey {
            ic0: bases[0],
            tables: bases[1..].iter().map(table).collect(),
            neg_gamma: blst_p2_affine::default(),
            neg_delta: blst_p2_affine::default(),
            neg_beta: blst_p2_affine::default(),
            alpha_beta: blst_fp12::default(),
        };
        let edge = [
            Fr::zero(),
            Fr::from(1u64),
            Fr::from(255u64),
            Fr::from(256u64),
            -Fr::from(1u64),
        ];
        let random: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
        for inputs in edge.windows(4).chain(random.windows(4)) {
            let mut expected = bases[0].into_group();
            for (base, x) in bases[1..].iter().zip(inputs) {
                expected += *base * x;
            }
            assert_eq!(key.fold_inputs(inputs), expected, "inputs {inputs:?}");
        }
    }
}
