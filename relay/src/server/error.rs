//! `AppError`: every failure of the HTTP API as a stable code, a status and a clear message.
//! Internal causes are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use webfn_protocol::{ErrorBody, ErrorCode};

use crate::engine::EngineError;
use crate::store::StoreError;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct AppError(ErrorBody);

impl AppError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError(ErrorBody::new(code, message))
    }

    /// The wire error.
    pub fn body(&self) -> &ErrorBody {
        &self.0
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        let code = error.code();
        if code == ErrorCode::Internal {
            eprintln!("relay store error: {error}");
            return AppError::new(code, "internal error in the relay's store");
        }
        AppError::new(code, error.to_string())
    }
}

impl From<EngineError> for AppError {
    fn from(error: EngineError) -> AppError {
        AppError::new(error.code(), error.to_string())
    }
}

impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> AppError {
        AppError(body)
    }
}

impl From<webfn_protocol::ProtocolError> for AppError {
    fn from(error: webfn_protocol::ProtocolError) -> AppError {
        AppError(error.to_body())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}
