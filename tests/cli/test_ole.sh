# OLE2/VBA dissector against olevba and oleid: golden facts made by the
# reference tools (tests/data/oletools/goldens.tsv, make_goldens.py) on the
# whole oletools corpus when ../shared is there, on two fixtures copied
# from it otherwise; lineage, YARA on decompressed macro source, damaged
# compound files.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq awk
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
D=$ART_SOURCE_DIR/tests/data/oletools
GOLD=$D/goldens.tsv
CORPUS=${ART_OLETOOLS_CORPUS:-$ART_SOURCE_DIR/../shared/corpora/oletools}

ours_tsv() { # ours_tsv CORPUS_PREFIX JSONL -> $T/ours.tsv
  jq -s -r --arg corpus "$1" -f "$ART_SOURCE_DIR/tests/cli/ole_ours.jq" "$2" | sort -u >"$T/ours.tsv"
}

# ---- the fixtures (always) ---------------------------------------------
mkdir -p "$T/fx/oleform" "$T/fx/encrypted" "$T/fx/olevba"
cp "$D/oleform-PR314.docm" "$T/fx/oleform/"
cp "$D/encrypted.xls" "$T/fx/encrypted/"
cp "$D/sample_with_vba.ppt" "$T/fx/olevba/"
"$S" --no-yara "$T/fx/oleform/oleform-PR314.docm" "$T/fx/encrypted/encrypted.xls" \
  "$T/fx/olevba/sample_with_vba.ppt" >"$T/fx.jsonl"
ours_tsv "$T/fx" "$T/fx.jsonl"
grep -P '^(oleform/oleform-PR314.docm|encrypted/encrypted.xls|olevba/sample_with_vba.ppt)\t' "$GOLD" >"$T/gold.fx"
GOLD_SAVED=$GOLD
GOLD=$T/gold.fx
. "$ART_SOURCE_DIR/tests/cli/ole_compare.sh"
GOLD=$GOLD_SAVED
if diff "$T/gold.cmp" "$T/ours.cmp" >"$T/diff"; then
  ok "fixtures: modules, code hashes, auto-exec keywords, encryption as olevba/oleid ($(wc -l <"$T/gold.cmp") facts)"
else
  fail "fixtures differ from olevba/oleid:"; cat "$T/diff" >&2
fi
check "VBA module below word/vbaProject.bin (docm!member!module, via vba-module)" \
  test "$(jq -r 'select(.path | endswith("oleform-PR314.docm!word/vbaProject.bin!NewMacros.bas")) | "\(.lineage.via) \(.lineage.depth) \(.lineage.dissector)"' "$T/fx.jsonl")" = "vba-module 2 ole"
check "vbaProject.bin flagged vba_macros and vba_autoexec" \
  test "$(jq -r 'select(.path | endswith("!word/vbaProject.bin")) | [.flags[] | select(startswith("vba_"))] | join(",")' "$T/fx.jsonl")" = "vba_macros,vba_autoexec"
check "encrypted workbook flagged (FILEPASS)" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("encrypted.xls"))) | "\(.ole.encryption) \(.flags | index("encrypted") != null)"' "$T/fx.jsonl")" = "excel_filepass true"
check "streams listed with sizes" \
  test "$(jq -r 'select(.path | endswith("!word/vbaProject.bin")) | .ole.streams | map(select(.path == "VBA/dir")) | length' "$T/fx.jsonl")" = 1

check "PowerPoint 97: the VBA storage is zlib-inflated from ExOleObjStg (ppt!VbaProject-0.bin!Module1.bas)" \
  test "$(jq -r 'select(.path | endswith("sample_with_vba.ppt!VbaProject-0.bin!Module1.bas")) | .lineage.via' "$T/fx.jsonl")" = vba-module
check "PowerPoint 97: the storage is listed (offset, compressed, vba_project)" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith(".ppt"))) | .ole.ppt_storages[0] | "\(.compressed) \(.vba_project) \(.size)"' "$T/fx.jsonl")" = "true true 10240"

