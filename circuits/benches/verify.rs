//! What the relay spends per credential proof, one thread: decoding an untrusted proof (curve
//! and subgroup checks; blst natively, beside arkworks), verifying it alone with a prepared key
//! (blst natively, beside arkworks' pairings), and verifying batches of `n`
//! with one multi-Miller loop and one final exponentiation (criterion reports proofs per
//! second as its throughput).
//!
//! `cargo bench -p webfn-circuits --bench verify`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use webfn_circuits::{
    CredentialProof, DEFAULT_ROOT_HISTORY, Fr, Identity, MerkleTree, Proof, TREE_DEPTH, prove,
    setup_seeded, verify, verify_arkworks, verify_batch,
};

/// Distinct proofs made for the benchmark; larger batches repeat them (the work of a batch
/// does not depend on its proofs being distinct).
const DISTINCT: usize = 16;
const BATCHES: [usize; 5] = [1, 4, 16, 64, 256];

fn verification(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let key = setup_seeded([7; 32]).expect("setup");
    let prepared = key.verifying_key().prepare();
    let members: Vec<Identity> = (0..DISTINCT)
        .map(|_| Identity::generate(&mut rng))
        .collect();
    let commitments: Vec<Fr> = members.iter().map(Identity::commitment).collect();
    let tree =
        MerkleTree::from_leaves(TREE_DEPTH, DEFAULT_ROOT_HISTORY, &commitments).expect("tree");
    let proofs: Vec<CredentialProof> = members
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let path = tree.proof(i as u64).expect("path");
            let (scope, message) = (Fr::from(i as u64), Fr::from(1000 + i as u64));
            prove(&key, member, &path, scope, message, &mut rng).expect("prove")
        })
        .collect();

    let mut group = c.benchmark_group("verify credential");
    group.throughput(Throughput::Elements(1));
    let hex = proofs[0].proof.to_hex();
    group.bench_function("decode proof (hex, curve and subgroup checks)", |b| {
        b.iter(|| Proof::from_hex(black_box(&hex)).expect("decode"))
    });
    let raw = proofs[0].proof.to_bytes();
    group.bench_function("decode proof bytes (blst natively)", |b| {
        b.iter(|| Proof::from_bytes(black_box(&raw)).expect("decode"))
    });
    group.bench_function("decode proof bytes, arkworks", |b| {
        b.iter(|| Proof::decode_arkworks(black_box(&raw)).expect("decode"))
    });
    group.bench_function("single, prepared key", |b| {
        b.iter(|| assert!(verify(&prepared, black_box(&proofs[0])).expect("verify")))
    });
    group.bench_function("single, prepared key, arkworks pairings", |b| {
        b.iter(|| assert!(verify_arkworks(&prepared, black_box(&proofs[0])).expect("verify")))
    });
    group.bench_function("prepare the verifying key", |b| {
        b.iter(|| black_box(key.verifying_key()).prepare())
    });
    for n in BATCHES {
        let batch: Vec<CredentialProof> = proofs.iter().cycle().take(n).cloned().collect();
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 64 { 20 } else { 50 });
        group.bench_with_input(BenchmarkId::new("batch", n), &batch, |b, batch| {
            b.iter(|| assert!(verify_batch(&prepared, black_box(batch)).expect("verify")))
        });
    }
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
