//! The provider's engine against real guest components (`examples/`, built by
//! `cargo xtask examples`, which this test runs once): for every limit, a call that obeys it
//! and one that violates it; guests that fail in every other way; bundle validation; the
//! compiled-artifact cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use webfn::engine::{Allowlist, Bundle, Digest, Engine, EngineConfig, EngineError, Limits};

const MIB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Harness: the guest components, shared engines, requests.

/// The folder of the built components, building them on first use.
fn components() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // CARGO_TARGET_TMPDIR is `<target dir>/tmp`, wherever the target dir is.
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the target dir")
            .to_path_buf();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace root");
        let output = Command::new(env!("CARGO"))
            .args(["xtask", "examples"])
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target_dir)
            .output()
            .expect("running cargo xtask examples");
        assert!(
            output.status.success(),
            "building the guest components failed; run `cargo xtask examples` to see why \
             (the wasm32-wasip2 target must be installed):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        target_dir.join("examples")
    })
}

/// The bytes of a component: `hello`, `sha256`, or a test guest (`test-guests/spin`, …).
fn wasm(name: &str) -> Vec<u8> {
    let path = components().join(format!("{name}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; run `cargo xtask examples`", path.display()))
}

/// A small engine configuration for tests (fewer pool slots than a provider's).
fn test_config() -> EngineConfig {
    EngineConfig {
        max_instances: 16,
        cache_dir: Some(shared_cache_dir().to_path_buf()),
        ..EngineConfig::default()
    }
}

/// A disk cache shared by the tests of this run, so each guest compiles once per run.
fn shared_cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary cache dir"))
        .path()
}

/// The engine most tests share.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(test_config()).expect("engine"))
}

fn load(engine: &Engine, name: &str) -> Bundle {
    engine
        .load(&wasm(name))
        .unwrap_or_else(|error| panic!("loading {name}: {error}"))
}

fn get(uri: &str) -> http::Request<Bytes> {
    http::Request::get(uri)
        .header("host", "function.test")
        .body(Bytes::new())
        .expect("request")
}

fn post(uri: &str, body: impl Into<Bytes>) -> http::Request<Bytes> {
    http::Request::post(uri)
        .header("host", "function.test")
        .body(body.into())
        .expect("request")
}

fn text(response: &http::Response<Bytes>) -> &str {
    std::str::from_utf8(response.body()).expect("UTF-8 body")
}

async fn call_ok(engine: &Engine, bundle: &Bundle, request: http::Request<Bytes>) -> String {
    let response = engine
        .call(bundle, request)
        .await
        .unwrap_or_else(|error| panic!("call failed: {error}"));
    assert_eq!(response.status(), 200, "{}", text(&response));
    text(&response).to_owned()
}

/// `hello` still answers: the engine survived whatever came before.
async fn assert_still_serving(engine: &Engine) {
    let hello = load(engine, "hello");
    let body = call_ok(engine, &hello, get("/still/there")).await;
    assert_eq!(body, "Hello from WebFunctions! GET /still/there\n");
}

// ---------------------------------------------------------------------------------------
// The sample functions.

