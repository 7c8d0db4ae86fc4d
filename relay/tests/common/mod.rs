//! Helpers shared by the relay's integration tests.

use std::path::PathBuf;

/// The `hello` component, built by `cargo xtask examples` on first use.
#[allow(dead_code)] // not every test binary calls every helper
pub fn hello_component() -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    example_component("hello")
}

/// The example component `name` (`target/examples/{name}.wasm`), built by
/// `cargo xtask examples` when missing.
#[allow(dead_code)]
pub fn example_component(name: &str) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join(format!("examples/{name}.wasm"));
    if !path.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["xtask", "examples"])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .status()?;
        if !status.success() {
            return Err(
                "`cargo xtask examples` failed: is the wasm32-wasip2 target installed?".into(),
            );
        }
    }
    Ok(std::fs::read(path)?)
}
