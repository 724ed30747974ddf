/* OneNote dissector (.one and .onetoc2, [MS-ONESTORE] revision store):
 * embedded files (FileDataStoreObject, the .hta/.bat/.exe of the 2023
 * phishing wave) found by their header GUID, as Strelka's onenote scanner
 * finds them, and yielded as children with their offset, named as OneNote
 * stores them: the file node lists give, for each FileDataStoreObject,
 * its GUID (FileDataStoreObjectReferenceFND), the object declared with
 * that GUID (ObjectDeclarationFileData3RefCountFND, with the extension),
 * and the embedded-file node whose EmbeddedFileContainer is that object
 * (its EmbeddedFileName property, UTF-16), as pyOneNote pairs them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_private.h"

#define MAX_FILES 1000
#define MAX_LIST  100

/* GUIDs as stored (little-endian fields). */
/* guidFileType of a section: {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}. */
static const uint8_t guid_one[16] = {0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8,
                                     0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78,
                                     0xd0, 0x29, 0x96, 0xd3};
static const uint8_t guid_toc2[16] = {0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef,
                                      0x76, 0x4c, 0x9e, 0xe2, 0x10, 0xea,
                                      0x57, 0x22, 0x76, 0x5f};
/* FileDataStoreObject guidHeader {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}
 * and guidFooter {71FBA722-0F79-4A0B-BB13-899256426B24}. */
static const uint8_t guid_fdso[16] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                      0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                      0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t guid_footer[16] = {0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f,
                                        0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92,
                                        0x56, 0x42, 0x6b, 0x24};

/* ---- the file node lists: names of the embedded files ------------------ */

#define FRAG_MAGIC                  0xA4567AB1F5F7F4C4ull /* FileNodeListFragment header */
#define MAX_NODES                   (1u << 20) /* file nodes read in one file */
#define MAX_ENTRIES                 (1u << 16) /* kept per table below */
#define JCID_EMBEDDED_FILE_NODE     0x00060035u
#define PRID_ID(p)                  ((p)&0x3ffffffu)
#define PRID_TYPE(p)                (((p) >> 26) & 0x1fu)
#define PID_EMBEDDED_FILE_CONTAINER 0x1d9bu /* ObjectID */
#define PID_EMBEDDED_FILE_NAME      0x1d9cu /* wz: FourBytesOfLength... */

/* An object's identity: the ExtendedGUID its CompactID stands for in the
 * global ID table of its file node list, or (when the table lacks it) the
 * list and the raw CompactID. */
typedef struct {
  uint8_t guid[16];
  uint32_t n;
  uint32_t list;
  int resolved;
} xgid;

typedef struct {
  uint32_t list, index;
  uint8_t guid[16];
} gid_entry;

typedef struct {
  size_t stp;       /* the FileDataStoreObject */
  uint8_t guid[16]; /* its guidReference */
} fdso_ref;

typedef struct {
  xgid oid;
  uint8_t guid[16]; /* "<ifndf>{GUID}" */
  char *ext;        /* the Extension string, UTF-8 */
} file_decl;

typedef struct {
  xgid container;
  char *name; /* EmbeddedFileName, UTF-8 */
} file_node;

typedef struct {
  gid_entry *gids;
  fdso_ref *refs;
  file_decl *decls;
  file_node *nodes;
  size_t n_gids, n_refs, n_decls, n_nodes;
  size_t c_gids, c_refs, c_decls, c_nodes;
  size_t nodes_read;
  int nomem;
} store;

static void *grow(void *arr, size_t *cap, size_t n, size_t size, int *nomem)
{
  if (n < *cap)
    return arr;
  if (n >= MAX_ENTRIES)
    return NULL;
  size_t c = *cap ? *cap * 2 : 16;
  void *p = realloc(arr, c * size);
  if (!p) {
    *nomem = 1;
    return NULL;
  }
  *cap = c;
  return p;
}

static char *utf16_name(const uint8_t *p, size_t n)
{
  return art__dissect_utf16le(p, n & ~(size_t)1);
}

