#!/usr/bin/env bash
# CLI test of art-catalog on PostgreSQL: a throwaway PostgreSQL 15 cluster
# (initdb as an unprivileged user, Unix socket in a temp dir, no TCP); the
# catalogue workflow through --db URL / ART_CATALOG_DB; 8 concurrent writers
# x 500 events with no loss or fork; an examiner's UPDATE/DELETE refused by
# psql; a superuser's edit caught by verify; copy SQLite <-> PostgreSQL with
# exports compared byte for byte; pg_dump/restore then verify.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
. "$ART_SOURCE_DIR/tests/cli/pg_lib.sh"
need psql sqlite3 sha256sum pg_dump pg_restore openssl

CAT="$ART_BIN/art-catalog"
export ART_ACTOR="Alice Examiner"
unset ART_KEY ART_KEY_PASSPHRASE ART_CATALOG ART_CATALOG_DB
cd "$T"

export PG_FSYNC=off # durability is not what this test measures
trap 'pg_stop; cleanup' EXIT
trap 'exit 1' INT TERM # so that the EXIT trap stops the server
if ! pg_start; then
  echo "skip: cannot start a PostgreSQL 15 server here: $PG_WHY" >&2
  echo "0 passed, 0 failed (skipped)"
  exit 0
fi
ok "PostgreSQL 15 started on a Unix socket in $PGT (no TCP)"
check "no TCP listener" bash -c "! grep -q 'listening on IP' '$PGT/server.log'"

mkdb() { pg_psql postgres artadmin -c "CREATE DATABASE $1" >/dev/null; }
# Group roles of docs/catalog-postgresql.md, and one examiner login.
pg_psql postgres artadmin >/dev/null <<'SQL'
CREATE ROLE art_owner NOLOGIN;
CREATE ROLE art_examiner NOLOGIN;
CREATE ROLE art_reader NOLOGIN;
CREATE ROLE alice LOGIN IN ROLE art_examiner;
CREATE ROLE auditor LOGIN IN ROLE art_reader;
SQL
ok "roles made"

# --- the catalogue workflow on PostgreSQL ------------------------------------
mkdb main
U=$(pg_url main)
UA=$(pg_url main alice)
echo "correct horse" > pass
check "init by the owner" "$CAT" --db "$U" --actor "Lab Admin" init -q --admin-key admin.pem --passphrase-file pass
export ART_CATALOG_DB="$UA"
check "case add as examiner (ART_CATALOG_DB)" "$CAT" case add IR-1 --title "Exfiltration from HOST01"
head -c 524288 /dev/urandom > usb.raw
check "register a file" "$CAT" --actor "Bob Custodian" add -q --case IR-1 --item E001 --description "USB stick, blue" \
  --kind media --found-location "Desk drawer" --owner "J. Doe" usb.raw
q() { pg_psql main artadmin -Atc "$1"; }
[ "$(q "SELECT value FROM hashes WHERE algorithm='sha256' AND origin='computed'")" = "$(sha256sum usb.raw | cut -d' ' -f1)" ] \
  && ok "sha256 matches sha256sum" || fail "sha256 differs from sha256sum"
[ "$(q "SELECT string_agg(type, ',' ORDER BY seq) FROM events WHERE item_number='E001'")" = register,acquire ] \
  && ok "registration and acquisition recorded as events" || fail "register/acquire events"
check "key request" "$CAT" --actor "Alice Examiner" key generate alice.pem --passphrase-file pass -q
"$CAT" key request alice.pem --passphrase-file pass > alice.req 2>/dev/null || true
check "key registered by the administrator" "$CAT" --db "$U" --actor "Lab Admin" --key admin.pem --passphrase-file pass key register alice.req -q
S=(--key alice.pem --passphrase-file pass)
check "signed note" "$CAT" "${S[@]}" event note --item E001 --note "photographed" -q
check "transfer" "$CAT" --actor "Bob Custodian" event transfer --item E001 --from "Bob Custodian" --to "Alice Examiner" --purpose "to the lab" -q
check "signed receive" "$CAT" "${S[@]}" event receive --item E001 -q
check "seal" "$CAT" event seal --item E001 --seal-number S-1 -q
expect_rc 3 "rules of custody hold on PostgreSQL (nothing left to receive)" "$CAT" "${S[@]}" event receive --item E001
expect_rc 3 "rules of custody hold on PostgreSQL (Bob no longer holds it)" "$CAT" --actor "Bob Custodian" event transfer --item E001 --from "Bob Custodian" --to "Carol"

