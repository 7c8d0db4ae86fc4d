//! Wasmtime's configuration (pooling allocator, epoch interruption, fuel) and the epoch
//! ticker thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use wasmtime::{Config, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::config::EngineConfig;
use super::error::{EngineError, Result};

/// Bytes of linear memory (and of tables) kept mapped in a pool slot between instances, reset
/// with `memset` (only the pages touched, with `PAGEMAP_SCAN` on Linux 6.7 and later) rather
/// than `madvise`: issue 4's measurements found this fastest for small guests like `hello`.
const MEMORY_KEEP_RESIDENT: usize = 1024 * 1024;
const TABLE_KEEP_RESIDENT: usize = 64 * 1024;
/// Most core instances, memories and tables of one component. A Rust `wasm32-wasip2`
/// component has a few core instances, one memory and a few tables; the pool's totals allow
/// half the maximum per component on average.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 16;

/// Wasmtime's configuration for `config`.
pub(super) fn wasmtime_config(config: &EngineConfig) -> Result<Config> {
    if config.max_instances == 0 || config.epoch_tick.is_zero() {
        return Err(EngineError::internal(
            "max_instances and epoch_tick must be positive",
        ));
    }
    let instances = config.max_instances;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_COMPONENT / 2))
        .total_memories(instances.saturating_mul(MEMORIES_PER_COMPONENT))
        .total_tables(instances.saturating_mul(TABLES_PER_COMPONENT / 2))
        .total_stacks(instances)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .max_memory_size(config.max_memory_bytes)
        .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let mut wasmtime = Config::new();
    wasmtime
        .wasm_component_model(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .consume_fuel(config.fuel);
    Ok(wasmtime)
}

/// The thread that advances the engine's epoch every tick, until the engine is dropped.
pub(super) struct EpochTicker {
    pub(super) tick: Duration,
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(super) fn start(engine: &wasmtime::Engine, tick: Duration) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stopped = Arc::clone(&stop);
        thread::Builder::new()
            .name("webfn-epoch".to_owned())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    thread::sleep(tick);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|error| {
                EngineError::internal(format!("starting the epoch ticker: {error}"))
            })?;
        Ok(EpochTicker { tick, stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
