//! `cargo xtask pkg`: builds `webfn-pkg` for `wasm32-unknown-unknown` in the release profile,
//! runs wasm-bindgen (the `wasm-bindgen-cli-support` crate, pinned to the version of
//! `wasm-bindgen` in Cargo.lock) for Node.js and for browsers, adds the hand-written wrappers
//! of `pkg/js/` and a package.json, and reports the size of the .wasm.
//!
//! With `--threads` it also builds the threaded flavour (`threads/`, used by the proving
//! worker on cross-origin isolated pages): the crate's `threads` feature (rayon on Web Workers
//! through wasm-bindgen-rayon) compiled with `+atomics,+bulk-memory` and a std rebuilt with
//! them (`-Z build-std`, which stable rustc allows only with `RUSTC_BOOTSTRAP=1`; needs the
//! `rust-src` component), in its own cargo profile.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use wasm_bindgen_cli_support::Bindgen;

use crate::{PkgArgs, Targets, cargo, size, workspace_root};

/// The crate compiled to WebAssembly.
const CRATE: &str = "webfn-pkg";
/// File stem of the generated module (`webfn_pkg.js`, `webfn_pkg_bg.wasm`).
const STEM: &str = "webfn_pkg";
/// The npm package name.
const NPM_NAME: &str = "@webfunctions/client";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile of the WebAssembly build: the workspace's release profile with fat LTO
/// and one codegen unit, which makes the .wasm smaller and faster. Defined on the command line
/// (`--config`) so that the workspace's Cargo.toml stays as it is.
const PROFILE: &str = "wasm-release";
const PROFILE_CONFIG: [&str; 3] = [
    "profile.wasm-release.inherits=\"release\"",
    "profile.wasm-release.lto=\"fat\"",
    "profile.wasm-release.codegen-units=1",
];
/// The profile of the threaded build: the same settings, its own folder (its std differs).
const THREADS_PROFILE: &str = "wasm-threads";
const THREADS_PROFILE_CONFIG: [&str; 3] = [
    "profile.wasm-threads.inherits=\"wasm-release\"",
    "profile.wasm-threads.lto=\"fat\"",
    "profile.wasm-threads.codegen-units=1",
];
const THREADS_RUSTFLAGS: &str = "-C target-feature=+atomics,+bulk-memory";
/// Linker arguments of the threaded .wasm (given to the final crate only, so that changing
/// them does not rebuild std): a shared, imported memory, and the thread-local storage
/// exports wasm-bindgen's thread support needs.
const THREADS_LINK_ARGS: [&str; 7] = [
    "--shared-memory",
    "--max-memory=1073741824",
    "--import-memory",
    "--export=__wasm_init_tls",
    "--export=__tls_size",
    "--export=__tls_align",
    "--export=__tls_base",
];

/// One JavaScript flavour of the package, in its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// wasm-bindgen's `nodejs` target (CommonJS, reads the .wasm from disk), with an ES
    /// module wrapper.
    Node,
    /// wasm-bindgen's `web` target (an ES module that fetches the .wasm), with a wrapper that
    /// awaits the instantiation.
    Web,
    /// The `web` target of the threaded build, without wrappers: the proving worker imports
    /// it and starts its thread pool (`initThreadPool`).
    Threads,
}

impl Flavour {
    const ALL: [Flavour; 2] = [Flavour::Node, Flavour::Web];

    fn dir(self) -> &'static str {
        match self {
            Flavour::Node => "node",
            Flavour::Web => "web",
            Flavour::Threads => "threads",
        }
    }

    /// Files copied from `pkg/js/`: (source, name in the flavour's folder).
    fn wrappers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Flavour::Node => &[
                ("node.cjs", "index.cjs"),
                ("node.mjs", "index.mjs"),
                ("index.d.ts", "index.d.ts"),
                ("index.d.ts", "index.d.mts"),
            ],
            Flavour::Web => &[
                ("web.js", "index.js"),
                ("index.d.ts", "index.d.ts"),
                ("zk-worker.js", "zk-worker.js"),
                ("zk-prover.js", "zk-prover.js"),
                ("zk-prover.d.ts", "zk-prover.d.ts"),
            ],
            Flavour::Threads => &[],
        }
    }

    fn selected_by(self, targets: Targets) -> bool {
        matches!(
            (targets, self),
            (Targets::All, _) | (Targets::Node, Flavour::Node) | (Targets::Web, Flavour::Web)
        )
    }
}