check "list" bash -c "'$CAT' list | grep -q 'E001.*Alice Examiner'"
check "show" bash -c "'$CAT' show E001 | grep -q 'State: in_custody, custodian Alice Examiner.*sealed'"
check "verify" "$CAT" verify -q
[ "$(q "SELECT count(*) FROM events WHERE signature IS NOT NULL")" -ge 2 ] && ok "signatures stored" || fail "signatures"
for f in csv custody-csv json jsonl html case; do
  check "export $f" "$CAT" export -f "$f" -o "pg.$f" -q
done
check "a reader can verify" "$CAT" --db "$(pg_url main auditor)" verify -q
out=$("$CAT" --db "$(pg_url main auditor)" event note --item E001 --note x 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 3 ] && echo "$out" | grep -q "permission denied" && ok "a reader cannot append: $out" || fail "reader append: rc=$rc $out"
expect_rc 4 "not a catalogue (empty database) named" "$CAT" --db "$(pg_url postgres)" list
out=$("$CAT" --db "postgresql://artadmin:s3cret@$PG_SOCK-none/x" list 2>&1 || true)
echo "$out" | grep -q "cannot connect" && ! echo "$out" | grep -q s3cret && ok "no server: said so, password masked" || fail "connect error: $out"

# --- the database enforces append-only ---------------------------------------
deny() { # deny DESCRIPTION USER SQL: psql must refuse
  local err
  if err=$(pg_psql main "$2" -c "$3" 2>&1); then fail "$1: accepted"; else
    ok "$1: $(echo "$err" | head -n1 | sed 's/^psql:[^:]*: //')"; fi
}
deny "examiner UPDATE on events" alice "UPDATE events SET actor='Mallory' WHERE seq=3"
deny "examiner DELETE on events" alice "DELETE FROM events WHERE seq=3"
deny "examiner UPDATE on hashes" alice "UPDATE hashes SET value='00' WHERE id=1"
deny "examiner TRUNCATE" alice "TRUNCATE checkpoints"
deny "owner UPDATE on events (trigger)" artadmin "UPDATE events SET actor='Mallory' WHERE seq=3"
deny "owner DELETE on events (trigger)" artadmin "DELETE FROM events WHERE seq=3"
deny "owner TRUNCATE events (trigger)" artadmin "TRUNCATE events CASCADE"
deny "owner DELETE on checkpoints (trigger)" artadmin "DELETE FROM checkpoints"
deny "owner changes the catalogue id (trigger)" artadmin "UPDATE meta SET value='x' WHERE key='catalog_uuid'"
check "still verifies" "$CAT" verify -q

# --- backup with pg_dump, restore, verify ------------------------------------
check "checkpoint to a file" "$CAT" checkpoint -q -o head.txt
pg_dump -h "$PG_SOCK" -U artadmin -Fc -f main.dump main && ok "pg_dump" || fail "pg_dump"
mkdb restored
pg_restore -h "$PG_SOCK" -U artadmin -d restored main.dump && ok "pg_restore" || fail "pg_restore"
check "restored catalogue verifies" "$CAT" --db "$(pg_url restored)" verify -q --checkpoint head.txt
deny "triggers restored too" artadmin "UPDATE events SET actor='x' WHERE seq=1; -- main" 

# --- a superuser's edit is caught by verify ------------------------------------
mkdb tamper
pg_restore -h "$PG_SOCK" -U artadmin -d tamper main.dump
pg_psql tamper artadmin -c "SET session_replication_role = replica; UPDATE events SET actor='Mallory' WHERE seq=5" >/dev/null \
  && ok "superuser edits a row with triggers bypassed" || fail "superuser edit"
