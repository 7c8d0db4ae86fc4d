//! Per-issuer key cache: discovery (`{iss}/.well-known/openid-configuration` → `jwks_uri`),
//! the JWKS fetched and kept, refreshed when it grows old or a token names an unknown `kid`.
//!
//! Refreshes are rate-limited per issuer: at most one attempt (successful or not) per
//! `min_refresh_interval`, so tokens with made-up `kid`s, or an issuer that is down, cannot make
//! the relay hammer the issuer. Only one refresh runs at a time per issuer; tokens whose key is
//! already cached never wait for it. When a refresh fails, keys already cached stay in use.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::http::{FetchError, HttpClient, check_url};
use crate::issuers::Issuer;
use crate::keys::{KeySet, PublicKey, parse_jwks};

/// How often the keys of one issuer may be fetched, and how long they are trusted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefreshPolicy {
    pub(crate) min_interval: Duration,
    pub(crate) max_age: Duration,
}

/// The keys of one issuer.
#[derive(Debug)]
pub(crate) struct IssuerKeys {
    issuer: Issuer,
    current: RwLock<Option<Arc<Snapshot>>>,
    refresh: Mutex<RefreshState>,
}

#[derive(Debug)]
struct Snapshot {
    keys: KeySet,
    fetched_at: Instant,
}

#[derive(Debug, Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_failure: Option<Failure>,
}

/// A failed refresh, kept to answer requests while the rate limit forbids another attempt.
#[derive(Clone, Debug)]
enum Failure {
    Unreachable(String),
    BadResponse(String),
}

impl IssuerKeys {
    pub(crate) fn new(issuer: Issuer) -> Self {
        Self {
            issuer,
            current: RwLock::new(None),
            refresh: Mutex::new(RefreshState::default()),
        }
    }

    pub(crate) fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The key with this `kid`: from the cache if it is there and fresh, else after a refresh
    /// (if the rate limit allows one).
    pub(crate) async fn key(
        &self,
        http: &HttpClient,
        policy: RefreshPolicy,
        kid: &str,
    ) -> Result<PublicKey> {
        let seen = self.snapshot();
        if let Some(snapshot) = &seen
            && snapshot.fetched_at.elapsed() < policy.max_age
            && let Some(key) = snapshot.keys.get(kid)
        {
            return Ok(key.clone());
        }
        let mut state = self.refresh.lock().await;
        let latest = self.snapshot();
        let refreshed_meanwhile = match (&seen, &latest) {
            (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
            (None, Some(_)) => true,
            _ => false,
        };
        let mut failure = None;
        if !refreshed_meanwhile && rate_limit_allows(&state, policy.min_interval) {
            failure = self.refresh(http, &mut state).await.err();
        }
        let latest = self.snapshot();
        if let Some(key) = latest.as_ref().and_then(|s| s.keys.get(kid)) {
            return Ok(key.clone());
        }
        let failure = failure.or_else(|| match latest {
            None => state.last_failure.clone(),
            Some(_) => None,
        });
        Err(match failure {
            Some(failure) => self.error(failure),
            None => Error::UnknownKey {
                issuer: self.issuer.name().to_owned(),
                kid: crate::jwt::shorten(kid),
            },
        })
    }

    fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn refresh(
        &self,
        http: &HttpClient,
        state: &mut RefreshState,
    ) -> std::result::Result<(), Failure> {
        state.last_attempt = Some(Instant::now());
        match self.fetch(http).await {
            Ok(keys) => {
                let snapshot = Arc::new(Snapshot {
                    keys,
                    fetched_at: Instant::now(),
                });
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(snapshot);
                state.last_failure = None;
                Ok(())
            }
            Err(failure) => {
                state.last_failure = Some(failure.clone());
                Err(failure)
            }
        }
    }

    /// Discovery, then the JWKS.
    async fn fetch(&self, http: &HttpClient) -> std::result::Result<KeySet, Failure> {
        let discovery_url = self.issuer.discovery_url();
        let body = http
            .get(&discovery_url, None)
            .await
            .map_err(|e| fetch_failure("discovery document", e))?;
        let jwks_uri = self.jwks_uri(&body)?;
        let body = http
            .get(&jwks_uri, None)
            .await
            .map_err(|e| fetch_failure("JWKS", e))?;
        parse_jwks(&body).map_err(Failure::BadResponse)
    }

    /// The `jwks_uri` of a discovery document whose `issuer` is exactly this issuer's URL.
    fn jwks_uri(&self, body: &[u8]) -> std::result::Result<String, Failure> {
        let bad = |reason: String| Failure::BadResponse(format!("discovery document: {reason}"));
        let document: Value =
            serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
        let issuer = document.get("issuer").and_then(Value::as_str);
        if issuer != Some(self.issuer.url()) {
            return Err(bad(format!(
                "its issuer {issuer:?} is not {:?}",
                self.issuer.url()
            )));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no jwks_uri".to_owned()))?;
        check_url(jwks_uri).map_err(bad)?;
        Ok(jwks_uri.to_owned())
    }

    fn error(&self, failure: Failure) -> Error {
        let issuer = self.issuer.name().to_owned();
        match failure {
            Failure::Unreachable(reason) => Error::IssuerUnreachable { issuer, reason },
            Failure::BadResponse(reason) => Error::BadIssuerResponse { issuer, reason },
        }
    }
}

fn rate_limit_allows(state: &RefreshState, min_interval: Duration) -> bool {
    state
        .last_attempt
        .is_none_or(|last| last.elapsed() >= min_interval)
}

fn fetch_failure(what: &str, error: FetchError) -> Failure {
    match error {
        FetchError::Unreachable(reason) => Failure::Unreachable(format!("{what}: {reason}")),
        FetchError::Status(status) if status >= 500 => {
            Failure::Unreachable(format!("{what}: HTTP status {status}"))
        }
        other => Failure::BadResponse(format!("{what}: {other}")),
    }
}
