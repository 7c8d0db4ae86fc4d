//! The key cache against an issuer on 127.0.0.1: caching, refresh on an unknown `kid` (rate
//! limited), key rotation, re-fetch of old keys, and issuers that are down, slow or answer
//! nonsense.

mod common;

use std::time::{Duration, Instant};

use common::{REFRESH_INTERVAL, TestIssuer, TestKey, github_claims};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use webfn_oidc::{Error, FetchLimits, Issuer, Verifier, VerifierConfig};

fn short_interval(config: &mut VerifierConfig) {
    config.min_refresh_interval = REFRESH_INTERVAL;
}

#[tokio::test]
async fn keys_are_fetched_once_and_cached() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&key]);
    let verifier = issuer.verifier(|_| {});
    for _ in 0..10 {
        verifier
            .verify(&key.sign(&github_claims(&issuer.url)))
            .await
            .expect("valid");
    }
    let clone = verifier.clone();
    clone
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect("clones share the cache");
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn an_unknown_kid_is_refused_after_one_refresh_and_cannot_force_more() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&key]);
    let verifier = issuer.verifier(short_interval);
    verifier
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect("valid");
    assert_eq!(issuer.jwks_fetches(), 1);
    tokio::time::sleep(REFRESH_INTERVAL + Duration::from_millis(50)).await;

    let stranger = TestKey::rsa("made-up-0", 0);
    let error = verifier
        .verify(&stranger.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("unknown kid");
    assert!(
        matches!(error, Error::UnknownKey { ref kid, .. } if kid == "made-up-0"),
        "{error}"
    );
    assert_eq!(error.code(), "unknown_key");
    assert_eq!(issuer.jwks_fetches(), 2, "one refresh for the unknown kid");

    for i in 1..=20 {
        let stranger = TestKey::rsa(&format!("made-up-{i}"), 0);
        let error = verifier
            .verify(&stranger.sign(&github_claims(&issuer.url)))
            .await
            .expect_err("unknown kid");
        assert_eq!(error.code(), "unknown_key");
    }
    assert_eq!(
        issuer.jwks_fetches(),
        2,
        "rate limited: no refresh within the interval"
    );
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_a_refresh() {
    let issuer = TestIssuer::start().await;
    let old = TestKey::rsa("2024-old", 0);
    let new = TestKey::p256("2025-new");
    issuer.publish(&[&old]);
    let verifier = issuer.verifier(short_interval);
    verifier
        .verify(&old.sign(&github_claims(&issuer.url)))
        .await
        .expect("old key");

    issuer.publish(&[&old, &new]);
    let early = verifier
        .verify(&new.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("refresh not yet allowed");
    assert_eq!(early.code(), "unknown_key");
    assert_eq!(issuer.jwks_fetches(), 1);

    tokio::time::sleep(REFRESH_INTERVAL + Duration::from_millis(50)).await;
    verifier
        .verify(&new.sign(&github_claims(&issuer.url)))
        .await
        .expect("new key after refresh");
    verifier
        .verify(&old.sign(&github_claims(&issuer.url)))
        .await
        .expect("old key still published");
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn old_keys_are_fetched_again_and_withdrawn_keys_stop_working() {
    let issuer = TestIssuer::start().await;
    let old = TestKey::rsa("old", 0);
    let new = TestKey::p256("new");
    issuer.publish(&[&old]);
    let verifier = issuer.verifier(|config| {
        config.jwks_max_age = Duration::from_millis(200);
        config.min_refresh_interval = Duration::ZERO;
    });
    verifier
        .verify(&old.sign(&github_claims(&issuer.url)))
        .await
        .expect("old key");
    issuer.publish(&[&new]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let error = verifier
        .verify(&old.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("withdrawn key");
    assert_eq!(error.code(), "unknown_key");
    assert_eq!(issuer.jwks_fetches(), 2);
}

/// A verifier for an issuer at `url` with a short timeout.
fn verifier_for(url: &str) -> Verifier {
    let mut config = VerifierConfig::new(
        common::AUDIENCE,
        vec![Issuer::new("github", url).expect("issuer")],
    );
    config.fetch = FetchLimits {
        timeout: Duration::from_millis(500),
        max_body_bytes: 4096,
    };
    Verifier::new(config).expect("verifier")
}

#[tokio::test]
async fn an_unreachable_issuer_gives_a_typed_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let verifier = verifier_for(&url);
    let token = TestKey::rsa("k", 0).sign(&github_claims(&url));
    for _ in 0..2 {
        let error = verifier.verify(&token).await.expect_err("nobody listens");
        assert!(matches!(error, Error::IssuerUnreachable { .. }), "{error}");
        assert_eq!(error.code(), "issuer_unreachable");
        assert!(error.is_server_side());
    }
}

#[tokio::test]
async fn an_issuer_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // accepts connections and reads requests, never answers
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            held.push(socket);
        }
    });
    let verifier = verifier_for(&url);
    let token = TestKey::rsa("k", 0).sign(&github_claims(&url));
    let started = Instant::now();
    let error = verifier.verify(&token).await.expect_err("no answer");
    assert!(matches!(error, Error::IssuerUnreachable { .. }), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_oversized_jwks_is_refused() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("k", 0);
    let padding: Vec<_> = (0..100)
        .map(|i| json!({"kty": "oct", "kid": format!("pad-{i}"), "k": "AAAA"}))
        .collect();
    let mut keys = vec![key.jwk()];
    keys.extend(padding);
    issuer.publish_raw(json!({ "keys": keys }).to_string().into_bytes());
    let verifier = verifier_for(&issuer.url);
    let error = verifier
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("JWKS larger than 4 KiB");
    assert!(matches!(error, Error::BadIssuerResponse { .. }), "{error}");
    assert!(error.to_string().contains("larger than 4096"), "{error}");
}

#[tokio::test]
async fn a_discovery_document_for_another_issuer_is_refused() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("k", 0);
    issuer.publish(&[&key]);
    issuer.set_discovery(json!({
        "issuer": "https://token.actions.githubusercontent.com",
        "jwks_uri": format!("{}/jwks", issuer.url),
    }));
    let verifier = issuer.verifier(|_| {});
    let error = verifier
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("issuer mismatch");
    assert_eq!(error.code(), "bad_issuer_response", "{error}");

    issuer.set_discovery(json!({
        "issuer": issuer.url,
        "jwks_uri": "http://jwks.example.com/keys",
    }));
    let verifier = issuer.verifier(|_| {});
    let error = verifier
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("plain http jwks_uri off loopback");
    assert_eq!(error.code(), "bad_issuer_response", "{error}");
    assert_eq!(issuer.jwks_fetches(), 0);
}

#[tokio::test]
async fn keys_of_other_types_in_the_jwks_verify_nothing() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("k", 0);
    // the same kid published only as an HMAC key: never usable
    issuer.publish_raw(
        json!({"keys": [{"kty": "oct", "kid": "k", "k": common::b64(b"secret")}]})
            .to_string()
            .into_bytes(),
    );
    let verifier = issuer.verifier(|_| {});
    let error = verifier
        .verify(&key.sign(&github_claims(&issuer.url)))
        .await
        .expect_err("no usable key");
    assert_eq!(error.code(), "unknown_key");
}
