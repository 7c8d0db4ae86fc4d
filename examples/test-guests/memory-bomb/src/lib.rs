//! TEST ONLY. `memory-bomb`: allocates memory. With `?mib=N` it allocates and touches N MiB
//! and answers `allocated N MiB`; without it, it keeps allocating 1 MiB blocks until an
//! allocation fails, which aborts the guest (a trap). The engine's tests use it to show that
//! the memory limit holds (and that a guest under the limit runs normally).

use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

const MIB: usize = 1024 * 1024;

struct MemoryBomb;

impl Guest for MemoryBomb {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let mib = query_value(&query, "mib").and_then(|n| n.parse::<usize>().ok());
        let blocks = allocate(mib.unwrap_or(usize::MAX));
        let body = format!("allocated {} MiB\n", blocks.len());
        respond(response_out, 200, body.as_bytes());
    }
}

wasi::http::proxy::export!(MemoryBomb);

/// Allocates `mib` blocks of 1 MiB, writing to every page so that the memory is really used.
/// An allocation that fails aborts the guest (Rust's default out-of-memory behaviour).
fn allocate(mib: usize) -> Vec<Vec<u8>> {
    let mut blocks = Vec::new();
    for _ in 0..mib {
        let mut block = vec![0u8; MIB];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        blocks.push(std::hint::black_box(block));
    }
    blocks
}

/// The value of `key` in the query of `path_with_query`, if present.
fn query_value<'a>(path_with_query: &'a str, key: &str) -> Option<&'a str> {
    let (_, query) = path_with_query.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(name, value)| (name == key).then_some(value))
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
