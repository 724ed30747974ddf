#!/usr/bin/env bash
# art-timeline against fls -r -m, mactime -d -y, istat, debugfs, stat, bsdtar.
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
export TZ=UTC LC_ALL=C

BIN=${ART_BIN:?}/art-timeline
SAMPLES=/usr/share/forensics-samples
T=$(mktemp -d "${TMPDIR:-/tmp}/art-tl-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  fails=$((fails + 1))
}
check() { # check "description" command...
  local d=$1
  shift
  if "$@"; then pass "$d"; else fail "$d"; fi
}

# ---------------------------------------------------------------- images
# image name -> partition offsets (sectors) TSK 4.11 can read
declare -A PARTS=(
  [ntfs]="2048" [ext4]="2048" [ext2]="2048" [vfat]="2048" [exfat]="2048"
  [multiple]="227328 309248 391168")
for img in ntfs ext4 ext2 vfat exfat multiple; do
  xz -dc "$SAMPLES/fs.$img.xz" >"$T/fs.$img"
done

compare_image() { # compare_image LABEL IMAGEPATH NAME
  local label=$1 path=$2 name=$3 o
  for o in ${PARTS[$name]}; do
    fls -r -m / -o "$o" "$T/fs.$name" >"$T/ref.body"
    mactime -b "$T/ref.body" -d -y >"$T/ref.csv"
    "$BIN" -q -f body --tsk-compat -o "$o" "$path" >"$T/our.body"
    check "$label @$o: body --tsk-compat == fls -r -m / ($(wc -l <"$T/ref.body") lines)" \
      cmp -s "$T/ref.body" "$T/our.body"
    "$BIN" -q -f mactime -o "$o" "$path" >"$T/our.csv"
    check "$label @$o: -f mactime == mactime -d -y ($(wc -l <"$T/ref.csv") lines)" \
      cmp -s "$T/ref.csv" "$T/our.csv"
  done
}

for img in ntfs ext4 ext2 vfat exfat multiple; do
  compare_image "fs.$img" "$T/fs.$img" "$img"
  # the same through an E01 made now
  ewfacquire -q -u -t "$T/e01-$img" -c deflate:fast -f encase6 \
    "$T/fs.$img" >/dev/null 2>&1
  compare_image "fs.$img.E01" "$T/e01-$img.E01" "$img"
  if [ "$img" = ntfs ]; then
    want=$(sha256sum <"$T/fs.ntfs" | cut -c1-64)
    for src in "$T/fs.ntfs" "$T/e01-ntfs.E01"; do
      "$BIN" -q -f jsonl --hash-evidence -o 2048 "$src" >"$T/h.jsonl"
      got=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["evidence_sha256"])' "$T/h.jsonl")
      check "--hash-evidence on $(basename "$src") == sha256sum of the raw image" test "$got" = "$want"
    done
  fi
  rm -f "$T"/e01-"$img".E*
done

# split raw (NAME.001, NAME.002, ...)
mkdir "$T/split"
split -b 20000000 -d -a 3 --numeric-suffixes=1 "$T/fs.ext4" "$T/split/fs.ext4."
fls -r -m / -o 2048 "$T/fs.ext4" >"$T/ref.body"
"$BIN" -q --tsk-compat -o 2048 "$T/split/fs.ext4.001" >"$T/our.body"
check "fs.ext4 split in 3 raw segments: body --tsk-compat == fls" cmp -s "$T/ref.body" "$T/our.body"
rm -rf "$T/split"

# every partition at once: btrfs is reported, the others are read, exit 3
set +e
"$BIN" -q --tsk-compat "$T/fs.multiple" >"$T/all.body" 2>"$T/all.err"
rc=$?
set -e
check "fs.multiple: exit 3 when one partition fails" test "$rc" -eq 3
check "fs.multiple: btrfs partition named as unsupported" \
  grep -q "fs.multiple: partition at sector 2048 .*unsupported file system" "$T/all.err"
for o in 227328 309248 391168; do fls -r -m / -o "$o" "$T/fs.multiple"; done >"$T/ref.body"
check "fs.multiple: other partitions all present" cmp -s "$T/ref.body" "$T/all.body"

# a truncated image: clear message, exit 3, the next input still processed
head -c 1500000 "$T/fs.ntfs" >"$T/trunc.img"
set +e
"$BIN" -q -f body "$T/trunc.img" "$T/fs.ext2" >"$T/tr.body" 2>"$T/tr.err"
rc=$?
set -e
check "truncated image: exit 3" test "$rc" -eq 3
check "truncated image: message names the image" grep -q "trunc.img" "$T/tr.err"
check "truncated image: next input processed" grep -q "/audio1/debian.mp3" "$T/tr.body"
# FAT/exFAT local times: an explicit zone, never the process's TZ by accident
for img in vfat exfat; do
  fls -z America/Sao_Paulo -r -m / -o 2048 "$T/fs.$img" >"$T/sp.ref"
  "$BIN" -q --tsk-compat --fs-timezone America/Sao_Paulo -o 2048 "$T/fs.$img" >"$T/sp.ours"
  check "fs.$img: --fs-timezone America/Sao_Paulo == fls -z America/Sao_Paulo" \
    cmp -s "$T/sp.ref" "$T/sp.ours"
  fls -r -m / -o 2048 "$T/fs.$img" >"$T/utc.ref"
  TZ=America/Sao_Paulo "$BIN" -q --tsk-compat -o 2048 "$T/fs.$img" >"$T/tz.ours"
  check "fs.$img: process TZ ignored (default fs zone UTC)" cmp -s "$T/utc.ref" "$T/tz.ours"
  check "fs.$img: the zone matters here" sh -c "! cmp -s '$T/utc.ref' '$T/sp.ref'"
done
"$BIN" -q -f jsonl --fs-timezone America/Sao_Paulo -o 2048 "$T/fs.vfat" >"$T/sp.jsonl"
check "jsonl: FAT events record fs_timezone" grep -q '"fs_timezone":"America/Sao_Paulo"' "$T/sp.jsonl"
rm -f "$T/fs.multiple" "$T/fs.ext2" "$T/fs.exfat" "$T/trunc.img"

