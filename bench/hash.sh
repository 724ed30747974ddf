#!/usr/bin/env bash
# bench/hash.sh: art-hash against hashdeep and coreutils on the same warm-cache
# inputs, in one run: a 2 GiB file (md5+sha1+sha256) and a tree of 20,000
# files of 1-64 KiB (sha256). Prints wall times, ratios and peak memory.
# Usage: bench/hash.sh [BUILD_DIR]   (inputs are kept in $BENCH_DIR)
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
H=$build/tools/art-hash
dir=${BENCH_DIR:-/tmp/art-bench}
mkdir -p "$dir"
for t in hashdeep md5sum sha1sum sha256sum openssl /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ -x "$H" ] || { echo "build art-hash first ($H)" >&2; exit 1; }

big=$dir/big.bin
if [ ! -f "$big" ] || [ "$(stat -c %s "$big")" -ne 2147483648 ]; then
  echo "making $big (2 GiB of random bytes)"
  head -c 2147483648 /dev/urandom > "$big"
fi
tree=$dir/tree
if [ ! -f "$tree/.complete" ]; then
  echo "making $tree (20,000 files of 1-64 KiB)"
  rm -rf "$tree"
  python3 - "$tree" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(42)
for d in range(100):
    for s in range(4):
        os.makedirs(f"{root}/d{d:03}/s{s}", exist_ok=True)
for i in range(20000):
    size = rnd.randint(1024, 65536)
    with open(f"{root}/d{i % 100:03}/s{(i // 100) % 4}/f{i:05}.bin", "wb") as f:
        f.write(os.urandom(size))
PY
  touch "$tree/.complete"
fi
cat "$big" > /dev/null
find "$tree" -type f -print0 | xargs -0 cat > /dev/null

# run LABEL CMD...: wall seconds and peak RSS (KiB) of CMD, best of 3
declare -A WALL RSS
run() {
  local label=$1; shift
  local best="" rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$dir/time.out" "$@" > /dev/null 2> "$dir/err.out" || {
      echo "$label failed:" >&2; cat "$dir/err.out" >&2; exit 1; }
    read -r w m < "$dir/time.out"
    if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  WALL[$label]=$best; RSS[$label]=$rss
  printf '%-44s %8.2f s %10d KiB\n' "$label" "$best" "$rss"
}
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

echo "== 1. one 2 GiB file, md5+sha1+sha256 (warm cache, $(nproc) cores)"
run "art-hash -c md5,sha1,sha256" "$H" -c md5,sha1,sha256 "$big"
run "hashdeep -c md5,sha1,sha256" hashdeep -c md5,sha1,sha256 "$big"
run "md5sum; sha1sum; sha256sum" bash -c "md5sum '$big'; sha1sum '$big'; sha256sum '$big'"
# One-pass limit: per-byte costs from openssl speed (16 KiB blocks), split
# over the cores as evenly as possible (longest first).
limit=$(for a in md5 sha1 sha256; do
          openssl speed -evp $a -bytes 16384 -seconds 2 2>/dev/null |
            awk -v a=$a '$1 == a || $1 == toupper(a) {v=$NF; sub("k","",v); print a, v * 1000}'
        done | python3 -c "
import sys
rates = {a: float(v) for a, v in (l.split() for l in sys.stdin)}
cores = $(nproc)
lanes = [0.0] * cores
for c in sorted((1 / r for r in rates.values()), reverse=True):
    lanes[lanes.index(min(lanes))] += c
print(f'{1 / max(lanes) / 1e6:.0f}')")
mbs=$(awk "BEGIN{printf \"%.0f\", 2147.483648 / ${WALL[art-hash -c md5,sha1,sha256]}}")
echo "art-hash: $mbs MB/s; one-pass limit on this machine: $limit MB/s ($(awk "BEGIN{printf \"%.0f\", 100 * $mbs / $limit}")% of it)"
echo "ratio vs hashdeep: $(ratio "${WALL[hashdeep -c md5,sha1,sha256]}" "${WALL[art-hash -c md5,sha1,sha256]}")x;" \
     "vs md5sum+sha1sum+sha256sum: $(ratio "${WALL[md5sum; sha1sum; sha256sum]}" "${WALL[art-hash -c md5,sha1,sha256]}")x"

echo "== 2. tree of 20,000 files (1-64 KiB), sha256"
bytes=$(find "$tree" -type f -name '*.bin' -printf '%s\n' | awk '{s += $1} END {print s}')
run "art-hash -r -c sha256" "$H" -r -c sha256 "$tree"
run "hashdeep -r -c sha256" hashdeep -r -c sha256 "$tree"
run "find | xargs sha256sum" bash -c "find '$tree' -type f -print0 | xargs -0 sha256sum"
echo "art-hash: $(awk "BEGIN{printf \"%.0f\", $bytes / 1e6 / ${WALL[art-hash -r -c sha256]}}") MB/s;" \
     "ratio vs hashdeep: $(ratio "${WALL[hashdeep -r -c sha256]}" "${WALL[art-hash -r -c sha256]}")x;" \
     "vs find|xargs sha256sum: $(ratio "${WALL[find | xargs sha256sum]}" "${WALL[art-hash -r -c sha256]}")x"
echo "== 3. peak memory: art-hash ${RSS[art-hash -c md5,sha1,sha256]} KiB (2 GiB file), ${RSS[art-hash -r -c sha256]} KiB (tree)"
