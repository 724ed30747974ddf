/* One artifact scanned whole: the file (or device, image, standard input)
 * and, when it is a container, every member at any depth, each giving one
 * record. The per-artifact unit art-yara runs on its workers (and that a
 * sandboxed worker process can run for it).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "yara_private.h"

#include <artifact/archive.h>

#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"

/* A member's record waits for the member's end, which may mark it (cut by a
 * limit, encrypted, damaged). */
typedef struct pend {
  art_yara_result *res;
  uint64_t id;
  int done;
} pend;

typedef struct walk {
  const char *input;
  art_yara_scanner *member;
  art_archive *ar;
  art_yara_record_cb cb;
  void *ud;
  pend *q;
  size_t n, cap;
  uint64_t cur; /* the member being read */
  int nomem;
} walk;

/* Hand over the member records whose member has ended, in walk order. */
static void flush(walk *w, int all)
{
  size_t k = 0;
  while (k < w->n && (all || w->q[k].done)) {
    w->cb(w->q[k].res, 0, w->ud);
    k++;
  }
  if (k) {
    memmove(w->q, w->q + k, (w->n - k) * sizeof *w->q);
    w->n -= k;
  }
}

static void on_member_result(art_yara_result *res, art_status st, void *ud)
{
  walk *w = ud;
  (void)st;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 8;
    pend *p = realloc(w->q, cap * sizeof *p);
    if (!p) {
      /* Never silent: the record goes out now, marked. */
      art_yara_result_set_error(res, ART_ERR_NOMEM, "out of memory");
      w->cb(res, 0, w->ud);
      return;
    }
    w->q = p;
    w->cap = cap;
  }
  w->q[w->n].res = res;
  w->q[w->n].id = w->cur;
  w->q[w->n++].done = 0;
}

static art_walk_action m_begin(void *ud, const art_archive_member *m)
{
  walk *w = ud;
  art_yara_artifact a = {m->lineage, m->path, w->input, m->depth, NULL, NULL};
  if (m->type != ART_ENTRY_FILE)
    return ART_WALK_CONTINUE;
  if (art_yara_scanner_set_artifact(NULL, w->member, &a) != ART_OK)
    return ART_WALK_SKIP;
  w->cur = m->id;
  art_archive_add_consumer(w->ar, art_yara_consumer(w->member), w->member);
  return ART_WALK_CONTINUE;
}

static art_walk_action
m_end(void *ud, const art_archive_member *m, const art_archive_result *res)
{
  walk *w = ud;
  for (size_t i = 0; i < w->n; i++)
    if (w->q[i].id == m->id) {
      if (res->status != ART_OK)
        art_yara_result_set_error(w->q[i].res, res->status, res->errmsg);
      w->q[i].done = 1;
    }
  flush(w, 0);
  return ART_WALK_CONTINUE;
}

/* "PATH: reason" from the context, without the path (the record has it). */
static const char *reason(art_ctx *ctx, const char *path)
{
  const char *msg = art_ctx_errmsg(ctx);
  size_t n = strlen(path);
  if (n && strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
    return msg + n + 2;
  return msg;
}

art_status art_yara_scan_artifact(art_ctx *ctx,
                                  art_yara_scanner *top,
                                  art_yara_scanner *member,
                                  art_archive *ar,
                                  const char *path,
                                  art_source_kind kind,
                                  art_yara_record_cb cb,
                                  void *userdata)
{
  return art_yara_scan_artifact_source(ctx, top, member, ar, path, kind, NULL,
                                       cb, userdata);
}

art_status art_yara_scan_artifact_source(art_ctx *ctx,
                                         art_yara_scanner *top,
                                         art_yara_scanner *member,
                                         art_archive *ar,
                                         const char *path,
                                         art_source_kind kind,
                                         art_source *given,
                                         art_yara_record_cb cb,
                                         void *userdata)
{
  art_yara_artifact a = {path, NULL, NULL, 0, NULL, NULL};
  art_source *src = given;
  art_yara_result *res = NULL;
  art_status st, rs;
  walk w;
  if (!top || !path || !cb || (ar && !member))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "yara: bad arguments");
  st = art_yara_scanner_set_artifact(ctx, top, &a);
  if (st != ART_OK)
    return st;
  if (!src)
    st = art_source_open(ctx, path, kind, &src);
  if (st == ART_OK)
    st = art_yara_scan_source(ctx, top, src, &res);
  if (res)
    art__yara_result_set_image(res, src);
  if (!res) {
    /* Not scanned at all: an error record, so it is never taken for a
     * clean artifact. */
    if (src != given)
      art_source_free(src);
    if (art_yara_result_error(NULL, top, st, reason(ctx, path), &res) != ART_OK)
      return art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory");
    cb(res, 1, userdata);
    return ART_OK;
  }
  rs = art_yara_result_status(res);
  if (ar && (rs == ART_OK || rs == ART_ERR_LIMIT || rs == ART_ERR_TIMEOUT)) {
    size_t len = 0;
    const void *bytes = art_yara_scanner_bytes(top, &len);
    if (art_archive_is_container(bytes, len)) {
      art_archive_ops ops = {.begin = m_begin, .end = m_end};
      memset(&w, 0, sizeof w);
      w.input = path;
      w.member = member;
      w.ar = ar;
      w.cb = cb;
      w.ud = userdata;
      art_yara_scanner_set_result_cb(member, on_member_result, &w);
      st = art_archive_walk_buffer(ctx, ar, bytes, len, path, &ops, &w);
      art_yara_scanner_set_result_cb(member, NULL, NULL);
      flush(&w, 1);
      free(w.q);
      if (st != ART_OK && st != ART_ERR_FORMAT)
        art_yara_result_set_error(res, st, reason(ctx, path));
    }
  }
  if (src != given)
    art_source_free(src);
  cb(res, 1, userdata);
  return ART_OK;
}
