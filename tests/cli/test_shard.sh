#!/usr/bin/env bash
# CLI tests of --shard/--manifest in art-hash, art-surface, art-yara and
# art-strings, and of art-merge: every input in exactly one shard (against
# find), balance, manifests (digests checked with sha256sum), merged output
# byte for byte equal to a single run, refusals, coverage, GNU parallel.
# SPDX-License-Identifier: Apache-2.0
source "$(dirname "$0")/lib.sh"
need find sort sha256sum jq parallel cmp hostname
H=$ART_BIN/art-hash
M=$ART_BIN/art-merge

# --- an awkward tree made here -----------------------------------------------
tree=$T/tree
mkdir -p "$tree/dir with spaces" "$tree/sub/deeper" "$tree/日本"
for i in $(seq 1 400); do
  head -c $(((i * 7919) % 60000)) /dev/urandom > "$tree/sub/f$i"
done
head -c 3000000 /dev/urandom > "$tree/sub/deeper/big.bin"
printf 'hello x1\n' > "$tree/dir with spaces/a file.txt"
printf 'nl x1' > "$tree/new
line.txt"
printf 'tab' > "$tree/tab	name"
printf 'inv' > "$tree/$(printf 'inv\xff\xfeutf8')"
printf 'jp x1' > "$tree/日本/テスト.txt"
: > "$tree/empty"
ln -s sub "$tree/link-to-sub"
mkfifo "$tree/fifo"
cd "$T"
mkdir bal
for i in $(seq 1 1500); do head -c $(((i * 104729) % 200000)) /dev/zero > "bal/$i"; done

# The inputs a run sees: every entry of the tree but directories (find).
find tree -mindepth 1 ! -type d -print0 | sort -z > all.lst

shards() { # TOOL N ARGS... : run shards 1..N of TOOL with ARGS into sK.out
  local tool=$1 n=$2; shift 2
  rm -f s*.out m*.json m*.json.index
  for k in $(seq 1 "$n"); do
    "$ART_BIN/$tool" "$@" --shard "$k/$n" --manifest "m$k.json" -o "s$k.out" || true
  done
}
manifests() { for k in $(seq 1 "$1"); do printf 'm%s.json ' "$k"; done; }
covered() { # names covered by shards 1..N, NUL-separated, sorted (from the index)
  for k in $(seq 1 "$1"); do cut -f5- "m$k.json.index"; done |
    python3 -c '
import sys
out = []
for line in sys.stdin.buffer.read().split(b"\n"):
    if not line: continue
    o = bytearray(); i = 0
    while i < len(line):
        c = line[i]
        if c == 0x5c:
            n = line[i+1]
            if n == 0x78: o.append(int(line[i+2:i+4], 16)); i += 4; continue
            o.append({0x5c: 0x5c, 0x74: 9, 0x6e: 10, 0x72: 13}[n]); i += 2; continue
        o.append(c); i += 1
    out.append(bytes(o))
sys.stdout.buffer.write(b"".join(x + b"\0" for x in out))' | sort -z
}

# --- membership: every input in exactly one shard, whatever N ----------------
"$H" -r tree -o single.txt 2>/dev/null || true
for n in 1 2 3 5; do
  shards art-hash "$n" -r tree
  covered "$n" > cov.lst
  check "art-hash N=$n: no input in two shards" \
    test -z "$(tr '\0' '\n' < cov.lst | sort | uniq -d)"
  check "art-hash N=$n: the shards cover exactly what find lists" cmp -s cov.lst all.lst
  # shellcheck disable=SC2046
  $M -o merged.txt $(manifests "$n") 2>merge.err || true
  check "art-hash N=$n: merged = single run but for the ## run lines" \
    cmp -s <(grep -av '^## ' single.txt) <(grep -av '^## ' merged.txt)
  check "art-hash N=$n: only the ## run lines differ" \
    test "$(diff <(grep -a '^##' single.txt) <(grep -a '^##' merged.txt) | grep -c '^[<>]')" -le 4
done

# --- every art-hash format, dfxml's closing tags included ---------------------
for f in sum jsonl csv dfxml; do
  "$H" -r -f "$f" bal -o "single.$f"
  shards art-hash 3 -r -f "$f" bal
  $M -o "merged.$f" $(manifests 3)
  check "art-hash -f $f: merged = single run" \
    cmp -s <(grep -av '^## \|<command_line>\|<start_time>\|<image_filename>' "single.$f") \
      <(grep -av '^## \|<command_line>\|<start_time>\|<image_filename>' "merged.$f")
