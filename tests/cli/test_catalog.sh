#!/usr/bin/env bash
# CLI test of art-catalog: a whole case from registration through transfers,
# verification and every export, checked against md5sum/sha256sum,
# ewfacquire's stored hashes, openssl (signatures), an independent Python
# re-verifier, headless Chromium (HTML to PDF) and pyld (CASE JSON-LD);
# tampering with sqlite3, bad input, concurrent appenders.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need sqlite3 ewfacquire chromium openssl md5sum sha1sum sha256sum /usr/bin/python3
/usr/bin/python3 -c 'import pyld' || { echo "missing python3-pyld" >&2; exit 1; }

CAT="$ART_BIN/art-catalog"
DATA="$ART_SOURCE_DIR/tests/data/catalog"
export ART_CATALOG="$T/evidence.db" ART_ACTOR="Alice Examiner"
unset ART_KEY ART_KEY_PASSPHRASE
cd "$T"

events() { sqlite3 "${1:-$ART_CATALOG}" "SELECT count(*) FROM events"; }
field() { sqlite3 "$ART_CATALOG" "$1"; }
# out_of COMMAND...: its stdout and stderr, whatever its exit code
out_of() { "$@" 2>&1 || true; }

# --- registration -----------------------------------------------------------
echo "correct horse" > pass
check "init with an administrator key" "$CAT" --actor "Lab Admin" init -q --admin-key admin.pem --passphrase-file pass
grep -q "BEGIN ENCRYPTED PRIVATE KEY" admin.pem && ok "administrator key made, encrypted" || fail "admin key"
check "case add" "$CAT" case add IR-1 --title "Exfiltration from HOST01"
head -c 524288 /dev/urandom > usb.raw
cp usb.raw usb.copy
check "register a file" "$CAT" add -q --case IR-1 --item E001 \
  --description "USB stick, blue" --kind media --make Kingston \
  --serial-number KS-42 --found-location "Desk drawer" --owner "J. Doe" usb.raw
md5=$(md5sum usb.raw | cut -d' ' -f1)
sha=$(sha256sum usb.raw | cut -d' ' -f1)
[ "$(field "SELECT value FROM hashes WHERE algorithm='md5' AND origin='computed'")" = "$md5" ] \
  && ok "md5 matches md5sum" || fail "md5 differs from md5sum"
[ "$(field "SELECT value FROM hashes WHERE algorithm='sha256' AND origin='computed'")" = "$sha" ] \
  && ok "sha256 matches sha256sum" || fail "sha256 differs from sha256sum"
[ "$(field "SELECT size_bytes FROM items WHERE item_number='E001'")" = 524288 ] \
  && ok "size filled in" || fail "size"
[ "$(field "SELECT group_concat(type) FROM events WHERE item_number='E001'")" = register,acquire ] \
  && ok "registration and acquisition recorded as events" || fail "register/acquire events"

# An E01 made here by ewfacquire: its stored hashes and header values.
head -c 1048576 /dev/urandom > disk.raw
ewfacquire -u -q -t disk -c none -S 1.4GiB -d sha1 -e "Eve Imager" -C IR-1 \
  -D "HOST01 internal disk" -E E002 -N "behind write blocker" -f encase6 disk.raw >/dev/null 2>&1
check "ewfacquire made an image" test -s disk.E01
check "register the E01" "$CAT" add -q --case IR-1 --item E002 --parent-item E001 \
  --derivation image --write-blocker "Tableau T8u" disk.E01
[ "$(field "SELECT value FROM hashes WHERE algorithm='md5' AND origin='imported'")" = "$(md5sum disk.raw | cut -d' ' -f1)" ] \
  && ok "E01 stored md5 imported" || fail "E01 stored md5"
[ "$(field "SELECT value FROM hashes WHERE algorithm='sha1' AND origin='computed' AND item_id=2")" = "$(sha1sum disk.raw | cut -d' ' -f1)" ] \
  && ok "E01 media sha1 computed" || fail "E01 media sha1"
[ "$(field "SELECT status FROM hashes WHERE origin='imported' AND algorithm='sha1'")" = match ] \
  && ok "stored and computed hashes agree" || fail "stored vs computed"
[ "$(field "SELECT acquired_by || '|' || description FROM items WHERE item_number='E002'")" = "Eve Imager|HOST01 internal disk" ] \
  && ok "E01 header values imported" || fail "E01 header values"
check "declared hash" "$CAT" add -q --case IR-1 --item E003 --description "Cloud export" \
  --hash "sha256:$sha"

