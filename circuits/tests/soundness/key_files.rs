//! Key files: versioned header, digest, strict decoding.

use std::time::Instant;

use webfn_circuits::{Error, KeyDigest, ProvingKey, VerifyingKey, verify};

use crate::common::keys;

fn key_format_error<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::KeyFormat(reason)) => reason,
        other => panic!("expected a key format error, got {other:?}"),
    }
}

#[test]
fn proving_key_round_trips_checked_and_pinned() {
    let key = &keys().0;
    let bytes = key.to_bytes();
    assert_eq!(&bytes[..8], b"WEBFN-ZK");
    assert_eq!(&bytes[8..12], &[0, 1, 1, 20]);
    assert!(
        bytes.len() < 4 << 20,
        "proving key is {} bytes",
        bytes.len()
    );
    let started = Instant::now();
    assert_eq!(&ProvingKey::from_bytes(&bytes).expect("checked load"), key);
    eprintln!("checked proving key load: {:?}", started.elapsed());
    let digest = key.digest();
    let started = Instant::now();
    assert_eq!(
        &ProvingKey::from_bytes_pinned(&bytes, &digest).expect("pinned load"),
        key
    );
    eprintln!("pinned proving key load: {:?}", started.elapsed());
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(matches!(
        ProvingKey::from_bytes_pinned(&tampered, &digest),
        Err(Error::KeyDigest { .. })
    ));
}

#[test]
fn verifying_key_round_trips_and_still_verifies() {
    let vk = keys().0.verifying_key();
    let bytes = vk.to_bytes();
    assert_eq!(&bytes[8..12], &[0, 1, 2, 20]);
    let loaded = VerifyingKey::from_bytes(&bytes).expect("load");
    assert_eq!(loaded, vk);
    assert_eq!(loaded.digest(), vk.digest());
    let credential = crate::proof_bytes_credential();
    assert!(verify(&loaded.prepare(), credential).expect("verify"));
}

#[test]
fn digests_are_sha256_text() {
    let digest = keys().0.verifying_key().digest();
    let text = digest.to_string();
    assert!(
        text.starts_with("sha256:") && text.len() == 7 + 64,
        "{text}"
    );
    assert_eq!(text.parse::<KeyDigest>().expect("parse"), digest);
    for bad in [
        "",
        "sha256:",
        "sha256:zz",
        "md5:00",
        &text[..text.len() - 1],
    ] {
        assert!(bad.parse::<KeyDigest>().is_err(), "{bad}");
    }
}

#[test]
fn malformed_key_files_are_refused() {
    let vk = keys().0.verifying_key().to_bytes();
    let with = |at: usize, value: u8| {
        let mut bytes = vk.clone();
        bytes[at] = value;
        bytes
    };
    assert!(key_format_error(VerifyingKey::from_bytes(&with(0, b'X'))).contains("magic"));
    assert!(key_format_error(VerifyingKey::from_bytes(&with(9, 2))).contains("version"));
    assert!(key_format_error(VerifyingKey::from_bytes(&with(10, 1))).contains("kind"));
    assert!(key_format_error(ProvingKey::from_bytes(&vk)).contains("kind"));
    assert!(key_format_error(VerifyingKey::from_bytes(&with(11, 21))).contains("depth"));
    assert!(key_format_error(VerifyingKey::from_bytes(&with(20, vk[20] ^ 1))).contains("Poseidon"));
    key_format_error(VerifyingKey::from_bytes(&vk[..vk.len() - 1]));
    key_format_error(VerifyingKey::from_bytes(&vk[..10]));
    key_format_error(VerifyingKey::from_bytes(&[]));
    let mut long = vk.clone();
    long.push(0);
    assert!(key_format_error(VerifyingKey::from_bytes(&long)).contains("trailing"));
    // a point of the body moved off the curve
    let mut off_curve = vk.clone();
    off_curve[50] ^= 0x01;
    key_format_error(VerifyingKey::from_bytes(&off_curve));
}