done

# --- the manifest ------------------------------------------------------------
shards art-hash 3 -r -c sha1 tree
j=m2.json
check "manifest: tool" test "$(jq -r .tool $j)" = art-hash
check "manifest: version as --version says" \
  test "art-hash (artifact) $(jq -r .version $j)" = "$("$H" --version)"
check "manifest: K/N" test "$(jq -r '"\(.shard.k)/\(.shard.n)"' $j)" = 2/3
check "manifest: options that change results, not -o/--shard/--manifest" \
  test "$(jq -c .options $j)" = '["-r","-c","sha1"]'
check "manifest: roots" test "$(jq -c .roots $j)" = '["tree"]'
check "manifest: host" test "$(jq -r .host $j)" = "$(hostname)"
check "manifest: start and end in UTC" \
  bash -c "jq -r '.start, .end' $j | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' | grep -qx 2"
check "manifest: plan inputs = find's count" \
  test "$(jq -r .plan.inputs $j)" = "$(tr -cd '\0' < all.lst | wc -c)"
total=$(find tree -mindepth 1 ! -type d -printf '%s\n' | awk '{s+=$1} END {print s}')
check "manifest: plan bytes = find's sizes" test "$(jq -r .plan.bytes $j)" = "$total"
check "manifest: plan digest = sha256sum of the sorted NUL-ended names" \
  test "$(jq -r .plan.sha256 $j)" = "$(sha256sum < all.lst | cut -d' ' -f1)"
for k in 1 2 3; do
  covered_k=$(cut -f5- "m$k.json.index" | wc -l)
  check "manifest $k: covered inputs = index lines" test "$(jq -r .covered.inputs "m$k.json")" = "$covered_k"
done
cut -f5- m2.json.index > /dev/null
python3 - m2.json.index > cov2.lst <<'EOF'
import sys
names = []
for line in open(sys.argv[1], "rb").read().split(b"\n"):
    if not line: continue
    p = line.split(b"\t", 4)[4]
    o = bytearray(); i = 0
    while i < len(p):
        if p[i] == 0x5c:
            n = p[i+1]
            if n == 0x78: o.append(int(p[i+2:i+4], 16)); i += 4; continue
            o.append({0x5c: 0x5c, 0x74: 9, 0x6e: 10, 0x72: 13}[n]); i += 2; continue
        o.append(p[i]); i += 1
    names.append(bytes(o))
sys.stdout.buffer.write(b"".join(x + b"\0" for x in sorted(names)))
EOF
check "manifest: covered digest = sha256sum of the shard's sorted names" \
  test "$(jq -r .covered.sha256 m2.json)" = "$(sha256sum < cov2.lst | cut -d' ' -f1)"
check "manifest: output digest = sha256sum of the output" \
  test "$(jq -r .output.sha256 m2.json)" = "$(sha256sum < s2.out | cut -d' ' -f1)"
check "manifest: failures 0, complete" test "$(jq -r '"\(.failures) \(.complete)"' m2.json)" = "0 true"

# --- balance by bytes (10%) on a tree of many files --------------------------
for n in 2 4; do
  shards art-hash "$n" -r bal
  mean=$(jq -s 'map(.covered.bytes) | add / length' m*.json)
  worst=$(jq -s --argjson m "$mean" 'map((.covered.bytes - $m) / $m | fabs) | max' m*.json)
  check "balance N=$n: worst shard within 10% of the mean by bytes ($worst)" \
    awk -v w="$worst" 'BEGIN { exit !(w < 0.10) }'
done

# --- the other tools: merged output byte for byte ------------------------------
printf 'rule has_x1 { strings: $a = "x1" condition: $a }\n' > x1.yar
"$ART_BIN/art-surface" -r tree -o single.jsonl 2>/dev/null || true
shards art-surface 3 -r tree
$M -o merged.jsonl $(manifests 3) 2>/dev/null || true
check "art-surface: merged JSONL = single run, byte for byte" cmp -s single.jsonl merged.jsonl
"$ART_BIN/art-yara" --cache-dir "$T/ycache" -s -r x1.yar tree -o single.yara 2>/dev/null || true
shards art-yara 4 --cache-dir "$T/ycache" -s -r x1.yar tree
$M -o merged.yara $(manifests 4) 2>/dev/null || true
check "art-yara: merged = single run, byte for byte" cmp -s single.yara merged.yara
check "art-yara: some matches to merge" test -s single.yara
# Many nodes building the compiled-rules cache at once (a fresh shared dir).
rm -rf cache; rm -f s*.out m*.json
for k in 1 2 3 4; do
  "$ART_BIN/art-yara" -s -r --cache-dir cache x1.yar tree --shard "$k/4" --manifest "m$k.json" -o "s$k.out" &
