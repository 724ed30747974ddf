#!/usr/bin/env bash
# CLI tests for art-yara: differential against `yara -s` (same (rule, file)
# pairs and string offsets) on the project's fixtures and on /usr/bin; rule
# errors with file and line, --skip-bad-rules, per-artifact timeout, too many
# matches, the compiled cache, archive members, JSON Lines and exit codes.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need yara jq bsdtar
Y="$ART_BIN/art-yara"
SIG="$ART_SOURCE_DIR/signatures"
export XDG_CACHE_HOME="$T/cache"

# Fixtures of every rule (generated binaries and the text files).
mkdir "$T/fx"
"$ART_BINARY_DIR/tests/test_signatures" --write-fixtures "$T/fx"

# rc_to CODE DESCRIPTION OUT ERR COMMAND...: like expect_rc, with the
# command's stdout and stderr in OUT and ERR.
rc_to() {
  local want=$1 d=$2 out=$3 err=$4 rc=0
  shift 4
  "$@" > "$out" 2> "$err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$d (exit $rc)"; else fail "$d: exit $rc, wanted $want"; fi
}

# yara's and our text lines as "rule|path" and "rule|path|0xOFF|$id" lines.
norm() {
  awk '!/^0x/ { rule = $1; path = substr($0, index($0, " ") + 1); print rule "|" path; next }
       { split($0, a, ":"); print rule "|" path "|" a[1] "|" a[2] }' "$1" | sort
}

