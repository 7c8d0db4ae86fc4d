//! `webfn dev`: the embedded default. A relay on 127.0.0.1 with its state in a local folder,
//! one local provider, and the example functions deployed, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use webfn::engine::{self, Engine, EngineConfig};
use webfn::provider::{Agent, AgentConfig};
use webfn::server::{ApiLimits, AppState, app};
use webfn::store::Store;
use webfn_mina::PrivateKey;
use webfn_protocol::{DeployRequest, FunctionManifest};

use crate::keyfile;

#[derive(Debug, Args)]
pub(crate) struct DevArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787", env = "WEBFN_LISTEN")]
    listen: SocketAddr,
    /// Folder for the relay's state, the dev key and the compiled-artifact cache.
    #[arg(long, default_value = ".webfn", env = "WEBFN_DATA")]
    data: PathBuf,
    /// Folder of example components to deploy (`cargo xtask examples` builds them)
    /// [default: target/examples, or $CARGO_TARGET_DIR/examples].
    #[arg(long, env = "WEBFN_EXAMPLES")]
    examples: Option<PathBuf>,
    /// Trusted publishing: which CI tokens deploy functions.
    #[command(flatten)]
    oidc: super::oidc::OidcArgs,
    /// Gated and paid calls.
    #[command(flatten)]
    gate: super::gate::GateArgs,
}

impl DevArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(self.serve())?;
        Ok(ExitCode::SUCCESS)
    }

    async fn serve(self) -> anyhow::Result<()> {
        let store = Store::open(&self.data.join("relay"))
            .await
            .context("opening the relay's state")?;
        let (key, _) = keyfile::read_or_create(&self.data.join("dev.key"))?;
        let examples = self.examples.clone().unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("target"))
                .join("examples")
        });
        let deployed = deploy_examples(&store, &key, &examples).await?;
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("listening on {}", self.listen))?;
        let address = listener.local_addr()?;
        let verifier = self.oidc.verifier(&format!("ws://{address}"))?;
        let mut state = AppState::new(store, ApiLimits::default(), format!("ws://{address}"))
            .with_oidc(verifier)
            .with_gate(self.gate.config(Some(&self.data.join("zk")))?);
        if let Some(token) = self.gate.admin_token()? {
            state = state.with_admin(token);
        }
        let state = Arc::new(state);
        let engine = Engine::new(EngineConfig {
            max_instances: 16,
            cache_dir: Some(self.data.join("cache")),
            ..EngineConfig::default()
        })
        .context("starting the engine")?;
        let agent = Agent::new(
            AgentConfig {
                relay: format!("ws://{address}"),
                bundles: format!("http://{address}"),
                capacity: 16,
                price: 0,
                region: Some("local".into()),
                max_bundle_bytes: ApiLimits::default().bundle_bytes,
                max_frame_bytes: webfn_protocol::DEFAULT_MAX_FRAME,
                zk_key_digest: None,
            },
            key,
            Arc::new(engine),
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut server_stop = stopped.clone();
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app(Arc::clone(&state)))
                .with_graceful_shutdown(async move {
                    let _ = server_stop.changed().await;
                })
                .await;
            state.journal.flush().await;
            served
        });
        let mut agent_stop = stopped.clone();
        let provider = tokio::spawn(async move {
            agent
                .run(async move {
                    let _ = agent_stop.changed().await;
                })
                .await
        });
        println!(
            "webfn dev: relay on http://{address}, a local provider, state in {}",
            self.data.display()
        );
        for name in &deployed {
            println!("  http://{address}/fn/{name}/");
        }
        if deployed.is_empty() {
            println!(
                "  no examples found in {} (run `cargo xtask examples`)",
                examples.display()
            );
        }
        super::relay::shutdown().await;
        let _ = stop.send(true);
        let _ = provider.await;
        server
            .await
            .context("the relay task")?
            .context("serving HTTP")?;
        Ok(())
    }
}

/// Deploys every `*.wasm` directly in `dir` under its file name, signed by `key`, unless the
/// same bundle is already in force.
async fn deploy_examples(
    store: &Store,
    key: &PrivateKey,
    dir: &Path,
) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(names);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    paths.sort();
    for path in paths {
        let Some(name): Option<webfn_protocol::FunctionName> = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
        else {
            continue;
        };
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let info = engine::validate(&bytes, ApiLimits::default().bundle_bytes)
            .with_context(|| format!("{} is not a valid bundle", path.display()))?;
        let now = super::now_secs();
        let digest = store.put_bundle(&bytes, now).await?;
        let current = store.function(&name.to_string()).await?;
        if current
            .as_ref()
            .is_none_or(|f| f.manifest.digest != info.digest)
        {
            let issued_at = current.map_or(now, |f| {
                now.max(u64::try_from(f.updated_at).unwrap_or(0) + 1)
            });
            let request = DeployRequest::sign(FunctionManifest::new(name, digest), key, issued_at)?;
            store
                .deploy(&request, issued_at, 300)
                .await
                .with_context(|| format!("deploying {}", path.display()))?;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            names.push(stem.to_owned());
        }
    }
    Ok(names)
}
