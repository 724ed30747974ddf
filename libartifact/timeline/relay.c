/* Timeline relay: images read by libtsk in a sandbox worker, their findings
 * sent to the parent as records and replayed there into the timeline.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The worker (relay_image) runs the same image reading as
 * art_timeline_add_image, with tl->relay set: event.c then hands every
 * source registered, every entry and every problem or note to the hooks
 * below, which append a record to the job's output (streamed to the parent
 * in pieces, docs/sandbox.md). The parent (relay_feed) decodes
 * the records as the pieces come and calls the same functions the image
 * reading would have called in process (art__tl_source_add,
 * art__tl_entry_emit, art__tl_problem), in the same order, so that the
 * timeline is byte for byte the in-process one.
 *
 * Record: one type byte ('S' source, 'E' entry, 'P' problem, 'N' note),
 * a 32-bit payload length, the payload. Integers are in the host's order
 * (worker and parent are the same program); a string is a 32-bit length
 * (0xffffffff: none) and its bytes. Source numbers are counted from the
 * job's first source.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <artifact/batch.h>
#include <artifact/sandbox.h>

#include "timeline_private.h"

#define NO_STR  UINT32_MAX
#define MAX_REC (64u << 20) /* no record of ours comes near this */
#define TICK_MS 1000u

struct art__tl_relay_out {
  art_sandbox_buf *out;
  size_t base; /* tl->nsrcs when the job began */
  art_status st;
  art__tl_buf rec;
  uint64_t last_ms;
};

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- worker side ---- */

