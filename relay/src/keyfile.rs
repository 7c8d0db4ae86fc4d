//! The key file: one Mina private key in base58 (`EK…`) and a newline, readable by its owner
//! only (mode 0600 on Unix).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use webfn_mina::PrivateKey;

/// Most bytes a key file may hold (a key is 52 characters).
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// What can go wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file already exists and would be overwritten.
    #[error("{0} already exists (use --force to replace it)")]
    Exists(PathBuf),
    /// The file cannot be read or written.
    #[error("{}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file does not hold a valid private key.
    #[error("{}: not a Mina private key", path.display())]
    Invalid {
        /// The key file.
        path: PathBuf,
        /// Why the key is invalid.
        source: webfn_mina::Error,
    },
    /// The file is implausibly large for a key file.
    #[error("{0}: too large to be a key file")]
    TooLarge(PathBuf),
    /// No default location can be determined.
    #[error("cannot find a home directory for the default key file; pass --key FILE")]
    NoHome,
}

/// The default key file: `$XDG_CONFIG_HOME/webfn/mina.key`, else `~/.config/webfn/mina.key`.
pub fn default_path() -> Result<PathBuf, KeyFileError> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .ok_or(KeyFileError::NoHome)?;
    Ok(config.join("webfn").join("mina.key"))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `key` to `path`, creating parent folders; refuses to replace an existing file
/// unless `force`. The file is created with mode 0600.
pub fn write(path: &Path, key: &PrivateKey, force: bool) -> Result<(), KeyFileError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(io_error(parent))?;
    }
    if !force && path.exists() {
        return Err(KeyFileError::Exists(path.to_owned()));
    }
    // write a sibling then rename, so a crash never leaves a half-written key
    let tmp = path.with_extension("key.tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(io_error(&tmp))?;
    file.write_all(format!("{}\n", key.to_base58()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error(&tmp))?;
    fs::rename(&tmp, path).map_err(io_error(path))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Reads the key in `path`.
pub fn read(path: &Path) -> Result<PrivateKey, KeyFileError> {
    let metadata = fs::metadata(path).map_err(io_error(path))?;
    if metadata.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyFileError::TooLarge(path.to_owned()));
    }
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    PrivateKey::from_base58(text.trim()).map_err(|source| KeyFileError::Invalid {
        path: path.to_owned(),
        source,
    })
}

/// Whether others than the owner may read the file (Unix permission bits).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Reads the key in `path`, first creating a fresh one there if the file does not exist;
/// also says whether it was created.
pub fn read_or_create(path: &Path) -> Result<(PrivateKey, bool), KeyFileError> {
    if path.exists() {
        return read(path).map(|key| (key, false));
    }
    let key = PrivateKey::generate_os().map_err(|source| KeyFileError::Invalid {
        path: path.to_owned(),
        source,
    })?;
    write(path, &key, false)?;
    Ok((key, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_keys_read_back_and_are_private() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("nested").join("mina.key");
        let key = PrivateKey::generate_os()?;
        write(&path, &key, false)?;
        assert_eq!(read(&path)?, key);
        assert!(!readable_by_others(&path));
        assert!(matches!(
            write(&path, &key, false),
            Err(KeyFileError::Exists(_))
        ));
        let other = PrivateKey::generate_os()?;
        write(&path, &other, true)?;
        assert_eq!(read(&path)?, other);
        Ok(())
    }

    #[test]
    fn garbage_is_refused_with_the_path() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bad.key");
        fs::write(&path, "EKnotakey")?;
        let error = read(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            error.contains("bad.key") && error.contains("not a Mina private key"),
            "{error}"
        );
        Ok(())
    }
}
