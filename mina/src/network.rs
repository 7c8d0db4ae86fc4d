//! Network ids: `mainnet`, `testnet` (alias `devnet`) and custom names. The network selects
//! the Poseidon prefix of the signature hash and a value mixed into the deterministic nonce, so
//! a signature for one network never verifies on another.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use ark_ff::{AdditiveGroup, Field as _};

use crate::curve::{Field, field_from_bytes};
use crate::{Error, Result};

pub(crate) const PREFIX_MAINNET: &str = "MinaSignatureMainnet";
pub(crate) const PREFIX_TESTNET: &str = "CodaSignature*******";
/// Prefixes are padded with `*` or truncated to this many UTF-16 code units.
const PREFIX_UNITS: usize = 20;

/// The network a signature is made for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NetworkId {
    /// Mina mainnet.
    Mainnet,
    /// Mina testnet, also called devnet.
    Testnet,
    /// Any other chain name (e.g. `zeko`): its own prefix and nonce input.
    Custom(String),
}

impl NetworkId {
    /// Reads a name as mina-signer does: `mainnet`, `testnet` or `devnet`, or any other
    /// non-empty string as a custom network.
    pub fn from_name(name: &str) -> Result<NetworkId> {
        match name {
            "mainnet" => Ok(NetworkId::Mainnet),
            "testnet" | "devnet" => Ok(NetworkId::Testnet),
            "" => Err(Error::Network(String::new(), "the name is empty")),
            other => {
                let id = NetworkId::Custom(other.to_owned());
                id.signature_prefix()?;
                Ok(id)
            }
        }
    }

    /// The network's name (`testnet` for testnet/devnet).
    pub fn name(&self) -> &str {
        match self {
            NetworkId::Mainnet => "mainnet",
            NetworkId::Testnet => "testnet",
            NetworkId::Custom(name) => name,
        }
    }

    /// The 20-character Poseidon prefix of signature hashes on this network.
    pub fn signature_prefix(&self) -> Result<String> {
        let prefix = match self {
            NetworkId::Mainnet => PREFIX_MAINNET.to_owned(),
            NetworkId::Testnet => PREFIX_TESTNET.to_owned(),
            NetworkId::Custom(name) => custom_prefix(&format!("{name}Signature")),
        };
        crate::poseidon::prefix_to_field(&prefix).map_err(|_| {
            Error::Network(
                self.name().to_owned(),
                "its prefix does not fit in a field element",
            )
        })?;
        Ok(prefix)
    }

    /// The byte mixed into the nonce of legacy signatures.
    ///
    /// For custom networks mina-signer computes `Number(id) & 0xff` where `id` is the name's
    /// character codes as one big integer: the low 8 bits after rounding to a double.
    pub fn legacy_nonce_byte(&self) -> u8 {
        match self {
            NetworkId::Mainnet => 0x01,
            NetworkId::Testnet => 0x00,
            NetworkId::Custom(name) => low_byte_as_double(&custom_id_bits(name)),
        }
    }

    /// The field element mixed into the nonce of kimchi signatures (the network id packed as
    /// one field); refused for custom names of 255 bits or more, which mina-signer packs
    /// inconsistently.
    pub fn kimchi_nonce_field(&self) -> Result<Field> {
        match self {
            NetworkId::Mainnet => Ok(Field::ONE),
            NetworkId::Testnet => Ok(Field::ZERO),
            NetworkId::Custom(name) => {
                let bits = custom_id_bits(name);
                if bits.len() >= 255 {
                    return Err(Error::Network(
                        name.clone(),
                        "too long for kimchi signatures",
                    ));
                }
                let mut bytes = [0u8; 32];
                for (i, bit) in bits.iter().rev().enumerate() {
                    bytes[i / 8] |= u8::from(*bit) << (i % 8);
                }
                field_from_bytes(&bytes)
            }
        }
    }
}

