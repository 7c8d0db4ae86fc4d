//! Trusted publishing through the relay's router, with an OIDC issuer served on 127.0.0.1 and
//! keys generated in the test: the owner sets a policy with a signed request; a CI token that
//! matches it deploys; every bad token is refused with a typed error and changes nothing (no
//! new version, no token recorded).

mod common;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use webfn::server::{ApiLimits, AppState, app};
use webfn::store::Store;
use webfn_mina::PrivateKey;
use webfn_oidc::test_issuer::{
    AUDIENCE, TestIssuer, TestKey, github_claims, hs256_with_public_key, now, unsigned_token, with,
};
use webfn_oidc::{Issuer, Verifier, VerifierConfig};
use webfn_protocol::{DeployRequest, Digest, FunctionManifest, PublisherRequest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The policy matching `github_claims`, as JSON.
fn policy() -> Value {
    json!({"provider": "github", "repository": "octo/app", "repository_owner_id": "9919",
           "repository_id": "1296269", "workflow": "deploy.yml", "ref": "refs/heads/main",
           "environment": "production"})
}

/// A relay with the hello bundle uploaded, `hello` deployed (version 1) by `owner`, and an
/// issuer on 127.0.0.1 publishing one RSA key, trusted as `github`.
struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    router: axum::Router,
    issuer: TestIssuer,
    key: TestKey,
    owner: PrivateKey,
    digest: Digest,
}

impl Setup {
    async fn new() -> Result<Setup, Box<dyn std::error::Error>> {
        let issuer = TestIssuer::start().await;
        let key = TestKey::rsa("rsa-1", 0);
        issuer.publish(&[&key]);
        let verifier = issuer.verifier(|_| {});
        Setup::with_verifier(issuer, key, verifier).await
    }

    async fn with_verifier(
        issuer: TestIssuer,
        key: TestKey,
        verifier: Verifier,
    ) -> Result<Setup, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path()).await?;
        let state = AppState::new(store.clone(), ApiLimits::default(), "ws://test".into())
            .with_oidc(verifier);
        let router = app(Arc::new(state));
        let component = common::hello_component().map_err(|e| e.to_string())?;
        let (status, body) = send(
            &router,
            Request::post("/v1/bundles").body(component.into())?,
        )
        .await?;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let digest: Digest = body["digest"].as_str().unwrap_or_default().parse()?;
        let owner = PrivateKey::generate_os()?;
        let request = DeployRequest::sign(manifest(digest, 0)?, &owner, now() - 10)?;
        let (status, body) = send(&router, post_json("/v1/functions", &request)?).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        Ok(Setup {
            _dir: dir,
            store,
            router,
            issuer,
            key,
            owner,
            digest,
        })
    }

    /// Sets `policy` as hello's trusted publisher, signed by `key` at `issued_at`.
    async fn set_policy(
        &self,
        policy: Option<Value>,
        key: &PrivateKey,
        issued_at: u64,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let request = PublisherRequest::sign("hello".parse()?, policy, key, issued_at)?;
        send(
            &self.router,
            Request::put("/v1/functions/hello/publisher")
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&request)?.into())?,
        )
        .await
    }

    /// `POST /v1/functions` with `token` and an unsigned body deploying hello at `price`.
    async fn deploy_with(
        &self,
        token: &str,
        price: u64,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let body = json!({ "manifest": manifest(self.digest, price)? });
        send(
            &self.router,
            Request::post("/v1/functions")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(body.to_string().into())?,
        )
        .await
    }

    /// Hello's version and price, and how many tokens the store remembers.
    async fn state(&self) -> Result<(i64, u64, u64), Box<dyn std::error::Error>> {
        let function = self.store.function("hello").await?.ok_or("hello is gone")?;
        Ok((
            function.version,
            function.manifest.price,
            self.store.recorded_tokens().await?,
        ))
    }
}

fn manifest(digest: Digest, price: u64) -> Result<FunctionManifest, Box<dyn std::error::Error>> {
    let mut manifest = FunctionManifest::new("hello".parse()?, digest);
    manifest.price = price;
    Ok(manifest)
}

fn post_json(
    uri: &str,
    body: &impl serde::Serialize,
) -> Result<Request<Body>, Box<dyn std::error::Error>> {
    Ok(Request::post(uri)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body)?.into())?)
}

async fn send(
    router: &axum::Router,
    request: Request<Body>,
) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let body = to_bytes(response.into_body(), usize::MAX).await?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

