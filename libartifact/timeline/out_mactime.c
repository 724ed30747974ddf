/* mactime writer: the CSV that `mactime -d -y` prints, from body entries.
 * SPDX-License-Identifier: Apache-2.0
 *
 * mactime keys each time as "%.10d,<inode>,<name>", merges the m/a/c/b
 * letters of equal keys into one row, sorts the keys as byte strings and
 * prints mode/uid/gid/size looked up by name (the last body line with that
 * name wins). We build the same key for the external sorter and keep a
 * table of name hashes to find repeated names, whose side data is then
 * taken from their last line. A time of 0 prints as 0000-00-00T00:00:00Z
 * when another time of the line is set; lines with all four 0 are dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeline_private.h"

typedef struct side {
  char *name;
  size_t name_len;
  uint64_t h;
  char *mode;
  uint64_t uid, gid, size;
  struct side *next;
} side;

/* Names seen, as 32-bit fingerprints; a name whose fingerprint was seen
 * before gets a side node keyed by the full name (a fingerprint collision
 * only costs that node: lookups compare full names). */
typedef struct dups {
  uint32_t *fp; /* open addressing, 0 = empty, load <= 3/4 */
  size_t cap, n;
  side **buckets;
  size_t nb, nside;
} dups;

void art__tl_dups_free(void *p)
{
  dups *d = p;
  if (!d)
    return;
  for (size_t i = 0; i < d->nb; i++)
    for (side *s = d->buckets[i], *nx; s; s = nx) {
      nx = s->next;
      free(s->name);
      free(s->mode);
      free(s);
    }
  free(d->buckets);
  free(d->fp);
  free(d);
}

static uint64_t hash64(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h ? h : 1;
}

static side *side_find(dups *d, const char *name, size_t n, uint64_t h)
{
  if (!d->nb)
    return NULL;
  for (side *s = d->buckets[h % d->nb]; s; s = s->next)
    if (s->h == h && s->name_len == n && memcmp(s->name, name, n) == 0)
      return s;
  return NULL;
}

static int side_grow(dups *d)
{
  size_t nb = d->nb ? d->nb * 2 + 1 : 1021;
  side **b = calloc(nb, sizeof *b);
  if (!b)
    return -1;
  for (size_t i = 0; i < d->nb; i++)
    for (side *s = d->buckets[i], *nx; s; s = nx) {
      nx = s->next;
      s->next = b[s->h % nb];
      b[s->h % nb] = s;
    }
  free(d->buckets);
  d->buckets = b;
  d->nb = nb;
  return 0;
}

/* Record NAME; returns -1 on allocation failure. */
static int dups_note(dups *d,
                     const char *name,
                     size_t n,
                     const char *mode,
                     size_t ml,
                     uint64_t uid,
                     uint64_t gid,
                     uint64_t size)
{
  uint64_t h = hash64(name, n);
  uint32_t f = (uint32_t)(h >> 32) ? (uint32_t)(h >> 32) : 1u;
  if ((d->n + 1) * 4 > d->cap * 3) {
    size_t cap = d->cap ? d->cap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
      return -1;
    for (size_t i = 0; i < d->cap; i++) {
      uint32_t v = d->fp[i];
      if (!v)
        continue;
      size_t j = (v * 2654435761u) & (cap - 1);
      while (t[j])
        j = (j + 1) & (cap - 1);
      t[j] = v;
    }
    free(d->fp);
    d->fp = t;
    d->cap = cap;
  }
  size_t j = (f * 2654435761u) & (d->cap - 1);
  while (d->fp[j] && d->fp[j] != f)
    j = (j + 1) & (d->cap - 1);
  if (!d->fp[j]) {
    d->fp[j] = f;
    d->n++;
    return 0;
  }
  /* seen before (or a fingerprint collision): keep this line's side data */
  side *s = side_find(d, name, n, h);
  if (!s) {
    if (d->nside + 1 > d->nb * 2 && side_grow(d))
      return -1;
    s = calloc(1, sizeof *s);
    if (!s || !(s->name = malloc(n ? n : 1))) {
      free(s);
      return -1;
    }
    memcpy(s->name, name, n);
    s->name_len = n;
    s->h = h;
    s->next = d->buckets[h % d->nb];
    d->buckets[h % d->nb] = s;
    d->nside++;
  }
  char *mc = strndup(mode, ml);
  if (!mc)
    return -1;
  free(s->mode);
  s->mode = mc;
  s->uid = uid;
  s->gid = gid;
  s->size = size;
  return 0;
}

