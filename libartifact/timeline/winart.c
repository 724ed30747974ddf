/* Timeline source: Windows artifacts, given as files or found by path in
 * the NTFS file systems of an image.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each art_win_event becomes one entry carrying the artifact fields (data
 * type, timestamp_desc, source/sourcetype, message, attributes). In body
 * and mactime output the entry is one line named
 * "FILE [SOURCETYPE: TIMESTAMP_DESC] MESSAGE" with the time in the column
 * of its MACB letter (plaso's mapping; none: the mtime column).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <artifact/windows.h>
#include <tsk/libtsk.h>

#include "timeline_private.h"

typedef struct art_cb {
  art_timeline *tl;
  art_ctx *ctx;
  uint32_t src;
  const char *file; /* display path of the artifact */
  uint64_t meta_addr;
  art__tl_buf name, attrs;
  uint64_t events;
} art_cb;

static art_status on_event(void *user, const art_win_event *ev)
{
  art_cb *c = user;
  c->name.len = 0;
  c->attrs.len = 0;
  if (art__tl_buf_adds(&c->name, c->file) ||
      art__tl_buf_addf(&c->name, " [%s: %s] ", ev->sourcetype,
                       ev->timestamp_desc) ||
      art__tl_buf_adds(&c->name, ev->message))
    return art__set_error(c->ctx, ART_ERR_NOMEM, ENOMEM, "artifact event");
  for (size_t i = 0; i < ev->nattrs; i++)
    if (art__tl_buf_add(&c->attrs, ev->attrs[i].key,
                        strlen(ev->attrs[i].key) + 1) ||
        art__tl_buf_add(&c->attrs, ev->attrs[i].value,
                        strlen(ev->attrs[i].value) + 1))
      return art__set_error(c->ctx, ART_ERR_NOMEM, ENOMEM, "artifact event");
  art__tl_art a = {ev->data_type,
                   ev->timestamp_desc,
                   ev->source,
                   ev->sourcetype,
                   ev->message,
                   c->file,
                   c->attrs.p ? c->attrs.p : "",
                   c->attrs.len};
  art__tl_entry e;
  memset(&e, 0, sizeof e);
  e.src = c->src;
  e.path = c->name.p;
  e.path_len = c->name.len;
  e.verbatim = 1;
  e.art = &a;
  e.meta_addr = c->meta_addr;
  if (c->meta_addr)
    snprintf(e.inode, sizeof e.inode, "%" PRIu64, c->meta_addr);
  else
    snprintf(e.inode, sizeof e.inode, "0");
  e.mode = "-/----------";
  snprintf(e.md5, sizeof e.md5, "0");
  int slot = art__tl_desc_slot(ev->timestamp_desc);
  if (slot < 0)
    slot = TL_M;
  e.t[slot].sec = ev->sec;
  e.t[slot].nsec = ev->nsec;
  e.t[slot].set = 1;
  c->events++;
  return art__tl_entry_emit(c->ctx, c->tl, &e);
}

/* The artifact file SRC, named PATH (art_timeline_add_artifact, or a
 * sandbox worker's relay.c); SRC stays the caller's. */
art_status art__tl_add_artifact_source(art_ctx *ctx,
                                       art_timeline *tl,
                                       art_source *src,
                                       const char *path)
{
  int si = art__tl_source_add(ctx, tl, path, "artifact", "", NULL, 0, 0);
  if (si < 0)
    return ART_ERR_NOMEM;
  art_cb c;
  memset(&c, 0, sizeof c);
  c.tl = tl;
  c.ctx = ctx;
  c.src = (uint32_t)si;
  c.file = path;
  tl->cur_input = path;
  art_win_kind kind = ART_WIN_UNKNOWN;
  art_status st = art_win_parse_source(ctx, src, path, ART_WIN_UNKNOWN, &kind,
                                       on_event, &c);
  tl->cur_input = NULL;
  art__tl_buf_free(&c.name);
  art__tl_buf_free(&c.attrs);
  return st;
}

art_status
art_timeline_add_artifact(art_ctx *ctx, art_timeline *tl, const char *path)
{
  art_source *src = NULL;
  art_status st = art_source_open(ctx, path, ART_SOURCE_FILE, &src);
  if (st != ART_OK)
    return st;
  st = art__tl_add_artifact_source(ctx, tl, src, path);
  art_source_free(src);
  return st;
}

/* ----------------------------------------------- discovery inside NTFS */

typedef struct cand {
  char *path; /* "/Windows/..." */
  uint64_t inum;
  art_win_kind kind;
} cand;