# ---------------------------------------------- extended body on an edge image
mkdir "$T/src"
printf x >"$T/src/a|b.txt"
printf y >"$T/src/new
line.txt"
printf z >"$T/src/$(printf 'bad\xff\xfeutf8.txt')"
printf w >"$T/src/back\\slash.txt"
printf c >"$T/src/$(printf 'cr\rname.txt')"
printf e >"$T/src/$(printf 'esc\033name.txt')"
printf old >"$T/src/old.txt"
printf nano >"$T/src/nano.txt"
printf future >"$T/src/future.txt"
printf gone >"$T/src/gone.txt"
mkfs.ext4 -q -I 256 -E root_owner=0:0 -d "$T/src" "$T/edge.img" 4M
ino() { debugfs -R "stat \"$1\"" "$T/edge.img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
I_OLD=$(ino /old.txt)
I_NANO=$(ino /nano.txt)
I_FUT=$(ino /future.txt)
I_GONE=$(ino /gone.txt)
dbg() { debugfs -w -R "$1" "$T/edge.img" >/dev/null 2>&1; }
dbg "sif <$I_OLD> mtime @-10"
dbg "sif <$I_NANO> mtime_extra 493827156" # (123456789 << 2)
dbg "sif <$I_FUT> mtime 20400101000000"
dbg "rm gone.txt"
"$BIN" -q -f body "$T/edge.img" >"$T/edge.body"
fls -r -m / "$T/edge.img" >"$T/edge.fls"

check "extended body: every line has 11 fields" \
  awk '{ n = 0; s = $0; gsub(/\\\\/, "", s); gsub(/\\\|/, "", s);
         if (split(s, f, "|") != 11) exit 1 }' "$T/edge.body"
check "extended body: '|' escaped" grep -qF '0|/a\|b.txt|' "$T/edge.body"
check "extended body: backslash escaped" grep -qF '/back\\slash.txt|' "$T/edge.body"
check "extended body: newline escaped" grep -qF '/new\x0aline.txt|' "$T/edge.body"
check "extended body: invalid UTF-8 escaped" grep -qF '/bad\xff\xfeutf8.txt|' "$T/edge.body"
# nanoseconds, as istat shows them
nano=$(istat "$T/edge.img" "$I_NANO" | sed -n 's/^File Modified:.*\.\([0-9]\{9\}\) .*/\1/p')
check "extended body: nanoseconds == istat ($nano)" \
  grep -qE "^0\|/nano.txt\|$I_NANO\|[^|]*\|0\|0\|4\|[0-9]+\|[0-9]+\.$nano\|" "$T/edge.body"
check "fls drops them" grep -qE "^0\|/nano.txt\|$I_NANO\|[^|]*\|0\|0\|4\|[0-9]+\|[0-9]+\|" "$T/edge.fls"
# pre-1970 and after 2038, as debugfs decodes them
check "debugfs: old.txt mtime is 1969-12-31 23:59:50" \
  sh -c "debugfs -R 'stat <$I_OLD>' '$T/edge.img' 2>/dev/null | grep -q 'mtime: .*Wed Dec 31 23:59:50 1969'"
check "extended body: pre-1970 time signed (-10)" \
  grep -qE "^0\|/old.txt\|$I_OLD\|[^|]*\|0\|0\|3\|[0-9]+\|-10\|" "$T/edge.body"
check "fls wraps it (4294967286)" grep -qE "\|4294967286\|" "$T/edge.fls"
check "extended body: 2040 kept (2208988800)" \
  grep -qE "^0\|/future.txt\|$I_FUT\|[^|]*\|0\|0\|6\|[0-9]+\|2208988800\|" "$T/edge.body"
