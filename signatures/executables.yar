/* Executable file formats: Windows PE, ELF, Mach-O.
 * SPDX-License-Identifier: Apache-2.0
 */

rule PE_File : filetype executable
{
  meta:
    author = "artifact project"
    description = "Windows PE image: MZ header whose e_lfanew points at a PE signature"
    reference = "https://learn.microsoft.com/en-us/windows/win32/debug/pe-format"
    date = "2026-11-22"
  condition:
    uint16(0) == 0x5A4D and
    uint32(0x3C) < filesize and
    uint32(uint32(0x3C)) == 0x00004550
}

rule ELF_File : filetype executable
{
  meta:
    author = "artifact project"
    description = "ELF object, executable or shared library (7F 'ELF' with a valid class and data encoding)"
    reference = "https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html"
    date = "2026-11-22"
  condition:
    uint32(0) == 0x464C457F and
    (uint8(4) == 1 or uint8(4) == 2) and
    (uint8(5) == 1 or uint8(5) == 2)
}

rule MachO_File : filetype executable
{
  meta:
    author = "artifact project"
    description = "Mach-O image (32/64-bit, either byte order) or universal (fat) binary; fat headers are told from Java classes by their small architecture count"
    reference = "https://github.com/apple-oss-distributions/xnu/blob/main/EXTERNAL_HEADERS/mach-o/loader.h"
    date = "2026-11-22"
  condition:
    uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
    uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE or
    (uint32be(0) == 0xCAFEBABE and uint32be(4) > 0 and uint32be(4) < 0x14)
}
