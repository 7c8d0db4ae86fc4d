//! The relay's HTTP API (axum): bundles, functions, providers, health and metrics. The
//! gateway `/fn/{name}/…` and the WebSocket endpoints join it with the dispatcher.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/bundles` | upload a bundle (raw bytes); validated as a `wasi:http/proxy` component; answers `{"digest", "size"}` |
//! | `GET /v1/bundles/{digest}` | the bundle's bytes (`application/wasm`) |
//! | `POST /v1/functions` | deploy: a signed [`webfn_protocol::DeployRequest`]; answers the function |
//! | `GET /v1/functions` | all functions |
//! | `GET /v1/functions/{name}` | one function |
//! | `GET /v1/providers` | providers seen |
//! | `GET /healthz` | `ok` when the store answers |
//! | `GET /metrics` | Prometheus text |

mod api;
pub mod dispatch;
mod error;
mod metrics;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use error::AppError;
pub use metrics::Metrics;

use crate::store::Store;

/// Limits of the HTTP API, each with a default.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// Largest bundle upload, bytes (default 32 MiB).
    pub bundle_bytes: usize,
    /// Largest JSON request body, bytes (default 1 MiB).
    pub json_bytes: usize,
    /// Largest difference between a deploy's `issued_at` and the relay's clock, seconds
    /// (default 300).
    pub deploy_skew_secs: u64,
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            bundle_bytes: 32 << 20,
            json_bytes: 1 << 20,
            deploy_skew_secs: 300,
        }
    }
}

/// Shared state of the relay's handlers.
#[derive(Debug)]
pub struct AppState {
    /// Durable state.
    pub store: Store,
    /// Limits.
    pub limits: ApiLimits,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
}

/// The relay's router.
pub fn app(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    Router::new()
        .route(
            "/v1/bundles",
            post(api::upload_bundle).layer(DefaultBodyLimit::max(limits.bundle_bytes)),
        )
        .route("/v1/bundles/{digest}", get(api::get_bundle))
        .route(
            "/v1/functions",
            post(api::deploy)
                .get(api::list_functions)
                .layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route("/v1/functions/{name}", get(api::get_function))
        .route("/v1/providers", get(api::list_providers))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .with_state(state)
}

/// Unix seconds now.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
