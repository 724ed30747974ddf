# CLI tests for the sandboxed examination (art-surface, and art-timeline's
# images against fls in both modes): libarchive's hostile
# test archives hit the time and memory limits and the run goes on in order;
# a worker killed from outside, crashing, writing a file or opening a socket
# is replaced and reported; records stay in input order and equal to the
# in-process (--no-sandbox) run; workers run under seccomp and no_new_privs.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq sha256sum python3
S=$ART_BIN/art-surface
ST=$ART_BINARY_DIR/tests/art-surface-testing # with the ART_TESTING hooks
export XDG_CACHE_HOME=$T/cache
asan=0
# (not "ldd | grep -q": grep's early exit fails the pipeline under pipefail)
case "$(ldd "$S" 2>/dev/null)" in *libasan*) asan=1 ;; esac
# GNU time for the peak memory of the whole run (every worker included).
gtime=/usr/bin/time
[ -x "$gtime" ] || gtime=""

# roots FILE: "path<TAB>limits<TAB>errors" of each input's own record
roots() {
  jq -r 'select(.lineage.id == 0) | [.path, (.limits_hit | join(",")),
         (.errors | join("|"))] | @tsv' "$1"
}

# ---- ordinary files: the sandbox changes nothing ---------------------------
mkdir -p "$T/plain"
cp /bin/ls "$T/plain/a-ls"
printf 'hello sandbox\nhttp://example.com/x\n' >"$T/plain/b.txt"
head -c 65536 /dev/urandom >"$T/plain/c.bin"
cp "$ART_SOURCE_DIR/README.md" "$T/plain/d-readme.md"
(cd "$T/plain" && python3 -c "
import zipfile
with zipfile.ZipFile('e.zip', 'w') as z:
    z.writestr('inner/n.txt', 'note\n')
    z.write('b.txt')")
"$S" -r --no-yara -j 2 "$T/plain" >"$T/sb.jsonl"
"$S" -r --no-yara -j 2 --no-sandbox "$T/plain" >"$T/nosb.jsonl"
check "sandboxed records = in-process records (5 files, members included)" \
  cmp -s "$T/sb.jsonl" "$T/nosb.jsonl"
check "sha256 of a sandboxed record = sha256sum" \
  test "$(jq -r 'select(.path == "'"$T"'/plain/a-ls") | .hashes.sha256' "$T/sb.jsonl")" \
  = "$(sha256sum <"$T/plain/a-ls" | cut -d' ' -f1)"
"$S" -f text --no-yara "$T/plain/b.txt" >"$T/sb.txt"
"$S" -f text --no-yara --no-sandbox "$T/plain/b.txt" >"$T/nosb.txt"
check "text reports equal too" cmp -s "$T/sb.txt" "$T/nosb.txt"
check "standard input through the sandbox" \
  test "$("$S" --no-yara - <"$T/plain/b.txt" | jq -r .hashes.sha256)" \
  = "$(sha256sum <"$T/plain/b.txt" | cut -d' ' -f1)"

# ---- images: E01 and split raw, opened by the worker by name -------------
mkdir -p "$T/img"
head -c 1048576 /dev/urandom >"$T/img/raw.bin"
if command -v ewfacquire >/dev/null; then
  ewfacquire -u -t "$T/img/disk" -c none -S 0 "$T/img/raw.bin" >/dev/null 2>&1
  check "E01 through the sandbox: media sha256 = sha256sum of the raw bytes" \
    test "$("$S" --no-yara "$T/img/disk.E01" | jq -r .hashes.sha256)" \
    = "$(sha256sum <"$T/img/raw.bin" | cut -d' ' -f1)"
else
  echo "skip - ewfacquire absent: no E01 case"
fi
split -b 400000 -d -a 3 --numeric-suffixes=1 "$T/img/raw.bin" "$T/img/sp."
check "split raw image through the sandbox: sha256 of the whole = sha256sum" \
  test "$("$S" --no-yara --image "$T/img/sp.001" | jq -r .hashes.sha256)" \
  = "$(sha256sum <"$T/img/raw.bin" | cut -d' ' -f1)"

# ---- --extract: the parent writes, the worker cannot -----------------------
mkdir -p "$T/x"
"$S" --no-yara --extract "$T/x" "$T/plain/e.zip" >"$T/x.jsonl"
check "--extract through the parent: member written, = the original" \
  cmp -s "$T/x/b.txt" "$T/plain/b.txt"
check "--extract: nested folder made, no temporary file left" \
  bash -c "test -f '$T/x/inner/n.txt' && ! find '$T/x' -name '.art-extract-*' | grep -q ."
check "--extract: extracted_to in the record" \
  test "$(jq -r 'select(.name == "n.txt") | .lineage.extracted_to' "$T/x.jsonl")" = inner/n.txt

# ---- the hostile corpus ---------------------------------------------------
# hostile_run DIR LABEL: four archives plus five ordinary files, in order.
hostile_run() {
  local dir=$1 label=$2 out=$T/$2
  mkdir -p "$out/in"
  cp "$dir"/test_read_*.{gz,Z,rar,xar} "$out/in/"
  cp "$T"/plain/{a-ls,b.txt,c.bin,d-readme.md,e.zip} "$out/in/"
  local lim=512M timeout=5 start end
  start=$(date +%s)
  local rc=0
  if [ -n "$gtime" ]; then
    $gtime -f '%M' -o "$out/peak" "$S" -r -j 4 --no-yara --timeout $timeout \
      --memory-limit $lim "$out/in" >"$out/run.jsonl" 2>"$out/run.err" || rc=$?
  else
    "$S" -r -j 4 --no-yara --timeout $timeout --memory-limit $lim "$out/in" \
      >"$out/run.jsonl" 2>"$out/run.err" || rc=$?
  fi
  end=$(date +%s)
  check "$label: exit 3 (some inputs hit limits)" test "$rc" -eq 3
  roots "$out/run.jsonl" >"$out/roots.tsv"
  (cd "$out/in" && ls | LC_ALL=C sort) | sed "s|^|$out/in/|" >"$out/want"
  check "$label: one record per input (9), in input order" \
    cmp -s <(cut -f1 "$out/roots.tsv") "$out/want"
  check "$label: the xar loop stopped by the time limit" \
    grep -q "doublelink.xar	timeout" "$out/roots.tsv"
  check "$label: the rockridge loop stopped by a limit (memory or time)" \
    grep -qE "ce_loop.iso.Z	(memory|timeout)" "$out/roots.tsv"
  # (or libarchive's own allocation fails first, under the worker's limit,
  # and the record says so)
  check "$label: the gzip recursion stopped by a limit, or its allocation failure reported" \
    grep -qE "gzip_recursive.gz	((memory|timeout)	|	.*allocate)" "$out/roots.tsv"
  check "$label: the five ordinary files are examined in full" \
    test "$(grep -cE "/(a-ls|b.txt|c.bin|d-readme.md|e.zip)		$" "$out/roots.tsv")" -eq 5
  # The archive walker now refuses the xar loop before libarchive runs
  # (tests/data/hostile/README.md), so no worker is stopped here; the log of
  # a stopped worker with its input's sha256 is checked with the hooks below.
  # Three inputs may each run to the time limit, four jobs at once.
  check "$label: done within the time limit plus a margin ($((end - start)) s)" \
    test $((end - start)) -le $((timeout + 25))
  if [ -n "$gtime" ] && [ "$asan" = 0 ]; then
    local peak
    peak=$(tail -1 "$out/peak")
    check "$label: peak memory of any process ${peak} KiB < 512 MiB" \
      test "$peak" -lt $((512 * 1024))
  fi
}
hostile_run "$ART_SOURCE_DIR/tests/data/hostile" hostile
if [ -d "$ART_SOURCE_DIR/../shared/corpora/hostile" ]; then
  hostile_run "$ART_SOURCE_DIR/../shared/corpora/hostile" shared-hostile
else
  echo "skip - ../shared/corpora/hostile absent: the copies in tests/data/hostile were used"
fi

# ---- art-timeline: images read by libtsk in a worker ----------------------
TL=$ART_BIN/art-timeline
SAMPLES=/usr/share/forensics-samples
tl_seen=0
for img in ntfs ext4 vfat; do
  if [ ! -f "$SAMPLES/fs.$img.xz" ] || ! command -v fls >/dev/null; then
    echo "skip - $SAMPLES/fs.$img.xz or fls absent: no timeline comparison"
    continue
  fi
  tl_seen=1
  xz -dc "$SAMPLES/fs.$img.xz" >"$T/fs.$img"
  fls -r -m / -o 2048 "$T/fs.$img" >"$T/tl.ref"
  for mode in sandbox no-sandbox; do
    flag=()
    [ $mode = no-sandbox ] && flag=(--no-sandbox)
    "$TL" -q --tsk-compat -o 2048 "${flag[@]}" "$T/fs.$img" >"$T/tl.$mode" 2>"$T/tl.err"
    check "timeline $img ($mode): body --tsk-compat == fls -r -m / ($(wc -l <"$T/tl.ref") lines)" \
      cmp -s "$T/tl.ref" "$T/tl.$mode"
  done
  # every output form, Windows artifacts and the evidence hash included
  "$TL" -q -f jsonl --hash-evidence "$T/fs.$img" >"$T/tl.sb.jsonl" 2>"$T/tl.sb.err" || true
  "$TL" -q -f jsonl --hash-evidence --no-sandbox "$T/fs.$img" >"$T/tl.in.jsonl" 2>"$T/tl.in.err" || true
  check "timeline $img: jsonl sandboxed == in process ($(wc -l <"$T/tl.in.jsonl") events)" \
    cmp -s "$T/tl.sb.jsonl" "$T/tl.in.jsonl"
  check "timeline $img: same messages sandboxed and in process" \
    cmp -s "$T/tl.sb.err" "$T/tl.in.err"
done
if [ "$tl_seen" = 1 ] && command -v ewfacquire >/dev/null; then
  ewfacquire -q -u -t "$T/tl-e01" -c deflate:fast -f encase6 "$T/fs.ext4" >/dev/null 2>&1
  fls -r -m / -o 2048 "$T/fs.ext4" >"$T/tl.ref"
  "$TL" -q --tsk-compat -o 2048 "$T/tl-e01.E01" >"$T/tl.e01"
  check "timeline: E01 opened by the worker by name, body == fls" \
    cmp -s "$T/tl.ref" "$T/tl.e01"
  rm -f "$T"/tl-e01.E* "$T"/fs.*
fi
# The libtsk hang fuzz_timeline_image found (a directory inode claiming
# 1.7 GB): bounded, reported, exit 3, the next image read in full.
reg=$ART_SOURCE_DIR/tests/fuzz/regressions/timeline_image/timeline_image-timeout-35c90dd8632712c945bfdf654659d749e3d55a75
truncate -s 8M "$T/tl-ok.img"
if command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null; then
  mkfs.vfat "$T/tl-ok.img" >/dev/null
  echo x >"$T/tl-x.txt"
  mcopy -i "$T/tl-ok.img" "$T/tl-x.txt" ::x.txt
  rc=0
  timeout 60 "$TL" -q "$reg" "$T/tl-ok.img" >"$T/tl.reg" 2>"$T/tl.reg.err" || rc=$?
  check "timeline: crafted ext directory inode reported, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'directory inode 2 not listed: its size (1795316571 bytes) is larger than the image' '$T/tl.reg.err'"
  check "timeline: the image after it is read" grep -q '|/x.txt|' "$T/tl.reg"
fi

# ---- hostile behaviour in the worker (test-only hooks) ---------------------
if [ ! -x "$ST" ]; then
  echo "skip - $ST not built (ART_FUZZ build): no hook tests"
  finish
  exit $?
fi
mkdir -p "$T/k"
esc=/tmp/art-sandbox-escaped
rm -f "$esc" 2>/dev/null || true
for f in a 'ART_SANDBOX_TEST_write' b 'ART_SANDBOX_TEST_socket' c \
  'ART_SANDBOX_TEST_segv' d; do
  echo "content of $f" >"$T/k/$f"
done
ls "$T/k" | LC_ALL=C sort >"$T/k.names"
rc=0
"$ST" -r -j 1 --no-yara "$T/k" >"$T/k.jsonl" 2>"$T/k.err" || rc=$?
check "hooks: exit 3" test "$rc" -eq 3
roots "$T/k.jsonl" >"$T/k.tsv"
check "hooks: records in input order after replaced workers (-j 1)" \
  cmp -s <(cut -f1 "$T/k.tsv" | sed 's|.*/||') "$T/k.names"
check "hooks: opening a file for writing fails with EPERM, reported" \
  grep -q "ART_SANDBOX_TEST_write		.*open for writing failed: Operation not permitted" "$T/k.tsv"
check "hooks: nothing was written" test ! -e "$esc"
check "hooks: socket() ends the worker with SIGSYS, reported" \
  grep -q "ART_SANDBOX_TEST_socket		worker crashed: SIGSYS" "$T/k.tsv"
# (AddressSanitizer catches the SIGSEGV, reports it, then aborts or exits
# as ASAN_OPTIONS say)
segv=SIGSEGV
[ "$asan" = 1 ] && segv="(SIGSEGV|SIGABRT|exit status 1)"
check "hooks: a crash is reported as worker crashed: $segv" \
  grep -qE "ART_SANDBOX_TEST_segv		worker crashed: $segv" "$T/k.tsv"
check "hooks: the crash is logged with the input's sha256" \
  grep -qE "ART_SANDBOX_TEST_segv: worker crashed: $segv \(sha256 $(sha256sum <"$T/k/ART_SANDBOX_TEST_segv" | cut -d' ' -f1)\)" "$T/k.err"
check "hooks: the inputs after each replaced worker are examined" \
  test "$(grep -cE '/[abcd]		$' "$T/k.tsv")" -eq 4

# Time limit on purpose.
mkdir -p "$T/t"
echo spin >"$T/t/ART_SANDBOX_TEST_spin"
echo after >"$T/t/z.txt"
rc=0
"$ST" -r -j 1 --no-yara --timeout 2 "$T/t" >"$T/t.jsonl" 2>/dev/null || rc=$?
roots "$T/t.jsonl" >"$T/t.tsv"
check "time limit: limits_hit timeout, exit 3, next input examined" \
  bash -c "[ $rc -eq 3 ] && grep -q 'TEST_spin	timeout	' '$T/t.tsv' && grep -q 'z.txt		\$' '$T/t.tsv'"

# Memory limit on purpose (RLIMIT_AS is not set under AddressSanitizer; the
# resident-memory watch still stops the worker).
mkdir -p "$T/m"
echo alloc >"$T/m/ART_SANDBOX_TEST_alloc"
echo after >"$T/m/z.txt"
rc=0
"$ST" -r -j 1 --no-yara --memory-limit 256M "$T/m" >"$T/m.jsonl" 2>/dev/null || rc=$?
roots "$T/m.jsonl" >"$T/m.tsv"
check "memory limit: limits_hit memory, exit 3, next input examined" \
  bash -c "[ $rc -eq 3 ] && grep -q 'TEST_alloc	memory	' '$T/m.tsv' && grep -q 'z.txt		\$' '$T/m.tsv'"

# A worker killed with kill -9 from outside, while it works.
mkdir -p "$T/kill"
echo spin >"$T/kill/ART_SANDBOX_TEST_spin"
echo after >"$T/kill/z.txt"
"$ST" -r -j 1 --no-yara --timeout 60 "$T/kill" >"$T/kill.jsonl" 2>"$T/kill.err" &
tool=$!
worker=""
for _ in $(seq 1 100); do
  zyg=$(ps -o pid= --ppid "$tool" | tr -d ' ' | head -1) || true
  if [ -n "$zyg" ]; then
    worker=$(ps -o pid= --ppid "$zyg" | tr -d ' ' | head -1) || true
  fi
  [ -n "$worker" ] && break
  sleep 0.1
done
if [ -n "$worker" ]; then
  sleep 0.5
  check "the worker runs under seccomp (filter mode)" \
    grep -qE '^Seccomp:[[:space:]]+2' "/proc/$worker/status"
  check "the worker has no_new_privs" \
    grep -qE '^NoNewPrivs:[[:space:]]+1' "/proc/$worker/status"
  check "the worker's file size limit is set" \
    grep -qE '^Max file size +16777216 ' "/proc/$worker/limits"
  check "the worker's core dumps are off" \
    grep -qE '^Max core file size +0 ' "/proc/$worker/limits"
  check "the worker's open files limit is small" \
    grep -qE '^Max open files +64 ' "/proc/$worker/limits"
  kill -9 "$worker"
else
  fail "kill -9: no worker process found"
fi
rc=0
wait "$tool" || rc=$?
roots "$T/kill.jsonl" >"$T/kill.tsv"
check "kill -9: reported as worker crashed: SIGKILL, exit 3" \
  bash -c "[ $rc -eq 3 ] && grep -q 'TEST_spin		worker crashed: SIGKILL' '$T/kill.tsv'"
check "kill -9: the next input is examined by a new worker" \
  grep -q 'z.txt		$' "$T/kill.tsv"

# art-timeline: time limit (no progress) and kill -9, with the same hooks.
TT=$ART_BINARY_DIR/tests/art-timeline-testing
if [ -x "$TT" ] && [ -f "$T/tl-ok.img" ]; then
  mkdir -p "$T/tlk"
  echo spin >"$T/tlk/ART_SANDBOX_TEST_spin"
  rc=0
  start=$(date +%s)
  "$TT" -q --timeout 2 "$T/tlk/ART_SANDBOX_TEST_spin" "$T/tl-ok.img" \
    >"$T/tlk.body" 2>"$T/tlk.err" || rc=$?
  end=$(date +%s)
  check "timeline time limit: reported with the image and its sha256, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -qE 'ART_SANDBOX_TEST_spin: examination made no progress for 2 s: worker stopped \(sha256 $(sha256sum <"$T/tlk/ART_SANDBOX_TEST_spin" | cut -d' ' -f1)\)' '$T/tlk.err'"
  check "timeline time limit: the next image is read by a new worker" \
    grep -q '|/x.txt|' "$T/tlk.body"
  check "timeline time limit: stopped in time ($((end - start)) s)" \
    test $((end - start)) -le 20
  "$TT" -q --timeout 60 "$T/tlk/ART_SANDBOX_TEST_spin" "$T/tl-ok.img" \
    >"$T/tlk9.body" 2>"$T/tlk9.err" &
  tool=$!
  worker=""
  for _ in $(seq 1 100); do
    zyg=$(ps -o pid= --ppid "$tool" | tr -d ' ' | head -1) || true
    if [ -n "$zyg" ]; then
      worker=$(ps -o pid= --ppid "$zyg" | tr -d ' ' | head -1) || true
    fi
    [ -n "$worker" ] && break
    sleep 0.1
  done
  if [ -n "$worker" ]; then
    sleep 0.3
    check "timeline worker runs under seccomp (filter mode)" \
      grep -qE '^Seccomp:[[:space:]]+2' "/proc/$worker/status"
    kill -9 "$worker"
  else
    fail "timeline kill -9: no worker process found"
  fi
  rc=0
  wait "$tool" || rc=$?
  check "timeline kill -9: reported as worker crashed: SIGKILL naming the image, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'ART_SANDBOX_TEST_spin: worker crashed: SIGKILL' '$T/tlk9.err'"
  check "timeline kill -9: the next image is read by a new worker" \
    grep -q '|/x.txt|' "$T/tlk9.body"
else
  echo "skip - $TT not built or no FAT test image: no timeline hook tests"
fi

# ---- art-timeline: Windows artifact files parsed in the worker -------------
# The EVTX the windows fuzz target found (libfwevt read past a chunk and
# art-timeline died with SIGSEGV) next to a good event log: the crafted
# file is reported with the reason, exit 3, and every event of the good one
# is there, in order, in both modes.
mkdir -p "$T/wa"
reg=$ART_SOURCE_DIR/tests/fuzz/regressions/windows/windows-crash-36fee94e4c9eccaead096ad65c5c100ff523bb49
tail -c +2 "$reg" >"$T/wa/crafted.evtx"
tail -c +2 "$ART_SOURCE_DIR/tests/fuzz/corpus/windows/evtx" >"$T/wa/good.evtx"
# the seed is the first chunk of a 96-chunk log: its header made to count
# that one chunk (and last chunk 0), or it is a truncated log (evtxinfo:
# "Is corrupted"; ours: damaged, exit 3)
python3 - "$T/wa/good.evtx" <<'PYEOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", b, 16, 0)
struct.pack_into("<H", b, 42, 1)
struct.pack_into("<I", b, 124, zlib.crc32(bytes(b[:120])))
open(sys.argv[1], "wb").write(b)
PYEOF
"$TL" -q "$T/wa/good.evtx" >"$T/wa/good.body"
if command -v evtxexport >/dev/null; then
  check "timeline artifact: the good log has evtxexport's $(evtxexport "$T/wa/good.evtx" 2>/dev/null | grep -c '^Event number') records" \
    test "$(wc -l <"$T/wa/good.body")" -eq "$(evtxexport "$T/wa/good.evtx" 2>/dev/null | grep -c '^Event number')"
fi
for mode in sandbox no-sandbox; do
  flag=()
  [ $mode = no-sandbox ] && flag=(--no-sandbox)
  rc=0
  "$TL" -q "${flag[@]}" "$T/wa/crafted.evtx" "$T/wa/good.evtx" >"$T/wa/mix.body" 2>"$T/wa/mix.err" || rc=$?
  check "timeline artifact ($mode): crafted .evtx reported with the reason, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'crafted.evtx: damaged EVTX file: .*record 14: more template values than the record holds' '$T/wa/mix.err'"
  check "timeline artifact ($mode): every event of the good log, in order" \
    bash -c "grep -F '|$T/wa/good.evtx [' '$T/wa/mix.body' | cmp -s - '$T/wa/good.body'"
done
if [ -x "$TT" ]; then
  # a parser crash on an artifact file (test hook: SIGSEGV in the worker)
  cp "$T/wa/good.evtx" "$T/wa/ART_SANDBOX_TEST_segv"
  sha=$(sha256sum <"$T/wa/ART_SANDBOX_TEST_segv" | cut -d' ' -f1)
  rc=0
  "$TT" -q "$T/wa/ART_SANDBOX_TEST_segv" "$T/wa/good.evtx" >"$T/wa/segv.body" 2>"$T/wa/segv.err" || rc=$?
  check "timeline artifact crash: worker crashed: $segv naming the file and its sha256, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -qE '^art-timeline: $T/wa/ART_SANDBOX_TEST_segv: worker crashed: $segv \(sha256 $sha\)\$' '$T/wa/segv.err'"
  check "timeline artifact crash: the next artifact is read in full, in order" \
    bash -c "grep -F '|$T/wa/good.evtx [' '$T/wa/segv.body' | cmp -s - '$T/wa/good.body'"
  # the same inside an NTFS image (found by path): the artifact fails
  # alone, a new worker goes on after it with the rest of the image
  dd if=/dev/zero of="$T/wa/n.img" bs=1M count=16 status=none
  mkdir -p "$T/wa/mnt"
  if mkntfs -q -F -Q "$T/wa/n.img" >/dev/null 2>&1 &&
    ntfs-3g "$T/wa/n.img" "$T/wa/mnt" 2>/dev/null; then
    mkdir -p "$T/wa/mnt/Windows/System32/winevt/Logs"
    cp "$T/wa/good.evtx" "$T/wa/mnt/Windows/System32/winevt/Logs/ART_SANDBOX_TEST_segv.evtx"
    cp "$T/wa/good.evtx" "$T/wa/mnt/Windows/System32/winevt/Logs/System.evtx"
    echo z >"$T/wa/mnt/z.txt"
    umount "$T/wa/mnt"
    rc=0
    "$TT" -q "$T/wa/n.img" >"$T/wa/img.body" 2>"$T/wa/img.err" || rc=$?
    "$TT" -q --no-sandbox "$T/wa/n.img" >"$T/wa/img.ref" 2>/dev/null
    check "timeline image artifact crash: names the image, the artifact, $segv and its sha256, exit 3" \
      bash -c "[ $rc -eq 3 ] && grep -qE '^art-timeline: $T/wa/n.img: /Windows/System32/winevt/Logs/ART_SANDBOX_TEST_segv.evtx: worker crashed: $segv \(sha256 $sha\)\$' '$T/wa/img.err'"
    check "timeline image artifact crash: everything else, in order (the in-process body without that artifact's events)" \
      bash -c "grep -vF '/ART_SANDBOX_TEST_segv.evtx [' '$T/wa/img.ref' | cmp -s - '$T/wa/img.body'"
    check "timeline image artifact crash: the next artifact's $(wc -l <"$T/wa/good.body") events are there" \
      test "$(grep -cF '/Logs/System.evtx [' "$T/wa/img.body")" -eq "$(wc -l <"$T/wa/good.body")"
  else
    echo "skip - cannot make or mount an NTFS image (mkntfs, ntfs-3g/FUSE): no image artifact crash test"
  fi
else
  echo "skip - $TT not built: no artifact crash tests"
fi

finish
