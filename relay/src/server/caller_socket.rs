//! The callers' WebSocket: `invoke` frames in, `response` or `error` frames out, answered as
//! each call finishes (not necessarily in order; `request_id` pairs them). Calls run
//! concurrently, at most [`super::ApiLimits::caller_in_flight`] per connection.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tokio::sync::mpsc;
use webfn_protocol::{CallerToRelay, ErrorBody, ErrorCode, RelayToCaller, decode};

use super::frames::{self, send};
use super::{AppState, calls, gated};

/// `GET /v1/ws/caller`.
pub(super) async fn upgrade(
    State(state): State<Arc<AppState>>,
    socket: WebSocketUpgrade,
) -> Response {
    frames::limited(socket, state.limits.frame_bytes).on_upgrade(move |socket| serve(state, socket))
}

fn refusal(error: ErrorBody) -> RelayToCaller {
    RelayToCaller::Error {
        request_id: None,
        error,
    }
}

async fn serve(state: Arc<AppState>, mut socket: WebSocket) {
    let max_in_flight = state.limits.caller_in_flight.max(1);
    let (done, mut answers) = mpsc::channel::<RelayToCaller>(max_in_flight);
    let mut in_flight = 0usize;
    loop {
        tokio::select! {
            Some(answer) = answers.recv() => {
                in_flight = in_flight.saturating_sub(1);
                if !send(&mut socket, &answer).await { break }
            },
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        let error = ErrorBody::new(ErrorCode::MalformedMessage, "frames are JSON text");
                        if !send(&mut socket, &refusal(error)).await { break }
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let message = match decode::<CallerToRelay>(&text, state.limits.frame_bytes) {
                    Ok(message) => message,
                    Err(error) => {
                        if !send(&mut socket, &refusal(error.to_body())).await { break }
                        continue;
                    }
                };
                let request_id = match &message {
                    CallerToRelay::Invoke { request_id, .. } | CallerToRelay::Call { request_id, .. } => request_id.clone(),
                };
                if in_flight >= max_in_flight {
                    let busy = RelayToCaller::Error {
                        request_id: Some(request_id),
                        error: ErrorBody::new(
                            ErrorCode::Busy,
                            format!("at most {max_in_flight} calls in flight per connection"),
                        ),
                    };
                    if !send(&mut socket, &busy).await { break }
                    continue;
                }
                in_flight += 1;
                let (state, done) = (Arc::clone(&state), done.clone());
                tokio::spawn(async move {
                    let result = match message {
                        CallerToRelay::Invoke { function, request, .. } => calls::call(&state, function.as_str(), request).await,
                        CallerToRelay::Call { call, .. } => gated::run(&state, *call).await,
                    };
                    let answer = match result {
                        Ok(response) => RelayToCaller::Response { request_id, response },
                        Err(error) => RelayToCaller::Error {
                            request_id: Some(request_id),
                            error: error.body().clone(),
                        },
                    };
                    // the caller may have gone; the job is recorded either way
                    let _ = done.send(answer).await;
                });
            },
        }
    }
}
