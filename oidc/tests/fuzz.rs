//! Property tests: random bytes as tokens, random JWS-shaped tokens, random bytes and random
//! keys as the issuer's JWKS. The verifier must refuse all of them with an error, never panic.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::{TestIssuer, TestKey, b64, github_claims, mint};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use webfn_oidc::Verifier;

/// One runtime per test binary; the test issuers' servers run on its workers.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

/// An issuer publishing one RSA key `k`, and a verifier trusting it.
fn fixture() -> (TestIssuer, TestKey, Verifier) {
    let issuer = runtime().block_on(TestIssuer::start());
    let key = TestKey::rsa("k", 0);
    issuer.publish(&[&key]);
    let verifier = issuer.verifier(|_| {});
    (issuer, key, verifier)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn random_bytes_as_a_token_are_refused() {
    let (_issuer, _key, verifier) = fixture();
    let strategy = vec(any::<u8>(), 0..20_000);
    runner(256)
        .run(&strategy, |bytes| {
            let text = String::from_utf8_lossy(&bytes);
            let result = runtime().block_on(verifier.verify(&text));
            prop_assert!(result.is_err());
            Ok(())
        })
        .expect("never accepted, never panics");
}

#[test]
fn random_base64url_parts_are_refused() {
    let (_issuer, _key, verifier) = fixture();
    let part = "[A-Za-z0-9_-]{0,300}";
    let strategy = (part, part, part, 0..4usize);
    runner(256)
        .run(&strategy, |(a, b, c, dots)| {
            let token = match dots {
                0 => format!("{a}.{b}.{c}"),
                1 => format!("{a}.{b}"),
                2 => format!("{a}.{b}.{c}.{a}"),
                _ => format!("{a}{b}{c}"),
            };
            prop_assert!(runtime().block_on(verifier.verify(&token)).is_err());
            Ok(())
        })
        .expect("never accepted, never panics");
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_headers_and_claims_from_a_known_issuer_are_refused() {
    let (issuer, key, verifier) = fixture();
    let claim_names = prop_oneof![
        Just("aud"),
        Just("exp"),
        Just("nbf"),
        Just("iat"),
        Just("jti"),
        Just("sub")
    ];
    let strategy = (
        prop_oneof![Just("RS256".to_owned()), Just("ES256".to_owned()), ".{0,8}"],
        prop_oneof![Just("k".to_owned()), ".{0,16}"],
        vec((claim_names, json_value()), 0..6),
        vec(any::<u8>(), 0..600),
    );
    runner(128)
        .run(&strategy, |(alg, kid, changes, signature)| {
            let mut claims = github_claims(&issuer.url);
            for (name, value) in changes {
                claims[name] = value;
            }
            let header = json!({"alg": alg, "kid": kid});
            let token = mint(&header, &claims, |_| signature.clone());
            prop_assert!(runtime().block_on(verifier.verify(&token)).is_err());
            Ok(())
        })
        .expect("never accepted, never panics");
    // made-up kids cannot make the verifier refetch: one fetch, then the rate limit
    assert_eq!(issuer.jwks_fetches(), 1);
    let valid = key.sign(&github_claims(&issuer.url));
    assert!(runtime().block_on(verifier.verify(&valid)).is_ok());
}

/// Verifies a genuine token against an issuer serving `jwks` (a fresh verifier each time, so
/// the JWKS is fetched).
fn verify_against_jwks(issuer: &TestIssuer, key: &TestKey, jwks: Vec<u8>) -> bool {
    issuer.publish_raw(jwks);
    let verifier = issuer.verifier(|config| config.fetch.timeout = Duration::from_secs(5));
    let token = key.sign(&github_claims(&issuer.url));
    runtime().block_on(verifier.verify(&token)).is_ok()
}

#[test]
fn random_bytes_as_the_jwks_verify_nothing() {
    let (issuer, key, _verifier) = fixture();
    let strategy = vec(any::<u8>(), 0..300_000);
    runner(48)
        .run(&strategy, |bytes| {
            prop_assert!(!verify_against_jwks(&issuer, &key, bytes));
            Ok(())
        })
        .expect("never accepted, never panics");
}

/// A JWK with kid `k` and random, mostly plausible, fields.
fn random_jwk() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        vec(any::<u8>(), 0..600).prop_map(|b| Value::from(b64(&b))),
        json_value(),
    ];
    (
        prop_oneof![
            Just("RSA".to_owned()),
            Just("EC".to_owned()),
            Just("oct".to_owned()),
            Just("OKP".to_owned()),
            ".{0,4}"
        ],
        prop_oneof![Just("P-256".to_owned()), Just("P-384".to_owned()), ".{0,6}"],
        prop_oneof![Just(Value::Null), Just(json!("RS256")), Just(json!("ES256")), json_value()],
        (text.clone(), text.clone(), text.clone(), text),
    )
        .prop_map(|(kty, crv, alg, (n, e, x, y))| {
            json!({"kty": kty, "kid": "k", "crv": crv, "alg": alg, "n": n, "e": e, "x": x, "y": y})
        })
}

#[test]
fn random_keys_in_the_jwks_verify_nothing() {
    let (issuer, key, _verifier) = fixture();
    let strategy = vec(random_jwk(), 0..5);
    runner(64)
        .run(&strategy, |keys| {
            let jwks = json!({ "keys": keys }).to_string().into_bytes();
            prop_assert!(!verify_against_jwks(&issuer, &key, jwks));
            Ok(())
        })
        .expect("never accepted, never panics");
    // and the genuine key, in the same way, does verify
    let genuine = json!({ "keys": [key.jwk()] }).to_string().into_bytes();
    assert!(verify_against_jwks(&issuer, &key, genuine));
}
