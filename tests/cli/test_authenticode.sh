# Authenticode dissector against osslsigncode: mingw-built PEs signed with a
# throwaway key and certificate (SHA-256 and SHA-1, one with an RFC 3161
# timestamp from a throwaway TSA), and the signature grafted onto another
# PE, which must say "digest mismatch" where osslsigncode verify reports a
# message digest mismatch; signer, issuer, serial, validity, timestamp as
# osslsigncode verify prints them.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq openssl osslsigncode x86_64-w64-mingw32-gcc /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache
cd "$T"
printf '#include <stdio.h>\nint main(void){puts("signed program");return 0;}\n' >a.c
printf '#include <stdio.h>\nint main(void){puts("another program");return 1;}\n' >b.c
x86_64-w64-mingw32-gcc -O2 -o a.exe a.c
x86_64-w64-mingw32-gcc -O2 -o b.exe b.c
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 \
  -subj "/CN=Throwaway Test Signer/O=artifact tests" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.pem -days 30 \
  -subj "/CN=Throwaway TSA" -addext "extendedKeyUsage=critical,timeStamping" 2>/dev/null
osslsigncode sign -certs c.pem -key k.pem -n test -in a.exe -out sha256.exe >/dev/null
osslsigncode sign -h sha1 -certs c.pem -key k.pem -in a.exe -out sha1.exe >/dev/null
osslsigncode sign -certs c.pem -key k.pem -TSA-certs tsa.pem -TSA-key tsa.key \
  -TSA-time 1767225600 -in a.exe -out ts.exe >/dev/null
# Graft sha256.exe's certificate table onto b.exe.
/usr/bin/python3 - <<'PY'
import struct
def secdir(b):
    pe = struct.unpack_from("<I", b, 0x3c)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", b, opt)[0]
    return opt + (112 if magic == 0x20b else 96) + 32
s = open("sha256.exe", "rb").read()
off, size = struct.unpack_from("<II", s, secdir(s))
blob = s[off:off + size]
b = bytearray(open("b.exe", "rb").read())
b += b"\0" * (-len(b) % 8)
struct.pack_into("<II", b, secdir(b), len(b), size)
open("grafted.exe", "wb").write(bytes(b) + blob)
PY

# osslsigncode verify's view, one line per file: digest algorithm, current
# and calculated digests, subject, issuer, serial, notBefore, notAfter,
# timestamp time (or -).
ref() {
  osslsigncode verify "$1" 2>/dev/null | awk -v f="$1" '
    /^Message digest algorithm  :/ { alg = $NF }
    /^Current message digest/ { cur = tolower($5) }
    /^Calculated message digest/ { calc = tolower($5) }
    /Subject:/ && !subj { sub(/^[ \t]*Subject: /, ""); subj = $0 }
    /Issuer :/ && !iss { sub(/^[ \t]*Issuer : /, ""); iss = $0 }
    /Serial :/ && !ser { ser = $NF }
    /notBefore :/ && !nb { sub(/^[ \t]*notBefore : /, ""); nb = $0 }
    /notAfter :/ && !na { sub(/^[ \t]*notAfter : /, ""); na = $0 }
    /Timestamp time:/ { sub(/^[ \t]*Timestamp time: /, ""); ts = $0 }
    END { print f "\t" alg "\t" cur "\t" calc "\t" subj "\t" iss "\t" ser "\t" nb "\t" na "\t" (ts ? ts : "-") }'
}
gmt() { [ "$1" = - ] && echo - || date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
for f in sha256.exe sha1.exe ts.exe grafted.exe; do
  IFS=$'\t' read -r n alg cur calc subj iss ser nb na ts <<<"$(ref "$f")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$alg" "$cur" "$calc" "$subj" "$iss" "$ser" \
    "$(gmt "$nb")" "$(gmt "$na")" "$(gmt "$ts")"
done >ref.tsv
"$S" --no-yara sha256.exe sha1.exe ts.exe grafted.exe a.exe >ours.jsonl
jq -r 'select(.authenticode != null) | .authenticode.signatures[0] as $s
  | [.path, $s.digest_algorithm, $s.signed_digest, $s.computed_digest, $s.signer.subject,
     $s.signer.issuer, $s.signer.serial, $s.signer.not_before, $s.signer.not_after,
     ($s.countersignature.time // "-")] | @tsv' ours.jsonl >ours.tsv
# On a mismatch osslsigncode stops after the digests: compare those there.
awk -F'\t' -v OFS='\t' '$1 == "grafted.exe" { $5 = $6 = $7 = $8 = $9 = $10 = "" } { print }' ours.tsv >ours.cmp
awk -F'\t' -v OFS='\t' '$1 == "grafted.exe" { $5 = $6 = $7 = $8 = $9 = $10 = "" } { print }' ref.tsv >ref.cmp
if diff ref.cmp ours.cmp >diff.txt; then
  ok "digests (signed and computed), signer, issuer, serial, validity, timestamp as osslsigncode verify (4 files)"
else
  fail "differs from osslsigncode verify:"; cat diff.txt >&2
fi
st() { jq -r "select(.path == \"$1\") | \"\(.authenticode.status) \(.flags | join(\",\"))\"" ours.jsonl; }
check "signed PE: digest match" test "$(st sha256.exe)" = "digest match authenticode_signed"
check "grafted signature: digest mismatch, flagged" \
  test "$(st grafted.exe)" = "digest mismatch authenticode_signed,authenticode_digest_mismatch"
check "osslsigncode agrees the graft mismatches" \
  bash -c "osslsigncode verify grafted.exe 2>&1 | grep -q 'MISMATCH'"
check "unsigned PE: no authenticode summary" test "$(jq -r 'select(.path == "a.exe") | .authenticode' ours.jsonl)" = null
check "RFC 3161 countersignature recognised" \
  test "$(jq -r 'select(.path == "ts.exe") | .authenticode.signatures[0].countersignature.type' ours.jsonl)" = rfc3161
# A certificate table pointing past the end of the file.
/usr/bin/python3 - <<'PY'
import struct
b = bytearray(open("sha256.exe", "rb").read())
pe = struct.unpack_from("<I", b, 0x3c)[0]
struct.pack_into("<I", b, pe + 24 + 112 + 32 + 4, 0x7fffffff)
open("bad.exe", "wb").write(b)
PY
expect_rc 0 "a certificate table past the end is examined" "$S" --no-yara -o bad.jsonl bad.exe
check "and reported as broken" \
  test "$(jq -r '.flags | index("authenticode_broken") != null' bad.jsonl):$(jq -r '.errors | length > 0' bad.jsonl)" = "true:true"
finish