#[tokio::test]
async fn a_matching_token_deploys_as_the_owner_once() -> TestResult {
    let setup = Setup::new().await?;
    let (status, body) = setup
        .set_policy(Some(policy()), &setup.owner, now())
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["policy"]["repository"], "octo/app");
    let (status, shown) = send(
        &setup.router,
        Request::get("/v1/functions/hello/publisher").body(Body::empty())?,
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["policy"], policy());
    assert_eq!(shown["set_by"], setup.owner.public_key().to_base58());

    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, body) = setup.deploy_with(&token, 7).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["owner"], setup.owner.public_key().to_base58());
    assert_eq!(body["manifest"]["price"], 7);
    assert_eq!(setup.state().await?, (2, 7, 1));

    // the same token again: replayed, nothing changes
    let (status, body) = setup.deploy_with(&token, 8).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthorized");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("replayed_token:"),
        "{body}"
    );
    assert_eq!(setup.state().await?, (2, 7, 1));

    // a fresh token deploys again
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, body) = setup.deploy_with(&token, 9).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(setup.state().await?, (3, 9, 2));

    // an owner's deploy signed before the token deploys cannot roll them back
    let old = DeployRequest::sign(manifest(setup.digest, 1)?, &setup.owner, now() - 5)?;
    let (status, body) = send(&setup.router, post_json("/v1/functions", &old)?).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(setup.state().await?, (3, 9, 2));
    // a new one still works
    let new = DeployRequest::sign(manifest(setup.digest, 2)?, &setup.owner, now() + 1)?;
    let (status, body) = send(&setup.router, post_json("/v1/functions", &new)?).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(setup.state().await?, (4, 2, 2));

    // used tokens are kept in the database: after a restart the token is still used
    let reopened = Store::open(setup._dir.path()).await?;
    assert_eq!(reopened.recorded_tokens().await?, 2);
    let state = AppState::new(reopened, ApiLimits::default(), "ws://test".into())
        .with_oidc(setup.issuer.verifier(|_| {}));
    let router = app(Arc::new(state));
    let body = json!({ "manifest": manifest(setup.digest, 3)? });
    let (status, answer) = send(
        &router,
        Request::post("/v1/functions")
            .header("authorization", format!("Bearer {token}"))
            .body(body.to_string().into())?,
    )
    .await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(setup.state().await?, (4, 2, 2));
    Ok(())
}

#[tokio::test]
async fn each_bad_token_is_refused_and_changes_nothing() -> TestResult {
    let setup = Setup::new().await?;
    let (status, body) = setup
        .set_policy(Some(policy()), &setup.owner, now())
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let iss = setup.issuer.url.clone();
    let good = || github_claims(&iss);
    let t = now();
    let unpublished = TestKey::rsa("rsa-unpublished", 1);
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "wrong audience",
            setup
                .key
                .sign(&with(good(), "aud", json!("https://other.example"))),
            "bad_signature",
            "wrong_audience",
        ),
        (
            "expired",
            setup.key.sign(&with(
                with(with(good(), "exp", json!(t - 3600)), "iat", json!(t - 4000)),
                "nbf",
                json!(t - 4000),
            )),
            "bad_signature",
            "expired",
        ),
        (
            "not yet valid",
            setup.key.sign(&with(good(), "nbf", json!(t + 3600))),
            "bad_signature",
            "not_yet_valid",
        ),
        (
            "wrong issuer",
            setup
                .key
                .sign(&with(good(), "iss", json!(webfn_oidc::GITHUB_ISSUER_URL))),
            "bad_signature",
            "unknown_issuer",
        ),
        (
            "unknown kid",
            unpublished.sign(&good()),
            "bad_signature",
            "unknown_key",
        ),
        (
            "alg none",
            unsigned_token("rsa-1", &good()),
            "bad_signature",
            "unsupported_algorithm",
        ),
        (
            "HS256 signed with the public key",
            hs256_with_public_key(&setup.key, &good()),
            "bad_signature",
            "unsupported_algorithm",
        ),
        (
            "signed by another key under the published kid",
            TestKey::p256("rsa-1").sign(&good()),
            "bad_signature",
            "key_algorithm_mismatch",
        ),
        (
            "wrong repository",
            setup.key.sign(&with(
                with(good(), "repository", json!("evil/app")),
                "job_workflow_ref",
                json!("evil/app/.github/workflows/deploy.yml@refs/heads/main"),
            )),
            "unauthorized",
            "policy_mismatch",
        ),
        (
            "wrong owner id",
            setup
                .key
                .sign(&with(good(), "repository_owner_id", json!("31337"))),
            "unauthorized",
            "policy_mismatch",
        ),
        (
            "wrong workflow",
            setup.key.sign(&with(
                good(),
                "job_workflow_ref",
                json!("octo/app/.github/workflows/release.yml@refs/heads/main"),
            )),
            "unauthorized",
            "policy_mismatch",
        ),
        (
            "wrong branch",
            setup
                .key
                .sign(&with(good(), "ref", json!("refs/heads/feature"))),
            "unauthorized",
            "policy_mismatch",
        ),
        (
            "garbage",
            "not.a.token".to_owned(),
            "bad_signature",
            "malformed_token",
        ),
    ];
    for (case, token, code, oidc_code) in cases {
        let (status, body) = setup.deploy_with(&token, 99).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(body["code"], code, "{case}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{oidc_code}: ")),
            "{case}: {body}"
        );
        assert!(
            !message.contains(&token),
            "{case}: the message repeats the token"
        );
        assert_eq!(setup.state().await?, (1, 0, 0), "{case} changed something");
    }
    // after all that, a good token still deploys
    let (status, body) = setup.deploy_with(&setup.key.sign(&good()), 5).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(setup.state().await?, (2, 5, 1));
    Ok(())
}

