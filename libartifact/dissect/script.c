/* Script and HTML dissector: PowerShell -EncodedCommand payloads (UTF-16LE
 * base64) decoded, long base64 blobs and base64 data: URIs decoded, HTML
 * smuggling (atob + Blob + a download) and credential forms flagged, meta
 * refresh targets, obfuscation counts (eval/Execute, Chr chains).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_CHILDREN 32
#define MIN_BLOB     256 /* base64 characters for a quoted blob */
#define MIN_ENC      16  /* base64 characters after -enc */
#define MAX_TEXT     (64u << 20)

static const char *ci_find(const char *h, size_t n, const char *needle)
{
  size_t nl = strlen(needle);
  for (size_t i = 0; i + nl <= n; i++)
    if (strncasecmp(h + i, needle, nl) == 0)
      return h + i;
  return NULL;
}

static int script_recognise(const uint8_t *d, size_t n)
{
  static const char *const cues[] = {"powershell",     "pwsh",
                                     "<html",          "<script",
                                     "atob(",          "msSaveOrOpenBlob",
                                     "<!doctype html", "FromBase64String",
                                     "<meta",          "<iframe",
                                     "WScript.",       "<hta:"};
  size_t lim = n < 65536 ? n : 65536;
  if (!lim || memchr(d, 0, lim))
    return 0; /* text only (UTF-16 scripts: not yet) */
  /* a mail's bodies, a PDF's scripts, an RTF's objects are dissected as
   * children */
  if (art__dissect_email.recognise(d, n) || art__dissect_pdf.recognise(d, n) ||
      art__dissect_rtf.recognise(d, n))
    return 0;
  for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++)
    if (ci_find((const char *)d, lim, cues[i]))
      return 1;
  return 0;
}

static int b64c(int c)
{
  return isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

static int b64v(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

/* Decode N base64 characters (standard or URL alphabet; padding and
 * whitespace skipped); malloc'd. */
static uint8_t *b64dec(const char *s, size_t n, size_t *out_len)
{
  uint8_t *o = malloc(n / 4 * 3 + 3);
  unsigned acc = 0;
  int bits = 0;
  size_t k = 0;
  if (!o)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    int v = b64v((unsigned char)s[i]);
    if (v < 0)
      continue;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o[k++] = (uint8_t)(acc >> bits);
    }
  }
  *out_len = k;
  return o;
}

