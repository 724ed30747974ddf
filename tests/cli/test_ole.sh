# OLE2/VBA dissector against olevba and oleid: golden facts made by the
# reference tools (tests/data/oletools/goldens.tsv, make_goldens.py) on the
# whole oletools corpus when ../shared is there, on two fixtures copied
# from it otherwise; lineage, YARA on decompressed macro source, damaged
# compound files.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq awk openssl sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
D=$ART_SOURCE_DIR/tests/data/oletools
GOLD=$D/goldens.tsv
CORPUS=${ART_OLETOOLS_CORPUS:-$ART_SOURCE_DIR/../shared/corpora/oletools}

ours_tsv() { # ours_tsv CORPUS_PREFIX JSONL -> $T/ours.tsv
  jq -s -r --arg corpus "$1" -f "$ART_SOURCE_DIR/tests/cli/ole_ours.jq" "$2" | sort -u >"$T/ours.tsv"
}
# vba_facts FILE JSONL NAME: the module and code facts of olevba's gold
# for corpus FILE -> $T/NAME.gold, ours in JSONL (under $T) -> $T/NAME.ours
vba_facts() {
  awk -F'\t' -v f="$1" '$1 == f && ($2 == "module" || $2 == "code") { $1 = ""; print }' "$GOLD" | sort >"$T/$3.gold"
  ours_tsv "$T" "$2"
  awk -F'\t' '$2 == "module" || $2 == "code" { $1 = ""; print }' "$T/ours.tsv" | sort >"$T/$3.ours"
}

# ---- the fixtures (always) ---------------------------------------------
FIXTURES="oleform/oleform-PR314.docm encrypted/encrypted.xls olevba/sample_with_vba.ppt
encrypted/autostart-encrypt-standardpassword.xlsm encrypted/encrypted.docx
excel4-macros/excel4_sample_macro.xls excel4-macros/excel4_sample_macro.xlsm
excel4-macros/excel4_sample_macro.xlsb"
: >"$T/gold.fx"
for f in $FIXTURES; do
  mkdir -p "$T/fx/${f%/*}"
  cp "$D/${f##*/}" "$T/fx/$f"
  awk -F'\t' -v f="$f" '$1 == f' "$GOLD" >>"$T/gold.fx"
done
(cd "$T/fx" && "$S" --no-yara $FIXTURES) >"$T/fx.jsonl"
ours_tsv "" "$T/fx.jsonl"
GOLD_SAVED=$GOLD
GOLD=$T/gold.fx
. "$ART_SOURCE_DIR/tests/cli/ole_compare.sh"
GOLD=$GOLD_SAVED
if diff "$T/gold.cmp" "$T/ours.cmp" >"$T/diff"; then
  ok "fixtures: modules, code hashes, auto-exec keywords, XLM sheets/names/formulas, encryption, decrypted package hashes as olevba/oleid/msoffcrypto-tool ($(wc -l <"$T/gold.cmp") facts)"
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

# Word 2003 XML with its VBA project in an ActiveMime blob (w:binData
# editdata.mso, as Word writes it): the project is oleform-PR314.docm's
# vbaProject.bin, so olevba's facts for that docm are the expected ones
/usr/bin/python3 - "$D/oleform-PR314.docm" "$T/word2003.xml" <<'PY'
import base64, sys, zipfile, zlib
vba = zipfile.ZipFile(sys.argv[1]).read("word/vbaProject.bin")
mso = bytearray(b"ActiveMime".ljust(0x32, b"\0"))
mso[0x1E:0x20] = (0x32 - 46).to_bytes(2, "little")  # data offset - 46
mso += zlib.compress(vba)
b64 = base64.encodebytes(bytes(mso)).decode()
open(sys.argv[2], "w").write(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<?mso-application progid="Word.Document"?>\n'
    '<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">'
    '<w:docSuppData><w:binData w:name="editdata.mso">' + b64 + '</w:binData>'
    '</w:docSuppData><w:body><w:p/></w:body></w:wordDocument>\n')
PY
"$S" --no-yara "$T/word2003.xml" >"$T/w2003.jsonl"
vba_facts oleform/oleform-PR314.docm "$T/w2003.jsonl" w2003
check "Word 2003 XML: editdata.mso ActiveMime inflated, modules and code as olevba's for the same project ($(wc -l <"$T/w2003.gold") facts)" \
  cmp -s "$T/w2003.gold" "$T/w2003.ours"
