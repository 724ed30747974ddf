#!/usr/bin/env bash
# Media through art_source: damaged and incomplete E01 images, segments named
# on the command line, files that only look like images, virtual disks
# (VMDK, VHD, VHDX, QCOW2 with backing files), layered error wording and
# encrypted volumes. References: fls, ewfverify, sha256sum, qemu-img.
# Every input is built here, at test time.
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
need fls ewfacquire ewfverify qemu-img qemu-io sha256sum mkfs.vfat mkfs.ext4 python3
H=$ART_BIN/art-hash
TL=$ART_BIN/art-timeline
SURF=$ART_BIN/art-surface
cd "$T"

# --- a two-partition MBR disk: FAT at 2048, ext4 at 6144 ---------------------
mkdir tree tree/dir
echo hello >tree/a.txt
echo x >tree/dir/b.txt
truncate -s 8M disk.raw
truncate -s 2M p1 && mkfs.vfat -n P1 p1 >/dev/null
truncate -s 5M p2 && mkfs.ext4 -q -d tree p2
dd if=p1 of=disk.raw bs=512 seek=2048 conv=notrunc status=none
dd if=p2 of=disk.raw bs=512 seek=6144 conv=notrunc status=none
python3 - disk.raw <<'PY'
import struct, sys
mbr = bytearray(512)
for i, (start, count, typ) in enumerate([(2048, 4096, 0x0c), (6144, 10240, 0x83)]):
    mbr[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', 0, b'\xfe\xff\xff', typ, b'\xfe\xff\xff', start, count)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
PY
raw_sha=$(sha256sum <disk.raw | cut -c1-64)
fls -r -m / -o 2048 disk.raw >ref2048.body
fls -r -m / -o 6144 disk.raw >ref6144.body

# --- issue 9.1: one damaged E01 chunk belongs to the reads that meet it ------
ewfacquire -u -q -t ev -c deflate:best -S 1MiB -f encase6 disk.raw >/dev/null 2>&1
cp ev.E01 bad.E01
# flip one byte inside chunk 0's compressed data (the MBR's chunk)
python3 - bad.E01 <<'PY'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
off = 13
while off + 76 <= len(d):
    typ = bytes(d[off:off + 16]).rstrip(b'\0')
    nxt = struct.unpack('<Q', d[off + 16:off + 24])[0]
    if typ == b'sectors':
        assert d[off + 76] == 0x78, 'chunk 0 is not zlib data'
        d[off + 76 + 8] ^= 0xff
        open(p, 'wb').write(d)
        sys.exit(0)
    if nxt <= off:
        break
    off = nxt
sys.exit('no sectors section')
PY
ewfverify -q bad.E01 >ewfverify.out 2>&1 || true
check "ewfverify: sectors 0-63 damaged" grep -q "at sector(s): 0 - 63 " ewfverify.out

rc=0
"$TL" -q -f body --tsk-compat -o 6144 bad.E01 >bad6144.body 2>bad6144.err || rc=$?
check "damaged chunk 0: -o 6144 == fls -o 6144 on the raw disk" cmp -s ref6144.body bad6144.body
check "damaged chunk 0 never read by -o 6144: exit 0 (fls agrees)" test "$rc" -eq 0

rc=0
"$TL" -q -f body --tsk-compat --hash-evidence -o 6144 bad.E01 >badh.body 2>badh.err || rc=$?
check "--hash-evidence meets the damage: the timeline still == fls" cmp -s ref6144.body badh.body
check "--hash-evidence meets the damage: exit 3" test "$rc" -eq 3
check "--hash-evidence: the damaged range named with ewfverify's sectors" \
  grep -q "bad.E01: E01 checksum error in sectors 0-63 (64 sectors); no evidence hash" badh.err

rc=0
"$TL" -q -f body --tsk-compat bad.E01 >badall.body 2>badall.err || rc=$?
check "whole damaged disk: exit 3" test "$rc" -eq 3
check "whole damaged disk: the range reported exactly once" \
  test "$(grep -c 'checksum error in sectors 0-63' badall.err)" -eq 1
check "whole damaged disk: the partition table layer is named" grep -q "partition table layer" badall.err
check "libtsk messages carry no embedded newline (every stderr line is ours)" \
  bash -c "! grep -v '^art-timeline: ' badall.err bad6144.err badh.err"

# a damaged chunk inside the ext4 partition: the rest of the disk is read
cp ev.E01 bad2.E01
python3 - bad2.E01 <<'PY'
import struct, sys, zlib
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
# walk the sections to the table of chunk offsets; damage the chunk that
# holds media sector 6144 (the ext4 boot block: its superblock at +1024)
off = 13
sectors = table = None
while off + 76 <= len(d):
    typ = bytes(d[off:off + 16]).rstrip(b'\0')
    nxt = struct.unpack('<Q', d[off + 16:off + 24])[0]
    if typ == b'sectors' and sectors is None:
        sectors = off
    if typ == b'table' and table is None:
        table = off
    if nxt <= off:
        break
    off = nxt
n, = struct.unpack('<I', d[table + 76:table + 80])
base, = struct.unpack('<Q', d[table + 76 + 8:table + 76 + 16])
ent = [struct.unpack('<I', d[table + 100 + 4 * i:table + 104 + 4 * i])[0] for i in range(n)]
chunk = 6144 // 64
o = base + (ent[chunk] & 0x7fffffff)
d[o + 8] ^= 0xff
open(p, 'wb').write(d)
PY
ewfverify -q bad2.E01 >ewfverify2.out 2>&1 || true
check "ewfverify: sectors 6144-6207 damaged" grep -q "at sector(s): 6144 - 6207 " ewfverify2.out
rc=0
"$TL" -q -f body --tsk-compat bad2.E01 >bad2.body 2>bad2.err || rc=$?
check "damage in partition 2: partition 1 still == fls -o 2048" cmp -s ref2048.body bad2.body
check "damage in partition 2: exit 3" test "$rc" -eq 3
check "damage in partition 2: range named once (sectors 6144-6207)" \
  test "$(grep -c 'checksum error in sectors 6144-6207' bad2.err)" -eq 1
check "damage in partition 2: the file system layer says why" \
  grep -q "partition at sector 6144 .*file system not read: the image could not be read there" bad2.err

# art-hash: size is the media size, the bytes read apart
rc=0
"$H" -f jsonl -c sha256 bad2.E01 >bad2.json 2>/dev/null || rc=$?
check "art-hash on a damaged E01: exit 3" test "$rc" -eq 3
# (the reading goes on past the damaged chunk, as ddrescue would: issue 11;
# the unreadable range is the one ewfverify names, sectors 6144-6207)
check "art-hash jsonl: size is the media size, bytes_read all but the damaged chunk, the range named" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); u=r.get("unreadable",[]); sys.exit(not (r["size"]==8388608 and r["bytes_read"]==8388608-64*512 and r["status"]=="error" and [(x["first_sector"],x["last_sector"]) for x in u]==[(6144,6207)] and "sha256" not in r.get("hashes",{}) and "sha256" not in r))' bad2.json