static xgid resolve(const store *s, uint32_t list, uint32_t cid)
{
  xgid x = {{0}, cid & 0xffu, list, 0};
  uint32_t index = cid >> 8;
  /* The latest entry of that index in the list's table. */
  for (size_t i = s->n_gids; i-- > 0;)
    if (s->gids[i].list == list && s->gids[i].index == index) {
      memcpy(x.guid, s->gids[i].guid, 16);
      x.resolved = 1;
      break;
    }
  if (!x.resolved)
    x.n = cid;
  return x;
}

static int same_xgid(const xgid *a, const xgid *b)
{
  if (a->resolved != b->resolved || a->n != b->n)
    return 0;
  return a->resolved ? memcmp(a->guid, b->guid, 16) == 0 : a->list == b->list;
}

/* A FileNodeChunkReference in the node's formats at P (N bytes left):
 * its size, 0 when it does not fit. */
static size_t chunk_ref(const uint8_t *p,
                        size_t n,
                        unsigned stpf,
                        unsigned cbf,
                        uint64_t *stp,
                        uint64_t *cb)
{
  static const size_t ssz[4] = {8, 4, 2, 4}, csz[4] = {4, 8, 1, 2};
  size_t k = ssz[stpf] + csz[cbf];
  uint64_t a = 0, b = 0;
  if (n < k)
    return 0;
  for (size_t i = ssz[stpf]; i-- > 0;)
    a = a << 8 | p[i];
  for (size_t i = csz[cbf]; i-- > 0;)
    b = b << 8 | p[ssz[stpf] + i];
  *stp = stpf >= 2 ? a * 8 : a;
  *cb = cbf >= 2 ? b * 8 : b;
  return k;
}

/* Parse "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (after "<ifndf>") as the
 * 16 bytes of a GUID as stored (little-endian fields). */
static int parse_guid(const char *t, uint8_t out[16])
{
  static const int at[16] = {1,  3,  5,  7,  10, 12, 15, 17,
                             20, 22, 25, 27, 29, 31, 33, 35};
  static const int order[16] = {3, 2, 1,  0,  5,  4,  7,  6,
                                8, 9, 10, 11, 12, 13, 14, 15};
  if (strlen(t) < 38 || t[0] != '{' || t[37] != '}')
    return -1;
  for (int i = 0; i < 16; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char c = t[at[i] + k];
      unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                          : 16u;
      if (d > 15)
        return -1;
      v = v << 4 | d;
    }
    out[order[i]] = (uint8_t)v;
  }
  return 0;
}

typedef struct {
  const uint8_t *d;
  size_t n, pos;
  uint32_t oids;  /* ObjectIDs consumed so far */
  long container; /* index in the OID stream of EmbeddedFileContainer */
  const uint8_t *name;
  size_t name_len;
} props;

/* One PropertySet at P->pos (nested ones too: they take their ObjectIDs
 * from the same stream); -1 when it runs past its bytes. */
static int property_set(props *p, unsigned depth)
{
  if (depth > 16 || p->n - p->pos < 2)
    return -1;
  unsigned count = (unsigned)p->d[p->pos] | (unsigned)p->d[p->pos + 1] << 8;
  size_t prids = p->pos + 2;
  if ((p->n - prids) / 4 < count)
    return -1;
  p->pos = prids + (size_t)count * 4;
  for (unsigned i = 0; i < count; i++) {
    uint32_t prid = le32(p->d + prids + (size_t)i * 4);
    unsigned type = PRID_TYPE(prid);
    size_t left = p->n - p->pos, need = 0;
    uint32_t k;
    switch (type) {
    case 0x1:
    case 0x2:
      break;
    case 0x3:
      need = 1;
      break;
    case 0x4:
      need = 2;
      break;
    case 0x5:
      need = 4;
      break;
    case 0x6:
      need = 8;
      break;
    case 0x7:
      if (left < 4 || left - 4 < le32(p->d + p->pos))
        return -1;
      k = le32(p->d + p->pos);
      if (depth == 0 && PRID_ID(prid) == PID_EMBEDDED_FILE_NAME) {
        p->name = p->d + p->pos + 4;
        p->name_len = k;
      }
      need = 4 + (size_t)k;
      break;
    case 0x8:
      if (depth == 0 && PRID_ID(prid) == PID_EMBEDDED_FILE_CONTAINER)
        p->container = (long)p->oids;
      p->oids++;
      break;
    case 0x9:
    case 0xb:
    case 0xd:
      if (left < 4)
        return -1;
      if (type == 0x9)
        p->oids += le32(p->d + p->pos);
      need = 4;
      break;
    case 0xa:
    case 0xc:
      break;
    case 0x10:
      if (left < 4)
        return -1;
      k = le32(p->d + p->pos);
      p->pos += 4;
      if (k) {
        if (p->n - p->pos < 4)
          return -1;
        p->pos += 4; /* the nested sets' PropertyID */
        for (uint32_t j = 0; j < k; j++)
          if (property_set(p, depth + 1) != 0)
            return -1;
      }
      break;
    case 0x11:
      if (property_set(p, depth + 1) != 0)
        return -1;
      break;
    default:
      return -1;
    }
    if (need > p->n - p->pos)
      return -1;
    p->pos += need;
  }
  return 0;
}