done
wait
$M -o merged-cache.yara $(manifests 4) 2>/dev/null || true
check "art-yara: 4 shards building one cache at once merge to the single run" cmp -s single.yara merged-cache.yara
check "art-yara: the cache holds whole entries only (no temporary left)" \
  test -z "$(find cache -name '*.tmp*' -o -name '*.part*' 2>/dev/null)"
"$ART_BIN/art-strings" -r tree -o single.str 2>/dev/null || true
shards art-strings 2 -r tree
$M -o merged.str $(manifests 2) 2>/dev/null || true
check "art-strings: merged = single run, byte for byte" cmp -s single.str merged.str

# --- a -T list on standard input, and images named ---------------------------
find tree/sub -type f | sort > list.txt
"$H" -T list.txt -o single-list.txt
for k in 1 2 3; do "$H" -T - --shard "$k/3" --manifest "m$k.json" -o "s$k.out" < list.txt; done
$M -o merged-list.txt m1.json m2.json m3.json
check "-T - (stdin) in 3 shards merges to the -T file run" \
  cmp -s <(grep -av '^## ' single-list.txt) <(grep -av '^## ' merged-list.txt)
check "manifest names the list" test "$(jq -c .lists m1.json)" = '["-"]'
truncate -s 3M img1.raw img2.raw; head -c 1000000 /dev/urandom | dd of=img2.raw conv=notrunc 2>/dev/null
head -c 500000 /dev/urandom > img3.raw
"$H" img1.raw img2.raw img3.raw -o single-img.txt
shards art-hash 2 img1.raw img2.raw img3.raw
$M -o merged-img.txt m1.json m2.json
check "images named: 2 shards merge to the single run" \
  cmp -s <(grep -av '^## ' single-img.txt) <(grep -av '^## ' merged-img.txt)
check "images named: 3 MB images in different shards" \
  test "$(cut -f5 m1.json.index)" != "$(cut -f5 m2.json.index)"

# --- refusals ----------------------------------------------------------------
shards art-hash 3 -r tree
expect_rc 4 "missing shard refused" $M -o r.txt m1.json m3.json
check "missing shard named" grep -q "missing shard: 2/3" <($M m1.json m3.json 2>&1 >/dev/null)
check "nothing written for a refused set" test ! -e r.txt
expect_rc 4 "duplicated shard refused" $M m1.json m2.json m2.json m3.json
check "duplicated shard named" grep -q "duplicated shard: 2/3" <($M m1.json m2.json m2.json m3.json 2>&1 >/dev/null)
"$H" -r -c md5 tree --shard 2/3 --manifest f2.json -o f2.out
check "foreign shard (other options) named" \
  grep -q 'f2.json: foreign shard: its options \["-r","-c","md5"\]' <($M m1.json f2.json m3.json 2>&1 >/dev/null)
expect_rc 4 "foreign shard refused" $M m1.json f2.json m3.json
jq '.version = "0.0.9"' m2.json > v2.json
check "foreign shard (other version) named" \
  grep -q 'v2.json: foreign shard: its version "0.0.9"' <($M m1.json v2.json m3.json 2>&1 >/dev/null)
jq '.plan.order_sha256 = "0000"' m2.json > o2.json
check "shards that ordered the inputs differently refused" \
  grep -q 'o2.json: foreign shard: it saw other inputs' <($M m1.json o2.json m3.json 2>&1 >/dev/null)
"$H" -r tree --shard 2/4 --manifest n2.json -o n2.out
check "shard of another N named" grep -q "belongs to a set of 4" <($M m1.json n2.json m3.json 2>&1 >/dev/null)
cp s2.out s2.bak; printf 'x' >> s2.out
check "altered shard output named" grep -q "s2.out changed since the shard wrote it" <($M m1.json m2.json m3.json 2>&1 >/dev/null)
cp s2.bak s2.out
jq '.output.header_bytes = 99999999' m2.json > h2.json
check "a manifest with impossible offsets refused" \
  grep -q "h2.json: damaged manifest or index" <($M m1.json h2.json m3.json 2>&1 >/dev/null)
