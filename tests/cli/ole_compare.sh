# Sourced by test_ole.sh: the golden facts and ours, restricted to what both
# tools report (see the comments), as $T/gold.cmp and $T/ours.cmp.
# SPDX-License-Identifier: Apache-2.0
# Files whose VBA both read: OLE, OOXML and PowerPoint 97 containers
# (olevba's Text, SLK and XML paths are its own: it shows any text file as
# VBA source), not encrypted unless decrypted with the default password
# (msoffcrypto-tool's "decrypted" facts). olevba shows Excel 4 macros as a
# module "xlm_macro.txt": those are compared apart (xlm facts), and a file
# whose only module it is is left out here.
awk -F'\t' '
  $2 == "olevba_type" && ($3 == "OLE" || $3 == "OpenXML" || $3 == "OLE+OpenXML" || $3 == "PPT") { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "decrypted" { dec[$1] = 1 }
  $2 == "module" && $3 == "xlm_macro.txt" { xlm[$1] = 1 }
  $2 == "module" && $3 != "xlm_macro.txt" { vba[$1] = 1 }
  END { for (f in t) if ((!(f in enc) || (f in dec)) && (!(f in xlm) || (f in vba))) print f }' "$GOLD" | sort >"$T/vba_files"
# DDE fields (msodde) and external links (oleobj): OOXML packages, not
# encrypted unless decrypted.
awk -F'\t' '
  $2 == "olevba_type" && $3 ~ /OpenXML/ { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "decrypted" { dec[$1] = 1 }
  END { for (f in t) if (!(f in enc) || (f in dec)) print f }' "$GOLD" | sort >"$T/ooxml_files"
# olevba's encoded-string detections (Base64/Hex/Dridex strings) are not
# keywords of the code: left out of the comparison.
filter() {
  awk -F'\t' -v files="$T/vba_files" -v ofiles="$T/ooxml_files" '
    BEGIN { while ((getline f < files) > 0) keep[f] = 1
            while ((getline f < ofiles) > 0) ox[f] = 1 }
    /^#/ { next }
    $2 == "olevba_type" { next }
    $2 == "encrypted" || $2 == "decrypted" { print; next }
    ($2 == "module" || $2 == "code") && $3 == "xlm_macro.txt" { next }
    $2 == "suspicious" && $3 == "xlm macro" { next }
    # DDE links in the binary parts of .xlsb (BIFF12 records) are not read
    $2 == "dde" && $1 ~ /\.xlsb$/ { next }
    $2 == "dde" || $2 == "extlink" { if ($1 in ox) print; next }
    !($1 in keep) { next }
    $2 == "suspicious" && ($3 == "base64 strings" || $3 == "hex strings" || $3 == "dridex strings") { next }
    { print }' "$1" | sort -u
}
filter "$GOLD" >"$T/gold.cmp"
filter "$T/ours.tsv" >"$T/ours.cmp"
