//! `webfn-loadgen`: a closed-loop HTTP/1.1 load generator for the benchmarks in
//! `docs/benchmarks.md`, in the manner of `wrk`: a fixed number of keep-alive connections, each
//! sending its next request as soon as the previous answer has been read in full, for a fixed
//! time after a warm-up. It prints one JSON object: requests, errors, requests per second and
//! latency percentiles (microseconds, from an HDR histogram).
//!
//! ```text
//! webfn-loadgen --connections 32 --duration 10 http://127.0.0.1:8787/fn/hello/
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use hdrhistogram::Histogram;
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Serialize;

/// Closed-loop HTTP/1.1 load at fixed concurrency; prints a JSON summary.
#[derive(Debug, Parser)]
#[command(name = "webfn-loadgen", version)]
struct Args {
    /// The URL to load (`http://` only).
    url: Uri,
    /// Connections, each with one request outstanding at a time.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured time, seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up before measuring, seconds (requests sent but not counted).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Request method.
    #[arg(long, default_value = "GET")]
    method: Method,
    /// Bytes of request body (zeros).
    #[arg(long, default_value_t = 0)]
    body_bytes: usize,
    /// Worker threads of the load generator.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// A label copied into the output.
    #[arg(long, default_value = "")]
    label: String,
}

/// The summary printed at the end.
#[derive(Debug, Serialize)]
struct Summary {
    label: String,
    url: String,
    connections: usize,
    seconds: f64,
    requests: u64,
    errors: u64,
    rps: f64,
    mean_us: f64,
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// What one connection measured.
#[derive(Debug)]
struct Tally {
    latencies: Histogram<u64>,
    errors: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string(&summary)
                    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("webfn-loadgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<Summary> {
    if args.url.scheme_str() != Some("http") {
        bail!("only http:// URLs are supported");
    }
    let positive = args.duration.is_finite() && args.duration > 0.0;
    let not_negative = args.warmup.is_finite() && args.warmup >= 0.0;
    if args.connections == 0 || !positive || !not_negative {
        bail!("--connections and --duration must be positive, --warmup not negative");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(load(args))
}

async fn load(args: Args) -> anyhow::Result<Summary> {
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let until = measure_from + Duration::from_secs_f64(args.duration);
    let body = Bytes::from(vec![0u8; args.body_bytes]);
    let mut tasks = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        let target = Target {
            url: args.url.clone(),
            method: args.method.clone(),
            body: body.clone(),
        };
        tasks.push(tokio::spawn(connection(target, measure_from, until)));
    }
    let mut latencies = Histogram::<u64>::new(3).context("creating the histogram")?;
    let mut errors = 0;
    for task in tasks {
        let tally = task.await.context("a connection task failed")??;
        latencies
            .add(&tally.latencies)
            .context("merging histograms")?;
        errors += tally.errors;
    }
    let seconds = args.duration;
    let requests = latencies.len();
    Ok(Summary {
        label: args.label,
        url: args.url.to_string(),
        connections: args.connections,
        seconds,
        requests,
        errors,
        rps: requests as f64 / seconds,
        mean_us: latencies.mean(),
        p50_us: latencies.value_at_quantile(0.5),
        p90_us: latencies.value_at_quantile(0.9),
        p99_us: latencies.value_at_quantile(0.99),
        max_us: latencies.max(),
    })
}

/// What every request of a connection is.
#[derive(Debug, Clone)]
struct Target {
    url: Uri,
    method: Method,
    body: Bytes,
}

impl Target {
    fn request(&self) -> anyhow::Result<Request<Full<Bytes>>> {
        let authority = self.url.authority().context("the URL has no host")?;
        Request::builder()
            .method(self.method.clone())
            .uri(self.url.path_and_query().map_or("/", |p| p.as_str()))
            .header(http::header::HOST, authority.as_str())
            .body(Full::new(self.body.clone()))
            .context("building the request")
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(target: &Target) -> anyhow::Result<Sender> {
    let authority = target.url.authority().context("the URL has no host")?;
    let port = authority.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((authority.host(), port))
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    stream.set_nodelay(true).context("setting TCP_NODELAY")?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake")?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One connection's loop; reconnects after an error (counted).
async fn connection(
    target: Target,
    measure_from: Instant,
    until: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally {
        latencies: Histogram::new(3).context("creating the histogram")?,
        errors: 0,
    };
    let mut sender = connect(&target).await?;
    loop {
        let sent = Instant::now();
        if sent >= until {
            return Ok(tally);
        }
        let ok = match exchange(&mut sender, &target).await {
            Ok(ok) => ok,
            Err(_) => {
                sender = connect(&target).await?;
                false
            }
        };
        let done = Instant::now();
        if sent < measure_from || done > until {
            continue;
        }
        if ok {
            let micros = u64::try_from(done.duration_since(sent).as_micros()).unwrap_or(u64::MAX);
            tally
                .latencies
                .record(micros.max(1))
                .context("recording a latency")?;
        } else {
            tally.errors += 1;
        }
    }
}

/// Sends one request and reads the whole answer; `Ok(false)` for a non-2xx status.
async fn exchange(sender: &mut Sender, target: &Target) -> anyhow::Result<bool> {
    sender.ready().await.context("connection closed")?;
    let response = sender.send_request(target.request()?).await?;
    let ok = response.status().is_success();
    response.into_body().collect().await?;
    Ok(ok)
}
