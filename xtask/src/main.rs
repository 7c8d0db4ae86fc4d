//! Build tasks of the workspace, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask pkg`: the npm package `@webfunctions/client` from the crate `webfn-pkg`, for
//!   Node.js and browsers, into `pkg/dist/`, with a wasm size report.
//! - `cargo xtask examples`: the sample functions and test guests of `examples/`, as
//!   `wasm32-wasip2` components, into `target/examples/`.

mod examples;
mod pkg;
mod size;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// Build tasks of the WebFunctions workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
struct Cli {
    #[command(subcommand)]
    task: Option<Task>,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the npm package `@webfunctions/client` (crate `webfn-pkg`, WebAssembly) and
    /// report the size of its .wasm.
    Pkg(PkgArgs),
    /// Build the sample functions and test guests of `examples/` as WebAssembly components
    /// (wasm32-wasip2) and copy them to target/examples/.
    Examples(ExamplesArgs),
}

/// Options of `cargo xtask examples`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExamplesArgs {
    /// Output folder of the components (default: examples/ in the target folder).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Options of `cargo xtask pkg`.
#[derive(Debug, clap::Args)]
pub(crate) struct PkgArgs {
    /// Which JavaScript flavours to generate.
    #[arg(long, value_enum, default_value_t = Targets::All)]
    target: Targets,
    /// Output folder of the package (default: pkg/dist in the workspace).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also build the threaded flavour for cross-origin isolated pages (`threads/`): needs
    /// `RUSTC_BOOTSTRAP=1` (set here), `-Z build-std` and the rust-src component.
    #[arg(long)]
    threads: bool,
}

/// The JavaScript flavours of the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Targets {
    /// Node.js, in `node/`: wasm-bindgen's CommonJS module with ES module and CommonJS entries.
    Node,
    /// Browsers and bundlers, in `web/`: an ES module that fetches the .wasm.
    Web,
    /// Both.
    All,
}

/// The workspace root: the parent of this crate's folder. `cargo run` (the `cargo xtask`
/// alias) says where that folder is at run time; the path compiled in is only a fallback, as
/// one target folder may hold an xtask built from another checkout.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), Into::into);
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), Path::to_path_buf)
}

/// The cargo that runs us.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        None => Cli::command().print_help().map_err(anyhow::Error::from),
        Some(Task::Pkg(args)) => pkg::run(&args),
        Some(Task::Examples(args)) => examples::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
