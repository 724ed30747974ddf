/* The reader: one sequential pass over a source, every block handed to every
 * consumer; large inputs spread consumers over lanes (threads) balanced by
 * cost, through a bounded ring of blocks.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"

#include <artifact/reader.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_SLOTS 8
#define MAX_LANES  16

typedef struct consumer {
  const art_consumer *ops;
  void *state;
  int active; /* still wants data */
} consumer;

typedef struct lane {
  struct art_reader *reader;
  size_t *members; /* indexes into reader->consumers */
  size_t n_members;
  double cost;
  pthread_t thread;
} lane;

struct art_reader {
  size_t block;
  unsigned threads;
  consumer *consumers;
  size_t n_consumers, cap_consumers;
  uint8_t *slots[RING_SLOTS];
  size_t slot_len[RING_SLOTS];
  uint64_t slot_off[RING_SLOTS];
  unsigned slot_pending[RING_SLOTS];
  pthread_mutex_t mu;
  pthread_cond_t cv_data, cv_free;
  uint64_t published; /* blocks made available to lane threads */
  int eof;
  art_reader_progress_cb progress;
  void *progress_ud;
  unsigned sector;     /* rescue: sector size, 0 off */
  art_read_range *bad; /* rescue: the unreadable ranges of the last run */
  size_t n_bad, cap_bad;
  uint64_t more_bad;
};

#define MAX_BAD 4096u

art_status
art_reader_new(art_ctx *ctx, const art_reader_opts *opts, art_reader **out)
{
  art_reader *r;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = NULL;
  r = art__calloc(ctx, 1, sizeof *r);
  if (!r)
    return ART_ERR_NOMEM;
  r->block =
      opts && opts->block_size ? opts->block_size : ART_READER_BLOCK_DEFAULT;
  r->threads = opts ? opts->threads : 0;
  if (r->threads > MAX_LANES)
    r->threads = MAX_LANES;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv_data, NULL);
  pthread_cond_init(&r->cv_free, NULL);
  *out = r;
  return ART_OK;
}

void art_reader_free(art_reader *r)
{
  if (!r)
    return;
  for (int i = 0; i < RING_SLOTS; i++)
    free(r->slots[i]);
  free(r->bad);
  free(r->consumers);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv_data);
  pthread_cond_destroy(&r->cv_free);
  free(r);
}

art_status art_reader_add(art_reader *r, const art_consumer *ops, void *state)
{
  if (!r || !ops || !ops->update)
    return ART_ERR_INVALID_ARG;
  if (r->n_consumers == r->cap_consumers) {
    size_t cap = r->cap_consumers ? r->cap_consumers * 2 : 8;
    consumer *c = realloc(r->consumers, cap * sizeof *c);
    if (!c)
      return ART_ERR_NOMEM;
    r->consumers = c;
    r->cap_consumers = cap;
  }
  r->consumers[r->n_consumers++] = (consumer){ops, state, 1};
  return ART_OK;
}

void art_reader_clear(art_reader *r)
{
  if (r)
    r->n_consumers = 0;
}

void art_reader_set_progress(art_reader *r,
                             art_reader_progress_cb cb,
                             void *userdata)
{
  r->progress = cb;
  r->progress_ud = userdata;
}

void art_reader_set_rescue(art_reader *r, unsigned sector)
{
  r->sector = sector;
}

size_t art_reader_bad_ranges(const art_reader *r,
                             const art_read_range **ranges,
                             uint64_t *more)
{
  if (ranges)
    *ranges = r->bad;
  if (more)
    *more = r->more_bad;
  return r->n_bad;
}

/* Note [OFF, OFF+LEN) as unreadable, merged with the range before it. */
static void add_bad(art_reader *r, uint64_t off, uint64_t len)
{
  if (!len)
    return;
  if (r->n_bad) {
    art_read_range *last = &r->bad[r->n_bad - 1];
    if (last->offset + last->length == off) {
      last->length += len;
      return;
    }
  }
  if (r->n_bad == r->cap_bad) {
    size_t cap = r->cap_bad ? r->cap_bad * 2 : 16;
    art_read_range *b =
        r->cap_bad < MAX_BAD ? realloc(r->bad, cap * sizeof *b) : NULL;
    if (!b) {
      r->more_bad++;
      return;
    }
    r->bad = b;
    r->cap_bad = cap;
  }
  r->bad[r->n_bad].offset = off;
  r->bad[r->n_bad].length = len;
  r->n_bad++;
}

