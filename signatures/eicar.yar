/* The EICAR anti-malware test file.
 * SPDX-License-Identifier: Apache-2.0
 */

rule EICAR_Test_File : test
{
  meta:
    author = "artifact project"
    description = "EICAR standard anti-malware test file: the 68-byte string at offset 0, optionally followed by white space, at most 128 bytes"
    reference = "https://www.eicar.org/download-anti-malware-testfile/"
    date = "2026-11-22"
  strings:
    $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
  condition:
    $eicar at 0 and filesize <= 128
}
