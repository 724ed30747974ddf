# art-surface records of one run over the oletools corpus -> the facts of
# tests/data/oletools/goldens.tsv (file, kind, value), for test_ole.sh.
# Input: records slurped (-s); $corpus: the corpus folder prefix to strip.
# External relationships are compared for the types oleobj reports
# (its BLACKLISTED_RELATIONSHIP_TYPES). An encrypted package's facts are
# those of its decrypted child (via office-decrypted), as msoffcrypto-tool
# hands the decrypted file to olevba and msodde; an Excel 97-2003 workbook's
# decrypted child is its Workbook stream (kind "workbook"), its XLM facts
# read from it in the workbook's own record.
# SPDX-License-Identifier: Apache-2.0
group_by(.lineage.root)[]
| (.[0].lineage.root | ltrimstr($corpus + "/")) as $f
| . as $recs
| ([$recs[] | select(.ole.vba != null) | .ole.vba]) as $vba
| ([$vba[] | .projects[] | .modules[]]) as $mods
| ([$recs[] | select(.ole.xlm != null) | .ole.xlm]) as $xlm
| (["vba", (if ($mods | length) > 0 or ($xlm | length) > 0 then "yes" else "no" end)]),
  ($mods[] | ["module", .file_name]),
  ($mods[] | select(.code_sha256 != null) | ["code", .file_name, .code_sha256]),
  ($vba[] | .autoexec[] | ["autoexec", ascii_downcase]),
  ($vba[] | .suspicious[] | ["suspicious", ascii_downcase]),
  # Excel 4 macros, as olevba's plugin_biff shows them: it reads a BIFF8
  # sheet name's flags byte as its first character, so the name it shows
  # lacks the last one; olevba counts a macro sheet as a macro, flags it
  # "XLM macro" and its Auto_Open name as AutoExec.
  ($xlm[] | . as $x | .sheets[]
   | ["xlm_sheet", (if $x.biff == 8 then .name[:-1] else .name end), .type, .state]),
  ($xlm[] | .autoexec_names[] | ["xlm_name", .]),
  ($xlm[] | .autoexec_names[] | ["autoexec", ascii_downcase]),
  ($xlm[] | ["suspicious", "xlm macro"]),
  ($xlm[] | . as $x | .formula_list[] | select(.complete)
   | ["xlm_formula", (if $x.biff == 8 then .sheet[:-1] else .sheet end), .cell, .formula]),
  (["encrypted", (if ($recs[0].ole.encrypted // false) then "True" else "False" end)]),
  ($recs[] | select(.lineage.via == "office-decrypted" and .lineage.depth == 1)
   | ["decrypted", (if .name == "Workbook" then "workbook" else "ooxml" end), .hashes.sha256]),
  ($recs[] | select(.ooxml != null and (.lineage.depth == 0 or
      (.lineage.via == "office-decrypted" and .lineage.depth == 1)))
   | .ooxml.dde[] | ["dde", .]),
  ($recs[] | select(.ooxml != null and (.lineage.depth == 0 or
      (.lineage.via == "office-decrypted" and .lineage.depth == 1)))
   | .ooxml.external_relationships[]
   | select(.type as $t | ["attachedTemplate", "externalLink", "externalLinkPath",
       "externalReference", "frame", "hyperlink", "officeDocument", "oleObject", "package",
       "slideUpdateUrl", "slideMaster", "slide", "slideUpdateInfo", "subDocument",
       "worksheet"] | index($t)) | ["extlink", .type, .target])
| [$f] + . | map(gsub("[\t\n]"; " ")) | join("\t")
