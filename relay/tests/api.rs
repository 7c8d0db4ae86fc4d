//! The relay's HTTP API through its router: upload, deploy, list, fetch, refusals, metrics.

mod common;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use webfn::server::{ApiLimits, AppState, app};
use webfn::store::Store;
use webfn_mina::PrivateKey;
use webfn_protocol::{DeployRequest, Digest, FunctionManifest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn send(
    router: &axum::Router,
    request: Request<Body>,
) -> Result<(StatusCode, Vec<u8>), Box<dyn std::error::Error>> {
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let body = to_bytes(response.into_body(), usize::MAX).await?;
    Ok((status, body.to_vec()))
}

fn post(uri: &str, body: impl Into<Body>) -> Result<Request<Body>, http::Error> {
    Request::post(uri).body(body.into())
}

fn get(uri: &str) -> Result<Request<Body>, http::Error> {
    Request::get(uri).body(Body::empty())
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn router(
    dir: &std::path::Path,
    limits: ApiLimits,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let store = Store::open(dir).await?;
    Ok(app(Arc::new(AppState::new(
        store,
        limits,
        "ws://test".into(),
    ))))
}

#[tokio::test]
async fn upload_deploy_and_inspect() -> TestResult {
    let dir = tempfile::tempdir()?;
    let router = router(dir.path(), ApiLimits::default()).await?;
    let component = common::hello_component().map_err(|e| e.to_string())?;

    let (status, body) = send(&router, post("/v1/bundles", component.clone())?).await?;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let digest: Digest = json(&body)["digest"].as_str().unwrap_or_default().parse()?;
    assert_eq!(digest, Digest::of(&component));

    let (status, body) = send(&router, get(&format!("/v1/bundles/{digest}"))?).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, component);

    let owner = PrivateKey::generate_os()?;
    let request = DeployRequest::sign(
        FunctionManifest::new("hello".parse()?, digest),
        &owner,
        now(),
    )?;
    let (status, body) = send(
        &router,
        post("/v1/functions", serde_json::to_vec(&request)?)?,
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["version"], 1);

    let (status, body) = send(&router, get("/v1/functions/hello")?).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["owner"], owner.public_key().to_base58());
    assert_eq!(json(&body)["manifest"]["digest"], digest.to_string());
    let (_, body) = send(&router, get("/v1/functions")?).await?;
    assert_eq!(json(&body).as_array().map(Vec::len), Some(1));

    let (status, body) = send(&router, get("/healthz")?).await?;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"ok".as_slice())
    );
    let (_, body) = send(&router, get("/metrics")?).await?;
    let text = String::from_utf8(body)?;
    assert!(text.contains("webfn_bundles_uploaded_total 1"), "{text}");
    assert!(text.contains("webfn_deploys_total 1"), "{text}");
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_typed_errors_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let limits = ApiLimits {
        bundle_bytes: 64 << 10,
        ..ApiLimits::default()
    };
    let router = router(dir.path(), limits).await?;

    let expect = |status: StatusCode, body: &[u8], code: &str, expected: StatusCode| {
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(body));
        assert_eq!(
            json(body)["code"],
            code,
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(
            json(body)["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    };
    // not a component
    let (status, body) = send(&router, post("/v1/bundles", b"\0asm\x01\0\0\0".to_vec())?).await?;
    expect(status, &body, "invalid_bundle", StatusCode::BAD_REQUEST);
    let (status, body) = send(&router, post("/v1/bundles", b"garbage".to_vec())?).await?;
    expect(status, &body, "invalid_bundle", StatusCode::BAD_REQUEST);
    // over the size limit
    let (status, body) = send(&router, post("/v1/bundles", vec![0u8; 100 << 10])?).await?;
    expect(status, &body, "too_large", StatusCode::PAYLOAD_TOO_LARGE);
    // a malformed digest and an unknown one
    let (status, body) = send(&router, get("/v1/bundles/sha256:zz")?).await?;
    expect(status, &body, "bad_request", StatusCode::BAD_REQUEST);
    let (status, body) = send(&router, get(&format!("/v1/bundles/{}", Digest::of(b"x")))?).await?;
    expect(status, &body, "unknown_function", StatusCode::NOT_FOUND);
    // deploys: malformed JSON, a missing bundle, a bad signature
    let (status, body) = send(&router, post("/v1/functions", "{not json")?).await?;
    expect(status, &body, "bad_request", StatusCode::BAD_REQUEST);
    let owner = PrivateKey::generate_os()?;
    let missing = DeployRequest::sign(
        FunctionManifest::new("hello".parse()?, Digest::of(b"nope")),
        &owner,
        now(),
    )?;
    let (status, body) = send(
        &router,
        post("/v1/functions", serde_json::to_vec(&missing)?)?,
    )
    .await?;
    expect(status, &body, "bad_request", StatusCode::BAD_REQUEST);
    let mut forged = missing.clone();
    forged.owner = PrivateKey::generate_os()?.public_key().to_base58();
    let (status, body) = send(
        &router,
        post("/v1/functions", serde_json::to_vec(&forged)?)?,
    )
    .await?;
    expect(status, &body, "bad_signature", StatusCode::UNAUTHORIZED);
    let (status, body) = send(&router, get("/v1/functions/nope")?).await?;
    expect(status, &body, "unknown_function", StatusCode::NOT_FOUND);

    // nothing was stored
    let (_, body) = send(&router, get("/v1/functions")?).await?;
    assert_eq!(json(&body), serde_json::json!([]));
    let (_, body) = send(&router, get("/metrics")?).await?;
    let text = String::from_utf8(body)?;
    assert!(
        text.contains("webfn_bundles_uploaded_total 0")
            && text.contains("webfn_bundles_refused_total 3"),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn gated_routes_refuse_bad_input_with_typed_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let router = router(dir.path(), ApiLimits::default()).await?;
    let expect = |(status, body): (StatusCode, Vec<u8>), code: &str, expected: StatusCode| {
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
        assert_eq!(
            json(&body)["code"],
            code,
            "{}",
            String::from_utf8_lossy(&body)
        );
    };
    for route in ["/v1/groups", "/v1/quotes", "/v1/calls", "/v1/ledger/query"] {
        expect(
            send(&router, post(route, "{not json")?).await?,
            "bad_request",
            StatusCode::BAD_REQUEST,
        );
        expect(
            send(&router, post(route, "[]")?).await?,
            "bad_request",
            StatusCode::BAD_REQUEST,
        );
        expect(
            send(&router, post(route, vec![b'x'; 64 << 20])?).await?,
            "too_large",
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    // a group that does not exist, a bad group id, a far offset
    expect(
        send(&router, get("/v1/groups/nobody")?).await?,
        "not_found",
        StatusCode::NOT_FOUND,
    );
    expect(
        send(&router, get("/v1/groups/No_Such")?).await?,
        "bad_request",
        StatusCode::BAD_REQUEST,
    );
    let owner = PrivateKey::generate_os()?;
    let create = webfn_protocol::GroupRequest::sign(
        "team".parse()?,
        webfn_protocol::GroupChange::Create,
        &owner,
        now(),
    )?;
    let (status, _) = send(&router, post("/v1/groups", serde_json::to_vec(&create)?)?).await?;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(&router, get("/v1/groups/team?offset=18446744073709551615")?).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["members"], serde_json::json!([]));
    // members that are not field elements, zero, or too many
    for members in [
        vec!["x".to_owned()],
        vec!["0".to_owned()],
        vec!["1".to_owned(); 2],
        (0..10_001).map(|i| (i + 1).to_string()).collect(),
    ] {
        let add = webfn_protocol::GroupRequest::sign(
            "team".parse()?,
            webfn_protocol::GroupChange::Add { members },
            &owner,
            now() + 1,
        )?;
        expect(
            send(&router, post("/v1/groups", serde_json::to_vec(&add)?)?).await?,
            "bad_request",
            StatusCode::BAD_REQUEST,
        );
    }
    // a quote for an unknown function, for an open one; a call without a quote
    expect(
        send(&router, post("/v1/quotes", r#"{"function": "nope"}"#)?).await?,
        "unknown_function",
        StatusCode::NOT_FOUND,
    );
    let call = serde_json::json!({"job_id": "abc", "function": "nope", "request": {"method": "GET", "path": "/"}});
    expect(
        send(&router, post("/v1/calls", call.to_string())?).await?,
        "quote_expired",
        StatusCode::GONE,
    );
    // a proof that is not a proof
    let call = serde_json::json!({"job_id": "abc", "function": "nope", "request": {"method": "GET", "path": "/"},
        "credential": {"epoch": 1, "slot": 0, "proof": {"proof": "00", "publicInputs": {"root": "1", "nullifier": "2", "message": "3", "scope": "4"}}}});
    expect(
        send(&router, post("/v1/calls", call.to_string())?).await?,
        "bad_request",
        StatusCode::BAD_REQUEST,
    );
    // the ledger: a stale query, and the admin route on a relay without an admin
    let stale = webfn_protocol::LedgerQuery::sign(&owner, now() - 10_000)?;
    expect(
        send(
            &router,
            post("/v1/ledger/query", serde_json::to_vec(&stale)?)?,
        )
        .await?,
        "bad_request",
        StatusCode::BAD_REQUEST,
    );
    expect(
        send(&router, get("/v1/ledger")?).await?,
        "unauthorized",
        StatusCode::UNAUTHORIZED,
    );
    // no credential keys on this relay
    expect(
        send(&router, get("/v1/zk/verifying-key")?).await?,
        "not_found",
        StatusCode::NOT_FOUND,
    );
    Ok(())
}
