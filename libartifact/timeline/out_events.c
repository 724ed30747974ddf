/* Event records for the sorted writers (l2tcsv, jsonl, html).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each set, non-zero time of an entry becomes one event. Rows come out in
 * (seconds, nanoseconds, name, inode, kind) order, equal ones in arrival
 * order. The times of a file-system entry that are equal (often all four)
 * travel as one record whose kinds hold them all: the sort key is
 * (seconds, nanoseconds, name, inode) in byte order (seconds biased to
 * sort signed values, big-endian), and the records of equal key, which
 * the sort leaves in arrival order, are written kind by kind
 * (flush_group), so the rows are those of one record per time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline_private.h"

typedef struct pack_fixed {
  int64_t sec;
  uint32_t nsec, src, kinds;
  uint8_t alloc;
  uint8_t in_key; /* name and inode are in the sort key, not here */
  uint8_t pad[2];
  uint64_t size, uid, gid, meta_addr;
  uint32_t inode_len, mode_len, name_len;
  uint32_t dtype_len, tdesc_len, srcs_len, srcl_len, msg_len, file_len,
      attrs_len;
} pack_fixed;

#define KEY_TIME 12 /* a key's time: biased seconds and nanoseconds */

static int pack(art__tl_buf *b, const art__tl_event *ev, int in_key)
{
  pack_fixed f;
  memset(&f, 0, sizeof f);
  f.sec = ev->sec;
  f.nsec = ev->nsec;
  f.src = ev->src;
  f.kinds = ev->kinds;
  f.alloc = ev->alloc;
  f.in_key = (uint8_t)in_key;
  f.size = ev->size;
  f.uid = ev->uid;
  f.gid = ev->gid;
  f.meta_addr = ev->meta_addr;
  f.inode_len = (uint32_t)ev->inode_len;
  f.mode_len = (uint32_t)ev->mode_len;
  f.name_len = (uint32_t)ev->name_len;
  f.dtype_len = (uint32_t)ev->dtype_len;
  f.tdesc_len = (uint32_t)ev->tdesc_len;
  f.srcs_len = (uint32_t)ev->srcs_len;
  f.srcl_len = (uint32_t)ev->srcl_len;
  f.msg_len = (uint32_t)ev->msg_len;
  f.file_len = (uint32_t)ev->file_len;
  f.attrs_len = (uint32_t)ev->attrs_len;
  return art__tl_buf_add(b, &f, sizeof f) ||
         (!in_key && art__tl_buf_add(b, ev->inode, ev->inode_len)) ||
         art__tl_buf_add(b, ev->mode, ev->mode_len) ||
         (!in_key && art__tl_buf_add(b, ev->name, ev->name_len)) ||
         art__tl_buf_add(b, ev->dtype, ev->dtype_len) ||
         art__tl_buf_add(b, ev->tdesc, ev->tdesc_len) ||
         art__tl_buf_add(b, ev->srcs, ev->srcs_len) ||
         art__tl_buf_add(b, ev->srcl, ev->srcl_len) ||
         art__tl_buf_add(b, ev->msg, ev->msg_len) ||
         art__tl_buf_add(b, ev->file, ev->file_len) ||
         art__tl_buf_add(b, ev->attrs, ev->attrs_len);
}

int art__tl_event_pack(art__tl_buf *b, const art__tl_event *ev)
{
  return pack(b, ev, 0);
}

/* A record of events_add: its name and inode are read back from its key
 * (time, name, NUL, inode, NUL), not stored twice. */
