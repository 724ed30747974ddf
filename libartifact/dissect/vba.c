/* VBA projects inside compound files: the MS-OVBA decompression, the dir
 * stream's module records, module source as children, and the auto-exec
 * and suspicious keywords olevba looks for.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dissect_private.h"
#include "text_private.h"

#define MAX_SOURCE  (16u << 20) /* decompressed bytes per module */
#define MAX_MODULES 1000

/* ---- MS-OVBA 2.4.1 decompression ------------------------------------------
 */

uint8_t *
art__vba_decompress(const uint8_t *in, size_t len, size_t max, size_t *out_len)
{
  uint8_t *out;
  size_t cap = 4096, o = 0, i = 1;
  *out_len = 0;
  if (len < 1 || in[0] != 0x01)
    return NULL;
  out = malloc(cap);
  if (!out)
    return NULL;
  while (i + 2 <= len && o < max) {
    uint16_t hdr = (uint16_t)(in[i] | in[i + 1] << 8);
    size_t chunk_len = (size_t)(hdr & 0x0fff) + 3;
    int compressed = (hdr & 0x8000) != 0;
    size_t end = i + chunk_len < len ? i + chunk_len : len;
    size_t chunk_start = o;
    if (((hdr >> 12) & 7) != 3)
      break; /* not a chunk signature: the container ends here */
    i += 2;
    if (o + 4096 > cap) {
      while (o + 4096 > cap)
        cap *= 2;
      uint8_t *p = realloc(out, cap);
      if (!p) {
        free(out);
        return NULL;
      }
      out = p;
    }
    if (!compressed) {
      size_t n = end - i < 4096 ? end - i : 4096;
      memcpy(out + o, in + i, n);
      o += n;
      i = end;
      continue;
    }
    while (i < end && o - chunk_start < 4096) {
      uint8_t flags = in[i++];
      for (int bit = 0; bit < 8 && i < end && o - chunk_start < 4096; bit++) {
        if (!(flags & (1u << bit))) {
          out[o++] = in[i++];
          continue;
        }
        if (i + 2 > end) {
          i = end;
          break;
        }
        uint16_t tok = (uint16_t)(in[i] | in[i + 1] << 8);
        i += 2;
        size_t d = o - chunk_start;
        unsigned bc = 4;
        while ((1u << bc) < d)
          bc++;
        if (bc > 12)
          bc = 12;
        uint16_t len_mask = (uint16_t)(0xffffu >> bc);
        size_t cl = (size_t)(tok & len_mask) + 3;
        size_t off = (size_t)(tok >> (16 - bc)) + 1;
        if (off > d) {
          /* a copy from before the chunk: damaged */
          i = end;
          break;
        }
        for (size_t k = 0; k < cl && o - chunk_start < 4096; k++, o++)
          out[o] = out[o - off];
      }
    }
    i = end;
  }
  if (o > max)
    o = max;
  *out_len = o;
  return out;
}

/* ---- dir stream ------------------------------------------------------------
 */

typedef struct vba_module {
  char *name;      /* MODULENAMEUNICODE, else MODULENAME */
  char *stream;    /* MODULESTREAMNAMEUNICODE, else MODULESTREAMNAME */
  uint32_t offset; /* MODULEOFFSET: where the source starts */
  int procedural;  /* MODULETYPE 0x21 (.bas), else 0x22 (.cls) */
} vba_module;

/* Bytes in code page CP (or UTF-16LE when CP is 1200) to UTF-8; bytes
 * iconv rejects become U+FFFD. */
