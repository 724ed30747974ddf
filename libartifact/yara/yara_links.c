/* Files with several hard links scanned once: the text records of the first
 * name kept as a template with the path left out, then printed for each
 * other name with its own path (yara scans every name again).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "yara_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"

/* One part of a template (the input's own record, or its members'): text
 * and where the path goes in it. */
typedef struct tpart {
  sbuf b;
  uint64_t *slots; /* offsets in P where the path goes, ascending */
  size_t n_slots, cap_slots;
} tpart;

struct art_yara_tmpl {
  char *base;   /* the first name, prefix of every record's path */
  size_t width; /* bytes the path takes in the text (strlen(base)) */
  tpart part[2];
  unsigned long matches;
  int bad;
};

static int tpart_slot(tpart *t, uint64_t off)
{
  if (t->n_slots == t->cap_slots) {
    size_t cap = t->cap_slots ? t->cap_slots * 2 : 16;
    uint64_t *q = realloc(t->slots, cap * sizeof *q);
    if (!q)
      return -1;
    t->slots = q;
    t->cap_slots = cap;
  }
  t->slots[t->n_slots++] = off;
  return 0;
}

static size_t tmpl_bytes(const art_yara_tmpl *t)
{
  return t->part[0].b.len + t->part[1].b.len +
         (t->part[0].n_slots + t->part[1].n_slots) * sizeof(uint64_t);
}

