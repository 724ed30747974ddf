/* MSO/ActiveMime containers and Word 2003 XML: the zlib-compressed
 * compound file an ActiveMime blob holds (editdata.mso: the VBA project of
 * a Word 2003 XML or MHTML document; oledata.mso: embedded OLE objects),
 * and the base64 w:binData parts of a Word 2003 XML document, yielded as
 * children so that the ole dissector reads their VBA and objects.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "dissect_private.h"

#define MAX_INFLATED (256u << 20)
#define MAX_PARTS    1000

static const char ACTIVEMIME[] = "ActiveMime";

static int is_word2003_xml(const uint8_t *d, size_t n)
{
  size_t m = n < 4096 ? n : 4096;
  if (m == 0)
    return 0; /* an empty member: D may be NULL */
  return memmem(d, m, "<?mso-application", 17) != NULL &&
         (memmem(d, m, "Word.Document", 13) != NULL ||
          memmem(d, m, "wordDocument", 12) != NULL);
}

static int mso_recognise(const uint8_t *d, size_t n)
{
  return (n >= 10 && memcmp(d, ACTIVEMIME, 10) == 0) || is_word2003_xml(d, n);
}

/* zlib data at P to a malloc'd buffer (at most MAX_INFLATED); NULL when
 * it is not zlib. *WHOLE: the stream ended. */
static uint8_t *
inflate_any(const uint8_t *p, size_t n, size_t *out_len, int *whole)
{
  z_stream z;
  size_t cap = 1u << 16, o = 0;
  uint8_t *out;
  int r = Z_OK;
  *out_len = 0;
  *whole = 0;
  if (n < 2 || (p[0] & 0x0f) != 8 || ((p[0] << 8) | p[1]) % 31 != 0)
    return NULL;
  out = malloc(cap);
  if (!out)
    return NULL;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) {
    free(out);
    return NULL;
  }
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)(n > 0x7fffffffu ? 0x7fffffffu : n);
  while (r == Z_OK) {
    if (o == cap) {
      if (cap >= MAX_INFLATED)
        break;
      uint8_t *q = realloc(out, cap * 2);
      if (!q)
        break;
      out = q;
      cap *= 2;
    }
    z.next_out = out + o;
    z.avail_out = (uInt)(cap - o);
    r = inflate(&z, Z_NO_FLUSH);
    o = cap - z.avail_out;
    if (r == Z_BUF_ERROR && z.avail_in == 0)
      break;
  }
  *whole = r == Z_STREAM_END;
  inflateEnd(&z);
  if (o == 0) {
    free(out);
    return NULL;
  }
  *out_len = o;
  return out;
}

/* An ActiveMime blob: the offset its header gives, then the ones Word and
 * Excel use, then the first zlib header in its first 4 KiB. */
static art_status
activemime(const art_dissect_input *in, art_dissect_sink *sink, json_t *sum)
{
  size_t cand[8], nc = 0, len = 0;
  int whole = 0;
  uint8_t *dec = NULL;
  const uint8_t *d = in->data;
  if (in->len >= 0x20)
    cand[nc++] = (size_t)le16(d + 0x1e) + 46;
  cand[nc++] = 0x32;
  cand[nc++] = 0x22a;
  size_t at = 0;
  for (size_t k = 0; k < nc && !dec; k++)
    if (cand[k] < in->len &&
        (dec = inflate_any(d + cand[k], in->len - cand[k], &len, &whole)))
      at = cand[k];
  for (size_t i = 10; !dec && i + 2 < in->len && i < 4096; i++)
    if (d[i] == 0x78 &&
        (dec = inflate_any(d + i, in->len - i, &len, &whole)) != NULL)
      at = i;
  json_object_set_new(sum, "kind", json_string("activemime"));
  if (!dec) {
    json_object_set_new(sum, "data_offset", json_null());
    json_object_set_new(sum, "size", json_null());
    art_dissect_sink_error(sink,
                           "%s: mso: ActiveMime without zlib data that "
                           "decompresses",
                           in->name);
    return ART_ERR_CORRUPT;
  }
  json_object_set_new(sum, "data_offset", json_integer((json_int_t)at));
  json_object_set_new(sum, "size", json_integer((json_int_t)len));
  if (!whole)
    art_dissect_sink_error(sink,
                           "%s: mso: ActiveMime zlib data cut or damaged "
                           "(%zu bytes read)",
                           in->name, len);
  art_dissect_child ch = {"activemime", "activemime.bin", dec, len, NULL, NULL,
                          !whole};
  art_status st = art_dissect_sink_child(sink, &ch);
  free(dec);
  if (st == ART_ERR_LIMIT)
    return ART_ERR_LIMIT;
  return whole ? ART_OK : ART_ERR_CORRUPT;
}

