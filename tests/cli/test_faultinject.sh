# Fault injection for every tool: evidence that fails to read (an LD_PRELOAD
# shim makes reads of one file fail with EIO from an offset), disks that
# fill (a tiny tmpfs), inputs replaced by a link or removed between the
# listing of their folder and their reading. A file with a read error never
# gets a hash, a clean record or a "no match"; the message names the file
# and the offset; a full disk leaves no partial file under the final name.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq sha256sum python3 mkfs.vfat mcopy
FI=$ART_BINARY_DIR/tests/libfaultinject.so
[ -f "$FI" ] || { echo "no $FI" >&2; exit 1; }
B=$ART_BIN
export XDG_CACHE_HOME=$T/cache
# A sanitizer build: its runtime is loaded first anyway.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
cd "$T"

# with_eio FILE OFFSET COMMAND...: run with reads of FILE failing from OFFSET
with_eio() {
  local f=$1 off=$2
  shift 2
  LD_PRELOAD=$FI ART_FI_PATH=$f ART_FI_OFFSET=$off "$@"
}
# run_rc OUT ERR COMMAND...: stdout to OUT, stderr to ERR, prints the exit code
run_rc() {
  local out=$1 err=$2 rc=0
  shift 2
  "$@" >"$out" 2>"$err" || rc=$?
  echo "$rc"
}

head -c 300000 /dev/urandom >bad.bin
printf 'rule any_file { condition: filesize > 0 }\n' >r.yar
head -c 60000 /dev/urandom >bad-small.bin # below art-yara's mapping size
sum=$(sha256sum <bad.bin | cut -d' ' -f1)

# ---- read errors ------------------------------------------------------------
rc=$(run_rc o e with_eio bad.bin 150000 "$B/art-hash" -c sha256 bad.bin /etc/hostname)
check "art-hash: EIO at 150000: exit 3" test "$rc" -eq 3
check "art-hash: no hash for the file" bash -c "! grep -v '^[#%]' o | grep -q 'bad.bin'"
check "art-hash: the other input is hashed" grep -q "/etc/hostname" o
check "art-hash: the message names the file and the offset" \
  grep -q "bad.bin: read at offset 150000: Input/output error" e

# ddrescue-style: the read goes on past each damaged range; every range is
# reported once, in bytes and sectors; no hash; bytes_read counts the rest.
head -c 3000000 /dev/urandom >bad3.bin
rc=0
LD_PRELOAD=$FI ART_FI_PATH=bad3.bin ART_FI_RANGES=150000:1000,2000000:70000,2999000:1000 \
  "$B/art-hash" -f jsonl bad3.bin /etc/hostname >o 2>e || rc=$?
check "art-hash: three bad ranges: exit 3" test "$rc" -eq 3
check "art-hash: no hash for a file read with holes" \
  test "$(jq -c 'select(.path == "bad3.bin") | .hashes' o)" = null
check "art-hash: the other input is hashed" \
  test "$(jq -r 'select(.path == "/etc/hostname") | .hashes.sha256' o)" = "$(sha256sum </etc/hostname | cut -d' ' -f1)"
# bad bytes rounded out to 512-byte sectors where a sector could not be read
# whole; the bytes before a range in its first sector come by a short read
check "art-hash: every bad range in the record (bytes, sectors)" \
  test "$(jq -c 'select(.path == "bad3.bin") | .unreadable' o)" = \
  '[{"offset":150000,"length":1040,"first_sector":292,"last_sector":294},{"offset":2000000,"length":70016,"first_sector":3906,"last_sector":4042},{"offset":2999000,"length":1000,"first_sector":5857,"last_sector":5859}]'
check "art-hash: bytes_read = the size less the bad bytes" \
  test "$(jq -r 'select(.path == "bad3.bin") | .bytes_read' o)" -eq $((3000000 - 1040 - 70016 - 1000))
check "art-hash: each bad range reported once on stderr" \
  test "$(grep -c 'bad3.bin: unreadable: bytes' e)" -eq 3
check "art-hash: the range message gives bytes and sectors" \
  grep -q "bad3.bin: unreadable: bytes 2000000-2070015 (70016 bytes), sectors 3906-4042" e
