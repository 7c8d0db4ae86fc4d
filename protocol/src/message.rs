//! The messages of the WebSocket protocol, one JSON object per text frame:
//! `{"v": 1, "type": "<snake_case>", …fields}`.

use serde::{Deserialize, Serialize};

use crate::{
    Digest, ErrorBody, FunctionName, GatedCall, HpkeKey, HttpRequest, HttpResponse, Limits,
    ProtocolError, Ticket,
};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Identifies a job (one call) on a relay: 1–64 characters of `A-Za-z0-9_-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

impl JobId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JobId {
    type Error = ProtocolError;
    fn try_from(text: String) -> Result<JobId, ProtocolError> {
        let valid = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(JobId(text))
        } else {
            Err(ProtocolError::Invalid {
                field: "job_id",
                reason: "1 to 64 characters of A-Z, a-z, 0-9, _ and -".into(),
            })
        }
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> String {
        id.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Mina legacy signature as JSON (`{field, scalar}` in decimal), as mina-signer writes it.
pub type SignatureJson = webfn_mina::client::SignatureJson;

/// What a provider says when it connects, answering the relay's challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderHello {
    /// The provider's Mina public key (`B62…`): its identity and payout address.
    pub public_key: String,
    /// Signature of [`crate::provider_auth_message`] for the challenge, by `public_key`.
    pub signature: SignatureJson,
    /// Calls it runs at once.
    pub capacity: u32,
    /// Its price per call, nanomina.
    #[serde(default)]
    pub price: u64,
    /// Where it runs (free text, e.g. `eu-west`).
    #[serde(default)]
    pub region: Option<String>,
    /// Its execution engine and version (e.g. `wasmtime 48.0.8`).
    pub engine: String,
    /// Its HPKE public key for sealed secrets, signed with its Mina key; a provider without
    /// one gets no gated or paid calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpke: Option<HpkeKey>,
}

/// A call for a provider to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The job.
    pub job_id: JobId,
    /// The function called.
    pub function: FunctionName,
    /// Its bundle; the provider fetches it from the relay (`GET /v1/bundles/{digest}`) if it
    /// does not have it, and checks the digest.
    pub digest: Digest,
    /// Limits of this call.
    pub limits: Limits,
    /// Hosts the call may reach over outbound HTTP.
    #[serde(default)]
    pub outbound_hosts: Vec<String>,
    /// The request.
    pub request: HttpRequest,
    /// For a gated or paid call: the credential, payment and sealed secrets the provider
    /// re-checks (and opens) before it runs anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Box<Ticket>>,
}

/// Relay → provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RelayToProvider {
    /// First frame: sign this to prove your key.
    Challenge {
        /// 32 random bytes, hex.
        nonce: String,
        /// The relay's public URL, part of the signed text.
        relay: String,
    },
    /// The hello was accepted.
    Welcome {
        /// The key the relay now knows the provider by.
        public_key: String,
    },
    /// Run this.
    Job(Job),
    /// Stop this job if it is still running; its result is no longer wanted.
    Cancel {
        /// The job.
        job_id: JobId,
    },
    /// Liveness check; answer with `pong` and the same nonce.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
    /// Something the provider sent was refused; the connection may close after this.
    Error {
        /// What went wrong.
        error: ErrorBody,
    },
}

/// Provider → relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProviderToRelay {
    /// Answer to the challenge.
    Hello(ProviderHello),
    /// A job finished with a response.
    Result {
        /// The job.
        job_id: JobId,
        /// The function's response.
        response: HttpResponse,
        /// Execution time (instantiate and call), microseconds.
        exec_us: u64,
    },
    /// A job failed before or during execution.
    Failed {
        /// The job.
        job_id: JobId,
        /// Why (`cpu_limit`, `memory_limit`, `guest_failed`, `digest_mismatch`, …).
        error: ErrorBody,
    },
    /// Current load.
    Status {
        /// Jobs running now.
        running: u32,
        /// Jobs it can run at once.
        capacity: u32,
    },
    /// Answer to `ping`.
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
}

/// Caller → relay (callers may also use the HTTP gateway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CallerToRelay {
    /// Call a function.
    Invoke {
        /// Chosen by the caller, echoed in the answer (1–64 characters, as a job id).
        request_id: JobId,
        /// The function.
        function: FunctionName,
        /// The request.
        request: HttpRequest,
    },
    /// Send a quoted call (a gated or paid function; see `POST /v1/quotes`).
    Call {
        /// Chosen by the caller, echoed in the answer (1–64 characters, as a job id).
        request_id: JobId,
        /// The call, as `POST /v1/calls` takes it.
        call: Box<GatedCall>,
    },
}

/// Relay → caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RelayToCaller {
    /// The function's response.
    Response {
        /// The caller's request id.
        request_id: JobId,
        /// The response.
        response: HttpResponse,
    },
    /// The call failed, or a frame was refused (then `request_id` is absent).
    Error {
        /// The caller's request id, when known.
        #[serde(default)]
        request_id: Option<JobId>,
        /// What went wrong.
        error: ErrorBody,
    },
}
