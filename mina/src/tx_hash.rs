//! Transaction hashes of signed payments and delegations, as mina-signer's `hashPayment` /
//! `hashStakeDelegation` compute them: blake2b-256 over a bin_prot serialization, wrapped as
//! base58check `5J…`.
//!
//! * pre-Berkeley (v1): the hash of the *base58 text* of the versioned v1 signed command; it
//!   depends on the signature;
//! * Berkeley (v2): the hash of the v2 bin_prot signed command with the signature replaced by
//!   the dummy `(r = 1, s = 1)`, as current daemons hash commands.

use blake2::{
    Blake2bVar,
    digest::{Update, VariableOutput},
};

use crate::base58::{self, version};
use crate::command::{Body, Command};
use crate::curve::{self, Field, Scalar};
use crate::keys::PublicKey;
use crate::signature::Signature;
use ark_ff::Field as _;

/// Which form of the transaction hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashVersion {
    /// Pre-Berkeley hash of the v1 serialization (mina-signer's default).
    V1,
    /// Post-Berkeley hash with a dummy signature (`{ berkeley: true }`).
    Berkeley,
}

/// The `5J…` transaction hash of a signed command.
pub fn transaction_hash(command: &Command, signature: &Signature, version: HashVersion) -> String {
    let digest = match version {
        HashVersion::V1 => {
            let text = base58::encode_check(
                version::SIGNED_COMMAND_V1,
                &signed_command_v1(command, signature),
            );
            blake2b_256(text.as_bytes())
        }
        HashVersion::Berkeley => {
            let dummy = Signature {
                r: Field::ONE,
                s: Scalar::ONE,
            };
            blake2b_256(&signed_command_v2(command, &dummy))
        }
    };
    let mut payload = Vec::with_capacity(33);
    payload.push(digest.len() as u8);
    payload.extend_from_slice(&digest);
    base58::encode_check(version::TRANSACTION_HASH, &payload)
}

fn blake2b_256(bytes: &[u8]) -> [u8; 32] {
    let mut digest = [0u8; 32];
    let mut hasher =
        Blake2bVar::new(32).unwrap_or_else(|_| unreachable!("32 is a valid blake2b length"));
    hasher.update(bytes);
    hasher
        .finalize_variable(&mut digest)
        .unwrap_or_else(|_| unreachable!("the buffer has the requested length"));
    digest
}

/// A bin_prot writer with the integer encoding mina-signer uses.
#[derive(Debug, Default)]
struct BinProt(Vec<u8>);

