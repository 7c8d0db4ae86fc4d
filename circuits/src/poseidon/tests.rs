//! Poseidon: reference vector, independent constant generation, pinned digest, gadget twin.

use ark_crypto_primitives::sponge::CryptographicSponge;
use ark_crypto_primitives::sponge::poseidon::{
    PoseidonConfig, PoseidonSponge, find_poseidon_ark_and_mds,
};
use ark_ff::{MontFp, UniformRand};
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::ConstraintSystem;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::constraints::{hash_var, hash1_var, hash2_var};
use super::*;

/// `poseidonperm_x5_255_3` of the reference repository (hadeshash, `test_vectors.txt`):
/// the permutation of `[0, 1, 2]`.
#[test]
fn permutation_matches_the_reference_vector() {
    let mut state = [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)];
    permute(&mut state);
    let expected: [Fr; 3] = [
        MontFp!("0x28ce19420fc246a05553ad1e8c98f5c9d67166be2c18e9e4cb4b4e317dd2a78a"),
        MontFp!("0x51f3e312c95343a896cfd8945ea82ba956c1118ce9b9859b6ea56637b4b1ddc4"),
        MontFp!("0x3b2b69139b235626a0bfb56c9527ae66a7bf486ad8c11c14d1da0c69bbe0f79a"),
    ];
    assert_eq!(state, expected);
}

/// arkworks' own Grain LFSR (ark-crypto-primitives) draws the same constants and matrix.
#[test]
fn constants_match_an_independent_grain_implementation() {
    let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(255, 2, 8, 57, 0);
    let ours = params();
    let ark_rows: Vec<Vec<Fr>> = ours.round_constants.iter().map(|r| r.to_vec()).collect();
    assert_eq!(ark_rows, ark);
    let mds_rows: Vec<Vec<Fr>> = ours.mds.iter().map(|r| r.to_vec()).collect();
    assert_eq!(mds_rows, mds);
}

/// The first Cauchy matrix drawn passes the security condition, as in the reference script.
#[test]
fn first_mds_candidate_is_accepted() {
    assert_eq!(params().mds_draws, 1);
    assert!(grain::is_secure_mds(&params().mds));
}

/// Regenerating the constants gives the pinned canonical serialization.
#[test]
fn constants_digest_is_pinned() {
    let regenerated = PoseidonParams::generate();
    assert_eq!(regenerated.to_bytes().len(), (65 * 3 + 9) * 32);
    let digest: [u8; 32] = Sha256::digest(regenerated.to_bytes()).into();
    assert_eq!(hex::encode(digest), CONSTANTS_SHA256);
    assert_eq!(hex::encode(constants_digest()), CONSTANTS_SHA256);
}

const CONSTANTS_SHA256: &str = "0f2b0f1a2bdef1fde256a8d2e60770e3a759b97e05f8cd66e18d149c5db727af";

/// arkworks' Poseidon sponge, seeded with our capacity tag, hashes like ours.
#[test]
fn sponge_matches_arkworks_sponge() {
    let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(255, 2, 8, 57, 0);
    let config = PoseidonConfig::new(8, 57, 5, mds, ark, 2, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for len in 1..=5 {
        let inputs: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        let mut sponge = PoseidonSponge::new(&config);
        sponge.state[0] = domain_tag(len);
        sponge.absorb(&inputs);
        let theirs: Vec<Fr> = sponge.squeeze_field_elements(1);
        assert_eq!(theirs[0], hash(&inputs), "{len} inputs");
    }
}

#[test]
fn lengths_are_domain_separated() {
    let x = Fr::from(42u64);
    assert_ne!(hash1(x), hash2(x, Fr::from(0u64)));
    assert_ne!(hash(&[]), hash1(Fr::from(0u64)));
    assert_ne!(hash2(x, x), hash(&[x, x, Fr::from(0u64)]));
}

/// Synthesizes `gadget` over witnesses `inputs` and returns (output value, constraints,
/// whether enforcing `output == claimed` is satisfied).
fn run_gadget(inputs: &[Fr], claimed: Fr) -> (Fr, usize, bool) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars: Vec<FpVar<Fr>> = inputs
        .iter()
        .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("witness"))
        .collect();
    let out = match vars.as_slice() {
        [x] => hash1_var(x),
        [a, b] => hash2_var(a, b),
        _ => hash_var(&vars),
    }
    .expect("gadget");
    let value = out.value().expect("value");
    let before = cs.num_constraints();
    let claimed = FpVar::new_witness(cs.clone(), || Ok(claimed)).expect("claimed");
    out.enforce_equal(&claimed).expect("enforce");
    (value, before, cs.is_satisfied().expect("satisfied"))
}

#[test]
fn gadget_constraint_counts_are_pinned() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let x = Fr::rand(&mut rng);
    assert_eq!(run_gadget(&[x], hash1(x)).1, 237);
    assert_eq!(run_gadget(&[x, x], hash2(x, x)).1, 240);
    assert_eq!(run_gadget(&[x, x, x], hash(&[x, x, x])).1, 240 + 243);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn gadget_agrees_with_native(seed in any::<u64>(), len in 1usize..=4) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let inputs: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        let native = hash(&inputs);
        let (value, _, satisfied) = run_gadget(&inputs, native);
        prop_assert_eq!(value, native);
        prop_assert!(satisfied);
        // negative case: a wrong claimed output is unsatisfiable
        let (_, _, satisfied) = run_gadget(&inputs, native + Fr::from(1u64));
        prop_assert!(!satisfied);
    }
}

/// The permutation as its definition reads: every round adds three constants, applies the
/// S-box to every cell (full rounds) or to cell 0 (partial rounds), and multiplies by the MDS.
fn permute_by_definition(state: &mut [Fr; WIDTH]) {
    let params = params();
    let half = FULL_ROUNDS / 2;
    for (round, constants) in params.round_constants.iter().enumerate() {
        for (cell, c) in state.iter_mut().zip(constants) {
            *cell += c;
        }
        if round < half || round >= half + PARTIAL_ROUNDS {
            state.iter_mut().for_each(|cell| *cell = sbox(*cell));
        } else {
            state[0] = sbox(state[0]);
        }
        *state = mds_mul(&params.mds, state);
    }
}

#[test]
fn the_definition_matches_the_reference_vector() {
    let mut state = [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)];
    let mut fast = state;
    permute_by_definition(&mut state);
    permute(&mut fast);
    assert_eq!(state, fast);
}

proptest! {
    /// The sparse partial rounds compute the permutation of the definition, on arkworks' `Fr`
    /// and on the radix-2^30 one.
    #[test]
    fn sparse_rounds_agree_with_the_definition(seed in any::<u64>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut state: [Fr; WIDTH] = std::array::from_fn(|_| Fr::rand(&mut rng));
        let mut fast = state;
        let mut radix30 = state;
        permute_by_definition(&mut state);
        permute(&mut fast);
        prop_assert_eq!(state, fast);
        // the WebAssembly build's field
        SparseRounds::<crate::radix30::fr::Fr30>::new(params()).permute(&mut radix30);
        prop_assert_eq!(state, radix30);
    }
}