static char *to_utf8(const uint8_t *p, size_t n, unsigned cp)
{
  char csname[32];
  iconv_t cd;
  size_t cap = n * 3 + 16, o = 0;
  char *out = malloc(cap);
  if (!out)
    return NULL;
  if (cp == 1200)
    snprintf(csname, sizeof csname, "UTF-16LE");
  else if (cp == 65001)
    snprintf(csname, sizeof csname, "UTF-8");
  else if (cp == 10000)
    snprintf(csname, sizeof csname, "MACINTOSH");
  else
    snprintf(csname, sizeof csname, "CP%u", cp ? cp : 1252u);
  cd = iconv_open("UTF-8", csname);
  if (cd == (iconv_t)-1)
    cd = iconv_open("UTF-8", "CP1252");
  char *ip = (char *)(uintptr_t)p, *op = out;
  size_t il = n, ol = cap - 1;
  while (il > 0 && cd != (iconv_t)-1) {
    if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
      break;
    if (errno == E2BIG || ol < 4)
      break;
    memcpy(op, "\xef\xbf\xbd", 3);
    op += 3;
    ol -= 3;
    ip++;
    il--;
  }
  if (cd != (iconv_t)-1)
    iconv_close(cd);
  o = (size_t)(op - out);
  out[o] = '\0';
  return out;
}

/* Parse the decompressed dir stream into MODS; returns the count and sets
 * *CODEPAGE. */
static size_t parse_dir(const uint8_t *d,
                        size_t n,
                        vba_module *mods,
                        size_t max,
                        unsigned *codepage,
                        int *bad)
{
  size_t i = 0, count = 0;
  vba_module cur = {0};
  int in_module = 0;
  *codepage = 1252;
  while (i + 6 <= n) {
    uint16_t id = le16(d + i);
    uint32_t size = le32(d + i + 2);
    size_t data = i + 6;
    if (id == 0x0009) {
      /* PROJECTVERSION: Reserved (4, stored as the size), then 6 bytes */
      i = data + 6;
      continue;
    }
    if (size > n - data) {
      *bad = 1;
      break;
    }
    const uint8_t *v = d + data;
    switch (id) {
    case 0x0003: /* PROJECTCODEPAGE */
      if (size >= 2)
        *codepage = le16(v);
      break;
    case 0x0019: /* MODULENAME */
      if (in_module) {
        free(cur.name);
        free(cur.stream);
      }
      memset(&cur, 0, sizeof cur);
      cur.procedural = 1;
      in_module = 1;
      cur.name = to_utf8(v, size, *codepage);
      break;
    case 0x0047: /* MODULENAMEUNICODE */
      if (in_module && size) {
        free(cur.name);
        cur.name = to_utf8(v, size, 1200);
      }
      break;
    case 0x001a: /* MODULESTREAMNAME */
      if (in_module) {
        free(cur.stream);
        cur.stream = to_utf8(v, size, *codepage);
      }
      break;
    case 0x0032: /* MODULESTREAMNAMEUNICODE (reserved id) */
      if (in_module && size) {
        free(cur.stream);
        cur.stream = to_utf8(v, size, 1200);
      }
      break;
    case 0x0031: /* MODULEOFFSET */
      if (in_module && size >= 4)
        cur.offset = le32(v);
      break;
    case 0x0021:
      cur.procedural = 1;
      break;
    case 0x0022:
      cur.procedural = 0;
      break;
    case 0x002b: /* TERMINATOR of a module */
      if (in_module) {
        if (count < max && cur.stream)
          mods[count++] = cur;
        else {
          free(cur.name);
          free(cur.stream);
        }
        memset(&cur, 0, sizeof cur);
        in_module = 0;
      }
      break;
    default:
      break;
    }
    i = data + size;
  }
  if (in_module) {
    if (count < max && cur.stream)
      mods[count++] = cur;
    else {
      free(cur.name);
      free(cur.stream);
    }
  }
  return count;
}

/* ---- keywords, as olevba ----------------------------------------------------
 */

