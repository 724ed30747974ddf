#!/usr/bin/python3
# Outlook .msg fixtures for cli_msg: a small compound-file writer ([MS-CFB]
# v3, mini stream for streams under 4096 bytes) and [MS-OXMSG] messages
# (PT_UNICODE and PT_STRING8 in CP932, recipients, transport headers, text,
# HTML and compressed-RTF bodies, attachments, an embedded message, deep
# nesting, a cut file). Writes OUT/*.msg and OUT/ref.tsv: the facts read
# back from the files with olefile (an independent CFB reader) and decoded
# with Python's codecs.
# SPDX-License-Identifier: Apache-2.0
import hashlib
import os
import struct
import sys

import olefile

SECT = 512
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


class Node:
    def __init__(self, name, data=None):
        self.name, self.data, self.kids = name, data, []
        self.sid = 0

    def add(self, node):
        self.kids.append(node)
        return node

    def storage(self, name):
        return self.add(Node(name))

    def stream(self, name, data):
        return self.add(Node(name, data))


def cfb_bytes(root):
    nodes = []

    def number(n):
        n.sid = len(nodes)
        nodes.append(n)
        for k in n.kids:
            number(k)

    number(root)
    mini, big = [], []  # (node, bytes)
    for n in nodes[1:]:
        if n.data is not None:
            (mini if len(n.data) < 4096 else big).append(n)
    ministream = b""
    start = {}
    minifat = []
    for n in mini:
        k = (len(n.data) + 63) // 64
        start[n.sid] = len(minifat) if k else ENDOFCHAIN
        for i in range(k):
            minifat.append(len(minifat) + 1 if i < k - 1 else ENDOFCHAIN)
        ministream += n.data + b"\0" * (k * 64 - len(n.data))

    def sectors(b):
        return (len(b) + SECT - 1) // SECT

    ndir = (len(nodes) * 128 + SECT - 1) // SECT
    nminifat = (len(minifat) * 4 + SECT - 1) // SECT
    nmini = sectors(ministream)
    nbig = sum(sectors(n.data) for n in big)
    nfat = 1
    while (nfat + ndir + nminifat + nmini + nbig) > nfat * 128:
        nfat += 1
    fat = []
    chains = []

    def chain(k):
        s = len(fat)
        for i in range(k):
            fat.append(s + i + 1 if i < k - 1 else ENDOFCHAIN)
        return s if k else ENDOFCHAIN

    for _ in range(nfat):
        fat.append(FATSECT)
    dir_start = chain(ndir)
    minifat_start = chain(nminifat)
    mini_start = chain(nmini)
    for n in big:
        start[n.sid] = chain(sectors(n.data))
    fat += [FREESECT] * (nfat * 128 - len(fat))

    # siblings as a binary search tree (all black: readers do not check)
    def key(n):
        return (len(n.name), n.name.upper())

    def tree(kids):
        if not kids:
            return NOSTREAM, {}
        kids = sorted(kids, key=key)
        links = {}

        def build(lo, hi):
            if lo > hi:
                return NOSTREAM
            mid = (lo + hi) // 2
            links[kids[mid].sid] = (build(lo, mid - 1), build(mid + 1, hi))
            return kids[mid].sid

        return build(0, len(kids) - 1), links

    lr, child = {}, {}
    for n in nodes:
        top, links = tree(n.kids)
        child[n.sid] = top
        lr.update(links)
    d = b""
    for n in nodes:
        name = n.name.encode("utf-16-le") + b"\0\0"
        typ = 5 if n.sid == 0 else (2 if n.data is not None else 1)
        left, right = lr.get(n.sid, (NOSTREAM, NOSTREAM))
        if n.sid == 0:
            st, size = (mini_start if ministream else ENDOFCHAIN), len(ministream)
            clsid = bytes.fromhex("0B0D020000000000C000000000000046")
        elif n.data is not None:
            st, size = start[n.sid], len(n.data)
            clsid = b"\0" * 16
        else:
            st, size, clsid = 0, 0, b"\0" * 16
        d += struct.pack("<64sHBBIII16sIQQIQ", name, len(name), typ, 1, left, right,
                         child[n.sid], clsid, 0, 0, 0, st, size)
    d += (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
          + b"\0" * 48) * (ndir * 4 - len(nodes))
    hdr = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16,
                      0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, nfat, dir_start, 0, 4096,
                      minifat_start if minifat else ENDOFCHAIN, nminifat, ENDOFCHAIN, 0)
    hdr += b"".join(struct.pack("<I", i) for i in range(nfat))
    hdr += struct.pack("<I", FREESECT) * (109 - nfat)
    body = b"".join(struct.pack("<I", v) for v in fat)

    def pad(b):
        return b + b"\0" * (sectors(b) * SECT - len(b))

    body += pad(d)
    body += pad(b"".join(struct.pack("<I", v) for v in minifat))
    body += pad(ministream)
    for n in big:
        body += pad(n.data)
    return hdr + body


