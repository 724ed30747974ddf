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
  char *mode;
  uint64_t uid, gid, size;
  struct side *next;
} side;

typedef struct dups {
  uint64_t *hashes; /* open addressing, 0 = empty */
  size_t cap, n;
  side **buckets; /* names seen more than once */
  size_t nb;
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
  free(d->hashes);
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
  for (side *s = d->buckets[h % d->nb]; s; s = s->next)
    if (s->name_len == n && memcmp(s->name, name, n) == 0)
      return s;
  return NULL;
}

/* Record NAME; returns -1 on allocation failure. */
static int dups_note(dups *d,
                     const char *name,
                     size_t n,
                     const char *mode,
                     uint64_t uid,
                     uint64_t gid,
                     uint64_t size)
{
  uint64_t h = hash64(name, n);
  if ((d->n + 1) * 2 > d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 1024;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t)
      return -1;
    for (size_t i = 0; i < d->cap; i++) {
      uint64_t v = d->hashes[i];
      if (!v)
        continue;
      size_t j = v & (cap - 1);
      while (t[j])
        j = (j + 1) & (cap - 1);
      t[j] = v;
    }
    free(d->hashes);
    d->hashes = t;
    d->cap = cap;
  }
  size_t j = h & (d->cap - 1);
  while (d->hashes[j] && d->hashes[j] != h)
    j = (j + 1) & (d->cap - 1);
  if (!d->hashes[j]) {
    d->hashes[j] = h;
    d->n++;
    return 0;
  }
  /* seen before (or a hash collision): keep this line's side data */
  if (!d->buckets) {
    d->nb = 1021;
    d->buckets = calloc(d->nb, sizeof *d->buckets);
    if (!d->buckets)
      return -1;
  }
  side *s = side_find(d, name, n, h);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || !(s->name = malloc(n ? n : 1))) {
      free(s);
      return -1;
    }
    memcpy(s->name, name, n);
    s->name_len = n;
    s->next = d->buckets[h % d->nb];
    d->buckets[h % d->nb] = s;
  }
  char *mc = strdup(mode);
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

