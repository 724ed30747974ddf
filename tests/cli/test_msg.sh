# Outlook .msg dissector against independent readers: messages built at
# test time (tests/cli/msg_make.py: PT_UNICODE and CP932 PT_STRING8
# properties, recipients, transport headers, bodies, compressed RTF from
# the [MS-OXRTFCP] examples, attachments, an embedded message) compared
# with what olefile and Python's codecs read back, and with libolecf's
# olecfexport for the attachment bytes; lineage, flags, damaged and deeply
# nested messages.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3 olecfexport olecfinfo sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
/usr/bin/python3 -c 'import olefile' 2>/dev/null || {
  echo "missing reference: python3-olefile (scripts/packages-test)" >&2
  exit 1
}

/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/msg_make.py" "$T/m"
for f in unicode cp932 deep; do
  check "$f.msg is a compound file libolecf reads" olecfinfo "$T/m/$f.msg"
done >/dev/null
"$S" --no-yara "$T/m/unicode.msg" "$T/m/cp932.msg" >"$T/our.jsonl"

# ---- the facts olefile + Python's codecs read ---------------------------
jq -r '
  def walk($m; $ap; $f):
    "subject\t\($f)\t\($ap)\t\($m.subject)",
    (if $m.sender.name then "sender\t\($f)\t\($ap)\t\($m.sender.name)" else empty end),
    (if $m.from.name then "from\t\($f)\t\($ap)\t\($m.from.name)" else empty end),
    ($m.recipients[] | "recipient\t\($f)\t\($ap)\t\(.name)\t\(.address)"),
    ($m.attachments[] | select(.kind == "message") | walk(.message; .attachment; $f));
  select(.lineage.id == 0) | .msg as $m | (.name) as $f | walk($m; ""; $f)' "$T/our.jsonl" >"$T/our.tsv"
jq -r 'select(.lineage.via == "msg-attachment") |
  "attachment\t\(.lineage.root | split("/") | last)\t\(.lineage.msg_attachment)\t\(.name)\t\(.hashes.sha256)"' \
  "$T/our.jsonl" >>"$T/our.tsv"
jq -r 'select(.lineage.via == "msg-body" and (.name | endswith(".txt"))) |
  "body\t\(.lineage.root | split("/") | last)\t\(.lineage.msg_attachment // "")\t\(.hashes.sha256)"' \
  "$T/our.jsonl" >>"$T/our.tsv"
LC_ALL=C sort -o "$T/our.tsv" "$T/our.tsv"
LC_ALL=C sort -o "$T/ref.tsv" "$T/m/ref.tsv"
if diff "$T/ref.tsv" "$T/our.tsv" >"$T/diff"; then
  ok "subjects, names, recipients, bodies, attachments agree with olefile + Python codecs ($(wc -l <"$T/ref.tsv") facts)"
else
  fail "differs from olefile + Python codecs:"; cat "$T/diff" >&2
fi

# ---- attachment bytes as libolecf exports them ---------------------------
(cd "$T" && olecfexport -t "$T/ex" "$T/m/unicode.msg" >/dev/null)
find "$T/ex.export" -path '*__substg1.0_37010102/StreamData.bin' -exec sha256sum {} + | awk '{print $1}' | sort >"$T/ex.sha"
jq -r 'select(.lineage.via == "msg-attachment" and (.lineage.root | endswith("unicode.msg"))) | .hashes.sha256' \
  "$T/our.jsonl" | sort >"$T/our.sha"
check "attachment children are the bytes olecfexport exports ($(wc -l <"$T/ex.sha") streams)" \
  diff "$T/ex.sha" "$T/our.sha"

# ---- compressed RTF: the specification's examples --------------------------
check "LZFu body (MS-OXRTFCP example 1) decompressed" \
  test "$(jq -r 'select(.path == "'"$T"'/m/unicode.msg!body.rtf") | .hashes.sha256' "$T/our.jsonl")" = \
  "$(sha256sum <"$T/m/rtf1.txt" | cut -d' ' -f1)"
