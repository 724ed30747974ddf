#!/usr/bin/env bash
# The tools in Japanese: under LANG=ja_JP.UTF-8 every tool's --help and its
# errors come from po/ja.po, machine outputs are byte-identical to the C
# locale's, and without a catalogue the tools speak English.
# SPDX-License-Identifier: Apache-2.0
source "$(dirname "$0")/lib.sh"
need python3 iconv locale mkfs.vfat mcopy ewfacquire
: "${ART_LOCALEDIR:=${ART_BINARY_DIR:?}/locale}"
export ART_LOCALEDIR
mo=$ART_LOCALEDIR/ja/LC_MESSAGES/artifact.mo
[ -f "$mo" ] || { echo "missing $mo (msgfmt, gettext: the build makes it)" >&2; exit 1; }
# locales-all (scripts/packages-test) provides ja_JP.UTF-8; without it the
# locale is C and nothing here would be tested.
locale -a >"$T/locales"
grep -qix 'ja_JP\.utf-\?8' "$T/locales" \
  || { echo "missing locale ja_JP.UTF-8 (Debian package locales-all)" >&2; exit 1; }

# The user's Japanese environment: LANG only (lib.sh's LC_ALL=C unset, no
# LANGUAGE list), as a Japanese desktop or ssh session sets it.
ja() { env -u LC_ALL -u LANGUAGE -u LC_MESSAGES -u LC_CTYPE -u LC_TIME LANG=ja_JP.UTF-8 "$@"; }
c() { env -u LANGUAGE LC_ALL=C "$@"; }
B=$ART_BIN
tools=(art-hash art-hashset art-merge art-strings art-surface art-timeline art-yara art-catalog)

# has_japanese FILE: at least one kana or kanji.
has_japanese() {
  python3 - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
sys.exit(0 if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t) else 1)
EOF
}

# translates EN JA [EXTRA]: JA is EN with each message of the catalogue
# replaced by its msgstr, read from the compiled artifact.mo: the English
# --help is cut into the catalogue's help messages (the longest msgid at
# each point; help texts are printed in up to five pieces), every piece
# translated, nothing left over but (with EXTRA) text matching EXTRA (the
# item field names art-catalog lists, which are names, not words).
translates() {
  python3 - "$mo" "$1" "$2" "${3:-}" <<'EOF'
import gettext, re, sys
mo, en_f, ja_f, extra = sys.argv[1:5]
cat = gettext.GNUTranslations(open(mo, "rb"))._catalog
ids = sorted((k for k in cat if isinstance(k, str) and len(k) >= 40),
             key=len, reverse=True)
en = open(en_f, encoding="utf-8").read()
ja = open(ja_f, encoding="utf-8").read()
out, left, i, pieces = [], [], 0, 0
while i < len(en):
    m = next((k for k in ids if en.startswith(k, i)), None)
    if m is None:
        out.append(en[i]); left.append(en[i]); i += 1
        continue
    out.append(cat[m]); left.append("\0"); i += len(m); pieces += 1
rest = "".join(left).strip("\0")
if pieces == 0:
    sys.exit("no catalogue message in the English text")
if rest and not (extra and all(re.fullmatch(extra, r) for r in rest.split("\0") if r)):
    sys.exit("text outside the catalogue: %r" % rest[:200])
if "".join(out) != ja:
    sys.exit("the Japanese text is not the catalogue's translation")
EOF
}

# msgstr MSGID: the catalogue's translation.
msgstr() {
  python3 - "$mo" "$1" <<'EOF'
import gettext, sys
print(gettext.GNUTranslations(open(sys.argv[1], "rb"))._catalog[sys.argv[2]], end="")
EOF
}