/* (inline: a record is some forty small pieces) */
static inline int put(art__tl_buf *b, const void *p, size_t n)
{
  if (b->len + n + 1 > b->cap && art__tl_buf_reserve(b, n))
    return -1;
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

static inline int put_u32(art__tl_buf *b, uint32_t v)
{
  return put(b, &v, sizeof v);
}

static inline int put_u64(art__tl_buf *b, uint64_t v)
{
  return put(b, &v, sizeof v);
}

static inline int put_strn(art__tl_buf *b, const char *s, size_t n)
{
  if (!s)
    return put_u32(b, NO_STR);
  if (n >= NO_STR)
    n = NO_STR - 1;
  return put_u32(b, (uint32_t)n) || put(b, s, n);
}

static int put_str(art__tl_buf *b, const char *s)
{
  return put_strn(b, s, s ? strlen(s) : 0);
}

/* Start a record of TYPE in the relay's buffer. */
static int rec_begin(struct art__tl_relay_out *r, char type)
{
  r->rec.len = 0;
  return art__tl_buf_addc(&r->rec, type) || put_u32(&r->rec, 0);
}

static art_status rec_end(struct art__tl_relay_out *r, int bad)
{
  if (r->st != ART_OK)
    return r->st;
  if (bad) {
    r->st = ART_ERR_NOMEM;
    return r->st;
  }
  uint32_t n = (uint32_t)(r->rec.len - 5);
  memcpy(r->rec.p + 1, &n, sizeof n);
  r->st = art_sandbox_buf_append(r->out, r->rec.p, r->rec.len);
  return r->st;
}

art_status art__tl_relay_source(art_timeline *tl, int idx)
{
  struct art__tl_relay_out *r = tl->relay;
  const art__tl_source *s = &tl->srcs[idx];
  art__tl_buf *b = &r->rec;
  int bad = rec_begin(r, 'S') || put_u32(b, (uint32_t)(idx - (int)r->base)) ||
            put_u32(b, (uint32_t)s->has_offset) || put_u64(b, s->fs_offset) ||
            put_str(b, s->evidence) || put_str(b, s->origin) ||
            put_str(b, s->fs_type) || put_str(b, s->tz) ||
            put_str(b, s->sha256);
  return rec_end(r, bad);
}

art_status art__tl_relay_entry(art_timeline *tl, const art__tl_entry *e)
{
  struct art__tl_relay_out *r = tl->relay;
  art__tl_buf *b = &r->rec;
  const art__tl_art *a = e->art;
  int bad = rec_begin(r, 'E') || put_u32(b, e->src - (uint32_t)r->base) ||
            put_u32(b, (uint32_t)e->fn) || put_u32(b, (uint32_t)e->verbatim) ||
            put_u32(b, (uint32_t)e->empty_ids) ||
            put_u32(b, (uint32_t)e->alloc) || put_u32(b, a != NULL) ||
            put_u64(b, e->meta_addr) || put_u64(b, e->uid) ||
            put_u64(b, e->gid) || put_u64(b, e->size);
  for (int i = 0; i < TL_NSLOTS && !bad; i++)
    bad = put_u64(b, (uint64_t)e->t[i].sec) || put_u32(b, e->t[i].nsec) ||
          put_u32(b, e->t[i].set);
  bad = bad || put_strn(b, e->inode, strnlen(e->inode, sizeof e->inode)) ||
        put_strn(b, e->md5, strnlen(e->md5, sizeof e->md5)) ||
        put_strn(b, e->path, e->path_len) || put_str(b, e->ads) ||
        put_str(b, e->link) || put_str(b, e->mode);
  if (a && !bad)
    bad = put_str(b, a->data_type) || put_str(b, a->desc) ||
          put_str(b, a->source) || put_str(b, a->sourcetype) ||
          put_str(b, a->message) || put_str(b, a->file) ||
          put_strn(b, a->attrs, a->attrs ? a->attrs_len : 0);
  return rec_end(r, bad);
}

void art__tl_relay_problem(art_timeline *tl, art_status st, const char *msg)
{
  struct art__tl_relay_out *r = tl->relay;
  art__tl_buf *b = &r->rec;
  int bad = rec_begin(r, st == ART_OK ? 'N' : 'P') ||
            put_u32(b, (uint32_t)st) || put_str(b, msg);
  rec_end(r, bad);
}

/* Long reads that find nothing (the evidence hash, libtsk's orphan hunt)
 * still send the parent a piece now and then: its time limit counts from
 * the last one (art_sandbox_opts.timeout_idle). */
void art__tl_relay_tick(art_timeline *tl)
{
  struct art__tl_relay_out *r = tl->relay;
  uint64_t now = now_ms();
  if (r->st != ART_OK || now - r->last_ms < TICK_MS)
    return;
  r->last_ms = now;
  r->st = art_sandbox_buf_flush(r->out);
}

static art_status relay_image(art_ctx *ctx,
                              art_timeline *tl,
                              art_source *src,
                              const char *path,
                              art_sandbox_buf *out)
{
  if (!tl || !src || !path || !out || tl->relay)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "timeline relay: bad arguments");
  struct art__tl_relay_out r = {out, tl->nsrcs, ART_OK, {0}, now_ms()};
  art_timeline_progress_fn progress = tl->progress;
  tl->progress = NULL; /* the parent shows progress */
  tl->relay = &r;
  art_status st = art__tl_add_image_source(ctx, tl, src, path);
  tl->relay = NULL;
  tl->progress = progress;
  art__tl_buf_free(&r.rec);
  if (r.st != ART_OK && (st == ART_OK || st == ART_ERR_CORRUPT ||
                         st == ART_ERR_FORMAT || st == ART_ERR_UNSUPPORTED))
    st = art__set_error(ctx, r.st, r.st == ART_ERR_NOMEM ? ENOMEM : EIO,
                        "%s: timeline relay: the records could not be sent",
                        path);
  return st;
}

/* ---- parent side ---- */

typedef struct relay {
  art_ctx *ctx;
  art_timeline *tl;
  const char *path;
  const char *saved_input;
  unsigned char *p; /* bytes of a record not complete yet */
  size_t len, cap;
  uint32_t *map; /* the job's source numbers -> the timeline's */
  size_t nmap;
  art_status st;
  art__tl_buf strs; /* an entry's strings, NUL-terminated */
  int err;          /* errno of a fatal error */
  char *errmsg;     /* and its message (C locale) */
  char *errmsg_l;   /* and translated */
} relay;

typedef struct rd {
  const unsigned char *p;
  size_t n;
  int bad;
} rd;

/* The next N bytes, or NULL (and D->bad) when fewer are left. */
static const unsigned char *rd_take(rd *d, size_t n)
{
  if (d->n < n) {
    d->bad = 1;
    return NULL;
  }
  const unsigned char *p = d->p;
  d->p += n;
  d->n -= n;
  return p;
}

static uint32_t get_u32(rd *d)
{
  uint32_t v = 0;
  const unsigned char *p = rd_take(d, sizeof v);
  if (p)
    memcpy(&v, p, sizeof v);
  return v;
}