check "Word 2003 XML: lineage xml-bindata > activemime > vba-module" \
  test "$(jq -r 'select(.name == "NewMacros.bas") | .path' "$T/w2003.jsonl")" = "$T/word2003.xml!editdata.mso!activemime.bin!NewMacros.bas"

# Encryption: the default password opens the package, another does not
check "VelvetSweatshop package decrypted, as a child (office-decrypted) whose VBA is read" \
  test "$(jq -r 'select(.path | endswith("autostart-encrypt-standardpassword.xlsm!EncryptedPackage!xl/vbaProject.bin!Modul1.bas")) | .lineage.via' "$T/fx.jsonl")" = vba-module
check "VelvetSweatshop: encrypted true, decrypted_with, method agile" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("standardpassword.xlsm"))) | "\(.ole.encrypted) \(.ole.decrypted_with) \(.ole.encryption_method) \(.flags | index("decrypted_default_password") != null)"' "$T/fx.jsonl")" = "true VelvetSweatshop agile true"
check "another password: encrypted, not decrypted, says why, no child" \
  test "$(jq -r 'select(.path | endswith("encrypted.docx")) | "\(.ole.encrypted) \(.ole.decrypted_with) \(.ole.decryption_error) \(.flags | index("encrypted") != null)"' "$T/fx.jsonl")" = "true null wrong password true"
check "another password: nothing yielded below it" \
  test "$(jq -r 'select(.path | contains("encrypted.docx!"))' "$T/fx.jsonl" | wc -c)" -eq 0

