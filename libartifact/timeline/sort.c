/* External merge sort of timeline records within a memory budget.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Records are appended to an arena; when the arena and its index would pass
 * the budget, they are sorted and spilled as a run to an unlinked temporary
 * file. finish() merges the runs and the records still in the arena with a
 * binary heap (ties go to the earlier run, so equal keys keep their arrival
 * order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timeline_private.h"

#define RUN_BUFSZ (1u << 16)

/* An index entry: the record's offset in the arena and the first 16 bytes
 * of its key as two big-endian integers (zero-padded), so that most
 * comparisons never touch the arena (keys lead with the time). */
typedef struct idx_ent {
  uint64_t k0, k1;
  size_t off;
} idx_ent;

struct art__tl_sorter {
  size_t budget;
  char *tmpdir;
  unsigned char *arena;
  size_t alen, acap;
  idx_ent *idx;
  size_t n, capn;
  FILE **runs;
  size_t nruns, capruns;
  size_t peak;
  FILE *open_run; /* a run written in order by the caller */
};

typedef struct rec_hdr {
  uint32_t klen, plen;
} rec_hdr;

art_status art__tl_sorter_new(art_ctx *ctx,
                              size_t budget,
                              const char *tmpdir,
                              art__tl_sorter **out)
{
  *out = NULL;
  art__tl_sorter *s = art__calloc(ctx, 1, sizeof *s);
  if (!s)
    return ART_ERR_NOMEM;
  s->budget = budget < (1u << 20) ? (1u << 20) : budget;
  s->tmpdir = art__strdup(ctx, tmpdir ? tmpdir : "/tmp");
  if (!s->tmpdir) {
    free(s);
    return ART_ERR_NOMEM;
  }
  *out = s;
  return ART_OK;
}

void art__tl_sorter_free(art__tl_sorter *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nruns; i++)
    if (s->runs[i])
      fclose(s->runs[i]);
  free(s->runs);
  free(s->arena);
  free(s->idx);
  free(s->tmpdir);
  free(s);
}

uint64_t art__tl_sorter_runs(const art__tl_sorter *s)
{
  return s->nruns;
}
size_t art__tl_sorter_peak(const art__tl_sorter *s)
{
  return s->peak;
}

static int rec_cmp(const idx_ent *a, const idx_ent *b, const void *arg)
{
  if (a->k0 != b->k0)
    return a->k0 < b->k0 ? -1 : 1;
  if (a->k1 != b->k1)
    return a->k1 < b->k1 ? -1 : 1;
  const unsigned char *arena = arg;
  size_t oa = a->off, ob = b->off;
  rec_hdr ha, hb;
  memcpy(&ha, arena + oa, sizeof ha);
  memcpy(&hb, arena + ob, sizeof hb);
  size_t m = ha.klen < hb.klen ? ha.klen : hb.klen;
  int c = m > 16 ? memcmp(arena + oa + sizeof ha + 16,
                          arena + ob + sizeof hb + 16, m - 16)
                 : 0;
  if (c)
    return c;
  if (ha.klen != hb.klen)
    return ha.klen < hb.klen ? -1 : 1;
  return oa < ob ? -1 : (oa > ob);
}

/* In-place quicksort of the index (qsort_r may allocate a copy of it,
 * which the budget does not allow for). Ties are broken by offset, so the
 * order is total and arrival order is kept for equal keys. */