out=$("$CAT" --db "$(pg_url tamper)" verify 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q "event 5" && ok "verify catches it at event 5 (exit 1)" || fail "tamper: rc=$rc $out"
mkdb trunc
pg_restore -h "$PG_SOCK" -U artadmin -d trunc main.dump
pg_psql trunc artadmin -c "SET session_replication_role = replica; DELETE FROM hashes WHERE event_seq >= (SELECT max(seq) FROM events); DELETE FROM checkpoints WHERE size >= (SELECT max(seq) FROM events); DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)" >/dev/null
rc=0; "$CAT" --db "$(pg_url trunc)" verify -q --checkpoint head.txt >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] && ok "truncation caught against an exported checkpoint (exit 1)" || fail "truncation: rc=$rc"

# --- 8 concurrent writers x 500 events -----------------------------------------
mkdb conc
UC=$(pg_url conc alice)
"$CAT" --db "$(pg_url conc)" --actor "Lab Admin" init -q
"$CAT" --db "$UC" case add C -q
"$CAT" --db "$UC" add --case C --item I --description "shared item" -q usb.raw
before=$(pg_psql conc artadmin -Atc "SELECT count(*) FROM events")
# ART_PG_QUICK=1 (development only) runs 8 x 50.
per=500; [ -n "${ART_PG_QUICK:-}" ] && per=50
for p in 1 2 3 4 5 6 7 8; do
  (for i in $(seq $per); do "$CAT" --db "$UC" --actor "Alice Examiner" event note --item I --note "$p/$i" -q || echo "FAIL $p/$i"; done) > "conc.$p" 2>&1 &
done
wait
! grep -q FAIL conc.* && ok "$((8 * per)) concurrent appends all succeeded" || fail "concurrent append failed: $(cat conc.* | head -n3)"
after=$(pg_psql conc artadmin -Atc "SELECT count(*) FROM events")
[ $((after - before)) -eq $((8 * per)) ] && ok "no event lost ($before + $((8 * per)) = $after)" || fail "events: $before -> $after"
[ "$(pg_psql conc artadmin -Atc "SELECT count(DISTINCT payload) FROM events WHERE type='note'")" -eq $((8 * per)) ] \
  && ok "every writer's every note present once" || fail "notes missing or doubled"
[ "$(pg_psql conc artadmin -Atc "SELECT max(seq) - count(*) FROM events")" -eq 0 ] && ok "seq contiguous" || fail "seq gap"
[ "$(pg_psql conc artadmin -Atc "SELECT count(*) FROM events a JOIN events b ON b.seq = a.seq + 1 WHERE b.prev_hash <> a.record_hash")" -eq 0 ] \
  && ok "no fork: each event links to the one before" || fail "chain forked"
check "concurrent chain verifies" "$CAT" --db "$UC" verify -q

# --- copy both ways; exports byte-identical ------------------------------------
# A SQLite catalogue with the same workflow, then into PostgreSQL and back.
export ART_CATALOG_DB="$T/lite.db"
"$CAT" --actor "Lab Admin" init -q --admin-key admin2.pem --passphrase-file pass
"$CAT" case add IR-2 -q --title "Copy test: ユーザー"
"$CAT" --actor "Bob Custodian" add -q --case IR-2 --item X1 --description "Café laptop" usb.raw
"$CAT" key request alice.pem --passphrase-file pass > alice2.req 2>/dev/null
"$CAT" --actor "Lab Admin" --key admin2.pem --passphrase-file pass key register alice2.req -q
"$CAT" "${S[@]}" event note --item X1 --note "ログ" -q
"$CAT" --actor "Bob Custodian" event transfer --item X1 --from "Bob Custodian" --to "Alice Examiner" -q
"$CAT" "${S[@]}" event receive --item X1 -q
"$CAT" checkpoint -q -o cp.txt
mkdb fromlite
check "copy SQLite -> PostgreSQL" "$CAT" copy "$T/lite.db" "$(pg_url fromlite)" -q
expect_rc 3 "copy into a catalogue refused" "$CAT" copy "$T/lite.db" "$(pg_url fromlite)"
check "copy PostgreSQL -> SQLite" "$CAT" copy "$(pg_url fromlite)" "$T/back.db" -q
for t in events checkpoints hashes items cases; do
  a=$(sqlite3 lite.db "SELECT count(*) FROM $t"); b=$(pg_psql fromlite artadmin -Atc "SELECT count(*) FROM $t")
  [ "$a" = "$b" ] && ok "$t: $a rows on both" || fail "$t: $a vs $b"
