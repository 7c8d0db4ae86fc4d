//! Trusted publishing for WebFunctions: CI jobs on GitHub Actions and GitLab CI prove who
//! they are with the platform's OpenID Connect ID token, the way PyPI's trusted publishing
//! works, so no long-lived secret is stored in the CI.
//!
//! This crate owns three things:
//!
//! 1. **Verifying ID tokens** ([`Verifier`]): issuers are configured as `NAME=URL` pairs
//!    ([`parse_issuers`], [`issuers_from_flags_or_env`]; `github` and `gitlab.com` by
//!    default). Keys come only from the issuer's JWKS, found through
//!    `{iss}/.well-known/openid-configuration`, fetched over HTTPS with a timeout and a size
//!    limit, cached, and refreshed when a token names an unknown `kid`, at most once a minute
//!    per issuer. Only RS256 and ES256 (P-256) are accepted; `none`, every `HS*` and all other
//!    algorithms are refused before a key is looked at. `iss` must be exactly a configured
//!    issuer URL, `aud` must contain the configured audience, `exp`/`nbf`/`iat` are checked
//!    with a leeway (60 s), and `jti` is required.
//! 2. **Trusted-publisher policies** ([`TrustedPublisher`]): per function, the GitHub
//!    repository, owner id and workflow file (optionally ref and environment), or the GitLab
//!    project path, ref and ref type (optionally ids and environment). Serde types with a small
//!    JSON form; [`TrustedPublisher::check`] names the claim that does not match.
//! 3. **Picking up the CI job's token** ([`CiEnvironment`]): GitHub's token request endpoint
//!    or a GitLab `id_tokens` variable.
//!
//! [`Verifier::authorize`] is the one call a relay needs for a deploy or group update: it
//! verifies the token, checks the policy, and only then records the `jti` with a
//! [`ReplayGuard`], so a refused token changes nothing.
//!
//! # Cryptography: why ring
//!
//! Signatures are verified with [`ring`] (`RSA_PKCS1_2048_8192_SHA256`,
//! `ECDSA_P256_SHA256_FIXED`) rather than `jsonwebtoken` or the RustCrypto `rsa` and `p256`
//! crates: ring is already the TLS provider of the JWKS client (rustls), so one audited
//! library does all the cryptography; it has no HMAC path that a confused `alg` could reach
//! and no private-key RSA code (the `rsa` crate's RUSTSEC-2023-0071 concerns private-key
//! operations; tests still use that crate, only to generate keys and sign). The JWS format
//! around it (three base64url parts, the `alg` allowlist, JWK parsing) is small and written
//! here, so every refusal has its own typed error.
//!
//! # What this crate must not depend on
//!
//! The relay and its storage: replay records go through the [`ReplayGuard`] trait, which the
//! relay implements on its database. It makes HTTP requests only to configured issuers (and,
//! for [`CiEnvironment`], to the CI platform), over HTTPS trusting the webpki roots plus any
//! configured extra roots ([`VerifierConfig::extra_roots_pem`], for a private CA), or plain
//! HTTP to loopback addresses for tests.

mod cache;
mod ci_token;
mod claims;
mod error;
mod http;
mod issuers;
mod jwt;
mod keys;
mod policy;
mod replay;
#[cfg(feature = "test-issuer")]
pub mod test_issuer;
mod verifier;

pub use ci_token::{
    CiEnvironment, CiTokenSource, DEFAULT_ID_TOKEN_VARIABLE, GITHUB_REQUEST_TOKEN_VARIABLE,
    GITHUB_REQUEST_URL_VARIABLE,
};
pub use claims::Claims;
pub use error::{Error, Result};
pub use http::FetchLimits;
pub use issuers::{
    GITHUB_ISSUER_URL, GITLAB_ISSUER_URL, Issuer, default_issuers, issuers_from_flags_or_env,
    parse_issuers,
};
pub use policy::{
    GithubPublisher, GitlabPublisher, PolicyError, PublisherSpec, RefType, TrustedPublisher,
};
pub use replay::{MemoryReplayGuard, ReplayError, ReplayFuture, ReplayGuard};
pub use verifier::{Verifier, VerifierConfig};
