#!/usr/bin/env bash
# Benchmark: art-timeline -f mactime against fls -r -m / | mactime -d -y on
# an ext4 image of 100,000+ files, then a 10-million-event sort, then
# (issue 14) an NTFS image of 200,000+ files holding the plaso corpus's
# Windows artifacts and a 100,000-record EVTX set: art-timeline --artifacts
# windows -f l2tcsv against fls -r -m / + evtxexport + regfexport, and the
# NTFS body against fls alone; and the corpus artifacts named as files,
# sandboxed vs --no-sandbox. PART=ext4|sort|artifacts|ntfs runs one part. The ext4
# part also runs art-timeline --no-sandbox: the sandboxed worker's cost.
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

PART=${PART:-all}
RUNS=${RUNS:-3}
if [ "$PART" = all ] || [ "$PART" = ext4 ]; then
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

  # the same in process (--no-sandbox): the sandbox's cost (issue 11)
  t0=$(now)
  /usr/bin/time -f "%M %U %S" -o "$W/nosb.mem" "$BIN" -q -f mactime --no-sandbox "$W/bench.img" >"$W/nosb.csv"
  t1=$(now)
  read -r k4 u4 s4 < <(tail -1 "$W/nosb.mem")
  w=$(secs "$t0" "$t1")
  c=$(awk -v a="$u4" -v b="$s4" 'BEGIN { printf "%.2f", a + b }')
  echo "  art-timeline --no-sandbox run $run: $w s wall, $c s CPU, RSS $k4 KB"
  nosb_s=$(awk -v a="${nosb_s:-999999}" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
  nosb_cpu=$(awk -v a="${nosb_cpu:-999999}" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
done
if cmp -s "$W/ours.csv" "$W/nosb.csv"; then sbsame=identical; else sbsame=DIFFERENT; fi
echo "sandboxed (default) vs --no-sandbox: best ${our_s} s / ${nosb_s} s wall, ${our_cpu} s / ${nosb_cpu} s CPU (outputs $sbsame)"
awk -v o="$our_s" -v n="$nosb_s" -v oc="$our_cpu" -v nc="$nosb_cpu" 'BEGIN {
  printf "sandbox cost: %+.1f%% wall, %+.1f%% CPU\n", (o / n - 1) * 100, (oc / nc - 1) * 100 }'

if cmp -s "$W/ref.csv" "$W/ours.csv"; then same=identical; else same=DIFFERENT; fi
rows=$(($(wc -l <"$W/ref.csv") - 1))
echo "rows: $rows (outputs $same)"
echo "fls|mactime: best ${ref_s} s wall, ${ref_cpu} s CPU; peak RSS fls ${fls_kb} KB, mactime ${mac_kb} KB"
echo "art-timeline: best ${our_s} s wall, ${our_cpu} s CPU; peak RSS ${our_kb} KB"
awk -v r="$ref_s" -v o="$our_s" -v rc="$ref_cpu" -v oc="$our_cpu" -v m="$mac_kb" -v k="$our_kb" 'BEGIN {
  printf "speed ratio (fls|mactime / ours): %.1fx wall, %.1fx CPU\n", r / o, rc / oc
  printf "memory ratio (ours / mactime peak): %.2f\n", k / m }'
rm -f "$W/ref.csv" "$W/ours.csv" "$W/nosb.csv" "$W/bench.img"
fi

if [ "$PART" = all ] || [ "$PART" = sort ]; then

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
fi