# Standard (AES-ECB) and agile (AES-CBC) encryption, built at test time:
# the keys derived as [MS-OFFCRYPTO] says, AES by the openssl command; the
# decrypted child must be the plain package, byte for byte
/usr/bin/python3 - "$T/plain.docx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://example.com/t.dotm" TargetMode="External"/></Relationships>')
z.writestr("word/document.xml", "<w:document>" + "x" * 5000 + "</w:document>")
z.close()
PY
# agile too (its generator checked with msoffcrypto-tool, which decrypts
# it to the plain package), and a crafted agile file whose encrypted key
# value is longer than the key (only the key's bytes are taken)
plain_sha=$(sha256sum <"$T/plain.docx" | cut -c1-64)
for mode in standard agile agile-longkey; do
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ooxml.py" "$T/plain.docx" VelvetSweatshop "$T/$mode.docx" "$mode"
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ooxml.py" "$T/plain.docx" another "$T/$mode-2.docx" "$mode"
  "$S" --no-yara "$T/$mode.docx" "$T/$mode-2.docx" >"$T/$mode.jsonl"
  check "$mode encryption, default password: the decrypted child is the plain package" \
    test "$(jq -r 'select(.lineage.via == "office-decrypted") | .hashes.sha256' "$T/$mode.jsonl")" = "$plain_sha"
  check "$mode encryption: method, and the remote template seen in the decrypted package" \
    test "$(jq -r 'select(.lineage.via == "office-decrypted") | .ooxml.external_relationships[0].type' "$T/$mode.jsonl") $(jq -r 'select(.lineage.id == 0 and (.path | endswith("/'"$mode"'.docx"))) | .ole.encryption_method' "$T/$mode.jsonl")" = "attachedTemplate ${mode%-longkey}"
  check "$mode encryption, another password: encrypted, not decrypted" \
    test "$(jq -r 'select(.path | endswith("'"$mode"'-2.docx")) | "\(.ole.encrypted) \(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/$mode.jsonl")" = "true null wrong password"
done

# Excel 97-2003 RC4 (FILEPASS): excel4_sample_macro.xls encrypted at test
# time (make_encrypted_xls.py: RC4 CryptoAPI and Office 97 RC4, keys from
# hashlib, RC4 from python3-cryptography); the decrypted Workbook stream is
# the one msoffcrypto-tool writes, and the XLM formulas read from it are
# olevba's for the plain workbook
if /usr/bin/python3 -c 'import olefile, msoffcrypto, cryptography' 2>/dev/null; then
  awk -F'\t' '$1 == "excel4-macros/excel4_sample_macro.xls" && $2 == "xlm_formula" { print $4 "\t" $5 }' "$GOLD" | sort >"$T/xlsrc4.gold"
  for mode in cryptoapi rc4; do
    /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$D/excel4_sample_macro.xls" VelvetSweatshop "$T/$mode.xls" "$mode"
    /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$D/excel4_sample_macro.xls" another "$T/$mode-2.xls" "$mode"
    ref=$(/usr/bin/python3 - "$T/$mode.xls" <<'PY'
import hashlib, io, sys, msoffcrypto, olefile
o = msoffcrypto.OfficeFile(open(sys.argv[1], "rb"))
o.load_key(password="VelvetSweatshop")
b = io.BytesIO(); o.decrypt(b); b.seek(0)
print(hashlib.sha256(olefile.OleFileIO(b).openstream("Workbook").read()).hexdigest())
PY
)
    "$S" --no-yara "$T/$mode.xls" "$T/$mode-2.xls" >"$T/$mode.jsonl"
    want=rc4_cryptoapi; [ "$mode" = rc4 ] && want=rc4
    check "xls $mode: decrypted Workbook stream = msoffcrypto-tool's (office-decrypted child)" \
      test "$(jq -r 'select(.lineage.via == "office-decrypted") | "\(.name) \(.hashes.sha256)"' "$T/$mode.jsonl")" = "Workbook $ref"
    check "xls $mode: encrypted, method, decrypted_with, flag" \
      test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/'"$mode"'.xls"))) | "\(.ole.encrypted) \(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error) \(.flags | index("decrypted_default_password") != null)"' "$T/$mode.jsonl")" = "true $want VelvetSweatshop null true"
    jq -r 'select(.lineage.id == 0 and (.path | endswith("/'"$mode"'.xls"))) | .ole.xlm.formula_list[]? | "\(.cell)\t\(.formula)"' "$T/$mode.jsonl" | sort >"$T/xlsrc4.ours"
    check "xls $mode: the macro sheet's formulas read from the decrypted stream = olevba's ($(wc -l <"$T/xlsrc4.gold") formulas)" \
      cmp -s "$T/xlsrc4.gold" "$T/xlsrc4.ours"
    check "xls $mode, another password: encrypted, not decrypted, says why, no child" \
      test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("'"$mode"'-2.xls"))) | "\(.ole.encrypted) \(.ole.decrypted_with) \(.ole.decryption_error) \(.children // [] | length)"' "$T/$mode.jsonl") $(jq -r 'select(.path | contains("'"$mode"'-2.xls!"))' "$T/$mode.jsonl" | wc -c)" = "true null wrong password 0 0"
  done
  # a FILEPASS record cut to 10 bytes: reported, nothing decrypted
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$D/excel4_sample_macro.xls" VelvetSweatshop "$T/cutpass.xls" cut
  expect_rc 0 "xls with a cut FILEPASS: examined, no crash" "$S" --no-yara -o "$T/cutpass.jsonl" "$T/cutpass.xls"
  check "xls with a cut FILEPASS: encrypted, not decrypted, the damage in errors" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.encrypted) \(.ole.decrypted_with) \(.ole.decryption_error) \(.errors | map(select(test("FILEPASS"))) | length)"' "$T/cutpass.jsonl")" = "true null FILEPASS record cut or garbled 1"
  # a FILEPASS record longer than the stream (its size 0xffff)
  /usr/bin/python3 - "$T/cryptoapi.xls" "$T/longpass.xls" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(bytes([0x09, 0x08, 0x10, 0x00]))  # BIFF8 BOF, 16 bytes
assert i > 0 and b[i + 20:i + 22] == bytes([0x2F, 0])
b[i + 22:i + 24] = bytes([0xFF, 0xFF])
open(sys.argv[2], "wb").write(b)
PY
  expect_rc 0 "xls with a FILEPASS longer than the stream: examined, no crash" "$S" --no-yara -o "$T/longpass.jsonl" "$T/longpass.xls"
  check "xls with a FILEPASS longer than the stream: not decrypted, the damage in errors" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.decrypted_with) \(.errors | map(select(test("FILEPASS"))) | length)"' "$T/longpass.jsonl")" = "null 1"
  # without OpenSSL's legacy provider (RC4) the workbook stays encrypted, and says why
  OPENSSL_MODULES=$T/none "$S" --no-yara "$T/cryptoapi.xls" >"$T/nolegacy.jsonl"
  check "xls, OpenSSL's legacy provider absent: not decrypted, says why, flagged encrypted" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.decrypted_with) \(.ole.decryption_error) \(.flags | index("encrypted") != null)"' "$T/nolegacy.jsonl")" = "null RC4 is not available (OpenSSL's legacy provider did not load) true"
  # BIFF5 (Excel 5.0/95): its FILEPASS is XOR obfuscation (no type field)
  /usr/bin/python3 - "$ART_SOURCE_DIR/tests/fuzz/corpus/dissect_ole/xlm_biff5.xls" "$T/biff5pass.xls" <<'PY'
