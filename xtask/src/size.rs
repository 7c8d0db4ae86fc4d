//! The wasm size report: raw and gzip sizes of each generated .wasm, and, when binaryen's
//! `wasm-opt` is at hand (`node_modules/.bin/wasm-opt` of the workspace, or `$WASM_OPT`),
//! the sizes after `wasm-opt -O3`, which then replaces the file.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};
use flate2::Compression;
use flate2::write::GzEncoder;

/// The WebAssembly features rustc enables by default for `wasm32-unknown-unknown`, which
/// wasm-opt must accept (and may use) too.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

#[derive(Debug, Clone, Copy)]
struct Sizes {
    raw: u64,
    gzip: u64,
}

impl Sizes {
    fn of(path: &Path) -> Result<Sizes> {
        let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&bytes)?;
        let gzip = encoder.finish()?.len();
        Ok(Sizes {
            raw: bytes.len() as u64,
            gzip: gzip as u64,
        })
    }
}

impl std::fmt::Display for Sizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>9} B ({:>6.1} KiB) raw, {:>8} B ({:>6.1} KiB) gzip -9",
            self.raw,
            self.raw as f64 / 1024.0,
            self.gzip,
            self.gzip as f64 / 1024.0
        )
    }
}

/// The report; the files are optimized first when wasm-opt is found.
pub(crate) fn report(root: &Path, out: &Path, wasm_files: &[PathBuf]) -> Result<String> {
    let wasm_opt = find_wasm_opt(root);
    let mut lines = vec![format!("wasm size report ({}):", out.display())];
    for file in wasm_files {
        let name = file.strip_prefix(out).unwrap_or(file).display().to_string();
        let before = Sizes::of(file)?;
        lines.push(format!("  {name:<26} {before}"));
        if let Some(wasm_opt) = &wasm_opt {
            optimize(wasm_opt, file)?;
            let after = Sizes::of(file)?;
            lines.push(format!("  {:<26} {after}", "  after wasm-opt -O3"));
        }
    }
    if wasm_opt.is_none() {
        lines.push(
            "  (no wasm-opt: `npm install binaryen` or set WASM_OPT to also report -O3)".to_owned(),
        );
    }
    Ok(lines.join("\n"))
}

fn find_wasm_opt(root: &Path) -> Option<PathBuf> {
    if let Some(path) = env::var_os("WASM_OPT") {
        return Some(PathBuf::from(path));
    }
    let local = root.join("node_modules").join(".bin").join("wasm-opt");
    local.is_file().then_some(local)
}

fn optimize(wasm_opt: &Path, file: &Path) -> Result<()> {
    let optimized = file.with_extension("opt.wasm");
    let status = Command::new(wasm_opt)
        .arg("-O3")
        .args(WASM_FEATURES)
        .arg(file)
        .arg("-o")
        .arg(&optimized)
        .status()
        .with_context(|| format!("running {}", wasm_opt.display()))?;
    ensure!(status.success(), "wasm-opt failed on {}", file.display());
    fs::rename(&optimized, file).with_context(|| format!("replacing {}", file.display()))
}
