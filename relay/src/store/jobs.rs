//! Finished jobs and the providers' success counters.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::db::to_i64;
use super::{Store, StoreError};

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Admitted and sent to its provider (a quoted call, recorded before it runs).
    Running,
    /// The function answered (any HTTP status).
    Succeeded,
    /// No answer: see the error code.
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<JobStatus, StoreError> {
        match text {
            "running" => Ok(JobStatus::Running),
            "succeeded" => Ok(JobStatus::Succeeded),
            "failed" => Ok(JobStatus::Failed),
            other => Err(StoreError::Record(format!("job status {other:?}"))),
        }
    }
}

/// A finished job as the relay records it (never its request or response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRecord {
    /// The job id.
    pub id: String,
    /// The function called.
    pub function: String,
    /// The provider that answered, or was last tried.
    pub provider: Option<String>,
    /// How it ended.
    pub status: JobStatus,
    /// The error code of a failed job.
    pub error_code: Option<String>,
    /// How many providers it was sent to.
    pub attempts: u32,
    /// The provider's execution time, microseconds.
    pub exec_us: Option<u64>,
    /// Dispatch to answer, microseconds.
    pub latency_us: u64,
    /// Dispatch, Unix seconds.
    pub created_at: u64,
    /// Answer, Unix seconds.
    pub finished_at: u64,
}

/// Largest number of jobs one listing returns.
pub const MAX_JOB_LISTING: u32 = 1000;

impl Store {
    /// Records finished jobs, and counts each one for or against its provider, in one
    /// transaction (the relay batches jobs so that a busy gateway syncs the disk rarely).
    pub async fn record_jobs(&self, jobs: &[JobRecord]) -> Result<(), StoreError> {
        let mut tally: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        let mut tx = self.write().await?;
        for job in jobs {
            sqlx::query(
                "INSERT INTO jobs (id, function, provider, status, error_code, attempts, exec_us, latency_us, created_at, finished_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT(id) DO UPDATE SET provider = excluded.provider, status = excluded.status,
                   error_code = excluded.error_code, attempts = excluded.attempts, exec_us = excluded.exec_us,
                   latency_us = excluded.latency_us, finished_at = excluded.finished_at
                 WHERE jobs.status = 'running'",
            )
            .bind(&job.id)
            .bind(&job.function)
            .bind(&job.provider)
            .bind(job.status.as_str())
            .bind(&job.error_code)
            .bind(i64::from(job.attempts))
            .bind(job.exec_us.map(|us| to_i64(us, "exec_us")).transpose()?)
            .bind(to_i64(job.latency_us, "latency_us")?)
            .bind(to_i64(job.created_at, "time")?)
            .bind(to_i64(job.finished_at, "time")?)
            .execute(&mut *tx)
            .await?;
            if let Some(provider) = &job.provider {
                let entry = tally.entry(provider).or_default();
                match job.status {
                    JobStatus::Succeeded => entry.0 += 1,
                    JobStatus::Failed => entry.1 += 1,
                    JobStatus::Running => {}
                }
            }
        }
        for (provider, (ok, failed)) in tally {
            sqlx::query(
                "UPDATE providers SET jobs_ok = jobs_ok + ?, jobs_failed = jobs_failed + ? WHERE public_key = ?",
            )
            .bind(ok)
            .bind(failed)
            .bind(provider)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The most recent jobs, newest first, of one function or of all; at most `limit`
    /// (capped at [`MAX_JOB_LISTING`]).
    pub async fn jobs(
        &self,
        function: Option<&str>,
        limit: u32,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let limit = i64::from(limit.min(MAX_JOB_LISTING));
        let rows = sqlx::query(
            "SELECT id, function, provider, status, error_code, attempts, exec_us, latency_us, created_at, finished_at
             FROM jobs WHERE ?1 IS NULL OR function = ?1 ORDER BY rowid DESC LIMIT ?2",
        )
        .bind(function)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// One job by id.
    pub async fn job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, function, provider, status, error_code, attempts, exec_us, latency_us, created_at, finished_at
             FROM jobs WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }
}

fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Record(format!("{what} {value} is negative")))
}

fn job_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<JobRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let attempts: i64 = row.try_get("attempts")?;
    let exec_us: Option<i64> = row.try_get("exec_us")?;
    let latency_us: Option<i64> = row.try_get("latency_us")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        function: row.try_get("function")?,
        provider: row.try_get("provider")?,
        status: JobStatus::parse(&status)?,
        error_code: row.try_get("error_code")?,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Record(format!("attempts {attempts}")))?,
        exec_us: exec_us.map(|us| to_u64(us, "exec_us")).transpose()?,
        latency_us: to_u64(latency_us.unwrap_or(0), "latency_us")?,
        created_at: to_u64(row.try_get("created_at")?, "created_at")?,
        finished_at: to_u64(
            row.try_get::<Option<i64>, _>("finished_at")?.unwrap_or(0),
            "finished_at",
        )?,
    })
}