/* One read of LEN bytes at OFF: 1 when every byte came; *GOT (may be
 * NULL) the bytes that came before the error. */
static int read_ok(art_ctx *ctx,
                   art_source *src,
                   uint8_t *buf,
                   size_t len,
                   uint64_t off,
                   size_t *got)
{
  size_t g = 0;
  int ok = art_source_pread(ctx, src, buf, len, off, &g) == ART_OK && g == len;
  if (got)
    *got = g <= len ? g : 0;
  return ok;
}

/* The read failed at OFF (FIRST: its status and message): read the rest
 * of SRC past the damage (art_reader_set_rescue). *GOOD counts the bytes
 * read. Returns the status for the run, with a message that sums up. */
static art_status rescue(art_ctx *ctx,
                         art_reader *r,
                         art_source *src,
                         uint64_t off,
                         art_status first,
                         uint64_t *good)
{
  const art_source_info *info = art_source_get_info(src);
  uint64_t size = info->size, sec = r->sector;
  uint8_t *buf = r->slots[0];
  char why[256];
  snprintf(why, sizeof why, "%s", art_ctx_errmsg(ctx));
  int err = art_ctx_errno(ctx);
  /* blocks aligned on the block size, so that a bad range's edges are
   * found within the block that holds them */
  while (off < size) {
    uint64_t end = (off / r->block + 1) * r->block;
    if (end > size)
      end = size;
    if (read_ok(ctx, src, buf, (size_t)(end - off), off, NULL)) {
      *good += end - off;
      off = end;
      if (r->progress)
        r->progress(off, r->progress_ud);
      continue;
    }
    /* the leading edge: sector by sector from the start */
    uint64_t a = off;
    while (a < end) {
      uint64_t n = sec - a % sec;
      if (n > end - a)
        n = end - a;
      size_t got;
      if (!read_ok(ctx, src, buf, (size_t)n, a, &got)) {
        *good += got; /* a short read: the bytes before the damage */
        a += got;
        break;
      }
      *good += n;
      a += n;
    }
    /* the trailing edge: sector by sector from the end */
    uint64_t b = end;
    while (b > a) {
      uint64_t n = b % sec ? b % sec : sec;
      if (n > b - a)
        n = b - a;
      if (!read_ok(ctx, src, buf, (size_t)n, b - n, NULL))
        break;
      *good += n;
      b -= n;
    }
    add_bad(r, a, b - a);
    off = end;
    if (r->progress)
      r->progress(off, r->progress_ud);
  }
  uint64_t bad = 0;
  for (size_t i = 0; i < r->n_bad; i++)
    bad += r->bad[i].length;
  size_t n = r->n_bad + (size_t)r->more_bad;
  if (n == 0) /* the retry read it all: a passing fault */
    return art__set_error(ctx, first, err,
                          "%s (read again at its offset without error: the "
                          "first read's data was lost)",
                          why);
  return art__set_error(ctx, first, err ? err : EIO,
                        "%s: %zu unreadable range%s, %" PRIu64
                        " bytes could not be read (%" PRIu64 " of %" PRIu64
                        " read); first error: %s",
                        art_source_path(src), n, n == 1 ? "" : "s", bad, *good,
                        size, why);
}

static int can_rescue(const art_reader *r, art_source *src, art_status st)
{
  const art_source_info *info = art_source_get_info(src);
  return r->sector && (st == ART_ERR_IO || st == ART_ERR_CORRUPT) &&
         info->size_known && info->kind != ART_SOURCE_STDIN;
}

static void feed(consumer *c, const uint8_t *data, size_t len, uint64_t off)
{
  if (!c->active)
    return;
  if (c->ops->update(c->state, data, len, off) != ART_OK)
    c->active = 0; /* done (ART_ERR_LIMIT) or failed: its finish knows */
}

