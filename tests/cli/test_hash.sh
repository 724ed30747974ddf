#!/usr/bin/env bash
# CLI and differential tests of art-hash against coreutils, hashdeep,
# ewfacquire/ewfverify and dd.
# SPDX-License-Identifier: Apache-2.0
source "$(dirname "$0")/lib.sh"
need md5sum sha1sum sha256sum sha512sum hashdeep ewfacquire ewfverify dd mkfifo
H=$ART_BIN/art-hash

# --- an awkward tree ---------------------------------------------------------
tree=$T/tree
mkdir -p "$tree/dir with spaces" "$tree/sub/deeper" "$tree/loop"
printf 'hello\n' > "$tree/plain.txt"
printf 'x' > "$tree/dir with spaces/a file.txt"
printf 'nl' > "$tree/new
line.txt"
printf 'bs' > "$tree/back\\slash.txt"
printf 'cr' > "$tree/cr$(printf '\r')name"
printf 'inv' > "$tree/$(printf 'inv\xff\xfeutf8')"
printf 'comma' > "$tree/comma,name.txt"
: > "$tree/empty"
head -c 200000 /dev/urandom > "$tree/sub/deeper/random.bin"
# 64 MiB: past ART_READER_LANE_MIN (16 MiB, where the reader spreads the
# algorithms over lane threads) and 64 trips round its ring of 1 MiB blocks,
# the same paths a 1 GiB file takes, at a sixteenth of the cost (the tree is
# hashed some 20 times below, by us and by every reference tool).
truncate -s 64M "$tree/sparse.img"
printf 'linked' > "$tree/hard1"; ln "$tree/hard1" "$tree/hard2"
ln -s ../loop "$tree/loop/self"
ln -s plain.txt "$tree/link-to-plain"
mkfifo "$tree/fifo"
printf 'secret' > "$tree/unreadable"; chmod 000 "$tree/unreadable"
as_root=0; [ "$(id -u)" -eq 0 ] && as_root=1

# hashable = regular files we can read
mapfile -d '' files < <(cd "$tree" && find . -type f -print0 | sort -z)

for alg in md5 sha1 sha256 sha512; do
  out=$T/ours.$alg
  rc=0
  (cd "$tree" && timeout 300 "$H" -r -f sum -c $alg .) > "$out" 2> "$T/err.$alg" || rc=$?
  # every readable file agrees with the coreutils tool, line for line
  ref=$T/ref.$alg
  (cd "$tree" && for f in "${files[@]}"; do
     [ -r "$f" ] && [ $as_root -eq 1 -o -r "$f" ] && ${alg}sum -- "$f" 2>/dev/null || true
   done) | sort > "$ref"
  if [ $as_root -eq 1 ]; then
    check "$alg: sum lines equal ${alg}sum on every file" diff <(sort "$out") "$ref"
  else
    check "$alg: sum lines equal ${alg}sum on every readable file" diff <(sort "$out") "$ref"
  fi
  check "$alg: ${alg}sum -c accepts our list" bash -c "cd '$tree' && ${alg}sum --quiet -c '$out'"
  if [ $as_root -eq 0 ]; then
    [ "$rc" -eq 3 ] && ok "$alg: unreadable file gives exit 3" || fail "$alg: exit $rc, wanted 3"
    check "$alg: unreadable file named on stderr" grep -q "art-hash: ./unreadable: Permission denied" "$T/err.$alg"
  else
    [ "$rc" -eq 0 ] && ok "$alg: exit 0 as root" || fail "$alg: exit $rc"
  fi
done
check "the FIFO inside the tree was not opened (no hang) and is not listed" \
  bash -c "! grep -q 'fifo' '$T/ours.sha256'"
check "the symlink loop is not followed by default" bash -c "! grep -q 'loop/self' '$T/ours.sha256'"
check "the sparse 64 MiB file is hashed" grep -q "$(head -c 67108864 /dev/zero | sha256sum | cut -d' ' -f1)  ./sparse.img" "$T/ours.sha256"