static const char *const autoexec_kw[] = {"AutoExec",
                                          "AutoOpen",
                                          "DocumentOpen",
                                          "AutoExit",
                                          "AutoClose",
                                          "Document_Close",
                                          "DocumentBeforeClose",
                                          "DocumentChange",
                                          "AutoNew",
                                          "Document_New",
                                          "NewDocument",
                                          "Document_Open",
                                          "Document_BeforeClose",
                                          "Auto_Open",
                                          "Workbook_Open",
                                          "Workbook_Activate",
                                          "Auto_Ope",
                                          "Auto_Close",
                                          "Workbook_Close",
                                          "Workbook_BeforeClose",
                                          "Worksheet_Calculate"};

/* Identifier suffixes olevba treats as auto-exec event handlers
 * (\w+_Click ...). */
static const char *const autoexec_suffix[] = {"_Painted",
                                              "_Painting",
                                              "_GotFocus",
                                              "_LostFocus",
                                              "_MouseHover",
                                              "_Click",
                                              "_Change",
                                              "_Resize",
                                              "_BeforeNavigate2",
                                              "_BeforeScriptExecute",
                                              "_DocumentComplete",
                                              "_DownloadBegin",
                                              "_DownloadComplete",
                                              "_FileDownload",
                                              "_NavigateComplete2",
                                              "_NavigateError",
                                              "_ProgressChange",
                                              "_PropertyChange",
                                              "_SetSecureLockIcon",
                                              "_StatusTextChange",
                                              "_TitleChange",
                                              "_MouseMove",
                                              "_MouseEnter",
                                              "_MouseLeave",
                                              "_Layout",
                                              "_OnConnecting",
                                              "_FollowHyperlink",
                                              "_ContentControlOnEnter"};

static const char *const suspicious_kw[] = {
    "Environ", "Win32_Environment", "Environment", "ExpandEnvironmentStrings",
    "HKCU\\Environment", "HKEY_CURRENT_USER\\Environment", "Open", "Write",
    "Put", "Output", "Print #", "Binary", "FileCopy", "CopyFile", "CopyHere",
    "CopyFolder", "MoveHere", "MoveFile", "MoveFolder", "Kill",
    "CreateTextFile", "ADODB.Stream", "WriteText", "SaveToFile", "Shell",
    "vbNormal", "vbNormalFocus", "vbHide", "vbMinimizedFocus",
    "vbMaximizedFocus", "vbNormalNoFocus", "vbMinimizedNoFocus",
    "WScript.Shell", "Run", "ShellExecute", "ShellExecuteA", "shell32",
    "InvokeVerb", "InvokeVerbEx", "DoIt", "ControlPanelItem", "Create",
    "MacScript", "AppleScript", "PowerShell", "noexit", "ExecutionPolicy",
    "noprofile", "command", "EncodedCommand", "invoke-command", "scriptblock",
    "Invoke-Expression", "AuthorizationManager", "Start-Process", "CALL",
    "Application.Visible", "ShowWindow", "SW_HIDE", "MkDir",
    "ActiveWorkbook.SaveAs", "Application.AltStartupPath", "CreateObject",
    "GetObject", "New-Object", "Shell.Application", "ExecuteExcel4Macro",
    "Windows", "FindWindow", "Lib", "libc.dylib", "dylib", "CreateThread",
    "CreateUserThread", "VirtualAlloc", "VirtualAllocEx", "RtlMoveMemory",
    "WriteProcessMemory", "SetContextThread", "QueueApcThread",
    "WriteVirtualMemory", "VirtualProtect", "SetTimer", "URLDownloadToFileA",
    "Msxml2.XMLHTTP", "Microsoft.XMLHTTP", "MSXML2.ServerXMLHTTP", "User-Agent",
    "Net.WebClient", "DownloadFile", "DownloadString", "SendKeys",
    "AppActivate", "CallByName", "Chr", "ChrB", "ChrW", "StrReverse", "Xor",
    "RegOpenKeyExA", "RegOpenKeyEx", "RegCloseKey", "RegQueryValueExA",
    "RegQueryValueEx", "RegRead", "SYSTEM\\ControlSet001\\Services\\Disk\\Enum",
    "VIRTUAL", "VMWARE", "VBOX", "GetVolumeInformationA",
    "GetVolumeInformation", "1824245000",
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
     "ProductId"),
    "76487-337-8429955-22614", "andy", "C:\\exec\\exec.exe", "popupkiller",
    "SbieDll.dll", "SandboxieControlWndClass", "C:\\file.exe", "currentuser",
    "Schmidti", "Afx:400000:0", "AccessVBOM", "VBAWarnings", "ProtectedView",
    "DisableAttachementsInPV", "DisableInternetFilesInPV",
    "DisableUnsafeLocationsInPV", "blockcontentexecutionfrominternet",
    "VBProject", "VBComponents", "CodeModule", "AddFromString", "FORMULA.FILL",
    /* olevba's regex keywords that are plain words */
    "system", "popen", "EXEC", "REGISTER", "EnumSystemLanguageGroupsW",
    "EnumSystemLanguageGroups", "EnumDateFormatsExEx", "EnumDateFormatsEx",
    "EnumDateFormatsW", "EnumDateFormats", "execlp", "execle", "execvp",
    "execve", "execl", "execv"};

