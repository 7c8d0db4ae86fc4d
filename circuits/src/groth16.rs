//! Groth16 over BLS12-381 for the credential circuit: setup, prove, verify.
//!
//! The setup here is a development setup: whoever ran it knows the toxic waste and can forge
//! proofs. Production keys come from a multi-party ceremony; they load with the same formats.

use ark_bls12_381::Bls12_381;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::circuit::{CredentialCircuit, PublicInputs, Witness};
use crate::identity::Identity;
use crate::keys::{PreparedVerifyingKey, ProvingKey};
use crate::merkle::{MerkleProof, RootHistory};
use crate::proof::Proof;
use crate::r1cs::Shape;
use crate::{Error, Fr, Result};

/// A credential proof with its public inputs: the JSON object
/// `{"proof": "<384 hex>", "publicInputs": {"root", "nullifier", "message", "scope"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialProof {
    /// The Groth16 proof.
    pub proof: Proof,
    /// What it proves.
    pub public_inputs: PublicInputs,
}

/// Generates keys for the credential circuit from a cryptographic RNG.
pub fn setup<R: RngCore + CryptoRng>(rng: &mut R) -> Result<ProvingKey> {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    setup_seeded(seed)
}

/// Development keys from a 32-byte seed (ChaCha20): the same seed gives the same keys.
/// (Not generic, so that the work is compiled, optimized, in this crate.)
pub fn setup_seeded(seed: [u8; 32]) -> Result<ProvingKey> {
    let key = Groth16::<Bls12_381>::generate_random_parameters_with_reduction(
        CredentialCircuit::for_setup(),
        &mut ChaCha20Rng::from_seed(seed),
    )?;
    Ok(ProvingKey::new(key))
}

/// Proves that `identity` is the member at `path` of a group, for `scope` and `message`.
/// The root is the one `path` leads to; a wrong path gives a root the group never had.
pub fn prove<R: RngCore + CryptoRng>(
    key: &ProvingKey,
    identity: &Identity,
    path: &MerkleProof,
    scope: Fr,
    message: Fr,
    rng: &mut R,
) -> Result<CredentialProof> {
    let witness = Witness {
        secret: identity.secret(),
        path: path.clone(),
    };
    let public_inputs = witness.public_inputs(scope, message);
    let proof = prove_circuit(key, CredentialCircuit::new(public_inputs, witness)?, rng)?;
    Ok(CredentialProof {
        proof,
        public_inputs,
    })
}

/// Proves an arbitrary assignment of the circuit, refusing ([`Error::Unsatisfied`]) one that
/// does not satisfy it instead of producing a useless proof.
pub fn prove_circuit<R: RngCore + CryptoRng>(
    key: &ProvingKey,
    circuit: CredentialCircuit,
    rng: &mut R,
) -> Result<Proof> {
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    prove_with_randomness(key, circuit, r, s)
}

/// The work of [`prove_circuit`], not generic: compiled (and optimized) in this crate
/// whoever calls it, rather than monomorphized in the caller's crate.
fn prove_with_randomness(
    key: &ProvingKey,
    circuit: CredentialCircuit,
    r: Fr,
    s: Fr,
) -> Result<Proof> {
    let shape = Shape::get()?;
    key.check_shape(shape)?;
    let assignment = shape.assign(circuit)?;
    let r1cs = &shape.matrices;
    #[cfg(any(feature = "threads", feature = "wasm-msm", target_arch = "wasm32"))]
    let proof = crate::prover::create_proof(
        key,
        r,
        s,
        r1cs,
        shape.num_instance_variables,
        shape.num_constraints,
        &assignment,
    )?;
    #[cfg(not(any(feature = "threads", feature = "wasm-msm", target_arch = "wasm32")))]
    let proof = Groth16::<Bls12_381>::create_proof_with_reduction_and_matrices(
        &key.0,
        r,
        s,
        r1cs,
        shape.num_instance_variables,
        shape.num_constraints,
        &assignment,
    )?;
    Ok(Proof(proof))
}

/// Checks a proof against its public inputs: `Ok(true)` if it verifies, `Ok(false)` if not.
/// Natively the pairings run on blst (`native.rs`), in WebAssembly on arkworks; both check
/// arkworks' equation.
pub fn verify(key: &PreparedVerifyingKey, credential: &CredentialProof) -> Result<bool> {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(valid) = key
        .native
        .verify(&credential.proof.0, &credential.public_inputs.to_vec())
    {
        return Ok(valid);
    }
    verify_arkworks(key, credential)
}

/// [`verify`] with arkworks' pairings on every target: what WebAssembly runs, and natively
/// the reference the blst verifier is tested and measured against.
pub fn verify_arkworks(key: &PreparedVerifyingKey, credential: &CredentialProof) -> Result<bool> {
    let inputs = credential.public_inputs.to_vec();
    Ok(Groth16::<Bls12_381>::verify_proof(
        &key.ark,
        &credential.proof.0,
        &inputs,
    )?)
}

/// Checks a proof for a group: its root must be one of the group's recent roots
/// ([`Error::UnknownRoot`] otherwise), then as [`verify`].
pub fn verify_for_group(
    key: &PreparedVerifyingKey,
    credential: &CredentialProof,
    roots: &RootHistory,
) -> Result<bool> {
    if !roots.contains(&credential.public_inputs.root) {
        return Err(Error::UnknownRoot);
    }
    verify(key, credential)
}

/// Number of constraints of the credential circuit.
pub fn constraint_count() -> Result<usize> {
    Ok(Shape::get()?.num_constraints)
}
