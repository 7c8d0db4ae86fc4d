//! Verification and authorization against an issuer on 127.0.0.1: a valid token is accepted
//! once; every kind of bad token is refused with its typed error and records nothing.

mod common;

use common::{
    AUDIENCE, TestIssuer, TestKey, b64, github_claims, github_policy, gitlab_claims, mint, now,
    with,
};
use serde_json::{Value, json};
use webfn_oidc::{Error, MemoryReplayGuard, TrustedPublisher, Verifier, VerifierConfig};

/// An issuer publishing one RSA key (`rsa-1`), and a verifier trusting it as `github`.
async fn setup() -> (TestIssuer, TestKey, Verifier) {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&key]);
    let verifier = issuer.verifier(|_| {});
    (issuer, key, verifier)
}

/// Authorizes `token` against the GitHub policy with a fresh guard; returns the error and
/// checks that the guard recorded nothing.
async fn refused(verifier: &Verifier, token: &str) -> Error {
    let guard = MemoryReplayGuard::new();
    let error = verifier
        .authorize(token, &github_policy(), &guard)
        .await
        .expect_err("token must be refused");
    assert!(guard.is_empty(), "a refused token was recorded: {error}");
    error
}

#[tokio::test]
async fn a_valid_token_verifies_matches_its_policy_and_is_recorded() {
    let (issuer, key, verifier) = setup().await;
    let claims = github_claims(&issuer.url);
    let token = key.sign(&claims);
    let guard = MemoryReplayGuard::new();
    let accepted = verifier
        .authorize(&token, &github_policy(), &guard)
        .await
        .expect("valid token");
    assert_eq!(accepted.issuer_name(), "github");
    assert_eq!(accepted.issuer(), issuer.url);
    assert_eq!(accepted.get_str("repository"), Some("octo/app"));
    assert_eq!(accepted.jti(), claims["jti"].as_str().expect("jti"));
    assert_eq!(Some(accepted.expires_at()), claims["exp"].as_u64());
    assert_eq!(guard.len(), 1);
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_replayed_jti_is_refused_and_a_refused_token_is_not_recorded() {
    let (issuer, key, verifier) = setup().await;
    let token = key.sign(&github_claims(&issuer.url));
    let guard = MemoryReplayGuard::new();
    let other_repo: TrustedPublisher = serde_json::from_value(json!({
        "provider": "github", "repository": "octo/other", "repository_owner_id": "9919",
        "workflow": "deploy.yml"
    }))
    .expect("policy");
    let error = verifier
        .authorize(&token, &other_repo, &guard)
        .await
        .expect_err("other policy");
    assert_eq!(error.code(), "policy_mismatch");
    assert!(guard.is_empty());
    verifier
        .authorize(&token, &github_policy(), &guard)
        .await
        .expect("the refusal recorded nothing, so the token is still good");
    let error = verifier
        .authorize(&token, &github_policy(), &guard)
        .await
        .expect_err("replay");
    assert!(matches!(error, Error::ReplayedToken { .. }), "{error}");
    assert_eq!(error.code(), "replayed_token");
    assert_eq!(guard.len(), 1);
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let (issuer, key, verifier) = setup().await;
    for aud in [json!("https://other.example"), json!(["a", "b"]), json!([])] {
        let token = key.sign(&with(github_claims(&issuer.url), "aud", aud));
        let error = refused(&verifier, &token).await;
        assert!(matches!(error, Error::WrongAudience { .. }), "{error}");
        assert_eq!(error.code(), "wrong_audience");
    }
    let token = key.sign(&with(github_claims(&issuer.url), "aud", Value::Null));
    assert!(matches!(
        refused(&verifier, &token).await,
        Error::MissingClaim("aud")
    ));
    let listed = with(github_claims(&issuer.url), "aud", json!(["x", AUDIENCE]));
    assert!(verifier.verify(&key.sign(&listed)).await.is_ok());
}

#[tokio::test]
async fn expired_not_yet_valid_and_future_tokens_are_refused() {
    let (issuer, key, verifier) = setup().await;
    let t = now();
    let expired = key.sign(&with(github_claims(&issuer.url), "exp", json!(t - 120)));
    let error = refused(&verifier, &expired).await;
    assert!(matches!(error, Error::Expired { .. }), "{error}");
    assert_eq!(error.code(), "expired");

    let early = key.sign(&with(github_claims(&issuer.url), "nbf", json!(t + 600)));
    let error = refused(&verifier, &early).await;
    assert!(matches!(error, Error::NotYetValid { .. }), "{error}");
    assert_eq!(error.code(), "not_yet_valid");

    let future = key.sign(&with(github_claims(&issuer.url), "iat", json!(t + 600)));
    assert!(matches!(
        refused(&verifier, &future).await,
        Error::IssuedInFuture { .. }
    ));

    let within_leeway = with(github_claims(&issuer.url), "exp", json!(t - 30));
    assert!(verifier.verify(&key.sign(&within_leeway)).await.is_ok());
}

#[tokio::test]
async fn a_wrong_issuer_is_refused_without_contacting_it() {
    let (issuer, key, verifier) = setup().await;
    let stranger = TestIssuer::start().await;
    stranger.publish(&[&key]);
    for iss in [
        stranger.url.clone(),
        "https://token.actions.githubusercontent.com".to_owned(),
        format!("{}/", issuer.url),
    ] {
        let token = key.sign(&github_claims(&iss));
        let error = refused(&verifier, &token).await;
        assert!(matches!(error, Error::UnknownIssuer(_)), "{iss}: {error}");
        assert_eq!(error.code(), "unknown_issuer");
    }
    assert_eq!(stranger.jwks_fetches(), 0);
    assert_eq!(issuer.jwks_fetches(), 0);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (issuer, key, verifier) = setup().await;
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "kid": key.kid(), "typ": "JWT"});
        let token = mint(&header, &github_claims(&issuer.url), |_| Vec::new());
        let error = refused(&verifier, &token).await;
        assert!(matches!(error, Error::UnsupportedAlgorithm(_)), "{error}");
        assert_eq!(error.code(), "unsupported_algorithm");
    }
    assert_eq!(
        issuer.jwks_fetches(),
        0,
        "refused before any key was looked at"
    );
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (issuer, key, verifier) = setup().await;
    let claims = github_claims(&issuer.url);
    let secrets = [
        key.public_pem().into_bytes(),
        key.jwk().to_string().into_bytes(),
    ];
    for (alg, digest) in [
        ("HS256", ring::hmac::HMAC_SHA256),
        ("HS384", ring::hmac::HMAC_SHA384),
        ("HS512", ring::hmac::HMAC_SHA512),
    ] {
        for secret in &secrets {
            let header = json!({"alg": alg, "kid": key.kid(), "typ": "JWT"});
            let token = mint(&header, &claims, |input| {
                let hmac = ring::hmac::Key::new(digest, secret);
                ring::hmac::sign(&hmac, input).as_ref().to_vec()
            });
            let error = refused(&verifier, &token).await;
            assert!(
                matches!(error, Error::UnsupportedAlgorithm(ref a) if a == alg),
                "{error}"
            );
        }
    }
    assert_eq!(issuer.jwks_fetches(), 0);
}