art_status
art_yara_tmpl_new(art_ctx *ctx, const char *base, art_yara_tmpl **out)
{
  art_yara_tmpl *t;
  if (!out || !base || !*base)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: no path");
  *out = NULL;
  if (!(t = art__calloc(ctx, 1, sizeof *t)))
    return ART_ERR_NOMEM;
  if (!(t->base = strdup(base))) {
    free(t);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  t->width = strlen(base);
  *out = t;
  return ART_OK;
}

void art_yara_tmpl_free(art_yara_tmpl *t)
{
  if (!t)
    return;
  for (int i = 0; i < 2; i++) {
    free(t->part[i].b.p);
    free(t->part[i].slots);
  }
  free(t->base);
  free(t);
}

void art_yara_tmpl_set_unusable(art_yara_tmpl *t)
{
  if (t)
    t->bad = 1;
}

int art_yara_tmpl_usable(const art_yara_tmpl *t)
{
  return t && !t->bad;
}

/* RES is rendered twice, its path's first WIDTH bytes (the input's) once as
 * 'a's and once as 'b's: the runs where the two texts differ are exactly
 * where the path goes (every other byte is the same in both, and letters
 * are printed as they are). */
void art_yara_tmpl_add(art_ctx *ctx,
                       art_yara_tmpl *t,
                       int part,
                       art_yara_result *res,
                       unsigned fmt_flags,
                       art_yara_filter_cb filter,
                       void *userdata,
                       size_t shown)
{
  const char *orig;
  size_t n, len, tl;
  char *keep = NULL, *p = NULL, *ta = NULL, *tb = NULL;
  size_t ignored = 0;
  tpart *tp;
  uint64_t base;
  int ok = 0;
  if (!t || t->bad || !res || part < 0 || part > 1)
    return;
  orig = art_yara_result_path(res);
  n = t->width;
  tp = &t->part[part];
  base = tp->b.len;
  if (strncmp(orig, t->base, n) != 0)
    goto done;
  len = strlen(orig);
  if (!(keep = strdup(orig)) || !(p = malloc(len + 1)))
    goto done;
  memcpy(p, orig, len + 1);
  memset(p, 'a', n);
  if (art_yara_result_set_path(ctx, res, p) != ART_OK ||
      art_yara_result_text(ctx, res, fmt_flags, filter, userdata, &ta,
                           &ignored) != ART_OK)
    goto restore;
  memset(p, 'b', n);
  if (art_yara_result_set_path(ctx, res, p) != ART_OK ||
      art_yara_result_text(ctx, res, fmt_flags, filter, userdata, &tb,
                           &ignored) != ART_OK)
    goto restore;
  tl = strlen(ta);
  if (strlen(tb) != tl)
    goto restore;
  ok = 1;
  for (size_t i = 0; ok && i < tl;) {
    if (ta[i] == tb[i]) {
      i++;
      continue;
    }
    for (size_t k = 0; ok && k < n; k++)
      ok = i + k < tl && ta[i + k] == 'a' && tb[i + k] == 'b';
    if (ok)
      ok = tpart_slot(tp, base + i) == 0;
    i += n;
  }
  if (ok) {
    art__yara_sb_add(&tp->b, ta, tl);
    ok = !tp->b.oom;
  }
restore:
  if (art_yara_result_set_path(ctx, res, keep) != ART_OK)
    ok = 0;
done:
  if (ok)
    t->matches += (unsigned long)shown;
  else
    t->bad = 1;
  art_free(ta);
  art_free(tb);
  free(p);
  free(keep);
}

static void put_u64(sbuf *b, uint64_t v)
{
  art__yara_sb_add(b, &v, sizeof v);
}

/* Width, the parts' lengths and slot counts, matches, the texts, the
 * slots. */
art_status art_yara_tmpl_pack(art_ctx *ctx,
                              const art_yara_tmpl *t,
                              void **out,
                              size_t *len)
{
  sbuf b = {0};
  const tpart *h, *d;
  if (!out || !len)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  *len = 0;
  if (!art_yara_tmpl_usable(t))
    return ART_OK;
  h = &t->part[0];
  d = &t->part[1];
  put_u64(&b, t->width);
  put_u64(&b, h->b.len);
  put_u64(&b, d->b.len);
  put_u64(&b, h->n_slots);
  put_u64(&b, d->n_slots);
  put_u64(&b, t->matches);
  art__yara_sb_add(&b, h->b.p, h->b.len);
  art__yara_sb_add(&b, d->b.p, d->b.len);
  for (size_t i = 0; i < h->n_slots; i++)
    put_u64(&b, h->slots[i]);
  for (size_t i = 0; i < d->n_slots; i++)
    put_u64(&b, d->slots[i]);
  if (b.oom) {
    free(b.p);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  *out = b.p;
  *len = b.len;
  return ART_OK;
}

/* A part's slots must lie inside its text, ascending, never overlapping. */
static int slots_ok(const tpart *t, size_t width)
{
  for (size_t i = 0; i < t->n_slots; i++)
    if (t->slots[i] > t->b.len || t->b.len - t->slots[i] < width ||
        (i && t->slots[i] < t->slots[i - 1] + width))
      return 0;
  return 1;
}

art_status art_yara_tmpl_unpack(art_ctx *ctx,
                                const void *data,
                                size_t len,
                                art_yara_tmpl **out)
{
  const unsigned char *p = data;
  uint64_t v[6];
  art_yara_tmpl *t;
  if (!out || (!data && len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if (len < sizeof v)
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "yara: no template");
  memcpy(v, p, sizeof v);
  p += sizeof v;
  len -= sizeof v;
  /* The width is the first name's length: not bounded by LEN when the file
   * matched nothing (no text, no slots); slots_ok() bounds it otherwise. */
  if (v[0] == 0 || v[0] > SIZE_MAX / 2 || v[1] > len || v[2] > len - v[1] ||
      v[3] > SIZE_MAX / 8 || v[4] > SIZE_MAX / 8 - v[3] ||
      (v[3] + v[4]) * 8 != len - v[1] - v[2])
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "yara: bad template");
  if (!(t = art__calloc(ctx, 1, sizeof *t)))
    return ART_ERR_NOMEM;
  t->width = (size_t)v[0];
  t->matches = (unsigned long)v[5];
  for (int i = 0; i < 2; i++) {
    tpart *tp = &t->part[i];
    size_t n = (size_t)v[3 + i], tl = (size_t)v[1 + i];
    const unsigned char *slots = p + v[1] + v[2] + (i ? v[3] * 8 : 0);
    art__yara_sb_add(&tp->b, p + (i ? v[1] : 0), tl);
    if (tp->b.oom || (n && !(tp->slots = malloc(n * sizeof *tp->slots)))) {
      art_yara_tmpl_free(t);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    }
    if (n)
      memcpy(tp->slots, slots, n * sizeof *tp->slots);
    tp->n_slots = tp->cap_slots = n;
    if (!slots_ok(tp, t->width)) {
      art_yara_tmpl_free(t);
      return art__set_error(ctx, ART_ERR_FORMAT, 0, "yara: bad template");
    }
  }
  *out = t;
  return ART_OK;
}

unsigned long art_yara_tmpl_matches(const art_yara_tmpl *t)
{
  return t ? t->matches : 0;
}

static int render_part(const tpart *t, size_t width, const char *esc, sbuf *o)
{
  size_t at = 0, el = strlen(esc);
  art__yara_sb_add(o, "", 0); /* "" when there is nothing */
  for (size_t i = 0; i <= t->n_slots; i++) {
    size_t end = i < t->n_slots ? (size_t)t->slots[i] : t->b.len;
    art__yara_sb_add(o, t->b.p + at, end - at);
    at = end;
    if (i < t->n_slots) {
      art__yara_sb_add(o, esc, el);
      at += width;
    }
  }
  return o->oom ? -1 : 0;
}

art_status art_yara_tmpl_render(art_ctx *ctx,
                                const art_yara_tmpl *t,
                                const char *path,
                                char **head,
                                size_t *head_len,
                                char **body,
                                size_t *body_len)
{
  char *esc;
  sbuf o[2] = {{0}, {0}};
  if (!art_yara_tmpl_usable(t) || !path || !head || !head_len || !body ||
      !body_len)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *head = *body = NULL;
  *head_len = *body_len = 0;
  if (!(esc = art__yara_path_text(path)))
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  for (int i = 0; i < 2; i++)
    if (render_part(&t->part[i], t->width, esc, &o[i]) != 0) {
      free(esc);
      free(o[0].p);
      free(o[1].p);
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
    }
  free(esc);
  *head = o[0].p;
  *head_len = o[0].len;
  *body = o[1].p;
  *body_len = o[1].len;
  return ART_OK;
}

/* ---- the registry of files with several names -------------------------- */

enum { LINK_RUNNING, LINK_DONE, LINK_UNUSABLE };

typedef struct link_ent {
  uint64_t dev, ino;
  uint64_t left; /* names not seen yet (the template is freed at 0) */
  int state, used;
  art_yara_tmpl *t;
} link_ent;

struct art_yara_links {
  pthread_mutex_t lock;
  pthread_cond_t done;
  link_ent *tab;
  size_t cap, n;
  size_t bytes, max; /* template bytes held; at most */
};

art_status
art_yara_links_new(art_ctx *ctx, size_t max_bytes, art_yara_links **out)
{
  art_yara_links *l;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  *out = NULL;
  if (!(l = art__calloc(ctx, 1, sizeof *l)))
    return ART_ERR_NOMEM;
  if (pthread_mutex_init(&l->lock, NULL) != 0) {
    free(l);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  if (pthread_cond_init(&l->done, NULL) != 0) {
    pthread_mutex_destroy(&l->lock);
    free(l);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  }
  l->max = max_bytes;
  *out = l;
  return ART_OK;
}

void art_yara_links_free(art_yara_links *l)
{
  if (!l)
    return;
  for (size_t i = 0; i < l->cap; i++)
    art_yara_tmpl_free(l->tab[i].t);
  free(l->tab);
  pthread_cond_destroy(&l->done);
  pthread_mutex_destroy(&l->lock);
  free(l);
}

static size_t links_slot(const art_yara_links *l, uint64_t dev, uint64_t ino)
{
  size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ull) ^ dev) & (l->cap - 1);
  while (l->tab[i].used && (l->tab[i].dev != dev || l->tab[i].ino != ino))
    i = (i + 1) & (l->cap - 1);
  return i;
}

/* Under the lock: the entry of (DEV, INO), created (RUNNING) when new;
 * NULL when the table cannot grow. */
static link_ent *links_get(
    art_yara_links *l, uint64_t dev, uint64_t ino, uint64_t nlink, int *created)
{
  size_t i;
  *created = 0;
  if (l->n + 1 > l->cap / 2) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    link_ent *old = l->tab, *tab = calloc(cap, sizeof *tab);
    size_t ocap = l->cap;
    if (!tab)
      return NULL;
    l->tab = tab;
    l->cap = cap;
    for (size_t k = 0; k < ocap; k++)
      if (old[k].used)
        l->tab[links_slot(l, old[k].dev, old[k].ino)] = old[k];
    free(old);
  }
  i = links_slot(l, dev, ino);
  if (!l->tab[i].used) {
    l->tab[i].used = 1;
    l->tab[i].dev = dev;
    l->tab[i].ino = ino;
    l->tab[i].left = nlink ? nlink - 1 : 0;
    l->tab[i].state = LINK_RUNNING;
    l->n++;
    *created = 1;
  }
  return &l->tab[i];
}