static int wordc(unsigned char c)
{
  return isalnum(c) || c == '_' || c >= 0x80;
}

/* First match of KW in TEXT with regex \b semantics on both sides,
 * case-insensitive; position or -1. */
static long find_word(const char *text, size_t n, const char *kw)
{
  size_t kl = strlen(kw);
  int w0 = wordc((unsigned char)kw[0]), w1 = wordc((unsigned char)kw[kl - 1]);
  for (size_t i = 0; i + kl <= n; i++) {
    if (strncasecmp(text + i, kw, kl) != 0)
      continue;
    int before = i > 0 && wordc((unsigned char)text[i - 1]);
    int after = i + kl < n && wordc((unsigned char)text[i + kl]);
    if (before != w0 && after != w1)
      return (long)i;
  }
  return -1;
}

static void add_kw(json_t *arr, const char *s, size_t n)
{
  json_t *v = art__dissect_jstrn(s, n), *e;
  size_t i;
  json_array_foreach(arr, i, e) if (json_equal(e, v))
  {
    json_decref(v);
    return;
  }
  json_array_append_new(arr, v);
}

static void
keywords(const char *code, size_t n, json_t *autoexec, json_t *suspicious)
{
  for (size_t k = 0; k < sizeof autoexec_kw / sizeof autoexec_kw[0]; k++) {
    long p = find_word(code, n, autoexec_kw[k]);
    if (p >= 0)
      add_kw(autoexec, code + p, strlen(autoexec_kw[k]));
  }
  for (size_t k = 0; k < sizeof autoexec_suffix / sizeof autoexec_suffix[0];
       k++) {
    const char *suf = autoexec_suffix[k];
    size_t sl = strlen(suf);
    for (size_t i = 1; i + sl <= n; i++) {
      if (strncasecmp(code + i, suf, sl) != 0 ||
          !wordc((unsigned char)code[i - 1]))
        continue;
      if (i + sl < n && wordc((unsigned char)code[i + sl]))
        continue;
      size_t s = i;
      while (s > 0 && wordc((unsigned char)code[s - 1]))
        s--;
      add_kw(autoexec, code + s, i + sl - s);
      break;
    }
  }
  for (size_t k = 0; k < sizeof suspicious_kw / sizeof suspicious_kw[0]; k++) {
    long p = find_word(code, n, suspicious_kw[k]);
    if (p >= 0)
      add_kw(suspicious, code + p, strlen(suspicious_kw[k]));
  }
  /* '.Variables' with optional whitespace after the dot */
  for (size_t i = 0; i < n; i++) {
    if (code[i] != '.')
      continue;
    size_t j = i + 1;
    while (j < n && isspace((unsigned char)code[j]))
      j++;
    if (j + 9 <= n && strncasecmp(code + j, "Variables", 9) == 0 &&
        !(j + 9 < n && wordc((unsigned char)code[j + 9]))) {
      add_kw(suspicious, code + i, j + 9 - i);
      break;
    }
  }
  if (memchr(code, '\b', n))
    add_kw(suspicious, "\b", 1);
}

