#!/usr/bin/env bash
# Runs the GitLab CI template's deploy job (ci/gitlab/webfunctions.gitlab-ci.yml,
# `webfunctions-deploy`) for real under gitlab-ci-local with its shell executor, against a
# relay on 127.0.0.1 that trusts a test OIDC issuer on 127.0.0.1:
#
#   1. builds webfn, the test issuer (webfn-oidc's `test_issuer` example) and the hello example;
#   2. starts the issuer (an RSA key made at start; it mints a GitLab CI token for the relay's
#      audience, project group/app, branch main) and `webfn relay --oidc-issuer gitlab=…`;
#   3. deploys hello once with an owner key and sets its trusted publisher (GitLab, group/app,
#      main, branch) with `webfn publisher set`;
#   4. makes a git project whose .gitlab-ci.yml includes the template, and runs
#      `gitlab-ci-local webfunctions-deploy` in it, the token given as the `WEBFN_ID_TOKEN`
#      variable (gitlab-ci-local does not mint `id_tokens`; the job reads the same variable);
#   5. checks that hello is now at version 2, and that running the job again with the same
#      token is refused (replayed) and leaves version 2;
#   6. gates hello by an access group `team` (the owner creates it), and runs
#      `gitlab-ci-local webfunctions-group-sync` with a second token: the group's members become
#      those of the project's members.txt.
#
# gitlab-ci-local and a Node.js 22 it needs come from npm at exact versions, installed under
# ~/.cache/webfunctions/. Needs cargo, npm, git, rsync (gitlab-ci-local copies the project with
# it) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

GCL_VERSION=4.75.1
NODE_VERSION=22.23.3
GCL_DIR="${WEBFN_CACHE:-$HOME/.cache/webfunctions}/gitlab-ci-local-$GCL_VERSION"
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v rsync >/dev/null || die "gitlab-ci-local needs rsync (apt-get install rsync)"

if [ ! -x "$GCL_DIR/node_modules/.bin/gitlab-ci-local" ] || [ ! -x "$GCL_DIR/node_modules/.bin/node" ]; then
  mkdir -p "$GCL_DIR"
  npm install --no-audit --no-fund --loglevel=error --prefix "$GCL_DIR" \
    "gitlab-ci-local@$GCL_VERSION" "node@$NODE_VERSION" || die "npm install of gitlab-ci-local failed"
fi

target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --locked -p webfn --bin webfn
cargo build --locked -p webfn-oidc --features test-issuer --example test_issuer
[ -f "$target/examples/hello.wasm" ] || cargo xtask examples
webfn="$target/debug/webfn"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
relay_http="http://127.0.0.1:$port"

# the issuer prints its URL and a token, and serves until its standard input closes
mkfifo "$work/issuer-in"
"$target/debug/examples/test_issuer" "$relay_http" group/app main <"$work/issuer-in" >"$work/issuer-out" &
pids+=($!)
exec 3>"$work/issuer-in"
for _ in $(seq 100); do [ "$(wc -l <"$work/issuer-out")" -ge 3 ] && break; sleep 0.1; done
issuer_url=$(sed -n 1p "$work/issuer-out")
token=$(sed -n 2p "$work/issuer-out")
group_token=$(sed -n 3p "$work/issuer-out")
[ -n "$token" ] && [ -n "$group_token" ] || die "the test issuer printed no tokens"

"$webfn" relay --listen "127.0.0.1:$port" --data "$work/relay" --oidc-issuer "gitlab=$issuer_url" \
  >"$work/relay.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('$relay_http/healthz')" 2>/dev/null && break
  sleep 0.1
done

version() {
  python3 -c "import json, urllib.request; print(json.load(urllib.request.urlopen('$relay_http/v1/functions/hello'))['version'])"
}

cp "$target/examples/hello.wasm" "$work/hello.wasm"
"$webfn" deploy --relay "$relay_http" --name hello --key "$work/owner.key" "$work/hello.wasm" >/dev/null
echo '{"provider": "gitlab", "project_path": "group/app", "ref": "main", "ref_type": "branch"}' >"$work/policy.json"
"$webfn" publisher set --relay "$relay_http" --function hello --policy "$work/policy.json" --key "$work/owner.key"
[ "$(version)" = 1 ] || die "hello should be at version 1"

project="$work/project"
mkdir -p "$project"
cp ci/gitlab/webfunctions.gitlab-ci.yml "$project/"
cp "$work/hello.wasm" "$project/hello.wasm"
cat >"$project/.gitlab-ci.yml" <<EOF
stages:
  - deploy

include:
  - local: webfunctions.gitlab-ci.yml

variables:
  WEBFN_RELAY_HTTP: $relay_http
  WEBFN_FUNCTION: hello
  WEBFN_BUNDLE: hello.wasm
  WEBFN_GROUP: team
  WEBFN_MEMBERS_FILE: members.txt
EOF
printf '# who may call hello\n101\n202\n303\n' >"$project/members.txt"
git -C "$project" init -q -b main
git -C "$project" -c user.name=ci -c user.email=ci@example.invalid add -A
git -C "$project" -c user.name=ci -c user.email=ci@example.invalid commit -q -m project
git -C "$project" remote add origin https://gitlab.example.invalid/group/app.git
git -C "$project" update-ref refs/remotes/origin/main HEAD
git -C "$project" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main

gcl() { # [JOB] [TOKEN]
  (cd "$project" && PATH="$GCL_DIR/node_modules/.bin:$target/debug:$PATH" gitlab-ci-local \
    --home "$work/gcl-home" --force-shell-executor --variable "WEBFN_ID_TOKEN=${2:-$token}" "${1:-webfunctions-deploy}")
}

echo "== gitlab-ci-local webfunctions-deploy"
gcl
[ "$(version)" = 2 ] || die "the deploy job ran but hello is not at version 2"
echo "== the same job with the same token again: refused as a replay"
if gcl >"$work/again.log" 2>&1; then
  cat "$work/again.log"
  die "a replayed token deployed"
fi
grep -q "replayed_token" "$work/again.log" || { cat "$work/again.log"; die "the refusal is not replayed_token"; }
[ "$(version)" = 2 ] || die "a refused job changed the function"

echo "== gate hello by group team, then gitlab-ci-local webfunctions-group-sync with a second token"
"$webfn" group create --relay "$relay_http" --group team --key "$work/owner.key" >/dev/null
"$webfn" deploy --relay "$relay_http" --name hello --key "$work/owner.key" --group team --quota 3 "$work/hello.wasm" >/dev/null
gcl webfunctions-group-sync "$group_token"
members=$(python3 -c "import json, urllib.request; print(' '.join(json.load(urllib.request.urlopen('$relay_http/v1/groups/team'))['members']))")
[ "$members" = "101 202 303" ] || die "the group-sync job ran but the members are: $members"
echo "gitlab-ci-local: the template's deploy job deployed hello (version 2) with the test issuer's token; the replay was refused; the group-sync job made group team's members those of members.txt"
