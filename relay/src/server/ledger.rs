//! The payment ledger and the credential keys: a payer or provider reads its own payments
//! with a signed query (`POST /v1/ledger/query`), the admin reads all of them with its token
//! (`GET /v1/ledger`, `Authorization: Bearer …`), and anyone fetches the Groth16 keys the
//! relay verifies with (`GET /v1/zk`, `/v1/zk/verifying-key`, `/v1/zk/proving-key`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use webfn_protocol::{ErrorCode, LedgerQuery, PaymentView};

use super::{AppError, AppState, api, now};

/// The admin's bearer token, kept as its SHA-256 and compared in constant time.
#[derive(Clone)]
pub struct AdminToken([u8; 32]);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(…)")
    }
}

/// Shortest admin token accepted, characters.
pub const MIN_ADMIN_TOKEN: usize = 16;

impl AdminToken {
    /// The token `text` (surrounding whitespace removed); at least [`MIN_ADMIN_TOKEN`]
    /// characters.
    pub fn new(text: &str) -> Option<AdminToken> {
        let text = text.trim();
        (text.len() >= MIN_ADMIN_TOKEN).then(|| AdminToken(Sha256::digest(text.as_bytes()).into()))
    }

    /// Whether `presented` is the token (constant time in the token's value).
    pub fn matches(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        digest.ct_eq(&self.0).into()
    }
}

/// Payments, as both ledger routes answer.
#[derive(Debug, Serialize)]
pub(super) struct Payments {
    payments: Vec<PaymentView>,
}

/// `POST /v1/ledger/query`: the payments the signing account paid or received.
pub(super) async fn query(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Payments>, AppError> {
    let bytes = api::body(body, state.limits.json_bytes)?;
    let query: LedgerQuery = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("invalid ledger query: {e}")))?;
    let now = now();
    if query.issued_at.abs_diff(now) > state.limits.deploy_skew_secs {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!(
                "the query was issued at {}, more than {} s from the relay's clock ({now})",
                query.issued_at, state.limits.deploy_skew_secs
            ),
        ));
    }
    if !query.verify() {
        return Err(AppError::new(
            ErrorCode::BadSignature,
            format!(
                "the query's signature does not verify for {}",
                query.account
            ),
        ));
    }
    let payments = state
        .store
        .payments(Some(&query.account), crate::store::MAX_PAYMENT_LISTING)
        .await?;
    Ok(Json(Payments { payments }))
}

/// How many payments to list.
#[derive(Debug, Deserialize)]
pub(super) struct Listing {
    limit: Option<u32>,
}

/// `GET /v1/ledger?limit=N`: every payment, newest first, for the admin.
pub(super) async fn all(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(listing): Query<Listing>,
) -> Result<Json<Payments>, AppError> {
    let Some(token) = &state.admin else {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "this relay has no admin token (webfn relay --admin-token-file FILE)",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if !presented.is_some_and(|presented| token.matches(presented)) {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "the ledger needs the admin's token (Authorization: Bearer …)",
        ));
    }
    let limit = listing.limit.unwrap_or(100);
    let payments = state.store.payments(None, limit).await?;
    Ok(Json(Payments { payments }))
}

/// `GET /v1/zk`: the digests of the keys the relay verifies credential proofs with.
pub(super) async fn keys(
    State(state): State<Arc<AppState>>,
) -> Result<impl IntoResponse, AppError> {
    let keys = zk(&state)?;
    Ok(Json(serde_json::json!({
        "provingKey": keys.proving_digest.to_string(),
        "provingKeyBytes": keys.proving_bytes.len(),
        "verifyingKey": keys.verifying_digest.to_string(),
        "verifyingKeyBytes": keys.verifying_bytes.len(),
    })))
}

/// `GET /v1/zk/verifying-key`.
pub(super) async fn verifying_key(
    State(state): State<Arc<AppState>>,
) -> Result<impl IntoResponse, AppError> {
    let keys = zk(&state)?;
    Ok(key_response(
        &keys.verifying_bytes,
        &keys.verifying_digest.to_string(),
    ))
}

/// `GET /v1/zk/proving-key`.
pub(super) async fn proving_key(
    State(state): State<Arc<AppState>>,
) -> Result<impl IntoResponse, AppError> {
    let keys = zk(&state)?;
    Ok(key_response(
        &keys.proving_bytes,
        &keys.proving_digest.to_string(),
    ))
}

fn zk(state: &AppState) -> Result<Arc<crate::zk_keys::ZkKeys>, AppError> {
    state.gate.zk.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "this relay has no credential keys (webfn relay --zk-keys DIR)",
        )
    })
}

fn key_response(bytes: &[u8], digest: &str) -> impl IntoResponse + use<> {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::ETAG, format!("\"{digest}\"")),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
        bytes.to_vec(),
    )
}