/* The value of NAME="..." in the tag [T, E), copied to OUT. */
static void
tag_attr(const char *t, const char *e, const char *name, char *out, size_t cap)
{
  size_t nl = strlen(name);
  out[0] = '\0';
  for (const char *p = t; p + nl + 2 < e; p++)
    if ((p[-1] == ' ' || p[-1] == ':' || p[-1] == '\t' || p[-1] == '\n') &&
        strncmp(p, name, nl) == 0 && p[nl] == '=' &&
        (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
      const char *v = p + nl + 2, *q = memchr(v, p[nl + 1], (size_t)(e - v));
      size_t l = q ? (size_t)(q - v) : 0;
      if (l >= cap)
        l = cap - 1;
      memcpy(out, v, l);
      out[l] = '\0';
      return;
    }
}

/* base64 text (line breaks and spaces allowed) to bytes. */
static uint8_t *unbase64(const char *s, size_t n, size_t *out_len)
{
  uint8_t *out = malloc(n / 4 * 3 + 4);
  int l1 = 0, l2 = 0;
  EVP_ENCODE_CTX *x = EVP_ENCODE_CTX_new();
  *out_len = 0;
  if (!out || !x || n > 0x7fffffff) {
    free(out);
    EVP_ENCODE_CTX_free(x);
    return NULL;
  }
  EVP_DecodeInit(x);
  if (EVP_DecodeUpdate(x, out, &l1, (const unsigned char *)s, (int)n) < 0 ||
      EVP_DecodeFinal(x, out + l1, &l2) < 0) {
    EVP_ENCODE_CTX_free(x);
    free(out);
    return NULL;
  }
  EVP_ENCODE_CTX_free(x);
  *out_len = (size_t)(l1 + l2);
  return out;
}

/* Word 2003 XML: each w:binData (base64) as a child named by w:name. */
static art_status
word_xml(const art_dissect_input *in, art_dissect_sink *sink, json_t *sum)
{
  const char *s = (const char *)in->data, *lim = s + in->len;
  json_t *parts = json_array();
  art_status st = ART_OK;
  size_t n = 0;
  json_object_set_new(sum, "kind", json_string("word2003_xml"));
  for (const char *p = s; p < lim && n < MAX_PARTS;) {
    const char *t = memmem(p, (size_t)(lim - p), "binData", 7);
    if (!t)
      break;
    p = t + 7;
    /* the opening tag <binData or <w:binData, not </w:binData> */
    const char *lt = t - 1;
    while (lt > s && lt > t - 32 && *lt != '<' && *lt != ' ' && *lt != '>')
      lt--;
    if (t == s || *lt != '<' || lt[1] == '/' ||
        (t[-1] != '<' && t[-1] != ':') || (p < lim && *p != ' ' && *p != '>'))
      continue;
    const char *e = memchr(p, '>', (size_t)(lim - p));
    if (!e)
      break;
    const char *c1 = memchr(e, '<', (size_t)(lim - e));
    if (!c1) {
      art_dissect_sink_error(sink, "%s: mso: a w:binData part is not closed",
                             in->name);
      st = ART_ERR_CORRUPT;
      c1 = lim;
    }
    char name[512];
    tag_attr(p, e, "name", name, sizeof name);
    size_t bl = 0;
    uint8_t *b = unbase64(e + 1, (size_t)(c1 - e - 1), &bl);
    json_t *o = json_object();
    json_object_set_new(o, "name", art__dissect_jstr(name));
    json_object_set_new(o, "size",
                        b ? json_integer((json_int_t)bl) : json_null());
    json_object_set_new(
        o, "activemime",
        json_boolean(b && bl >= 10 && memcmp(b, ACTIVEMIME, 10) == 0));
    json_array_append_new(parts, o);
    n++;
    if (!b) {
      art_dissect_sink_error(sink, "%s: mso: w:binData \"%s\" is not base64",
                             in->name, name);
      st = ART_ERR_CORRUPT;
    } else if (st != ART_ERR_LIMIT) {
      art_dissect_child ch = {
          "xml-bindata", name[0] ? name : NULL, b, bl, NULL, NULL, 0};
      if (art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
        st = ART_ERR_LIMIT;
    }
    free(b);
    p = c1;
  }
  json_object_set_new(sum, "bindata", parts);
  return st;
}

static art_status
mso_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  json_t *sum = json_object();
  art_status st;
  (void)ctx;
  if (in->len >= 10 && memcmp(in->data, ACTIVEMIME, 10) == 0)
    st = activemime(in, sink, sum);
  else
    st = word_xml(in, sink, sum);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_mso = {
    "mso",
    "MSO/ActiveMime blobs (editdata.mso, oledata.mso) and Word 2003 XML "
    "w:binData parts",
    mso_recognise, mso_run};
