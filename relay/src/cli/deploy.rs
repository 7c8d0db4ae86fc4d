//! `webfn deploy`: upload a bundle to a relay and deploy it as a function.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use webfn_protocol::{
    AccessPolicy, DEFAULT_EPOCH_SECS, DeployRequest, Digest, FunctionManifest, FunctionName,
    GroupId, Limits, TokenDeployRequest,
};

use super::http::{RelayUrl, error_text, send, send_authorized};
use super::keys::KeyArg;
use super::oidc::CiTokenArgs;

#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// The relay.
    #[command(flatten)]
    relay: RelayUrl,
    /// The function's name.
    #[arg(long)]
    name: FunctionName,
    /// The bundle: a `wasi:http/proxy` component.
    bundle: PathBuf,
    /// The owner's key file; created on first use.
    #[command(flatten)]
    key: KeyArg,
    /// Trusted publishing: deploy with the CI job's OIDC ID token.
    #[command(flatten)]
    ci: CiTokenArgs,
    /// Price per call, nanomina.
    #[arg(long, default_value_t = 0)]
    price: u64,
    /// Guest memory limit, MiB.
    #[arg(long, default_value_t = Limits::default().memory_mib)]
    memory_mib: u32,
    /// Wall-clock limit, milliseconds.
    #[arg(long, default_value_t = Limits::default().wall_ms)]
    wall_ms: u64,
    /// A host the function may call over outbound HTTP (repeatable).
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Gate the function: only members of this access group may call it, each proving
    /// membership with a zero-knowledge credential (see `webfn group`).
    #[arg(long, value_name = "GROUP")]
    group: Option<GroupId>,
    /// Calls per member and epoch of a gated function.
    #[arg(long, default_value_t = 1, requires = "group")]
    quota: u32,
    /// Length of an epoch of a gated function, seconds.
    #[arg(long, default_value_t = DEFAULT_EPOCH_SECS, requires = "group")]
    epoch_secs: u64,
}

impl DeployArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(self.deploy())
    }

    async fn deploy(self) -> anyhow::Result<ExitCode> {
        let base = self.relay.base();
        // Trusted publishing when asked for, or when no key file is named and this is a CI
        // job that offers an ID token; the token is fetched before anything is uploaded.
        let environment = self.ci.environment();
        let token = if self.ci.oidc || (!self.key.is_given() && environment.source().is_some()) {
            Some(self.ci.token(&environment, base).await?)
        } else {
            None
        };
        let key = match token {
            Some(_) => None,
            None => Some(self.key.read_or_create()?),
        };
        let bytes = std::fs::read(&self.bundle)
            .with_context(|| format!("reading {}", self.bundle.display()))?;
        let (status, body) = send(
            "POST",
            &format!("{base}/v1/bundles"),
            bytes.clone(),
            "application/wasm",
        )
        .await?;
        if !(200..300).contains(&status) {
            bail!(
                "uploading {}: HTTP {status}: {}",
                self.bundle.display(),
                error_text(&body)
            );
        }
        let mut manifest = FunctionManifest::new(self.name.clone(), Digest::of(&bytes));
        manifest.price = self.price;
        manifest.limits.memory_mib = self.memory_mib;
        manifest.limits.wall_ms = self.wall_ms;
        manifest.outbound_hosts = self.allow_hosts.clone();
        if let Some(group) = &self.group {
            manifest.access = AccessPolicy::Group {
                group: group.clone(),
                quota: self.quota,
                epoch_secs: self.epoch_secs,
            };
        }
        let body = match &key {
            Some(key) => {
                // newer than the deploy in force, even one made in this very second
                let in_force = in_force_issued_at(base, &self.name).await?;
                let issued_at = super::now_secs().max(in_force.map_or(0, |t| t + 1));
                serde_json::to_vec(&DeployRequest::sign(manifest, key, issued_at)?)?
            }
            None => serde_json::to_vec(&TokenDeployRequest { manifest })?,
        };
        let (status, body) = send_authorized(
            "POST",
            &format!("{base}/v1/functions"),
            body,
            "application/json",
            token.as_deref(),
        )
        .await?;
        if !(200..300).contains(&status) {
            bail!(
                "deploying {}: HTTP {status}: {}",
                self.name,
                error_text(&body)
            );
        }
        println!("{}", String::from_utf8_lossy(&body));
        Ok(ExitCode::SUCCESS)
    }
}

/// The `issued_at` of the function's deploy in force, if it exists.
async fn in_force_issued_at(base: &str, name: &FunctionName) -> anyhow::Result<Option<u64>> {
    let (status, body) = send(
        "GET",
        &format!("{base}/v1/functions/{name}"),
        Vec::new(),
        "application/json",
    )
    .await?;
    if status == 404 {
        return Ok(None);
    }
    if !(200..300).contains(&status) {
        bail!("looking up {name}: HTTP {status}: {}", error_text(&body));
    }
    let view: serde_json::Value = serde_json::from_slice(&body).context("reading the function")?;
    Ok(view["issued_at"].as_u64())
}