# As root nothing is unreadable: repeat the check as an unprivileged user.
if [ $as_root -eq 1 ]; then
  need setpriv
  u=$T/unpriv; mkdir -p "$u"; printf 'ok' > "$u/readable"; printf 'no' > "$u/secret"
  chmod 755 "$T" "$u"; chmod 644 "$u/readable"; chmod 000 "$u/secret"
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$H" -r -f sum -c md5 "$u" \
    > "$T/unpriv.out" 2> "$T/unpriv.err" || rc=$?
  [ $rc -eq 3 ] && ok "unreadable file (as nobody): exit 3" || fail "unreadable file (as nobody): exit $rc"
  check "unreadable file (as nobody): named on stderr" \
    grep -qx "art-hash: $u/secret: Permission denied" "$T/unpriv.err"
  check "unreadable file (as nobody): never listed as hashed" bash -c "! grep -q secret '$T/unpriv.out'"
  check "unreadable file (as nobody): the others still hashed" grep -q "$u/readable" "$T/unpriv.out"
fi

# -L follows links and reports the loop instead of recursing forever
rc=0; (cd "$tree" && timeout 300 "$H" -r -L -f sum -c md5 .) > "$T/follow" 2> "$T/follow.err" || rc=$?
check "-L: the loop is reported" grep -q "loop/self: .*loop" "$T/follow.err"
check "-L: the link to plain.txt is hashed" grep -q "link-to-plain" "$T/follow"

# --- hashdeep reads our hashdeep list ----------------------------------------
# hashdeep itself cannot round-trip names with newlines (its format has no
# escaping), so its audit runs on a copy of the tree without that name.
clean=$T/clean
cp -a "$tree" "$clean"; rm -rf "$clean/new"$'\n'"line.txt" "$clean/fifo" "$clean/unreadable" "$clean/loop" "$clean/link-to-plain"
(cd "$clean" && "$H" -r -c md5,sha256 .) > "$T/ours.hashdeep"
check "hashdeep -a -k accepts our hashdeep list" \
  bash -c "cd '$clean' && hashdeep -l -r -a -k '$T/ours.hashdeep' . | grep -q 'hashdeep: Audit passed'"
(cd "$clean" && hashdeep -l -r -c md5,sha256 .) > "$T/theirs.hashdeep"
check "our records equal hashdeep's own" diff <(grep -v '^[#%]' "$T/ours.hashdeep" | sort) \
  <(grep -v '^[#%]' "$T/theirs.hashdeep" | sort)

# --- standard input, lists, FIFOs named on the command line -------------------
check "stdin is hashed like sha256sum" \
  bash -c "[ \"\$(printf abc | '$H' -f sum -c sha256 | cut -d' ' -f1)\" = \"\$(printf abc | sha256sum | cut -d' ' -f1)\" ]"
(cd "$tree" && find . -type f -name '*.txt' -print0 | "$H" -0 -f sum -c md5 -) > "$T/list0"
check "NUL-separated list from stdin" bash -c "[ \$(grep -c . '$T/list0') -ge 4 ]"
check "a named FIFO (process substitution) is read" \
  bash -c "'$H' -f sum -c md5 <(printf abc) | grep -q '^900150983cd24fb0d6963f7d28e17f72 '"
expect_rc 3 "a missing file" "$H" -c md5 "$T/nope"
"$H" -c md5 "$T/nope" 2> "$T/missing.err" >/dev/null || true
check "missing file message" grep -qx "art-hash: $T/nope: No such file or directory" "$T/missing.err"
expect_rc 3 "a directory without -r" "$H" "$tree"
expect_rc 2 "an unknown algorithm" "$H" -c md5,whirlpool "$tree/plain.txt"
expect_rc 2 "sum with two algorithms" "$H" -f sum -c md5,sha1 "$tree/plain.txt"