art_yara_link_claim art_yara_links_claim(art_yara_links *l,
                                         uint64_t dev,
                                         uint64_t ino,
                                         uint64_t nlink,
                                         const char *path,
                                         char **head,
                                         size_t *head_len,
                                         char **body,
                                         size_t *body_len,
                                         unsigned long *matches)
{
  link_ent *e;
  int created = 0;
  art_yara_link_claim c = ART_YARA_LINK_SCAN;
  if (!l || !path || nlink < 2)
    return ART_YARA_LINK_SCAN;
  pthread_mutex_lock(&l->lock);
  e = links_get(l, dev, ino, nlink, &created);
  /* A name of a file being scanned under another name: wait for it. */
  while (e && !created && e->state == LINK_RUNNING) {
    pthread_cond_wait(&l->done, &l->lock);
    e = links_get(l, dev, ino, nlink, &created); /* the table may move */
  }
  if (e && created) {
    c = ART_YARA_LINK_FIRST;
  } else if (e && e->state == LINK_DONE &&
             art_yara_tmpl_render(NULL, e->t, path, head, head_len, body,
                                  body_len) == ART_OK) {
    c = ART_YARA_LINK_AGAIN;
    *matches = e->t->matches;
    if (e->left)
      e->left--;
    if (e->left == 0) { /* every name seen: the template is not needed */
      l->bytes -= tmpl_bytes(e->t);
      art_yara_tmpl_free(e->t);
      e->t = NULL;
      e->state = LINK_UNUSABLE;
    }
  }
  pthread_mutex_unlock(&l->lock);
  return c;
}

void art_yara_links_done(art_yara_links *l,
                         uint64_t dev,
                         uint64_t ino,
                         art_yara_tmpl *t)
{
  link_ent *e;
  int created = 0;
  if (!l) {
    art_yara_tmpl_free(t);
    return;
  }
  pthread_mutex_lock(&l->lock);
  e = links_get(l, dev, ino, 0, &created);
  if (e && art_yara_tmpl_usable(t) && l->bytes + tmpl_bytes(t) <= l->max) {
    e->t = t;
    e->state = LINK_DONE;
    l->bytes += tmpl_bytes(t);
  } else {
    art_yara_tmpl_free(t);
    if (e)
      e->state = LINK_UNUSABLE;
  }
  pthread_cond_broadcast(&l->done);
  pthread_mutex_unlock(&l->lock);
}
