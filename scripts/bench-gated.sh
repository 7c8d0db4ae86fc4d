#!/usr/bin/env bash
# What a gated, paid call adds to an open call's latency (docs/benchmarks.md, "Gated and paid
# calls"): a release `webfn relay` and `webfn provider` as processes on 127.0.0.1, seeded
# credential keys, and webfn-gatedbench, which deploys `hmac-sign` twice (open and free;
# gated by an access group and priced), proves every gated call in advance, then times open
# and gated calls one at a time, alternating. Prints its JSON summary and appends it to
# $CARGO_TARGET_DIR/bench-gated.jsonl.
#
#   scripts/bench-gated.sh            # CALLS=200 WARMUP=10 by default
#
# Proving takes about 0.6 s per call on one core, so setting up 210 calls takes a minute or
# two on 2 cores before the timed part (a few seconds). Everything shares the machine's cores:
# the bench, the relay and the provider.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
calls="${CALLS:-200}"
warmup="${WARMUP:-10}"
seed=0303030303030303030303030303030303030303030303030303030303030303

scripts/test.sh setup
cargo xtask examples
component="$target/examples/hmac-sign.wasm"
cargo build --release --locked -p webfn -p webfn-loadgen
bin="$target/release"

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

"$bin/webfn" zk setup --seed "$seed" --out "$work/keys" >/dev/null

# quotes are taken before the calls are proved: they must outlive the proving
relay_port=$(free_port)
"$bin/webfn" relay --listen "127.0.0.1:$relay_port" --data "$work/relay" \
  --zk-keys "$work/keys" --quote-ttl-secs 3600 >"$work/relay.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$relay_port/healthz"
"$bin/webfn" provider --relay "ws://127.0.0.1:$relay_port" --key "$work/provider.key" \
  --cache "$work/cache" >"$work/provider.log" 2>&1 &
pids+=($!)

results="$target/bench-gated.jsonl"
if ! "$bin/webfn-gatedbench" --keys "$work/keys" --component "$component" \
  --calls "$calls" --warmup "$warmup" --label "$(date -u +%FT%TZ)" \
  "http://127.0.0.1:$relay_port" | tee -a "$results"; then
  echo "--- relay.log" >&2; tail -20 "$work/relay.log" >&2
  echo "--- provider.log" >&2; tail -20 "$work/provider.log" >&2
  exit 1
fi
