#!/usr/bin/env bash
# art-timeline's sequential NTFS MFT reader (timeline/ntfs_mft.c) against
# fls -r -m / and against libtsk's own walk (ART_NTFS_READER=libtsk) on NTFS
# volumes made now (mkntfs + ntfs-3g: a multi-level $I30, deleted names in
# index slack, orphans, hard links up to an $ATTRIBUTE_LIST, streams,
# non-ASCII and control-byte names, read-only/hidden files, fragmented
# files), on the same volumes with damaged MFT records, through E01 and
# QCOW2, and on ../shared/corpora/plaso's NTFS images when present.
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
need fls mkntfs ntfscp

BIN=$ART_BIN/art-timeline
SAMPLES=/usr/share/forensics-samples
CORP=${ART_SOURCE_DIR:?}/../shared/corpora/plaso
cleanup() { # lib.sh's, after the ntfs-3g mount is gone
  if mountpoint -q "$T/mnt" 2>/dev/null; then umount "$T/mnt"; fi
  chmod -R u+rwX "$T" 2>/dev/null || true
  rm -rf "$T"
}

# IMAGE (fls arguments before it in FLS_ARGS): ours --tsk-compat == fls,
# and every other form equal to libtsk's walk
same_as_fls() {
  local label=$1 img=$2
  shift 2
  fls -r -m / "$@" "$img" >"$T/ref.body" 2>/dev/null || true
  local rc=0
  "$BIN" -q --tsk-compat "$@" "$img" >"$T/our.body" 2>"$T/our.err" || rc=$?
  check "$label: --tsk-compat == fls -r -m / ($(wc -l <"$T/ref.body") lines, exit $rc)" \
    cmp -s "$T/ref.body" "$T/our.body"
}
same_as_libtsk() {
  local label=$1 img=$2
  shift 2
  local r1=0 r2=0
  ART_NTFS_READER=libtsk "$BIN" -q --no-sandbox "$@" "$img" >"$T/lt.out" 2>"$T/lt.err" || r1=$?
  "$BIN" -q "$@" "$img" >"$T/our.out" 2>"$T/our.err" || r2=$?
  check "$label: $* == libtsk's walk ($(wc -l <"$T/lt.out") lines, exit $r1/$r2)" \
    sh -c "cmp -s '$T/lt.out' '$T/our.out' && test $r1 -eq $r2"
}
# IMAGE cut short (arguments after PATTERN before it): exit 3 and a message
# matching PATTERN (a grep regex), never a clean exit, in both readers,
# sandboxed and not; with LINES=1 what lies before the cut is still listed
truncated_is_reported() {
  local label=$1 img=$2 lines=$3 pat=$4
  shift 4
  local rd m rc
  for rd in ours libtsk; do
    for m in --no-sandbox sandboxed; do
      local -a opt=()
      [ "$m" = sandboxed ] || opt=("$m")
      rc=0
      ART_NTFS_READER=$rd "$BIN" -q "${opt[@]}" "$@" "$img" >"$T/tr.out" 2>"$T/tr.err" || rc=$?
      check "$label ($rd reader, $m): exit 3 (exit $rc)" test "$rc" -eq 3
      check "$label ($rd reader, $m): the message says why ($(head -n 1 "$T/tr.err"))" \
        grep -q "$pat" "$T/tr.err"
      [ "$lines" = 1 ] || continue
      check "$label ($rd reader, $m): lines before the end still listed" test -s "$T/tr.out"
    done
  done
}

# ----------------------------------------------------- forensics-samples
if [ -f "$SAMPLES/fs.ntfs.xz" ]; then
  xz -dc "$SAMPLES/fs.ntfs.xz" >"$T/fs.ntfs"
  same_as_fls "fs.ntfs" "$T/fs.ntfs" -o 2048
  same_as_libtsk "fs.ntfs" "$T/fs.ntfs" -o 2048 -f jsonl
  same_as_libtsk "fs.ntfs" "$T/fs.ntfs" -o 2048 --no-orphans
  # cut short after the MFT, inside a directory's index: fls lists less and
  # exits 0; ours lists the same, says why and exits 3 (both reader paths,
  # sandboxed or not)
  head -c 30000000 "$T/fs.ntfs" >"$T/fscut.ntfs"
  same_as_fls "fs.ntfs cut at 30 MB" "$T/fscut.ntfs" -o 2048
  truncated_is_reported "fs.ntfs cut at 30 MB" "$T/fscut.ntfs" 1 \
    "fscut.ntfs: partition at sector 2048 (-o) (ntfs): the image ends at block 7068 of 12543 (truncated image)" -o 2048
else
  echo "skip fs.ntfs: $SAMPLES absent"
fi

