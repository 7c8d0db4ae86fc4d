//! The provider agent: connects to a relay's WebSocket, proves its Mina key by signing the
//! challenge, then runs jobs in the [`Engine`] — pulling each bundle by digest and checking
//! the digest before anything runs, re-checking gated and paid jobs and opening their sealed
//! secrets ([`Gatekeeper`]) — and answers with results or typed failures. It
//! reconnects with exponential backoff (1 s doubling to 30 s) until told to stop, or — with
//! [`ServeBounds`] — until a time or a number of jobs is reached, then drains (see [`bounds`]).

pub mod bounds;
mod fetch;
mod ticket;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use webfn_mina::PrivateKey;
use webfn_protocol::{
    Digest, ErrorBody, ErrorCode, HpkeKeyPair, HttpResponse, Job, ProviderHello, ProviderToRelay,
    RelayToProvider, decode, encode, provider_auth_message, sign_statement,
};

pub use bounds::{ServeBounds, ServeSummary, StopReason};
pub use fetch::BundleFetcher;
pub use ticket::Gatekeeper;

use bounds::Drain;
use tokio::time::Instant;

use crate::engine::{Allowlist, Bundle, Engine, EngineError, Limits};

/// Errors of a session with a relay.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The WebSocket failed.
    #[error("websocket: {0}")]
    Socket(String),
    /// The relay refused the provider or sent something unexpected.
    #[error("refused by the relay: {0}")]
    Refused(String),
    /// A bundle could not be fetched.
    #[error("fetching a bundle: {0}")]
    Fetch(String),
}

/// How a provider presents itself and where it finds bundles.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The relay's base WebSocket URL, e.g. `ws://127.0.0.1:8787`.
    pub relay: String,
    /// Where bundles are fetched, e.g. `http://127.0.0.1:8787` (the relay or a mirror).
    pub bundles: String,
    /// Calls run at once (advertised to the relay).
    pub capacity: u32,
    /// Price per call, nanomina.
    pub price: u64,
    /// Region label.
    pub region: Option<String>,
    /// Largest bundle fetched, bytes.
    pub max_bundle_bytes: usize,
    /// Largest frame accepted, bytes.
    pub max_frame_bytes: usize,
    /// The only credential verifying key accepted (its digest); `None`: the relay's.
    pub zk_key_digest: Option<webfn_circuits::KeyDigest>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A provider agent.
#[derive(Debug, Clone)]
pub struct Agent {
    config: AgentConfig,
    key: Arc<PrivateKey>,
    engine: Arc<Engine>,
    fetcher: BundleFetcher,
    gate: Arc<Gatekeeper>,
    loaded: Arc<Mutex<HashMap<Digest, Bundle>>>,
    jobs_taken: Arc<AtomicU64>,
}

/// How a connection ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionEnd {
    /// The relay closed it.
    Closed,
    /// A bound was reached and the calls in flight drained.
    Drained(StopReason),
}

impl Agent {
    /// An agent for `config`, identified by `key`, running jobs in `engine`.
    pub fn new(config: AgentConfig, key: PrivateKey, engine: Arc<Engine>) -> Agent {
        let fetcher = BundleFetcher::new(&config.bundles, config.max_bundle_bytes);
        // the verifying key comes from the relay itself, never from a bundle mirror
        let relay_http = config.relay.replacen("ws", "http", 1);
        let gate = Gatekeeper::new(
            key.public_key().to_base58(),
            config.price,
            HpkeKeyPair::derive(&key),
            BundleFetcher::new(&relay_http, 1 << 20),
            config.zk_key_digest,
        );
        Agent {
            config,
            key: Arc::new(key),
            engine,
            fetcher,
            gate: Arc::new(gate),
            loaded: Arc::default(),
            jobs_taken: Arc::default(),
        }
    }

    /// Jobs taken since the agent was made.
    pub fn jobs_taken(&self) -> u64 {
        self.jobs_taken.load(Ordering::SeqCst)
    }

