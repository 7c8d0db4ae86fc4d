//! `hmac-sign`: a WebFunctions function that uses a secret. It answers the hex HMAC-SHA256 of
//! the request body under the key the caller sealed to the provider (a webhook signer, say):
//!
//! ```text
//! POST /  body "abc", sealed secret key = "k"  ->  200 text/plain  "<64 hex digits>"
//! ```
//!
//! The provider opens the caller's sealed secrets and hands each to the guest as a request
//! header `webfn-secret-<name>` (here `webfn-secret-key`); the relay only ever sees the sealed
//! box, and the key never appears in the response. Without the header the function answers
//! 401.

use std::io::Write as _;

use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

/// The request header carrying the secret key.
const KEY_HEADER: &str = "webfn-secret-key";
/// Bytes read from the body per call.
const CHUNK: u64 = 64 * 1024;

struct HmacSign;

impl Guest for HmacSign {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let key = request.headers().get(KEY_HEADER).into_iter().next();
        let Some(key) = key.filter(|key| !key.is_empty()) else {
            let message = format!("no secret key: seal one named \"key\" (header {KEY_HEADER})\n");
            return respond(response_out, 401, message.as_bytes());
        };
        match sign_body(&key, request) {
            Ok(mac) => respond(response_out, 200, format!("{mac}\n").as_bytes()),
            Err(message) => respond(response_out, 400, format!("{message}\n").as_bytes()),
        }
    }
}

wasi::http::proxy::export!(HmacSign);

/// The hex HMAC-SHA256 of the request body under `key`, read in chunks.
fn sign_body(key: &[u8], request: IncomingRequest) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| "the key cannot be used for HMAC".to_owned())?;
    let body = request
        .consume()
        .map_err(|()| "the request body was already consumed".to_owned())?;
    let stream = body
        .stream()
        .map_err(|()| "the request body stream was already taken".to_owned())?;
    loop {
        match stream.blocking_read(CHUNK) {
            Ok(chunk) => mac.update(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(error)) => {
                return Err(format!(
                    "reading the request body: {}",
                    error.to_debug_string()
                ));
            }
        }
    }
    drop(stream);
    drop(IncomingBody::finish(body));
    Ok(mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// Sends a complete plain-text response (see `hello` for the order of the steps).
fn respond(out: ResponseOutparam, status: u16, body: &[u8]) {
    let headers = Fields::new();
    let _ = headers.set("content-type", &[b"text/plain; charset=utf-8".to_vec()]);
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let Ok(outgoing) = response.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    let Ok(mut stream) = outgoing.write() else {
        return;
    };
    if stream.write_all(body).is_ok() {
        let _ = stream.blocking_flush();
    }
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}
