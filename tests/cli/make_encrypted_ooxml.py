#!/usr/bin/python3
# Builds an OOXML package encrypted with ECMA-376 standard encryption
# (AES-128, [MS-OFFCRYPTO] 2.3.4.5-2.3.4.9) or, with MODE "agile", agile
# encryption (AES-256, SHA-512, 2.3.4.10-2.3.4.15) for tests/cli/test_ole.sh:
#   make_encrypted_ooxml.py PLAIN.zip PASSWORD OUT [MODE]
# MODE "agile-longkey": agile, with an encryptedKeyValue of 224 bytes where
# the key is 32 (a crafted file: the reader must take the key bytes only).
# The key is derived here with hashlib as the specification says, the
# AES-ECB encryption is done by the openssl command (another implementation
# than artifact's), and the result is wrapped in a minimal compound file
# (two streams of whole 512-byte sectors, no mini stream).
# SPDX-License-Identifier: Apache-2.0
import hashlib, os, struct, subprocess, sys

from cfb_write import write_cfb

plain, password, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(plain, "rb").read()

def aes_ecb(key, b):
    return subprocess.run(["openssl", "enc", "-aes-128-ecb", "-nopad", "-K", key.hex()],
                          input=b, capture_output=True, check=True).stdout

mode = sys.argv[4] if len(sys.argv) > 4 else "standard"
if mode == "standard":
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
else:
    import base64
    def cbc(key, iv, b):
        return subprocess.run(["openssl", "enc", "-aes-256-cbc", "-nopad", "-K", key.hex(),
                               "-iv", iv.hex()], input=b, capture_output=True, check=True).stdout
    b64 = lambda b: base64.b64encode(b).decode()
    ksalt, psalt, secret = os.urandom(16), os.urandom(16), os.urandom(32)
    h = hashlib.sha512(psalt + password.encode("utf-16-le")).digest()
    for i in range(100000):
        h = hashlib.sha512(struct.pack("<I", i) + h).digest()
    blk = lambda bk: hashlib.sha512(h + bk).digest()[:32]
    k1, k2, k3 = (blk(bytes.fromhex(x)) for x in ("fea7d2763b4b9e79", "d7aa0f6d3061344e", "146e0be7abacd0d6"))
    vin = os.urandom(16)
    keyvalue = secret + (os.urandom(192) if mode == "agile-longkey" else b"")
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
           'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
           'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="%s"/>'
           # integrity data that nobody checks here (random, well-formed)
           '<dataIntegrity encryptedHmacKey="%s" encryptedHmacValue="%s"/>'
           '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           '<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
           'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="%s" '
           'encryptedVerifierHashInput="%s" encryptedVerifierHashValue="%s" encryptedKeyValue="%s"/>'
           '</keyEncryptor></keyEncryptors></encryption>') % (
        b64(ksalt), b64(os.urandom(64)), b64(os.urandom(64)), b64(psalt), b64(cbc(k1, psalt, vin)),
        b64(cbc(k2, psalt, hashlib.sha512(vin).digest())), b64(cbc(k3, psalt, keyvalue)))
    info = struct.pack("<HHI", 4, 4, 0x40) + xml.encode()
    package = struct.pack("<Q", len(data))
    for k in range(0, len(data), 4096):
        seg = data[k:k + 4096]
        seg += b"\0" * (-len(seg) % 16)
        iv = hashlib.sha512(ksalt + struct.pack("<I", k // 4096)).digest()[:16]
        package += cbc(secret, iv, seg)

# ---- a compound file of the two streams (cfb_write.py) ----
# a stream below 4096 bytes would live in the mini stream: pad EncryptionInfo
# (with spaces after the XML of an agile descriptor: still well-formed)
write_cfb(out, [("EncryptionInfo", info.ljust(4096, b"\0" if mode == "standard" else b" "), 4096),
                ("EncryptedPackage", package.ljust(4096, b"\0"), len(package))])
