#!/usr/bin/env bash
# Benchmark: art-hashset lookups per second on a 10-million-entry MD5 set
# built here, against SQLite (an indexed WITHOUT ROWID table, the usual way
# to keep such a set) answering the same queries; peak memory of each.
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/hashset.sh [BUILD_DIR] [ENTRIES] [QUERIES]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
n=${2:-10000000}
q=${3:-1000000}
HS=$build/tools/art-hashset
[ -x "$HS" ] || { echo "no $HS: build first" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "missing sqlite3" >&2; exit 2; }
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-hashset-XXXXXX")
trap 'rm -rf "$T"' EXIT

echo "generating $n random MD5 digests and $q queries (half present)..."
/usr/bin/python3 - "$n" "$q" "$T" <<'EOF'
import os, random, sys
n, q, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
random.seed(1)
picks = set(random.sample(range(n), q // 2))
present = []
with open(d + "/set.txt", "w") as f:
    chunk = 1000000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        raw = os.urandom(16 * m).hex()
        lines = [raw[i * 32:(i + 1) * 32] for i in range(m)]
        for i, h in enumerate(lines):
            if start + i in picks:
                present.append(h)
        f.write("\n".join(lines) + "\n")
absent = [os.urandom(16).hex() for _ in range(q - len(present))]
queries = present + absent
random.shuffle(queries)
with open(d + "/queries.txt", "w") as f:
    f.write("\n".join(queries) + "\n")
EOF

t() {
  local rc=0
  /usr/bin/time -f "%e %M %U %S" -o "$T/time" "$@" || rc=$?
  read -r secs kb usr sys < <(tail -1 "$T/time")
  cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  return 0
}

t "$HS" -q build -n bench -o "$T/bench.hset" "$T/set.txt"
echo "art-hashset build: ${secs} s, peak ${kb} KB, set file $(stat -c %s "$T/bench.hset") bytes"

# Warm the page cache for both, then measure.
cat "$T/bench.hset" > /dev/null
t "$HS" lookup --hits -s "$T/bench.hset" - < "$T/queries.txt" > "$T/ours.txt" || true
ours_s=$secs ours_kb=$kb ours_cpu=$cpu
ours_hits=$(wc -l < "$T/ours.txt")

# SQLite builds fast only from sorted input (random inserts into the primary
# key take minutes for 10M rows); the sort is not counted.
sort -o "$T/sorted.txt" "$T/set.txt"
# The library alone: the same queries, parsed first, then only the lookups
# timed (what art-surface and art-hash pay per file).
cat > "$T/lib.c" <<'CEOF'
#include <artifact/artifact.h>
#include <artifact/hashset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv)
{
  art_ctx *ctx;
  art_hashset *hs;
  FILE *f = fopen(argv[2], "r");
  char line[128];
  size_t n = 0, cap = 1 << 20, hits = 0;
  uint8_t(*q)[16] = malloc(cap * 16);
  struct timespec a, b, ca, cb;
  art_hash_alg alg;
  if (art_ctx_new(&ctx) || art_hashset_open(ctx, argv[1], &hs) || !f)
    return 1;
  while (fgets(line, sizeof line, f) && n < cap)
    if (art_hashset_parse_hex(line, 32, &alg, q[n]) == ART_OK)
      n++;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
  for (size_t i = 0; i < n; i++)
    hits += (size_t)art_hashset_contains(hs, ART_HASH_MD5, q[i]);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  double c = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
  printf("%zu %zu %.4f %.4f\n", n, hits, s, c);
  return 0;
}
CEOF
cc -O2 -I"$here/include" "$T/lib.c" -o "$T/lib" -L"$build" -lartifact -Wl,-rpath,"$build"
read -r lib_n lib_hits lib_s lib_cpu < <("$T/lib" "$T/bench.hset" "$T/queries.txt")

printf 'CREATE TABLE s (h BLOB PRIMARY KEY) WITHOUT ROWID;\n.mode csv\n.import %s s\n' "$T/sorted.txt" > "$T/build.sql"
t sqlite3 "$T/set.db" < "$T/build.sql"
echo "sqlite3 build: ${secs} s, peak ${kb} KB, database $(stat -c %s "$T/set.db") bytes"
cat "$T/set.db" > /dev/null
printf 'CREATE TEMP TABLE q (h BLOB);\n.mode csv\n.import %s q\nSELECT count(*) FROM q WHERE EXISTS (SELECT 1 FROM s WHERE s.h = q.h);\n' "$T/queries.txt" > "$T/query.sql"
t sqlite3 "$T/set.db" < "$T/query.sql" > "$T/ref.txt"
ref_s=$secs ref_kb=$kb ref_cpu=$cpu
ref_hits=$(tail -1 "$T/ref.txt")

echo
echo "set: $n MD5 digests; queries: $q (half present)"
echo "art-hashset lookup: ${ours_s} s elapsed, ${ours_cpu} s CPU, $ours_hits hits, peak ${ours_kb} KB"
echo "sqlite3 lookup:     ${ref_s} s elapsed, ${ref_cpu} s CPU, $ref_hits hits, peak ${ref_kb} KB"
echo "libartifact (art_hashset_contains on binary digests): ${lib_s} s elapsed, ${lib_cpu} s CPU for $lib_n, $lib_hits hits"
[ "$ours_hits" = "$ref_hits" ] && [ "$lib_hits" = "$ref_hits" ] || echo "WARNING: hit counts differ"
awk -v q="$q" -v a="$ours_s" -v b="$ref_s" -v ac="$ours_cpu" -v bc="$ref_cpu" 'BEGIN {
  if (a <= 0) a = 0.01; if (b <= 0) b = 0.01; if (ac <= 0) ac = 0.01; if (bc <= 0) bc = 0.01;
  printf "art-hashset: %.2f M lookups/s elapsed, %.2f M/s per CPU second (text in, text out)\n", q / a / 1e6, q / ac / 1e6
  printf "sqlite3:     %.2f M lookups/s elapsed, %.2f M/s per CPU second\n", q / b / 1e6, q / bc / 1e6
  printf "ratio (sqlite3 time / art-hashset time): %.2f elapsed, %.2f CPU\n", b / a, bc / ac }'
awk -v n="$lib_n" -v s="$lib_s" -v c="$lib_cpu" 'BEGIN { if (s <= 0) s = 1e-6; if (c <= 0) c = 1e-6;
  printf "libartifact lookups alone: %.2f M lookups/s elapsed, %.2f M/s per CPU second\n", n / s / 1e6, n / c / 1e6 }'
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