# ------------------------------------------- a volume made with ntfscp only
dd if=/dev/zero of="$T/cp.ntfs" bs=1M count=16 status=none
mkntfs -q -F -Q "$T/cp.ntfs" >/dev/null 2>&1
printf 'hello' >"$T/h.txt"
for n in a.txt "日本語.txt" "long_$(printf 'x%.0s' $(seq 200)).bin"; do
  ntfscp -q "$T/cp.ntfs" "$T/h.txt" "$n" >/dev/null 2>&1
done
same_as_fls "mkntfs + ntfscp" "$T/cp.ntfs"

# ------------------------------------- a volume made through ntfs-3g (FUSE)
truncate -s 96M "$T/st.ntfs"
mkntfs -q -F -Q "$T/st.ntfs" >/dev/null 2>&1
mkdir "$T/mnt"
if ntfs-3g -o streams_interface=windows "$T/st.ntfs" "$T/mnt" 2>/dev/null; then
  python3 - "$T/mnt" <<'PYEOF'
import os, sys
root = sys.argv[1]
def w(p, data=b"x"):
    with open(p, "wb") as f:
        f.write(data)
# a big directory (a multi-level $I30), half of it deleted
big = os.path.join(root, "big")
os.mkdir(big)
for i in range(2500):
    w(os.path.join(big, "file_%05d_with_a_longer_name.txt" % i), b"y" * (i % 700))
for i in range(0, 2500, 2):
    os.unlink(os.path.join(big, "file_%05d_with_a_longer_name.txt" % i))
odd = os.path.join(root, "odd")
os.mkdir(odd)
for n in ["日本語のファイル名.txt", "emoji_\U0001F600.bin", "a" * 255, "cr\rname",
          "esc\x1bname", "pipe|name", "back\\slash", "tab\tname", "Ünïcödé"]:
    w(os.path.join(odd, n), n.encode())
hl = os.path.join(root, "links")
os.mkdir(hl)
w(os.path.join(hl, "target.dat"), b"z" * 5000)
for i in range(3):
    os.link(os.path.join(hl, "target.dat"), os.path.join(hl, "link%d.dat" % i))
# enough names to need an $ATTRIBUTE_LIST
w(os.path.join(hl, "many.dat"), b"m" * 100)
for i in range(60):
    os.link(os.path.join(hl, "many.dat"), os.path.join(hl, "many_link_with_long_name_%03d.dat" % i))
ads = os.path.join(root, "ads")
os.mkdir(ads)
w(os.path.join(ads, "host.txt"), b"host")
for s in ["Zone.Identifier", "secret", "ストリーム"]:
    w(os.path.join(ads, "host.txt:" + s), s.encode() * 100)
w(os.path.join(ads, "ro.txt"), b"r")
w(os.path.join(ads, "hidden.txt"), b"h")
for n, v in (("ro.txt", 1), ("hidden.txt", 2)):
    try:  # FILE_ATTRIBUTE_READONLY / HIDDEN in $STANDARD_INFORMATION
        os.setxattr(os.path.join(ads, n), "system.ntfs_attrib_be", v.to_bytes(4, "big"))
    except OSError:
        pass
fa = open(os.path.join(root, "frag_a.bin"), "wb")
fb = open(os.path.join(root, "frag_b.bin"), "wb")
for i in range(150):
    for f in (fa, fb):
        f.write(os.urandom(4096)); f.flush(); os.fsync(f.fileno())
fa.close(); fb.close()
os.symlink("frag_a.bin", os.path.join(root, "sym_to_frag"))
os.mkdir(os.path.join(root, "empty"))
d = os.path.join(root, "deep")
for i in range(30):
    d = os.path.join(d, "level%02d" % i)
os.makedirs(d)
w(os.path.join(d, "bottom.txt"))
gone = os.path.join(root, "gone")
os.makedirs(os.path.join(gone, "sub"))
for i in range(20):
    w(os.path.join(gone, "g%02d.txt" % i), b"g" * 2000)
    w(os.path.join(gone, "sub", "s%02d.txt" % i), b"s" * 10)
for i in range(20):
    os.unlink(os.path.join(gone, "sub", "s%02d.txt" % i))
os.rmdir(os.path.join(gone, "sub"))
for i in range(20):
    os.unlink(os.path.join(gone, "g%02d.txt" % i))
