#!/usr/bin/env bash
# Japanese man pages (docs/ja/art-*.1): one for every English page, each
# rendered by groff and man(1) without a warning, every option of the
# English page present, installed under share/man/ja/man1.
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
need groff man
S=${ART_SOURCE_DIR:?}
unset LC_ALL # man(1) below runs in ja_JP.UTF-8
export LANG=C

# long options anywhere, short ones in the option tags (.B/.BR/.BI lines)
options() {
  { sed 's/\\-/-/g' "$1" | grep -o -- '--[a-z0-9][a-z0-9-]*' | sed 's/-*$//'; } || true
  { sed 's/\\-/-/g' "$1" | grep -E '^\.(B|BR|BI|IP|TP) ' |
    grep -oE '(^|[ "])-[A-Za-z0-9]\b' | tr -d ' "'; } || true
}

for en in "$S"/docs/art-*.1; do
  page=$(basename "$en")
  ja=$S/docs/ja/$page
  if [ ! -f "$ja" ]; then
    fail "$page: no Japanese page docs/ja/$page"
    continue
  fi
  err=$(groff -k -t -man -Tutf8 -ww -z "$ja" 2>&1)
  [ -z "$err" ] && ok "$page: groff -k -t -man -Tutf8 -ww: no warning" ||
    fail "$page: groff: $err"
  # not a terminal: man(1) gives plain text
  err=$(LANG=ja_JP.UTF-8 MANWIDTH=80 man --warnings=w -l "$ja" 2>&1 >"$T/out")
  [ -z "$err" ] && ok "$page: man --warnings -l in ja_JP.UTF-8: no warning" ||
    fail "$page: man: $err"
  # Japanese text, not a copy of the English page
  check "$page: rendered in Japanese (名前, 書式, 説明, 関連項目)" \
    grep -q '^名前' "$T/out"
  check "$page: sections" grep -q '^関連項目' "$T/out"
  missing=
  options "$en" | sort -u >"$T/en.opts"
  options "$ja" | sort -u >"$T/ja.opts"
  while read -r o; do
    grep -qx -- "$o" "$T/ja.opts" || missing="$missing $o"
  done <"$T/en.opts"
  [ -z "$missing" ] && ok "$page: every option of the English page ($(wc -l <"$T/en.opts"))" ||
    fail "$page: options missing from the Japanese page:$missing"
  # same title line as the English page's name
  check "$page: .TH as the English page" test \
    "$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\).*/\1 \2/p' "$en")" = \
    "$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\).*/\1 \2/p' "$ja")"
done
for ja in "$S"/docs/ja/*.1; do
  [ -f "$S/docs/$(basename "$ja")" ] || fail "$(basename "$ja"): no English page"
done

# installed under share/man/ja/man1 by CMake
if [ -n "${ART_BINARY_DIR:-}" ] && [ -f "$ART_BINARY_DIR/cmake_install.cmake" ]; then
  DESTDIR=$T/root cmake --install "$ART_BINARY_DIR" --prefix /usr >/dev/null
  n=$(find "$T/root/usr/share/man/ja/man1" -name 'art-*.1' 2>/dev/null | wc -l)
  check "installed: $n pages in share/man/ja/man1" test "$n" -eq "$(ls "$S"/docs/art-*.1 | wc -l)"
  check "installed page renders with man in ja_JP.UTF-8" \
    env LANG=ja_JP.UTF-8 MANPATH="$T/root/usr/share/man" man -w art-hash
  p=$(LANG=ja_JP.UTF-8 MANPATH="$T/root/usr/share/man" man -w art-hash 2>/dev/null || true)
  check "man picks the Japanese page in ja_JP.UTF-8 ($p)" test "${p#*/man/}" = ja/man1/art-hash.1
else
  echo "skip: install check needs ART_BINARY_DIR (a configured build)"
fi
finish
