/* TNEF dissector (winmail.dat, application/ms-tnef; [MS-OXTNEF]): message
 * class, subject, code page; attachments (attAttachTitle, or
 * PR_ATTACH_LONG_FILENAME from attAttachment, with attAttachData) as
 * children; the compressed RTF body decompressed; embedded TNEF messages
 * yielded to be read in their turn.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_private.h"

#define TNEF_SIGNATURE 0x223e9f78u
#define MAX_LIST       100
#define MAX_ATTRS      100000
#define MAX_RTF        (256u << 20)

/* Attribute identifiers (type << 16 | id). */
enum {
  ATT_SUBJECT = 0x00018004,
  ATT_MESSAGE_CLASS = 0x00078008,
  ATT_BODY = 0x0002800c,
  ATT_ATTACH_DATA = 0x0006800f,
  ATT_ATTACH_TITLE = 0x00018010,
  ATT_ATTACH_REND_DATA = 0x00069002,
  ATT_MAPI_PROPS = 0x00069003,
  ATT_ATTACHMENT = 0x00069005,
  ATT_TNEF_VERSION = 0x00089006,
  ATT_OEM_CODEPAGE = 0x00069007
};

static int tnef_recognise(const uint8_t *d, size_t n)
{
  return n >= 6 && le32(d) == TNEF_SIGNATURE;
}

typedef struct att {
  char *title, *long_name, *mime;
  const uint8_t *data; /* in the input */
  size_t len;
  const uint8_t *object; /* PR_ATTACH_DATA_OBJ: an embedded message */
  size_t object_len;
  int has_data, cut;
} att;

typedef struct tstate {
  const art_dissect_input *in;
  art_dissect_sink *sink;
  const char *cs; /* MIME charset of the OEM code page, NULL: undeclared */
  char csbuf[32];
  const uint8_t *rtf; /* PR_RTF_COMPRESSED of the message */
  size_t rtf_len;
  char *long_body; /* PR_BODY from attMAPIProps */
} tstate;

static char *text(tstate *t, const uint8_t *p, size_t n)
{
  char *s = NULL;
  size_t sl = 0;
  while (n && p[n - 1] == 0)
    n--;
  art__email_charset_append(&s, &sl, t->cs, (const char *)p, n);
  return s ? s : strdup("");
}

static char *utf16(const uint8_t *p, size_t n)
{
  char *s = art__dissect_utf16le(p, n);
  return s ? s : strdup("");
}

/* Size of one fixed-size MAPI value of TYPE as TNEF pads it, 0 when the
 * type is variable-sized, -1 unknown. */
static int fixed_size(unsigned type)
{
  switch (type & 0x0fff) {
  case 0x0002: /* PT_SHORT */
  case 0x0003: /* PT_LONG */
  case 0x0004: /* PT_FLOAT */
  case 0x000a: /* PT_ERROR */
  case 0x000b: /* PT_BOOLEAN */
    return 4;
  case 0x0005: /* PT_DOUBLE */
  case 0x0006: /* PT_CURRENCY */
  case 0x0007: /* PT_APPTIME */
  case 0x0014: /* PT_I8 */
  case 0x0040: /* PT_SYSTIME */
    return 8;
  case 0x0048: /* PT_CLSID */
    return 16;
  case 0x001e: /* PT_STRING8 */
  case 0x001f: /* PT_UNICODE */
  case 0x0102: /* PT_BINARY */
  case 0x000d: /* PT_OBJECT */
    return 0;
  default:
    return -1;
  }
}

/* Walk an attMAPIProps/attAttachment property list; for each value of a
 * property in WANT, call back. 0 when it read to the end, -1 when it
 * stopped on damage. */
typedef void (*prop_cb)(
    void *ud, unsigned id, unsigned type, const uint8_t *v, size_t n);
static int props(const uint8_t *p, size_t n, prop_cb cb, void *ud)
{
  size_t o = 4;
  if (n < 4)
    return -1;
  uint32_t count = le32(p);
  for (uint32_t i = 0; i < count; i++) {
    if (o + 4 > n)
      return -1;
    unsigned type = le16(p + o), id = le16(p + o + 2);
    o += 4;
    if (id >= 0x8000) { /* named property: GUID, kind, id or name */
      if (o + 20 > n)
        return -1;
      uint32_t kind = le32(p + o + 16);
      o += 20;
      if (kind == 0) {
        o += 4;
      } else {
        if (o + 4 > n)
          return -1;
        uint32_t nl = le32(p + o);
        o += 4;
        if (nl > n - o)
          return -1;
        o += (nl + 3u) & ~3u;
      }
    }
    int fs = fixed_size(type);
    if (fs < 0)
      return -1;
    uint32_t values = 1;
    if ((type & 0x1000) || fs == 0) {
      if (o + 4 > n)
        return -1;
      values = le32(p + o);
      o += 4;
    }
    for (uint32_t k = 0; k < values; k++) {
      if (fs > 0) {
        if ((size_t)fs > n - o)
          return -1;
        cb(ud, id, type & 0x0fff, p + o, (size_t)fs);
        o += (size_t)fs;
      } else {
        if (o + 4 > n)
          return -1;
        uint32_t vl = le32(p + o);
        o += 4;
        if (vl > n - o)
          return -1;
        cb(ud, id, type & 0x0fff, p + o, vl);
        o += ((size_t)vl + 3u) & ~(size_t)3u;
        if (o > n)
          o = n;
      }
    }
  }
  return 0;
}