#[tokio::test]
async fn without_a_policy_or_a_function_tokens_deploy_nothing() -> TestResult {
    let setup = Setup::new().await?;
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, body) = setup.deploy_with(&token, 3).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no_publisher:"),
        "{body}"
    );
    assert_eq!(setup.state().await?, (1, 0, 0));
    let (status, body) = send(
        &setup.router,
        Request::get("/v1/functions/hello/publisher").body(Body::empty())?,
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // a function that does not exist
    let mut other = manifest(setup.digest, 0)?;
    other.name = "ghost".parse()?;
    let (status, body) = send(
        &setup.router,
        Request::post("/v1/functions")
            .header("authorization", format!("Bearer {token}"))
            .body(json!({ "manifest": other }).to_string().into())?,
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "unknown_function");

    // the signed body of an owner's deploy is not a token deploy body
    let (status, body) = send(
        &setup.router,
        Request::post("/v1/functions")
            .header("authorization", format!("Bearer {token}"))
            .body(
                serde_json::to_vec(&DeployRequest::sign(
                    manifest(setup.digest, 4)?,
                    &setup.owner,
                    now(),
                )?)?
                .into(),
            )?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // a malformed Authorization header
    let (status, _) = send(
        &setup.router,
        Request::post("/v1/functions")
            .header("authorization", "Basic b3duZXI6cHc=")
            .body(
                json!({ "manifest": manifest(setup.digest, 4)? })
                    .to_string()
                    .into(),
            )?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(setup.state().await?, (1, 0, 0));
    Ok(())
}

#[tokio::test]
async fn only_the_owner_sets_a_policy_with_a_fresh_ordered_request() -> TestResult {
    let setup = Setup::new().await?;
    let stranger = PrivateKey::generate_os()?;
    let (status, body) = setup.set_policy(Some(policy()), &stranger, now()).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{body}"
    );

    let (status, body) = setup
        .set_policy(Some(policy()), &setup.owner, now() - 3600)
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "stale: {body}");

    let mut invalid = policy();
    invalid["repository_owner_id"] = json!("not-a-number");
    let (status, body) = setup.set_policy(Some(invalid), &setup.owner, now()).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = setup
        .set_policy(Some(json!({"provider": "github", "repository": "octo/app", "repository_owner_id": "9919", "workflow": "deploy.yml", "wildcard": true})), &setup.owner, now())
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields: {body}");

    // a signature that does not verify
    let mut forged = PublisherRequest::sign("hello".parse()?, Some(policy()), &setup.owner, now())?;
    forged.policy = Some(
        json!({"provider": "github", "repository": "evil/app", "repository_owner_id": "1", "workflow": "deploy.yml"}),
    );
    let (status, body) = send(
        &setup.router,
        Request::put("/v1/functions/hello/publisher").body(serde_json::to_vec(&forged)?.into())?,
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature")),
        "{body}"
    );
    // the URL and the request must name the same function
    let request = PublisherRequest::sign("hello".parse()?, Some(policy()), &setup.owner, now())?;
    let (status, _) = send(
        &setup.router,
        Request::put("/v1/functions/other/publisher").body(serde_json::to_vec(&request)?.into())?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        setup.store.publisher("hello").await?.is_none(),
        "a refusal set a policy"
    );

    // set, then the same request again is a replay
    let t = now();
    let (status, body) = setup.set_policy(Some(policy()), &setup.owner, t).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = setup.set_policy(Some(policy()), &setup.owner, t).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "replay: {body}");

    // removal: tokens are refused again, and the request that set it cannot be replayed
    let (status, body) = setup.set_policy(None, &setup.owner, t + 1).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["policy"], Value::Null);
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, body) = setup.deploy_with(&token, 3).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = setup.set_policy(Some(policy()), &setup.owner, t).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(setup.state().await?, (1, 0, 0));
    // the function that does not exist has no publisher to set
    let request = PublisherRequest::sign("ghost".parse()?, Some(policy()), &setup.owner, now())?;
    let (status, _) = send(
        &setup.router,
        Request::put("/v1/functions/ghost/publisher").body(serde_json::to_vec(&request)?.into())?,
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_retryable_server_error() -> TestResult {
    // an issuer on a port nobody listens on
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", closed.local_addr()?);
    drop(closed);
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    let verifier = Verifier::new(VerifierConfig::new(
        AUDIENCE,
        vec![Issuer::new("github", &url)?],
    ))?;
    let setup = Setup::with_verifier(issuer, key, verifier).await?;
    let (status, body) = setup
        .set_policy(Some(policy()), &setup.owner, now())
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = setup.key.sign(&github_claims(&url));
    let (status, body) = setup.deploy_with(&token, 3).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "unavailable");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("issuer_unreachable:"),
        "{body}"
    );
    assert_eq!(setup.state().await?, (1, 0, 0));

    let (status, body) = send(&setup.router, Request::get("/v1/oidc").body(Body::empty())?).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["audience"], AUDIENCE);
    assert_eq!(body["issuers"][0]["url"], url);
    Ok(())
}