os.rmdir(gone)
# root names libtsk orders first and last
w(os.path.join(root, "pagefile.sys"), b"p" * 10)
os.makedirs(os.path.join(root, "Users", "me"))
os.makedirs(os.path.join(root, "Windows", "System32"))
w(os.path.join(root, "Users", "me", "notes.txt"), b"n")
PYEOF
  umount "$T/mnt"
  same_as_fls "ntfs-3g volume" "$T/st.ntfs"
  check "ntfs-3g volume: an entry with an \$ATTRIBUTE_LIST is listed" \
    grep -q '^0|/links/many_link_with_long_name_059.dat|' "$T/ref.body"
  check "ntfs-3g volume: orphans under \$OrphanFiles" grep -q '^0|/\$OrphanFiles/' "$T/ref.body"
  check "ntfs-3g volume: named streams" grep -qF '/ads/host.txt:secret|' "$T/ref.body"
  same_as_libtsk "ntfs-3g volume" "$T/st.ntfs"
  same_as_libtsk "ntfs-3g volume" "$T/st.ntfs" -f jsonl
  same_as_libtsk "ntfs-3g volume" "$T/st.ntfs" --no-orphans
  # damaged MFT records (bad fixups, attribute lengths, flags, sequence
  # numbers, names): still what fls prints
  for seed in 1 2 3 4; do
    python3 - "$T/st.ntfs" "$T/dmg.ntfs" "$seed" <<'PYEOF'
import random, struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
rnd = random.Random(int(sys.argv[3]))
bps = struct.unpack_from("<H", data, 11)[0]
mft = struct.unpack_from("<Q", data, 48)[0] * bps * data[13]
for i in range(16, 6000):
    off = mft + i * 1024
    if data[off:off + 4] != b"FILE" or rnd.random() > 0.05:
        continue
    k = rnd.randrange(6)
    if k == 0:
        data[off + 510] ^= 0x55
    elif k == 1:
        for _ in range(8):
            data[off + rnd.randrange(56, 1000)] = rnd.randrange(256)
    elif k == 2:
        a = off + struct.unpack_from("<H", data, off + 20)[0]
        struct.pack_into("<I", data, a + 4, rnd.choice([0, 7, 0x10000, 24]))
    elif k == 3:
        data[off + 22] ^= rnd.choice([1, 2, 3])
    elif k == 4:
        data[off + 16] ^= 0xff
    else:
        for _ in range(4):
            data[off + rnd.randrange(150, 400)] ^= 0xff
open(sys.argv[2], "wb").write(data)
PYEOF
    same_as_fls "damaged MFT (seed $seed)" "$T/dmg.ntfs"
  done
  # a volume cut short: what can be read, as libtsk reads it
  head -c 40000000 "$T/st.ntfs" >"$T/cut.ntfs"
  same_as_libtsk "volume cut at 40 MB" "$T/cut.ntfs"
  truncated_is_reported "volume cut at 40 MB" "$T/cut.ntfs" 0 "cut.ntfs: partition at sector 0 (whole image)"
  if command -v ewfacquire >/dev/null; then
    ewfacquire -q -u -t "$T/st" -c deflate:fast -f encase6 "$T/st.ntfs" >/dev/null 2>&1
    fls -r -m / "$T/st.ntfs" >"$T/raw.fls"
    "$BIN" -q --tsk-compat "$T/st.E01" >"$T/e01.body"
    check "the same volume as E01 == fls on the raw volume" cmp -s "$T/raw.fls" "$T/e01.body"
  fi
  if command -v qemu-img >/dev/null; then
    qemu-img convert -O qcow2 "$T/st.ntfs" "$T/st.qcow2"
    "$BIN" -q --tsk-compat "$T/st.qcow2" >"$T/qcow.body"
    check "the same volume as QCOW2 == fls on the raw volume" cmp -s "$T/raw.fls" "$T/qcow.body"
  fi
else
  echo "skip ntfs-3g volume tests: cannot mount with ntfs-3g (FUSE)"
fi

# ------------------------------------------------------- plaso's NTFS images
if [ -d "$CORP" ] && command -v qemu-img >/dev/null; then
  for f in vsstest.qcow2 image.qcow2 image.vhd image.vmdk; do
    [ -f "$CORP/$f" ] || continue
    qemu-img convert -O raw "$CORP/$f" "$T/plaso.raw"
    fls -r -m / "$T/plaso.raw" >"$T/plaso.fls" 2>/dev/null || true
    "$BIN" -q --tsk-compat "$CORP/$f" >"$T/plaso.body" 2>/dev/null || true
    check "plaso $f: --tsk-compat == fls on its raw bytes ($(wc -l <"$T/plaso.fls") lines)" \
      cmp -s "$T/plaso.fls" "$T/plaso.body"
  done
  same_as_libtsk "plaso vsstest.qcow2" "$CORP/vsstest.qcow2" --tsk-compat --vss all
  rm -f "$T/plaso.raw"
else
  echo "skip plaso NTFS images: $CORP absent (../shared is not part of a clone) or no qemu-img"
fi

finish
