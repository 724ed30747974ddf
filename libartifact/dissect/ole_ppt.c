/* PowerPoint 97-2003 binary ("PowerPoint Document" stream): the storages
 * kept inside ExOleObjStg records (the VBA project, embedded OLE objects),
 * zlib-decompressed when stored compressed ([MS-PPT] 2.10.34), yielded as
 * children so the ole dissector reads their VBA and streams.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "dissect_private.h"

#define RT_EXOLEOBJSTG    0x1011
#define RT_CRYPTSESSION10 0x2f14
#define MAX_OBJECTS       1000
#define MAX_DEPTH         16
#define MAX_OBJECT        (64u << 20)  /* decompressed bytes of one storage */
#define MAX_INFLATED      (256u << 20) /* decompressed bytes of all of them */

typedef struct ppt_walk {
  const art_dissect_input *in;
  art_dissect_sink *sink;
  json_t *objs;
  size_t n;
  int damaged;
  int limit;
  uint64_t inflated;
} ppt_walk;

/* zlib data to at most WANT bytes (the size the record declares);
 * malloc'd, *GOT what came out, NULL when nothing did. */
static uint8_t *
inflate_all(const uint8_t *p, size_t n, size_t want, size_t *got, int *bad)
{
  z_stream z;
  uint8_t *out;
  int r;
  *got = 0;
  if (want == 0 || want > MAX_OBJECT)
    return NULL;
  out = malloc((size_t)want + 1);
  if (!out)
    return NULL;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) {
    free(out);
    return NULL;
  }
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)(n > 0xffffffffu ? 0xffffffffu : n);
  z.next_out = out;
  z.avail_out = (uInt)want + 1;
  r = inflate(&z, Z_FINISH);
  *got = want + 1 - z.avail_out;
  /* PowerPoint's streams often end without their checksum: all the
   * declared bytes are no loss; fewer or more are damage */
  if ((r != Z_STREAM_END && *got < want) || *got > want) {
    *bad = 1;
    if (*got > want)
      *got = want;
  }
  inflateEnd(&z);
  if (*got == 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* Whether storage bytes hold a VBA project (a "VBA" storage with dir). */
static int holds_vba(const uint8_t *p, size_t n)
{
  cfb *c = NULL;
  char err[128];
  int vba = 0;
  if (!art__cfb_is_cfb(p, n) ||
      art__cfb_open(p, n, &c, err, sizeof err) != ART_OK)
    return 0;
  for (size_t i = 0; i < art__cfb_count(c) && !vba; i++) {
    const cfb_entry *e = art__cfb_entry(c, i);
    char path[1024];
    if (!e->path || e->type != CFB_STORAGE || strcasecmp(e->name, "VBA") != 0)
      continue;
    snprintf(path, sizeof path, "%s/dir", e->path);
    vba = art__cfb_find(c, path) >= 0;
  }
  art__cfb_free(c);
  return vba;
}

static void
object(ppt_walk *w, const uint8_t *body, size_t len, int inst, uint64_t off)
{
  const uint8_t *data = body;
  uint8_t *dec = NULL;
  size_t dlen = len;
  int bad = 0, cut = 0;
  json_t *o = json_object();
  json_object_set_new(o, "offset", json_integer((json_int_t)off));
  json_object_set_new(o, "compressed", json_boolean(inst == 1));
  if (inst == 1) {
    uint32_t want = len >= 4 ? le32(body) : 0;
    json_object_set_new(o, "size", json_integer(want));
    if (w->inflated + want > MAX_INFLATED) {
      art_dissect_sink_error(w->sink,
                             "%s: ole: PowerPoint Document: ExOleObjStg at "
                             "offset %llu not inflated: more than %u MiB of "
                             "storages in all",
                             w->in->name, (unsigned long long)off,
                             MAX_INFLATED >> 20);
      w->damaged = 2;
      json_object_set_new(o, "vba_project", json_false());
      json_array_append_new(w->objs, o);
      return;
    }
    w->inflated += want;
    dec = len >= 4 ? inflate_all(body + 4, len - 4, want, &dlen, &bad) : NULL;
    if (!dec) {
      art_dissect_sink_error(w->sink,
                             "%s: ole: PowerPoint Document: ExOleObjStg at "
                             "offset %llu does not decompress",
                             w->in->name, (unsigned long long)off);
      w->damaged = 2;
      json_object_set_new(o, "vba_project", json_false());
      json_array_append_new(w->objs, o);
      return;
    }
    if (bad || dlen < want) {
      cut = 1;
      w->damaged = 2;
      art_dissect_sink_error(w->sink,
                             "%s: ole: PowerPoint Document: ExOleObjStg at "
                             "offset %llu: compressed data damaged (%zu of "
                             "%u bytes read)",
                             w->in->name, (unsigned long long)off, dlen, want);
    }
    data = dec;
  } else {
    json_object_set_new(o, "size", json_integer((json_int_t)len));
  }
  int vba = holds_vba(data, dlen);
  char name[64];
  if (vba)
    snprintf(name, sizeof name, "VbaProject-%zu.bin", w->n);
  else
    snprintf(name, sizeof name, "ExOleObjStg-%zu.bin", w->n);
  json_object_set_new(o, "vba_project", json_boolean(vba));
  json_object_set_new(o, "name", json_string(name));
  json_array_append_new(w->objs, o);
  char lj[64];
  snprintf(lj, sizeof lj, "{\"offset\":%llu}", (unsigned long long)off);
  art_dissect_child ch = {"ppt-ole-storage", name, data, dlen, NULL, lj, cut};
  if (!w->limit && art_dissect_sink_child(w->sink, &ch) == ART_ERR_LIMIT)
    w->limit = 1;
  free(dec);
}

/* Records of [P, P+N) at stream offset BASE; containers (recVer 0xF) are
 * walked into. */
static void
records(ppt_walk *w, const uint8_t *p, size_t n, uint64_t base, int depth)
{
  size_t i = 0;
  while (i + 8 <= n && !w->limit && w->n < MAX_OBJECTS) {
    uint16_t vi = le16(p + i), type = le16(p + i + 2);
    uint32_t rl = le32(p + i + 4);
    int ver = vi & 0xf, inst = vi >> 4;
    size_t body = i + 8;
    if (rl > n - body) {
      /* the last record runs past its parent: read what is there */
      if (!w->damaged)
        w->damaged = 1;
      rl = (uint32_t)(n - body);
    }
    if (ver == 0xf && type == RT_CRYPTSESSION10)
      ; /* a container of encryption data, not records */
    else if (ver == 0xf && depth < MAX_DEPTH)
      records(w, p + body, rl, base + body, depth + 1);
    else if (type == RT_EXOLEOBJSTG && ver == 0) {
      object(w, p + body, rl, inst, base + i);
      w->n++;
    }
    i = body + rl;
  }
}

art_status art__ole_ppt_stream(const uint8_t *s,
                               size_t n,
                               const size_t (*objs)[2],
                               size_t n_objs,
                               const art_dissect_input *in,
                               art_dissect_sink *sink,
                               json_t *sum)
{
  ppt_walk w = {in, sink, json_array(), 0, 0, 0, 0};
  if (!objs)
    records(&w, s, n, 0, 0);
  for (size_t i = 0; objs && i < n_objs; i++)
    if (objs[i][0] <= n && objs[i][1] <= n - objs[i][0])
      records(&w, s + objs[i][0], objs[i][1], objs[i][0], 0);
  json_object_set_new(sum, "ppt_storages", w.objs);
  if (w.damaged == 1)
    art_dissect_sink_error(sink,
                           "%s: ole: PowerPoint Document: a record runs past "
                           "its container",
                           in->name);
  return w.limit ? ART_ERR_LIMIT : w.damaged ? ART_ERR_CORRUPT : ART_OK;
}

art_status art__ole_ppt(cfb *c,
                        const art_dissect_input *in,
                        art_dissect_sink *sink,
                        json_t *sum)
{
  long si = art__cfb_find(c, "PowerPoint Document");
  size_t n = 0;
  uint8_t *s;
  art_status st;
  if (si < 0)
    return ART_OK;
  s = art__cfb_read(c, (size_t)si, (uint64_t)1 << 30, &n);
  if (!s)
    return ART_OK;
  st = art__ole_ppt_stream(s, n, NULL, 0, in, sink, sum);
  free(s);
  return st;
}
