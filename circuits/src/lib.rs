//! Zero-knowledge credentials of WebFunctions: anonymous membership in a function's access
//! group, bound to one invocation and counted per scope by a nullifier (Semaphore-style), as
//! Groth16 proofs over BLS12-381.
//!
//! - [`poseidon`]: Poseidon over BLS12-381's scalar field (width 3, x^5, 8 + 57 rounds,
//!   Grain-generated constants) and its R1CS gadget ([`hash1_var`], [`hash2_var`]).
//! - [`MerkleTree`]: the group, an incremental tree of commitments with a window of recent
//!   roots.
//! - [`CredentialCircuit`]: the statement; public `root`, `nullifier`, `message`, `scope`.
//! - [`setup`], [`prove`], [`verify`]: Groth16 with versioned, digest-addressed key files
//!   ([`ProvingKey`], [`VerifyingKey`]) and 192-byte proofs ([`Proof`]) decoded strictly;
//!   [`verify_batch`] checks many proofs with one final exponentiation.
//!
//! Field elements are written as canonical decimal strings ([`to_decimal`],
//! [`from_decimal`]). This crate runs in browsers: it must not depend on tokio, the
//! filesystem or threads (the `parallel` feature, for native builds only, adds rayon; the
//! `threads` feature proves on the caller's rayon pool, such as wasm-bindgen-rayon's Web
//! Workers, with arkworks single-threaded). In WebAssembly the prover's multi-scalar
//! multiplications (`msm/`), its FFTs and Poseidon run on field arithmetic shaped for it
//! (radix 2^30, `radix30/`); the `wasm-msm` feature selects the MSMs and FFTs natively too,
//! for tests. The circuit's R1CS matrices are built once per process (`r1cs.rs`).
//! `docs/zk.md` specifies parameters, formats and JSON forms.

mod batch;
mod circuit;
mod error;
mod field;
mod groth16;
mod identity;
mod keys;
mod merkle;
mod msm;
#[cfg(not(target_arch = "wasm32"))]
mod native;
pub mod poseidon;
mod proof;
#[cfg(any(feature = "threads", feature = "wasm-msm", target_arch = "wasm32"))]
mod prover;
mod r1cs;
mod radix30;

pub use ark_bls12_381::Fr;

pub use batch::{verify_batch, verify_batch_with_rng};
pub use circuit::{CredentialCircuit, PublicInputs, Witness};
pub use error::{Error, ProofElement, Result};
pub use field::{decimal, from_decimal, to_decimal};
pub use groth16::{
    CredentialProof, constraint_count, prove, prove_circuit, setup, setup_seeded, verify,
    verify_arkworks, verify_for_group,
};
pub use identity::Identity;
pub use keys::{KEY_FORMAT_VERSION, KeyDigest, PreparedVerifyingKey, ProvingKey, VerifyingKey};
pub use merkle::{DEFAULT_ROOT_HISTORY, MerkleProof, MerkleTree, RootHistory, TREE_DEPTH};
pub use poseidon::constraints::{hash_var, hash1_var, hash2_var, permute_var};
pub use poseidon::{hash, hash1, hash2};
pub use proof::{PROOF_BYTES, Proof};