static int unpack_keyed(const unsigned char *p,
                        size_t n,
                        const unsigned char *key,
                        size_t klen,
                        art__tl_event *ev)
{
  pack_fixed f;
  if (n < sizeof f)
    return -1;
  memcpy(&f, p, sizeof f);
  uint64_t in_pay = (uint64_t)f.mode_len + f.dtype_len + f.tdesc_len +
                    f.srcs_len + f.srcl_len + f.msg_len + f.file_len +
                    f.attrs_len;
  if (!f.in_key)
    in_pay += (uint64_t)f.inode_len + f.name_len;
  else if (!key ||
           (uint64_t)KEY_TIME + f.name_len + 1 + f.inode_len + 1 != klen)
    return -1;
  if (in_pay != n - sizeof f)
    return -1;
  memset(ev, 0, sizeof *ev);
  ev->sec = f.sec;
  ev->nsec = f.nsec;
  ev->src = f.src;
  ev->kinds = f.kinds;
  ev->alloc = f.alloc;
  ev->size = f.size;
  ev->uid = f.uid;
  ev->gid = f.gid;
  ev->meta_addr = f.meta_addr;
  ev->inode_len = f.inode_len;
  ev->name_len = f.name_len;
  ev->mode_len = f.mode_len;
  const char *s = (const char *)p + sizeof f;
  if (f.in_key) {
    ev->name = (const char *)key + KEY_TIME;
    ev->inode = ev->name + f.name_len + 1;
    ev->mode = s;
    s += f.mode_len;
  } else {
    ev->inode = s;
    ev->mode = s + f.inode_len;
    s += f.inode_len + f.mode_len;
    ev->name = s;
    s += f.name_len;
  }
#define TAKE(field, len)                                                       \
  ev->field = s;                                                               \
  ev->len = f.len;                                                             \
  s += f.len
  TAKE(dtype, dtype_len);
  TAKE(tdesc, tdesc_len);
  TAKE(srcs, srcs_len);
  TAKE(srcl, srcl_len);
  TAKE(msg, msg_len);
  TAKE(file, file_len);
  TAKE(attrs, attrs_len);
#undef TAKE
  return 0;
}

int art__tl_event_unpack(const unsigned char *p, size_t n, art__tl_event *ev)
{
  return unpack_keyed(p, n, NULL, 0, ev);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (unsigned char)(v & 0xFF);
    v >>= 8;
  }
}

art_status
art__tl_events_add(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e)
{
  int named = 0;
  unsigned taken = 0; /* slots already in a record */
  for (int i = 0; i < TL_NSLOTS; i++) {
    const art__tl_time *t = &e->t[i];
    if ((taken & (1u << i)) || !t->set || (t->sec == 0 && t->nsec == 0))
      continue; /* body-file convention: 0 is "not set" */
    art_timeline_kind kind =
        (art_timeline_kind)(e->fn && i < TL_D ? ART_TIMELINE_FN_M + i : i);
    if (!e->art && !(tl->kinds & ART_TIMELINE_KIND_BIT(kind)))
      continue;
    if ((tl->has_from && t->sec < tl->from) || (tl->has_to && t->sec >= tl->to))
      continue;
    uint32_t kinds = ART_TIMELINE_KIND_BIT(kind);
    for (int j = i + 1; j < TL_NSLOTS && !e->art; j++) {
      const art__tl_time *u = &e->t[j];
      unsigned kj =
          e->fn && j < TL_D ? ART_TIMELINE_FN_M + (unsigned)j : (unsigned)j;
      if (u->set && u->sec == t->sec && u->nsec == t->nsec &&
          (tl->kinds & ART_TIMELINE_KIND_BIT(kj))) {
        kinds |= ART_TIMELINE_KIND_BIT(kj);
        taken |= 1u << j;
      }
    }
    if (!tl->sorter) {
      const char *dir = tl->tmpdir ? tl->tmpdir : getenv("TMPDIR");
      art_status st = art__tl_sorter_new(ctx, tl->memory, dir, &tl->sorter);
      if (st != ART_OK)
        return st;
    }
    art__tl_buf *name = &tl->scratch;
    if (!named) {
      name->len = 0;
      if (art__tl_display_name(name, e, TL_ESC_TEXT))
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline name");
      named = 1;
    }
    tl->key.len = 0;
    unsigned char k[KEY_TIME];
    put_be(k, (uint64_t)t->sec ^ (1ull << 63), 8);
    put_be(k + 8, t->nsec, 4);
    if (art__tl_buf_add(&tl->key, k, sizeof k) ||
        art__tl_buf_add(&tl->key, name->p, name->len) ||
        art__tl_buf_addc(&tl->key, '\0') ||
        art__tl_buf_adds(&tl->key, e->inode) ||
        art__tl_buf_addc(&tl->key, '\0'))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline key");
    art__tl_event ev = {0};
    ev.sec = t->sec;
    ev.nsec = t->nsec;
    ev.src = e->src;
    ev.kinds = kinds;
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
    if (e->art) {
      const art__tl_art *a = e->art;
      ev.dtype = a->data_type;
      ev.dtype_len = strlen(a->data_type);
      ev.tdesc = a->desc;
      ev.tdesc_len = strlen(a->desc);
      ev.srcs = a->source;
      ev.srcs_len = strlen(a->source);
      ev.srcl = a->sourcetype;
      ev.srcl_len = strlen(a->sourcetype);
      ev.msg = a->message;
      ev.msg_len = strlen(a->message);
      ev.file = a->file;
      ev.file_len = strlen(a->file);
      ev.attrs = a->attrs;
      ev.attrs_len = a->attrs_len;
    }
    tl->pay.len = 0;
    if (pack(&tl->pay, &ev, 1))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline record");
    art_status st = art__tl_sorter_add(ctx, tl->sorter, tl->key.p, tl->key.len,
                                       tl->pay.p, tl->pay.len);
    if (st != ART_OK)
      return st;
    tl->stats.events += (uint64_t)__builtin_popcount(kinds);
  }
  return ART_OK;
}