#[tokio::test(flavor = "multi_thread")]
async fn hello_echoes_method_path_and_query() {
    let engine = engine();
    let hello = load(engine, "hello");
    let response = engine
        .call(&hello, get("/some/path?x=1"))
        .await
        .expect("hello answers");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        text(&response),
        "Hello from WebFunctions! GET /some/path?x=1\n"
    );

    let body = call_ok(engine, &hello, post("https://example.com/", "ignored")).await;
    assert_eq!(body, "Hello from WebFunctions! POST /\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn sha256_hashes_the_body() {
    let engine = engine();
    let sha256 = load(engine, "sha256");
    let body = call_ok(engine, &sha256, post("/", "abc")).await;
    assert_eq!(
        body,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );

    let big: Vec<u8> = (0..3 * MIB + 7).map(|i| (i % 251) as u8).collect();
    let expected = hex::encode(Sha256::digest(&big));
    let body = call_ok(engine, &sha256, post("/", big)).await;
    assert_eq!(body, format!("{expected}\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_calls_each_get_their_own_instance() {
    let engine = Arc::new(Engine::new(test_config()).expect("engine"));
    let hello = load(&engine, "hello");
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (engine, hello) = (Arc::clone(&engine), hello.clone());
            tokio::spawn(async move { engine.call(&hello, get(&format!("/n/{i}"))).await })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let response = task.await.expect("task").expect("call");
        assert_eq!(
            text(&response),
            format!("Hello from WebFunctions! GET /n/{i}\n")
        );
    }
}

// ---------------------------------------------------------------------------------------
// CPU time, fuel and wall clock.

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_within_its_cpu_time_finishes() {
    let engine = engine();
    let spin = load(engine, "test-guests/spin").with_limits(Limits {
        cpu_time: Duration::from_secs(5),
        ..Limits::default()
    });
    let body = call_ok(engine, &spin, get("/?ms=30")).await;
    assert_eq!(body, "spun 30 ms\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_infinite_loop_is_stopped_by_the_cpu_deadline() {
    let engine = engine();
    let limit = Duration::from_millis(200);
    let spin = load(engine, "test-guests/spin").with_limits(Limits {
        cpu_time: limit,
        ..Limits::default()
    });
    let started = Instant::now();
    let error = engine
        .call(&spin, get("/"))
        .await
        .expect_err("spin never answers");
    let elapsed = started.elapsed();
    assert!(
        matches!(error, EngineError::CpuTimeExceeded { limit: l } if l == limit),
        "{error:?}"
    );
    assert!(error.is_guest_fault());
    assert_eq!(error.to_string(), "cpu time limit of 200ms exceeded");
    assert!(
        elapsed < Duration::from_secs(5),
        "stopped after {elapsed:?}"
    );
    assert_still_serving(engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fuel_when_metered_stops_a_loop_and_suffices_for_hello() {
    let engine = Engine::new(EngineConfig {
        fuel: true,
        ..test_config()
    })
    .expect("engine");
    let hello = load(&engine, "hello");
    call_ok(&engine, &hello, get("/")).await;

    let spin = load(&engine, "test-guests/spin").with_limits(Limits {
        fuel: 5_000_000,
        ..Limits::default()
    });
    let error = engine.call(&spin, get("/")).await.expect_err("out of fuel");
    assert!(
        matches!(error, EngineError::FuelExhausted { limit: 5_000_000 }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wall_clock_limit_ends_a_slow_call() {
    let engine = engine();
    let limit = Duration::from_millis(300);
    let spin = load(engine, "test-guests/spin").with_limits(Limits {
        wall_time: limit,
        ..Limits::default()
    });
    let started = Instant::now();
    let error = engine.call(&spin, get("/")).await.expect_err("too slow");
    assert!(
        matches!(error, EngineError::WallTimeExceeded { limit: l } if l == limit),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let quick = load(engine, "test-guests/spin").with_limits(Limits {
        wall_time: Duration::from_secs(5),
        ..Limits::default()
    });
    assert_eq!(
        call_ok(engine, &quick, get("/?ms=10")).await,
        "spun 10 ms\n"
    );
    assert_still_serving(engine).await;
}

// ---------------------------------------------------------------------------------------
// Memory.

fn memory_limited(engine: &Engine, memory_bytes: usize) -> Bundle {
    load(engine, "test-guests/memory-bomb").with_limits(Limits {
        memory_bytes,
        ..Limits::default()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_within_its_memory_runs() {
    let engine = engine();
    let bomb = memory_limited(engine, 32 * MIB);
    assert_eq!(
        call_ok(engine, &bomb, get("/?mib=8")).await,
        "allocated 8 MiB\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_memory_bomb_hits_the_memory_limit() {
    let engine = engine();
    let bomb = memory_limited(engine, 32 * MIB);
    let error = engine.call(&bomb, get("/")).await.expect_err("bomb");
    assert!(
        matches!(error, EngineError::MemoryLimitExceeded { limit } if limit == 32 * MIB),
        "{error:?}"
    );
    assert_still_serving(engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_slot_caps_a_larger_memory_limit() {
    let engine = Engine::new(EngineConfig {
        max_memory_bytes: 16 * MIB,
        ..test_config()
    })
    .expect("engine");
    let bomb = memory_limited(&engine, 1024 * MIB);
    let error = engine.call(&bomb, get("/")).await.expect_err("bomb");
    assert!(
        matches!(error, EngineError::MemoryLimitExceeded { limit } if limit == 16 * MIB),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Request and response sizes.

#[tokio::test(flavor = "multi_thread")]
async fn responses_under_the_limit_arrive_whole_and_larger_ones_are_refused() {
    let engine = engine();
    let big = load(engine, "test-guests/big-response").with_limits(Limits {
        max_response_bytes: 64 * 1024,
        ..Limits::default()
    });
    let response = engine
        .call(&big, get("/?bytes=65536"))
        .await
        .expect("exactly at the limit");
    assert_eq!(response.body().len(), 65536);
    assert!(response.body().iter().all(|&b| b == b'x'));

    let error = engine
        .call(&big, get("/?bytes=65537"))
        .await
        .expect_err("one byte too many");
    assert!(
        matches!(error, EngineError::ResponseTooLarge { limit: 65536 }),
        "{error:?}"
    );
    let error = engine
        .call(&big, get("/?bytes=100000000"))
        .await
        .expect_err("far too many");
    assert!(matches!(error, EngineError::ResponseTooLarge { .. }));
    assert_still_serving(engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn request_bodies_over_the_limit_are_refused_before_running() {
    let engine = engine();
    let sha256 = load(engine, "sha256").with_limits(Limits {
        max_request_bytes: 3,
        ..Limits::default()
    });
    call_ok(engine, &sha256, post("/", "abc")).await;
    let error = engine
        .call(&sha256, post("/", "abcd"))
        .await
        .expect_err("too large");
    assert!(
        matches!(error, EngineError::RequestTooLarge { size: 4, limit: 3 }),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------
// No ambient authority; outbound HTTP.

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_sees_no_environment_arguments_or_files() {
    assert!(std::env::var_os("PATH").is_some(), "the host has variables");
    let engine = engine();
    let probe = load(engine, "test-guests/env-probe");
    let report = call_ok(engine, &probe, get("/")).await;
    println!("env-probe:\n{report}");
    for expected in [
        "env: 0 variables\n",
        "env HOME: absent\n",
        "args: 0\n",
        "read /etc/passwd: error",
        "read_dir /: error",
        "read_dir .: error",
    ] {
        assert!(report.contains(expected), "{expected:?} not in:\n{report}");
    }
}

/// A one-shot HTTP server on 127.0.0.1 that answers 200 and records whether anyone came.
async fn local_server() -> (u16, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let visited = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&visited);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            flag.store(true, Ordering::SeqCst);
            let mut buffer = [0; 4096];
            let _ = socket.read(&mut buffer).await;
            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
            let _ = socket.write_all(reply).await;
        }
    });
    (port, visited)
}

#[tokio::test(flavor = "multi_thread")]
async fn outbound_http_is_denied_unless_allowlisted() {
    let engine = engine();
    let (port, visited) = local_server().await;
    let url = format!("/?url=http://127.0.0.1:{port}/data");

    let denied = load(engine, "test-guests/outbound");
    assert_eq!(
        call_ok(engine, &denied, get(&url)).await,
        "error ErrorCode::HttpRequestDenied\n"
    );
    let elsewhere = denied
        .clone()
        .with_allowlist(Allowlist::new([format!("127.0.0.1:{}", port ^ 1)]).expect("valid"));
    assert_eq!(
        call_ok(engine, &elsewhere, get(&url)).await,
        "error ErrorCode::HttpRequestDenied\n"
    );
    assert!(
        !visited.load(Ordering::SeqCst),
        "a denied request must not connect"
    );

    // allowlisted, but a private address: refused unless the provider permits it
    let allowlist = Allowlist::new([format!("127.0.0.1:{port}")]).expect("valid");
    let private = denied.clone().with_allowlist(allowlist.clone());
    assert_eq!(
        call_ok(engine, &private, get(&url)).await,
        "error ErrorCode::HttpRequestDenied\n"
    );
    let by_name = denied
        .clone()
        .with_allowlist(Allowlist::new([format!("localhost:{port}")]).expect("valid"));
    let url_by_name = format!("/?url=http://localhost:{port}/data");
    assert_eq!(
        call_ok(engine, &by_name, get(&url_by_name)).await,
        "error ErrorCode::HttpRequestDenied\n"
    );
    assert!(
        !visited.load(Ordering::SeqCst),
        "a private address must not be reached"
    );

    let allowed = denied.with_allowlist(allowlist.permitting_private_addresses());
    assert_eq!(call_ok(engine, &allowed, get(&url)).await, "status 200\n");
    assert!(visited.load(Ordering::SeqCst));
}

// ---------------------------------------------------------------------------------------
// Guests that fail: every failure is a typed error, and the engine goes on.

#[tokio::test(flavor = "multi_thread")]
async fn each_guest_failure_is_a_typed_error() {
    let engine = engine();
    let misbehave = load(engine, "test-guests/misbehave");
    assert_eq!(call_ok(engine, &misbehave, get("/")).await, "behaving\n");
    let output = call_ok(engine, &misbehave, get("/?do=print")).await;
    assert_eq!(
        output, "printed\n",
        "stdout and stderr are not the response"
    );

    let failure = |action: &'static str| {
        let misbehave = misbehave.clone();
        async move {
            engine
                .call(&misbehave, get(&format!("/?do={action}")))
                .await
                .expect_err(action)
        }
    };
    let error = failure("panic").await;
    assert!(
        matches!(&error, EngineError::GuestTrapped { message } if message.contains("unreachable")),
        "{error:?}"
    );
    let error = failure("exit").await;
    assert!(
        matches!(&error, EngineError::GuestTrapped { message }
            if message == "the guest exited with status 1"),
        "{error:?}"
    );
    let error = failure("no-response").await;
    assert!(matches!(error, EngineError::NoResponse), "{error:?}");
    assert_eq!(error.to_string(), "guest returned no response");
    let error = failure("error-code").await;
    assert!(
        matches!(&error, EngineError::GuestError { code } if code.contains("asked to fail")),
        "{error:?}"
    );
    let error = failure("unfinished-body").await;
    assert!(
        matches!(error, EngineError::IncompleteResponse { .. }),
        "{error:?}"
    );
    for error in [failure("panic").await, failure("no-response").await] {
        assert!(error.is_guest_fault());
    }
    assert_still_serving(engine).await;
}

// ---------------------------------------------------------------------------------------
// Bundle validation.

#[test]
fn random_bytes_and_core_modules_are_not_components() {
    let engine = engine();
    let random: Vec<u8> = (0..1000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let error = engine.load(&random).expect_err("random bytes");
    assert_eq!(
        error.to_string(),
        "bundle is not a WebAssembly component: no WebAssembly header"
    );

    let core_module = b"\0asm\x01\x00\x00\x00";
    let error = engine.load(core_module).expect_err("core module");
    assert!(matches!(error, EngineError::NotAComponent { .. }));
    assert!(
        error.to_string().contains("core WebAssembly module"),
        "{error}"
    );

    let mut truncated = wasm("hello");
    truncated.truncate(truncated.len() / 2);
    let error = engine.load(&truncated).expect_err("truncated");
    assert!(
        error
            .to_string()
            .starts_with("bundle is not a WebAssembly component: invalid binary"),
        "{error}"
    );
}

#[test]
fn a_component_without_the_http_handler_is_refused() {
    let empty_component = b"\0asm\x0d\x00\x01\x00";
    let error = engine().load(empty_component).expect_err("empty component");
    match &error {
        EngineError::NotHttpProxy {
            missing,
            unexpected,
        } => {
            assert_eq!(missing, &["wasi:http/incoming-handler@0.2.x"]);
            assert!(unexpected.is_empty());
        }
        other => panic!("expected NotHttpProxy, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "bundle is not a wasi:http/proxy component: missing export \
         wasi:http/incoming-handler@0.2.x"
    );
}

#[test]
fn oversized_bundles_are_refused() {
    let engine = Engine::new(EngineConfig {
        max_bundle_bytes: 1024,
        ..test_config()
    })
    .expect("engine");
    let hello = wasm("hello");
    let error = engine.load(&hello).expect_err("too large");
    assert!(
        matches!(error, EngineError::TooLarge { size, limit: 1024 } if size == hello.len()),
        "{error:?}"
    );
}

#[test]
fn bundles_whose_bytes_do_not_match_the_digest_are_refused() {
    let engine = engine();
    let hello = wasm("hello");
    let sha256 = wasm("sha256");
    let expected = Digest::of(&sha256);
    let error = engine
        .load_expecting(&expected, &hello)
        .expect_err("digest mismatch");
    assert!(
        matches!(error, EngineError::DigestMismatch { .. }),
        "{error:?}"
    );
    let bundle = engine.load_expecting(&expected, &sha256).expect("matching");
    assert_eq!(bundle.digest(), &expected);
}

// ---------------------------------------------------------------------------------------
// Compiled-artifact cache.

#[tokio::test(flavor = "multi_thread")]
async fn compiled_artifacts_are_cached_on_disk_and_corruption_is_detected() {
    let dir = tempfile::tempdir().expect("temporary dir");
    let config = || EngineConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    };
    let hello = wasm("hello");
    let digest = Digest::of(&hello);

    let first = Engine::new(config()).expect("engine");
    let started = Instant::now();
    first.load(&hello).expect("compile");
    let compile_time = started.elapsed();
    first.load(&hello).expect("again");
    assert_eq!(first.stats().compiled, 1);
    assert_eq!(first.stats().memory_hits, 1);
    let artifact = first.cached_artifact_path(&digest).expect("cache on");
    assert!(artifact.is_file(), "{} written", artifact.display());
    drop(first);

    // A new engine (a provider restart) loads the artifact without compiling.
    let second = Engine::new(config()).expect("engine");
    let started = Instant::now();
    let bundle = second.load(&hello).expect("from cache");
    let cached_load = started.elapsed();
    call_ok(&second, &bundle, get("/")).await;
    let cold_start = started.elapsed();
    assert_eq!(second.stats().compiled, 0);
    assert_eq!(second.stats().disk_hits, 1);
    let artifact_size = std::fs::metadata(&artifact).expect("artifact").len();
    println!(
        "hello ({} bytes): compile {compile_time:?}; artifact {artifact_size} bytes; \
         from disk cache: load {cached_load:?}, load + first call {cold_start:?}",
        hello.len()
    );

    // A corrupted artifact is detected, recompiled and rewritten, never loaded.
    let mut file = std::fs::read(&artifact).expect("artifact");
    let middle = file.len() / 2;
    file[middle] ^= 0x55;
    std::fs::write(&artifact, &file).expect("corrupt it");
    let third = Engine::new(config()).expect("engine");
    let bundle = third.load(&hello).expect("recompiled");
    assert_eq!(third.stats().disk_rejected, 1);
    assert_eq!(third.stats().compiled, 1);
    call_ok(&third, &bundle, get("/")).await;

    // Truncated to its header, the same.
    std::fs::write(&artifact, &file[..40]).expect("truncate it");
    let fourth = Engine::new(config()).expect("engine");
    fourth.load(&hello).expect("recompiled");
    assert_eq!(fourth.stats().disk_rejected, 1);
    let fifth = Engine::new(config()).expect("engine");
    fifth.load(&hello).expect("from the rewritten cache");
    assert_eq!((fifth.stats().disk_hits, fifth.stats().compiled), (1, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_cache_only_costs_a_compilation() {
    let dir = tempfile::tempdir().expect("temporary dir");
    let engine = Engine::new(EngineConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    })
    .expect("engine");
    let cache_dir = engine.cache_dir().expect("cache on").to_path_buf();
    std::fs::remove_dir_all(&cache_dir).expect("remove the cache folder");
    let hello = engine.load(&wasm("hello")).expect("compiled anyway");
    assert_eq!(engine.stats().compiled, 1);
    assert_eq!(engine.stats().cache_errors, 1);
    call_ok(&engine, &hello, get("/")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_engine_answers_busy_then_recovers() {
    let engine = Arc::new(
        Engine::new(EngineConfig {
            max_instances: 1,
            ..test_config()
        })
        .expect("engine"),
    );
    let spin = load(&engine, "test-guests/spin").with_limits(Limits {
        cpu_time: Duration::from_millis(500),
        ..Limits::default()
    });
    let hello = load(&engine, "hello");
    let busy = {
        let engine = Arc::clone(&engine);
        tokio::spawn(async move { engine.call(&spin, get("/")).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let error = engine.call(&hello, get("/")).await.expect_err("no slot");
    assert!(matches!(error, EngineError::Busy { .. }), "{error:?}");
    assert!(!error.is_guest_fault());
    let spun = busy.await.expect("task").expect_err("spin stopped");
    assert!(matches!(spun, EngineError::CpuTimeExceeded { .. }));
    call_ok(&engine, &hello, get("/")).await;
}

// ---------------------------------------------------------------------------------------
// A quick measurement (printed with --nocapture, not asserted).

#[tokio::test(flavor = "multi_thread")]
async fn measure_warm_hello_calls() {
    let engine = engine();
    let hello = load(engine, "hello");
    for _ in 0..50 {
        call_ok(engine, &hello, get("/warm-up")).await;
    }
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        engine.call(&hello, get("/bench?x=1")).await.expect("call");
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "hello, warm, in-process, {} calls: p50 {:?}, p90 {:?}, p99 {:?} (profile: {})",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
}