# YARA is given the decompressed source: a rule on it matches the module,
# not the compressed container.
cat >"$T/vba.yar" <<'YAR'
rule Frame_Click_Handler { strings: $a = "Private Sub Frame1_Click()" condition: $a }
YAR
"$S" --rules "$T/vba.yar" "$D/oleform-PR314.docm" >"$T/y.jsonl"
check "YARA matches the decompressed module source" \
  test "$(jq -r 'select(.yara.matches | length > 0) | .name' "$T/y.jsonl")" = "UserFormTEST1.frm"

# ---- damaged compound files ------------------------------------------------
/usr/bin/python3 - "$T" <<'PY'
import sys, zipfile
t = sys.argv[1]
z = zipfile.ZipFile(sys.argv[0] if False else t + "/fx/oleform/oleform-PR314.docm")
b = bytearray(z.read("word/vbaProject.bin"))
open(t + "/vba.bin", "wb").write(b)
open(t + "/cut.bin", "wb").write(b[:len(b) // 2])
loop = bytearray(b)
# the FAT's first entry points at itself: a chain that loops
fat = int.from_bytes(b[0x4c:0x50], "little")
off = (fat + 1) * 512
loop[off:off + 4] = (0).to_bytes(4, "little")
open(t + "/loop.bin", "wb").write(loop)
PY
# a PowerPoint VBA storage whose zlib data is damaged half-way
/usr/bin/python3 - "$D/sample_with_vba.ppt" "$T/badzip.ppt" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(bytes([0x10, 0x00, 0x11, 0x10]))  # recVer 0, instance 1, ExOleObjStg
assert i > 0
n = int.from_bytes(b[i + 4:i + 8], "little")
mid = i + 8 + 4 + n // 2
b[mid:mid + 64] = bytes(64)
open(sys.argv[2], "wb").write(b)
PY
expect_rc 0 "badzip.ppt: examined, no crash" "$S" --no-yara -o "$T/badzip.jsonl" "$T/badzip.ppt"
check "badzip.ppt: the damaged storage is reported, not silently dropped" \
  test "$(jq -r 'select(.lineage.id == 0) | .errors | map(select(test("ExOleObjStg"))) | length > 0' "$T/badzip.jsonl")" = true

for f in cut loop; do
  expect_rc 0 "$f.bin: examined, no crash" "$S" --no-yara -o "$T/$f.jsonl" "$T/$f.bin"
  check "$f.bin: damage reported in errors" \
    test "$(jq -r 'select(.lineage.id == 0) | .errors | map(select(test("ole|vba"))) | length > 0' "$T/$f.jsonl")" = true
done

# ---- the whole corpus --------------------------------------------------------
if [ -d "$CORPUS" ]; then
  (cd "$CORPUS" && find . -type f ! -name '*.zip' ! -name LICENSE.md | sed 's|^\./||' | sort) >"$T/list"
  (cd "$CORPUS" && "$S" --no-yara -T "$T/list") >"$T/corpus.jsonl" 2>"$T/corpus.err" || true
  ours_tsv "" "$T/corpus.jsonl"
  . "$ART_SOURCE_DIR/tests/cli/ole_compare.sh"
  if diff "$T/gold.cmp" "$T/ours.cmp" >"$T/diff"; then
    ok "corpus: $(wc -l <"$T/vba_files") files' VBA and $(grep -c encrypted "$T/gold.cmp") files' encryption as olevba/oleid ($(wc -l <"$T/gold.cmp") facts)"
  else
    fail "corpus differs from olevba/oleid:"; cat "$T/diff" >&2
  fi
  check "corpus: every file examined" test "$(jq -s 'map(select(.lineage.id == 0)) | length' "$T/corpus.jsonl")" -eq "$(wc -l <"$T/list")"
else
  echo "skip - $CORPUS absent: the oletools corpus comparison did not run"
fi
finish
