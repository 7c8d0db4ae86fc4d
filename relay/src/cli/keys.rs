//! `webfn keys new | show`: the Mina key pair that identifies you to relays.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::keyfile;

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a new key pair and store the private key in the key file (mode 0600).
    /// Prints `{"publicKey": "B62…", "keyFile": "…"}`.
    New {
        #[command(flatten)]
        key: KeyArg,
        /// Replace an existing key file (its key is lost).
        #[arg(long)]
        force: bool,
    },
    /// Show the public key of the key file. Prints `{"publicKey": "B62…", "keyFile": "…"}`.
    Show {
        #[command(flatten)]
        key: KeyArg,
        /// Also print the private key (`"privateKey": "EK…"`).
        #[arg(long)]
        private: bool,
    },
}

/// The key file option shared by every command that signs.
#[derive(Debug, Args)]
pub(crate) struct KeyArg {
    /// Key file [default: $XDG_CONFIG_HOME/webfn/mina.key or ~/.config/webfn/mina.key].
    #[arg(long = "key", value_name = "FILE", env = "WEBFN_KEY")]
    path: Option<PathBuf>,
}

impl KeyArg {
    /// Whether a key file was named (`--key` or `WEBFN_KEY`) rather than the default.
    pub(crate) fn is_given(&self) -> bool {
        self.path.is_some()
    }

    /// The key in the key file, creating the file first (and saying so) if it does not exist.
    pub(crate) fn read_or_create(&self) -> anyhow::Result<webfn_mina::PrivateKey> {
        let path = self.resolve()?;
        let (key, created) = keyfile::read_or_create(&path)?;
        if created {
            eprintln!(
                "created the key file {} ({})",
                path.display(),
                key.public_key()
            );
        }
        Ok(key)
    }

    pub(crate) fn resolve(&self) -> anyhow::Result<PathBuf> {
        match &self.path {
            Some(path) => Ok(path.clone()),
            None => Ok(keyfile::default_path()?),
        }
    }
}

impl KeysCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            KeysCommand::New { key, force } => {
                let path = key.resolve()?;
                let private = webfn_mina::PrivateKey::generate_os()?;
                keyfile::write(&path, &private, force).context("creating the key file")?;
                print_key(&path, &private, false);
            }
            KeysCommand::Show { key, private } => {
                let path = key.resolve()?;
                let secret = keyfile::read(&path)?;
                if keyfile::readable_by_others(&path) {
                    eprintln!(
                        "warning: {} is readable by other users; run chmod 600 on it",
                        path.display()
                    );
                }
                print_key(&path, &secret, private);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn print_key(path: &std::path::Path, key: &webfn_mina::PrivateKey, private: bool) {
    let mut out = json!({
        "publicKey": key.public_key().to_base58(),
        "keyFile": path.display().to_string(),
    });
    if private {
        out["privateKey"] = json!(key.to_base58());
    }
    println!("{out}");
}