check "art-hash: the summary says 3 ranges and the first error" \
  grep -q "bad3.bin: 3 unreadable ranges, 72056 bytes could not be read (2927944 of 3000000 read); first error: bad3.bin: read at offset 150000" e
# A whole bad tail, and a bad start: both found, nothing after them lost.
rc=0
LD_PRELOAD=$FI ART_FI_PATH=bad3.bin ART_FI_RANGES=0:4096,2500000:500000 \
  "$B/art-hash" -f jsonl bad3.bin >o 2>e || rc=$?
check "art-hash: bad start and bad tail: both ranges, exit 3" \
  bash -c "[ $rc -eq 3 ] && [ \"\$(jq -c '[.unreadable[] | [.offset, .length]]' o)\" = '[[0,4096],[2500000,500000]]' ]"

# An E01 with two corrupted chunks: the ranges are ewfverify's.
if command -v ewfacquire >/dev/null && command -v ewfverify >/dev/null; then
  mkdir -p ewfbad
  head -c 2000000 /dev/urandom >ewfbad/raw.dd
  (cd ewfbad && ewfacquire -u -q -t ev -c none -f encase6 raw.dd >/dev/null 2>&1)
  python3 - ewfbad <<'PYEOF'
import sys
d = bytearray(open(sys.argv[1] + "/ev.E01", "rb").read())
raw = open(sys.argv[1] + "/raw.dd", "rb").read()
for x in (300000, 1500000):  # inside two 32 KiB chunks (uncompressed)
    i = d.find(raw[x:x + 64])
    assert i > 0
    d[i + 10] ^= 0xFF
open(sys.argv[1] + "/ev.E01", "wb").write(d)
PYEOF
  ewfverify -q ewfbad/ev.E01 >ewfbad/verify.txt 2>&1 || true
  sed -n 's/.*at sector(s): \([0-9]*\) - \([0-9]*\) .*/\1-\2/p' ewfbad/verify.txt >ewfbad/want
  rc=0
  "$B/art-hash" -f jsonl ewfbad/ev.E01 >o 2>e || rc=$?
  jq -r '.unreadable[] | "\(.first_sector)-\(.last_sector)"' o >ewfbad/got
  check "E01 with corrupted chunks: exit 3, no hash" \
    bash -c "[ $rc -eq 3 ] && [ \"\$(jq -c .hashes o)\" = null ]"
  check "E01 with corrupted chunks: the bad sector ranges = ewfverify's ($(tr '\n' ' ' <ewfbad/want))" \
    bash -c "[ -s ewfbad/want ] && cmp -s ewfbad/want ewfbad/got"
  check "E01 with corrupted chunks: every other chunk read" \
    test "$(jq -r .bytes_read o)" -eq $(($(jq -r .size o) - 2 * 32768))
else
  echo "skip - ewfacquire/ewfverify absent: no corrupted-E01 case"
fi

for mode in "" --no-sandbox; do
  rc=$(run_rc o e with_eio bad.bin 150000 "$B/art-surface" $mode --no-yara bad.bin)
  check "art-surface $mode: EIO: exit 3" test "$rc" -eq 3
  check "art-surface $mode: no md5/sha1/sha256 in the record" \
    test "$(jq -c '[.hashes.md5, .hashes.sha1, .hashes.sha256]' o)" = '[null,null,null]'
  check "art-surface $mode: the record's errors name the offset" \
    bash -c "jq -r '.errors[]' o | grep -q 'bad.bin: read at offset 150000: Input/output error'"
  check "art-surface $mode: the record says how much was read" \
    test "$(jq .size o)" = 150000
done

rc=$(run_rc o e with_eio bad.bin 150000 "$B/art-strings" bad.bin)
check "art-strings: EIO: exit 3, the message names the offset" \
  bash -c "[ $rc -eq 3 ] && grep -q 'bad.bin: read at offset 150000' e"

