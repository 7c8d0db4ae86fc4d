//! Trusted publishing over HTTP: the owner sets a function's trusted-publisher policy with a
//! signed request, and a CI job deploys with its OIDC ID token instead of the owner's
//! signature (`POST /v1/functions` with `Authorization: Bearer …`).
//!
//! A token deploy is checked in this order, and nothing changes until every check passed:
//! the body (a [`TokenDeployRequest`]) and its manifest; the function exists and has a
//! trusted publisher; the bundle is stored; then [`webfn_oidc::Verifier::authorize`] verifies
//! the token, matches it against the policy and — last — records its `jti` in the store.
//! Only then is the deploy applied, for the function's owner.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use webfn_oidc::TrustedPublisher;
use webfn_protocol::{ErrorCode, PublisherRequest, TokenDeployRequest};

use super::api::{self, FunctionView};
use super::{AppError, AppState, Metrics, now};
use crate::store::{PublisherError, PublisherRecord, StoreError};

/// A token refused by the verifier: `bad_signature` (401) for a token that is not genuine or
/// not valid now, `unauthorized` (401) for a genuine token that may not act for the function
/// (policy, replay), `too_large` for an oversized token, `unavailable` (503) when the issuer
/// or the relay's store failed. The message starts with `webfn-oidc`'s own code
/// (`wrong_audience: …`).
impl From<webfn_oidc::Error> for AppError {
    fn from(error: webfn_oidc::Error) -> AppError {
        use webfn_oidc::Error as E;
        let code = match &error {
            _ if error.is_server_side() => ErrorCode::Unavailable,
            E::TokenTooLarge { .. } => ErrorCode::TooLarge,
            E::PolicyMismatch(_) | E::ReplayedToken { .. } => ErrorCode::Unauthorized,
            _ => ErrorCode::BadSignature,
        };
        if error.is_server_side() {
            eprintln!("relay: oidc verification failed on the server side: {error}");
        }
        AppError::new(code, format!("{}: {error}", error.code()))
    }
}

/// A function's trusted publisher as the API shows it.
#[derive(Debug, Serialize)]
pub(super) struct PublisherView {
    function: String,
    policy: TrustedPublisher,
    set_by: String,
    issued_at: i64,
    set_at: i64,
}

impl From<PublisherRecord> for PublisherView {
    fn from(record: PublisherRecord) -> PublisherView {
        PublisherView {
            function: record.function,
            policy: record.policy,
            set_by: record.set_by,
            issued_at: record.issued_at,
            set_at: record.set_at,
        }
    }
}

/// The bearer token of the request, if it has an `Authorization` header.
pub(super) fn bearer(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    });
    match value {
        Some(token) if !token.is_empty() => Ok(Some(token)),
        _ => Err(AppError::new(
            ErrorCode::BadRequest,
            "the Authorization header must be `Bearer <OIDC ID token>`",
        )),
    }
}

/// `POST /v1/functions`: a deploy signed by the owner (see [`api::deploy`]), or, with
/// `Authorization: Bearer <token>`, a deploy by the function's trusted publisher.
pub(super) async fn deploy(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<FunctionView>), AppError> {
    let token = match bearer(&headers) {
        Ok(Some(token)) => token.to_owned(),
        Ok(None) => return api::deploy(State(state), body).await,
        Err(error) => {
            Metrics::add(&state.metrics.deploys_refused);
            return Err(error);
        }
    };
    match deploy_with_token(&state, &token, body).await {
        Ok(view) => {
            Metrics::add(&state.metrics.deploys);
            Ok((StatusCode::OK, Json(view)))
        }
        Err(error) => {
            Metrics::add(&state.metrics.deploys_refused);
            Err(error)
        }
    }
}

async fn deploy_with_token(
    state: &AppState,
    token: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<FunctionView, AppError> {
    let Some(verifier) = &state.oidc else {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "this relay does not accept OIDC tokens (it runs without a verifier)",
        ));
    };
    let bytes = api::body(body, state.limits.json_bytes)?;
    let request: TokenDeployRequest = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::new(
            ErrorCode::BadRequest,
            format!("invalid token deploy request (expected {{\"manifest\": …}}): {e}"),
        )
    })?;
    let manifest = request.manifest;
    manifest.validate()?;
    let name = manifest.name.as_str();
    if state.store.function(name).await?.is_none() {
        return Err(StoreError::from(PublisherError::UnknownFunction(name.to_owned())).into());
    }
    let publisher = state
        .store
        .publisher(name)
        .await?
        .ok_or_else(|| StoreError::from(PublisherError::NoPublisher(name.to_owned())))?;
    if !state.store.has_bundle(&manifest.digest).await? {
        return Err(StoreError::MissingBundle(manifest.digest.to_string()).into());
    }
    if let webfn_protocol::AccessPolicy::Group { group, .. } = &manifest.access
        && !state.store.has_group(group).await?
    {
        return Err(StoreError::MissingGroup(group.to_string()).into());
    }
    let claims = verifier
        .authorize(token, &publisher.policy, &state.store)
        .await?;
    let record = state.store.deploy_by_publisher(&manifest, now()).await?;
    eprintln!(
        "relay: {name} version {} deployed by its trusted publisher ({} {})",
        record.version,
        claims.issuer_name(),
        claims.subject().unwrap_or("-"),
    );
    Ok(record.into())
}

/// `PUT /v1/functions/{name}/publisher`: the owner's signed [`PublisherRequest`].
pub(super) async fn set_publisher(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let bytes = api::body(body, state.limits.json_bytes)?;
    let request: PublisherRequest = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::new(
            ErrorCode::BadRequest,
            format!("invalid publisher request: {e}"),
        )
    })?;
    if request.function.as_str() != name {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!(
                "the request is for function {}, the URL names {name:?}",
                request.function
            ),
        ));
    }
    let record = state
        .store
        .set_publisher(&request, now(), state.limits.deploy_skew_secs)
        .await?;
    let answer = match record {
        Some(record) => serde_json::to_value(PublisherView::from(record)),
        None => Ok(serde_json::json!({ "function": name, "policy": null })),
    }
    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok((StatusCode::OK, Json(answer)))
}

/// `GET /v1/functions/{name}/publisher`.
pub(super) async fn get_publisher(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<PublisherView>, AppError> {
    if state.store.function(&name).await?.is_none() {
        return Err(AppError::new(
            ErrorCode::UnknownFunction,
            format!("no function {name:?}"),
        ));
    }
    let record = state.store.publisher(&name).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("function {name} has no trusted publisher"),
        )
    })?;
    Ok(Json(record.into()))
}

/// `GET /v1/oidc`: the relay's audience and trusted issuers, for people writing CI
/// configuration (the CLI never takes its audience from here: see `docs/ci.md`).
pub(super) async fn oidc_config(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(match &state.oidc {
        Some(verifier) => serde_json::json!({
            "enabled": true,
            "audience": verifier.audience(),
            "issuers": verifier
                .issuers()
                .map(|i| serde_json::json!({"name": i.name(), "url": i.url()}))
                .collect::<Vec<_>>(),
        }),
        None => serde_json::json!({ "enabled": false }),
    })
}
