//! Validation of bundles without compiling them: the size, the binary (a valid WebAssembly
//! component), and its world (the imports and exports of `wasi:http/proxy`).
//!
//! A bundle must export `wasi:http/incoming-handler@0.2.x` and may import only the
//! interfaces of the `wasi:http/proxy` world, plus those that Rust's standard library (and
//! other languages' libc) pulls into `wasm32-wasip2` components: the rest of `wasi:cli`
//! (environment, exit, terminals), `wasi:random`'s insecure generators and `wasi:filesystem`.
//! None of these grant authority here: the engine gives guests no environment, no
//! arguments, no preopened folders and no terminals. `wasi:sockets` is refused.

use wasmtime::wasmparser::{Encoding, Parser, Payload, Validator, WasmFeatures};

use super::error::{EngineError, Result};
use webfn_protocol::Digest;

/// The export that makes a component a `wasi:http/proxy` function.
const HANDLER: Interface = Interface {
    package: "wasi:http",
    name: "incoming-handler",
};

/// Interfaces a bundle may import (all at version 0.2.x).
const ALLOWED_IMPORTS: &[Interface] = &[
    // the wasi:http/proxy world
    Interface::new("wasi:http", "types"),
    Interface::new("wasi:http", "outgoing-handler"),
    Interface::new("wasi:io", "error"),
    Interface::new("wasi:io", "poll"),
    Interface::new("wasi:io", "streams"),
    Interface::new("wasi:clocks", "monotonic-clock"),
    Interface::new("wasi:clocks", "wall-clock"),
    Interface::new("wasi:random", "random"),
    Interface::new("wasi:cli", "stdin"),
    Interface::new("wasi:cli", "stdout"),
    Interface::new("wasi:cli", "stderr"),
    // what standard libraries of wasm32-wasip2 import besides (powerless here)
    Interface::new("wasi:cli", "environment"),
    Interface::new("wasi:cli", "exit"),
    Interface::new("wasi:cli", "terminal-input"),
    Interface::new("wasi:cli", "terminal-output"),
    Interface::new("wasi:cli", "terminal-stdin"),
    Interface::new("wasi:cli", "terminal-stdout"),
    Interface::new("wasi:cli", "terminal-stderr"),
    Interface::new("wasi:random", "insecure"),
    Interface::new("wasi:random", "insecure-seed"),
    Interface::new("wasi:filesystem", "types"),
    Interface::new("wasi:filesystem", "preopens"),
];

/// The WASI release line the engine implements; any 0.2.x patch version links.
const VERSION_PREFIX: &str = "0.2.";

/// A WIT interface, `package/name`, without a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interface {
    package: &'static str,
    name: &'static str,
}

impl Interface {
    const fn new(package: &'static str, name: &'static str) -> Self {
        Interface { package, name }
    }

    /// Whether `extern_name` (e.g. `wasi:http/types@0.2.6`) names this interface at 0.2.x.
    fn matches(&self, extern_name: &str) -> bool {
        let Some((path, version)) = extern_name.split_once('@') else {
            return false;
        };
        let Some((package, name)) = path.split_once('/') else {
            return false;
        };
        package == self.package && name == self.name && version.starts_with(VERSION_PREFIX)
    }
}

/// What validation learned about a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// The bundle's content digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: usize,
    /// The names of its imports, e.g. `wasi:http/types@0.2.12`.
    pub imports: Vec<String>,
}

