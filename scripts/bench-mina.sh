#!/usr/bin/env bash
# Mina signature benchmarks in one run on one machine: mina-signer 4.0.0 and our WebAssembly
# package in node, then our native code under criterion; prints the table of
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
scripts/test.sh setup
cargo xtask pkg --target node
node pkg/bench/node.mjs --json "$target/bench-mina-node.json"
cargo bench --locked -p webfn-mina --bench signatures
node mina/bench/report.mjs "$target/bench-mina-node.json" "$target/criterion"
