//! The WebFunctions protocol, shared by callers, relays and providers: typed, versioned wire
//! messages, HTTP requests and responses inside them, function manifests, content digests,
//! stable error codes, and the signed statements (provider authentication, deploys, trusted-publisher
//! policies).
//!
//! Frames are JSON text, one message each, `{"v": 1, "type": …}`; binary payloads (HTTP
//! bodies) are standard base64. [`decode`] checks the size first, then the version, then the
//! shape, and every failure is a typed [`ProtocolError`] with a stable [`ErrorCode`].
//! `docs/protocol.md` specifies every message.
//!
//! This crate must not depend on tokio, the filesystem or anything server-side: browsers use
//! it too.

mod auth;
mod codec;
mod digest;
mod error;
mod http;
mod manifest;
mod message;
mod name;
mod publisher;

pub use auth::{
    AUTH_NETWORK, DeployRequest, provider_auth_message, sign_statement, verify_statement,
};
pub use codec::{DEFAULT_MAX_FRAME, decode, encode};
pub use digest::Digest;
pub use error::{ErrorBody, ErrorCode, ProtocolError};
pub use http::{HttpRequest, HttpResponse};
pub use manifest::{
    AccessPolicy, FunctionManifest, Limits, MAX_MEMORY_MIB, MAX_OUTBOUND_HOSTS, MAX_RESPONSE_BYTES,
    MAX_TIME_MS,
};
pub use message::{
    CallerToRelay, Job, JobId, PROTOCOL_VERSION, ProviderHello, ProviderToRelay, RelayToCaller,
    RelayToProvider, SignatureJson,
};
pub use name::{FunctionName, MAX_NAME_LEN};
pub use publisher::{PUBLISHER_STATEMENT, PublisherRequest, TokenDeployRequest};

/// `Result` with this crate's [`ProtocolError`].
pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;