struct art__tl_winscan {
  art_timeline *tl;
  cand *c;
  size_t n, cap;
  int oom;
};

art__tl_winscan *art__tl_winscan_new(art_timeline *tl)
{
  art__tl_winscan *ws = calloc(1, sizeof *ws);
  if (ws)
    ws->tl = tl;
  return ws;
}

void art__tl_winscan_free(art__tl_winscan *ws)
{
  if (!ws)
    return;
  for (size_t i = 0; i < ws->n; i++)
    free(ws->c[i].path);
  free(ws->c);
  free(ws);
}

static int has_ci(const char *s, const char *sub)
{
  return strcasestr(s, sub) != NULL;
}

static int ends_ci(const char *s, const char *suf)
{
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* The kind of artifact at PARENT/NAME (PARENT as the walk gives it: no
 * leading '/', ends in '/'), by the places Windows keeps them. */
static art_win_kind by_path(const char *parent, const char *name)
{
  if (strcasecmp(parent, "$Extend/") == 0 && strcasecmp(name, "$UsnJrnl") == 0)
    return ART_WIN_USNJRNL;
  if (ends_ci(name, ".evtx") && has_ci(parent, "winevt/Logs/"))
    return ART_WIN_EVTX;
  if (ends_ci(name, ".evt") && ends_ci(parent, "System32/config/"))
    return ART_WIN_EVT;
  if (ends_ci(parent, "System32/config/") &&
      (!strcasecmp(name, "SYSTEM") || !strcasecmp(name, "SOFTWARE") ||
       !strcasecmp(name, "SAM") || !strcasecmp(name, "SECURITY") ||
       !strcasecmp(name, "DEFAULT")))
    return ART_WIN_REGISTRY;
  if (!strcasecmp(name, "NTUSER.DAT") || !strcasecmp(name, "UsrClass.dat") ||
      !strcasecmp(name, "Amcache.hve"))
    return ART_WIN_REGISTRY;
  if (ends_ci(name, ".pf") && ends_ci(parent, "Prefetch/"))
    return ART_WIN_PREFETCH;
  if (ends_ci(name, ".lnk"))
    return ART_WIN_LNK;
  if (ends_ci(name, ".automaticDestinations-ms"))
    return ART_WIN_JUMPLIST_AUTO;
  if (ends_ci(name, ".customDestinations-ms"))
    return ART_WIN_JUMPLIST_CUSTOM;
  if (strncmp(name, "$I", 2) == 0 && has_ci(parent, "$Recycle.Bin/"))
    return ART_WIN_RECYCLE_I;
  if (!strcasecmp(name, "INFO2") &&
      (has_ci(parent, "RECYCLER/") || has_ci(parent, "RECYCLED/")))
    return ART_WIN_RECYCLE_INFO2;
  if (!strcmp(name, "History") && has_ci(parent, "User Data/"))
    return ART_WIN_CHROME_HISTORY;
  if (!strcasecmp(name, "places.sqlite"))
    return ART_WIN_FIREFOX_PLACES;
  return ART_WIN_UNKNOWN;
}

void art__tl_winscan_note(art__tl_winscan *ws,
                          const char *parent,
                          const TSK_FS_FILE *f)
{
  if (!ws || ws->oom || !f->name || !f->name->name)
    return;
  if (f->name->flags & TSK_FS_NAME_FLAG_UNALLOC)
    return; /* a deleted name's content may belong to another file now */
  if (f->name->type != TSK_FS_NAME_TYPE_REG)
    return;
  art_win_kind k = by_path(parent ? parent : "", f->name->name);
  if (k == ART_WIN_UNKNOWN)
    return;
  for (size_t i = 0; i < ws->n; i++) /* hard links / $FILE_NAME twins */
    if (ws->c[i].inum == f->name->meta_addr && ws->c[i].kind == k)
      return;
  if (ws->n == ws->cap) {
    size_t cap = ws->cap ? ws->cap * 2 : 64;
    cand *c = realloc(ws->c, cap * sizeof *c);
    if (!c) {
      ws->oom = 1;
      return;
    }
    ws->c = c;
    ws->cap = cap;
  }
  size_t pl = strlen(parent ? parent : ""), nl = strlen(f->name->name);
  char *p = malloc(pl + nl + 2 + (k == ART_WIN_USNJRNL ? 3 : 0));
  if (!p) {
    ws->oom = 1;
    return;
  }
  p[0] = '/';
  memcpy(p + 1, parent ? parent : "", pl);
  memcpy(p + 1 + pl, f->name->name, nl + 1);
  if (k == ART_WIN_USNJRNL)
    memcpy(p + 1 + pl + nl, ":$J", 4);
  ws->c[ws->n].path = p;
  ws->c[ws->n].inum = f->name->meta_addr;
  ws->c[ws->n++].kind = k;
}

/* Reading an artifact's stream through libtsk. */
typedef struct tsk_in {
  const TSK_FS_ATTR *attr;
  art_ctx *ctx;
  const char *name;
} tsk_in;

static art_status
tsk_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  tsk_in *t = user;
  *got = 0;
  if (off >= (uint64_t)t->attr->size)
    return ART_OK;
  if (len > (uint64_t)t->attr->size - off)
    len = (size_t)((uint64_t)t->attr->size - off);
  ssize_t r = tsk_fs_attr_read(t->attr, (TSK_OFF_T)off, buf, len,
                               TSK_FS_FILE_READ_FLAG_NONE);
  if (r < 0) {
    const char *m = tsk_error_get();
    art_status st =
        art__set_error(t->ctx, ART_ERR_IO, 0, "%s: read at %" PRIu64 ": %s",
                       t->name, off, m && *m ? m : "libtsk read error");
    tsk_error_reset();
    return st;
  }
  *got = (size_t)r;
  return ART_OK;
}

