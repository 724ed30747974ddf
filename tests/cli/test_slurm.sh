#!/usr/bin/env bash
# Slurm for real: a throwaway single-node cluster (munged, slurmctld, slurmd
# started here in a temp dir), contrib/slurm/submit.sh with N = 4 shards for
# art-hash over a list of images and art-surface/art-yara over a tree, the
# afterok merge, and the merged outputs equal to single runs byte for byte.
# SPDX-License-Identifier: Apache-2.0
source "$(dirname "$0")/lib.sh"
need munged mungekey munge slurmctld slurmd sbatch squeue sinfo scontrol sacct cmp
SUBMIT=$ART_SOURCE_DIR/contrib/slurm/submit.sh
export PATH=$ART_BIN:$PATH

skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "the Slurm daemons need root here (SlurmUser=root, slurmd runs jobs as their owner); run as root as CI does"

S=$T/slurm
mkdir -p "$S/state" "$S/spool" "$S/log"
chmod 700 "$S"
pids=()
stop_daemons() {
  for f in slurmd slurmctld munged; do
    [ -s "$S/$f.pid" ] && kill "$(cat "$S/$f.pid" 2>/dev/null)" 2>/dev/null || true
  done
  for f in slurmd slurmctld munged; do
    if [ -s "$S/$f.pid" ]; then
      p=$(cat "$S/$f.pid" 2>/dev/null) || continue
      for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$p" 2>/dev/null || true
    fi
  done
}
trap 'stop_daemons; cleanup' EXIT

# --- munge -------------------------------------------------------------------
mungekey -c -k "$S/munge.key" || skip "mungekey cannot create a key"
chmod 600 "$S/munge.key"
munged -f --socket="$S/munge.sock" --key-file="$S/munge.key" \
  --log-file="$S/log/munged.log" --pid-file="$S/munged.pid" \
  --seed-file="$S/munged.seed" ||
  skip "munged does not start: $(tail -3 "$S/log/munged.log" 2>/dev/null)"
munge -S "$S/munge.sock" -n | unmunge -S "$S/munge.sock" >/dev/null ||
  skip "munged started but does not answer on $S/munge.sock"

# --- slurm.conf for one node on localhost --------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(free_port) p2=$(free_port)
cat > "$S/slurm.conf" <<EOF
ClusterName=arttest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$p1
SlurmdPort=$p2
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
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Pending jobs are otherwise looked at on a 3 s tick (batch_sched_delay), so
# each of the ~20 tasks below waited up to 3 s for a free node: 65 s of idle
# test; with 0 the next task starts within about a second.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=artnode NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$(nproc) RealMemory=500 State=UNKNOWN
PartitionName=art Nodes=artnode Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$S/slurm.conf
slurmctld -f "$SLURM_CONF" -i ||
  skip "slurmctld does not start: $(tail -3 "$S/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N artnode ||
  skip "slurmd does not start: $(tail -3 "$S/log/slurmd.log" 2>/dev/null)"
up=0
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then up=1; break; fi
  sleep 0.5
done
[ "$up" -eq 1 ] || skip "the node never came up: $(sinfo 2>&1 | tail -2); $(tail -3 "$S/log/slurmd.log" 2>/dev/null)"
ok "single-node cluster up ($(sinfo -h -o '%P %t %N'))"

# wait_job ID: until the job has left the queue; then its state from sacct or
# scontrol (no accounting here: scontrol, kept by MinJobAge).
wait_job() {
  local id=$1 state=
  for _ in $(seq 1 600); do
    state=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
    case $state in PENDING | RUNNING | CONFIGURING | COMPLETING | "") sleep 0.5 ;; *) break ;; esac
  done
  echo "$state"
}

# --- inputs made here -------------------------------------------------------
cd "$T"
mkdir -p tree/a tree/b "tree/c d"
for i in $(seq 1 300); do head -c $(((i * 7919) % 40000)) /dev/urandom > "tree/a/f$i"; done
for i in $(seq 1 40); do printf 'x1 %s\n' "$i" > "tree/b/t$i.txt"; done
printf 'MZ x1' > "tree/c d/名前.exe"
for i in 1 2 3 4 5 6; do head -c $((i * 300000)) /dev/urandom > "img$i.raw"; done
ls "$T"/img*.raw > images.txt
printf 'rule has_x1 { strings: $a = "x1" condition: $a }\n' > x1.yar

run_case() { # NAME SINGLE-ARGS... : submit with N=4, wait, compare
  local name=$1; shift
  local tool=$1
  "$@" -o "single-$name" 2>/dev/null || true
  local ids
  ids=$("$SUBMIT" -n 4 -t 2 -d "$T/sh-$name" -o "$T/merged-$name" -- "$@")
  local array=${ids% *} merge=${ids#* }
  local st
  st=$(wait_job "$merge")
  check "$name: array job $array and afterok merge $merge ran (merge $st)" test "$st" = COMPLETED
  check "$name: 4 shard manifests" test "$(ls "$T/sh-$name"/shard-*.json | wc -l)" -eq 4
  local mrc
  mrc=$(cat "$T/sh-$name/merge.rc" 2>/dev/null || echo none)
  check "$name: merge exit 0 (got $mrc)" test "$mrc" = 0
  [ "$mrc" = 0 ] || tail -n 20 "$T/sh-$name"/*.log >&2
  if [ "$tool" = art-hash ]; then
    check "$name: merged = single run (but for the ## run lines)" \
      cmp -s <(grep -av '^## ' "single-$name") <(grep -av '^## ' "merged-$name")
  else
    check "$name: merged = single run, byte for byte" cmp -s "single-$name" "merged-$name"
  fi
}
run_case images art-hash -T "$T/images.txt"
run_case surface art-surface -r tree
# A private compiled-rules cache: other runs on this host share ~/.cache.
run_case yara art-yara --cache-dir "$T/yara-cache" -s -r x1.yar tree

# Batching without -n: at least 100 inputs per task -> 341 inputs, 4 tasks.
ids=$("$SUBMIT" -m 100 -b 1T -d "$T/sh-batch" -o "$T/merged-batch" -- art-hash -r tree 2> batch.err)
st=$(wait_job "${ids#* }")
check "batching: N chosen from the inputs ($(cat batch.err))" grep -q "341 inputs, .* bytes: 4 shards" batch.err
check "batching: 4 manifests, merge done ($st)" test "$(ls "$T/sh-batch"/shard-*.json | wc -l)" -eq 4 -a "$st" = COMPLETED
"$ART_BIN/art-hash" -r tree -o single-batch 2>/dev/null || true
check "batching: merged = single run" cmp -s <(grep -av '^## ' single-batch) <(grep -av '^## ' "$T/merged-batch")

# A failing shard (unreadable rules): afterok never starts the merge.
ids=$("$SUBMIT" -n 2 -d "$T/sh-bad" -o "$T/merged-bad" -- art-yara -r "$T/no-such.yar" tree)
st=$(wait_job "${ids#* }")
check "a failed array task keeps the merge from running ($st)" test "$st" != COMPLETED
check "no merged output after a failed shard" test ! -e "$T/merged-bad"

finish
