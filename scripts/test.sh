#!/usr/bin/env bash
# Runs every test of WebFunctions, installing what it needs first. Each step also runs alone:
#
#   scripts/test.sh                 # everything, in this order:
#   scripts/test.sh setup           # rustup targets, npm packages (exact versions from package-lock.json)
#   scripts/test.sh fmt             # cargo fmt --check
#   scripts/test.sh clippy          # cargo clippy, warnings are errors
#   scripts/test.sh rust            # cargo test --locked (unit, property, vector and CLI tests)
#   scripts/test.sh wasm            # the browser crates build for wasm32-unknown-unknown
#   scripts/test.sh pkg             # builds the npm package, runs its node tests, reports its size
#   scripts/test.sh browser         # proving in headless Chromium (installs the chromium package if missing)
#   scripts/test.sh ci              # the shipped CI files (action.yml, GitLab template, workflows) against their schemas
#
# Needs Rust (rustup), Node.js with npm, and python3 (venv) for the ci step; everything else is
# installed here.
set -euo pipefail
cd "$(dirname "$0")/.."

# crates that run in browsers: no tokio, no filesystem
BROWSER_CRATES=(webfn-circuits webfn-mina webfn-protocol)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

setup() {
  step "setup"
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
  command -v rustup >/dev/null || die "rustup is missing: the pinned toolchain and wasm32 targets come from rust-toolchain.toml through rustup"
  command -v node >/dev/null || die "node is missing: install Node.js 20 or newer"
  command -v npm >/dev/null || die "npm is missing: install it with Node.js"
  # rust-toolchain.toml names the toolchain, components and targets; make sure they are there
  local toolchain
  toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy \
    --target wasm32-unknown-unknown,wasm32-wasip2 >/dev/null 2>&1 \
    || die "rustup could not install toolchain $toolchain with the wasm32 targets"
  if [ ! -d node_modules/mina-signer ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed (the npm registry must be reachable)"
  fi
}

fmt() { step "cargo fmt --check"; cargo fmt --all --check; }

clippy() {
  step "cargo clippy"
  cargo clippy --locked --workspace --exclude webfn-pkg --all-targets -- -D warnings
  cargo clippy --locked -p webfn-pkg --target wasm32-unknown-unknown -- -D warnings
}

rust() {
  step "cargo test"
  cargo test --locked --workspace --exclude webfn-pkg
  # the prover's WebAssembly MSMs (circuits/src/msm/), natively, against the soundness tests
  cargo test --locked -p webfn-circuits --features wasm-msm --test soundness
}

wasm() {
  step "wasm32 checks"
  for crate in "${BROWSER_CRATES[@]}"; do
    cargo check --locked --target wasm32-unknown-unknown -p "$crate"
  done
}

pkg() {
  step "npm package"
  cargo xtask pkg
  node --test pkg/tests/
}

# Chromium from the distribution (Debian: the chromium package), driven by playwright-core; the
# page proves in the package's worker, webfn zk verify checks the proofs. With the rust-src
# component the threaded build is made too (docs/decisions/0003-browser-proving.md).
browser() {
  step "browser (headless Chromium)"
  local chromium=${CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing Chromium (apt-get install -y chromium)"
      { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } >/dev/null \
        || die "could not install Chromium with apt-get; install it, or set CHROMIUM to a Chromium binary"
    else
      die "Chromium is missing at $chromium: install it (Debian: apt-get install chromium) or set CHROMIUM"
    fi
  fi
  [ -d node_modules/playwright-core ] || die "playwright-core is missing: run scripts/test.sh setup"
  # the native verifier (WEBFN_BIN: a webfn binary built elsewhere)
  [ -n "${WEBFN_BIN:-}" ] || cargo build --locked -p webfn --bin webfn
  if rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
    # the threaded build's prover (features threads and, as in wasm32, wasm-msm), natively
    # against the soundness tests
    cargo test --locked -p webfn-circuits --features threads,wasm-msm --test soundness
    cargo xtask pkg --threads
  else
    echo "rust-src is not installed: testing without the threaded build (rustup component add rust-src)"
    cargo xtask pkg
  fi
  node --test e2e/
}

ci() { step "CI files"; scripts/check-ci-files.sh; }

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(setup fmt clippy rust wasm pkg browser ci)
for s in "${steps[@]}"; do
  case "$s" in
    setup|fmt|clippy|rust|wasm|pkg|browser|ci) "$s" ;;
    *) die "unknown step '$s' (setup, fmt, clippy, rust, wasm, pkg, browser, ci)" ;;
  esac
done
step "all passed: ${steps[*]}"