/// What package.json takes from `cargo metadata`.
#[derive(Debug)]
struct CrateInfo {
    version: String,
    description: String,
    license: String,
    repository: Option<String>,
    target_directory: PathBuf,
}

pub(crate) fn run(args: &PkgArgs) -> Result<()> {
    let started = Instant::now();
    let root = workspace_root();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("pkg").join("dist"));
    let info = crate_info(&root)?;

    let wasm = build_wasm(&root, &info)?;
    let threaded = if args.threads {
        Some(build_threaded_wasm(&root, &info)?)
    } else {
        None
    };
    let mut flavours: Vec<Flavour> = Flavour::ALL
        .into_iter()
        .filter(|f| f.selected_by(args.target))
        .collect();
    if threaded.is_some() {
        flavours.push(Flavour::Threads);
    }
    prepare_out(&out)?;
    for &flavour in &flavours {
        let step = Instant::now();
        let input = match (&threaded, flavour) {
            (Some(threaded), Flavour::Threads) => threaded,
            _ => &wasm,
        };
        generate(flavour, input, &out, &root)?;
        eprintln!(
            "     wasm-bindgen {} -> {} ({:.1}s)",
            flavour.dir(),
            out.join(flavour.dir()).display(),
            step.elapsed().as_secs_f64()
        );
    }
    fs::write(out.join("package.json"), package_json(&info, &flavours))
        .context("writing package.json")?;
    copy(&root.join("pkg").join("README.md"), &out.join("README.md"))?;
    copy(&root.join("LICENSE"), &out.join("LICENSE"))?;

    let wasm_files: Vec<PathBuf> = flavours
        .iter()
        .map(|f| out.join(f.dir()).join(format!("{STEM}_bg.wasm")))
        .collect();
    let report = size::report(&root, &out, &wasm_files)?;
    eprintln!(
        "package {NPM_NAME}@{} in {} ({:.1}s)",
        info.version,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    println!("{report}");
    Ok(())
}

fn crate_info(root: &Path) -> Result<CrateInfo> {
    let output = cargo()
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .context("running cargo metadata")?;
    ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
    let package = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == CRATE))
        .with_context(|| format!("no package {CRATE} in the workspace"))?;
    let text = |value: &Value| value.as_str().map(str::to_owned);
    Ok(CrateInfo {
        version: text(&package["version"]).context("no version")?,
        description: text(&package["description"]).unwrap_or_default(),
        license: text(&package["license"]).context("no license")?,
        repository: text(&package["repository"]),
        target_directory: text(&metadata["target_directory"])
            .map(PathBuf::from)
            .context("no target_directory")?,
    })
}

/// `cargo build --release --target wasm32-unknown-unknown -p webfn-pkg`.
fn build_wasm(root: &Path, info: &CrateInfo) -> Result<PathBuf> {
    let step = Instant::now();
    let args = [
        "build",
        "--profile",
        PROFILE,
        "--target",
        WASM_TARGET,
        "-p",
        CRATE,
    ];
    eprintln!("      running cargo {}", args.join(" "));
    let status = cargo()
        .current_dir(root)
        .args(args)
        .args(
            PROFILE_CONFIG
                .iter()
                .flat_map(|setting| ["--config", setting]),
        )
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!(
            "cargo build for {WASM_TARGET} failed ({status}); is the target installed? \
             (rustup target add {WASM_TARGET})"
        );
    }
    let wasm = info
        .target_directory
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{STEM}.wasm"));
    ensure!(
        wasm.is_file(),
        "cargo build did not produce {}",
        wasm.display()
    );
    eprintln!(
        "        built {} ({:.1}s)",
        wasm.display(),
        step.elapsed().as_secs_f64()
    );
    Ok(wasm)
}

