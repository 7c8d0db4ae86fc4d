//! `webfn provider`: serve a relay's calls on this machine until Ctrl-C or SIGTERM, or — as an
//! ephemeral provider in a CI job — for a bounded time or number of jobs, then drain and exit 0.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use webfn::engine::{Engine, EngineConfig};
use webfn::provider::bounds::parse_duration;
use webfn::provider::{Agent, AgentConfig, ServeBounds};

use super::keys::KeyArg;

#[derive(Debug, Args)]
pub(crate) struct ProviderArgs {
    /// The relay's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:8787", env = "WEBFN_RELAY")]
    relay: String,
    /// Where to fetch bundles [default: the relay's http:// URL].
    #[arg(long, env = "WEBFN_BUNDLES")]
    bundles: Option<String>,
    #[command(flatten)]
    key: KeyArg,
    /// Calls run at once (also the engine's instance pool size).
    #[arg(long, default_value_t = 16, env = "WEBFN_CAPACITY")]
    capacity: u32,
    /// Price per call, nanomina.
    #[arg(long, default_value_t = 0, env = "WEBFN_PRICE")]
    price: u64,
    /// Region label shown to the relay.
    #[arg(long, env = "WEBFN_REGION")]
    region: Option<String>,
    /// Folder for compiled artifacts [default: none].
    #[arg(long, env = "WEBFN_CACHE")]
    cache: Option<PathBuf>,
    /// Largest guest memory, MiB.
    #[arg(long, default_value_t = 128, env = "WEBFN_MAX_MEMORY_MIB")]
    max_memory_mib: usize,
    /// Let functions reach allowlisted hosts that resolve to loopback, private or link-local
    /// addresses (this machine's own network); off by default.
    #[arg(long, env = "WEBFN_ALLOW_PRIVATE_OUTBOUND")]
    allow_private_outbound: bool,
    /// Largest bundle fetched, bytes.
    #[arg(long, default_value_t = 32 << 20, env = "WEBFN_MAX_BUNDLE_BYTES")]
    max_bundle_bytes: usize,
    /// Stop taking jobs after this long (`90s`, `50m`, `2h`, `1h30m`), drain the calls in
    /// flight and exit 0: for a provider run as a CI job [default: no limit].
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration, env = "WEBFN_SERVE_FOR")]
    serve_for: Option<Duration>,
    /// Stop taking jobs after this many, drain the calls in flight and exit 0 [default: no
    /// limit].
    #[arg(long, value_name = "N", env = "WEBFN_MAX_JOBS")]
    max_jobs: Option<u64>,
    /// Longest wait for the calls in flight once stopped by --for or --max-jobs; calls still
    /// running then are moved on by the relay.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2m", env = "WEBFN_DRAIN_TIMEOUT")]
    drain_timeout: Duration,
    /// Accept only the credential verifying key with this digest (`sha256:…`, as `webfn zk
    /// setup` prints it) when re-checking gated calls [default: the relay's key].
    #[arg(long, value_name = "DIGEST", env = "WEBFN_ZK_KEY_DIGEST")]
    zk_key_digest: Option<webfn_circuits::KeyDigest>,
}

impl ProviderArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let key = self.key.read_or_create()?;
        let engine = Engine::new(EngineConfig {
            max_instances: self.capacity.max(1),
            max_memory_bytes: self.max_memory_mib << 20,
            cache_dir: self.cache.clone(),
            private_outbound: self.allow_private_outbound,
            ..EngineConfig::default()
        })
        .context("starting the engine")?;
        let bundles = self
            .bundles
            .clone()
            .unwrap_or_else(|| self.relay.replacen("ws", "http", 1));
        let config = AgentConfig {
            relay: self.relay.clone(),
            bundles,
            capacity: self.capacity.max(1),
            price: self.price,
            region: self.region.clone(),
            max_bundle_bytes: self.max_bundle_bytes,
            max_frame_bytes: webfn_protocol::DEFAULT_MAX_FRAME,
            zk_key_digest: self.zk_key_digest,
        };
        println!("webfn provider {} serving {}", key.public_key(), self.relay);
        let bounds = ServeBounds {
            max_jobs: self.max_jobs,
            duration: self.serve_for,
            drain_timeout: self.drain_timeout,
        };
        let agent = Agent::new(config, key, Arc::new(engine));
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        let summary = runtime.block_on(agent.serve(bounds, super::relay::shutdown()));
        eprintln!(
            "webfn provider stopped ({:?}) after {} jobs",
            summary.reason, summary.jobs
        );
        Ok(ExitCode::SUCCESS)
    }
}
