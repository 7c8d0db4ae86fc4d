//! Credential proofs end to end: honest proofs verify, and every way of cheating is refused
//! (false or a typed error, never a panic, never true).

mod common;
#[path = "soundness/key_files.rs"]
mod key_files;
#[path = "soundness/proof_bytes.rs"]
mod proof_bytes;

/// The honest credential the byte-level and key tests share.
fn proof_bytes_credential() -> &'static CredentialProof {
    proof_bytes::credential()
}

use common::{forge, group, keys, rng};
use webfn_circuits::{
    CredentialCircuit, CredentialProof, Error, Fr, Identity, MerkleProof, PublicInputs, Witness,
    constraint_count, prove, prove_circuit, setup_seeded, verify, verify_for_group,
};

const SCOPE: u64 = 2026;
const MESSAGE: u64 = 77;

fn scope() -> Fr {
    Fr::from(SCOPE)
}

fn message() -> Fr {
    Fr::from(MESSAGE)
}

/// An honest proof by member `index` of a 6-member group.
fn honest(index: u64) -> (CredentialProof, Vec<Identity>, webfn_circuits::MerkleTree) {
    let (members, tree) = group(6, 10);
    let path = tree.proof(index).expect("path");
    let credential = prove(
        &keys().0,
        &members[index as usize],
        &path,
        scope(),
        message(),
        &mut rng(index),
    )
    .expect("prove");
    (credential, members, tree)
}

/// Asserts that a witness is refused by the prover and that its forged proof does not verify.
fn assert_cheat_refused(public: PublicInputs, witness: Witness) {
    let circuit = CredentialCircuit::new(public, witness).expect("shape");
    assert!(matches!(
        prove_circuit(&keys().0, circuit.clone(), &mut rng(1)),
        Err(Error::Unsatisfied)
    ));
    let forged = CredentialProof {
        proof: forge(&keys().0, circuit),
        public_inputs: public,
    };
    assert!(!verify(&keys().1, &forged).expect("verify runs"));
}

#[test]
fn constraint_count_is_pinned() {
    assert_eq!(constraint_count().expect("synthesis"), 5_320);
}

#[test]
fn honest_proofs_verify_for_their_group() {
    let (credential, members, tree) = honest(3);
    let public = credential.public_inputs;
    assert_eq!(public.root, tree.root());
    assert_eq!(public.nullifier, members[3].nullifier(scope()));
    assert_eq!((public.message, public.scope), (message(), scope()));
    assert!(verify(&keys().1, &credential).expect("verify"));
    assert!(verify_for_group(&keys().1, &credential, tree.history()).expect("verify"));
}

#[test]
fn proofs_against_a_recent_root_still_verify() {
    let (credential, _, mut tree) = honest(1);
    tree.append(Fr::from(123u64)).expect("append");
    assert_ne!(tree.root(), credential.public_inputs.root);
    assert!(verify_for_group(&keys().1, &credential, tree.history()).expect("verify"));
}

#[test]
fn wrong_secret_is_refused() {
    let (credential, members, tree) = honest(2);
    let outsider = Identity::generate(&mut rng(99));
    let path = tree.proof(2).expect("path");
    // The prover proves for the root its path leads to: not a root of the group.
    let made = prove(&keys().0, &outsider, &path, scope(), message(), &mut rng(3))
        .expect("a proof for some other root");
    assert!(matches!(
        verify_for_group(&keys().1, &made, tree.history()),
        Err(Error::UnknownRoot)
    ));
    // Claiming the group's root with the wrong secret is unsatisfiable.
    let public = PublicInputs {
        nullifier: outsider.nullifier(scope()),
        ..credential.public_inputs
    };
    assert_cheat_refused(
        public,
        Witness {
            secret: outsider.secret(),
            path: path.clone(),
        },
    );
    // And so is the right secret with someone else's nullifier.
    let public = PublicInputs {
        nullifier: members[1].nullifier(scope()),
        ..credential.public_inputs
    };
    assert_cheat_refused(
        public,
        Witness {
            secret: members[2].secret(),
            path,
        },
    );
}

#[test]
fn flipped_path_bit_is_refused() {
    let (credential, members, tree) = honest(4);
    for level in [0, 19] {
        let mut path = tree.proof(4).expect("path");
        path.path_bits[level] = !path.path_bits[level];
        assert_cheat_refused(
            credential.public_inputs,
            Witness {
                secret: members[4].secret(),
                path,
            },
        );
    }
}