/* Source as olevba shows it: the leading "Attribute VB_" lines without a
 * colon dropped, lines joined with LF (Python's splitlines). */
static char *olevba_view(const char *src, size_t n, size_t *out_len)
{
  char *out = malloc(n + 1);
  size_t o = 0, i = 0;
  int leading = 1, first = 1;
  if (!out)
    return NULL;
  while (i < n) {
    size_t e = i;
    while (e < n && src[e] != '\r' && src[e] != '\n')
      e++;
    size_t ll = e - i;
    int skip = leading && ll >= 13 &&
               strncmp(src + i, "Attribute VB_", 13) == 0 &&
               !memchr(src + i, ':', ll);
    if (!skip) {
      leading = 0;
      if (!first)
        out[o++] = '\n';
      memcpy(out + o, src + i, ll);
      o += ll;
      first = 0;
    }
    if (e < n && src[e] == '\r' && e + 1 < n && src[e + 1] == '\n')
      e++;
    i = e + 1;
  }
  /* and stripped of surrounding whitespace, as olevba's JSON shows it */
  size_t a = 0;
  while (a < o &&
         (isspace((unsigned char)out[a]) ||
          ((unsigned char)out[a] >= 0x1c && (unsigned char)out[a] <= 0x1f)))
    a++;
  while (o > a && (isspace((unsigned char)out[o - 1]) ||
                   ((unsigned char)out[o - 1] >= 0x1c &&
                    (unsigned char)out[o - 1] <= 0x1f)))
    o--;
  memmove(out, out + a, o - a);
  o -= a;
  out[o] = '\0';
  *out_len = o;
  return out;
}

/* The file extension the PROJECT stream gives a module, as olevba names
 * module files: Document= and Class= "cls", Module= "bas", BaseClass=
 * (a form) "frm"; "vba" when the module is not listed. */
static const char *module_ext(const char *project, size_t n, const char *name)
{
  size_t nl = name ? strlen(name) : 0;
  for (size_t i = 0; nl && i < n;) {
    size_t e = i;
    while (e < n && project[e] != '\r' && project[e] != '\n')
      e++;
    const char *line = project + i;
    size_t ll = e - i;
    const char *eq = memchr(line, '=', ll);
    if (eq) {
      size_t kl = (size_t)(eq - line), vl = ll - kl - 1;
      const char *v = eq + 1;
      const char *slash = memchr(v, '/', vl);
      if (kl == 8 && strncmp(line, "Document", 8) == 0 && slash)
        vl = (size_t)(slash - v);
      if (vl == nl && strncasecmp(v, name, nl) == 0) {
        if (kl == 8 && strncmp(line, "Document", 8) == 0)
          return "cls";
        if (kl == 6 && strncmp(line, "Module", 6) == 0)
          return "bas";
        if (kl == 5 && strncmp(line, "Class", 5) == 0)
          return "cls";
        if (kl == 9 && strncmp(line, "BaseClass", 9) == 0)
          return "frm";
      }
    }
    i = e + 1;
  }
  return "vba";
}

