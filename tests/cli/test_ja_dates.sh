#!/usr/bin/env bash
# Dates on the HTML pages (art-catalog register, art-timeline page) in the
# examiner's zone (TZ or --display-tz) and in the Japanese style under
# LANG=ja_JP.UTF-8, compared with date(1) for the same instants; the paper
# default follows LC_PAPER.
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
need date mkfs.fat mcopy sqlite3
case $'\n'"$(locale -a 2>/dev/null)"$'\n' in *$'\nja_JP.utf8\n'*) ;; *)
  echo "missing locale ja_JP.UTF-8 (package locales-all)" >&2
  exit 1 ;;
esac
CAT=$ART_BIN/art-catalog
TL=$ART_BIN/art-timeline
cd "$T"
unset LC_ALL
export LANG=C

# The Japanese form, made by date(1) for instant SEC in ZONE.
ja() { # ja ZONE SEC
  local off h m s
  off=$(TZ=$1 date -d "@$2" +%z)
  s=${off:0:1}
  h=$((10#${off:1:2}))
  m=${off:3:2}
  [ "$m" = 00 ] && m= || m=:$m
  if [ "$off" = +0000 ]; then
    TZ=UTC date -d "@$2" '+%Y年%-m月%-d日 %H:%M:%S UTC'
  else
    printf '%s (UTC%s%s%s) / UTC %s\n' "$(TZ=$1 date -d "@$2" '+%Y年%-m月%-d日 %H:%M:%S %Z')" \
      "$s" "$h" "$m" "$(TZ=UTC date -d "@$2" '+%Y年%-m月%-d日 %H:%M:%S')"
  fi
}
iso() { # iso ZONE SEC
  if [ "$(TZ=$1 date -d "@$2" +%z)" = +0000 ]; then
    TZ=UTC date -d "@$2" +%Y-%m-%dT%H:%M:%SZ
  else
    printf '%s (%s)\n' "$(TZ=$1 date -d "@$2" '+%Y-%m-%dT%H:%M:%S%:z %Z')" \
      "$(TZ=UTC date -d "@$2" +%Y-%m-%dT%H:%M:%SZ)"
  fi
}
check "reference: the issue's example" test "$(ja Asia/Tokyo 1796277845)" = \
  "2026年12月3日 15:04:05 JST (UTC+9) / UTC 2026年12月3日 06:04:05"

# --- art-catalog: the register -------------------------------------------
export ART_CATALOG=$T/ev.db ART_ACTOR="Examiner"
echo evidence >usb.raw
"$CAT" init -q
"$CAT" case add IR-13 --title "dates" >/dev/null
"$CAT" add -q --case IR-13 --item E1 --description "USB" usb.raw
# a summer and a winter instant (daylight saving time), a half-hour zone
"$CAT" event note --item E1 --at 2026-12-03T06:04:05Z -q
"$CAT" event note --item E1 --at 2026-12-03T15:34:05+05:30 -q
sec1=$(date -d 2026-12-03T06:04:05Z +%s)
sec2=$(date -d 2026-12-03T10:04:05Z +%s)
for zone in Asia/Tokyo Europe/Berlin America/St_Johns Asia/Kolkata UTC; do
  for style in ja iso; do
    lang=C
    [ "$style" = ja ] && lang=ja_JP.UTF-8
    LANG=$lang TZ=$zone "$CAT" export -f html -q >"reg.${zone//\//_}.$style.html" 2>/dev/null
    for s in $sec1 $sec2; do
      want=$($style "$zone" "$s")
      if grep -qF "<td class=\"t\">$want</td>" "reg.${zone//\//_}.$style.html"; then
        ok "register, TZ=$zone, $lang: $want"
      else
        fail "register, TZ=$zone, $lang: no '$want'"
      fi
    done
  done
done
LANG=ja_JP.UTF-8 TZ=UTC "$CAT" export -f html -q --display-tz Asia/Tokyo >opt.html 2>/dev/null
check "register: --display-tz wins over TZ" grep -qF "$(ja Asia/Tokyo "$sec1")" opt.html
check "register: the zone is named in the header" grep -qF "Asia/Tokyo" opt.html
expect_rc 2 "register: unknown --display-tz is a usage error" \
  "$CAT" export -f html -q --display-tz Mars/Olympus_Mons
LANG=C TZ=JST-9 "$CAT" export -f html -q >bad.html 2>err || true
check "register: TZ not a zone name: warned, dates in UTC" grep -q "not a zone name" err
check "register: ... and the dates are UTC" grep -qF "$(iso UTC "$sec1")" bad.html
# machine formats never change with the locale or the zone
for f in csv json jsonl custody-csv; do
  LANG=C TZ=UTC "$CAT" export -f "$f" -q >"c.$f" 2>/dev/null
  LANG=ja_JP.UTF-8 TZ=Asia/Tokyo "$CAT" export -f "$f" -q >"j.$f" 2>/dev/null
  # each export records itself as an event (time, sequence): compare the
  # events of the catalogue as it was before
  check "$f: same dates under ja_JP and Asia/Tokyo" \
    cmp -s <(grep -o '20[0-9-]*T[0-9:]*Z' "c.$f" | head -4) <(grep -o '20[0-9-]*T[0-9:]*Z' "j.$f" | head -4)
done
# paper: A4 in the Japanese and C locales, letter in the US (LC_PAPER)
for l in ja_JP.UTF-8:A4 C:A4 en_US.UTF-8:letter; do
  LANG=${l%%:*} "$CAT" export -f html -q >p.html 2>/dev/null
  check "register paper in ${l%%:*}: ${l#*:}" grep -q "@page{size:${l#*:} landscape" p.html
done
LANG=en_US.UTF-8 "$CAT" export -f html -q --paper a4 >p.html 2>/dev/null
check "register: --paper a4 wins over the locale" grep -q "@page{size:A4 landscape" p.html

# --- art-timeline: the page ----------------------------------------------
mkfs.fat -C -F 12 fat.img 1440 >/dev/null
echo x >f.txt
touch -d @"$sec1" f.txt
mcopy -m -i fat.img f.txt ::F.TXT
mtime=$("$TL" fat.img | awk -F'|' '$2=="/F.TXT"{print $9}')
for zone in Asia/Tokyo Europe/Berlin America/St_Johns; do
  LANG=ja_JP.UTF-8 TZ=$zone "$TL" -f html fat.img >"tl.${zone//\//_}.ja.html"
  # the events are JSON with '/' escaped (no "</script>" can appear)
  want=$(ja "$zone" "$mtime" | sed 's|/|\\/|g')
  check "timeline page, TZ=$zone, ja: $want" \
    grep -qF "\"$want\"" "tl.${zone//\//_}.ja.html"
  LANG=C "$TL" -f html --display-tz "$zone" fat.img >"tl.${zone//\//_}.c.html"
  want=$(iso "$zone" "$mtime" | sed 's/\(:[0-9][0-9]\)\([+-]\)/\1.000000000\2/; s/Z)$/.000000000Z)/')
  check "timeline page, --display-tz $zone, C: $want" grep -qF "\"$want\"" "tl.${zone//\//_}.c.html"
done
LANG=C TZ=Asia/Tokyo "$TL" -f html -z UTC fat.img >tl.utc.html
check "timeline page: -z UTC wins over TZ" \
  grep -qF "\"$(TZ=UTC date -d "@$mtime" +%Y-%m-%dT%H:%M:%S).000000000Z\"" tl.utc.html
# machine formats: the zone comes only from -z, never from TZ or the locale
LANG=C TZ=UTC "$TL" -f jsonl fat.img >a.jsonl
LANG=ja_JP.UTF-8 TZ=Asia/Tokyo "$TL" -f jsonl fat.img >b.jsonl
check "timeline jsonl: byte-identical under ja_JP and Asia/Tokyo" cmp -s a.jsonl b.jsonl

finish