static uint64_t get_u64(rd *d)
{
  uint64_t v = 0;
  const unsigned char *p = rd_take(d, sizeof v);
  if (p)
    memcpy(&v, p, sizeof v);
  return v;
}

/* A string (not NUL-terminated; *LEN bytes), or NULL for none. */
static const char *get_str(rd *d, size_t *len)
{
  uint32_t n = get_u32(d);
  if (d->bad || n == NO_STR)
    return NULL;
  const char *s = (const char *)rd_take(d, n);
  if (!s)
    return NULL;
  if (len)
    *len = n;
  return s;
}

/* A fatal error: its message is kept (the sandbox may use the context
 * before the caller sees it). */
static art_status keep(relay *r, art_status st)
{
  r->st = st;
  r->err = art_ctx_errno(r->ctx);
  free(r->errmsg);
  free(r->errmsg_l);
  r->errmsg = strdup(art_ctx_errmsg(r->ctx));
  r->errmsg_l = strdup(art_ctx_errmsg_localized(r->ctx));
  return st;
}

static art_status fail(relay *r, art_status st, const char *what)
{
  return keep(r, art__set_error(r->ctx, st, 0, "%s: timeline relay: %s",
                                r->path, what));
}

/* Strings in a record are not NUL-terminated: copy the record's strings as
 * C strings into one block. */
static char *cdup(art__tl_buf *b, const char *s, size_t n)
{
  if (!s)
    return NULL;
  size_t off = b->len;
  if (b->len + n + 2 > b->cap && art__tl_buf_reserve(b, n + 1))
    return NULL;
  memcpy(b->p + b->len, s, n);
  b->p[b->len + n] = '\0';
  b->len += n + 1;
  return (char *)(uintptr_t)off; /* an offset until the block stops moving */
}

#define FIX(b, x) ((x) ? (b)->p + (uintptr_t)(x) : NULL)

static art_status replay_source(relay *r, rd *d)
{
  art__tl_buf b = {0};
  uint32_t idx = get_u32(d), has_off = get_u32(d);
  uint64_t off = get_u64(d);
  size_t n[5] = {0};
  const char *s[5];
  for (int i = 0; i < 5; i++)
    s[i] = get_str(d, &n[i]);
  if (d->bad || idx != r->nmap || !s[0] || !s[1] || !s[2])
    return fail(r, ART_ERR_CORRUPT, "bad source record");
  art__tl_buf_addc(&b, '\0'); /* offset 0 is "none" */
  char *c[5];
  for (int i = 0; i < 5; i++)
    c[i] = cdup(&b, s[i], n[i]);
  if (!b.p || (s[0] && !c[0]) || (s[1] && !c[1]) || (s[2] && !c[2]) ||
      (s[3] && !c[3]) || (s[4] && !c[4])) {
    art__tl_buf_free(&b);
    return fail(r, ART_ERR_NOMEM, "out of memory");
  }
  uint32_t *m = realloc(r->map, (r->nmap + 1) * sizeof *m);
  if (!m) {
    art__tl_buf_free(&b);
    return fail(r, ART_ERR_NOMEM, "out of memory");
  }
  r->map = m;
  art_timeline *tl = r->tl;
  char *saved = tl->cur_sha256;
  tl->cur_sha256 = FIX(&b, c[4]);
  int si = art__tl_source_add(r->ctx, tl, FIX(&b, c[0]), FIX(&b, c[1]),
                              FIX(&b, c[2]), FIX(&b, c[3]), (int)has_off, off);
  tl->cur_sha256 = saved;
  art__tl_buf_free(&b);
  if (si < 0)
    return keep(r, ART_ERR_NOMEM);
  r->map[r->nmap++] = (uint32_t)si;
  return ART_OK;
}

