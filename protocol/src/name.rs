//! Function names: what appears in `/fn/{name}/…`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ProtocolError;

/// Longest function name (a DNS label).
pub const MAX_NAME_LEN: usize = 63;

/// A function name: 1–63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionName(String);

impl FunctionName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for FunctionName {
    type Err = ProtocolError;
    fn from_str(text: &str) -> Result<FunctionName, ProtocolError> {
        let valid = (1..=MAX_NAME_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
            && !text.starts_with('-')
            && !text.ends_with('-');
        if valid {
            Ok(FunctionName(text.to_owned()))
        } else {
            Err(ProtocolError::Name(text.chars().take(80).collect()))
        }
    }
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FunctionName({})", self.0)
    }
}

impl Serialize for FunctionName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FunctionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FunctionName, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["hello", "sha256", "a", "my-func-2", &"a".repeat(63)] {
            assert!(good.parse::<FunctionName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "Hello",
            "a_b",
            "a/b",
            "ä",
            &"a".repeat(64),
            "a b",
            "..",
        ] {
            assert!(bad.parse::<FunctionName>().is_err(), "{bad}");
        }
    }
}
