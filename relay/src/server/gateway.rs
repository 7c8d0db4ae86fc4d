//! The HTTP gateway: `ANY /fn/{name}/{*path}` becomes a job for a provider, and the
//! function's response (status, headers, body) comes back.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use webfn_protocol::{ErrorCode, HttpRequest, HttpResponse};

use super::{AppError, AppState, calls};

/// Headers that belong to one hop and are not passed through.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// `ANY /fn/{name}` and `ANY /fn/{name}/{*path}`.
pub(super) async fn call(
    State(state): State<Arc<AppState>>,
    Path(params): Path<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let name = params.get("name").cloned().unwrap_or_default();
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
            ErrorCode::TooLarge,
            format!(
                "the request body exceeds the limit of {} bytes",
                state.limits.gateway_body_bytes
            ),
        ),
        _ => AppError::new(
            ErrorCode::BadRequest,
            format!("cannot read the body: {rejection}"),
        ),
    })?;
    let mut path = format!("/{}", params.get("path").map(String::as_str).unwrap_or(""));
    if let Some(query) = uri.query() {
        path = format!("{path}?{query}");
    }
    let request = HttpRequest {
        method: method.to_string(),
        path,
        headers: forwarded_headers(&headers)?,
        body: body.to_vec(),
    };
    into_response(calls::call(&state, &name, request).await?)
}

fn forwarded_headers(headers: &HeaderMap) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        let value = value.to_str().map_err(|_| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("header {name} is not visible ASCII"),
            )
        })?;
        out.push((name.as_str().to_owned(), value.to_owned()));
    }
    Ok(out)
}

fn into_response(response: HttpResponse) -> Result<Response, AppError> {
    let bad = |what: String| AppError::new(ErrorCode::GuestFailed, what);
    let status = StatusCode::from_u16(response.status)
        .map_err(|_| bad(format!("invalid status {}", response.status)))?;
    let mut out = Response::new(Body::from(response.body));
    *out.status_mut() = status;
    for (name, value) in response.headers {
        if HOP_BY_HOP.contains(&name.as_str()) || name == "content-length" {
            continue;
        }
        let name = HeaderName::try_from(name.as_str())
            .map_err(|_| bad(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::try_from(value.as_str())
            .map_err(|_| bad(format!("invalid value of header {name}")))?;
        out.headers_mut().append(name, value);
    }
    Ok(out)
}
