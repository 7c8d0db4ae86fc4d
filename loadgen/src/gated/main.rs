//! `webfn-gatedbench`: what a gated, paid call adds to the latency of an open one, against a
//! running relay (started with `--zk-keys DIR` and a `--quote-ttl-secs` longer than the run)
//! and one provider; `scripts/bench-gated.sh` starts both and runs this.
//!
//! It deploys the `hmac-sign` component twice: open and free (`POST /fn/hmac-open/sign`), and
//! gated by an access group of `calls + warmup` members (quota 1 each) and priced
//! (`POST /v1/quotes`, then `POST /v1/calls`). Proofs take most of a second each, so every
//! gated call is made before any is timed: quotes first (their round trips timed one after
//! the other), then `prepare_call` for each (sealed secret, signed payment, proof; each call
//! with its own member, so each spends a fresh nullifier, and its own payment nonce) on all
//! cores. Then open and gated calls alternate, one request at a time, each kind on its own
//! keep-alive connection, and the round trips are timed (warm-up calls first, not counted).
//! The open call carries no secret, so the guest answers 401; the gated one carries its
//! sealed key and gets the HMAC: the guest's work differs by one HMAC of the body.
//!
//! It prints one JSON object: percentiles of both (microseconds), their difference at p50,
//! the quote round trip, and the relay's own view from its job records (dispatch-to-answer
//! latency and the provider's execution time, medians).
//!
//! ```text
//! webfn-gatedbench --keys keys --component hmac-sign.wasm --calls 200 http://127.0.0.1:8787
//! ```

mod client;
mod report;
mod setup;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use http::{Method, StatusCode, Uri};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use webfn_circuits::{Fr, Identity, KeyDigest, ProvingKey};
use webfn_mina::PrivateKey;
use webfn_protocol::{
    GatedCall, HttpRequest, HttpResponse, Member, Payer, Quote, QuoteRequest, Secrets, prepare_call,
};

use client::Client;
use report::{Percentiles, RelayView, micros, percentiles, relay_view};
use setup::{GATED, OPEN};

/// Most timed calls: the relay lists at most 1,000 jobs per function.
const MAX_CALLS: usize = 1000;

/// Latency of open against gated, paid calls; prints a JSON summary.
#[derive(Debug, Parser)]
#[command(name = "webfn-gatedbench", version)]
struct Args {
    /// The relay (`http://host:port`).
    relay: Uri,
    /// The credential key directory the relay uses (`proving.key`, `keys.json`).
    #[arg(long)]
    keys: PathBuf,
    /// The `hmac-sign` component.
    #[arg(long)]
    component: PathBuf,
    /// Timed calls of each kind (at most 1,000).
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Calls of each kind before timing.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Bytes of the request body, the same for both kinds.
    #[arg(long, default_value_t = 64)]
    body_bytes: usize,
    /// Threads proving the calls in advance (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// A label copied into the output.
    #[arg(long, default_value = "")]
    label: String,
}