import sys, olefile
b = bytearray(open(sys.argv[1], "rb").read())
w = olefile.OleFileIO(sys.argv[1]).openstream("Book").read()
i = b.find(w[:32])
assert i > 0 and b[i:i + 2] == bytes([0x09, 0x08])
j = i + 4 + int.from_bytes(b[i + 2:i + 4], "little")
b[j:j + 2] = bytes([0x2F, 0])  # the record after BOF becomes a FILEPASS
open(sys.argv[2], "wb").write(b)
PY
  "$S" --no-yara "$T/biff5pass.xls" >"$T/biff5pass.jsonl"
  check "BIFF5 workbook with an empty FILEPASS (no XOR key, no verifier): xor, not decrypted, says why" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.encrypted) \(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/biff5pass.jsonl")" = "true xor null FILEPASS record cut or garbled"
  # XOR obfuscation (method 1, [MS-OFFCRYPTO] 2.3.7), BIFF8 and BIFF5:
  # make_encrypted_xls.py obfuscates the plain workbook as the
  # specification says (checked below against Gnumeric, which reads such
  # workbooks with VelvetSweatshop); the decrypted stream must be the plain
  # one (FILEPASS blanked), the macro sheet's formulas olevba's
  awk -F'\t' '$1 == "excel4-macros/excel4_sample_macro.xls" && $2 == "xlm_formula" { print $4 "\t" $5 }' "$GOLD" | sort >"$T/xlsxor.gold"
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$D/excel4_sample_macro.xls" VelvetSweatshop "$T/xor.xls" xor
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$D/excel4_sample_macro.xls" another "$T/xor-2.xls" xor
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$ART_SOURCE_DIR/tests/fuzz/corpus/dissect_ole/xlm_biff5.xls" VelvetSweatshop "$T/xor5.xls" xor5
  "$S" --no-yara "$T/xor.xls" "$T/xor-2.xls" "$T/xor5.xls" >"$T/xor.jsonl"
  check "xls XOR obfuscation: the decrypted Workbook stream is the plain one, FILEPASS blanked (office-decrypted child)" \
    test "$(jq -r 'select(.lineage.via == "office-decrypted" and (.path | contains("/xor.xls!"))) | "\(.name) \(.hashes.sha256)"' "$T/xor.jsonl")" = "Workbook $(sha256sum <"$T/xor.xls.plain" | cut -c1-64)"
  check "xls XOR obfuscation: encrypted, method xor, decrypted_with, flags" \
    test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/xor.xls"))) | "\(.ole.encrypted) \(.ole.encryption) \(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error) \([.flags[] | select(. == "encrypted" or . == "decrypted_default_password" or startswith("xlm_"))] | join(","))"' "$T/xor.jsonl")" = "true excel_filepass xor VelvetSweatshop null encrypted,decrypted_default_password,xlm_macros,xlm_autoexec"
  jq -r 'select(.lineage.id == 0 and (.path | endswith("/xor.xls"))) | .ole.xlm.formula_list[]? | "\(.cell)\t\(.formula)"' "$T/xor.jsonl" | sort >"$T/xlsxor.ours"
  check "xls XOR obfuscation: the macro sheet's formulas read from the decrypted stream = olevba's ($(wc -l <"$T/xlsxor.gold") formulas)" \
    cmp -s "$T/xlsxor.gold" "$T/xlsxor.ours"
  check "xls XOR obfuscation, another password: not decrypted, says why, no child" \
    test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/xor-2.xls"))) | "\(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/xor.jsonl") $(jq -r 'select(.path | contains("/xor-2.xls!"))' "$T/xor.jsonl" | wc -c)" = "xor null wrong password 0"
  check "BIFF5 (Excel 5.0/95) XOR obfuscation: the decrypted Book stream is the plain one, its macro sheet read" \
    test "$(jq -r 'select(.lineage.via == "office-decrypted" and (.path | contains("/xor5.xls!"))) | "\(.name) \(.hashes.sha256)"' "$T/xor.jsonl") $(jq -r 'select(.lineage.id == 0 and (.path | endswith("/xor5.xls"))) | "\(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.xlm.biff) \(.ole.xlm.formulas)"' "$T/xor.jsonl")" = "Workbook $(sha256sum <"$T/xor5.xls.plain" | cut -c1-64) xor VelvetSweatshop 5 2"
  # Gnumeric (its own XOR implementation) reads a workbook obfuscated by
  # make_encrypted_xls.py as the plain one: strings (SST) and numbers of a
  # sheet it wrote itself, so the obfuscation above is the real one
  if command -v ssconvert >/dev/null; then
    printf 'name,value,url\nalpha,1,http://198.51.100.7/payload.exe\nbeta,2.5,\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n' >"$T/g.csv"
    ssconvert "$T/g.csv" "$T/g.xls" 2>/dev/null
    /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" "$T/g.xls" VelvetSweatshop "$T/gx.xls" xor
    ssconvert "$T/g.xls" "$T/g.out.csv" 2>/dev/null
    ssconvert "$T/gx.xls" "$T/gx.out.csv" 2>/dev/null
    "$S" --no-yara "$T/gx.xls" >"$T/gx.jsonl"
    check "Gnumeric reads the XOR-obfuscated workbook as the plain one, artifact decrypts it to the plain stream" \
      test "$(cat "$T/gx.out.csv") $(jq -r 'select(.lineage.via == "office-decrypted") | .hashes.sha256' "$T/gx.jsonl")" = "$(cat "$T/g.out.csv") $(sha256sum <"$T/gx.xls.plain" | cut -c1-64)"
  else
    echo "skip - ssconvert (gnumeric) absent: the XOR obfuscation was not checked against Gnumeric"
  fi
  # Word 97 (fEncrypted, the encryption header at the start of 1Table):
  # the decrypted WordDocument stream = msoffcrypto-tool's = the plain one
  for mode in cryptoapi rc4; do
    /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" - VelvetSweatshop "$T/w$mode.doc" "doc-$mode"
    /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_xls.py" - another "$T/w$mode-2.doc" "doc-$mode"
    ref=$(/usr/bin/python3 - "$T/w$mode.doc" <<'PY'
import hashlib, io, sys, msoffcrypto, olefile
o = msoffcrypto.OfficeFile(open(sys.argv[1], "rb"))
o.load_key(password="VelvetSweatshop")
b = io.BytesIO(); o.decrypt(b); b.seek(0)
print(hashlib.sha256(olefile.OleFileIO(b).openstream("WordDocument").read()).hexdigest())
PY
)
    plain=$(sha256sum <"$T/w$mode.doc.plain" | cut -c1-64)
    want=rc4_cryptoapi; [ "$mode" = rc4 ] && want=rc4
    "$S" --no-yara "$T/w$mode.doc" "$T/w$mode-2.doc" >"$T/w$mode.jsonl"
    check "doc $mode: decrypted WordDocument stream = msoffcrypto-tool's = the plain one (office-decrypted child)" \
      test "$(jq -r 'select(.lineage.via == "office-decrypted") | "\(.name) \(.hashes.sha256)"' "$T/w$mode.jsonl") $plain" = "WordDocument $ref $ref"
    check "doc $mode: encrypted, method, decrypted_with" \
      test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/w'"$mode"'.doc"))) | "\(.ole.encryption) \(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/w$mode.jsonl")" = "word_fib_encrypted $want VelvetSweatshop null"
    check "doc $mode, another password: not decrypted, says why, no child" \
      test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("w'"$mode"'-2.doc"))) | "\(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/w$mode.jsonl") $(jq -r 'select(.path | contains("w'"$mode"'-2.doc!"))' "$T/w$mode.jsonl" | wc -c)" = "null wrong password 0"
  done
  # PowerPoint 97-2003, RC4 CryptoAPI (make_encrypted_ppt.py encrypts
  # sample_with_vba.ppt's persist objects): the decrypted PowerPoint
  # Document stream is the plain one, its persist objects byte-identical
  # to what msoffcrypto-tool decrypts, and the VBA storage found in it
  # gives olevba's modules and code for the plain presentation
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ppt.py" "$D/sample_with_vba.ppt" VelvetSweatshop "$T/eppt.ppt"
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ppt.py" "$D/sample_with_vba.ppt" another "$T/eppt-2.ppt"
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ppt.py" "$D/sample_with_vba.ppt" VelvetSweatshop "$T/eppt-cut.ppt" cutdir
  ref=$(/usr/bin/python3 - "$T/eppt.ppt" "$(cat "$T/eppt.ppt.objects")" <<'PY'
import hashlib, io, sys, msoffcrypto, olefile
o = msoffcrypto.OfficeFile(open(sys.argv[1], "rb"))
o.load_key(password="VelvetSweatshop")
b = io.BytesIO(); o.decrypt(b); b.seek(0)
s = olefile.OleFileIO(b).openstream("PowerPoint Document").read()
print(hashlib.sha256(s[:int(sys.argv[2])]).hexdigest())
PY
)
  "$S" --no-yara "$T/eppt.ppt" "$T/eppt-2.ppt" "$T/eppt-cut.ppt" >"$T/eppt.jsonl"
  check "ppt RC4 CryptoAPI: the decrypted PowerPoint Document stream is the plain one (office-decrypted child)" \
    test "$(jq -r 'select(.lineage.via == "office-decrypted" and (.path | contains("/eppt.ppt!"))) | "\(.name) \(.hashes.sha256)"' "$T/eppt.jsonl")" = "PowerPoint Document $(sha256sum <"$T/eppt.ppt.plain" | cut -c1-64)"
  check "ppt RC4 CryptoAPI: its persist objects as msoffcrypto-tool decrypts them" \
    test "$(head -c "$(cat "$T/eppt.ppt.objects")" "$T/eppt.ppt.plain" | sha256sum | cut -c1-64)" = "$ref"
  check "ppt RC4 CryptoAPI: encrypted, method, decrypted_with, flags" \
    test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/eppt.ppt"))) | "\(.ole.encrypted) \(.ole.encryption) \(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error) \([.flags[] | select(. == "encrypted" or startswith("decrypted") or startswith("vba_"))] | join(",")) \(.errors | length)"' "$T/eppt.jsonl")" = "true powerpoint_current_user rc4_cryptoapi VelvetSweatshop null encrypted,decrypted_default_password 0"
  jq -c 'select(.path | contains("/eppt.ppt"))' "$T/eppt.jsonl" >"$T/eppt1.jsonl"
  vba_facts olevba/sample_with_vba.ppt "$T/eppt1.jsonl" eppt
  check "ppt RC4 CryptoAPI: the VBA storage found in the decrypted stream, modules and code as olevba's for the plain presentation ($(wc -l <"$T/eppt.gold") facts)" \
    cmp -s "$T/eppt.gold" "$T/eppt.ours"
  check "ppt RC4 CryptoAPI: lineage ppt!VbaProject-0.bin!Module1.bas" \
    test "$(jq -r 'select(.name == "Module1.bas") | .path' "$T/eppt1.jsonl")" = "$T/eppt.ppt!VbaProject-0.bin!Module1.bas"
  OLETOOLS=${ART_OLETOOLS_REF:-$ART_SOURCE_DIR/../shared/ref/oletools}
  if [ -d "$OLETOOLS/oletools" ]; then
    PYTHONPATH=$OLETOOLS /usr/bin/python3 -m oletools.olevba --json "$T/eppt.ppt" >"$T/eppt.olevba.json" 2>/dev/null || true
    /usr/bin/python3 -c 'import hashlib, json, sys