# --- other formats --------------------------------------------------------------
"$H" -f jsonl -c sha256 "$tree/plain.txt" "$tree/inv"$'\xff\xfe'"utf8" > "$T/j"
check "jsonl: sha256 of plain.txt" grep -q "\"sha256\":\"$(sha256sum < "$tree/plain.txt" | cut -d' ' -f1)\"" "$T/j"
check "jsonl: raw bytes of a non-UTF-8 name" grep -q '"path_hex":' "$T/j"
check "jsonl: every line parses" python3 -c "import json,sys; [json.loads(l) for l in open('$T/j')]"
"$H" -f csv -c md5 "$tree/comma,name.txt" > "$T/c"
check "csv: quoted name with a comma" grep -q '^"[^"]*comma,name.txt",5,' "$T/c"
printf 'x' > "$T/=cmd"
"$H" -f csv -c md5 "$T/=cmd" > /dev/null
(cd "$T" && "$H" -f csv -c md5 "=cmd") > "$T/c2"
check "csv: formula neutralised" grep -q "^\"'=cmd\"," "$T/c2"
"$H" -f dfxml -c md5,sha1 "$tree/plain.txt" > "$T/d.xml"
check "dfxml: well-formed XML" python3 -c "import xml.dom.minidom as m; m.parse('$T/d.xml')"
check "dfxml: MD5 digest" grep -q "<hashdigest type='MD5'>$(md5sum < "$tree/plain.txt" | cut -d' ' -f1)</hashdigest>" "$T/d.xml"

# --- piecewise equals dd + sha256sum ---------------------------------------------
head -c 300000 /dev/urandom > "$T/pw.bin"
"$H" -f sum -c sha256 -p 64k "$T/pw.bin" > "$T/pw"
check "piecewise: 5 pieces" bash -c "[ \$(wc -l < '$T/pw') -eq 5 ]"
for i in 0 1 2 3 4; do
  want=$(dd if="$T/pw.bin" bs=65536 skip=$i count=1 status=none | sha256sum | cut -d' ' -f1)
  start=$((i * 65536)); end=$(( (i + 1) * 65536 - 1 )); [ $end -ge 300000 ] && end=299999
  check "piece $i equals dd+sha256sum" grep -qx "$want  $T/pw.bin offset $start-$end" "$T/pw"
done

# --- audit ---------------------------------------------------------------------
a=$T/audit; mkdir -p "$a"
printf 'same' > "$a/same"; printf 'old' > "$a/changed"; printf 'moving' > "$a/old-name"; printf 'gone' > "$a/gone"
(cd "$a" && "$H" -r -f jsonl .) > "$T/known.jsonl"
(cd "$a" && "$H" -r .) > "$T/known.hashdeep"
(cd "$a" && "$H" -r -f sum -c sha256 .) > "$T/known.sum"
printf 'new' > "$a/changed"; mv "$a/old-name" "$a/new-name"; rm "$a/gone"; printf 'fresh' > "$a/fresh"
for k in jsonl hashdeep sum; do
  rc=0; (cd "$a" && "$H" -r --audit "$T/known.$k" .) > "$T/audit.$k" || rc=$?
  [ $rc -eq 1 ] && ok "audit ($k): exit 1 when anything differs" || fail "audit ($k): exit $rc"
  check "audit ($k): matched" grep -qx 'matched  ./same' "$T/audit.$k"
  check "audit ($k): changed" grep -qx 'changed  ./changed' "$T/audit.$k"
  check "audit ($k): moved" grep -qx 'moved    ./new-name (moved from ./old-name)' "$T/audit.$k"
  check "audit ($k): new" grep -qx 'new      ./fresh' "$T/audit.$k"
  check "audit ($k): missing" grep -qx 'missing  ./gone' "$T/audit.$k"
  check "audit ($k): summary" grep -qx 'audit failed: 1 matched, 1 changed, 1 new, 1 moved, 1 missing, 0 unreadable' "$T/audit.$k"
done
(cd "$a" && "$H" -r .) > "$T/now.hashdeep"
expect_rc 0 "audit passes against a fresh list" bash -c "cd '$a' && '$H' -r --audit '$T/now.hashdeep' . >/dev/null"
(cd "$a" && "$H" -r -f sum -c md5 --match "$T/known.hashdeep" .) > "$T/m"
check "--match prints only known content" bash -c "grep -q ' ./same$' '$T/m' && grep -q ' ./new-name$' '$T/m' && ! grep -q fresh '$T/m'"
(cd "$a" && "$H" -r -f sum -c md5 --not-match "$T/known.hashdeep" .) > "$T/x"
check "--not-match prints only unknown content" bash -c "grep -q ' ./fresh$' '$T/x' && ! grep -q ' ./same$' '$T/x'"