# --- issue 9.1: a missing segment is named as missing ------------------------
head -c 3145728 /dev/urandom >rnd.raw
ewfacquire -u -q -t ms -c none -S 1MiB -f encase6 rnd.raw >/dev/null 2>&1
test -f ms.E03 || fail "ewfacquire made fewer than 3 segments"
mkdir miss && cp ms.E01 ms.E03 miss/
rc=0
"$H" -f jsonl miss/ms.E01 >miss.json 2>miss.err || rc=$?
check "missing E02: exit 3" test "$rc" -eq 3
check "missing E02: named as a missing segment file" grep -q "segment file miss/ms.E02 is missing" miss.err
check "missing E02: not called a checksum error" bash -c "! grep -q checksum miss.err"
mkdir miss3 && cp ms.E01 ms.E02 miss3/
rc=0
"$H" -f jsonl miss3/ms.E01 >/dev/null 2>miss3.err || rc=$?
check "missing last segment E03: named" grep -q "segment file miss3/ms.E03 is missing" miss3.err

# --- issue 9.2: segments named together are folded into the first -------------
rnd_md5=$(md5sum <rnd.raw | cut -c1-32)
rc=0
"$H" -f sum -c md5 ms.E01 ms.E02 ms.E03 >fold.out 2>fold.err || rc=$?
check "img.E0*: one row" test "$(wc -l <fold.out)" -eq 1
check "img.E0*: the row is the media (== md5sum of the raw data)" grep -q "^$rnd_md5  ms.E01$" fold.out
check "img.E0*: a note on stderr for each later segment" test "$(grep -c 'note: ms.E0[23]: segment [23] of the image ms.E01' fold.err)" -eq 2
check "img.E0*: exit 0" test "$rc" -eq 0
"$H" -f sum -c sha256 ms.E02 >lone.out 2>lone.err
check "a lone later segment is hashed as a plain file (== sha256sum)" \
  test "$(cut -c1-64 lone.out)" = "$(sha256sum <ms.E02 | cut -c1-64)"
