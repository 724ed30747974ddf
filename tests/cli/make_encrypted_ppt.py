#!/usr/bin/python3
# Builds a PowerPoint 97-2003 presentation encrypted with RC4 CryptoAPI
# ([MS-PPT] 2.3.7, [MS-OFFCRYPTO] 2.3.5) from a plain .ppt, for
# tests/cli/test_ole.sh:
#   make_encrypted_ppt.py PLAIN.ppt PASSWORD OUT [MODE]
# The PowerPoint Document stream is saved whole again, as PowerPoint does
# when it encrypts: the persist objects of the plain file's directory (all
# its UserEditAtom/PersistDirectoryAtom records merged, newer first) in
# persist id order, a CryptSession10Container as one more persist object
# (RC4 CryptoAPI encryption header and verifier, 128-bit key), one
# PersistDirectoryAtom, one UserEditAtom naming the container
# (encryptSessionPersistIdRef); the Current User atom points at it with
# the encrypted header token. Each persist object, header included, is
# encrypted with RC4 keyed for its persist id (SHA-1(H0 || id)), the
# container, the directory and the edit atom in clear. Keys from hashlib,
# RC4 from python3-cryptography (not artifact's). OUT.plain gets the
# stream as it must decrypt: the same objects in clear, the rest as it is
# (msoffcrypto-tool also blanks the container and edits the directory and
# edit atom: the same up to the container, whose offset goes to
# OUT.objects). MODE "cutdir": the directory's
# entry count made larger than the atom (a garbled directory); "badobj":
# the first persist object's offset past the end of the stream.
# SPDX-License-Identifier: Apache-2.0
import hashlib, os, struct, sys

import olefile
from cfb_write import write_cfb
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

plain, password, out = sys.argv[1:4]
mode = sys.argv[4] if len(sys.argv) > 4 else ""
ole = olefile.OleFileIO(plain)
cu = bytearray(ole.openstream("Current User").read())
s = ole.openstream("PowerPoint Document").read()

# the plain file's persist object directory
edits, e = [], struct.unpack_from("<I", cu, 16)[0]
while True:
    f = struct.unpack_from("<IHBBIIIIHH", s, e + 8)
    edits.append(f)
    if f[4] == 0:
        break
    e = f[4]
directory = {}
for f in reversed(edits):
    d = f[5]
    rl = struct.unpack_from("<I", s, d + 4)[0]
    p = d + 8
    while p < d + 8 + rl:
        v = struct.unpack_from("<I", s, p)[0]
        for i in range(v >> 20):
            directory[(v & 0xFFFFF) + i] = struct.unpack_from("<I", s, p + 4 + 4 * i)[0]
        p += 4 + 4 * (v >> 20)
ids = sorted(directory)
assert ids == list(range(1, len(ids) + 1)), "persist ids not 1..N"
objs = [s[directory[i]:directory[i] + 8 + struct.unpack_from("<I", s, directory[i] + 4)[0]] for i in ids]

# the key: H0 = SHA-1(salt || password), block key SHA-1(H0 || id), 128 bits
pw = password.encode("utf-16-le")
salt = os.urandom(16)
h0 = hashlib.sha1(salt + pw).digest()


def rc4(block, b):
    k = hashlib.sha1(h0 + struct.pack("<I", block)).digest()[:16]
    return Cipher(algorithms.ARC4(k), mode=None).encryptor().update(b)


verifier = os.urandom(16)
ev = rc4(0, verifier + hashlib.sha1(verifier).digest())
csp = "Microsoft Enhanced Cryptographic Provider v1.0\0".encode("utf-16-le")
header = struct.pack("<IIIIIIII", 4, 0, 0x6801, 0x8004, 128, 1, 0, 0) + csp
info = (struct.pack("<HH", 4, 2) + struct.pack("<II", 4, len(header)) + header +
        struct.pack("<I", 16) + salt + ev[:16] + struct.pack("<I", 20) + ev[16:])
crypt = struct.pack("<HHI", 0x000F, 0x2F14, len(info)) + info
n = len(ids) + 1

stream, clear, offsets = bytearray(), bytearray(), []
for i, o in zip(ids, objs):
    offsets.append(len(stream))
    stream += rc4(i, o)
    clear += o
offsets.append(len(stream))
open(out + ".objects", "w").write("%d\n" % len(stream))
stream += crypt
clear += crypt
pd = len(stream)
if mode == "badobj":  # the first persist object said to be past the stream
    offsets[0] = 0x7FFFFFF0
entries = struct.pack("<I", 1 | (n + (16 if mode == "cutdir" else 0)) << 20) + struct.pack("<%dI" % n, *offsets)
persist = struct.pack("<HHI", 0, 0x1772, len(entries)) + entries
last = edits[0]
edit = struct.pack("<HHI", 0, 0x0FF5, 32) + struct.pack(
    "<IHBBIIIIHHI", last[0], last[1], last[2], last[3], 0, pd, last[6], n, last[8], last[9], n)
ue = pd + len(persist)
stream += persist + edit
clear += persist + edit

cu[12:16] = struct.pack("<I", 0xF3D1C4DF)
cu[16:20] = struct.pack("<I", ue)
cu = bytes(cu)
body = bytes(stream) + b"\0" * max(0, 4096 - len(stream))
write_cfb(out, [("Current User", cu, len(cu)), ("PowerPoint Document", body, len(body))])
open(out + ".plain", "wb").write(bytes(clear) + b"\0" * (len(body) - len(clear)))