# --- keys and custody ---------------------------------------------------------
check "key generate" "$CAT" key generate alice.pem --passphrase-file pass -q
grep -q "BEGIN ENCRYPTED PRIVATE KEY" alice.pem && ok "private key encrypted" || fail "key not encrypted"
check "key request (proof of possession)" "$CAT" key request alice.pem --passphrase-file pass -o alice.req
A=(--actor "Lab Admin" --key admin.pem --passphrase-file pass)
expect_rc 3 "registration without the administrator key refused" "$CAT" key register alice.req
check "key register by the administrator" "$CAT" "${A[@]}" key register alice.req -q
# Mallory registers a key in Bob's name: refused without the admin key.
check "key generate (mallory)" "$CAT" key generate evil.pem --passphrase-file pass -q
"$CAT" --actor "Bob Custodian" key request evil.pem --passphrase-file pass -o evil.req
expect_rc 3 "a key in someone else's name without the admin key: refused" \
  "$CAT" --actor "Bob Custodian" --key alice.pem --passphrase-file pass key register evil.req
kid=$(field "SELECT json_extract(payload, '\$.key_id') FROM events WHERE type='key_register'")
expect_rc 3 "revoking Alice's key with another key: refused" \
  "$CAT" --actor "Bob Custodian" key revoke "$kid"
# The passphrase from the file ART_KEY_PASSPHRASE_FILE names.
ART_KEY_PASSPHRASE_FILE="$T/pass" check "ART_KEY_PASSPHRASE_FILE" "$CAT" --key alice.pem event note --item E003 --note "via env file" -q
S=(--key alice.pem --passphrase-file pass)
check "transfer (signed)" "$CAT" "${S[@]}" event transfer --item E001 --from "Alice Examiner" \
  --to "Bob Custodian" --purpose "secure storage" --location "Locker 3" -q
check "seal" "$CAT" "${S[@]}" event seal --item E001 --seal SEAL-0042 -q
check "check-out" "$CAT" --actor "Bob Custodian" event check-out --item E001 --to "Carol Analyst" \
  --purpose "imaging" -q
check "check-in" "$CAT" --actor "Bob Custodian" event check-in --item E001 --location "Locker 3" -q
check "amend" "$CAT" event amend --item E001 --set condition=scratched -q
check "move" "$CAT" event move --item E002 --location "Server room" -q
expect_rc 2 "event without actor: usage error" env -u ART_ACTOR "$CAT" event note --item E001 --note x
expect_rc 3 "signing as another examiner refused" "$CAT" "${S[@]}" --actor "Bob Custodian" event note --item E001
"$CAT" show E001 > show.txt
grep -q "State: in_custody, custodian Bob Custodian, location Locker 3, sealed" show.txt \
  && ok "current state derived from events" || fail "state: $(grep State show.txt)"
grep -q "released by Alice Examiner  received by Bob Custodian" show.txt && ok "show lists the transfer" || fail "show transfer"
"$CAT" list > list.txt
[ "$(grep -c '^IR-1' list.txt)" = 3 ] && ok "list shows 3 items" || fail "list"
"$CAT" show --json E002 | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["state"]["location"]=="Server room"' \
  && ok "show --json" || fail "show --json"

# A signature checked by openssl alone: the message is the tag and the record hash.
row=$(field "SELECT hex(record_hash) || ' ' || hex(signature) FROM events WHERE type='transfer'")
unhex() { /usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
{ printf 'LART-CUSTODY-V1 signature\0'; unhex "${row% *}"; } > msg.bin
unhex "${row#* }" > sig.bin
check "openssl verifies an event signature" openssl pkeyutl -verify -pubin -inkey alice.pem.pub \
  -rawin -in msg.bin -sigfile sig.bin

# --- verify and checkpoints ---------------------------------------------------
expect_rc 0 "verify passes" "$CAT" verify
"$CAT" verify --json > v.json
grep -q '"result": "PASS"' v.json && ok "verify --json" || fail "verify --json"
check "signed checkpoint" "$CAT" "${S[@]}" checkpoint -o cp1.txt
grep -q '^signature: ' cp1.txt && ok "checkpoint signed" || fail "checkpoint unsigned"

# --- exports ------------------------------------------------------------------
for f in csv custody-csv json jsonl html case; do
  check "export $f" "$CAT" "${S[@]}" export -f "$f" -o "reg.$f" -q
  want=$(sha256sum "reg.$f" | cut -d' ' -f1)
  got=$(field "SELECT json_extract(payload, '\$.sha256') FROM events WHERE type='export' ORDER BY seq DESC LIMIT 1")
  [ "$want" = "$got" ] && ok "export $f recorded with its sha256" || fail "export $f sha256 $got != $want"
  expect_rc 0 "verify against the $f export's checkpoint" "$CAT" verify --checkpoint "reg.$f"
done
grep -q '^art-catalog checkpoint v1,' reg.csv && ok "csv footer holds the checkpoint" || fail "csv footer"
check "json re-verified without libartifact" /usr/bin/python3 "$DATA/reverify.py" reg.json
check "jsonl re-verified without libartifact" /usr/bin/python3 "$DATA/reverify.py" reg.jsonl
/usr/bin/python3 - reg.json forged.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
t = [e for e in doc["events"] if e["type"] == "transfer"][0]
t["purpose"] = "personal use"
json.dump(doc, open(sys.argv[2], "w"))
EOF
expect_rc 1 "the reference verifier catches an edited export" /usr/bin/python3 "$DATA/reverify.py" forged.json
/usr/bin/python3 - reg.csv <<'EOF' && ok "csv is RFC 4180 (python csv, strict)" || fail "csv parse"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline=""), strict=True))
assert rows[0][:3] == ["case", "case_title", "item_number"], rows[0]
assert len({len(r) for r in rows}) == 1
assert [r[2] for r in rows[1:4]] == ["E001", "E002", "E003"]
assert rows[1][1] == "Exfiltration from HOST01", rows[1][1]
keys = [r for r in rows if r[0] == "key"]
assert {k[3] for k in keys} == {"administrator", "examiner"}, keys
assert all(len(k[4]) == 64 for k in keys)
EOF

