//! The gateway over real sockets on 127.0.0.1: a relay, providers connected over its WebSocket
//! (a protocol peer that runs jobs in the real engine), and HTTP calls to `/fn/{name}/…`.

mod common;

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use webfn::engine::{Engine, EngineConfig};
use webfn::server::{ApiLimits, AppState, app};
use webfn::store::Store;
use webfn_mina::PrivateKey;
use webfn_protocol::{
    CallerToRelay, DeployRequest, Digest, ErrorCode, FunctionManifest, HttpRequest, HttpResponse,
    JobId, ProviderHello, ProviderToRelay, RelayToCaller, RelayToProvider, decode, encode,
    provider_auth_message, sign_statement,
};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A relay with `hello` deployed, serving on 127.0.0.1; returns its address.
async fn relay(
    dir: &std::path::Path,
    component: &[u8],
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    relay_with(dir, component, ApiLimits::default()).await
}

/// [`relay`] with other limits.
async fn relay_with(
    dir: &std::path::Path,
    component: &[u8],
    limits: ApiLimits,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::open(dir).await?;
    let digest = store.put_bundle(component, now()).await?;
    let request = DeployRequest::sign(
        FunctionManifest::new("hello".parse()?, digest),
        &PrivateKey::generate_os()?,
        now(),
    )?;
    store.deploy(&request, now(), 300).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let state = Arc::new(AppState::new(store, limits, format!("ws://{address}")));
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    Ok(address)
}

async fn http_get(
    address: &str,
    path: &str,
) -> Result<(u16, String), Box<dyn std::error::Error + Send + Sync>> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

async fn frame(
    socket: &mut Socket,
) -> Result<RelayToProvider, Box<dyn std::error::Error + Send + Sync>> {
    loop {
        match socket.next().await.ok_or("connection closed")?? {
            Message::Text(text) => return Ok(decode(&text, 1 << 26)?),
            Message::Close(_) => return Err("closed by the relay".into()),
            _ => {}
        }
    }
}

/// Connects as a provider signing the challenge with `key` (or with `signer` when given, to
/// forge a hello).
async fn provider(
    address: &str,
    key: &PrivateKey,
    signer: Option<&PrivateKey>,
) -> Result<(Socket, RelayToProvider), Box<dyn std::error::Error + Send + Sync>> {
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{address}/v1/ws/provider")).await?;
    let RelayToProvider::Challenge { nonce, relay } = frame(&mut socket).await? else {
        return Err("expected a challenge".into());
    };
    let signature = sign_statement(
        &provider_auth_message(&relay, &nonce),
        signer.unwrap_or(key),
    )?;
    let hello = ProviderHello {
        public_key: key.public_key().to_base58(),
        signature,
        capacity: 2,
        price: 0,
        region: None,
        engine: "wasmtime 48.0.8".into(),
        hpke: None,
    };
    socket
        .send(Message::Text(
            encode(&ProviderToRelay::Hello(hello))?.into(),
        ))
        .await?;
    let answer = frame(&mut socket).await?;
    Ok((socket, answer))
}

