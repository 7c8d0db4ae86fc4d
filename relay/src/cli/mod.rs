//! The command line: one clap-derived tree, one module per subcommand group.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

mod deploy;
mod dev;
mod gate;
mod group;
mod http;
mod invoke;
mod keys;
mod ledger;
mod mina;
mod oidc;
mod provider;
mod publisher;
mod relay;
mod zk;

/// WebFunctions: deploy and call WebAssembly functions without a cloud vendor.
#[derive(Debug, Parser)]
#[command(name = "webfn", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign, verify and hash Mina payments, delegations, messages and field arrays.
    #[command(subcommand)]
    Mina(mina::MinaCommand),
    /// Create and show the Mina key pair that identifies you (owner, provider, caller).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Run everything on this machine: a relay on 127.0.0.1:8787, a local provider, and the
    /// example functions deployed (state, key and cache in .webfn/).
    Dev(dev::DevArgs),
    /// Run a relay: the HTTP API for bundles, functions and providers, and the gateway.
    Relay(relay::RelayArgs),
    /// Run a provider: execute a relay's calls on this machine.
    Provider(provider::ProviderArgs),
    /// Upload a bundle and deploy it as a function, signed with your key, or in a CI job with
    /// its OIDC ID token (trusted publishing: see `webfn publisher`).
    Deploy(deploy::DeployArgs),
    /// Call a function; prints the response body. Gated and paid functions are called with a
    /// quote, a credential proof, a payment and sealed secrets.
    Invoke(invoke::InvokeArgs),
    /// Access groups: who may call a gated function (identity commitments).
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// The payments you paid or received (or, with the admin's token, all of them).
    Ledger(ledger::LedgerArgs),
    /// A function's trusted publisher: the CI job (GitHub Actions workflow, GitLab CI
    /// project) allowed to deploy it with its OIDC ID token.
    #[command(subcommand)]
    Publisher(publisher::PublisherCommand),
    /// Zero-knowledge credentials: keys, identities, membership proofs.
    #[command(subcommand)]
    Zk(zk::ZkCommand),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Mina(command) => command.run(),
            Command::Keys(command) => command.run(),
            Command::Dev(args) => args.run(),
            Command::Relay(args) => args.run(),
            Command::Provider(args) => args.run(),
            Command::Deploy(args) => args.run(),
            Command::Invoke(args) => args.run(),
            Command::Group(command) => command.run(),
            Command::Ledger(args) => args.run(),
            Command::Publisher(command) => command.run(),
            Command::Zk(command) => command.run(),
        }
    }
}

/// Reads all of standard input, refusing more than `limit` bytes.
pub(crate) fn read_stdin(limit: u64) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)
        .context("reading standard input (it must be UTF-8 JSON)")?;
    if text.len() as u64 > limit {
        bail!("standard input is larger than {limit} bytes (raise --max-input-bytes)");
    }
    Ok(text)
}

/// Unix seconds now.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
