# CLI test for art-strings: output identical to GNU strings -a on real files,
# stdin, several inputs and trees, --ioc JSON Lines, bad input and usage.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need strings jq
S="$ART_BIN/art-strings"

# Fixture: text in several encodings between random bytes.
python3 - "$T/mixed.bin" <<'PY'
import random, sys
r = random.Random(7)
out = bytearray()
words = ["hello world", "http://evil.example.com/gate.php", "C:\\Windows\\system32\\cmd.exe",
         "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "8.8.8.8"]
for i in range(400):
    out += bytes(r.getrandbits(8) for _ in range(r.randint(1, 60)))
    w = words[i % len(words)]
    out += [w.encode(), w.encode("utf-16le"), w.encode("utf-16be"), w.encode("utf-32le")][i % 4]
    out += b"\0\0\0\0" if i % 3 else b"\ttab\t"
open(sys.argv[1], "wb").write(bytes(out))
PY
printf '' > "$T/empty"
files=("$T/mixed.bin" "$T/empty" /usr/bin/ls /usr/bin/strings)
for f in /usr/share/forensics-samples/original-files/*/*; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 3000000 ] && files+=("$f")
done

for f in "${files[@]}"; do
  for args in "-n 4" "-n 8 -t x" "-e l" "-e l -t d -n 3" "-e S -t o" "-e b" "-e L -n 5" "-e B" "-w -n 6"; do
    # shellcheck disable=SC2086
    if cmp -s <(strings -a $args "$f") <("$S" $args "$f"); then
      ok "same as strings -a $args $(basename "$f")"
    else
      fail "differs from strings -a $args $f"
    fi
  done
done

check "standard input" cmp -s <(strings -a -t x /usr/bin/ls) <("$S" -t x - < /usr/bin/ls)
check "file name of standard input" cmp -s <(strings -a -f < /usr/bin/ls) <("$S" --print-file-name < /usr/bin/ls)
check "no argument reads standard input" cmp -s <(strings -a /usr/bin/ls) <("$S" < /usr/bin/ls)
check "several inputs in order" cmp -s <(strings -a -f /usr/bin/ls /usr/bin/strings "$T/mixed.bin") \
  <("$S" --print-file-name -j 2 /usr/bin/ls /usr/bin/strings "$T/mixed.bin")
mkdir -p "$T/tree/sub"
cp "$T/mixed.bin" "$T/tree/a.bin"; cp /usr/bin/ls "$T/tree/sub/ls"
check "recursive tree, in name order" cmp -s <(strings -a -f "$T/tree/a.bin" "$T/tree/sub/ls") \
  <("$S" -r --print-file-name "$T/tree")
check "output separator" cmp -s <(strings -a -s '|' "$T/mixed.bin") <("$S" -s '|' "$T/mixed.bin")
check "--output" bash -c '"$0" -o "$1/out.txt" "$1/mixed.bin" && cmp -s "$1/out.txt" <(strings -a "$1/mixed.bin")' "$S" "$T"

# JSON Lines: one valid object per string, same strings as the text form.
"$S" -f jsonl -e l "$T/mixed.bin" > "$T/s.jsonl"
check "jsonl is valid JSON" jq -e . "$T/s.jsonl" >/dev/null
check "jsonl values match the text form" cmp -s <(jq -r '.value' "$T/s.jsonl") <(strings -a -e l "$T/mixed.bin")
check "jsonl offsets match -t d" cmp -s <(jq -r '.offset' "$T/s.jsonl") <(strings -a -e l -t d "$T/mixed.bin" | awk '{print $1}')
check "jsonl schema and encoding" test "$(jq -r '.schema + " " + .encoding' "$T/s.jsonl" | sort -u)" = "artifact.strings/1 utf16le"

# --ioc: only classified strings, as JSON Lines.
"$S" --ioc -e sl "$T/mixed.bin" > "$T/ioc.jsonl"
check "ioc output is valid JSON" jq -e . "$T/ioc.jsonl" >/dev/null
check "ioc finds the URL in ASCII and UTF-16" test "$(jq -r 'select(.class=="url") | .encoding' "$T/ioc.jsonl" | sort -u | tr '\n' ' ')" = "ascii utf16le "
for c in url ipv4 registry win_path; do
  check "ioc class $c found" grep -q "\"class\":\"$c\"" "$T/ioc.jsonl"
done
check "ioc values are the planted ones" test "$(jq -r 'select(.class=="registry") | .value' "$T/ioc.jsonl" | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')" = 'Software\Microsoft\Windows\CurrentVersion\Run'
off=$(jq -r 'select(.class=="url" and .encoding=="ascii") | .offset' "$T/ioc.jsonl" | head -1)
check "ioc offset points at the value" test "$(dd if="$T/mixed.bin" bs=1 skip="$off" count=32 2>/dev/null)" = "http://evil.example.com/gate.php"
check "--class filters" test "$("$S" --class url,ipv4 -e sl "$T/mixed.bin" | jq -r .class | sort -u | tr '\n' ' ')" = "ipv4 url "
expect_rc 2 "unknown class" "$S" --class nope "$T/mixed.bin"
check "ioc text form" bash -c '"$0" --ioc -f text -t x "$1" | grep -q "url	http://evil.example.com/gate.php"' "$S" "$T/mixed.bin"
check "random noise gives (almost) no indicators" bash -c 'head -c 4000000 /dev/urandom | "$0" --ioc -e slu | wc -l | awk "{exit !(\$1 <= 3)}"' "$S"

# Bad input: message names the input, the others are still done, exit 3.
expect_rc 3 "missing file" "$S" "$T/nope" "$T/mixed.bin"
"$S" "$T/nope" "$T/mixed.bin" > "$T/partial.txt" 2> "$T/err.txt" || true
check "error message names the input" grep -q "^art-strings: .*nope" "$T/err.txt"
check "the other input is still done" cmp -s "$T/partial.txt" <(strings -a "$T/mixed.bin")
expect_rc 3 "a directory without -r" "$S" "$T/tree"
expect_rc 2 "bad radix" "$S" -t q "$T/mixed.bin"
expect_rc 2 "bad encoding" "$S" -e z "$T/mixed.bin"
expect_rc 2 "bad minimum" "$S" -n 0 "$T/mixed.bin"
expect_rc 0 "help" "$S" --help
check "man page exists" test -f "$ART_SOURCE_DIR/docs/art-strings.1"

# Evidence is read-only: the input's times are untouched.
before=$(stat -c '%X %Y %Z' "$T/mixed.bin")
"$S" "$T/mixed.bin" > /dev/null
check "input times unchanged" test "$before" = "$(stat -c '%X %Y %Z' "$T/mixed.bin")"
finish
