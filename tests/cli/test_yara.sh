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

finish
