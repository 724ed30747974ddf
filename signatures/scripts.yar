/* Script files: PowerShell, VBScript, JScript, Unix shell, HTML Applications.
 * SPDX-License-Identifier: Apache-2.0
 */

rule PowerShell_Script : filetype script
{
  meta:
    author = "artifact project"
    description = "PowerShell script: a pwsh shebang, or several cmdlet-style constructs"
    reference = "https://learn.microsoft.com/en-us/powershell/scripting/developer/cmdlet/approved-verbs-for-windows-powershell-commands"
    date = "2026-11-22"
  strings:
    $shebang = /^#![^\n]{0,40}\b(pwsh|powershell)\b/
    $p1 = "[CmdletBinding(" nocase
    $p2 = /\bparam\s*\(\s*\[/ nocase
    $p3 = "Write-Host" nocase
    $p4 = "Write-Output" nocase
    $p5 = /\b(Get|Set|New|Remove|Invoke|Start|Import)-[A-Z][A-Za-z]+/
    $p6 = "$PSScriptRoot" nocase
    $p7 = "$env:" nocase
    $p8 = /\|\s*(ForEach-Object|Where-Object|Select-Object|Out-Null)\b/ nocase
    $p9 = "-ErrorAction" nocase
  condition:
    filesize < 10MB and uint16(0) != 0x5A4D and
    ($shebang at 0 or 3 of ($p*))
}

rule VBScript_File : filetype script
{
  meta:
    author = "artifact project"
    description = "VBScript: Windows Script Host objects together with VBScript statements"
    reference = "https://learn.microsoft.com/en-us/previous-versions/t0aew7h6(v=vs.85)"
    date = "2026-11-22"
  strings:
    $obj1 = "CreateObject(" nocase
    $obj2 = "WScript." nocase
    $v1 = /(^|\n)\s*Dim\s+\w+/ nocase
    $v2 = /(^|\n)\s*Set\s+\w+\s*=/ nocase
    $v3 = "End Sub" nocase
    $v4 = "End Function" nocase
    $v5 = "On Error Resume Next" nocase
    $v6 = /(^|\n)\s*Sub\s+\w+/ nocase
  condition:
    filesize < 10MB and uint16(0) != 0x5A4D and
    any of ($obj*) and 2 of ($v*)
}

rule JScript_File : filetype script
{
  meta:
    author = "artifact project"
    description = "JScript for Windows Script Host: ActiveXObject or WScript with JavaScript syntax"
    reference = "https://learn.microsoft.com/en-us/previous-versions/windows/internet-explorer/ie-developer/scripting-articles/7sw4ddf8(v=vs.94)"
    date = "2026-11-22"
  strings:
    $ax = /new\s+ActiveXObject\s*\(/ nocase
    $ws1 = "WScript.CreateObject(" nocase
    $ws2 = "WScript.Shell" nocase
    $ws3 = "WScript.Echo(" nocase
    $js1 = /(^|[\n;{])\s*var\s+\w+\s*=/
    $js2 = /function\s*\w*\s*\(/
  condition:
    filesize < 10MB and uint16(0) != 0x5A4D and
    ($ax or any of ($ws*)) and any of ($js*)
}

rule Shell_Script : filetype script
{
  meta:
    author = "artifact project"
    description = "Unix shell script (sh, bash, dash, zsh, ksh, busybox) by its #! line"
    reference = "https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html"
    date = "2026-11-22"
  strings:
    $shebang = /^#!\s*(\/usr)?\/bin\/(env\s+)?(ba|da|z|k|a)?sh\b/
    $busybox = /^#!\s*\/bin\/busybox\s+sh\b/
  condition:
    $shebang at 0 or $busybox at 0
}

rule HTA_File : filetype script
{
  meta:
    author = "artifact project"
    description = "HTML Application (mshta): an HTA:APPLICATION element"
    reference = "https://learn.microsoft.com/en-us/previous-versions/ms536495(v=vs.85)"
    date = "2026-11-22"
  strings:
    $hta = /<\s*HTA:APPLICATION\b/ nocase
  condition:
    filesize < 10MB and $hta
}
