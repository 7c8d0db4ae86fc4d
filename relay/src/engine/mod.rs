//! The provider's execution engine: runs bundles (WebAssembly components of the
//! `wasi:http/proxy` world) in Wasmtime, one fresh sandboxed instance per call.
//!
//! - [`Engine::new`] configures Wasmtime once: the component model, the pooling allocator
//!   sized by [`EngineConfig`], epoch interruption driven by a ticker thread (the CPU-time
//!   budget), optional fuel, and a linker with `wasi:http` and the WASI 0.2 interfaces that
//!   standard libraries import.
//! - [`Engine::load`] validates a bundle ([`validate`]: a component of the `wasi:http/proxy`
//!   world, within the size limit), compiles it once (or loads the compiled artifact from the
//!   disk cache, keyed by digest and engine fingerprint), pre-instantiates it, and keeps it in
//!   memory. It is CPU-bound: call it from a blocking task.
//! - [`Engine::call`] runs one HTTP request in a fresh instance under the bundle's [`Limits`]
//!   and returns the whole response, or a typed [`EngineError`]. Guests get no environment,
//!   no arguments, no files, no sockets, no stdio, and outbound HTTP only to the hosts of
//!   their [`Allowlist`]. It needs a Tokio runtime.
//!
//! Nothing a guest does panics the host: every trap, limit and misbehaviour becomes an
//! [`EngineError`].

mod cache;
mod call;
mod config;
mod error;
mod host;
mod outbound;
mod setup;
mod validate;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

pub use config::{EngineConfig, Limits};
pub use error::{EngineError, Result};
pub use outbound::Allowlist;
pub use validate::{BundleInfo, validate};
/// Bundles are named by their content digest, the protocol's.
pub use webfn_protocol::Digest;

use cache::{ArtifactCache, Cached};
use call::CallPlan;
use host::{Host, StoreSettings};
use setup::{EpochTicker, wasmtime_config};

/// The execution engine of a provider. Share it behind an `Arc`.
pub struct Engine {
    wasmtime: wasmtime::Engine,
    linker: Linker<Host>,
    config: EngineConfig,
    cache: Option<ArtifactCache>,
    loaded: Mutex<HashMap<Digest, ProxyPre<Host>>>,
    stats: Counters,
    ticker: EpochTicker,
}

/// A loaded bundle, ready to be called: its digest, its pre-instantiated component, and the
/// limits and outbound allowlist of the function it serves. Cheap to clone.
#[derive(Clone)]
pub struct Bundle {
    digest: Digest,
    pre: ProxyPre<Host>,
    limits: Limits,
    allowlist: Arc<Allowlist>,
}

/// What the engine has done so far (for metrics and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Bundles compiled from WebAssembly.
    pub compiled: u64,
    /// Bundles loaded from the disk cache instead.
    pub disk_hits: u64,
    /// Loads answered from memory (the bundle was already loaded).
    pub memory_hits: u64,
    /// Cache files refused (bad checksum, or refused by Wasmtime) and recompiled.
    pub disk_rejected: u64,
    /// Cache files that could not be read or written (the bundle was compiled instead).
    pub cache_errors: u64,
    /// Calls started.
    pub calls: u64,
}

#[derive(Debug, Default)]
struct Counters {
    compiled: AtomicU64,
    disk_hits: AtomicU64,
    memory_hits: AtomicU64,
    disk_rejected: AtomicU64,
    cache_errors: AtomicU64,
    calls: AtomicU64,
}

impl Engine {
    /// Configures Wasmtime, starts the epoch ticker, and opens the artifact cache.
    pub fn new(config: EngineConfig) -> Result<Self> {
        let wasmtime = wasmtime::Engine::new(&wasmtime_config(&config)?)
            .map_err(|error| EngineError::internal(format!("configuring wasmtime: {error:#}")))?;
        let mut linker = Linker::new(&wasmtime);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .and_then(|()| wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker))
            .map_err(|error| EngineError::internal(format!("linking wasi: {error:#}")))?;
        let cache = match &config.cache_dir {
            Some(dir) => Some(ArtifactCache::open(dir, &wasmtime)?),
            None => None,
        };
        let ticker = EpochTicker::start(&wasmtime, config.epoch_tick)?;
        Ok(Engine {
            wasmtime,
            linker,
            config,
            cache,
            loaded: Mutex::new(HashMap::new()),
            stats: Counters::default(),
            ticker,
        })
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The folder of this configuration's compiled artifacts, if the disk cache is on.
    pub fn cache_dir(&self) -> Option<&std::path::Path> {
        self.cache.as_ref().map(ArtifactCache::dir)
    }

    /// The compiled-artifact file of a bundle, if the disk cache is on (it may not exist).
    pub fn cached_artifact_path(&self, digest: &Digest) -> Option<std::path::PathBuf> {
        self.cache.as_ref().map(|cache| cache.path(digest))
    }

