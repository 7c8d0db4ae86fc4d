//! Signed commands: payments and stake delegations with every field, and their legacy hash
//! input (`Transaction_union_payload.to_input_legacy`).

use crate::hash_input::LegacyInput;
use crate::keys::{PrivateKey, PublicKey};
use crate::memo::Memo;
use crate::network::NetworkId;
use crate::signature::{self, Signature};
use crate::{Error, Result};

/// `validUntil` when none is given: the largest global slot.
pub const DEFAULT_VALID_UNTIL: u32 = u32::MAX;
/// Nanomina in one MINA.
pub const NANOMINA_PER_MINA: u64 = 1_000_000_000;

/// Fields shared by every signed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// The fee payer and signer (`from`).
    pub from: PublicKey,
    /// Fee in nanomina.
    pub fee: u64,
    /// The fee payer's account nonce.
    pub nonce: u32,
    /// Last global slot (since genesis) at which the command may be included.
    pub valid_until: u32,
    /// Memo, at most 32 bytes.
    pub memo: Memo,
}

/// What a command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Move `amount` nanomina from `from` to `to`.
    Payment {
        /// The receiver.
        to: PublicKey,
        /// Amount in nanomina.
        amount: u64,
    },
    /// Delegate `from`'s stake to `to`.
    StakeDelegation {
        /// The new delegate.
        to: PublicKey,
    },
}

/// A payment or stake delegation, ready to sign or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Fee payer, fee, nonce, validity and memo.
    pub common: Common,
    /// The payment or delegation.
    pub body: Body,
}

impl Command {
    /// A payment.
    pub fn payment(common: Common, to: PublicKey, amount: u64) -> Command {
        Command {
            common,
            body: Body::Payment { to, amount },
        }
    }

    /// A stake delegation.
    pub fn delegation(common: Common, to: PublicKey) -> Command {
        Command {
            common,
            body: Body::StakeDelegation { to },
        }
    }

    /// The receiver (payment) or new delegate (delegation).
    pub fn receiver(&self) -> &PublicKey {
        match &self.body {
            Body::Payment { to, .. } | Body::StakeDelegation { to } => to,
        }
    }

    /// The amount moved: zero for a delegation.
    pub fn amount(&self) -> u64 {
        match self.body {
            Body::Payment { amount, .. } => amount,
            Body::StakeDelegation { .. } => 0,
        }
    }

    /// The fee plus the amount, checked: what the fee payer's balance must cover.
    pub fn total_cost(&self) -> Option<u64> {
        self.common.fee.checked_add(self.amount())
    }

    /// Signs with `key`, which must be the key of `from`.
    pub fn sign(&self, key: &PrivateKey, network: &NetworkId) -> Result<Signature> {
        let signer = key.public_key();
        if signer != self.common.from {
            return Err(Error::NotSigner {
                from: self.common.from.to_base58(),
                expected: signer.to_base58(),
            }
            .in_field("from"));
        }
        signature::sign_legacy(&self.to_legacy_input(), key, network)
    }

    /// Verifies a signature by `signer` (normally `from`).
    pub fn verify(&self, signature: &Signature, signer: &PublicKey, network: &NetworkId) -> bool {
        signature::verify_legacy(&self.to_legacy_input(), signature, signer, network)
    }

    /// The legacy hash input: `[fee payer.x, source.x, receiver.x]` and the bits
    /// `fee ‖ fee token ‖ fee payer odd ‖ nonce ‖ valid until ‖ memo ‖ tag ‖ source odd ‖
    /// receiver odd ‖ token id ‖ amount ‖ token locked`.
    pub fn to_legacy_input(&self) -> LegacyInput {
        const LEGACY_TOKEN_ID: u64 = 1;
        let common = &self.common;
        let receiver = self.receiver();
        let tag: u64 = match self.body {
            Body::Payment { .. } => 0,
            Body::StakeDelegation { .. } => 1,
        };
        let mut input = LegacyInput::default();
        input
            .field(common.from.x())
            .field(common.from.x())
            .field(receiver.x())
            .uint(common.fee, 64)
            .uint(LEGACY_TOKEN_ID, 64)
            .bit(common.from.is_odd())
            .uint(common.nonce.into(), 32)
            .uint(common.valid_until.into(), 32)
            .bytes_lsb_first(common.memo.bytes());
        // the 3-bit tag is written most significant bit first
        for shift in [2, 1, 0] {
            input.bit(tag >> shift & 1 == 1);
        }
        input
            .bit(common.from.is_odd())
            .bit(receiver.is_odd())
            .uint(LEGACY_TOKEN_ID, 64)
            .uint(self.amount(), 64)
            .bit(false);
        input
    }
}

/// The legacy hash input of a message: its UTF-8 bytes, each byte's bits most significant
/// first.
pub fn message_input(message: &str) -> LegacyInput {
    let mut input = LegacyInput::default();
    for byte in message.as_bytes() {
        input.bits.extend((0..8).rev().map(|i| byte >> i & 1 == 1));
    }
    input
}
