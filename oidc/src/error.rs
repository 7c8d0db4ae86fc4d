//! The crate's error: one variant per way a token, an issuer or a CI environment can fail,
//! each with a stable snake_case [`Error::code`] that the relay puts on the wire.

use crate::policy::PolicyError;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while verifying a token, reading configuration or picking up a
/// CI token. Messages are lowercase, carry context, and never contain the token itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The token is not a compact JWS with a JSON header and payload, or a claim has the wrong
    /// type.
    #[error("malformed token: {0}")]
    MalformedToken(String),
    /// The token is longer than the configured limit.
    #[error("token is {size} bytes, more than the limit of {limit}")]
    TokenTooLarge {
        /// The token's length in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The header names an algorithm other than RS256 or ES256 (`none`, HS256, RS512, …), or
    /// asks for extensions (`crit`) this verifier does not implement.
    #[error("unsupported algorithm {0:?}: only RS256 and ES256 are accepted")]
    UnsupportedAlgorithm(String),
    /// `iss` is not exactly the URL of a configured issuer.
    #[error("unknown issuer {0:?}")]
    UnknownIssuer(String),
    /// The issuer's JWKS has no usable key with the token's `kid`, even after a refresh (or a
    /// refresh was refused by the rate limit).
    #[error("issuer {issuer} has no key with kid {kid:?}")]
    UnknownKey {
        /// The configured issuer name.
        issuer: String,
        /// The `kid` of the token header.
        kid: String,
    },
    /// The key named by `kid` is of another type than the token's `alg` (an RSA key for an
    /// ES256 token, or the reverse).
    #[error("key {kid:?} cannot verify {alg} signatures")]
    KeyAlgorithmMismatch {
        /// The `kid` of the token header.
        kid: String,
        /// The token's algorithm.
        alg: &'static str,
    },
    /// The signature does not verify with the issuer's key.
    #[error("bad signature")]
    BadSignature,
    /// A claim the verifier needs (`iss`, `aud`, `exp`, `iat`, `jti`) is missing.
    #[error("token has no {0:?} claim")]
    MissingClaim(&'static str),
    /// `aud` does not contain the audience this verifier was configured with.
    #[error("wrong audience: the token is not meant for {expected:?}")]
    WrongAudience {
        /// The configured audience.
        expected: String,
    },
    /// `exp` (plus leeway) is in the past.
    #[error("token expired at {exp} (now {now}, leeway {leeway} s)")]
    Expired {
        /// The token's `exp`, in seconds since the Unix epoch.
        exp: u64,
        /// The verifier's clock.
        now: u64,
        /// The configured leeway in seconds.
        leeway: u64,
    },
    /// `nbf` (minus leeway) is in the future.
    #[error("token not valid before {nbf} (now {now}, leeway {leeway} s)")]
    NotYetValid {
        /// The token's `nbf`, in seconds since the Unix epoch.
        nbf: u64,
        /// The verifier's clock.
        now: u64,
        /// The configured leeway in seconds.
        leeway: u64,
    },
    /// `iat` (minus leeway) is in the future.
    #[error("token issued in the future at {iat} (now {now}, leeway {leeway} s)")]
    IssuedInFuture {
        /// The token's `iat`, in seconds since the Unix epoch.
        iat: u64,
        /// The verifier's clock.
        now: u64,
        /// The configured leeway in seconds.
        leeway: u64,
    },
    /// The claims do not match the function's trusted-publisher policy.
    #[error(transparent)]
    PolicyMismatch(#[from] PolicyError),
    /// A token with this issuer and `jti` was already accepted.
    #[error("token already used (jti {jti:?})")]
    ReplayedToken {
        /// The token's `jti`.
        jti: String,
    },
    /// The replay store could not record the token; the token is refused.
    #[error("replay store failed: {0}")]
    ReplayStore(String),
    /// The issuer's discovery document or JWKS could not be fetched (connection refused,
    /// timeout, TLS failure, HTTP error status).
    #[error("issuer {issuer} unreachable: {reason}")]
    IssuerUnreachable {
        /// The configured issuer name.
        issuer: String,
        /// What failed.
        reason: String,
    },
    /// The issuer answered, but with a discovery document or JWKS that is not valid (not
    /// JSON, too large, wrong `issuer`, `jwks_uri` not https).
    #[error("issuer {issuer} sent a bad response: {reason}")]
    BadIssuerResponse {
        /// The configured issuer name.
        issuer: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An issuer setting (`NAME=URL`) or the verifier configuration is invalid.
    #[error("bad oidc configuration: {0}")]
    BadConfig(String),
    /// A trusted-publisher policy is invalid (empty repository, non-numeric id, …).
    #[error("invalid trusted-publisher policy: {0}")]
    InvalidPolicy(String),
    /// The environment of this process offers no CI ID token.
    #[error(
        "no CI ID token: on GitHub Actions grant `permissions: id-token: write`; on GitLab CI \
         declare `id_tokens: {variable}: aud: <audience>`"
    )]
    NoCiToken {
        /// The variable that was looked for (GitLab's `id_tokens` name).
        variable: String,
    },
    /// Requesting the token from the CI platform failed.
    #[error("CI token request failed: {0}")]
    CiTokenRequest(String),
}

impl Error {
    /// A stable snake_case code for the wire and for logs; the message may change, the code
    /// does not.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedToken(_) => "malformed_token",
            Self::TokenTooLarge { .. } => "token_too_large",
            Self::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Self::UnknownIssuer(_) => "unknown_issuer",
            Self::UnknownKey { .. } => "unknown_key",
            Self::KeyAlgorithmMismatch { .. } => "key_algorithm_mismatch",
            Self::BadSignature => "bad_signature",
            Self::MissingClaim(_) => "missing_claim",
            Self::WrongAudience { .. } => "wrong_audience",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::IssuedInFuture { .. } => "issued_in_future",
            Self::PolicyMismatch(_) => "policy_mismatch",
            Self::ReplayedToken { .. } => "replayed_token",
            Self::ReplayStore(_) => "replay_store_failed",
            Self::IssuerUnreachable { .. } => "issuer_unreachable",
            Self::BadIssuerResponse { .. } => "bad_issuer_response",
            Self::BadConfig(_) => "bad_config",
            Self::InvalidPolicy(_) => "invalid_policy",
            Self::NoCiToken { .. } => "no_ci_token",
            Self::CiTokenRequest(_) => "ci_token_request_failed",
        }
    }

    /// Whether the fault lies with the issuer or this side (unreachable issuer, broken replay
    /// store, configuration) rather than with the presented token: the relay answers those
    /// with a 5xx status and the token may be retried.
    pub fn is_server_side(&self) -> bool {
        matches!(
            self,
            Self::IssuerUnreachable { .. }
                | Self::BadIssuerResponse { .. }
                | Self::ReplayStore(_)
                | Self::BadConfig(_)
        )
    }
}