check "a lone later segment: a warning" grep -q "warning: ms.E02: segment 2 .*read as a plain file" lone.err

split -b 3000000 -d -a 3 --numeric-suffixes=1 disk.raw sp.
"$H" -f sum -c sha256 --image sp.001 sp.002 sp.003 >spfold.out 2>spfold.err
check "--image sp.00*: one row == sha256sum of the whole" \
  bash -c "[ \$(wc -l <spfold.out) -eq 1 ] && grep -q '^$raw_sha  sp.001$' spfold.out"
check "--image sp.00*: notes for the later segments" test "$(grep -c 'note: sp.00[23]' spfold.err)" -eq 2

# --- issue 9.3: a file that merely looks like a segment ----------------------
"$H" -f sum -c sha256 sp.001 sp.002 >nosplit.out 2>/dev/null
check "without --image, sp.001 is the file itself (== sha256sum)" \
  grep -q "^$(sha256sum <sp.001 | cut -c1-64)  sp.001$" nosplit.out
check "without --image, sp.002 is the file itself (== sha256sum)" \
  grep -q "^$(sha256sum <sp.002 | cut -c1-64)  sp.002$" nosplit.out
printf 'first half\n' >notes.txt.001
printf 'second half\n' >notes.txt.002
"$SURF" -f jsonl notes.txt.001 >notes.json
check "art-surface notes.txt.001: the file's own sha256, no image" \
  python3 -c 'import json,sys,hashlib; r=json.loads(open(sys.argv[1]).readline()); h=hashlib.sha256(open("notes.txt.001","rb").read()).hexdigest(); s=json.dumps(r); sys.exit(not (h in s and r.get("via") != "image"))' notes.json
printf 'not an image\n' >evidence.E01
"$SURF" -f jsonl evidence.E01 >fake.json
check "art-surface on a text file named .E01: the file" \
  python3 -c 'import json,sys,hashlib; s=open(sys.argv[1]).read(); r=json.loads(s.splitlines()[0]); h=hashlib.sha256(b"not an image\n").hexdigest(); sys.exit(not (h in s and r.get("via") != "image"))' fake.json
"$SURF" -f jsonl ev.E01 >real.json
check "art-surface on a real E01: via image, with its segment list" \
  python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); sys.exit(not (r.get("via")=="image" and r.get("segments")==["ev.E01"]))' real.json
"$SURF" -f jsonl --no-images ev.E01 >noimg.json
check "art-surface --no-images: the E01 file itself" \
  grep -q "$(sha256sum <ev.E01 | cut -c1-64)" noimg.json
