//! `webfn ledger`: the payments you paid or received (a query signed with your key), or —
//! with the admin's token — every payment on the relay.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use webfn_protocol::LedgerQuery;

use super::http::{RelayUrl, error_text, send, send_authorized};
use super::keys::KeyArg;
use crate::keyfile;

#[derive(Debug, Args)]
pub(crate) struct LedgerArgs {
    /// The relay.
    #[command(flatten)]
    relay: RelayUrl,
    /// The key of the account (payer or provider) whose payments to show.
    #[command(flatten)]
    key: KeyArg,
    /// Show every payment instead, with the admin's token read from this file.
    #[arg(long, value_name = "FILE", env = "WEBFN_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    /// Most payments listed (admin).
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

impl LedgerArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(async {
            let base = self.relay.base();
            let (status, body) = match &self.admin_token_file {
                Some(path) => {
                    let token = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let url = format!("{base}/v1/ledger?limit={}", self.limit);
                    send_authorized(
                        "GET",
                        &url,
                        Vec::new(),
                        "application/json",
                        Some(token.trim()),
                    )
                    .await?
                }
                None => {
                    let key = keyfile::read(&self.key.resolve()?)?;
                    let query = LedgerQuery::sign(&key, super::now_secs())?;
                    let url = format!("{base}/v1/ledger/query");
                    send(
                        "POST",
                        &url,
                        serde_json::to_vec(&query)?,
                        "application/json",
                    )
                    .await?
                }
            };
            if !(200..300).contains(&status) {
                bail!("reading the ledger: HTTP {status}: {}", error_text(&body));
            }
            let payments: serde_json::Value =
                serde_json::from_slice(&body).context("reading the ledger")?;
            println!("{}", serde_json::to_string_pretty(&payments)?);
            Ok(ExitCode::SUCCESS)
        })
    }
}