jq '.shard.k = "two"' m2.json > d2.json
check "a damaged manifest named" grep -q "d2.json: damaged manifest" <($M m1.json d2.json m3.json 2>&1 >/dev/null)
check "not a manifest named" grep -q "s1.out: not a shard manifest" <($M s1.out m2.json m3.json 2>&1 >/dev/null)
# --audit ends with a summary over all inputs: refused, never half-merged.
"$H" -r bal -o known.txt
for k in 1 2; do "$H" --audit known.txt -r bal --shard "$k/2" --manifest "au$k.json" -o "au$k.out" || true; done
check "--audit shards refused: their summaries cannot be merged" \
  grep -q "ends differently" <($M au1.json au2.json 2>&1 >/dev/null)
# A shard that saw another tree (a file added between shards).
printf 'late' > tree/late
"$H" -r tree --shard 2/3 --manifest l2.json -o l2.out
check "shards that saw different inputs refused" \
  grep -q "l2.json: foreign shard: it saw other inputs" <($M m1.json l2.json m3.json 2>&1 >/dev/null)

# --- coverage: a file added since, a file gone -------------------------------
expect_rc 1 "coverage: a file added since the shards ran" $M -o c.txt m1.json m2.json m3.json
check "coverage: the added file named" grep -q "tree/late: in no shard" <($M -o c.txt m1.json m2.json m3.json 2>&1)
check "coverage: the merge is still written" cmp -s <(grep -av '^## ' c.txt) <(grep -av '^## ' merged.txt)
rm tree/late
mv "tree/sub/f7" f7.moved
check "coverage: a vanished file named" grep -q "tree/sub/f7: covered by a shard but gone now" <($M -o c.txt m1.json m2.json m3.json 2>&1)
expect_rc 0 "no coverage walk with --no-coverage" $M --no-coverage -o c.txt m1.json m2.json m3.json
mv f7.moved tree/sub/f7

# --- usage errors ------------------------------------------------------------
expect_rc 2 "--shard 0/2 is a usage error" "$H" --shard 0/2 tree
expect_rc 2 "--shard 3/2 is a usage error" "$H" --shard 3/2 tree
expect_rc 2 "--shard auto without Slurm or Kubernetes" env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX "$H" --shard auto tree
expect_rc 4 "--shard on standard input's bytes refused" "$H" --shard 1/2 - < /dev/null
expect_rc 4 "--manifest with output to a pipe refused" bash -c "set -o pipefail; '$H' -r tree --shard 1/2 --manifest p.json | cat >/dev/null"
check "--manifest to a pipe: says why" grep -q "needs the output in a regular file" <("$H" -r tree --shard 1/2 --manifest p.json 2>&1 | cat)

# --- --shard auto from Slurm's and Kubernetes' variables ---------------------
for id in 0 1; do
  SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=2 \
    "$H" -r tree --shard auto --manifest "a$id.json" -o "a$id.out"
done
check "Slurm array 0-1: shards 1/2 and 2/2" test "$(jq -r '.shard.k' a0.json a1.json | tr '\n' ' ')" = "1 2 "
$M -o auto.txt a0.json a1.json
check "Slurm auto shards merge to the single run" cmp -s <(grep -av '^## ' single.txt) <(grep -av '^## ' auto.txt)
JOB_COMPLETION_INDEX=1 "$H" -r tree --shard auto/2 --manifest k1.json -o k1.out
check "Kubernetes index 1 of 2 is shard 2/2, same part as Slurm's" cmp -s <(grep -av '^## ' k1.out) <(grep -av '^## ' a1.out)

# --- GNU parallel, as docs/scale-out.md shows --------------------------------
rm -f p*.json p*.out
parallel -j 2 "$H" -r tree --shard {}/4 --manifest p{}.json -o p{}.out ::: 1 2 3 4
$M -o par.txt p1.json p2.json p3.json p4.json
check "GNU parallel, 4 shards: merged = single run" cmp -s <(grep -av '^## ' single.txt) <(grep -av '^## ' par.txt)

finish
