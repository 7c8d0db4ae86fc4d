//! Gated and paid calls on the command line: the relay's flags for credential keys, the Mina
//! network of payments, quotes, the root window and the admin token (`webfn relay`,
//! `webfn dev`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use webfn::server::{AdminToken, DEFAULT_QUOTE_TTL_SECS, GateConfig, MIN_ADMIN_TOKEN};
use webfn::zk_keys::ZkKeys;
use webfn_mina::NetworkId;

/// How a relay admits gated and paid calls.
#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    /// Directory of the credential keys (`webfn zk setup --out DIR`); without it gated
    /// functions cannot be called [`webfn dev`: DATA/zk, created on first run].
    #[arg(long, value_name = "DIR", env = "WEBFN_ZK_KEYS")]
    zk_keys: Option<PathBuf>,
    /// The Mina network payments must be signed for: mainnet, testnet (= devnet) or a custom
    /// network id.
    #[arg(long, default_value = "testnet", env = "WEBFN_MINA_NETWORK")]
    mina_network: String,
    /// How long a quote is valid, seconds.
    #[arg(long, default_value_t = DEFAULT_QUOTE_TTL_SECS, env = "WEBFN_QUOTE_TTL_SECS")]
    quote_ttl_secs: u64,
    /// How many recent roots of a group a credential proof may be made against.
    #[arg(long, default_value_t = webfn_circuits::DEFAULT_ROOT_HISTORY, env = "WEBFN_ROOT_WINDOW")]
    root_window: usize,
    /// File holding the admin's token (at least 16 characters), which reads the whole ledger
    /// (`GET /v1/ledger`); or the token itself in WEBFN_ADMIN_TOKEN. No admin without either.
    #[arg(long, value_name = "FILE", env = "WEBFN_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    /// Credential proofs verified at once (more calls wait their turn) [default: the
    /// machine's cores].
    #[arg(long, value_name = "N", env = "WEBFN_MAX_VERIFICATIONS")]
    max_verifications: Option<usize>,
}

impl GateArgs {
    /// The relay's settings; `default_keys` is used when no `--zk-keys` is given (and
    /// created there if missing).
    pub(crate) fn config(&self, default_keys: Option<&Path>) -> anyhow::Result<GateConfig> {
        let network = NetworkId::from_name(&self.mina_network)
            .with_context(|| format!("--mina-network {}", self.mina_network))?;
        if network.name() == webfn_protocol::AUTH_NETWORK {
            bail!(
                "--mina-network {}: that network id is WebFunctions' own, for its signed statements, not for payments",
                self.mina_network
            );
        }
        if self.quote_ttl_secs == 0 || self.root_window == 0 || self.max_verifications == Some(0) {
            bail!("--quote-ttl-secs, --root-window and --max-verifications must be at least 1");
        }
        let zk = match (&self.zk_keys, default_keys) {
            (Some(dir), _) => Some(load(dir)?),
            (None, Some(dir)) => {
                if !dir.join(webfn::zk_keys::DIGESTS).exists() {
                    eprintln!(
                        "creating development credential keys in {} (a few seconds)",
                        dir.display()
                    );
                    super::zk::write_keys(dir, None, false)?;
                }
                Some(load(dir)?)
            }
            (None, None) => None,
        };
        let verifications = self
            .max_verifications
            .unwrap_or_else(webfn::server::default_verifications);
        Ok(GateConfig {
            zk,
            network,
            quote_ttl_secs: self.quote_ttl_secs,
            root_window: self.root_window,
            verifications: Arc::new(tokio::sync::Semaphore::new(verifications)),
        })
    }

    /// The admin token, from the file or the environment.
    pub(crate) fn admin_token(&self) -> anyhow::Result<Option<AdminToken>> {
        let text = match &self.admin_token_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading the admin token {}", path.display()))?,
            None => match std::env::var("WEBFN_ADMIN_TOKEN") {
                Ok(text) => text,
                Err(_) => return Ok(None),
            },
        };
        match AdminToken::new(&text) {
            Some(token) => Ok(Some(token)),
            None => bail!("the admin token must be at least {MIN_ADMIN_TOKEN} characters"),
        }
    }
}

fn load(dir: &Path) -> anyhow::Result<Arc<ZkKeys>> {
    let keys = ZkKeys::load(dir)
        .with_context(|| format!("loading the credential keys in {}", dir.display()))?;
    Ok(Arc::new(keys))
}
