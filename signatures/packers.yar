/* Executable packers, by their public markers (section names, stub strings).
 * SPDX-License-Identifier: Apache-2.0
 */
import "pe"

rule UPX_Packed : packer
{
  meta:
    author = "artifact project"
    description = "UPX-packed PE (UPX0/UPX1 sections) or ELF (UPX! marker)"
    reference = "https://github.com/upx/upx/blob/devel/doc/upx-doc.txt"
    date = "2026-11-22"
  strings:
    $marker = "UPX!"
  condition:
    (pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
       (pe.sections[i].name == "UPX0" or pe.sections[i].name == "UPX1")) or
    (uint32(0) == 0x464C457F and $marker in (0..0x400))
}

rule MPRESS_Packed : packer
{
  meta:
    author = "artifact project"
    description = "MPRESS-packed PE (.MPRESS1/.MPRESS2 sections)"
    reference = "https://www.matcode.com/mpress.htm"
    date = "2026-11-22"
  condition:
    pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == ".MPRESS1" or pe.sections[i].name == ".MPRESS2")
}

rule ASPack_Packed : packer
{
  meta:
    author = "artifact project"
    description = "ASPack-packed PE (.aspack section)"
    reference = "http://www.aspack.com/aspack.html"
    date = "2026-11-22"
  condition:
    pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == ".aspack" or pe.sections[i].name == ".adata")
}

rule PECompact_Packed : packer
{
  meta:
    author = "artifact project"
    description = "PECompact-packed PE (PEC2 section names or the PECompact2 marker)"
    reference = "https://bitsum.com/portfolio/pecompact/"
    date = "2026-11-22"
  strings:
    $marker = "PECompact2"
  condition:
    pe.is_pe and
    ($marker or for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == "PEC2" or pe.sections[i].name == "PEC2TO" or
       pe.sections[i].name == "PEC2MO"))
}

rule NsPack_Packed : packer
{
  meta:
    author = "artifact project"
    description = "NsPack-packed PE (.nsp0/.nsp1/.nsp2 sections)"
    reference = "https://www.hexacorn.com/blog/2016/12/15/pe-section-names-re-visited/"
    date = "2026-11-22"
  condition:
    pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == ".nsp0" or pe.sections[i].name == ".nsp1" or
       pe.sections[i].name == ".nsp2")
}

rule Petite_Packed : packer
{
  meta:
    author = "artifact project"
    description = "Petite-packed PE (.petite section)"
    reference = "https://www.un4seen.com/petite/"
    date = "2026-11-22"
  condition:
    pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == ".petite")
}

rule Themida_Protected : packer
{
  meta:
    author = "artifact project"
    description = "Themida/WinLicense-protected PE (.themida or .winlice sections)"
    reference = "https://www.hexacorn.com/blog/2016/12/15/pe-section-names-re-visited/"
    date = "2026-11-22"
  condition:
    pe.is_pe and for any i in (0..pe.number_of_sections - 1) :
      (pe.sections[i].name == ".themida" or pe.sections[i].name == ".winlice")
}