typedef struct ev_state {
  art_timeline *tl;
  art_ctx *ctx;
  const art__tl_writer *w;
  void *ws;
  art__tl_buf gkey; /* the group of records of equal key being gathered */
  art__tl_buf gpay; /* their payloads, each after its 32-bit length */
  size_t gn;
  uint64_t recs; /* records written so far (art__tl_event.rec) */
} ev_state;

/* --merge-macb: the pending group (a packed event and its merged kinds). */
typedef struct merge_state {
  art__tl_buf pay, key;
  uint32_t kinds;
  int has;
} merge_state;

void art__tl_merge_free(art_timeline *tl)
{
  merge_state *m = tl->merge;
  if (!m)
    return;
  art__tl_buf_free(&m->pay);
  art__tl_buf_free(&m->key);
  free(m);
  tl->merge = NULL;
}

static art_status row_out(ev_state *s, const art__tl_event *ev)
{
  art_status st = s->w->row(s->tl, s->ws, ev);
  if (st != ART_OK)
    return art__set_errno(s->ctx, errno ? errno : EIO, "writing output");
  s->tl->stats.rows++;
  return ART_OK;
}

static art_status merge_flush(ev_state *s)
{
  merge_state *m = s->tl->merge;
  if (!m || !m->has)
    return ART_OK;
  art__tl_event ev;
  m->has = 0;
  if (unpack_keyed((const unsigned char *)m->pay.p, m->pay.len,
                   (const unsigned char *)m->key.p, m->key.len, &ev))
    return art__set_error(s->ctx, ART_ERR_INTERNAL, 0, "timeline record");
  ev.kinds = m->kinds;
  return row_out(s, &ev);
}

/* psort groups same-time fs:stat events whose other fields are equal. */
static int same_group(const art__tl_event *a, const art__tl_event *b)
{
  return a->sec == b->sec && a->nsec == b->nsec && a->src == b->src &&
         a->alloc == b->alloc && a->size == b->size && a->uid == b->uid &&
         a->gid == b->gid && a->meta_addr == b->meta_addr &&
         a->name_len == b->name_len && a->inode_len == b->inode_len &&
         a->mode_len == b->mode_len && !memcmp(a->name, b->name, a->name_len) &&
         !memcmp(a->inode, b->inode, a->inode_len) &&
         !memcmp(a->mode, b->mode, a->mode_len);
}

/* One event of one kind (EV->kinds), PAY its record (and the group's
 * key): a row, or a part of the --merge-macb group. */
static art_status
emit_one(ev_state *s, const art__tl_event *ev, const void *pay, size_t plen)
{
  const art__tl_buf *key = &s->gkey;
  merge_state *m = s->tl->merge;
  if (m) {
    if (m->has) {
      art__tl_event prev;
      if (unpack_keyed((const unsigned char *)m->pay.p, m->pay.len,
                       (const unsigned char *)m->key.p, m->key.len, &prev))
        return art__set_error(s->ctx, ART_ERR_INTERNAL, 0, "timeline record");
      if (!ev->dtype_len && same_group(&prev, ev)) {
        m->kinds |= ev->kinds;
        return ART_OK;
      }
      art_status fst = merge_flush(s);
      if (fst != ART_OK)
        return fst;
    }
    if (!ev->dtype_len) {
      m->pay.len = 0;
      m->key.len = 0;
      if (art__tl_buf_add(&m->pay, pay, plen) ||
          art__tl_buf_add(&m->key, key->p, key->len))
        return art__set_error(s->ctx, ART_ERR_NOMEM, ENOMEM, "merge");
      m->kinds = ev->kinds;
      m->has = 1;
      return ART_OK;
    }
  }
  return row_out(s, ev);
}