static art_status replay_entry(relay *r, rd *d)
{
  art__tl_entry e;
  art__tl_art a;
  memset(&e, 0, sizeof e);
  memset(&a, 0, sizeof a);
  uint32_t src = get_u32(d);
  e.fn = (int)get_u32(d);
  e.verbatim = (int)get_u32(d);
  e.empty_ids = (int)get_u32(d);
  e.alloc = (int)get_u32(d);
  int has_art = get_u32(d) != 0;
  e.meta_addr = get_u64(d);
  e.uid = get_u64(d);
  e.gid = get_u64(d);
  e.size = get_u64(d);
  for (int i = 0; i < TL_NSLOTS; i++) {
    e.t[i].sec = (int64_t)get_u64(d);
    e.t[i].nsec = get_u32(d);
    e.t[i].set = (uint8_t)get_u32(d);
  }
  size_t n[13] = {0};
  const char *s[13] = {0};
  int ns = has_art ? 13 : 6;
  for (int i = 0; i < ns; i++)
    s[i] = get_str(d, &n[i]);
  if (d->bad || src >= r->nmap || n[0] >= sizeof e.inode ||
      n[1] >= sizeof e.md5 || !s[2])
    return fail(r, ART_ERR_CORRUPT, "bad entry record");
  e.src = r->map[src];
  if (s[0])
    memcpy(e.inode, s[0], n[0]);
  if (s[1])
    memcpy(e.md5, s[1], n[1]);
  art__tl_buf *bp = &r->strs, b; /* reused from entry to entry */
  bp->len = 0;
  char *c[13] = {0};
  int bad = art__tl_buf_addc(bp, '\0');
  for (int i = 2; i < ns && !bad; i++)
    if (s[i] && !(c[i] = cdup(bp, s[i], n[i])))
      bad = 1;
  if (bad)
    return fail(r, ART_ERR_NOMEM, "out of memory");
  b = *bp;
  e.path = FIX(&b, c[2]);
  e.path_len = n[2];
  e.ads = FIX(&b, c[3]);
  e.link = FIX(&b, c[4]);
  e.mode = FIX(&b, c[5]);
  if (has_art) {
    a.data_type = FIX(&b, c[6]);
    a.desc = FIX(&b, c[7]);
    a.source = FIX(&b, c[8]);
    a.sourcetype = FIX(&b, c[9]);
    a.message = FIX(&b, c[10]);
    a.file = FIX(&b, c[11]);
    a.attrs = FIX(&b, c[12]);
    a.attrs_len = n[12];
    e.art = &a;
  }
  art_status st = art__tl_entry_emit(r->ctx, r->tl, &e);
  if (st != ART_OK)
    keep(r, st);
  return st;
}

static art_status replay_problem(relay *r, rd *d, int note)
{
  uint32_t st = get_u32(d);
  size_t n = 0;
  const char *s = get_str(d, &n);
  if (d->bad || !s || st >= ART_ERR_COUNT_)
    return fail(r, ART_ERR_CORRUPT, "bad problem record");
  int len = n > 4096 ? 4096 : (int)n;
  if (note)
    art__tl_note(r->tl, "%.*s", len, s);
  else
    art__tl_problem(r->tl, (art_status)st, "%.*s", len, s);
  return ART_OK;
}

static art_status replay(relay *r, const unsigned char *p, size_t n)
{
  rd d = {p + 5, n - 5, 0};
  switch (p[0]) {
  case 'S':
    return replay_source(r, &d);
  case 'E':
    return replay_entry(r, &d);
  case 'P':
  case 'N':
    return replay_problem(r, &d, p[0] == 'N');
  default:
    return fail(r, ART_ERR_CORRUPT, "unknown record");
  }
}

static int relay_feed(void *ud, const void *data, size_t len)
{
  relay *r = ud;
  const unsigned char *p = data;
  while (r->st == ART_OK && len) {
    /* a whole record in the piece, nothing held back: no copy */
    if (r->len == 0 && len >= 5) {
      uint32_t n;
      memcpy(&n, p + 1, sizeof n);
      if (n > MAX_REC) {
        fail(r, ART_ERR_CORRUPT, "record too large");
        break;
      }
      if (len - 5 >= n) {
        replay(r, p, 5 + (size_t)n);
        p += 5 + (size_t)n;
        len -= 5 + (size_t)n;
        continue;
      }
    }
    /* hold the start of a record until its end comes */
    size_t need = 5;
    if (r->len >= 5) {
      uint32_t n;
      memcpy(&n, r->p + 1, sizeof n);
      if (n > MAX_REC) {
        fail(r, ART_ERR_CORRUPT, "record too large");
        break;
      }
      need = 5 + (size_t)n;
    }
    size_t take = need - r->len < len ? need - r->len : len;
    if (r->len + take > r->cap) {
      size_t cap = r->cap ? r->cap : 4096;
      while (cap < r->len + take)
        cap *= 2;
      unsigned char *q = realloc(r->p, cap);
      if (!q) {
        fail(r, ART_ERR_NOMEM, "out of memory");
        break;
      }
      r->p = q;
      r->cap = cap;
    }
    memcpy(r->p + r->len, p, take);
    r->len += take;
    p += take;
    len -= take;
    if (r->len == need && need > 5) {
      replay(r, r->p, r->len);
      r->len = 0;
    } else if (r->len == 5 && need == 5) {
      uint32_t n;
      memcpy(&n, r->p + 1, sizeof n);
      if (n == 0) {
        replay(r, r->p, 5);
        r->len = 0;
      }
    }
  }
  return r->st == ART_OK ? 0 : -1;
}