static int hexv(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 32);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* mactime URL-decodes %XX in every field (tm_split). */
static size_t url_decode(char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 &&
        hexv(s[i + 2]) >= 0) {
      s[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
      i += 2;
      continue;
    }
    s[o++] = s[i];
  }
  return o;
}

/* Control bytes never reach a row: '^' with --tsk-compat (what fls|mactime
 * shows), else \xNN (0x00-0x1F and 0x7F). Other bytes stay as mactime
 * prints them. */
static int ctl_visible(art__tl_buf *b, int caret)
{
  size_t n = 0;
  for (size_t i = 0; i < b->len; i++) {
    unsigned char c = (unsigned char)b->p[i];
    if (c < 0x20 || (c == 0x7F && !caret))
      n++;
  }
  if (!n)
    return 0;
  if (caret) {
    for (size_t i = 0; i < b->len; i++)
      if ((unsigned char)b->p[i] < 0x20)
        b->p[i] = '^';
    return 0;
  }
  art__tl_buf t = {0};
  for (size_t i = 0; i < b->len; i++) {
    unsigned char c = (unsigned char)b->p[i];
    if ((c < 0x20 || c == 0x7F) ? art__tl_buf_addf(&t, "\\x%02x", (unsigned)c)
                                : art__tl_buf_addc(&t, (char)c)) {
      art__tl_buf_free(&t);
      return -1;
    }
  }
  b->len = 0;
  int r = art__tl_buf_add(b, t.p, t.len);
  art__tl_buf_free(&t);
  return r;
}

static int64_t slot_value(const art_timeline *tl, const art__tl_time *t)
{
  return tl->tsk_compat ? (int64_t)(uint32_t)t->sec : t->sec;
}