static void
att_prop(void *ud, unsigned id, unsigned type, const uint8_t *v, size_t n)
{
  att *a = ud;
  if (id == 0x3707 && !a->long_name && (type == 0x1f || type == 0x1e))
    a->long_name = type == 0x1f ? utf16(v, n) : strndup((const char *)v, n);
  else if (id == 0x370e && !a->mime && (type == 0x1f || type == 0x1e))
    a->mime = type == 0x1f ? utf16(v, n) : strndup((const char *)v, n);
  else if (id == 0x3701 && type == 0x0d && n > 16) {
    /* PR_ATTACH_DATA_OBJ: an IID, then the object (an embedded message
     * is itself TNEF-encoded). */
    a->object = v + 16;
    a->object_len = n - 16;
  }
}

static void
msg_prop(void *ud, unsigned id, unsigned type, const uint8_t *v, size_t n)
{
  tstate *t = ud;
  if (id == 0x1009 && type == 0x0102 && !t->rtf) {
    t->rtf = v;
    t->rtf_len = n;
  } else if (id == 0x1000 && !t->long_body && (type == 0x1f || type == 0x1e)) {
    t->long_body = type == 0x1f ? utf16(v, n) : text(t, v, n);
  }
}

static void att_free(att *a)
{
  free(a->title);
  free(a->long_name);
  free(a->mime);
  memset(a, 0, sizeof *a);
}

static art_status yield(tstate *t,
                        const char *via,
                        const char *name,
                        const void *d,
                        size_t n,
                        const char *type,
                        size_t index,
                        int cut)
{
  char lj[64];
  snprintf(lj, sizeof lj, "{\"tnef_attachment\":%zu}", index);
  art_dissect_child c = {via, name, d ? d : "", n, type, index ? lj : NULL,
                         cut};
  return art_dissect_sink_child(t->sink, &c);
}

static art_status finish_att(tstate *t, att *a, size_t index, json_t *list)
{
  art_status st = ART_OK;
  const char *name = a->long_name && *a->long_name ? a->long_name : a->title;
  json_t *o = json_object(), *nf = json_array();
  json_object_set_new(o, "attachment", json_integer((json_int_t)index));
  json_object_set_new(o, "name", art__dissect_jstr(name));
  json_object_set_new(o, "title", art__dissect_jstr(a->title));
  json_object_set_new(o, "long_filename", art__dissect_jstr(a->long_name));
  json_object_set_new(o, "mime_tag", art__dissect_jstr(a->mime));
  json_object_set_new(
      o, "size", a->has_data ? json_integer((json_int_t)a->len) : json_null());
  json_object_set_new(o, "embedded_message", json_boolean(a->object != NULL));
  art__dissect_name_flags(name, nf);
  size_t k;
  json_t *f;
  json_array_foreach(nf, k, f)
      art_dissect_sink_flag(t->sink, json_string_value(f));
  json_object_set_new(o, "name_flags", nf);
  if (json_array_size(list) < MAX_LIST)
    json_array_append_new(list, o);
  else
    json_decref(o);
  if (a->has_data)
    st = yield(t, "tnef-attachment", name, a->data, a->len, a->mime, index,
               a->cut);
  if (st == ART_OK && a->object)
    st = yield(t, "tnef-attachment", name ? name : "embedded-message.tnef",
               a->object, a->object_len, "application/ms-tnef", index, 0);
  att_free(a);
  return st;
}

