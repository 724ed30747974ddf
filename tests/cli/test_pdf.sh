# PDF dissector: keyword counts against pdfid.py (hex-obfuscated names
# decoded and counted apart) on PDFs written at test time, JavaScript and
# embedded files as children (their SHA-256 as the maker wrote them),
# URIs and launch targets, a damaged cross-reference table that libqpdf
# repairs, input that is not a PDF.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
PDFID=${ART_PDFID:-$ART_SOURCE_DIR/../shared/ref/didierstevens/pdfid.py}

/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/pdf_make.py" "$T/p"
"$S" --no-yara "$T"/p/*.pdf >"$T/our.jsonl"
check "every PDF dissected" \
  test "$(jq -s 'map(select(.lineage.id == 0 and .pdf.readable == true)) | length' "$T/our.jsonl")" -eq 5

# ---- pdfid ------------------------------------------------------------------
if [ -f "$PDFID" ]; then
  for f in "$T"/p/*.pdf; do
    n=$(basename "$f")
    /usr/bin/python3 "$PDFID" "$f" | awk -v f="$n" '
      NR > 2 && NF >= 2 && $1 != "PDF" && $0 !~ /Colors/ {
        c = $2; h = 0
        if (match(c, /\(([0-9]+)\)/)) { h = substr(c, RSTART + 1, RLENGTH - 2); c = substr(c, 1, RSTART - 1) }
        print f "\t" $1 "\t" c "\t" h }'
  done | sort >"$T/pdfid.tsv"
  jq -r 'select(.lineage.id == 0) | (.path | split("/") | last) as $f
         | .pdf.pdfid | to_entries[] | "\($f)\t\(.key)\t\(.value.count)\t\(.value.hex)"' \
    "$T/our.jsonl" | sort >"$T/ours.tsv"
  if diff "$T/pdfid.tsv" "$T/ours.tsv" >"$T/diff"; then
    ok "keyword counts and hex-coded counts agree with pdfid.py ($(wc -l <"$T/pdfid.tsv") counts)"
  else
    fail "differs from pdfid.py:"; cat "$T/diff" >&2
  fi
else
  echo "skip - $PDFID absent: no comparison with pdfid.py"
fi

# ---- children and indicators ---------------------------------------------------
jq -r '(.lineage.root | split("/") | last) as $f
  | if .lineage.via == "pdf-javascript" then "\($f)\tjavascript\t\(.hashes.sha256)"
    elif .lineage.via == "pdf-embedded-file" then "\($f)\tembedded\t\(.name)\t\(.hashes.sha256)"
    elif .lineage.id == 0 then
      (.pdf.uris[] | "\($f)\turi\t\(.)"),
      (.pdf.launch[] | "\($f)\tlaunch\t\(.win_file // .file)\t\(.win_parameters // "")")
    else empty end' "$T/our.jsonl" | sort >"$T/children.tsv"
if diff "$T/p/ref.tsv" "$T/children.tsv" >"$T/diff"; then
  ok "JavaScript (decompressed), embedded files, URIs and launch targets as written ($(wc -l <"$T/p/ref.tsv") facts)"
else
  fail "children differ from what was written:"; cat "$T/diff" >&2
fi
flags() { jq -r "select(.lineage.id == 0 and (.path | endswith(\"/$1\"))) | .flags | join(\",\")" "$T/our.jsonl"; }
check "js.pdf: hex-obfuscated /JavaScript, OpenAction and JavaScript flagged" \
  test "$(flags js.pdf)" = "pdf_hex_obfuscated_name,pdf_openaction,pdf_javascript"
check "broken.pdf: repaired by libqpdf, and says so" \
  test "$(flags broken.pdf)" = "pdf_hex_obfuscated_name,pdf_repaired,pdf_openaction,pdf_javascript"
check "embedded.pdf: embedded file flagged, its double extension too" \
  test "$(flags embedded.pdf):$(jq -r 'select(.lineage.via == "pdf-embedded-file") | .flags | join(",")' "$T/our.jsonl")" = "pdf_embedded_file:double_extension"
check "launch.pdf: launch flagged" test "$(flags launch.pdf)" = "pdf_openaction,pdf_launch"
check "plain.pdf: nothing flagged" test "$(flags plain.pdf)" = ""
check "the JavaScript child's strings hold the URL it calls" \
  test "$(jq -r 'select(.lineage.via == "pdf-javascript" and (.path | contains("js.pdf"))) | .strings.iocs | map(.value) | join(",")' "$T/our.jsonl")" = "http://198.51.100.7/p"

# ---- damaged beyond repair, and not a PDF ---------------------------------------
head -c 200 "$T/p/js.pdf" >"$T/cut.pdf"
expect_rc 0 "a PDF cut at 200 bytes is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/cut.pdf"
check "cut PDF: pdfid counts still given" \
  test "$(jq -r 'select(.lineage.id == 0) | .pdf.pdfid.obj.count' "$T/cut.jsonl")" -ge 1
printf 'just text mentioning %%PDF-1.4 later than the first kilobyte?\n' >"$T/x.txt"
head -c 2000 /dev/zero | tr '\0' 'a' >"$T/late.txt"; printf '%%PDF-1.4\n' >>"$T/late.txt"
check "%PDF after the first 1024 bytes is not a PDF (as pdfid)" \
  test "$("$S" --no-yara "$T/late.txt" | jq -r .pdf)" = null
finish
