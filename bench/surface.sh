#!/usr/bin/env bash
# Benchmark: art-surface -r on the forensic sample files plus /usr/bin,
# against the chain of reference tools a person runs today (hashdeep -c
# md5,sha1,sha256 -r, ssdeep -r, file and strings over every file), in one
# run: wall time, ratio and peak memory. Then hash-set lookups per second
# (bench/hashset.sh on a 10-million-entry set).
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/surface.sh [BUILD_DIR] [DIR]...   (default dirs: the forensic
#        samples' original files and /usr/bin)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
S=$build/tools/art-surface
[ -x "$S" ] || { echo "no $S: build first" >&2; exit 2; }
for t in hashdeep ssdeep file strings; do
  command -v $t >/dev/null || { echo "missing reference tool: $t" >&2; exit 2; }
done
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  dirs=(/usr/share/forensics-samples/original-files /usr/bin)
fi
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-surface-XXXXXX")
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/cache

find "${dirs[@]}" -type f -print0 >"$T/files0"
nfiles=$(tr -cd '\0' <"$T/files0" | wc -c)
bytes=$(xargs -0 stat -c %s <"$T/files0" | awk '{s += $1} END {print s}')
echo "tree: ${dirs[*]}: $nfiles files, $((bytes / 1048576)) MiB; $(nproc) CPUs"
echo "warming the page cache..."
xargs -0 cat <"$T/files0" >/dev/null

# time_of LABEL COMMAND...: wall seconds and peak KiB appended to $T/times
time_of() {
  local label=$1
  shift
  /usr/bin/time -f "$label %e %M" -a -o "$T/times" "$@" >/dev/null 2>>"$T/err" || true
}

: >"$T/times"
# The chain: each tool reads every file again.
time_of hashdeep hashdeep -c md5,sha1,sha256 -r "${dirs[@]}"
time_of ssdeep ssdeep -r "${dirs[@]}"
time_of file xargs -0 file <"$T/files0"
time_of strings xargs -0 strings -a <"$T/files0"
# art-surface: every analysis from one read; members of containers too.
time_of surface "$S" -r --no-yara "${dirs[@]}"
time_of surface_yara "$S" -r "${dirs[@]}"
time_of surface_j1 "$S" -r -j 1 --no-yara "${dirs[@]}"
# The sandbox's cost: the same runs in process (docs/sandbox.md).
time_of surface_nosb "$S" -r --no-yara --no-sandbox "${dirs[@]}"
time_of surface_yara_nosb "$S" -r --no-sandbox "${dirs[@]}"

awk -v n="$nfiles" '
  { t[$1] = $2; m[$1] = $3 }
  END {
    chain = t["hashdeep"] + t["ssdeep"] + t["file"] + t["strings"]
    cm = m["hashdeep"]; for (k in m) if (k !~ /^surface/ && m[k] > cm) cm = m[k]
    printf "%-34s %8s %10s\n", "", "wall s", "peak MiB"
    printf "%-34s %8.2f %10.1f\n", "hashdeep -c md5,sha1,sha256 -r", t["hashdeep"], m["hashdeep"] / 1024
    printf "%-34s %8.2f %10.1f\n", "ssdeep -r", t["ssdeep"], m["ssdeep"] / 1024
    printf "%-34s %8.2f %10.1f\n", "file (every file)", t["file"], m["file"] / 1024
    printf "%-34s %8.2f %10.1f\n", "strings -a (every file)", t["strings"], m["strings"] / 1024
    printf "%-34s %8.2f %10.1f\n", "chain (sum)", chain, cm / 1024
    printf "%-34s %8.2f %10.1f\n", "art-surface -r --no-yara", t["surface"], m["surface"] / 1024
    printf "%-34s %8.2f %10.1f\n", "art-surface -r (signatures/)", t["surface_yara"], m["surface_yara"] / 1024
    printf "%-34s %8.2f %10.1f\n", "art-surface -r -j 1 --no-yara", t["surface_j1"], m["surface_j1"] / 1024
    printf "ratio chain / art-surface --no-yara: %.2fx\n", chain / t["surface"]
    printf "ratio chain / art-surface (with YARA): %.2fx\n", chain / t["surface_yara"]
    printf "ratio chain / art-surface -j 1: %.2fx\n", chain / t["surface_j1"]
    printf "%-34s %8.2f %10.1f\n", "art-surface --no-yara --no-sandbox", t["surface_nosb"], m["surface_nosb"] / 1024
    printf "%-34s %8.2f %10.1f\n", "art-surface --no-sandbox (YARA)", t["surface_yara_nosb"], m["surface_yara_nosb"] / 1024
    printf "sandbox cost, --no-yara: sandboxed / in process = %.3f\n", t["surface"] / t["surface_nosb"]
    printf "sandbox cost, with YARA: sandboxed / in process = %.3f\n", t["surface_yara"] / t["surface_yara_nosb"]
  }' "$T/times"
echo "(art-surface also walks into every container and classifies indicators; the chain does neither)"

if [ -x "$here/bench/hashset.sh" ] && [ "${SKIP_HASHSET:-0}" != 1 ]; then
  echo
  echo "== hash-set lookups (bench/hashset.sh)"
  "$here/bench/hashset.sh" "$build"
fi
