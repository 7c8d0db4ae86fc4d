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
mod caller;
mod codec;
mod digest;
mod error;
mod gated;
mod group;
mod http;
mod ledger;
mod manifest;
mod message;
mod name;
mod publisher;
mod sealed;

pub use auth::{
    AUTH_NETWORK, DeployRequest, provider_auth_message, sign_statement, verify_statement,
};
pub use caller::{Member, Payer, prepare_call};
pub use codec::{DEFAULT_MAX_FRAME, decode, encode};
pub use digest::Digest;
pub use error::{ErrorBody, ErrorCode, ProtocolError};
pub use gated::{
    CheckedPayment, Credential, CredentialTerms, DEFAULT_EPOCH_SECS, GateError, GatedCall,
    MAX_EPOCH_SECS, MAX_QUOTA, MIN_EPOCH_SECS, PaymentTerms, Quote, QuoteRequest, SignedPayment,
    Ticket, call_message, call_scope, check_credential, check_payment, epoch_at, input_digest,
    payment_digest,
};
pub use group::{
    GROUP_STATEMENT, GroupChange, GroupId, GroupRequest, GroupView, MAX_MEMBERS_PER_REQUEST,
    TokenGroupRequest,
};
pub use http::{HttpRequest, HttpResponse};
pub use ledger::{LEDGER_STATEMENT, LedgerQuery, PaymentState, PaymentView};
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
pub use sealed::{
    HpkeKey, HpkeKeyPair, MAX_SECRETS, MAX_SECRETS_BYTES, SECRET_HEADER_PREFIX, SECRETS_INFO,
    SealedSecrets, Secrets, hpke_key_statement, seal, validate_secrets,
};

/// `Result` with this crate's [`ProtocolError`].
pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;
