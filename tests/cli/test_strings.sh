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
off=$(jq -r 'select(.class=="url" and .encoding=="ascii") | .offset' "$T/ioc.jsonl" | sed -n 1p)
check "ioc offset points at the value" test "$(dd if="$T/mixed.bin" bs=1 skip="$off" count=32 2>/dev/null)" = "http://evil.example.com/gate.php"
check "--class filters" test "$("$S" --class url,ipv4 -e sl "$T/mixed.bin" | jq -r .class | sort -u | tr '\n' ' ')" = "ipv4 url "
expect_rc 2 "unknown class" "$S" --class nope "$T/mixed.bin"
check "ioc text form" bash -c '"$0" --ioc -f text -t x "$1" | grep -q "url	http://evil.example.com/gate.php"' "$S" "$T/mixed.bin"
check "random noise gives (almost) no indicators" bash -c 'head -c 4000000 /dev/urandom | "$0" --ioc -e slu | wc -l | awk "{exit !(\$1 <= 3)}"' "$S"

# --ioc reads UTF-16LE by default, as art-surface's summary does (issue 9.10).
python3 -c 'import sys; open(sys.argv[1], "wb").write(b"\x00" * 8 + "http://wide.example.com/gate.php".encode("utf-16le") + b"\x00" * 8)' "$T/wide.bin"
check "--ioc finds a UTF-16LE URL without -e" test "$("$S" --ioc "$T/wide.bin" | jq -r '.encoding + " " + .value')" = "utf16le http://wide.example.com/gate.php"
check "plain strings without -e stay 7-bit" cmp -s <(strings -a "$T/wide.bin") <("$S" "$T/wide.bin")

# Shift_JIS and ISO-2022-JP bytes never glue onto an ASCII indicator, with
# the ASCII scanner alone (issue 9.9).
python3 - "$T" <<'PY'
import sys
t = "担当：info@example-jp.co.jp\r\nURL：https://example.jp/a。\r\n"
open(sys.argv[1] + "/sjis.txt", "wb").write(t.encode("cp932"))
open(sys.argv[1] + "/jis.txt", "wb").write(t.encode("iso2022_jp"))
PY
for f in sjis jis; do
  check "$f: ASCII indicators start where the text does" test "$("$S" --ioc -e s "$T/$f.txt" | jq -r .value | tr '\n' ' ')" = "info@example-jp.co.jp https://example.jp/a "
done
check "plain -e s output is still GNU's on the same bytes" cmp -s <(strings -a "$T/sjis.txt") <("$S" "$T/sjis.txt")