"$H" -f jsonl -c sha256 ev.E01 >evrec.json
check "art-hash record: via image, format E01, segments" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["via"]=="image" and r["format"]=="E01" and r["segments"]==["ev.E01"] and r["hashes"]["sha256"]==sys.argv[2]))' evrec.json "$raw_sha"
printf 'rule any_bytes { condition: filesize > 0 }\n' >any.yar
"$ART_BIN/art-yara" --format jsonl any.yar ev.E01 >yrec.json
check "art-yara record: via image, format E01, segments, the media's size" \
  python3 -c 'import json,sys,os; r=json.load(open(sys.argv[1])); sys.exit(not (r["via"]=="image" and r["image_format"]=="E01" and r["segments"]==["ev.E01"] and r["bytes"]==os.path.getsize("disk.raw")))' yrec.json
"$ART_BIN/art-yara" --format jsonl --no-sandbox any.yar ev.E01 >yrec2.json
check "art-yara --no-sandbox: the same record" cmp -s yrec.json yrec2.json
"$ART_BIN/art-yara" --format jsonl --no-images any.yar ev.E01 >yrec3.json
check "art-yara --no-images: the E01 file itself, no via" \
  python3 -c 'import json,sys,os; r=json.load(open(sys.argv[1])); sys.exit(not ("via" not in r and r["bytes"]==os.path.getsize("ev.E01")))' yrec3.json

# --- issue 9.4 / 14: virtual disks through art_source -------------------------
conv() { # conv OUT FMT [qemu-img options...]
  local out=$1 fmt=$2
  shift 2
  qemu-img convert -q -O "$fmt" "$@" disk.raw "$out"
}
conv d.qcow2 qcow2
conv d1.qcow qcow
conv sparse.vmdk vmdk
conv stream.vmdk vmdk -o subformat=streamOptimized
conv flat.vmdk vmdk -o subformat=monolithicFlat
conv split.vmdk vmdk -o subformat=twoGbMaxExtentFlat
conv splitsp.vmdk vmdk -o subformat=twoGbMaxExtentSparse
conv dyn.vhd vpc
conv fixed.vhd vpc -o subformat=fixed
conv d.vhdx vhdx
qemu-img create -q -f qcow2 -b d.qcow2 -F qcow2 child.qcow2
qemu-io -c "write -P 0x41 1048576 4096" child.qcow2 >/dev/null
qemu-img create -q -f qcow2 -b child.qcow2 -F qcow2 grandchild.qcow2
qemu-io -c "write -P 0x42 1056768 4096" grandchild.qcow2 >/dev/null
qemu-img create -q -f vmdk -b sparse.vmdk -F vmdk childv.vmdk
qemu-io -c "write -P 0x43 1048576 4096" childv.vmdk >/dev/null
for img in d.qcow2 d1.qcow sparse.vmdk stream.vmdk flat.vmdk split.vmdk splitsp.vmdk \
  dyn.vhd fixed.vhd d.vhdx child.qcow2 grandchild.qcow2 childv.vmdk; do
  case $img in # name the format: a fixed VHD has no header to probe
  *.qcow2) f=qcow2 ;; *.qcow) f=qcow ;; *.vmdk) f=vmdk ;; *.vhd) f=vpc ;; *.vhdx) f=vhdx ;;
  esac
  qemu-img convert -f $f -O raw "$img" conv.raw
  want=$(sha256sum <conv.raw | cut -c1-64)
  rm -f conv.raw
  got=$("$H" -f sum -c sha256 "$img" | cut -c1-64)
  check "$img: art-hash == sha256sum of qemu-img convert -O raw" test "$got" = "$want"
done
for img in d.qcow2 stream.vmdk d.vhdx; do
  "$SURF" -f jsonl "$img" >surf.json
  check "art-surface $img: via image, the media's sha256" \
    python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); sys.exit(not (r.get("via")=="image" and sys.argv[2] in json.dumps(r)))' surf.json "$raw_sha"
