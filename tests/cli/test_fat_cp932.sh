#!/usr/bin/env bash
# art-timeline --fs-codepage cp932: FAT short names written by mtools with
# code page 932, compared with the names mdir lists; long names unchanged.
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
need mkfs.fat mcopy mmd mdel mlabel mdir fls iconv
case $'\n'"$(locale -a 2>/dev/null)"$'\n' in *$'\nja_JP.utf8\n'*) ;; *)
  echo "missing locale ja_JP.UTF-8 (package locales-all)" >&2
  exit 1 ;;
esac
TL=$ART_BIN/art-timeline
echo x >"$T/src"

# mtools converts names with iconv to the drive's code page, but budgets
# one byte per character: "報告書abc.TXT" is stored as the 8.3 name
# 報告書.TXT (six bytes of CP932, no long name), as Japanese Windows and
# DOS store a name that fits. A name that does not fit gets a long name.
X=$(printf '\xe5\x40' | iconv -f CP932 -t UTF-8) # 蕁: first byte 0xe5 (0x05)

for bits in 12 16 32; do
  img=$T/fat$bits.img
  size=1440
  [ "$bits" = 16 ] && size=16384
  [ "$bits" = 32 ] && size=40000
  mkfs.fat -C -F "$bits" "$img" "$size" >/dev/null
  printf 'drive z: file="%s" codepage=932\n' "$img" >"$T/mtoolsrc"
  mt() { MTOOLSRC=$T/mtoolsrc LC_ALL=ja_JP.UTF-8 "$@"; }
  mt mcopy "$T/src" "z:報告書abc.TXT"
  mt mcopy "$T/src" "z:${X}a.TXT"      # first byte 0xe5 stored as 0x05
  mt mcopy "$T/src" "z:表a.TXT"        # 表 = 95 5c: trail byte is '\'
  mt mcopy "$T/src" "z:ｶﾀｶﾅa.TXT"      # half-width katakana, one byte each
  mt mmd "z:資料ab"                     # two directories libtsk shows as
  mt mmd "z:証拠ab"                     # ^^^^ both
  mt mcopy "$T/src" "z:資料/表a.TXT"
  mt mmd "z:資料/下位ab"
  mt mcopy "$T/src" "z:資料/下位/日本ab.TXT"
  mt mcopy "$T/src" "z:証拠/写真ab.JPG"
  mt mcopy "$T/src" "z:長いファイル名の報告書です.docx" # long name (UTF-16)
  mt mcopy "$T/src" "z:告知書.txt" # mtools cuts 知: 8d 90 92, not CP932
  mt mcopy "$T/src" "z:削除ab.TXT" # last: its slot stays deleted
  mt mdel "z:削除.TXT"

  # reference: mdir's bare recursive listing (long name where there is
  # one, else the short name in code page 932)
  mt mdir -/ -b z: | sed -e 's|^Z:||' -e 's|/$||' | LC_ALL=C sort >"$T/mdir$bits"
  "$TL" --fs-codepage cp932 -O "$T/ours$bits" "$img"
  cut -d'|' -f2 "$T/ours$bits" | grep -v -e '^/\$' -e '(deleted)$' \
    -e '(Volume Label Entry)$' | LC_ALL=C sort >"$T/names$bits"
  # mdir cannot read back the cut name (it prints memory after it); it is
  # checked below. mtools lower-cases a trail byte in A-Z (83 41 'ア' + 'A'
  # with the lower-case flag gives ヂa); Windows converts the name first
  # and lower-cases letters only, as we do: no such name here.
  grep -v '^/告.' "$T/mdir$bits" >"$T/ref$bits" || true
  grep -v -F '/告\\x92.txt' "$T/names$bits" >"$T/cmp$bits" || true
  if diff -u "$T/ref$bits" "$T/cmp$bits"; then
    ok "FAT$bits: $(wc -l <"$T/ref$bits") names as mdir lists them with code page 932"
  else
    fail "FAT$bits: names differ from mdir's"
  fi
  check "FAT$bits: 8.3 name in CP932 without a long name" grep -qx '/報告書.TXT' "$T/names$bits"
  check "FAT$bits: 0x05 read as a first byte 0xe5" grep -qx "/$X.TXT" "$T/names$bits"
  check "FAT$bits: 0x5c trail byte (表) not a path separator" grep -qx '/資料/表a.TXT' "$T/names$bits"
  check "FAT$bits: two levels of converted directories" \
    grep -qx '/資料/下位/日本.TXT' "$T/names$bits"
  check "FAT$bits: sibling directories both ^^^^ in libtsk keep their names" \
    grep -qx '/証拠/写真.JPG' "$T/names$bits"
  check "FAT$bits: long name (UTF-16) unchanged" \
    grep -qx '/長いファイル名の報告書です.docx' "$T/names$bits"
  check "FAT$bits: bytes that are not CP932 shown as \\xNN" \
    grep -qxF '0|/告\\x92.txt' <(cut -d'|' -f1,2 "$T/ours$bits")
  # deleted: the first byte (8d of 削) is lost; the next (ed) is shown
  check "FAT$bits: deleted name: lost lead byte's partner escaped, rest read" \
    grep -qF '|/_\\xed除.TXT (deleted)|' "$T/ours$bits"
  # without the option: libtsk's names, byte for byte those of fls
  fls -r -m / "$img" | cut -d'|' -f2 | LC_ALL=C sort >"$T/fls$bits"
  "$TL" --tsk-compat "$img" | cut -d'|' -f2 | LC_ALL=C sort >"$T/compat$bits"
  check "FAT$bits: no code page: names as fls prints them" cmp -s "$T/fls$bits" "$T/compat$bits"
  check "FAT$bits: fls shows the CP932 name as ^" grep -qx '/^^^^^^.TXT' "$T/fls$bits"
  # every other field is unchanged by the code page
  "$TL" -O "$T/plain$bits" "$img"
  check "FAT$bits: only names change" cmp -s <(cut -d'|' -f1,3- "$T/plain$bits") \
    <(cut -d'|' -f1,3- "$T/ours$bits")
done

# the volume label (alone: mlabel also writes a long-name slot, which
# libtsk would give to the next file)
mkfs.fat -C -F 12 "$T/label.img" 1440 >/dev/null
printf 'drive z: file="%s" codepage=932\n' "$T/label.img" >"$T/mtoolsrc"
MTOOLSRC=$T/mtoolsrc LC_ALL=ja_JP.UTF-8 mlabel "z:押収ab"
label=$(MTOOLSRC=$T/mtoolsrc LC_ALL=ja_JP.UTF-8 mdir z: |
  sed -n 's/^ Volume in drive Z is \(.*\)$/\1/p' | sed 's/ *$//')
"$TL" --fs-codepage cp932 -O "$T/label" "$T/label.img"
check "volume label as mdir shows it ($label)" \
  grep -q "|/$label *(Volume Label Entry)|" "$T/label"
check "volume label: mdir reads it in CP932" test "$label" = 押収

# every output format carries the converted name
"$TL" --fs-codepage cp932 -f jsonl "$T/fat16.img" >"$T/j"
check "jsonl: converted name" grep -q '"/資料/下位/日本.TXT"' "$T/j"
expect_rc 2 "unknown code page is a usage error" "$TL" --fs-codepage no-such-cp "$T/fat12.img"
"$TL" --fs-codepage cp932 "$T/fat12.img" 2>&1 >/dev/null | grep -q . &&
  fail "stderr not empty" || ok "no message on a clean image"

finish
