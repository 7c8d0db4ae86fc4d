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