for r in json.load(open(sys.argv[1])):
    for m in r.get("macros") or []:
        print(" " + m["vba_filename"] + " " + hashlib.sha256(m["code"].encode("utf-8", "surrogateescape")).hexdigest())' "$T/eppt.olevba.json" | sort >"$T/eppt.live"
    awk -F'\t' '$2 == "code" { print " " $3 " " $4 }' "$T/ours.tsv" | sort >"$T/eppt.ourscode"
    check "ppt RC4 CryptoAPI: olevba on the encrypted file (decrypting it through msoffcrypto-tool) shows the same modules and code" \
      cmp -s "$T/eppt.live" "$T/eppt.ourscode"
  else
    echo "skip - $OLETOOLS absent: olevba was not run on the encrypted presentation"
  fi
  check "ppt RC4 CryptoAPI, another password: not decrypted, says why, no child" \
    test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/eppt-2.ppt"))) | "\(.ole.encryption_method) \(.ole.decrypted_with) \(.ole.decryption_error)"' "$T/eppt.jsonl") $(jq -r 'select(.path | contains("/eppt-2.ppt!"))' "$T/eppt.jsonl" | wc -c)" = "rc4_cryptoapi null wrong password 0"
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_encrypted_ppt.py" "$D/sample_with_vba.ppt" VelvetSweatshop "$T/eppt-bad.ppt" badobj
  expect_rc 0 "ppt with a persist object past the stream: examined, no crash" "$S" --no-yara -o "$T/eppt-bad.jsonl" "$T/eppt-bad.ppt"
  check "ppt with a persist object past the stream: the others decrypted (VBA found), the damage in errors" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.decrypted_with) \(.errors | map(select(test("persist objects outside"))) | length)"' "$T/eppt-bad.jsonl") $(jq -r 'select(.name == "Module1.bas") | .lineage.via' "$T/eppt-bad.jsonl")" = "VelvetSweatshop 1 vba-module"
  check "ppt whose persist directory runs past its atom: not decrypted, the damage in errors" \
    test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("/eppt-cut.ppt"))) | "\(.ole.decrypted_with) \(.ole.decryption_error) \(.errors | map(select(test("PersistDirectoryAtom"))) | length)"' "$T/eppt.jsonl")" = "null PersistDirectoryAtom cut or garbled 1"
  # an lKey (encryption header size) beyond the Table stream
  /usr/bin/python3 - "$T/wcryptoapi.doc" "$T/wlkey.doc" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(bytes([0xEC, 0xA5, 0xC1, 0x00]))  # the FIB's wIdent, nFib
