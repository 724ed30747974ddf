#!/usr/bin/python3
# TNEF fixtures for cli_tnef ([MS-OXTNEF]): OUT/winmail.dat (CP932 OEM code
# page and subject, a compressed RTF body in attMAPIProps, an attachment
# with attAttachTitle + PR_ATTACH_LONG_FILENAME + MIME tag, one with a
# title only), OUT/mail.eml carrying it as application/ms-tnef (Python's
# email package), OUT/badsum.dat (a checksum changed) and OUT/cut.dat.
# SPDX-License-Identifier: Apache-2.0
import os
import struct
import sys
from email.message import EmailMessage

# [MS-OXRTFCP] 3.1.1.1
RTF1 = bytes.fromhex("2d0000002b0000004c5a4675f1c5c7a703000a0072637067313235423"
                     "20af32068656c090020627705b06c647d0a800fa0")


def attr(level, aid, data):
    return struct.pack("<BII", level, aid, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def var_prop(ptype, pid, value):
    pad = (-len(value)) % 4
    return struct.pack("<HHII", ptype, pid, 1, len(value)) + value + b"\0" * pad


def props(*entries):
    return struct.pack("<I", len(entries)) + b"".join(entries)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    exe = b"MZ\x90\x00" + bytes(range(256)) * 8
    notes = b"see http://notes.example.com/x\n"
    d = struct.pack("<IH", 0x223E9F78, 0x1234)
    d += attr(1, 0x00089006, struct.pack("<I", 0x10000))
    d += attr(1, 0x00069007, struct.pack("<II", 932, 0))
    d += attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")
    d += attr(1, 0x00018004, "\u8acb\u6c42\u66f8\u306e\u4ef6".encode("cp932") + b"\0")
    d += attr(1, 0x00069003, props(var_prop(0x0102, 0x1009, RTF1)))
    d += attr(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)
    d += attr(2, 0x00018010, b"INVOIC~1.EXE\0")
    d += attr(2, 0x0006800F, exe)
    d += attr(2, 0x00069005, props(
        var_prop(0x001F, 0x3707, "\u8acb\u6c42\u66f8.pdf.exe".encode("utf-16-le") + b"\0\0"),
        var_prop(0x001E, 0x370E, b"application/x-msdownload\0"),
        struct.pack("<HHI", 0x0003, 0x3705, 1)))
    d += attr(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)
    d += attr(2, 0x00018010, b"notes.txt\0")
    d += attr(2, 0x0006800F, notes)
    with open(os.path.join(out, "winmail.dat"), "wb") as f:
        f.write(d)
    bad = bytearray(d)
    i = bad.index(b"notes.txt")
    bad[i] ^= 0x20  # the title's checksum no longer adds up
    with open(os.path.join(out, "badsum.dat"), "wb") as f:
        f.write(bad)
    with open(os.path.join(out, "cut.dat"), "wb") as f:
        f.write(d[: d.index(b"MZ\x90") + 100])
    m = EmailMessage()
    m["From"] = "a@example.org"
    m["To"] = "b@example.org"
    m["Subject"] = "winmail"
    m.set_content("see the attachment\n")
    m.add_attachment(d, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    with open(os.path.join(out, "mail.eml"), "wb") as f:
        f.write(bytes(m))
    with open(os.path.join(out, "rtf1.txt"), "wb") as f:
        f.write(b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n")


if __name__ == "__main__":
    main()
