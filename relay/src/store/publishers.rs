//! Trusted publishing in the store: each function's trusted-publisher policy (set by its
//! owner's signed request), deploys made with a CI job's OIDC token, and the tokens already
//! used ([`ReplayGuard`] over the `oidc_jti` table).

use sqlx::Row;
use webfn_oidc::{ReplayError, ReplayFuture, ReplayGuard, TrustedPublisher};
use webfn_protocol::{ErrorCode, FunctionManifest, PublisherRequest};

use super::db::to_i64;
use super::{FunctionRecord, Store, StoreError};

/// A function's trusted-publisher policy in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherRecord {
    /// The function.
    pub function: String,
    /// The policy.
    pub policy: TrustedPublisher,
    /// The owner who set it (`B62…`).
    pub set_by: String,
    /// `issued_at` of the request that set it, Unix seconds.
    pub issued_at: i64,
    /// When the relay applied it, Unix seconds.
    pub set_at: i64,
}

/// Why a publisher request or a deploy by a trusted publisher was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublisherError {
    /// The function does not exist (a policy is set on a function deployed once by its owner).
    #[error(
        "no function {0:?}: deploy it once with the owner's key, then set its trusted publisher"
    )]
    UnknownFunction(String),
    /// The request's signature does not verify.
    #[error("the publisher request's signature does not verify for owner {0}")]
    BadSignature(String),
    /// The request was issued too far from now.
    #[error(
        "the publisher request was issued at {issued_at}, more than {max_skew} s from the relay's clock ({now})"
    )]
    Stale {
        /// Its `issued_at`.
        issued_at: u64,
        /// The relay's time.
        now: u64,
        /// The accepted difference.
        max_skew: u64,
    },
    /// A request not newer than the one in force (a replay or a reordering).
    #[error(
        "a publisher request issued at {current} is already in force; this one was issued at {issued_at}"
    )]
    Replayed {
        /// Its `issued_at`.
        issued_at: u64,
        /// The `issued_at` of the request in force.
        current: u64,
    },
    /// Someone else owns the function.
    #[error("function {name} belongs to {owner}")]
    NotOwner {
        /// The function.
        name: String,
        /// Its owner.
        owner: String,
    },
    /// The policy is not a valid trusted-publisher policy.
    #[error("{0}")]
    InvalidPolicy(String),
    /// The function has no trusted publisher (any more).
    #[error(
        "no_publisher: function {0} has no trusted publisher; its owner sets one with `webfn publisher set`"
    )]
    NoPublisher(String),
}

impl PublisherError {
    /// The wire error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            PublisherError::UnknownFunction(_) => ErrorCode::UnknownFunction,
            PublisherError::BadSignature(_) => ErrorCode::BadSignature,
            PublisherError::Stale { .. }
            | PublisherError::Replayed { .. }
            | PublisherError::InvalidPolicy(_) => ErrorCode::BadRequest,
            PublisherError::NotOwner { .. } | PublisherError::NoPublisher(_) => {
                ErrorCode::Unauthorized
            }
        }
    }
}

impl Store {
    /// Applies an owner's publisher request, atomically: the policy is valid, the signature
    /// verifies, `|now − issued_at| ≤ max_skew`, the function exists and belongs to the
    /// signer, and `issued_at` is newer than the request in force. Returns the policy now in
    /// force (`None` after a removal).
    pub async fn set_publisher(
        &self,
        request: &PublisherRequest,
        now: u64,
        max_skew: u64,
    ) -> Result<Option<PublisherRecord>, StoreError> {
        let policy = match &request.policy {
            Some(value) => Some(
                serde_json::from_value::<TrustedPublisher>(value.clone())
                    .map_err(|e| PublisherError::InvalidPolicy(e.to_string()))?,
            ),
            None => None,
        };
        if request.issued_at.abs_diff(now) > max_skew {
            return Err(PublisherError::Stale {
                issued_at: request.issued_at,
                now,
                max_skew,
            }
            .into());
        }
        if !request.verify() {
            return Err(PublisherError::BadSignature(request.owner.clone()).into());
        }
        let name = request.function.as_str();
        let issued_at = to_i64(request.issued_at, "issued_at")?;
        let mut tx = self.write().await?;
        let owner: Option<String> =
            sqlx::query_scalar("SELECT owner FROM functions WHERE name = ?")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        match owner {
            None => return Err(PublisherError::UnknownFunction(name.to_owned()).into()),
            Some(owner) if owner != request.owner => {
                return Err(PublisherError::NotOwner {
                    name: name.to_owned(),
                    owner,
                }
                .into());
            }
            Some(_) => {}
        }
        let current: Option<i64> =
            sqlx::query_scalar("SELECT issued_at FROM publishers WHERE function = ?")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(current) = current.filter(|current| issued_at <= *current) {
            return Err(PublisherError::Replayed {
                issued_at: request.issued_at,
                current: current.unsigned_abs(),
            }
            .into());
        }
        sqlx::query(
            "INSERT INTO publishers (function, policy, set_by, issued_at, set_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(function) DO UPDATE SET policy = excluded.policy, set_by = excluded.set_by,
               issued_at = excluded.issued_at, set_at = excluded.set_at",
        )
        .bind(name)
        .bind(policy.as_ref().map(TrustedPublisher::to_json))
        .bind(&request.owner)
        .bind(issued_at)
        .bind(to_i64(now, "time")?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.publisher(name).await
    }

    /// The trusted-publisher policy of a function, if it has one.
    pub async fn publisher(&self, name: &str) -> Result<Option<PublisherRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT policy, set_by, issued_at, set_at FROM publishers WHERE function = ? AND policy IS NOT NULL",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let policy: String = row.try_get("policy")?;
        Ok(Some(PublisherRecord {
            function: name.to_owned(),
            policy: TrustedPublisher::from_json(&policy)
                .map_err(|e| StoreError::Record(format!("policy of {name}: {e}")))?,
            set_by: row.try_get("set_by")?,
            issued_at: row.try_get("issued_at")?,
            set_at: row.try_get("set_at")?,
        }))
    }