/* Write the gathered records of equal key kind by kind, each kind's in
 * arrival order (most groups are one record). */
static art_status flush_group(ev_state *s)
{
  art_status st = ART_OK;
  uint32_t all = 0;
  art__tl_event one;
  size_t at = 0;
  for (size_t i = 0; i < s->gn; i++) {
    uint32_t plen;
    memcpy(&plen, s->gpay.p + at, sizeof plen);
    if (unpack_keyed((const unsigned char *)s->gpay.p + at + 4, plen,
                     (const unsigned char *)s->gkey.p, s->gkey.len, &one))
      return art__set_error(s->ctx, ART_ERR_INTERNAL, 0, "timeline record");
    all |= one.kinds;
    at += sizeof plen + plen;
  }
  uint64_t first = s->recs + 1; /* the group's records: first, first+1.. */
  s->recs += s->gn;
  for (unsigned k = 0; k < ART_TIMELINE_KIND_COUNT_ && st == ART_OK; k++) {
    if (!(all & ART_TIMELINE_KIND_BIT(k)))
      continue;
    at = 0;
    for (size_t i = 0; i < s->gn && st == ART_OK; i++) {
      uint32_t plen;
      memcpy(&plen, s->gpay.p + at, sizeof plen);
      const unsigned char *pay = (const unsigned char *)s->gpay.p + at + 4;
      at += sizeof plen + plen;
      art__tl_event ev;
      if (s->gn == 1)
        ev = one; /* unpacked above */
      else if (unpack_keyed(pay, plen, (const unsigned char *)s->gkey.p,
                            s->gkey.len, &ev))
        return art__set_error(s->ctx, ART_ERR_INTERNAL, 0, "timeline record");
      if (!(ev.kinds & ART_TIMELINE_KIND_BIT(k)))
        continue;
      ev.kinds = ART_TIMELINE_KIND_BIT(k);
      ev.rec = first + i;
      st = emit_one(s, &ev, pay, plen);
    }
  }
  s->gn = 0;
  s->gpay.len = 0;
  return st;
}

static art_status ev_emit(void *user,
                          const unsigned char *key,
                          size_t klen,
                          const unsigned char *pay,
                          size_t plen)
{
  ev_state *s = user;
  if (s->gn && (klen != s->gkey.len || memcmp(key, s->gkey.p, klen))) {
    art_status st = flush_group(s);
    if (st != ART_OK)
      return st;
  }
  uint32_t l = (uint32_t)plen;
  if ((!s->gn &&
       (s->gkey.len = 0, art__tl_buf_add(&s->gkey, key, klen) != 0)) ||
      art__tl_buf_add(&s->gpay, &l, sizeof l) ||
      art__tl_buf_add(&s->gpay, pay, plen))
    return art__set_error(s->ctx, ART_ERR_NOMEM, ENOMEM, "timeline group");
  s->gn++;
  return ART_OK;
}

art_status art__tl_events_finish(art_ctx *ctx, art_timeline *tl)
{
  ev_state s = {tl, ctx, NULL, NULL, {0}, {0}, 0, 0};
  switch (tl->format) {
  case ART_TIMELINE_L2TCSV:
    s.w = &art__tl_writer_l2tcsv;
    break;
  case ART_TIMELINE_JSONL:
    s.w = &art__tl_writer_jsonl;
    break;
  default:
    s.w = &art__tl_writer_html;
    break;
  }
  if (tl->merge_macb && tl->format == ART_TIMELINE_L2TCSV && !tl->merge &&
      !(tl->merge = calloc(1, sizeof(merge_state))))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "merge");
  art_status st = s.w->begin(tl, &s.ws);
  if (st != ART_OK)
    return art__set_errno(ctx, errno ? errno : EIO, "writing output");
  if (tl->sorter)
    st = art__tl_sorter_finish(ctx, tl->sorter, ev_emit, &s);
  if (st == ART_OK)
    st = flush_group(&s);
  if (st == ART_OK)
    st = merge_flush(&s);
  art__tl_buf_free(&s.gkey);
  art__tl_buf_free(&s.gpay);
  art_status st2 = s.w->end(tl, s.ws);
  if (st == ART_OK && st2 != ART_OK)
    st = art__set_errno(ctx, errno ? errno : EIO, "writing output");
  return st;
}
