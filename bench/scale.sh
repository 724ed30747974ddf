#!/usr/bin/env bash
# bench/scale.sh: shards and merge (issue 15). One art-hash process against 2
# shards run side by side on a 20,000-file tree and on 8 images (the ideal is
# the single run's time, as one process already uses both cores: the ratio is
# the sharding overhead), the balance of the shards by bytes, art-merge on
# 1 million records, and Slurm: submission to merged output for N = 4 on a
# throwaway single-node cluster against the same 4 shards and merge without
# Slurm (needs root, like tests/cli/test_slurm.sh; skipped otherwise).
# The catalogue part (PostgreSQL against SQLite: append rates with 1 and 8
# writers, unsigned and signed, verify time) is bench/scale_catalog.sh, run
# at the end. Usage: bench/scale.sh [BUILD_DIR] [scale_catalog.sh's args]
# (inputs are kept in $BENCH_DIR)
#   RECORDS=N   records for the merge benchmark (default 1000000; lower it
#               on a loaded machine: the figure printed says how many)
#   NO_SLURM=1  skip the Slurm part
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
B=$build/tools
H=$B/art-hash
M=$B/art-merge
dir=${BENCH_DIR:-/tmp/art-bench}
records=${RECORDS:-1000000}
mkdir -p "$dir"
for t in /usr/bin/time python3 jq parallel; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ -x "$H" ] && [ -x "$M" ] || { echo "build art-hash and art-merge first ($B)" >&2; exit 1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"

tree=$dir/tree
if [ ! -f "$tree/.complete" ]; then
  echo "making $tree (20,000 files of 1-64 KiB)"
  rm -rf "$tree"
  python3 - "$tree" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(42)
for d in range(100):
    for s in range(4):
        os.makedirs(f"{root}/d{d:03}/s{s}", exist_ok=True)
for i in range(20000):
    size = rnd.randint(1024, 65536)
    with open(f"{root}/d{i % 100:03}/s{(i // 100) % 4}/f{i:05}.bin", "wb") as f:
        f.write(os.urandom(size))
PY
  touch "$tree/.complete"
fi
imgs=$dir/images
if [ ! -f "$imgs/.complete" ]; then
  echo "making $imgs (8 raw images of 32-256 MiB)"
  mkdir -p "$imgs"
  for i in 1 2 3 4 5 6 7 8; do head -c $((i * 32 * 1048576)) /dev/urandom > "$imgs/img$i.raw"; done
  touch "$imgs/.complete"
fi
find "$tree" "$imgs" -type f -print0 | xargs -0 cat > /dev/null
w=$dir/scale
rm -rf "$w"
mkdir -p "$w"
cd "$w"

# timed LABEL CMD...: wall seconds and peak RSS (KiB), best of 3
timed() {
  local label=$1; shift
  local best="" rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o time.out "$@" > /dev/null 2> err.out || {
      echo "$label failed:" >&2; cat err.out >&2; exit 1; }
    read -r t m < <(tail -1 time.out)
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  LAST=$best LAST_RSS=$rss
  printf '%-52s %8.2f s %10d KiB\n' "$label" "$best" "$rss"
}
# Two shards side by side: wall time of the pair, peak RSS of either.
two_shards() { # ARGS...
  "$H" "$@" --shard 1/2 --manifest m1.json -o s1.out &
  local p=$!
  "$H" "$@" --shard 2/2 --manifest m2.json -o s2.out
  wait "$p"
}
export -f two_shards
export H
balance() {
  jq -rs '(map(.covered.bytes) | add / length) as $m
    | "  bytes per shard: " + (map(.covered.bytes | tostring) | join(" / "))
      + ", worst " + (map((.covered.bytes - $m) / $m * 100 | fabs) | max | tostring | .[0:5]) + "% from the mean"' m*.json
}
for what in tree images; do
  if [ "$what" = tree ]; then args=(-r "$tree"); else args=("$imgs"/img*.raw); fi
  echo "== art-hash on the $what (sha256 md5)"
  timed "one process, -o single" "$H" "${args[@]}" -o single.out
  one=$LAST
  timed "2 shards side by side (wall of the pair)" bash -c 'two_shards "$@"' _ "${args[@]}"
  two=$LAST
  balance
  timed "art-merge of the 2 shards" "$M" -o merged.out m1.json m2.json
  cmp -s <(grep -av '^## ' single.out) <(grep -av '^## ' merged.out) ||
    { echo "merged output differs from the single run" >&2; exit 1; }
  echo "  2 shards / one process: $(awk "BEGIN{printf \"%.2f\", $two / $one}") (1.00 = no sharding overhead)"
done

# --- merge of RECORDS records: shard outputs made here, in our formats ---------
echo "== art-merge on $records records (4 shards of hashdeep lines)"
[ "$records" -lt 1000000 ] && echo "  (scaled down from 1,000,000 by RECORDS=$records)"
python3 - "$records" "$($H --version | awk '{print $NF}')" <<'PY'
import hashlib, json, os, random, sys
n, version = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1)
names = [f"tree/d{i % 1000:03}/f{i:07}.bin" for i in range(n)]
plan = hashlib.sha256(b"".join(x.encode() + b"\0" for x in sorted(names))).hexdigest()
head = b"%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## Invoked from: /bench\n## # art-hash -r tree\n## \n"
expect = hashlib.sha256(head)
outs = []
for k in range(4):
    outs.append({"f": open(f"r{k+1}.out", "wb"), "i": open(f"r{k+1}.json.index", "w"),
                 "pos": len(head), "n": 0, "names": []})
    outs[k]["f"].write(head)
