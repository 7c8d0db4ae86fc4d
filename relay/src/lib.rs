//! The library half of `webfn`: the parts of the relay and provider that integration tests
//! (and later the server and agent) use. The binary (`main.rs`) holds the command line.
//!
//! - [`engine`]: the provider's execution engine (Wasmtime, `wasi:http/proxy` components,
//!   limits, compiled-artifact cache). It depends on nothing else in this crate, only on
//!   `webfn-protocol` for content digests and manifest limits.
//! - [`store`]: the relay's durable state: bundles on disk by digest; functions, providers and
//!   jobs in SQLite (sqlx, migrations in `relay/migrations/`); the rules of deploys.
//! - [`server`]: the relay's HTTP API (axum) over the store and the engine's validation.
//! - [`provider`]: the provider agent (connects to a relay, runs its jobs in the engine).
//! - [`tls`]: the TLS client configuration of the command line and the agent.
//! - [`zk_keys`]: the Groth16 key directory of credential proofs (relay and CLI).
//! - [`proof_check`]: a credential proof verified on a blocking thread beside other checks
//!   (relay and provider).

pub mod engine;
pub mod proof_check;
pub mod provider;
pub mod server;
pub mod store;
pub mod tls;
pub mod zk_keys;