static art_status
tnef_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  const uint8_t *d = in->data;
  size_t n = in->len, o = 6, count = 0, index = 0;
  art_status st = ART_OK;
  int damaged = 0, in_att = 0;
  tstate t = {in, sink, NULL, "", NULL, 0, NULL};
  att a = {0};
  char *subject = NULL, *klass = NULL, *body = NULL;
  json_t *sum = json_object(), *list = json_array();
  uint32_t version = 0, codepage = 0;
  (void)ctx;
  if (!tnef_recognise(d, n)) {
    json_decref(sum);
    json_decref(list);
    art_dissect_sink_error(sink, "%s: tnef: no TNEF signature", in->name);
    return ART_ERR_CORRUPT;
  }
  json_object_set_new(sum, "key", json_integer(le16(d + 4)));
  while (o < n && st == ART_OK) {
    if (n - o < 9 || count >= MAX_ATTRS) {
      damaged = 1;
      break;
    }
    unsigned level = d[o];
    uint32_t id = le32(d + o + 1), len = le32(d + o + 5);
    o += 9;
    if (len > n - o || n - o - len < 2) {
      if (level == 2 && in_att && id == ATT_ATTACH_DATA) {
        /* cut inside the attachment: what is there is given, marked */
        a.data = d + o;
        a.len = len < n - o ? len : n - o;
        a.has_data = a.cut = 1;
      }
      damaged = 1;
      break;
    }
    const uint8_t *v = d + o;
    uint16_t sum16 = 0;
    for (uint32_t k = 0; k < len; k++)
      sum16 = (uint16_t)(sum16 + v[k]);
    if (sum16 != le16(d + o + len))
      damaged = 1;
    o += (size_t)len + 2;
    count++;
    if (level == 2 && id == ATT_ATTACH_REND_DATA) {
      if (in_att)
        st = finish_att(&t, &a, index, list);
      in_att = 1;
      index++;
      continue;
    }
    if (level == 2 && in_att) {
      if (id == ATT_ATTACH_TITLE && !a.title)
        a.title = text(&t, v, len);
      else if (id == ATT_ATTACH_DATA) {
        a.data = v;
        a.len = len;
        a.has_data = 1;
      } else if (id == ATT_ATTACHMENT) {
        if (props(v, len, att_prop, &a) != 0)
          damaged = 1;
      }
      continue;
    }
    if (id == ATT_TNEF_VERSION && len >= 4)
      version = le32(v);
    else if (id == ATT_OEM_CODEPAGE && len >= 4) {
      codepage = le32(v);
      if (codepage == 65001)
        t.cs = "utf-8";
      else if (codepage == 932)
        t.cs = "cp932";
      else if (codepage) {
        snprintf(t.csbuf, sizeof t.csbuf, "CP%u", codepage);
        t.cs = t.csbuf;
      }
    } else if (id == ATT_SUBJECT && !subject)
      subject = text(&t, v, len);
    else if (id == ATT_MESSAGE_CLASS && !klass)
      klass = text(&t, v, len);
    else if (id == ATT_BODY && !body)
      body = text(&t, v, len);
    else if (id == ATT_MAPI_PROPS && props(v, len, msg_prop, &t) != 0)
      damaged = 1;
  }
  if (in_att && st == ART_OK)
    st = finish_att(&t, &a, index, list);
  att_free(&a);
  json_object_set_new(sum, "version",
                      version ? json_integer(version) : json_null());
  json_object_set_new(sum, "codepage",
                      codepage ? json_integer(codepage) : json_null());
  json_object_set_new(sum, "message_class", art__dissect_jstr(klass));
  json_object_set_new(sum, "subject", art__dissect_jstr(subject));
  json_object_set_new(sum, "attributes", json_integer((json_int_t)count));
  json_object_set_new(sum, "attachment_count", json_integer((json_int_t)index));
  json_object_set_new(sum, "attachments", list);
  json_t *iocs = json_array();
  const char *btxt = body ? body : t.long_body;
  if (btxt) {
    art__dissect_iocs(iocs, btxt, strlen(btxt), MAX_LIST);
    if (st == ART_OK)
      st = yield(&t, "tnef-body", "body.txt", btxt, strlen(btxt), "text/plain",
                 0, 0);
  }
  json_object_set_new(sum, "rtf_body", json_boolean(t.rtf != NULL));
  if (t.rtf) {
    size_t rl = 0;
    const char *why = NULL;
    uint8_t *r = art__lzfu_decompress(t.rtf, t.rtf_len, MAX_RTF, &rl, &why);
    if (why)
      art_dissect_sink_error(sink, "%s: tnef: compressed RTF body: %s",
                             in->name, why);
    if (r) {
      art__dissect_iocs(iocs, (const char *)r, rl, MAX_LIST);
      if (st == ART_OK)
        st = yield(&t, "tnef-rtf", "body.rtf", r, rl, "application/rtf", 0,
                   why != NULL);
    }
    free(r);
  }
  json_object_set_new(sum, "indicators", iocs);
  json_object_set_new(sum, "partial", json_boolean(damaged));
  if (damaged) {
    art_dissect_sink_error(sink,
                           "%s: tnef: damaged stream (an attribute is cut or "
                           "its checksum is wrong): what could be read is "
                           "reported",
                           in->name);
    if (st == ART_OK)
      st = ART_ERR_CORRUPT;
  }
  free(subject);
  free(klass);
  free(body);
  free(t.long_body);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st == ART_ERR_LIMIT ? ART_ERR_LIMIT : st;
}

const art_dissector art__dissect_tnef = {
    "tnef", "TNEF (winmail.dat): attachments, subject, RTF body",
    tnef_recognise, tnef_run};
