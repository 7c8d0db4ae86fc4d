//! Base58check as Mina uses it: bitcoin alphabet over
//! `version byte ‖ payload ‖ sha256(sha256(version byte ‖ payload))[..4]`.

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Version bytes of the base58check objects this crate reads and writes.
pub mod version {
    /// Private key (`EK…`).
    pub const PRIVATE_KEY: u8 = 90;
    /// Compressed public key (`B62…`).
    pub const PUBLIC_KEY: u8 = 203;
    /// Schnorr signature (`7m…`).
    pub const SIGNATURE: u8 = 154;
    /// Transaction hash (`5J…`).
    pub const TRANSACTION_HASH: u8 = 29;
    /// User command memo (`E4…`).
    pub const MEMO: u8 = 20;
    /// Pre-Berkeley (v1) signed command, used inside the v1 transaction hash.
    pub const SIGNED_COMMAND_V1: u8 = 19;
}

fn checksum(bytes: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(bytes));
    [twice[0], twice[1], twice[2], twice[3]]
}

/// Encodes `payload` under `version` as base58check.
pub fn encode_check(version: u8, payload: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(payload.len() + 5);
    bytes.push(version);
    bytes.extend_from_slice(payload);
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum);
    bs58::encode(bytes).into_string()
}

/// Decodes base58check text, checks checksum and version byte, and returns the payload.
/// `kind` names the expected object in the error message.
pub fn decode_check(text: &str, version: u8, kind: &'static str) -> Result<Vec<u8>> {
    let bytes = bs58::decode(text)
        .into_vec()
        .map_err(|_| Error::Base58Character)?;
    if bytes.len() < 5 {
        return Err(Error::Base58TooShort(bytes.len()));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 4);
    if checksum(body) != sum {
        return Err(Error::Checksum);
    }
    if body[0] != version {
        return Err(Error::VersionByte {
            expected: version,
            found: body[0],
            kind,
        });
    }
    Ok(body[1..].to_vec())
}

/// Splits a leading version number off `payload`, checking it equals `expected`.
pub(crate) fn strip_version_number(payload: &[u8], expected: u8) -> Result<&[u8]> {
    match payload.split_first() {
        Some((&found, rest)) if found == expected => Ok(rest),
        Some((&found, _)) => Err(Error::VersionNumber { expected, found }),
        None => Err(Error::Length {
            expected: 1,
            found: 0,
        }),
    }
}

/// Checks that a payload has exactly `expected` bytes.
pub(crate) fn exact<const N: usize>(payload: &[u8]) -> Result<[u8; N]> {
    payload.try_into().map_err(|_| Error::Length {
        expected: N,
        found: payload.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let text = encode_check(version::MEMO, &[1, 2, 3]);
        assert_eq!(
            decode_check(&text, version::MEMO, "memo").ok(),
            Some(vec![1, 2, 3])
        );
        assert!(matches!(
            decode_check(&text, version::PUBLIC_KEY, "public key"),
            Err(Error::VersionByte { found: 20, .. })
        ));
        let mut corrupted = text.clone().into_bytes();
        let last = corrupted.len() - 1;
        corrupted[last] = if corrupted[last] == b'2' { b'3' } else { b'2' };
        let corrupted = String::from_utf8(corrupted).unwrap_or_default();
        assert_eq!(
            decode_check(&corrupted, version::MEMO, "memo"),
            Err(Error::Checksum)
        );
        assert_eq!(
            decode_check("0OIl", version::MEMO, "memo"),
            Err(Error::Base58Character)
        );
        assert_eq!(
            decode_check("", version::MEMO, "memo"),
            Err(Error::Base58TooShort(0))
        );
    }
}
