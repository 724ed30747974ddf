/* Rules written for what the dissectors hand to YARA: decompressed VBA
 * module source, OOXML relationship parts (archive members), PDFs with
 * hex-obfuscated names, Windows shortcut arguments.
 * SPDX-License-Identifier: Apache-2.0
 */

rule VBA_AutoExec_Downloader : macro suspicious
{
  meta:
    author = "artifact project"
    description = "VBA module source (as the ole dissector decompresses it) with an auto-exec entry point and a download or file-drop call"
    reference = "https://github.com/decalage2/oletools/wiki/olevba"
    date = "2026-12-03"
  strings:
    $attr = "Attribute VB_Name" nocase
    $auto1 = /\b(Auto_?Open|AutoExec|AutoClose|Auto_Close|Document_Open|DocumentOpen|Document_Close|Workbook_Open|Workbook_Activate)\b/ nocase
    $dl1 = "URLDownloadToFile" nocase
    $dl2 = "XMLHTTP" nocase
    $dl3 = "WinHttp.WinHttpRequest" nocase
    $dl4 = "Net.WebClient" nocase
    $dl5 = "DownloadFile" nocase
    $dl6 = "DownloadString" nocase
    $dl7 = "ADODB.Stream" nocase
    $dl8 = "InternetOpenUrl" nocase
  condition:
    $attr in (0..200) and $auto1 and any of ($dl*)
}

rule OOXML_External_Relationship_Suspicious : document ooxml
{
  meta:
    author = "artifact project"
    description = "OOXML relationship part with an external target used to fetch content when the document opens: a remote template (attachedTemplate), a remote OLE object or frame, or an mhtml:/ms-msdt: link"
    reference = "https://learn.microsoft.com/en-us/openspecs/office_standards/ms-oi29500/"
    date = "2026-12-03"
  strings:
    $rels = "<Relationships" ascii
    $ext = "TargetMode=\"External\"" ascii nocase
    $t1 = /Type="[^"]{0,120}\/(attachedTemplate|oleObject|frame|subDocument)"[^>]{0,400}TargetMode="External"/ nocase
    $t2 = /Target="(mhtml|ms-msdt|ms-search|search-ms|ms-officecmd):/ nocase
  condition:
    $rels in (0..200) and $ext and any of ($t*)
}

rule PDF_OpenAction_JavaScript : document pdf
{
  meta:
    author = "artifact project"
    description = "PDF that runs JavaScript when opened: /OpenAction (or /AA) and /JavaScript or /JS, names matched also when written with #xx escapes in either half (/J#61vaScript, /Open#41ction), as pdfid decodes them"
    reference = "https://blog.didierstevens.com/programs/pdf-tools/"
    date = "2026-12-03"
  strings:
    $pdf = "%PDF-"
    $open1 = /\/Open(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[fF])(n|#6[eE])/
    $open2 = /\/(O|#4[fF])(p|#70)(e|#65)(n|#6[eE])Action/
    $aa = /\/AA[\s<\/]/
    $js1 = /\/Java(S|#53)(c|#63)(r|#72)(i|#69)(p|#70)(t|#74)/
    $js2 = /\/(J|#4[aA])(a|#61)(v|#76)(a|#61)Script/
    $js3 = /\/JS[\s\(<\/\[]/
    $js4 = /\/J#53[\s\(<\/\[]/
    $js5 = /\/#4[aA](S|#53)[\s\(<\/\[]/
  condition:
    $pdf in (0..1024) and (any of ($open*) or $aa) and any of ($js*)
}

rule LNK_PowerShell_EncodedCommand : lnk suspicious powershell
{
  meta:
    author = "artifact project"
    description = "Windows shortcut whose arguments start PowerShell with an encoded command (-enc / -EncodedCommand), as in shortcut phishing"
    reference = "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-shllink/16cb4ca1-9339-4d0c-a68d-bf1d6cc0f943"
    date = "2026-12-03"
  strings:
    $ps = "powershell" wide nocase
    $enc1 = /-e(nc|ncodedcommand|c)?\x00 \x00/ nocase
    $enc2 = "-EncodedCommand" wide nocase
    $enc3 = "-enc " wide nocase
  condition:
    uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and
    (($ps and any of ($enc*)) or ($enc2 and filesize < 64KB))
}
