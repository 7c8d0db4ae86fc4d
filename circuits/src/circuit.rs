//! The credential circuit: "I know a secret `s` whose commitment `hash1(s)` is a leaf of the
//! tree with root `root`, and `nullifier = hash2(scope, s)`", bound to `message`.
//!
//! Public inputs, in this order: `root`, `nullifier`, `message`, `scope`. Private: `s`, the
//! [`TREE_DEPTH`] siblings and path bits. `message` enters one constraint (`message²`) so that
//! it is part of the proved statement and a proof cannot be replayed with another message.

use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use serde::{Deserialize, Serialize};

use crate::merkle::{MerkleProof, TREE_DEPTH};
use crate::poseidon::constraints::{hash1_var, hash2_var};
use crate::poseidon::{hash1, hash2};
use crate::{Error, Fr, Result};

/// The public inputs of a credential proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicInputs {
    /// Root of the group's tree.
    #[serde(with = "crate::field::decimal")]
    pub root: Fr,
    /// `hash2(scope, s)`: the same identity and scope always give the same nullifier.
    #[serde(with = "crate::field::decimal")]
    pub nullifier: Fr,
    /// What the proof is bound to (a hash of the invocation).
    #[serde(with = "crate::field::decimal")]
    pub message: Fr,
    /// The function, epoch and quota slot the nullifier is counted in.
    #[serde(with = "crate::field::decimal")]
    pub scope: Fr,
}

impl PublicInputs {
    /// The inputs in circuit order.
    pub fn to_vec(&self) -> Vec<Fr> {
        vec![self.root, self.nullifier, self.message, self.scope]
    }
}

/// The private witness: the secret and its membership path.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The identity secret `s`.
    pub secret: Fr,
    /// The path from the leaf `hash1(s)` to the root.
    pub path: MerkleProof,
}

impl Witness {
    /// The public inputs this witness proves for `scope` and `message` (the native twin of
    /// the circuit).
    pub fn public_inputs(&self, scope: Fr, message: Fr) -> PublicInputs {
        PublicInputs {
            root: self.path.root(hash1(self.secret)),
            nullifier: hash2(scope, self.secret),
            message,
            scope,
        }
    }
}

/// The credential circuit; `None` values at setup, both set when proving.
#[derive(Debug, Clone, Default)]
pub struct CredentialCircuit {
    /// Public inputs.
    pub public: Option<PublicInputs>,
    /// Private witness.
    pub witness: Option<Witness>,
}

impl CredentialCircuit {
    /// The circuit shape, for key generation.
    pub fn for_setup() -> Self {
        CredentialCircuit::default()
    }

    /// A circuit with values; the path must have [`TREE_DEPTH`] levels.
    pub fn new(public: PublicInputs, witness: Witness) -> Result<Self> {
        let got = witness.path.depth();
        if got != TREE_DEPTH || witness.path.path_bits.len() != TREE_DEPTH {
            return Err(Error::PathLength {
                expected: TREE_DEPTH,
                got,
            });
        }
        Ok(CredentialCircuit {
            public: Some(public),
            witness: Some(witness),
        })
    }
}

fn input(cs: &ConstraintSystemRef<Fr>, value: Option<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_input(cs.clone(), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })
}

fn witness<T: Copy>(value: Option<T>) -> impl FnOnce() -> Result<T, SynthesisError> {
    move || value.ok_or(SynthesisError::AssignmentMissing)
}

impl ConstraintSynthesizer<Fr> for CredentialCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let public = self.public;
        let root = input(&cs, public.map(|p| p.root))?;
        let nullifier = input(&cs, public.map(|p| p.nullifier))?;
        let message = input(&cs, public.map(|p| p.message))?;
        let scope = input(&cs, public.map(|p| p.scope))?;

        let w = self.witness.as_ref();
        let secret = FpVar::new_witness(cs.clone(), witness(w.map(|w| w.secret)))?;
        let mut node = hash1_var(&secret)?;
        for h in 0..TREE_DEPTH {
            let sibling = w.and_then(|w| w.path.siblings.get(h).copied());
            let sibling = FpVar::new_witness(cs.clone(), witness(sibling))?;
            let bit = w.and_then(|w| w.path.path_bits.get(h).copied());
            let is_right = Boolean::new_witness(cs.clone(), witness(bit))?;
            // left = is_right ? sibling : node, right = the other one (one constraint)
            let left = FpVar::conditionally_select(&is_right, &sibling, &node)?;
            let right = &node + &sibling - &left;
            node = hash2_var(&left, &right)?;
        }
        node.enforce_equal(&root)?;
        hash2_var(&scope, &secret)?.enforce_equal(&nullifier)?;
        // bind the message: it must appear in a constraint
        let _message_squared = message.square()?;
        Ok(())
    }
}
