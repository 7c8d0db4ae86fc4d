//! Picking up a CI job's ID token: GitHub's token request endpoint served on 127.0.0.1 (it
//! mints real tokens with the test issuer's key), and GitLab's `id_tokens` variable.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{AUDIENCE, TestIssuer, TestKey, github_claims, github_policy, with};
use serde_json::json;
use tokio::net::TcpListener;
use webfn_oidc::{
    CiEnvironment, CiTokenSource, DEFAULT_ID_TOKEN_VARIABLE, Error, FetchLimits,
    GITHUB_REQUEST_TOKEN_VARIABLE, GITHUB_REQUEST_URL_VARIABLE, MemoryReplayGuard,
};

const REQUEST_TOKEN: &str = "runner-request-token";

/// A stand-in for GitHub's token service: checks the bearer token, mints an ID token for the
/// requested audience with the issuer's key, and remembers the queries it got.
struct TokenService {
    issuer_url: String,
    key: TestKey,
    queries: Mutex<Vec<BTreeMap<String, String>>>,
}

async fn token_endpoint(
    State(service): State<Arc<TokenService>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    service.queries.lock().expect("lock").push(query.clone());
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {REQUEST_TOKEN}"));
    if !authorized {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(audience) = query.get("audience") else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let claims = with(github_claims(&service.issuer_url), "aud", json!(audience));
    axum::Json(json!({"count": 1, "value": service.key.sign(&claims)})).into_response()
}

/// The token service on 127.0.0.1; returns its request URL (with a query, as GitHub's has).
async fn start_token_service(service: Arc<TokenService>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/_apis/token?api-version=2.0",
        listener.local_addr().expect("addr")
    );
    let app = Router::new()
        .route("/_apis/token", get(token_endpoint))
        .with_state(service);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn environment(pairs: &[(&str, &str)]) -> CiEnvironment {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    CiEnvironment::from_lookup(DEFAULT_ID_TOKEN_VARIABLE, |name| map.get(name).cloned())
}

#[tokio::test]
async fn a_github_job_requests_a_token_that_the_relay_accepts() {
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&key]);
    let service = Arc::new(TokenService {
        issuer_url: issuer.url.clone(),
        key: TestKey::rsa("rsa-1", 0),
        queries: Mutex::new(Vec::new()),
    });
    let request_url = start_token_service(service.clone()).await;
    let ci = environment(&[
        (GITHUB_REQUEST_URL_VARIABLE, &request_url),
        (GITHUB_REQUEST_TOKEN_VARIABLE, REQUEST_TOKEN),
    ]);
    assert_eq!(ci.source(), Some(CiTokenSource::GithubActions));

    let token = ci
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect("token from the runner");
    let queries = service.queries.lock().expect("lock").clone();
    assert_eq!(queries.len(), 1);
    assert_eq!(
        queries[0].get("audience").map(String::as_str),
        Some(AUDIENCE)
    );
    assert_eq!(
        queries[0].get("api-version").map(String::as_str),
        Some("2.0")
    );

    let verifier = issuer.verifier(|_| {});
    let guard = MemoryReplayGuard::new();
    let claims = verifier
        .authorize(&token, &github_policy(), &guard)
        .await
        .expect("the relay accepts the job's token");
    assert_eq!(claims.get_str("aud"), Some(AUDIENCE));
}

#[tokio::test]
async fn a_rejected_github_request_is_a_typed_error() {
    let service = Arc::new(TokenService {
        issuer_url: "http://127.0.0.1:1".to_owned(),
        key: TestKey::p256("ec"),
        queries: Mutex::new(Vec::new()),
    });
    let request_url = start_token_service(service).await;
    let wrong_token = environment(&[
        (GITHUB_REQUEST_URL_VARIABLE, &request_url),
        (GITHUB_REQUEST_TOKEN_VARIABLE, "stolen"),
    ]);
    let error = wrong_token
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect_err("401");
    assert_eq!(error.code(), "ci_token_request_failed");
    assert!(error.to_string().contains("401"), "{error}");

    let no_token = environment(&[(GITHUB_REQUEST_URL_VARIABLE, &request_url)]);
    let error = no_token
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect_err("request token missing");
    assert!(
        error.to_string().contains(GITHUB_REQUEST_TOKEN_VARIABLE),
        "{error}"
    );
}

#[tokio::test]
async fn a_github_endpoint_that_is_down_is_a_typed_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    drop(listener);
    let ci = environment(&[
        (GITHUB_REQUEST_URL_VARIABLE, &url),
        (GITHUB_REQUEST_TOKEN_VARIABLE, REQUEST_TOKEN),
    ]);
    let error = ci
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect_err("nobody listens");
    assert_eq!(error.code(), "ci_token_request_failed");
}

#[tokio::test]
async fn a_gitlab_job_reads_its_id_tokens_variable() {
    let ci = environment(&[(DEFAULT_ID_TOKEN_VARIABLE, " header.payload.signature\n")]);
    assert_eq!(
        ci.source(),
        Some(CiTokenSource::Variable(
            DEFAULT_ID_TOKEN_VARIABLE.to_owned()
        ))
    );
    let token = ci
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect("variable");
    assert_eq!(token, "header.payload.signature");

    let custom = CiEnvironment::from_lookup("DEPLOY_TOKEN", |name| {
        (name == "DEPLOY_TOKEN").then(|| "a.b.c".to_owned())
    });
    assert_eq!(
        custom
            .id_token(AUDIENCE, FetchLimits::default())
            .await
            .expect("custom"),
        "a.b.c"
    );
}

#[tokio::test]
async fn no_token_in_the_environment_says_how_to_get_one() {
    let error = environment(&[])
        .id_token(AUDIENCE, FetchLimits::default())
        .await
        .expect_err("nothing");
    assert!(matches!(error, Error::NoCiToken { .. }));
    assert_eq!(error.code(), "no_ci_token");
    let message = error.to_string();
    assert!(message.contains("id-token: write"), "{message}");
    assert!(message.contains(DEFAULT_ID_TOKEN_VARIABLE), "{message}");
}
