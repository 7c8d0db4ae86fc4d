#!/usr/bin/env bash
# The relay and provider beside `wasmtime serve` (wasmtime-cli of the same Wasmtime version,
# serving the same `hello` component), in one run on one machine; prints the table of
# docs/benchmarks.md.
#
#   scripts/bench-relay.sh            # CONNECTIONS=32 DURATION=10 ROUNDS=3 by default
#
# 1. `wasmtime serve -Scli hello.wasm` and `webfn relay` + `webfn provider` (separate release
#    processes, the call crosses two hops) are loaded in turn by webfn-loadgen, ROUNDS times,
#    at 1 connection (latency) and at CONNECTIONS connections (throughput);
# 2. criterion measures the provider's own cost: a warm call, calls per second in-process,
#    and a cold start from the compiled-artifact cache (relay/benches/engine.rs).
# Everything shares the machine's cores: the load generator, the servers and the provider.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
connections="${CONNECTIONS:-32}"
duration="${DURATION:-10}"
rounds="${ROUNDS:-3}"
wasmtime_version=48.0.8 # the version of the wasmtime crate in Cargo.lock
tools="${WEBFN_TOOLS:-$HOME/.cache/webfunctions}"
wasmtime="$tools/wasmtime-cli-$wasmtime_version/bin/wasmtime"

scripts/test.sh setup
cargo xtask examples
hello="$target/examples/hello.wasm"
if [ ! -x "$wasmtime" ]; then
  echo "installing wasmtime-cli $wasmtime_version into $tools (a release build: about 30 minutes on 2 cores)"
  cargo install wasmtime-cli --version "$wasmtime_version" --root "$tools/wasmtime-cli-$wasmtime_version" \
    --target-dir "$tools/wasmtime-cli-target"
fi
"$wasmtime" --version | grep -q "$wasmtime_version" || { echo "error: $wasmtime is not $wasmtime_version" >&2; exit 1; }
cargo build --release --locked -p webfn -p webfn-loadgen
bin="$target/release"

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

# wasmtime serve
serve_port=$(free_port)
"$wasmtime" serve -Scli --addr "127.0.0.1:$serve_port" "$hello" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$serve_port/"

# the relay, one provider, hello deployed
relay_port=$(free_port)
"$bin/webfn" relay --listen "127.0.0.1:$relay_port" --data "$work/relay" >"$work/relay.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$relay_port/healthz"
"$bin/webfn" deploy --relay "http://127.0.0.1:$relay_port" --name hello --key "$work/owner.key" "$hello" >/dev/null
"$bin/webfn" provider --relay "ws://127.0.0.1:$relay_port" --key "$work/provider.key" \
  --cache "$work/cache" >"$work/provider.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do
  curl -fsS -o /dev/null "http://127.0.0.1:$relay_port/fn/hello/" 2>/dev/null && break
  sleep 0.1
done

results="$target/bench-relay.jsonl"
: >"$results"
load() { # LABEL URL CONNECTIONS
  "$bin/webfn-loadgen" --label "$1" --connections "$3" --duration "$duration" --warmup 2 "$2" | tee -a "$results"
}
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds"
  for c in 1 "$connections"; do
    load "wasmtime serve" "http://127.0.0.1:$serve_port/bench?x=1" "$c"
    load "webfn relay" "http://127.0.0.1:$relay_port/fn/hello/bench?x=1" "$c"
  done
done
cleanup
trap - EXIT

cargo bench --locked -p webfn --bench engine
node relay/bench/report.mjs "$results" "$target/criterion"