done
# a fixed VHD is named by its footer alone: the sandboxed run must still hand
# it to the worker as an image (and give the in-process record)
"$SURF" -f jsonl fixed.vhd >fsb.json
"$SURF" -f jsonl --no-sandbox fixed.vhd >fns.json
check "art-surface fixed.vhd: via image in the sandbox too" grep -q '"via":"image"' fsb.json
check "art-surface fixed.vhd: sandboxed record == in-process record" cmp -s fsb.json fns.json
for img in d.qcow2 sparse.vmdk stream.vmdk split.vmdk dyn.vhd fixed.vhd d.vhdx; do
  for o in 2048 6144; do
    "$TL" -q -f body --tsk-compat -o $o "$img" >v.body
    check "$img @$o: art-timeline == fls on the raw disk" cmp -s "ref$o.body" v.body
  done
  "$TL" -q -f body --tsk-compat "$img" >vall.body
  check "$img: every partition walked (== fls on both)" cmp -s <(cat ref2048.body ref6144.body) vall.body
done
"$H" -f jsonl -c sha256 grandchild.qcow2 >gc.json
check "QCOW2 chain: the record lists the image and its backing files" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["format"]=="QCOW2" and r["segments"]==["grandchild.qcow2","child.qcow2","d.qcow2"]))' gc.json
"$H" -f jsonl -c sha256 split.vmdk >sv.json
check "split VMDK: the descriptor and its extents listed" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["format"]=="VMDK" and r["segments"][0]=="split.vmdk" and len(r["segments"])>=2))' sv.json
mkdir lost && cp child.qcow2 lost/
rc=0
"$H" -c sha256 lost/child.qcow2 >/dev/null 2>lost.err || rc=$?
check "QCOW2 without its backing file: exit 3, layer and file named" \
  bash -c "[ $rc -eq 3 ] && grep -q 'image format QCOW2: backing file lost/d.qcow2 not found' lost.err"
mkdir lostext && cp split.vmdk lostext/
rc=0
"$TL" -q lostext/split.vmdk >/dev/null 2>lostext.err || rc=$?
check "VMDK without its extents: exit 3, the VMDK layer named" \
  bash -c "[ $rc -eq 3 ] && grep -q 'image format VMDK: cannot open the extent data files' lostext.err"

# formats no back end reads: named as image formats, never as file systems
conv d.vdi vdi
conv d.qed qed
for f in vdi qed; do
  rc=0
  "$TL" -q d.$f >/dev/null 2>$f.err || rc=$?
  up=$(echo $f | tr a-z A-Z)
  check "$f: 'image format not supported: $up', exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'd.$f: image format not supported: $up' $f.err && ! grep -q 'file system' $f.err"
done
check "a VDI is still hashed as a file by art-hash (== sha256sum)" \
  test "$("$H" -f sum -c sha256 d.vdi | cut -c1-64)" = "$(sha256sum <d.vdi | cut -c1-64)"

# --- issue 14: encrypted volumes are named, never "unsupported file system" --
# No Linux tool makes a BitLocker volume: a Windows 7 volume header and FVE
# metadata (volume GUID, AES-XTS, a description, two key protectors) are
# written here, and libbde's bdeinfo is the reference for what they say.
python3 - bde.raw <<'PY'
import struct, sys, uuid
size = 8 * 1024 * 1024
vol = bytearray(size)
offs = [0x100000, 0x200000, 0x300000]
bs = bytearray(512)
bs[0:3] = b'\xeb\x58\x90'
bs[3:11] = b'-FVE-FS-'
struct.pack_into('<HBH', bs, 11, 512, 8, 0)
bs[0xa0:0xb0] = uuid.UUID('4967d63b-2e29-4ad8-8399-f6a339e3d001').bytes_le
for i, o in enumerate(offs):
    struct.pack_into('<Q', bs, 0xb0 + 8 * i, o)
bs[510:512] = b'\x55\xaa'
vol[0:512] = bs
vid = uuid.UUID('12345678-9abc-def0-1122-334455667788')
def vmk(guid, ptype):
    val = guid.bytes_le + struct.pack('<QHH', 0x01d0000000000000, 0, ptype)
    return struct.pack('<HHHH', 8 + len(val), 0x0002, 0x0008, 1) + val