    /// Counters of loads and calls.
    pub fn stats(&self) -> EngineStats {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        EngineStats {
            compiled: get(&self.stats.compiled),
            disk_hits: get(&self.stats.disk_hits),
            memory_hits: get(&self.stats.memory_hits),
            disk_rejected: get(&self.stats.disk_rejected),
            cache_errors: get(&self.stats.cache_errors),
            calls: get(&self.stats.calls),
        }
    }

    /// Validates, compiles (or loads from cache) and pre-instantiates a bundle, with default
    /// limits and no outbound access. CPU-bound when the bundle is new: run it on a blocking
    /// thread.
    pub fn load(&self, wasm: &[u8]) -> Result<Bundle> {
        let digest = Digest::of(wasm);
        let pre = self.pre_instantiate(&digest, wasm)?;
        Ok(Bundle {
            digest,
            pre,
            limits: Limits::default(),
            allowlist: Arc::new(Allowlist::deny_all()),
        })
    }

    /// [`Engine::load`], refusing bytes whose digest is not `expected` (a bundle fetched by
    /// digest from a relay or mirror).
    pub fn load_expecting(&self, expected: &Digest, wasm: &[u8]) -> Result<Bundle> {
        let actual = Digest::of(wasm);
        if actual != *expected {
            return Err(EngineError::DigestMismatch {
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
        self.load(wasm)
    }

    /// Forgets a loaded bundle (its compiled artifact stays in the disk cache). Bundles
    /// already handed out keep working.
    pub fn unload(&self, digest: &Digest) -> bool {
        self.loaded_bundles().remove(digest).is_some()
    }

    /// Runs `request` in a fresh instance of `bundle` and returns its response.
    pub async fn call(
        &self,
        bundle: &Bundle,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>> {
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        let mut store = StoreSettings::new(
            &bundle.limits,
            self.config.max_memory_bytes,
            self.ticker.tick,
        );
        if self.config.fuel {
            store.fuel = Some(bundle.limits.fuel);
        }
        let plan = CallPlan {
            pre: &bundle.pre,
            limits: &bundle.limits,
            allowlist: &bundle.allowlist,
            store,
        };
        call::call(plan, request).await
    }

    /// The pre-instantiated component of `digest`: from memory (only bundles that passed
    /// validation get there), else validated and then loaded from the disk cache or compiled
    /// (and stored in the disk cache).
    fn pre_instantiate(&self, digest: &Digest, wasm: &[u8]) -> Result<ProxyPre<Host>> {
        if let Some(pre) = self.loaded_bundles().get(digest) {
            self.stats.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(pre.clone());
        }
        validate(wasm, self.config.max_bundle_bytes)?;
        let component = self.component(digest, wasm)?;
        let compile_error = |error: wasmtime::Error| EngineError::Compile {
            reason: format!("{error:#}"),
        };
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(compile_error)?;
        let pre = ProxyPre::new(instance_pre).map_err(compile_error)?;
        self.loaded_bundles().insert(*digest, pre.clone());
        Ok(pre)
    }

    /// The compiled component of `digest`, from the disk cache or compiled now. The cache
    /// only ever saves time: a file that cannot be read or written is counted in
    /// [`EngineStats::cache_errors`] and the bundle is compiled as if there were no cache.
    fn component(&self, digest: &Digest, wasm: &[u8]) -> Result<Component> {
        if let Some(cache) = &self.cache {
            match cache.load(&self.wasmtime, digest) {
                Ok(Cached::Hit(component)) => {
                    self.stats.disk_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(component);
                }
                Ok(Cached::Rejected) => {
                    self.stats.disk_rejected.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Cached::Miss) => {}
                Err(_) => {
                    self.stats.cache_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let component =
            Component::new(&self.wasmtime, wasm).map_err(|error| EngineError::Compile {
                reason: format!("{error:#}"),
            })?;
        self.stats.compiled.fetch_add(1, Ordering::Relaxed);
        if let Some(cache) = &self.cache
            && cache.store(digest, &component).is_err()
        {
            self.stats.cache_errors.fetch_add(1, Ordering::Relaxed);
        }
        Ok(component)
    }

    fn loaded_bundles(&self) -> std::sync::MutexGuard<'_, HashMap<Digest, ProxyPre<Host>>> {
        // The map stays consistent even if a holder panicked: insertions are single calls.
        self.loaded.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Bundle {
    /// The bundle's content digest.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The limits of its calls.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The hosts its calls may send HTTP requests to.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// The same bundle with other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same bundle with another outbound allowlist.
    #[must_use]
    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Self {
        self.allowlist = Arc::new(allowlist);
        self
    }
}

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bundle")
            .field("digest", &self.digest)
            .field("limits", &self.limits)
            .field("allowlist", &self.allowlist)
            .finish_non_exhaustive()
    }
}
