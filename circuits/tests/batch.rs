//! Batch verification: good batches pass, any bad proof fails the whole batch, and the
//! coefficients must be random (equal ones let two bad proofs cancel).

mod common;

use std::sync::OnceLock;

use common::{forge, group, keys, rng};
use rand_core::{CryptoRng, OsRng, RngCore};
use webfn_circuits::{
    CredentialCircuit, CredentialProof, Fr, PublicInputs, Witness, prove, verify, verify_batch,
    verify_batch_with_rng,
};

/// Five honest proofs: members 0..5 of a group, each with its own scope and message.
fn honest() -> &'static [CredentialProof] {
    static PROOFS: OnceLock<Vec<CredentialProof>> = OnceLock::new();
    PROOFS.get_or_init(|| {
        let (members, tree) = group(5, 40);
        (0..5u64)
            .map(|i| {
                let path = tree.proof(i).expect("path");
                let (scope, message) = (Fr::from(100 + i), Fr::from(200 + i));
                let credential = prove(
                    &keys().0,
                    &members[i as usize],
                    &path,
                    scope,
                    message,
                    &mut rng(i),
                )
                .expect("prove");
                assert!(verify(&keys().1, &credential).expect("verify"));
                credential
            })
            .collect()
    })
}

/// The honest batch with proof `at` replaced by `bad`.
fn with(at: usize, bad: CredentialProof) -> Vec<CredentialProof> {
    let mut batch = honest().to_vec();
    batch[at] = bad;
    batch
}

fn batch_ok(batch: &[CredentialProof]) -> bool {
    verify_batch(&keys().1, batch).expect("batch verification runs")
}

#[test]
fn good_batches_pass() {
    let all = honest();
    assert!(batch_ok(all));
    assert!(batch_ok(&all[..1]));
    assert!(batch_ok(&all[1..3]));
    assert!(batch_ok(&[]));
    // the same proof twice is still a batch of valid proofs (replays are the relay's business)
    assert!(batch_ok(&[all[0].clone(), all[0].clone()]));
    for seed in 0..4 {
        assert!(verify_batch_with_rng(&keys().1, all, &mut rng(seed)).expect("runs"));
    }
}

#[test]
fn one_altered_public_input_fails_the_batch() {
    for at in [0, 2, 4] {
        let mut bad = honest()[at].clone();
        bad.public_inputs.message += Fr::from(1u64);
        assert!(!verify(&keys().1, &bad).expect("verify runs"));
        assert!(!batch_ok(&with(at, bad)), "bad proof at {at}");
    }
    let mut bad = honest()[1].clone();
    bad.public_inputs.root = honest()[1].public_inputs.nullifier;
    assert!(!batch_ok(&with(1, bad.clone())));
    assert!(!batch_ok(&[bad]));
}

#[test]
fn a_proof_of_another_statement_fails_the_batch() {
    // proof 3's points with proof 2's inputs
    let swapped = CredentialProof {
        proof: honest()[3].proof.clone(),
        public_inputs: honest()[2].public_inputs,
    };
    assert!(!batch_ok(&with(2, swapped)));
}

#[test]
fn a_forged_proof_of_an_unsatisfied_assignment_fails_the_batch() {
    let (members, tree) = group(5, 40);
    let outsider = webfn_circuits::Identity::generate(&mut rng(77));
    let path = tree.proof(3).expect("path");
    let public = PublicInputs {
        nullifier: outsider.nullifier(Fr::from(103u64)),
        ..honest()[3].public_inputs
    };
    assert_ne!(outsider.commitment(), members[3].commitment());
    let circuit = CredentialCircuit::new(
        public,
        Witness {
            secret: outsider.secret(),
            path,
        },
    )
    .expect("shape");
    let forged = CredentialProof {
        proof: forge(&keys().0, circuit),
        public_inputs: public,
    };
    assert!(!batch_ok(&with(3, forged)));
}

/// An RNG that is not random: every word is 1.
struct Ones;

impl RngCore for Ones {
    fn next_u32(&mut self) -> u32 {
        1
    }
    fn next_u64(&mut self) -> u64 {
        1
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(1);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        dest.fill(1);
        Ok(())
    }
}

impl CryptoRng for Ones {}

#[test]
fn two_bad_proofs_that_cancel_need_predictable_coefficients() {
    // message + 1 and message − 1: their errors are e(IC_message, −γ) and its inverse
    let one = Fr::from(1u64);
    let (mut up, mut down) = (honest()[0].clone(), honest()[0].clone());
    up.public_inputs.message += one;
    down.public_inputs.message -= one;
    let pair = [up, down];
    assert!(!verify(&keys().1, &pair[0]).expect("runs"));
    assert!(!verify(&keys().1, &pair[1]).expect("runs"));
    // equal coefficients: the errors cancel and the batch wrongly passes
    assert!(verify_batch_with_rng(&keys().1, &pair, &mut Ones).expect("runs"));
    // random ones: refused
    assert!(!verify_batch_with_rng(&keys().1, &pair, &mut OsRng).expect("runs"));
    assert!(!batch_ok(&pair));
}