# Rules that hit real binaries at many offsets, for /usr/bin.
cat > "$T/diff.yar" <<'EOF'
rule d_elf64 { strings: $elf = { 7F 45 4C 46 02 01 } condition: $elf at 0 }
rule d_interp { strings: $i = "/lib64/ld-linux-x86-64.so.2" condition: $i }
rule d_gcc { strings: $g = /GCC: \([^)]{1,40}\) [0-9.]+/ condition: $g }
rule d_usage { strings: $u = "Usage:" nocase wide ascii condition: $u }
rule d_glibc { strings: $a = "GLIBC_2.3" fullword $b = "__libc_start_main" condition: all of them }
rule d_hex { strings: $h = { 48 8D 3D ?? ?? ?? ?? E8 } condition: #h > 50 }
EOF

yara -w -s -r "$SIG"/*.yar "$T/fx" > "$T/y_fx.txt"
"$Y" -w -s -r -j 2 -R "$SIG" "$T/fx" > "$T/a_fx.txt"
norm "$T/y_fx.txt" > "$T/y_fx.norm"
norm "$T/a_fx.txt" > "$T/a_fx.norm"
check "fixtures: same (rule, file) pairs and string offsets as yara -s" \
  diff "$T/y_fx.norm" "$T/a_fx.norm"
check "fixtures: every rule of signatures/ matched something" \
  test "$(cut -d'|' -f1 "$T/a_fx.norm" | sort -u | wc -l)" -ge 25

yara -w -s -N -r -p 2 "$SIG"/*.yar "$T/diff.yar" /usr/bin > "$T/y_bin.txt" 2>/dev/null || true
"$Y" -w -s -r -j 2 --no-archives -R "$SIG" -R "$T/diff.yar" /usr/bin > "$T/a_bin.txt"
norm "$T/y_bin.txt" > "$T/y_bin.norm"
norm "$T/a_bin.txt" > "$T/a_bin.norm"
check "/usr/bin: same (rule, file) pairs and string offsets as yara -s" \
  diff "$T/y_bin.norm" "$T/a_bin.norm"
check "/usr/bin: a real comparison (thousands of string matches)" \
  test "$(grep -c '|0x' "$T/a_bin.norm")" -gt 1000

# yara's own argument order: rules files, then one target.
yara -s "$T/diff.yar" /usr/bin/true > "$T/y1.txt"
"$Y" -s "$T/diff.yar" /usr/bin/true > "$T/a1.txt"
check "RULES TARGET order: same output as yara for one file" \
  diff <(norm "$T/y1.txt") <(norm "$T/a1.txt")
check "-m -g -e: namespace, tags and meta on the rule line" \
  bash -c "'$Y' -m -g -e -R '$SIG/eicar.yar' '$T/fx/eicar.com' | grep -qx 'default:EICAR_Test_File \[test\] \[author=\"artifact project\",.*date=\"2026-11-22\"\] .*/eicar.com'"
check "-t TAG shows only rules with the tag" \
  bash -c "'$Y' -t packer -R '$SIG' '$T/fx/upx.exe' | grep -qx 'UPX_Packed .*' && ! '$Y' -t packer -R '$SIG' '$T/fx/upx.exe' | grep -q PE_File"
check "-i RULE shows only that rule" \
  bash -c "test \"\$('$Y' -i PE_File -R '$SIG' '$T/fx/upx.exe')\" = 'PE_File $T/fx/upx.exe'"
check "-n lists the rules that do not match" \
  bash -c "'$Y' -n -R '$SIG' '$T/fx/eicar.com' | grep -q '^PE_File ' && ! '$Y' -n -R '$SIG' '$T/fx/eicar.com' | grep -q EICAR"
check "-c counts matching rules per artifact" \
  bash -c "test \"\$('$Y' -c -R '$SIG' '$T/fx/upx.exe')\" = '2'"
check "standard input as a target" \
  bash -c "'$Y' -R '$SIG' - < '$T/fx/eicar.com' | grep -qx 'EICAR_Test_File -'"
check "-d defines an external" \
  bash -c "echo 'rule ext { condition: level == 3 and owner != \"nobody\" }' > '$T/ext.yar'; '$Y' -d level=3 '$T/ext.yar' /usr/bin/true | grep -qx 'ext /usr/bin/true'"

# A broken rule file: the error names the file and the line; exit 4.
printf 'rule good1 { condition: true }\n\nrule broken { condition: nope }\n' > "$T/broken.yar"
printf 'rule good2 { strings: $a = "ELF" condition: $a }\n' > "$T/good.yar"
rc_to 4 "broken rules file is fatal" /dev/null "$T/err.txt" "$Y" "$T/broken.yar" "$T/good.yar" /usr/bin/true
check "the error names the file and the line" grep -q "broken.yar(3): error: .*nope" "$T/err.txt"
rc_to 0 "--skip-bad-rules scans with the rest" "$T/skip.txt" "$T/err.txt" "$Y" --skip-bad-rules "$T/broken.yar" "$T/good.yar" /usr/bin/true
check "... and reports the skipped file" grep -q "broken.yar(3): error: .*(file skipped)" "$T/err.txt"
check "... and the good file's rules match" grep -qx "good2 /usr/bin/true" "$T/skip.txt"

# Per-artifact timeout on a pathological rule: the record says so; exit 3.
head -c 300000 /usr/bin/true > "$T/slow.bin" 2>/dev/null || head -c 300000 /dev/urandom > "$T/slow.bin"
cat > "$T/slow.yar" <<'EOF'
rule slow { condition: for all i in (0..filesize) : (for all j in (0..filesize) : (uint8(i) != uint8(j) or i == j or true)) }
rule quick { strings: $a = "ELF" condition: $a }
EOF
rc_to 3 "a timeout is a partial scan" "$T/slow.json" "$T/err.txt" "$Y" --no-cache -a 1 --format jsonl "$T/slow.yar" "$T/slow.bin"
check "the record says timeout" jq -e 'select(.status == "timeout") | .error | test("timed out")' "$T/slow.json"
rc_to 3 "text mode: timeout reported on stderr" /dev/null "$T/err.txt" "$Y" -a 1 "$T/slow.yar" "$T/slow.bin"
check "... naming the artifact" grep -q "slow.bin: scan timed out" "$T/err.txt"

# Too many matches: reported as a partial result with the rule marked.
head -c 1100000 /dev/zero > "$T/zeros.bin"
echo 'rule many { strings: $z = { 00 00 } condition: $z }' > "$T/many.yar"
rc_to 3 "too many matches is reported" "$T/many.json" /dev/null "$Y" --format jsonl "$T/many.yar" "$T/zeros.bin"
check "... as partial, with the rule's matches marked incomplete" \
  jq -e 'select(.status == "partial" and (.error | test("too many matches")) and .matches[0].rule == "many" and .matches[0].incomplete)' "$T/many.json"

# Maximum size: the rest is not scanned, and the record says so.
rc_to 3 "--max-scan-size cuts and reports" "$T/max.json" /dev/null "$Y" --max-scan-size 1k --format jsonl "$T/good.yar" "$T/zeros.bin"
check "... bytes scanned and the reason" jq -e 'select(.bytes == 1024 and (.error | test("maximum size")))' "$T/max.json"

# The compiled cache: used on the second run, rebuilt when a rule changes.
rm -rf "$T/cache"
mkdir "$T/rs"
cp "$SIG"/*.yar "$T/rs/"
"$Y" --verbose -R "$T/rs" /usr/bin/true 2> "$T/c1.txt" > /dev/null
"$Y" --verbose -R "$T/rs" /usr/bin/true 2> "$T/c2.txt" > /dev/null
check "first run compiles from source" grep -q "compiled from source" "$T/c1.txt"
check "second run loads the compiled cache" grep -q "from the compiled cache" "$T/c2.txt"
check "one cache entry" test "$(find "$T/cache" -name '*.yarc' | wc -l)" -eq 1
echo 'rule added { condition: filesize > 0 }' >> "$T/rs/eicar.yar"
"$Y" --verbose -R "$T/rs" /usr/bin/true 2> "$T/c3.txt" > "$T/c3.out"
check "a changed rule file is recompiled" grep -q "compiled from source" "$T/c3.txt"
check "... and the new rule is used" grep -qx "added /usr/bin/true" "$T/c3.out"
"$Y" --verbose --no-cache -R "$T/rs" /usr/bin/true 2> "$T/c4.txt" > /dev/null
check "--no-cache compiles" grep -q "compiled from source" "$T/c4.txt"

# Archive members (zip inside tar.gz): the same rules as the same bytes on disk.
(cd "$T/fx" && bsdtar -a -cf "$T/inner.zip" eicar.com upx.exe macro.doc js.pdf shell.php script.sh)
(cd "$T" && bsdtar -czf "$T/outer.tgz" inner.zip -C "$T/fx" launch.pdf dropper.jpg)
"$Y" -R "$SIG" "$T/outer.tgz" > "$T/arc.txt"
"$Y" -R "$SIG" "$T/fx/eicar.com" "$T/fx/upx.exe" "$T/fx/macro.doc" "$T/fx/js.pdf" \
  "$T/fx/shell.php" "$T/fx/script.sh" "$T/fx/launch.pdf" "$T/fx/dropper.jpg" > "$T/disk.txt"
awk '{ n = split($2, p, "[!/]"); print $1, p[n] }' "$T/arc.txt" | grep -v ' inner.zip$' | sort > "$T/arc.norm"
awk '{ n = split($2, p, "/"); print $1, p[n] }' "$T/disk.txt" | sort > "$T/disk.norm"
check "archive members match the same rules as the files on disk" diff "$T/disk.norm" "$T/arc.norm"
check "members carry their lineage" grep -qx "EICAR_Test_File $T/outer.tgz!inner.zip!eicar.com" "$T/arc.txt"
"$Y" --format jsonl -R "$SIG" "$T/outer.tgz" > "$T/arc.json"
check "jsonl: one valid object per artifact, members with depth and root" \
  jq -e -s 'length == 10 and (map(select(.member == "eicar.com" and .depth == 2 and (.root | endswith("outer.tgz")))) | length == 1)' "$T/arc.json"
"$Y" --no-archives -R "$SIG" "$T/outer.tgz" > "$T/noarc.txt"
check "--no-archives scans only the file" test ! -s "$T/noarc.txt"

# The same member bytes met again (a .o in several .a archives, a file
# twice in one) are scanned once: every name still gets yara's lines for
# those bytes (yara -s on each member extracted by bsdtar -xO).
if command -v ar > /dev/null; then
  mkdir "$T/dup"
  cp "$T/fx/eicar.com" "$T/dup/e1.com"
  cp "$T/fx/eicar.com" "$T/dup/e2.com"
  cp "$T/fx/upx.exe" "$T/dup/u.exe"
  (cd "$T/dup" && ar rc one.a e1.com u.exe e2.com && ar rc two.a u.exe e1.com && rm e1.com e2.com u.exe)
  "$Y" -s -r -R "$SIG" "$T/dup" | grep -v '^0x' | grep '!' | sort > "$T/dup_a.txt"
  "$Y" -s -r -R "$SIG" "$T/dup" > "$T/dup_as.txt"
  : > "$T/dup_y.txt"
  : > "$T/dup_ys.txt"
  for a in one.a two.a; do
    for m in $(bsdtar -tf "$T/dup/$a" | grep -vx /); do # "/": the symbol table
      bsdtar -xOf "$T/dup/$a" "$m" > "$T/dup_m"
      yara -s -w "$SIG"/*.yar "$T/dup_m" | sed "s|$T/dup_m|$T/dup/$a!$m|" >> "$T/dup_ys.txt"
    done
  done
  grep -v '^0x' "$T/dup_ys.txt" | sort > "$T/dup_y.txt"
  check "identical members: the same (rule, member) pairs as yara on each member's bytes" \
    diff "$T/dup_y.txt" "$T/dup_a.txt"
  check "... with the same string offsets as yara -s" \
    bash -c "diff <(norm '$T/dup_ys.txt' | grep '!') <(norm '$T/dup_as.txt' | grep '!')"
  check "... and the run's lines do not depend on -j" \
    bash -c "diff <('$Y' -s -r -j 1 --no-sandbox -R '$SIG' '$T/dup') '$T/dup_as.txt'"
else
  echo "note - ar (binutils) is not installed: identical members not checked"
fi

# Exit codes.
expect_rc 0 "no match: 0" "$Y" "$T/good.yar" "$T/zeros.bin"
expect_rc 0 "a match without --exit-on-match: 0" "$Y" "$T/good.yar" /usr/bin/true
expect_rc 1 "a match with --exit-on-match: 1" "$Y" --exit-on-match "$T/good.yar" /usr/bin/true
expect_rc 0 "no match with --exit-on-match: 0" "$Y" --exit-on-match "$T/good.yar" "$T/zeros.bin"
expect_rc 2 "usage: no target" "$Y" "$T/good.yar"
expect_rc 2 "usage: bad option" "$Y" --bogus "$T/good.yar" /usr/bin/true
rc_to 3 "a missing target is never silent" /dev/null "$T/err.txt" "$Y" -R "$T/good.yar" /usr/bin/true "$T/missing"
check "... it is named on stderr" grep -q "art-yara: $T/missing: No such file or directory" "$T/err.txt"
"$Y" --format jsonl -R "$T/good.yar" "$T/missing" > "$T/missing.json" 2> /dev/null || true
check "... and in jsonl it gets an error record" jq -e 'select(.status == "error")' "$T/missing.json"
expect_rc 4 "missing rules file: 4" "$Y" "$T/nope.yar" /usr/bin/true
check "output is deterministic whatever -j" \
  bash -c "diff <('$Y' -s -r -j 1 -R '$SIG' '$T/fx') <('$Y' -s -r -j 2 -R '$SIG' '$T/fx')"
check "a newline in a path cannot forge a line" \
  bash -c "cp '$T/fx/eicar.com' '$T/fx/a
b' && '$Y' -R '$SIG/eicar.yar' '$T/fx/a
b' | grep -qx 'EICAR_Test_File $T/fx/a\\\\x0Ab'"
check "the evidence is untouched (no atime/mtime change)" \
  bash -c "before=\$(stat -c '%X %Y' '$T/fx/pe.exe'); '$Y' -R '$SIG' '$T/fx/pe.exe' > /dev/null; test \"\$before\" = \"\$(stat -c '%X %Y' '$T/fx/pe.exe')\""
mkdir -p "$T/lvl/sub"
cp "$T/fx/eicar.com" "$T/lvl/"
cp "$T/fx/upx.exe" "$T/lvl/sub/"
yara -c "$SIG/eicar.yar" "$T/lvl" > "$T/lvl_y.txt"
"$Y" -c -R "$SIG/eicar.yar" "$T/lvl" > "$T/lvl_a.txt"
check "a folder without -r is scanned one level deep, as yara does" diff "$T/lvl_y.txt" "$T/lvl_a.txt"

printf '%s\0%s\0' "$T/fx/eicar.com" "$T/fx/upx.exe" > "$T/list0"
check "-T FILE -0 reads NUL-separated targets" \
  bash -c "test \"\$('$Y' -T '$T/list0' -0 -R '$SIG' | awk '{ print \$1 }' | tr '\\n' ' ')\" = 'EICAR_Test_File PE_File UPX_Packed '"

head -c 300000 /dev/urandom > "$T/big.bin"
cp "$T/big.bin" "$T/probe.bin"
touch -a -d '2001-01-01 00:00:00' "$T/big.bin" "$T/probe.bin"
atime=$(stat -c %X "$T/big.bin")
"$Y" -R "$SIG" "$T/big.bin" > /dev/null
check "a large (mapped) file keeps its access time" test "$atime" = "$(stat -c %X "$T/big.bin")"
# Only meaningful where reads update atime (relatime with an old atime).
cat "$T/probe.bin" > /dev/null
if [ "$(stat -c %X "$T/probe.bin")" = "$atime" ]; then
  echo "note - reads do not update atime on this file system; the check above is vacuous"
fi

# ---- Bounded output and memory (issue 16) --------------------------------
# Strings that match tens of thousands of times in each file.
mkdir "$T/many"
python3 - "$T/many" <<'PY'
import sys, os
d = sys.argv[1]
for i in range(12):
    with open(os.path.join(d, "m%02d.bin" % i), "wb") as f:
        f.write(b"abcd" * 60000 + bytes([i]) + b"\x00\x01\x02" * 20000)
PY
cat > "$T/many.yar" <<'EOF'
rule many_ab { strings: $a = "ab" $b = "bcda" condition: #a > 1000 and $b }
rule many_bin { strings: $z = { 00 01 02 } condition: $z }
EOF
yara -s "$T/many.yar" "$T/many/m00.bin" > "$T/many_y.txt"
ya=$(grep -c ':\$a: ' "$T/many_y.txt")
yz=$(grep -c ':\$z: ' "$T/many_y.txt")
check "the test file really matches tens of thousands of times (yara: $ya, $yz)" \
  test "$ya" -ge 50000 -a "$yz" -ge 20000
"$Y" --format jsonl "$T/many.yar" "$T/many/m00.bin" > "$T/many.json"
check "default JSONL is a summary: under 4 KB for the file" \
  test "$(wc -c < "$T/many.json")" -lt 4096
check "... with the exact count per string, as yara finds" \
  jq -e --argjson a "$ya" --argjson z "$yz" \
  '[.matches[].strings[] | {(.identifier): .count}] | add | .["$a"] == $a and .["$z"] == $z' "$T/many.json"
jq -r '.matches[0].strings[0].offsets[]' "$T/many.json" | awk '{ printf "0x%x\n", $1 }' > "$T/off_a.txt"
awk -F: '$2 == "$a" && n < 10 { print $1; n++ }' "$T/many_y.txt" > "$T/off_y.txt"
check "... and the first 10 offsets, as yara's first 10" cmp "$T/off_y.txt" "$T/off_a.txt"
"$Y" --format jsonl -s --max-matches 3 --max-match-data 2 "$T/many.yar" "$T/many/m00.bin" > "$T/many_s.json"
check "-s: matched data bounded by --max-matches and --max-match-data" \
  jq -e 'all(.matches[].strings[]; (.matches | length) == 3 and all(.matches[]; ((.data // "") | length) <= 2 and ((.data_hex // "") | length) <= 4))' "$T/many_s.json"
check "-s: text when printable, hex otherwise, never both" \
  jq -e '[.matches[].strings[].matches[]] | all((has("data") and (has("data_hex") | not)) or (has("data_hex") and (has("data") | not))) and any(has("data_hex"))' "$T/many_s.json"
check "-s: counts stay exact" \
  jq -e --argjson a "$ya" '.matches[0].strings[0].count == $a' "$T/many_s.json"
"$Y" -s "$T/many.yar" "$T/many/m00.bin" > "$T/many_a.txt"
check "text -s equals yara -s byte for byte on this file ($(wc -l < "$T/many_y.txt") lines)" \
  cmp "$T/many_y.txt" "$T/many_a.txt"
peak_kib() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
# The bound is 256 MiB; a sanitizer build keeps freed memory in quarantine
# and shadows all of it, so there the bound is four times that (noted).
RSS_MAX=262144
if ldd "$Y" 2>/dev/null | grep -q 'libasan'; then
  RSS_MAX=$((4 * 262144))
  echo "note - sanitizer build: the memory bound checked is 1 GiB, not 256 MiB"
fi
/usr/bin/time -v "$Y" --format jsonl -r -j 2 "$T/many.yar" "$T/many" > "$T/rss.json" 2> "$T/rss.txt"
check "default JSONL over the tree: peak RSS under 256 MiB ($(peak_kib "$T/rss.txt") KiB)" \
  test "$(peak_kib "$T/rss.txt")" -lt "$RSS_MAX"
check "... one record per file" test "$(wc -l < "$T/rss.json")" -eq 12
/usr/bin/time -v "$Y" -r -j 2 "$T/many.yar" "$T/many" > /dev/null 2> "$T/rss.txt"
check "default text over the tree: peak RSS under 256 MiB ($(peak_kib "$T/rss.txt") KiB)" \
  test "$(peak_kib "$T/rss.txt")" -lt "$RSS_MAX"
/usr/bin/time -v "$Y" -s -r -j 2 "$T/many.yar" "$T/many" > "$T/rss_s.txt" 2> "$T/rss.txt"
check "-s over the tree (every match printed, big records streamed through temporary files): peak RSS under 256 MiB ($(peak_kib "$T/rss.txt") KiB)" \
  test "$(peak_kib "$T/rss.txt")" -lt "$RSS_MAX"
yara -s -r "$T/many.yar" "$T/many" | sort > "$T/rss_y.sorted"
sort "$T/rss_s.txt" > "$T/rss_a.sorted"
check "... and the same lines as yara -s" cmp "$T/rss_y.sorted" "$T/rss_a.sorted"

# Long matches: libyara copies up to 512 bytes of each match (yara holds
# 1,000,000 matches of this 600-byte string at 570 MB); text output without
# -s keeps no data, so none is copied.
awk 'BEGIN { printf "rule long_zero_runs { strings: $z = {"; for (i = 0; i < 600; i++) printf " 00"; print " } condition: #z > 1000 }" }' > "$T/long.yar"
head -c 1200000 /dev/zero > "$T/long.bin"
/usr/bin/time -v "$Y" -w "$T/long.yar" "$T/long.bin" > "$T/long.txt" 2> "$T/rss.txt" || true
check "a string matching 1,000,000 times with 600 bytes each: peak RSS under 256 MiB ($(peak_kib "$T/rss.txt") KiB)" \
  test "$(peak_kib "$T/rss.txt")" -lt "$RSS_MAX"
yara -w "$T/long.yar" "$T/long.bin" > "$T/long_y.txt" 2> /dev/null || true
check "... and the rule matches as in yara" cmp "$T/long_y.txt" "$T/long.txt"

# The progress line, on a terminal only: files, bytes and matches so far.
if command -v script > /dev/null; then
  # A run of a few seconds (the line is drawn once a second).
  script -qfc "timeout 4 '$Y' -r -R '$T/many.yar' /usr/lib /usr/bin > /dev/null" /dev/null > "$T/tty.txt" 2>&1 || true
  check "a progress line on a terminal (files, bytes, matches)" \
    grep -aq 'art-yara: [0-9]* files, .*, [0-9]* matches' "$T/tty.txt"
  "$Y" -r "$T/many.yar" "$T/many" 2> "$T/notty.txt" > /dev/null
  check "... and none when stderr is not a terminal" test ! -s "$T/notty.txt"
else
  echo "note - script(1) is missing: the progress line is not checked"
fi

# ---- Loops and special files ----------------------------------------------
mkdir -p "$T/loop/d"
cp "$T/fx/eicar.com" "$T/loop/d/"
ln -s . "$T/loop/x"
ln -s .. "$T/loop/d/up"
rc_to 0 "--follow: symlink loops are skipped, not failures" "$T/loop.out" "$T/loop.err" \
  "$Y" -r --follow -R "$SIG/eicar.yar" "$T/loop"
check "... each loop said once on stderr, as skipped" \
  bash -c "test \"\$(grep -c 'symbolic link loop.*skipped' '$T/loop.err')\" -eq 2 && grep -q '/loop/x: ' '$T/loop.err'"
check "... and everything else scanned once" \
  bash -c "test \"\$(cat '$T/loop.out')\" = 'EICAR_Test_File $T/loop/d/eicar.com'"
"$Y" -r --follow --format jsonl -R "$SIG/eicar.yar" "$T/loop" > "$T/loop.json" 2> /dev/null
check "... in JSONL a skipped record per loop" \
  jq -s -e 'map(select(.status == "skipped")) | length == 2' "$T/loop.json"
mkfifo "$T/fifo"
rc_to 0 "a FIFO is not read (it could block for ever)" /dev/null "$T/fifo.err" \
  timeout 20 "$Y" -R "$SIG/eicar.yar" "$T/fifo"
check "... and said skipped" grep -q "fifo: FIFO, skipped" "$T/fifo.err"
timeout 20 "$Y" --format jsonl -R "$SIG/eicar.yar" "$T/fifo" > "$T/fifo.json" 2> /dev/null || true
check "... status skipped in JSONL" jq -e 'select(.status == "skipped" and .bytes == 0)' "$T/fifo.json"
if [ -c /dev/zero ]; then
  /usr/bin/time -v "$Y" --format jsonl -R "$SIG/eicar.yar" /dev/zero > "$T/zero.json" 2> "$T/zero.err" || true
  check "/dev/zero: read to a bound, reported partial without an invented size" \
    jq -e 'select(.status == "partial" and .bytes == 67108864 and (.error | test("more than 67108864 bytes")))' "$T/zero.json"
  check "... in bounded memory ($(peak_kib "$T/zero.err") KiB)" test "$(peak_kib "$T/zero.err")" -lt "$RSS_MAX"
fi

# ---- Names and messages ---------------------------------------------------
cp "$T/fx/eicar.com" "$T/fx/b\\x0Ac"
"$Y" -R "$SIG/eicar.yar" "$T/fx/b\\x0Ac" > "$T/bs.txt"
check "text output doubles a backslash in a name (a literal \\x0A is no newline)" \
  grep -qxF "EICAR_Test_File $T/fx/b\\\\x0Ac" "$T/bs.txt"
chmod 000 "$T/fx/pe.exe"
if [ "$(id -u)" -ne 0 ]; then
  "$Y" -R "$SIG/eicar.yar" "$T/fx/pe.exe" > /dev/null 2> "$T/perm.err" || true
  check "an error names its path once" \
    test "$(cat "$T/perm.err")" = "art-yara: $T/fx/pe.exe: Permission denied"
else
  echo "note - running as root: the unreadable-file message is checked through a missing file instead"
  "$Y" -R "$SIG/eicar.yar" "$T/fx/gone.exe" > /dev/null 2> "$T/perm.err" || true
  check "an error names its path once" \
    test "$(cat "$T/perm.err")" = "art-yara: $T/fx/gone.exe: No such file or directory"
fi
chmod 644 "$T/fx/pe.exe"
printf 'include "nothere.yar"\nrule i { condition: true }\n' > "$T/inc.yar"
rc_to 4 "a missing include is fatal" /dev/null "$T/inc.err" "$Y" "$T/inc.yar" /usr/bin/true
check "... and says why (not libyara's 'callback failed')" \
  grep -q 'include "nothere.yar": .*nothere.yar: No such file or directory' "$T/inc.err"

# ---- Namespaces as yara: a helper file used by the files after it ---------
mkdir "$T/yr"
echo 'private rule is__elf { condition: uint32(0) == 0x464c457f }' > "$T/yr/000_common_rules.yar"
echo 'rule elf_a { strings: $s = "GLIBC" condition: is__elf and $s }' > "$T/yr/elf_a.yar"
echo 'rule elf_b { condition: is__elf and filesize > 100 }' > "$T/yr/elf_b.yar"
yara -e "$T"/yr/*.yar /usr/bin/true > "$T/ns_y.txt"
"$Y" -e "$T"/yr/*.yar /usr/bin/true > "$T/ns_a.txt"
check "rules files share the default namespace, as yara" cmp "$T/ns_y.txt" "$T/ns_a.txt"
check "... a real comparison" grep -q '^default:elf_b ' "$T/ns_a.txt"
expect_rc 4 "--namespace-per-file keeps each file apart (is__elf unknown there)" \
  "$Y" --namespace-per-file "$T"/yr/*.yar /usr/bin/true

# ---- filetype: MIME by default, THOR names on request ---------------------
echo 'rule thor_elf { condition: filetype == "ELF" } rule mime_elf { condition: filetype contains "application/x-" }' > "$T/ft.yar"
check "filetype is libmagic's MIME type by default" \
  test "$("$Y" "$T/ft.yar" /usr/bin/true)" = "mime_elf /usr/bin/true"
check "--filetype-names thor gives THOR/Loki names" \
  test "$("$Y" --filetype-names thor "$T/ft.yar" /usr/bin/true)" = "thor_elf /usr/bin/true"

# The filetype external is file(1)'s MIME type (one libmagic pass over the
# head; PIE executables told from shared libraries as file(1) does).
if command -v file > /dev/null; then
  : > "$T/ft_cases"
  for f in $(find /usr/bin /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f 2> /dev/null | sort | awk 'NR % 37 == 1' | head -40) "$T/fx"/*; do
    [ -f "$f" ] || continue
    m=$(file -b --mime-type "$f")
    m=${m%%,*} # file(1) appends its ELF parser's complaints ("x, no program header")
    printf 'rule ft { condition: filetype == "%s" }\n' "$m" > "$T/ft1.yar"
    if [ -z "$("$Y" --no-cache --no-archives "$T/ft1.yar" "$f")" ]; then
      echo "$f: file(1) says $m" >> "$T/ft_cases"
    fi
  done
  check "filetype equals file --mime-type on system files and the fixtures" test ! -s "$T/ft_cases"
  cat "$T/ft_cases" >&2
else
  echo "note - file(1) is not installed: filetype not compared"
fi

# ---- The compiled cache: canonical paths, eviction ------------------------
rm -rf "$T/cache"
(cd "$T" && "$Y" --verbose rs/eicar.yar /usr/bin/true 2> "$T/cr1.txt" > /dev/null)
"$Y" --verbose "$T/rs/eicar.yar" /usr/bin/true 2> "$T/cr2.txt" > /dev/null
check "the same rules by a relative and an absolute path: one cache entry" \
  bash -c "grep -q 'from the compiled cache' '$T/cr2.txt' && test \$(find '$T/cache' -name '*.yarc' | wc -l) -eq 1"
"$Y" --cache-max 1 "$T/rs/packers.yar" /usr/bin/true > /dev/null
check "--cache-max evicts the least recently used entries" \
  test "$(find "$T/cache" -name '*.yarc' | wc -l)" -eq 1

finish
