/* Timeline source: a live directory tree read with statx.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Never follows symlinks (AT_SYMLINK_NOFOLLOW, directories opened with
 * O_NOFOLLOW relative to their parent) and opens directories with
 * O_NOATIME where allowed. The birth time is used only when statx reports
 * STATX_BTIME and it is not zero: an unknown birth time stays unknown.
 * Paths are relative to the tree's root; the root itself is not listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeline_private.h"

#define MAX_DEPTH 256

typedef struct tree {
  art_timeline *tl;
  art_ctx *ctx;
  const char *root;
  uint32_t src;
  art__tl_buf path;
  art_status st;
  int failed;
} tree;

static void set_ts(art__tl_time *t, const struct statx_timestamp *ts)
{
  if (!TL_SEC_OK(ts->tv_sec))
    return;
  t->sec = ts->tv_sec;
  t->nsec = ts->tv_nsec;
  t->set = 1;
}

static int open_dir_at(int dfd, const char *name)
{
  int fl = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = openat(dfd, name, fl | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = openat(dfd, name, fl);
  return fd;
}

static void walk_dir(tree *w, int dfd, int depth);

static void entry(tree *w, int dfd, const char *name, int depth)
{
  struct statx sx;
  if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
            STATX_BASIC_STATS | STATX_BTIME, &sx)) {
    art__tl_problem(w->tl, art__status_from_errno(errno), "%s/%s: %s", w->root,
                    w->path.p, art__strerror_c(errno));
    w->failed++;
    return;
  }
  art__tl_entry e;
  memset(&e, 0, sizeof e);
  e.src = w->src;
  e.path = w->path.p;
  e.path_len = w->path.len;
  char mode[24], link[4096];
  art__tl_mode_str(mode, sizeof mode, sx.stx_mode);
  e.mode = mode;
  snprintf(e.inode, sizeof e.inode, "%" PRIu64, (uint64_t)sx.stx_ino);
  e.meta_addr = sx.stx_ino;
  e.uid = sx.stx_uid;
  e.gid = sx.stx_gid;
  e.size = sx.stx_size;
  if (S_ISLNK(sx.stx_mode)) {
    ssize_t n = readlinkat(dfd, name, link, sizeof link - 1);
    if (n >= 0) {
      link[n] = '\0';
      e.link = link;
    }
  }
  if (sx.stx_mask & STATX_MTIME)
    set_ts(&e.t[TL_M], &sx.stx_mtime);
  if (sx.stx_mask & STATX_ATIME)
    set_ts(&e.t[TL_A], &sx.stx_atime);
  if (sx.stx_mask & STATX_CTIME)
    set_ts(&e.t[TL_C], &sx.stx_ctime);
  if ((sx.stx_mask & STATX_BTIME) &&
      (sx.stx_btime.tv_sec || sx.stx_btime.tv_nsec))
    set_ts(&e.t[TL_B], &sx.stx_btime);
  art_status st = art__tl_entry_emit(w->ctx, w->tl, &e);
  if (st != ART_OK) {
    w->st = st;
    return;
  }
  if (S_ISDIR(sx.stx_mode)) {
    if (depth >= MAX_DEPTH) {
      art__tl_problem(w->tl, ART_ERR_LIMIT, "%s/%s: deeper than %d levels",
                      w->root, w->path.p, MAX_DEPTH);
      w->failed++;
      return;
    }
    int fd = open_dir_at(dfd, name);
    if (fd < 0) {
      art__tl_problem(w->tl, art__status_from_errno(errno), "%s/%s: %s",
                      w->root, w->path.p, art__strerror_c(errno));
      w->failed++;
      return;
    }
    walk_dir(w, fd, depth + 1); /* closes fd */
  }
}

static int name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(tree *w, int dfd, int depth)
{
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return;
  }
  /* sorted names: same tree, same output order */
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn)
        break;
      names = nn;
    }
    if (!(names[n] = strdup(de->d_name)))
      break;
    n++;
  }
  if (n > 1) /* NAMES is NULL for an empty folder: qsort(NULL) is UB */
    qsort(names, n, sizeof *names, name_cmp);
  size_t base = w->path.len;
  for (size_t i = 0; i < n; i++) {
    if (w->st == ART_OK) {
      w->path.len = base;
      if ((base && art__tl_buf_addc(&w->path, '/')) ||
          art__tl_buf_adds(&w->path, names[i]))
        w->st = art__set_error(w->ctx, ART_ERR_NOMEM, ENOMEM, "tree path");
      else
        entry(w, dirfd(d), names[i], depth);
    }
    free(names[i]);
  }
  w->path.len = base;
  if (w->path.p)
    w->path.p[base] = '\0';
  free(names);
  closedir(d);
}

art_status
art_timeline_add_tree(art_ctx *ctx, art_timeline *tl, const char *path)
{
  int fd = open_dir_at(AT_FDCWD, path);
  if (fd < 0)
    return art__set_errno(ctx, errno, "%s", path);
  int si = art__tl_source_add(ctx, tl, path, "statx", "", NULL, 0, 0);
  if (si < 0) {
    close(fd);
    return ART_ERR_NOMEM;
  }
  tree w;
  memset(&w, 0, sizeof w);
  w.tl = tl;
  w.ctx = ctx;
  w.root = path;
  w.src = (uint32_t)si;
  w.st = ART_OK;
  tl->cur_input = path;
  if (art__tl_buf_reserve(&w.path, 256) == 0)
    w.path.p[0] = '\0';
  walk_dir(&w, fd, 0);
  art__tl_buf_free(&w.path);
  tl->cur_input = NULL;
  if (w.st != ART_OK)
    return w.st;
  if (w.failed)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: %d entries could not be read", path, w.failed);
  return ART_OK;
}
