#!/usr/bin/env bash
# ZK credentials benchmarks, each figure beside circom + snarkjs proving the same statement
# (circuits/bench/credential.circom, depth 20, BLS12-381) on the same machine in the same run:
#
#   scripts/bench-zk.sh            # everything; RUNS=5 proofs per figure (medians)
#
# 1. native prove and verify: cargo bench -p webfn-circuits --bench groth16 (criterion), one
#    thread and with --features parallel;
# 2. the npm package's WebAssembly in node (one thread);
# 3. snarkjs 0.7.6 in node, one thread and its worker threads;
# 4. headless Chromium (/usr/bin/chromium through playwright-core): our worker on a plain page
#    and on a cross-origin isolated one, snarkjs's browser build one thread and threads;
# 5. proving-key sizes and constraint counts; the table at the end (circuits/bench/report.mjs).
#
# One-time setup, kept in $BENCH_DIR (default: zk-bench/ in the cargo target folder): the
# circom circuits (circom2), a local powers-of-tau ceremony (2^13) and Groth16 keys for snarkjs
# — about 20 minutes on a loaded 2-core machine, mostly `powersoftau prepare phase2` — and
# development keys of our circuit (webfn zk setup).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
TARGET=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps --offline | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).target_directory)')}
BENCH_DIR=${BENCH_DIR:-$TARGET/zk-bench}
mkdir -p "$BENCH_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "build: npm package, webfn"
[ -d node_modules/snarkjs ] || npm ci --no-audit --no-fund --loglevel=error
cargo xtask pkg ${PKG_THREADS:+--threads} >&2
# WEBFN_BIN: a webfn binary built elsewhere (only `webfn zk setup` is used)
WEBFN=${WEBFN_BIN:-$TARGET/debug/webfn}
[ -n "${WEBFN_BIN:-}" ] || cargo build --locked -p webfn --bin webfn >&2
if [ ! -f "$BENCH_DIR/keys/proving.key" ]; then
  "$WEBFN" zk setup --out "$BENCH_DIR/keys" --seed "$(printf '42%.0s' {1..32})" >&2
fi

step "circom + snarkjs setup (skipped when done)"
node circuits/bench/snarkjs.mjs setup "$BENCH_DIR/snarkjs" >&2

step "native (criterion)"
median_ms() { node -e 'const e=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(e.median.point_estimate/1e6)' "$1"; }
criterion="$TARGET/criterion/credential depth 20"
cargo bench --locked -p webfn-circuits --bench groth16 -- 'credential depth 20/(prove|verify)$' >&2
prove=$(median_ms "$criterion/prove/new/estimates.json")
verify=$(median_ms "$criterion/verify/new/estimates.json")
cargo bench --locked -p webfn-circuits --features parallel --bench groth16 -- 'credential depth 20/prove$' >&2
prove_parallel=$(median_ms "$criterion/prove/new/estimates.json")
printf '{"prove":%s,"verify":%s,"proveParallel":%s}\n' "$prove" "$verify" "$prove_parallel" > "$BENCH_DIR/native.json"

step "WebAssembly in node"
node circuits/bench/webfn-node.mjs "$BENCH_DIR/keys" "$RUNS" > "$BENCH_DIR/webfn-node.json"

step "snarkjs in node"
node circuits/bench/snarkjs.mjs bench "$BENCH_DIR/snarkjs" "$RUNS" > "$BENCH_DIR/snarkjs-node.json"

step "headless Chromium"
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  node circuits/bench/browser.mjs "$BENCH_DIR/keys" "$BENCH_DIR/snarkjs" "$RUNS" > "$BENCH_DIR/browser.json"
else
  echo "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install -y chromium): browser figures skipped" >&2
  rm -f "$BENCH_DIR/browser.json"
fi

step "results ($BENCH_DIR)"
node circuits/bench/report.mjs "$BENCH_DIR"
