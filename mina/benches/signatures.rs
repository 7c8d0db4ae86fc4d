//! Native signing and verification rates, on the same inputs as the node benchmarks
//! (`mina/bench/mina-signer.mjs`, `pkg/bench/node.mjs`), so the figures sit side by side in
//! `docs/benchmarks.md`.
//!
//! `cargo bench -p webfn-mina --bench signatures`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use webfn_mina::client::{self, Kind};
use webfn_mina::curve::Field;
use webfn_mina::{NetworkId, Poseidon, PrivateKey};

const KEY: &str = "EKFN6z8cFXVRk5PvPnmMEBAfNAR7oSa4YRTiTTh4xqrQwA6tNLVM";
const PUBLIC: &str = "B62qkJdzhiPestmtQ5TVoAVSppHxnC9QsbhPSEWudGYDTWPYeD1kBb3";
const RECEIVER: &str = "B62qqVoorVUkxnh7E4xiTjQg2HruZNuqVqCC7tB7AjtekEcWxwDpJwW";
const MESSAGE: &str = "WebFunctions bench: the quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ abcdefghij!";

fn benches(c: &mut Criterion) {
    let network = NetworkId::Testnet;
    let payment = json!({
        "to": RECEIVER, "from": PUBLIC, "amount": "1000000000", "fee": "10000000",
        "nonce": "42", "validUntil": "4294967295", "memo": "WebFunctions bench",
    });
    let fields = json!([
        "1",
        (0x1234567890abcdef_u64).to_string(),
        "19811663990013644724881099746338735338354195629565175700184561115744168282539",
        "28948022309329048855892746252171976963363056481941560715954676764349967630336",
    ]);
    let sign = |kind: Kind, input: &serde_json::Value| {
        client::sign(kind, input, KEY, &network)
            .map(|signed| serde_json::to_value(signed).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let signed_payment = sign(Kind::Payment, &payment);
    let signed_message = sign(Kind::Message, &json!(MESSAGE));
    let signed_fields = sign(Kind::Fields, &fields);

    let mut group = c.benchmark_group("mina");
    group.bench_function("signPayment", |b| {
        b.iter(|| client::sign(Kind::Payment, black_box(&payment), KEY, &network))
    });
    group.bench_function("verifyPayment", |b| {
        b.iter(|| {
            assert!(client::verify(
                Kind::Payment,
                black_box(&signed_payment),
                &network
            ))
        })
    });
    group.bench_function("signMessage", |b| {
        b.iter(|| client::sign(Kind::Message, black_box(&json!(MESSAGE)), KEY, &network))
    });
    group.bench_function("verifyMessage", |b| {
        b.iter(|| {
            assert!(client::verify(
                Kind::Message,
                black_box(&signed_message),
                &network
            ))
        })
    });
    group.bench_function("signFields", |b| {
        b.iter(|| client::sign(Kind::Fields, black_box(&fields), KEY, &network))
    });
    group.bench_function("verifyFields", |b| {
        b.iter(|| {
            assert!(client::verify(
                Kind::Fields,
                black_box(&signed_fields),
                &network
            ))
        })
    });
    // a fresh key each time (a key computes its public point once and keeps it), decoded from
    // base58 as the signing calls above do
    group.bench_function("derivePublicKey", |b| {
        b.iter(|| PrivateKey::from_base58(black_box(KEY)).map(|key| key.public_key()))
    });
    // the permutation alone (about 70% of signing)
    for (name, poseidon) in [
        ("poseidonLegacy", Poseidon::Legacy),
        ("poseidonKimchi", Poseidon::Kimchi),
    ] {
        let mut state = [Field::from(1u8), Field::from(2u8), Field::from(3u8)];
        group.bench_function(name, |b| b.iter(|| poseidon.permute(black_box(&mut state))));
    }
    group.finish();
}

criterion_group!(signatures, benches);
criterion_main!(signatures);
