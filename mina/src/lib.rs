//! Mina's signatures in Rust, byte for byte with the official `mina-signer` package, natively
//! and in WebAssembly.
//!
//! This crate owns: Pallas arithmetic with Mina's generator ([`curve`]), Poseidon with Mina's
//! legacy and kimchi parameters ([`Poseidon`]), keys and their base58check encodings
//! ([`PrivateKey`], [`PublicKey`]), Schnorr signatures for legacy inputs (payments, stake
//! delegations, messages) and field arrays ([`Signature`]), signed commands ([`Command`]) and
//! their transaction hashes, and mina-signer's JSON shapes ([`client`]).
//!
//! It must not depend on tokio, the filesystem or anything server-side: it runs in browsers
//! (`wasm32-unknown-unknown`) as well as in the relay.
//!
//! Its one `unsafe` block is in `poseidon::ifma`: on x86-64 processors with AVX-512 IFMA,
//! detected at run time, Poseidon runs on 52-bit vector multiply-adds (three times faster than
//! the portable path; `docs/decisions/0004-avx512-ifma-poseidon.md`). Everywhere else the
//! crate is safe Rust.
//!
//! ```
//! use webfn_mina::{Command, Common, Memo, NetworkId, PrivateKey};
//!
//! let key = PrivateKey::generate_os()?;
//! let to = PrivateKey::generate_os()?.public_key();
//! let common = Common { from: key.public_key(), fee: 10_000_000, nonce: 0,
//!                       valid_until: u32::MAX, memo: Memo::new("job 42")? };
//! let payment = Command::payment(common, to, 1_000_000_000);
//! let signature = payment.sign(&key, &NetworkId::Testnet)?;
//! assert!(payment.verify(&signature, &key.public_key(), &NetworkId::Testnet));
//! assert!(!payment.verify(&signature, &key.public_key(), &NetworkId::Mainnet));
//! # Ok::<(), webfn_mina::Error>(())
//! ```

mod base58;
pub mod client;
mod command;
pub mod curve;
mod double_mul;
mod error;
mod fp64;
mod generator29;
mod hash_input;
mod keys;
mod memo;
mod network;
mod numeric;
mod poseidon;
mod radix29;
mod signature;
mod sqrt;
mod tx_hash;

pub use base58::{decode_check, encode_check, version};
pub use command::{Body, Command, Common, DEFAULT_VALID_UNTIL, NANOMINA_PER_MINA, message_input};
pub use error::{Error, Result};
pub use hash_input::LegacyInput;
pub use keys::{PrivateKey, PublicKey};
pub use memo::{MAX_MEMO_BYTES, Memo};
pub use network::NetworkId;
pub use poseidon::{Poseidon, prefix_to_field};
pub use signature::{Signature, sign_fields, sign_legacy, verify_fields, verify_legacy};
pub use tx_hash::{HashVersion, transaction_hash};
