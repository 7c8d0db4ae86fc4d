//! The npm package `@webfunctions/client`: a drop-in replacement, compiled to WebAssembly, for
//! the `Client` of mina-signer 4.0.0 for keys, payments, stake delegations, messages and field
//! arrays, with the same inputs, the same signed objects and the same transaction hashes; and
//! the zero-knowledge credentials of `webfn-circuits` (identities, Groth16 membership proofs
//! and their verification, the `zk` export); and the caller's side of gated and paid calls
//! (`prepareCall`: sealed secrets, payment and proof for a quote, by `webfn-protocol`).
//!
//! This crate owns only the JavaScript boundary: reading JavaScript values (bigints included)
//! as mina-signer does, writing plain objects, turning errors into JavaScript `Error`s, and
//! the TypeScript types. Every rule about keys, signatures and commands lives in `webfn-mina`,
//! every rule about credentials in `webfn-circuits`, every rule about calls in
//! `webfn-protocol`; like them, this crate must not depend on tokio, the filesystem or
//! anything server-side.
//!
//! `cargo xtask pkg` builds the package into `pkg/dist/` (see `pkg/README.md`).

mod client;
mod gated;
mod js;
mod types;
mod zk;

pub use client::Client;
pub use gated::{hpke_announce, prepare_call};
pub use zk::{ZkProvingKey, create_identity, identity, verify};

/// `initThreadPool(n)`: starts the rayon pool of the threaded build on `n` Web Workers.
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the module is instantiated: Rust panics are reported on the JavaScript console.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
