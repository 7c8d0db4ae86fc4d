//! The relay's HTTP API (axum): bundles, functions, providers, the provider WebSocket, the
//! gateway `/fn/{name}/…`, health and metrics.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/bundles` | upload a bundle (raw bytes); validated as a `wasi:http/proxy` component; answers `{"digest", "size"}` |
//! | `GET /v1/bundles/{digest}` | the bundle's bytes (`application/wasm`) |
//! | `POST /v1/functions` | deploy: a signed [`webfn_protocol::DeployRequest`], or `Authorization: Bearer <OIDC token>` with a [`webfn_protocol::TokenDeployRequest`] (trusted publishing); answers the function |
//! | `GET /v1/functions` | all functions |
//! | `GET /v1/functions/{name}` | one function |
//! | `PUT /v1/functions/{name}/publisher` | set or remove the trusted publisher: a signed [`webfn_protocol::PublisherRequest`] |
//! | `GET /v1/functions/{name}/publisher` | the trusted publisher in force |
//! | `GET /v1/oidc` | the audience and issuers of trusted publishing |
//! | `GET /v1/providers` | providers seen |
//! | `GET /v1/jobs` | recent jobs (`?function=NAME&limit=N`) |
//! | `GET /v1/jobs/{id}` | one job |
//! | `POST /v1/groups` | create an access group or add / remove members: a signed [`webfn_protocol::GroupRequest`] |
//! | `GET /v1/groups/{id}` | a group: members in leaf order (`?offset=N&limit=N`), root, recent roots |
//! | `POST /v1/quotes` | a quote for a gated or paid call: job id, provider, its HPKE key, price, expiry |
//! | `POST /v1/calls` | a quoted call with its credential proof, payment and sealed secrets |
//! | `POST /v1/ledger/query` | the payments of the account signing the [`webfn_protocol::LedgerQuery`] |
//! | `GET /v1/ledger` | every payment, for the admin (`Authorization: Bearer <admin token>`) |
//! | `GET /v1/zk`, `/v1/zk/verifying-key`, `/v1/zk/proving-key` | the credential keys' digests and bytes |
//! | `GET /v1/ws/provider` | WebSocket for providers (see `docs/protocol.md`) |
//! | `GET /v1/ws/caller` | WebSocket for callers: `invoke` in, `response` / `error` out |
//! | `ANY /fn/{name}/{*path}` | the gateway: the request becomes a job, the function's response comes back |
//! | `GET /healthz` | `ok` when the store answers |
//! | `GET /metrics` | Prometheus text |

mod api;
mod caller_socket;
pub mod calls;
pub mod dispatch;
mod error;
mod frames;
mod gated;
mod gateway;
mod groups;
mod journal;
mod ledger;
mod listener;
mod metrics;
mod provider_socket;
mod publishing;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post, put};

pub use error::AppError;
pub use gated::{DEFAULT_QUOTE_TTL_SECS, GateConfig, default_verifications};
pub use journal::Journal;
pub use ledger::{AdminToken, MIN_ADMIN_TOKEN};
pub use listener::{ConnectionCounts, DEFAULT_CONNECTIONS_PER_IP, LimitedListener};
pub use metrics::{CallMetrics, Metrics};

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
    /// Largest request body through the gateway, bytes (default 16 MiB).
    pub gateway_body_bytes: usize,
    /// Largest WebSocket frame, bytes (default 24 MiB).
    pub frame_bytes: usize,
    /// Calls in flight per caller WebSocket (default 64); more are answered `busy`.
    pub caller_in_flight: usize,
    /// Calls that may wait while every provider is at capacity (default 1024); more are
    /// answered `busy`.
    pub waiting_calls: usize,
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            bundle_bytes: 32 << 20,
            json_bytes: 1 << 20,
            deploy_skew_secs: 300,
            gateway_body_bytes: 16 << 20,
            frame_bytes: webfn_protocol::DEFAULT_MAX_FRAME,
            caller_in_flight: 64,
            waiting_calls: dispatch::DEFAULT_QUEUE,
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
    /// Connected providers and jobs in flight.
    pub dispatcher: dispatch::Dispatcher,
    /// The relay's public WebSocket URL, part of the text providers sign.
    pub public_url: String,
    /// Verifies CI jobs' OIDC tokens for trusted publishing; `None`: tokens are refused.
    pub oidc: Option<webfn_oidc::Verifier>,
    /// Finished jobs on their way to the store.
    pub journal: Journal,
    /// Open connections per client address (see [`LimitedListener`]).
    pub connections: Arc<ConnectionCounts>,
    /// Gated and paid calls: credential keys, Mina network, quote lifetime, root window.
    pub gate: GateConfig,
    /// The admin's token (reads the whole ledger); `None`: no admin.
    pub admin: Option<AdminToken>,
}

