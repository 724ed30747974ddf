#!/usr/bin/env bash
# art-yara against yara 4.2: the same command line, option by option,
# through both tools; stdout compared byte for byte (single targets) or as
# sorted blocks (directories, where yara's order depends on its threads), and
# the exit status. Options yara 4.2 lacks (-X, 4.3) are checked against
# values made at test time.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need yara yarac
Y="$ART_BIN/art-yara"
SIG="$ART_SOURCE_DIR/signatures"
export XDG_CACHE_HOME="$T/cache"

mkdir "$T/fx"
"$ART_BINARY_DIR/tests/test_signatures" --write-fixtures "$T/fx"
# A few system files too (ELF for the modules).
cp /usr/bin/true "$T/fx/true.elf"

cat > "$T/opt.yar" <<'EOF'
import "math"
rule text_hello : greet demo {
  meta: author = "artifact tests" score = 5 ok = true
  strings: $h = "hello" nocase $w = "hello" wide
  condition: any of them
}
rule elf_header : bin { strings: $e = { 7F 45 4C 46 } condition: $e at 0 }
rule many_zeros { strings: $z = { 00 00 00 00 00 00 00 00 } condition: #z > 10 }
rule entropy_high { condition: filesize > 1024 and math.entropy(0, filesize) > 7.0 }
rule ext_rule { condition: ext_var == "x" }
rule never_matches { condition: false }
EOF
printf 'hello world, HELLO again\n' > "$T/fx/hello.txt"
printf 'h\0e\0l\0l\0o\0' > "$T/fx/wide.bin"

# blocks FILE: each rule line with its string lines as one sorted line.
blocks() {
  awk '/^0x/ { b = b "\x01" $0; next } { if (b != "") print b; b = $0 } END { if (b != "") print b }' "$1" | sort
}

# same DESCRIPTION MODE ARGS...: run `yara ARGS` and `art-yara ARGS`;
# MODE exact (single target: byte for byte) or blocks (directories).
same() {
  local d=$1 mode=$2 yrc=0 arc=0
  shift 2
  yara "$@" > "$T/y.out" 2> "$T/y.err" || yrc=$?
  "$Y" --no-archives "$@" > "$T/a.out" 2> "$T/a.err" || arc=$?
  if [ "$mode" = blocks ]; then
    blocks "$T/y.out" > "$T/y.cmp"
    blocks "$T/a.out" > "$T/a.cmp"
  else
    cp "$T/y.out" "$T/y.cmp"
    cp "$T/a.out" "$T/a.cmp"
  fi
  if ! cmp -s "$T/y.cmp" "$T/a.cmp"; then
    fail "$d: output differs from yara"
    diff "$T/y.cmp" "$T/a.cmp" | head -10 >&2 || true
  elif [ "$yrc" -ne 0 ] && [ "$arc" -eq 0 ] || [ "$yrc" -eq 0 ] && [ "$arc" -ne 0 ]; then
    fail "$d: exit $arc where yara exits $yrc"
    head -3 "$T/a.err" >&2 || true
  elif [ ! -s "$T/y.out" ] && [ "$yrc" -eq 0 ]; then
    fail "$d: yara printed nothing: the comparison would be empty"
  else
    ok "$d (same as yara, exit $yrc/$arc)"
  fi
}

F="$T/fx/hello.txt"
for opts in "" "-s" "-L" "-s -L" "-m" "-g" "-e" "-m -g -e -s -L" "-c" "-n" \
  "-i text_hello" "-t demo" "-t greet -s" "-f -s" "-w" "-k 32768" "-a 100" \
  "-p 1" "-N" "-r" "--max-strings-per-rule=100" "--max-process-memory-chunk=4096" \
  "-l 1" "-l 2 -s" "-n -e -g" "-D"; do
  # shellcheck disable=SC2086
  same "yara $opts RULES file" exact $opts -d ext_var=x "$T/opt.yar" "$F"
done
same "-s on a wide string" exact -s -d ext_var=y "$T/opt.yar" "$T/fx/wide.bin"
same "-D with the elf module" exact -D -s "$SIG/executables.yar" "$T/fx/true.elf"
same "-s -L on an ELF" exact -s -L -d ext_var=x "$T/opt.yar" "$T/fx/true.elf"
same "-d typed externals" exact -d ext_var=x "$T/opt.yar" "$T/fx/pe.exe"

# Directories: one level without -r, the tree with -r.
mkdir -p "$T/fx/sub"
cp "$T/fx/hello.txt" "$T/fx/sub/again.txt"
for opts in "" "-s" "-s -L -e -g -m" "-c" "-n" "-r" "-r -s" "-r -c" "-z 2000" "-r -N" "-p 2 -r"; do
  # shellcheck disable=SC2086
  same "yara $opts RULES dir" blocks $opts -d ext_var=x "$T/opt.yar" "$SIG"/*.yar "$T/fx"
done
check "-z says which files it skipped (on stderr)" \
  bash -c "'$Y' -z 2000 -d ext_var=x '$T/opt.yar' '$T/fx' 2>&1 >/dev/null | grep -q 'larger than 2000 bytes'"

# --scan-list: the target lists the files.
printf '%s\n' "$T/fx/hello.txt" "$T/fx/pe.exe" "$T/fx/true.elf" > "$T/list"
same "--scan-list" blocks --scan-list -s -d ext_var=x "$T/opt.yar" "$T/list"

# -S: the rule set's statistics.
same "-S" exact -S -d ext_var=x "$T/opt.yar" "$F"

# -C: rules compiled by yarac.
yarac -d ext_var=x "$T/opt.yar" "$T/opt.yarc"
same "-C compiled rules" exact -C -s "$T/opt.yarc" "$F"
same "-C -d overrides an external" exact -C -d ext_var=x "$T/opt.yarc" "$F"

# -x MODULE=FILE: the cuckoo module reads a report.
cat > "$T/cuckoo.yar" <<'EOF'
import "cuckoo"
rule talks_to_evil { condition: cuckoo.network.http_request(/evil\.example/) }
EOF
echo '{"network": {"http": [{"uri": "http://evil.example/x", "method": "GET"}]}}' > "$T/report.json"
same "-x cuckoo=REPORT" exact -x "cuckoo=$T/report.json" "$T/cuckoo.yar" "$F"

# namespaces: NS:FILE, and one namespace given twice.
echo 'rule in_a { condition: true }' > "$T/na.yar"
echo 'rule in_b { condition: in_a }' > "$T/nb.yar"
same "NS:FILE" exact -e "first:$T/na.yar" "second:$T/opt.yar" "$F"
same "default:a.yar default:b.yar" exact -e "default:$T/na.yar" "default:$T/nb.yar" "$F"
same "positional files share the default namespace" exact -e "$T/na.yar" "$T/nb.yar" "$F"

# Hard links: art-yara scans a file once and prints its other names from
# that scan; the lines must be yara's, which scans every name.
mkdir -p "$T/hl/sub"
cp "$T/fx/hello.txt" "$T/fx/true.elf" "$T/hl/"
ln "$T/hl/hello.txt" "$T/hl/sub/hello-link"
ln "$T/hl/hello.txt" "$T/hl/aaaa"
ln "$T/hl/hello.txt" "$T/hl/sub/日本語 リンク" # the path put in a template
ln "$T/hl/true.elf" "$T/hl/sub/true-link"
for opts in "-r" "-r -s -L -e -g -m" "-r -n" "-r -p 1 -s"; do
  # shellcheck disable=SC2086
  same "yara $opts RULES tree with hard links" blocks $opts -d ext_var=x "$T/opt.yar" "$T/hl"
done
# ... in process too, and with the names of an archive's members.
(cd "$T/hl" && zip -q z.zip hello.txt && ln z.zip sub/z-link.zip)
"$Y" -r --no-sandbox -s -d ext_var=x "$T/opt.yar" "$T/hl" > "$T/hl.out" 2>&1 || true
check "a hard link's archive members are reported under each name" \
  bash -c "test \"\$(grep -c '^text_hello .*/z.zip!hello.txt\$' '$T/hl.out')\" = 1 && test \"\$(grep -c '^text_hello .*/sub/z-link.zip!hello.txt\$' '$T/hl.out')\" = 1"
# ... and read once: a file that matches nothing (the common case) is not
# opened again under its other names by the sandboxed default mode (a
# template without records once failed to cross from the worker, so every
# name was read and scanned again).
if command -v strace > /dev/null; then
  mkdir "$T/hl1"
  head -c 300000 /dev/urandom > "$T/hl1/a"
  ln "$T/hl1/a" "$T/hl1/b"
  ln "$T/hl1/a" "$T/hl1/c"
  printf 'rule no_match { strings: $n = "not in random bytes: 9f3e" condition: $n }\n' > "$T/none.yar"
  # (LeakSanitizer cannot run under ptrace: off for this run)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -e trace=openat,open -o "$T/hl1.trace" \
    "$Y" -r "$T/none.yar" "$T/hl1" > "$T/hl1.out" 2>&1 || true
  check "a hard-linked file that matches nothing is read under one name only" \
    bash -c "test \"\$(grep -o '\"$T/hl1/[abc]\"' '$T/hl1.trace' | sort -u | wc -l)\" = 1 && test ! -s '$T/hl1.out'"
else
  echo "SKIP: strace is not installed (hard links read once)"
fi
# A rule reading the file name: every name is scanned (no reuse).
printf 'rule named { condition: filename == "aaaa" }\n' > "$T/named.yar"
"$Y" -r "$T/named.yar" "$T/hl" > "$T/named.out" 2>&1 || true
check "a rule reading filename still sees each hard link's own name" \
  bash -c "test \"\$(cat '$T/named.out')\" = 'named $T/hl/aaaa'"

# Compile errors: both fail, and the message names the file and line.
printf 'rule bad { condition: nope }\n' > "$T/bad.yar"
printf 'rule slowish { strings: $a = { 00 ?? } condition: $a }\n' > "$T/warn.yar"
same "a rule that does not compile" exact "$T/bad.yar" "$F" 2>/dev/null || true
check "... art-yara names bad.yar(1)" grep -q 'bad.yar(1): error' "$T/a.err"
same "--fail-on-warnings" exact --fail-on-warnings "$T/warn.yar" "$F" || true
printf 'rule r6 { strings: $a="a1" $b="b2" $c="c3" $d="d4" $e="e5" $f="f6" condition: any of them }\n' > "$T/six.yar"
same "--max-strings-per-rule below a rule's count" exact --max-strings-per-rule=3 "$T/six.yar" "$F" || true

# --atom-quality-table: a table of (atom, quality) entries, 4 + 1 bytes each.
printf 'hell\310worl\144' > "$T/atoms.bin"
same "--atom-quality-table" exact --atom-quality-table="$T/atoms.bin" -s -d ext_var=x "$T/opt.yar" "$F"

# -v: the version, as yara prints it (the libyara version).
check "-v prints the libyara version, as yara" bash -c "test \"\$('$Y' -v)\" = \"\$(yara -v)\""

# -X (yara 4.3; this yara is 4.2): key and plaintext of an xor match.
python3 - "$T/xor.bin" <<'EOF'
import sys
data = b"..." + bytes(c ^ 0x5A for c in b"This program cannot") + b"..."
open(sys.argv[1], "wb").write(data)
EOF
echo 'rule xored { strings: $x = "This program cannot" xor condition: $x }' > "$T/xor.yar"
check "-X prints the key and the plaintext (yara 4.3's form)" \
  bash -c "test \"\$('$Y' -X '$T/xor.yar' '$T/xor.bin')\" = \"\$(printf 'xored %s\n0x3:\$x:xor(0x5a,This program cannot)' '$T/xor.bin')\""
check "-X -s: then the data as found" \
  bash -c "'$Y' -X -s '$T/xor.yar' '$T/xor.bin' | grep -q '^0x3:\$x:xor(0x5a,This program cannot): \\\\x0E2'"

finish