/// Serves jobs with the real engine until the connection ends.
async fn run_jobs(mut socket: Socket, engine: Arc<Engine>, component: Vec<u8>) -> TestResult {
    let bundle = engine.load_expecting(&Digest::of(&component), &component)?;
    while let Ok(message) = frame(&mut socket).await {
        let RelayToProvider::Job(job) = message else {
            continue;
        };
        let mut request = http::Request::builder()
            .method(job.request.method.as_str())
            .uri(job.request.path.as_str());
        for (name, value) in &job.request.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = engine
            .call(&bundle, request.body(bytes::Bytes::from(job.request.body))?)
            .await?;
        let reply = ProviderToRelay::Result {
            job_id: job.job_id,
            response: HttpResponse {
                status: response.status().as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .filter_map(|(n, v)| {
                        v.to_str()
                            .ok()
                            .map(|v| (n.as_str().to_owned(), v.to_owned()))
                    })
                    .collect(),
                body: response.into_body().to_vec(),
            },
            exec_us: 1,
        };
        socket.send(Message::Text(encode(&reply)?.into())).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_through_the_gateway() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let address = relay(dir.path(), &component).await?;

    // no provider: a clear 503, no hang
    let (status, body) = http_get(&address, "/fn/hello/x").await?;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"no_provider\""), "{body}");
    // unknown function
    let (status, body) = http_get(&address, "/fn/nope/x").await?;
    assert_eq!(status, 404, "{body}");

    // a forged hello is refused
    let key = PrivateKey::generate_os()?;
    let (_, answer) = provider(&address, &key, Some(&PrivateKey::generate_os()?)).await?;
    assert!(
        matches!(answer, RelayToProvider::Error { error } if error.code == ErrorCode::BadSignature)
    );

    // a real provider runs the call in the engine
    let (socket, answer) = provider(&address, &key, None).await?;
    assert!(matches!(answer, RelayToProvider::Welcome { .. }));
    let engine = Arc::new(Engine::new(EngineConfig {
        max_instances: 4,
        ..EngineConfig::default()
    })?);
    let serving = tokio::spawn(run_jobs(socket, engine.clone(), component.clone()));
    let (status, body) = http_get(&address, "/fn/hello/some/path?x=1").await?;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("GET /some/path?x=1"), "{body}");
    serving.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_lost_mid_call_is_replaced() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let address = relay(dir.path(), &component).await?;

    // the first provider takes the job and then disappears without answering
    let (mut quitter, _) = provider(&address, &PrivateKey::generate_os()?, None).await?;
    let call = tokio::spawn({
        let address = address.clone();
        async move { http_get(&address, "/fn/hello/again").await }
    });
    assert!(matches!(
        frame(&mut quitter).await?,
        RelayToProvider::Job(_)
    ));
    let (socket, _) = provider(&address, &PrivateKey::generate_os()?, None).await?;
    let engine = Arc::new(Engine::new(EngineConfig {
        max_instances: 4,
        ..EngineConfig::default()
    })?);
    let serving = tokio::spawn(run_jobs(socket, engine, component));
    drop(quitter);
    let (status, body) = call.await??;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("GET /again"), "{body}");
    serving.abort();
    Ok(())
}

fn agent_config(address: &str, bundles: &str) -> webfn::provider::AgentConfig {
    webfn::provider::AgentConfig {
        relay: format!("ws://{address}"),
        bundles: bundles.to_owned(),
        capacity: 4,
        price: 0,
        region: Some("test".into()),
        max_bundle_bytes: 32 << 20,
        max_frame_bytes: 24 << 20,
        zk_key_digest: None,
    }
}

/// Starts the real provider agent against the relay at `address`, fetching bundles from
/// `bundles`; send on the returned channel to stop it.
fn start_agent(
    address: &str,
    bundles: &str,
) -> Result<
    (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ),
    Box<dyn std::error::Error + Send + Sync>,
> {
    let engine = Arc::new(Engine::new(EngineConfig {
        max_instances: 4,
        ..EngineConfig::default()
    })?);
    let agent = webfn::provider::Agent::new(
        agent_config(address, bundles),
        PrivateKey::generate_os()?,
        engine,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        agent
            .run(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok((stop, running))
}

/// The real provider agent: it connects, signs, pulls the bundle by digest and runs the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_agent_serves_calls() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let address = relay(dir.path(), &component).await?;
    let (stop, running) = start_agent(&address, &format!("http://{address}"))?;
    // wait until the relay lists it
    let mut body = String::new();
    for _ in 0..100 {
        body = http_get(&address, "/v1/providers").await?.1;
        if body.contains("test") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(body.contains("\"region\":\"test\""), "{body}");
    for _ in 0..3 {
        let (status, body) = http_get(&address, "/fn/hello/from/agent?q=2").await?;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("GET /from/agent?q=2"), "{body}");
    }
    let _ = stop.send(());
    running.await?;
    Ok(())
}

/// A mirror that serves other bytes under the digest: the provider refuses to run them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_do_not_match_the_digest_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let address = relay(dir.path(), &component).await?;
    // the mirror answers every request with a different (valid) component
    let mirror = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mirror_address = mirror.local_addr()?.to_string();
    let mut other = component.clone();
    other.extend_from_slice(&[0, 4, 4, b'p', b'a', b'd', 0]); // a trailing custom section
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = mirror.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                other.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&other).await;
        }
    });
    let (stop, running) = start_agent(&address, &format!("http://{mirror_address}"))?;
    let mut answer = (0, String::new());
    for _ in 0..100 {
        answer = http_get(&address, "/fn/hello/x").await?;
        if answer.0 != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert!(answer.1.contains("\"digest_mismatch\""), "{}", answer.1);
    let _ = stop.send(());
    running.await?;
    Ok(())
}

