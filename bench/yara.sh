#!/usr/bin/env bash
# Benchmark art-yara against yara 4.2 on the same rules and tree, in one run,
# per rule set: the public rule sets analysts load (signature-base,
# Yara-Rules, elastic's protections-artifacts, ...), copied in from paths
# given on the command line (they are not redistributed with the project),
# or, without any, signatures/ plus a generated set of 2,000 rules.
# For each set: `yara -r -N -p 2` against `art-yara -r -j 2` (which also walks
# archives; and with --no-archives, the same work as yara, on which the
# 1.1x goal is judged: yara never opens an archive, while art-yara's default
# also scans every member, e.g. the 17,120 members of the .a archives under
# /usr/lib/x86_64-linux-gnu, each a libyara scan with its fixed cost of about
# 0.6-1 ms with signature-base), wall and CPU (user+sys) ratios, peak
# memory of both, the (rule, file) pairs found by only one tool, and the
# compiled-rules cache: the whole scan run twice, first with an empty cache
# (art-yara compiles, as yara always does), then with it (the second must be
# no slower), and the start-up alone on an empty file. CPU time is the
# figure to trust on a shared machine; wall time follows the load.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: bench/yara.sh [-b BUILD_DIR] [-x] [-s NAME=PATH]... [TREE...]
#   -x            also the sandbox's cost (the scan again with --no-sandbox)
#   -s NAME=PATH  a rule set: a rules file (Yara-Rules' index.yar, which
#                 includes the others) or a folder whose *.yar/*.yara files
#                 are all loaded (signature-base/yara,
#                 protections-artifacts/yara/rules); repeatable.
#   TREE          what to scan (default /usr/bin /usr/lib/x86_64-linux-gnu).
# Example:
#   bench/yara.sh -s sigbase=~/src/signature-base/yara \
#     -s yararules=~/src/rules/index.yar \
#     -s elastic=~/src/protections-artifacts/yara/rules /usr/bin
set -euo pipefail
export LC_ALL=C
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build
SETS=()
SANDBOX_COST=0
while getopts "b:s:xh" opt; do
  case $opt in
    b) BUILD=$OPTARG ;;
    s) SETS+=("$OPTARG") ;;
    x) SANDBOX_COST=1 ;;
    h) sed -n '2,30p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
