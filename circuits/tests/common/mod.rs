//! Shared fixtures: one seeded Groth16 setup per test binary, a group of identities, and a
//! forger that makes proofs of assignments that do not satisfy the circuit.

use std::sync::OnceLock;

use ark_bls12_381::Bls12_381;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, R1CS_PREDICATE_LABEL, SynthesisMode,
};
use ark_serialize::CanonicalSerialize;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use webfn_circuits::{
    CredentialCircuit, Fr, Identity, MerkleTree, PreparedVerifyingKey, Proof, ProvingKey,
    TREE_DEPTH, setup_seeded,
};

/// The keys every test shares (seeded: reproducible).
pub fn keys() -> &'static (ProvingKey, PreparedVerifyingKey) {
    static KEYS: OnceLock<(ProvingKey, PreparedVerifyingKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = setup_seeded([1; 32]).expect("setup");
        let prepared = key.verifying_key().prepare();
        (key, prepared)
    })
}

/// A deterministic RNG for a test.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A group of `n` fresh identities and its depth-20 tree.
pub fn group(n: usize, seed: u64) -> (Vec<Identity>, MerkleTree) {
    let mut rng = rng(seed);
    let members: Vec<Identity> = (0..n).map(|_| Identity::generate(&mut rng)).collect();
    let leaves: Vec<Fr> = members.iter().map(Identity::commitment).collect();
    let tree = MerkleTree::from_leaves(TREE_DEPTH, 8, &leaves).expect("tree");
    (members, tree)
}

/// What a cheating prover can do: run the Groth16 prover on any assignment, satisfied or
/// not, and publish the result.
pub fn forge(key: &ProvingKey, circuit: CredentialCircuit) -> Proof {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    let matrices = cs.to_matrices().expect("matrices");
    let mut assignment = cs.instance_assignment().expect("instance");
    assignment.extend(cs.witness_assignment().expect("witness"));
    let proof = Groth16::<Bls12_381>::create_proof_with_reduction_and_matrices(
        key.as_arkworks(),
        Fr::from(3u64),
        Fr::from(5u64),
        &matrices[R1CS_PREDICATE_LABEL],
        cs.num_instance_variables(),
        cs.num_constraints(),
        &assignment,
    )
    .expect("prover");
    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes).expect("serialize");
    Proof::from_bytes(&bytes).expect("a forged proof is still well-formed")
}
