//! The engine's errors: what a bundle or a call can do wrong, and what the host can fail at.

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong when loading a bundle or calling it.
///
/// Variants up to [`EngineError::InvalidAllowlist`] are about the bundle or its settings and
/// are the uploader's fault; the `…Exceeded`, `Guest…`, `NoResponse` and `IncompleteResponse`
/// variants are about one call and are the guest's fault; [`EngineError::Busy`],
/// [`EngineError::Cache`] and [`EngineError::Internal`] are the host's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The bundle is larger than the engine accepts.
    #[error("bundle is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the bundle.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The bundle is not a valid WebAssembly component (random bytes, a core module, a
    /// malformed or invalid binary).
    #[error("bundle is not a WebAssembly component: {reason}")]
    NotAComponent {
        /// Why it is not.
        reason: String,
    },
    /// The bundle is a component, but not one of the `wasi:http/proxy` world: it lacks the
    /// `wasi:http/incoming-handler` export, or imports interfaces the engine does not offer.
    #[error(
        "bundle is not a wasi:http/proxy component: {}",
        not_proxy_reason(missing, unexpected)
    )]
    NotHttpProxy {
        /// Exports the world requires and the bundle lacks.
        missing: Vec<String>,
        /// Imports the bundle needs and the engine does not offer.
        unexpected: Vec<String>,
    },
    /// The bundle's content digest is not the one it was expected to have.
    #[error("bundle digest is {actual}, expected {expected}")]
    DigestMismatch {
        /// The digest asked for.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// Wasmtime could not compile or link a bundle that passed validation.
    #[error("bundle cannot be compiled: {reason}")]
    Compile {
        /// Wasmtime's explanation.
        reason: String,
    },
    /// An outbound-host pattern is malformed.
    #[error("invalid outbound host pattern {pattern:?}: {reason}")]
    InvalidAllowlist {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request body is larger than the bundle's limit.
    #[error("request body is {size} bytes, more than the limit of {limit} bytes")]
    RequestTooLarge {
        /// Size of the request body.
        size: usize,
        /// The bundle's limit.
        limit: usize,
    },
    /// The guest ran longer than its CPU-time budget and was interrupted.
    #[error("cpu time limit of {limit:?} exceeded")]
    CpuTimeExceeded {
        /// The bundle's CPU-time limit.
        limit: Duration,
    },
    /// The guest used up its fuel (only when fuel metering is on).
    #[error("fuel limit of {limit} exceeded")]
    FuelExhausted {
        /// The bundle's fuel.
        limit: u64,
    },
    /// The guest tried to grow its memory beyond the limit and then failed.
    #[error("memory limit of {limit} bytes exceeded")]
    MemoryLimitExceeded {
        /// The effective memory limit of the call.
        limit: usize,
    },
    /// The call took longer than the wall-clock limit.
    #[error("wall-clock limit of {limit:?} exceeded")]
    WallTimeExceeded {
        /// The bundle's wall-clock limit.
        limit: Duration,
    },
    /// The guest's response body grew beyond the limit.
    #[error("response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The bundle's limit.
        limit: usize,
    },
    /// The guest trapped (a WebAssembly trap, a panic, an exit, or a failed host call).
    #[error("guest trapped: {message}")]
    GuestTrapped {
        /// The trap and, where known, the guest's backtrace.
        message: String,
    },
    /// The guest answered with a `wasi:http` error code instead of a response.
    #[error("guest answered with an error: {code}")]
    GuestError {
        /// The `wasi:http/types.error-code`, in its debug form.
        code: String,
    },
    /// The guest returned without sending a response.
    #[error("guest returned no response")]
    NoResponse,
    /// The guest sent response headers, but its body ended badly.
    #[error("guest's response body is incomplete: {reason}")]
    IncompleteResponse {
        /// What ended the body.
        reason: String,
    },
    /// Every instance slot of the engine is in use: try again later or elsewhere.
    #[error("engine is at capacity: {reason}")]
    Busy {
        /// Wasmtime's explanation.
        reason: String,
    },
    /// The compiled-artifact cache cannot be read or written.
    #[error("compiled-artifact cache {path}: {source}")]
    Cache {
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A failure of the host that says nothing about the guest.
    #[error("engine failure: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl EngineError {
    /// The protocol's error code for this error.
    pub fn code(&self) -> webfn_protocol::ErrorCode {
        use webfn_protocol::ErrorCode;
        match self {
            EngineError::TooLarge { .. } | EngineError::RequestTooLarge { .. } => {
                ErrorCode::TooLarge
            }
            EngineError::NotAComponent { .. }
            | EngineError::NotHttpProxy { .. }
            | EngineError::Compile { .. } => ErrorCode::InvalidBundle,
            EngineError::DigestMismatch { .. } => ErrorCode::DigestMismatch,
            EngineError::InvalidAllowlist { .. } => ErrorCode::BadRequest,
            EngineError::CpuTimeExceeded { .. } | EngineError::FuelExhausted { .. } => {
                ErrorCode::CpuLimit
            }
            EngineError::MemoryLimitExceeded { .. } => ErrorCode::MemoryLimit,
            EngineError::WallTimeExceeded { .. } => ErrorCode::Timeout,
            EngineError::ResponseTooLarge { .. } => ErrorCode::ResponseTooLarge,
            EngineError::GuestTrapped { .. }
            | EngineError::GuestError { .. }
            | EngineError::NoResponse
            | EngineError::IncompleteResponse { .. } => ErrorCode::GuestFailed,
            EngineError::Busy { .. } => ErrorCode::NoProvider,
            EngineError::Cache { .. } | EngineError::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Whether the error is the guest's doing during a call (as opposed to a bad bundle or a
    /// host failure): useful to decide whether to retry elsewhere or to blame the function.
    pub fn is_guest_fault(&self) -> bool {
        matches!(
            self,
            EngineError::CpuTimeExceeded { .. }
                | EngineError::FuelExhausted { .. }
                | EngineError::MemoryLimitExceeded { .. }
                | EngineError::WallTimeExceeded { .. }
                | EngineError::ResponseTooLarge { .. }
                | EngineError::GuestTrapped { .. }
                | EngineError::GuestError { .. }
                | EngineError::NoResponse
                | EngineError::IncompleteResponse { .. }
        )
    }

    pub(crate) fn internal(error: impl std::fmt::Display) -> Self {
        EngineError::Internal {
            reason: error.to_string(),
        }
    }
}

fn not_proxy_reason(missing: &[String], unexpected: &[String]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing export {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected import {}", unexpected.join(", ")));
    }
    parts.join("; ")
}

/// Results of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_http_proxy_names_what_is_wrong() {
        let error = EngineError::NotHttpProxy {
            missing: vec!["wasi:http/incoming-handler@0.2".into()],
            unexpected: vec!["wasi:sockets/tcp@0.2.0".into()],
        };
        assert_eq!(
            error.to_string(),
            "bundle is not a wasi:http/proxy component: missing export \
             wasi:http/incoming-handler@0.2; unexpected import wasi:sockets/tcp@0.2.0"
        );
    }
}