# ext deletion time, as debugfs shows it
dtime=$(debugfs -R "stat <$I_GONE>" "$T/edge.img" 2>/dev/null | sed -n 's/^ *dtime: 0x\([0-9a-f]*\).*/\1/p')
dtime=$((16#$dtime))
check "extended body: ext deletion time ($dtime) kept" \
  grep -qF "0|/gone.txt (deleted) (\$DTIME)|$I_GONE|r/rrw-r--r--|0|0|4|0|0|$dtime|0" "$T/edge.body"
check "fls has no deletion time" test "$(grep -c gone.txt "$T/edge.fls")" -eq 1
# issue 9 item 13: control bytes (CR, LF, ESC) and '|' as documented
check "--tsk-compat body == fls on CR/LF/ESC/'|' names" \
  sh -c "'$BIN' -q --tsk-compat '$T/edge.img' | cmp -s - '$T/edge.fls'"
check "fls writes CR and ESC as '^'" grep -qF '/cr^name.txt|' "$T/edge.fls"
check "extended body: CR and ESC as \\xNN" \
  sh -c "grep -qF '/cr\\x0dname.txt|' '$T/edge.body' && grep -qF '/esc\\x1bname.txt|' '$T/edge.body'"
check "no raw CR or ESC in the extended body" sh -c "! grep -q \"\$(printf '[\\r\\033]')\" '$T/edge.body'"
"$BIN" -q -f mactime "$T/edge.img" >"$T/edge.mac"
"$BIN" -q -f mactime --tsk-compat "$T/edge.img" >"$T/edge.mac.compat"
check "mactime: CR, LF, ESC as \\xNN; '|' kept" sh -c "grep -qF '\"/cr\\x0dname.txt\"' '$T/edge.mac' &&
  grep -qF '\"/new\\x0aline.txt\"' '$T/edge.mac' && grep -qF '\"/esc\\x1bname.txt\"' '$T/edge.mac' &&
  grep -qF '\"/a|b.txt\"' '$T/edge.mac' && ! grep -q \"\$(printf '[\\r\\033]')\" '$T/edge.mac'"
check "mactime --tsk-compat: CR, LF, ESC as '^' (as fls|mactime)" sh -c "grep -qF '\"/cr^name.txt\"' '$T/edge.mac.compat' &&
  grep -qF '\"/new^line.txt\"' '$T/edge.mac.compat' && grep -qF '\"/esc^name.txt\"' '$T/edge.mac.compat'"
check "mactime: one row per line (no row broken by CR/LF)" \
  awk -F, 'NR > 1 && $1 !~ /^[0-9][0-9][0-9][0-9]-/ { exit 1 }' "$T/edge.mac"
# names with raw control bytes read from a body file obey the same rules
printf '0|/x\rCR|1|r/rrw-r--r--|0|0|0|1|2|3|4\n0|/y\033E|2|r/rrw-r--r--|0|0|0|1|2|3|4\n' >"$T/ctl.body"
"$BIN" -q --tsk-compat -b "$T/ctl.body" >"$T/ctl.compat"
check "body file in, --tsk-compat out: control bytes as '^'" \
  sh -c "grep -qxF '0|/x^CR|1|r/rrw-r--r--|0|0|0|1|2|3|4' '$T/ctl.compat' && grep -qxF '0|/y^E|2|r/rrw-r--r--|0|0|0|1|2|3|4' '$T/ctl.compat'"
"$BIN" -q -b "$T/ctl.body" >"$T/ctl.ext"
check "body file in, extended out: control bytes as \\xNN" grep -qxF '0|/x\x0dCR|1|r/rrw-r--r--|0|0|0|1|2|3|4' "$T/ctl.ext"

# issue 9 item 14: '#' comments skipped (as mactime), empty UID/GID read as 0
{ echo '# made by hand'; echo '  # indented comment'
  echo '0|/c.txt|7|r/rrw-r--r--|0|0|3|1600000000|1600000001|1600000002|0'
  echo '0|/d.txt|8|r/rrw-r--r--|||4|1600000100|1600000101|1600000102|0'; } >"$T/cm.body"
set +e
"$BIN" -q -f mactime -b "$T/cm.body" >"$T/cm.ours" 2>"$T/cm.err"
rc=$?
set -e
check "body with '#' comments and empty UID/GID: exit 0" test "$rc" -eq 0
check "empty UID/GID: a note on stderr" grep -q 'note: .*empty UID or GID' "$T/cm.err"
sed 's/|||4|/|0|0|4|/' "$T/cm.body" | grep -v '^  #' | mactime -d -y >"$T/cm.ref"
check "comments + empty ids == mactime with 0 ids" cmp -s "$T/cm.ref" "$T/cm.ours"

# issue 9 item 15: every *_ns field holds integer nanoseconds
"$BIN" -q -f l2tcsv -o 2048 "$T/fs.ntfs" >"$T/ns.l2t"
check "l2tcsv: timestamp_ns is nanoseconds (debian.mp3 1603771260026285600)" \
  grep -qE '/audio1/debian.mp3,.*timestamp_ns: 1603771260026285600;' "$T/ns.l2t"
check "l2tcsv: no timestamp_ns with a dot" sh -c "! grep -qE 'timestamp_ns: [0-9-]+\\.' '$T/ns.l2t'"

# the extended body read back gives the same mactime CSV as fls|mactime
# for lines fls prints correctly (those without '|', wrap or ns)
grep -avF 'a|b.txt' "$T/edge.fls" >"$T/edge.nopipe" # mactime drops those
"$BIN" -q -f mactime -b "$T/edge.nopipe" >"$T/edge.ours.csv"
mactime -b "$T/edge.nopipe" -d -y >"$T/edge.ref.csv"
check "body file input: -f mactime -b == mactime -b (edge)" cmp -s "$T/edge.ref.csv" "$T/edge.ours.csv"
"$BIN" -q -f body -b "$T/edge.body" >"$T/edge.rt"
check "extended body round trip (-b then -f body)" cmp -s "$T/edge.body" "$T/edge.rt"

# NTFS keeps 100 ns: the extended body against istat's $STANDARD_INFORMATION
"$BIN" -q -o 2048 "$T/fs.ntfs" >"$T/ntfs.ext.body"
si_m=$(istat -o 2048 "$T/fs.ntfs" 65 | sed -n '/STANDARD_INFORMATION/,/FILE_NAME/s/^File Modified:.*:\([0-9][0-9]\.[0-9]*\) .*/\1/p')
check "NTFS extended body: \$SI mtime fraction == istat (${si_m#*.})" \
  grep -qE "^0\|/audio1/debian.mp3\|65-128-2\|.*\|[0-9]+\.[0-9]+\|[0-9]+\.${si_m#*.}\|" "$T/ntfs.ext.body"

# ------------------------------------------------------ Timesketch JSONL etc.
"$BIN" -q -f jsonl "$T/fs.ntfs" >"$T/ntfs.jsonl"
check "jsonl: required fields, ISO 8601 datetimes on every line" python3 - "$T/ntfs.jsonl" <<'EOF'
import json, sys, datetime
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    for k in ("message", "datetime", "timestamp", "timestamp_desc"):
        assert k in e, (k, e)
    d = datetime.datetime.fromisoformat(e["datetime"])
    assert d.utcoffset() is not None, e["datetime"]
    us = int(d.timestamp()) * 1000000 + d.microsecond
    assert us == e["timestamp"], (us, e["timestamp"])
    assert isinstance(e["timestamp"], int)
    for k in ("inode", "evidence", "fs_type", "fs_offset", "allocation", "size", "mode", "time_kind"):
        assert k in e, (k, e)
    n += 1
assert n > 300, n
EOF
check "jsonl: NTFS 100 ns kept (debian.mp3 mtime .0262856)" \
  grep -qF '"datetime_full":"2020-10-27T04:01:00.026285600+00:00"' "$T/ntfs.jsonl"
"$BIN" -q -f jsonl -z America/Sao_Paulo "$T/fs.ntfs" >"$T/ntfs.sp.jsonl"
check "jsonl -z: same instants, local offset (-03:00)" python3 - "$T/ntfs.jsonl" "$T/ntfs.sp.jsonl" <<'EOF'
import json, sys, datetime
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) and len(a) > 0
for x, y in zip(a, b):
    assert x["timestamp"] == y["timestamp"]
    assert y["datetime"].endswith(("-03:00", "-02:00")), y["datetime"]
    assert datetime.datetime.fromisoformat(x["datetime"]) == datetime.datetime.fromisoformat(y["datetime"])
EOF
check "jsonl: \$FILE_NAME times present" grep -q '"time_kind":"fn_b"' "$T/ntfs.jsonl"
"$BIN" -q -f l2tcsv "$T/fs.ntfs" >"$T/ntfs.l2t"
check "l2tcsv: header + 17 columns on every row" \
  awk -F, 'NR == 1 && $1 != "date" { exit 1 } NF != 17 { exit 1 }' "$T/ntfs.l2t"
check "l2tcsv: MM/DD/YYYY dates" \
  awk -F, 'NR > 1 && $1 !~ /^[0-9][0-9]\/[0-9][0-9]\/[0-9][0-9][0-9][0-9]$/ { exit 1 }' "$T/ntfs.l2t"
# filters
"$BIN" -q -f jsonl -d --from 2020-10-27T05:00:00 --to 2020-10-28 -k m,b \
  --path /audio2 "$T/fs.ntfs" >"$T/filt.jsonl"
check "filters: deleted, date range, kinds, path prefix" python3 - "$T/filt.jsonl" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["allocation"] != "allocated", e
    assert 1603774800 * 10**6 <= e["timestamp"] < 1603843200 * 10**6, e
    assert e["time_kind"] in ("m", "b"), e
    assert e["message"].startswith("/audio2"), e
    n += 1
assert n > 0
EOF
# the sort spills to run files under a small budget and gives the same bytes
python3 - "$T/big.body" <<'EOF'
import sys, random
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(60000):
        t = [r.randrange(1, 2000000000) for _ in range(4)]
        f.write("0|/d%d/file%d|%d|r/rrw-r--r--|0|0|%d|%d|%d|%d|%d\n" % (i % 97, i, i + 16, i, *t))
EOF
"$BIN" -q -f mactime -m 1M -b "$T/big.body" >"$T/big.spill.csv"
mactime -b "$T/big.body" -d -y >"$T/big.ref.csv"
check "external sort (1 MiB budget, spilled runs) == mactime on 60k lines" \
  cmp -s "$T/big.ref.csv" "$T/big.spill.csv"
"$BIN" -q -f jsonl -m 1M -b "$T/big.body" | md5sum >"$T/a.md5"
"$BIN" -q -f jsonl -b "$T/big.body" | md5sum >"$T/b.md5"
check "jsonl: spilled and in-memory sorts identical" cmp -s "$T/a.md5" "$T/b.md5"

# --------------------------------------------------- directory tree (statx)
mkdir -p "$T/tree/sub"
printf hello >"$T/tree/sub/f.txt"
touch -d '2001-02-03 04:05:06.123456789' "$T/tree/sub/f.txt"
ln -s sub/f.txt "$T/tree/ln"
"$BIN" -q -f body "$T/tree" >"$T/tree.body"
m=$(stat -c '%.9Y' "$T/tree/sub/f.txt")
i=$(stat -c '%i' "$T/tree/sub/f.txt")
a=$(stat -c '%X' "$T/tree/sub/f.txt")
check "tree: mtime with ns and inode == stat ($m)" \
  grep -qE "^0\|/sub/f.txt\|$i\|r/rrw-r--r--\|[0-9]+\|[0-9]+\|5\|$a(\.[0-9]+)?\|$m\|" "$T/tree.body"
w=$(stat -c '%W' "$T/tree/sub/f.txt")
if [ "$w" = 0 ] || [ "$w" = - ]; then
  check "tree: unknown birth time stays 0/unset" grep -qE "^0\|/sub/f.txt\|.*\|0$" "$T/tree.body"
else
  check "tree: birth time == stat %W ($w)" grep -qE "^0\|/sub/f.txt\|.*\|$w(\.[0-9]+)?$" "$T/tree.body"
fi
check "tree: symlink not followed" grep -qF '0|/ln -> sub/f.txt|' "$T/tree.body"

# ------------------------------------------------------- archive members
(cd "$T/tree" && bsdtar --format pax -cf "$T/t.tar" sub)
(cd "$T/tree" && bsdtar --format ustar -cf "$T/u.tar" sub)
"$BIN" -q -f body -A "$T/t.tar" >"$T/tar.body"
bsdtar -tvf "$T/t.tar" | awk '{print $5, $NF}' | sort >"$T/tar.ref"
awk -F'|' '{sub(/^\//, "", $2); print $7, $2}' "$T/tar.body" | sort >"$T/tar.ours"
check "archive: members and sizes == bsdtar -tv" cmp -s "$T/tar.ref" "$T/tar.ours"
check "archive (pax): mtime with ns == stat ($m)" grep -qF "|$m|" "$T/tar.body"
"$BIN" -q -f body -A "$T/u.tar" >"$T/ustar.body"
check "archive (ustar): unset atime/ctime/birth stay 0, mtime whole seconds" \
  grep -qE "^0\|/sub/f.txt\|[0-9]+\|r/rrw-r--r--\|[0-9]+\|[0-9]+\|5\|0\|${m%.*}\|0\|0$" "$T/ustar.body"

# ISO 9660 (written by bsdtar): as an image through libtsk, and as an archive
bsdtar --format iso9660 -cf "$T/t.iso" -C "$T/tree" sub
fls -r -m / "$T/t.iso" >"$T/iso.ref"
"$BIN" -q --tsk-compat "$T/t.iso" >"$T/iso.ours"
check "ISO 9660 image: body --tsk-compat == fls -r -m /" cmp -s "$T/iso.ref" "$T/iso.ours"
"$BIN" -q -f body -A "$T/t.iso" >"$T/isoa.body"
bsdtar -tvf "$T/t.iso" | awk '{print $5, $NF}' | sort >"$T/isoa.ref"
awk -F'|' '{sub(/^\//, "", $2); sub(/ -> .*/, "", $2); print $7, $2}' "$T/isoa.body" | sort >"$T/isoa.ours"
check "ISO 9660 as archive: members and sizes == bsdtar -tv" cmp -s "$T/isoa.ref" "$T/isoa.ours"


# ------------------------------------------- Windows artifacts (issue 14)
D=$(cd "$(dirname "$0")/../data/windows" && pwd)
CORP=$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpora/plaso
# $UsnJrnl, $I and INFO2 built here, with values decoded by hand:
# a USN_RECORD_V2 for "a.txt", file ref 30-1 (0x0001...001e), parent 5-5,
# USN 1024, time 0x01d12bb43bedc180 (= 130933917270000000 x 100 ns since
# 1601 = 13093391727 - 11644473600 s = 2015-11-30T21:15:27Z =
# 1448918127 s), reason 0x80000100 (FILE_CREATE | CLOSE), behind 4096 zero
# bytes (the sparse start of $J)
python3 - "$T/\$J" "$T/\$IABC123.txt" "$T/INFO2" <<'PYEOF'
import struct, sys
name = "a.txt".encode("utf-16-le")
rec = struct.pack("<IHHQQqQIIIIHH", 72, 2, 0, (1 << 48) | 30,
                  (5 << 48) | 5, 1024, 0x01d12bb43bedc180, 0x80000100, 0, 0,
                  0x20, len(name), 60) + name + b"\0" * 2
open(sys.argv[1], "wb").write(b"\0" * 4096 + rec)
path = "C:\\Users\\ü\\x.txt".encode("utf-16-le") + b"\0\0"
open(sys.argv[2], "wb").write(struct.pack("<QQQI", 2, 1234, 0x01d12bb43bedc180, len(path) // 2) + path)
hdr = struct.pack("<IIIII", 5, 0, 0, 800, 0)
e = b"C:\\x.exe".ljust(260, b"\0") + struct.pack("<IIQI", 7, 2, 0x01d12bb43bedc180, 99) + "C:\\x.exe".encode("utf-16-le").ljust(520, b"\0")
open(sys.argv[3], "wb").write(hdr + e)
PYEOF
"$BIN" -q -f jsonl "$T/\$J" "$T/\$IABC123.txt" "$T/INFO2" >"$T/hand.jsonl"
check "hand-made \$J, \$I and INFO2: decoded as by hand" python3 - "$T/hand.jsonl" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
u = [e for e in ev if e["data_type"] == "fs:ntfs:usn_change"]
assert len(u) == 1, u
u = u[0]
assert u["filename"].endswith("$J") and u["timestamp_ns"] == "1448918127000000000", u
assert u["file_reference"] == "30-1" and u["parent_file_reference"] == "5-5", u
assert u["update_reason"] == "USN_REASON_FILE_CREATE, USN_REASON_CLOSE", u
assert u["update_sequence_number"] == "1024" and u["timestamp_desc"] == "Metadata Modification Time", u
i = [e for e in ev if e["data_type"] == "windows:metadata:deleted_item"]
assert len(i) == 2, i
i1 = [e for e in i if e.get("format_version") == "2"][0]
assert i1["original_filename"] == "C:\\Users\\ü\\x.txt" and i1["file_size"] == "1234", i1
assert i1["timestamp_ns"] == "1448918127000000000" and i1["timestamp_desc"] == "Content Deletion Time", i1
x = [e for e in i if "record_index" in e][0]
assert x["original_filename"] == "C:\\x.exe" and x["record_index"] == "7" and x["drive_number"] == "2", x
assert "from drive: C" in x["message"] and x["file_size"] == "99", x
PYEOF
# decoded registry values on a SYSTEM hive written here (mkhive.py): the
# hive is first checked with regfexport (the reference reader), then the
# decoded events against the values put in: service evilsvc Start 2
# ImagePath C:\evil\svc.exe; BAM FILETIME = key time + 60 s; USBSTOR
# SER123&0 "Acme Stick USB Device"; a Windows 10 ShimCache entry C:\x.exe
# modified at key time - 3600 s. Key time 0x01d12bb43bedc180 = 1448918127.
python3 "$D/mkhive.py" "$T/SYSTEM"
check "hand-made SYSTEM hive: regfexport reads it (services, USBSTOR, BAM, ShimCache)" \
  sh -c "regfexport '$T/SYSTEM' 2>/dev/null | grep -q 'Data: C:.evil.svc.exe' &&
         regfexport '$T/SYSTEM' 2>/dev/null | grep -q 'Key path: ROOT.ControlSet001.Services.bam.State.UserSettings.S-1-5-21-1-2-3-1001' &&
         regfexport '$T/SYSTEM' 2>/dev/null | grep -q 'Data: Acme Stick USB Device'"
"$BIN" -q -f jsonl --exclude windows:registry:key_value "$T/SYSTEM" >"$T/sys.jsonl"
check "decoded SYSTEM values: service, BAM, USBSTOR, ShimCache, MountedDevices" python3 - "$T/sys.jsonl" <<'PYEOF'
import json, sys
ev = {}
for e in map(json.loads, open(sys.argv[1])):
    ev.setdefault(e["data_type"], []).append(e)
s = [e for e in ev["windows:registry:service"] if e["service_name"] == "evilsvc"][0]
assert s["start_type"] == "2" and s["service_type"] == "16" and s["image_path"] == "C:\\evil\\svc.exe", s
assert s["timestamp_ns"] == "1448918127000000000", s
b = ev["windows:registry:bam"][0]
assert b["binary_path"] == "\\Device\\HarddiskVolume2\\evil.exe" and b["user_sid"] == "S-1-5-21-1-2-3-1001", b
assert b["timestamp_ns"] == "1448918187000000000" and b["timestamp_desc"] == "Last Time Executed", b
u = ev["windows:registry:usbstor"][0]
assert u["serial"] == "SER123&0" and u["friendly_name"] == "Acme Stick USB Device", u
a = ev["windows:registry:appcompatcache"][0]
assert a["path"] == "C:\\x.exe" and a["timestamp_ns"] == "1448914527000000000", a
m = ev["windows:registry:mounted_devices"][0]
assert m["\\DosDevices\\C:"] == "112233440010000000000000", m
PYEOF
"$BIN" -q -f l2tcsv "$T/\$J" "$T/INFO2" >"$T/hand.l2t"
check "l2tcsv: plaso source/sourcetype (FILE/NTFS USN change, RECBIN/Recycle Bin), 17 columns" \
  sh -c "grep -q ',..C.,FILE,NTFS USN change,Metadata Modification Time,' '$T/hand.l2t' &&
         grep -q ',M...,RECBIN,Recycle Bin,Content Deletion Time,' '$T/hand.l2t' &&
         awk -F, 'NF != 17 { exit 1 }' '$T/hand.l2t'"
"$BIN" -q -f jsonl --only fs:ntfs:usn_change "$T/\$J" "$T/INFO2" >"$T/only.jsonl"
check "--only by data_type" sh -c "test \$(wc -l <'$T/only.jsonl') -eq 1 && grep -q usn_change '$T/only.jsonl'"
"$BIN" -q -f jsonl --exclude 'windows:*' "$T/\$J" "$T/INFO2" >"$T/excl.jsonl"
check "--exclude by data_type prefix" sh -c "test \$(wc -l <'$T/excl.jsonl') -eq 1 && ! grep -q deleted_item '$T/excl.jsonl'"
# --merge-macb: psort's grouping of same-time fs:stat events
printf '0|/m.txt|9|r/rrw-r--r--|0|0|1|100|100|200|100\n' >"$T/mm.body"
"$BIN" -q -f l2tcsv --merge-macb -b "$T/mm.body" >"$T/mm.l2t"
check "--merge-macb: one MACB row for the same-time m/a/b, C apart" \
  sh -c "test \$(grep -c ',MA.B,FILE,' '$T/mm.l2t') -eq 1 && test \$(grep -c ',..C.,FILE,' '$T/mm.l2t') -eq 1 &&
         grep -q 'Content Modification Time; Last Access Time; Creation Time' '$T/mm.l2t'"

# .evt (libevt) against evtexport -m all (golden, from the committed log)
xz -dc "$D/SysEvent.Evt.xz" >"$T/SysEvent.Evt"
"$BIN" -q -f jsonl "$T/SysEvent.Evt" >"$T/evt.jsonl"
check "evt == evtexport -m all (record numbers, event ids, creation/written times, sources, recovered; golden)" \
  python3 - "$T/evt.jsonl" "$D/evt-SysEvent.tsv" <<'PYEOF'
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:evt:record"]
desc = {"Creation Time": 0, "Content Modification Time": 1}
ours = sorted((e["record_number"], e["event_identifier"], desc[e["timestamp_desc"]], int(e["timestamp_ns"]) // 10**9, e["source_name"]) for e in ev)
ref = []
for l in open(sys.argv[2], encoding="utf-8"):
    n, eid, c, w, src = l.rstrip("\n").split("\t")
    for k, t in ((0, int(c)), (1, int(w))):
        if t:
            ref.append((n, eid, k, t, src))
ref.sort()
assert ours == ref, (len(ours), len(ref), [x for x in ref if x not in ours][:3])
assert sum(e.get("recovered") == "true" for e in ev) == 2 * 438, "recovered records"
assert all(e["source_short"] == "EVT" and e["source_long"] == "WinEVT" for e in ev)
PYEOF
"$BIN" -q -f l2tcsv "$T/SysEvent.Evt" | sed -n 2p >"$T/evt.l2t"
check "evt: l2tcsv EVT/WinEVT, parser winevt" grep -q ',EVT,WinEVT,.*,winevt,' "$T/evt.l2t"
# found by path (WINDOWS/system32/config/*.Evt) in an NTFS volume made now;
# ntfscp cannot make directories, so this needs an ntfs-3g (FUSE) mount
dd if=/dev/zero of="$T/evt.ntfs" bs=1M count=16 status=none
mkntfs -q -F -Q "$T/evt.ntfs" >/dev/null 2>&1
mkdir -p "$T/evt.mnt"
if ntfs-3g "$T/evt.ntfs" "$T/evt.mnt" 2>/dev/null; then
  mkdir -p "$T/evt.mnt/WINDOWS/system32/config"
  cp "$T/SysEvent.Evt" "$T/evt.mnt/WINDOWS/system32/config/SysEvent.Evt"
  umount "$T/evt.mnt"
  "$BIN" -q -f jsonl --only windows:evt:record "$T/evt.ntfs" >"$T/evt.img.jsonl"
  check "evt found by path in an NTFS image: same events as the file" python3 - "$T/evt.img.jsonl" "$T/evt.jsonl" <<'PYEOF'
import json, sys
key = lambda e: (e["timestamp_ns"], e["timestamp_desc"], e["message"], e["record_number"])
a = [e for e in map(json.loads, open(sys.argv[1]))]
b = [e for e in map(json.loads, open(sys.argv[2])) if e["data_type"] == "windows:evt:record"]
assert a and all(e["filename"] == "/WINDOWS/system32/config/SysEvent.Evt" for e in a), a[:1]
assert sorted(map(key, a)) == sorted(map(key, b)), (len(a), len(b))
PYEOF
else
  echo "skip .evt discovery in an NTFS image: cannot mount with ntfs-3g (FUSE)"
fi

if [ -d "$CORP" ]; then
  "$BIN" -q -f jsonl "$CORP/evtx/System2.evtx" "$CORP/NTUSER.DAT" "$CORP"/winprefetch/*.pf \
    "$CORP/example.lnk" "$CORP/NeroInfoTool.lnk" >"$T/corp.jsonl" 2>"$T/corp.err" || true
  check "evtx == evtxexport (record numbers, event ids, written times; golden)" python3 - "$T/corp.jsonl" "$D/evtx-System2.tsv" <<'PYEOF'
import json, sys
ours = sorted((e["record_number"], e["event_identifier"], e["timestamp_ns"]) for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:evtx:record")
ref = sorted(tuple(l.rstrip("\n").split("\t")) for l in open(sys.argv[2]))
assert ours == ref, (len(ours), len(ref))
PYEOF
  check "registry keys == regfexport paths + libregf last-written times (golden)" python3 - "$T/corp.jsonl" "$D/regf-NTUSER.tsv" <<'PYEOF'
import json, sys
ours = sorted((e["key_path"], int(e["timestamp_ns"])) for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:registry:key_value")
ref = []
for l in open(sys.argv[2], encoding="utf-8"):
    p, ft = l.rstrip("\n").split("\t")
    ft = int(ft)
    if ft: ref.append((p, (ft - 116444736000000000) * 100))
ref.sort()
assert ours == ref, (len(ours), len(ref), [x for x in ref if x not in ours][:3])
PYEOF
  check "shellbags (libfwsi): BagMRU paths built down the tree, key times == golden" python3 - "$T/corp.jsonl" "$D/regf-NTUSER.tsv" <<'PYEOF'
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:registry:bagmru" and "ShellNoRoam" in e["key_path"]]
gold = {}
for l in open(sys.argv[2], encoding="utf-8"):
    p, ft = l.rstrip("\n").split("\t")
    gold[p] = (int(ft) - 116444736000000000) * 100
paths = " ".join(e["entries"] for e in ev)
assert "Shell item path: My Computer\\C:\\Documents and Settings\\Administrator\\My Documents" in paths, paths
for e in ev:
    assert int(e["timestamp_ns"]) == gold[e["key_path"]], e["key_path"]
assert len(ev) >= 4, len(ev)
PYEOF
  "$BIN" -q -f jsonl "$CORP"/automaticDestinations-ms/*.automaticDestinations-ms >"$T/jl.jsonl"
  check "jump lists: each LNK stream == olecfexport + lnkinfo (golden); DestList names every stream" python3 - "$T/jl.jsonl" "$D/jumplist.tsv" <<'PYEOF'
import json, sys, os
ev = list(map(json.loads, open(sys.argv[1])))
lnk = [e for e in ev if e["data_type"] == "windows:lnk:link"]
n = 0
for l in open(sys.argv[2], encoding="utf-8"):
    f, stream, c, m, a, path = l.rstrip("\n").split("\t")
    mine = {e["timestamp_desc"]: e for e in lnk if os.path.basename(e["filename"]) == f and e["stream"] == stream}
    for desc, want in (("Creation Time", c), ("Content Modification Time", m), ("Last Access Time", a)):
        if want == "0": continue
        assert mine[desc]["timestamp_ns"] == want, (f, stream, desc)
        assert mine[desc]["target_path"] == path, (f, stream, mine[desc]["target_path"], path)
    n += 1
assert n > 0
# the DestList names exactly the LNK streams olecfexport finds
dl = [e for e in ev if e["data_type"] == "olecf:dest_list:entry"]
gold = {tuple(l.split("\t")[:2]) for l in open(sys.argv[2], encoding="utf-8")}
assert {(os.path.basename(e["filename"]), e["stream"]) for e in dl} == gold, (len(dl), len(gold))
PYEOF
  check "prefetch == sccainfo (executable, run count, run times; golden)" python3 - "$T/corp.jsonl" "$D/scca.tsv" <<'PYEOF'
import json, sys, os
ours = sorted((os.path.basename(e["filename"]), e["executable"], e["run_count"], e["timestamp_ns"]) for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:prefetch:execution")
ref = sorted(tuple(l.rstrip("\n").split("\t")) for l in open(sys.argv[2]))
missing = [r for r in ref if r not in ours]
assert not missing, missing[:3]
PYEOF
  # plaso's own expectations (tests/parsers/winprefetch.py): version 23
  # files and Windows 11's version 31 with a name cut at 29 characters
  check "prefetch: path hints, hash, run count, version and volume as plaso's tests expect (v23, v31)" python3 - "$T/corp.jsonl" <<'PYEOF'
import json, sys, os
ev = [e for e in map(json.loads, open(sys.argv[1])) if e.get("data_type", "").startswith(("windows:prefetch:", "windows:volume:"))]
want = {
    "PING.EXE-B29F6629.pf": ("PING.EXE", "\\WINDOWS\\SYSTEM32\\PING.EXE", 0xB29F6629, "14", "23"),
    "WUAUCLT.EXE-830BCC14.pf": ("WUAUCLT.EXE", "\\WINDOWS\\SYSTEM32\\WUAUCLT.EXE", 0x830BCC14, "25", "23"),
    "AM_DELTA_PATCH_1.443.990.0.EX-7037CF86.pf": ("AM_DELTA_PATCH_1.443.990.0.EX",
        "\\WINDOWS\\SOFTWAREDISTRIBUTION\\DOWNLOAD\\INSTALL\\AM_DELTA_PATCH_1.443.990.0.EXE", 0x7037CF86, "1", "31"),
}
for f, (exe, hint, h, runs, ver) in want.items():
    ex = [e for e in ev if os.path.basename(e["filename"]) == f and e["data_type"] == "windows:prefetch:execution"]
    assert ex, f
    for e in ex:
        got = (e["executable"], e.get("path_hints"), int(e["prefetch_hash"], 16), e["run_count"], e["format_version"])
        assert got == (exe, hint, h, runs, ver), (f, got)
vol = [e for e in ev if os.path.basename(e["filename"]).startswith("AM_DELTA") and e["data_type"] == "windows:volume:creation"]
assert [(e["device_path"], int(e["serial_number"], 16)) for e in vol] == [("\\VOLUME{01dc94cf1f08c4a4-bc1f1bfc}", 0xBC1F1BFC)], vol
PYEOF
  # A compressed (MAM) prefetch file cut in half: libscca's own decoder
  # reads two of these to garbage (sccainfo lists 3,453 file names for half
  # of ONEDRIVE.EXE's); it must be reported as damaged, never read as clean.
  for f in NOTEPAD.EXE-D8414F97.pf ONEDRIVE.EXE-7E152375.pf; do
    sz=$(stat -c %s "$CORP/winprefetch/$f")
    head -c $((sz / 2)) "$CORP/winprefetch/$f" >"$T/half-$f"
    rc=0
    "$BIN" "$T/half-$f" >"$T/half.out" 2>"$T/half.err" || rc=$?
    check "prefetch: half of the compressed $f is damaged (exit 3, 'cut short', no event)" \
      bash -c "test $rc = 3 && grep -q 'cut short' '$T/half.err' && test ! -s '$T/half.out'"
  done
  check "lnk == lnkinfo (target times and path; golden)" python3 - "$T/corp.jsonl" "$D/lnk.tsv" <<'PYEOF'
import json, sys, os
ev = [e for e in map(json.loads, open(sys.argv[1])) if e.get("data_type") == "windows:lnk:link"]
for l in open(sys.argv[2], encoding="utf-8"):
    name, c, m, a, path = l.rstrip("\n").split("\t")
    mine = {e["timestamp_desc"]: e for e in ev if os.path.basename(e["filename"]) == name}
    for desc, want in (("Creation Time", c), ("Content Modification Time", m), ("Last Access Time", a)):
        if want == "0": assert desc not in mine; continue
        assert mine[desc]["timestamp_ns"] == want, (name, desc, mine[desc]["timestamp_ns"], want)
        assert mine[desc]["target_path"] == path, (name, mine[desc]["target_path"], path)
PYEOF
  # browsers against sqlite3 queries
  "$BIN" -q -f jsonl "$CORP/chrome/History" "$CORP/firefox/places.sqlite" >"$T/web.jsonl"
  sqlite3 -readonly "$CORP/chrome/History" "SELECT (visits.visit_time - 11644473600000000) * 1000, urls.url FROM urls, visits WHERE urls.id = visits.url AND visits.visit_time > 0" | sort >"$T/chrome.ref"
  python3 -c 'import json,sys; [print("%s|%s" % (e["timestamp_ns"], e["url"])) for e in map(json.loads, open(sys.argv[1])) if e["data_type"] == "chrome:history:page_visited"]' "$T/web.jsonl" | sort >"$T/chrome.ours"
  check "Chrome visits == sqlite3 query ($(wc -l <"$T/chrome.ref") visits, WebKit time)" cmp -s "$T/chrome.ref" "$T/chrome.ours"
  sqlite3 -readonly "$CORP/firefox/places.sqlite" "SELECT v.visit_date * 1000, p.url FROM moz_places p, moz_historyvisits v WHERE p.id = v.place_id AND v.visit_date > 0" | sort >"$T/ff.ref"
  python3 -c 'import json,sys; [print("%s|%s" % (e["timestamp_ns"], e["url"])) for e in map(json.loads, open(sys.argv[1])) if e["data_type"] == "firefox:places:page_visited"]' "$T/web.jsonl" | sort >"$T/ff.ours"
  check "Firefox visits == sqlite3 query ($(wc -l <"$T/ff.ref") visits, PRTime)" cmp -s "$T/ff.ref" "$T/ff.ours"
  # discovery by path inside an NTFS volume made now
  dd if=/dev/zero of="$T/win.ntfs" bs=1M count=24 status=none
  mkntfs -q -F -Q "$T/win.ntfs" >/dev/null 2>&1
  ntfscp -q "$T/win.ntfs" "$CORP/NTUSER.DAT" NTUSER.DAT >/dev/null 2>&1
  ntfscp -q "$T/win.ntfs" "$CORP/firefox/places.sqlite" places.sqlite >/dev/null 2>&1
  ntfscp -q "$T/win.ntfs" "$CORP/example.lnk" example.lnk >/dev/null 2>&1
  "$BIN" -q -f jsonl "$T/win.ntfs" >"$T/win.jsonl"
  "$BIN" -q -f jsonl "$CORP/NTUSER.DAT" "$CORP/firefox/places.sqlite" "$CORP/example.lnk" >"$T/win.direct.jsonl"
  check "NTFS image (mkntfs + ntfscp): artifacts found by path, same events as the files" python3 - "$T/win.jsonl" "$T/win.direct.jsonl" <<'PYEOF'
import json, sys, collections
a = [e for e in map(json.loads, open(sys.argv[1])) if e["data_type"] != "fs:stat"]
b = [e for e in map(json.loads, open(sys.argv[2]))]
assert a and all(e["origin"] == "tsk" and e["filename"] in ("/NTUSER.DAT", "/places.sqlite", "/example.lnk") for e in a), a[:1]
key = lambda e: (e["data_type"], e["timestamp_ns"], e["message"])
assert sorted(map(key, a)) == sorted(map(key, b)), (len(a), len(b))
PYEOF
  "$BIN" -q --tsk-compat "$T/win.ntfs" >"$T/win.compat"
  fls -r -m / "$T/win.ntfs" >"$T/win.fls"
  check "--tsk-compat on that image: no artifact lines, == fls" cmp -s "$T/win.fls" "$T/win.compat"
else
  echo "skip Windows artifact goldens: $CORP absent (../shared is not part of a clone)"
fi

# ------------------------------------------------------------------ html
"$BIN" -q -f html -O "$T/tl.html" "$T/fs.ntfs"
check "html: self-contained (no http(s) references but the SVG namespace)" \
  sh -c "! grep -oE 'https?://[^\"'\'' ]*' '$T/tl.html' | grep -v 'www.w3.org/2000/svg' | grep -q ."
if command -v chromium >/dev/null 2>&1; then
  chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$T/chr" --virtual-time-budget=5000 --dump-dom \
    "file://$T/tl.html" >"$T/dom.html" 2>/dev/null || true
  rows=$(grep -o '<tr' "$T/dom.html" | wc -l)
  bars=$(grep -o '<rect' "$T/dom.html" | wc -l)
  events=$(grep -c '"time_kind"' "$T/ntfs.jsonl")
  check "html in headless chromium: table rendered ($rows rows for $events events)" \
    test "$rows" -eq $((events + 1))
  check "html in headless chromium: histogram drawn ($bars bars)" test "$bars" -gt 0
  check "html: summary line" grep -q "$events events, $events matching" "$T/dom.html"
else
  fail "chromium not installed (scripts/packages-test lists it)"
fi

# ------------------------------------------------------------ usage errors
set +e
"$BIN" -f nope "$T/fs.ntfs" >/dev/null 2>&1
rc=$?
set -e
check "unknown format: exit 2" test "$rc" -eq 2
set +e
"$BIN" -q -b "$T/does-not-exist" >/dev/null 2>"$T/ne.err"
rc=$?
set -e
check "missing body file: exit 3 and named" sh -c "test $rc -eq 3 && grep -q does-not-exist '$T/ne.err'"

echo "$fails failures"
test "$fails" -eq 0
