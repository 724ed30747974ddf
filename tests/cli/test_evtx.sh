#!/usr/bin/env bash
# Our EVTX reader against evtxexport (libevtx) on every .evtx of the shared
# corpora: the same records (count and record numbers), event identifiers,
# written times, source and computer names, user SIDs, and event data
# values in order (evtxexport's "String: N").
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/lib.sh"
BIN=$ART_BIN/art-timeline
CORPORA=${ART_SOURCE_DIR:?}/../shared/corpora
if [ ! -d "$CORPORA" ]; then
  echo "skip: $CORPORA absent (evtx differential tests need the shared corpora)"
  exit 0
fi
need evtxexport python3
mapfile -t logs < <(find "$CORPORA" -path "$CORPORA/hostile" -prune -o -type f -iname '*.evtx' -print | LC_ALL=C sort)
[ "${#logs[@]}" -gt 0 ] || { echo "skip: no .evtx in $CORPORA"; exit 0; }

for f in "${logs[@]}"; do
  name=${f#"$CORPORA"/}
  rc=0
  "$BIN" -q -f jsonl "$f" >"$T/ours.jsonl" 2>"$T/ours.err" || rc=$?
  evtxexport "$f" >"$T/ref.txt" 2>/dev/null || true
  evtxexport -f xml "$f" >"$T/ref.xml" 2>/dev/null || true
  check "$name: records, ids, times, names, SIDs, event data == evtxexport" \
    python3 - "$T/ours.jsonl" "$T/ref.txt" "$T/ref.xml" <<'PYEOF'
import calendar, json, re, sys, time
import xml.etree.ElementTree as ET
STD = {"record_number", "event_identifier", "event_identifier_qualifiers", "event_level",
       "source_name", "provider_identifier", "channel", "computer_name", "user_sid", "recovered"}
ours = {}
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("data_type") != "windows:evtx:record" or e.get("recovered"):
        continue
    ours[int(e["record_number"])] = e
text = open(sys.argv[2], encoding="utf-8", errors="surrogateescape", newline="").read()
ref = {}
# records are separated by a blank line: each block (but the last, which
# also ends the file) ends with its last line's line break
blocks = text.split("\nEvent number\t\t\t: ")[1:]
if blocks and blocks[-1].endswith("\n\n"):
    blocks[-1] = blocks[-1][:-1]
for block in blocks:
    num = int(block.split("\n", 1)[0])
    f = dict(re.findall(r"^([A-Z][a-z][^\t:]*?)\t+: (.*)$", block.split("\nString: ", 1)[0], re.M))
    wt = f["Written time"]
    m = re.match(r"(\w{3} \d\d, \d{4} \d\d:\d\d:\d\d)\.(\d{9}) UTC", wt)
    ns = calendar.timegm(time.strptime(m.group(1), "%b %d, %Y %H:%M:%S")) * 10**9 + int(m.group(2))
    strings = []
    parts = re.split(r"\nString: \d+\t+: ", "\n" + block.split("\n", 1)[1])
    for i, p in enumerate(parts[1:]):
        strings.append(p[:-1] if i == len(parts) - 2 and p.endswith("\n") else p)
    ref[num] = (int(re.search(r"\((\d+)\)", f["Event identifier"]).group(1)), ns,
                f.get("Source name", ""), f.get("Computer name", ""),
                f.get("User security identifier"), strings)
assert ref, "evtxexport gave no records"
# evtxexport's strings are every child of <EventData> (Data, ComplexData,
# Binary) or the leaves of <UserData>; our events carry the <Data> ones, as
# before: its XML output (same record order) says which string is which
xml = open(sys.argv[3], encoding="utf-8", errors="replace").read()
docs = re.findall(r"^<Event[ >].*?^</Event>", xml, re.S | re.M)
assert len(docs) == len(ref), ("xml records", len(docs), len(ref))
full = nodata = 0
for num, doc in zip(ref, docs):
    root = ET.fromstring(doc)
    ed = [c for c in root if c.tag.endswith("}EventData") or c.tag == "EventData"]
    eid, ns, src, comp, sid, strings = ref[num]
    if not ed:
        ref[num] = (eid, ns, src, comp, sid, [])
        nodata += 1
        continue
    tags = [c.tag.rsplit("}", 1)[-1] for c in ed[0]]
    assert len(tags) == len(strings), (num, tags, strings)
    ref[num] = (eid, ns, src, comp, sid, [v for t, v in zip(tags, strings) if t == "Data"])
    full += 1
print(f"  {full} records with EventData, {nodata} without", file=sys.stderr)
assert sorted(ours) == sorted(ref), ("record numbers", len(ours), len(ref),
                                     sorted(set(ref) - set(ours))[:5], sorted(set(ours) - set(ref))[:5])
bad = []
for num, (eid, ns, src, comp, sid, strings) in ref.items():
    e = ours[num]
    keys = list(e)
    data = [e[k] for k in keys[keys.index("computer_name") + 1:] if k not in STD]
    data = [d.replace("\\x0a", "\n").replace("\\x0d", "\r").replace("\\x09", "\t") for d in data]
    got = (int(e["event_identifier"]), int(e["timestamp_ns"]), e["source_name"],
           e["computer_name"], e.get("user_sid"), data)
    if got != (eid, ns, src, comp, sid, strings):
        bad.append((num, got, (eid, ns, src, comp, sid, strings)))
assert not bad, (len(bad), bad[:2])
print(f"  {len(ref)} records equal", file=sys.stderr)
PYEOF
  if [ "$rc" -ne 0 ]; then
    echo "  note: art-timeline exit $rc on $name: $(head -c 300 "$T/ours.err")"
  fi
done
finish
