//! `webfn mina sign | verify | hash`: mina-signer's operations over JSON arrays on standard
//! input, for scripts and for cross-checking implementations.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::Value;
use webfn_mina::HashVersion;
use webfn_mina::NetworkId;
use webfn_mina::client::{self, Kind};

/// Default limit on standard input: 64 MiB.
const DEFAULT_MAX_INPUT: u64 = 64 << 20;

#[derive(Debug, Subcommand)]
pub(crate) enum MinaCommand {
    /// Sign a JSON array of `{network, kind, privateKey, input}` read from standard input and
    /// write the JSON array of signed objects, in order and in mina-signer's shape.
    ///
    /// `kind` is payment, delegation, message or fields; `input` is exactly what mina-signer's
    /// signPayment, signStakeDelegation, signMessage or signFields takes (field elements as
    /// decimal strings). Any bad item fails the whole run with an error naming it.
    Sign(InputArgs),
    /// Verify a JSON array of `{network, kind, signed}` read from standard input: one line per
    /// item, then `N passed, M failed`; exits 1 if any failed.
    Verify(InputArgs),
    /// Transaction hashes of a JSON array of `{kind, signed}` (payments and delegations):
    /// writes `[{"v1": "5J…", "berkeley": "5J…"}, …]`.
    Hash(InputArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Refuse standard input larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT, env = "WEBFN_MAX_INPUT_BYTES")]
    max_input_bytes: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignItem {
    network: NetworkId,
    kind: Kind,
    private_key: String,
    input: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyItem {
    network: NetworkId,
    kind: Kind,
    signed: Value,
}

#[derive(Debug, Deserialize)]
struct HashItem {
    kind: Kind,
    signed: Value,
}

impl MinaCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            MinaCommand::Sign(args) => sign(&read_items(&args)?),
            MinaCommand::Verify(args) => verify(&read_items(&args)?),
            MinaCommand::Hash(args) => hash(&read_items(&args)?),
        }
    }
}

fn read_items(args: &InputArgs) -> anyhow::Result<Vec<Value>> {
    let text = super::read_stdin(args.max_input_bytes)?;
    let value: Value = serde_json::from_str(&text).context("standard input is not valid JSON")?;
    match value {
        Value::Array(items) => Ok(items),
        _ => bail!("standard input must be a JSON array of items"),
    }
}

fn describe(index: usize, item: &Value) -> String {
    let kind = item.get("kind").and_then(Value::as_str).unwrap_or("?");
    format!("item {index} ({kind})")
}

fn sign(items: &[Value]) -> anyhow::Result<ExitCode> {
    let mut signed = Vec::with_capacity(items.len());
    for (index, raw) in items.iter().enumerate() {
        let item: SignItem =
            serde_json::from_value(raw.clone()).with_context(|| describe(index, raw))?;
        let object = client::sign(item.kind, &item.input, &item.private_key, &item.network)
            .with_context(|| describe(index, raw))?;
        signed.push(object);
    }
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(ExitCode::SUCCESS)
}

fn verify(items: &[Value]) -> anyhow::Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    for (index, raw) in items.iter().enumerate() {
        let outcome = serde_json::from_value::<VerifyItem>(raw.clone())
            .map_err(|e| e.to_string())
            .and_then(
                |item| match client::check(item.kind, &item.signed, &item.network) {
                    Ok(true) => Ok(item),
                    Ok(false) => Err("the signature does not verify".to_owned()),
                    Err(e) => Err(e.to_string()),
                },
            );
        match outcome {
            Ok(item) => {
                passed += 1;
                println!("{}: ok ({})", describe(index, raw), item.network);
            }
            Err(reason) => {
                failed += 1;
                println!("{}: FAILED: {reason}", describe(index, raw));
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn hash(items: &[Value]) -> anyhow::Result<ExitCode> {
    let mut hashes = Vec::with_capacity(items.len());
    for (index, raw) in items.iter().enumerate() {
        let item: HashItem =
            serde_json::from_value(raw.clone()).with_context(|| describe(index, raw))?;
        let v1 = client::hash(item.kind, &item.signed, HashVersion::V1)
            .with_context(|| describe(index, raw))?;
        let berkeley = client::hash(item.kind, &item.signed, HashVersion::Berkeley)
            .with_context(|| describe(index, raw))?;
        hashes.push(serde_json::json!({ "v1": v1, "berkeley": berkeley }));
    }
    println!("{}", serde_json::to_string_pretty(&hashes)?);
    Ok(ExitCode::SUCCESS)
}