echo "# --help: Japanese, and exactly the catalogue's translation"
for t in "${tools[@]}"; do
  c "$B/$t" --help >"$T/$t.en" 2>&1 || true
  ja "$B/$t" --help >"$T/$t.ja" 2>&1 || true
  check "$t --help is Japanese" has_japanese "$T/$t.ja"
  check "$t --help in C is English" bash -c "! LC_ALL=C grep -q '[^ -~]' '$T/$t.en'"
  extra=
  [ "$t" = art-catalog ] && extra='( [a-z0-9_]+)+'
  check "$t --help is po/ja.po's translation of the English one" \
    translates "$T/$t.en" "$T/$t.ja" "$extra"
done
for sub in init case add event show list key checkpoint verify export backup batch; do
  c "$B/art-catalog" "$sub" --help >"$T/cat-$sub.en" 2>&1 || true
  ja "$B/art-catalog" "$sub" --help >"$T/cat-$sub.ja" 2>&1 || true
  check "art-catalog $sub --help is Japanese" has_japanese "$T/cat-$sub.ja"
  check "art-catalog $sub --help is its msgstr in po/ja.po" \
    python3 - "$mo" "$T/cat-$sub.en" "$T/cat-$sub.ja" <<'EOF'
import gettext, sys
cat = gettext.GNUTranslations(open(sys.argv[1], "rb"))._catalog
en = open(sys.argv[2], encoding="utf-8").read()
sys.exit(0 if en in cat and cat[en] == open(sys.argv[3], encoding="utf-8").read() else 1)
EOF
done

echo "# errors: Japanese, same exit codes"
for t in "${tools[@]}"; do
  rc_c=0 rc_j=0
  c "$B/$t" --no-such-option >/dev/null 2>"$T/err.en" || rc_c=$?
  ja "$B/$t" --no-such-option >/dev/null 2>"$T/err.ja" || rc_j=$?
  check "$t: a bad option is refused in Japanese" has_japanese "$T/err.ja"
  check "$t: same exit code (2) in both locales ($rc_c, $rc_j)" test "$rc_c" = 2 -a "$rc_j" = 2
done
expect_rc 2 "art-hash -f bogus (ja)" ja "$B/art-hash" -f bogus
ja "$B/art-hash" -f bogus 2>"$T/err.ja" || true
want="art-hash: $(msgstr "unknown format '%s' (hashdeep, sum, jsonl, csv, dfxml)")"
want=${want/\%s/bogus}
check "art-hash -f bogus: the catalogue's message with the value" \
  test "$(head -n1 "$T/err.ja")" = "$want"
check "art-hash -f bogus: the --help hint in Japanese" \
  grep -qF "$(msgstr "
Try '%s --help' for more information.
" | sed -n 2p | sed "s/%s/art-hash/")" "$T/err.ja"
rc=0
ja "$B/art-hash" "$T/no such file" >/dev/null 2>"$T/err.ja" || rc=$?
check "art-hash on a missing input: exit 3 ($rc)" test "$rc" = 3
check "art-hash on a missing input: the error is Japanese" has_japanese "$T/err.ja"
check "art-hash on a missing input: the error names the input" grep -qF "no such file" "$T/err.ja"
ja "$B/art-timeline" >/dev/null 2>"$T/err.ja" || true
check "art-timeline without input: Japanese usage error" \
  grep -qF "$(msgstr "no input (an image, a directory, -b BODY or -A ARCHIVE)")" "$T/err.ja"

echo "# machine outputs: byte-identical under LANG=ja_JP.UTF-8 and LC_ALL=C"
ev=$T/ev
mkdir -p "$ev/sub" "$ev/日本語フォルダ"
printf 'evidence report\nhttps://example.jp/a\n' >"$ev/a.txt"
printf '押収した証拠品 URL：https://例え.テスト/x。 ｓｕｐｐｏｒｔ＠ｅｘａｍｐｌｅ．ｊｐ\n' >"$ev/証拠.txt"
printf '押収した証拠品の一覧 support@example.jp 192.0.2.1\n' | iconv -f UTF-8 -t CP932 >"$ev/sub/sjis.txt"
printf '保管の連続性 https://example.jp/euc\n' | iconv -f UTF-8 -t EUC-JP >"$ev/日本語フォルダ/euc.txt"
printf '証拠保全 http://192.0.2.7/x\n' | iconv -f UTF-8 -t ISO-2022-JP >"$ev/sub/jis.txt"
printf 'MZ\220\0\3\0\0\0 1.5 3,14 10.000,5\n' >"$ev/sub/numbers.bin"
head -c 5000 /dev/urandom >"$ev/sub/random.bin"
(cd "$ev" && bsdtar -cf "$ev/sub/bundle.zip" --format zip a.txt 証拠.txt) 2>/dev/null \
  || python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.write(sys.argv[2],'a.txt'); z.close()" "$ev/sub/bundle.zip" "$ev/a.txt"