/* The ObjectSpaceObjectPropSet of an embedded-file node at D[0..N): its
 * EmbeddedFileContainer and EmbeddedFileName into S. */
static void
embedded_file_node(store *s, uint32_t list, const uint8_t *d, size_t n)
{
  if (n < 4)
    return;
  uint32_t h = le32(d), count = h & 0xffffffu;
  size_t pos = 4;
  const uint8_t *oids = d + pos;
  if ((n - pos) / 4 < count)
    return;
  pos += (size_t)count * 4;
  /* OSIDs unless OsidStreamNotPresent, ContextIDs if ExtendedStreams. */
  for (int stream = 0; stream < 2; stream++) {
    if (stream == 0 ? (h >> 31) & 1 : !((h >> 30) & 1))
      continue;
    if (n - pos < 4)
      return;
    uint32_t c = le32(d + pos) & 0xffffffu;
    pos += 4;
    if ((n - pos) / 4 < c)
      return;
    pos += (size_t)c * 4;
  }
  props p = {d, n, pos, 0, -1, NULL, 0};
  if (property_set(&p, 0) != 0 || p.container < 0 ||
      (uint32_t)p.container >= count || !p.name)
    return;
  file_node *fn =
      grow(s->nodes, &s->c_nodes, s->n_nodes, sizeof *fn, &s->nomem);
  if (!fn)
    return;
  s->nodes = fn;
  char *name = utf16_name(p.name, p.name_len);
  if (!name) {
    s->nomem = 1;
    return;
  }
  fn[s->n_nodes++] =
      (file_node){resolve(s, list, le32(oids + (size_t)p.container * 4)), name};
}

/* A StringInStorageBuffer at P (N bytes left) as UTF-8 into *OUT; its
 * size, 0 when it does not fit. */
static size_t storage_string(const uint8_t *p, size_t n, char **out)
{
  if (n < 4 || (n - 4) / 2 < le32(p))
    return 0;
  size_t len = (size_t)le32(p) * 2;
  *out = utf16_name(p + 4, len);
  return *out ? 4 + len : 0;
}