    /// Whether the relay holds a bundle with this digest.
    pub async fn has_bundle(&self, digest: &webfn_protocol::Digest) -> Result<bool, StoreError> {
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM bundles WHERE digest = ?")
            .bind(digest.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(known.is_some())
    }

    /// Deploys `manifest` for the function's owner on behalf of its trusted publisher (whose
    /// token the caller has verified against the policy): the function must exist and still
    /// have a publisher, the bundle must be stored. The version goes up by one; the
    /// `issued_at` in force becomes at least `now`, so an owner's deploy request signed
    /// before this deploy cannot be replayed to roll it back.
    pub async fn deploy_by_publisher(
        &self,
        manifest: &FunctionManifest,
        now: u64,
    ) -> Result<FunctionRecord, StoreError> {
        manifest.validate()?;
        let name = manifest.name.as_str();
        let digest = manifest.digest.to_string();
        let json =
            serde_json::to_string(manifest).map_err(|e| StoreError::Record(e.to_string()))?;
        let now = to_i64(now, "time")?;
        let mut tx = self.write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM bundles WHERE digest = ?")
            .bind(&digest)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::MissingBundle(digest));
        }
        super::groups::check_group_exists(&mut tx, &manifest.access).await?;
        let publisher: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM publishers WHERE function = ? AND policy IS NOT NULL",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        if publisher.is_none() {
            return Err(PublisherError::NoPublisher(name.to_owned()).into());
        }
        let updated = sqlx::query(
            "UPDATE functions SET digest = ?, manifest = ?, version = version + 1,
               issued_at = MAX(issued_at, ?), updated_at = ? WHERE name = ?",
        )
        .bind(&digest)
        .bind(&json)
        .bind(now)
        .bind(now)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(PublisherError::UnknownFunction(name.to_owned()).into());
        }
        tx.commit().await?;
        self.function(name)
            .await?
            .ok_or_else(|| StoreError::Record(format!("function {name} vanished")))
    }

    /// Records `(issuer, jti)` unless it is recorded already (then [`ReplayError::Replayed`]);
    /// first forgets the tokens that expired before `now`.
    pub async fn record_token(
        &self,
        issuer: &str,
        jti: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), ReplayError> {
        let store = |e: sqlx::Error| ReplayError::Store(e.to_string());
        let expires_at = i64::try_from(expires_at)
            .map_err(|_| ReplayError::Store("expiry out of range".into()))?;
        let now = i64::try_from(now).map_err(|_| ReplayError::Store("time out of range".into()))?;
        sqlx::query("DELETE FROM oidc_jti WHERE expires_at < ?")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(store)?;
        let inserted = sqlx::query(
            "INSERT INTO oidc_jti (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT(issuer, jti) DO NOTHING",
        )
        .bind(issuer)
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(store)?;
        if inserted.rows_affected() == 0 {
            Err(ReplayError::Replayed)
        } else {
            Ok(())
        }
    }

    /// How many used tokens are remembered.
    pub async fn recorded_tokens(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oidc_jti")
            .fetch_one(&self.pool)
            .await?;
        Ok(count.unsigned_abs())
    }
}

/// The relay's replay guard: used tokens live in the `oidc_jti` table, so a token stays used
/// across a restart and across the relays sharing the database.
impl ReplayGuard for Store {
    fn check_and_record<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: u64,
    ) -> ReplayFuture<'a> {
        Box::pin(self.record_token(issuer, jti, expires_at, unix_now()))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