# The HTML register in headless Chromium, printed to PDF.
mkdir chr
rc=0
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$T/chr" --print-to-pdf="$T/reg.pdf" "file://$T/reg.html" 2> chromium.err || rc=$?
[ $rc -eq 0 ] && ok "chromium printed the register" || fail "chromium exit $rc"
head -c 5 reg.pdf | grep -q '%PDF-' && ok "PDF written" || fail "no PDF"
pages=$(grep -ac '/Type /Page\b' reg.pdf || true)
[ "$pages" -ge 3 ] && ok "PDF has $pages pages (one per item)" || fail "PDF pages: $pages"
if grep -v -e 'dbus' -e 'bus.cc' -e 'unexpected operator' chromium.err | grep -qi 'error'; then
  fail "chromium reported errors: $(grep -i error chromium.err | grep -v bus.cc | head -3)"
else ok "chromium rendered without errors"; fi

# The CASE export as JSON-LD: expanded and turned into RDF by pyld.
/usr/bin/python3 - reg.case <<'EOF' && ok "CASE JSON-LD parsed, classes and properties present" || fail "CASE JSON-LD"
import json, sys
from pyld import jsonld
doc = json.load(open(sys.argv[1]))
nodes = jsonld.expand(doc)
CI = "https://ontology.caseontology.org/case/investigation/"
UCO = "https://ontology.unifiedcyberontology.org/uco/"
types = {}
for n in nodes:
    assert n["@id"].startswith("urn:"), n["@id"]   # no blank nodes
    for t in n.get("@type", []):
        types.setdefault(t, []).append(n)
for cls in [CI + "Investigation", CI + "InvestigativeAction", CI + "ProvenanceRecord",
            UCO + "observable/File", UCO + "identity/Person", UCO + "location/Location",
            UCO + "core/Annotation"]:
    assert cls in types, "missing class " + cls
for a in types[CI + "InvestigativeAction"]:
    for p in ["action/performer", "action/object", "action/result", "action/startTime"]:
        assert UCO + p in a, "action lacks " + p
transfer = [a for a in types[CI + "InvestigativeAction"]
            if a[UCO + "core/name"][0]["@value"] == "transfer"][0]
assert UCO + "action/location" in transfer and UCO + "action/participant" in transfer
for r in types[CI + "ProvenanceRecord"]:
    assert CI + "exhibitNumber" in r and CI + "rootExhibitNumber" in r
hashes = [h for f in types[UCO + "observable/File"] for facet in f[UCO + "core/hasFacet"]
          for h in facet.get(UCO + "observable/hash", [])]
assert hashes, "no hashes"
nq = jsonld.to_rdf(doc, {"format": "application/n-quads"})
assert "http://www.w3.org/2001/XMLSchema#hexBinary" in nq
EOF