static art_status ensure_slot(art_ctx *ctx, art_reader *r, int i)
{
  if (!r->slots[i]) {
    r->slots[i] = malloc(r->block);
    if (!r->slots[i])
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  return ART_OK;
}

/* How much to ask for next: a block, or for a regular file of known size
 * just what is left, so no extra read() is spent confirming the end (a file
 * that grows meanwhile is caught by art_source_unchanged). 0: done. */
static size_t
next_want(const art_reader *r, const art_source_info *info, uint64_t off)
{
  if (info->kind != ART_SOURCE_FILE || !info->size_known)
    return r->block;
  if (off >= info->size)
    return 0;
  return info->size - off < r->block ? (size_t)(info->size - off) : r->block;
}

/* Every consumer on this thread, block by block. */
static art_status
run_inline(art_ctx *ctx, art_reader *r, art_source *src, uint64_t *bytes)
{
  art_status st = ensure_slot(ctx, r, 0);
  uint64_t off = 0;
  if (st != ART_OK)
    return st;
  const art_source_info *info = art_source_get_info(src);
  for (;;) {
    size_t got = 0, want = next_want(r, info, off);
    if (want == 0)
      break;
    st = art_source_read(ctx, src, r->slots[0], want, &got);
    if (got > 0) {
      for (size_t i = 0; i < r->n_consumers; i++)
        feed(&r->consumers[i], r->slots[0], got, off);
      off += got;
      if (r->progress)
        r->progress(off, r->progress_ud);
    }
    if (st != ART_OK || got < want || want < r->block)
      break;
  }
  *bytes = off;
  if (st != ART_OK && can_rescue(r, src, st))
    st = rescue(ctx, r, src, off, st, bytes);
  return st;
}

static void *lane_main(void *arg)
{
  lane *l = arg;
  art_reader *r = l->reader;
  uint64_t next = 0;
  for (;;) {
    pthread_mutex_lock(&r->mu);
    while (next >= r->published && !r->eof)
      pthread_cond_wait(&r->cv_data, &r->mu);
    if (next >= r->published) {
      pthread_mutex_unlock(&r->mu);
      break;
    }
    pthread_mutex_unlock(&r->mu);
    int s = (int)(next % RING_SLOTS);
    for (size_t i = 0; i < l->n_members; i++)
      feed(&r->consumers[l->members[i]], r->slots[s], r->slot_len[s],
           r->slot_off[s]);
    pthread_mutex_lock(&r->mu);
    if (--r->slot_pending[s] == 0)
      pthread_cond_signal(&r->cv_free);
    pthread_mutex_unlock(&r->mu);
    next++;
  }
  return NULL;
}

static int by_cost_desc(const void *a, const void *b, void *arg)
{
  const art_reader *r = arg;
  double ca = r->consumers[*(const size_t *)a].ops->cost;
  double cb = r->consumers[*(const size_t *)b].ops->cost;
  return (ca < cb) - (ca > cb);
}

/* Longest-processing-time-first assignment of consumers to lanes. */
static unsigned plan_lanes(art_reader *r,
                           lane *lanes,
                           size_t *order,
                           size_t *slots_mem,
                           unsigned n_lanes)
{
  for (size_t i = 0; i < r->n_consumers; i++)
    order[i] = i;
  qsort_r(order, r->n_consumers, sizeof *order, by_cost_desc, r);
  for (unsigned l = 0; l < n_lanes; l++) {
    lanes[l].reader = r;
    lanes[l].members = slots_mem + (size_t)l * r->n_consumers;
    lanes[l].n_members = 0;
    lanes[l].cost = 0;
  }
  for (size_t i = 0; i < r->n_consumers; i++) {
    unsigned best = 0;
    for (unsigned l = 1; l < n_lanes; l++)
      if (lanes[l].cost < lanes[best].cost)
        best = l;
    lanes[best].members[lanes[best].n_members++] = order[i];
    lanes[best].cost += r->consumers[order[i]].ops->cost;
  }
  /* The cheapest lane (last after sorting by cost) runs on the reading
   * thread, which also pays for the reads. */
  unsigned cheapest = 0;
  for (unsigned l = 1; l < n_lanes; l++)
    if (lanes[l].cost < lanes[cheapest].cost)
      cheapest = l;
  if (cheapest != n_lanes - 1) {
    lane t = lanes[cheapest];
    lanes[cheapest] = lanes[n_lanes - 1];
    lanes[n_lanes - 1] = t;
  }
  return n_lanes;
}

static art_status run_lanes(art_ctx *ctx,
                            art_reader *r,
                            art_source *src,
                            uint64_t *bytes,
                            unsigned n_lanes)
{
  lane lanes[MAX_LANES];
  size_t *order = calloc(r->n_consumers, sizeof *order);
  size_t *mem = calloc((size_t)n_lanes * r->n_consumers, sizeof *mem);
  art_status st = ART_OK;
  unsigned started = 0;
  uint64_t off = 0;
  if (!order || !mem) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    goto out;
  }
  for (int i = 0; i < RING_SLOTS; i++)
    if ((st = ensure_slot(ctx, r, i)) != ART_OK)
      goto out;
  plan_lanes(r, lanes, order, mem, n_lanes);
  r->published = 0;
  r->eof = 0;
  memset(r->slot_pending, 0, sizeof r->slot_pending);
  unsigned threaded = n_lanes - 1;
  for (unsigned l = 0; l < threaded; l++) {
    if (pthread_create(&lanes[l].thread, NULL, lane_main, &lanes[l]) != 0)
      break;
    started++;
  }
  if (started < threaded) {
    /* Could not start every thread: their consumers join the inline lane. */
    lane *last = &lanes[n_lanes - 1];
    for (unsigned l = started; l < threaded; l++)
      for (size_t i = 0; i < lanes[l].n_members; i++)
        last->members[last->n_members++] = lanes[l].members[i];
    threaded = started;
  }
  lane *mine = &lanes[n_lanes - 1];
  const art_source_info *info = art_source_get_info(src);
  for (uint64_t seq = 0;; seq++) {
    int s = (int)(seq % RING_SLOTS);
    size_t got = 0, want = next_want(r, info, off);
    if (want == 0)
      break;
    pthread_mutex_lock(&r->mu);
    while (r->slot_pending[s] > 0)
      pthread_cond_wait(&r->cv_free, &r->mu);
    pthread_mutex_unlock(&r->mu);
    st = art_source_read(ctx, src, r->slots[s], want, &got);
    if (got > 0) {
      r->slot_len[s] = got;
      r->slot_off[s] = off;
      pthread_mutex_lock(&r->mu);
      r->slot_pending[s] = threaded;
      r->published = seq + 1;
      pthread_cond_broadcast(&r->cv_data);
      pthread_mutex_unlock(&r->mu);
      for (size_t i = 0; i < mine->n_members; i++)
        feed(&r->consumers[mine->members[i]], r->slots[s], got, off);
      off += got;
      if (r->progress)
        r->progress(off, r->progress_ud);
    }
    if (st != ART_OK || got < want || want < r->block)
      break;
  }
  pthread_mutex_lock(&r->mu);
  r->eof = 1;
  pthread_cond_broadcast(&r->cv_data);
  pthread_mutex_unlock(&r->mu);
  for (unsigned l = 0; l < started; l++)
    pthread_join(lanes[l].thread, NULL);
  *bytes = off;
  if (st != ART_OK && can_rescue(r, src, st))
    st = rescue(ctx, r, src, off, st, bytes);
out:
  free(order);
  free(mem);
  return st;
}

art_status
art_reader_run(art_ctx *ctx, art_reader *r, art_source *src, uint64_t *bytes)
{
  const art_source_info *info = art_source_get_info(src);
  uint64_t n = 0;
  art_status st = ART_OK;
  unsigned lanes = r->threads;
  r->n_bad = 0;
  r->more_bad = 0;
  for (size_t i = 0; i < r->n_consumers; i++) {
    consumer *c = &r->consumers[i];
    c->active = 1;
    if (c->ops->begin &&
        c->ops->begin(c->state, info->size_known, info->size) != ART_OK)
      c->active = 0;
  }
  if (lanes > r->n_consumers)
    lanes = (unsigned)r->n_consumers;
  if (lanes >= 2 && (!info->size_known || info->size >= ART_READER_LANE_MIN))
    st = run_lanes(ctx, r, src, &n, lanes);
  else
    st = run_inline(ctx, r, src, &n);
  for (size_t i = 0; i < r->n_consumers; i++) {
    consumer *c = &r->consumers[i];
    if (c->ops->finish)
      c->ops->finish(c->state, st);
  }
  if (bytes)
    *bytes = n;
  return st;
}
