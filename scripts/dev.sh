#!/usr/bin/env bash
# Runs WebFunctions on this machine with its embedded defaults: `webfn dev` starts a relay on
# 127.0.0.1:8787 (SQLite and bundles in .webfn/), one local provider, and the example functions
# deployed (hello, sha256). Stop it with Ctrl-C. The web app joins it in a later issue.
#
#   scripts/dev.sh [--listen ADDR] [--data DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test.sh setup
cargo xtask examples
# a debug build: a release build of Wasmtime takes tens of minutes on small machines
cargo build --locked -p webfn
exec "${CARGO_TARGET_DIR:-target}/debug/webfn" dev "$@"
