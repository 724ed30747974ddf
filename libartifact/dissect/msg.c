/* Outlook message dissector (.msg, [MS-OXMSG] over the compound-file reader
 * of cfb.c): sender, recipients, subject, dates, transport headers (read
 * as the e-mail dissector reads headers), bodies (text, HTML, compressed
 * RTF decompressed per [MS-OXRTFCP]) and attachments as children, embedded
 * messages read recursively.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dissect_private.h"

#define MAX_LIST   100
#define MAX_NEST   16         /* embedded messages inside embedded messages */
#define MAX_STREAM (1u << 30) /* bytes of one property stream read */
#define MAX_RTF    (256u << 20)

/* Property types ([MS-OXCDATA] 2.11.1) and the identifiers read here. */
enum {
  PT_LONG = 0x0003,
  PT_SYSTIME = 0x0040,
  PT_STRING8 = 0x001e,
  PT_UNICODE = 0x001f,
  PT_BINARY = 0x0102,
  PT_OBJECT = 0x000d
};
enum {
  PR_MESSAGE_CLASS = 0x001a,
  PR_SUBJECT = 0x0037,
  PR_CLIENT_SUBMIT_TIME = 0x0039,
  PR_SENT_REPRESENTING_NAME = 0x0042,
  PR_SENT_REPRESENTING_EMAIL = 0x0065,
  PR_TRANSPORT_MESSAGE_HEADERS = 0x007d,
  PR_RECIPIENT_TYPE = 0x0c15,
  PR_SENDER_NAME = 0x0c1a,
  PR_SENDER_ADDRTYPE = 0x0c1e,
  PR_SENDER_EMAIL = 0x0c1f,
  PR_DISPLAY_BCC = 0x0e02,
  PR_DISPLAY_CC = 0x0e03,
  PR_DISPLAY_TO = 0x0e04,
  PR_MESSAGE_DELIVERY_TIME = 0x0e06,
  PR_ATTACH_SIZE = 0x0e20,
  PR_BODY = 0x1000,
  PR_RTF_COMPRESSED = 0x1009,
  PR_HTML = 0x1013,
  PR_INTERNET_MESSAGE_ID = 0x1035,
  PR_DISPLAY_NAME = 0x3001,
  PR_ADDRTYPE = 0x3002,
  PR_EMAIL_ADDRESS = 0x3003,
  PR_CREATION_TIME = 0x3007,
  PR_LAST_MODIFICATION_TIME = 0x3008,
  PR_ATTACH_DATA = 0x3701,
  PR_ATTACH_EXTENSION = 0x3703,
  PR_ATTACH_FILENAME = 0x3704,
  PR_ATTACH_METHOD = 0x3705,
  PR_ATTACH_LONG_FILENAME = 0x3707,
  PR_ATTACH_MIME_TAG = 0x370e,
  PR_ATTACH_CONTENT_ID = 0x3712,
  PR_SMTP_ADDRESS = 0x39fe,
  PR_INTERNET_CPID = 0x3fde,
  PR_MESSAGE_CODEPAGE = 0x3ffd,
  PR_SENDER_SMTP_ADDRESS = 0x5d01,
  PR_SENT_REPRESENTING_SMTP = 0x5d02
};

/* ---- compressed RTF ([MS-OXRTFCP]) --------------------------------------- */

