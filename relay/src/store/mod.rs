//! The relay's durable state: bundles on disk by digest, and functions, providers and jobs in
//! SQLite through sqlx (migrations in `relay/migrations/`). A relay restart loses nothing
//! that was acknowledged: bundle files are synced before their rename, and SQLite runs with
//! `synchronous = FULL` in WAL mode.

mod bundles;
mod db;
mod groups;
mod jobs;
mod ledger;
mod publishers;

use std::path::Path;

use webfn_protocol::{ErrorCode, ProtocolError};

pub use bundles::BundleDir;
pub use db::{FunctionRecord, ProviderRecord, Store};
pub use groups::MAX_MEMBER_LISTING;
pub use jobs::{JobRecord, JobStatus};
pub use ledger::{Admission, MAX_PAYMENT_LISTING, QuoteRecord};
pub use publishers::{PublisherError, PublisherRecord};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("{path}")]
    Io {
        /// The file or folder.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored bundle no longer matches its digest.
    #[error("stored bundle {0} does not match its digest")]
    Corrupt(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the database failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A manifest or request breaks a protocol rule.
    #[error(transparent)]
    Invalid(#[from] ProtocolError),
    /// A signed request's (deploy, group change) signature does not verify.
    #[error("the request's signature does not verify for owner {0}")]
    BadSignature(String),
    /// A signed request was issued too far from now.
    #[error(
        "the request was issued at {issued_at}, more than {max_skew} s from the relay's clock ({now})"
    )]
    Stale {
        /// Its `issued_at`.
        issued_at: u64,
        /// The relay's time.
        now: u64,
        /// The accepted difference.
        max_skew: u64,
    },
    /// Someone else owns the function name.
    #[error("function {name} belongs to {owner}")]
    NotOwner {
        /// The function.
        name: String,
        /// Its owner.
        owner: String,
    },
    /// A signed request not newer than the one in force (a replay or a reordering).
    #[error(
        "a request issued at {current} is already in force; this one was issued at {issued_at} (it must be newer)"
    )]
    Replayed {
        /// Its `issued_at`.
        issued_at: u64,
        /// The `issued_at` of the deploy in force.
        current: u64,
    },
    /// The manifest names a bundle the relay does not have.
    #[error("bundle {0} has not been uploaded")]
    MissingBundle(String),
    /// The manifest gates the function by a group the relay does not have.
    #[error("access group {0} does not exist (webfn group create)")]
    MissingGroup(String),
    /// A stored row could not be read back.
    #[error("stored record is invalid: {0}")]
    Record(String),
    /// A trusted-publisher request or deploy was refused.
    #[error(transparent)]
    Publisher(#[from] PublisherError),
    /// A group change or a gated call was refused (used quote, spent nullifier, …).
    #[error(transparent)]
    Refused(#[from] webfn_protocol::GateError),
}

/// Checks a signed request's freshness (`|now − issued_at| ≤ max_skew`) and then its
/// signature (`verified`, by `owner`).
pub(crate) fn check_signed(
    issued_at: u64,
    now: u64,
    max_skew: u64,
    verified: impl FnOnce() -> bool,
    owner: &str,
) -> Result<(), StoreError> {
    if issued_at.abs_diff(now) > max_skew {
        return Err(StoreError::Stale {
            issued_at,
            now,
            max_skew,
        });
    }
    if !verified() {
        return Err(StoreError::BadSignature(owner.to_owned()));
    }
    Ok(())
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The wire error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Invalid(e) => e.code(),
            StoreError::Publisher(e) => e.code(),
            StoreError::Refused(e) => e.code,
            StoreError::BadSignature(_) => ErrorCode::BadSignature,
            StoreError::Stale { .. }
            | StoreError::Replayed { .. }
            | StoreError::MissingBundle(_)
            | StoreError::MissingGroup(_) => ErrorCode::BadRequest,
            StoreError::NotOwner { .. } => ErrorCode::Unauthorized,
            StoreError::Io { .. }
            | StoreError::Corrupt(_)
            | StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Record(_) => ErrorCode::Internal,
        }
    }
}
