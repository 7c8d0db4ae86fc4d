//! TEST ONLY. `outbound`: makes an outbound HTTP GET to the URL given as `?url=…` (the rest
//! of the query, unencoded, e.g. `?url=http://example.com/x`) and reports the outcome in a
//! 200 response: `status N` if the request went out and a response came back, `error E` if
//! the host refused or the request failed. The engine's tests use it to show that outbound
//! HTTP is denied unless the host is in the function's allowlist.

use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Scheme,
};

struct Outbound;

impl Guest for Outbound {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        let report = match target.split_once("?url=") {
            Some((_, url)) => fetch(url),
            None => "error no ?url= in the query".to_owned(),
        };
        respond(response_out, 200, format!("{report}\n").as_bytes());
    }
}

wasi::http::proxy::export!(Outbound);

/// Sends `GET url` and describes the outcome.
fn fetch(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return format!("error not an absolute URL: {url}");
    };
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_owned()),
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_method(&Method::Get);
    let _ = request.set_scheme(Some(&scheme));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    let future = match outgoing_handler::handle(request, None) {
        Ok(future) => future,
        Err(code) => return format!("error {code:?}"),
    };
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => format!("status {}", response.status()),
        Some(Ok(Err(code))) => format!("error {code:?}"),
        Some(Err(())) => "error the response was already taken".to_owned(),
        None => "error the response is not ready".to_owned(),
    }
}

/// Sends a complete plain-text response.
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
