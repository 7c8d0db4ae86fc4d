//! Access groups: `POST /v1/groups` applies an owner's signed request (create, add, remove);
//! `GET /v1/groups/{id}` shows anyone the members in leaf order, the current root and the
//! window of recent roots, from which a caller builds its Merkle path.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use webfn_protocol::{ErrorCode, GroupId, GroupRequest, GroupView};

use super::{AppError, AppState, api, now};
use crate::store::MAX_MEMBER_LISTING;

/// `POST /v1/groups`: answers the group's first page after the change.
pub(super) async fn change(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<GroupView>, AppError> {
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
