#!/usr/bin/env bash
# CLI tests of art-hashset: sets built from an NSRL-style SQLite database,
# hashdeep, sha256sum/md5sum output and lists; lookups checked against the
# digests the reference tools compute; damaged set files; exit codes.
# SPDX-License-Identifier: Apache-2.0
source "$(dirname "$0")/lib.sh"
need sqlite3 hashdeep md5sum sha1sum sha256sum
HS=$ART_BIN/art-hashset

# --- inputs made by the reference tools ---------------------------------------
mkdir -p "$T/files"
for i in 1 2 3 4 5; do head -c $((i * 1000)) /dev/urandom > "$T/files/f$i.bin"; done
printf 'not in any set\n' > "$T/other.txt"
(cd "$T/files" && hashdeep -c md5,sha256 f1.bin f2.bin f3.bin f4.bin > "$T/known.hashdeep")
(cd "$T/files" && sha256sum f1.bin f2.bin > "$T/known.sha256")
(cd "$T/files" && md5sum f3.bin > "$T/known.md5")
(cd "$T/files" && sha1sum f4.bin | cut -c1-40 > "$T/list.txt")

# An RDS v3-like database: METADATA and the FILE view, upper-case hex.
up() { tr a-f A-F; }
{
  echo "CREATE TABLE METADATA (package_id INTEGER, sha256 VARCHAR, sha1 VARCHAR, md5 VARCHAR, crc32 VARCHAR, file_name VARCHAR, file_size INTEGER, extension VARCHAR);"
  echo "CREATE VIEW FILE AS SELECT sha256, sha1, md5, file_name, file_size, package_id FROM METADATA;"
  for f in "$T"/files/f5.bin /etc/hostname; do
    echo "INSERT INTO METADATA VALUES (1, '$(sha256sum < "$f" | cut -c1-64 | up)', '$(sha1sum < "$f" | cut -c1-40 | up)', '$(md5sum < "$f" | cut -c1-32 | up)', NULL, 'x', 1, 'bin');"
  done
} | sqlite3 "$T/rds.db"

# --- build -------------------------------------------------------------------
expect_rc 0 "build a known set from NSRL" "$HS" -q build -n "RDS test" -k known -S "RDS fixture" -o "$T/nsrl.hset" "$T/rds.db"
expect_rc 0 "build a notable set from hashdeep, sums and a list" \
  "$HS" build -n bad -k notable -o "$T/bad.hset" "$T/known.hashdeep" "$T/known.sha256" "$T/known.md5" "$T/list.txt"
"$HS" info "$T/nsrl.hset" > "$T/info.txt"
check "info names the set" grep -qx 'name: RDS test' "$T/info.txt"
check "info gives the kind" grep -qx 'kind: known' "$T/info.txt"
check "info counts sha1" grep -qx 'sha1: 2' "$T/info.txt"
check "info gives the source" grep -qx 'source: RDS fixture' "$T/info.txt"
expect_rc 0 "verify a good set" "$HS" verify "$T/nsrl.hset" "$T/bad.hset"

# --- lookups against the reference digests ------------------------------------
for tool in md5sum sha1sum sha256sum; do
  for f in f1 f2 f3 f4 f5; do
    h=$($tool < "$T/files/$f.bin" | cut -d' ' -f1)
    line=$("$HS" lookup -s "$T/nsrl.hset" -s "$T/bad.hset" "$h" || true)
    case "$tool:$f" in
      *:f5) want="known	RDS test" ;;
      md5sum:f1 | md5sum:f2 | md5sum:f3 | md5sum:f4 | sha256sum:*) want="notable	bad" ;;
      sha1sum:f4) want="notable	bad" ;;
      *) want="unknown	" ;;
    esac
    if [ "$line" = "$h	$want" ]; then ok "$tool $f: $want"; else fail "$tool $f: got '$line', wanted '$h	$want'"; fi
  done
done
h=$(sha256sum < "$T/other.txt" | cut -d' ' -f1)
expect_rc 0 "a miss exits 0" "$HS" lookup -s "$T/nsrl.hset" "$h"
h5=$(md5sum < "$T/files/f5.bin" | cut -d' ' -f1 | up)
expect_rc 1 "a hit (upper-case hex) exits 1" "$HS" lookup -s "$T/nsrl.hset" "$h5"
printf '%s\n%s\n' "$h" "$h5" | "$HS" lookup --hits -s "$T/nsrl.hset" > "$T/hits.txt" || true
check "hashes from standard input, --hits prints hits only" test "$(wc -l < "$T/hits.txt")" -eq 1
expect_rc 3 "a malformed hash exits 3" "$HS" lookup -s "$T/nsrl.hset" nothex
"$HS" lookup -s "$T/nsrl.hset" nothex 2> "$T/err.txt" || true
check "the error names the input" grep -q '^art-hashset: nothex: not an MD5' "$T/err.txt"

# --- damaged set files ---------------------------------------------------------
head -c 100 "$T/nsrl.hset" > "$T/trunc.hset"
expect_rc 4 "a truncated set is refused" "$HS" lookup -s "$T/trunc.hset" "$h"
"$HS" info "$T/trunc.hset" 2> "$T/err.txt" || true
check "truncation is named" grep -q "trunc.hset: truncated hash set header" "$T/err.txt"
cp "$T/nsrl.hset" "$T/flip.hset"
printf 'X' | dd of="$T/flip.hset" bs=1 seek=40 conv=notrunc status=none
expect_rc 3 "a damaged header fails info" "$HS" info "$T/flip.hset"
"$HS" info "$T/flip.hset" 2> "$T/err.txt" || true
check "the checksum error is named" grep -q "flip.hset: hash set header checksum mismatch" "$T/err.txt"
expect_rc 3 "not a set" "$HS" info "$T/other.txt"

# --- usage and partial inputs ----------------------------------------------------
expect_rc 2 "no command" "$HS"
expect_rc 2 "build without a name" "$HS" build -o "$T/x.hset" "$T/list.txt"
expect_rc 2 "bad kind" "$HS" build -n x -k maybe -o "$T/x.hset" "$T/list.txt"
expect_rc 3 "a missing input is reported, the set still written" \
  "$HS" -q build -n x -o "$T/x.hset" "$T/list.txt" "$T/missing.txt"
check "the partial set exists" test -s "$T/x.hset"
expect_rc 3 "no usable input: no set" "$HS" -q build -n y -o "$T/y.hset" "$T/other.txt"
check "no set written" test ! -e "$T/y.hset"
expect_rc 0 "--help" "$HS" --help
expect_rc 0 "--version" "$HS" --version
finish
