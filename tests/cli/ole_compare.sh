# Sourced by test_ole.sh: the golden facts and ours, restricted to what both
# tools report (see the comments), as $T/gold.cmp and $T/ours.cmp.
# SPDX-License-Identifier: Apache-2.0
# Files whose VBA both read: OLE and OOXML containers (olevba's Text, SLK,
# XML paths are its own), not encrypted (olevba decrypts with
# msoffcrypto, we only flag), without Excel 4 macros (not dissected yet).
awk -F'\t' '
  $2 == "olevba_type" && ($3 == "OLE" || $3 == "OpenXML" || $3 == "OLE+OpenXML" || $3 == "PPT") { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "module" && $3 == "xlm_macro.txt" { xlm[$1] = 1 }
  END { for (f in t) if (!(f in enc) && !(f in xlm)) print f }' "$GOLD" | sort >"$T/vba_files"
# DDE fields (msodde) and external links (oleobj): OOXML packages that are
# not encrypted.
awk -F'\t' '
  $2 == "olevba_type" && $3 == "OpenXML" { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  END { for (f in t) if (!(f in enc)) print f }' "$GOLD" | sort >"$T/ooxml_files"
# olevba's encoded-string detections (Base64/Hex/Dridex strings) are not
# keywords of the code: left out of the comparison.
filter() {
  awk -F'\t' -v files="$T/vba_files" -v ofiles="$T/ooxml_files" '
    BEGIN { while ((getline f < files) > 0) keep[f] = 1
            while ((getline f < ofiles) > 0) ox[f] = 1 }
    /^#/ { next }
    $2 == "olevba_type" { next }
    $2 == "encrypted" { print; next }
    # DDE links in the binary parts of .xlsb (BIFF12 records) are not read
    $2 == "dde" && $1 ~ /\.xlsb$/ { next }
    $2 == "dde" || $2 == "extlink" { if ($1 in ox) print; next }
    !($1 in keep) { next }
    $2 == "suspicious" && ($3 == "base64 strings" || $3 == "hex strings" || $3 == "dridex strings") { next }
    { print }' "$1" | sort -u
}
filter "$GOLD" >"$T/gold.cmp"
filter "$T/ours.tsv" >"$T/ours.cmp"