static void idx_sort(idx_ent *v, size_t n, void *arena)
{
  while (n > 16) {
    size_t m = n / 2;
    idx_ent t;
#define SWAP(a, b) (t = v[a], v[a] = v[b], v[b] = t)
    if (rec_cmp(&v[m], &v[0], arena) < 0)
      SWAP(m, 0);
    if (rec_cmp(&v[n - 1], &v[0], arena) < 0)
      SWAP(n - 1, 0);
    if (rec_cmp(&v[n - 1], &v[m], arena) < 0)
      SWAP(n - 1, m);
    SWAP(0, m);
    size_t i = 1, j = n - 1;
    for (;;) {
      while (i < n && rec_cmp(&v[i], &v[0], arena) < 0)
        i++;
      while (rec_cmp(&v[j], &v[0], arena) > 0)
        j--;
      if (i >= j)
        break;
      SWAP(i, j);
      i++;
      j--;
    }
    SWAP(0, j);
#undef SWAP
    if (j < n - j - 1) {
      idx_sort(v, j, arena);
      v += j + 1;
      n -= j + 1;
    } else {
      idx_sort(v + j + 1, n - j - 1, arena);
      n = j;
    }
  }
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && rec_cmp(&v[k], &v[k - 1], arena) < 0; k--) {
      idx_ent t = v[k];
      v[k] = v[k - 1];
      v[k - 1] = t;
    }
}

static void sort_arena(art__tl_sorter *s)
{
  idx_sort(s->idx, s->n, s->arena);
}

/* Open a new unlinked run file and register it. */
static art_status new_run(art_ctx *ctx, art__tl_sorter *s, FILE **out)
{
  *out = NULL;
  art__tl_buf path = {0};
  if (art__tl_buf_addf(&path, "%s/art-timeline-XXXXXX", s->tmpdir))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "sort buffer");
  int fd = mkstemp(path.p);
  if (fd < 0) {
    art_status st = art__set_errno(ctx, errno, "%s", path.p);
    art__tl_buf_free(&path);
    return st;
  }
  unlink(path.p);
  FILE *f = fdopen(fd, "w+b");
  if (!f) {
    close(fd);
    art_status st = art__set_errno(ctx, errno, "%s", path.p);
    art__tl_buf_free(&path);
    return st;
  }
  art__tl_buf_free(&path);
  if (s->nruns == s->capruns) {
    size_t cap = s->capruns ? s->capruns * 2 : 8;
    FILE **r = realloc(s->runs, cap * sizeof *r);
    if (!r) {
      fclose(f);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "sort runs");
    }
    s->runs = r;
    s->capruns = cap;
  }
  s->runs[s->nruns++] = f;
  *out = f;
  return ART_OK;
}

static art_status spill(art_ctx *ctx, art__tl_sorter *s)
{
  FILE *f;
  art_status st = new_run(ctx, s, &f);
  if (st != ART_OK)
    return st;
  sort_arena(s);
  for (size_t i = 0; i < s->n; i++) {
    rec_hdr h;
    memcpy(&h, s->arena + s->idx[i].off, sizeof h);
    if (fwrite(s->arena + s->idx[i].off, sizeof h + h.klen + h.plen, 1, f) != 1)
      return art__set_errno(ctx, errno ? errno : ENOSPC,
                            "%s: writing sorted run", s->tmpdir);
  }
  if (fflush(f))
    return art__set_errno(ctx, errno, "%s: writing sorted run", s->tmpdir);
  s->n = 0;
  s->alen = 0;
  return ART_OK;
}

art_status art__tl_sorter_run_begin(art_ctx *ctx, art__tl_sorter *s)
{
  return new_run(ctx, s, &s->open_run);
}

art_status art__tl_sorter_run_add(art_ctx *ctx,
                                  art__tl_sorter *s,
                                  const void *key,
                                  size_t klen,
                                  const void *pay,
                                  size_t plen)
{
  if (klen > UINT32_MAX / 2 || plen > UINT32_MAX / 2 || !s->open_run)
    return art__set_error(ctx, ART_ERR_LIMIT, 0, "timeline record too large");
  rec_hdr h = {(uint32_t)klen, (uint32_t)plen};
  if (fwrite(&h, sizeof h, 1, s->open_run) != 1 ||
      (klen && fwrite(key, klen, 1, s->open_run) != 1) ||
      (plen && fwrite(pay, plen, 1, s->open_run) != 1))
    return art__set_errno(ctx, errno ? errno : ENOSPC, "%s: writing sorted run",
                          s->tmpdir);
  return ART_OK;
}