# Quoted-printable soft breaks join, base64 bodies give nothing (issue 9.11).
python3 - "$T/mail.txt" <<'PY'
import base64, os, sys, random
r = random.Random(11)
body = base64.encodebytes(bytes(r.getrandbits(8) for _ in range(600))).decode()
one = base64.b64encode(bytes(r.getrandbits(8) for _ in range(45))).decode()
mail = ("Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Please log in at http://198.51.100.9/~ap=\r\nple/login.php today=\r\n"
        " or call us.\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body.replace("\n", "\r\n") + "\r\n--b--\r\ntoken:\r\n" + one + "\r\n")
open(sys.argv[1], "w", newline="").write(mail)
PY
"$S" --ioc "$T/mail.txt" > "$T/mail.jsonl"
check "soft break joined inside a URL" test "$(jq -r 'select(.class=="url") | .value' "$T/mail.jsonl")" = "http://198.51.100.9/~apple/login.php"
off=$(jq -r 'select(.class=="url") | .offset' "$T/mail.jsonl")
check "joined URL's offset points at its first byte" test "$(dd if="$T/mail.txt" bs=1 skip="$off" count=7 2>/dev/null)" = "http://"
check "no indicator ends in '=' at a line end" bash -c '! jq -r .value "$0" | grep -q "=$"' "$T/mail.jsonl"
check "a base64 body gives no indicators, a lone line one" test "$(jq -r 'select(.class=="base64") | .value' "$T/mail.jsonl" | wc -l)" = 1

# DER after a URL in a certificate: the URI ends at its DER length (9.12).
need openssl
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -subj "/CN=artifact test" \
  -addext "crlDistributionPoints=URI:https://update-check.example-cdn.net/" \
  -addext "authorityInfoAccess=caIssuers;URI:http://ca.example-cdn.net/ca.crt" \
  -outform DER -out "$T/cert.der" -days 1 2>/dev/null
check "DER URLs end at their length" test "$("$S" --ioc "$T/cert.der" | jq -r 'select(.class=="url") | .value' | sort | tr '\n' ' ')" = "http://ca.example-cdn.net/ca.crt https://update-check.example-cdn.net/ "

# Japanese: each sentence of tests/data/ja_indicators.tsv in UTF-8, CP932,
# EUC-JP, ISO-2022-JP and UTF-16LE gives the expected indicator set, each
# offset pointing at the indicator's bytes in that encoding (issue 13).
python3 - "$S" "$ART_SOURCE_DIR/tests/data/ja_indicators.tsv" "$T" > "$T/ja.out" <<'PY'
import json, subprocess, sys
tool, table, work = sys.argv[1:4]
encs = ["utf-8", "cp932", "euc_jp", "iso2022_jp", "utf-16le"]
n = bad = 0
for line in open(table, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    sent, exp = line.split("\t")
    want = set() if exp == "-" else {tuple(x.split(":", 1)) for x in exp.split(" | ")}
    n += 1
    for e in encs:
        path = "%s/ja%02d.%s" % (work, n, e)
        data = b"\x00\x01\x02" + sent.encode(e) + b"\x00\x00\n"
        open(path, "wb").write(data)
        out = subprocess.run([tool, "--ioc", "--lang", "ja", path],
                             capture_output=True, check=True).stdout.decode()
        got = set()
        for l in out.splitlines():
            r = json.loads(l)
            got.add((r["class"], r["value"]))
            first = r.get("original", r["value"])[0]
            if e == "iso2022_jp":
                ok = first.isascii() and data[r["offset"]:r["offset"] + 1] == first.encode() \
                    or not first.isascii()
            else:
                fb = first.encode(e)
                ok = data[r["offset"]:r["offset"] + len(fb)] == fb
            if not ok:
                bad += 1
                print("OFFSET %d %s: %s at %d" % (n, e, r["value"], r["offset"]))
        if got != want:
            bad += 1
            print("MISMATCH %d %s: got %s want %s" % (n, e, sorted(got), sorted(want)))
print("%d sentences, %d problems" % (n, bad))
PY
check "Japanese table: 50+ sentences, same set in five encodings" grep -qE '^(5[0-9]|[6-9][0-9]) sentences, 0 problems$' "$T/ja.out"
grep -E "MISMATCH|OFFSET" "$T/ja.out" | head -5 >&2 || true

# Japanese strings: converted to UTF-8 with encoding and offset; pure ASCII
# runs belong to -e s; random bytes give few (the rule in the man page).
python3 -c 'import sys; t="【重要】お客様のアカウント情報を確認してください。"; open(sys.argv[1], "wb").write(b"ABCDEFG\x00" + t.encode("cp932") + b"\x00" + t.encode("euc_jp") + b"\x00" + t.encode("iso2022_jp") + b"\x00")' "$T/jtext.bin"
"$S" -e jei -f jsonl "$T/jtext.bin" > "$T/jtext.jsonl"
check "each Japanese encoding decodes the sentence once" test "$(jq -r '.encoding + " " + .value' "$T/jtext.jsonl" | sort | tr '\n' '|')" = "cp932 【重要】お客様のアカウント情報を確認してください。|eucjp 【重要】お客様のアカウント情報を確認してください。|iso2022jp 【重要】お客様のアカウント情報を確認してください。|"
check "CP932 offset" test "$(jq -r 'select(.encoding=="cp932") | .offset' "$T/jtext.jsonl")" = 8
check "-n counts characters" test "$("$S" -e j -n 25 "$T/jtext.bin" | wc -l)" = 1
check "-n counts characters (one more is too many)" test "$("$S" -e j -n 26 "$T/jtext.bin" | wc -l)" = 0
python3 -c 'import random, sys; r = random.Random(13); open(sys.argv[1], "wb").write(bytes(r.getrandbits(8) for _ in range(8 << 20)))' "$T/rand.bin"
for e in j e i; do
  c=$("$S" -e $e "$T/rand.bin" | wc -l)
  check "-e $e on 8 MiB of random bytes: $c strings (at most 20)" test "$c" -le 20
done

# ISO-2022-JP with the CP50221 extensions: NEC row 13 (①), an IBM
# extension (髙, row 0x7C), half-width katakana after ESC ( I. The JIS codes
# come from Python's CP932 codec through the standard Shift_JIS/JIS mapping.
python3 - "$T/cp50221.bin" <<'PY'
import sys
def jis(ch):
    b1, b2 = ch.encode("cp932")
    if b1 >= 0xe0: b1 -= 0x40
    j1 = (b1 - 0x70) * 2 - (1 if b2 < 0x9f else 0)
    j2 = b2 - 0x7e if b2 >= 0x9f else b2 - 0x1f - (1 if b2 >= 0x80 else 0)
    return bytes([j1, j2])
body = "お知らせ：".encode("iso2022_jp")[:-3] + jis("①") + jis("髙")
body += "橋さま".encode("iso2022_jp")[3:-3] + b"\x1b(I12\x1b(B"
open(sys.argv[1], "wb").write(b"\0" + body + b"\0")
PY
check "CP50221 extensions decoded" test "$("$S" -e i -n 3 -f jsonl "$T/cp50221.bin" | jq -r .value)" = "お知らせ：①髙橋さまｱｲ"

# art-surface's summary reads the Japanese encodings under a Japanese locale.
check "surface summary: Japanese encodings under ja_JP" test "$(LC_ALL=ja_JP.UTF-8 "$ART_BIN/art-surface" -f jsonl "$T/sjis.txt" | jq -r '.strings.encodings | join(",")')" = "ascii,utf16le,utf8,cp932,eucjp,iso2022jp"
check "surface summary: ASCII and UTF-16LE in the C locale" test "$("$ART_BIN/art-surface" -f jsonl "$T/sjis.txt" | jq -r '.strings.encodings | join(",")')" = "ascii,utf16le"
check "surface summary: the address without a glued trail byte" test "$(LC_ALL=ja_JP.UTF-8 "$ART_BIN/art-surface" -f jsonl "$T/sjis.txt" | jq -r '.strings.iocs[].value' | sort | tr '\n' ' ')" = "https://example.jp/a info@example-jp.co.jp "

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