static void file_node_entry(store *s,
                            const uint8_t *d,
                            size_t n,
                            uint32_t list,
                            unsigned id,
                            unsigned stpf,
                            unsigned cbf,
                            const uint8_t *b,
                            size_t bl)
{
  uint64_t stp = 0, cb = 0;
  size_t k;
  switch (id) {
  case 0x024: /* GlobalIdTableEntryFNDX */
    if (bl >= 20) {
      gid_entry *g = grow(s->gids, &s->c_gids, s->n_gids, sizeof *g, &s->nomem);
      if (!g)
        return;
      s->gids = g;
      g[s->n_gids].list = list;
      g[s->n_gids].index = le32(b);
      memcpy(g[s->n_gids].guid, b + 4, 16);
      s->n_gids++;
    }
    break;
  case 0x094: /* FileDataStoreObjectReferenceFND */
    k = chunk_ref(b, bl, stpf, cbf, &stp, &cb);
    if (k && bl - k >= 16 && stp < n) {
      fdso_ref *r = grow(s->refs, &s->c_refs, s->n_refs, sizeof *r, &s->nomem);
      if (!r)
        return;
      s->refs = r;
      r[s->n_refs].stp = (size_t)stp;
      memcpy(r[s->n_refs].guid, b + k, 16);
      s->n_refs++;
    }
    break;
  case 0x072: /* ObjectDeclarationFileData3RefCountFND */
  case 0x073: /* ... LargeRefCountFND */
  {
    size_t at = 8 + (id == 0x072 ? 1 : 4);
    char *ref = NULL, *ext = NULL;
    uint8_t guid[16];
    if (bl < at || !(k = storage_string(b + at, bl - at, &ref)))
      return;
    if (!storage_string(b + at + k, bl - at - k, &ext))
      ext = NULL;
    if (strncmp(ref, "<ifndf>", 7) == 0 && parse_guid(ref + 7, guid) == 0) {
      file_decl *f =
          grow(s->decls, &s->c_decls, s->n_decls, sizeof *f, &s->nomem);
      if (f) {
        s->decls = f;
        f[s->n_decls].oid = resolve(s, list, le32(b));
        memcpy(f[s->n_decls].guid, guid, 16);
        f[s->n_decls].ext = ext;
        s->n_decls++;
        ext = NULL;
      }
    }
    free(ref);
    free(ext);
    break;
  }
  case 0x0a4: /* ObjectDeclaration2RefCountFND */
  case 0x0a5: /* ObjectDeclaration2LargeRefCountFND */
  case 0x0c4: /* ReadOnlyObjectDeclaration2RefCountFND */
  case 0x0c5: /* ReadOnlyObjectDeclaration2LargeRefCountFND */
    k = chunk_ref(b, bl, stpf, cbf, &stp, &cb);
    if (k && bl - k >= 9 && le32(b + k + 4) == JCID_EMBEDDED_FILE_NODE &&
        stp < n && cb <= n - stp)
      embedded_file_node(s, list, d + stp, (size_t)cb);
    break;
  default:
    break;
  }
}

/* Every FileNodeListFragment of the file, by its magic: damaged or
 * unreferenced lists still give what they hold. */
static void read_file_nodes(store *s, const uint8_t *d, size_t n)
{
  static const uint8_t magic[8] = {0xc4, 0xf4, 0xf7, 0xf5,
                                   0xb1, 0x7a, 0x56, 0xa4};
  for (size_t o = 1024; o + 20 <= n && s->nodes_read < MAX_NODES;) {
    const uint8_t *m = memmem(d + o, n - o, magic, 8);
    if (!m)
      break;
    size_t at = (size_t)(m - d), p = at + 16;
    if (p > n) /* a header cut by the end of the file */
      break;
    uint32_t list = le32(m + 8);
    o = at + 8;
    while (p + 4 <= n && s->nodes_read < MAX_NODES && !s->nomem) {
      uint32_t h = le32(d + p);
      unsigned id = h & 0x3ffu, size = (h >> 10) & 0x1fffu;
      if (id == 0 || id == 0x0ff || size < 4 || size > n - p)
        break;
      s->nodes_read++;
      file_node_entry(s, d, n, list, id, (h >> 23) & 3u, (h >> 25) & 3u,
                      d + p + 4, size - 4);
      p += size;
    }
    if (p > o)
      o = p;
  }
}

static void store_free(store *s)
{
  for (size_t i = 0; i < s->n_decls; i++)
    free(s->decls[i].ext);
  for (size_t i = 0; i < s->n_nodes; i++)
    free(s->nodes[i].name);
  free(s->gids);
  free(s->refs);
  free(s->decls);
  free(s->nodes);
}

/* The name and extension OneNote gives the FileDataStoreObject at AT. */
static void
name_of(const store *s, size_t at, const char **name, const char **ext)
{
  *name = *ext = NULL;
  for (size_t i = 0; i < s->n_refs; i++) {
    if (s->refs[i].stp != at)
      continue;
    for (size_t j = 0; j < s->n_decls; j++) {
      if (memcmp(s->decls[j].guid, s->refs[i].guid, 16) != 0)
        continue;
      *ext = s->decls[j].ext;
      for (size_t k = s->n_nodes; k-- > 0;)
        if (same_xgid(&s->nodes[k].container, &s->decls[j].oid)) {
          *name = s->nodes[k].name;
          return;
        }
      return;
    }
  }
}