static void sha256_hex(const void *p, size_t n, char hex[65])
{
  unsigned char md[32];
  unsigned int ml = 0;
  EVP_Digest(p, n, md, &ml, EVP_sha256(), NULL);
  for (unsigned i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Whether a module's source has anything besides Attribute lines and
 * blank lines. */
static int has_code(const char *src, size_t n)
{
  size_t i = 0;
  while (i < n) {
    size_t e = i;
    while (e < n && src[e] != '\n')
      e++;
    size_t s = i;
    while (s < e && isspace((unsigned char)src[s]))
      s++;
    if (s < e && !(e - s >= 10 && strncmp(src + s, "Attribute ", 10) == 0))
      return 1;
    i = e + 1;
  }
  return 0;
}

/* One VBA project whose "VBA" storage is at PREFIX ("Macros/VBA"). */
static art_status project(cfb *c,
                          const char *prefix,
                          const art_dissect_input *in,
                          art_dissect_sink *sink,
                          json_t *projects,
                          char **all,
                          size_t *all_len,
                          int *stomped)
{
  char path[1024];
  size_t raw_len = 0, dir_len = 0;
  uint8_t *raw, *dir;
  long di;
  vba_module *mods = NULL;
  size_t n_mods = 0;
  unsigned cp = 1252;
  int bad = 0;
  art_status st = ART_OK;
  json_t *pj = json_object(), *mj = json_array();
  snprintf(path, sizeof path, "%s/dir", prefix);
  di = art__cfb_find(c, path);
  json_object_set_new(pj, "storage", art__dissect_jstr(prefix));
  raw = di >= 0 ? art__cfb_read(c, (size_t)di, 1u << 20, &raw_len) : NULL;
  dir = raw ? art__vba_decompress(raw, raw_len, 4u << 20, &dir_len) : NULL;
  free(raw);
  if (!dir) {
    art_dissect_sink_error(sink, "%s: vba: %s: not a compressed dir stream",
                           in->name, path);
    json_object_set_new(pj, "modules", mj);
    json_array_append_new(projects, pj);
    return ART_ERR_CORRUPT;
  }
  /* The PROJECT stream beside the VBA storage names the module kinds. */
  char *proj = NULL;
  size_t proj_len = 0;
  {
    char pp[1024];
    const char *slash = strrchr(prefix, '/');
    if (slash)
      snprintf(pp, sizeof pp, "%.*s/PROJECT", (int)(slash - prefix), prefix);
    else
      snprintf(pp, sizeof pp, "PROJECT");
    long pi = art__cfb_find(c, pp);
    proj = pi >= 0 ? (char *)art__cfb_read(c, (size_t)pi, 1u << 20, &proj_len)
                   : NULL;
  }
  mods = calloc(MAX_MODULES, sizeof *mods);
  if (mods)
    n_mods = parse_dir(dir, dir_len, mods, MAX_MODULES, &cp, &bad);
  free(dir);
  if (bad) {
    art_dissect_sink_error(sink, "%s: vba: %s: damaged dir stream", in->name,
                           path);
    st = ART_ERR_CORRUPT;
  }
  json_object_set_new(pj, "codepage", json_integer(cp));
  for (size_t m = 0; m < n_mods; m++) {
    size_t sl = 0, src_len = 0;
    snprintf(path, sizeof path, "%s/%s", prefix, mods[m].stream);
    long si = art__cfb_find(c, path);
    uint8_t *s = si >= 0 ? art__cfb_read(c, (size_t)si, 64u << 20, &sl) : NULL;
    uint8_t *src = NULL;
    json_t *one = json_object();
    json_object_set_new(one, "name", art__dissect_jstr(mods[m].name));
    json_object_set_new(one, "stream", art__dissect_jstr(path));
    const char *ext = module_ext(proj, proj_len, mods[m].name);
    char fname[300];
    snprintf(fname, sizeof fname, "%s.%s",
             mods[m].name ? mods[m].name : mods[m].stream, ext);
    json_object_set_new(
        one, "type", json_string(mods[m].procedural ? "procedural" : "class"));
    json_object_set_new(one, "file_name", art__dissect_jstr(fname));
    if (s && mods[m].offset <= sl)
      src = art__vba_decompress(s + mods[m].offset, sl - mods[m].offset,
                                MAX_SOURCE, &src_len);
    json_object_set_new(
        one, "pcode_size",
        json_integer(s ? (json_int_t)(mods[m].offset < sl ? mods[m].offset : sl)
                       : 0));
    if (!src) {
      art_dissect_sink_error(sink, "%s: vba: %s: %s", in->name, path,
                             s ? "source not readable" : "stream missing");
      json_object_set_new(one, "source_size", json_null());
      json_object_set_new(one, "code_sha256", json_null());
      st = ART_ERR_CORRUPT;
    } else {
      char *u = to_utf8(src, src_len, cp);
      size_t ul = u ? strlen(u) : 0, vl = 0;
      char *view = u ? olevba_view(u, ul, &vl) : NULL;
      char hex[65] = "";
      if (view)
        sha256_hex(view, vl, hex);
      json_object_set_new(one, "source_size", json_integer((json_int_t)ul));
      json_object_set_new(one, "code_sha256", json_string(hex));
      if (u) {
        /* olevba looks for keywords in all modules' code at once */
        char *p = realloc(*all, *all_len + ul + 2);
        if (p) {
          memcpy(p + *all_len, u, ul);
          p[*all_len + ul] = '\n';
          *all_len += ul + 1;
          p[*all_len] = '\0';
          *all = p;
        }
        /* p-code compiled from more than the source holds: the source was
         * removed or replaced (EvilClippy's VBA stomping). */
        if (!has_code(u, ul) && mods[m].offset >= 1024) {
          *stomped = 1;
          json_object_set_new(one, "stomped", json_true());
        }
        char lj[64];
        snprintf(lj, sizeof lj, "{\"codepage\":%u}", cp);
        art_dissect_child ch = {"vba-module", fname, u, ul,
                                "text/x-vba", lj,    0};
        if (st != ART_ERR_LIMIT &&
            art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
          st = ART_ERR_LIMIT;
      }
      free(view);
      free(u);
    }
    json_array_append_new(mj, one);
    free(src);
    free(s);
    free(mods[m].name);
    free(mods[m].stream);
  }
  free(mods);
  free(proj);
  json_object_set_new(pj, "modules", mj);
  json_array_append_new(projects, pj);
  return st;
}

art_status art__vba_dissect(cfb *c,
                            const art_dissect_input *in,
                            art_dissect_sink *sink,
                            json_t *sum)
{
  json_t *projects = json_array(), *autoexec = json_array(),
         *suspicious = json_array();
  art_status st = ART_OK;
  int stomped = 0;
  size_t modules = 0, all_len = 0;
  char *all = NULL;
  /* A VBA project is a storage named VBA holding a dir stream. */
  for (size_t i = 0; i < art__cfb_count(c); i++) {
    const cfb_entry *e = art__cfb_entry(c, i);
    char path[1024];
    if (!e->path || e->type != CFB_STORAGE || strcasecmp(e->name, "VBA") != 0)
      continue;
    snprintf(path, sizeof path, "%s/dir", e->path);
    if (art__cfb_find(c, path) < 0)
      continue;
    art_status s =
        project(c, e->path, in, sink, projects, &all, &all_len, &stomped);
    if (s != ART_OK && st == ART_OK)
      st = s;
  }
  if (all)
    keywords(all, all_len, autoexec, suspicious);
  free(all);
  size_t k;
  json_t *p;
  json_array_foreach(projects, k, p) modules +=
      json_array_size(json_object_get(p, "modules"));
  if (json_array_size(projects) == 0) {
    json_decref(projects);
    json_decref(autoexec);
    json_decref(suspicious);
    json_object_set_new(sum, "vba", json_null());
    return ART_OK;
  }
  json_t *v = json_object();
  json_object_set_new(v, "projects", projects);
  json_object_set_new(v, "modules", json_integer((json_int_t)modules));
  json_object_set_new(v, "autoexec", autoexec);
  json_object_set_new(v, "suspicious", suspicious);
  json_object_set_new(v, "stomping", json_boolean(stomped));
  json_object_set_new(sum, "vba", v);
  art_dissect_sink_flag(sink, "vba_macros");
  if (json_array_size(autoexec))
    art_dissect_sink_flag(sink, "vba_autoexec");
  if (stomped)
    art_dissect_sink_flag(sink, "vba_stomping");
  return st;
}
