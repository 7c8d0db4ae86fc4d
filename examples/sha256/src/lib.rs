//! `sha256`: a CPU-bound WebFunctions function. It streams the request body through SHA-256
//! and answers the digest in hex (64 characters and a newline), like `sha256sum`:
//!
//! ```text
//! POST /  body "abc"  ->  200 text/plain  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! ```
//!
//! The body is read in chunks, never held in memory whole, so bodies larger than the guest's
//! memory can be hashed.

use std::io::Write as _;

use sha2::{Digest as _, Sha256};
use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

/// Bytes read from the body per call.
const CHUNK: u64 = 64 * 1024;

struct Sha256Function;

impl Guest for Sha256Function {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        match hash_body(request) {
            Ok(digest) => respond(response_out, 200, format!("{digest}\n").as_bytes()),
            Err(message) => respond(response_out, 400, format!("{message}\n").as_bytes()),
        }
    }
}

wasi::http::proxy::export!(Sha256Function);

/// The hex SHA-256 of the request body, read in chunks of [`CHUNK`] bytes.
fn hash_body(request: IncomingRequest) -> Result<String, String> {
    let body = request
        .consume()
        .map_err(|()| "the request body was already consumed".to_owned())?;
    let stream = body
        .stream()
        .map_err(|()| "the request body stream was already taken".to_owned())?;
    let mut hasher = Sha256::new();
    loop {
        match stream.blocking_read(CHUNK) {
            Ok(chunk) => hasher.update(&chunk),
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
    // Trailers are not used; finishing releases the body.
    drop(IncomingBody::finish(body));
    Ok(hasher
        .finalize()
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
