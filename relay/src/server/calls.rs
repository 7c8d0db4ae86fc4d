//! One call, from either door (the HTTP gateway or the caller WebSocket): look the function
//! up, turn the request into a job, dispatch it, wait for the answer within the function's
//! wall-clock limit, then count it in the metrics and the job journal.

use std::time::{Duration, Instant};

use rand_core::RngCore;
use webfn_protocol::{ErrorBody, ErrorCode, HttpRequest, HttpResponse, Job, JobId};

use super::dispatch::Outcome;
use super::{AppError, AppState, now};
use crate::store::{JobRecord, JobStatus};

/// Time allowed beyond a function's wall-clock limit for dispatch and transport.
pub const GRACE: Duration = Duration::from_secs(5);

/// Runs `request` on function `name` and returns its response.
pub async fn call(
    state: &AppState,
    name: &str,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let started = Instant::now();
    let created_at = now();
    let (job, wall_ms) = match prepare(state, name, request).await {
        Ok(prepared) => prepared,
        Err(error) => return Err(refused(state, started, error)),
    };
    let job_id = job.job_id.to_string();
    let function = job.function.to_string();
    let deadline = Duration::from_millis(wall_ms).saturating_add(GRACE);
    let outcome = await_outcome(state.dispatcher.dispatch(job), deadline).await;
    record(state, job_id, function, started, created_at, outcome)
}

/// Counts a call refused before it became a job (counted, not journaled) and hands its
/// error back.
pub(super) fn refused(state: &AppState, started: Instant, error: AppError) -> AppError {
    state
        .metrics
        .calls
        .observe(Some(error.body().code), started.elapsed());
    error
}

/// The job's outcome, or a typed failure when no answer comes within `deadline`.
pub(super) async fn await_outcome(
    outcome: tokio::sync::oneshot::Receiver<Outcome>,
    deadline: Duration,
) -> Outcome {
    match tokio::time::timeout(deadline, outcome).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => lost(ErrorCode::Internal, "the job was dropped".into()),
        Err(_) => lost(
            ErrorCode::Timeout,
            format!("no answer within {} ms", deadline.as_millis()),
        ),
    }
}

/// Counts a finished job in the metrics and the journal, and turns it into the answer.
pub(super) fn record(
    state: &AppState,
    job_id: String,
    function: String,
    started: Instant,
    created_at: u64,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let latency = started.elapsed();
    let error = outcome.result.as_ref().err().map(|e| e.code);
    state.metrics.calls.observe(error, latency);
    state.journal.record(JobRecord {
        id: job_id,
        function,
        provider: outcome.provider,
        status: match error {
            None => JobStatus::Succeeded,
            Some(_) => JobStatus::Failed,
        },
        error_code: error.map(|code| code.as_str().to_owned()),
        attempts: outcome.attempts,
        exec_us: outcome.exec_us,
        latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        created_at,
        finished_at: now(),
    });
    outcome
        .result
        .map_err(|error| AppError::new(error.code, error.message))
}

/// The job for `request` to function `name`, and the function's wall-clock limit (ms).
async fn prepare(
    state: &AppState,
    name: &str,
    request: HttpRequest,
) -> Result<(Job, u64), AppError> {
    let function = state.store.function(name).await?.ok_or_else(|| {
        AppError::new(ErrorCode::UnknownFunction, format!("no function {name:?}"))
    })?;
    request.validate()?;
    let manifest = function.manifest;
    if manifest.needs_quote() {
        let (code, what) = if manifest.access.is_gated() {
            (ErrorCode::Unauthorized, "gated")
        } else {
            (ErrorCode::PaymentRequired, "paid")
        };
        return Err(AppError::new(
            code,
            format!(
                "{name} is {what}: ask POST /v1/quotes for a quote, then send the call to POST /v1/calls"
            ),
        ));
    }
    let job = Job {
        job_id: new_job_id(),
        function: manifest.name,
        digest: manifest.digest,
        limits: manifest.limits,
        outbound_hosts: manifest.outbound_hosts,
        request,
        ticket: None,
    };
    Ok((job, manifest.limits.wall_ms))
}

/// An outcome for a job no provider answered.
fn lost(code: ErrorCode, message: String) -> Outcome {
    Outcome {
        result: Err(ErrorBody::new(code, message)),
        provider: None,
        attempts: 0,
        exec_us: None,
    }
}

/// A fresh job id: 32 random hex digits.
pub(super) fn new_job_id() -> JobId {
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    JobId::try_from(hex).unwrap_or_else(|_| unreachable!("32 hex digits are a valid job id"))
}
