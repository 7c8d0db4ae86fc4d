//! Stable error codes every side reports, and the errors of this crate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. Codes are never renamed; new ones may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A request that is malformed or violates a rule (details in the message).
    BadRequest,
    /// A frame that is not a valid protocol message.
    MalformedMessage,
    /// A frame with a protocol version this side does not speak.
    UnsupportedVersion,
    /// A frame, body or upload over its size limit.
    TooLarge,
    /// The named function does not exist.
    UnknownFunction,
    /// A bundle that is not a `wasi:http/proxy` component.
    InvalidBundle,
    /// Bytes that do not hash to the digest they were fetched under.
    DigestMismatch,
    /// A signature or token that does not verify.
    BadSignature,
    /// The caller may not do this.
    Unauthorized,
    /// No provider is connected that can run the call.
    NoProvider,
    /// A service the relay depends on (an OIDC issuer, …) failed or cannot be reached; the
    /// request may be retried later.
    Unavailable,
    /// The provider disconnected while running the call, and re-dispatching failed.
    ProviderLost,
    /// The guest used more CPU time than its limit.
    CpuLimit,
    /// The guest tried to use more memory than its limit.
    MemoryLimit,
    /// The call took longer than its wall-clock limit.
    Timeout,
    /// The guest's response was larger than its limit.
    ResponseTooLarge,
    /// The guest trapped (crashed) or returned no response.
    GuestFailed,
    /// An error inside the relay or provider; details are in its logs.
    Internal,
    /// Too many requests in flight from this caller or connection; retry later.
    Busy,
    /// The named record (a job, …) does not exist.
    NotFound,
    /// A credential proof that does not verify, or whose public inputs do not match the call
    /// (scope, message, quota slot).
    BadProof,
    /// A credential proof made against a root outside the group's window of recent roots.
    UnknownRoot,
    /// The proof's nullifier was already used in its scope: a replay, or a spent quota slot.
    NullifierUsed,
    /// A call to a paid function without a valid payment: missing, badly signed, to another
    /// receiver, below the price, or not naming the job.
    PaymentRequired,
    /// The payment was already used for another call.
    PaymentUsed,
    /// The quote expired, or was never issued.
    QuoteExpired,
    /// The quote was already used by a call.
    QuoteUsed,
    /// Sealed secrets that cannot be opened with the provider's key.
    BadSecrets,
}

impl ErrorCode {
    /// The HTTP status a gateway answers with for this error.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::MalformedMessage
            | ErrorCode::UnsupportedVersion
            | ErrorCode::InvalidBundle
            | ErrorCode::DigestMismatch => 400,
            ErrorCode::BadSignature | ErrorCode::Unauthorized => 401,
            ErrorCode::UnknownFunction => 404,
            ErrorCode::TooLarge => 413,
            ErrorCode::NoProvider | ErrorCode::Unavailable => 503,
            ErrorCode::ProviderLost | ErrorCode::GuestFailed | ErrorCode::ResponseTooLarge => 502,
            ErrorCode::CpuLimit | ErrorCode::MemoryLimit => 508,
            ErrorCode::Timeout => 504,
            ErrorCode::Internal => 500,
            ErrorCode::Busy => 429,
            ErrorCode::NotFound => 404,
            ErrorCode::BadProof | ErrorCode::UnknownRoot => 403,
            ErrorCode::NullifierUsed | ErrorCode::PaymentUsed | ErrorCode::QuoteUsed => 409,
            ErrorCode::PaymentRequired => 402,
            ErrorCode::QuoteExpired => 410,
            ErrorCode::BadSecrets => 400,
        }
    }

    /// Whether a provider reporting this code ran the guest (it failed during execution, not
    /// before): the call counts as executed for payments and nullifiers.
    pub fn is_execution_failure(self) -> bool {
        matches!(
            self,
            ErrorCode::CpuLimit
                | ErrorCode::MemoryLimit
                | ErrorCode::Timeout
                | ErrorCode::ResponseTooLarge
                | ErrorCode::GuestFailed
        )
    }

    /// The code as written on the wire (`no_provider`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::MalformedMessage => "malformed_message",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::UnknownFunction => "unknown_function",
            ErrorCode::InvalidBundle => "invalid_bundle",
            ErrorCode::DigestMismatch => "digest_mismatch",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NoProvider => "no_provider",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::ProviderLost => "provider_lost",
            ErrorCode::CpuLimit => "cpu_limit",
            ErrorCode::MemoryLimit => "memory_limit",
            ErrorCode::Timeout => "timeout",
            ErrorCode::ResponseTooLarge => "response_too_large",
            ErrorCode::GuestFailed => "guest_failed",
            ErrorCode::Internal => "internal",
            ErrorCode::Busy => "busy",
            ErrorCode::NotFound => "not_found",
            ErrorCode::BadProof => "bad_proof",
            ErrorCode::UnknownRoot => "unknown_root",
            ErrorCode::NullifierUsed => "nullifier_used",
            ErrorCode::PaymentRequired => "payment_required",
            ErrorCode::PaymentUsed => "payment_used",
            ErrorCode::QuoteExpired => "quote_expired",
            ErrorCode::QuoteUsed => "quote_used",
            ErrorCode::BadSecrets => "bad_secrets",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error object of the wire and of HTTP error responses: `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable explanation; never contains secrets or internals.
    pub message: String,
}

impl ErrorBody {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
        }
    }
}

/// Errors of this crate: decoding frames and validating values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The frame is larger than the receiver's limit.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// Size of the frame.
        size: usize,
        /// The receiver's limit.
        limit: usize,
    },
    /// The frame names a protocol version this side does not speak.
    #[error("unsupported protocol version {found} (this side speaks version {supported})")]
    UnsupportedVersion {
        /// The version in the frame.
        found: u64,
        /// The version this side speaks.
        supported: u32,
    },
    /// The frame is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A digest that is not `sha256:` and 64 lowercase hex digits.
    #[error("invalid digest {0:?} (expected sha256: and 64 lowercase hex digits)")]
    Digest(String),
    /// A function name outside the allowed alphabet or length.
    #[error(
        "invalid function name {0:?} (1 to 63 characters: a-z, 0-9 and '-', not starting or ending with '-')"
    )]
    Name(String),
    /// A value that breaks a rule of the manifest or a message.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, e.g. `limits.memory_mib`.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl ProtocolError {
    /// The wire error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::FrameTooLarge { .. } => ErrorCode::TooLarge,
            ProtocolError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            ProtocolError::Malformed(_) => ErrorCode::MalformedMessage,
            ProtocolError::Digest(_) | ProtocolError::Name(_) | ProtocolError::Invalid { .. } => {
                ErrorCode::BadRequest
            }
        }
    }

    /// The wire error object for this error.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody::new(self.code(), self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in [
            ErrorCode::NoProvider,
            ErrorCode::CpuLimit,
            ErrorCode::TooLarge,
            ErrorCode::GuestFailed,
        ] {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(ErrorCode::NoProvider.http_status(), 503);
    }
}
