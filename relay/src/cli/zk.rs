//! `webfn zk setup | identity | prove | verify`: zero-knowledge credentials from the command
//! line, JSON on standard input and output (field elements as decimal strings).
//!
//! A key directory holds `proving.key`, `verifying.key` (formats in docs/zk.md) and
//! `keys.json`, `{"provingKey": "sha256:…", "verifyingKey": "sha256:…"}`: the digests the keys
//! are loaded against. `prove` trusts the proving key once its digest matches (a wrong proving
//! key can only make proofs that fail); `verify` checks the digest and every point of the
//! verifying key.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rand_core::OsRng;
use serde::Deserialize;
use serde_json::json;
use webfn::zk_keys::{DIGESTS, Digests, PROVING_KEY, VERIFYING_KEY, check_digest, read_digests};
use webfn_circuits::{
    CredentialProof, DEFAULT_ROOT_HISTORY, Fr, Identity, KeyDigest, MerkleTree, ProvingKey,
    TREE_DEPTH, VerifyingKey, from_decimal, to_decimal,
};

/// Default limit on standard input: 256 MiB (a full group of 2^20 commitments is ~80 MiB).
const DEFAULT_MAX_INPUT: u64 = 256 << 20;

#[derive(Debug, Subcommand)]
pub(crate) enum ZkCommand {
    /// Development setup: write proving and verifying keys to DIR and print their digests.
    /// Whoever runs it can forge proofs: production keys come from a ceremony.
    Setup {
        /// Directory to write proving.key, verifying.key and keys.json to (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// 64 hex digits: derive the keys from this seed (reproducible) instead of the OS RNG.
        #[arg(long, value_name = "HEX")]
        seed: Option<String>,
        /// Replace keys already in DIR.
        #[arg(long)]
        force: bool,
    },
    /// Create an identity: prints `{"secret": "…", "commitment": "…"}`. Keep the secret;
    /// give the commitment to the group's owner.
    Identity,
    /// Prove membership: reads `{"secret", "group": [commitments…], "scope", "message"}` and
    /// prints `{"proof": "<hex>", "publicInputs": {"root", "nullifier", "message", "scope"}}`.
    Prove(KeysArgs),
    /// Verify `{"proof", "publicInputs"}` read from standard input: prints `valid` and exits
    /// 0, or `invalid: <reason>` and exits 1.
    Verify(KeysArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    /// Directory written by `webfn zk setup`.
    #[arg(long, value_name = "DIR", env = "WEBFN_ZK_KEYS")]
    keys: PathBuf,
    /// Refuse standard input larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT, env = "WEBFN_MAX_INPUT_BYTES")]
    max_input_bytes: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProveInput {
    secret: String,
    group: Vec<String>,
    scope: String,
    message: String,
}

impl ZkCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            ZkCommand::Setup { out, seed, force } => setup(&out, seed.as_deref(), force),
            ZkCommand::Identity => identity(),
            ZkCommand::Prove(args) => prove(&args),
            ZkCommand::Verify(args) => verify(&args),
        }
    }
}

fn setup(dir: &Path, seed: Option<&str>, force: bool) -> anyhow::Result<ExitCode> {
    println!("{}", write_keys(dir, seed, force)?);
    Ok(ExitCode::SUCCESS)
}

/// Generates keys (from the hex `seed`, or the OS RNG) into `dir`; answers what `webfn zk
/// setup` prints.
pub(crate) fn write_keys(
    dir: &Path,
    seed: Option<&str>,
    force: bool,
) -> anyhow::Result<serde_json::Value> {
    let key = match seed {
        Some(hex_seed) => {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(hex_seed, &mut bytes).context("--seed must be 64 hex digits")?;
            webfn_circuits::setup_seeded(bytes)?
        }
        None => webfn_circuits::setup(&mut OsRng)?,
    };
    let proving = key.to_bytes();
    let verifying = key.verifying_key().to_bytes();
    let digests = Digests {
        proving_key: KeyDigest::of(&proving).to_string(),
        verifying_key: KeyDigest::of(&verifying).to_string(),
    };
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for name in [PROVING_KEY, VERIFYING_KEY, DIGESTS] {
        let path = dir.join(name);
        if path.exists() && !force {
            bail!("{} exists (pass --force to replace it)", path.display());
        }
    }
    write(&dir.join(PROVING_KEY), &proving)?;
    write(&dir.join(VERIFYING_KEY), &verifying)?;
    // the digests last: a directory with keys.json holds complete keys
    write(
        &dir.join(DIGESTS),
        serde_json::to_string_pretty(&digests)?.as_bytes(),
    )?;
    Ok(json!({
        "dir": dir.display().to_string(),
        "provingKey": digests.proving_key,
        "provingKeyBytes": proving.len(),
        "verifyingKey": digests.verifying_key,
        "verifyingKeyBytes": verifying.len(),
    }))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn identity() -> anyhow::Result<ExitCode> {
    let identity = Identity::generate(&mut OsRng);
    let out = json!({
        "secret": to_decimal(&identity.secret()),
        "commitment": to_decimal(&identity.commitment()),
    });
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn read_key(dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(name);
    fs::read(&path).with_context(|| format!("reading {} (run webfn zk setup)", path.display()))
}

fn prove(args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let text = super::read_stdin(args.max_input_bytes)?;
    let input: ProveInput =
        serde_json::from_str(&text).context("standard input is not a prove request")?;
    let identity = Identity::from_secret(from_decimal(&input.secret, "secret")?);
    let scope = from_decimal(&input.scope, "scope")?;
    let message = from_decimal(&input.message, "message")?;
    let leaves = input
        .group
        .iter()
        .enumerate()
        .map(|(i, c)| from_decimal(c, &format!("group[{i}]")))
        .collect::<Result<Vec<Fr>, _>>()?;
    let tree = MerkleTree::from_leaves(TREE_DEPTH, DEFAULT_ROOT_HISTORY, &leaves)
        .context("building the group's tree")?;
    let commitment = identity.commitment();
    let Some(index) = tree.index_of(&commitment) else {
        bail!(
            "the secret's commitment {} is not in the group: cannot prove membership",
            to_decimal(&commitment)
        );
    };
    let path = tree.proof(index)?;

    let (proving_digest, _) = read_digests(&args.keys)?;
    let key = ProvingKey::from_bytes_pinned(&read_key(&args.keys, PROVING_KEY)?, &proving_digest)
        .context("loading the proving key")?;
    let credential = webfn_circuits::prove(&key, &identity, &path, scope, message, &mut OsRng)?;
    println!("{}", serde_json::to_string(&credential)?);
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let (_, verifying_digest) = read_digests(&args.keys)?;
    let bytes = read_key(&args.keys, VERIFYING_KEY)?;
    check_digest(VERIFYING_KEY, &bytes, verifying_digest)?;
    let key = VerifyingKey::from_bytes(&bytes).context("loading the verifying key")?;
    let text = super::read_stdin(args.max_input_bytes)?;
    let outcome = serde_json::from_str::<CredentialProof>(&text)
        .map_err(|e| format!("malformed proof object: {e}"))
        .and_then(
            |credential| match webfn_circuits::verify(&key.prepare(), &credential) {
                Ok(true) => Ok(()),
                Ok(false) => Err("the proof does not verify for these public inputs".to_owned()),
                Err(e) => Err(e.to_string()),
            },
        );
    match outcome {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            println!("invalid: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}
