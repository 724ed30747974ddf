# Sourced by test_ole.sh: the golden facts and ours, restricted to what both
# tools report (see the comments), as $T/gold.cmp and $T/ours.cmp.
# SPDX-License-Identifier: Apache-2.0
# Files whose VBA both read: OLE, OOXML and PowerPoint 97 containers
# (olevba's Text, SLK and XML paths are its own: it shows any text file as
# VBA source), not encrypted unless decrypted with the default password
# (msoffcrypto-tool's "decrypted" facts). olevba shows Excel 4 macros as a
# module "xlm_macro.txt" holding its BIFF record dump: that module's text is
# not compared, its facts are (xlm_sheet, xlm_name, xlm_formula).
awk -F'\t' '
  $2 == "olevba_type" && ($3 == "OLE" || $3 == "OpenXML" || $3 == "OLE+OpenXML" || $3 == "PPT") { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "decrypted" { dec[$1] = 1 }
  $2 == "module" && $3 == "xlm_macro.txt" { xlm[$1] = 1 }
  END { for (f in t) if (!(f in enc) || (f in dec) || (f in xlm)) print f }' "$GOLD" | sort >"$T/vba_files"
# DDE fields (msodde) and external links (oleobj): OOXML packages, not
# encrypted unless decrypted.
awk -F'\t' '
  $2 == "olevba_type" && $3 ~ /OpenXML/ { t[$1] = 1 }
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "decrypted" { dec[$1] = 1 }
  END { for (f in t) if (!(f in enc) || (f in dec)) print f }' "$GOLD" | sort >"$T/ooxml_files"
# XLM facts: not for a workbook that stays encrypted (olevba reads the
# workbook msoffcrypto-tool decrypted with the default password, artifact
# the one it decrypts), nor for the formulas olevba could not parse whole
# (xlm_unparsed: it shows "<ERROR>" for every BIFF5 string). olevba lists a
# workbook's sheets when it has VBA too, artifact only with a macro sheet:
# sheets are compared for the workbooks with a macro sheet (in the facts
# of each side, so a macro sheet one side misses still shows).
awk -F'\t' '
  $2 == "encrypted" && $3 == "True" { enc[$1] = 1 }
  $2 == "decrypted" { dec[$1] = 1 }
  END { for (f in enc) if (!(f in dec)) print f }' "$GOLD" | sort >"$T/xlm_enc"
awk -F'\t' '$2 == "xlm_unparsed" { print $1 "\t" $3 "\t" $4 }' "$GOLD" | sort >"$T/xlm_skip"
# olevba's encoded-string detections (Base64/Hex/Dridex strings) are not
# keywords of the code: left out of the comparison.
filter() {
  awk -F'\t' '$2 == "xlm_sheet" && $4 == "macro" { print $1 }' "$1" | sort -u >"$T/xlm_books"
  awk -F'\t' -v files="$T/vba_files" -v ofiles="$T/ooxml_files" -v xenc="$T/xlm_enc" -v xskip="$T/xlm_skip" -v xbooks="$T/xlm_books" '
    BEGIN { while ((getline f < files) > 0) keep[f] = 1
            while ((getline f < xbooks) > 0) xb[f] = 1
            while ((getline f < ofiles) > 0) ox[f] = 1
            while ((getline f < xenc) > 0) xe[f] = 1
            while ((getline f < xskip) > 0) xs[f] = 1 }
    /^#/ { next }
    $2 == "xlm_unparsed" { next }
    $2 ~ /^xlm_/ && ($1 in xe) { next }
    $2 == "xlm_sheet" && !($1 in xb) { next }
    $2 == "xlm_formula" && (($1 "\t" $3 "\t" $4) in xs) { next }
    $2 == "olevba_type" { next }
    $2 == "encrypted" || $2 == "decrypted" { print; next }
    ($2 == "module" || $2 == "code") && $3 == "xlm_macro.txt" { next }
    # DDE links in the binary parts of .xlsb (BIFF12 records) are not read
    $2 == "dde" && $1 ~ /\.xlsb$/ { next }
    $2 == "dde" || $2 == "extlink" { if ($1 in ox) print; next }
    !($1 in keep) { next }
    $2 == "suspicious" && ($3 == "base64 strings" || $3 == "hex strings" || $3 == "dridex strings") { next }
    { print }' "$1" | sort -u
}
filter "$GOLD" >"$T/gold.cmp"
filter "$T/ours.tsv" >"$T/ours.cmp"
