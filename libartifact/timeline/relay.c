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
 * Windows artifact files named on the command line go the same way
 * (relay_image with REQ_ARTIFACT). For the artifacts found in an image's
 * NTFS volumes the worker first sends 'A' (flushed at once) and, once
 * parsed, 'a': when a parser crashes (or hits a limit), the parent knows
 * which artifact stopped the worker, reports it, and asks a new worker to
 * go on after it (REQ_RESUME): that worker reads the image again without
 * sending anything up to that artifact, sends its sha256 ('H') instead of
 * parsing it, and goes on as before, so every other entry reaches the
 * timeline once, in order.
 *
 * Record: one type byte ('S' source, 'E' entry, 'P' problem, 'N' note,
 * 'A'/'a' artifact begins/ends, 'H' its sha256), a 32-bit payload length,
 * the payload. Integers are in the host's order
 * (worker and parent are the same program); a string is a 32-bit length
 * (0xffffffff: none) and its bytes. Source numbers are counted from the
 * job's first source.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <artifact/batch.h>
#include <artifact/hash.h>
#include <artifact/sandbox.h>
#include <artifact/windows.h>

#include "timeline_private.h"

#define NO_STR  UINT32_MAX
#define MAX_REC (64u << 20) /* no record of ours comes near this */
#define TICK_MS 1000u

/* What the parent asks of a job rides in its item's seq (the timeline's
 * one worker runs its jobs one at a time, in input order, so seq is free):
 * read an image, read an artifact file, or read an image again going on
 * after artifact CAND of the job's source SRC. */
enum { REQ_IMAGE = 0, REQ_ARTIFACT = 1, REQ_RESUME = 2 };
#define REQ_KIND(q) ((unsigned)((q) >> 62))
#define REQ_RESUME_AT(src, cand)                                               \
  ((uint64_t)REQ_RESUME << 62 | (uint64_t)((src)&0x3fffffffu) << 32 |          \
   (uint64_t)(uint32_t)(cand))
/* Workers stopped in one image's artifacts before the rest is given up. */
#define RESUME_MAX 64u