check "LZFu body (MS-OXRTFCP example 2, overlapping reference) decompressed" \
  test "$(jq -r 'select(.path == "'"$T"'/m/cp932.msg!body.rtf") | .hashes.sha256' "$T/our.jsonl")" = \
  "$(sha256sum <"$T/m/rtf2.txt" | cut -d' ' -f1)"

# ---- summary, lineage, flags ----------------------------------------------------
u='select(.lineage.id == 0 and .name == "unicode.msg")'
check "code page and dates" \
  test "$(jq -r "$u"' | "\(.msg.codepage) \(.msg.date_utc) \(.msg.delivery_time_utc)"' "$T/our.jsonl")" = \
  "65001 2024-10-01T10:00:00Z 2024-10-01T10:00:05Z"
check "transport headers read as the e-mail dissector reads them (Received, SPF verdict, Reply-To)" \
  test "$(jq -r "$u"' | .msg.headers | "\(.received[0].ips[0]) \(.authentication_results[0].results.spf) \(.reply_to[0].address) \(.from[0].name)"' "$T/our.jsonl")" = \
  "198.51.100.7 fail attacker@evil.example 総務部"
check "flags: reply_to_mismatch, double_extension, link_text_mismatch" \
  test "$(jq -r "$u"' | .flags | sort | join(",")' "$T/our.jsonl")" = "double_extension,link_text_mismatch,reply_to_mismatch"
check "indicators from the decoded bodies (text, HTML, embedded message)" \
  test "$(jq -r "$u"' | [.msg.indicators[].value] | index("203.0.113.9") != null and index("http://inner.example.net/x") != null' "$T/our.jsonl")" = true
check "embedded message's attachment: lineage 3.1 from the msg dissector, name flags on the child" \
  test "$(jq -r 'select(.name == "payload.hta") | "\(.lineage.msg_attachment) \(.lineage.dissector) \(.lineage.declared_type)"' "$T/our.jsonl")" = \
  "3.1 msg application/hta"
check "attachment child named by PR_ATTACH_LONG_FILENAME, flagged double_extension" \
  test "$(jq -r 'select(.lineage.via == "msg-attachment" and .lineage.msg_attachment == "1" and (.lineage.root | endswith("unicode.msg"))) | "\(.name) \(.flags | index("double_extension") != null)"' "$T/our.jsonl")" = \
  "請求書.pdf.exe true"
check "an attached executable is typed by content (MZ)" \
  test "$(jq -r 'select(.name == "請求書.pdf.exe") | .pe != null or (.type.mime | test("dosexec|octet"))' "$T/our.jsonl")" = true
check "no message reported damaged" \
  test "$(jq -r 'select(.lineage.id == 0) | .msg.partial' "$T/our.jsonl" | sort -u)" = false

# ---- hostile: cut in the middle, nested 20 deep ------------------------------
expect_rc 0 "a cut message is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/m/cut.msg"
check "cut message: partial, error names the input, subject still read" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.msg.partial) \(.errors | map(select(test("cut.msg: msg: damaged"))) | length) \(.msg.subject)"' "$T/cut.jsonl")" = \
  "true 1 請求書の件 💰"
expect_rc 0 "20 nested embedded messages are examined" "$S" --no-yara -o "$T/deep.jsonl" "$T/m/deep.msg"
check "nesting stops at 16 with an error" \
  test "$(jq -r 'select(.lineage.id == 0) | .errors | map(select(test("nested deeper than 16"))) | length' "$T/deep.jsonl")" = 1
check "the levels above the cut are still summarised" \
  test "$(jq -r 'select(.lineage.id == 0) | .msg' "$T/deep.jsonl" | head -c 1)" = "{"
"$S" --no-yara "$ART_SOURCE_DIR/tests/data/oletools/encrypted.xls" >"$T/xls.jsonl"
check "an Excel workbook is not taken for a message" \
  test "$(jq -r 'select(.lineage.id == 0) | .msg' "$T/xls.jsonl")" = null
finish
