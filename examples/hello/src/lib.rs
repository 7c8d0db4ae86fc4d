//! `hello`: the smallest WebFunctions function, a WebAssembly component of the standard
//! `wasi:http/proxy` world. It answers every request with a plain-text greeting that echoes
//! the request's method, path and query:
//!
//! ```text
//! GET /some/path?x=1  ->  200 text/plain  "Hello from WebFunctions! GET /some/path?x=1"
//! ```
//!
//! Build it with `cargo xtask examples` (from the repository root); the component lands in
//! `target/examples/hello.wasm` and also runs under `wasmtime serve`.

use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl Guest for Hello {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let method = request.method();
        let method = method_name(&method);
        let target = request.path_with_query().unwrap_or_else(|| "/".to_owned());
        let greeting = format!("Hello from WebFunctions! {method} {target}\n");
        respond(response_out, 200, greeting.as_bytes());
    }
}

wasi::http::proxy::export!(Hello);

/// The method as it appears on the request line.
fn method_name(method: &Method) -> &str {
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => other,
    }
}

/// Sends a complete plain-text response. The response is handed to the host before the body
/// is written, so that the host can stream the body out while it is written.
fn respond(out: ResponseOutparam, status: u16, body: &[u8]) {
    let headers = Fields::new();
    // A static, valid header: setting it cannot fail.
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
    // If the client went away, there is nobody left to tell: the write error is dropped.
    if stream.write_all(body).is_ok() {
        let _ = stream.blocking_flush();
    }
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}
