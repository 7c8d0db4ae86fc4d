//! Settings: [`EngineConfig`] for the whole engine (fixed when it is created) and [`Limits`]
//! for each bundle (from its manifest, capped by the provider).

use std::path::PathBuf;
use std::time::Duration;

const MIB: usize = 1024 * 1024;

/// How the engine is built. The defaults suit a provider on a small machine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Most instances alive at once: the size of the pooling allocator, and so the most calls
    /// the engine runs concurrently. A call beyond it fails with [`EngineError::Busy`].
    ///
    /// [`EngineError::Busy`]: super::EngineError::Busy
    pub max_instances: u32,
    /// Largest linear memory any guest may have, in bytes: the size of a slot of the pool.
    /// [`Limits::memory_bytes`] can lower it per bundle, never raise it.
    pub max_memory_bytes: usize,
    /// Largest bundle (component binary) accepted, in bytes.
    pub max_bundle_bytes: usize,
    /// Period of the epoch ticker, the unit of CPU-time accounting: a guest is charged one
    /// tick for every tick during which it ran, and yields to other tasks at every tick.
    pub epoch_tick: Duration,
    /// Whether to meter fuel (instructions) as well; off by default, as it slows guests down.
    /// When on, [`Limits::fuel`] bounds every call.
    pub fuel: bool,
    /// Folder of the compiled-artifact cache; `None` compiles every bundle on every start.
    /// It must be private to this process's user: its files are loaded as native code.
    pub cache_dir: Option<PathBuf>,
    /// Whether allowlisted outbound hosts may resolve to loopback, private or link-local
    /// addresses (the provider's own network). Off by default: a function owner cannot reach
    /// them even by allowlisting such a name or address.
    pub private_outbound: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_instances: 100,
            max_memory_bytes: 128 * MIB,
            max_bundle_bytes: 32 * MIB,
            epoch_tick: Duration::from_millis(1),
            fuel: false,
            cache_dir: None,
            private_outbound: false,
        }
    }
}

/// What one call of a bundle may use. Every limit has a default; violating one ends the call
/// with the matching [`EngineError`](super::EngineError).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest linear memory of the guest, in bytes (capped by
    /// [`EngineConfig::max_memory_bytes`]). Default 128 MiB.
    pub memory_bytes: usize,
    /// CPU time the guest may run, counted in epoch ticks (see [`EngineConfig::epoch_tick`]).
    /// Default 10 s.
    pub cpu_time: Duration,
    /// Wall-clock time of the whole call: instantiation, execution, waiting on outbound
    /// requests, and the response body. Default 30 s.
    pub wall_time: Duration,
    /// Largest request body handed to the guest, in bytes. Default 16 MiB.
    pub max_request_bytes: usize,
    /// Largest response body taken from the guest, in bytes. Default 16 MiB.
    pub max_response_bytes: usize,
    /// Fuel of one call, when the engine meters fuel ([`EngineConfig::fuel`]). Default
    /// 10 billion units (roughly as many WebAssembly instructions).
    pub fuel: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 * MIB,
            cpu_time: Duration::from_secs(10),
            wall_time: Duration::from_secs(30),
            max_request_bytes: 16 * MIB,
            max_response_bytes: 16 * MIB,
            fuel: 10_000_000_000,
        }
    }
}

impl From<&webfn_protocol::Limits> for Limits {
    /// A function manifest's limits (the request-body limit, which manifests do not carry,
    /// keeps its default). A provider caps them with its own ceilings afterwards.
    fn from(manifest: &webfn_protocol::Limits) -> Self {
        let mib = usize::try_from(manifest.memory_mib).unwrap_or(usize::MAX);
        Limits {
            memory_bytes: mib.saturating_mul(MIB),
            cpu_time: Duration::from_millis(manifest.cpu_ms),
            wall_time: Duration::from_millis(manifest.wall_ms),
            max_response_bytes: usize::try_from(manifest.response_bytes).unwrap_or(usize::MAX),
            ..Limits::default()
        }
    }
}

impl Limits {
    /// The CPU-time budget in epoch ticks of length `tick` (at least one tick).
    pub(crate) fn cpu_ticks(&self, tick: Duration) -> u64 {
        let tick = tick.as_nanos().max(1);
        let ticks = self.cpu_time.as_nanos().div_ceil(tick);
        u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_defaults_are_engine_defaults() {
        let from_manifest = Limits::from(&webfn_protocol::Limits::default());
        assert_eq!(from_manifest, Limits::default());
    }

    #[test]
    fn cpu_time_is_rounded_up_to_whole_ticks() {
        let tick = Duration::from_millis(1);
        let limits = |cpu_time| Limits {
            cpu_time,
            ..Limits::default()
        };
        assert_eq!(limits(Duration::from_secs(10)).cpu_ticks(tick), 10_000);
        assert_eq!(limits(Duration::from_micros(1500)).cpu_ticks(tick), 2);
        assert_eq!(limits(Duration::ZERO).cpu_ticks(tick), 1);
        assert_eq!(limits(Duration::MAX).cpu_ticks(Duration::ZERO), u64::MAX);
    }
}
