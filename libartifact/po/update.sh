#!/bin/sh
# Regenerate libartifact.pot from libartifact/ and merge it into every <lang>.po.
# SPDX-License-Identifier: Apache-2.0
# Keywords: _ and N_ (core/i18n.h), and the formats of art__set_error (4th
# argument) and art__set_errno (3rd), which translate them themselves, and of
# the timeline's problems and notes (printed for a person, never recorded).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
git ls-files 'libartifact/*.c' 'libartifact/*.h' | LC_ALL=C sort >"$here/POTFILES"
xgettext --language=C --from-code=UTF-8 --default-domain=libartifact \
  --package-name=artifact --msgid-bugs-address=artifact --no-wrap --sort-by-file \
  --add-comments=TRANSLATORS: \
  --keyword=_ --keyword=N_ \
  --keyword=art__set_error:4 --keyword=art__set_errno:3 \
  --keyword=art__tl_problem:3 --keyword=art__tl_note:2 \
  --flag=art__set_error:4:c-format --flag=art__set_errno:3:c-format \
  --flag=art__tl_problem:3:c-format --flag=art__tl_note:2:c-format \
  --files-from="$here/POTFILES" -o "$here/libartifact.pot"
rm -f "$here/POTFILES"
for po in "$here"/*.po; do
  [ -e "$po" ] || continue
  msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$po" "$here/libartifact.pot"
done