#[tokio::test]
async fn other_rsa_algorithms_are_refused() {
    let (issuer, key, verifier) = setup().await;
    for alg in ["RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA"] {
        let header = json!({"alg": alg, "kid": key.kid()});
        let token = mint(&header, &github_claims(&issuer.url), |i| key.sign_bytes(i));
        assert!(matches!(
            refused(&verifier, &token).await,
            Error::UnsupportedAlgorithm(_)
        ));
    }
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let (issuer, key, verifier) = setup().await;
    let token = key.sign(&github_claims(&issuer.url));
    // the payload changed after signing: another repository
    let (header, rest) = token.split_once('.').expect("header");
    let (_, signature) = rest.split_once('.').expect("signature");
    let forged_claims = with(github_claims(&issuer.url), "repository", json!("evil/app"));
    let forged = format!(
        "{header}.{}.{signature}",
        b64(forged_claims.to_string().as_bytes())
    );
    let error = refused(&verifier, &forged).await;
    assert!(matches!(error, Error::BadSignature), "{error}");
    assert_eq!(error.code(), "bad_signature");
    // a different key under the published kid
    let impostor = TestKey::rsa(key.kid(), 1);
    let error = refused(&verifier, &impostor.sign(&github_claims(&issuer.url))).await;
    assert!(matches!(error, Error::BadSignature), "{error}");
    // a truncated signature
    let (signed, _) = token.rsplit_once('.').expect("signature");
    let truncated = format!(
        "{signed}.{}",
        b64(&key.sign_bytes(signed.as_bytes())[..255])
    );
    assert!(matches!(
        refused(&verifier, &truncated).await,
        Error::BadSignature
    ));
}

#[tokio::test]
async fn wrong_repository_owner_id_or_workflow_is_refused_naming_the_claim() {
    let (issuer, key, verifier) = setup().await;
    let cases = [
        ("repository", json!("octo/app2")),
        ("repository_owner_id", json!("1")),
        ("repository_id", json!("2")),
        (
            "job_workflow_ref",
            json!("octo/app/.github/workflows/ci.yml@refs/heads/main"),
        ),
        ("ref", json!("refs/heads/feature")),
        ("environment", json!("staging")),
    ];
    for (claim, value) in cases {
        let token = key.sign(&with(github_claims(&issuer.url), claim, value));
        match refused(&verifier, &token).await {
            Error::PolicyMismatch(mismatch) => assert_eq!(mismatch.claim(), claim),
            other => panic!("{claim}: {other}"),
        }
    }
}