/* UTF-16LE to UTF-8 (PowerShell's -EncodedCommand text); malloc'd. */
static char *u16_to_u8(const uint8_t *p, size_t n, size_t *out_len)
{
  char *o = malloc(n / 2 * 3 + 4);
  size_t k = 0;
  if (!o)
    return NULL;
  for (size_t i = 0; i + 1 < n; i += 2) {
    unsigned cp = (unsigned)(p[i] | p[i + 1] << 8);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < n) {
      unsigned lo = (unsigned)(p[i + 2] | p[i + 3] << 8);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i += 2;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
      cp = 0xfffd;
    if (cp < 0x80) {
      o[k++] = (char)cp;
    } else if (cp < 0x800) {
      o[k++] = (char)(0xc0 | cp >> 6);
      o[k++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      o[k++] = (char)(0xe0 | cp >> 12);
      o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      o[k++] = (char)(0x80 | (cp & 0x3f));
    } else {
      o[k++] = (char)(0xf0 | cp >> 18);
      o[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
      o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      o[k++] = (char)(0x80 | (cp & 0x3f));
    }
  }
  o[k] = '\0';
  *out_len = k;
  return o;
}

typedef struct sstate {
  art_dissect_sink *sink;
  art_status st;
  size_t children;
} sstate;

static void yield(sstate *ss,
                  const char *via,
                  const char *name,
                  const void *data,
                  size_t len,
                  size_t offset)
{
  char lj[64];
  if (ss->st == ART_ERR_LIMIT || ss->children >= MAX_CHILDREN)
    return;
  snprintf(lj, sizeof lj, "{\"offset\":%zu}", offset);
  art_dissect_child c = {via, name, data, len, NULL, lj, 0};
  ss->children++;
  if (art_dissect_sink_child(ss->sink, &c) == ART_ERR_LIMIT)
    ss->st = ART_ERR_LIMIT;
}

/* "-e", "-ec", "-en", "-enc", ... "-encodedcommand" (PowerShell accepts
 * any prefix of -EncodedCommand; "-ec" is its documented alias), also
 * with "/" or an en dash; the length of the switch at P or 0. */
static size_t enc_switch(const char *p, const char *lim)
{
  static const char full[] = "encodedcommand";
  const char *q = p;
  if (q < lim && (*q == '-' || *q == '/'))
    q++;
  else if (lim - q >= 3 && memcmp(q, "\xe2\x80\x93", 3) == 0)
    q += 3;
  else
    return 0;
  size_t k = 0;
  if (lim - q >= 2 && strncasecmp(q, "ec", 2) == 0 &&
      (lim - q == 2 || isspace((unsigned char)q[2])))
    return (size_t)(q + 2 - p);
  while (q + k < lim && k < sizeof full - 1 &&
         tolower((unsigned char)q[k]) == full[k])
    k++;
  if (k == 0 || (q + k < lim && !isspace((unsigned char)q[k])))
    return 0;
  return (size_t)(q + k - p);
}

static void encoded_commands(
    sstate *ss, const char *via, const char *t, size_t n, json_t *arr)
{
  const char *lim = t + n;
  size_t count = 0;
  for (const char *p = t; p < lim;) {
    const char *ps = ci_find(p, (size_t)(lim - p), "powershell");
    const char *pw = ci_find(p, (size_t)(lim - p), "pwsh");
    const char *s = ps && (!pw || ps < pw) ? ps : pw;
    if (!s)
      break;
    const char *end = s + 300 < lim ? s + 300 : lim;
    const char *found = NULL;
    for (const char *q = s; q < end; q++) {
      if (q > t && !isspace((unsigned char)q[-1]) && q[-1] != '"' &&
          q[-1] != '\'')
        continue;
      size_t sl = enc_switch(q, lim);
      if (!sl)
        continue;
      const char *b = q + sl;
      while (b < lim && (isspace((unsigned char)*b) || *b == '"' || *b == '\''))
        b++;
      const char *e = b;
      while (e < lim && b64c((unsigned char)*e))
        e++;
      if (e - b >= MIN_ENC) {
        size_t raw_len = 0, u8_len = 0;
        uint8_t *raw = b64dec(b, (size_t)(e - b), &raw_len);
        char *u8 = raw ? u16_to_u8(raw, raw_len, &u8_len) : NULL;
        char name[48];
        count++;
        snprintf(name, sizeof name, "encoded-command-%zu.ps1", count);
        if (u8) {
          json_t *o = json_object();
          json_object_set_new(o, "offset", json_integer((json_int_t)(b - t)));
          json_object_set_new(o, "base64_length",
                              json_integer((json_int_t)(e - b)));
          json_object_set_new(
              o, "decoded",
              art__dissect_jstrn(u8, u8_len < 300 ? u8_len : 300));
          if (json_array_size(arr) < 100)
            json_array_append_new(arr, o);
          else
            json_decref(o);
          yield(ss, via, name, u8, u8_len, (size_t)(b - t));
        }
        free(raw);
        free(u8);
        found = e;
        break;
      }
    }
    p = found ? found : s + 4;
  }
}

art_status art__script_encoded_commands(art_dissect_sink *sink,
                                        const char *via,
                                        const char *text,
                                        size_t len,
                                        json_t *arr)
{
  sstate ss = {sink, ART_OK, 0};
  encoded_commands(&ss, via, text, len, arr);
  return ss.st == ART_ERR_LIMIT ? ART_ERR_LIMIT : ART_OK;
}

/* Quoted base64 strings of MIN_BLOB characters or more (payloads of HTML
 * smuggling and droppers), and base64 data: URIs. */
static void blobs(sstate *ss,
                  const char *t,
                  size_t n,
                  json_t *uris,
                  size_t *n_blobs,
                  int *exec_uri)
{
  const char *lim = t + n;
  for (const char *p = t; p < lim; p++) {
    if (lim - p > 5 && strncasecmp(p, "data:", 5) == 0) {
      const char *m = p + 5, *c = m;
      while (c < lim && c - m < 100 && *c != ';' && *c != ',' && *c != '"' &&
             *c != '\'')
        c++;
      if (lim - c > 8 && strncasecmp(c, ";base64,", 8) == 0) {
        const char *b = c + 8, *e = b;
        while (e < lim && b64c((unsigned char)*e))
          e++;
        size_t dl = 0;
        uint8_t *d = b64dec(b, (size_t)(e - b), &dl);
        char mime[101];
        snprintf(mime, sizeof mime, "%.*s", (int)(c - m), m);
        int exec = strstr(mime, "octet-stream") || strstr(mime, "msdownload") ||
                   strstr(mime, "x-dosexec") || strstr(mime, "zip") ||
                   strstr(mime, "iso9660") || strstr(mime, "x-msi") ||
                   strstr(mime, "vnd.ms-") || strstr(mime, "hta") ||
                   strstr(mime, "javascript") || strstr(mime, "x-sh");
        *exec_uri |= exec;
        if (json_array_size(uris) < 100) {
          json_t *o = json_object();
          json_object_set_new(o, "mime", art__dissect_jstr(mime));
          json_object_set_new(o, "size", json_integer((json_int_t)dl));
          json_object_set_new(o, "executable_type", json_boolean(exec));
          json_array_append_new(uris, o);
        }
        if (d && dl >= 64) {
          char name[48];
          snprintf(name, sizeof name, "data-uri-%zu.bin",
                   json_array_size(uris));
          yield(ss, "data-uri", name, d, dl, (size_t)(b - t));
        }
        free(d);
        p = e - 1;
        continue;
      }
    }
    if (*p == '"' || *p == '\'' || *p == '`') {
      const char *b = p + 1, *e = b;
      while (e < lim && (b64c((unsigned char)*e) || *e == '\\' || *e == '\n' ||
                         *e == '\r'))
        e++;
      if (e < lim && *e == *p && e - b >= MIN_BLOB) {
        size_t dl = 0;
        uint8_t *d = b64dec(b, (size_t)(e - b), &dl);
        (*n_blobs)++;
        if (d && dl) {
          char name[48];
          snprintf(name, sizeof name, "base64-%zu.bin", *n_blobs);
          yield(ss, "base64", name, d, dl, (size_t)(b - t));
        }
        free(d);
        p = e;
      }
    }
  }
}

static size_t count(const char *t, size_t n, const char *needle)
{
  size_t c = 0, nl = strlen(needle);
  for (const char *p = t; (p = ci_find(p, (size_t)(t + n - p), needle));
       p += nl)
    c++;
  return c;
}

static art_status
script_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  const char *t = (const char *)in->data;
  size_t n = in->len < MAX_TEXT ? in->len : MAX_TEXT;
  sstate ss = {sink, ART_OK, 0};
  json_t *sum = json_object(), *enc = json_array(), *uris = json_array(),
         *smug = json_array();
  size_t n_blobs = 0;
  int exec_uri = 0;
  (void)ctx;
  int html = ci_find(t, n < 4096 ? n : 4096, "<html") ||
             ci_find(t, n < 4096 ? n : 4096, "<!doctype html") ||
             ci_find(t, n, "<script");
  json_object_set_new(sum, "kind", json_string(html ? "html" : "script"));
  encoded_commands(&ss, "powershell-encoded", t, n, enc);
  blobs(&ss, t, n, uris, &n_blobs, &exec_uri);
  json_object_set_new(sum, "encoded_commands", enc);
  json_object_set_new(sum, "data_uris", uris);
  json_object_set_new(sum, "base64_blobs", json_integer((json_int_t)n_blobs));
  /* HTML smuggling: a payload built in the page and handed to the user */
  static const char *const cues[] = {
      "atob(",     "new Blob",  "msSaveOrOpenBlob", "createObjectURL",
      ".download", "download=", "Uint8Array"};
  for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++)
    if (ci_find(t, n, cues[i]))
      json_array_append_new(smug, json_string(cues[i]));
  int builds = ci_find(t, n, "atob(") || n_blobs > 0;
  int blob = ci_find(t, n, "new Blob") || ci_find(t, n, "Uint8Array");
  int hands = ci_find(t, n, "msSaveOrOpenBlob") ||
              ci_find(t, n, "createObjectURL") || ci_find(t, n, "download=") ||
              ci_find(t, n, ".download");
  int smuggling = (builds && blob && hands) || (html && exec_uri);
  json_object_set_new(sum, "smuggling_cues", smug);
  json_object_set_new(sum, "html_smuggling", json_boolean(smuggling));
  /* meta refresh */
  json_t *refresh = json_null();
  const char *m = ci_find(t, n, "http-equiv=\"refresh\"");
  if (!m)
    m = ci_find(t, n, "http-equiv='refresh'");
  if (m) {
    const char *lim = t + n;
    const char *tag_end = memchr(m, '>', (size_t)(lim - m));
    const char *u = tag_end ? ci_find(m, (size_t)(tag_end - m), "url=") : NULL;
    if (!u) {
      /* content="0; URL=..." may come before http-equiv */
      const char *lt = m;
      while (lt > t && *lt != '<')
        lt--;
      u = tag_end ? ci_find(lt, (size_t)(tag_end - lt), "url=") : NULL;
    }
    if (u) {
      const char *e = u + 4;
      while (e < lim && *e != '"' && *e != '\'' && *e != '>' &&
             !isspace((unsigned char)*e))
        e++;
      refresh = art__dissect_jstrn(u + 4, (size_t)(e - u - 4));
      art_dissect_sink_flag(sink, "meta_refresh");
    }
  }
  json_object_set_new(sum, "meta_refresh", refresh);
  /* a form with a password field posting to an absolute URL */
  json_t *forms = json_array();
  for (const char *f = ci_find(t, n, "<form"); f;
       f = ci_find(f + 5, (size_t)(t + n - f - 5), "<form")) {
    const char *fe = ci_find(f, (size_t)(t + n - f), "</form");
    size_t fl = fe ? (size_t)(fe - f) : (size_t)(t + n - f);
    const char *a = ci_find(f, fl < 2048 ? fl : 2048, "action=");
    int pw = ci_find(f, fl, "type=\"password\"") ||
             ci_find(f, fl, "type='password'") ||
             ci_find(f, fl, "type=password");
    json_t *fo = json_object();
    json_t *action = json_null();
    int absolute = 0;
    if (a && a + 7 < t + n) {
      const char *v = a + 7;
      char q = (*v == '"' || *v == '\'') ? *v++ : ' ';
      const char *e = v;
      while (e < t + n && *e != q && *e != '>' &&
             (q != ' ' || !isspace((unsigned char)*e)))
        e++;
      action = art__dissect_jstrn(v, (size_t)(e - v));
      absolute = (e - v > 7 && (strncasecmp(v, "http://", 7) == 0 ||
                                strncasecmp(v, "https://", 8) == 0));
    }
    json_object_set_new(fo, "action", action);
    json_object_set_new(fo, "password_field", json_boolean(pw));
    if (json_array_size(forms) < 100)
      json_array_append_new(forms, fo);
    else
      json_decref(fo);
    if (pw && absolute)
      art_dissect_sink_flag(sink, "form_posts_credentials");
    if (!fe)
      break;
  }
  json_object_set_new(sum, "forms", forms);
  /* obfuscation counts */
  json_t *ob = json_object();
  size_t ev = count(t, n, "eval("), ex = count(t, n, "Execute"),
         chr =
             count(t, n, "Chr(") + count(t, n, "ChrW(") + count(t, n, "ChrB("),
         fcc = count(t, n, "fromCharCode"),
         cat = count(t, n, "\"+\"") + count(t, n, "\" + \"") +
               count(t, n, "'+'") + count(t, n, "\" & \"");
  json_object_set_new(ob, "eval", json_integer((json_int_t)ev));
  json_object_set_new(ob, "execute", json_integer((json_int_t)ex));
  json_object_set_new(ob, "chr_calls", json_integer((json_int_t)chr));
  json_object_set_new(ob, "from_char_code", json_integer((json_int_t)fcc));
  json_object_set_new(ob, "string_concatenations",
                      json_integer((json_int_t)cat));
  json_object_set_new(ob, "concatenations_per_kib",
                      json_real(n ? (double)cat * 1024.0 / (double)n : 0.0));
  json_object_set_new(sum, "obfuscation", ob);
  if ((ev + ex) && (chr + fcc >= 10 || cat >= 20))
    art_dissect_sink_flag(sink, "script_obfuscation");
  if (json_array_size(enc))
    art_dissect_sink_flag(sink, "powershell_encoded_command");
  if (smuggling)
    art_dissect_sink_flag(sink, "html_smuggling");
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : ss.st;
}

const art_dissector art__dissect_script = {
    "script",
    "Scripts and HTML: PowerShell encoded commands, base64 payloads, HTML "
    "smuggling, credential forms",
    script_recognise, script_run};
