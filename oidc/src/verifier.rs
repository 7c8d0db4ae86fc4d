//! The verifier: configured issuers and audience, key caches, and the order of the checks.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cache::{IssuerKeys, RefreshPolicy};
use crate::claims::{self, ClaimRules, Claims};
use crate::error::{Error, Result};
use crate::http::{FetchLimits, HttpClient};
use crate::issuers::{Issuer, check_unique};
use crate::jwt;
use crate::policy::TrustedPublisher;
use crate::replay::{ReplayError, ReplayGuard};

/// Largest leeway accepted by [`Verifier::new`].
const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Settings of a [`Verifier`]. [`VerifierConfig::new`] fills in the defaults.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// Trusted issuers (see [`crate::issuers_from_flags_or_env`]).
    pub issuers: Vec<Issuer>,
    /// The audience tokens must be minted for (`aud`); required, e.g. the relay's URL.
    pub audience: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`; 60 s by default, at most 5 minutes.
    pub leeway: Duration,
    /// Largest token accepted; 16 KiB by default (CI tokens are 1–2 KiB).
    pub max_token_bytes: usize,
    /// Timeout and body limit of discovery and JWKS requests.
    pub fetch: FetchLimits,
    /// At most one key refresh per issuer in this interval (unknown `kid`s included); 60 s by
    /// default.
    pub min_refresh_interval: Duration,
    /// Keys older than this are re-fetched before use (and used anyway if the issuer is
    /// unreachable); one hour by default.
    pub jwks_max_age: Duration,
    /// Certificates (PEM) trusted besides the webpki roots when fetching discovery documents
    /// and JWKS, for issuers behind a private CA (self-managed GitLab, GitHub Enterprise
    /// Server); empty by default.
    pub extra_roots_pem: String,
}

impl VerifierConfig {
    /// Defaults for everything but the audience and the issuers.
    pub fn new(audience: impl Into<String>, issuers: Vec<Issuer>) -> Self {
        Self {
            issuers,
            audience: audience.into(),
            leeway: Duration::from_secs(60),
            max_token_bytes: 16 * 1024,
            fetch: FetchLimits::default(),
            min_refresh_interval: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(3600),
            extra_roots_pem: String::new(),
        }
    }
}

/// Verifies CI ID tokens. Cheap to clone; clones share the key caches.
#[derive(Clone, Debug)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    issuers: Vec<IssuerKeys>,
    audience: String,
    leeway: u64,
    max_token_bytes: usize,
    refresh: RefreshPolicy,
    http: HttpClient,
}

impl Verifier {
    /// A verifier for `config`; no request is made until the first token.
    pub fn new(config: VerifierConfig) -> Result<Self> {
        if config.audience.trim().is_empty() {
            return Err(Error::BadConfig(
                "the audience must not be empty".to_owned(),
            ));
        }
        if config.issuers.is_empty() {
            return Err(Error::BadConfig("at least one issuer is needed".to_owned()));
        }
        check_unique(&config.issuers)?;
        if config.leeway > MAX_LEEWAY {
            return Err(Error::BadConfig(format!(
                "leeway {:?} is more than {MAX_LEEWAY:?}",
                config.leeway
            )));
        }
        let http =
            HttpClient::new(config.fetch, &config.extra_roots_pem).map_err(Error::BadConfig)?;
        Ok(Self {
            inner: Arc::new(Inner {
                issuers: config.issuers.into_iter().map(IssuerKeys::new).collect(),
                audience: config.audience,
                leeway: config.leeway.as_secs(),
                max_token_bytes: config.max_token_bytes,
                refresh: RefreshPolicy {
                    min_interval: config.min_refresh_interval,
                    max_age: config.jwks_max_age,
                },
                http,
            }),
        })
    }

    /// The audience tokens must carry.
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The trusted issuers.
    pub fn issuers(&self) -> impl Iterator<Item = &Issuer> {
        self.inner.issuers.iter().map(IssuerKeys::issuer)
    }

    /// Verifies a token: size, shape, algorithm (RS256/ES256), issuer, key, signature, then
    /// `exp`/`nbf`/`iat`, `aud` and `jti`. Records nothing: to act on a token use
    /// [`Verifier::authorize`], which also checks the policy and the replay guard.
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        let inner = &*self.inner;
        let parsed = jwt::parse(token, inner.max_token_bytes)?;
        let iss = match parsed.claims.get("iss") {
            Some(Value::String(iss)) => iss.as_str(),
            Some(_) => return Err(Error::MalformedToken("\"iss\" must be a string".to_owned())),
            None => return Err(Error::MissingClaim("iss")),
        };
        let issuer = inner
            .issuers
            .iter()
            .find(|keys| keys.issuer().url() == iss)
            .ok_or_else(|| Error::UnknownIssuer(jwt::shorten(iss)))?;
        let key = issuer.key(&inner.http, inner.refresh, &parsed.kid).await?;
        key.verify(
            &parsed.kid,
            parsed.alg,
            parsed.signing_input,
            &parsed.signature,
        )?;
        let rules = ClaimRules {
            audience: &inner.audience,
            now: unix_now(),
            leeway: inner.leeway,
        };
        claims::check(parsed.claims, issuer.issuer().name(), rules)
    }

    /// Verifies a token, checks it against a function's trusted-publisher policy, and records
    /// its `jti` with `replay`. The token is recorded only if everything else passed, so a
    /// refused token changes nothing.
    pub async fn authorize(
        &self,
        token: &str,
        policy: &TrustedPublisher,
        replay: &dyn ReplayGuard,
    ) -> Result<Claims> {
        let claims = self.verify(token).await?;
        policy.check(&claims)?;
        let keep_until = claims.expires_at().saturating_add(self.inner.leeway);
        replay
            .check_and_record(claims.issuer(), claims.jti(), keep_until)
            .await
            .map_err(|e| match e {
                ReplayError::Replayed => Error::ReplayedToken {
                    jti: jwt::shorten(claims.jti()),
                },
                ReplayError::Store(reason) => Error::ReplayStore(reason),
            })?;
        Ok(claims)
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