assert i > 0
b[i + 14:i + 18] = (0x7FFFFFFF).to_bytes(4, "little")
open(sys.argv[2], "wb").write(b)
PY
  expect_rc 0 "doc whose encryption header runs past the Table stream: examined, no crash" "$S" --no-yara -o "$T/wlkey.jsonl" "$T/wlkey.doc"
  check "doc whose encryption header runs past the Table stream: not decrypted, the damage in errors" \
    test "$(jq -r 'select(.lineage.id == 0) | "\(.ole.decrypted_with) \(.ole.decryption_error) \(.errors | map(select(test("encryption header"))) | length)"' "$T/wlkey.jsonl")" = "null encryption header cut or garbled 1"
else
  echo "skip - python3 olefile/msoffcrypto-tool/cryptography absent: the Excel and Word RC4 decryption cases did not run"
fi

# Excel 4.0 macros: the xlsm's macro sheet gives the formulas olevba shows
# for the same workbook saved as BIFF8 (excel4_sample_macro.xls)
awk -F'\t' '$1 == "excel4-macros/excel4_sample_macro.xls" && $2 == "xlm_formula" { print $4 "\t" $5 }' "$GOLD" | sort >"$T/xlm.gold"
jq -r 'select(.lineage.id == 0 and (.path | endswith(".xlsm"))) | .ooxml.xlm.formula_list[]? | "\(.cell)\t\(.formula)"' "$T/fx.jsonl" | sort >"$T/xlm.ours"
check "xlsm macro sheet formulas = olevba's for the BIFF8 workbook ($(wc -l <"$T/xlm.gold") formulas)" \
  cmp -s "$T/xlm.gold" "$T/xlm.ours"