for flag in "" -n -c; do
  rc=$(run_rc o e with_eio bad-small.bin 30000 "$B/art-yara" $flag r.yar bad-small.bin)
  check "art-yara $flag: EIO: exit 3, no match/no-match/count line for the file" \
    bash -c "[ $rc -eq 3 ] && ! grep -q bad-small.bin o && grep -q 'read at offset 30000' e"
done

# art-catalog add hashes the item: a read error must not register a hash.
export ART_CATALOG=$T/ev.db ART_ACTOR=Tester
"$B/art-catalog" init >/dev/null 2>&1
"$B/art-catalog" case add C1 >/dev/null 2>&1
rc=$(run_rc o e with_eio bad.bin 150000 "$B/art-catalog" add --case C1 --item I1 bad.bin)
check "art-catalog add: EIO: fails, naming the file" \
  bash -c "[ $rc -ne 0 ] && grep -q 'bad.bin' e"
check "art-catalog add: no sha256 of the unreadable file recorded" \
  bash -c "! \"$B/art-catalog\" show I1 2>/dev/null | grep -q '$sum'"

# art-timeline on a FAT image whose second half cannot be read.
mkfs.vfat -C fat.img 2048 >/dev/null
for i in $(seq 1 40); do echo "file $i" >"f$i.txt"; mcopy -i fat.img "f$i.txt" ::/ ; done
size=$(stat -c %s fat.img)
rc=$(run_rc o e with_eio fat.img 4096 "$B/art-timeline" fat.img)
check "art-timeline: image with a read error at 4096: exit 3" test "$rc" -eq 3
check "art-timeline: the message names the image" grep -q "fat.img" e

# ---- files cut while read (in process: in a sandboxed worker the shim's own
# truncate() is refused by the seccomp filter) ---------------------------------
shrink() { # shrink COMMAND...: tr.bin (300,000 bytes) is cut to 150,000 while read
  head -c 300000 /dev/urandom >tr.bin
  LD_PRELOAD=$FI ART_FI_PATH=tr.bin ART_FI_OFFSET=150000 ART_FI_TRUNCATE=1 "$@"
}
rc=$(run_rc o e shrink "$B/art-surface" --no-yara --no-sandbox tr.bin)
check "art-surface: a file cut while read: exit 3, no hash, the record says so" \
  bash -c "[ $rc -eq 3 ] && [ \"\$(jq -c '[.hashes.md5, .hashes.sha256, .hashes.ssdeep]' o)\" = '[null,null,null]' ] && jq -r '.errors[]' o | grep -q 'tr.bin: changed while being read'"
rc=$(run_rc o e shrink "$B/art-hash" tr.bin)
check "art-hash: a file cut while read: exit 3, reported" \
  bash -c "[ $rc -eq 3 ] && grep -q 'tr.bin: changed while being read' e"

# ---- disks that fill ---------------------------------------------------------
mkdir -p full
if mount -t tmpfs -o size=8k tmpfs full 2>/dev/null; then
  trap 'umount "$T/full" 2>/dev/null || true; cleanup' EXIT
  # (sed, not head: head would close the pipe early and pipefail would end the run)
  find /usr/bin -maxdepth 1 -type f | sed -n 1,200p >list
  rc=$(run_rc o e "$B/art-hash" -o full/hashes.txt -T list)
  check "art-hash -o on a full disk: exit 4, the file named" \
    bash -c "[ $rc -eq 4 ] && grep -q 'full/hashes.txt: write error: No space left on device' e"
  check "art-hash -o: nothing under the final name, no temporary file" \
    test -z "$(ls -A full)"
  rc=$(run_rc o e "$B/art-surface" --no-yara -o full/s.jsonl -T list)
  check "art-surface -o on a full disk: exit 4, the file named, nothing left" \
    bash -c "[ $rc -eq 4 ] && grep -q 'full/s.jsonl: write error' e && [ -z \"\$(ls -A full)\" ]"
  python3 -c "
