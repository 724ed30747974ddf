# TNEF dissector against the tnef tool (Debian tnef): a winmail.dat built
# at test time (tests/cli/tnef_make.py: CP932 subject, compressed RTF body,
# an attachment named by PR_ATTACH_LONG_FILENAME, one by attAttachTitle)
# on its own and inside an e-mail (application/ms-tnef); names and bytes as
# `tnef` extracts them; a bad checksum and a cut stream.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3 tnef sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache

/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/tnef_make.py" "$T/t"
mkdir "$T/x"
tnef -C "$T/x" "$T/t/winmail.dat"
(cd "$T/x" && for f in *; do printf '%s\t%s\n' "$f" "$(sha256sum <"$f" | cut -d' ' -f1)"; done) | LC_ALL=C sort >"$T/ref.tsv"
"$S" --no-yara "$T/t/winmail.dat" "$T/t/mail.eml" >"$T/our.jsonl"
for root in winmail.dat mail.eml; do
  jq -r --arg r "$root" 'select(.lineage.via == "tnef-attachment" and (.lineage.root | endswith($r))) |
    "\(.name)\t\(.hashes.sha256)"' "$T/our.jsonl" | LC_ALL=C sort >"$T/our.$root.tsv"
  check "$root: attachment names and bytes as tnef extracts them ($(wc -l <"$T/ref.tsv") files)" \
    diff "$T/ref.tsv" "$T/our.$root.tsv"
done
check "reached from the e-mail: mime-part winmail.dat dissected as TNEF" \
  test "$(jq -r 'select(.tnef != null and .lineage.via == "mime-part") | "\(.name) \(.lineage.declared_type) \(.tnef.attachment_count)"' "$T/our.jsonl")" = \
  "winmail.dat application/ms-tnef 2"
w='select(.lineage.id == 0 and .name == "winmail.dat")'
check "subject in the OEM code page (CP932), message class, version" \
  test "$(jq -r "$w"' | .tnef | "\(.codepage) \(.subject) \(.message_class) \(.version)"' "$T/our.jsonl")" = \
  "932 請求書の件 IPM.Microsoft Mail.Note 65536"
check "long file name preferred to the 8.3 title, double extension flagged" \
  test "$(jq -r "$w"' | "\(.tnef.attachments[0].title) \(.tnef.attachments[0].name) \(.flags | index("double_extension") != null)"' "$T/our.jsonl")" = \
  "INVOIC~1.EXE 請求書.pdf.exe true"
check "compressed RTF body decompressed (MS-OXRTFCP example)" \
  test "$(jq -r 'select(.lineage.via == "tnef-rtf" and .lineage.root == "'"$T"'/t/winmail.dat") | .hashes.sha256' "$T/our.jsonl")" = \
  "$(sha256sum <"$T/t/rtf1.txt" | cut -d' ' -f1)"

# ---- damaged -------------------------------------------------------------------
expect_rc 0 "a stream with a bad checksum is examined" "$S" --no-yara -o "$T/bad.jsonl" "$T/t/badsum.dat"
check "bad checksum: partial, error names the input, attachments still given" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.tnef.partial) \(.errors | map(select(test("badsum.dat: tnef: damaged"))) | length) \(.tnef.attachment_count)"' "$T/bad.jsonl")" = \
  "true 1 2"
expect_rc 0 "a cut stream is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/t/cut.dat"
check "cut inside an attachment: what is there is a child marked truncated" \
  test "$(jq -r 'select(.lineage.via == "tnef-attachment") | "\(.name) \(.flags | index("truncated_by_dissector") != null)"' "$T/cut.jsonl")" = \
  "INVOIC~1.EXE true"
finish