#[tokio::test]
async fn es256_tokens_verify_and_keys_are_bound_to_their_algorithm() {
    let issuer = TestIssuer::start().await;
    let ec = TestKey::p256("ec-1");
    let rsa = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&ec, &rsa]);
    let verifier = issuer.verifier(|_| {});
    let guard = MemoryReplayGuard::new();
    verifier
        .authorize(
            &ec.sign(&github_claims(&issuer.url)),
            &github_policy(),
            &guard,
        )
        .await
        .expect("ES256 token");
    // RS256 signature presented under the EC key's kid, and the reverse
    let header = json!({"alg": "RS256", "kid": ec.kid()});
    let token = mint(&header, &github_claims(&issuer.url), |i| rsa.sign_bytes(i));
    let error = refused(&verifier, &token).await;
    assert!(
        matches!(error, Error::KeyAlgorithmMismatch { .. }),
        "{error}"
    );
    let header = json!({"alg": "ES256", "kid": rsa.kid()});
    let token = mint(&header, &github_claims(&issuer.url), |i| ec.sign_bytes(i));
    assert_eq!(
        refused(&verifier, &token).await.code(),
        "key_algorithm_mismatch"
    );
    // a DER-encoded ECDSA signature is not the JWS form
    let header = json!({"alg": "ES256", "kid": ec.kid()});
    let token = mint(&header, &github_claims(&issuer.url), |i| {
        let mut der = vec![0x30, 0x44, 0x02, 0x20];
        der.extend_from_slice(&ec.sign_bytes(i)[..32]);
        der.extend_from_slice(&[0x02, 0x20]);
        der.extend_from_slice(&ec.sign_bytes(i)[32..]);
        der
    });
    assert!(matches!(
        refused(&verifier, &token).await,
        Error::BadSignature
    ));
}

#[tokio::test]
async fn gitlab_tokens_match_gitlab_policies_of_their_issuer_only() {
    let github = TestIssuer::start().await;
    let gitlab = TestIssuer::start().await;
    let key = TestKey::p256("gl-1");
    github.publish(&[&key]);
    gitlab.publish(&[&key]);
    let verifier = Verifier::new(VerifierConfig::new(
        AUDIENCE,
        vec![github.issuer("github"), gitlab.issuer("gitlab")],
    ))
    .expect("verifier");
    let policy = TrustedPublisher::from_json(
        r#"{"provider": "gitlab", "project_path": "group/app", "project_id": "42",
            "namespace_id": "7", "ref": "main", "ref_type": "branch"}"#,
    )
    .expect("policy");
    let guard = MemoryReplayGuard::new();
    let claims = verifier
        .authorize(&key.sign(&gitlab_claims(&gitlab.url)), &policy, &guard)
        .await
        .expect("gitlab token");
    assert_eq!(claims.issuer_name(), "gitlab");
    // the same claims signed by the other configured issuer do not match the policy
    let error = verifier
        .authorize(&key.sign(&gitlab_claims(&github.url)), &policy, &guard)
        .await
        .expect_err("issuer of another name");
    assert!(
        matches!(error, Error::PolicyMismatch(ref m) if m.claim() == "iss"),
        "{error}"
    );
    let error = verifier
        .authorize(
            &key.sign(&with(gitlab_claims(&gitlab.url), "ref_type", json!("tag"))),
            &policy,
            &guard,
        )
        .await
        .expect_err("tag");
    assert!(matches!(error, Error::PolicyMismatch(ref m) if m.claim() == "ref_type"));
    assert_eq!(guard.len(), 1);
}

#[tokio::test]
async fn malformed_and_oversized_tokens_are_refused() {
    let (issuer, key, verifier) = setup().await;
    let oversized = key.sign(&with(
        github_claims(&issuer.url),
        "padding",
        json!("x".repeat(20_000)),
    ));
    let error = refused(&verifier, &oversized).await;
    assert!(matches!(error, Error::TokenTooLarge { .. }), "{error}");
    for token in ["", "abc", "a.b.c", "...", "eyJ.eyJ.", "a.b.c.d.e"] {
        assert_eq!(
            refused(&verifier, token).await.code(),
            "malformed_token",
            "{token:?}"
        );
    }
    let no_jti = key.sign(&with(github_claims(&issuer.url), "jti", Value::Null));
    assert!(matches!(
        refused(&verifier, &no_jti).await,
        Error::MissingClaim("jti")
    ));
    let no_kid = mint(&json!({"alg": "RS256"}), &github_claims(&issuer.url), |i| {
        key.sign_bytes(i)
    });
    assert_eq!(refused(&verifier, &no_kid).await.code(), "malformed_token");
}