# --- tampering behind the tool's back ----------------------------------------
n=$(events)
cp evidence.db t1.db
sqlite3 t1.db "DROP TRIGGER events_no_update; UPDATE events SET purpose='personal use' WHERE type='transfer'"
expect_rc 1 "byte changed with sqlite3: caught" "$CAT" --db t1.db verify
out_of "$CAT" --db t1.db verify | grep -q '^FAIL: modified' && ok "class: modified" || fail "class for modified"
cp evidence.db t2.db
sqlite3 t2.db "DROP TRIGGER events_no_delete; DELETE FROM events WHERE type='seal'"
expect_rc 1 "trigger dropped and event deleted: caught" "$CAT" --db t2.db verify
out_of "$CAT" --db t2.db verify | grep -q '^FAIL: missing' && ok "class: missing" || fail "class for missing"
cp evidence.db t3.db
sqlite3 t3.db "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq > $((n - 3));
               DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints"
expect_rc 0 "truncation alone passes the chain check" "$CAT" --db t3.db verify -q
expect_rc 1 "truncation caught against an earlier export" "$CAT" --db t3.db verify --checkpoint reg.case
out_of "$CAT" --db t3.db verify --checkpoint reg.case | grep -q '^FAIL: truncated' && ok "class: truncated" || fail "class for truncated"
check "recursive triggers stop INSERT OR REPLACE in the library's own schema" \
  bash -c "! sqlite3 -cmd 'PRAGMA recursive_triggers=ON' evidence.db \"INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq=1\" 2>/dev/null"

# --- rehash -------------------------------------------------------------------
expect_rc 0 "verify --rehash on unchanged evidence" "$CAT" verify --rehash -q
printf 'X' | dd of=usb.raw bs=1 seek=1000 conv=notrunc status=none
expect_rc 1 "verify --rehash flags changed evidence" "$CAT" verify --rehash
[ "$(field "SELECT count(*) FROM hashes WHERE origin='computed' AND algorithm='sha256' AND value='$sha'")" = 1 ] \
  && ok "original hash kept" || fail "original hash lost"
[ "$(field "SELECT count(*) FROM hashes WHERE origin='verify' AND status='mismatch'")" -ge 1 ] \
  && ok "mismatch recorded next to it" || fail "mismatch not recorded"
cp usb.copy usb.raw

# --- bad input ----------------------------------------------------------------
n=$(events)
expect_rc 3 "unknown case" "$CAT" add --case NOPE --item X1 usb.raw
expect_rc 3 "duplicate item number" "$CAT" add --case IR-1 --item E001 usb.raw
expect_rc 3 "missing file" "$CAT" add --case IR-1 --item E009 no-such-file.bin
out_of "$CAT" add --case IR-1 --item E009 no-such-file.bin | grep -q '^art-catalog: .*no-such-file.bin: ' \
  && ok "message names the missing input" || fail "missing-file message"
head -c 4096 disk.E01 > broken.E01
# (libewf's own leak on a failed chunk read is suppressed for the whole ASan
# run by tests/lsan.supp; leak checking stays on for our code.)
expect_rc 3 "unreadable image" "$CAT" add --case IR-1 --item E010 broken.E01
expect_rc 3 "unknown item" "$CAT" event note --item E404
[ "$(events)" = "$n" ] && ok "nothing half-written" || fail "events written by failed commands"
echo "not a database" > notdb.db
expect_rc 4 "not a catalogue" "$CAT" --db notdb.db list
out_of "$CAT" --db notdb.db list | grep -q 'notdb.db: not an evidence catalogue' \
  && ok "not-a-catalogue message" || fail "not-a-catalogue message"
sqlite3 other.db "CREATE TABLE t(x)"
expect_rc 4 "a SQLite file of another application" "$CAT" --db other.db list
cp evidence.db newer.db; sqlite3 newer.db "PRAGMA user_version=7"
expect_rc 4 "newer schema version" "$CAT" --db newer.db list
out_of "$CAT" --db newer.db list | grep -q 'newer' && ok "newer schema named" || fail "newer schema message"
expect_rc 2 "unknown command" "$CAT" frobnicate

# --- concurrent appenders -----------------------------------------------------
"$CAT" --db conc.db init -q && "$CAT" --db conc.db case add C -q && "$CAT" --db conc.db add --case C --item I -q
for p in 1 2 3 4; do
  (for i in $(seq 25); do "$CAT" --db conc.db --actor "w$p" event note --item I --note "$p/$i" -q || echo FAIL; done) > "conc.$p" &
done
wait
! grep -q FAIL conc.* && ok "every concurrent append succeeded" || fail "concurrent append failed"
[ "$(sqlite3 conc.db 'SELECT count(*) || "," || min(seq) || "," || max(seq) FROM events')" = "102,1,102" ] \
  && ok "102 contiguous events" || fail "events not contiguous"
expect_rc 0 "concurrent chain verifies" "$CAT" --db conc.db verify

finish
