//! Quotes, spent nullifiers and the payment ledger. A gated or paid call is admitted in one
//! transaction — its quote marked used, its nullifier spent, its payment recorded as
//! `signed`, its job recorded as running — so either all of it is recorded or none is. When
//! the call then fails before execution, [`Store::settle`] releases the nullifier, marks the
//! payment `failed` (never to be broadcast) and frees the quote, again in one transaction: the
//! same call may be sent again while its quote lasts. Calls a relay restart interrupted are
//! settled the same way when the store opens ([`Store::recover_interrupted`]).

use sqlx::Row;
use webfn_protocol::{CheckedPayment, ErrorCode, GateError, PaymentState, PaymentView};

use super::db::to_i64;
use super::{Store, StoreError};

/// Most payments one ledger listing returns.
pub const MAX_PAYMENT_LISTING: u32 = 1000;

/// A quote as the relay keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRecord {
    /// The job id.
    pub job_id: String,
    /// The function.
    pub function: String,
    /// The quoted provider.
    pub provider: String,
    /// The price, nanomina.
    pub price: u64,
    /// The epoch a credential must name.
    pub epoch: Option<u64>,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
    /// Whether a call was admitted under it.
    pub used: bool,
}

/// Everything recorded when a call is admitted.
#[derive(Debug, Clone)]
pub struct Admission<'a> {
    /// The quote's job id.
    pub job_id: &'a str,
    /// The function.
    pub function: &'a str,
    /// The quoted provider.
    pub provider: &'a str,
    /// The spent nullifier and its scope (decimal), for a gated call.
    pub nullifier: Option<(String, String)>,
    /// The checked payment and its signed JSON, for a paid call.
    pub payment: Option<(&'a CheckedPayment, String)>,
    /// Now, Unix seconds.
    pub now: u64,
}

const PAYMENT_USED: &str =
    "this payment (or another live one with the same account nonce) was already used";

fn refused(code: ErrorCode, message: String) -> StoreError {
    StoreError::Refused(GateError::new(code, message))
}

/// Maps a unique-constraint failure on `table` to a refusal; other errors pass.
fn unique_as(error: sqlx::Error, table: &str, code: ErrorCode, message: &str) -> StoreError {
    let unique = error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.message().contains(table));
    if unique {
        refused(code, message.to_owned())
    } else {
        StoreError::Database(error)
    }
}

impl Store {
    /// Records a quote, and forgets unused quotes that expired over an hour ago.
    pub async fn put_quote(&self, quote: &QuoteRecord, now: u64) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM quotes WHERE used = 0 AND expires_at < ?")
            .bind(to_i64(now.saturating_sub(3600), "time")?)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO quotes (job_id, function, provider, price, epoch, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&quote.job_id)
        .bind(&quote.function)
        .bind(&quote.provider)
        .bind(to_i64(quote.price, "price")?)
        .bind(quote.epoch.map(|e| to_i64(e, "epoch")).transpose()?)
        .bind(to_i64(quote.expires_at, "expires_at")?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A quote by job id.
    pub async fn quote(&self, job_id: &str) -> Result<Option<QuoteRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT job_id, function, provider, price, epoch, expires_at, used FROM quotes WHERE job_id = ?",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let epoch: Option<i64> = row.try_get("epoch")?;
        Ok(Some(QuoteRecord {
            job_id: row.try_get("job_id")?,
            function: row.try_get("function")?,
            provider: row.try_get("provider")?,
            price: row.try_get::<i64, _>("price")?.unsigned_abs(),
            epoch: epoch.map(i64::unsigned_abs),
            expires_at: row.try_get::<i64, _>("expires_at")?.unsigned_abs(),
            used: row.try_get::<i64, _>("used")? != 0,
        }))
    }