# ---- [MS-OXMSG] ------------------------------------------------------------
PT_LONG, PT_SYSTIME, PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 3, 0x40, 0x1E, 0x1F, 0x102, 0xD


class Props:
    def __init__(self):
        self.fixed, self.var = [], []

    def long(self, pid, v):
        self.fixed.append(struct.pack("<IIQ", PT_LONG | pid << 16, 6, v))

    def time(self, pid, unix):
        ft = (unix + 11644473600) * 10000000
        self.fixed.append(struct.pack("<IIQ", PT_SYSTIME | pid << 16, 6, ft))

    def unicode(self, pid, s):
        self.var.append((pid, PT_UNICODE, s.encode("utf-16-le") + b"\0\0"))

    def string8(self, pid, s, cp):
        self.var.append((pid, PT_STRING8, s.encode(cp) + b"\0"))

    def binary(self, pid, b):
        self.var.append((pid, PT_BINARY, b))

    def write(self, node, header):
        entries = list(self.fixed)
        for pid, typ, b in self.var:
            node.stream("__substg1.0_%04X%04X" % (pid, typ), b)
            entries.append(struct.pack("<IIII", typ | pid << 16, 6, len(b), 0))
        node.stream("__properties_version1.0", header + b"".join(entries))


def top_header(nrecip, natt):
    return struct.pack("<8sIIII8s", b"", nrecip, natt, nrecip, natt, b"")


def embedded_header(nrecip, natt):
    return struct.pack("<8sIIII", b"", nrecip, natt, nrecip, natt)


def recipient(node, i, name, addr, rtype, cp=None):
    r = node.storage("__recip_version1.0_#%08X" % i)
    p = Props()
    p.long(0x0C15, rtype)
    if cp:
        p.string8(0x3001, name, cp)
        p.string8(0x3003, addr, cp)
    else:
        p.unicode(0x3001, name)
        p.unicode(0x3003, addr)
        p.unicode(0x3002, "SMTP")
        p.unicode(0x39FE, addr)
    p.write(r, b"\0" * 8)


def attach_file(node, i, long_name, short_name, data, mime):
    a = node.storage("__attach_version1.0_#%08X" % i)
    p = Props()
    p.long(0x3705, 1)
    p.long(0x0E20, len(data))
    p.unicode(0x3707, long_name)
    p.unicode(0x3704, short_name)
    p.unicode(0x370E, mime)
    p.binary(0x3701, data)
    p.write(a, b"\0" * 8)


def attach_message(node, i, build):
    a = node.storage("__attach_version1.0_#%08X" % i)
    p = Props()
    p.long(0x3705, 5)
    p.unicode(0x3001, "forwarded")
    p.write(a, b"\0" * 8)
    build(a.storage("__substg1.0_3701000D"))


# [MS-OXRTFCP] section 3.1.1.1 and 3.1.1.2: the specification's examples.
RTF1 = bytes.fromhex("2d0000002b0000004c5a4675f1c5c7a703000a0072637067313235423"
                     "20af32068656c090020627705b06c647d0a800fa0")
RTF1_TEXT = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
RTF2 = bytes.fromhex("1a0000001c0000004c5a4675e2d44b51410004205758595a0d6e7d010eb0")
RTF2_TEXT = b"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}"

