//! TEST ONLY. `spin`: burns CPU. With `?ms=N` it busy-loops for N milliseconds and then
//! answers `spun N ms`; without it, it loops forever and never answers. The engine's tests use
//! it to show that the CPU-time deadline stops a guest (and lets a short one finish).

use std::hint::black_box;
use std::io::Write as _;
use std::time::{Duration, Instant};

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Spin;

impl Guest for Spin {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        match query_value(&query, "ms").and_then(|ms| ms.parse::<u64>().ok()) {
            Some(ms) => {
                busy_for(Duration::from_millis(ms));
                respond(response_out, 200, format!("spun {ms} ms\n").as_bytes());
            }
            None => spin_forever(),
        }
    }
}

wasi::http::proxy::export!(Spin);

/// Loops without end and without calling the host: only an interruption stops it.
fn spin_forever() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Busy-waits (computing, not sleeping) for `duration`.
fn busy_for(duration: Duration) {
    let start = Instant::now();
    let mut counter: u64 = 0;
    while start.elapsed() < duration {
        for _ in 0..10_000 {
            counter = black_box(counter.wrapping_add(1));
        }
    }
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