done
[ "$(sqlite3 lite.db "SELECT group_concat(seq || hex(record_hash) || coalesce(hex(signature), ''), ',') FROM events")" = \
  "$(pg_psql fromlite artadmin -Atc "SELECT string_agg(seq || upper(encode(record_hash, 'hex')) || coalesce(upper(encode(signature, 'hex')), ''), ',' ORDER BY seq) FROM events")" ] \
  && ok "every record hash and signature the same in PostgreSQL" || fail "chains differ"
cmp <(sqlite3 lite.db .dump | grep -v '^PRAGMA\|journal') <(sqlite3 back.db .dump | grep -v '^PRAGMA\|journal') >/dev/null \
  && ok "SQLite -> PostgreSQL -> SQLite: the same rows" || fail "round trip differs"
check "verify on PostgreSQL against the SQLite checkpoint" "$CAT" --db "$(pg_url fromlite)" verify -q --checkpoint cp.txt
check "verify on the round trip" "$CAT" --db back.db verify -q --checkpoint cp.txt
# Exports: each from a fresh twin, so both sides export the same chain; the
# export's own checkpoint time and export time are the only words allowed
# to differ (they are when the export was made).
mask() { sed -E 's/(exported_at[^0-9]*)[0-9]{4}-[0-9-]+T[0-9:.]+Z/\1T/g; s/(time: )[0-9]{4}-[0-9-]+T[0-9:.]+Z/\1T/g; s/(, exported )[0-9]{4}-[0-9-]+T[0-9:.]+Z/\1T/g' "$1"; }
n=0
for f in csv custody-csv json jsonl html case; do
  n=$((n + 1))
  cp lite.db "twin$n.db"
  mkdb "twin$n"
  "$CAT" copy "$T/lite.db" "$(pg_url twin$n)" -q
  "$CAT" --db "twin$n.db" export -f "$f" -o "lite.$f" -q
  "$CAT" --db "$(pg_url twin$n)" export -f "$f" -o "pgx.$f" -q
  if cmp -s <(mask "lite.$f") <(mask "pgx.$f"); then
    ok "export $f: identical on SQLite and PostgreSQL ($(wc -c < "lite.$f") bytes, export time aside)"
  else
    fail "export $f differs: $(diff <(mask "lite.$f") <(mask "pgx.$f") | head -n4)"
  fi
done

# --- the same operations on both stores give the same verdicts ---------------
for db in "$T/same.db" "$(pg_url same)"; do
  case $db in postgresql*) mkdb same ;; esac
  "$CAT" --db "$db" --actor "Lab Admin" init -q
  "$CAT" --db "$db" case add IR-3 -q
  "$CAT" --db "$db" add -q --case IR-3 --item Z1 --description z usb.raw
  "$CAT" --db "$db" event transfer --item Z1 --from "Alice Examiner" --to "Bob Custodian" -q
  rc=0; "$CAT" --db "$db" event dispose --item Z1 >/dev/null 2>&1 || rc=$?; echo "$rc" >> same.rc
  rc=0; "$CAT" --db "$db" --actor "Bob Custodian" event receive --item Z1 >/dev/null 2>&1 || rc=$?; echo "$rc" >> same.rc2
  "$CAT" --db "$db" verify >> same.verify 2>&1 || true
  "$CAT" --db "$db" list >> same.list
done
[ "$(sort -u same.rc | wc -l)" -eq 1 ] && [ "$(sort -u same.rc2 | wc -l)" -eq 1 ] && ok "same refusal on both ($(head -n1 same.rc))" || fail "refusals differ"
[ "$(sed -E 's/[0-9a-f-]{36}//g' same.verify | sort -u | wc -l)" -eq 1 ] && ok "same verify verdict on both" || fail "verdicts differ: $(cat same.verify)"
[ "$(sed -n 2p same.list)" = "$(sed -n 4p same.list)" ] && ok "same register on both" || fail "lists differ: $(cat same.list)"

finish
