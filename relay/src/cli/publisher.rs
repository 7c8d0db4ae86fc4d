//! `webfn publisher set | show | remove`: a function's trusted publisher (the CI job allowed to
//! deploy it with its OIDC ID token).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use webfn_oidc::TrustedPublisher;
use webfn_protocol::{FunctionName, PublisherRequest};

use super::http::{RelayUrl, error_text, send};
use super::keys::KeyArg;
use crate::keyfile;

/// Largest policy file read.
const MAX_POLICY_BYTES: u64 = 64 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum PublisherCommand {
    /// Set the function's trusted publisher from a policy file (JSON, see
    /// docs/trusted-publishing.md); signed with the owner's key. Prints the policy in force.
    Set {
        #[command(flatten)]
        target: Target,
        /// The policy file.
        #[arg(long, value_name = "FILE.json")]
        policy: PathBuf,
        /// The owner's key file.
        #[command(flatten)]
        key: KeyArg,
    },
    /// Remove the function's trusted publisher; signed with the owner's key.
    Remove {
        #[command(flatten)]
        target: Target,
        /// The owner's key file.
        #[command(flatten)]
        key: KeyArg,
    },
    /// Show the function's trusted publisher.
    Show {
        #[command(flatten)]
        target: Target,
    },
}

/// Which relay and function.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// The relay.
    #[command(flatten)]
    relay: RelayUrl,
    /// The function.
    #[arg(long)]
    function: FunctionName,
}

impl Target {
    fn url(&self) -> String {
        format!(
            "{}/v1/functions/{}/publisher",
            self.relay.base(),
            self.function
        )
    }
}

impl PublisherCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(async {
            match self {
                PublisherCommand::Set {
                    target,
                    policy,
                    key,
                } => {
                    let policy = read_policy(&policy)?;
                    put(&target, Some(policy), &key).await
                }
                PublisherCommand::Remove { target, key } => put(&target, None, &key).await,
                PublisherCommand::Show { target } => {
                    let (status, body) =
                        send("GET", &target.url(), Vec::new(), "application/json").await?;
                    if !(200..300).contains(&status) {
                        bail!("{}: HTTP {status}: {}", target.function, error_text(&body));
                    }
                    println!("{}", String::from_utf8_lossy(&body));
                    Ok(ExitCode::SUCCESS)
                }
            }
        })
    }
}

/// Reads and validates a policy file, so mistakes are told here rather than by the relay.
fn read_policy(path: &PathBuf) -> anyhow::Result<serde_json::Value> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_POLICY_BYTES {
        bail!("{} is larger than {MAX_POLICY_BYTES} bytes", path.display());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let policy = TrustedPublisher::from_json(&text).with_context(|| path.display().to_string())?;
    serde_json::to_value(policy).context("writing the policy")
}

async fn put(
    target: &Target,
    policy: Option<serde_json::Value>,
    key: &KeyArg,
) -> anyhow::Result<ExitCode> {
    let path = key.resolve()?;
    let key = keyfile::read(&path)?;
    // newer than the request in force, even one made in this very second
    let in_force = in_force_issued_at(target).await?;
    let issued_at = super::now_secs().max(in_force.map_or(0, |t| t + 1));
    let request = PublisherRequest::sign(target.function.clone(), policy, &key, issued_at)?;
    let (status, body) = send(
        "PUT",
        &target.url(),
        serde_json::to_vec(&request)?,
        "application/json",
    )
    .await?;
    if !(200..300).contains(&status) {
        bail!(
            "setting the trusted publisher of {}: HTTP {status}: {}",
            target.function,
            error_text(&body)
        );
    }
    println!("{}", String::from_utf8_lossy(&body));
    Ok(ExitCode::SUCCESS)
}

/// The `issued_at` of the publisher request in force, if the function has a publisher.
async fn in_force_issued_at(target: &Target) -> anyhow::Result<Option<u64>> {
    let (status, body) = send("GET", &target.url(), Vec::new(), "application/json").await?;
    if !(200..300).contains(&status) {
        return Ok(None);
    }
    let view: serde_json::Value =
        serde_json::from_slice(&body).context("reading the trusted publisher")?;
    Ok(view["issued_at"].as_u64())
}