static const char rtf_prebuf[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
    "\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
    "RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    "\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

static uint32_t rtf_crc(const uint8_t *p, size_t n)
{
  uint32_t crc = 0;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc;
}

uint8_t *art__lzfu_decompress(const uint8_t *in,
                              size_t len,
                              size_t max,
                              size_t *out_len,
                              const char **why)
{
  uint8_t dict[4096];
  size_t pre = sizeof rtf_prebuf - 1, w, o = 0, cap;
  uint8_t *out;
  *out_len = 0;
  *why = NULL;
  if (len < 16) {
    *why = "shorter than its header";
    return NULL;
  }
  uint32_t comp = le32(in), raw = le32(in + 4), type = le32(in + 8),
           crc = le32(in + 12);
  if (type != 0x75465a4cu && type != 0x414c454du) {
    *why = "neither LZFu nor MELA";
    return NULL;
  }
  /* COMPSIZE counts the bytes after itself. */
  size_t avail = len - 16;
  if ((uint64_t)comp < 12 || (uint64_t)comp - 12 > avail)
    *why = "cut (fewer bytes than its header says)";
  else
    avail = comp - 12;
  cap = raw < max ? raw : max;
  out = malloc(cap ? cap : 1);
  if (!out)
    return NULL;
  if (type == 0x414c454du) { /* MELA: stored */
    size_t n = avail < cap ? avail : cap;
    memcpy(out, in + 16, n);
    *out_len = n;
    return out;
  }
  if (!*why && rtf_crc(in + 16, avail) != crc)
    *why = "CRC mismatch";
  memset(dict, 0, sizeof dict);
  memcpy(dict, rtf_prebuf, pre);
  w = pre;
  const uint8_t *p = in + 16, *lim = in + 16 + avail;
  int ended = 0;
  while (p < lim && o < cap && !ended) {
    unsigned control = *p++;
    for (int bit = 0; bit < 8 && o < cap; bit++) {
      if (!(control & (1u << bit))) {
        if (p >= lim)
          break;
        dict[w] = *p;
        w = (w + 1) & 4095;
        out[o++] = *p++;
        continue;
      }
      if (lim - p < 2) {
        p = lim;
        break;
      }
      unsigned ref = (unsigned)p[0] << 8 | p[1];
      p += 2;
      size_t off = ref >> 4, n = (ref & 15) + 2;
      if (off == w) {
        ended = 1;
        break;
      }
      for (size_t k = 0; k < n && o < cap; k++) {
        uint8_t c = dict[(off + k) & 4095];
        dict[w] = c;
        w = (w + 1) & 4095;
        out[o++] = c;
      }
    }
  }
  if (!ended && !*why && o < raw)
    *why = "ended before its end marker";
  *out_len = o;
  return out;
}

/* ---- property access ------------------------------------------------------
 */

typedef struct mctx {
  cfb *c;
  const art_dissect_input *in;
  art_dissect_sink *sink;
  art_status st; /* ART_ERR_LIMIT once the caller says stop */
  int damaged;   /* a stream named in the directory could not be read */
  json_t *iocs, *links;
  size_t link_mismatch;
} mctx;

typedef struct props {
  uint8_t *data;
  size_t len, hdr;
} props;

static char *join_path(const char *prefix, const char *name)
{
  size_t n = strlen(prefix) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s%s%s", prefix, *prefix ? "/" : "", name);
  return p;
}

/* Bytes of stream NAME under storage PREFIX; NULL when absent. */
static uint8_t *
read_stream(mctx *m, const char *prefix, const char *name, size_t *len)
{
  char *path = join_path(prefix, name);
  long i = path ? art__cfb_find(m->c, path) : -1;
  uint8_t *b = NULL;
  *len = 0;
  if (i >= 0 && art__cfb_entry(m->c, (size_t)i)->type == CFB_STREAM) {
    b = art__cfb_read(m->c, (size_t)i, MAX_STREAM, len);
    if (!b)
      m->damaged = 1;
  }
  free(path);
  return b;
}

static uint8_t *
prop_stream(mctx *m, const char *prefix, unsigned id, unsigned type, size_t *n)
{
  char name[32];
  snprintf(name, sizeof name, "__substg1.0_%04X%04X", id, type);
  return read_stream(m, prefix, name, n);
}

/* The fixed-size value of property ID (of TYPE) in P, or NULL. */
static const uint8_t *prop_value(const props *p, unsigned id, unsigned type)
{
  for (size_t o = p->hdr; p->data && o + 16 <= p->len; o += 16) {
    uint32_t tag = le32(p->data + o);
    if ((tag >> 16) == id && (tag & 0xffff) == type)
      return p->data + o + 8;
  }
  return NULL;
}

static int prop_long(const props *p, unsigned id, uint32_t *v)
{
  const uint8_t *b = prop_value(p, id, PT_LONG);
  if (b)
    *v = le32(b);
  return b != NULL;
}

static json_t *prop_time(const props *p, unsigned id)
{
  const uint8_t *b = prop_value(p, id, PT_SYSTIME);
  if (!b)
    return json_null();
  uint64_t ft = (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
  /* 1601 .. 9999 only; FILETIME 0 is "not set" */
  if (ft == 0 || ft >= 2650467743990000000ull)
    return json_null();
  int64_t secs = (int64_t)(ft / 10000000u) - 11644473600ll;
  time_t t = (time_t)secs;
  struct tm tm;
  char buf[32];
  if (!gmtime_r(&t, &tm) ||
      strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return json_null();
  return json_string(buf);
}

/* UTF-16LE to UTF-8; an unpaired surrogate is written as the text
 * "\uXXXX" so that nothing is silently lost. Stops at a NUL unit. */
static char *utf16_to_utf8(const uint8_t *p, size_t n, size_t *out_len)
{
  size_t units = n / 2, o = 0;
  char *s = malloc(units * 6 + 1);
  if (!s)
    return NULL;
  for (size_t i = 0; i < units; i++) {
    uint32_t cp = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);
    if (cp == 0)
      break;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < units) {
      uint32_t lo = (uint32_t)(p[2 * i + 2] | p[2 * i + 3] << 8);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      o += (size_t)snprintf(s + o, 7, "\\u%04X", (unsigned)cp);
    } else if (cp < 0x80) {
      s[o++] = (char)cp;
    } else if (cp < 0x800) {
      s[o++] = (char)(0xc0 | cp >> 6);
      s[o++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s[o++] = (char)(0xe0 | cp >> 12);
      s[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      s[o++] = (char)(0x80 | (cp & 0x3f));
    } else {
      s[o++] = (char)(0xf0 | cp >> 18);
      s[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
      s[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      s[o++] = (char)(0x80 | (cp & 0x3f));
    }
  }
  s[o] = '\0';
  *out_len = o;
  return s;
}

/* The MIME charset name for a Windows code page, as the e-mail
 * dissector's converter knows them; NULL when the page is unknown (the
 * text is then taken as undeclared: UTF-8 if valid, else shown). */
static const char *codepage_charset(uint32_t cp, char *buf, size_t n)
{
  switch (cp) {
  case 0:
    return NULL;
  case 65001:
    return "utf-8";
  case 20127:
    return "us-ascii";
  case 932:
    return "cp932";
  case 50220:
  case 50221:
  case 50222:
    return "iso-2022-jp";
  case 20932:
  case 51932:
    return "euc-jp";
  case 936:
    return "gb18030";
  case 949:
    return "cp949";
  case 950:
    return "big5";
  case 10000:
    return "macintosh";
  default:
    break;
  }
  if (cp >= 28591 && cp <= 28606) {
    snprintf(buf, n, "iso-8859-%u", cp - 28590);
    return buf;
  }
  snprintf(buf, n, "CP%u", cp);
  return buf;
}

/* String property ID under PREFIX as UTF-8 (PT_UNICODE, else PT_STRING8 in
 * code page CP); NULL when absent. Trailing NULs go. */
static char *
prop_string(mctx *m, const char *prefix, unsigned id, uint32_t cp, size_t *n)
{
  size_t len = 0, dummy;
  uint8_t *b = prop_stream(m, prefix, id, PT_UNICODE, &len);
  char *s = NULL;
  if (!n)
    n = &dummy;
  *n = 0;
  if (b) {
    s = utf16_to_utf8(b, len, n);
    free(b);
    return s;
  }
  b = prop_stream(m, prefix, id, PT_STRING8, &len);
  if (!b)
    return NULL;
  while (len && b[len - 1] == 0)
    len--;
  char csbuf[32];
  art__email_charset_append(&s, n, codepage_charset(cp, csbuf, sizeof csbuf),
                            (const char *)b, len);
  free(b);
  if (!s)
    s = strdup("");
  return s;
}

static json_t *jstr_own(char *s)
{
  json_t *v = s ? art__dissect_jstr(s) : json_null();
  free(s);
  return v;
}

static void yield(mctx *m,
                  const char *via,
                  const char *name,
                  const void *data,
                  size_t len,
                  const char *type,
                  const char *apath,
                  int truncated)
{
  char lj[128] = "";
  if (m->st == ART_ERR_LIMIT)
    return;
  if (apath && *apath)
    snprintf(lj, sizeof lj, "{\"msg_attachment\":\"%s\"}", apath);
  art_dissect_child c = {via,
                         name,
                         data ? data : "",
                         len,
                         type,
                         lj[0] ? lj : NULL,
                         truncated || art__cfb_partial(m->c)};
  if (art_dissect_sink_child(m->sink, &c) == ART_ERR_LIMIT)
    m->st = ART_ERR_LIMIT;
}

/* A child name under attachment APATH of an embedded message. */
static void child_name(char *out, size_t n, const char *apath, const char *leaf)
{
  if (apath && *apath)
    snprintf(out, n, "attachment-%s/%s", apath, leaf);
  else
    snprintf(out, n, "%s", leaf);
}

/* Storages directly under PREFIX whose name starts with STEM, sorted. */
static size_t
substorages(mctx *m, const char *prefix, const char *stem, long **out)
{
  long parent = *prefix ? art__cfb_find(m->c, prefix) : 0;
  size_t n = 0, sl = strlen(stem);
  long *v = NULL;
  *out = NULL;
  if (parent < 0)
    return 0;
  for (size_t i = 0; i < art__cfb_count(m->c); i++) {
    const cfb_entry *e = art__cfb_entry(m->c, i);
    if (e->type != CFB_STORAGE || e->parent != parent || !e->path ||
        strncasecmp(e->name, stem, sl) != 0)
      continue;
    long *nv = realloc(v, (n + 1) * sizeof *v);
    if (!nv)
      break;
    v = nv;
    v[n++] = (long)i;
  }
  /* insertion sort by name: "#00000000", "#00000001", ... */
  for (size_t i = 1; i < n; i++)
    for (size_t k = i;
         k > 0 && strcasecmp(art__cfb_entry(m->c, (size_t)v[k - 1])->name,
                             art__cfb_entry(m->c, (size_t)v[k])->name) > 0;
         k--) {
      long t = v[k];
      v[k] = v[k - 1];
      v[k - 1] = t;
    }
  *out = v;
  return n;
}

static props read_props(mctx *m, const char *prefix, size_t hdr)
{
  props p = {NULL, 0, hdr};
  p.data = read_stream(m, prefix, "__properties_version1.0", &p.len);
  return p;
}

static json_t *recipients(mctx *m, const char *prefix, uint32_t cp)
{
  json_t *arr = json_array();
  long *st = NULL;
  size_t n = substorages(m, prefix, "__recip_version1.0_", &st);
  for (size_t i = 0; i < n && json_array_size(arr) < MAX_LIST; i++) {
    const char *sp = art__cfb_entry(m->c, (size_t)st[i])->path;
    props p = read_props(m, sp, 8);
    uint32_t type = 0;
    json_t *r = json_object();
    json_object_set_new(r, "name",
                        jstr_own(prop_string(m, sp, PR_DISPLAY_NAME, cp, 0)));
    json_object_set_new(r, "address",
                        jstr_own(prop_string(m, sp, PR_EMAIL_ADDRESS, cp, 0)));
    json_object_set_new(r, "address_type",
                        jstr_own(prop_string(m, sp, PR_ADDRTYPE, cp, 0)));
    json_object_set_new(r, "smtp_address",
                        jstr_own(prop_string(m, sp, PR_SMTP_ADDRESS, cp, 0)));
    const char *tn = "unknown";
    if (prop_long(&p, PR_RECIPIENT_TYPE, &type))
      tn = (type & 0xf) == 1   ? "to"
           : (type & 0xf) == 2 ? "cc"
           : (type & 0xf) == 3 ? "bcc"
                               : "unknown";
    json_object_set_new(r, "type", json_string(tn));
    json_array_append_new(arr, r);
    free(p.data);
  }
  free(st);
  return arr;
}

static json_t *
message(mctx *m, const char *prefix, unsigned depth, const char *apath);

static json_t *attachment(
    mctx *m, const char *sp, unsigned depth, const char *apath, uint32_t cp)
{
  props p = read_props(m, sp, 8);
  /* Attachment strings follow the message's code page; PT_UNICODE is the
   * usual case. */
  uint32_t method = 0, size = 0;
  json_t *a = json_object(), *nf = json_array();
  char *lname = prop_string(m, sp, PR_ATTACH_LONG_FILENAME, cp, 0);
  char *sname = prop_string(m, sp, PR_ATTACH_FILENAME, cp, 0);
  char *dname = prop_string(m, sp, PR_DISPLAY_NAME, cp, 0);
  char *mime = prop_string(m, sp, PR_ATTACH_MIME_TAG, cp, 0);
  const char *name = lname && *lname   ? lname
                     : sname && *sname ? sname
                     : dname && *dname ? dname
                                       : NULL;
  json_object_set_new(a, "attachment", json_string(apath));
  json_object_set_new(a, "name", art__dissect_jstr(name));
  json_object_set_new(a, "long_filename", art__dissect_jstr(lname));
  json_object_set_new(a, "filename", art__dissect_jstr(sname));
  json_object_set_new(a, "display_name", art__dissect_jstr(dname));
  json_object_set_new(a, "mime_tag", art__dissect_jstr(mime));
  json_object_set_new(
      a, "content_id",
      jstr_own(prop_string(m, sp, PR_ATTACH_CONTENT_ID, cp, 0)));
  if (prop_long(&p, PR_ATTACH_METHOD, &method))
    json_object_set_new(a, "method", json_integer(method));
  else
    json_object_set_new(a, "method", json_null());
  if (prop_long(&p, PR_ATTACH_SIZE, &size))
    json_object_set_new(a, "declared_size", json_integer(size));
  art__dissect_name_flags(name, nf);
  {
    size_t k;
    json_t *f;
    json_array_foreach(nf, k, f)
        art_dissect_sink_flag(m->sink, json_string_value(f));
  }
  json_object_set_new(a, "name_flags", nf);
  size_t len = 0;
  uint8_t *data = prop_stream(m, sp, PR_ATTACH_DATA, PT_BINARY, &len);
  char obj[64];
  snprintf(obj, sizeof obj, "__substg1.0_%04X%04X", PR_ATTACH_DATA, PT_OBJECT);
  char *opath = join_path(sp, obj);
  long oi = opath ? art__cfb_find(m->c, opath) : -1;
  if (data) {
    json_object_set_new(a, "size", json_integer((json_int_t)len));
    json_object_set_new(a, "kind", json_string("file"));
    yield(m, "msg-attachment", name, data, len, mime, apath, 0);
  } else if (oi >= 0 && art__cfb_entry(m->c, (size_t)oi)->type == CFB_STORAGE) {
    char *ip = join_path(opath, "__properties_version1.0");
    int is_msg = ip && art__cfb_find(m->c, ip) >= 0;
    free(ip);
    if (is_msg) {
      json_object_set_new(a, "kind", json_string("message"));
      if (depth + 1 > MAX_NEST) {
        art_dissect_sink_error(m->sink,
                               "%s: msg: attachment %s: embedded messages "
                               "nested deeper than %u: not read",
                               m->in->name, apath, MAX_NEST);
      } else {
        json_object_set_new(a, "message",
                            message(m, art__cfb_entry(m->c, (size_t)oi)->path,
                                    depth + 1, apath));
      }
    } else {
      /* ATTACH_OLE: an OLE object kept as a storage; its streams are
       * listed by the ole dissector. */
      json_object_set_new(a, "kind", json_string("ole_storage"));
      json_object_set_new(a, "storage", art__dissect_jstr(opath));
    }
  } else {
    json_object_set_new(a, "kind",
                        json_string(method == 2 || method == 3 || method == 4
                                        ? "reference"
                                        : "none"));
  }
  free(opath);
  free(data);
  free(lname);
  free(sname);
  free(dname);
  free(mime);
  free(p.data);
  return a;
}

static void scan_text(mctx *m, const char *text, size_t len, int html)
{
  art__dissect_iocs(m->iocs, text, len, MAX_LIST);
  if (html)
    m->link_mismatch += art__email_html_links(text, len, m->links);
}

/* The summary of the message whose properties are under PREFIX ("" for
 * the file's root); its bodies and attachments are yielded. */
static json_t *
message(mctx *m, const char *prefix, unsigned depth, const char *apath)
{
  props p = read_props(m, prefix, depth == 0 ? 32 : 24);
  uint32_t cp = 0, icp = 0;
  json_t *sum = json_object(), *bodies = json_array();
  char csbuf[32];
  int have_cp = prop_long(&p, PR_MESSAGE_CODEPAGE, &cp);
  int have_icp = prop_long(&p, PR_INTERNET_CPID, &icp);
  if (!have_cp && have_icp)
    cp = icp;
  if (!have_icp)
    icp = cp;
  json_object_set_new(
      sum, "message_class",
      jstr_own(prop_string(m, prefix, PR_MESSAGE_CLASS, cp, 0)));
  json_object_set_new(sum, "codepage",
                      have_cp || have_icp ? json_integer(cp) : json_null());
  json_object_set_new(sum, "subject",
                      jstr_own(prop_string(m, prefix, PR_SUBJECT, cp, 0)));
  json_t *from = json_object(), *sender = json_object();
  json_object_set_new(
      from, "name",
      jstr_own(prop_string(m, prefix, PR_SENT_REPRESENTING_NAME, cp, 0)));
  json_object_set_new(
      from, "address",
      jstr_own(prop_string(m, prefix, PR_SENT_REPRESENTING_EMAIL, cp, 0)));
  json_object_set_new(
      from, "smtp_address",
      jstr_own(prop_string(m, prefix, PR_SENT_REPRESENTING_SMTP, cp, 0)));
  json_object_set_new(sender, "name",
                      jstr_own(prop_string(m, prefix, PR_SENDER_NAME, cp, 0)));
  json_object_set_new(sender, "address",
                      jstr_own(prop_string(m, prefix, PR_SENDER_EMAIL, cp, 0)));
  json_object_set_new(
      sender, "address_type",
      jstr_own(prop_string(m, prefix, PR_SENDER_ADDRTYPE, cp, 0)));
  json_object_set_new(
      sender, "smtp_address",
      jstr_own(prop_string(m, prefix, PR_SENDER_SMTP_ADDRESS, cp, 0)));
  json_object_set_new(sum, "from", from);
  json_object_set_new(sum, "sender", sender);
  json_object_set_new(sum, "display_to",
                      jstr_own(prop_string(m, prefix, PR_DISPLAY_TO, cp, 0)));
  json_object_set_new(sum, "display_cc",
                      jstr_own(prop_string(m, prefix, PR_DISPLAY_CC, cp, 0)));
  json_object_set_new(sum, "display_bcc",
                      jstr_own(prop_string(m, prefix, PR_DISPLAY_BCC, cp, 0)));
  json_object_set_new(sum, "recipients", recipients(m, prefix, cp));
  json_object_set_new(sum, "date_utc", prop_time(&p, PR_CLIENT_SUBMIT_TIME));
  json_object_set_new(sum, "delivery_time_utc",
                      prop_time(&p, PR_MESSAGE_DELIVERY_TIME));
  json_object_set_new(sum, "creation_time_utc",
                      prop_time(&p, PR_CREATION_TIME));
  json_object_set_new(sum, "modification_time_utc",
                      prop_time(&p, PR_LAST_MODIFICATION_TIME));
  json_object_set_new(
      sum, "message_id",
      jstr_own(prop_string(m, prefix, PR_INTERNET_MESSAGE_ID, cp, 0)));
  size_t hl = 0;
  char *hdrs = prop_string(m, prefix, PR_TRANSPORT_MESSAGE_HEADERS, cp, &hl);
  json_t *hj = hdrs && hl ? art__email_headers(hdrs, hl, m->sink) : NULL;
  json_object_set_new(sum, "headers", hj ? hj : json_null());
  free(hdrs);

  /* Bodies: the plain text, the HTML, the compressed RTF. */
  char nm[160];
  size_t bl = 0;
  char *body = prop_string(m, prefix, PR_BODY, cp, &bl);
  if (body) {
    json_t *b = json_object();
    json_object_set_new(b, "kind", json_string("text"));
    json_object_set_new(b, "size", json_integer((json_int_t)bl));
    json_array_append_new(bodies, b);
    scan_text(m, body, bl, 0);
    child_name(nm, sizeof nm, apath, "body.txt");
    yield(m, "msg-body", nm, body, bl, "text/plain", apath, 0);
    free(body);
  }
  size_t hlen = 0;
  uint8_t *html = prop_stream(m, prefix, PR_HTML, PT_BINARY, &hlen);
  char *htxt = NULL;
  size_t htl = 0;
  if (html) {
    /* PR_HTML as bytes is in the Internet code page. */
    art__email_charset_append(&htxt, &htl,
                              codepage_charset(icp, csbuf, sizeof csbuf),
                              (const char *)html, hlen);
  } else {
    htxt = prop_string(m, prefix, PR_HTML, cp, &htl);
  }
  if (htxt) {
    json_t *b = json_object();
    json_object_set_new(b, "kind", json_string("html"));
    json_object_set_new(b, "size",
                        json_integer((json_int_t)(html ? hlen : htl)));
    json_array_append_new(bodies, b);
    scan_text(m, htxt, htl, 1);
    child_name(nm, sizeof nm, apath, "body.html");
    if (html)
      yield(m, "msg-body", nm, html, hlen, "text/html", apath, 0);
    else
      yield(m, "msg-body", nm, htxt, htl, "text/html", apath, 0);
  }
  free(html);
  free(htxt);
  size_t rl = 0;
  uint8_t *rtf = prop_stream(m, prefix, PR_RTF_COMPRESSED, PT_BINARY, &rl);
  if (rtf) {
    size_t ol = 0;
    const char *why = NULL;
    uint8_t *dec = art__lzfu_decompress(rtf, rl, MAX_RTF, &ol, &why);
    json_t *b = json_object();
    json_object_set_new(b, "kind", json_string("rtf"));
    json_object_set_new(b, "compressed_size", json_integer((json_int_t)rl));
    json_object_set_new(b, "size", json_integer((json_int_t)ol));
    json_object_set_new(b, "damage", why ? json_string(why) : json_null());
    json_array_append_new(bodies, b);
    if (why)
      art_dissect_sink_error(m->sink, "%s: msg: %scompressed RTF body: %s%s",
                             m->in->name,
                             apath && *apath ? "embedded message: " : "", why,
                             dec ? " (what could be read is given)" : "");
    if (why && !dec)
      m->damaged = 1;
    if (dec) {
      scan_text(m, (const char *)dec, ol, 0);
      child_name(nm, sizeof nm, apath, "body.rtf");
      yield(m, "msg-rtf", nm, dec, ol, "application/rtf", apath, why != NULL);
    }
    free(dec);
    free(rtf);
  }
  json_object_set_new(sum, "bodies", bodies);

  json_t *atts = json_array();
  long *st = NULL;
  size_t n = substorages(m, prefix, "__attach_version1.0_", &st);
  for (size_t i = 0; i < n && m->st != ART_ERR_LIMIT; i++) {
    char ap[96];
    snprintf(ap, sizeof ap, "%s%s%zu", apath ? apath : "",
             apath && *apath ? "." : "", i + 1);
    json_t *a =
        attachment(m, art__cfb_entry(m->c, (size_t)st[i])->path, depth, ap, cp);
    if (json_array_size(atts) < MAX_LIST)
      json_array_append_new(atts, a);
    else
      json_decref(a);
  }
  free(st);
  json_object_set_new(sum, "attachment_count", json_integer((json_int_t)n));
  json_object_set_new(sum, "attachments", atts);
  free(p.data);
  return sum;
}

/* ---- the dissector --------------------------------------------------------
 */

static int msg_recognise(const uint8_t *data, size_t len)
{
  /* Every compound file: whether it holds a message is seen in its
   * directory, which may lie anywhere (run() says nothing otherwise). */
  return art__cfb_is_cfb(data, len);
}

static int is_message(cfb *c)
{
  long i = art__cfb_find(c, "__properties_version1.0");
  if (i < 0 || art__cfb_entry(c, (size_t)i)->type != CFB_STREAM)
    return 0;
  for (size_t k = 0; k < art__cfb_count(c); k++) {
    const cfb_entry *e = art__cfb_entry(c, k);
    if (e->path && e->parent == 0 && strncmp(e->name, "__substg1.0_", 12) == 0)
      return 1;
  }
  return 0;
}

static art_status
msg_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  cfb *c = NULL;
  char err[256] = "";
  (void)ctx;
  art_status st = art__cfb_open(in->data, in->len, &c, err, sizeof err);
  if (st == ART_ERR_NOMEM)
    return st;
  if (st != ART_OK) /* the ole dissector reports an unreadable file */
    return ART_OK;
  if (!is_message(c)) {
    art__cfb_free(c);
    return ART_OK;
  }
  mctx m = {c, in, sink, ART_OK, 0, json_array(), json_array(), 0};
  json_t *sum = message(&m, "", 0, "");
  json_object_set_new(sum, "links", m.links);
  json_object_set_new(sum, "indicators", m.iocs);
  if (m.link_mismatch)
    art_dissect_sink_flag(sink, "link_text_mismatch");
  int partial = art__cfb_partial(c) || m.damaged;
  json_object_set_new(sum, "partial", json_boolean(partial));
  st = m.st;
  if (partial) {
    art_dissect_sink_error(sink,
                           "%s: msg: damaged message (a stream could not be "
                           "read whole): what could be read is reported",
                           in->name);
    if (st == ART_OK)
      st = ART_ERR_CORRUPT;
  }
  art__cfb_free(c);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_msg = {
    "msg",
    "Outlook messages (.msg): sender, recipients, headers, bodies, "
    "attachments",
    msg_recognise, msg_run};
