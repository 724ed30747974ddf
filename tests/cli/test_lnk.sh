# LNK dissector against lnkinfo (liblnk-utils): the plaso shortcuts (when
# ../shared is there) and a hostile shortcut built at test time
# (tests/cli/lnk_ref.py: powershell.exe target, arguments padded with 300
# blanks before -enc, a borrowed icon, a tracker block); the decoded
# -EncodedCommand child, flags, a cut shortcut.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3 lnkinfo sha256sum
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
PLASO=${ART_PLASO_CORPUS:-$ART_SOURCE_DIR/../shared/corpora/plaso}
REF="/usr/bin/python3 $ART_SOURCE_DIR/tests/cli/lnk_ref.py"

$REF make "$T/l"
files=("$T/l/hostile.lnk")
if [ -d "$PLASO" ]; then
  for f in "$PLASO"/*.lnk; do files+=("$f"); done
else
  echo "# $PLASO absent: the plaso shortcuts are skipped (hostile fixture only)"
fi

# ---- every field lnkinfo prints, compared ----------------------------------
$REF facts "${files[@]}" | LC_ALL=C sort >"$T/ref.tsv"
"$S" --no-yara "${files[@]}" >"$T/our.jsonl"
jq -r 'select(.lineage.id == 0) | .name as $n | .lnk | to_entries[]
  | select(.value != null and (.value | type) != "array" and (.value | type) != "boolean")
  | select(.key | IN("local_path","relative_path","working_directory","arguments","icon_location",
      "description","environment_location","machine_id","droid_file_id","birth_droid_file_id",
      "volume_label","drive_serial","target_created_utc","target_modified_utc","target_accessed_utc","target_size"))
  | "\(.key)\t\($n)\t\(.value)"' "$T/our.jsonl" | LC_ALL=C sort >"$T/our.tsv"
# liblnk 20181227 cannot give UTF-8 for a path holding an unpaired
# surrogate inside art's process, while lnkinfo prints it with U+FFFD (a
# known difference, left out of the comparison and checked below).
grep -v -P '^(local_path|relative_path)\tunpaired_surrogate.lnk\t' "$T/ref.tsv" >"$T/ref.cmp" || true
if diff "$T/ref.cmp" "$T/our.tsv" >"$T/diff"; then
  ok "paths, arguments, icon, description, tracker ids, volume, times as lnkinfo prints them (${#files[@]} shortcuts, $(wc -l <"$T/ref.cmp") facts)"
else
  fail "differs from lnkinfo:"; cat "$T/diff" >&2
fi

# ---- the hostile shortcut ------------------------------------------------------
h='select(.lineage.id == 0 and .name == "hostile.lnk")'
check "MAC address from the version-1 droid, machine id, LOLBin" \
  test "$(jq -r "$h"' | .lnk | "\(.mac_address) \(.machine_id) \(.lolbin)"' "$T/our.jsonl")" = \
  "08:00:27:aa:bb:cc desktop-evil powershell.exe"
check "flags: LOLBin, padded arguments, borrowed icon, encoded command" \
  test "$(jq -r "$h"' | .flags | sort | join(",")' "$T/our.jsonl")" = \
  "lnk_borrowed_icon,lnk_lolbin,lnk_long_arguments,powershell_encoded_command"
check "header fields: icon index 3, show command 7" \
  test "$(jq -r "$h"' | .lnk | "\(.icon_index) \(.show_command)"' "$T/our.jsonl")" = "3 7"
check "-enc behind 300 blanks decoded (UTF-16LE base64) as an lnk-argument child" \
  test "$(jq -r 'select(.lineage.via == "lnk-argument") | .hashes.sha256' "$T/our.jsonl")" = \
  "$(sha256sum <"$T/l/encoded.txt" | cut -d' ' -f1)"
check "the decoded command's URL is an indicator of the child" \
  test "$(jq -r 'select(.lineage.via == "lnk-argument") | [.strings.iocs[].value] | index("http://198.51.100.9/a.ps1") != null' "$T/our.jsonl")" = true
echo 'rule lnk_decoded { strings: $a = "DownloadString(" condition: $a }' >"$T/r.yar"
"$S" --rules "$T/r.yar" "$T/l/hostile.lnk" >"$T/y.jsonl"
check "YARA is given the decoded command" \
  test "$(jq -r 'select(.yara.matches | length > 0) | .lineage.via' "$T/y.jsonl")" = "lnk-argument"

# ---- damaged ---------------------------------------------------------------------
expect_rc 0 "a cut shortcut is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/l/cut.lnk"
check "cut shortcut: partial, error names the input, header times kept" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.lnk.partial) \(.errors | map(select(test("cut.lnk: lnk: not a readable shortcut"))) | length) \(.lnk.target_created_utc)"' "$T/cut.jsonl")" = \
  "true 1 2024-10-01T10:00:00.0000000Z"
finish
