//! The `webfn mina` and `webfn keys` commands, run as a user would: JSON on standard input,
//! against the mina-signer vectors, and cross-checked by the real mina-signer package in node.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use webfn_mina::PrivateKey;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn webfn(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webfn"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting webfn: {e}"));
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .unwrap_or_else(|e| panic!("writing stdin: {e}"));
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("running webfn: {e}"))
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "webfn failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("output is not JSON: {e}"))
}

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("mina/vectors/mina-signer-4.0.0.json"))
        .unwrap_or_else(|e| panic!("reading vectors: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("vectors: {e}"));
    all["vectors"].as_array().cloned().unwrap_or_default()
}

#[test]
fn sign_reproduces_mina_signer_and_verify_accepts_it() {
    let vectors = vectors();
    let requests: Vec<Value> = vectors
        .iter()
        .map(|v| json!({"network": v["network"], "kind": v["kind"], "privateKey": v["privateKey"], "input": v["input"]}))
        .collect();
    let signed = stdout_json(&webfn(
        &["mina", "sign"],
        &Value::from(requests).to_string(),
    ));
    let signed = signed.as_array().cloned().unwrap_or_default();
    assert_eq!(signed.len(), vectors.len());
    for (ours, v) in signed.iter().zip(&vectors) {
        assert_eq!(ours, &v["signed"], "{}", v["name"]);
    }

    let items: Vec<Value> = vectors
        .iter()
        .map(|v| json!({"network": v["network"], "kind": v["kind"], "signed": v["signed"]}))
        .collect();
    let output = webfn(&["mina", "verify"], &Value::from(items).to_string());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.ends_with(&format!("{} passed, 0 failed\n", vectors.len())),
        "{text}"
    );
}

#[test]
fn verify_reports_each_failure_and_exits_1() {
    let v = vectors();
    let good = json!({"network": v[0]["network"], "kind": v[0]["kind"], "signed": v[0]["signed"]});
    let mut tampered = good.clone();
    tampered["signed"]["data"]["amount"] = json!("12345");
    let mut wrong_network = good.clone();
    wrong_network["network"] = json!(if v[0]["network"] == "mainnet" {
        "testnet"
    } else {
        "mainnet"
    });
    let garbage = json!({"network": "testnet", "kind": "payment", "signed": {"data": 1}});
    let unknown_kind = json!({"network": "testnet", "kind": "zkapp", "signed": {}});
    let input = json!([good, tampered, wrong_network, garbage, unknown_kind]).to_string();
    let output = webfn(&["mina", "verify"], &input);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[0].contains(": ok"), "{text}");
    assert!(
        lines[1].contains("FAILED: the signature does not verify"),
        "{text}"
    );
    assert!(lines[2].contains("FAILED"), "{text}");
    assert!(
        lines[3].contains("FAILED") && lines[3].contains("publicKey: missing"),
        "{text}"
    );
    assert!(
        lines[4].contains("FAILED") && lines[4].contains("zkapp"),
        "{text}"
    );
    assert_eq!(lines[5], "1 passed, 4 failed");
}

#[test]
fn sign_refuses_bad_items_naming_item_and_field() {
    let v = vectors();
    let payment = v
        .iter()
        .find(|v| v["kind"] == "payment")
        .cloned()
        .unwrap_or_default();
    let mut bad = json!({"network": payment["network"], "kind": "payment", "privateKey": payment["privateKey"], "input": payment["input"]});
    bad["input"]["memo"] = json!("x".repeat(33));
    let output = webfn(&["mina", "sign"], &json!([bad.clone(), bad]).to_string());
    let error = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        error.contains("item 0 (payment)")
            && error.contains("memo: 33 UTF-8 bytes long; at most 32"),
        "{error}"
    );
    for input in ["{}", "not json", "[{\"kind\": \"payment\"}]"] {
        let output = webfn(&["mina", "sign"], input);
        assert_eq!(output.status.code(), Some(1), "{input}");
        assert!(!output.stderr.is_empty());
    }
    let output = webfn(
        &["mina", "sign", "--max-input-bytes", "10"],
        "[1,2,3,4,5,6,7,8,9]",
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("larger than 10 bytes"));
}

#[test]
fn hash_matches_mina_signer() {
    let vectors: Vec<Value> = vectors()
        .into_iter()
        .filter(|v| v.get("hash").is_some())
        .collect();
    let items: Vec<Value> = vectors
        .iter()
        .map(|v| json!({"kind": v["kind"], "signed": v["signed"]}))
        .collect();
    let hashes = stdout_json(&webfn(&["mina", "hash"], &Value::from(items).to_string()));
    for (ours, v) in hashes
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .zip(&vectors)
    {
        assert_eq!(ours, &v["hash"], "{}", v["name"]);
    }
}

