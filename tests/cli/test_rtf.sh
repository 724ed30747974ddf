# RTF dissector against rtfobj: RTFs written at test time (an OLE1 Package
# holding an executable, an Equation.3 object, a malformed \objdata), class
# names, data sizes, Package file names, MD5 of the embedded data, and the
# objects rtfobj calls not well-formed.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
OLETOOLS=${ART_OLETOOLS:-$ART_SOURCE_DIR/../shared/ref/oletools}
mkdir -p "$T/r"
/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/rtf_make.py" "$T/r"
"$S" --no-yara "$T"/r/*.rtf >"$T/our.jsonl"
# ours: file, class (or malformed), data size, package file name, MD5
jq -r '(.lineage.root | split("/") | last) as $f
  | if .lineage.id == 0 then (.rtf.objects[] | select(.well_formed | not) | "\($f)\tmalformed")
    elif .lineage.via == "rtf-package" then "\($f)\tpackage\t\(.name)\t\(.hashes.md5)"
    elif .lineage.via == "rtf-object" then "\($f)\tobject\t\(.lineage.declared_type)\t\(.hashes.md5)"
    else empty end' "$T/our.jsonl" | sort >"$T/ours.tsv"
jq -r '(.lineage.root | split("/") | last) as $f | select(.lineage.id == 0)
  | .rtf.objects[] | select(.well_formed) | "\($f)\tclass\t\(.class)\t\(.data_size)"' \
  "$T/our.jsonl" | sort >>"$T/ours.tsv"
sort -o "$T/ours.tsv" "$T/ours.tsv"
if [ -d "$OLETOOLS" ]; then
  (cd "$T/r" && PYTHONPATH=$OLETOOLS /usr/bin/python3 -m oletools.rtfobj pkg.rtf eq.rtf bad.rtf noobj.rtf) >"$T/rtfobj.txt" 2>&1
  awk '
    /^File: / { f = $2; gsub(/\047/, "", f); pkg = 0 }
    /class name: b\047/ { match($0, /b\047[^\047]*\047/); cls = substr($0, RSTART + 2, RLENGTH - 3) }
    /data size: / { match($0, /data size: [0-9]+/); ds = substr($0, RSTART + 11, RLENGTH - 11); print f "\tclass\t" cls "\t" ds }
    /OLE Package object/ { pkg = 1 }
    /Filename: \047/ { match($0, /\047[^\047]*\047/); fn = substr($0, RSTART + 1, RLENGTH - 2) }
    /MD5 = \047/ { match($0, /\047[0-9a-f]+\047/); md5 = substr($0, RSTART + 1, RLENGTH - 2)
                   if (pkg) print f "\tpackage\t" fn "\t" md5; else print f "\tobject\t" cls "\t" md5 }
    /Not a well-formed OLE object/ { print f "\tmalformed" }' "$T/rtfobj.txt" | sort >"$T/ref.tsv"
  if diff "$T/ref.tsv" "$T/ours.tsv" >"$T/diff"; then
    ok "classes, sizes, Package names, embedded data MD5 and malformed objects as rtfobj ($(wc -l <"$T/ref.tsv") facts)"
  else
    fail "differs from rtfobj:"; cat "$T/diff" >&2
  fi
else
  echo "skip - $OLETOOLS absent: no comparison with rtfobj"
fi
flags() { jq -r "select(.lineage.id == 0 and (.path | endswith(\"/$1\"))) | .flags | join(\",\")" "$T/our.jsonl"; }
check "pkg.rtf: Package flagged, its executable named and flagged" \
  test "$(flags pkg.rtf):$(jq -r 'select(.lineage.via == "rtf-package") | "\(.name) \(.flags | join(","))"' "$T/our.jsonl")" = "rtf_package,rtf_object:invoice.pdf.exe double_extension"
check "eq.rtf: Equation Editor object flagged" test "$(flags eq.rtf)" = "rtf_equation_editor,rtf_object"
check "bad.rtf: malformed object flagged" test "$(flags bad.rtf)" = "rtf_object,rtf_malformed_object"
check "noobj.rtf: nothing flagged" test "$(flags noobj.rtf)" = ""
CORPUS=${ART_OLETOOLS_CORPUS:-$ART_SOURCE_DIR/../shared/corpora/oletools}
if [ -f "$CORPUS/rtfobj/issue_251.rtf" ]; then
  # rtfobj: "Not a well-formed OLE object" (its native data size lies)
  check "corpus issue_251.rtf: malformed object, as rtfobj" \
    test "$("$S" --no-yara "$CORPUS/rtfobj/issue_251.rtf" | jq -r 'select(.lineage.id == 0) | .rtf.malformed_objects')" = 1
else
  echo "skip - $CORPUS absent: issue_251.rtf not checked"
fi
finish