impl AppState {
    /// The state of a relay over `store`; starts the job journal's writer on the current
    /// Tokio runtime.
    pub fn new(store: Store, limits: ApiLimits, public_url: String) -> AppState {
        AppState {
            journal: Journal::spawn(store.clone()),
            connections: Arc::default(),
            store,
            limits,
            metrics: Metrics::default(),
            dispatcher: dispatch::Dispatcher::new(limits.waiting_calls),
            public_url,
            oidc: None,
            gate: GateConfig::default(),
            admin: None,
        }
    }

    /// The same state with these settings for gated and paid calls.
    pub fn with_gate(mut self, gate: GateConfig) -> AppState {
        self.gate = gate;
        self
    }

    /// The same state with an admin token.
    pub fn with_admin(mut self, token: AdminToken) -> AppState {
        self.admin = Some(token);
        self
    }

    /// The same state, accepting deploys by trusted publishers whose tokens `verifier`
    /// verifies.
    pub fn with_oidc(mut self, verifier: webfn_oidc::Verifier) -> AppState {
        self.oidc = Some(verifier);
        self
    }
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
            post(publishing::deploy)
                .get(api::list_functions)
                .layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route("/v1/functions/{name}", get(api::get_function))
        .route(
            "/v1/functions/{name}/publisher",
            put(publishing::set_publisher)
                .get(publishing::get_publisher)
                .layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route("/v1/oidc", get(publishing::oidc_config))
        .route("/v1/providers", get(api::list_providers))
        .route("/v1/jobs", get(api::list_jobs))
        .route("/v1/jobs/{id}", get(api::get_job))
        .route(
            "/v1/groups",
            post(groups::change).layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route("/v1/groups/{id}", get(groups::show))
        .route(
            "/v1/quotes",
            post(gated::quote).layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route(
            "/v1/calls",
            post(gated::call).layer(DefaultBodyLimit::max(
                limits
                    .gateway_body_bytes
                    .saturating_mul(4)
                    .div_ceil(3)
                    .saturating_add(limits.json_bytes),
            )),
        )
        .route(
            "/v1/ledger/query",
            post(ledger::query).layer(DefaultBodyLimit::max(limits.json_bytes)),
        )
        .route("/v1/ledger", get(ledger::all))
        .route("/v1/zk", get(ledger::keys))
        .route("/v1/zk/verifying-key", get(ledger::verifying_key))
        .route("/v1/zk/proving-key", get(ledger::proving_key))
        .route("/v1/ws/provider", get(provider_socket::upgrade))
        .route("/v1/ws/caller", get(caller_socket::upgrade))
        .route(
            "/fn/{name}",
            any(gateway::call).layer(DefaultBodyLimit::max(limits.gateway_body_bytes)),
        )
        .route(
            "/fn/{name}/",
            any(gateway::call).layer(DefaultBodyLimit::max(limits.gateway_body_bytes)),
        )
        .route(
            "/fn/{name}/{*path}",
            any(gateway::call).layer(DefaultBodyLimit::max(limits.gateway_body_bytes)),
        )
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
