//! Providers as CI jobs, with the binaries over real sockets on 127.0.0.1:
//! `webfn provider --max-jobs N` serves N calls (the last one drained, not cut off) and exits
//! 0; `webfn provider --for 2s` exits 0 once the time is up.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn webfn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_webfn"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running webfn")
}

/// Kills the child when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Waits for the exit, at most `limit`.
    fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.0.try_wait().expect("waiting") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// A relay on 127.0.0.1 with `hello` deployed; returns it and its address.
fn relay_with_hello(dir: &Path) -> (Running, String) {
    common::hello_component().expect("the hello component");
    let hello = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("examples/hello.wasm");
    let mut relay = Command::new(env!("CARGO_BIN_EXE_webfn"))
        .args(["relay", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.join("relay"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting the relay");
    let mut line = String::new();
    BufReader::new(relay.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reading the relay's first line");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("an address")
        .to_owned();
    let owner = dir.join("owner.key").display().to_string();
    let output = webfn(&[
        "deploy",
        "--relay",
        &format!("http://{address}"),
        "--name",
        "hello",
        "--key",
        &owner,
        &hello.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (Running(relay), address)
}

fn provider(dir: &Path, address: &str, bounds: &[&str]) -> Running {
    let key = dir.join("provider.key").display().to_string();
    if !dir.join("provider.key").exists() {
        assert!(webfn(&["keys", "new", "--key", &key]).status.success());
    }
    let relay = format!("ws://{address}");
    let mut args = vec![
        "provider",
        "--relay",
        &relay,
        "--key",
        &key,
        "--capacity",
        "1",
    ];
    args.extend_from_slice(bounds);
    Running(
        Command::new(env!("CARGO_BIN_EXE_webfn"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the provider"),
    )
}

/// Calls hello until it answers (the provider may still be connecting).
fn invoke(address: &str, path: &str) -> String {
    let http = format!("http://{address}");
    let mut last = String::new();
    for _ in 0..100 {
        let output = webfn(&["invoke", "--relay", &http, "hello", path]);
        if output.status.success() {
            return String::from_utf8_lossy(&output.stdout).into_owned();
        }
        last = String::from_utf8_lossy(&output.stderr).into_owned();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("invoke kept failing: {last}");
}

#[test]
fn a_provider_exits_0_after_max_jobs_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_relay, address) = relay_with_hello(dir.path());
    let mut provider = provider(dir.path(), &address, &["--max-jobs", "2"]);
    assert!(invoke(&address, "/one").contains("GET /one"));
    assert_eq!(
        provider.wait_for(Duration::from_millis(300)),
        None,
        "stopped after one job"
    );
    // the second call is the last job: the provider stops taking jobs when it arrives, and
    // still answers it before leaving
    assert!(invoke(&address, "/two").contains("GET /two"));
    let status = provider
        .wait_for(Duration::from_secs(20))
        .expect("the provider exits");
    assert!(status.success(), "{status}");
    // nobody serves hello now
    let output = webfn(&[
        "invoke",
        "--relay",
        &format!("http://{address}"),
        "hello",
        "/three",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no_provider"));
}

#[test]
fn a_provider_exits_0_when_its_time_is_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_relay, address) = relay_with_hello(dir.path());
    let started = Instant::now();
    let mut provider = provider(dir.path(), &address, &["--for", "3s"]);
    assert!(invoke(&address, "/while-up").contains("GET /while-up"));
    let status = provider
        .wait_for(Duration::from_secs(30))
        .expect("the provider exits");
    assert!(status.success(), "{status}");
    assert!(started.elapsed() >= Duration::from_secs(3), "left early");
}

#[test]
fn bad_durations_are_refused() {
    let output = webfn(&["provider", "--for", "50", "--key", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unit"));
}
