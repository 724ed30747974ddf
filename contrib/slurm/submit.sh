#!/bin/bash
# Submit a sharded art-* run to Slurm: an array job of N shards (at most T
# running at once) and a merge job that depends on it (afterok).
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
usage() {
  cat <<USAGE
Usage: submit.sh [-n N] [-t T] [-m MIN_FILES] [-b MIN_BYTES] [-p PARTITION]
                 -d OUTDIR -o MERGED -- TOOL [TOOL ARGUMENTS]...
  -n N          shards (default: from the inputs, see below; at most 1000)
  -t T          array throttle: at most T tasks at once (--array=1-N%T;
                default 8)
  -m MIN_FILES  without -n: at least this many inputs per task (default 500)
  -b MIN_BYTES  without -n: ... or at least this many bytes (default 4G)
  -p PARTITION  Slurm partition
  -d OUTDIR     shard outputs, manifests and logs (shared by all nodes)
  -o MERGED     the merged output
Examples:
  submit.sh -d /cases/c1/shards -o /cases/c1/images.hashdeep -- \\
      art-hash -T /cases/c1/images.txt
  submit.sh -n 16 -t 4 -d /scratch/s -o /cases/c1/surface.jsonl -- \\
      art-surface -r /evidence/share
Prints the array and merge job ids.
USAGE
}
n= t=8 min_files=500 min_bytes=4G part= out= merged=
while getopts n:t:m:b:p:d:o:h o; do
  case $o in
  n) n=$OPTARG ;;
  t) t=$OPTARG ;;
  m) min_files=$OPTARG ;;
  b) min_bytes=$OPTARG ;;
  p) part=$OPTARG ;;
  d) out=$OPTARG ;;
  o) merged=$OPTARG ;;
  h) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
if [ -z "$out" ] || [ -z "$merged" ] || [ $# -lt 1 ]; then
  usage >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Batching: without -n, N is chosen so that a task is never a handful of
# small files: each gets at least MIN_FILES inputs or MIN_BYTES bytes.
if [ -z "$n" ]; then
  files=0 bytes=0 prev=
  for a in "$@"; do
    if [ "$prev" = -T ] || [ "$prev" = --files-from ]; then
      while IFS= read -r f; do
        files=$((files + 1))
        bytes=$((bytes + $(stat -Lc %s -- "$f" 2>/dev/null || echo 0)))
      done < "$a"
    elif [ -e "$a" ] && [ "$prev" != -o ] && [ "$prev" != -R ]; then
      read -r c s < <(find "$a" -type f -printf '%s\n' 2>/dev/null |
        awk '{c++; s+=$1} END {print c+0, s+0}')
      files=$((files + c)) bytes=$((bytes + s))
    fi
    prev=$a
  done
  mb=$(numfmt --from=iec "$min_bytes")
  by_files=$(((files + min_files - 1) / min_files))
  by_bytes=$(((bytes + mb - 1) / mb))
  n=$((by_files > by_bytes ? by_files : by_bytes))
  [ "$n" -ge 1 ] || n=1
  [ "$n" -le 1000 ] || n=1000
  echo "submit.sh: $files inputs, $bytes bytes: $n shards" >&2
fi
opt=(--parsable --chdir="$PWD" --export=ALL)
[ -n "$part" ] && opt+=(--partition="$part")
array=$(sbatch "${opt[@]}" --array="1-$n%$t" \
  --output="$out/shard-%a.log" "$here/art-array.sbatch" "$out" "$@")
array=${array%%;*}
merge=$(sbatch "${opt[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/merge.log" "$here/art-merge.sbatch" "$out" "$n" "$merged")
merge=${merge%%;*}
echo "$array $merge"
