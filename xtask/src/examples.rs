//! `cargo xtask examples`: builds the sample functions and the engine's test guests of
//! `examples/` (their own Cargo workspace) for `wasm32-wasip2` in the release profile, checks
//! that each output is a WebAssembly component, and copies them to `target/examples/`
//! (test guests to `target/examples/test-guests/`), printing their paths and sizes.
//!
//! The build uses its own Cargo target folder inside the workspace's one
//! (`target/examples-build/`), so that it never waits for the lock of the main build: the
//! engine's integration tests run this task while `cargo test` is running.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::{ExamplesArgs, cargo, workspace_root};

const WASM_TARGET: &str = "wasm32-wasip2";
/// Folder of the examples' workspace, in the repository.
const EXAMPLES_DIR: &str = "examples";
/// Packages under this folder of `examples/` are test guests, copied apart.
const TEST_GUESTS_DIR: &str = "test-guests";
/// The start of every WebAssembly binary.
const WASM_MAGIC: &[u8; 4] = b"\0asm";
/// Bytes 6..8 of a component's header: the layer field, 1 for components (0 for core
/// modules). Bytes 4..6 are the binary version, which still moves before component model 1.0.
const COMPONENT_LAYER: [u8; 2] = [1, 0];

/// One component built from the examples' workspace.
#[derive(Debug)]
struct Built {
    /// The package name, which names the copied file.
    package: String,
    /// Whether it is a test guest.
    test_guest: bool,
    /// Where cargo wrote it.
    wasm: PathBuf,
}

pub(crate) fn run(args: &ExamplesArgs) -> Result<()> {
    let started = Instant::now();
    let root = workspace_root();
    let target_dir = target_directory(&root)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| target_dir.join("examples"));
    let manifest = root.join(EXAMPLES_DIR).join("Cargo.toml");
    let build_dir = target_dir.join("examples-build");

    build(&manifest, &build_dir)?;
    let built = components(&manifest, &build_dir)?;
    let mut report = Vec::new();
    for component in &built {
        let dir = if component.test_guest {
            out.join(TEST_GUESTS_DIR)
        } else {
            out.clone()
        };
        let copied = install(component, &dir)?;
        report.push(copied);
    }
    eprintln!(
        "{} components in {} ({:.1}s)",
        report.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    for (path, size) in report {
        println!("{:>10}  {}", human_size(size), path.display());
    }
    Ok(())
}

/// `cargo metadata --no-deps` of the workspace at `manifest` (its `Cargo.toml`).
fn metadata(manifest: &Path) -> Result<Value> {
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .context("running cargo metadata")?;
    ensure!(
        output.status.success(),
        "cargo metadata of {} failed: {}",
        manifest.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).context("reading cargo metadata")
}

/// The main workspace's target folder (honours `CARGO_TARGET_DIR` and cargo configuration).
fn target_directory(root: &Path) -> Result<PathBuf> {
    let metadata = metadata(&root.join("Cargo.toml"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata gives no target_directory")
}

/// `cargo build --release --target wasm32-wasip2` of the examples' workspace.
fn build(manifest: &Path, build_dir: &Path) -> Result<()> {
    let step = Instant::now();
    eprintln!(
        "      running cargo build --release --target {WASM_TARGET} --manifest-path {}",
        manifest.display()
    );
    let status = cargo()
        .args(["build", "--release", "--target", WASM_TARGET])
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(build_dir)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!(
            "cargo build for {WASM_TARGET} failed ({status}); is the target installed? \
             (rustup target add {WASM_TARGET})"
        );
    }
    eprintln!("        built ({:.1}s)", step.elapsed().as_secs_f64());
    Ok(())
}

/// The components the build produced: one per `cdylib` package of the examples' workspace.
fn components(manifest: &Path, build_dir: &Path) -> Result<Vec<Built>> {
    let metadata = metadata(manifest)?;
    let examples_dir = manifest.parent().unwrap_or(manifest);
    let release = build_dir.join(WASM_TARGET).join("release");
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata gives no packages")?;
    let mut built = Vec::new();
    for package in packages {
        let Some(lib) = cdylib_name(package) else {
            continue;
        };
        let name = package["name"]
            .as_str()
            .context("a package without a name")?;
        let manifest_path = package["manifest_path"].as_str().unwrap_or_default();
        let test_guest = Path::new(manifest_path)
            .strip_prefix(examples_dir)
            .is_ok_and(|relative| relative.starts_with(TEST_GUESTS_DIR));
        built.push(Built {
            package: name.to_owned(),
            test_guest,
            wasm: release.join(format!("{}.wasm", lib.replace('-', "_"))),
        });
    }
    built.sort_by(|a, b| (a.test_guest, &a.package).cmp(&(b.test_guest, &b.package)));
    Ok(built)
}

/// The name of the package's `cdylib` target, if it has one.
fn cdylib_name(package: &Value) -> Option<&str> {
    package["targets"].as_array()?.iter().find_map(|target| {
        let is_cdylib = target["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "cdylib"));
        is_cdylib.then(|| target["name"].as_str()).flatten()
    })
}

/// Checks that the built file is a component and copies it to `dir/<package>.wasm`.
fn install(component: &Built, dir: &Path) -> Result<(PathBuf, u64)> {
    let bytes = fs::read(&component.wasm)
        .with_context(|| format!("reading {}", component.wasm.display()))?;
    check_component(&bytes)
        .with_context(|| format!("{} is not a component", component.wasm.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{}.wasm", component.package));
    fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok((path, bytes.len() as u64))
}

/// A cheap check of the header: the WebAssembly magic and the component layer. (The engine
/// validates components properly; this catches a core module built by mistake.)
fn check_component(bytes: &[u8]) -> Result<()> {
    let Some(header) = bytes.get(..8) else {
        bail!("only {} bytes long", bytes.len());
    };
    ensure!(&header[..4] == WASM_MAGIC, "no WebAssembly magic number");
    ensure!(
        header[6..8] == COMPONENT_LAYER,
        "a core WebAssembly module, not a component (layer {:?})",
        &header[6..8]
    );
    Ok(())
}

/// `12.3 KiB`-style sizes.
fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let bytes_f = bytes as f64;
    if bytes_f < KIB {
        format!("{bytes} B")
    } else if bytes_f < KIB * KIB {
        format!("{:.1} KiB", bytes_f / KIB)
    } else {
        format!("{:.2} MiB", bytes_f / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_header_is_accepted() {
        assert!(check_component(b"\0asm\x0d\x00\x01\x00rest").is_ok());
    }

    #[test]
    fn core_module_and_junk_are_refused() {
        assert!(check_component(b"\0asm\x01\x00\x00\x00").is_err());
        assert!(check_component(b"\0asm").is_err());
        assert!(check_component(b"not wasm at all").is_err());
    }

    #[test]
    fn sizes_are_readable() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(64 * 1024), "64.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.00 MiB");
    }
}
