#!/usr/bin/env bash
# Benchmark: art-timeline -f mactime against fls -r -m / | mactime -d -y on
# an ext4 image of 100,000+ files, then a 10-million-event sort.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: bench/timeline.sh [BUILD_DIR]   (default: build)
# Prints wall seconds, CPU seconds (user+sys, steadier on a shared machine)
# and peak RSS (KB, /usr/bin/time -f %M) of each side, the speed ratios and
# the memory ratio, and checks the outputs are equal.
set -euo pipefail
export TZ=UTC LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
BIN=$BUILD/tools/art-timeline
NFILES=${NFILES:-100000}
NEVENTS_LINES=${NEVENTS_LINES:-2500000} # 4 times each: 10 million events
W=$(mktemp -d "${TMPDIR:-/tmp}/art-tl-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "== building an ext4 image with $NFILES files (mkfs.ext4 -d)"
mkdir "$W/src"
python3 - "$W/src" "$NFILES" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per = 1000
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // per))
    if i % per == 0:
        os.mkdir(d)
    with open(os.path.join(d, "f%06d.txt" % i), "w") as f:
        f.write("x" * (i % 50))
    t = 1600000000 + i * 37
    os.utime(os.path.join(d, "f%06d.txt" % i), ns=(t * 10**9 + 123, (t + 5) * 10**9 + 456))
EOF
mkfs.ext4 -q -N $((NFILES + 10000)) -I 256 -d "$W/src" "$W/bench.img" 600M
rm -rf "$W/src"

RUNS=${RUNS:-3}
echo "== $RUNS alternating runs of each side; the best wall and CPU time is kept"
ref_s=999999 ref_cpu=999999 our_s=999999 our_cpu=999999 fls_kb=0 mac_kb=0 our_kb=0
for run in $(seq "$RUNS"); do
  t0=$(now)
  /usr/bin/time -f "%M %U %S" -o "$W/fls.mem" fls -r -m / "$W/bench.img" |
    /usr/bin/time -f "%M %U %S" -o "$W/mac.mem" mactime -d -y >"$W/ref.csv"
  t1=$(now)
  read -r k1 u1 s1 < <(tail -1 "$W/fls.mem")
  read -r k2 u2 s2 < <(tail -1 "$W/mac.mem")
  w=$(secs "$t0" "$t1")
  c=$(awk -v a="$u1" -v b="$s1" -v c="$u2" -v d="$s2" 'BEGIN { printf "%.2f", a + b + c + d }')
  echo "  fls|mactime run $run: $w s wall, $c s CPU, RSS fls $k1 KB, mactime $k2 KB"
  ref_s=$(awk -v a="$ref_s" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
  ref_cpu=$(awk -v a="$ref_cpu" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
  [ "$k1" -gt "$fls_kb" ] && fls_kb=$k1
  [ "$k2" -gt "$mac_kb" ] && mac_kb=$k2

  t0=$(now)
  /usr/bin/time -f "%M %U %S" -o "$W/ours.mem" "$BIN" -q -f mactime "$W/bench.img" >"$W/ours.csv"
  t1=$(now)
  read -r k3 u3 s3 < <(tail -1 "$W/ours.mem")
  w=$(secs "$t0" "$t1")
  c=$(awk -v a="$u3" -v b="$s3" 'BEGIN { printf "%.2f", a + b }')
  echo "  art-timeline run $run: $w s wall, $c s CPU, RSS $k3 KB"
  our_s=$(awk -v a="$our_s" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
  our_cpu=$(awk -v a="$our_cpu" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
  [ "$k3" -gt "$our_kb" ] && our_kb=$k3
done

if cmp -s "$W/ref.csv" "$W/ours.csv"; then same=identical; else same=DIFFERENT; fi
rows=$(($(wc -l <"$W/ref.csv") - 1))
echo "rows: $rows (outputs $same)"
echo "fls|mactime: best ${ref_s} s wall, ${ref_cpu} s CPU; peak RSS fls ${fls_kb} KB, mactime ${mac_kb} KB"
echo "art-timeline: best ${our_s} s wall, ${our_cpu} s CPU; peak RSS ${our_kb} KB"
awk -v r="$ref_s" -v o="$our_s" -v rc="$ref_cpu" -v oc="$our_cpu" -v m="$mac_kb" -v k="$our_kb" 'BEGIN {
  printf "speed ratio (fls|mactime / ours): %.1fx wall, %.1fx CPU\n", r / o, rc / oc
  printf "memory ratio (ours / mactime peak): %.2f\n", k / m }'
rm -f "$W/ref.csv" "$W/ours.csv" "$W/bench.img"

echo "== 10-million-event sort (body of $NEVENTS_LINES lines, 4 times each)"
awk -v n="$NEVENTS_LINES" 'BEGIN { srand(11); for (i = 0; i < n; i++)
  printf "0|/dir%d/file%d.dat|%d|r/rrw-r--r--|1000|1000|%d|%d|%d|%d|%d\n",
    i % 1000, i, i + 12, i % 100000, 1 + int(rand() * 2e9), 1 + int(rand() * 2e9),
    1 + int(rand() * 2e9), 1 + int(rand() * 2e9) }' >"$W/big.body"
for fmt in l2tcsv mactime; do
  t0=$(now)
  /usr/bin/time -f "%M" -o "$W/big.mem" "$BIN" -q -v -f "$fmt" --memory 256M \
    -T "$W" -b "$W/big.body" 2>"$W/big.err" | wc -l >"$W/big.rows"
  t1=$(now)
  echo "-f $fmt --memory 256M: $(secs "$t0" "$t1") s wall, peak RSS $(tail -1 "$W/big.mem") KB," \
    "$(($(cat "$W/big.rows") - 1)) rows; $(grep -h 'events' "$W/big.err" | tail -1)"
done