/// Checks that `bytes` is at most `max_bytes` long, is a valid WebAssembly component, and
/// belongs to the `wasi:http/proxy` world. Cheap: nothing is compiled.
pub fn validate(bytes: &[u8], max_bytes: usize) -> Result<BundleInfo> {
    if bytes.len() > max_bytes {
        return Err(EngineError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    check_header(bytes)?;
    Validator::new_with_features(WasmFeatures::default())
        .validate_all(bytes)
        .map_err(|error| EngineError::NotAComponent {
            reason: format!("invalid binary: {error}"),
        })?;
    let (imports, exports) = top_level_names(bytes)?;
    check_world(&imports, &exports)?;
    Ok(BundleInfo {
        digest: Digest::of(bytes),
        size: bytes.len(),
        imports,
    })
}

/// Refuses, with a precise reason, what is not even a component header.
fn check_header(bytes: &[u8]) -> Result<()> {
    if Parser::is_component(bytes) {
        return Ok(());
    }
    let reason = if Parser::is_core_wasm(bytes) {
        "it is a core WebAssembly module; build for wasm32-wasip2 or wrap it with \
         `wasm-tools component new`"
    } else if bytes.starts_with(b"\0asm") {
        "unsupported WebAssembly binary version or layer"
    } else {
        "no WebAssembly header"
    };
    Err(EngineError::NotAComponent {
        reason: reason.to_owned(),
    })
}

/// The import and export names of the outermost component (not of nested ones).
fn top_level_names(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    let invalid = |error: wasmtime::wasmparser::BinaryReaderError| EngineError::NotAComponent {
        reason: format!("invalid binary: {error}"),
    };
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::Version { encoding, .. } => {
                depth += 1;
                if depth == 1 && encoding != Encoding::Component {
                    return Err(EngineError::NotAComponent {
                        reason: "it is a core WebAssembly module".to_owned(),
                    });
                }
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 1 => {
                for import in section {
                    imports.push(import.map_err(invalid)?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(section) if depth == 1 => {
                for export in section {
                    exports.push(export.map_err(invalid)?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Checks the imports and exports against the `wasi:http/proxy` world.
fn check_world(imports: &[String], exports: &[String]) -> Result<()> {
    let missing = if exports.iter().any(|name| HANDLER.matches(name)) {
        Vec::new()
    } else {
        vec![format!(
            "{}/{}@{}x",
            HANDLER.package, HANDLER.name, VERSION_PREFIX
        )]
    };
    let unexpected: Vec<String> = imports
        .iter()
        .filter(|name| !ALLOWED_IMPORTS.iter().any(|allowed| allowed.matches(name)))
        .cloned()
        .collect();
    if missing.is_empty() && unexpected.is_empty() {
        Ok(())
    } else {
        Err(EngineError::NotHttpProxy {
            missing,
            unexpected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn interface_names_match_any_0_2_patch_version_only() {
        let types = Interface::new("wasi:http", "types");
        assert!(types.matches("wasi:http/types@0.2.0"));
        assert!(types.matches("wasi:http/types@0.2.12"));
        assert!(!types.matches("wasi:http/types@0.3.0"));
        assert!(!types.matches("wasi:http/types"));
        assert!(!types.matches("wasi:http/typesx@0.2.0"));
        assert!(!types.matches("wasi:httpx/types@0.2.0"));
    }

    #[test]
    fn a_proxy_world_passes() {
        let imports = names(&["wasi:http/types@0.2.6", "wasi:io/streams@0.2.0"]);
        let exports = names(&["wasi:http/incoming-handler@0.2.6"]);
        assert!(check_world(&imports, &exports).is_ok());
    }

    #[test]
    fn sockets_and_a_missing_handler_are_named() {
        let imports = names(&["wasi:sockets/tcp@0.2.0", "wasi:io/poll@0.2.0"]);
        let exports = names(&["wasi:cli/run@0.2.0"]);
        match check_world(&imports, &exports) {
            Err(EngineError::NotHttpProxy {
                missing,
                unexpected,
            }) => {
                assert_eq!(missing, ["wasi:http/incoming-handler@0.2.x"]);
                assert_eq!(unexpected, ["wasi:sockets/tcp@0.2.0"]);
            }
            other => panic!("expected NotHttpProxy, got {other:?}"),
        }
    }

    #[test]
    fn junk_and_core_modules_are_not_components() {
        let core_module = b"\0asm\x01\x00\x00\x00";
        for bytes in [&b"hello world"[..], &core_module[..], &[][..]] {
            assert!(matches!(
                validate(bytes, 1024),
                Err(EngineError::NotAComponent { .. })
            ));
        }
    }

    #[test]
    fn oversized_bundles_are_refused_before_parsing() {
        assert!(matches!(
            validate(&[0; 10], 9),
            Err(EngineError::TooLarge { size: 10, limit: 9 })
        ));
    }
}
