# Differential tests of the archive walker through art-surface: member lists
# against `bsdtar -tf` and member bytes against `bsdtar -xO` (LANG=C.UTF-8)
# on archives made at test time (Japanese, Cyrillic and accented names;
# encrypted zip; appended to a JPEG; leading data; XAR; GNU ar; a bomb
# before a payload), libarchive's own RAR/7z/LZH/RPM test archives and its
# hostile archives (tests/data).
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq bsdtar python3 ar cc sha256sum xz lzma lz4 zstd iconv
S=$ART_BIN/art-surface
D=$ART_SOURCE_DIR/tests/data
export XDG_CACHE_HOME=$T/cache
surf() { "$S" --no-yara --no-strings "$@"; }
cd "$T"

# ---- archives made here --------------------------------------------------
mkdir src
(cd src
  printf 'hello\n' >a.txt
  printf 'second member data\n' >b.txt
  head -c 100000 /dev/urandom >c.bin
  for n in 請求書_2024年4月.pdf.exe Привет.txt café.txt; do printf '%s\n' "$n" >"$n"; done)
export LC_ALL=C.UTF-8
(cd src
  bsdtar --format zip -cf ../names.zip 請求書_2024年4月.pdf.exe Привет.txt café.txt a.txt
  bsdtar --format pax -cf ../names.tar 請求書_2024年4月.pdf.exe Привет.txt café.txt
  bsdtar --format 7zip -cf ../names.7z 請求書_2024年4月.pdf.exe Привет.txt café.txt
  bsdtar --format xar -cf ../x.xar a.txt b.txt c.bin
  bsdtar --format zip --options zip:encryption=zipcrypt --passphrase s3cret -cf ../enc.zip a.txt b.txt
  bsdtar --format zip -cf ../plain.zip a.txt b.txt c.bin
  ar rc ../gnu.a a.txt b.txt c.bin
  ar rcS ../nosym.a a.txt b.txt)
export LC_ALL=C
printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001\000\001\000\000' >pic.jpg
head -c 5000 /dev/urandom >>pic.jpg
printf '\377\331' >>pic.jpg
cat pic.jpg plain.zip >appended.jpg
# Containers whose start has no classic magic: v7 tar (no ustar), lzma-alone
# (.tlz), legacy lz4, zstd behind a skippable frame.
(cd src && bsdtar --format v7 -cf ../v7.tar a.txt b.txt && bsdtar -cf ../p.tar a.txt b.txt)
lzma -c p.tar >p.tlz
lz4 -l -q -c p.tar >legacy.tar.lz4
{ printf 'P*M\030\010\000\000\000artifact'; zstd -q -c p.tar; } >skip.tar.zst
# An ISO whose Rock Ridge names and links need continuation areas (CE):
# legitimate ones must not look like the hostile loop below.
mkdir isosrc
for i in 1 2 3; do
  n=$(printf 'very_long_name_%0200d_%d.txt' 0 "$i")
  echo "$i" >"isosrc/$n"
  ln -s "$(printf 'target_%0230d' "$i")" "isosrc/link$i"
done
cp src/a.txt src/b.txt isosrc/
# ar variants: GNU with a symbol table ("/") and long names ("//"), BSD
# (#1/ names), members' modes without file type bits.
printf 'int f(void) { return 1; }\n' >f.c
cc -c f.c -o f.o
(cd src && cp b.txt a_rather_long_member_name.txt && ar rcs ../sym.a ../f.o a.txt a_rather_long_member_name.txt)
python3 - <<'PY'
def hdr(name, size):
    return (name.ljust(16) + b'0'.ljust(12) + b'0'.ljust(6) + b'0'.ljust(6)
            + b'100644'.ljust(8) + str(size).encode().ljust(10) + b'`\n')
out = bytearray(b'!<arch>\n')
for n, d in [(b'short.txt', b'hello\n'), (b'a_rather_long_member_name.txt', b'second member data\n'),
             (b'x.o', b'\x7fELF' + bytes(60))]:
    if len(n) > 15:
        out += hdr(b'#1/%d' % len(n), len(n) + len(d)) + n + d
    else:
        out += hdr(n, len(d)) + d
    if len(out) % 2:
        out += b'\n'
