/* Documents with active content: Office files with VBA macros, PDF with
 * JavaScript or launch actions, Windows shortcuts.
 * SPDX-License-Identifier: Apache-2.0
 */

rule Office_VBA_Macros : document macro
{
  meta:
    author = "artifact project"
    description = "Office document with a VBA project: an OLE2 file with a _VBA_PROJECT stream, or an OOXML package holding vbaProject.bin"
    reference = "https://learn.microsoft.com/en-us/openspecs/office_file_formats/ms-ovba/575462ba-bf67-4190-9fac-c275523c75fc"
    date = "2026-11-22"
  strings:
    $ole_vba = "_VBA_PROJECT" wide
    $ole_dir = "VBA" wide
    $ooxml_vba = "vbaProject.bin" nocase
  condition:
    (uint32(0) == 0xE011CFD0 and uint32(4) == 0xE11AB1A1 and $ole_vba and $ole_dir) or
    (uint32(0) == 0x04034B50 and $ooxml_vba)
}

rule PDF_JavaScript : document pdf
{
  meta:
    author = "artifact project"
    description = "PDF document with JavaScript (/JavaScript or /JS name)"
    reference = "https://opensource.adobe.com/dc-acrobat-sdk-docs/pdfstandards/PDF32000_2008.pdf"
    date = "2026-11-22"
  strings:
    $pdf = "%PDF-"
    $js1 = "/JavaScript"
    $js2 = /\/JS[\s\(<\/\[]/
  condition:
    $pdf in (0..1024) and any of ($js*)
}

rule PDF_Launch_Action : document pdf
{
  meta:
    author = "artifact project"
    description = "PDF document with a /Launch action (runs an application or opens a file)"
    reference = "https://opensource.adobe.com/dc-acrobat-sdk-docs/pdfstandards/PDF32000_2008.pdf"
    date = "2026-11-22"
  strings:
    $pdf = "%PDF-"
    $launch = /\/S\s*\/Launch\b/
    $launch2 = "/Launch"
  condition:
    $pdf in (0..1024) and ($launch or $launch2)
}

rule Windows_Shortcut_LNK : filetype lnk
{
  meta:
    author = "artifact project"
    description = "Windows shortcut (Shell Link): header size 0x4C and the LinkCLSID 00021401-0000-0000-C000-000000000046"
    reference = "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-shllink/16cb4ca1-9339-4d0c-a68d-bf1d6cc0f943"
    date = "2026-11-22"
  strings:
    $clsid = { 01 14 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 }
  condition:
    uint32(0) == 0x0000004C and $clsid at 4
}