art_status art__tl_sorter_run_end(art_ctx *ctx, art__tl_sorter *s)
{
  FILE *f = s->open_run;
  s->open_run = NULL;
  if (f && fflush(f))
    return art__set_errno(ctx, errno, "%s: writing sorted run", s->tmpdir);
  return ART_OK;
}

art_status art__tl_sorter_add(art_ctx *ctx,
                              art__tl_sorter *s,
                              const void *key,
                              size_t klen,
                              const void *pay,
                              size_t plen)
{
  size_t need = sizeof(rec_hdr) + klen + plen;
  if (klen > UINT32_MAX / 2 || plen > UINT32_MAX / 2)
    return art__set_error(ctx, ART_ERR_LIMIT, 0, "timeline record too large");
  /* The records and their index share the budget. The arena grows to
   * what leaves the index room for as many records again at their
   * average size so far; when the index has no room left, the arena gives
   * half back after the spill. */
  const size_t isz = sizeof(idx_ent);
  art_status st;
again:
  if (s->n > 0 && s->alen + need + (s->n + 1) * isz > s->budget) {
    if ((st = spill(ctx, s)) != ART_OK)
      return st;
  }
  if (s->alen + need > s->acap) {
    size_t avg = (s->alen + need) / (s->n + 1);
    size_t soft = s->budget / (avg + isz) * avg;
    size_t hard = s->budget > s->capn * isz ? s->budget - s->capn * isz : 0;
    size_t cap = s->acap ? s->acap : (1u << 16);
    while (cap < s->alen + need)
      cap *= 2;
    if (cap > soft)
      cap = soft;
    if (cap > hard)
      cap = hard;
    if (cap < s->alen + need) {
      if (s->n > 0) {
        if ((st = spill(ctx, s)) != ART_OK)
          return st;
        goto again;
      }
      cap = need; /* one record larger than the budget */
    }
    unsigned char *a = realloc(s->arena, cap);
    if (!a)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "sort buffer");
    s->arena = a;
    s->acap = cap;
  }
  if (s->n == s->capn) {
    size_t room = s->budget > s->acap ? (s->budget - s->acap) / isz : 0;
    size_t cap = s->capn ? s->capn * 2 : 4096;
    if (cap > room)
      cap = room;
    if (cap <= s->n) {
      if (s->n > 0) {
        if ((st = spill(ctx, s)) != ART_OK)
          return st;
        size_t half = s->acap / 2 > need ? s->acap / 2 : need;
        unsigned char *a = realloc(s->arena, half);
        if (a) {
          s->arena = a;
          s->acap = half;
        }
        goto again;
      }
      cap = 1;
    }
    idx_ent *ix = realloc(s->idx, cap * sizeof *ix);
    if (!ix)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "sort index");
    s->idx = ix;
    s->capn = cap;
  }
  rec_hdr h = {(uint32_t)klen, (uint32_t)plen};
  memcpy(s->arena + s->alen, &h, sizeof h);
  if (klen)
    memcpy(s->arena + s->alen + sizeof h, key, klen);
  if (plen)
    memcpy(s->arena + s->alen + sizeof h + klen, pay, plen);
  unsigned char pfx[16] = {0};
  memcpy(pfx, key, klen < 16 ? klen : 16);
  uint64_t k0 = 0, k1 = 0;
  for (int i = 0; i < 8; i++) {
    k0 = k0 << 8 | pfx[i];
    k1 = k1 << 8 | pfx[8 + i];
  }
  s->idx[s->n].k0 = k0;
  s->idx[s->n].k1 = k1;
  s->idx[s->n++].off = s->alen;
  s->alen += need;
  size_t held = s->acap + s->capn * sizeof(idx_ent);
  if (held > s->peak)
    s->peak = held;
  return ART_OK;
}

/* A merge cursor: a run on disk, or the last records, sorted in the arena
 * (they are merged from memory, not written out and read back). */
typedef struct run_cur {
  FILE *f;                 /* NULL: the arena */
  const art__tl_sorter *s; /* the arena's sorter */
  size_t pos;              /* next index entry of the arena */
  unsigned char *buf;      /* a disk run's current record */
  size_t cap;
  const unsigned char *rec; /* the current record: key, then payload */
  rec_hdr h;
  int live;
} run_cur;