static int onenote_recognise(const uint8_t *d, size_t n)
{
  return n >= 1024 &&
         (memcmp(d, guid_one, 16) == 0 || memcmp(d, guid_toc2, 16) == 0);
}

static art_status
onenote_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  const uint8_t *d = in->data;
  size_t n = in->len, count = 0;
  art_status st = ART_OK;
  int damaged = 0;
  (void)ctx;
  if (!onenote_recognise(d, n)) {
    art_dissect_sink_error(sink, "%s: onenote: no OneNote file header",
                           in->name);
    return ART_ERR_CORRUPT;
  }
  store names = {0};
  read_file_nodes(&names, d, n);
  json_t *sum = json_object(), *files = json_array();
  json_object_set_new(
      sum, "format",
      json_string(memcmp(d, guid_one, 16) == 0 ? "section" : "toc"));
  /* A FileDataStoreObject: guidHeader, cbLength (8), unused (4),
   * reserved (8), FileData, padding to 8 bytes, guidFooter. */
  for (size_t o = 16; o + 36 <= n && st == ART_OK;) {
    const uint8_t *h = memmem(d + o, n - o, guid_fdso, 16);
    if (!h)
      break;
    size_t at = (size_t)(h - d);
    o = at + 16;
    if (n - at < 36)
      break;
    uint64_t len = le64(h + 16);
    size_t data = at + 36, have = n - data;
    int cut = len > have;
    size_t give = cut ? have : (size_t)len;
    int footer = 0;
    if (!cut) {
      size_t f = data + (((size_t)len + 7u) & ~(size_t)7u);
      footer = f + 16 <= n && memcmp(d + f, guid_footer, 16) == 0;
    }
    if (++count > MAX_FILES) {
      art_dissect_sink_error(sink,
                             "%s: onenote: more than %u embedded files: the "
                             "rest are not examined",
                             in->name, MAX_FILES);
      break;
    }
    if (cut) {
      damaged = 1;
      art_dissect_sink_error(sink,
                             "%s: onenote: embedded file at offset %zu cut "
                             "(%zu of %llu bytes)",
                             in->name, at, give, (unsigned long long)len);
    }
    const char *fname, *ext;
    name_of(&names, at, &fname, &ext);
    if (json_array_size(files) < MAX_LIST) {
      json_t *f = json_object(), *nf = json_array();
      json_object_set_new(f, "name", art__dissect_jstr(fname));
      json_object_set_new(f, "extension", art__dissect_jstr(ext));
      art__dissect_name_flags(fname, nf);
      json_object_set_new(f, "name_flags", nf);
      json_object_set_new(f, "offset", json_integer((json_int_t)at));
      json_object_set_new(f, "size", json_integer((json_int_t)len));
      json_object_set_new(f, "footer", json_boolean(footer));
      json_array_append_new(files, f);
    }
    char lj[64];
    snprintf(lj, sizeof lj, "{\"onenote_offset\":%zu}", at);
    art_dissect_child c = {"onenote-file", fname, d + data, give,
                           NULL,           lj,    cut};
    if (art_dissect_sink_child(sink, &c) == ART_ERR_LIMIT)
      st = ART_ERR_LIMIT;
    /* The next object starts after this one's data when it adds up. */
    if (!cut)
      o = data + (size_t)len;
  }
  json_object_set_new(sum, "file_count", json_integer((json_int_t)count));
  json_object_set_new(sum, "files", files);
  json_object_set_new(sum, "partial", json_boolean(damaged));
  if (names.nomem)
    art_dissect_sink_error(sink,
                           "%s: onenote: out of memory reading the "
                           "file node lists: names may be missing",
                           in->name);
  store_free(&names);
  if (count)
    art_dissect_sink_flag(sink, "onenote_embedded_file");
  if (damaged && st == ART_OK)
    st = ART_ERR_CORRUPT;
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_onenote = {
    "onenote", "OneNote sections (.one): embedded files", onenote_recognise,
    onenote_run};
