//! `jti` replay protection: a token is accepted at most once per issuer while it is valid.
//!
//! The verifier calls [`ReplayGuard::check_and_record`] last, after the signature, the claims
//! and the trusted-publisher policy all passed, so a refused token is never recorded. The
//! relay implements the trait on its database (a unique `(issuer, jti)` row, deleted after
//! `expires_at`); [`MemoryReplayGuard`] serves one process and tests.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

/// The future [`ReplayGuard::check_and_record`] returns.
pub type ReplayFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ReplayError>> + Send + 'a>>;

/// Why a replay guard refused to record a token.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The `(issuer, jti)` pair was already recorded and has not expired.
    #[error("token already used")]
    Replayed,
    /// The store failed; the token must be refused (it may be retried).
    #[error("replay store: {0}")]
    Store(String),
}

/// Remembers the tokens already accepted.
pub trait ReplayGuard: Send + Sync {
    /// Atomically: fails with [`ReplayError::Replayed`] if `(issuer, jti)` is recorded, else
    /// records it. `issuer` is the issuer URL (`iss`); `expires_at` (seconds since the Unix
    /// epoch) is when the verifier stops accepting the token anyway (`exp` plus leeway), after
    /// which the entry may be forgotten.
    fn check_and_record<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: u64,
    ) -> ReplayFuture<'a>;
}

/// A [`ReplayGuard`] in memory: for one relay process and for tests. Entries are forgotten
/// once they expire.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    used: Mutex<HashMap<(String, String), u64>>,
}

impl MemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tokens are remembered (expired entries are dropped on each record).
    pub fn len(&self) -> usize {
        self.used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The synchronous core of [`ReplayGuard::check_and_record`], at time `now`.
    fn record(
        &self,
        issuer: &str,
        jti: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), ReplayError> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, until| *until >= now);
        let key = (issuer.to_owned(), jti.to_owned());
        if used.contains_key(&key) {
            return Err(ReplayError::Replayed);
        }
        used.insert(key, expires_at);
        Ok(())
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_record<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: u64,
    ) -> ReplayFuture<'a> {
        let result = self.record(issuer, jti, expires_at, crate::verifier::unix_now());
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_once_per_issuer_and_forgets_after_expiry() {
        let guard = MemoryReplayGuard::new();
        assert!(guard.record("https://a", "j", 100, 50).is_ok());
        assert!(matches!(
            guard.record("https://a", "j", 100, 60),
            Err(ReplayError::Replayed)
        ));
        assert!(
            guard.record("https://b", "j", 100, 60).is_ok(),
            "other issuer"
        );
        assert_eq!(guard.len(), 2);
        assert!(guard.record("https://a", "k", 300, 101).is_ok());
        assert_eq!(guard.len(), 1, "both entries that expired at 100 are gone");
        assert!(guard.record("https://a", "j", 300, 102).is_ok());
    }
}
