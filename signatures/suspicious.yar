/* Suspicious indicators: PowerShell encoded commands and download cradles,
 * web shells' typical patterns, executables embedded in documents or images.
 * SPDX-License-Identifier: Apache-2.0
 */

rule PowerShell_Encoded_Command : suspicious powershell
{
  meta:
    author = "artifact project"
    description = "powershell/pwsh started with -EncodedCommand (or any abbreviation of it) and a base64 argument"
    reference = "https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_pwsh#-encodedcommand---e---ec"
    date = "2026-11-22"
  strings:
    $enc = /(powershell|pwsh)(\.exe)?["']?\s[^\r\n]{0,100}[-\/]e[a-z]{0,13}\s+["']?[a-z0-9+\/]{40,}/ nocase
  condition:
    $enc
}

rule PowerShell_Download_Cradle : suspicious powershell
{
  meta:
    author = "artifact project"
    description = "PowerShell download cradle: a download (WebClient, Invoke-WebRequest, Invoke-RestMethod, BITS) executed with Invoke-Expression"
    reference = "https://attack.mitre.org/techniques/T1059/001/"
    date = "2026-11-22"
  strings:
    $iex1 = /\bIEX\b/ nocase
    $iex2 = "Invoke-Expression" nocase
    $dl1 = /Net\.WebClient\)?\s*\)?\s*\.Download(String|Data|File)/ nocase
    $dl2 = /\.Download(String|Data)\s*\(/ nocase
    $dl3 = "Invoke-WebRequest" nocase
    $dl4 = /\biwr\s+['"]?https?:/ nocase
    $dl5 = "Invoke-RestMethod" nocase
    $dl6 = "Start-BitsTransfer" nocase
  condition:
    any of ($iex*) and any of ($dl*)
}

rule WebShell_PHP_Generic : suspicious webshell
{
  meta:
    author = "artifact project"
    description = "PHP web shell pattern: code execution functions fed directly from request input"
    reference = "https://attack.mitre.org/techniques/T1505/003/"
    date = "2026-11-22"
  strings:
    $php = "<?"
    $x1 = /(eval|assert|system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\(\s*(base64_decode\s*\(\s*|gzinflate\s*\(\s*|str_rot13\s*\(\s*|stripslashes\s*\(\s*)*\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/ nocase
    $x2 = /preg_replace\s*\(\s*['"].{1,40}\/e['"]\s*,\s*\$_(POST|GET|REQUEST)/ nocase
    $x3 = /\$_(POST|GET|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)/ nocase
  condition:
    $php and any of ($x*)
}

rule WebShell_JSP_Exec : suspicious webshell
{
  meta:
    author = "artifact project"
    description = "JSP web shell pattern: Runtime.exec or ProcessBuilder fed from a request parameter"
    reference = "https://attack.mitre.org/techniques/T1505/003/"
    date = "2026-11-22"
  strings:
    $x1 = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter\s*\(/
    $x2 = /new\s+ProcessBuilder\s*\([^;]{0,80}request\.getParameter\s*\(/
  condition:
    any of them
}

rule WebShell_ASPX_Eval : suspicious webshell
{
  meta:
    author = "artifact project"
    description = "ASP/ASPX web shell pattern: eval or Execute of request input, or a process started from it"
    reference = "https://attack.mitre.org/techniques/T1505/003/"
    date = "2026-11-22"
  strings:
    $x1 = /\beval\s*\(\s*Request(\.Item|\.Form|\.QueryString)?\s*[\[\(]/ nocase
    $x2 = /\bExecute(Global)?\s*\(?\s*Request(\.Item|\.Form|\.QueryString)?\s*[\[\(]/ nocase
    $x3 = /Process\.Start\s*\([^;]{0,80}Request(\.Item|\.Form|\.QueryString)?\s*[\[\(]/ nocase
  condition:
    any of them
}

rule Embedded_PE_In_Document : suspicious embedded
{
  meta:
    author = "artifact project"
    description = "Executable (MZ header with its DOS stub) embedded inside a PDF, RTF, OLE2, ZIP/OOXML, JPEG, PNG or GIF file"
    reference = "https://attack.mitre.org/techniques/T1027/009/"
    date = "2026-11-22"
  strings:
    $stub = "This program cannot be run in DOS mode"
  condition:
    (uint32(0) == 0x46445025 or                          // %PDF
     uint32(0) == 0x74725C7B or                          // {\rt
     (uint32(0) == 0xE011CFD0 and uint32(4) == 0xE11AB1A1) or
     uint32(0) == 0x04034B50 or                          // PK\3\4
     uint16(0) == 0xD8FF or                              // JPEG
     uint32(0) == 0x474E5089 or                          // \x89PNG
     uint32(0) == 0x38464947) and                        // GIF8
    for any i in (1..#stub) :
      (@stub[i] >= 0x4E and uint16(@stub[i] - 0x4E) == 0x5A4D)
}