cat >"$T/rules.yar" <<'EOF'
rule jp_evidence { meta: note = "証拠品" strings: $a = "証拠品" $b = "evidence" condition: any of them }
rule jp_url { strings: $u = "https://" condition: $u }
EOF
# Reading a folder may update its atime once (relatime): read everything
# before the timelines compare.
find "$ev" -type f -exec cat {} + >/dev/null
ls -laR "$ev" >/dev/null

# same NAME CMD...: run CMD in both locales; stdout must match byte for byte.
same() {
  local name=$1; shift
  local rc_c=0 rc_j=0
  c "$@" >"$T/out.c" 2>"$T/err.c" || rc_c=$?
  ja "$@" >"$T/out.ja" 2>"$T/err.ja" || rc_j=$?
  if [ ! -s "$T/out.c" ]; then
    fail "$name: no output (exit $rc_c): $(head -c 300 "$T/err.c")"
  elif cmp -s "$T/out.c" "$T/out.ja" && [ "$rc_c" = "$rc_j" ]; then
    ok "$name: identical ($(wc -l <"$T/out.c") lines, exit $rc_c)"
  else
    fail "$name: differs between C and ja_JP.UTF-8 (exit $rc_c, $rc_j)"
    diff "$T/out.c" "$T/out.ja" | head -n 6 >&2 || true
  fi
}
cd "$T"
printf 'not readable\n' >"$T/unreadable"
chmod 000 "$T/unreadable"
bad=("$T/no such file" "$T/unreadable")
if [ -r "$T/unreadable" ]; then bad=("$T/no such file"); fi # root reads anything
same "art-hash -f jsonl, failed inputs" "$B/art-hash" -f jsonl "${bad[@]}" ev/a.txt
same "art-surface jsonl, failed inputs" "$B/art-surface" -f jsonl -e all "${bad[@]}" ev/a.txt
same "art-yara jsonl, failed inputs" "$B/art-yara" --format jsonl -R "$T/rules.yar" "${bad[@]}" ev/a.txt
check "art-yara: the failed input's message on stderr is Japanese" has_japanese "$T/err.ja"
check "art-yara: the failed input's message in C is English" grep -qF "No such file or directory" "$T/err.c"
# A member that fails to inflate: the error is recorded inside the sandboxed
# worker (libartifact's message, C text in the record).
python3 - "$T/damaged.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.txt", "押収 evidence " * 500)
    z.writestr("b.txt", "x" * 5000)
d = bytearray(open(sys.argv[1], "rb").read())
d[60:90] = b"\xff" * 30
open(sys.argv[1], "wb").write(d)
EOF
same "art-surface jsonl, damaged zip member" "$B/art-surface" -f jsonl -e all "$T/damaged.zip"
check "art-surface: the damaged member is recorded" grep -q '"errors":\["[^"]*a.txt' "$T/out.ja"

