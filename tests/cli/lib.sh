# Shared helpers for the CLI tests (sourced). Each test is a bash script run by
# ctest with ART_BIN (the built tools), ART_SOURCE_DIR and ART_BINARY_DIR set.
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
: "${ART_BIN:?ART_BIN must point at the built tools}"
export LC_ALL=C TZ=UTC
T=$(mktemp -d "${TMPDIR:-/tmp}/art-cli-XXXXXX")
cleanup() { chmod -R u+rwX "$T" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*" >&2; }
# check DESCRIPTION COMMAND...: the command must succeed
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# expect_rc CODE DESCRIPTION COMMAND...: run, compare the exit code
expect_rc() {
  local want=$1 d=$2; shift 2
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$d (exit $rc)"; else fail "$d: exit $rc, wanted $want"; fi
}
# need TOOL...: a missing reference tool is a failure, never a silent skip
need() { for t in "$@"; do command -v "$t" >/dev/null || { echo "missing reference tool: $t" >&2; exit 1; }; done; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