art_status art__tl_winscan_run(art_ctx *ctx,
                               art__tl_winscan *ws,
                               TSK_FS_INFO *fs,
                               uint32_t src,
                               const char *evidence)
{
  art_timeline *tl = ws->tl;
  if (ws->oom)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "artifact list");
  art_cb c;
  memset(&c, 0, sizeof c);
  c.tl = tl;
  c.ctx = ctx;
  c.src = src;
  art_status fatal = ART_OK;
  for (size_t i = 0; i < ws->n && fatal == ART_OK; i++) {
    cand *k = &ws->c[i];
    tsk_error_reset();
    TSK_FS_FILE *f = tsk_fs_file_open_meta(fs, NULL, (TSK_INUM_T)k->inum);
    if (!f) {
      art__tl_problem(tl, ART_ERR_IO, "%s: %s: cannot open: %s", evidence,
                      k->path, tsk_error_get() ? tsk_error_get() : "?");
      tsk_error_reset();
      continue;
    }
    const TSK_FS_ATTR *a = NULL;
    if (k->kind == ART_WIN_USNJRNL) {
      int na = tsk_fs_file_attr_getsize(f);
      for (int j = 0; j < na; j++) {
        const TSK_FS_ATTR *x = tsk_fs_file_attr_get_idx(f, j);
        if (x && x->type == TSK_FS_ATTR_TYPE_NTFS_DATA && x->name &&
            strcmp(x->name, "$J") == 0)
          a = x;
      }
    } else {
      a = tsk_fs_file_attr_get(f);
    }
    if (!a) {
      tsk_error_reset();
      tsk_fs_file_close(f);
      if (k->kind != ART_WIN_USNJRNL) /* $UsnJrnl without $J: journal off */
        art__tl_problem(tl, ART_ERR_CORRUPT, "%s: %s: no data stream", evidence,
                        k->path);
      continue;
    }
    tsk_in t = {a, ctx, k->path};
    art_win_input in = {k->path, (uint64_t)a->size, tsk_read, &t};
    c.file = k->path;
    c.meta_addr = k->inum;
    tl->cur_input = k->path;
    art_status st = ART_OK;
    int skip = 0;
    /* in a sandbox worker: the parent learns which artifact is parsed, so
     * that a crash names it and a new worker goes on after it */
    if (tl->relay)
      st = art__tl_relay_artifact(ctx, tl, src, i, &in, &skip);
    if (st == ART_OK && !skip)
      st = art_win_parse(ctx, k->kind, &in, on_event, &c);
    if (tl->relay && !skip) {
      art_status se = art__tl_relay_artifact_end(tl, src, i);
      if (st == ART_OK)
        st = se;
    }
    tsk_fs_file_close(f);
    tsk_error_reset();
    if (st == ART_ERR_NOMEM || (st == ART_ERR_IO && tl->write_err)) {
      fatal = st;
    } else if (st != ART_OK) {
      art__tl_problem(tl, st, "%s: %s", evidence, art_ctx_errmsg(ctx));
    }
  }
  art__tl_buf_free(&c.name);
  art__tl_buf_free(&c.attrs);
  return fatal;
}