# --- hash sets (--hashset, --skip-known) ---------------------------------------
hs=$T/hs; mkdir -p "$hs/tree"
printf 'known content' > "$hs/tree/known.txt"; printf 'bad content' > "$hs/tree/bad.bin"
printf 'other' > "$hs/tree/other.txt"
sha256sum "$hs/tree/known.txt" > "$hs/known.sum"; md5sum "$hs/tree/bad.bin" > "$hs/bad.sum"
"$ART_BIN/art-hashset" build -n os-files -k known -o "$hs/known.hset" "$hs/known.sum" > /dev/null
"$ART_BIN/art-hashset" build -n malware -k notable -o "$hs/bad.hset" "$hs/bad.sum" > /dev/null
rc=0; "$H" -r -f jsonl --hashset "$hs/known.hset" --hashset "$hs/bad.hset" "$hs/tree" > "$hs/out" || rc=$?
check "hashset: known hit by sha256" grep -q '"path":"[^"]*known.txt".*"hashset":{"kind":"known","set":"os-files"}' "$hs/out"
check "hashset: notable hit by md5" grep -q '"path":"[^"]*bad.bin".*"hashset":{"kind":"notable","set":"malware"}' "$hs/out"
check "hashset: no hit on other content" bash -c "! grep 'other.txt' '$hs/out' | grep -q hashset"
[ $rc -eq 1 ] && ok "hashset: a notable hit gives exit 1" || fail "hashset: exit $rc, wanted 1"
rc=0; "$H" -r -f sum -c sha256 --hashset "$hs/known.hset" --skip-known "$hs/tree" > "$hs/skip" 2> "$hs/skip.err" || rc=$?
check "--skip-known leaves the known file out" bash -c "! grep -q known.txt '$hs/skip' && [ \$(wc -l < '$hs/skip') -eq 2 ]"
check "--skip-known counts on stderr" grep -qx 'art-hash: 1 known file(s) skipped' "$hs/skip.err"
[ $rc -eq 0 ] && ok "--skip-known with known hits only: exit 0" || fail "--skip-known: exit $rc"
expect_rc 2 "--skip-known without --hashset" "$H" --skip-known "$hs/tree/other.txt"
expect_rc 4 "a damaged hash set is fatal" bash -c "head -c 100 '$hs/known.hset' > '$hs/cut.hset'; '$H' --hashset '$hs/cut.hset' '$hs/tree/other.txt' >/dev/null 2>&1"

# --- split raw and E01 images ---------------------------------------------------
img=$T/img; mkdir -p "$img"
head -c 4194304 /dev/urandom > "$img/raw.dd"
raw_md5=$(md5sum < "$img/raw.dd" | cut -d' ' -f1)
split -b 1500000 -d -a 3 --numeric-suffixes=1 "$img/raw.dd" "$img/disk."
check "split raw image hashes as the whole (--image)" bash -c "'$H' -f sum -c md5 --image '$img/disk.001' | grep -q '^$raw_md5 '"
(cd "$img" && ewfacquire -u -q -t ev -d sha1 -c none -S 1MiB -C CASE-7 -e examiner -D desc -E EV-1 -N notes -f encase6 raw.dd > /dev/null 2>&1)
ewf_md5=$(ewfverify -q "$img/ev.E01" | sed -n 's/^MD5 hash calculated over data:[[:space:]]*//p')
check "E01 media md5 equals the raw image's" bash -c "'$H' -f sum -c md5 '$img/ev.E01' | grep -q '^$raw_md5 '"
check "E01 media md5 equals ewfverify's" [ "$ewf_md5" = "$raw_md5" ]
"$H" -f jsonl "$img/ev.E01" > "$T/e01.json"
check "E01: stored hashes verified" grep -q '"verified":true' "$T/e01.json"
expect_rc 0 "E01 that verifies: exit 0" "$H" -c md5 "$img/ev.E01"
for s in E01 E02 E03 E04 E05; do [ -f "$img/ev.$s" ] && cp "$img/ev.$s" "$img/bad.$s"; done
printf '\xde\xad\xbe\xef' | dd of="$img/bad.E02" bs=1 seek=600000 conv=notrunc status=none
rc=0; "$H" -c md5 "$img/bad.E01" > /dev/null 2> "$T/bad.err" || rc=$?
[ $rc -ne 0 ] && ok "corrupt E01: non-zero exit ($rc)" || fail "corrupt E01 looked clean"
check "corrupt E01: reported on stderr" grep -q "bad.E01: .*\(checksum\|corrupt\)" "$T/bad.err"
check "ewfverify agrees the copy is corrupt" bash -c "! ewfverify -q '$img/bad.E01' >/dev/null 2>&1"
# a stored hash that does not match the media: exit 1
cp "$img/raw.dd" "$img/raw2.dd"
(cd "$img" && ewfacquire -u -q -t mm -c none -S 1MiB -f encase6 raw2.dd > /dev/null 2>&1)
python3 - "$img"/mm.E0* <<'PY'
import sys, zlib, struct
# Change the stored MD5 in the digest and hash sections of the image and
# fix their Adler-32 checksums, so libewf accepts a forged stored hash.
layout = {b'digest': 16 + 20 + 40, b'hash': 16 + 16}
done = 0
for p in sys.argv[1:]:
    data = bytearray(open(p, 'rb').read())
    for name, size in layout.items():
        i = data.find(name + b'\x00' * (16 - len(name)))
        if i < 0:
            continue
        start = i + 76
        data[start] ^= 0xff
        data[start + size:start + size + 4] = struct.pack('<I', zlib.adler32(bytes(data[start:start + size])))
        done += 1
    open(p, 'wb').write(bytes(data))