struct art__tl_relay_out {
  art_sandbox_buf *out;
  size_t base; /* tl->nsrcs when the job began */
  art_status st;
  art__tl_buf rec;
  uint64_t last_ms;
  int mute; /* REQ_RESUME: nothing is sent before the artifact below */
  uint32_t rs_src, rs_cand;
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
  if (r->mute)
    return ART_OK;
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
  if (r->mute)
    return ART_OK;
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
  if (r->mute)
    return;
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

/* The sha256 of an artifact's bytes into HEX ("" when they cannot be
 * read): a stopped worker's artifact is reported with it, as art-surface
 * reports an input that stopped its worker. */
static void artifact_sha256(art_ctx *ctx,
                            const art_win_input *in,
                            char hex[ART_HASH_MAX_HEX])
{
  hex[0] = '\0';
  art_hash *h = NULL;
  enum { CHUNK = 1u << 20 };
  unsigned char *buf = malloc(CHUNK);
  if (!buf || art_hash_new(ctx, ART_HASH_MASK(ART_HASH_SHA256), &h) != ART_OK) {
    free(buf);
    return;
  }
  uint64_t off = 0;
  art_status st = ART_OK;
  while (st == ART_OK && off < in->size) {
    size_t got = 0;
    st = in->read(in->user, off, buf, CHUNK, &got);
    if (st == ART_OK && got == 0)
      break;
    if (st == ART_OK)
      st = art_hash_update(ctx, h, buf, got);
    off += got;
  }
  if (st == ART_OK && off == in->size && art_hash_final(ctx, h) == ART_OK) {
    const char *x = art_hash_hex(h, ART_HASH_SHA256);
    if (x)
      snprintf(hex, ART_HASH_MAX_HEX, "%s", x);
  }
  art_hash_free(h);
  free(buf);
}

art_status art__tl_relay_artifact(art_ctx *ctx,
                                  art_timeline *tl,
                                  uint32_t src,
                                  size_t cand,
                                  const art_win_input *in,
                                  int *skip)
{
  struct art__tl_relay_out *r = tl->relay;
  uint32_t js = src - (uint32_t)r->base;
  *skip = 0;
  if (r->mute) {
    /* read again up to the artifact that stopped the last worker */
    *skip = 1;
    if (js != r->rs_src || cand != r->rs_cand)
      return ART_OK;
    char hex[ART_HASH_MAX_HEX];
    artifact_sha256(ctx, in, hex);
    art_ctx_clear(ctx);
    r->mute = 0;
    int bad = rec_begin(r, 'H') || put_u32(&r->rec, js) ||
              put_u32(&r->rec, (uint32_t)cand) || put_str(&r->rec, hex);
    return rec_end(r, bad);
  }
  int bad = rec_begin(r, 'A') || put_u32(&r->rec, js) ||
            put_u32(&r->rec, (uint32_t)cand) || put_str(&r->rec, in->name);
  if (rec_end(r, bad) == ART_OK) /* now: a crash may follow */
    r->st = art_sandbox_buf_flush(r->out);
#ifdef ART_TESTING
  /* cli_sandbox: a parser that crashes on one artifact of an image */
  const char *b = strrchr(in->name, '/');
  if (r->st == ART_OK &&
      strncmp(b ? b + 1 : in->name, "ART_SANDBOX_TEST_segv", 21) == 0)
    raise(SIGSEGV);
#endif
  return r->st;
}

art_status
art__tl_relay_artifact_end(art_timeline *tl, uint32_t src, size_t cand)
{
  struct art__tl_relay_out *r = tl->relay;
  if (r->mute)
    return ART_OK;
  int bad = rec_begin(r, 'a') || put_u32(&r->rec, src - (uint32_t)r->base) ||
            put_u32(&r->rec, (uint32_t)cand);
  return rec_end(r, bad);
}

static art_status relay_image(art_ctx *ctx,
                              art_timeline *tl,
                              art_source *src,
                              const char *path,
                              uint64_t req,
                              art_sandbox_buf *out)
{
  if (!tl || !src || !path || !out || tl->relay)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "timeline relay: bad arguments");
  struct art__tl_relay_out r = {out, tl->nsrcs, ART_OK, {0}, now_ms(), 0, 0, 0};
  if (REQ_KIND(req) == REQ_RESUME) {
    r.mute = 1;
    r.rs_src = (uint32_t)(req >> 32) & 0x3fffffffu;
    r.rs_cand = (uint32_t)req;
  }
  art_timeline_progress_fn progress = tl->progress;
  tl->progress = NULL; /* the parent shows progress */
  tl->relay = &r;
  art_status st = REQ_KIND(req) == REQ_ARTIFACT
                      ? art__tl_add_artifact_source(ctx, tl, src, path)
                      : art__tl_add_image_source(ctx, tl, src, path);
  tl->relay = NULL;
  tl->progress = progress;
  art__tl_buf_free(&r.rec);
  if (r.st != ART_OK && (st == ART_OK || st == ART_ERR_CORRUPT ||
                         st == ART_ERR_FORMAT || st == ART_ERR_UNSUPPORTED))
    st = art__set_error(ctx, r.st, r.st == ART_ERR_NOMEM ? ENOMEM : EIO,
                        "%s: timeline relay: the records could not be sent",
                        path);
  else if (r.mute && st != ART_ERR_NOMEM)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: the artifact after which a new worker was to go "
                        "on was not found again: the rest of the image is "
                        "not in the timeline",
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
  /* an image's artifact being parsed ('A' received, 'a' not yet) */
  int art_on;
  uint32_t art_src, art_cand;
  char *art_path;
  /* the artifact that stopped a worker, reported once the next worker
   * sends its sha256 ('H') */
  int pend;
  art_status pend_st;
  char *pend_msg;
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

/* The artifact that stopped a worker, with its sha256 when known. */
static void report_pending(relay *r, const char *sha, size_t n)
{
  if (!r->pend)
    return;
  int len = n > 64 ? 64 : (int)n;
  if (sha && len)
    art__tl_problem(r->tl, r->pend_st, "%s (sha256 %.*s)", r->pend_msg, len,
                    sha);
  else
    art__tl_problem(r->tl, r->pend_st, "%s", r->pend_msg);
  r->pend = 0;
  free(r->pend_msg);
  r->pend_msg = NULL;
}

static art_status replay_artifact(relay *r, rd *d, char type)
{
  uint32_t src = get_u32(d), cand = get_u32(d);
  size_t n = 0;
  const char *s = type == 'a' ? "" : get_str(d, &n);
  if (d->bad || !s || src >= r->nmap)
    return fail(r, ART_ERR_CORRUPT, "bad artifact record");
  if (type == 'a') {
    r->art_on = 0;
  } else if (type == 'H') {
    report_pending(r, s, n);
  } else {
    char *p = malloc(n + 1);
    if (!p)
      return fail(r, ART_ERR_NOMEM, "out of memory");
    memcpy(p, s, n);
    p[n] = '\0';
    free(r->art_path);
    r->art_path = p;
    r->art_on = 1;
    r->art_src = src;
    r->art_cand = cand;
  }
  return ART_OK;
}

static art_status replay(relay *r, const unsigned char *p, size_t n)
{
  rd d = {p + 5, n - 5, 0};
  switch (p[0]) {
  case 'A':
  case 'a':
  case 'H':
    return replay_artifact(r, &d, (char)p[0]);
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
  return relay_image(ctx, ud, src, it->path, it->seq, out);
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

/* Run the job REQ on PATH in SB and replay what it finds into TL; a
 * worker stopped inside one of an image's artifacts fails that artifact
 * alone and a new worker goes on after it. */
static art_status run_relayed(art_ctx *ctx,
                              art_timeline *tl,
                              art_sandbox *sb,
                              const char *path,
                              uint64_t req)
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
  art_status st;
  for (unsigned round = 0;; round++) {
    it.seq = req;
    st = art_sandbox_run_stream(sb, ctx, &it, relay_feed, &r, &res);
    if (st != ART_OK || r.st != ART_OK || res.outcome == ART_SANDBOX_DONE ||
        !r.art_on || round >= RESUME_MAX)
      break;
    /* The worker stopped inside artifact ART_PATH: that artifact fails
     * (reported with its sha256 once the next worker has read it), the
     * next worker goes on after it. What the stopped one had sent stays. */
    report_pending(&r, NULL, 0);
    art_status ast = res.status != ART_OK ? res.status : ART_ERR_INTERNAL;
    if (asprintf(&r.pend_msg, "%s: %s: %s", path, r.art_path,
                 res.errmsg_l ? res.errmsg_l : art_strerror_localized(ast)) <
        0) {
      r.pend_msg = NULL;
      art_sandbox_result_clear(&res);
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
      break;
    }
    r.pend = 1;
    r.pend_st = ast;
    req = REQ_RESUME_AT(r.art_src, r.art_cand);
    r.art_on = 0;
    r.len = 0; /* a record the stopped worker had begun */
    art_sandbox_result_clear(&res);
  }
  tl->cur_input = r.saved_input;
  if (st != ART_OK)
    goto out;
  report_pending(&r, NULL, 0); /* the next worker did not come to it */
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
    /* the artifact the worker was in, when it was one of an image's */
    const char *in_a = r.art_on ? ": " : "",
               *in_b = r.art_on && r.art_path ? r.art_path : "";
    const char *sha_a = res.sha256[0] ? " (sha256 " : "",
               *sha_b = res.sha256[0] ? ")" : "";
    if (asprintf(&c, "%s%s%s: %s%s%s%s", path, in_a, in_b,
                 res.errmsg ? res.errmsg : art_strerror(st), sha_a, res.sha256,
                 sha_b) < 0)
      c = NULL;
    if (asprintf(&l, "%s%s%s: %s%s%s%s", path, in_a, in_b,
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
out:
  free(r.p);
  free(r.map);
  free(r.errmsg);
  free(r.errmsg_l);
  free(r.art_path);
  free(r.pend_msg);
  art__tl_buf_free(&r.strs);
  return st;
}

art_status art_timeline_add_image_sandboxed(art_ctx *ctx,
                                            art_timeline *tl,
                                            art_sandbox *sb,
                                            const char *path)
{
  return run_relayed(ctx, tl, sb, path, REQ_IMAGE);
}

art_status art_timeline_add_artifact_sandboxed(art_ctx *ctx,
                                               art_timeline *tl,
                                               art_sandbox *sb,
                                               const char *path)
{
  return run_relayed(ctx, tl, sb, path, (uint64_t)REQ_ARTIFACT << 62);
}
