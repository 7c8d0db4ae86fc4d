//! Handlers of the HTTP API.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use webfn_protocol::{DeployRequest, Digest, ErrorCode, FunctionManifest};

use super::{AppError, AppState, Metrics, now};
use crate::engine;
use crate::store::{FunctionRecord, JobRecord, ProviderRecord};

/// A function as the API shows it.
#[derive(Debug, Serialize)]
pub struct FunctionView {
    name: String,
    owner: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    /// `issued_at` of the deploy in force: a new signed deploy must be newer.
    issued_at: i64,
    manifest: FunctionManifest,
}

impl From<FunctionRecord> for FunctionView {
    fn from(record: FunctionRecord) -> FunctionView {
        FunctionView {
            name: record.manifest.name.to_string(),
            owner: record.owner,
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
            issued_at: record.issued_at,
            manifest: record.manifest,
        }
    }
}

/// A provider as the API shows it.
#[derive(Debug, Serialize)]
pub struct ProviderView {
    public_key: String,
    capacity: i64,
    price: i64,
    region: Option<String>,
    engine: String,
    last_seen: i64,
    jobs_ok: i64,
    jobs_failed: i64,
}

impl From<ProviderRecord> for ProviderView {
    fn from(p: ProviderRecord) -> ProviderView {
        ProviderView {
            public_key: p.public_key,
            capacity: p.capacity,
            price: p.price,
            region: p.region,
            engine: p.engine,
            last_seen: p.last_seen,
            jobs_ok: p.jobs_ok,
            jobs_failed: p.jobs_failed,
        }
    }
}

pub(super) fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, AppError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                ErrorCode::TooLarge,
                format!("the body exceeds the limit of {limit} bytes"),
            )
        } else {
            AppError::new(
                ErrorCode::BadRequest,
                format!("cannot read the body: {rejection}"),
            )
        }
    })
}

#[derive(Debug, Serialize)]
pub(super) struct Uploaded {
    digest: Digest,
    size: usize,
}

/// `POST /v1/bundles`.
pub(super) async fn upload_bundle(
    State(state): State<Arc<AppState>>,
    upload: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Uploaded>), AppError> {
    let limit = state.limits.bundle_bytes;
    let result = async {
        let bytes = body(upload, limit)?;
        let info = engine::validate(&bytes, limit)?;
        let digest = state.store.put_bundle(&bytes, now()).await?;
        Ok::<_, AppError>(Uploaded {
            digest,
            size: info.size,
        })
    }
    .await;
    match result {
        Ok(uploaded) => {
            Metrics::add(&state.metrics.bundles_uploaded);
            Ok((StatusCode::CREATED, Json(uploaded)))
        }
        Err(error) => {
            Metrics::add(&state.metrics.bundles_refused);
            Err(error)
        }
    }
}

/// `GET /v1/bundles/{digest}`.
pub(super) async fn get_bundle(
    State(state): State<Arc<AppState>>,
    Path(digest): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let digest: Digest = digest.parse()?;
    let bytes = state
        .store
        .bundle(&digest)?
        .ok_or_else(|| AppError::new(ErrorCode::UnknownFunction, format!("no bundle {digest}")))?;
    Ok(([(header::CONTENT_TYPE, "application/wasm")], bytes))
}

/// `POST /v1/functions`: a signed deploy request.
pub(super) async fn deploy(
    State(state): State<Arc<AppState>>,
    request: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<FunctionView>), AppError> {
    let result = async {
        let bytes = body(request, state.limits.json_bytes)?;
        let request: DeployRequest = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("invalid deploy request: {e}"),
            )
        })?;
        Ok::<_, AppError>(
            state
                .store
                .deploy(&request, now(), state.limits.deploy_skew_secs)
                .await?,
        )
    }
    .await;
    match result {
        Ok(record) => {
            Metrics::add(&state.metrics.deploys);
            Ok((StatusCode::OK, Json(record.into())))
        }
        Err(error) => {
            Metrics::add(&state.metrics.deploys_refused);
            Err(error)
        }
    }
}

/// `GET /v1/functions`.
pub(super) async fn list_functions(
    State(state): State<Arc<AppState>>,
) -> Result<Json<Vec<FunctionView>>, AppError> {
    Ok(Json(
        state
            .store
            .functions()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// `GET /v1/functions/{name}`.
pub(super) async fn get_function(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<FunctionView>, AppError> {
    let record = state.store.function(&name).await?.ok_or_else(|| {
        AppError::new(ErrorCode::UnknownFunction, format!("no function {name:?}"))
    })?;
    Ok(Json(record.into()))
}

/// `GET /v1/providers`.
pub(super) async fn list_providers(
    State(state): State<Arc<AppState>>,
) -> Result<Json<Vec<ProviderView>>, AppError> {
    Ok(Json(
        state
            .store
            .providers()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Query of `GET /v1/jobs`.
#[derive(Debug, Deserialize)]
pub(super) struct JobQuery {
    function: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/jobs?function=NAME&limit=N`: recent jobs, newest first (100 by default, at most
/// 1000).
pub(super) async fn list_jobs(
    State(state): State<Arc<AppState>>,
    Query(query): Query<JobQuery>,
) -> Result<Json<Vec<JobRecord>>, AppError> {
    state.journal.flush().await;
    let jobs = state
        .store
        .jobs(query.function.as_deref(), query.limit.unwrap_or(100))
        .await?;
    Ok(Json(jobs))
}

/// `GET /v1/jobs/{id}`.
pub(super) async fn get_job(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<JobRecord>, AppError> {
    state.journal.flush().await;
    let job = state
        .store
        .job(&id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("no job {id:?}")))?;
    Ok(Json(job))
}

/// `GET /healthz`.
pub(super) async fn healthz(State(state): State<Arc<AppState>>) -> Result<&'static str, AppError> {
    state.store.functions().await?;
    Ok("ok")
}

/// `GET /metrics`.
pub(super) async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let providers = state.dispatcher.providers();
    let running: u64 = providers.iter().map(|p| u64::from(p.1)).sum();
    let extra = [
        (
            "webfn_providers_connected",
            "Providers connected now.",
            "gauge",
            providers.len() as u64,
        ),
        (
            "webfn_jobs_running",
            "Jobs sent to providers and not answered yet.",
            "gauge",
            running,
        ),
        (
            "webfn_job_records_dropped_total",
            "Finished jobs not recorded because the journal fell behind.",
            "counter",
            state.journal.dropped(),
        ),
        (
            "webfn_connections_refused_total",
            "Connections closed because their client address had too many open.",
            "counter",
            state.connections.refused(),
        ),
    ];
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&extra),
    )
}