/* Write one mactime row (the date text is cached per second). */
static art_status write_row(art_ctx *ctx,
                            art_timeline *tl,
                            int64_t sec,
                            unsigned letters,
                            const char *inode,
                            size_t il,
                            const char *name,
                            size_t nl,
                            const char *mode,
                            size_t ml,
                            uint64_t uid,
                            uint64_t gid,
                            uint64_t size)
{
  static __thread int64_t last_sec = -1;
  static __thread char date[64];
  if (sec != last_sec || !date[0]) {
    if (sec == 0) {
      memcpy(date, "0000-00-00T00:00:00Z", 21);
    } else {
      time_t t = (time_t)sec;
      struct tm tm;
      if (!gmtime_r(&t, &tm))
        return art__set_error(ctx, ART_ERR_INTERNAL, 0, "mactime date");
      snprintf(date, sizeof date, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
               (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    last_sec = sec;
  }
  char macb[5] = "....";
  for (int i = 0; i < 4; i++)
    if (letters & (1u << i))
      macb[i] = "macb"[i];
  art__tl_buf *b = &tl->scratch;
  b->len = 0;
  int bad = art__tl_buf_adds(b, date) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_addu(b, size) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_add(b, macb, 4) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_add(b, mode, ml) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_addu(b, uid) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_addu(b, gid) || art__tl_buf_addc(b, ',') ||
            art__tl_buf_add(b, inode, il) || art__tl_buf_add(b, ",\"", 2);
  size_t start = 0;
  for (size_t i = 0; !bad && i < nl; i++)
    if (name[i] == '"') {
      bad = art__tl_buf_add(b, name + start, i + 1 - start) ||
            art__tl_buf_addc(b, '"');
      start = i + 1;
    }
  if (bad || art__tl_buf_add(b, name + start, nl - start) ||
      art__tl_buf_add(b, "\"\n", 2))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime row");
  if (fwrite(b->p, 1, b->len, tl->out) != b->len)
    return art__set_errno(ctx, errno ? errno : EIO, "writing output");
  tl->stats.rows++;
  return ART_OK;
}

/* ------------------------------------------------------------------------
 * Compact in-memory store: each entry's inode, name and side data once,
 * events as (time, entry, letters). Used while it fits the budget; beyond
 * it everything moves to the external sorter (generic records below). */

typedef struct cent {
  uint64_t size;
  uint32_t uid, gid; /* entries with larger ids go the generic way */
  uint32_t inode_len, name_len, mode_len;
  /* followed by inode, name, mode bytes */
} cent;

/* 12 bytes per event: the time, the entry and its merged m/a/c/b bits. */
typedef struct __attribute__((packed)) cev {
  int64_t t;
  unsigned int ent : 28;
  unsigned int letters : 4;
} cev;
#define CEV_MAX_ENTS ((1u << 28) - 2)

typedef struct cstore {
  unsigned char *arena;
  size_t alen, acap;
  uint64_t *offs; /* entry index -> arena offset */
  size_t nents, capents;
  cev *evs;
  size_t nevs, capevs;
  uint32_t *names; /* hash: name -> last entry index + 1 */
  size_t capnames;
  size_t held;
} cstore;

static void cstore_free(cstore *c)
{
  if (!c)
    return;
  free(c->arena);
  free(c->offs);
  free(c->evs);
  free(c->names);
  free(c);
}

void art__tl_mac_free(void *p)
{
  cstore_free(p);
}

static const cent *cent_at(const cstore *c, uint32_t i)
{
  return (const cent *)(const void *)(c->arena + c->offs[i]);
}
static const char *cent_data(const cent *e)
{
  return (const char *)(e + 1);
}

static size_t cstore_bytes(const cstore *c)
{
  return c->acap + c->capents * sizeof(uint64_t) + c->capevs * sizeof(cev) +
         c->capnames * sizeof(uint32_t);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 1024;
  while (n < need)
    n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q)
    return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* Insert entry IDX under its name, replacing an earlier one. */
static int names_put(cstore *c, uint32_t idx)
{
  if ((c->nents + 1) * 2 > c->capnames) {
    size_t cap = c->capnames ? c->capnames * 2 : 2048;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
      return -1;
    for (size_t i = 0; i < c->capnames; i++) {
      uint32_t v = c->names[i];
      if (!v)
        continue;
      const cent *e = cent_at(c, v - 1);
      uint64_t h = hash64(cent_data(e) + e->inode_len + 1, e->name_len);
      size_t j = h & (cap - 1);
      while (t[j])
        j = (j + 1) & (cap - 1);
      t[j] = v;
    }
    free(c->names);
    c->names = t;
    c->capnames = cap;
  }
  const cent *e = cent_at(c, idx);
  const char *nm = cent_data(e) + e->inode_len + 1;
  uint64_t h = hash64(nm, e->name_len);
  size_t j = h & (c->capnames - 1);
  while (c->names[j]) {
    const cent *o = cent_at(c, c->names[j] - 1);
    if (o->name_len == e->name_len &&
        memcmp(cent_data(o) + o->inode_len + 1, nm, e->name_len) == 0)
      break;
    j = (j + 1) & (c->capnames - 1);
  }
  c->names[j] = idx + 1;
  return 0;
}

static const cent *names_get(const cstore *c, const cent *e)
{
  const char *nm = cent_data(e) + e->inode_len + 1;
  uint64_t h = hash64(nm, e->name_len);
  size_t j = h & (c->capnames - 1);
  while (c->names[j]) {
    const cent *o = cent_at(c, c->names[j] - 1);
    if (o->name_len == e->name_len &&
        memcmp(cent_data(o) + o->inode_len + 1, nm, e->name_len) == 0)
      return o;
    j = (j + 1) & (c->capnames - 1);
  }
  return e;
}

/* The time part of the key: "%.10d" as mactime, and for negative times
 * (which mactime drops) "-" then 10^10 + v, so earlier sorts first. */
static void time_key(char *buf, size_t n, int64_t v)
{
  if (v < 0)
    snprintf(buf, n, "-%.10" PRId64, INT64_C(10000000000) + v);
  else
    snprintf(buf, n, "%.10" PRId64, v);
}

/* Order of two times as their keys order ("...," compared as bytes). */
static int time_cmp(int64_t a, int64_t b)
{
  if (a == b)
    return 0;
  if (a >= 0 && b >= 0 && a < INT64_C(10000000000) && b < INT64_C(10000000000))
    return a < b ? -1 : 1;
  char x[40], y[40];
  time_key(x, sizeof x - 1, a);
  time_key(y, sizeof y - 1, b);
  size_t lx = strlen(x), ly = strlen(y);
  x[lx] = ',';
  x[lx + 1] = '\0';
  y[ly] = ',';
  y[ly + 1] = '\0';
  int r = strcmp(x, y);
  return r < 0 ? -1 : r > 0;
}

static int key_cmp(const cstore *c, const cent *ea, const cent *eb)
{
  (void)c;
  size_t la = ea->inode_len + 1 + ea->name_len;
  size_t lb = eb->inode_len + 1 + eb->name_len;
  int r = memcmp(cent_data(ea), cent_data(eb), la < lb ? la : lb);
  if (r)
    return r;
  return la < lb ? -1 : la > lb;
}

static int cev_cmp(const void *pa, const void *pb, void *arg)
{
  const cstore *c = arg;
  const cev *a = pa, *b = pb;
  int r = time_cmp(a->t, b->t);
  if (r)
    return r;
  if (a->ent != b->ent) {
    r = key_cmp(c, cent_at(c, a->ent), cent_at(c, b->ent));
    if (r)
      return r;
  }
  return a->ent < b->ent ? -1 : (a->ent > b->ent);
}

/* In-place quicksort of the events (qsort_r would allocate a copy). */
static void cev_swap(cev *a, cev *b)
{
  cev t = *a;
  *a = *b;
  *b = t;
}

static void cev_sort(cev *v, size_t n, const cstore *c)
{
  while (n > 16) {
    size_t m = n / 2;
    /* median of three into v[0] */
    if (cev_cmp(&v[m], &v[0], (void *)(uintptr_t)c) < 0)
      cev_swap(&v[m], &v[0]);
    if (cev_cmp(&v[n - 1], &v[0], (void *)(uintptr_t)c) < 0)
      cev_swap(&v[n - 1], &v[0]);
    if (cev_cmp(&v[n - 1], &v[m], (void *)(uintptr_t)c) < 0)
      cev_swap(&v[n - 1], &v[m]);
    cev_swap(&v[0], &v[m]);
    size_t i = 1, j = n - 1;
    for (;;) {
      while (i < n && cev_cmp(&v[i], &v[0], (void *)(uintptr_t)c) < 0)
        i++;
      while (cev_cmp(&v[j], &v[0], (void *)(uintptr_t)c) > 0)
        j--;
      if (i >= j)
        break;
      cev_swap(&v[i++], &v[j--]);
    }
    cev_swap(&v[0], &v[j]);
    /* recurse into the smaller part, loop on the larger */
    if (j < n - j - 1) {
      cev_sort(v, j, c);
      v += j + 1;
      n -= j + 1;
    } else {
      cev_sort(v + j + 1, n - j - 1, c);
      n = j;
    }
  }
  for (size_t i = 1; i < n; i++)
    for (size_t k = i;
         k > 0 && cev_cmp(&v[k], &v[k - 1], (void *)(uintptr_t)c) < 0; k--)
      cev_swap(&v[k], &v[k - 1]);
}

/* Generic record into tl->key / tl->pay: key "%.10d,INODE,NAME", payload
 * the event fields. */
static art_status gen_build(art_ctx *ctx,
                            art_timeline *tl,
                            int64_t v,
                            unsigned letters,
                            const char *inode,
                            size_t il,
                            const char *name,
                            size_t nl,
                            const char *mode,
                            size_t ml,
                            uint64_t uid,
                            uint64_t gid,
                            uint64_t size)
{
  char tk[40];
  time_key(tk, sizeof tk, v);
  tl->key.len = 0;
  if (art__tl_buf_adds(&tl->key, tk) || art__tl_buf_addc(&tl->key, ',') ||
      art__tl_buf_add(&tl->key, inode, il) || art__tl_buf_addc(&tl->key, ',') ||
      art__tl_buf_add(&tl->key, name, nl))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime key");
  art__tl_event ev = {0};
  ev.sec = v;
  ev.kinds = letters;
  ev.size = size;
  ev.uid = uid;
  ev.gid = gid;
  ev.inode = inode;
  ev.inode_len = il;
  ev.mode = mode;
  ev.mode_len = ml;
  ev.name = name;
  ev.name_len = nl;
  tl->pay.len = 0;
  if (art__tl_event_pack(&tl->pay, &ev))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime record");
  return ART_OK;
}

static art_status sorter_ready(art_ctx *ctx, art_timeline *tl)
{
  if (tl->sorter)
    return ART_OK;
  return art__tl_sorter_new(
      ctx, tl->memory, tl->tmpdir ? tl->tmpdir : getenv("TMPDIR"), &tl->sorter);
}

static art_status gen_add(art_ctx *ctx,
                          art_timeline *tl,
                          int64_t v,
                          unsigned letters,
                          const char *inode,
                          size_t il,
                          const char *name,
                          size_t nl,
                          const char *mode,
                          size_t ml,
                          uint64_t uid,
                          uint64_t gid,
                          uint64_t size)
{
  art_status st = sorter_ready(ctx, tl);
  if (st == ART_OK)
    st = gen_build(ctx, tl, v, letters, inode, il, name, nl, mode, ml, uid, gid,
                   size);
  if (st != ART_OK)
    return st;
  return art__tl_sorter_add(ctx, tl->sorter, tl->key.p, tl->key.len, tl->pay.p,
                            tl->pay.len);
}

/* Move the compact store into the external sorter and the name table. */
static art_status migrate(art_ctx *ctx, art_timeline *tl)
{
  cstore *c = tl->mac;
  /* the compact events, sorted, become one run: no second copy in memory */
  art_status st = sorter_ready(ctx, tl);
  if (st != ART_OK)
    return st;
  cev_sort(c->evs, c->nevs, c);
  if ((st = art__tl_sorter_run_begin(ctx, tl->sorter)) != ART_OK)
    return st;
  for (size_t i = 0; i < c->nevs; i++) {
    const cent *e = cent_at(c, c->evs[i].ent);
    const char *d = cent_data(e);
    st = gen_build(ctx, tl, c->evs[i].t, c->evs[i].letters, d, e->inode_len,
                   d + e->inode_len + 1, e->name_len,
                   d + e->inode_len + 1 + e->name_len, e->mode_len, e->uid,
                   e->gid, e->size);
    if (st == ART_OK)
      st = art__tl_sorter_run_add(ctx, tl->sorter, tl->key.p, tl->key.len,
                                  tl->pay.p, tl->pay.len);
    if (st != ART_OK)
      return st;
  }
  if ((st = art__tl_sorter_run_end(ctx, tl->sorter)) != ART_OK)
    return st;
  /* then the names, with the events' memory already given back */
  free(c->evs);
  c->evs = NULL;
  c->nevs = c->capevs = 0;
  free(c->names);
  c->names = NULL;
  c->capnames = 0;
  if (!tl->dups && !(tl->dups = calloc(1, sizeof(dups))))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  for (uint32_t i = 0; i < c->nents; i++) {
    const cent *e = cent_at(c, i);
    const char *d = cent_data(e);
    if (dups_note(tl->dups, d + e->inode_len + 1, e->name_len,
                  d + e->inode_len + 1 + e->name_len, e->mode_len, e->uid,
                  e->gid, e->size))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  }
  cstore_free(c);
  tl->mac = NULL;
  tl->mac_generic = 1;
  return ART_OK;
}

art_status
art__tl_mactime_add(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e)
{
  static const int slots[4] = {TL_M, TL_A, TL_C, TL_B};
  int64_t v[4];
  int any = 0;
  for (int i = 0; i < 4; i++) {
    v[i] = e->t[slots[i]].set ? slot_value(tl, &e->t[slots[i]]) : 0;
    if (v[i])
      any = 1;
  }
  if (!any)
    return ART_OK;
  art__tl_buf *name = &tl->scratch;
  name->len = 0;
  if (art__tl_display_name(name, e, TL_ESC_RAW))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime name");
  name->len = url_decode(name->p, name->len);
  if (ctl_visible(name, tl->tsk_compat))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime name");
  size_t il = strlen(e->inode), ml = strlen(e->mode);
  /* events of this entry: one per distinct value, letters merged */
  int64_t ev_t[4];
  unsigned ev_l[4];
  int nev = 0;
  for (int i = 0; i < 4; i++) {
    if (!e->t[slots[i]].set)
      continue;
    if (tl->has_from ? v[i] < tl->from : (tl->tsk_compat && v[i] < 0))
      continue;
    if (tl->has_to && v[i] >= tl->to)
      continue;
    art_timeline_kind kind = (art_timeline_kind)((e->fn ? 5 : 0) + i);
    if (!(tl->kinds & ART_TIMELINE_KIND_BIT(kind)))
      continue;
    int k = 0;
    while (k < nev && ev_t[k] != v[i])
      k++;
    if (k == nev) {
      ev_t[nev] = v[i];
      ev_l[nev++] = 0;
    }
    ev_l[k] |= 1u << i;
  }
  if (!tl->mac_generic) {
    if (!tl->mac && !(tl->mac = calloc(1, sizeof(cstore))))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime store");
    cstore *c = tl->mac;
    size_t need = sizeof(cent) + il + 1 + name->len + ml;
    need = (need + 7) & ~(size_t)7;
    int fits = e->uid <= UINT32_MAX && e->gid <= UINT32_MAX &&
               name->len <= UINT32_MAX / 2 && c->nents < CEV_MAX_ENTS;
    if (fits) {
      /* what the store would hold after growing for this entry */
      size_t would = cstore_bytes(c);
      if (c->alen + need > c->acap)
        would += c->acap ? c->acap : (size_t)1024 + need;
      if (c->nents + 1 > c->capents)
        would += (c->capents ? c->capents : 1024) * sizeof *c->offs;
      if (c->nevs + (size_t)nev > c->capevs)
        would += (c->capevs ? c->capevs : 1024) * sizeof *c->evs;
      if ((c->nents + 2) * 2 > c->capnames)
        would += (c->capnames ? c->capnames : 2048) * sizeof *c->names;
      fits = c->nents == 0 || would <= tl->memory;
    }
    if (fits) {
      if (grow((void **)&c->arena, &c->acap, c->alen + need, 1) ||
          grow((void **)&c->offs, &c->capents, c->nents + 1, sizeof *c->offs) ||
          grow((void **)&c->evs, &c->capevs, c->nevs + (size_t)nev,
               sizeof *c->evs))
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime store");
      cent h = {e->size,      (uint32_t)e->uid,    (uint32_t)e->gid,
                (uint32_t)il, (uint32_t)name->len, (uint32_t)ml};
      unsigned char *p = c->arena + c->alen;
      memcpy(p, &h, sizeof h);
      p += sizeof h;
      memcpy(p, e->inode, il);
      p[il] = ',';
      memcpy(p + il + 1, name->p, name->len);
      memcpy(p + il + 1 + name->len, e->mode, ml);
      c->offs[c->nents] = c->alen;
      c->alen += need;
      if (names_put(c, (uint32_t)c->nents))
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime store");
      for (int k = 0; k < nev; k++) {
        c->evs[c->nevs].t = ev_t[k];
        c->evs[c->nevs].ent = (unsigned)c->nents & 0xFFFFFFFu;
        c->evs[c->nevs++].letters = ev_l[k] & 0xFu;
      }
      c->nents++;
      tl->stats.events += (uint64_t)nev;
      size_t held = cstore_bytes(c);
      if (held > c->held)
        c->held = held;
      if (held > tl->stats.peak_buffer)
        tl->stats.peak_buffer = held;
      return ART_OK;
    }
    /* over the budget (or an entry the compact form cannot hold) */
    art_status st = migrate(ctx, tl);
    if (st != ART_OK)
      return st;
  }
  if (!tl->dups && !(tl->dups = calloc(1, sizeof(dups))))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  if (dups_note(tl->dups, name->p, name->len, e->mode, ml, e->uid, e->gid,
                e->size))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  for (int k = 0; k < nev; k++) {
    art_status st = gen_add(ctx, tl, ev_t[k], ev_l[k], e->inode, il, name->p,
                            name->len, e->mode, ml, e->uid, e->gid, e->size);
    if (st != ART_OK)
      return st;
    tl->stats.events++;
  }
  return ART_OK;
}

typedef struct mac_state {
  art_timeline *tl;
  art_ctx *ctx;
  art__tl_buf key; /* the pending row's key */
  art__tl_buf row; /* the pending row's payload */
  unsigned letters;
  int pending;
} mac_state;

static art_status flush_row(mac_state *m)
{
  if (!m->pending)
    return ART_OK;
  art_timeline *tl = m->tl;
  art__tl_event ev;
  if (art__tl_event_unpack((const unsigned char *)m->row.p, m->row.len, &ev))
    return art__set_error(m->ctx, ART_ERR_INTERNAL, 0, "mactime record");
  const char *mode = ev.mode;
  size_t mode_len = ev.mode_len;
  uint64_t uid = ev.uid, gid = ev.gid, size = ev.size;
  dups *d = tl->dups;
  if (d && d->nside) {
    side *s = side_find(d, ev.name, ev.name_len, hash64(ev.name, ev.name_len));
    if (s) {
      mode = s->mode;
      mode_len = strlen(s->mode);
      uid = s->uid;
      gid = s->gid;
      size = s->size;
    }
  }
  m->pending = 0;
  return write_row(m->ctx, tl, ev.sec, m->letters, ev.inode, ev.inode_len,
                   ev.name, ev.name_len, mode, mode_len, uid, gid, size);
}

static art_status mac_emit(void *user,
                           const unsigned char *key,
                           size_t klen,
                           const unsigned char *pay,
                           size_t plen)
{
  mac_state *m = user;
  if (m->pending && m->key.len == klen && memcmp(m->key.p, key, klen) == 0) {
    art__tl_event ev;
    if (art__tl_event_unpack(pay, plen, &ev) == 0)
      m->letters |= ev.kinds;
    return ART_OK;
  }
  art_status st = flush_row(m);
  if (st != ART_OK)
    return st;
  m->key.len = 0;
  m->row.len = 0;
  if (art__tl_buf_add(&m->key, key, klen) ||
      art__tl_buf_add(&m->row, pay, plen))
    return art__set_error(m->ctx, ART_ERR_NOMEM, ENOMEM, "mactime row");
  art__tl_event ev;
  if (art__tl_event_unpack(pay, plen, &ev))
    return art__set_error(m->ctx, ART_ERR_INTERNAL, 0, "mactime record");
  m->letters = ev.kinds;
  m->pending = 1;
  return ART_OK;
}

static art_status compact_finish(art_ctx *ctx, art_timeline *tl)
{
  cstore *c = tl->mac;
  cev_sort(c->evs, c->nevs, c);
  size_t i = 0;
  while (i < c->nevs) {
    const cev *a = &c->evs[i];
    const cent *ea = cent_at(c, a->ent);
    unsigned letters = a->letters;
    size_t j = i + 1;
    while (j < c->nevs && c->evs[j].t == a->t &&
           (c->evs[j].ent == a->ent ||
            key_cmp(c, ea, cent_at(c, c->evs[j].ent)) == 0))
      letters |= c->evs[j++].letters;
    const cent *side_e = names_get(c, ea);
    const char *d = cent_data(ea);
    const char *sd = cent_data(side_e);
    art_status st = write_row(
        ctx, tl, a->t, letters, d, ea->inode_len, d + ea->inode_len + 1,
        ea->name_len, sd + side_e->inode_len + 1 + side_e->name_len,
        side_e->mode_len, side_e->uid, side_e->gid, side_e->size);
    if (st != ART_OK)
      return st;
    i = j;
  }
  return ART_OK;
}

art_status art__tl_mactime_finish(art_ctx *ctx, art_timeline *tl)
{
  if (fputs("Date,Size,Type,Mode,UID,GID,Meta,File Name\n", tl->out) < 0)
    return art__set_errno(ctx, errno ? errno : EIO, "writing output");
  if (tl->mac)
    return compact_finish(ctx, tl);
  if (!tl->sorter)
    return ART_OK;
  mac_state m = {tl, ctx, {0}, {0}, 0, 0};
  art_status st = art__tl_sorter_finish(ctx, tl->sorter, mac_emit, &m);
  if (st == ART_OK)
    st = flush_row(&m);
  art__tl_buf_free(&m.key);
  art__tl_buf_free(&m.row);
  return st;
}