assert done, 'no digest/hash section found'
PY
rc=0; "$H" -c md5 "$img/mm.E01" > /dev/null 2> "$T/mm.err" || rc=$?
check "stored hash mismatch reported" grep -q "does not match" "$T/mm.err"
[ $rc -eq 1 ] && ok "stored hash mismatch: exit 1" || fail "stored hash mismatch: exit $rc"

# --- progress: on a terminal only --------------------------------------------
# The progress line is redrawn every second while a run lasts: an input that
# arrives over 2.5 s keeps the run going past several ticks on any machine
# (a 2 GiB file did the same in 4 to 40 s of hashing, depending on the CPU).
need script
script -qec "{ head -c 1048576 /dev/zero; sleep 2.5; } | '$H' -c md5,sha1 > /dev/null" /dev/null > "$T/tty.out" 2>&1 || true
check "progress line on a terminal (files, bytes, rate)" grep -aq 'art-hash: [0-9]* files, .*/s' "$T/tty.out"
{ head -c 1048576 /dev/zero; sleep 2.5; } | "$H" -c md5 > /dev/null 2> "$T/notty.err"
check "no progress line when stderr is not a terminal" bash -c "[ ! -s '$T/notty.err' ]"

# --- a block device (a loop device over a raw image) ---------------------------
need losetup
head -c 3145728 /dev/urandom > "$T/blk.img"
dev=$(losetup -f --show -r "$T/blk.img")
trap 'losetup -d "$dev" 2>/dev/null; cleanup' EXIT
check "block device hashed like the image behind it" bash -c \
  "[ \"\$('$H' -f sum -c sha256 '$dev' | cut -d' ' -f1)\" = \"\$(sha256sum < '$T/blk.img' | cut -d' ' -f1)\" ]"
"$H" -f jsonl -c md5 "$dev" > "$T/blk.json"
check "block device: kind and size" grep -q '"source":"device","size":3145728' "$T/blk.json"
losetup -d "$dev"; trap cleanup EXIT

# --- evidence is not touched ----------------------------------------------------
before=$(stat -c '%X %Y %Z' "$tree/plain.txt")
"$H" -c md5 "$tree/plain.txt" > /dev/null
check "atime/mtime/ctime unchanged by hashing" [ "$before" = "$(stat -c '%X %Y %Z' "$tree/plain.txt")" ]

# --- deterministic output whatever --jobs ----------------------------------------
(cd "$tree" && "$H" -r -q -j 1 -c md5 . 2>/dev/null) | grep -v '^#' > "$T/j1" || true
(cd "$tree" && "$H" -r -q -j 4 -c md5 . 2>/dev/null) | grep -v '^#' > "$T/j4" || true
check "same output with -j 1 and -j 4" cmp "$T/j1" "$T/j4"

finish