check "xlsm: macro sheet, Auto_Open, xlm flags" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("excel4_sample_macro.xlsm"))) | "\(.ooxml.xlm.sheets[0].type) \(.ooxml.xlm.autoexec_names[0]) \([.flags[] | select(startswith("xlm_"))] | join(","))"' "$T/fx.jsonl")" = "macro Auto_Open xlm_macros,xlm_autoexec"
# .xlsb: the BIFF12 macro sheet of the same workbook gives the same
# formulas (olevba reads no .xlsb macro sheet: its facts for the BIFF8 one)
jq -r 'select(.lineage.id == 0 and (.path | endswith(".xlsb"))) | .ooxml.xlm.formula_list[]? | "\(.cell)\t\(.formula)"' "$T/fx.jsonl" | sort >"$T/xlsb.ours"
check "xlsb macro sheet (BIFF12 BrtFmla records) formulas = olevba's for the BIFF8 workbook ($(wc -l <"$T/xlm.gold") formulas)" \
  cmp -s "$T/xlm.gold" "$T/xlsb.ours"
check "xlsb: macro sheet, Auto_Open, biff 12, xlm flags" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("excel4_sample_macro.xlsb"))) | "\(.ooxml.xlm.biff) \(.ooxml.xlm.sheets | map("\(.name):\(.type):\(.state)") | join(",")) \(.ooxml.xlm.autoexec_names[0]) \([.flags[] | select(startswith("xlm_"))] | join(","))"' "$T/fx.jsonl")" = "12 Macro1:macro:visible,Sheet1:worksheet:visible Auto_Open xlm_macros,xlm_autoexec"
# an .xlsb built at test time (make_xlsb.py) with a very hidden macro sheet
# of EXEC, CALL(URLDownloadToFileA), CHAR, references, a Japanese string:
# every formula as SheetJS's BIFF12 formula reader reads these records
# (golden xlsb_sheetjs.tsv, made by make_xlsb_golden.sh) and as
# make_xlsb.py meant it, the keywords and flags as for BIFF8; a formula
# whose cce runs past its record is reported
/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_xlsb.py" "$D/excel4_sample_macro.xlsb" "$T/m.xlsb"
/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/make_xlsb.py" "$D/excel4_sample_macro.xlsb" "$T/mcut.xlsb" cut
"$S" --no-yara "$T/m.xlsb" >"$T/m.jsonl"
jq -r 'select(.lineage.id == 0) | .ooxml.xlm.formula_list[]? | "\(.cell)\t\(.formula)"' "$T/m.jsonl" >"$T/m.ours"
grep -v '^#' "$D/xlsb_sheetjs.tsv" >"$T/m.gold"
check "xlsb built: the $(wc -l <"$T/m.gold") formulas decompiled from BIFF12 tokens (strings, 32-bit rows, areas, UTF-16) = SheetJS's" \
  cmp -s "$T/m.gold" "$T/m.ours"