static int64_t slot_value(const art_timeline *tl, const art__tl_time *t)
{
  return tl->tsk_compat ? (int64_t)(uint32_t)t->sec : t->sec;
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
  if (!tl->sorter) {
    art_status st = art__tl_sorter_new(
        ctx, tl->memory, tl->tmpdir ? tl->tmpdir : getenv("TMPDIR"),
        &tl->sorter);
    if (st != ART_OK)
      return st;
  }
  if (!tl->dups && !(tl->dups = calloc(1, sizeof(dups))))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  art__tl_buf *name = &tl->scratch;
  name->len = 0;
  if (art__tl_display_name(name, e, TL_ESC_TSK))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime name");
  name->len = url_decode(name->p, name->len);
  if (dups_note(tl->dups, name->p, name->len, e->mode, e->uid, e->gid, e->size))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime names");
  for (int i = 0; i < 4; i++) {
    const art__tl_time *t = &e->t[slots[i]];
    if (!t->set)
      continue;
    if (tl->has_from ? v[i] < tl->from : (tl->tsk_compat && v[i] < 0))
      continue;
    if (tl->has_to && v[i] >= tl->to)
      continue;
    art_timeline_kind kind = (art_timeline_kind)((e->fn ? 5 : 0) + i);
    if (!(tl->kinds & ART_TIMELINE_KIND_BIT(kind)))
      continue;
    /* one record per distinct value: letters of equal values merge */
    int first = 1;
    unsigned letters = 0;
    for (int j = 0; j < 4; j++) {
      if (!e->t[slots[j]].set || v[j] != v[i])
        continue;
      if (j < i) {
        first = 0;
        break;
      }
      art_timeline_kind kj = (art_timeline_kind)((e->fn ? 5 : 0) + j);
      if (tl->kinds & ART_TIMELINE_KIND_BIT(kj))
        letters |= 1u << j;
    }
    if (!first)
      continue;
    tl->key.len = 0;
    /* negative times: "-" then 10^10 + v, so earlier sorts first */
    if (v[i] < 0 ? art__tl_buf_addf(&tl->key, "-%.10" PRId64,
                                    (int64_t)10000000000 + v[i])
                 : art__tl_buf_addf(&tl->key, "%.10" PRId64, v[i]))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime key");
    if (art__tl_buf_addf(&tl->key, ",%s,", e->inode) ||
        art__tl_buf_add(&tl->key, name->p, name->len))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime key");
    art__tl_event ev = {0};
    ev.sec = v[i];
    ev.nsec = t->nsec;
    ev.src = e->src;
    ev.kinds = letters;
    ev.alloc = (uint8_t)e->alloc;
    ev.size = e->size;
    ev.uid = e->uid;
    ev.gid = e->gid;
    ev.meta_addr = e->meta_addr;
    ev.inode = e->inode;
    ev.inode_len = strlen(e->inode);
    ev.mode = e->mode;
    ev.mode_len = strlen(e->mode);
    ev.name = name->p;
    ev.name_len = name->len;
    tl->pay.len = 0;
    if (art__tl_event_pack(&tl->pay, &ev))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "mactime record");
    art_status st = art__tl_sorter_add(ctx, tl->sorter, tl->key.p, tl->key.len,
                                       tl->pay.p, tl->pay.len);
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
  char date[64];
  if (ev.sec == 0) {
    snprintf(date, sizeof date, "0000-00-00T00:00:00Z");
  } else {
    time_t t = (time_t)ev.sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
      return art__set_error(m->ctx, ART_ERR_INTERNAL, 0, "mactime date");
    snprintf(date, sizeof date, "%lld-%02d-%02dT%02d:%02d:%02dZ",
             (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  const char *mode = ev.mode;
  size_t mode_len = ev.mode_len;
  uint64_t uid = ev.uid, gid = ev.gid, size = ev.size;
  dups *d = tl->dups;
  if (d && d->buckets) {
    side *s = side_find(d, ev.name, ev.name_len, hash64(ev.name, ev.name_len));
    if (s) {
      mode = s->mode;
      mode_len = strlen(s->mode);
      uid = s->uid;
      gid = s->gid;
      size = s->size;
    }
  }
  char macb[5] = "....";
  for (int i = 0; i < 4; i++)
    if (m->letters & (1u << i))
      macb[i] = "macb"[i];
  art__tl_buf *b = &tl->scratch;
  b->len = 0;
  int bad = art__tl_buf_addf(b, "%s,%" PRIu64 ",%s,", date, size, macb) ||
            art__tl_buf_add(b, mode, mode_len) ||
            art__tl_buf_addf(b, ",%" PRIu64 ",%" PRIu64 ",", uid, gid) ||
            art__tl_buf_add(b, ev.inode, ev.inode_len) ||
            art__tl_buf_add(b, ",\"", 2);
  for (size_t i = 0; !bad && i < ev.name_len; i++)
    bad = ev.name[i] == '"' ? art__tl_buf_add(b, "\"\"", 2)
                            : art__tl_buf_addc(b, ev.name[i]);
  if (bad || art__tl_buf_add(b, "\"\n", 2))
    return art__set_error(m->ctx, ART_ERR_NOMEM, ENOMEM, "mactime row");
  if (fwrite(b->p, 1, b->len, tl->out) != b->len)
    return art__set_errno(m->ctx, errno ? errno : EIO, "writing output");
  tl->stats.rows++;
  m->pending = 0;
  return ART_OK;
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

art_status art__tl_mactime_finish(art_ctx *ctx, art_timeline *tl)
{
  if (fputs("Date,Size,Type,Mode,UID,GID,Meta,File Name\n", tl->out) < 0)
    return art__set_errno(ctx, errno ? errno : EIO, "writing output");
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