/* The sandboxed job: one image, its findings as records. */
static art_status job_run(void *ud,
                          void *ws,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *out)
{
  (void)ws;
  return relay_image(ctx, ud, src, it->path, out);
}

static const art_sandbox_job tl_job = {NULL, NULL, job_run};

art_status art_timeline_sandbox_new(art_ctx *ctx,
                                    art_timeline *tl,
                                    const art_sandbox_opts *o,
                                    art_sandbox **out)
{
  art_sandbox_opts so = *o;
  so.workers = 1;      /* one image at a time, in input order */
  so.timeout_idle = 1; /* an image may take hours; a stall may not */
  so.extract_dir = NULL;
  return art_sandbox_new(ctx, &so, &tl_job, tl, out);
}

art_status art_timeline_add_image_sandboxed(art_ctx *ctx,
                                            art_timeline *tl,
                                            art_sandbox *sb,
                                            const char *path)
{
  relay r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx;
  r.tl = tl;
  r.path = path;
  r.saved_input = tl->cur_input;
  tl->cur_input = path; /* for the progress line */
  art_batch_item it;
  memset(&it, 0, sizeof it);
  it.path = path;
  it.kind = ART_SOURCE_AUTO;
  it.named = 1;
  it.type = ART_ENTRY_FILE;
  it.errmsg = "";
  art_sandbox_result res;
  art_status st = art_sandbox_run_stream(sb, ctx, &it, relay_feed, &r, &res);
  tl->cur_input = r.saved_input;
  if (st != ART_OK) {
    free(r.p);
    free(r.map);
    free(r.errmsg);
    free(r.errmsg_l);
    art__tl_buf_free(&r.strs);
    return st;
  }
  /* The worker's and the relay's messages come in both texts: the C one
   * for records, the translated one for the person. */
  if (r.st != ART_OK) {
    /* the timeline could not take what was found (output, memory) */
    st = art__set_error_texts(
        ctx, r.st, r.err, r.errmsg ? r.errmsg : art_strerror(r.st),
        r.errmsg_l ? r.errmsg_l : art_strerror_localized(r.st));
  } else if (res.outcome != ART_SANDBOX_DONE) {
    st = res.status != ART_OK ? res.status : ART_ERR_INTERNAL;
    char *c = NULL, *l = NULL;
    const char *sha_a = res.sha256[0] ? " (sha256 " : "",
               *sha_b = res.sha256[0] ? ")" : "";
    if (asprintf(&c, "%s: %s%s%s%s", path,
                 res.errmsg ? res.errmsg : art_strerror(st), sha_a, res.sha256,
                 sha_b) < 0)
      c = NULL;
    if (asprintf(&l, "%s: %s%s%s%s", path,
                 res.errmsg_l ? res.errmsg_l : art_strerror_localized(st),
                 sha_a, res.sha256, sha_b) < 0)
      l = NULL;
    st = c ? art__set_error_texts(ctx, st, 0, c, l)
           : art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    free(c);
    free(l);
  } else if (res.status != ART_OK) {
    st = art__set_error_texts(
        ctx, res.status, 0, res.errmsg ? res.errmsg : art_strerror(res.status),
        res.errmsg_l ? res.errmsg_l : art_strerror_localized(res.status));
  }
  art_sandbox_result_clear(&res);
  free(r.p);
  free(r.map);
  free(r.errmsg);
  free(r.errmsg_l);
  art__tl_buf_free(&r.strs);
  return st;
}