/// The threaded build: `RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C target-feature=+atomics,+bulk-memory"
/// cargo rustc -Z build-std=panic_abort,std --features threads -- <link args>` in its own
/// profile.
fn build_threaded_wasm(root: &Path, info: &CrateInfo) -> Result<PathBuf> {
    let step = Instant::now();
    let args = [
        "rustc",
        "--lib",
        "--profile",
        THREADS_PROFILE,
        "--target",
        WASM_TARGET,
        "-p",
        CRATE,
        "--features",
        "threads",
        "-Z",
        "build-std=panic_abort,std",
    ];
    eprintln!(
        "      running RUSTC_BOOTSTRAP=1 RUSTFLAGS=\"{THREADS_RUSTFLAGS}\" cargo {}",
        args.join(" ")
    );
    let status = cargo()
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", THREADS_RUSTFLAGS)
        .args(args)
        .args(
            PROFILE_CONFIG
                .iter()
                .chain(&THREADS_PROFILE_CONFIG)
                .flat_map(|setting| ["--config", setting]),
        )
        .arg("--")
        .args(
            THREADS_LINK_ARGS
                .iter()
                .flat_map(|arg| ["-C".to_owned(), format!("link-arg={arg}")]),
        )
        .status()
        .context("running cargo rustc")?;
    if !status.success() {
        bail!(
            "the threaded build failed ({status}); it needs the rust-src component \
             (rustup component add rust-src) and the crates of std from crates.io"
        );
    }
    let wasm = info
        .target_directory
        .join(WASM_TARGET)
        .join(THREADS_PROFILE)
        .join(format!("{STEM}.wasm"));
    ensure!(
        wasm.is_file(),
        "cargo build did not produce {}",
        wasm.display()
    );
    eprintln!(
        "        built {} ({:.1}s)",
        wasm.display(),
        step.elapsed().as_secs_f64()
    );
    Ok(wasm)
}

/// Creates the output folder, or cleans the flavour folders of a previous build in it;
/// refuses to touch folders it did not make.
fn prepare_out(out: &Path) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let manifest = out.join("package.json");
    if manifest.exists() {
        let text = fs::read_to_string(&manifest)?;
        let previous: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        ensure!(
            previous["name"] == NPM_NAME,
            "{} holds another package; choose another --out",
            out.display()
        );
    }
    for flavour in Flavour::ALL.into_iter().chain([Flavour::Threads]) {
        let dir = out.join(flavour.dir());
        if !dir.exists() {
            continue;
        }
        let ours =
            dir.join(format!("{STEM}_bg.wasm")).exists() || fs::read_dir(&dir)?.next().is_none();
        ensure!(
            ours,
            "{} is not from a previous build; remove it or choose another --out",
            dir.display()
        );
        fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    Ok(())
}

fn generate(flavour: Flavour, wasm: &Path, out: &Path, root: &Path) -> Result<()> {
    let dir = out.join(flavour.dir());
    let mut bindgen = Bindgen::new();
    bindgen
        .input_path(wasm)
        .out_name(STEM)
        .typescript(true)
        .remove_producers_section(true)
        // WEBFN_PKG_NAMES=1 keeps function names, for profiles (`node --cpu-prof`)
        .remove_name_section(std::env::var_os("WEBFN_PKG_NAMES").is_none());
    match flavour {
        Flavour::Node => {
            bindgen.nodejs(true)?;
        }
        Flavour::Web | Flavour::Threads => {
            // `init()` without arguments fetches the .wasm next to the module
            bindgen.web(true)?.omit_default_module_path(false);
        }
    }
    bindgen
        .generate(&dir)
        .with_context(|| format!("wasm-bindgen for {}", flavour.dir()))?;
    strip_dispose_declaration(&dir.join(format!("{STEM}.d.ts")))?;
    for (source, name) in flavour.wrappers() {
        copy(&root.join("pkg").join("js").join(source), &dir.join(name))?;
    }
    if flavour == Flavour::Node {
        // the generated module is CommonJS; the package root is "type": "module"
        fs::write(dir.join("package.json"), "{ \"type\": \"commonjs\" }\n")?;
    }
    Ok(())
}

