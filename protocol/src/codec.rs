//! Encoding and decoding frames: the version is checked first, the size before anything.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{PROTOCOL_VERSION, ProtocolError};

/// Default limit on one frame: 24 MiB (a 16 MiB body in base64, plus headers).
pub const DEFAULT_MAX_FRAME: usize = 24 << 20;

/// Encodes a message as a frame: its JSON object with `"v"` added.
pub fn encode<T: Serialize>(message: &T) -> Result<String, ProtocolError> {
    let mut value =
        serde_json::to_value(message).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    let Value::Object(map) = &mut value else {
        return Err(ProtocolError::Malformed(
            "a message must be a JSON object".into(),
        ));
    };
    map.insert("v".into(), Value::from(PROTOCOL_VERSION));
    Ok(value.to_string())
}

/// Decodes a frame of at most `max_frame` bytes: size, JSON, version, then the message.
pub fn decode<T: DeserializeOwned>(frame: &str, max_frame: usize) -> Result<T, ProtocolError> {
    if frame.len() > max_frame {
        return Err(ProtocolError::FrameTooLarge {
            size: frame.len(),
            limit: max_frame,
        });
    }
    let mut value: Value =
        serde_json::from_str(frame).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    let Value::Object(map) = &mut value else {
        return Err(ProtocolError::Malformed(
            "a frame must be a JSON object".into(),
        ));
    };
    match map.remove("v") {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(PROTOCOL_VERSION)) => {}
        Some(Value::Number(n)) => {
            return Err(ProtocolError::UnsupportedVersion {
                found: n.as_u64().unwrap_or(u64::MAX),
                supported: PROTOCOL_VERSION,
            });
        }
        Some(_) => return Err(ProtocolError::Malformed("\"v\" must be a number".into())),
        None => {
            return Err(ProtocolError::Malformed(
                "missing protocol version \"v\"".into(),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| ProtocolError::Malformed(e.to_string()))
}