static int run_next(run_cur *r)
{
  if (!r->f) {
    if (r->pos >= r->s->n) {
      r->live = 0;
      return 0;
    }
    const unsigned char *p = r->s->arena + r->s->idx[r->pos++].off;
    memcpy(&r->h, p, sizeof r->h);
    r->rec = p + sizeof r->h;
    r->live = 1;
    return 0;
  }
  if (fread(&r->h, sizeof r->h, 1, r->f) != 1) {
    r->live = 0;
    return 0;
  }
  size_t need = (size_t)r->h.klen + r->h.plen;
  if (need > r->cap) {
    unsigned char *b = realloc(r->buf, need ? need : 1);
    if (!b)
      return -1;
    r->buf = b;
    r->cap = need;
  }
  if (need && fread(r->buf, need, 1, r->f) != 1)
    return -1;
  r->rec = r->buf;
  r->live = 1;
  return 0;
}

static int cur_less(const run_cur *c, size_t a, size_t b)
{
  const run_cur *x = &c[a], *y = &c[b];
  size_t m = x->h.klen < y->h.klen ? x->h.klen : y->h.klen;
  int r = memcmp(x->rec, y->rec, m);
  if (r)
    return r < 0;
  if (x->h.klen != y->h.klen)
    return x->h.klen < y->h.klen;
  return a < b;
}

static void heap_down(const run_cur *c, size_t *heap, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && cur_less(c, heap[l], heap[m]))
      m = l;
    if (r < n && cur_less(c, heap[r], heap[m]))
      m = r;
    if (m == i)
      return;
    size_t t = heap[i];
    heap[i] = heap[m];
    heap[m] = t;
    i = m;
  }
}

art_status art__tl_sorter_finish(art_ctx *ctx,
                                 art__tl_sorter *s,
                                 art__tl_emit_fn emit,
                                 void *user)
{
  art_status st = ART_OK;
  sort_arena(s);
  if (s->nruns == 0) {
    for (size_t i = 0; i < s->n && st == ART_OK; i++) {
      rec_hdr h;
      const unsigned char *p = s->arena + s->idx[i].off;
      memcpy(&h, p, sizeof h);
      st = emit(user, p + sizeof h, h.klen, p + sizeof h + h.klen, h.plen);
    }
    s->n = 0;
    s->alen = 0;
    return st;
  }
  /* the runs on disk, then the arena: it arrived last, so equal keys in
   * it go after theirs */
  size_t k = s->nruns + 1;
  run_cur *c = calloc(k, sizeof *c);
  size_t *heap = calloc(k, sizeof *heap);
  if (!c || !heap) {
    free(c);
    free(heap);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "merge");
  }
  size_t n = 0;
  for (size_t i = 0; i < k; i++) {
    c[i].f = i < s->nruns ? s->runs[i] : NULL;
    c[i].s = s;
    if ((c[i].f && fseeko(c[i].f, 0, SEEK_SET)) || run_next(&c[i])) {
      st = art__set_errno(ctx, errno ? errno : EIO, "%s: reading sorted run",
                          s->tmpdir);
      goto out;
    }
    if (c[i].live)
      heap[n++] = i;
  }
  for (size_t i = n / 2; i-- > 0;)
    heap_down(c, heap, n, i);
  while (n > 0) {
    run_cur *r = &c[heap[0]];
    st = emit(user, r->rec, r->h.klen, r->rec + r->h.klen, r->h.plen);
    if (st != ART_OK)
      goto out;
    if (run_next(r)) {
      st = art__set_errno(ctx, errno ? errno : EIO, "%s: reading sorted run",
                          s->tmpdir);
      goto out;
    }
    if (!r->live)
      heap[0] = heap[--n];
    heap_down(c, heap, n, 0);
  }
out:
  for (size_t i = 0; i < k; i++)
    free(c[i].buf);
  free(c);
  free(heap);
  s->n = 0;
  s->alen = 0;
  return st;
}