/// mina-signer's `createCustomPrefix`: pad with `*` or cut to 20 UTF-16 code units (a cut
/// surrogate pair becomes U+FFFD when encoded).
fn custom_prefix(prefix: &str) -> String {
    let mut units: Vec<u16> = prefix.encode_utf16().take(PREFIX_UNITS).collect();
    units.resize(PREFIX_UNITS, u16::from(b'*'));
    char::decode_utf16(units)
        .map(|unit| unit.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// mina-signer's `networkIdOfString`: the UTF-16 code units from last to first, each written
/// in binary padded to at least 8 digits, concatenated; returned most significant bit first.
fn custom_id_bits(name: &str) -> Vec<bool> {
    let units: Vec<u16> = name.encode_utf16().collect();
    let mut bits = Vec::with_capacity(units.len() * 8);
    for unit in units.iter().rev() {
        let width = (16 - unit.leading_zeros() as usize).max(8);
        bits.extend((0..width).rev().map(|i| unit >> i & 1 == 1));
    }
    bits
}

/// The low 8 bits of the integer (given MSB first) after rounding it to an IEEE double,
/// ties to even, as JavaScript's `Number(bigint)` does; infinity gives 0.
fn low_byte_as_double(bits_msb_first: &[bool]) -> u8 {
    let start = bits_msb_first
        .iter()
        .position(|&b| b)
        .unwrap_or(bits_msb_first.len());
    let bits = &bits_msb_first[start..];
    let exact = |bits: &[bool]| bits.iter().fold(0u64, |acc, &b| acc << 1 | u64::from(b));
    if bits.len() <= 53 {
        return (exact(bits) & 0xff) as u8;
    }
    let shift = bits.len() - 53;
    let mut mantissa = exact(&bits[..53]);
    let guard = bits[53];
    let sticky = bits[54..].iter().any(|&b| b);
    if guard && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    if shift >= 8 {
        0
    } else {
        ((mantissa << shift) & 0xff) as u8
    }
}

impl fmt::Display for NetworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for NetworkId {
    type Err = Error;
    fn from_str(name: &str) -> Result<NetworkId> {
        NetworkId::from_name(name)
    }
}

impl Serialize for NetworkId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Accepts a name (`"mainnet"`) or mina-signer's typed form `{"custom": "zeko"}`.
impl<'de> Deserialize<'de> for NetworkId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Name(String),
            Custom { custom: String },
        }
        let name = match Repr::deserialize(deserializer)? {
            Repr::Name(name) | Repr::Custom { custom: name } => name,
        };
        NetworkId::from_name(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(
            NetworkId::from_name("devnet").ok(),
            Some(NetworkId::Testnet)
        );
        assert_eq!(
            NetworkId::from_name("mainnet").ok(),
            Some(NetworkId::Mainnet)
        );
        assert!(NetworkId::from_name("").is_err());
        let parsed: NetworkId =
            serde_json::from_str(r#"{"custom":"zeko"}"#).unwrap_or(NetworkId::Mainnet);
        assert_eq!(parsed, NetworkId::Custom("zeko".into()));
    }

    #[test]
    fn custom_prefixes_pad_and_truncate() {
        let zeko = NetworkId::Custom("zeko".into());
        assert_eq!(
            zeko.signature_prefix().ok().as_deref(),
            Some("zekoSignature*******")
        );
        let long = NetworkId::Custom("custom-network-name".into());
        assert_eq!(
            long.signature_prefix().ok().as_deref(),
            Some("custom-network-nameS")
        );
    }

    #[test]
    fn custom_nonce_byte_is_the_first_character_while_exact() {
        // "zeko": 4 characters, 32 bits, exact as a double: low byte = 'z'
        assert_eq!(NetworkId::Custom("zeko".into()).legacy_nonce_byte(), b'z');
        // 8+ characters: the double has lost the low bits
        assert_eq!(
            NetworkId::Custom("abcdefghij".into()).legacy_nonce_byte(),
            0
        );
    }

    #[test]
    fn rounding_to_double_ties_to_even() {
        // 2^54 + 2 (binary 1 followed by 52 zeros, then 1, 0): a tie, rounds to even 2^54
        let mut bits = vec![true];
        bits.extend(std::iter::repeat_n(false, 52));
        bits.extend([true, false]);
        assert_eq!(low_byte_as_double(&bits), 0);
        // 2^54 + 6: a tie between 2^54+4 and 2^54+8, rounds to 2^54+8 (even mantissa)
        let n = (1u64 << 54) + 6;
        let bits: Vec<bool> = (0..55).rev().map(|i| n >> i & 1 == 1).collect();
        assert_eq!(low_byte_as_double(&bits), 8);
    }
}