/// Reads the next `count` caller frames, keyed by request id (`""` for refusals without one).
async fn answers(
    socket: &mut Socket,
    count: usize,
) -> Result<Vec<(String, RelayToCaller)>, Box<dyn std::error::Error + Send + Sync>> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let next = tokio::time::timeout(std::time::Duration::from_secs(30), socket.next());
        let text = match next.await?.ok_or("connection closed")?? {
            Message::Text(text) => text,
            Message::Close(_) => return Err("closed by the relay".into()),
            _ => continue,
        };
        let answer: RelayToCaller = decode(&text, 1 << 26)?;
        let id = match &answer {
            RelayToCaller::Response { request_id, .. } => request_id.to_string(),
            RelayToCaller::Error { request_id, .. } => request_id
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_default(),
        };
        out.push((id, answer));
    }
    Ok(out)
}

/// The error code of an `error` answer.
fn error_code(answer: &RelayToCaller) -> Option<ErrorCode> {
    match answer {
        RelayToCaller::Error { error, .. } => Some(error.code),
        RelayToCaller::Response { .. } => None,
    }
}

fn invoke(
    request_id: &str,
    function: &str,
    path: &str,
) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
    let message = CallerToRelay::Invoke {
        request_id: JobId::try_from(request_id.to_owned())?,
        function: function.parse()?,
        request: HttpRequest {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("x-test".into(), "1".into())],
            body: b"payload".to_vec(),
        },
    };
    Ok(Message::Text(encode(&message)?.into()))
}