# Errors met inside the sandboxed worker (and the same job in process with
# --no-sandbox) reach stderr in Japanese, while the records keep the C text:
# a truncated E01 (made by ewfacquire) that libewf cannot read.
lmo=$ART_LOCALEDIR/ja/LC_MESSAGES/libartifact.mo
# said FILE MSGID [DOMAIN]: FILE has the catalogue's translation of MSGID
# (libartifact's by default; looked up by gettext(1), which also reads the
# <PRIu64> messages Python's gettext ignores), its directives filled with
# any value.
pri64=lu
[ "$(getconf LONG_BIT)" = 64 ] || pri64=llu
said() {
  local id=${2//<PRIu64>/$pri64} tr
  tr=$(env -u LANGUAGE LC_ALL=ja_JP.UTF-8 TEXTDOMAINDIR="$ART_LOCALEDIR" \
    gettext -d "${3:-libartifact}" -- "$id")
  [ "$tr" != "$id" ] || { echo "no translation of '$id'" >&2; return 1; }
  python3 - "$1" "$tr" <<'EOF'
import re, sys
f, tr = sys.argv[1:3]
parts = re.split(r"%(?:\.0s|zu|l{0,2}[dus])", tr)
rx = ".*?".join(re.escape(p) for p in parts)
text = open(f, encoding="utf-8").read()
sys.exit(0 if re.search(rx, text) else "not found: %r" % tr)
EOF
}
head -c 1048576 /dev/urandom >"$T/disk.raw"
(cd "$T" && ewfacquire -u -q -t disk -c none -S 1.4GiB disk.raw >/dev/null 2>&1)
check "ewfacquire made an image" test -s "$T/disk.E01"
head -c 300000 "$T/disk.E01" >"$T/damaged.E01"
echk="%s: E01 checksum error in sectors %llu-%llu (%llu sectors)"
for mode in sandboxed --no-sandbox; do
  m=()
  [ "$mode" = sandboxed ] || m=(--no-sandbox)
  same "art-surface jsonl, damaged E01 ($mode)" "$B/art-surface" "${m[@]}" -f jsonl -e ascii damaged.E01
  check "art-surface, damaged E01 ($mode): the worker's error is Japanese on stderr" \
    said "$T/err.ja" "$echk"
  check "art-surface, damaged E01 ($mode): English in the C locale" \
    grep -q "damaged.E01: E01 checksum error in sectors" "$T/err.c"
  check "art-surface, damaged E01 ($mode): the record keeps the C text" \
    grep -q '"errors":\["read: damaged.E01: E01 checksum error in sectors' "$T/out.ja"
  same "art-strings jsonl, damaged E01 ($mode)" "$B/art-strings" "${m[@]}" -f jsonl -n 4 disk.raw damaged.E01
  check "art-strings, damaged E01 ($mode): the worker's error is Japanese on stderr" \
    said "$T/err.ja" "$echk"
  check "art-strings, damaged E01 ($mode): no English error on stderr" \
    test "$(grep -c "checksum error" "$T/err.ja")" = 0
  same "art-timeline jsonl, damaged E01 ($mode)" "$B/art-timeline" "${m[@]}" -f jsonl damaged.E01 ev
  check "art-timeline, damaged E01 ($mode): the image's error is Japanese on stderr" \
    said "$T/err.ja" "%s: %d of %d file systems could not be read"
  check "art-timeline, damaged E01 ($mode): English in the C locale" \
    grep -q "damaged.E01: 1 of 1 file systems could not be read" "$T/err.c"
done
# The parent's own message about a worker (it crashed): Japanese on stderr,
# C text in the record (the test build's hook crashes a worker on this name).
ST=$ART_BINARY_DIR/tests/art-surface-testing
if [ -x "$ST" ]; then
  printf 'x\n' >"$T/ART_SANDBOX_TEST_segv"
  same "art-surface jsonl, crashed worker" "$ST" -f jsonl ART_SANDBOX_TEST_segv
  check "art-surface, crashed worker: the parent's message is Japanese on stderr" \
    said "$T/err.ja" "worker crashed: %s"
  # (SIGABRT under AddressSanitizer with abort_on_error, which takes the SEGV)
  check "art-surface, crashed worker: the record keeps the C text" \
    grep -qE '"errors":\["worker crashed: SIG(SEGV|ABRT)"\]' "$T/out.ja"
else
  echo "# skip: $ST not built (ART_TESTING tools)"
fi
# art-hash keeps the error of a result to print it later: Japanese there too.
same "art-hash -f jsonl, damaged E01" "$B/art-hash" -f jsonl damaged.E01
check "art-hash, damaged E01: the stored error is Japanese on stderr" \
  said "$T/err.ja" "%s: %zu unreadable range%s, %<PRIu64> bytes could not be read (%<PRIu64> of %<PRIu64> read); first error: %s"
check "art-hash, damaged E01: the unreadable range in Japanese" \
  said "$T/err.ja" "%s: unreadable: bytes %<PRIu64>-%<PRIu64> (%<PRIu64> bytes), sectors %<PRIu64>-%<PRIu64>" artifact
check "art-hash, damaged E01: the record keeps the C text" \
  grep -q '"error":"damaged.E01: 1 unreadable range, ' "$T/out.ja"
same "art-hash (hashdeep)" "$B/art-hash" -r ev
same "art-hash -f sum (sha256sum)" "$B/art-hash" -r -f sum ev
same "art-hash -f sum -c md5 (md5sum)" "$B/art-hash" -r -f sum -c md5 ev
same "art-hash -f jsonl" "$B/art-hash" -r -f jsonl ev
same "art-hash -f csv" "$B/art-hash" -r -f csv ev
same "art-hash -p 1k (piecewise)" "$B/art-hash" -r -p 1k ev
# The reference: sha256sum's own lines for the same files.
(cd "$T" && find ev -type f -print0 | sort -z | xargs -0 sha256sum) >"$T/ref.sum"
ja "$B/art-hash" -r -f sum ev | sort -k2 >"$T/ours.sum"
check "art-hash -f sum under ja_JP.UTF-8 = sha256sum" cmp -s <(sort -k2 "$T/ref.sum") "$T/ours.sum"
# art-surface and art-strings --ioc choose more encodings under a Japanese
# locale by design (issue 13): the encodings are given, so the inputs of both
# runs are the same and only the locale differs.
same "art-surface jsonl" "$B/art-surface" -r -f jsonl -e all ev
same "art-surface jsonl --no-recurse" "$B/art-surface" -r -f jsonl --no-recurse -e ascii,utf16le ev
same "art-strings jsonl -e all" "$B/art-strings" -r -f jsonl -e all ev
same "art-strings -t x -e s (GNU form)" "$B/art-strings" -r -t x -e s ev
same "art-strings --ioc --lang ja jsonl" "$B/art-strings" -r --ioc --lang ja -f jsonl ev
same "art-yara jsonl" "$B/art-yara" --format jsonl -r -s "$T/rules.yar" ev
same "art-yara text (yara's lines)" "$B/art-yara" -r -s -m "$T/rules.yar" ev
for f in body mactime l2tcsv jsonl; do
  same "art-timeline -f $f (directory)" "$B/art-timeline" -f "$f" ev
done
# A FAT image with Japanese long names, through libtsk.
img=$T/fat.img
truncate -s 4M "$img"
mkfs.vfat -n EVIDENCE "$img" >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$ev/a.txt" "::/a.txt"
MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$ev/証拠.txt" "::/証拠品リスト.txt"
for f in body mactime l2tcsv jsonl; do
  same "art-timeline -f $f (FAT image)" "$B/art-timeline" -f "$f" "$img"
done
same "art-timeline -f mactime -z Asia/Tokyo" "$B/art-timeline" -f mactime -z Asia/Tokyo "$img"

# The catalogue: each export from its own copy, so both record the same
# chain; only the moment of the export differs (exported_at and the
# checkpoint's time, both RFC 3339 UTC: masked only in that form).
export ART_ACTOR="検査官 山田"
db=$T/cat.db
c "$B/art-catalog" --db "$db" init -q 2>/dev/null
c "$B/art-catalog" --db "$db" case add 2026-001 --title "不正アクセス事案" >/dev/null
c "$B/art-catalog" --db "$db" add --case 2026-001 --item USB-01 "$ev/a.txt" >/dev/null
c "$B/art-catalog" --db "$db" event transfer --item USB-01 --from "検査官 山田" \
  --to "証拠品保管庫" --at 2026-12-01T11:00:00+09:00 >/dev/null
mask() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z/TIME/g' "$1"; }
for f in json jsonl csv custody-csv; do
  cp "$db" "$T/c.db"
  cp "$db" "$T/j.db"
  rc_c=0 rc_j=0
  c "$B/art-catalog" --db "$T/c.db" export -f "$f" >"$T/exp.c" 2>/dev/null || rc_c=$?
  ja "$B/art-catalog" --db "$T/j.db" export -f "$f" >"$T/exp.ja" 2>/dev/null || rc_j=$?
  # the export's own moment (and what hashes it) is the one difference
  c python3 - "$T/exp.c" "$T/exp.ja" <<'EOF' >"$T/diff.txt" || true
import sys, difflib
a = open(sys.argv[1], encoding="utf-8").read().splitlines()
b = open(sys.argv[2], encoding="utf-8").read().splitlines()
for l in difflib.unified_diff(a, b, n=0, lineterm=""):
    print(l)
EOF
  if [ -s "$T/exp.c" ] && [ "$rc_c" = 0 ] && [ "$rc_j" = 0 ] &&
    cmp -s <(mask "$T/exp.c") <(mask "$T/exp.ja"); then
    ok "art-catalog export -f $f: identical but for the export's time"
  else
    fail "art-catalog export -f $f differs between C and ja_JP.UTF-8 (exit $rc_c, $rc_j)"
    head -n 8 "$T/diff.txt" >&2
  fi
done

echo "# numbers: LC_NUMERIC stays C (de_DE.UTF-8 writes a decimal comma)"
if grep -qix 'de_DE\.utf-\?8' "$T/locales"; then
  de() { env -u LC_ALL -u LANGUAGE LANG=de_DE.UTF-8 "$@"; }
  c "$B/art-surface" -f text -e ascii "$ev/a.txt" >"$T/num.c" 2>/dev/null || true
  de "$B/art-surface" -f text -e ascii "$ev/a.txt" >"$T/num.de" 2>/dev/null || true
  check "art-surface -f text: the entropy has a decimal point under de_DE.UTF-8" \
    grep -qE 'entropy +[0-9]+\.[0-9]{4} ' "$T/num.de"
  check "art-surface -f text: same report under de_DE.UTF-8 and C" cmp -s "$T/num.c" "$T/num.de"
  c "$B/art-surface" -f jsonl -e ascii "$ev/a.txt" >"$T/num.c" 2>/dev/null || true
  de "$B/art-surface" -f jsonl -e ascii "$ev/a.txt" >"$T/num.de" 2>/dev/null || true
  check "art-surface jsonl: same bytes under de_DE.UTF-8 and C" cmp -s "$T/num.c" "$T/num.de"
  c "$B/art-timeline" -f l2tcsv "$img" >"$T/num.c" 2>/dev/null || true
  de "$B/art-timeline" -f l2tcsv "$img" >"$T/num.de" 2>/dev/null || true
  check "art-timeline l2tcsv: same bytes under de_DE.UTF-8 and C" cmp -s "$T/num.c" "$T/num.de"
else
  fail "locale de_DE.UTF-8 missing (locales-all)"
fi

echo "# no catalogue: English"
for t in "${tools[@]}"; do
  ART_LOCALEDIR=$T/nowhere ja "$B/$t" --help >"$T/$t.none" 2>&1 || true
  check "$t --help without a catalogue is the English one" cmp -s "$T/$t.en" "$T/$t.none"
done
rc=0
ART_LOCALEDIR=$T/nowhere ja "$B/art-hash" -f bogus 2>"$T/err.none" || rc=$?
check "art-hash -f bogus without a catalogue: English (exit $rc)" \
  grep -qF "unknown format 'bogus' (hashdeep, sum, jsonl, csv, dfxml)" "$T/err.none"
finish
