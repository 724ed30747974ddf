#!/usr/bin/env bash
# bench/scale_catalog.sh: the catalogue part of bench/scale.sh (issue 15):
# events appended per second on PostgreSQL against SQLite, unsigned and
# Ed25519-signed, with 1 and 8 concurrent writers (each event its own
# command, process and durable transaction, as examiners append), the same
# in one batch transaction, and the whole-chain verify time for EVENTS
# events on each store. PostgreSQL 15 runs as a throwaway cluster on a Unix
# socket (tests/cli/pg_lib.sh) with fsync on, as SQLite runs with
# synchronous=FULL; wall time and peak RSS of the client from /usr/bin/time.
# Usage: bench/scale_catalog.sh [BUILD_DIR] [EVENTS] [PER_WRITER]
#   EVENTS      events in the verify catalogue (default 100000)
#   PER_WRITER  separate commands per writer (default 100)
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
events=${2:-100000}
per=${3:-100}
C=$build/tools/art-catalog
for t in /usr/bin/time /usr/bin/python3 psql; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ -x "$C" ] || { echo "build art-catalog first ($C)" >&2; exit 1; }
dir=$(mktemp -d /tmp/art-bench-scale-XXXXXX)
. "$root/tests/cli/pg_lib.sh"
trap 'pg_stop; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM
PG_FSYNC=on
pg_start || { echo "PostgreSQL did not start: $PG_WHY" >&2; exit 1; }
cd "$dir"
export ART_ACTOR="Bench Examiner"
unset ART_CATALOG ART_CATALOG_DB ART_KEY ART_KEY_PASSPHRASE
echo "pass" > pw
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A WALL RSS
run() {
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o time.out "$@" > out.txt 2> err.txt || {
    echo "$label failed:" >&2; cat err.txt >&2; exit 1; }
  read -r w m < time.out
  WALL[$label]=$w; RSS[$label]=$m
  printf '%-58s %9.2f s %10d KiB\n' "$label" "$w" "$m"
}
rate() { awk "BEGIN{printf \"%.0f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }
n=0
newdb() { # newdb sqlite|pg: DB = a fresh catalogue (URL or path), one item
  n=$((n + 1))
  local db
  if [ "$1" = pg ]; then
    psql -X -q -h "$PG_SOCK" -U artadmin -d postgres -c "CREATE DATABASE b$n" >/dev/null
    db=$(pg_url "b$n")
  else
    db=$dir/b$n.db
  fi
  "$C" --db "$db" init -q --admin-key "k$n.pem" --passphrase-file pw
  "$C" --db "$db" case add BENCH -q
  "$C" --db "$db" add -q --case BENCH --item I --description bench pw
  DB=$db
}
# writers DB W SIGNED: W writers, PER separate commands each
writers() {
  local db=$1 w=$2 signed=$3 key=()
  [ "$signed" = 1 ] && key=(--key "k$n.pem" --passphrase-file pw)
  for p in $(seq "$w"); do
    (for i in $(seq "$per"); do "$C" --db "$db" "${key[@]}" event note --item I --note "$p/$i" -q; done) &
  done
  wait
}
echo "separate commands (one process and one durable transaction per event):"
for store in sqlite pg; do
  for s in 0 1; do
    for w in 1 8; do
      newdb $store; db=$DB
      label="$store $( [ $s = 1 ] && echo signed || echo unsigned ), $w writer(s) x $per"
      start=$(date +%s.%N)
      writers "$db" "$w" "$s"
      WALL[$label]=$(awk "BEGIN{print $(date +%s.%N) - $start}")
      "$C" --db "$db" verify -q > /dev/null || { echo "$label: verify failed" >&2; exit 1; }
      printf '%-58s %9.2f s  %6s events/s\n' "$label" "${WALL[$label]}" "$(rate $((w * per)) "${WALL[$label]}")"
    done
  done
done

# One batch transaction of EVENTS notes over EVENTS/10 items (an item's
# state is re-read from its events at each append, as in bench/catalog.sh:
# ten events per item): the append rate without process starts, and the
# catalogue the verify time is measured on.
/usr/bin/python3 - "$events" <<'PY'
import json, sys
n = int(sys.argv[1]); items = max(1, n // 10)
with open("items.jsonl", "w") as f:
    for i in range(items):
        f.write(json.dumps({"op": "item", "case": "BENCH", "item": "E%06d" % i,
                            "fields": {"description": "item %d" % i}}) + "\n")
with open("events.jsonl", "w") as f:
    for k in range(n):
        f.write(json.dumps({"op": "event", "type": "note", "case": "BENCH",
                            "item": "E%06d" % (k % items), "note": "n%d" % k}) + "\n")
PY
echo "one batch of $events events (one transaction), then verify:"
for store in sqlite pg; do
  newdb $store; db=$DB; eval "u_$store=\$db"
  "$C" --db "$db" batch items.jsonl
  run "$store unsigned: append $events in one batch" "$C" --db "$db" batch events.jsonl
  newdb $store; db=$DB; eval "s_$store=\$db"
  "$C" --db "$db" --key "k$n.pem" --passphrase-file pw batch items.jsonl
  run "$store signed: append $events in one batch" "$C" --db "$db" --key "k$n.pem" --passphrase-file pw batch events.jsonl
done
for store in sqlite pg; do
  eval "db=\$u_$store"; run "$store unsigned: verify $events+ events" "$C" --db "$db" verify
  eval "db=\$s_$store"; run "$store signed: verify $events+ events" "$C" --db "$db" verify
done

echo
echo "summary (PostgreSQL / SQLite, events per second):"
for s in unsigned signed; do
  for w in 1 8; do
    a="pg $s, $w writer(s) x $per"; b="sqlite $s, $w writer(s) x $per"
    echo "  separate commands, $s, $w writer(s): PostgreSQL $(rate $((w * per)) "${WALL[$a]}"), SQLite $(rate $((w * per)) "${WALL[$b]}") (PostgreSQL x$(ratio "${WALL[$b]}" "${WALL[$a]}") the rate of SQLite)"
  done
  a="pg $s: append $events in one batch"; b="sqlite $s: append $events in one batch"
  echo "  one batch, $s: PostgreSQL $(rate "$events" "${WALL[$a]}"), SQLite $(rate "$events" "${WALL[$b]}") (x$(ratio "${WALL[$b]}" "${WALL[$a]}")); client peak ${RSS[$a]} / ${RSS[$b]} KiB"
  a="pg $s: verify $events+ events"; b="sqlite $s: verify $events+ events"
  echo "  verify $events, $s: PostgreSQL ${WALL[$a]} s, SQLite ${WALL[$b]} s (x$(ratio "${WALL[$a]}" "${WALL[$b]}") the time); client peak ${RSS[$a]} / ${RSS[$b]} KiB"
done
