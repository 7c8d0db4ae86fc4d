//! The host side of one call: the store's data (WASI contexts without ambient authority, the
//! outbound policy, the memory limiter) and the store's CPU budget.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::config::Limits;
use super::outbound::{Allowlist, OutboundPolicy};

/// Most table elements a guest may have (Rust guests have a few hundred).
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// Most core instances, tables and memories a guest may create in its store.
const MAX_INSTANCES: usize = 100;
const MAX_TABLES: usize = 100;
const MAX_MEMORIES: usize = 4;

/// The data of a call's store.
pub(super) struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    outbound: OutboundPolicy,
    pub(super) limiter: MemoryLimiter,
}

impl Host {
    /// A host with no environment, no arguments, no preopened folders, no sockets, empty
    /// stdin and discarded stdout and stderr; outbound HTTP only to `allowlist`.
    fn new(memory_bytes: usize, allowlist: Arc<Allowlist>) -> Self {
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Host {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            outbound: OutboundPolicy::new(allowlist),
            limiter: MemoryLimiter::new(memory_bytes),
        }
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

/// Denies memory growth past the call's limit, and remembers that it did, so that the trap
/// that usually follows (Rust aborts when an allocation fails) is reported as a memory limit.
pub(super) struct MemoryLimiter {
    max_bytes: usize,
    denied: bool,
}

impl MemoryLimiter {
    fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            max_bytes,
            denied: false,
        }
    }

    /// Whether a growth was denied during the call.
    pub(super) fn denied(&self) -> bool {
        self.denied
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes && maximum.is_none_or(|max| desired <= max);
        if !allowed {
            self.denied = true;
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        // The pool's slot was smaller than the growth: a memory limit too.
        self.denied = true;
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

/// How the store of a call is set up.
#[derive(Debug, Clone, Copy)]
pub(super) struct StoreSettings {
    /// Effective memory limit (the bundle's, capped by the pool's slot).
    pub(super) memory_bytes: usize,
    /// CPU budget in epoch ticks.
    pub(super) cpu_ticks: u64,
    /// Fuel, if the engine meters it.
    pub(super) fuel: Option<u64>,
}

impl StoreSettings {
    pub(super) fn new(limits: &Limits, max_memory_bytes: usize, tick: std::time::Duration) -> Self {
        StoreSettings {
            memory_bytes: limits.memory_bytes.min(max_memory_bytes),
            cpu_ticks: limits.cpu_ticks(tick),
            fuel: None,
        }
    }
}

/// A fresh store for one call, with its limiter, CPU budget and (optionally) fuel.
pub(super) fn new_store(
    engine: &wasmtime::Engine,
    settings: StoreSettings,
    allowlist: Arc<Allowlist>,
) -> wasmtime::Result<Store<Host>> {
    let mut store = Store::new(engine, Host::new(settings.memory_bytes, allowlist));
    store.limiter(|host| &mut host.limiter);
    if let Some(fuel) = settings.fuel {
        store.set_fuel(fuel)?;
    }
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(cpu_budget(settings.cpu_ticks));
    Ok(store)
}

/// The epoch callback: every tick during which the guest ran costs one tick of its budget
/// and yields to the executor (so a busy guest never holds a worker thread for long); when
/// the budget is spent, the guest is interrupted (`Trap::Interrupt`). Ticks during which the
/// guest waited (on the host, on I/O, for a thread) are not charged beyond the first.
fn cpu_budget(
    ticks: u64,
) -> impl FnMut(wasmtime::StoreContextMut<'_, Host>) -> wasmtime::Result<UpdateDeadline>
+ Send
+ Sync
+ 'static {
    let mut used: u64 = 0;
    move |_store| {
        used = used.saturating_add(1);
        if used >= ticks {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    }
}
