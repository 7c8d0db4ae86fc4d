//! Bundles on disk, addressed by digest: `<dir>/<hex>.wasm`, written to a temporary file in
//! the same folder, synced, then renamed, so a crash never leaves a partial bundle under its
//! digest. Reads re-check the digest.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use webfn_protocol::Digest;

use super::StoreError;

/// The bundle folder.
#[derive(Debug, Clone)]
pub struct BundleDir {
    dir: PathBuf,
}

impl BundleDir {
    /// Opens (creating) the folder.
    pub fn open(dir: &Path) -> Result<BundleDir, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        Ok(BundleDir {
            dir: dir.to_owned(),
        })
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(format!("{}.wasm", digest.hex()))
    }

    /// Stores `bytes` under their digest (a no-op when already present) and returns it.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        let path = self.path(&digest);
        if path.exists() {
            return Ok(digest);
        }
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", digest.hex(), std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StoreError::io(&path, e)
        })?;
        Ok(digest)
    }

    /// The bundle's bytes, if stored; bytes that no longer match their digest are an error.
    pub fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(digest);
        match fs::read(&path) {
            Ok(bytes) if digest.matches(&bytes) => Ok(Some(bytes)),
            Ok(_) => Err(StoreError::Corrupt(digest.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }

    /// Whether the bundle is stored.
    pub fn contains(&self, digest: &Digest) -> bool {
        self.path(digest).exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_detect_corruption() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let bundles = BundleDir::open(&dir.path().join("bundles"))?;
        let digest = bundles.put(b"component bytes")?;
        assert_eq!(digest, Digest::of(b"component bytes"));
        assert_eq!(bundles.put(b"component bytes")?, digest);
        assert_eq!(bundles.get(&digest)?, Some(b"component bytes".to_vec()));
        assert_eq!(bundles.get(&Digest::of(b"other"))?, None);
        fs::write(
            dir.path()
                .join("bundles")
                .join(format!("{}.wasm", digest.hex())),
            b"tampered",
        )?;
        assert!(matches!(bundles.get(&digest), Err(StoreError::Corrupt(_))));
        // no temporary files are left behind
        let leftovers = fs::read_dir(dir.path().join("bundles"))?.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        });
        assert_eq!(leftovers.count(), 0);
        Ok(())
    }
}