open('bsd.a', 'wb').write(out)
PY
bsdtar --format iso9660 -cf rr.iso -C isosrc .
xz -k rr.iso
{ head -c 3000 /dev/urandom; cat plain.zip; } >leading.bin
python3 - <<'PY'
import zipfile
with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('zeros.bin', b'\0' * (300 << 20))
    z.writestr('payload.exe', b'MZ' + b'x' * 100)
PY

# Our members of ARCHIVE (direct ones: depth 1), path_in_parent, sorted.
ours() { surf "${@:2}" "$1" | jq -r 'select(.lineage.depth == 1) | .lineage.path_in_parent' | sort; }
ref() { { LC_ALL=C.UTF-8 bsdtar -tf "$1" || true; } | sort; }
for f in names.zip names.tar names.7z x.xar enc.zip gnu.a nosym.a sym.a bsd.a appended.jpg leading.bin rr.iso rr.iso.xz \
         v7.tar p.tlz legacy.tar.lz4 skip.tar.zst \
         "$D"/libarchive/*.7z "$D"/libarchive/*.rar "$D"/libarchive/*.lzh "$D"/libarchive/*.rpm; do
  b=$(basename "$f")
  ref "$f" >"$T/ref.list"
  if [ -s "$T/ref.list" ] && diff <(ours "$f") "$T/ref.list" >"$T/diff.$b"; then
    ok "member list of $b equals bsdtar -tf ($(wc -l <"$T/ref.list") members)"
  else fail "member list of $b differs from bsdtar -tf:"; cat "$T/diff.$b" >&2; fi
done

# ---- bytes: every member's sha256 against bsdtar -xO -------------------------
for f in names.zip names.tar names.7z x.xar plain.zip gnu.a sym.a bsd.a appended.jpg leading.bin rr.iso rr.iso.xz "$D"/libarchive/*.lzh "$D"/libarchive/*.rpm; do
  b=$(basename "$f")
  surf "$f" | jq -r 'select(.lineage.depth == 1 and .lineage.entry_type == "file")
                     | [.lineage.path_in_parent, .hashes.sha256, (.size|tostring)] | @tsv' | sort >"ours.$b"
  : >"ref.$b"
  LC_ALL=C.UTF-8 bsdtar -tf "$f" | while IFS= read -r m; do
    case $m in */ | /*) continue ;; esac # directories; ar's symbol and name tables
    LC_ALL=C.UTF-8 bsdtar -xOf "$f" "$m" >member.bin 2>/dev/null || continue
    printf '%s\t%s\t%s\n' "$m" "$(sha256sum <member.bin | cut -d' ' -f1)" "$(stat -c %s member.bin)" >>"ref.$b"
  done || true
  sort -o "ref.$b" "ref.$b"
  # Empty rows left out on both sides: bsdtar -xO writes nothing for a
  # symlink (LZH), which we flag and do not read.
  grep -v -e $'\t0$' -e '^/' "ours.$b" >"o.$b" || true
  grep -v $'\t0$' "ref.$b" >"r.$b" || true
  if [ -s "r.$b" ] && diff "o.$b" "r.$b" >"bd.$b"; then ok "member bytes of $b equal bsdtar -xO ($(wc -l <"r.$b") members)"
  else fail "member bytes of $b differ from bsdtar -xO:"; cat "bd.$b" >&2; fi
done

# ---- names ---------------------------------------------------------------
python3 - <<'PY'
import struct, zlib
def rawzip(path, entries):
    out = bytearray(); cd = bytearray()
    for name, data in entries:
        crc = zlib.crc32(data) & 0xffffffff; off = len(out)
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name), 0) + name + data
        cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name), 0, 0, 0, 0, 0o100644 << 16, off) + name
    out += cd + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(entries), len(entries), len(cd), len(out), 0)
    open(path, 'wb').write(bytes(out))
rawzip('cp932.zip', [('請求書_2024年4月.pdf.exe'.encode('cp932'), b'MZ'), ('テスト/メモ.txt'.encode('cp932'), b'memo')])
rawzip('cp866.zip', [('Привет.txt'.encode('cp866'), b'x')])
rawzip('koi8.zip', [('Привет.txt'.encode('koi8-r'), b'x')])
rawzip('eucjp.zip', [('日本語.txt'.encode('euc-jp'), b'x')])
rawzip('cp437.zip', [('café.txt'.encode('cp437'), b'x')])
PY
names() { surf "${@:2}" "$1" | jq -r 'select(.lineage.depth == 1) | .lineage.path_in_parent' | sort | tr '\n' '|'; }
check "CP932 names without the UTF-8 flag detected" test "$(names cp932.zip)" = "テスト/メモ.txt|請求書_2024年4月.pdf.exe|"
# The conversion agrees with libarchive's own when told the charset.
check "CP932 names equal bsdtar --options hdrcharset=CP932" \
  test "$(names cp932.zip)" = "$(LC_ALL=C.UTF-8 bsdtar --options hdrcharset=CP932 -tf cp932.zip | sort | tr '\n' '|')"
check "--archive-charset cp932 forces it" test "$(names cp932.zip --archive-charset cp932)" = "テスト/メモ.txt|請求書_2024年4月.pdf.exe|"
check "--archive-charset cp866" test "$(names cp866.zip --archive-charset cp866)" = "Привет.txt|"
check "--archive-charset koi8-r" test "$(names koi8.zip --archive-charset koi8-r)" = "Привет.txt|"
check "--archive-charset euc-jp" test "$(names eucjp.zip --archive-charset euc-jp)" = "日本語.txt|"
check "ZIP default without the flag is CP437" test "$(names cp437.zip)" = "café.txt|"
check "name_hex holds the stored bytes" \
  test "$(surf cp866.zip | jq -r 'select(.lineage.depth == 1) | .name_hex')" = "$(printf 'Привет.txt' | iconv -f utf-8 -t cp866 | od -An -tx1 | tr -d ' \n')"
expect_rc 2 "an unknown --archive-charset is a usage error" surf --archive-charset no-such-cs cp866.zip 2>/dev/null
# undecodable: escaped, never U+FFFD
python3 -c "
import tarfile, io
t = tarfile.open('bad.tar', 'w', format=tarfile.GNU_FORMAT, encoding='utf-8', errors='surrogateescape')
i = tarfile.TarInfo(b'bad\xff\xfe-name.txt'.decode('utf-8', 'surrogateescape')); i.size = 1
t.addfile(i, io.BytesIO(b'x')); t.close()"
check "undecodable bytes escaped as \\xNN" test "$(names bad.tar)" = 'bad\xFF\xFE-name.txt|'
surf bad.tar cp932.zip cp866.zip koi8.zip eucjp.zip >names.jsonl
check "no U+FFFD in any name" test "$(grep -c $'\xef\xbf\xbd' names.jsonl)" -eq 0

# ---- flags ------------------------------------------------------------------
flags() { surf "$1" | jq -r --arg p "$2" 'select(.lineage.path_in_parent == $p) | (.flags + .limits_hit) | sort | join(",")'; }
# the bomb once, with the default limits
surf bomb.zip >bomb.jsonl
check "member list of bomb.zip equals bsdtar -tf" \
  test "$(jq -r 'select(.lineage.depth == 1) | .lineage.path_in_parent' bomb.jsonl | sort)" = "$(ref bomb.zip)"
check "encrypted zip members flagged" test "$(flags enc.zip b.txt)" = "encrypted"
check "7z with a codec libarchive lacks: unsupported_codec" \
  test "$(flags "$D/libarchive/test_read_format_7zip_zstd.7z" file4)" = "unsupported_codec"
check "RAR: encrypted member flagged, the next one read" \
  test "$(flags "$D/libarchive/test_read_format_rar_encryption_partially.rar" foo.txt)" = "encrypted"
check "RAR: the member after an encrypted one is read" \
  test "$(surf "$D/libarchive/test_read_format_rar_encryption_partially.rar" | jq -r 'select(.lineage.path_in_parent == "bar.txt") | .size')" = 16
check "7z: encrypted member flagged after a readable one" \
  test "$(surf "$D/libarchive/test_read_format_7zip_encryption_partially.7z" | jq -r 'select(.lineage.depth == 1) | [.lineage.path_in_parent, (.flags | join(","))] | @tsv' | sort | tr '\n\t' '|:')" = "bar_encrypted.txt:encrypted|bar_unencrypted.txt:|"
check "bomb member cut and flagged" \
  test "$(jq -r 'select(.lineage.path_in_parent == "zeros.bin") | (.flags + .limits_hit) | sort | join(",")' bomb.jsonl)" = "size_limit,skipped_limit,truncated"
check "cut member keeps its declared size" \
  test "$(jq -r 'select(.lineage.path_in_parent == "zeros.bin") | [.size, .bytes_read] | @tsv' bomb.jsonl)" = "$(printf '%s\t%s' $((300 << 20)) $((256 << 20)))"
check "payload after the bomb read" \
  test "$(jq -r 'select(.lineage.path_in_parent == "payload.exe") | .size' bomb.jsonl)" = 102
check "appended ZIP: container.offset" \
  test "$(surf appended.jpg | jq -r 'select(.lineage.depth == 0) | .container.offset')" = "$(stat -c %s pic.jpg)"
check "7z self-extracting PE: listed as bsdtar lists it" \
  test "$(ours "$D/libarchive/test_read_format_7zip_sfx_pe.exe")" = "$(ref "$D/libarchive/test_read_format_7zip_sfx_pe.exe")"
check "7z self-extracting PE: container.offset at the 7z signature" \
  test "$(surf "$D/libarchive/test_read_format_7zip_sfx_pe.exe" | jq -r 'select(.lineage.depth == 0) | .container.offset')" = \
       "$(grep -obUaP '7z\xbc\xaf\x27\x1c' "$D/libarchive/test_read_format_7zip_sfx_pe.exe" | tail -1 | cut -d: -f1)"
check "leading data: container.offset" \
  test "$(surf leading.bin | jq -r 'select(.lineage.depth == 0) | .container.offset')" = 3000

# ---- time limit ----------------------------------------------------------
head -c 1G /dev/zero | gzip -1 >big.gz
rc=0
surf --archive-timeout 1 --max-member 100G --max-total 100G --max-ratio 1000000 big.gz names.zip >tl.jsonl 2>tl.err || rc=$?
check "a walk over its time limit: exit 3" test "$rc" -eq 3
check "timeout reported in limits_hit" test "$(jq -r 'select(.path == "big.gz") | .limits_hit | join(",")' tl.jsonl)" = timeout
check "the next input is still examined" test "$(jq -r 'select(.path == "names.zip") | .path' tl.jsonl)" = names.zip

# ---- hostile corpus --------------------------------------------------------
H=$D/hostile
check "unbound RAR static data: listed as bsdtar lists it" \
  test "$(ours "$H/test_read_format_rar_unbound_staticdata.rar")" = "$(ref "$H/test_read_format_rar_unbound_staticdata.rar")"
# The three that 3.6.2 never finishes are recognised before libarchive
# runs and refused with the limit they would hit; the run goes on, exit 3.
for c in "test_read_filter_gzip_recursive.gz memory" "test_read_format_xar_doublelink.xar timeout" \
         "test_read_format_iso_rockridge_ce_loop.iso.Z memory" "iso_rockridge_ce_loop_cut.iso.Z memory"; do
  set -- $c
  rc=0
  /usr/bin/time -f %M -o h.mem timeout 60 "$S" --no-yara --no-strings "$H/$1" src/a.txt >h.jsonl 2>/dev/null || rc=$?
  check "$1: refused in process, exit 3" test "$rc" -eq 3
  check "$1: limits_hit $2" test "$(jq -r 'select(.lineage.depth == 0 and (.path | endswith(".txt") | not)) | .limits_hit | join(",")' h.jsonl)" = "$2"
  check "$1: the next input examined" test "$(jq -r 'select(.path == "src/a.txt") | .size' h.jsonl)" = 6
  check "$1: peak memory under 256 MiB" test "$(tail -1 h.mem)" -lt 262144
done
finish