desc = 'ARTIFACT-TEST C: 03/12/2026'.encode('utf-16-le') + b'\0\0'
entries = struct.pack('<HHHH', 8 + len(desc), 0x0007, 0x0002, 1) + desc
entries += vmk(uuid.UUID('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'), 0x0800)
entries += vmk(uuid.UUID('11111111-2222-3333-4444-555555555555'), 0x0100)
msize = 48 + len(entries)
mh = struct.pack('<IIII', msize, 1, 48, msize) + vid.bytes_le + struct.pack('<IIQ', 1, 0x8004, 0x01d0000000000000)
for o in offs:
    bh = bytearray(64)
    bh[0:8] = b'-FVE-FS-'
    struct.pack_into('<HHHHQIIQQQQ', bh, 8, 64 + msize, 2, 4, 1, size, 0, 16, offs[0], offs[1], offs[2], 0x400000)
    blk = bh + mh + entries
    vol[o:o + len(blk)] = blk
open(sys.argv[1], 'wb').write(vol)
PY
need bdeinfo blkid
bdeinfo bde.raw >bdeinfo.out 2>&1 || true
bde_guid=$(sed -n 's/^[[:space:]]*Volume identifier[[:space:]]*: //p' bdeinfo.out | tr a-f A-F)
check "bdeinfo reads the header made here (volume GUID)" test -n "$bde_guid"
rc=0
"$TL" -q bde.raw >/dev/null 2>bde.err || rc=$?
check "BitLocker without a key: exit 3" test "$rc" -eq 3
check "BitLocker: named with bdeinfo's volume GUID" grep -q "encryption layer: BitLocker volume {$bde_guid}" bde.err
check "BitLocker: bdeinfo's encryption method" \
  bash -c "grep -q 'AES-XTS 128-bit' bdeinfo.out && grep -q 'AES-128-XTS' bde.err"
while read -r id type; do
  check "BitLocker: protector $type {$id} as bdeinfo lists it" \
    grep -qi "$type {$id}" bde.err
done < <(awk -F': ' '/Identifier/ {id=$2} /Type/ {t=tolower($2); print id, t}' bdeinfo.out)
check "BitLocker: never 'unsupported file system'" bash -c "! grep -q 'unsupported file system' bde.err"
rc=0
"$TL" -q --recovery-password 111111-222222-333333-444444-555555-666666-777777-888888 \
  bde.raw >/dev/null 2>bdekey.err || rc=$?
check "BitLocker with a wrong recovery password: refused, exit 3" \
  bash -c "[ $rc -eq 3 ] && grep -q 'the key given does not unlock it' bdekey.err"
python3 - luks.raw <<'PY'
import struct, sys
h = bytearray(2 * 1024 * 1024)
h[0:6] = b'LUKS\xba\xbe'
h[6:8] = struct.pack('>H', 1)
h[8:11] = b'aes'
h[40:51] = b'xts-plain64'
h[72:78] = b'sha256'
struct.pack_into('>II', h, 104, 4096, 64)
h[168:204] = b'0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'
open(sys.argv[1], 'wb').write(h)
PY
luks_uuid=$(blkid -p -o value -s UUID luks.raw)
rc=0
"$TL" -q luks.raw >/dev/null 2>luks.err || rc=$?
check "LUKS: named with blkid's UUID, exit 3" \
  bash -c "[ $rc -eq 3 ] && grep -q 'encryption layer: LUKS1 encrypted volume (UUID $luks_uuid)' luks.err"

# --- issue 14: Volume Shadow Copies (plaso's vsstest.qcow2) -------------------
VSS=${ART_SOURCE_DIR:-$(dirname "$0")/../..}/../shared/corpora/plaso/vsstest.qcow2
GOLD=${ART_SOURCE_DIR:-$(dirname "$0")/../..}/tests/data/media
if [ ! -f "$VSS" ]; then
  echo "skip - ../shared/corpora/plaso/vsstest.qcow2 absent: shadow copy cases not run"
