#!/usr/bin/python3
# Builds test mails with Python's stdlib email package and writes what the
# stdlib reads back from them (the reference for test_dissect.sh): decoded
# subject and From, and every leaf part's file name, type and decoded
# payload SHA-256.
# SPDX-License-Identifier: Apache-2.0
import base64, hashlib, io, mailbox, os, sys, zipfile
from email import message_from_bytes, policy
from email.header import Header, decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def sjis_word(s):
    return "=?Shift_JIS?B?" + base64.b64encode(s.encode("cp932")).decode() + "?="


def cp50221_word(s):
    """ISO-2022-JP as Outlook writes it (CP50221): the CP932 bytes turned
    back into JIS rows, which keeps NEC row 13 (circled digits, ㈱)."""
    sj = s.encode("cp932")
    out_b, i, kanji = bytearray(), 0, False
    while i < len(sj):
        b = sj[i]
        if b < 0x80:
            if kanji:
                out_b += b"\x1b(B"
                kanji = False
            out_b.append(b)
            i += 1
            continue
        s1, s2 = b, sj[i + 1]
        i += 2
        r = (s1 - 0x70 if s1 < 0xA0 else s1 - 0xB0) * 2 - 1
        if s2 >= 0x9F:
            r += 1
            c = s2 - 0x7E
        else:
            c = s2 - (0x20 if s2 > 0x7F else 0x1F)
        if not kanji:
            out_b += b"\x1b$B"
            kanji = True
        out_b += bytes([r, c])
    if kanji:
        out_b += b"\x1b(B"
    return "=?ISO-2022-JP?B?" + base64.b64encode(bytes(out_b)).decode() + "?="


zb = io.BytesIO()
with zipfile.ZipFile(zb, "w") as z:
    z.writestr("inner.txt", "callback http://198.51.100.5/x\n")
ZIP = zb.getvalue()

mails = {}

# 1. ISO-2022-JP subject and display name, plain + HTML + attachments.
m = EmailMessage()
m["From"] = Header("山田 太郎", "iso-2022-jp").encode() + " <taro@example.co.jp>"
m["To"] = "victim@corp.example.jp"
m["Subject"] = Header("請求書のご確認（至急）", "iso-2022-jp").encode()
m["Date"] = "Tue, 01 Dec 2026 10:00:00 +0900"
m.set_content("本文です。 http://203.0.113.9/invoice\n", charset="iso-2022-jp")
m.add_alternative('<p><a href="http://evil.example/l">https://www.paypal.com/</a></p>', subtype="html")
m.add_attachment(ZIP, maintype="application", subtype="zip", filename="Invoice.zip")
m.add_attachment(b"MZ\x90\x00fake", maintype="application", subtype="octet-stream",
                 filename="Invoice_2024.pdf.exe")
mails["jis.eml"] = m.as_bytes()

# 2. Shift_JIS subject written by hand (the stdlib re-encodes Shift_JIS as
#    ISO-2022-JP), UTF-8 Q display name, quoted-printable body.
m = EmailMessage()
m["From"] = "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>"
m["To"] = "a@example.org, b@example.org"
m["Subject"] = sjis_word("ｶﾀｶﾅと漢字の件名")
m.set_content("Zahlung f\u00fcr Rechnung: https://pay.example.de/r?id=1 " * 4 + "\n",
              cte="quoted-printable")
# A long Japanese file name: RFC 2231 with continuations.
m.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf",
                 filename="請求書 2024年12月分 " + "長いファイル名" * 6 + ".pdf")
mails["sjis.eml"] = m.as_bytes()

# 3. CP50221 extensions (NEC row 13) in ISO-2022-JP, a nested message/rfc822
#    with its own attachment, and a Reply-To on another domain.
inner = EmailMessage()
inner["From"] = "boss@example.com"
inner["Subject"] = "forwarded"
inner.set_content("inner body\n")
inner.add_attachment(b"%PDF-1.4\n%fake\n", maintype="application", subtype="pdf",
                     filename="report.pdf")
m = EmailMessage()
m["From"] = "Accounts <acc@example.com>"
m["Reply-To"] = "acc@elsewhere.example.net"
m["To"] = "x@example.org"
m["Subject"] = cp50221_word("①②㈱テスト")
m.set_content("see attached\n")
m.add_attachment(inner)
# An attachment name as Japanese mailers write it: an ISO-2022-JP encoded
# word (with a CP50221 character) in filename= and name=.
m.add_attachment(b"PK\x05\x06" + b"\x00" * 18, maintype="application", subtype="zip",
                 filename=cp50221_word("①請求書.zip"))
mails["cp50221.eml"] = m.as_bytes()

# 4. UTF-8 subject split into two B words in the middle of a character.
raw = "あいうえお漢字".encode()
w1 = base64.b64encode(raw[:7]).decode()
w2 = base64.b64encode(raw[7:]).decode()
mails["split.eml"] = (
    "From: x@example.org\r\nTo: y@example.org\r\nSubject: =?UTF-8?B?%s?=\r\n =?UTF-8?B?%s?=\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n" % (w1, w2)
).encode()

# 5. A uuencoded attachment inside a plain-text body.
payload = bytes(range(256)) * 3
import binascii
uu = "begin 644 data.bin\n"
for i in range(0, len(payload), 45):
    uu += binascii.b2a_uu(payload[i:i + 45]).decode()
uu += "`\nend\n"
m = EmailMessage()
m["From"] = "u@example.org"
m["To"] = "v@example.org"
m["Subject"] = "uu"
m.set_content("old style:\n" + uu)
mails["uu.eml"] = m.as_bytes()

ref = []
for name, data in mails.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    msg = message_from_bytes(data, policy=policy.compat32)
    subj = msg["Subject"]
    if name == "cp50221.eml":
        # Python has no CP50221 codec: the text the test wrote is the reference.
        subj = "①②㈱テスト"
    else:
        subj = str(make_header(decode_header(subj)))
    ref.append("subject\t%s\t%s" % (name, subj))
    fname, faddr = getaddresses([str(make_header(decode_header(msg["From"])))])[0]
    ref.append("from\t%s\t%s\t%s" % (name, fname, faddr))
    for part in msg.walk():
        if part.is_multipart():
            continue
        body = part.get_payload(decode=True)
        if body is None:
            continue
        ref.append("part\t%s\t%s" % (name, hashlib.sha256(body).hexdigest()))
        fn = part.get_filename()
        if fn and fn.startswith("=?ISO-2022-JP?"):
            # the stdlib leaves encoded words in parameters undecoded (and
            # has no CP50221 codec): the name the test wrote
            fn = "①請求書.zip"
        if fn:
            ref.append("attachment\t%s\t%s" % (name, fn))
    if name == "uu.eml":
        ref.append("uudecoded\t%s\t%s" % (name, hashlib.sha256(payload).hexdigest()))

# An mbox of all of them, as the stdlib's mailbox module writes it.
box = mailbox.mbox(os.path.join(out, "all.mbox"))
for name, data in mails.items():
    box.add(data)
box.flush()
box.close()
ref.append("mbox\tall.mbox\t%d" % len(mailbox.mbox(os.path.join(out, "all.mbox"))))

with open(os.path.join(out, "ref.tsv"), "w") as f:
    f.write("\n".join(sorted(ref)) + "\n")
