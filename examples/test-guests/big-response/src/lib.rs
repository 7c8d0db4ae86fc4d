//! TEST ONLY. `big-response`: answers `?bytes=N` bytes of body (`x` repeated; 1 MiB when the
//! query says nothing), written in 64 KiB chunks as a stream. The engine's tests use it to
//! show that the response-size limit holds (and that a response under it arrives whole).

use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// Body size when the query names none.
const DEFAULT_BYTES: u64 = 1024 * 1024;
/// Bytes written per call.
const CHUNK: usize = 64 * 1024;

struct BigResponse;

impl Guest for BigResponse {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let bytes = query_value(&query, "bytes")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(DEFAULT_BYTES);
        stream_response(response_out, bytes);
    }
}

wasi::http::proxy::export!(BigResponse);

/// Sends a 200 response whose body is `bytes` bytes of `x`.
fn stream_response(out: ResponseOutparam, bytes: u64) {
    let headers = Fields::new();
    let _ = headers.set("content-type", &[b"application/octet-stream".to_vec()]);
    let response = OutgoingResponse::new(headers);
    let Ok(outgoing) = response.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    let Ok(mut stream) = outgoing.write() else {
        return;
    };
    let chunk = vec![b'x'; CHUNK];
    let mut left = bytes;
    while left > 0 {
        let n = usize::try_from(left).map_or(CHUNK, |left| left.min(CHUNK));
        // The host stops reading once the body is over its limit: stop writing then.
        if stream.write_all(&chunk[..n]).is_err() {
            return;
        }
        left -= n as u64;
    }
    let _ = stream.blocking_flush();
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// The value of `key` in the query of `path_with_query`, if present.
fn query_value<'a>(path_with_query: &'a str, key: &str) -> Option<&'a str> {
    let (_, query) = path_with_query.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(name, value)| (name == key).then_some(value))
}