impl BinProt {
    fn byte(&mut self, byte: u8) -> &mut Self {
        self.0.push(byte);
        self
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// bin_prot's variable-length signed integer.
    fn int(&mut self, n: i64) -> &mut Self {
        match n {
            0..0x80 => self.byte(n as u8),
            0x80..0x8000 => self.byte(0xfe).bytes(&(n as u16).to_le_bytes()),
            0x8000..0x8000_0000 => self.byte(0xfd).bytes(&(n as u32).to_le_bytes()),
            -0x80..0 => self.byte(0xff).byte(n as u8),
            -0x8000..-0x80 => self.byte(0xfe).bytes(&(n as u16).to_le_bytes()),
            -0x8000_0000..-0x8000 => self.byte(0xfd).bytes(&(n as u32).to_le_bytes()),
            _ => self.byte(0xfc).bytes(&n.to_le_bytes()),
        }
    }

    /// An unsigned 64-bit integer, written as the signed integer with the same bits.
    fn uint64(&mut self, n: u64) -> &mut Self {
        self.int(n as i64)
    }

    /// An unsigned 32-bit integer, written as the signed 32-bit integer with the same bits.
    fn uint32(&mut self, n: u32) -> &mut Self {
        self.int(i64::from(n as i32))
    }

    fn field(&mut self, x: &Field) -> &mut Self {
        self.bytes(&curve::field_to_bytes(x))
    }

    fn scalar(&mut self, s: &Scalar) -> &mut Self {
        self.bytes(&curve::scalar_to_bytes(s))
    }

    /// `{ x, isOdd }` without version numbers (v2).
    fn public_key(&mut self, key: &PublicKey) -> &mut Self {
        self.field(&key.x()).byte(u8::from(key.is_odd()))
    }

    /// The versioned public key of v1: version numbers of the key and of its field.
    fn public_key_v1(&mut self, key: &PublicKey) -> &mut Self {
        self.byte(1).byte(1).public_key(key)
    }

    fn memo(&mut self, memo: &[u8; 34]) -> &mut Self {
        self.byte(memo.len() as u8).bytes(memo)
    }
}

/// The v2 (Berkeley) `Signed_command`.
fn signed_command_v2(command: &Command, signature: &Signature) -> Vec<u8> {
    let common = &command.common;
    let mut w = BinProt::default();
    w.uint64(common.fee)
        .public_key(&common.from)
        .uint32(common.nonce)
        .byte(0) // Since_genesis
        .uint32(common.valid_until)
        .memo(common.memo.bytes());
    match &command.body {
        Body::Payment { to, amount } => {
            w.byte(0).public_key(to).uint64(*amount);
        }
        Body::StakeDelegation { to } => {
            w.byte(1).byte(0).public_key(to); // Stake_delegation (Set_delegate { new_delegate })
        }
    }
    w.public_key(&common.from)
        .field(&signature.r)
        .scalar(&signature.s);
    w.0
}

/// The v1 signed command with its version numbers, as mina-signer lays it out.
fn signed_command_v1(command: &Command, signature: &Signature) -> Vec<u8> {
    const FEE_TOKEN: u64 = 1;
    let common = &command.common;
    let mut w = BinProt::default();
    w.byte(1).byte(1); // signed command
    w.byte(1); // payload
    w.byte(1).byte(1); // common
    w.byte(1).byte(1).byte(1).uint64(common.fee);
    w.byte(1).byte(1).byte(1).uint64(FEE_TOKEN);
    w.public_key_v1(&common.from);
    w.byte(1).byte(1).uint32(common.nonce);
    w.byte(1).byte(1).uint32(common.valid_until);
    w.byte(1).memo(common.memo.bytes());
    w.byte(1); // body
    match &command.body {
        Body::Payment { to, amount } => {
            w.byte(0).byte(1).byte(1);
            w.public_key_v1(&common.from).public_key_v1(to);
            w.byte(1).byte(1).uint64(FEE_TOKEN);
            w.byte(1).byte(1).byte(1).uint64(*amount);
        }
        Body::StakeDelegation { to } => {
            w.byte(1).byte(1).byte(0);
            w.public_key_v1(&common.from).public_key_v1(to);
        }
    }
    w.byte(1).public_key_v1(&common.from);
    w.byte(1).byte(1).field(&signature.r).scalar(&signature.s);
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(n: i64) -> Vec<u8> {
        let mut w = BinProt::default();
        w.int(n);
        w.0
    }

    #[test]
    fn bin_prot_integers() {
        assert_eq!(encoded(0), [0]);
        assert_eq!(encoded(127), [127]);
        assert_eq!(encoded(128), [0xfe, 128, 0]);
        assert_eq!(encoded(0x8000), [0xfd, 0, 0x80, 0, 0]);
        assert_eq!(encoded(-1), [0xff, 0xff]);
        assert_eq!(encoded(-129), [0xfe, 0x7f, 0xff]);
        assert_eq!(encoded(1 << 40), [0xfc, 0, 0, 0, 0, 0, 1, 0, 0]);
        let mut w = BinProt::default();
        w.uint32(u32::MAX).uint64(u64::MAX);
        assert_eq!(w.0, [0xff, 0xff, 0xff, 0xff]);
    }
}