for i, name in enumerate(names):
    k = rnd.randrange(4)
    line = f"{1000 + i},{hashlib.md5(name.encode()).hexdigest()},{hashlib.sha256(name.encode()).hexdigest()},{name}\n".encode()
    o = outs[k]
    o["f"].write(line)
    o["i"].write(f"{i}\t{o['pos']}\t{len(line)}\t{1000 + i}\t{name}\n")
    o["pos"] += len(line); o["n"] += 1; o["names"].append(name)
    expect.update(line)
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""): h.update(b)
    return h.hexdigest()
for k, o in enumerate(outs):
    o["f"].close(); o["i"].close()
    m = {"format": "artifact-shard-manifest/1", "tool": "art-hash", "version": version,
         "options": ["-r"], "roots": ["tree"], "lists": [],
         "walk": {"recursive": True, "follow": False, "one_file_system": False, "max_depth": 0, "no_images": False},
         "shard": {"k": k + 1, "n": 4}, "assignment": "lpt(size+4096)",
         "plan": {"inputs": n, "bytes": 0, "sha256": plan},
         "covered": {"inputs": o["n"], "bytes": 0, "sha256": ""}, "vanished": 0, "unplanned": 0,
         "unplanned_names": [], "failures": 0, "exit_code": 0, "complete": True,
         "output": {"path": os.path.abspath(f"r{k+1}.out"), "bytes": o["pos"], "sha256": sha(f"r{k+1}.out"), "header_bytes": len(head)},
         "index": {"path": os.path.abspath(f"r{k+1}.json.index"), "sha256": sha(f"r{k+1}.json.index")},
         "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z", "host": "bench", "cwd": "/nonexistent"}
    json.dump(m, open(f"r{k+1}.json", "w"))
open("expect.sha256", "w").write(expect.hexdigest() + "\n")
PY
timed "art-merge, $records records, no coverage walk" "$M" --no-coverage -o merged-1m.out r1.json r2.json r3.json r4.json
[ "$(sha256sum < merged-1m.out | cut -d' ' -f1)" = "$(cat expect.sha256)" ] ||
  { echo "merged records are not in single-run order" >&2; exit 1; }
echo "  $(awk "BEGIN{printf \"%.0f\", $records / $LAST}") records/s, output $(stat -c %s merged-1m.out) bytes, order checked"

# --- Slurm: submission to merged output, N = 4 ---------------------------------
if [ -n "${NO_SLURM:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null; then
  echo "== Slurm: skipped (NO_SLURM set, not root, or slurm-wlm missing)"
  exit 0
fi
echo "== Slurm: art-hash -r tree, N = 4, submission to merged output"
S=$w/slurm
mkdir -p "$S/state" "$S/spool" "$S/log"
stop() { for f in slurmd slurmctld munged; do [ -s "$S/$f.pid" ] && kill "$(cat "$S/$f.pid")" 2>/dev/null || true; done; sleep 1; }
trap stop EXIT
mungekey -c -k "$S/munge.key" && chmod 600 "$S/munge.key"
munged -f --socket="$S/munge.sock" --key-file="$S/munge.key" --log-file="$S/log/munged.log" \
  --pid-file="$S/munged.pid" --seed-file="$S/munged.seed"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cat > "$S/slurm.conf" <<CONF
ClusterName=artbench
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=$(port)
SlurmdPort=$(port)
AuthType=auth/munge
AuthInfo=socket=$S/munge.sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
NodeName=artnode NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$(nproc) RealMemory=500 State=UNKNOWN
PartitionName=art Nodes=artnode Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$S/slurm.conf PATH=$B:$PATH
slurmctld -f "$SLURM_CONF" -i && slurmd -f "$SLURM_CONF" -N artnode
for _ in $(seq 1 60); do sinfo -h -o %t | grep -q idle && break; sleep 0.5; done
per=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))
best=
for rep in 1 2 3; do
  t0=$(date +%s.%N)
  "$root/contrib/slurm/submit.sh" -n 4 -t 4 -d "$w/sl$rep" -o "$w/sl$rep.out" -- art-hash -r "$tree" > /dev/null
  while [ ! -s "$w/sl$rep/merge.rc" ]; do sleep 0.2; done
  t=$(awk "BEGIN{print $(date +%s.%N) - $t0}")
  [ "$(cat "$w/sl$rep/merge.rc")" = 0 ] || { echo "Slurm merge failed" >&2; exit 1; }
  if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
done
printf '%-52s %8.2f s\n' "Slurm: submit.sh -n 4 to merged output (best of 3)" "$best"
timed "same 4 shards (parallel -j $per) and merge, no Slurm" bash -c \
  "parallel -j $per '$H' -r '$tree' --shard {}/4 --manifest p{}.json -o p{}.out ::: 1 2 3 4 && '$M' -o p.out p1.json p2.json p3.json p4.json"
echo "  Slurm overhead: $(awk "BEGIN{printf \"%.2f\", ($best - $LAST) / 5}") s per allocation (4 tasks + merge), ratio $(awk "BEGIN{printf \"%.2f\", $best / $LAST}")"
cmp -s <(grep -av '^## ' "$w/sl1.out") <(grep -av '^## ' p.out) || { echo "Slurm and direct merges differ" >&2; exit 1; }

echo
echo "== catalogue on PostgreSQL vs SQLite =="
"$root/bench/scale_catalog.sh" "$build" "${@:2}"
