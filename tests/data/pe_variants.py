#!/usr/bin/python3
# Malformed PE variants for test_pe: derived from the executables the suite
# builds with mingw-w64, plus a section-less tiny PE; pefile (the reference)
# writes each variant's imphash to the manifest.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: pe_variants.py DIR SOURCE.exe...   writes DIR/v_*.exe and prints
# "name<TAB>pefile imphash<TAB>anomaly keyword expected ('-' for none)".
import struct
import sys

import pefile

out_dir = sys.argv[1]
rows = []


def emit(name, data, keyword):
    path = "%s/%s" % (out_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    rows.append((name, pefile.PE(path).get_imphash(), keyword))


def descriptors(pe):
    """(file offset of the import directory, [(desc offset, oft, name, ft)])"""
    d = pe.OPTIONAL_HEADER.DATA_DIRECTORY[1]
    base = pe.get_offset_from_rva(d.VirtualAddress)
    out = []
    for e in pe.DIRECTORY_ENTRY_IMPORT:
        s = e.struct
        out.append((s.get_file_offset(), s.OriginalFirstThunk, s.Name,
                    s.FirstThunk))
    return base, out


for src in sys.argv[2:]:
    stem = src.rsplit("/", 1)[-1].replace(".", "_")
    raw = open(src, "rb").read()
    pe = pefile.PE(data=raw)
    is64 = pe.PE_TYPE == pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS
    es = 8 if is64 else 4
    base, descs = descriptors(pe)
    emit("v_%s_clean.exe" % stem, raw, "-")

    # Garbage instead of the terminating descriptor: pefile walks on.
    b = bytearray(raw)
    end = descs[-1][0] + 20
    b[end:end + 20] = b"\xff" * 20
    emit("v_%s_noterm.exe" % stem, bytes(b), "descriptor")

    # A damaged thunk in the second descriptor: its hint/name RVA points
    # outside the image (within pefile's 128 MiB spread); pefile drops that
    # descriptor and goes on.
    b = bytearray(raw)
    thunk = pe.get_offset_from_rva(descs[1][1])
    b[thunk:thunk + es] = struct.pack("<Q" if is64 else "<I", 0x00F00000)
    emit("v_%s_badthunk.exe" % stem, bytes(b), "damaged import thunk")

    # An empty import name and one pefile deems invalid: both dropped.
    b = bytearray(raw)
    named = [i for e in pe.DIRECTORY_ENTRY_IMPORT for i in e.imports
             if i.name and i.name_offset]
    b[named[0].name_offset] = 0
    b[named[1].name_offset] = ord("!")
    emit("v_%s_names.exe" % stem, bytes(b), "import name dropped")

    # A DLL name that is not a DOS file name: "*invalid*" in the imphash.
    b = bytearray(raw)
    off = pe.get_offset_from_rva(descs[0][2])
    b[off] = ord("*")
    emit("v_%s_baddll.exe" % stem, bytes(b), "not a file name")

    # Every import thunk of the first descriptor damaged in the ILT and
    # the IAT: no table, the descriptor counts as an error.
    b = bytearray(raw)
    for rva in (descs[0][1], descs[0][3]):
        o = pe.get_offset_from_rva(rva)
        b[o:o + es] = struct.pack("<Q" if is64 else "<I",
                                  (1 << 63 if is64 else 1 << 31) | 0x123456)
    emit("v_%s_bogus.exe" % stem, bytes(b), "bogus import table")

    # More sections than Windows loads: cut at 96, nothing invented.
    b = bytearray(raw)
    struct.pack_into("<H", b, pe.FILE_HEADER.get_file_offset() + 2, 200)
    emit("v_%s_sections.exe" % stem, bytes(b), "cut at 96")


def tiny(terminated, opt_size=0):
    """A section-less PE32 whose SizeOfOptionalHeader is OPT_SIZE (0: the
    tiny-PE trick); everything lives in the headers, RVA = file offset."""
    b = bytearray(0x400)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x40)
    b[0x40:0x44] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", b, 0x44, 0x14C, 0, 0x5F000000, 0, 0,
                     opt_size, 0x0102)
    opt = 0x58
    struct.pack_into("<H", b, opt, 0x10B)
    struct.pack_into("<I", b, opt + 16, 0x300)  # entry point
    struct.pack_into("<I", b, opt + 28, 0x400000)  # image base
    struct.pack_into("<II", b, opt + 32, 4, 4)  # alignments
    struct.pack_into("<II", b, opt + 56, 0x400, 0x400)  # image, headers
    struct.pack_into("<H", b, opt + 68, 3)
    struct.pack_into("<I", b, opt + 92, 16)
    names = {}
    pos = 0x200

    def put(s):
        nonlocal pos
        names[s] = pos
        b[pos:pos + len(s)] = s
        pos += len(s) + 1
        pos += pos & 1

    for s in (b"KERNEL32.dll", b"USER32.dll"):
        put(s)
    for s in (b"GetTickCount", b"ExitProcess", b"MessageBoxA"):
        b[pos:pos + 2] = b"\0\0"
        pos += 2
        put(s)
        names[s] -= 2
    ilt_k, ilt_u = 0x180, 0x1A0
    struct.pack_into("<III", b, ilt_k, names[b"GetTickCount"],
                     names[b"ExitProcess"], 0)
    struct.pack_into("<II", b, ilt_u, names[b"MessageBoxA"], 0)
    # Descriptors last: without a terminator they run into the end of the
    # file, where Windows and pefile stop.
    dpos = 0x3D8 if not terminated else 0x140
    struct.pack_into("<IIIII", b, dpos, ilt_k, 0, 0, names[b"KERNEL32.dll"],
                     ilt_k)
    struct.pack_into("<IIIII", b, dpos + 20, ilt_u, 0, 0, names[b"USER32.dll"],
                     ilt_u)
    struct.pack_into("<II", b, opt + 96 + 8, dpos, 40)
    return bytes(b)


emit("v_tiny.exe", tiny(True), "SizeOfOptionalHeader")
emit("v_tiny_noterm.exe", tiny(False), "no terminating import descriptor")
emit("v_tiny_full.exe", tiny(True, 224), "-")
for r in rows:
    print("\t".join(r))
