#!/usr/bin/env bash
# Golden files for the Windows artifact tests, made by the libyal reference
# tools (evtxexport, evtexport, regfexport + pyregf, sccainfo, lnkinfo) on the plaso
# test data in ../shared/corpora/plaso. Never from our own output.
# SPDX-License-Identifier: Apache-2.0
# Usage: tests/data/windows/make-goldens.sh [CORPUS_DIR]
set -euo pipefail
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
C=${1:-$here/../../../../shared/corpora/plaso}
PY=/usr/bin/python3 # Debian's python3 with python3-libregf

# evtxexport: record number, event identifier, written time (ns)
evtxexport "$C/evtx/System2.evtx" 2>/dev/null | $PY -c '
import sys, datetime
n = eid = None
for line in sys.stdin:
    k, _, v = line.partition(":")
    k = k.strip(); v = v.strip()
    if k == "Event number": n = v
    elif k == "Written time":
        d, frac = v.replace(" UTC", "").rsplit(".", 1)
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        wt = int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])
    elif k == "Event identifier":
        eid = v.split("(")[1].rstrip(")")
        print("%s\t%s\t%d" % (n, eid, wt))
' >"$here/evtx-System2.tsv"

# regfexport: every key path; pyregf (libregf): its last-written FILETIME
regfexport "$C/NTUSER.DAT" 2>/dev/null | sed -n 's/^Key path: //p' >"$here/regf-keys.txt"
$PY - "$C/NTUSER.DAT" "$here/regf-keys.txt" >"$here/regf-NTUSER.tsv" <<'PYEOF'
import sys, pyregf
f = pyregf.file(); f.open(sys.argv[1])
root = f.get_root_key()
for path in open(sys.argv[2], encoding="utf-8"):
    path = path.rstrip("\n")
    rel = path.split("\\", 1)[1] if "\\" in path else ""
    k = f.get_key_by_path(rel) if rel else root
    print("\\%s\t%d" % (rel, k.get_last_written_time_as_integer()))
PYEOF
rm -f "$here/regf-keys.txt"

# sccainfo: executable, run count, last run time (ns). sccainfo 20200717
# refuses Windows 11's version 31 by its number alone (the layout is
# version 30's): such a file is decompressed by libfwnt (through ctypes),
# its version field set to 30, and that copy given to sccainfo.
v31() {
  $PY - "$1" "$2" <<'PYEOF'
import ctypes, struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] != b"MAM\x04":
    sys.exit(1)
size = struct.unpack_from("<I", d, 4)[0]
out = ctypes.create_string_buffer(size)
n = ctypes.c_size_t(size)
fwnt = ctypes.CDLL("libfwnt.so.1")
if fwnt.libfwnt_lzxpress_huffman_decompress(d[8:], ctypes.c_size_t(len(d) - 8), out, ctypes.byref(n), None) != 1:
    sys.exit(1)
u = bytearray(out.raw[:n.value])
if u[4:8] != b"SCCA" or struct.unpack_from("<I", u, 0)[0] != 31:
    sys.exit(1)
u[0] = 30
open(sys.argv[2], "wb").write(u)
PYEOF
}
for pf in "$C"/winprefetch/*.pf; do
  src=$pf
  if ! sccainfo "$pf" >/dev/null 2>&1 && v31 "$pf" "$here/v31.pf"; then src=$here/v31.pf; fi
  { sccainfo "$src" 2>/dev/null || true; } | $PY -c '
import sys, datetime, os
exe = runs = None; times = []
for line in sys.stdin:
    k, _, v = line.partition(":")
    k = k.strip(); v = v.split(":", 1)[-1].strip() if k.startswith("Last run time") else v.strip()
    if k == "Executable filename": exe = v
    elif k == "Run count": runs = v
    elif k.startswith("Last run time") and "." in v:
        d, frac = v.replace(" UTC", "").rsplit(".", 1)
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        times.append(int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9]))
for t in times:
    print("%s\t%s\t%s\t%d" % (os.path.basename(sys.argv[1]), exe, runs, t))
' "$pf"
done >"$here/scca.tsv"
rm -f "$here/v31.pf"

# lnkinfo: creation, modification, access (ns) and the target path
for l in "$C"/example.lnk "$C"/NeroInfoTool.lnk; do
  { lnkinfo "$l" 2>/dev/null || true; } | $PY -c '
import sys, datetime, os
v = {}
for line in sys.stdin:
    k, _, x = line.partition(":")
    k = k.strip(); x = x.strip()
    if k in ("Creation time", "Modification time", "Access time") and k not in v:
        if x.startswith("Not set"): v[k] = 0; continue
        d, frac = x.replace(" UTC", "").rsplit(".", 1)
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        v[k] = int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])
    elif k in ("Local path", "Relative path") and k not in v:
        v[k] = x
path = v.get("Local path") or v.get("Relative path") or ""
print("%s\t%d\t%d\t%d\t%s" % (os.path.basename(sys.argv[1]), v.get("Creation time", 0), v.get("Modification time", 0), v.get("Access time", 0), path))
' "$l"
done >"$here/lnk.tsv"
# jump lists: olecfexport's streams, each numbered stream through lnkinfo
X=$(mktemp -d)
trap 'rm -rf "$X"' EXIT
for j in "$C"/automaticDestinations-ms/*.automaticDestinations-ms; do
  b=$(basename "$j")
  (cd "$X" && rm -rf out.export && olecfexport -t out "$j" >/dev/null 2>&1) || true
  for sdir in "$X"/out.export/*/; do
    sname=$(basename "$sdir")
    [ "$sname" = DestList ] && continue
    { lnkinfo "$sdir/StreamData.bin" 2>/dev/null || true; } | $PY -c '
import sys, datetime
v = {}
for line in sys.stdin:
    k, _, x = line.partition(":")
    k = k.strip(); x = x.strip()
    if k in ("Creation time", "Modification time", "Access time") and k not in v:
        if "." not in x: v[k] = 0; continue
        d, frac = x.replace(" UTC", "").rsplit(".", 1)
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        v[k] = int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])
    elif k in ("Local path", "Relative path") and k not in v:
        v[k] = x
if v:
    print("%s\t%s\t%d\t%d\t%d\t%s" % (sys.argv[1], sys.argv[2], v.get("Creation time", 0), v.get("Modification time", 0), v.get("Access time", 0), v.get("Local path") or v.get("Relative path") or ""))
' "$b" "$sname"
  done
done >"$here/jumplist.tsv"
# evtexport -m all (records and recovered records): record number, event
# identifier, creation and written time (s), source name
xz -dc "$here/SysEvent.Evt.xz" >"$X/SysEvent.Evt"
evtexport -m all "$X/SysEvent.Evt" 2>/dev/null | $PY -c '
import sys, datetime
def secs(v):
    if not v.endswith(" UTC"): return 0
    t = datetime.datetime.strptime(v[:-4], "%b %d, %Y %H:%M:%S")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp())
r = {}
def out():
    if r: print("%s\t%s\t%d\t%d\t%s" % (r["n"], r["eid"], r["c"], r["w"], r["src"]))
for line in sys.stdin:
    k, _, v = line.partition(":")
    k = k.strip(); v = v.strip()
    if k == "Event number": out(); r = {"n": v, "c": 0, "w": 0, "eid": "", "src": ""}
    elif k == "Creation time": r["c"] = secs(v)
    elif k == "Written time": r["w"] = secs(v)
    elif k == "Event identifier": r["eid"] = v.split("(")[1].rstrip(")")
    elif k == "Source name": r["src"] = v
out()
' >"$here/evt-SysEvent.tsv"
wc -l "$here"/*.tsv