else
  "$TL" -q --tsk-compat --vss all "$VSS" >vss.body
  check "--vss all: the volume itself == fls (golden)" \
    cmp -s "$GOLD/vsstest.body" <(grep -v '^0|vss[0-9]*:' vss.body)
  for n in 1 2; do
    check "--vss all: store $n == fls -m vss$n: on vshadowmount's export (golden)" \
      cmp -s "$GOLD/vsstest.vss$n.body" <(grep "^0|vss$n:" vss.body)
  done
  "$TL" -q --tsk-compat --vss 2 "$VSS" >vss2.body
  check "--vss 2: only store 2 besides the volume" \
    bash -c "! grep -q '^0|vss1:' vss2.body && cmp -s '$GOLD/vsstest.vss2.body' <(grep '^0|vss2:' vss2.body)"
  "$TL" -q -f jsonl --vss all "$VSS" >vss.jsonl
  for n in 1 2; do
    when=$(awk -v n="$n" '/^Store:/ {s=$2} s==n && /Creation time/ {sub(/.*: /, ""); print}' "$GOLD/vsstest.vshadowinfo")
    iso=$(date -u -d "$(echo "$when" | sed 's/\.[0-9]* UTC$//')" +%Y-%m-%dT%H:%M:%S)
    frac=$(echo "$when" | sed -n 's/.*\.\([0-9]\{7\}\).*/\1/p')
    check "store $n events carry the store and vshadowinfo's creation time ($iso.$frac)" \
      grep -q "\"evidence\":\"[^\"]*vsstest.qcow2 (vss$n, created $iso.${frac}Z)\"" vss.jsonl
  done
  "$H" --vss -f sum -c sha256 "$VSS" >vss.sum
  while read -r sum store; do
    check "art-hash --vss: $store == sha256sum of vshadowmount's export (golden)" \
      grep -q "^$sum  .*vsstest.qcow2:$store\$" vss.sum
  done <"$GOLD/vsstest.stores.sha256"
  rc=0
  "$TL" -q --vss 3 "$VSS" >/dev/null 2>vss3.err || rc=$?
  check "--vss 3 on a volume with 2 stores: named, exit 3" \
    bash -c "[ $rc -eq 3 ] && grep -q 'volume shadow copy layer: no store 3 (the volume has 2)' vss3.err"
fi

# --- issue 9.4: the virtual disks of plaso's test data, against fls ----------
PL=${ART_SOURCE_DIR:-$(dirname "$0")/../..}/../shared/corpora/plaso
if [ ! -d "$PL" ]; then
  echo "skip - ../shared/corpora/plaso absent: corpus virtual disks not run"
else
  for f in image.vhd image.vmdk; do # fls opens these through its own libyal
    fls -r -m / "$PL/$f" >ref.$f.body
    "$TL" -q --tsk-compat "$PL/$f" >our.$f.body
    check "plaso $f: art-timeline == fls -r -m / on the same file" cmp -s ref.$f.body our.$f.body
  done
  # fls has no QCOW2 reader: it reads qemu-img's raw conversion
  qemu-img convert -O raw "$PL/image.qcow2" q.raw
  fls -r -m / q.raw >ref.q.body
  "$TL" -q --tsk-compat "$PL/image.qcow2" >our.q.body
  check "plaso image.qcow2: art-timeline == fls on qemu-img's raw conversion" cmp -s ref.q.body our.q.body
  for f in image.vhd:vpc image.vmdk:vmdk image.qcow2:qcow2; do
    qemu-img convert -f "${f#*:}" -O raw "$PL/${f%:*}" c.raw
    check "plaso ${f%:*}: art-hash == sha256sum of qemu-img convert -O raw" \
      test "$("$H" -f sum -c sha256 "$PL/${f%:*}" | cut -c1-64)" = "$(sha256sum <c.raw | cut -c1-64)"
  done
fi

# --- APFS: no APFS image can be made on Linux; the option is checked ---------
rc=0
"$TL" -q --apfs-volume x disk.raw >/dev/null 2>&1 || rc=$?
check "--apfs-volume x: usage error" test "$rc" -eq 2
"$TL" -q -f body --tsk-compat --apfs-volume 1 -o 6144 disk.raw >apfs.body
check "--apfs-volume on a disk without APFS changes nothing (== fls)" cmp -s ref6144.body apfs.body

finish