check "xlsb built: the SheetJS golden is the text make_xlsb.py encoded" \
  cmp -s "$T/m.gold" "$T/m.xlsb.expected"
check "xlsb built: very hidden macro sheet, suspicious calls, xlm flags" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.ooxml.xlm.sheets[0].state) \(.ooxml.xlm.suspicious | join(",")) \(.ooxml.xlm.formulas_not_decompiled) \([.flags[] | select(startswith("xlm_"))] | join(","))"' "$T/m.jsonl")" = "very_hidden EXEC,CALL,URLDownloadToFileA,CHAR 0 xlm_macros,xlm_autoexec,xlm_hidden_sheet,xlm_suspicious"
check "xlsb built: the formulas are a child xlm_macro.txt whose URL is an indicator" \
  test "$(jq -r 'select(.name == "xlm_macro.txt") | "\(.lineage.via) \([.. | strings | select(. == "http://198.51.100.7/x.exe")] | length > 0)"' "$T/m.jsonl")" = "xlm-macro true"
expect_rc 0 "xlsb whose formula runs past its record: examined, no crash" "$S" --no-yara -o "$T/mcut.jsonl" "$T/mcut.xlsb"
check "xlsb whose formula runs past its record: the damage in errors, the other formulas read" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.errors | map(select(test("BIFF12"))) | length) \(.ooxml.xlm.formulas)"' "$T/mcut.jsonl")" = "1 6"
check "xls: the formulas are a child xlm_macro.txt (via xlm-macro)" \
  test "$(jq -r 'select(.path | endswith("excel4_sample_macro.xls!xlm_macro.txt")) | .lineage.via' "$T/fx.jsonl")" = xlm-macro

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
    ok "corpus: $(wc -l <"$T/vba_files") files' VBA and $(awk -F'\t' '$2 == "encrypted"' "$T/gold.cmp" | wc -l) files' encryption as olevba/oleid ($(wc -l <"$T/gold.cmp") facts)"
  else
    fail "corpus differs from olevba/oleid:"; cat "$T/diff" >&2
  fi
  check "corpus: every file examined" test "$(jq -s 'map(select(.lineage.id == 0)) | length' "$T/corpus.jsonl")" -eq "$(wc -l <"$T/list")"
else
  echo "skip - $CORPUS absent: the oletools corpus comparison did not run"
fi
finish
