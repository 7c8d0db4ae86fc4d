//! The Groth16 key directory written by `webfn zk setup`: `proving.key`, `verifying.key`
//! and `keys.json` (`{"provingKey": "sha256:…", "verifyingKey": "sha256:…"}`), the digests
//! the keys are loaded against. The relay verifies credential proofs with the verifying key
//! and serves both keys to callers; providers fetch the verifying key from the relay and
//! check its digest.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use webfn_circuits::{KeyDigest, PreparedVerifyingKey, VerifyingKey};

/// The proving key's file name.
pub const PROVING_KEY: &str = "proving.key";
/// The verifying key's file name.
pub const VERIFYING_KEY: &str = "verifying.key";
/// The digests' file name.
pub const DIGESTS: &str = "keys.json";

/// What can go wrong loading keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyDirError {
    /// A file cannot be read.
    #[error("reading {path} (run webfn zk setup)")]
    Read {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// `keys.json` is not the digests' file.
    #[error("parsing {path}: {reason}")]
    Digests {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A key does not match its digest.
    #[error("{file} has digest {got}, keys.json says {expected}")]
    Mismatch {
        /// The key file.
        file: &'static str,
        /// Its digest.
        got: KeyDigest,
        /// The digest in keys.json.
        expected: KeyDigest,
    },
    /// The verifying key does not parse (a point off the curve, a bad header, …).
    #[error("loading the verifying key: {0}")]
    Key(#[from] webfn_circuits::Error),
}

/// The digests in `keys.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Digests {
    /// The proving key's digest, `sha256:…`.
    pub proving_key: String,
    /// The verifying key's digest, `sha256:…`.
    pub verifying_key: String,
}

/// Keys loaded from a directory: the verifying key prepared for verification, and both keys'
/// bytes as served.
#[derive(Debug)]
pub struct ZkKeys {
    /// The verifying key, prepared.
    pub verifying: Arc<PreparedVerifyingKey>,
    /// `verifying.key`'s bytes.
    pub verifying_bytes: Vec<u8>,
    /// Their digest.
    pub verifying_digest: KeyDigest,
    /// `proving.key`'s bytes, served to browsers (checked against its digest).
    pub proving_bytes: Vec<u8>,
    /// Their digest.
    pub proving_digest: KeyDigest,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, KeyDirError> {
    let path = dir.join(name);
    fs::read(&path).map_err(|source| KeyDirError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Reads `keys.json` in `dir`.
pub fn read_digests(dir: &Path) -> Result<(KeyDigest, KeyDigest), KeyDirError> {
    let path = dir.join(DIGESTS).display().to_string();
    let bytes = read(dir, DIGESTS)?;
    let bad = |reason: String| KeyDirError::Digests {
        path: path.clone(),
        reason,
    };
    let digests: Digests = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let proving = digests
        .proving_key
        .parse()
        .map_err(|e: webfn_circuits::Error| bad(e.to_string()))?;
    let verifying = digests
        .verifying_key
        .parse()
        .map_err(|e: webfn_circuits::Error| bad(e.to_string()))?;
    Ok((proving, verifying))
}

/// Checks `bytes` against `expected`.
pub fn check_digest(
    file: &'static str,
    bytes: &[u8],
    expected: KeyDigest,
) -> Result<(), KeyDirError> {
    let got = KeyDigest::of(bytes);
    if got == expected {
        Ok(())
    } else {
        Err(KeyDirError::Mismatch {
            file,
            got,
            expected,
        })
    }
}

impl ZkKeys {
    /// Loads and checks the keys in `dir`: both digests, and every point of the verifying
    /// key.
    pub fn load(dir: &Path) -> Result<ZkKeys, KeyDirError> {
        let (proving_digest, verifying_digest) = read_digests(dir)?;
        let verifying_bytes = read(dir, VERIFYING_KEY)?;
        check_digest(VERIFYING_KEY, &verifying_bytes, verifying_digest)?;
        let proving_bytes = read(dir, PROVING_KEY)?;
        check_digest(PROVING_KEY, &proving_bytes, proving_digest)?;
        let verifying = VerifyingKey::from_bytes(&verifying_bytes)?.prepare();
        Ok(ZkKeys {
            verifying: Arc::new(verifying),
            verifying_bytes,
            verifying_digest,
            proving_bytes,
            proving_digest,
        })
    }
}