HEADERS = ("Received: from mail.evil.example (mail.evil.example [198.51.100.7])\r\n"
           "\tby mx.example.org with ESMTP id 1; Tue, 1 Oct 2024 10:00:00 +0000\r\n"
           "Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=evil.example;"
           " dkim=none\r\n"
           "From: =?UTF-8?B?57eP5YuZ6YOo?= <soumu@example.co.jp>\r\n"
           "Reply-To: attacker@evil.example\r\n"
           "To: victim@example.org\r\n"
           "Subject: invoice\r\n"
           "Message-ID: <1@evil.example>\r\n"
           "Date: Tue, 01 Oct 2024 10:00:00 +0000\r\n")


def inner_message(node):
    p = Props()
    p.unicode(0x001A, "IPM.Note")
    p.unicode(0x0037, "inner \u8acb\u6c42\u66f8")
    p.unicode(0x1000, "inner body http://inner.example.net/x\r\n")
    p.long(0x3FFD, 65001)
    p.write(node, embedded_header(0, 1))
    attach_file(node, 0, "payload.hta", "PAYLOAD.HTA", b"<script>alert(1)</script>\n", "application/hta")


def unicode_msg():
    root = Node("Root Entry")
    p = Props()
    p.unicode(0x001A, "IPM.Note")
    p.unicode(0x0037, "\u8acb\u6c42\u66f8\u306e\u4ef6 \U0001F4B0")
    p.unicode(0x0042, "\u7dcf\u52d9\u90e8 soumu@example.co.jp")
    p.unicode(0x0065, "soumu@example.co.jp")
    p.unicode(0x0C1A, "\u7dcf\u52d9\u90e8")
    p.unicode(0x0C1F, "soumu@example.co.jp")
    p.unicode(0x0C1E, "SMTP")
    p.unicode(0x0E04, "Victim; \u5c71\u7530")
    p.unicode(0x1035, "<1@evil.example>")
    p.unicode(0x007D, HEADERS)
    p.unicode(0x1000, "Please pay: https://pay.evil.example/inv?id=7 from 203.0.113.9\r\n")
    p.binary(0x1013, b'<html><body><a href="http://198.51.100.7/login">https://www.example.com/</a>'
             b"</body></html>")
    p.binary(0x1009, RTF1)
    p.time(0x0039, 1727776800)
    p.time(0x0E06, 1727776805)
    p.long(0x3FFD, 65001)
    p.long(0x3FDE, 65001)
    p.write(root, top_header(2, 3))
    recipient(root, 0, "Victim", "victim@example.org", 1)
    recipient(root, 1, "\u5c71\u7530", "yamada@example.org", 2)
    big = bytes(range(256)) * 40  # 10 KiB: a regular (not mini) stream
    attach_file(root, 0, "\u8acb\u6c42\u66f8.pdf.exe", "INVOIC~1.EXE", b"MZ\x90\0" + big, "application/octet-stream")
    attach_file(root, 1, "notes.txt", "NOTES.TXT", b"see http://notes.example.com/\n", "text/plain")
    attach_message(root, 2, inner_message)
    return root


def cp932_msg():
    root = Node("Root Entry")
    p = Props()
    p.string8(0x001A, "IPM.Note", "cp932")
    p.string8(0x0037, "\u3010\u91cd\u8981\u3011\u8acb\u6c42\u66f8\u2460\u3231", "cp932")
    p.string8(0x0C1A, "\u682a\u5f0f\u4f1a\u793e\u3231 \u7d4c\u7406", "cp932")
    p.string8(0x0C1F, "keiri@example.co.jp", "cp932")
    p.string8(0x0042, "\uff79\uff72\uff98 \u9ad9\u6a4b", "cp932")
    p.string8(0x1000, "\u304a\u652f\u6255\u3044\u306f\u3053\u3061\u3089\r\n", "cp932")
    p.binary(0x1009, RTF2)
    p.long(0x3FFD, 932)
    p.write(root, top_header(1, 1))
    recipient(root, 0, "\u5c71\u7530 \u592a\u90ce", "yamada@example.jp", 1, cp="cp932")
    a = root.storage("__attach_version1.0_#00000000")
    ap = Props()
    ap.long(0x3705, 1)
    ap.string8(0x3707, "\u8acb\u6c42\u66f8\u2460.xlsm", "cp932")
    ap.binary(0x3701, b"PK\x03\x04 not really a zip")
    ap.write(a, b"\0" * 8)
    return root


