#!/usr/bin/python3
# Builds an OOXML package encrypted with ECMA-376 standard encryption
# (AES-128, [MS-OFFCRYPTO] 2.3.4.5-2.3.4.9) for tests/cli/test_ole.sh:
#   make_standard_encrypted.py PLAIN.zip PASSWORD OUT
# The key is derived here with hashlib as the specification says, the
# AES-ECB encryption is done by the openssl command (another implementation
# than artifact's), and the result is wrapped in a minimal compound file
# (two streams of whole 512-byte sectors, no mini stream).
# SPDX-License-Identifier: Apache-2.0
import hashlib, os, struct, subprocess, sys

plain, password, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(plain, "rb").read()

def aes_ecb(key, b):
    return subprocess.run(["openssl", "enc", "-aes-128-ecb", "-nopad", "-K", key.hex()],
                          input=b, capture_output=True, check=True).stdout

salt = os.urandom(16)
h = hashlib.sha1(salt + password.encode("utf-16-le")).digest()
for i in range(50000):
    h = hashlib.sha1(struct.pack("<I", i) + h).digest()
h = hashlib.sha1(h + struct.pack("<I", 0)).digest()
x1 = hashlib.sha1(bytes(a ^ b for a, b in zip(h.ljust(64, b"\0"), b"\x36" * 64))).digest()
x2 = hashlib.sha1(bytes(a ^ b for a, b in zip(h.ljust(64, b"\0"), b"\x5c" * 64))).digest()
key = (x1 + x2)[:16]
verifier = os.urandom(16)
enc_verifier = aes_ecb(key, verifier)
enc_vhash = aes_ecb(key, hashlib.sha1(verifier).digest().ljust(32, b"\0"))
csp = "Microsoft Enhanced RSA and AES Cryptographic Provider\0".encode("utf-16-le")
header = struct.pack("<IIIIIIII", 0x24, 0, 0x660E, 0x8004, 128, 0x18, 0, 0) + csp
info = struct.pack("<HHI", 3, 2, 0x24) + struct.pack("<I", len(header)) + header
info += struct.pack("<I", 16) + salt + enc_verifier + struct.pack("<I", 20) + enc_vhash
padded = data + b"\0" * (-len(data) % 16)
package = struct.pack("<Q", len(data)) + aes_ecb(key, padded)

# ---- a compound file: header, FAT sector, directory sector, streams ----
S = 512
def sectors(b):
    b = b + b"\0" * (-len(b) % S)
    return [b[i:i + S] for i in range(0, len(b), S)]
# a stream below 4096 bytes would live in the mini stream: pad EncryptionInfo
info_s = sectors(info.ljust(4096, b"\0"))
pkg_s = sectors(package.ljust(4096, b"\0"))
# sector 0: FAT, 1: directory, then the streams
first_info, first_pkg = 2, 2 + len(info_s)
n = first_pkg + len(pkg_s)
fat = [0xFFFFFFFD, 0xFFFFFFFE]
for k in range(len(info_s)):
    fat.append(first_info + k + 1 if k + 1 < len(info_s) else 0xFFFFFFFE)
for k in range(len(pkg_s)):
    fat.append(first_pkg + k + 1 if k + 1 < len(pkg_s) else 0xFFFFFFFE)
assert len(fat) <= S // 4
fat += [0xFFFFFFFF] * (S // 4 - len(fat))

def entry(name, typ, left, right, child, start, size):
    nm = (name + "\0").encode("utf-16-le")
    return (nm.ljust(64, b"\0") + struct.pack("<HBB", len(nm), typ, 1) +
            struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 +
            b"\0" * 16 + struct.pack("<IQ", start, size))
NONE = 0xFFFFFFFF
# a red-black tree of two: EncryptionInfo the root's child, EncryptedPackage its right sibling
d = entry("Root Entry", 5, NONE, NONE, 1, 0xFFFFFFFE, 0)
d += entry("EncryptionInfo", 2, NONE, 2, NONE, first_info, 4096)
d += entry("EncryptedPackage", 2, NONE, NONE, NONE, first_pkg, len(package))
d = d.ljust(S, b"\0")
hdr = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) +
       b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0))
hdr += struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108
assert len(hdr) == 512
with open(out, "wb") as f:
    f.write(hdr + struct.pack("<%dI" % (S // 4), *fat) + d + b"".join(info_s) + b"".join(pkg_s))
