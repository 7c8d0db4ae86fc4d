//! The compiled-artifact cache on disk: a bundle is compiled once per engine configuration,
//! and later starts load its native code instead of compiling again.
//!
//! Layout: `<cache_dir>/wasmtime-<fingerprint>/<digest hex>.cwasm`, where the fingerprint is
//! a SHA-256 of Wasmtime's [`precompile_compatibility_hash`] (Wasmtime's version, the target,
//! the compiler flags and the wasm features): an engine never even looks at artifacts of
//! another version or configuration. Each file is
//!
//! ```text
//! "webfnc1\n" (8 bytes)  sha256(artifact) (32 bytes)  artifact (Component::serialize)
//! ```
//!
//! written to a temporary file in the same folder and renamed into place, so a reader sees a
//! whole file or none. Before deserializing, the checksum is verified over the bytes in
//! memory, and those same bytes are deserialized: a truncated or corrupted file is detected
//! and recompiled, never loaded. The checksum protects against accidents (a crash, a full
//! disk, bit rot), not against an attacker who can write to the folder: such an attacker
//! could run code as the provider anyway, which is why the folder is created private (0700).
//!
//! [`precompile_compatibility_hash`]: wasmtime::Engine::precompile_compatibility_hash

use std::fs;
use std::hash::{Hash as _, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};
use wasmtime::component::Component;

use super::error::{EngineError, Result};
use webfn_protocol::Digest;

/// First bytes of every cache file (format version 1).
const MAGIC: &[u8; 8] = b"webfnc1\n";
/// Length of the header: magic and checksum.
const HEADER_LEN: usize = MAGIC.len() + 32;

/// The cache folder of one engine configuration.
#[derive(Debug)]
pub(super) struct ArtifactCache {
    dir: PathBuf,
}

/// What the cache had for a digest.
pub(super) enum Cached {
    /// A verified, deserialized component.
    Hit(Component),
    /// No file.
    Miss,
    /// A file that failed the checksum or that Wasmtime refused: it should be rewritten.
    Rejected,
}

impl ArtifactCache {
    /// Opens (creating it if needed, private to this user) the cache folder of `engine`'s
    /// configuration under `root`.
    pub(super) fn open(root: &Path, engine: &wasmtime::Engine) -> Result<Self> {
        let dir = root.join(format!("wasmtime-{}", fingerprint(engine)));
        create_private_dir(&dir).map_err(|source| EngineError::Cache {
            path: dir.clone(),
            source,
        })?;
        Ok(ArtifactCache { dir })
    }

    /// The folder of this configuration's artifacts.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `digest`'s artifact.
    pub(super) fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(format!("{}.cwasm", digest.hex()))
    }

    /// Loads the artifact of `digest`, if there is a sound one.
    pub(super) fn load(&self, engine: &wasmtime::Engine, digest: &Digest) -> Result<Cached> {
        let path = self.path(digest);
        let file = match fs::read(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Cached::Miss),
            Err(source) => return Err(EngineError::Cache { path, source }),
        };
        let Some(artifact) = verified_artifact(&file) else {
            return Ok(Cached::Rejected);
        };
        match deserialize(engine, artifact) {
            Ok(component) => Ok(Cached::Hit(component)),
            Err(_) => Ok(Cached::Rejected),
        }
    }

    /// Stores `component`'s artifact for `digest`, replacing any previous file atomically.
    pub(super) fn store(&self, digest: &Digest, component: &Component) -> Result<()> {
        let artifact = component.serialize().map_err(EngineError::internal)?;
        let path = self.path(digest);
        write_atomically(&path, &encode(&artifact)).map_err(|source| EngineError::Cache {
            path: path.clone(),
            source,
        })
    }
}

/// Deserializes an artifact that this engine configuration compiled.
#[allow(unsafe_code)]
fn deserialize(engine: &wasmtime::Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `Component::deserialize` trusts its input to be an artifact that Wasmtime
    // produced, because it maps it as native code. `artifact` is exactly the bytes whose
    // SHA-256 was just verified against the checksum in the file's header (no second read
    // from disk, so no window in which the file could change), and the file was written by
    // `ArtifactCache::store` from `Component::serialize` of an engine whose configuration and
    // Wasmtime version have the fingerprint that names the folder, a folder created private to
    // this user (mode 0700) and so writable only by this user, who could run arbitrary code
    // as the provider anyway. Wasmtime additionally checks the artifact's version and
    // configuration and fails (rather than misbehaving) on a mismatch.
    unsafe { Component::deserialize(engine, artifact) }
}

/// The artifact in `file`, if the header and checksum are right.
fn verified_artifact(file: &[u8]) -> Option<&[u8]> {
    let (header, artifact) = file.split_at_checked(HEADER_LEN)?;
    let (magic, checksum) = header.split_at(MAGIC.len());
    if magic != MAGIC || artifact.is_empty() {
        return None;
    }
    (Sha256::digest(artifact).as_slice() == checksum).then_some(artifact)
}

/// The cache file for `artifact`: header and artifact.
fn encode(artifact: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(HEADER_LEN + artifact.len());
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&Sha256::digest(artifact));
    file.extend_from_slice(artifact);
    file
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.{unique}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Creates `dir` and its parents; `dir` itself is readable only by its owner on Unix.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// 16 hex digits naming `engine`'s compilation environment.
fn fingerprint(engine: &wasmtime::Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..8])
}

/// A [`Hasher`] that feeds SHA-256, so that the fingerprint does not depend on `std`'s
/// unspecified default hasher.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_files_verify_and_corruption_is_detected() {
        let artifact = b"native code, supposedly".to_vec();
        let mut file = encode(&artifact);
        assert_eq!(verified_artifact(&file), Some(&artifact[..]));

        let last = file.len() - 1;
        file[last] ^= 1;
        assert_eq!(verified_artifact(&file), None, "flipped bit");
        assert_eq!(verified_artifact(&file[..HEADER_LEN]), None, "no artifact");
        assert_eq!(verified_artifact(&file[..10]), None, "truncated header");
        let mut wrong_magic = encode(&artifact);
        wrong_magic[0] = b'x';
        assert_eq!(verified_artifact(&wrong_magic), None, "wrong magic");
    }

    #[test]
    fn the_fingerprint_is_stable_and_follows_the_configuration() {
        let engine = wasmtime::Engine::default();
        assert_eq!(fingerprint(&engine), fingerprint(&engine.clone()));
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let other = wasmtime::Engine::new(&config).expect("engine");
        assert_ne!(fingerprint(&engine), fingerprint(&other));
    }
}
