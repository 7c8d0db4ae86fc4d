//! User command memos: up to 32 UTF-8 bytes, stored as 34 bytes `0x01 ‖ length ‖ text ‖ zeros`.

use crate::base58::{self, version};
use crate::{Error, Result};

/// Most UTF-8 bytes a memo can hold.
pub const MAX_MEMO_BYTES: usize = 32;
/// Size of an encoded memo.
pub const MEMO_SIZE: usize = 34;

/// A memo, validated and encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Memo {
    text: String,
    bytes: [u8; MEMO_SIZE],
}

impl Memo {
    /// Encodes `text`; refuses more than 32 UTF-8 bytes.
    pub fn new(text: &str) -> Result<Memo> {
        let raw = text.as_bytes();
        if raw.len() > MAX_MEMO_BYTES {
            return Err(Error::MemoTooLong(raw.len()));
        }
        let mut bytes = [0u8; MEMO_SIZE];
        bytes[0] = 0x01;
        bytes[1] = raw.len() as u8;
        bytes[2..2 + raw.len()].copy_from_slice(raw);
        Ok(Memo {
            text: text.to_owned(),
            bytes,
        })
    }

    /// The empty memo.
    pub fn empty() -> Memo {
        let mut bytes = [0u8; MEMO_SIZE];
        bytes[0] = 0x01;
        Memo {
            text: String::new(),
            bytes,
        }
    }

    /// The memo's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 34 encoded bytes.
    pub fn bytes(&self) -> &[u8; MEMO_SIZE] {
        &self.bytes
    }

    /// The `E4…` base58check form, as the daemon prints memos.
    pub fn to_base58(&self) -> String {
        base58::encode_check(version::MEMO, &self.bytes)
    }
}

impl Default for Memo {
    fn default() -> Memo {
        Memo::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_bytes_not_characters() {
        assert!(Memo::new(&"€".repeat(10)).is_ok()); // 30 bytes
        assert_eq!(Memo::new(&"€".repeat(11)), Err(Error::MemoTooLong(33)));
        assert!(Memo::new(&"a".repeat(32)).is_ok());
        assert!(Memo::empty().to_base58().starts_with("E4"));
    }
}
