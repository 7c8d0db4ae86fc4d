#!/usr/bin/env bash
# Runs WebFunctions on this machine with its embedded defaults.
#
# `webfn dev` (relay + local provider + examples deployed + web app, issue 4) does not exist
# yet; `webfn relay` and `webfn provider` do (docs/operator-guide.md). Until `webfn dev` lands
# this script builds `webfn`, creates a development key under .webfn/, signs a payment with
# it, verifies the signature with `webfn` and with the real mina-signer, and prints the
# transaction hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test.sh setup
cargo build --locked -p webfn   # debug: a release build of Wasmtime takes tens of minutes
webfn=target/debug/webfn
if [ -n "${CARGO_TARGET_DIR:-}" ]; then webfn="$CARGO_TARGET_DIR/debug/webfn"; fi

mkdir -p .webfn
key_file=.webfn/dev.key
[ -f "$key_file" ] || "$webfn" keys new --key "$key_file" >/dev/null
public_key=$("$webfn" keys show --key "$key_file" | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).publicKey))')
private_key=$("$webfn" keys show --private --key "$key_file" | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).privateKey))')
echo "development key: $public_key ($key_file)"

request=$(cat <<JSON
[{"network": "testnet", "kind": "payment", "privateKey": "$private_key",
  "input": {"from": "$public_key", "to": "$public_key", "amount": "1000000000", "fee": "10000000",
            "nonce": "0", "memo": "webfn dev"}}]
JSON
)
signed=$(printf '%s' "$request" | "$webfn" mina sign)
echo "signed payment:"; printf '%s\n' "$signed"
item=$(printf '%s' "$signed" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify([{network:"testnet",kind:"payment",signed:JSON.parse(s)[0]}])))')
echo "verified by webfn:";       printf '%s' "$item" | "$webfn" mina verify
echo "verified by mina-signer:"; printf '%s' "$item" | node mina/vectors/crosscheck.mjs
echo "transaction hashes:";      printf '%s' "$item" | "$webfn" mina hash