# --------------------------------------------------- NTFS + Windows artifacts
if [ "$PART" = all ] || [ "$PART" = artifacts ]; then
# Windows artifact files named on the command line: parsed in the sandboxed
# worker (default) or in process (--no-sandbox, the path they took before
# issue 11 moved them to the worker): the worker's cost on artifacts.
CORP=${CORP:-$ROOT/../shared/corpora/plaso}
EVTX_COPIES=${EVTX_COPIES:-20}
if [ -d "$CORP" ]; then
  arts=()
  for k in $(seq "$EVTX_COPIES"); do arts+=("$CORP/evtx/System.evtx"); done
  arts+=("$CORP/evtx/System2.evtx" "$CORP/NTUSER.DAT" "$CORP/NTUSER-WIN7.DAT"
    "$CORP/winreg/Amcache.hve" "$CORP"/winprefetch/*.pf "$CORP/example.lnk"
    "$CORP/NeroInfoTool.lnk")
  echo "== ${#arts[@]} artifact files named on the command line: sandboxed vs --no-sandbox (-f l2tcsv)"
  sb_w=999999 sb_c=999999 in_w=999999 in_c=999999 sb_kb=0 in_kb=0
  for run in $(seq "$RUNS"); do
    for mode in sandbox no-sandbox; do
      flag=()
      [ $mode = no-sandbox ] && flag=(--no-sandbox)
      t0=$(now)
      /usr/bin/time -f "%M %U %S" -o "$W/a.mem" "$BIN" -q -f l2tcsv "${flag[@]}" \
        "${arts[@]}" >"$W/arts.$mode" 2>/dev/null || true
      t1=$(now)
      read -r k u s < <(tail -1 "$W/a.mem")
      c=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
      w=$(secs "$t0" "$t1")
      echo "  $mode run $run: $w s wall, $c s CPU (every process), peak RSS $k KB"
      if [ $mode = sandbox ]; then
        sb_w=$(awk -v a="$sb_w" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
        sb_c=$(awk -v a="$sb_c" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
        [ "$k" -gt "$sb_kb" ] && sb_kb=$k
      else
        in_w=$(awk -v a="$in_w" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
        in_c=$(awk -v a="$in_c" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
        [ "$k" -gt "$in_kb" ] && in_kb=$k
      fi
    done
  done
  if cmp -s "$W/arts.sandbox" "$W/arts.no-sandbox"; then same=identical; else same=DIFFERENT; fi
  awk -v sw="$sb_w" -v iw="$in_w" -v sc="$sb_c" -v ic="$in_c" -v sk="$sb_kb" -v ik="$in_kb" \
    -v n="$(($(wc -l <"$W/arts.sandbox") - 1))" -v same="$same" 'BEGIN {
    printf "artifacts: %d events (outputs %s); best sandboxed %.3f s / --no-sandbox %.3f s wall (%.3f), CPU %.2f s / %.2f s, peak RSS %d / %d KB\n",
      n, same, sw, iw, sw / iw, sc, ic, sk, ik }'
  rm -f "$W/arts.sandbox" "$W/arts.no-sandbox"
else
  echo "skip artifact-file benchmark: $CORP absent"
fi
fi

[ "$PART" = all ] || [ "$PART" = ntfs ] || exit 0
CORP=${CORP:-$ROOT/../shared/corpora/plaso}
NTFS_FILES=${NTFS_FILES:-200000}
EVTX_COPIES=${EVTX_COPIES:-20} # System.evtx holds 5,009 records
if [ ! -d "$CORP" ]; then
  echo "skip NTFS/Windows artifact benchmark: $CORP absent"
  exit 0
fi
echo "== building an NTFS image with $NTFS_FILES files + the corpus artifacts (mkntfs, ntfs-3g)"
truncate -s 2G "$W/ntfs.img"
mkntfs -q -F -Q "$W/ntfs.img" >/dev/null 2>&1
mkdir "$W/mnt"
if ! ntfs-3g "$W/ntfs.img" "$W/mnt" 2>/dev/null; then
  echo "skip NTFS benchmark: cannot mount with ntfs-3g (FUSE)"
  exit 0
fi
python3 - "$W/mnt" "$NTFS_FILES" "$CORP" "$EVTX_COPIES" <<'PYEOF'
import os, shutil, sys
root, n, corp, copies = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for i in range(n):
    d = os.path.join(root, "data", "d%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d)
    with open(os.path.join(d, "f%06d.txt" % i), "w") as f:
        f.write("x" * (i % 50))
logs = os.path.join(root, "Windows", "System32", "winevt", "Logs")
os.makedirs(logs)
for k in range(copies):
    shutil.copy(os.path.join(corp, "evtx", "System.evtx"), os.path.join(logs, "System%02d.evtx" % k))
shutil.copy(os.path.join(corp, "evtx", "System2.evtx"), os.path.join(logs, "Security.evtx"))
u = os.path.join(root, "Users", "nfury")
recent = os.path.join(u, "AppData", "Roaming", "Microsoft", "Windows", "Recent")
os.makedirs(recent)
shutil.copy(os.path.join(corp, "NTUSER.DAT"), os.path.join(u, "NTUSER.DAT"))
os.makedirs(os.path.join(root, "Users", "w7"))
shutil.copy(os.path.join(corp, "NTUSER-WIN7.DAT"), os.path.join(root, "Users", "w7", "NTUSER.DAT"))
os.makedirs(os.path.join(root, "Windows", "AppCompat", "Programs"))
shutil.copy(os.path.join(corp, "winreg", "Amcache.hve"), os.path.join(root, "Windows", "AppCompat", "Programs", "Amcache.hve"))
os.makedirs(os.path.join(root, "Windows", "Prefetch"))
for f in os.listdir(os.path.join(corp, "winprefetch")):
    shutil.copy(os.path.join(corp, "winprefetch", f), os.path.join(root, "Windows", "Prefetch", f))
for f in ("example.lnk", "NeroInfoTool.lnk"):
    shutil.copy(os.path.join(corp, f), os.path.join(recent, f))
PYEOF
umount "$W/mnt"

# the reference chain over the same inputs
chain() {
  fls -r -m / "$W/ntfs.img"
  evtxexport "$CORP/evtx/System2.evtx"
  for k in $(seq "$EVTX_COPIES"); do evtxexport "$CORP/evtx/System.evtx"; done
  for h in "$CORP/NTUSER.DAT" "$CORP/NTUSER-WIN7.DAT" "$CORP/winreg/Amcache.hve"; do
    regfexport "$h"
  done
}
export -f chain
export W CORP EVTX_COPIES
ref_cpu=999999 our_cpu=999999 ref_w=999999 our_w=999999 our_kb=0 ref_kb=0
for run in $(seq "$RUNS"); do
  t0=$(now)
  # both sides write their output to a file in the same folder
  /usr/bin/time -f "%M %U %S" -o "$W/chain.mem" bash -c chain >"$W/chain.out" 2>/dev/null
  t1=$(now)
  read -r k u s < <(tail -1 "$W/chain.mem")
  c=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
  w=$(secs "$t0" "$t1")
  echo "  chain (fls + evtxexport + regfexport) run $run: $w s wall, $c s CPU, peak RSS $k KB"
  ref_cpu=$(awk -v a="$ref_cpu" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
  ref_w=$(awk -v a="$ref_w" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
  [ "$k" -gt "$ref_kb" ] && ref_kb=$k
  t0=$(now)
  /usr/bin/time -f "%M %U %S" -o "$W/ours.mem" "$BIN" -q --artifacts windows -f l2tcsv \
    --memory 256M -T "$W" "$W/ntfs.img" >"$W/ours.l2t" 2>"$W/ours.err" || true
  t1=$(now)
  read -r k u s < <(tail -1 "$W/ours.mem")
  c=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
  w=$(secs "$t0" "$t1")
  echo "  art-timeline --artifacts windows -f l2tcsv run $run: $w s wall, $c s CPU, peak RSS $k KB"
  our_cpu=$(awk -v a="$our_cpu" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
  our_w=$(awk -v a="$our_w" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
  [ "$k" -gt "$our_kb" ] && our_kb=$k
  # the same with libtsk's own NTFS walk (ART_NTFS_READER=libtsk): the
  # sequential MFT reader's share (timeline/ntfs_mft.c)
  t0=$(now)
  ART_NTFS_READER=libtsk /usr/bin/time -f "%M %U %S" -o "$W/lt.mem" "$BIN" -q --artifacts windows \
    -f l2tcsv --memory 256M -T "$W" "$W/ntfs.img" >"$W/lt.l2t" 2>/dev/null || true
  t1=$(now)
  read -r k u s < <(tail -1 "$W/lt.mem")
  c=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
  if cmp -s "$W/lt.l2t" "$W/ours.l2t"; then same=identical; else same=DIFFERENT; fi
  echo "  same with ART_NTFS_READER=libtsk run $run: $(secs "$t0" "$t1") s wall, $c s CPU, peak RSS $k KB (output $same)"
  rm -f "$W/lt.l2t"
done
rm -f "$W/chain.out"
rows=$(($(wc -l <"$W/ours.l2t") - 1))
arts=$(grep -vc ',FILE,File stat,' "$W/ours.l2t" || true)
evtx_rows=$(grep -c ',EVT,WinEVTX,' "$W/ours.l2t" || true)
echo "rows: $rows l2tcsv events ($arts not file-system, $evtx_rows EVTX records); problems: $(wc -l <"$W/ours.err")"
awk -v r="$ref_cpu" -v o="$our_cpu" -v rw="$ref_w" -v ow="$our_w" -v n="$rows" -v k="$our_kb" -v rk="$ref_kb" 'BEGIN {
  printf "speed ratio (chain / ours): %.2fx CPU, %.2fx wall\n", r / o, rw / ow
  printf "art-timeline: %.0f events/s (CPU), %.0f events/s (wall); peak RSS %d KB (chain %d KB)\n", n / o, n / ow, k, rk }'
rm -f "$W/ours.l2t"

echo "== EVTX only: art-timeline -f l2tcsv on the $((EVTX_COPIES + 1)) logs vs evtxexport on each"
evtx_in=("$CORP/evtx/System2.evtx")
for k in $(seq "$EVTX_COPIES"); do evtx_in+=("$CORP/evtx/System.evtx"); done
evtx_chain() { for f in "$@"; do evtxexport "$f"; done; }
export -f evtx_chain
e_ref=999999 e_our=999999 e_kb=0 e_rkb=0
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%M %U %S" -o "$W/e1.mem" bash -c 'evtx_chain "$@"' _ "${evtx_in[@]}" >/dev/null 2>&1
  /usr/bin/time -f "%M %U %S" -o "$W/e2.mem" "$BIN" -q -f l2tcsv "${evtx_in[@]}" >"$W/evtx.l2t" 2>/dev/null || true
  read -r k1 u1 s1 < <(tail -1 "$W/e1.mem")
  read -r k2 u2 s2 < <(tail -1 "$W/e2.mem")
  e_ref=$(awk -v a="$e_ref" -v u="$u1" -v s="$s1" 'BEGIN { b = u + s; print (b < a) ? b : a }')
  e_our=$(awk -v a="$e_our" -v u="$u2" -v s="$s2" 'BEGIN { b = u + s; print (b < a) ? b : a }')
  [ "$k1" -gt "$e_rkb" ] && e_rkb=$k1
  [ "$k2" -gt "$e_kb" ] && e_kb=$k2
done
e_rows=$(($(wc -l <"$W/evtx.l2t") - 1))
awk -v r="$e_ref" -v o="$e_our" -v n="$e_rows" -v k="$e_kb" -v rk="$e_rkb" 'BEGIN {
  printf "  %d records: evtxexport %.2f s CPU (peak %d KB); ours %.2f s (%.0f events/s, %.2fx evtxexport, peak %d KB)\n",
    n, r, rk, o, n / (o > 0 ? o : 0.001), r / (o > 0 ? o : 0.001), k }'
rm -f "$W/evtx.l2t"

echo "== NTFS: art-timeline --tsk-compat vs fls -r -m / (CPU seconds), --no-orphans, and -f mactime vs fls|mactime"
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%U %S" -o "$W/f.mem" fls -r -m / "$W/ntfs.img" >"$W/fls.body"
  /usr/bin/time -f "%U %S %M" -o "$W/o.mem" "$BIN" -q --tsk-compat "$W/ntfs.img" >"$W/ours.body"
  ART_NTFS_READER=libtsk /usr/bin/time -f "%U %S %M" -o "$W/lt.mem" "$BIN" -q --tsk-compat "$W/ntfs.img" >"$W/lt.body"
  if cmp -s "$W/fls.body" "$W/lt.body"; then lsame=identical; else lsame=DIFFERENT; fi
  /usr/bin/time -f "%U %S" -o "$W/n.mem" "$BIN" -q --tsk-compat --no-orphans "$W/ntfs.img" >/dev/null
  /usr/bin/time -f "%U %S" -o "$W/m1.mem" sh -c "fls -r -m / '$W/ntfs.img' | mactime -d -y >/dev/null"
  /usr/bin/time -f "%U %S" -o "$W/m2.mem" "$BIN" -q --artifacts none -f mactime "$W/ntfs.img" >/dev/null
  if cmp -s "$W/fls.body" "$W/ours.body"; then same=identical; else same=DIFFERENT; fi
  awk -v f="$(tail -1 "$W/f.mem")" -v o="$(tail -1 "$W/o.mem")" -v n="$(tail -1 "$W/n.mem")" \
    -v m1="$(tail -1 "$W/m1.mem")" -v m2="$(tail -1 "$W/m2.mem")" -v s="$same" \
    -v lt="$(tail -1 "$W/lt.mem")" -v ls="$lsame" 'BEGIN {
    split(f, a, " "); split(o, b, " "); split(n, c, " "); split(m1, d, " "); split(m2, e, " ")
    fa = a[1] + a[2]; ob = b[1] + b[2]; nc = c[1] + c[2]; md = d[1] + d[2]; me = e[1] + e[2]
    split(lt, g, " "); lg = g[1] + g[2]
    printf "  MFT reader: ours --tsk-compat %.2f s, peak RSS %d KB; libtsk walk (ART_NTFS_READER=libtsk) %.2f s (%s, %.2fx fls), peak RSS %d KB\n",
      ob, b[3], lg, ls, fa / lg, g[3]
    printf "  fls %.2f s; ours --tsk-compat %.2f s (%s, %.2fx); --no-orphans %.2f s (%.2fx); fls|mactime %.2f s vs -f mactime %.2f s (%.1fx)\n",
      fa, ob, s, fa / ob, nc, fa / nc, md, me, md / me }'
done
