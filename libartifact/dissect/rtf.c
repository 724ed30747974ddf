/* RTF dissector: the OLE objects of \objdata groups, hex-decoded, with
 * their OLE1 header (class name, format), OLE1 Package file names, and the
 * embedded data as children (an Equation.3 object's compound file goes on
 * to the ole dissector).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_OBJECTS 100

static int rtf_recognise(const uint8_t *d, size_t n)
{
  /* Word opens "{\rt" as RTF, whatever follows: so do exploit documents */
  return n >= 4 && memcmp(d, "{\\rt", 4) == 0;
}

static int hexv(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The hex digits of the group holding \objdata at P, decoded (control
 * words and nested groups' words skipped, as Word reads them); *END gets
 * where the group ends. */
static uint8_t *
objdata(const char *p, const char *lim, size_t *len, const char **end)
{
  size_t cap = 4096, k = 0;
  uint8_t *o = malloc(cap);
  int depth = 0, hi = -1;
  if (!o)
    return NULL;
  while (p < lim) {
    char c = *p;
    if (c == '{') {
      depth++;
      p++;
    } else if (c == '}') {
      if (depth == 0)
        break;
      depth--;
      p++;
    } else if (c == '\\') {
      p++;
      if (p < lim && isalpha((unsigned char)*p)) {
        const char *w = p;
        while (p < lim && isalpha((unsigned char)*p))
          p++;
        /* \bin N: N raw bytes follow */
        int is_bin = p - w == 3 && strncmp(w, "bin", 3) == 0;
        long num = 0;
        int neg = p < lim && *p == '-';
        if (neg)
          p++;
        while (p < lim && isdigit((unsigned char)*p) && num < (1L << 30))
          num = num * 10 + (*p++ - '0');
        if (p < lim && *p == ' ')
          p++;
        if (is_bin && !neg) {
          size_t take =
              (size_t)num < (size_t)(lim - p) ? (size_t)num : (size_t)(lim - p);
          if (k + take > cap) {
            while (k + take > cap)
              cap *= 2;
            uint8_t *q = realloc(o, cap);
            if (!q)
              break;
            o = q;
          }
          memcpy(o + k, p, take);
          k += take;
          p += take;
        }
      } else if (p < lim) {
        p++; /* a control symbol */
      }
    } else {
      int v = hexv((unsigned char)c);
      p++;
      if (v < 0)
        continue;
      if (hi < 0) {
        hi = v;
        continue;
      }
      if (k == cap) {
        uint8_t *q = realloc(o, cap * 2);
        if (!q)
          break;
        o = q;
        cap *= 2;
      }
      o[k++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  *len = k;
  *end = p;
  return o;
}

/* LengthPrefixedAnsiString at *P; NULL (and *OK 0) when it does not fit. */
static char *lpstr(const uint8_t *d, size_t n, size_t *p, int *ok)
{
  if (*p + 4 > n) {
    *ok = 0;
    return NULL;
  }
  uint32_t l = le32(d + *p);
  *p += 4;
  if (l > n - *p || l > 4096) {
    *ok = 0;
    return NULL;
  }
  char *s = malloc(l + 1);
  if (!s) {
    *ok = 0;
    return NULL;
  }
  memcpy(s, d + *p, l);
  s[l] = '\0';
  *p += l;
  return s;
}

static size_t cstr(const uint8_t *d, size_t n, size_t p)
{
  const uint8_t *z = p < n ? memchr(d + p, 0, n - p) : NULL;
  return z ? (size_t)(z - (d + p)) : n - (p < n ? p : n);
}

static art_status
rtf_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  const char *t = (const char *)in->data, *lim = t + in->len;
  json_t *sum = json_object(), *objs = json_array();
  art_status st = ART_OK;
  size_t n_obj = 0, malformed = 0;
  (void)ctx;
  for (const char *p = t; p < lim && st != ART_ERR_LIMIT;) {
    const char *hit = memmem(p, (size_t)(lim - p), "\\objdata", 8);
    if (!hit)
      break;
    const char *end = NULL;
    size_t len = 0;
    uint8_t *d = objdata(hit + 8, lim, &len, &end);
    p = end > hit ? end : hit + 8;
    if (!d)
      break;
    n_obj++;
    json_t *o = json_object();
    json_object_set_new(o, "offset", json_integer((json_int_t)(hit - t)));
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    /* OLE1 ObjectHeader: version, format, class, topic, item */
    size_t q = 8;
    int ok = len >= 8;
    uint32_t format = ok ? le32(d + 4) : 0;
    char *cls = ok ? lpstr(d, len, &q, &ok) : NULL;
    char *topic = ok ? lpstr(d, len, &q, &ok) : NULL;
    char *item = ok ? lpstr(d, len, &q, &ok) : NULL;
    ok = ok && (format == 1 || format == 2) && cls && *cls;
    /* an embedded object's native data must be there, whole: a size
     * larger than the bytes present is how exploit RTFs break parsers
     * (rtfobj then reports the object as not well-formed) */
    if (ok && format == 2 && (q + 4 > len || le32(d + q) > len - q - 4))
      ok = 0;
    json_object_set_new(o, "well_formed", json_boolean(ok));
    if (!ok) {
      malformed++;
      json_object_set_new(o, "class", json_null());
    } else {
      json_object_set_new(o, "class", art__dissect_jstr(cls));
      json_object_set_new(o, "format",
                          json_string(format == 2 ? "embedded" : "linked"));
      (void)topic;
      (void)item;
      if (format == 2 && q + 4 <= len) {
        uint32_t nds = le32(d + q);
        size_t have = len - q - 4 < nds ? len - q - 4 : nds;
        const uint8_t *nd = d + q + 4;
        json_object_set_new(o, "data_size", json_integer(nds));
        char name[300];
        const char *cname = name;
        snprintf(name, sizeof name, "object-%zu.bin", n_obj);
        if (strcmp(cls, "Package") == 0 && have > 2) {
          /* OLE1 Package: flags, label, source path, 8 bytes, temp path,
           * size, data */
          size_t r = 2, l1 = cstr(nd, have, r);
          char *label = strndup((const char *)nd + r, l1);
          r += l1 + 1;
          size_t l2 = cstr(nd, have, r);
          char *src = r < have ? strndup((const char *)nd + r, l2) : NULL;
          r += l2 + 1 + 8;
          size_t l3 = cstr(nd, have, r);
          r += l3 + 1;
          json_object_set_new(o, "package_label", art__dissect_jstr(label));
          json_object_set_new(o, "package_source_path", art__dissect_jstr(src));
          if (r + 4 <= have) {
            uint32_t fs = le32(nd + r);
            size_t fh = have - r - 4 < fs ? have - r - 4 : fs;
            if (label && *label)
              snprintf(name, sizeof name, "%s", label);
            art_dissect_child c = {"rtf-package", cname, nd + r + 4, fh,
                                   NULL,          NULL,  fh < fs};
            if (art_dissect_sink_child(sink, &c) == ART_ERR_LIMIT)
              st = ART_ERR_LIMIT;
          }
          art_dissect_sink_flag(sink, "rtf_package");
          free(label);
          free(src);
        } else {
          art_dissect_child c = {"rtf-object", cname, nd,        have,
                                 cls,          NULL,  have < nds};
          if (art_dissect_sink_child(sink, &c) == ART_ERR_LIMIT)
            st = ART_ERR_LIMIT;
        }
        if (strncasecmp(cls, "Equation", 8) == 0)
          art_dissect_sink_flag(sink, "rtf_equation_editor");
      }
    }
    free(cls);
    free(topic);
    free(item);
    if (json_array_size(objs) < MAX_OBJECTS)
      json_array_append_new(objs, o);
    else
      json_decref(o);
    free(d);
  }
  json_object_set_new(sum, "objects", objs);
  json_object_set_new(sum, "object_count", json_integer((json_int_t)n_obj));
  json_object_set_new(sum, "malformed_objects",
                      json_integer((json_int_t)malformed));
  if (n_obj)
    art_dissect_sink_flag(sink, "rtf_object");
  if (malformed)
    art_dissect_sink_flag(sink, "rtf_malformed_object");
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_rtf = {
    "rtf", "RTF: embedded OLE objects (\\objdata), Package file names",
    rtf_recognise, rtf_run};
