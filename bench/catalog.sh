#!/usr/bin/env bash
# bench/catalog.sh: art-catalog with 10,000 items and 100,000 custody events:
# append rate (unsigned and Ed25519-signed, in one batch transaction, and as
# separate durable commands), whole-chain verify, each export, size on disk.
# References in the same run: the same rows inserted by sqlite3(1) into a
# plain table (no chain, no signatures) and the independent Python verifier
# (tests/data/catalog/reverify.py) on the JSONL export.
# Signed verify checks the Ed25519 signatures on all cores (VERIFY_THREADS
# is not an option of the tool: compare with taskset -c 0 for one core).
# Usage: bench/catalog.sh [BUILD_DIR] [ITEMS] [EVENTS_PER_ITEM]
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
items=${2:-10000}
per=${3:-10}
C=$build/tools/art-catalog
dir=${BENCH_DIR:-/tmp/art-bench-catalog}
for t in sqlite3 /usr/bin/time /usr/bin/python3; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ -x "$C" ] || { echo "build art-catalog first ($C)" >&2; exit 1; }
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
export ART_ACTOR="Bench Examiner"
unset ART_CATALOG ART_KEY ART_KEY_PASSPHRASE

# The workload: one case, ITEMS items, ITEMS*PER events (transfers,
# check-out/in, moves, notes), as batch JSON lines.
/usr/bin/python3 - "$items" "$per" <<'PY'
import json, sys
items, per = int(sys.argv[1]), int(sys.argv[2])
kinds = ["transfer", "check_out", "check_in", "move", "note"]
with open("items.jsonl", "w") as f:
    f.write(json.dumps({"op": "case", "case": "BENCH-1", "title": "bench"}) + "\n")
    for i in range(items):
        f.write(json.dumps({"op": "item", "case": "BENCH-1", "item": f"E{i:05}",
            "fields": {"description": f"item {i}", "kind": "media",
                       "serial_number": f"SN{i:08}"},
            "hashes": [{"algorithm": "sha256", "value": f"{i:064x}"}]}) + "\n")
with open("events.jsonl", "w") as f, open("plain.sql", "w") as p:
    p.write("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;\n"
            "CREATE TABLE ev(seq INTEGER PRIMARY KEY, item TEXT, type TEXT,"
            " actor TEXT, from_a TEXT, to_a TEXT, purpose TEXT, location TEXT);\n"
            "BEGIN;\n")
    n = 0
    for r in range(per):
        for i in range(items):
            # the same order for every item: the rules of custody refuse a
            # check-in before a check-out
            k = kinds[r % len(kinds)]
            ev = {"op": "event", "type": k, "case": "BENCH-1", "item": f"E{i:05}"}
            if k == "transfer":
                ev.update({"from": "Bench Examiner", "to": "Bench Examiner", "purpose": "custody"})
            elif k == "move":
                ev["location"] = f"Locker {r}"
            elif k == "note":
                ev["note"] = f"round {r}"
            f.write(json.dumps(ev) + "\n")
            n += 1
            p.write("INSERT INTO ev VALUES(%d,'E%05d','%s','Bench Examiner',NULL,NULL,'custody','Locker');\n" % (n, i, k))
    p.write("COMMIT;\n")
PY
nev=$((items * per))
echo "workload: $items items, $nev events"

declare -A WALL RSS
run() {
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o time.out "$@" > out.txt 2> err.txt || {
    echo "$label failed:" >&2; cat err.txt >&2; exit 1; }
  read -r w m < time.out
  WALL[$label]=$w; RSS[$label]=$m
  printf '%-46s %9.2f s %10d KiB\n' "$label" "$w" "$m"
}
rate() { awk "BEGIN{printf \"%.0f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }

echo "pass" > pw
# u: no keys; s: an administrator key (made by init), which also signs.
"$C" --db u.db init -q
"$C" --db s.db init -q --admin-key k.pem --passphrase-file pw
for db in u s; do
  run "register $items items ($db)" "$C" --db $db.db batch items.jsonl
done
run "append $nev events, unsigned (one batch)" "$C" --db u.db batch events.jsonl
run "append $nev events, signed (one batch)" "$C" --db s.db --key k.pem --passphrase-file pw batch events.jsonl
run "sqlite3: $nev plain rows (one transaction)" sqlite3 plain.db ".read plain.sql"
# Separate durable commands: one process and one fsync'd transaction each.
start=$(date +%s.%N)
for i in $(seq 200); do "$C" --db u.db event note --item E00001 --note "single $i" -q; done
single=$(awk "BEGIN{print $(date +%s.%N) - $start}")
printf '%-46s %9.2f s\n' "200 separate 'event' commands" "$single"
run "verify $nev+ events, unsigned" "$C" --db u.db verify
cat out.txt
run "verify $nev+ events, signed" "$C" --db s.db verify
cat out.txt
run "verify $nev+ events, signed, one core" taskset -c 0 "$C" --db s.db verify
cat out.txt
for f in csv custody-csv json jsonl html case; do
  run "export $f" "$C" --db u.db export -f $f -o export.$f
done
run "reference: reverify.py on the jsonl export" /usr/bin/python3 "$root/tests/data/catalog/reverify.py" export.jsonl
cat out.txt
for db in u s; do sqlite3 $db.db "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null; done
echo
echo "summary"
echo "  unsigned append: $(rate "$nev" "${WALL["append $nev events, unsigned (one batch)"]}") events/s" \
  "(x$(ratio "${WALL["append $nev events, unsigned (one batch)"]}" "${WALL["sqlite3: $nev plain rows (one transaction)"]}") the time of plain sqlite3 rows)"
echo "  signed append:   $(rate "$nev" "${WALL["append $nev events, signed (one batch)"]}") events/s"
echo "  separate commands: $(rate 200 "$single") events/s (process start + fsync each)"
echo "  verify unsigned: $(rate "$nev" "${WALL["verify $nev+ events, unsigned"]}") events/s;" \
  "signed: $(rate "$nev" "${WALL["verify $nev+ events, signed"]}") events/s" \
  "(one core: $(rate "$nev" "${WALL["verify $nev+ events, signed, one core"]}") events/s, x$(ratio "${WALL["verify $nev+ events, signed, one core"]}" "${WALL["verify $nev+ events, signed"]}") faster on all $(nproc) cores);" \
  "Python reference verifier on the jsonl: ${WALL["reference: reverify.py on the jsonl export"]} s" \
  "(ours x$(ratio "${WALL["verify $nev+ events, unsigned"]}" "${WALL["reference: reverify.py on the jsonl export"]}"))"
for f in csv custody-csv json jsonl html case; do
  printf '  export %-12s %7.2f s %10d KiB peak, %s bytes\n' "$f" "${WALL["export $f"]}" "${RSS["export $f"]}" "$(stat -c %s export.$f)"
done
echo "  size on disk: unsigned $(stat -c %s u.db) bytes, signed $(stat -c %s s.db) bytes, plain sqlite3 $(stat -c %s plain.db) bytes"