    /// Serves until `stop` resolves, reconnecting after failures.
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        self.serve(ServeBounds::default(), stop).await;
    }

    /// Serves until `stop` resolves or a bound is reached (then drains the calls in flight),
    /// reconnecting after failures.
    pub async fn serve(&self, bounds: ServeBounds, stop: impl Future<Output = ()>) -> ServeSummary {
        let deadline = bounds.duration.map(|d| Instant::now() + d);
        let summary = |reason| ServeSummary {
            jobs: self.jobs_taken(),
            reason,
        };
        tokio::pin!(stop);
        let mut backoff = Duration::from_secs(1);
        loop {
            if bounds.max_jobs.is_some_and(|max| self.jobs_taken() >= max) {
                return summary(StopReason::MaxJobs);
            }
            if deadline.is_some_and(|d| d <= Instant::now()) {
                return summary(StopReason::Elapsed);
            }
            let outcome = tokio::select! {
                () = &mut stop => return summary(StopReason::Stopped),
                outcome = self.bounded_session(&bounds, deadline) => outcome,
            };
            match outcome {
                Ok(SessionEnd::Drained(reason)) => return summary(reason),
                Ok(SessionEnd::Closed) => backoff = Duration::from_secs(1),
                Err(error) => {
                    eprintln!("provider: {error}; reconnecting in {} s", backoff.as_secs())
                }
            }
            tokio::select! {
                () = &mut stop => return summary(StopReason::Stopped),
                () = tokio::time::sleep(backoff) => {}
                () = sleep_until(deadline) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    /// One connection: handshake, then jobs until the relay closes it.
    pub async fn session(&self) -> Result<(), AgentError> {
        self.bounded_session(&ServeBounds::default(), None)
            .await
            .map(|_| ())
    }

    /// One connection, ending early (and drained) when a bound is reached.
    async fn bounded_session(
        &self,
        bounds: &ServeBounds,
        deadline: Option<Instant>,
    ) -> Result<SessionEnd, AgentError> {
        let url = format!("{}/v1/ws/provider", self.config.relay.trim_end_matches('/'));
        let connect = async {
            let tls = crate::tls::client_config()
                .map_err(|e| AgentError::Socket(format!("setting up TLS: {e}")))?;
            let (mut socket, _) = tokio_tungstenite::connect_async_tls_with_config(
                url.as_str(),
                None,
                false,
                Some(tokio_tungstenite::Connector::Rustls(tls)),
            )
            .await
            .map_err(|e| AgentError::Socket(e.to_string()))?;
            self.handshake(&mut socket).await?;
            Ok::<_, AgentError>(socket)
        };
        let mut socket = tokio::select! {
            socket = connect => socket?,
            () = sleep_until(deadline) => return Ok(SessionEnd::Drained(StopReason::Elapsed)),
        };
        let (outbox, mut outgoing) = mpsc::channel::<ProviderToRelay>(64);
        let mut in_flight: u32 = 0;
        let mut drain: Option<Drain> = None;
        loop {
            let reached_deadline = sleep_until(deadline.filter(|_| drain.is_none()));
            let drained_too_long = sleep_until(drain.map(|d| d.until));
            tokio::select! {
                () = reached_deadline => {
                    drain = Some(Drain { reason: StopReason::Elapsed, until: Instant::now() + bounds.drain_timeout });
                    if in_flight == 0 {
                        return close(socket, StopReason::Elapsed).await;
                    }
                    send(&mut socket, &ProviderToRelay::Status { running: in_flight, capacity: in_flight }).await?;
                }
                () = drained_too_long => {
                    eprintln!("provider: {in_flight} calls still running after the drain timeout; the relay moves them on");
                    let reason = drain.map_or(StopReason::Elapsed, |d| d.reason);
                    return close(socket, reason).await;
                }
                Some(message) = outgoing.recv() => {
                    let finished = matches!(message, ProviderToRelay::Result { .. } | ProviderToRelay::Failed { .. });
                    if finished {
                        in_flight = in_flight.saturating_sub(1);
                        if drain.is_some() && in_flight > 0 {
                            // report less room before the slot frees up, so nothing new comes
                            send(&mut socket, &ProviderToRelay::Status { running: in_flight, capacity: in_flight }).await?;
                        }
                    }
                    send(&mut socket, &message).await?;
                    if let Some(drain) = drain.filter(|_| in_flight == 0) {
                        return close(socket, drain.reason).await;
                    }
                }
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => match decode::<RelayToProvider>(&text, self.config.max_frame_bytes) {
                        Ok(RelayToProvider::Job(job)) if drain.is_some() => {
                            eprintln!("provider: draining; job {} is left for the relay to move on", job.job_id);
                        }
                        Ok(RelayToProvider::Job(job)) => {
                            in_flight += 1;
                            let taken = self.jobs_taken.fetch_add(1, Ordering::SeqCst) + 1;
                            let (agent, outbox) = (self.clone(), outbox.clone());
                            tokio::spawn(async move { let _ = outbox.send(agent.run_job(job).await).await; });
                            if bounds.max_jobs.is_some_and(|max| taken >= max) {
                                drain = Some(Drain { reason: StopReason::MaxJobs, until: Instant::now() + bounds.drain_timeout });
                                send(&mut socket, &ProviderToRelay::Status { running: in_flight, capacity: in_flight }).await?;
                            }
                        }
                        Ok(RelayToProvider::Ping { nonce }) => { let _ = outbox.send(ProviderToRelay::Pong { nonce }).await; }
                        Ok(RelayToProvider::Error { error }) => eprintln!("provider: relay says {}: {}", error.code, error.message),
                        Ok(_) => {}
                        Err(error) => eprintln!("provider: ignoring a bad frame: {error}"),
                    },
                    Some(Ok(Message::Close(_))) | None => return Ok(SessionEnd::Closed),
                    Some(Err(error)) => return Err(AgentError::Socket(error.to_string())),
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    async fn next_frame(&self, socket: &mut Socket) -> Result<RelayToProvider, AgentError> {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    return decode(&text, self.config.max_frame_bytes)
                        .map_err(|e| AgentError::Refused(e.to_string()));
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err(AgentError::Refused("connection closed".into()));
                }
                Some(Err(error)) => return Err(AgentError::Socket(error.to_string())),
                Some(Ok(_)) => {}
            }
        }
    }

    async fn handshake(&self, socket: &mut Socket) -> Result<(), AgentError> {
        let RelayToProvider::Challenge { nonce, relay } = self.next_frame(socket).await? else {
            return Err(AgentError::Refused("expected a challenge".into()));
        };
        let signature = sign_statement(&provider_auth_message(&relay, &nonce), &self.key)
            .map_err(|e| AgentError::Refused(e.to_string()))?;
        let hello = ProviderHello {
            public_key: self.key.public_key().to_base58(),
            signature,
            capacity: self.config.capacity,
            price: self.config.price,
            region: self.config.region.clone(),
            engine: concat!("webfn ", env!("CARGO_PKG_VERSION"), " / wasmtime 48.0.8").into(),
            hpke: Some(
                self.gate
                    .hpke()
                    .announce(&self.key)
                    .map_err(|e| AgentError::Refused(e.to_string()))?,
            ),
        };
        let text = encode(&ProviderToRelay::Hello(hello))
            .map_err(|e| AgentError::Socket(e.to_string()))?;
        socket
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| AgentError::Socket(e.to_string()))?;
        match self.next_frame(socket).await? {
            RelayToProvider::Welcome { .. } => Ok(()),
            RelayToProvider::Error { error } => Err(AgentError::Refused(format!(
                "{}: {}",
                error.code, error.message
            ))),
            _ => Err(AgentError::Refused("expected a welcome".into())),
        }
    }

    /// Runs one job; every failure becomes a `failed` answer with its code.
    async fn run_job(&self, job: Job) -> ProviderToRelay {
        let job_id = job.job_id.clone();
        match self.execute(job).await {
            Ok((response, exec_us)) => ProviderToRelay::Result {
                job_id,
                response,
                exec_us,
            },
            Err(error) => ProviderToRelay::Failed { job_id, error },
        }
    }

    /// Runs a job: its ticket checked, its bundle ready, then the guest; answers the response
    /// and the guest's time (instantiate and call, microseconds: ticket checks and bundle
    /// loading are not counted).
    async fn execute(&self, mut job: Job) -> Result<(HttpResponse, u64), ErrorBody> {
        let engine_error = |e: EngineError| ErrorBody::new(e.code(), e.to_string());
        let ticketed = job.ticket.is_some();
        self.gate.admit(&mut job).await?;
        let job_id = job.job_id.clone();
        let prepared = self.prepare(job).await;
        if ticketed && prepared.is_err() {
            // nothing ran: the relay may send this job again
            self.gate.release(job_id.as_str());
        }
        let (bundle, request) = prepared?;
        let started = std::time::Instant::now();
        let response = self
            .engine
            .call(&bundle, request)
            .await
            .map_err(engine_error)?;
        let exec_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        let response = HttpResponse {
            status: response.status().as_u16(),
            headers,
            body: response.into_body().to_vec(),
        };
        Ok((response, exec_us))
    }

    /// The job's bundle, with its limits and allowlist, and its request, ready to run.
    async fn prepare(&self, job: Job) -> Result<(Bundle, http::Request<bytes::Bytes>), ErrorBody> {
        let engine_error = |e: EngineError| ErrorBody::new(e.code(), e.to_string());
        let bundle = self.bundle(&job.digest).await?;
        let mut allowlist = Allowlist::new(&job.outbound_hosts).map_err(engine_error)?;
        if self.engine.config().private_outbound {
            allowlist = allowlist.permitting_private_addresses();
        }
        let bundle = bundle
            .with_limits(Limits::from(&job.limits))
            .with_allowlist(allowlist);
        let mut request = http::Request::builder()
            .method(job.request.method.as_str())
            .uri(job.request.path.as_str());
        for (name, value) in &job.request.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request
            .body(bytes::Bytes::from(job.request.body))
            .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, e.to_string()))?;
        Ok((bundle, request))
    }

    /// The loaded bundle, fetching and checking it on first use.
    async fn bundle(&self, digest: &Digest) -> Result<Bundle, ErrorBody> {
        if let Some(bundle) = self
            .loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(digest)
        {
            return Ok(bundle.clone());
        }
        let bytes = self
            .fetcher
            .fetch(digest)
            .await
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
        let (engine, expected) = (self.engine.clone(), *digest);
        let bundle = tokio::task::spawn_blocking(move || engine.load_expecting(&expected, &bytes))
            .await
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| ErrorBody::new(e.code(), e.to_string()))?;
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(*digest, bundle.clone());
        Ok(bundle)
    }
}

/// Sends one frame.
async fn send(socket: &mut Socket, message: &ProviderToRelay) -> Result<(), AgentError> {
    let text = encode(message).map_err(|e| AgentError::Socket(e.to_string()))?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| AgentError::Socket(e.to_string()))
}

/// Closes a drained connection.
async fn close(mut socket: Socket, reason: StopReason) -> Result<SessionEnd, AgentError> {
    let _ = socket.close(None).await;
    Ok(SessionEnd::Drained(reason))
}

/// Sleeps until `at`, or forever when there is none.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
