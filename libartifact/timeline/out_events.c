/* Event records for the sorted writers (l2tcsv, jsonl, html).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each set, non-zero time of an entry becomes one event. The sort key is
 * (seconds, nanoseconds, name, kind) in byte order: seconds are biased to
 * sort signed values, big-endian.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline_private.h"

typedef struct pack_fixed {
  int64_t sec;
  uint32_t nsec, src, kinds;
  uint8_t alloc;
  uint8_t pad[3];
  uint64_t size, uid, gid, meta_addr;
  uint32_t inode_len, mode_len, name_len;
} pack_fixed;

int art__tl_event_pack(art__tl_buf *b, const art__tl_event *ev)
{
  pack_fixed f;
  memset(&f, 0, sizeof f);
  f.sec = ev->sec;
  f.nsec = ev->nsec;
  f.src = ev->src;
  f.kinds = ev->kinds;
  f.alloc = ev->alloc;
  f.size = ev->size;
  f.uid = ev->uid;
  f.gid = ev->gid;
  f.meta_addr = ev->meta_addr;
  f.inode_len = (uint32_t)ev->inode_len;
  f.mode_len = (uint32_t)ev->mode_len;
  f.name_len = (uint32_t)ev->name_len;
  return art__tl_buf_add(b, &f, sizeof f) ||
         art__tl_buf_add(b, ev->inode, ev->inode_len) ||
         art__tl_buf_add(b, ev->mode, ev->mode_len) ||
         art__tl_buf_add(b, ev->name, ev->name_len);
}

int art__tl_event_unpack(const unsigned char *p, size_t n, art__tl_event *ev)
{
  pack_fixed f;
  if (n < sizeof f)
    return -1;
  memcpy(&f, p, sizeof f);
  if ((uint64_t)f.inode_len + f.mode_len + f.name_len != n - sizeof f)
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
  const char *s = (const char *)p + sizeof f;
  ev->inode = s;
  ev->inode_len = f.inode_len;
  ev->mode = s + f.inode_len;
  ev->mode_len = f.mode_len;
  ev->name = s + f.inode_len + f.mode_len;
  ev->name_len = f.name_len;
  return 0;
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
  for (int i = 0; i < TL_NSLOTS; i++) {
    const art__tl_time *t = &e->t[i];
    if (!t->set || (t->sec == 0 && t->nsec == 0))
      continue; /* body-file convention: 0 is "not set" */
    art_timeline_kind kind =
        (art_timeline_kind)(e->fn && i < TL_D ? ART_TIMELINE_FN_M + i : i);
    if (!(tl->kinds & ART_TIMELINE_KIND_BIT(kind)))
      continue;
    if ((tl->has_from && t->sec < tl->from) || (tl->has_to && t->sec >= tl->to))
      continue;
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
    unsigned char k[12];
    put_be(k, (uint64_t)t->sec ^ (1ull << 63), 8);
    put_be(k + 8, t->nsec, 4);
    char kb = (char)kind;
    if (art__tl_buf_add(&tl->key, k, sizeof k) ||
        art__tl_buf_add(&tl->key, name->p, name->len) ||
        art__tl_buf_addc(&tl->key, '\0') || art__tl_buf_addc(&tl->key, kb))
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline key");
    art__tl_event ev = {0};
    ev.sec = t->sec;
    ev.nsec = t->nsec;
    ev.src = e->src;
    ev.kinds = ART_TIMELINE_KIND_BIT(kind);
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
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline record");
    art_status st = art__tl_sorter_add(ctx, tl->sorter, tl->key.p, tl->key.len,
                                       tl->pay.p, tl->pay.len);
    if (st != ART_OK)
      return st;
    tl->stats.events++;
  }
  return ART_OK;
}

typedef struct ev_state {
  art_timeline *tl;
  art_ctx *ctx;
  const art__tl_writer *w;
  void *ws;
} ev_state;

static art_status ev_emit(void *user,
                          const unsigned char *key,
                          size_t klen,
                          const unsigned char *pay,
                          size_t plen)
{
  (void)key;
  (void)klen;
  ev_state *s = user;
  art__tl_event ev;
  if (art__tl_event_unpack(pay, plen, &ev))
    return art__set_error(s->ctx, ART_ERR_INTERNAL, 0, "timeline record");
  art_status st = s->w->row(s->tl, s->ws, &ev);
  if (st != ART_OK)
    return art__set_errno(s->ctx, errno ? errno : EIO, "writing output");
  s->tl->stats.rows++;
  return ART_OK;
}

art_status art__tl_events_finish(art_ctx *ctx, art_timeline *tl)
{
  ev_state s = {tl, ctx, NULL, NULL};
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
  art_status st = s.w->begin(tl, &s.ws);
  if (st != ART_OK)
    return art__set_errno(ctx, errno ? errno : EIO, "writing output");
  if (tl->sorter)
    st = art__tl_sorter_finish(ctx, tl->sorter, ev_emit, &s);
  art_status st2 = s.w->end(tl, s.ws);
  if (st == ART_OK && st2 != ART_OK)
    st = art__set_errno(ctx, errno ? errno : EIO, "writing output");
  return st;
}