/// The summary printed at the end.
#[derive(Debug, Serialize)]
struct Summary {
    label: String,
    calls: usize,
    warmup: usize,
    body_bytes: usize,
    /// Size of one gated call's JSON (request, sealed secret, payment, proof).
    call_json_bytes: usize,
    /// Wall time of making every gated call (proofs on `threads` threads), seconds.
    prepare_seconds: f64,
    threads: usize,
    open: Percentiles,
    gated: Percentiles,
    /// `gated.p50_us - open.p50_us`.
    p50_added_us: i64,
    quote: Percentiles,
    relay_open: RelayView,
    relay_gated: RelayView,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(summary) => match serde_json::to_string(&summary) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("webfn-gatedbench: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("webfn-gatedbench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<Summary> {
    if args.relay.scheme_str() != Some("http") || !(1..=MAX_CALLS).contains(&args.calls) {
        bail!("the relay must be an http:// URL and --calls 1 to {MAX_CALLS}");
    }
    let authority = args
        .relay
        .authority()
        .context("the relay URL has no host")?
        .to_string();
    let total = args.calls + args.warmup;
    let key = proving_key(&args.keys)?;
    let component = std::fs::read(&args.component)
        .with_context(|| format!("reading {}", args.component.display()))?;
    let owner = PrivateKey::generate_os()?;
    let payer = PrivateKey::generate_os()?;
    let members: Vec<Identity> = (0..total).map(|_| Identity::generate(&mut OsRng)).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;

    eprintln!("staging {OPEN} and {GATED} with a group of {total}, then {total} quotes");
    let (leaves, quotes, quote_us) = runtime.block_on(async {
        let mut client = Client::connect(&authority).await?;
        let leaves = setup::stage(&mut client, &owner, &component, &members).await?;
        wait_for_quotes(&mut client).await?;
        let mut quotes = Vec::with_capacity(total);
        let mut quote_us = Vec::with_capacity(total);
        for _ in 0..total {
            let started = Instant::now();
            let quote: Quote = quote(&mut client).await?;
            quote_us.push(micros(started.elapsed()));
            quotes.push(quote);
        }
        anyhow::Ok((leaves, quotes, quote_us))
    })?;

    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    eprintln!("proving {total} calls on {threads} threads");
    let body = vec![b'x'; args.body_bytes];
    let started = Instant::now();
    let calls = prepare_all(
        &quotes,
        &body,
        &Caller {
            payer: &payer,
            members: &members,
            leaves: &leaves,
            key: &key,
        },
        threads,
    )?;
    let prepare_seconds = started.elapsed().as_secs_f64();
    let call_json_bytes = calls.first().map_or(0, Bytes::len);

    eprintln!("timing {total} open and {total} gated calls, alternating");
    let (open_us, gated_us) = runtime.block_on(time_calls(&authority, &calls, &body))?;
    let measured: HashSet<&str> = quotes[args.warmup..]
        .iter()
        .map(|q| q.job_id.as_str())
        .collect();
    let (relay_open, relay_gated) = runtime.block_on(relay_view(&authority, &measured))?;

    let open = percentiles(&open_us[args.warmup..]);
    let gated = percentiles(&gated_us[args.warmup..]);
    Ok(Summary {
        label: args.label,
        calls: args.calls,
        warmup: args.warmup,
        body_bytes: args.body_bytes,
        call_json_bytes,
        prepare_seconds,
        threads,
        p50_added_us: i64::try_from(gated.p50_us).unwrap_or(i64::MAX)
            - i64::try_from(open.p50_us).unwrap_or(i64::MAX),
        open,
        gated,
        quote: percentiles(&quote_us),
        relay_open,
        relay_gated,
    })
}

/// The proving key of `dir`, pinned to the digest in its `keys.json`.
fn proving_key(dir: &std::path::Path) -> anyhow::Result<ProvingKey> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Digests {
        proving_key: String,
    }
    let digests: Digests =
        serde_json::from_slice(&std::fs::read(dir.join("keys.json")).context("reading keys.json")?)
            .context("keys.json")?;
    let digest: KeyDigest = digests.proving_key.parse()?;
    let bytes = std::fs::read(dir.join("proving.key")).context("reading proving.key")?;
    Ok(ProvingKey::from_bytes_pinned(&bytes, &digest)?)
}

async fn quote(client: &mut Client) -> anyhow::Result<Quote> {
    let request = QuoteRequest {
        function: GATED.parse()?,
    };
    client
        .post_json("/v1/quotes", &request)
        .await?
        .decode("a quote")
}

/// Waits (up to a minute) until the provider is connected and has announced its HPKE key.
async fn wait_for_quotes(client: &mut Client) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        match quote(client).await {
            Ok(_) => return Ok(()),
            Err(error) if started.elapsed() > Duration::from_secs(60) => {
                return Err(error.context("no quote within a minute"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Who calls: one payer, and one member per call.
#[derive(Debug, Clone, Copy)]
struct Caller<'a> {
    payer: &'a PrivateKey,
    members: &'a [Identity],
    leaves: &'a [Fr],
    key: &'a ProvingKey,
}

/// The gated call of `quote` by member `index` (slot 0, payment nonce `index`), as JSON.
fn prepare(quote: &Quote, index: usize, body: &[u8], caller: &Caller<'_>) -> anyhow::Result<Bytes> {
    let secrets = Secrets::from([("key".to_owned(), "a secret for the benchmark".to_owned())]);
    let payer = Payer {
        key: caller.payer,
        fee: 10_000_000,
        nonce: u32::try_from(index)?,
        amount: None,
    };
    let member = Member {
        identity: caller.members.get(index).context("a member per call")?,
        group: caller.leaves,
        proving_key: caller.key,
        slot: 0,
    };
    let call: GatedCall = prepare_call(
        quote,
        request(body),
        &secrets,
        Some(&payer),
        Some(&member),
        &mut OsRng,
    )?;
    Ok(Bytes::from(serde_json::to_vec(&call)?))
}

/// Every call, proved on `threads` threads, in the order of `quotes`.
fn prepare_all(
    quotes: &[Quote],
    body: &[u8],
    caller: &Caller<'_>,
    threads: usize,
) -> anyhow::Result<Vec<Bytes>> {
    let chunk = quotes.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = quotes
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, quote)| prepare(quote, c * chunk + i, body, caller))
                        .collect::<anyhow::Result<Vec<Bytes>>>()
                })
            })
            .collect();
        let mut calls = Vec::with_capacity(quotes.len());
        for worker in workers {
            match worker.join() {
                Ok(part) => calls.extend(part?),
                Err(_) => bail!("a proving thread panicked"),
            }
        }
        Ok(calls)
    })
}

/// The request both kinds of call carry.
fn request(body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/sign".into(),
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.to_vec(),
    }
}

/// Times each open call and each prepared gated call, alternating; checks every answer.
async fn time_calls(
    authority: &str,
    calls: &[Bytes],
    body: &[u8],
) -> anyhow::Result<(Vec<u64>, Vec<u64>)> {
    let mut open_client = Client::connect(authority).await?;
    let mut gated_client = Client::connect(authority).await?;
    let open_path = format!("/fn/{OPEN}/sign");
    let body = Bytes::copy_from_slice(body);
    let (mut open_us, mut gated_us) = (Vec::new(), Vec::new());
    for call in calls {
        let started = Instant::now();
        let answer = open_client
            .send(Method::POST, &open_path, Some("text/plain"), body.clone())
            .await?;
        open_us.push(micros(started.elapsed()));
        // no secret: the guest's own 401
        if answer.status != StatusCode::UNAUTHORIZED || !answer.body.starts_with(b"no secret key") {
            bail!("open call: HTTP {}: {}", answer.status, answer.text());
        }

        let started = Instant::now();
        let answer = gated_client
            .send(
                Method::POST,
                "/v1/calls",
                Some("application/json"),
                call.clone(),
            )
            .await?;
        gated_us.push(micros(started.elapsed()));
        let response: HttpResponse = answer.decode("gated call")?;
        // the guest's HMAC: 64 hex digits and a newline
        if response.status != 200 || response.body.len() != 65 {
            bail!(
                "gated call: the function answered {}: {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
        }
    }
    Ok((open_us, gated_us))
}
