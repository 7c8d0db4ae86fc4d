//! Native proving and verification of the depth-20 credential circuit, plus Poseidon.
//!
//! `cargo bench -p webfn-circuits` (one thread) and
//! `cargo bench -p webfn-circuits --features parallel` (rayon, all cores).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use webfn_circuits::{
    DEFAULT_ROOT_HISTORY, Fr, Identity, MerkleTree, TREE_DEPTH, hash2, prove, setup_seeded, verify,
};

fn groth16(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let key = setup_seeded([7; 32]).expect("setup");
    let prepared = key.verifying_key().prepare();
    let members: Vec<Identity> = (0..8).map(|_| Identity::generate(&mut rng)).collect();
    let commitments: Vec<Fr> = members.iter().map(Identity::commitment).collect();
    let tree =
        MerkleTree::from_leaves(TREE_DEPTH, DEFAULT_ROOT_HISTORY, &commitments).expect("tree");
    let path = tree.proof(5).expect("path");
    let (scope, message) = (Fr::from(1u64), Fr::from(2u64));

    let mut group = c.benchmark_group("credential depth 20");
    group.sample_size(10);
    group.bench_function("prove", |b| {
        b.iter(|| prove(&key, &members[5], &path, scope, message, &mut rng).expect("prove"))
    });
    let credential = prove(&key, &members[5], &path, scope, message, &mut rng).expect("prove");
    group.bench_function("verify", |b| {
        b.iter(|| assert!(verify(&prepared, black_box(&credential)).expect("verify")))
    });
    group.bench_function("prepare verifying key", |b| {
        b.iter(|| key.verifying_key().prepare())
    });
    group.finish();
}

fn poseidon(c: &mut Criterion) {
    let (a, b) = (Fr::from(3u64), Fr::from(4u64));
    c.bench_function("poseidon hash2", |bench| {
        bench.iter(|| hash2(black_box(a), black_box(b)))
    });
}

criterion_group!(benches, groth16, poseidon);
criterion_main!(benches);