#[tokio::test]
async fn a_relay_without_a_verifier_refuses_tokens() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path()).await?;
    let router = app(Arc::new(AppState::new(
        store,
        ApiLimits::default(),
        "ws://test".into(),
    )));
    let (status, body) = send(
        &router,
        Request::post("/v1/functions")
            .header("authorization", "Bearer a.b.c")
            .body(
                json!({"manifest": manifest(Digest::of(b"x"), 0)?})
                    .to_string()
                    .into(),
            )?,
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{body}"
    );
    Ok(())
}

/// The binaries: `webfn relay --oidc-issuer`, `webfn publisher set | show`, and `webfn deploy`
/// picking up a CI token from `WEBFN_ID_TOKEN` when no key file is named.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_sets_a_publisher_and_deploys_with_a_ci_token() -> TestResult {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("rsa-1", 0);
    issuer.publish(&[&key]);
    let dir = tempfile::tempdir()?;
    let webfn = env!("CARGO_BIN_EXE_webfn");
    let mut relay = Command::new(webfn)
        .args([
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--oidc-audience",
            AUDIENCE,
        ])
        .arg("--oidc-issuer")
        .arg(format!("github={}", issuer.url))
        .arg("--data")
        .arg(dir.path().join("relay"))
        .env_remove("WEBFN_OIDC_ISSUERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(relay.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let _relay = Kill(relay);
    let http = format!(
        "http://{}",
        line.split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .ok_or("no address")?
    );
    let component = common::hello_component().map_err(|e| e.to_string())?;
    let bundle = dir.path().join("hello.wasm");
    std::fs::write(&bundle, component)?;
    let owner = dir.path().join("owner.key");
    let run = |args: &[&str], token: Option<&str>| {
        let mut command = Command::new(webfn);
        command
            .args(args)
            .env_remove("WEBFN_KEY")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL");
        match token {
            Some(token) => command.env("WEBFN_ID_TOKEN", token),
            None => command.env_remove("WEBFN_ID_TOKEN"),
        };
        command.output()
    };
    let bundle = bundle.display().to_string();
    let owner = owner.display().to_string();
    let output = run(
        &[
            "deploy", "--relay", &http, "--name", "hello", "--key", &owner, &bundle,
        ],
        None,
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let policy_file = dir.path().join("policy.json");
    std::fs::write(&policy_file, policy().to_string())?;
    let policy_file = policy_file.display().to_string();
    let output = run(
        &[
            "publisher",
            "set",
            "--relay",
            &http,
            "--function",
            "hello",
            "--policy",
            &policy_file,
            "--key",
            &owner,
        ],
        None,
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // set again at once (most likely in the same second): signed newer than the one in force
    let output = run(
        &[
            "publisher",
            "set",
            "--relay",
            &http,
            "--function",
            "hello",
            "--policy",
            &policy_file,
            "--key",
            &owner,
        ],
        None,
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(
        &["publisher", "show", "--relay", &http, "--function", "hello"],
        None,
    )?;
    assert!(String::from_utf8_lossy(&output.stdout).contains("octo/app"));

    // no --key and a token in the environment: the token deploys, version 2, same owner
    let token = key.sign(&github_claims(&issuer.url));
    let output = run(
        &[
            "deploy", "--relay", &http, "--name", "hello", "--price", "5", &bundle,
        ],
        Some(&token),
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(
        (
            answer["version"].as_i64(),
            answer["manifest"]["price"].as_i64()
        ),
        (Some(2), Some(5))
    );
    // the same token again is refused, with the verifier's code
    let output = run(
        &["deploy", "--relay", &http, "--name", "hello", &bundle],
        Some(&token),
    )?;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("replayed_token"));
    // --oidc with no token anywhere says what the job lacks
    let output = run(
        &[
            "deploy", "--oidc", "--relay", &http, "--name", "hello", &bundle,
        ],
        None,
    )?;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("id-token: write"));

    // the group kept in the repository: the owner creates it and gates hello by it, then the
    // CI job syncs the members file with its token
    let output = run(
        &[
            "group", "create", "--relay", &http, "--group", "team", "--key", &owner,
        ],
        None,
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(
        &[
            "deploy", "--relay", &http, "--name", "hello", "--key", &owner, "--group", "team",
            "--quota", "3", &bundle,
        ],
        None,
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let members = dir.path().join("members.txt");
    std::fs::write(&members, "# who may call hello\n101\n202\n")?;
    let members = members.display().to_string();
    let sync = [
        "group",
        "sync",
        "--relay",
        &http,
        "--group",
        "team",
        "--function",
        "hello",
        "--members-file",
        &members,
    ];
    let token = key.sign(&github_claims(&issuer.url));
    let output = run(&sync, Some(&token))?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let view: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(view["members"], json!(["101", "202"]));
    // without --function a token cannot say whose publisher it is
    let output = run(
        &sync[..sync.len() - 4]
            .iter()
            .chain(&["--members-file", &members])
            .copied()
            .collect::<Vec<_>>(),
        Some(&key.sign(&github_claims(&issuer.url))),
    )?;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--function"));
    Ok(())
}

#[tokio::test]
async fn a_trusted_publisher_keeps_the_access_group_of_its_function() -> TestResult {
    use webfn_protocol::{AccessPolicy, GroupChange, GroupRequest};

    let setup = Setup::new().await?;
    let create = GroupRequest::sign("team".parse()?, GroupChange::Create, &setup.owner, now())?;
    let (status, body) = send(&setup.router, post_json("/v1/groups", &create)?).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sync = |members: Vec<&str>, function: &str| json!({"group": "team", "function": function, "change": {"action": "set", "members": members}});
    let post_token = |token: String, body: Value| {
        Request::post("/v1/groups")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
    };
    let members = |view: &Value| view["members"].clone();

    // hello is not gated by the group yet: its publisher may not touch it
    setup
        .set_policy(Some(policy()), &setup.owner, now())
        .await?;
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, body) = send(&setup.router, post_token(token, sync(vec!["11"], "hello"))?).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        setup.store.recorded_tokens().await?,
        0,
        "refused before the token is spent"
    );

    // gate hello by the group: now its trusted publisher syncs it
    let mut gated = manifest(setup.digest, 0)?;
    gated.access = AccessPolicy::Group {
        group: "team".parse()?,
        quota: 1,
        epoch_secs: 3600,
    };
    let deploy = DeployRequest::sign(gated, &setup.owner, now() + 1)?;
    let (status, body) = send(&setup.router, post_json("/v1/functions", &deploy)?).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, view) = send(
        &setup.router,
        post_token(token.clone(), sync(vec!["11", "22"], "hello"))?,
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(members(&view), json!(["11", "22"]));
    // the token once only
    let (status, _) = send(&setup.router, post_token(token, sync(vec!["33"], "hello"))?).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // a token of another repository is refused, and changes nothing
    let other = with(
        github_claims(&setup.issuer.url),
        "repository",
        json!("evil/app"),
    );
    let (status, body) = send(
        &setup.router,
        post_token(setup.key.sign(&other), sync(vec![], "hello"))?,
    )
    .await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // a new member list: 11 goes (its leaf becomes 0), 33 comes
    let token = setup.key.sign(&github_claims(&setup.issuer.url));
    let (status, view) = send(
        &setup.router,
        post_token(token, sync(vec!["22", "33"], "hello"))?,
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(members(&view), json!(["0", "22", "33"]));
    // the owner's request signed before the token's change cannot undo it
    let stale = GroupRequest::sign(
        "team".parse()?,
        GroupChange::Add {
            members: vec!["44".into()],
        },
        &setup.owner,
        now() - 5,
    )?;
    let (status, body) = send(&setup.router, post_json("/v1/groups", &stale)?).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    Ok(())
}