/// Waits until the relay lists a provider.
async fn wait_for_provider(address: &str) -> TestResult {
    for _ in 0..100 {
        if http_get(address, "/metrics")
            .await?
            .1
            .contains("webfn_providers_connected 1")
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err("the provider never connected".into())
}

/// The caller WebSocket: calls answered by request id, bad frames refused without closing
/// the connection, and every call recorded as a job and counted for its provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_invoke_over_the_websocket_and_jobs_are_recorded() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let address = relay(dir.path(), &component).await?;
    let (stop, running) = start_agent(&address, &format!("http://{address}"))?;
    wait_for_provider(&address).await?;

    let (mut caller, _) =
        tokio_tungstenite::connect_async(format!("ws://{address}/v1/ws/caller")).await?;
    caller.send(invoke("first", "hello", "/one?a=1")?).await?;
    caller.send(invoke("second", "hello", "/two")?).await?;
    caller.send(invoke("third", "missing", "/")?).await?;
    caller
        .send(Message::Text("{\"v\":2,\"type\":\"invoke\"}".into()))
        .await?;
    caller.send(Message::Text("not json".into())).await?;
    let got = answers(&mut caller, 5).await?;
    fn by_id<'a>(
        got: &'a [(String, RelayToCaller)],
        id: &'a str,
    ) -> impl Iterator<Item = &'a RelayToCaller> + 'a {
        got.iter().filter(move |(i, _)| i == id).map(|(_, a)| a)
    }
    for (id, path) in [("first", "POST /one?a=1"), ("second", "POST /two")] {
        let Some(RelayToCaller::Response { response, .. }) = by_id(&got, id).next() else {
            return Err(format!("{id}: {got:?}").into());
        };
        assert_eq!(response.status, 200);
        let body = String::from_utf8_lossy(&response.body);
        assert!(body.contains(path), "{body}");
    }
    assert_eq!(
        by_id(&got, "third").next().and_then(error_code),
        Some(ErrorCode::UnknownFunction)
    );
    // the two bad frames were refused without an id, in order, and the connection still works
    let refusals: Vec<_> = by_id(&got, "").filter_map(error_code).collect();
    assert_eq!(
        refusals,
        [ErrorCode::UnsupportedVersion, ErrorCode::MalformedMessage]
    );
    caller.send(invoke("fourth", "hello", "/four")?).await?;
    let got = answers(&mut caller, 1).await?;
    assert!(
        matches!(&got[..], [(id, RelayToCaller::Response { .. })] if id == "fourth"),
        "{got:?}"
    );
    // one gateway call too
    assert_eq!(http_get(&address, "/fn/hello/five").await?.0, 200);

    // jobs: the four calls of hello, newest first, succeeded on the agent
    let (status, body) = http_get(&address, "/v1/jobs?function=hello").await?;
    assert_eq!(status, 200, "{body}");
    let jobs: serde_json::Value = serde_json::from_str(&body)?;
    let jobs = jobs.as_array().ok_or("jobs must be an array")?;
    assert_eq!(jobs.len(), 4, "{body}");
    let provider = jobs[0]["provider"]
        .as_str()
        .ok_or("no provider")?
        .to_owned();
    for job in jobs {
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["attempts"], 1, "{job}");
        assert_eq!(job["provider"], provider.as_str(), "{job}");
        assert!(job["latency_us"].as_u64().is_some_and(|us| us > 0), "{job}");
    }
    let id = jobs[0]["id"].as_str().ok_or("no id")?;
    let (status, one) = http_get(&address, &format!("/v1/jobs/{id}")).await?;
    assert_eq!(status, 200, "{one}");
    assert!(one.contains(id), "{one}");
    assert_eq!(http_get(&address, "/v1/jobs/nope").await?.0, 404);
    let (_, body) = http_get(&address, "/v1/jobs?limit=2").await?;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body)?
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let (_, providers) = http_get(&address, "/v1/providers").await?;
    assert!(providers.contains("\"jobs_ok\":4"), "{providers}");
    let (_, metrics) = http_get(&address, "/metrics").await?;
    assert!(
        metrics.contains("webfn_calls_total{result=\"ok\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("webfn_calls_total{result=\"unknown_function\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("webfn_call_duration_seconds_count 5"),
        "{metrics}"
    );
    let _ = stop.send(());
    running.await?;
    Ok(())
}

/// A caller over its in-flight limit is told `busy` for that call only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_its_in_flight_limit_is_told_busy() -> TestResult {
    let dir = tempfile::tempdir()?;
    let component = common::hello_component()?;
    let limits = ApiLimits {
        caller_in_flight: 1,
        ..ApiLimits::default()
    };
    let address = relay_with(dir.path(), &component, limits).await?;
    // a provider that takes jobs and never answers
    let (mut silent, _) = provider(&address, &PrivateKey::generate_os()?, None).await?;
    let (mut caller, _) =
        tokio_tungstenite::connect_async(format!("ws://{address}/v1/ws/caller")).await?;
    caller.send(invoke("slow", "hello", "/")?).await?;
    assert!(matches!(frame(&mut silent).await?, RelayToProvider::Job(_)));
    caller.send(invoke("more", "hello", "/")?).await?;
    let got = answers(&mut caller, 1).await?;
    assert_eq!(got[0].0, "more");
    assert_eq!(error_code(&got[0].1), Some(ErrorCode::Busy));
    // the provider goes away: the first call fails cleanly (no other provider)
    drop(silent);
    let got = answers(&mut caller, 1).await?;
    assert_eq!(got[0].0, "slow");
    assert_eq!(error_code(&got[0].1), Some(ErrorCode::ProviderLost));
    Ok(())
}
