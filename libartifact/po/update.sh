#!/bin/sh
# Regenerate libartifact.pot from libartifact/ and merge it into every <lang>.po.
# SPDX-License-Identifier: Apache-2.0
# Keywords: _ and N_ (core/i18n.h), and the formats of art__set_error (4th
# argument) and art__set_errno (3rd), which translate them themselves, and of
# the timeline's problems and notes (printed for a person, never recorded)
# and of the catalogue verification's message (verify.c: verify_fail, verify_say).
# With --pot FILE: only write the template to FILE (tests/cli/test_i18n_lib.sh
# checks that ja.po has every message of the sources).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pot=$here/libartifact.pot
only_pot=0
if [ "${1:-}" = --pot ]; then
  pot=$2
  only_pot=1
fi
cd "$top"
list=$(mktemp)
trap 'rm -f "$list"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files 'libartifact/*.c' 'libartifact/*.h'
else
  find libartifact -name '*.[ch]'
fi | LC_ALL=C sort >"$list"
xgettext --language=C --from-code=UTF-8 --default-domain=libartifact \
  --package-name=artifact --msgid-bugs-address=artifact --no-wrap --sort-by-file \
  --add-comments=TRANSLATORS: \
  --keyword=_ --keyword=N_ \
  --keyword=art__set_error:4 --keyword=art__set_errno:3 \
  --keyword=art__tl_problem:3 --keyword=art__tl_note:2 \
  --keyword=verify_fail:4 --keyword=verify_say:2 \
  --flag=art__set_error:4:c-format --flag=art__set_errno:3:c-format \
  --flag=art__tl_problem:3:c-format --flag=art__tl_note:2:c-format \
  --flag=verify_fail:4:c-format --flag=verify_say:2:c-format \
  --files-from="$list" -o "$pot"
[ "$only_pot" -eq 0 ] || exit 0
for po in "$here"/*.po; do
  [ -e "$po" ] || continue
  msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$po" "$pot"
done
