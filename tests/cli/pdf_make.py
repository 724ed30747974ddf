#!/usr/bin/python3
# Writes test PDFs by hand (objects, streams, xref) into DIR and, beside
# them, what they hold (ref.tsv): the JavaScript and embedded files'
# SHA-256, the URIs and launch targets. pdfid.py's counts are taken by the
# test itself.
# SPDX-License-Identifier: Apache-2.0
import hashlib, os, sys, zlib

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
ref = []


def pdf(objs, root=1, broken_xref=False):
    b = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(b))
        b += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(b)
    b += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        b += b"%010d 00000 n \n" % (o + 7 if broken_xref else o)
    b += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, root, 9 if broken_xref else x)
    return bytes(b)


def stream(data, extra=b"", compress=True):
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


js = b"var u = 'http://198.51.100.7/p'; app.launchURL(u, true);"
page = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Annots [6 0 R] >>"
objs = [
    b"<< /Type /Catalog /Pages 3 0 R /OpenAction 4 0 R >>",
    page,
    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    b"<< /Type /Action /S /J#61vaScript /JS 5 0 R >>",  # hex-obfuscated name
    stream(js),
    b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /URI /URI (http://evil.example.com/login) >> >>",
]
open(os.path.join(out, "js.pdf"), "wb").write(pdf(objs))
ref.append("js.pdf\tjavascript\t%s" % hashlib.sha256(js).hexdigest())
ref.append("js.pdf\turi\thttp://evil.example.com/login")
open(os.path.join(out, "broken.pdf"), "wb").write(pdf(objs, broken_xref=True))
ref.append("broken.pdf\tjavascript\t%s" % hashlib.sha256(js).hexdigest())
ref.append("broken.pdf\turi\thttp://evil.example.com/login")

exe = b"MZ\x90\x00" + bytes(range(256)) * 4
objs = [
    b"<< /Type /Catalog /Pages 3 0 R /Names << /EmbeddedFiles << /Names [(invoice.pdf.exe) 4 0 R] >> >> >>",
    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>",
    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    b"<< /Type /Filespec /F (invoice.pdf.exe) /UF (invoice.pdf.exe) /EF << /F 5 0 R >> >>",
    stream(exe, b" /Type /EmbeddedFile"),
]
open(os.path.join(out, "embedded.pdf"), "wb").write(pdf(objs))
ref.append("embedded.pdf\tembedded\tinvoice.pdf.exe\t%s" % hashlib.sha256(exe).hexdigest())

objs = [
    b"<< /Type /Catalog /Pages 3 0 R /OpenAction 4 0 R >>",
    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>",
    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    b"<< /S /Launch /Win << /F (cmd.exe) /P (/c powershell -enc AAAA) >> >>",
]
open(os.path.join(out, "launch.pdf"), "wb").write(pdf(objs))
ref.append("launch.pdf\tlaunch\tcmd.exe\t/c powershell -enc AAAA")

objs = [
    b"<< /Type /Catalog /Pages 3 0 R >>",
    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    stream(b"BT /F1 12 Tf 72 712 Td (hello) Tj ET"),
]
open(os.path.join(out, "plain.pdf"), "wb").write(pdf(objs))

with open(os.path.join(out, "ref.tsv"), "w") as f:
    f.write("\n".join(sorted(ref)) + "\n")
