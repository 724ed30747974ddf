#!/usr/bin/env bash
# Benchmark art-yara against yara 4.2 on the same rules and tree, in one run:
# signatures/ plus a generated set of 2,000 rules, over /usr/bin and
# /usr/lib/x86_64-linux-gnu; `art-yara -r -j 2` (which also walks archives)
# against `yara -r -N -p 2`; the ratio, peak memory, and the start-up time with
# the compiled cache against compiling from source.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: bench/yara.sh [BUILD_DIR] [TREE...]   (default build, the two trees)
set -euo pipefail
export LC_ALL=C
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
shift || true
TREES=("$@")
[ ${#TREES[@]} -gt 0 ] || TREES=(/usr/bin /usr/lib/x86_64-linux-gnu)
Y="$BUILD/tools/art-yara"
[ -x "$Y" ] || { echo "no $Y: build first" >&2; exit 2; }
command -v yara >/dev/null || { echo "yara is not installed" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-yara-XXXXXX")
trap 'rm -rf "$W"' EXIT
export XDG_CACHE_HOME="$W/cache"

# 2,000 generated rules with 5 or 6 strings each, as in public sets
# (signature-base: 33,247 strings in 5,918 rules): text, wide, nocase, hex
# with a jump, and a regexp; a few are meant to match real binaries.
mkdir "$W/rules"
cp "$SRC"/signatures/*.yar "$W/rules/"
awk 'function word(n,   w, k) { w = ""; for (k = 0; k < n; k++) w = w al[1 + int(rand() * 37)]; return w }
     function hex(n,   h, k) { h = ""; for (k = 0; k < n; k++) h = h sprintf("%02X ", int(rand() * 256)); return h }
BEGIN {
  srand(42);
  split("abcdefghijklmnopqrstuvwxyz0123456789_", al, "");
  for (i = 0; i < 2000; i++) {
    printf "rule gen_%04d : bench\n{\n  meta:\n    author = \"bench\"\n", i;
    printf "    description = \"generated rule %d\"\n  strings:\n", i;
    printf "    $t = \"%s\"\n", word(8 + int(rand() * 10));
    printf "    $w = \"%s\" wide\n", word(8 + int(rand() * 6));
    printf "    $n = \"%s\" nocase\n", word(8 + int(rand() * 6));
    printf "    $h = { %s[2-8] %s}\n", hex(4), hex(2);
    printf "    $r = /%s[0-9]{2,4}/\n", word(6 + int(rand() * 4));
    if (i % 500 == 0) printf "    $c = \"GLIBC_2.%d\"\n", 2 + i / 500;
    printf "  condition:\n    any of them\n}\n\n";
  }
}' > "$W/rules/generated.yar"
RULES=("$W"/rules/*.yar)
nrules=$(grep -c '^rule ' "${RULES[@]}" | awk -F: '{ s += $2 } END { print s }')
printf '%s\n' "${TREES[@]}" > "$W/list"
files=$(find "${TREES[@]}" -type f | wc -l)
bytes=$(find "${TREES[@]}" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')
echo "rules: $nrules in ${#RULES[@]} files; tree: ${TREES[*]} ($files files, $bytes MiB)"

# Warm the page cache so both tools read from memory.
find "${TREES[@]}" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true

timed() { # OUT CMD...: wall seconds, peak KiB, user and sys seconds
  local out=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$out.time" "$@" > "$out" 2> "$out.err" || true
}

timed "$W/yara.out" yara -w -r -N -p 2 --scan-list "${RULES[@]}" "$W/list"
"$Y" -w -R "$W/rules" /dev/null > /dev/null 2>&1 || true # fill the cache
timed "$W/art.out" "$Y" -w -r -j 2 -R "$W/rules" "${TREES[@]}"
read -r ysec ymem yusr ysys < "$W/yara.out.time"
read -r asec amem ausr asys < "$W/art.out.time"
ylines=$(grep -c . "$W/yara.out" || true)
alines=$(grep -c . "$W/art.out" || true)
amembers=$(grep -c '!' "$W/art.out" || true)
only=$(comm -3 <(sort "$W/yara.out") <(grep -v '!' "$W/art.out" | sort) | wc -l)
echo "yara -r -N -p 2:   ${ysec} s wall, ${yusr}+${ysys} s CPU, peak ${ymem} KiB, $ylines matches"
echo "art-yara -r -j 2:  ${asec} s wall, ${ausr}+${asys} s CPU, peak ${amem} KiB, $alines matches ($amembers inside archives)"
echo "(rule, file) pairs found by only one tool, archive members aside: $only"
awk -v y="$ysec" -v a="$asec" -v yc="$yusr $ysys" -v ac="$ausr $asys" 'BEGIN {
  split(yc, p, " "); split(ac, q, " ");
  printf "ratio (yara time / art-yara time): %.2f wall, %.2f CPU\n", y / a, (p[1] + p[2]) / (q[1] + q[2]) }'
# The sandbox's cost (docs/sandbox.md): the same scan in process.
timed "$W/nosb.out" "$Y" -w -r -j 2 --no-sandbox -R "$W/rules" "${TREES[@]}"
read -r nsec nmem nusr nsys < "$W/nosb.out.time"
echo "art-yara --no-sandbox: ${nsec} s wall, ${nusr}+${nsys} s CPU, peak ${nmem} KiB"
awk -v a="$asec" -v n="$nsec" 'BEGIN { printf "sandbox cost: sandboxed / in process = %.3f wall\n", a / n }'

# Start-up: load the rules and scan one empty file, 5 times each way.
: > "$W/empty"
startup() { # label args...: wall and CPU (user+sys) seconds per run, 5 runs
  local label=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$W/st.time" bash -c \
    'for _ in 1 2 3 4 5; do "$@" > /dev/null 2>&1 || true; done' _ "$@"
  awk -v l="$label" '{ printf "%s: %.3f s wall, %.3f s CPU per run\n", l, $1 / 5, ($2 + $3) / 5 }' \
    "$W/st.time" | tee -a "$W/startup"
}
mkdir "$W/one"
echo 'rule one { condition: false }' > "$W/one/one.yar"
"$Y" -R "$W/one" "$W/empty" > /dev/null 2>&1 || true
startup "start-up, compiling from source " "$Y" -w --no-cache -R "$W/rules" "$W/empty"
startup "start-up, compiled cache         " "$Y" -w -R "$W/rules" "$W/empty"
startup "start-up, one cached rule (fixed)" "$Y" -w -R "$W/one" "$W/empty"
startup "start-up, yara compiling (ref.)  " yara -w "${RULES[@]}" "$W/empty"
# Ratios on CPU time (wall time is noisy on a shared machine).
awk -F'[:,]' '/from source/ { split($4, a, " "); s = a[1] } /compiled cache/ { split($4, a, " "); c = a[1] }
     /fixed/ { split($4, a, " "); f = a[1] }
     END { printf "start-up speed-up with the cache (CPU): %.1fx; %.1fx beyond the fixed process start (%.3f s CPU)\n",
           s / c, (s - f) / (c - f > 0.0005 ? c - f : 0.0005), f }' "$W/startup"