/// Drops `[Symbol.dispose](): void;` from the declarations: it needs TypeScript's
/// `esnext.disposable` library, which would make the package's types fail to compile in
/// projects without it (unless `skipLibCheck`). The method itself stays where the JavaScript
/// engine has `Symbol.dispose`; `free()` remains declared.
fn strip_dispose_declaration(path: &Path) -> Result<()> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| line.trim() != "[Symbol.dispose](): void;")
        .collect();
    fs::write(path, kept.join("\n") + "\n").with_context(|| format!("writing {}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

/// The package manifest. Written by hand because the order of the conditions in `exports`
/// matters (the first that matches wins) and `serde_json` here sorts keys.
fn package_json(info: &CrateInfo, flavours: &[Flavour]) -> String {
    let quote = |text: &str| Value::from(text).to_string();
    let has = |flavour| flavours.contains(&flavour);
    let node = "\"import\": { \"types\": \"./node/index.d.mts\", \"default\": \"./node/index.mjs\" }, \"require\": { \"types\": \"./node/index.d.ts\", \"default\": \"./node/index.cjs\" }";
    let web = "\"types\": \"./web/index.d.ts\", \"default\": \"./web/index.js\"";

    let mut conditions = Vec::new();
    if has(Flavour::Node) {
        conditions.push(format!("\"node\": {{ {node} }}"));
    }
    if has(Flavour::Web) {
        conditions.push(format!("\"browser\": {{ {web} }}"));
        conditions.push(format!("\"default\": {{ {web} }}"));
    } else {
        conditions.push(format!("\"default\": {{ {node} }}"));
    }
    let (main, types) = if has(Flavour::Node) {
        ("./node/index.cjs", "./node/index.d.ts")
    } else {
        ("./web/index.js", "./web/index.d.ts")
    };
    let mut fields = vec![
        format!("\"name\": {}", quote(NPM_NAME)),
        format!("\"version\": {}", quote(&info.version)),
        format!("\"description\": {}", quote(&info.description)),
        format!("\"license\": {}", quote(&info.license)),
    ];
    if let Some(repository) = &info.repository {
        fields.push(format!("\"repository\": {}", quote(repository)));
    }
    fields.push("\"type\": \"module\"".to_owned());
    fields.push(format!("\"main\": \"{main}\""));
    if has(Flavour::Web) {
        fields.push("\"module\": \"./web/index.js\"".to_owned());
    }
    fields.push(format!("\"types\": \"{types}\""));
    // the bindings themselves, for those who instantiate the .wasm their own way
    let bindings = if has(Flavour::Web) {
        format!(
            ",\n    \"./web/{STEM}.js\": {{ \"types\": \"./web/{STEM}.d.ts\", \"default\": \"./web/{STEM}.js\" }},\n    \"./zk-prover\": {{ \"types\": \"./web/zk-prover.d.ts\", \"default\": \"./web/zk-prover.js\" }}"
        )
    } else {
        String::new()
    };
    fields.push(format!(
        "\"exports\": {{\n    \".\": {{\n      {}\n    }}{bindings},\n    \"./package.json\": \"./package.json\"\n  }}",
        conditions.join(",\n      ")
    ));
    let folders: Vec<String> = flavours.iter().map(|f| quote(f.dir())).collect();
    fields.push(format!(
        "\"files\": [{}, \"README.md\", \"LICENSE\"]",
        folders.join(", ")
    ));
    fields.push("\"engines\": { \"node\": \">=18\" }".to_owned());
    fields.push(
        "\"keywords\": [\"mina\", \"mina-signer\", \"signature\", \"webassembly\"]".to_owned(),
    );
    format!("{{\n  {}\n}}\n", fields.join(",\n  "))
}
