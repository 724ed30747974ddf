#!/usr/bin/python3
# Writes test RTFs into DIR: an OLE1 Package object holding an executable,
# an Equation.3 object, a malformed \\objdata, and no object at all.
# SPDX-License-Identifier: Apache-2.0
import struct, sys, os
out = sys.argv[1]
def lp(s): b = s.encode() + b"\0"; return struct.pack("<I", len(b)) + b
def ole1(cls, native):
    return struct.pack("<II", 0x0501, 2) + lp(cls) + lp("") + lp("") + struct.pack("<I", len(native)) + native
payload = b"MZ\x90\x00" + bytes(range(200))
pkg = struct.pack("<H", 2) + b"invoice.pdf.exe\0" + b"C:\\Users\\a\\invoice.pdf.exe\0" + struct.pack("<HH", 3, 0) + struct.pack("<I", 30) + b"C:\\Temp\\invoice.pdf.exe\0" + struct.pack("<I", len(payload)) + payload
def rtf(*objs):
    body = b"{\\rtf1\\ansi {\\fonttbl}"
    for cls, native in objs:
        h = ole1(cls, native).hex().encode()
        h = b"\n".join(h[i:i+64] for i in range(0, len(h), 64))
        body += b"{\\object\\objemb{\\*\\objclass " + cls.encode() + b"}{\\*\\objdata " + h + b"}}"
    return body + b"}"
open(out + "/pkg.rtf", "wb").write(rtf(("Package", pkg)))
open(out + "/eq.rtf", "wb").write(rtf(("Equation.3", b"\x1c\x00" + b"A" * 60)))
open(out + "/bad.rtf", "wb").write(b"{\\rtf1{\\object\\objemb{\\*\\objdata 0105000002000000ffffffff41}}}")
open(out + "/noobj.rtf", "wb").write(b"{\\rtf1\\ansi Hello}")
