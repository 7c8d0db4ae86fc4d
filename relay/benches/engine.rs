//! The provider's own cost per call, without the relay: criterion benchmarks of the engine on
//! the `hello` example (built by `cargo xtask examples`).
//!
//! - `provider/call_warm`: one call to a loaded bundle — a fresh instance from `InstancePre`
//!   and the pooling allocator, the request in, the response out;
//! - `provider/throughput`: 1,000 calls spread over the runtime's worker threads, 2 × cores in
//!   flight (the provider's own requests per second);
//! - `provider/cold_start_cached`: a bundle not in memory whose compiled artifact is in the
//!   disk cache: validate, load the artifact, pre-instantiate, first call.
//!
//! `scripts/bench-relay.sh` runs these beside `wasmtime serve` and the relay's gateway.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use webfn::engine::{Bundle, Engine, EngineConfig};
use webfn_protocol::Digest;

fn hello_wasm() -> Vec<u8> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("examples/hello.wasm");
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask examples` first", path.display()))
}

fn request() -> http::Request<Bytes> {
    http::Request::builder()
        .uri("/bench?x=1")
        .body(Bytes::new())
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn call(engine: &Engine, bundle: &Bundle) {
    let response = engine
        .call(bundle, request())
        .await
        .unwrap_or_else(|e| panic!("call failed: {e}"));
    assert_eq!(response.status(), 200);
}

fn engine(cache_dir: Option<PathBuf>) -> Arc<Engine> {
    Arc::new(
        Engine::new(EngineConfig {
            max_instances: 64,
            cache_dir,
            ..EngineConfig::default()
        })
        .unwrap_or_else(|e| panic!("engine: {e}")),
    )
}

fn warm(c: &mut Criterion) {
    let wasm = hello_wasm();
    let engine = engine(None);
    let bundle = engine.load(&wasm).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("provider");
    group.bench_function("call_warm", |b| {
        b.iter(|| runtime.block_on(call(&engine, &bundle)))
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    const CALLS: u64 = 1000;
    let wasm = hello_wasm();
    let engine = engine(None);
    let bundle = Arc::new(engine.load(&wasm).unwrap_or_else(|e| panic!("{e}")));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let tasks = (2 * workers) as u64;
    let mut group = c.benchmark_group("provider");
    group.throughput(Throughput::Elements(CALLS));
    group.sample_size(20);
    group.bench_function("throughput", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                runtime.block_on(async {
                    let mut running = Vec::new();
                    for t in 0..tasks {
                        let (engine, bundle) = (Arc::clone(&engine), Arc::clone(&bundle));
                        let share = CALLS / tasks + u64::from(t < CALLS % tasks);
                        running.push(tokio::spawn(async move {
                            for _ in 0..share {
                                call(&engine, &bundle).await;
                            }
                        }));
                    }
                    for task in running {
                        task.await.unwrap_or_else(|e| panic!("{e}"));
                    }
                });
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

fn cold_start(c: &mut Criterion) {
    let wasm = hello_wasm();
    let digest = Digest::of(&wasm);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let engine = engine(Some(cache.path().to_path_buf()));
    engine.load(&wasm).unwrap_or_else(|e| panic!("{e}")); // compiles once, fills the disk cache
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("provider");
    group.bench_function("cold_start_cached", |b| {
        b.iter(|| {
            engine.unload(&digest);
            let bundle = engine
                .load_expecting(&digest, &wasm)
                .unwrap_or_else(|e| panic!("{e}"));
            runtime.block_on(call(&engine, &bundle));
        })
    });
    group.finish();
    let stats = engine.stats();
    assert_eq!(
        stats.compiled, 1,
        "every cold start must come from the disk cache"
    );
}

criterion_group!(benches, warm, throughput, cold_start);
criterion_main!(benches);
