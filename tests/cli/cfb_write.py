#!/usr/bin/python3
# A minimal compound file (CFB) writer for the test-time inputs of
# tests/cli/test_ole.sh (make_encrypted_ooxml.py, make_encrypted_xls.py,
# make_encrypted_ppt.py): one storage, the streams in whole 512-byte
# sectors, those under 4096 bytes in the mini stream.
# SPDX-License-Identifier: Apache-2.0
import struct

def write_cfb(out, streams):
    """A compound file of STREAMS ((name, bytes, declared size), sorted as
    the directory wants them): header, FAT, directory, data; streams under
    4096 bytes in a mini stream (64-byte sectors, its mini FAT after it)."""
    S, M = 512, 64
    small = [k for k, (_, b, size) in enumerate(streams) if size < 4096]
    mini, minifat, mstart = b"", [], {}
    for k in small:
        b = streams[k][1][:streams[k][2]]
        b += b"\0" * (-len(b) % M)
        mstart[k] = len(mini) // M
        c = len(b) // M
        minifat += [mstart[k] + j + 1 if j + 1 < c else 0xFFFFFFFE for j in range(c)]
        mini += b
    blobs = []  # regular-sector data: mini stream, mini FAT, big streams
    if small:
        minifat += [0xFFFFFFFF] * (-len(minifat) % (S // 4))
        blobs += [mini, struct.pack("<%dI" % len(minifat), *minifat)]
    blobs += [b for k, (_, b, _) in enumerate(streams) if k not in mstart]
    datas = [b + b"\0" * (-len(b) % S) for b in blobs]
    n = sum(len(d) // S for d in datas)
    fat_sectors = (n + 2 + 127) // 128
    assert fat_sectors <= 109
    fat = [0xFFFFFFFD] * fat_sectors + [0xFFFFFFFE]  # FAT sectors, directory
    starts, nxt = [], fat_sectors + 1
    for d in datas:
        k = len(d) // S
        starts.append(nxt)
        fat += [nxt + j + 1 if j + 1 < k else 0xFFFFFFFE for j in range(k)]
        nxt += k
    fat += [0xFFFFFFFF] * (fat_sectors * 128 - len(fat))

    def entry(name, typ, right, child, start, size):
        nm = (name + "\0").encode("utf-16-le")
        return (nm.ljust(64, b"\0") + struct.pack("<HBB", len(nm), typ, 1) +
                struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 36 +
                struct.pack("<IQ", start, size))

    big = iter(starts[2:] if small else starts)
    d = entry("Root Entry", 5, 0xFFFFFFFF, 1, starts[0] if small else 0xFFFFFFFE,
              len(mini))
    for k, (name, _, size) in enumerate(streams):
        d += entry(name, 2, k + 2 if k + 1 < len(streams) else 0xFFFFFFFF, 0xFFFFFFFF,
                   mstart[k] if k in mstart else next(big), size)
    assert len(d) <= S
    d = d.ljust(S, b"\0")
    hdr = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 +
           struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
           struct.pack("<IIIIIIIII", 0, fat_sectors, fat_sectors, 0, 4096,
                       starts[1] if small else 0xFFFFFFFE, len(datas[1]) // S if small else 0,
                       0xFFFFFFFE, 0))
    hdr += struct.pack("<109I", *(list(range(fat_sectors)) + [0xFFFFFFFF] * (109 - fat_sectors)))
    with open(out, "wb") as f:
        f.write(hdr + struct.pack("<%dI" % len(fat), *fat) + d + b"".join(datas))