#[test]
fn keys_new_and_show() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("keys").join("mina.key");
    let path_text = path.display().to_string();
    let created = stdout_json(&webfn(&["keys", "new", "--key", &path_text], ""));
    let shown = stdout_json(&webfn(&["keys", "show", "--key", &path_text], ""));
    assert_eq!(created["publicKey"], shown["publicKey"]);
    assert!(shown.get("privateKey").is_none());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o600);
    }
    let again = webfn(&["keys", "new", "--key", &path_text], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let private = stdout_json(&webfn(
        &["keys", "show", "--private", "--key", &path_text],
        "",
    ));
    let key = PrivateKey::from_base58(private["privateKey"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Value::from(key.public_key().to_base58()),
        created["publicKey"]
    );
    // the environment variable is the fallback for --key
    let output = Command::new(env!("CARGO_BIN_EXE_webfn"))
        .args(["keys", "show"])
        .env("WEBFN_KEY", &path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stdout_json(&output)["publicKey"], created["publicKey"]);
}

/// A small deterministic generator (splitmix64), so the cross-check is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn key(&mut self) -> PrivateKey {
        loop {
            let mut bytes = [0u8; 32];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&self.next().to_le_bytes());
            }
            bytes[31] &= 0x3f;
            if let Ok(key) = PrivateKey::from_bytes(&bytes) {
                return key;
            }
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random commands signed by us; the real mina-signer must verify every one and compute the
/// same transaction hashes.
#[test]
fn mina_signer_verifies_our_signatures() {
    let crosscheck = root().join("mina/vectors/crosscheck.mjs");
    let mina_signer = root().join("node_modules/mina-signer");
    assert!(
        mina_signer.exists(),
        "node_modules/mina-signer is missing: run `npm ci` at the repository root (the test command does)"
    );
    let mut rng = Rng(0x5eed);
    let memos = [
        "",
        "job 17",
        "ü€😀 memo",
        "exactly thirty-two bytes long!!!",
        "null",
    ];
    let messages = [
        "",
        "hello",
        "WebFunctions call 42 ✓",
        "line\nbreak \"quoted\"",
        "日本語のメッセージ",
    ];
    let mut requests = Vec::new();
    for i in 0..120 {
        let key = rng.key();
        let to = rng.key().public_key().to_base58();
        let network = rng.pick(&["mainnet", "testnet"]);
        let (kind, input) = match i % 4 {
            0 => (
                "payment",
                json!({"to": to, "from": key.public_key().to_base58(), "amount": rng.next().to_string(),
                  "fee": (rng.next() >> (rng.next() % 64)).to_string(), "nonce": (rng.next() as u32).to_string(),
                  "validUntil": (rng.next() as u32).to_string(), "memo": rng.pick(&memos)}),
            ),
            1 => (
                "delegation",
                json!({"to": to, "from": key.public_key().to_base58(), "fee": rng.next().to_string(),
                  "nonce": (rng.next() as u32).to_string(), "memo": rng.pick(&memos)}),
            ),
            2 => (
                "message",
                json!(format!("{} #{}", rng.pick(&messages), rng.next())),
            ),
            _ => (
                "fields",
                json!(
                    (0..rng.next() % 6)
                        .map(|_| rng.next().to_string())
                        .collect::<Vec<_>>()
                ),
            ),
        };
        requests.push(json!({"network": network, "kind": kind, "privateKey": key.to_base58(), "input": input}));
    }
    let signed = stdout_json(&webfn(
        &["mina", "sign"],
        &Value::from(requests.clone()).to_string(),
    ));
    let signed = signed.as_array().cloned().unwrap_or_default();
    let commands: Vec<Value> = requests
        .iter()
        .zip(&signed)
        .filter(|(r, _)| r["kind"] == "payment" || r["kind"] == "delegation")
        .map(|(r, s)| json!({"kind": r["kind"], "signed": s}))
        .collect();
    let hashes = stdout_json(&webfn(
        &["mina", "hash"],
        &Value::from(commands).to_string(),
    ));
    let mut hashes = hashes.as_array().cloned().unwrap_or_default().into_iter();
    let items: Vec<Value> = requests
        .iter()
        .zip(&signed)
        .map(|(r, s)| {
            let mut item = json!({"network": r["network"], "kind": r["kind"], "signed": s});
            if r["kind"] == "payment" || r["kind"] == "delegation" {
                item["hash"] = hashes.next().unwrap_or_default();
            }
            item
        })
        .collect();
    let mut node = Command::new("node")
        .arg(&crosscheck)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("node is required for this test: {e}"));
    if let Some(mut input) = node.stdin.take() {
        input
            .write_all(Value::from(items).to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let output = node.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("120 passed, 0 failed"), "{text}");
}

/// `webfn relay` serves on 127.0.0.1, keeps its state across a restart, and stops on SIGTERM.
#[cfg(unix)]
#[test]
fn relay_serves_and_keeps_state_across_restarts() {
    use std::io::{BufRead, BufReader, Read as _};
    use std::net::TcpStream;

    fn start(data: &Path) -> (std::process::Child, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_webfn"))
            .args(["relay", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the relay: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out)
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        (child, address)
    }

    fn http_get(address: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("{e}"));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .unwrap_or_else(|e| panic!("{e}"));
        response
    }

    fn stop(mut child: std::process::Child) {
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "relay exited with {status}");
    }

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (child, address) = start(dir.path());
    assert!(http_get(&address, "/healthz").ends_with("ok"));
    let listing = http_get(&address, "/v1/functions");
    assert!(
        listing.starts_with("HTTP/1.1 200") && listing.ends_with("[]"),
        "{listing}"
    );
    stop(child);
    assert!(dir.path().join("relay.db").exists());
    let (child, address) = start(dir.path());
    assert!(http_get(&address, "/healthz").ends_with("ok"));
    stop(child);
}

