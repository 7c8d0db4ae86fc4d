//! HTTP requests and responses as they travel inside messages: method, path with query,
//! headers in order (names lowercase), and the body as standard base64 in JSON.

use serde::{Deserialize, Serialize};

use crate::ProtocolError;

/// An HTTP request for a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Path and query as the function sees them, starting with `/` (the `/fn/{name}` prefix
    /// of the gateway is removed).
    pub path: String,
    /// Header name/value pairs in order; names lowercase.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, with = "base64_bytes")]
    pub body: Vec<u8>,
}

/// An HTTP response from a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpResponse {
    /// Status code, 100–999.
    pub status: u16,
    /// Header name/value pairs in order; names lowercase.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, with = "base64_bytes")]
    pub body: Vec<u8>,
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_headers(headers: &[(String, String)]) -> Result<(), ProtocolError> {
    for (name, value) in headers {
        if !is_token(name) || name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ProtocolError::Invalid {
                field: "headers",
                reason: format!("invalid header name {name:?} (a lowercase token)"),
            });
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(ProtocolError::Invalid {
                field: "headers",
                reason: format!("header {name} has a control character in its value"),
            });
        }
    }
    Ok(())
}

impl HttpRequest {
    /// Checks the method (an HTTP token), the path (starts with `/`, no whitespace or control
    /// characters) and the headers.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if !is_token(&self.method) {
            return Err(ProtocolError::Invalid {
                field: "method",
                reason: format!("{:?} is not an HTTP method", self.method),
            });
        }
        if !self.path.starts_with('/') || self.path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(ProtocolError::Invalid {
                field: "path",
                reason: "must start with / and contain no spaces or control characters".into(),
            });
        }
        check_headers(&self.headers)
    }
}

impl HttpResponse {
    /// Checks the status (100–999) and the headers.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if !(100..=999).contains(&self.status) {
            return Err(ProtocolError::Invalid {
                field: "status",
                reason: format!("{} is not an HTTP status", self.status),
            });
        }
        check_headers(&self.headers)
    }
}

/// `Vec<u8>` as a standard base64 string.
pub(crate) mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("body is not standard base64: {e}")))
    }
}
