#!/bin/bash
# Benchmark: art-strings against GNU strings -a, and our ssdeep against the
# ssdeep tool, on the same 256 MiB input (executables from /usr/bin, repeated).
# Prints MB/s, the ratio and peak memory (/usr/bin/time -f %M).
# Usage: bench/strings.sh [BUILD_DIR]   (default: ./build)
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
BUILD=${1:-$(dirname "$0")/../build}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
S="$BUILD/tools/art-strings"
for t in strings ssdeep /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ -x "$S" ] || { echo "build art-strings first ($S)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
MB=256
IN="$W/input.bin"
# Real executables, so the strings are those users meet.
while [ "$(stat -c %s "$IN" 2>/dev/null || echo 0)" -lt $((MB << 20)) ]; do
  find /usr/bin -maxdepth 1 -type f -size +100k | sort | head -200 | xargs cat >> "$IN"
done
truncate -s $((MB << 20)) "$IN"
cat "$IN" > /dev/null # warm the page cache for both sides

# A small driver for the library's ssdeep (no art-* tool prints ssdeep yet).
cat > "$W/sd.c" <<'C'
#include <artifact/artifact.h>
#include <stdio.h>
int main(int argc, char **argv) {
  art_ctx *ctx; art_reader *r; art_source *src; art_ssdeep *s;
  art_reader_opts ro = {256u * 1024u, 1};
  if (argc < 2 || art_ctx_new(&ctx) || art_reader_new(ctx, &ro, &r) ||
      art_ssdeep_new(ctx, &s) || art_source_open(ctx, argv[1], ART_SOURCE_AUTO, &src) ||
      art_ssdeep_attach(ctx, s, r) || art_reader_run(ctx, r, src, NULL) ||
      !art_ssdeep_result(s)) return 1;
  printf("%s\n", art_ssdeep_result(s));
  return 0;
}
C
cc -O2 -I"$SRC/include" "$W/sd.c" -L"$BUILD" -lartifact -Wl,-rpath,"$BUILD" -o "$W/sd"

# run NAME CMD...: time one run; sets SECS (elapsed), CPU (user+sys), KB
run() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$W/time" "$@" > "$W/$name.out"
  local u s
  read -r SECS u s KB < "$W/time"
  CPU=$(echo "$u + $s" | bc -l)
  printf '%-26s %7.2f s %7.1f MB/s | cpu %6.2f s %7.1f MB/s | %7d KiB peak\n' \
    "$name" "$SECS" "$(echo "$MB / ($SECS + 0.0001)" | bc -l)" "$CPU" \
    "$(echo "$MB / ($CPU + 0.0001)" | bc -l)" "$KB"
}
ratio() { echo "scale=2; $1 / ($2 + 0.0001)" | bc -l; }

echo "input: $MB MiB of /usr/bin executables"
run "GNU strings -a" strings -a "$IN"; g=$SECS; gc=$CPU
run "art-strings" "$S" "$IN"; a=$SECS; ac=$CPU
cmp -s "$W/GNU strings -a.out" "$W/art-strings.out" && echo "  outputs identical" || echo "  OUTPUTS DIFFER"
echo "  speed ratio art-strings / GNU strings: $(ratio "$g" "$a")x elapsed, $(ratio "$gc" "$ac")x cpu"
run "GNU strings -a -e l" strings -a -e l "$IN"; g=$SECS; gc=$CPU
run "art-strings -e l" "$S" -e l "$IN"; a=$SECS; ac=$CPU
cmp -s "$W/GNU strings -a -e l.out" "$W/art-strings -e l.out" && echo "  outputs identical" || echo "  OUTPUTS DIFFER"
echo "  speed ratio: $(ratio "$g" "$a")x elapsed, $(ratio "$gc" "$ac")x cpu"
run "art-strings -e slu --ioc" "$S" -e slu --ioc "$IN"
run "art-strings --ioc" "$S" --ioc "$IN"
# Japanese users: UTF-8 and the Japanese encodings on top of --ioc's two.
run "art-strings --ioc --lang ja" "$S" --ioc --lang ja "$IN"
run "art-strings -e jei" "$S" -e jei "$IN"
run "ssdeep" ssdeep -s "$IN"; g=$SECS; gc=$CPU
run "libartifact ssdeep" "$W/sd" "$IN"; a=$SECS; ac=$CPU
if [ "$(tail -1 "$W/ssdeep.out" | cut -d, -f1)" = "$(cat "$W/libartifact ssdeep.out")" ]; then
  echo "  hashes identical"
else
  echo "  HASHES DIFFER"
fi
echo "  speed ratio ours / ssdeep: $(ratio "$g" "$a")x elapsed, $(ratio "$gc" "$ac")x cpu"
echo "(elapsed times depend on the load of the machine; cpu is user+sys)"
