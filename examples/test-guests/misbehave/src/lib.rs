//! TEST ONLY. `misbehave`: fails in the way the query names, so that the engine's tests can
//! show that each failure becomes a typed error and never harms the host:
//!
//! - `?do=panic`: panics (a trap, after printing to stderr);
//! - `?do=exit`: calls `exit(3)` before answering (WASI 0.2 reports any failure as 1);
//! - `?do=no-response`: returns without answering;
//! - `?do=error-code`: answers with the `wasi:http` error code `internal-error`;
//! - `?do=unfinished-body`: sends headers and part of a body, then drops the body unfinished;
//! - `?do=print`: writes 1 MiB to stdout and stderr, then answers `printed` (output is not
//!   the response);
//! - anything else: answers `behaving`.

use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    ErrorCode, Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Misbehave;

impl Guest for Misbehave {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        let action = target.split_once("?do=").map_or("", |(_, action)| action);
        match action {
            "panic" => panic!("misbehave was asked to panic"),
            "exit" => std::process::exit(3),
            "no-response" => drop(response_out),
            "error-code" => ResponseOutparam::set(
                response_out,
                Err(ErrorCode::InternalError(Some("asked to fail".to_owned()))),
            ),
            "unfinished-body" => unfinished_body(response_out),
            "print" => {
                let line = "x".repeat(1023) + "\n";
                for _ in 0..1024 {
                    print!("{line}");
                    eprint!("{line}");
                }
                respond(response_out, b"printed\n");
            }
            _ => respond(response_out, b"behaving\n"),
        }
    }
}

wasi::http::proxy::export!(Misbehave);

/// Sends headers and a few bytes, then drops the body without finishing it.
fn unfinished_body(out: ResponseOutparam) {
    let response = OutgoingResponse::new(Fields::new());
    let Ok(outgoing) = response.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    if let Ok(mut stream) = outgoing.write() {
        let _ = stream.write_all(b"partial");
        let _ = stream.blocking_flush();
    }
    drop(outgoing);
}

/// Sends a complete plain-text 200 response.
fn respond(out: ResponseOutparam, body: &[u8]) {
    let headers = Fields::new();
    let _ = headers.set("content-type", &[b"text/plain; charset=utf-8".to_vec()]);
    let response = OutgoingResponse::new(headers);
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