    /// Whether a nullifier (decimal) was spent.
    pub async fn nullifier_spent(&self, nullifier: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM nullifiers WHERE nullifier = ?")
            .bind(nullifier)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Whether a payment was used already: recorded (by hash) for another job or still live,
    /// or another job's live payment has its payer's nonce. A payment that failed before
    /// execution may be sent again with its own job.
    pub async fn payment_known(
        &self,
        payment: &CheckedPayment,
        job_id: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM payments
             WHERE (hash = ?1 AND NOT (state = 'failed' AND job_id = ?2))
                OR (payer = ?3 AND nonce = ?4 AND state != 'failed' AND job_id != ?2)
             LIMIT 1",
        )
        .bind(&payment.hash)
        .bind(job_id)
        .bind(&payment.payer)
        .bind(i64::from(payment.nonce))
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Admits a call atomically: quote used, nullifier spent, payment `signed`, job running.
    /// A used quote, a spent nullifier or a known payment refuses it, recording nothing.
    pub async fn admit(&self, admission: &Admission<'_>) -> Result<(), StoreError> {
        let now = to_i64(admission.now, "time")?;
        let mut tx = self.write().await?;
        let claimed = sqlx::query("UPDATE quotes SET used = 1 WHERE job_id = ? AND used = 0")
            .bind(admission.job_id)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() != 1 {
            return Err(refused(
                ErrorCode::QuoteUsed,
                format!("quote {} was already used", admission.job_id),
            ));
        }
        if let Some((nullifier, scope)) = &admission.nullifier {
            sqlx::query(
                "INSERT INTO nullifiers (nullifier, scope, function, job_id, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(nullifier)
            .bind(scope)
            .bind(admission.function)
            .bind(admission.job_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                unique_as(
                    e,
                    "nullifiers",
                    ErrorCode::NullifierUsed,
                    "this credential's nullifier was already used: the quota slot is spent",
                )
            })?;
        }
        if let Some((payment, signed)) = &admission.payment {
            // a payment that failed before execution comes back to life with its own job
            let recorded = sqlx::query(
                "INSERT INTO payments (hash, job_id, function, payer, receiver, amount, fee, nonce, state, signed, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'signed', ?9, ?10, ?10)
                 ON CONFLICT(hash) DO UPDATE SET state = 'signed', updated_at = excluded.updated_at
                 WHERE payments.state = 'failed' AND payments.job_id = excluded.job_id",
            )
            .bind(&payment.hash)
            .bind(admission.job_id)
            .bind(admission.function)
            .bind(&payment.payer)
            .bind(&payment.receiver)
            .bind(to_i64(payment.amount, "amount")?)
            .bind(to_i64(payment.fee, "fee")?)
            .bind(i64::from(payment.nonce))
            .bind(signed)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_as(e, "payments", ErrorCode::PaymentUsed, PAYMENT_USED))?;
            if recorded.rows_affected() != 1 {
                return Err(refused(ErrorCode::PaymentUsed, PAYMENT_USED.to_owned()));
            }
        }
        sqlx::query(
            "INSERT INTO jobs (id, function, provider, status, attempts, created_at) VALUES (?, ?, ?, 'running', 1, ?)
             ON CONFLICT(id) DO UPDATE SET status = 'running', provider = excluded.provider,
               error_code = NULL, exec_us = NULL, latency_us = NULL, finished_at = NULL
             WHERE jobs.status = 'failed'",
        )
        .bind(admission.job_id)
        .bind(admission.function)
        .bind(admission.provider)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a job's payment from `signed` to `delivered`.
    pub async fn payment_delivered(&self, job_id: &str, now: u64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payments SET state = 'delivered', updated_at = ? WHERE job_id = ? AND state = 'signed'",
        )
        .bind(to_i64(now, "time")?)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Settles an admitted call: `executed` earns the payment and keeps the nullifier spent;
    /// otherwise the payment is `failed`, the nullifier released and the quote free again.
    pub async fn settle(&self, job_id: &str, executed: bool, now: u64) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE payments SET state = ?, updated_at = ? WHERE job_id = ?");
        if executed {
            // one statement: atomic on its own, one round trip and one sync
            update
                .bind(PaymentState::Executed.as_str())
                .bind(to_i64(now, "time")?)
                .bind(job_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.write().await?;
        update
            .bind(PaymentState::Failed.as_str())
            .bind(to_i64(now, "time")?)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        release(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Settles, as failed before execution, every call a relay restart interrupted (admitted,
    /// its job still running): payment `failed`, nullifier released, quote free, job failed
    /// with `provider_lost`. Returns how many.
    pub async fn recover_interrupted(&self, now: u64) -> Result<u64, StoreError> {
        let now = to_i64(now, "time")?;
        let mut tx = self.write().await?;
        let jobs: Vec<String> = sqlx::query_scalar("SELECT id FROM jobs WHERE status = 'running'")
            .fetch_all(&mut *tx)
            .await?;
        for job_id in &jobs {
            sqlx::query("UPDATE payments SET state = 'failed', updated_at = ? WHERE job_id = ?")
                .bind(now)
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            release(&mut tx, job_id).await?;
            sqlx::query(
                "UPDATE jobs SET status = 'failed', error_code = 'provider_lost', finished_at = ? WHERE id = ?",
            )
            .bind(now)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(jobs.len() as u64)
    }

    /// Payments, newest first: those `account` paid or received, or all of them; at most
    /// `limit` (capped at [`MAX_PAYMENT_LISTING`]).
    pub async fn payments(
        &self,
        account: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PaymentView>, StoreError> {
        let rows = sqlx::query(
            "SELECT hash, job_id, function, payer, receiver, amount, fee, nonce, state, signed, created_at, updated_at
             FROM payments WHERE ?1 IS NULL OR payer = ?1 OR receiver = ?1 ORDER BY rowid DESC LIMIT ?2",
        )
        .bind(account)
        .bind(i64::from(limit.min(MAX_PAYMENT_LISTING)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(payment_from_row).collect()
    }
}

/// Releases a call that did not execute: its nullifier unspent, its quote free.
async fn release(conn: &mut sqlx::SqliteConnection, job_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM nullifiers WHERE job_id = ?")
        .bind(job_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE quotes SET used = 0 WHERE job_id = ?")
        .bind(job_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn payment_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<PaymentView, StoreError> {
    let state: String = row.try_get("state")?;
    let signed: String = row.try_get("signed")?;
    let nonce: i64 = row.try_get("nonce")?;
    Ok(PaymentView {
        hash: row.try_get("hash")?,
        job_id: row.try_get("job_id")?,
        function: row.try_get("function")?,
        payer: row.try_get("payer")?,
        receiver: row.try_get("receiver")?,
        amount: row.try_get::<i64, _>("amount")?.unsigned_abs(),
        fee: row.try_get::<i64, _>("fee")?.unsigned_abs(),
        nonce: u32::try_from(nonce).map_err(|_| StoreError::Record(format!("nonce {nonce}")))?,
        state: state
            .parse()
            .map_err(|e: webfn_protocol::ProtocolError| StoreError::Record(e.to_string()))?,
        created_at: row.try_get::<i64, _>("created_at")?.unsigned_abs(),
        updated_at: row.try_get::<i64, _>("updated_at")?.unsigned_abs(),
        signed: serde_json::from_str(&signed).map_err(|e| StoreError::Record(e.to_string()))?,
    })
}
