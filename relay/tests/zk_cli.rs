//! The `webfn zk` commands, run as a user would: setup, identities, prove on standard input,
//! verify (exit 0 / 1 with a reason), and the refusals.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";

/// One seeded setup shared by the tests: (key directory, setup output).
fn keys() -> &'static (PathBuf, Value) {
    static KEYS: OnceLock<(PathBuf, Value)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zk-cli-keys");
        let dir_text = dir.display().to_string();
        let out = stdout_json(&webfn(
            &["zk", "setup", "--out", &dir_text, "--seed", SEED, "--force"],
            "",
        ));
        (dir, out)
    })
}

fn keys_arg() -> String {
    keys().0.display().to_string()
}

fn identity() -> (String, String) {
    let out = stdout_json(&webfn(&["zk", "identity"], ""));
    let field = |k: &str| out[k].as_str().expect("decimal string").to_owned();
    (field("secret"), field("commitment"))
}

/// A group of three identities and a proof by the second one.
fn proof() -> &'static (Value, Vec<(String, String)>) {
    static PROOF: OnceLock<(Value, Vec<(String, String)>)> = OnceLock::new();
    PROOF.get_or_init(|| {
        let members: Vec<(String, String)> = (0..3).map(|_| identity()).collect();
        let request = json!({
            "secret": members[1].0,
            "group": members.iter().map(|m| m.1.clone()).collect::<Vec<_>>(),
            "scope": "2026",
            "message": "123456789",
        });
        let out = stdout_json(&webfn(
            &["zk", "prove", "--keys", &keys_arg()],
            &request.to_string(),
        ));
        (out, members)
    })
}

fn verify(object: &Value) -> Output {
    webfn(
        &["zk", "verify", "--keys", &keys_arg()],
        &object.to_string(),
    )
}

#[test]
fn setup_writes_keys_and_prints_their_digests() {
    let (dir, out) = keys();
    for (key, file) in [
        ("provingKey", "proving.key"),
        ("verifyingKey", "verifying.key"),
    ] {
        let digest = out[key].as_str().expect("digest");
        assert!(
            digest.starts_with("sha256:") && digest.len() == 71,
            "{digest}"
        );
        assert!(dir.join(file).is_file());
    }
    let listed: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("keys.json")).expect("keys.json"))
            .expect("json");
    assert_eq!(listed["provingKey"], out["provingKey"]);
    assert_eq!(listed["verifyingKey"], out["verifyingKey"]);
    // no silent overwrite
    let again = webfn(&["zk", "setup", "--out", &keys_arg(), "--seed", SEED], "");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn identities_are_fresh_decimal_pairs() {
    let (a, b) = (identity(), identity());
    assert_ne!(a, b);
    for value in [&a.0, &a.1, &b.0, &b.1] {
        assert!(value.bytes().all(|c| c.is_ascii_digit()) && !value.is_empty());
    }
    assert_ne!(a.0, a.1);
}

#[test]
fn prove_then_verify_accepts() {
    let (out, _) = proof();
    let proof = out["proof"].as_str().expect("proof");
    assert_eq!(proof.len(), 384);
    let inputs = &out["publicInputs"];
    assert_eq!(inputs["scope"], "2026");
    assert_eq!(inputs["message"], "123456789");
    for key in ["root", "nullifier"] {
        assert!(inputs[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    let output = verify(out);
    assert!(output.status.success(), "{}", text(&output.stdout));
    assert_eq!(text(&output.stdout), "valid\n");
}

#[test]
fn verify_refuses_tampering_with_a_reason() {
    let (out, _) = proof();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for key in ["root", "nullifier", "message", "scope"] {
        let mut changed = out.clone();
        changed["publicInputs"][key] = json!("5");
        cases.push((changed, "does not verify"));
    }
    let proof = out["proof"].as_str().expect("proof").to_owned();
    let mut swapped = out.clone();
    swapped["proof"] = json!(format!("{}{}", &proof[288..], &proof[96..288]) + &proof[..96]);
    cases.push((swapped, "invalid"));
    let mut truncated = out.clone();
    truncated["proof"] = json!(proof[..382].to_owned());
    cases.push((truncated, "192 bytes"));
    let mut identity = out.clone();
    identity["proof"] = json!(format!("c0{}{}", "0".repeat(94), &proof[96..]));
    cases.push((identity, "identity"));
    let mut not_decimal = out.clone();
    not_decimal["publicInputs"]["message"] = json!("0x10");
    cases.push((not_decimal, "not a field element"));
    cases.push((json!({"proof": proof}), "malformed"));
    for (object, reason) in cases {
        let output = verify(&object);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{object}: {stdout}");
        assert!(stdout.starts_with("invalid: "), "{stdout}");
        assert!(stdout.contains(reason), "expected {reason:?} in {stdout:?}");
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
    }
}

#[test]
fn prove_refuses_a_secret_outside_the_group() {
    let (_, members) = proof();
    let (outsider, _) = identity();
    let request = json!({
        "secret": outsider,
        "group": members.iter().map(|m| m.1.clone()).collect::<Vec<_>>(),
        "scope": "1",
        "message": "2",
    });
    let output = webfn(
        &["zk", "prove", "--keys", &keys_arg()],
        &request.to_string(),
    );
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("not in the group"), "{stderr}");
    assert!(output.stdout.is_empty());

    let bad = json!({"secret": "01", "group": [members[0].1], "scope": "1", "message": "2"});
    let output = webfn(&["zk", "prove", "--keys", &keys_arg()], &bad.to_string());
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("secret"),
        "{}",
        text(&output.stderr)
    );
}
