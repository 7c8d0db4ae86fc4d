//! `webfn relay`: serves the relay's HTTP API until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use webfn::server::{ApiLimits, AppState, LimitedListener, app};
use webfn::store::Store;

#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8787", env = "WEBFN_LISTEN")]
    listen: SocketAddr,
    /// Folder of the relay's state: `relay.db` (SQLite) and `bundles/`.
    #[arg(long, default_value = ".webfn/relay", env = "WEBFN_DATA")]
    data: PathBuf,
    /// Largest bundle upload, bytes.
    #[arg(long, default_value_t = ApiLimits::default().bundle_bytes, env = "WEBFN_MAX_BUNDLE_BYTES")]
    max_bundle_bytes: usize,
    /// Largest JSON request body, bytes.
    #[arg(long, default_value_t = ApiLimits::default().json_bytes, env = "WEBFN_MAX_JSON_BYTES")]
    max_json_bytes: usize,
    /// The relay's public WebSocket URL, which providers sign when they connect [default:
    /// ws:// and the listening address].
    #[arg(long, env = "WEBFN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Largest clock difference accepted for deploy requests, seconds.
    #[arg(long, default_value_t = ApiLimits::default().deploy_skew_secs, env = "WEBFN_DEPLOY_SKEW_SECS")]
    deploy_skew_secs: u64,
    /// Largest request body through the gateway, bytes.
    #[arg(long, default_value_t = ApiLimits::default().gateway_body_bytes, env = "WEBFN_MAX_GATEWAY_BODY_BYTES")]
    max_gateway_body_bytes: usize,
    /// Largest WebSocket frame from providers and callers, bytes.
    #[arg(long, default_value_t = ApiLimits::default().frame_bytes, env = "WEBFN_MAX_FRAME_BYTES")]
    max_frame_bytes: usize,
    /// Calls that may wait while every provider is at capacity (more are answered `busy`).
    #[arg(long, default_value_t = ApiLimits::default().waiting_calls, env = "WEBFN_MAX_WAITING_CALLS")]
    max_waiting_calls: usize,
    /// Connections one client IP address may hold open (more are closed at once).
    #[arg(long, default_value_t = webfn::server::DEFAULT_CONNECTIONS_PER_IP, env = "WEBFN_MAX_CONNECTIONS_PER_IP")]
    max_connections_per_ip: usize,
    /// Calls in flight per caller WebSocket (more are answered `busy`).
    #[arg(long, default_value_t = ApiLimits::default().caller_in_flight, env = "WEBFN_MAX_CALLER_IN_FLIGHT")]
    max_caller_in_flight: usize,
    /// Trusted publishing: which CI tokens deploy functions.
    #[command(flatten)]
    oidc: super::oidc::OidcArgs,
    /// Gated and paid calls.
    #[command(flatten)]
    gate: super::gate::GateArgs,
}

impl RelayArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(self.serve())?;
        Ok(ExitCode::SUCCESS)
    }

    async fn serve(self) -> anyhow::Result<()> {
        let store = Store::open(&self.data)
            .await
            .with_context(|| format!("opening the relay's state in {}", self.data.display()))?;
        let limits = ApiLimits {
            bundle_bytes: self.max_bundle_bytes,
            json_bytes: self.max_json_bytes,
            deploy_skew_secs: self.deploy_skew_secs,
            gateway_body_bytes: self.max_gateway_body_bytes,
            frame_bytes: self.max_frame_bytes,
            waiting_calls: self.max_waiting_calls,
            caller_in_flight: self.max_caller_in_flight,
        };
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("listening on {}", self.listen))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("ws://{address}"));
        let verifier = self.oidc.verifier(&public_url)?;
        let oidc = format!(
            "webfn relay accepts OIDC tokens for audience {} from {}",
            verifier.audience(),
            verifier
                .issuers()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut state = AppState::new(store, limits, public_url)
            .with_oidc(verifier)
            .with_gate(self.gate.config(None)?);
        if let Some(token) = self.gate.admin_token()? {
            state = state.with_admin(token);
        }
        let state = Arc::new(state);
        println!(
            "webfn relay listening on http://{address} (state in {})",
            self.data.display()
        );
        eprintln!("{oidc}");
        let listener = LimitedListener::new(
            listener,
            self.max_connections_per_ip,
            Arc::clone(&state.connections),
        );
        axum::serve(listener, app(Arc::clone(&state)))
            .with_graceful_shutdown(shutdown())
            .await
            .context("serving HTTP")?;
        state.journal.flush().await;
        eprintln!("webfn relay stopped");
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
