//! TEST ONLY. `env-probe`: reports what ambient authority the guest has. It answers one line
//! per probe, `name: result`:
//!
//! ```text
//! env: 0 variables
//! env HOME: absent
//! args: 0
//! read /etc/passwd: error …
//! read_dir /: error …
//! read_dir .: error …
//! cwd: …
//! ```
//!
//! The engine's tests use it to show that a function sees no environment variables, no
//! arguments and no files.

use std::fmt::Write as _;
use std::io::Write as _;

use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct EnvProbe;

impl Guest for EnvProbe {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        respond(response_out, 200, probe().as_bytes());
    }
}

wasi::http::proxy::export!(EnvProbe);

/// Runs every probe and describes what it saw.
fn probe() -> String {
    let mut report = String::new();
    let vars: Vec<(String, String)> = std::env::vars().collect();
    let _ = writeln!(report, "env: {} variables", vars.len());
    for (name, _) in &vars {
        let _ = writeln!(report, "env var {name}");
    }
    let home = std::env::var("HOME").map_or_else(|_| "absent".to_owned(), |_| "present".to_owned());
    let _ = writeln!(report, "env HOME: {home}");
    let _ = writeln!(report, "args: {}", std::env::args().count());
    let _ = writeln!(report, "read /etc/passwd: {}", read_file("/etc/passwd"));
    let _ = writeln!(report, "read_dir /: {}", read_dir("/"));
    let _ = writeln!(report, "read_dir .: {}", read_dir("."));
    let cwd =
        std::env::current_dir().map_or_else(|e| format!("error {e}"), |p| p.display().to_string());
    let _ = writeln!(report, "cwd: {cwd}");
    report
}

fn read_file(path: &str) -> String {
    match std::fs::read(path) {
        Ok(bytes) => format!("ok {} bytes", bytes.len()),
        Err(error) => format!("error {error}"),
    }
}

fn read_dir(path: &str) -> String {
    match std::fs::read_dir(path) {
        Ok(entries) => format!("ok {} entries", entries.count()),
        Err(error) => format!("error {error}"),
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