def deep_msg(levels):
    root = Node("Root Entry")
    p = Props()
    p.unicode(0x0037, "level 0")
    p.write(root, top_header(0, 1))
    node = root
    for i in range(1, levels + 1):
        a = node.storage("__attach_version1.0_#00000000")
        ap = Props()
        ap.long(0x3705, 5)
        ap.write(a, b"\0" * 8)
        node = a.storage("__substg1.0_3701000D")
        q = Props()
        q.unicode(0x0037, "level %d" % i)
        q.write(node, embedded_header(0, 1 if i < levels else 0))
    return root


# ---- the facts, read back with olefile --------------------------------------
def facts(path, tag, out):
    ole = olefile.OleFileIO(path)

    def stream(parts):
        return ole.openstream(parts).read() if ole.exists("/".join(parts)) else None

    def string(prefix, pid, cp):
        b = stream(prefix + ["__substg1.0_%04X001F" % pid])
        if b is not None:
            return b.decode("utf-16-le").rstrip("\0")
        b = stream(prefix + ["__substg1.0_%04X001E" % pid])
        return None if b is None else b.rstrip(b"\0").decode(cp)

    def props(prefix, hdr):
        b = stream(prefix + ["__properties_version1.0"]) or b""
        d = {}
        for o in range(hdr, len(b) - 15, 16):
            t, _, v = struct.unpack_from("<IIQ", b, o)
            d[(t >> 16, t & 0xFFFF)] = v
        return d

    def message(prefix, hdr, apath):
        pr = props(prefix, hdr)
        cp = {65001: "utf-8", 932: "cp932"}.get(pr.get((0x3FFD, PT_LONG)), "cp1252")
        out.append("subject\t%s\t%s\t%s" % (tag, apath, string(prefix, 0x37, cp)))
        if string(prefix, 0x0C1A, cp) is not None:
            out.append("sender\t%s\t%s\t%s" % (tag, apath, string(prefix, 0x0C1A, cp)))
        if string(prefix, 0x0042, cp) is not None:
            out.append("from\t%s\t%s\t%s" % (tag, apath, string(prefix, 0x0042, cp)))
        body = string(prefix, 0x1000, cp)
        if body is not None:
            out.append("body\t%s\t%s\t%s" % (tag, apath, hashlib.sha256(body.encode()).hexdigest()))
        kids = sorted(e for e in ole.listdir(streams=False, storages=True)
                      if len(e) == len(prefix) + 1 and e[:len(prefix)] == prefix)
        for k in [e for e in kids if e[-1].startswith("__recip_version1.0_")]:
            out.append("recipient\t%s\t%s\t%s\t%s" % (tag, apath, string(k, 0x3001, cp),
                                                      string(k, 0x3003, cp)))
        atts = [e for e in kids if e[-1].startswith("__attach_version1.0_")]
        for i, k in enumerate(atts):
            ap = (apath + "." if apath else "") + str(i + 1)
            data = stream(k + ["__substg1.0_37010102"])
            if data is not None:
                name = string(k, 0x3707, cp) or string(k, 0x3704, cp)
                out.append("attachment\t%s\t%s\t%s\t%s" % (tag, ap, name, hashlib.sha256(data).hexdigest()))
            elif ole.exists("/".join(k + ["__substg1.0_3701000D"])):
                message(k + ["__substg1.0_3701000D"], 24, ap)

    message([], 32, "")
    ole.close()


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    made = {"unicode.msg": unicode_msg(), "cp932.msg": cp932_msg(), "deep.msg": deep_msg(20)}
    ref = []
    for name, root in made.items():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(cfb_bytes(root))
        if name != "deep.msg":
            facts(path, name, ref)
    with open(os.path.join(out_dir, "unicode.msg"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out_dir, "cut.msg"), "wb") as f:
        f.write(whole[: len(whole) * 2 // 3])
    with open(os.path.join(out_dir, "rtf1.txt"), "wb") as f:
        f.write(RTF1_TEXT)
    with open(os.path.join(out_dir, "rtf2.txt"), "wb") as f:
        f.write(RTF2_TEXT)
    with open(os.path.join(out_dir, "ref.tsv"), "w") as f:
        f.write("".join(line + "\n" for line in sorted(ref)))


if __name__ == "__main__":
    main()
