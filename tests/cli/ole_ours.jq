# art-surface records of one run over the oletools corpus -> the facts of
# tests/data/oletools/goldens.tsv (file, kind, value), for test_ole.sh.
# Input: records slurped (-s); $corpus: the corpus folder prefix to strip.
# External relationships are compared for the types oleobj reports
# (its BLACKLISTED_RELATIONSHIP_TYPES).
# SPDX-License-Identifier: Apache-2.0
group_by(.lineage.root)[]
| (.[0].lineage.root | ltrimstr($corpus + "/")) as $f
| . as $recs
| ([$recs[] | select(.ole.vba != null) | .ole.vba]) as $vba
| ([$vba[] | .projects[] | .modules[]]) as $mods
| (["vba", (if ($mods | length) > 0 then "yes" else "no" end)]),
  ($mods[] | ["module", .file_name]),
  ($mods[] | select(.code_sha256 != null) | ["code", .file_name, .code_sha256]),
  ($vba[] | .autoexec[] | ["autoexec", ascii_downcase]),
  ($vba[] | .suspicious[] | ["suspicious", ascii_downcase]),
  (["encrypted", (if ($recs[0].ole.encrypted // false) then "True" else "False" end)]),
  ($recs[0] | select(.ooxml != null) | .ooxml.dde[] | ["dde", .]),
  ($recs[0] | select(.ooxml != null) | .ooxml.external_relationships[]
   | select(.type as $t | ["attachedTemplate", "externalLink", "externalLinkPath",
       "externalReference", "frame", "hyperlink", "officeDocument", "oleObject", "package",
       "slideUpdateUrl", "slideMaster", "slide", "slideUpdateInfo", "subDocument",
       "worksheet"] | index($t)) | ["extlink", .type, .target])
| [$f] + . | map(gsub("[\t\n]"; " ")) | join("\t")
