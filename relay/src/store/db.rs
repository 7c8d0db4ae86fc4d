//! Functions, providers and jobs in SQLite.

use std::path::Path;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};
use webfn_protocol::{DeployRequest, Digest, FunctionManifest, ProviderHello};

use super::{BundleDir, StoreError};

/// A deployed function as the relay records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRecord {
    /// The manifest in force.
    pub manifest: FunctionManifest,
    /// The owner's public key.
    pub owner: String,
    /// 1 on first deploy, +1 on each redeploy.
    pub version: i64,
    /// First deploy, Unix seconds.
    pub created_at: i64,
    /// Last deploy, Unix seconds.
    pub updated_at: i64,
    /// `issued_at` of the deploy in force: the next signed deploy must be newer.
    pub issued_at: i64,
}

/// A provider the relay has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRecord {
    /// Its public key.
    pub public_key: String,
    /// Calls it runs at once.
    pub capacity: i64,
    /// Price per call, nanomina.
    pub price: i64,
    /// Where it runs.
    pub region: Option<String>,
    /// Its engine.
    pub engine: String,
    /// Last connection, Unix seconds.
    pub last_seen: i64,
    /// Jobs it completed.
    pub jobs_ok: i64,
    /// Jobs it failed.
    pub jobs_failed: i64,
}

/// The relay's durable state.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) pool: SqlitePool,
    bundles: BundleDir,
    pub(super) groups: super::groups::GroupTrees,
}

pub(super) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Record(format!("{what} {value} is out of range")))
}

impl Store {
    /// Opens the state in `data_dir` (`relay.db` and `bundles/`), creating and migrating it,
    /// and settles the gated calls a restart interrupted.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::io(data_dir, e))?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join("relay.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let bundles = BundleDir::open(&data_dir.join("bundles"))?;
        let store = Store {
            pool,
            bundles,
            groups: super::groups::GroupTrees::default(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let interrupted = store.recover_interrupted(now).await?;
        if interrupted > 0 {
            eprintln!(
                "relay: {interrupted} calls were interrupted by a restart; their payments are void and their nullifiers released"
            );
        }
        Ok(store)
    }

    /// A write transaction, taking SQLite's write lock at once (`BEGIN IMMEDIATE`): one
    /// that read first and wrote later could otherwise fail with "database is locked" when
    /// another connection wrote in between, instead of waiting its turn.
    pub(super) async fn write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Stores a bundle (already validated by the caller) and records it.
    pub async fn put_bundle(&self, bytes: &[u8], now: u64) -> Result<Digest, StoreError> {
        let digest = self.bundles.put(bytes)?;
        sqlx::query("INSERT OR IGNORE INTO bundles (digest, size, created_at) VALUES (?, ?, ?)")
            .bind(digest.to_string())
            .bind(to_i64(bytes.len() as u64, "size")?)
            .bind(to_i64(now, "time")?)
            .execute(&self.pool)
            .await?;
        Ok(digest)
    }

    /// A stored bundle.
    pub fn bundle(&self, digest: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        self.bundles.get(digest)
    }

    /// Applies a deploy request, atomically: signature, freshness (`|now − issued_at| ≤
    /// max_skew`), manifest rules, bundle present, ownership of the name, and `issued_at`
    /// newer than the deploy in force (so an old request cannot be replayed to roll back).
    pub async fn deploy(
        &self,
        request: &DeployRequest,
        now: u64,
        max_skew: u64,
    ) -> Result<FunctionRecord, StoreError> {
        request.manifest.validate()?;
        super::check_signed(
            request.issued_at,
            now,
            max_skew,
            || request.verify(),
            &request.owner,
        )?;
        let digest = request.manifest.digest.to_string();
        let mut tx = self.write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM bundles WHERE digest = ?")
            .bind(&digest)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::MissingBundle(digest));
        }
        super::groups::check_group_exists(&mut tx, &request.manifest.access).await?;
        let name = request.manifest.name.as_str();
        let manifest = serde_json::to_string(&request.manifest)
            .map_err(|e| StoreError::Record(e.to_string()))?;
        let issued_at = to_i64(request.issued_at, "issued_at")?;
        let now = to_i64(now, "time")?;
        match current_deploy(&mut tx, name).await? {
            Some((owner, _)) if owner != request.owner => {
                return Err(StoreError::NotOwner {
                    name: name.to_owned(),
                    owner,
                });
            }
            Some((_, current)) if issued_at <= current => {
                return Err(StoreError::Replayed {
                    issued_at: request.issued_at,
                    current: current.unsigned_abs(),
                });
            }
            Some(_) => {
                sqlx::query(
                    "UPDATE functions SET digest = ?, manifest = ?, version = version + 1, issued_at = ?, updated_at = ? WHERE name = ?",
                )
                .bind(&digest)
                .bind(&manifest)
                .bind(issued_at)
                .bind(now)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO functions (name, owner, digest, manifest, version, issued_at, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                )
                .bind(name)
                .bind(&request.owner)
                .bind(&digest)
                .bind(&manifest)
                .bind(issued_at)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        self.function(name)
            .await?
            .ok_or_else(|| StoreError::Record(format!("function {name} vanished")))
    }

    /// A function by name.
    pub async fn function(&self, name: &str) -> Result<Option<FunctionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT manifest, owner, version, created_at, updated_at, issued_at FROM functions WHERE name = ?",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| function_from_row(&row)).transpose()
    }

    /// All functions, by name.
    pub async fn functions(&self) -> Result<Vec<FunctionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT manifest, owner, version, created_at, updated_at, issued_at FROM functions ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(function_from_row).collect()
    }

    /// Records a provider's connection (its hello must already be verified).
    pub async fn provider_connected(
        &self,
        hello: &ProviderHello,
        now: u64,
    ) -> Result<(), StoreError> {
        let now = to_i64(now, "time")?;
        sqlx::query(
            "INSERT INTO providers (public_key, capacity, price, region, engine, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(public_key) DO UPDATE SET capacity = excluded.capacity, price = excluded.price,
               region = excluded.region, engine = excluded.engine, last_seen = excluded.last_seen",
        )
        .bind(&hello.public_key)
        .bind(i64::from(hello.capacity))
        .bind(to_i64(hello.price, "price")?)
        .bind(&hello.region)
        .bind(&hello.engine)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// All providers seen, by key.
    pub async fn providers(&self) -> Result<Vec<ProviderRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT public_key, capacity, price, region, engine, last_seen, jobs_ok, jobs_failed FROM providers ORDER BY public_key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ProviderRecord {
                    public_key: row.try_get("public_key")?,
                    capacity: row.try_get("capacity")?,
                    price: row.try_get("price")?,
                    region: row.try_get("region")?,
                    engine: row.try_get("engine")?,
                    last_seen: row.try_get("last_seen")?,
                    jobs_ok: row.try_get("jobs_ok")?,
                    jobs_failed: row.try_get("jobs_failed")?,
                })
            })
            .collect()
    }
}

async fn current_deploy(
    tx: &mut SqliteConnection,
    name: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    let row = sqlx::query("SELECT owner, issued_at FROM functions WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(match row {
        Some(row) => Some((row.try_get("owner")?, row.try_get("issued_at")?)),
        None => None,
    })
}

fn function_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<FunctionRecord, StoreError> {
    let manifest: String = row.try_get("manifest")?;
    Ok(FunctionRecord {
        manifest: serde_json::from_str(&manifest).map_err(|e| StoreError::Record(e.to_string()))?,
        owner: row.try_get("owner")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        issued_at: row.try_get("issued_at")?,
    })
}