TREES=("$@")
[ ${#TREES[@]} -gt 0 ] || TREES=(/usr/bin /usr/lib/x86_64-linux-gnu)
Y="$BUILD/tools/art-yara"
[ -x "$Y" ] || { echo "no $Y: build first" >&2; exit 2; }
command -v yara >/dev/null || { echo "yara is not installed" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-yara-XXXXXX")
trap 'rm -rf "$W"' EXIT
export XDG_CACHE_HOME="$W/cache"
# The externals Loki/THOR rule sets (signature-base) need, empty as in their
# own CI, for both tools (art-yara would otherwise compute them per file).
DEFS=(-d filename= -d filepath= -d extension= -d filetype= -d owner=)

if [ ${#SETS[@]} -eq 0 ]; then
  # 2,000 generated rules with 5 or 6 strings each, as in public sets
  # (signature-base: 33,247 strings in 5,918 rules): text, wide, nocase, hex
  # with a jump, and a regexp; a few are meant to match real binaries.
  mkdir "$W/generated"
  cp "$SRC"/signatures/*.yar "$W/generated/"
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
  }' > "$W/generated/generated.yar"
  SETS=("generated=$W/generated")
fi

printf '%s\n' "${TREES[@]}" > "$W/list"
files=$(find "${TREES[@]}" -type f | wc -l)
bytes=$(find "${TREES[@]}" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')
echo "tree: ${TREES[*]} ($files files, $bytes MiB); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache so both tools read from memory.
find "${TREES[@]}" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true

timed() { # OUT CMD...: wall seconds, peak KiB, user and sys seconds
  local out=$1
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$out.time.all" "$@" > "$out" 2> "$out.err" || true
  tail -1 "$out.time.all" > "$out.time" # after "Command exited with ..."
}
pairs() { # FILE: "rule path" lines, archive members left out
  grep -v '!' "$1" | grep -v '^0x' | sort -u || true
}

for set in "${SETS[@]}"; do
  name=${set%%=*}
  path=${set#*=}
  [ -e "$path" ] || { echo "$name: $path does not exist" >&2; continue; }
  # Copy the set in (a folder with its includes, or the folder of a file).
  mkdir -p "$W/sets/$name"
  if [ -d "$path" ]; then
    cp -r "$path/." "$W/sets/$name/"
    mapfile -t RULES < <(find "$W/sets/$name" -type f \( -name '*.yar' -o -name '*.yara' \) | sort)
  else
    cp -r "$(dirname "$path")/." "$W/sets/$name/"
    RULES=("$W/sets/$name/$(basename "$path")")
  fi
  nrules=$(yarac -w "${DEFS[@]}" "${RULES[@]}" "$W/$name.yarc" 2> "$W/$name.yarac.err" && yara -S -C "$W/$name.yarc" /dev/null 2> /dev/null | awk -F: '/number of rules/ { print $2 + 0 }' || true)
  if [ -z "$nrules" ]; then
    echo "$name: yara does not compile this set ($(head -1 "$W/$name.yarac.err")); skipped"
    continue
  fi
  RARGS=()
  for f in "${RULES[@]}"; do RARGS+=(-R "$f"); done
  rsize=$(du -k "$W/$name.yarc" | cut -f1)
  echo
  echo "== $name: $nrules rules in ${#RULES[@]} files (compiled: $rsize KiB)"
  rm -rf "$W/cache"
  # Start-up: compile (empty cache), then load the cache; yara compiles.
  : > "$W/empty"
  timed "$W/$name.first" "$Y" -w "${DEFS[@]}" "${RULES[@]}" "$W/empty"
  timed "$W/$name.second" "$Y" -w "${DEFS[@]}" "${RULES[@]}" "$W/empty"
  timed "$W/$name.ystart" yara -w "${DEFS[@]}" "${RULES[@]}" "$W/empty"
  timed "$W/$name.ycstart" yara -w -C "$W/$name.yarc" "$W/empty"
  read -r f1 m1 u1 s1 < "$W/$name.first.time"
  read -r f2 m2 u2 s2 < "$W/$name.second.time"
  read -r f3 m3 u3 s3 < "$W/$name.ystart.time"
  read -r f4 m4 u4 s4 < "$W/$name.ycstart.time"
  echo "start-up (wall, CPU user+sys, peak): art-yara compiling ${f1} s, ${u1}+${s1} s, ${m1} KiB; with its cache ${f2} s, ${u2}+${s2} s, ${m2} KiB; yara compiling ${f3} s, ${u3}+${s3} s, ${m3} KiB; yara -C ${f4} s, ${u4}+${s4} s, ${m4} KiB"
  awk -v a="$u1 $s1" -v b="$u2 $s2" -v y="$u3 $s3" 'BEGIN { split(a, p, " "); split(b, q, " "); split(y, r, " ");
    f = p[1] + p[2]; c = q[1] + q[2]; c = c > 0.005 ? c : 0.005;
    printf "start-up with the cache: %.1fx less CPU than compiling (%s), %.1fx less than yara compiling\n", f / c, (c <= f ? "no slower" : "SLOWER"), (r[1] + r[2]) / c }'

  timed "$W/$name.yara" yara -w -r -N -p 2 "${DEFS[@]}" "${RULES[@]}" --scan-list "$W/list"
  # The scan with an empty cache (compiling), then with the cache.
  rm -rf "$W/cache"
  timed "$W/$name.art1" "$Y" -w -r -j 2 "${DEFS[@]}" "${RARGS[@]}" "${TREES[@]}"
  timed "$W/$name.art" "$Y" -w -r -j 2 "${DEFS[@]}" "${RARGS[@]}" "${TREES[@]}"
  timed "$W/$name.artna" "$Y" -w -r -j 2 --no-archives "${DEFS[@]}" "${RARGS[@]}" "${TREES[@]}"
  if grep -q 'status [24]$' "$W/$name.art1.time.all" "$W/$name.art.time.all" "$W/$name.artna.time.all"; then
    echo "$name: art-yara failed:"; head -3 "$W/$name.art.err"
    continue
  fi
  read -r ysec ymem yusr ysys < "$W/$name.yara.time"
  read -r fsec fmem fusr fsys < "$W/$name.art1.time"
  read -r asec amem ausr asys < "$W/$name.art.time"
  read -r nsec nmem nusr nsys < "$W/$name.artna.time"
  ylines=$(grep -vc '^0x' "$W/$name.yara" || true)
  alines=$(grep -vc '^0x' "$W/$name.art" || true)
  amembers=$(grep -c '!' "$W/$name.art" || true)
  only=$(comm -3 <(pairs "$W/$name.yara") <(pairs "$W/$name.art") | wc -l)
  cmp -s <(sort "$W/$name.art1") <(sort "$W/$name.art") || echo "$name: WARNING: the cached run printed other lines than the first"
  echo "yara -r -N -p 2:                  ${ysec} s wall, ${yusr}+${ysys} s CPU, peak ${ymem} KiB, $ylines matches"
  echo "art-yara -r -j 2, empty cache:    ${fsec} s wall, ${fusr}+${fsys} s CPU, peak ${fmem} KiB"
  echo "art-yara -r -j 2, cached:         ${asec} s wall, ${ausr}+${asys} s CPU, peak ${amem} KiB, $alines matches ($amembers inside archives)"
  echo "art-yara -r -j 2 --no-archives:   ${nsec} s wall, ${nusr}+${nsys} s CPU, peak ${nmem} KiB"
  echo "(rule, file) pairs found by only one tool, archive members aside: $only"
  awk -v a="$fusr $fsys" -v b="$ausr $asys" -v fw="$fsec" -v aw="$asec" 'BEGIN { split(a, p, " "); split(b, q, " ");
    f = p[1] + p[2]; c = q[1] + q[2];
    printf "cached second run vs first: %.2f s vs %.2f s CPU (%s), %.2f s vs %.2f s wall\n", c, f, (c <= f * 1.02 ? "no slower" : "SLOWER"), aw, fw }'
  if [ "$SANDBOX_COST" = 1 ]; then
    # The sandbox's cost (docs/sandbox.md): the same scan in process.
    timed "$W/$name.nosb" "$Y" -w -r -j 2 --no-sandbox "${DEFS[@]}" "${RARGS[@]}" "${TREES[@]}"
    read -r bsec bmem busr bsys < "$W/$name.nosb.time"
    echo "art-yara -r -j 2 --no-sandbox:    ${bsec} s wall, ${busr}+${bsys} s CPU, peak ${bmem} KiB"
    awk -v a="$asec" -v b="$bsec" -v ac="$ausr $asys" -v bc="$busr $bsys" 'BEGIN { split(ac, q, " "); split(bc, r, " ");
      printf "sandbox cost: sandboxed / in process = %.3f wall, %.3f CPU\n", a / b, (q[1] + q[2]) / (r[1] + r[2]) }'
  fi
  awk -v n="$name" -v y="$ysec" -v a="$asec" -v b="$nsec" -v f="$fsec" -v yc="$yusr $ysys" -v ac="$ausr $asys" -v bc="$nusr $nsys" -v fc="$fusr $fsys" -v ym="$ymem" -v am="$amem" 'BEGIN {
    split(yc, p, " "); split(ac, q, " "); split(bc, r, " "); split(fc, s, " ");
    nw = y / b; nc = (p[1] + p[2]) / (r[1] + r[2]);
    printf "%s: the same work as yara (--no-archives) %.2f wall, %.2f CPU (%s); default, also scanning the archive members yara never opens, %.2f wall, %.2f CPU (empty cache %.2f, %.2f); peak RSS yara %d KiB, art-yara %d KiB\n",
      n, nw, nc, (nw >= 1.1 && nc >= 1.1 ? "goal met" : "GOAL NOT MET"), y / a, (p[1] + p[2]) / (q[1] + q[2]), y / f, (p[1] + p[2]) / (s[1] + s[2]), ym, am }' | tee -a "$W/summary"
  grep -m3 -v '^$' "$W/$name.art.err" | sed 's/^/  art-yara stderr: /' || true
done
echo
echo "== summary (ratio > 1: art-yara faster; the goal is >= 1.1 on every set for the same work)"
cat "$W/summary" 2>/dev/null || true
