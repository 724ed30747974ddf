# Minimal registry hive (regf) writer for the tests: builds a SYSTEM hive
# with services, BAM, USBSTOR, ShimCache and MountedDevices values whose
# decoded values are known by construction (see tests/cli/test_timeline.sh).
# SPDX-License-Identifier: Apache-2.0
import struct, sys

class Hive:
    def __init__(self):
        self.cells = bytearray()
    def alloc(self, data):
        size = (len(data) + 4 + 7) & ~7
        off = len(self.cells) + 32  # relative to the first hbin start
        self.cells += struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))
        return off
    def patch(self, off, pos, fmt, *v):
        at = off - 32 + 4 + pos
        struct.pack_into(fmt, self.cells, at, *v)

def build(tree, ft):
    """tree: (name, {values}, [children]); values: name -> (type, bytes)"""
    h = Hive()
    def key(node, parent):
        name, values, kids = node
        nb = name.encode("ascii")
        nk = bytearray(struct.pack("<2sHQIIIIIIIIIIIIIIIHH", b"nk", 0x20 if parent else 0x2C,
                                   ft, 0, parent, len(kids), 0, 0xFFFFFFFF, 0xFFFFFFFF,
                                   len(values), 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                                   0, 0, 0, 0, 0, len(nb), 0)) + nb
        off = h.alloc(bytes(nk))
        koffs = [key(k, off) for k in kids]
        if koffs:
            li = h.alloc(struct.pack("<2sH", b"li", len(koffs)) + b"".join(struct.pack("<I", o) for o in koffs))
            h.patch(off, 28, "<I", li)
        voffs = []
        for vn, (vt, data) in values.items():
            vb = vn.encode("ascii")
            if len(data) <= 4:
                size, doff = len(data) | 0x80000000, struct.unpack("<I", data.ljust(4, b"\0"))[0]
            else:
                size, doff = len(data), h.alloc(data)
            voffs.append(h.alloc(struct.pack("<2sHIIIHH", b"vk", len(vb), size, doff, vt, 1 if vb else 0, 0) + vb))
        if voffs:
            vl = h.alloc(b"".join(struct.pack("<I", o) for o in voffs))
            h.patch(off, 40, "<I", vl)
        return off
    root = key(tree, 0)
    size = (len(h.cells) + 32 + 4095) & ~4095
    free = size - 32 - len(h.cells)
    cells = h.cells + (struct.pack("<i", free) + b"\0" * (free - 4) if free else b"")
    hbin = struct.pack("<4sIIQQI", b"hbin", 0, size, 0, ft, 0) + cells
    base = bytearray(4096)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, ft, 1, 5, 0, 1, root, size, 1)
    x = 0
    for i in range(0, 508, 4):
        x ^= struct.unpack_from("<I", base, i)[0]
    struct.pack_into("<I", base, 508, x)
    return bytes(base) + hbin

def sz(s): return (1, s.encode("utf-16-le") + b"\0\0")
def dw(v): return (4, struct.pack("<I", v))
def bn(b): return (3, b)

if __name__ == "__main__":
    FT = 0x01d12bb43bedc180  # 2015-11-30T21:15:27Z
    bam = struct.pack("<Q", 0x01d12bb43bedc180 + 10**7 * 60) + b"\0" * 16  # +60 s
    p = "C:\\x.exe".encode("utf-16-le")
    shim = struct.pack("<I", 0x34) + b"\0" * 0x30 + b"10ts" + struct.pack("<IIH", 0, 2 + len(p) + 8 + 4, len(p)) + p + struct.pack("<QI", FT - 10**7 * 3600, 0)
    tree = ("ROOT", {}, [
        ("ControlSet001", {}, [
            ("Control", {}, [("Session Manager", {}, [("AppCompatCache", {"AppCompatCache": bn(shim)}, [])])]),
            ("Enum", {}, [("USBSTOR", {}, [("Disk&Ven_Acme&Prod_Stick&Rev_1.00", {}, [
                ("SER123&0", {"FriendlyName": sz("Acme Stick USB Device")}, [])])])]),
            ("Services", {}, [
                ("evilsvc", {"Start": dw(2), "Type": dw(16), "ImagePath": sz("C:\\evil\\svc.exe")}, []),
                ("bam", {}, [("State", {}, [("UserSettings", {}, [("S-1-5-21-1-2-3-1001", {"\\Device\\HarddiskVolume2\\evil.exe": bn(bam)}, [])])])]),
            ]),
        ]),
        ("MountedDevices", {"\\DosDevices\\C:": bn(b"\x11\x22\x33\x44\0\x10\0\0\0\0\0\0")}, []),
    ])
    open(sys.argv[1], "wb").write(build(tree, FT))
