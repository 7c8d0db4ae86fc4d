//! One call: a fresh instance of the bundle handles one HTTP request, under the bundle's
//! limits, and its response is collected whole (up to the response-size limit).
//!
//! The guest runs in one future (instantiate, then `wasi:http/incoming-handler.handle`), the
//! response is collected in another; both are polled by the caller's task, so dropping the
//! call (or the wall-clock timeout firing) drops the instance at once. The call ends as soon
//! as the response body is complete, or as soon as it is known that it never will be.

use std::pin::pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt as _, Full};
use tokio::sync::oneshot;
use wasmtime::Trap;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::config::Limits;
use super::error::{EngineError, Result};
use super::host::{Host, StoreSettings, new_store};
use super::outbound::Allowlist;

/// What a call needs besides the request: the pre-instantiated bundle and its settings.
pub(super) struct CallPlan<'a> {
    pub(super) pre: &'a ProxyPre<Host>,
    pub(super) limits: &'a Limits,
    pub(super) allowlist: &'a Arc<Allowlist>,
    pub(super) store: StoreSettings,
}

/// Runs one call under the wall-clock limit.
pub(super) async fn call(
    plan: CallPlan<'_>,
    request: http::Request<Bytes>,
) -> Result<http::Response<Bytes>> {
    let size = request.body().len();
    if size > plan.limits.max_request_bytes {
        return Err(EngineError::RequestTooLarge {
            size,
            limit: plan.limits.max_request_bytes,
        });
    }
    let limit = plan.limits.wall_time;
    tokio::time::timeout(limit, run(plan, request))
        .await
        .unwrap_or(Err(EngineError::WallTimeExceeded { limit }))
}

/// How the guest's future ended.
struct GuestOutcome {
    result: wasmtime::Result<()>,
    memory_denied: bool,
}

/// How collecting the response ended, when it did not yield a response.
enum Collected {
    /// The guest set an error code instead of a response.
    ErrorCode(ErrorCode),
    /// The guest never set the response (its out-parameter was dropped).
    NoResponse,
    /// The body stream failed (the guest trapped or dropped it unfinished).
    BodyFailed(String),
    /// The body went past the limit.
    TooLarge,
}

async fn run(plan: CallPlan<'_>, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
    let mut store = new_store(plan.pre.engine(), plan.store, Arc::clone(plan.allowlist))
        .map_err(EngineError::internal)?;
    let (sender, receiver) = oneshot::channel();
    let scheme = match request.uri().scheme_str() {
        Some("https") => Scheme::Https,
        _ => Scheme::Http,
    };
    let request = with_host(request).map(|body| {
        Full::new(body).map_err(|never| -> wasmtime_wasi_http::Error { match never {} })
    });
    let mut http = store.data_mut().http();
    let incoming = http
        .new_incoming_request(scheme, request)
        .map_err(EngineError::internal)?;
    let outparam = http
        .new_response_outparam(sender)
        .map_err(EngineError::internal)?;

    let pre = plan.pre.clone();
    let guest = async move {
        let result = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        }
        .await;
        let memory_denied = store.data().limiter.denied();
        // Dropping the store closes whatever the guest left open, which ends the collector.
        drop(store);
        GuestOutcome {
            result,
            memory_denied,
        }
    };
    let collector = collect(receiver, plan.limits.max_response_bytes);
    finish(guest, collector, plan.limits, plan.store).await
}

/// Drives the guest and the collector to the call's result.
async fn finish(
    guest: impl Future<Output = GuestOutcome>,
    collector: impl Future<Output = Result<http::Response<Bytes>, Collected>>,
    limits: &Limits,
    settings: StoreSettings,
) -> Result<http::Response<Bytes>> {
    let mut guest = pin!(guest);
    let mut collector = pin!(collector);
    let (collected, outcome) = tokio::select! {
        collected = &mut collector => match collected {
            // Complete: whatever the guest still does is cut short.
            Ok(response) => return Ok(response),
            Err(Collected::TooLarge) => (Err(Collected::TooLarge), None),
            Err(other) => (Err(other), Some(guest.await)),
        },
        outcome = &mut guest => (collector.await, Some(outcome)),
    };
    let failure = match collected {
        Ok(response) => return Ok(response),
        Err(failure) => failure,
    };
    if let Some(error) = outcome.and_then(|outcome| guest_error(outcome, limits, settings)) {
        return Err(error);
    }
    Err(match failure {
        Collected::TooLarge => EngineError::ResponseTooLarge {
            limit: limits.max_response_bytes,
        },
        Collected::ErrorCode(code) => EngineError::GuestError {
            code: format!("{code:?}"),
        },
        Collected::NoResponse => EngineError::NoResponse,
        Collected::BodyFailed(reason) => EngineError::IncompleteResponse { reason },
    })
}

/// Waits for the guest's response and reads its body, up to `limit` bytes.
async fn collect(
    receiver: oneshot::Receiver<Result<http::Response<HyperOutgoingBody>, ErrorCode>>,
    limit: usize,
) -> Result<http::Response<Bytes>, Collected> {
    let response = match receiver.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => return Err(Collected::ErrorCode(code)),
        Err(_) => return Err(Collected::NoResponse),
    };
    let (parts, mut body) = response.into_parts();
    let mut bytes = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| Collected::BodyFailed(format!("{error:?}")))?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit.saturating_sub(bytes.len()) {
                return Err(Collected::TooLarge);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(http::Response::from_parts(parts, bytes.freeze()))
}

/// The typed error of a guest that failed, or `None` if it returned normally.
fn guest_error(
    outcome: GuestOutcome,
    limits: &Limits,
    settings: StoreSettings,
) -> Option<EngineError> {
    let error = outcome.result.err()?;
    Some(match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => EngineError::CpuTimeExceeded {
            limit: limits.cpu_time,
        },
        Some(Trap::OutOfFuel) => EngineError::FuelExhausted {
            limit: settings.fuel.unwrap_or_default(),
        },
        _ if outcome.memory_denied => EngineError::MemoryLimitExceeded {
            limit: settings.memory_bytes,
        },
        _ if error.is::<wasmtime::PoolConcurrencyLimitError>() => EngineError::Busy {
            reason: error.to_string(),
        },
        _ => EngineError::GuestTrapped {
            message: trap_message(&error),
        },
    })
}

/// A one-paragraph description of a guest failure: the error chain, then the backtrace.
fn trap_message(error: &wasmtime::Error) -> String {
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return format!("the guest exited with status {}", exit.0);
    }
    format!("{error:?}")
}

/// `wasi:http` needs an authority: requests without one (origin-form, no `Host`) get
/// `Host: localhost`.
fn with_host(mut request: http::Request<Bytes>) -> http::Request<Bytes> {
    if request.uri().authority().is_none() && !request.headers().contains_key(http::header::HOST) {
        request.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_static("localhost"),
        );
    }
    request
}
