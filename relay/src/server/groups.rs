//! Access groups: `POST /v1/groups` applies an owner's signed request (create, add, remove,
//! set), or — with `Authorization: Bearer <OIDC token>` — a [`TokenGroupRequest`] of a
//! function's trusted publisher (a CI job keeping the group in a repository); `GET
//! /v1/groups/{id}` shows anyone the members in leaf order, the current root and the window
//! of recent roots, from which a caller builds its Merkle path.
//!
//! A token change is checked in this order, nothing changing until every check passed: the
//! body; the function exists, is gated by the group, and has a trusted publisher; the token
//! (signature, claims, policy, then its `jti` recorded); then the change, for the group's
//! owner, who must also own the function.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use webfn_protocol::{
    AccessPolicy, ErrorCode, GroupId, GroupRequest, GroupView, TokenGroupRequest,
};

use super::{AppError, AppState, api, now, publishing};
use crate::store::MAX_MEMBER_LISTING;

/// `POST /v1/groups`: answers the group's first page after the change.
pub(super) async fn change(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<GroupView>, AppError> {
    if let Some(token) = publishing::bearer(&headers)? {
        return change_with_token(&state, token, body).await.map(Json);
    }
    let bytes = api::body(body, state.limits.json_bytes)?;
    let request: GroupRequest = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("invalid group request: {e}")))?;
    let view = state
        .store
        .apply_group(
            &request,
            now(),
            state.limits.deploy_skew_secs,
            state.gate.root_window,
        )
        .await?;
    Ok(Json(view))
}

async fn change_with_token(
    state: &AppState,
    token: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<GroupView, AppError> {
    let Some(verifier) = &state.oidc else {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "this relay does not accept OIDC tokens (it runs without a verifier)",
        ));
    };
    let bytes = api::body(body, state.limits.json_bytes)?;
    let request: TokenGroupRequest = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::new(
            ErrorCode::BadRequest,
            format!("invalid token group request (expected {{\"group\", \"function\", \"change\"}}): {e}"),
        )
    })?;
    request.change.validate()?;
    let name = request.function.as_str();
    let function = state.store.function(name).await?.ok_or_else(|| {
        AppError::new(ErrorCode::UnknownFunction, format!("no function {name:?}"))
    })?;
    let gated_by_group = matches!(
        &function.manifest.access,
        AccessPolicy::Group { group, .. } if *group == request.group
    );
    if !gated_by_group {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            format!(
                "{name} is not gated by group {}: its trusted publisher cannot change that group",
                request.group
            ),
        ));
    }
    let publisher = state.store.publisher(name).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::Unauthorized,
            format!("{name} has no trusted publisher (webfn publisher set)"),
        )
    })?;
    let claims = verifier
        .authorize(token, &publisher.policy, &state.store)
        .await?;
    let view = state
        .store
        .apply_group_by_publisher(
            &request.group,
            &function.owner,
            &request.change,
            now(),
            state.gate.root_window,
        )
        .await?;
    eprintln!(
        "relay: group {} changed by the trusted publisher of {name} ({} {})",
        request.group,
        claims.issuer_name(),
        claims.subject().unwrap_or("-"),
    );
    Ok(view)
}

/// Which members to list.
#[derive(Debug, Deserialize)]
pub(super) struct Page {
    #[serde(default)]
    offset: u64,
    limit: Option<u64>,
}

/// `GET /v1/groups/{id}?offset=N&limit=N`.
pub(super) async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<GroupView>, AppError> {
    let group: GroupId = id.parse()?;
    let limit = page.limit.unwrap_or(MAX_MEMBER_LISTING);
    state
        .store
        .group(&group, page.offset, limit, state.gate.root_window)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("no group {group}")))
}