/// The whole path with the binaries: `webfn relay`, `webfn provider`, `webfn deploy`,
/// `webfn invoke`; the function survives a relay restart and the provider reconnects.
#[cfg(unix)]
#[test]
fn deploy_and_invoke_through_relay_and_provider() {
    use std::io::{BufRead, BufReader};

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let hello = target.join("examples/hello.wasm");
    if !hello.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["xtask", "examples"])
            .current_dir(root())
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            status.success(),
            "cargo xtask examples failed (is the wasm32-wasip2 target installed?)"
        );
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_webfn"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let data = dir.path().join("relay").display().to_string();
    let start_relay = |listen: &str| {
        let mut relay = spawn(&["relay", "--listen", listen, "--data", &data]);
        let mut line = String::new();
        if let Some(out) = relay.stdout.take() {
            BufReader::new(out)
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
        (relay, address)
    };
    let (mut relay, address) = start_relay("127.0.0.1:0");
    let http = format!("http://{address}");
    let provider_key = dir.path().join("provider.key").display().to_string();
    let owner_key = dir.path().join("owner.key").display().to_string();
    assert!(
        webfn(&["keys", "new", "--key", &provider_key], "")
            .status
            .success()
    );
    let mut provider = spawn(&[
        "provider",
        "--relay",
        &format!("ws://{address}"),
        "--key",
        &provider_key,
        "--capacity",
        "2",
    ]);

    // deploy creates the owner's key on first use
    let output = webfn(
        &[
            "deploy",
            "--relay",
            &http,
            "--name",
            "hello",
            "--key",
            &owner_key,
            &hello.display().to_string(),
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"version\":1"));
    // a file that is not a component is refused with the relay's typed error
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"not wasm").unwrap_or_else(|e| panic!("{e}"));
    let output = webfn(
        &[
            "deploy",
            "--relay",
            &http,
            "--name",
            "junk",
            "--key",
            &owner_key,
            &junk.display().to_string(),
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid_bundle"));

    let invoke = |http: &str| {
        let mut last = None;
        for _ in 0..100 {
            let output = webfn(&["invoke", "--relay", http, "hello", "/a/b?c=1"], "");
            if output.status.success() {
                return String::from_utf8_lossy(&output.stdout).into_owned();
            }
            last = Some(String::from_utf8_lossy(&output.stderr).into_owned());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("invoke kept failing: {last:?}");
    };
    assert!(invoke(&http).contains("GET /a/b?c=1"));

    // restart the relay on the same port: the function is still there, the provider comes back
    let _ = Command::new("kill")
        .args(["-TERM", &relay.id().to_string()])
        .status();
    let _ = relay.wait();
    let (mut relay, _) = start_relay(&address);
    assert!(invoke(&http).contains("GET /a/b?c=1"));

    for child in [&mut provider, &mut relay] {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "{status}");
    }
}

/// `webfn dev`: relay, local provider and the examples, answering at once; state survives.
#[cfg(unix)]
#[test]
fn dev_runs_everything_with_the_examples() {
    use std::io::{BufRead, BufReader};

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let examples = target.join("examples");
    if !examples.join("hello.wasm").exists() {
        let status = Command::new(env!("CARGO"))
            .args(["xtask", "examples"])
            .current_dir(root())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "cargo xtask examples failed"
        );
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for round in 0..2 {
        let mut dev = Command::new(env!("CARGO_BIN_EXE_webfn"))
            .args(["dev", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path())
            .arg("--examples")
            .arg(&examples)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut lines = dev
            .stdout
            .take()
            .map(BufReader::new)
            .unwrap_or_else(|| panic!("no stdout"));
        let mut first = String::new();
        lines
            .read_line(&mut first)
            .unwrap_or_else(|e| panic!("{e}"));
        let address = first
            .split("http://")
            .nth(1)
            .and_then(|r| r.split([',', ' ']).next())
            .unwrap_or_default()
            .to_owned();
        let http = format!("http://{address}");
        let mut answer = None;
        for _ in 0..100 {
            let output = webfn(&["invoke", "--relay", &http, "hello", "/dev?round=1"], "");
            if output.status.success() {
                answer = Some(String::from_utf8_lossy(&output.stdout).into_owned());
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let output = webfn(
            &[
                "invoke", "--relay", &http, "-X", "POST", "-d", "abc", "sha256",
            ],
            "",
        );
        // stop it before any assertion, so that a failure never leaves it running
        let _ = Command::new("kill")
            .args(["-TERM", &dev.id().to_string()])
            .status();
        let stopped = dev.wait();
        assert!(
            answer.is_some_and(|a| a.contains("GET /dev?round=1")),
            "round {round}"
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(stopped.is_ok_and(|s| s.success()));
    }
}