#[test]
fn wrong_sibling_is_refused() {
    let (credential, members, tree) = honest(5);
    for level in [0, 19] {
        let mut path: MerkleProof = tree.proof(5).expect("path");
        path.siblings[level] += Fr::from(1u64);
        assert_cheat_refused(
            credential.public_inputs,
            Witness {
                secret: members[5].secret(),
                path,
            },
        );
    }
}

#[test]
fn root_not_in_the_group_is_refused() {
    let (_, _, tree) = honest(0);
    let (others, other_tree) = group(3, 20);
    let path = other_tree.proof(1).expect("path");
    let elsewhere = prove(
        &keys().0,
        &others[1],
        &path,
        scope(),
        message(),
        &mut rng(4),
    )
    .expect("a member of the other group");
    assert!(verify(&keys().1, &elsewhere).expect("valid for its own group"));
    assert!(matches!(
        verify_for_group(&keys().1, &elsewhere, tree.history()),
        Err(Error::UnknownRoot)
    ));
    // Relabelling it with this group's root breaks it.
    let relabelled = CredentialProof {
        public_inputs: PublicInputs {
            root: tree.root(),
            ..elsewhere.public_inputs
        },
        ..elsewhere.clone()
    };
    assert!(!verify(&keys().1, &relabelled).expect("verify runs"));
    // A member of the other group cannot prove this group's root either.
    assert_cheat_refused(
        relabelled.public_inputs,
        Witness {
            secret: others[1].secret(),
            path,
        },
    );
}

#[test]
fn each_public_input_altered_is_refused() {
    let (credential, _, _) = honest(1);
    let one = Fr::from(1u64);
    let alter: [fn(&mut PublicInputs, Fr); 4] = [
        |p, d| p.root += d,
        |p, d| p.nullifier += d,
        |p, d| p.message += d,
        |p, d| p.scope += d,
    ];
    for (i, change) in alter.iter().enumerate() {
        let mut altered = credential.clone();
        change(&mut altered.public_inputs, one);
        assert!(
            !verify(&keys().1, &altered).expect("verify runs"),
            "public input {i} altered and accepted"
        );
    }
    let mut negated = credential.clone();
    negated.public_inputs.message = -negated.public_inputs.message;
    assert!(
        !verify(&keys().1, &negated).expect("verify runs"),
        "message is bound, not only its square"
    );
}

#[test]
fn proof_under_another_key_is_refused() {
    let (credential, members, tree) = honest(3);
    let other = setup_seeded([2; 32]).expect("second setup");
    let other_prepared = other.verifying_key().prepare();
    assert!(!verify(&other_prepared, &credential).expect("verify runs"));
    let path = tree.proof(3).expect("path");
    let theirs = prove(&other, &members[3], &path, scope(), message(), &mut rng(5))
        .expect("prove under the other key");
    assert!(verify(&other_prepared, &theirs).expect("verify"));
    assert!(!verify(&keys().1, &theirs).expect("verify runs"));
}

#[test]
fn nullifiers_repeat_per_scope_only() {
    let (members, tree) = group(2, 30);
    let path = tree.proof(0).expect("path");
    let prove_in = |scope: u64, message: u64, seed: u64| {
        prove(
            &keys().0,
            &members[0],
            &path,
            Fr::from(scope),
            Fr::from(message),
            &mut rng(seed),
        )
        .expect("prove")
    };
    let (a, b, c) = (prove_in(1, 10, 1), prove_in(1, 11, 2), prove_in(2, 10, 3));
    assert_eq!(a.public_inputs.nullifier, b.public_inputs.nullifier);
    assert_ne!(a.public_inputs.nullifier, c.public_inputs.nullifier);
    assert_ne!(a.proof, b.proof);
}

#[test]
fn json_form_is_stable_and_round_trips() {
    let (credential, _, _) = honest(2);
    let text = serde_json::to_string(&credential).expect("json");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let proof = value["proof"].as_str().expect("proof is a string");
    assert_eq!(proof.len(), 384);
    assert!(
        proof
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let inputs = value["publicInputs"].as_object().expect("object");
    let keys: Vec<&str> = inputs.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4);
    for key in ["root", "nullifier", "message", "scope"] {
        let text = inputs[key].as_str().expect("decimal string");
        assert!(text.bytes().all(|b| b.is_ascii_digit()), "{key}: {text}");
    }
    assert_eq!(inputs["message"], "77");
    let back: CredentialProof = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, credential);
    let extra = text.replacen('{', "{\"extra\":1,", 1);
    assert!(serde_json::from_str::<CredentialProof>(&extra).is_err());
}