import zipfile, os
with zipfile.ZipFile('x.zip', 'w') as z:
    z.writestr('small.txt', 'hi\n')
    z.writestr('d/big.bin', os.urandom(100000))
    z.writestr('after.txt', 'after\n')"
  for mode in "" --no-sandbox; do
    rc=$(run_rc o e "$B/art-surface" $mode --no-yara --extract full x.zip)
    check "art-surface $mode --extract on a full disk: exit 3" test "$rc" -eq 3
    check "art-surface $mode --extract: the member's record names it and the reason" \
      bash -c "jq -r 'select(.name == \"big.bin\") | .errors[]' o | grep -q 'extract d/big.bin: No space left on device'"
    check "art-surface $mode --extract: no partial member, no temporary file" \
      bash -c "[ ! -e full/d/big.bin ] && ! ls -A full full/d | grep -q '^\.art-extract'"
    check "art-surface $mode --extract: the members that fit are there" \
      bash -c "[ \"\$(cat full/small.txt)\" = hi ] && [ \"\$(cat full/after.txt)\" = after ]"
    rm -rf full/* full/.[!.]* 2>/dev/null || true
  done
  python3 -c "
import random
random.seed(1)
with open('big.body', 'w') as f:
    for i in range(60000):
        t = [random.randint(0, 2**31) for _ in range(4)]
        f.write('0|/d/f%06d|%d|r/rrw-r--r--|0|0|%d|%d|%d|%d|%d\n' % (i, i, i, *t))"
  rc=$(run_rc o e "$B/art-timeline" -f mactime -b big.body -O full/tl.txt)
  check "art-timeline -O on a full disk: exit 4, nothing left" \
    bash -c "[ $rc -eq 4 ] && grep -q 'full/tl.txt' e && [ -z \"\$(ls -A full)\" ]"
  rc=$(run_rc o e "$B/art-timeline" -f mactime -m 1M -T full -b big.body -O tl.txt)
  check "art-timeline: sort run files on a full disk: exit 4, the folder named" \
    bash -c "[ $rc -eq 4 ] && grep -q 'full: writing sorted run: No space left on device' e"
  check "art-timeline: no partial timeline, no run file left" \
    bash -c "[ ! -e tl.txt ] && [ -z \"\$(ls -A full)\" ]"
  "$B/art-catalog" add --case C1 --item I2 /etc/hostname >/dev/null 2>&1 || true
  for i in $(seq 3 60); do
    "$B/art-catalog" add --case C1 --item "I$i" --set description="item number $i with a description" /etc/hostname >/dev/null 2>&1 || true
  done
  rc=$(run_rc o e "$B/art-catalog" export -f json -o full/cat.json)
  check "art-catalog export -o on a full disk: fails, the file named, nothing left" \
    bash -c "[ $rc -ne 0 ] && grep -q 'full/cat.json' e && [ -z \"\$(ls -A full)\" ]"
  umount full
  trap cleanup EXIT
else
  echo "skip - cannot mount a tmpfs here (not root?): no disk-full cases"
fi

# ---- inputs replaced or removed while a run goes on ------------------------
mkdir -p tree outside
echo a >tree/a.txt
echo SECRET-OUTSIDE >outside/secret.txt
swap() { # swap TARGET COMMAND...: tree/b.txt becomes a link to TARGET when opened
  local to=$1
  shift
  echo b >tree/b.txt
  LD_PRELOAD=$FI ART_FI_SWAP=tree/b.txt ART_FI_SWAP_TO=$to "$@"
}
for cmd in "art-hash -r" "art-strings -r" "art-yara -r r.yar" \
  "art-surface --no-yara -r" "art-surface --no-yara --no-sandbox -r"; do
  rc=$(run_rc o e swap "$T/outside/secret.txt" $B/$cmd tree)
  check "$cmd: a file replaced by a link outside the tree: not followed, reported, exit 3" \
    bash -c "[ $rc -eq 3 ] && ! grep -q 'SECRET-OUTSIDE\|$(sha256sum <outside/secret.txt | cut -c1-32)' o && grep -q 'tree/b.txt: replaced between the listing' e"
  rm -f tree/b.txt
  rc=$(run_rc o e swap "" $B/$cmd tree)
  check "$cmd: a file removed before it is read: reported, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'tree/b.txt: No such file or directory' e"
  rm -f tree/b.txt
done

finish
