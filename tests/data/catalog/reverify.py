#!/usr/bin/env python3
# Independent re-verification of an art-catalog JSON or JSONL export, from
# docs/catalog-format.md alone (Python standard library, no libartifact).
# SPDX-License-Identifier: Apache-2.0
#
# Usage: reverify.py EXPORT            re-verify the chain and its checkpoint
#        reverify.py --vectors         print the test vectors of the doc
import hashlib
import json
import struct
import sys

MAGIC = b"LART-CUSTODY-V1\x00"
FIELDS = ["uuid", "type", "recorded_at", "occurred_at", "actor", "case",
          "item", "from", "to", "purpose", "location", "payload", "key_id"]


def genesis(catalog_uuid):
    return hashlib.sha256(b"LART-CUSTODY-V1 genesis\x00" +
                          catalog_uuid.encode()).digest()


def record_bytes(seq, prev, ev):
    out = bytearray(MAGIC + struct.pack(">Q", seq) + prev)
    for i, name in enumerate(FIELDS):
        if ev.get(name) is None:
            continue
        value = ev[name].encode("utf-8")
        out += struct.pack(">HI", i + 1, len(value)) + value
    return bytes(out)


def record_hash(seq, prev, ev):
    return hashlib.sha256(b"\x00" + record_bytes(seq, prev, ev)).digest()


def load(path):
    text = open(path, encoding="utf-8").read()
    try:
        doc = json.loads(text)
        return doc["catalog"], doc["checkpoint"], doc["events"]
    except json.JSONDecodeError:
        pass  # JSON Lines
    header, events = None, []
    for line in text.splitlines():
        obj = json.loads(line)
        if obj["kind"] == "catalog":
            header = obj
        elif obj["kind"] == "event":
            events.append(obj)
    return header["catalog"], header["checkpoint"], events


def verify(path):
    catalog, checkpoint, events = load(path)
    prev = genesis(catalog)
    heads = {0: prev}
    for n, ev in enumerate(events, 1):
        if ev["seq"] != n:
            return f"FAIL missing {n}"
        if bytes.fromhex(ev["prev_hash"]) != prev:
            return f"FAIL link {n}"
        h = record_hash(n, prev, ev)
        if h.hex() != ev["record_hash"]:
            return f"FAIL modified {n}"
        prev = heads[n] = h
    cp = dict(l.split(": ", 1) for l in checkpoint.splitlines()[1:])
    if cp["catalog"] != catalog:
        return "FAIL foreign checkpoint"
    size = int(cp["size"])
    if size not in heads or heads[size].hex() != cp["head"]:
        return f"FAIL checkpoint {size}"
    return f"PASS {len(events)} events, checkpoint at {size}"


def vectors():
    cat = "3f0c6a52-7d1e-4c43-9a55-0d6f1b2e9a01"
    g = genesis(cat)
    print("catalog", cat)
    print("genesis", g.hex())
    e1 = {"uuid": "11111111-2222-4333-8444-555555555555", "type": "case_open",
          "recorded_at": "2025-03-04T09:00:00.000000Z", "actor": "A. Analyst",
          "case": "IR-2025-0042", "payload": '{"title":"Exfiltration"}'}
    e2 = {"uuid": "66666666-7777-4888-9999-aaaaaaaaaaaa", "type": "transfer",
          "recorded_at": "2025-03-04T11:05:00.000000Z",
          "occurred_at": "2025-03-04T11:00:00Z", "actor": "A. Analyst",
          "case": "IR-2025-0042", "item": "E001", "from": "A. Analyst",
          "to": "B. Custodian", "purpose": "secure storage",
          "location": "Evidence locker 3"}
    h1 = record_hash(1, g, e1)
    print("event1 bytes", record_bytes(1, g, e1).hex())
    print("event1 hash", h1.hex())
    h2 = record_hash(2, h1, e2)
    print("event2 bytes", record_bytes(2, h1, e2).hex())
    print("event2 hash", h2.hex())


if __name__ == "__main__":
    if sys.argv[1:] == ["--vectors"]:
        vectors()
    else:
        result = verify(sys.argv[1])
        print(result)
        sys.exit(0 if result.startswith("PASS") else 1)
