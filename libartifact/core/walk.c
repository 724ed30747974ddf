/* The tree walker: deterministic, non-following by default, never opening
 * special files, reporting unreadable entries and going on.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "i18n.h"

#include <artifact/walk.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct art_walk {
  unsigned flags;
  unsigned max_depth;
};

/* Directories above the current one, for loop detection when following. */
typedef struct ancestor {
  uint64_t dev, ino;
  const struct ancestor *up;
} ancestor;

typedef struct walk_run {
  art_walk *walk;
  art_ctx *ctx;
  art_walk_cb cb;
  void *ud;
  uint64_t root_dev;
  int stopped;
} walk_run;

const char *art_entry_type_name(art_entry_type type)
{
  static const char *const names[] = {
      "file",   "directory",        "symlink",      "fifo",
      "socket", "character device", "block device", "unknown"};
  return (unsigned)type <= ART_ENTRY_UNKNOWN ? names[type] : "unknown";
}

static art_entry_type type_of(mode_t m)
{
  if (S_ISREG(m))
    return ART_ENTRY_FILE;
  if (S_ISDIR(m))
    return ART_ENTRY_DIR;
  if (S_ISLNK(m))
    return ART_ENTRY_SYMLINK;
  if (S_ISFIFO(m))
    return ART_ENTRY_FIFO;
  if (S_ISSOCK(m))
    return ART_ENTRY_SOCKET;
  if (S_ISCHR(m))
    return ART_ENTRY_CHAR_DEVICE;
  if (S_ISBLK(m))
    return ART_ENTRY_BLOCK_DEVICE;
  return ART_ENTRY_UNKNOWN;
}

art_status art_walk_new(art_ctx *ctx, unsigned flags, art_walk **out)
{
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = art__calloc(ctx, 1, sizeof **out);
  if (!*out)
    return ART_ERR_NOMEM;
  (*out)->flags = flags;
  return ART_OK;
}

void art_walk_free(art_walk *walk)
{
  free(walk);
}

void art_walk_set_max_depth(art_walk *walk, unsigned depth)
{
  walk->max_depth = depth;
}

static void fill_entry(art_walk_entry *e, const struct stat *st)
{
  e->type = type_of(st->st_mode);
  e->size = (uint64_t)st->st_size;
  e->dev = (uint64_t)st->st_dev;
  e->ino = (uint64_t)st->st_ino;
  e->nlink = (uint64_t)st->st_nlink;
  e->mode = (uint32_t)st->st_mode;
  e->mtime_sec = (int64_t)st->st_mtim.tv_sec;
  e->mtime_nsec = st->st_mtim.tv_nsec;
  e->uid = (uint32_t)st->st_uid;
  e->gid = (uint32_t)st->st_gid;
}

static art_walk_action report(walk_run *r, art_walk_entry *e)
{
  art_walk_action a = r->cb(e, r->ud);
  if (a == ART_WALK_STOP)
    r->stopped = 1;
  return a;
}

/* A loop met while following links is not a failure: nothing below it is
 * left unscanned (every directory in it is walked once, from above). The
 * entry is reported once, as a symlink that is not followed, with status
 * ART_OK and a note in ERRMSG ("PATH: symbolic link loop, skipped"), so
 * that tools can say so on stderr and still exit 0. */
/* "PATH: REASON" into a new string (NULL when out of memory). */
static char *path_reason(const char *path, const char *reason)
{
  size_t n = strlen(path) + strlen(reason) + 3;
  char *msg = malloc(n);
  if (msg)
    snprintf(msg, n, "%s: %s", path, reason);
  return msg;
}

/* Report E with ERRMSG "PATH: WHY" in the C locale (records) and ERRMSG_L
 * "PATH: WHY_L" translated (for a person). */
static art_walk_action
report_why(walk_run *r, art_walk_entry *e, const char *why, const char *why_l)
{
  char *msg = path_reason(e->path, why);
  char *msg_l = path_reason(e->path, why_l);
  art_walk_action a;
  e->errmsg = msg ? msg : why;
  e->errmsg_l = msg_l ? msg_l : e->errmsg;
  a = report(r, e);
  free(msg);
  free(msg_l);
  e->errmsg = "";
  e->errmsg_l = "";
  return a;
}

/* A loop met while following links is not a failure: nothing below it is
 * left unscanned (every directory in it is walked once, from above). The
 * entry is reported once, as a symlink that is not followed, with status
 * ART_OK and a note in ERRMSG ("PATH: symbolic link loop, skipped"), so
 * that tools can say so on stderr and still exit 0. WHY is marked N_(). */
static art_walk_action report_skip(walk_run *r,
                                   art_walk_entry *e,
                                   const struct stat *lst,
                                   const char *why)
{
  fill_entry(e, lst);
  if (S_ISLNK(lst->st_mode))
    e->type = ART_ENTRY_SYMLINK;
  e->status = ART_OK;
  return report_why(r, e, why, _(why));
}

static art_walk_action
report_error(walk_run *r, art_walk_entry *e, int err, const char *what)
{
  char reason[256];
  const char *text = what ? what : art__strerror_c(err);
  const char *text_l = what ? _(what) : strerror_r(err, reason, sizeof reason);
  e->status = err ? art__status_from_errno(err) : ART_ERR_IO;
  return report_why(r, e, text, text_l);
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read every name in directory PATH, sorted. */
static int list_dir(const char *path, char ***names_out, size_t *n_out)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return e;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int err = 0;
  errno = 0;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' &&
        (de->d_name[1] == '\0' ||
         (de->d_name[1] == '.' && de->d_name[2] == '\0')))
      continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 32;
      char **nn = realloc(names, ncap * sizeof *nn);
      if (!nn) {
        err = ENOMEM;
        break;
      }
      names = nn;
      cap = ncap;
    }
    names[n] = strdup(de->d_name);
    if (!names[n]) {
      err = ENOMEM;
      break;
    }
    n++;
    errno = 0;
  }
  if (!err && errno)
    err = errno;
  closedir(d);
  if (err) {
    for (size_t i = 0; i < n; i++)
      free(names[i]);
    free(names);
    return err;
  }
  /* qsort with a NULL base is undefined even for 0 elements (an empty
   * directory leaves NAMES NULL). */
  if (n > 1)
    qsort(names, n, sizeof *names, cmp_names);
  *names_out = names;
  *n_out = n;
  return 0;
}

static char *join(const char *dir, const char *name)
{
  size_t a = strlen(dir), b = strlen(name);
  int slash = a > 0 && dir[a - 1] != '/';
  char *p = malloc(a + (size_t)slash + b + 1);
  if (!p)
    return NULL;
  memcpy(p, dir, a);
  if (slash)
    p[a] = '/';
  memcpy(p + a + (size_t)slash, name, b + 1);
  return p;
}

static void
walk_dir(walk_run *r, const char *path, unsigned depth, const ancestor *up);

/* Visit one entry below a directory. */
static void visit(walk_run *r,
                  const char *path,
                  const char *name,
                  unsigned depth,
                  const ancestor *up)
{
  art_walk_entry e = {
      .path = path, .name = name, .depth = depth, .errmsg = "", .errmsg_l = ""};
  struct stat st;
  if (lstat(path, &st) != 0) {
    report_error(r, &e, errno, NULL);
    return;
  }
  fill_entry(&e, &st);
  if (S_ISLNK(st.st_mode) && (r->walk->flags & ART_WALK_FOLLOW)) {
    struct stat tst;
    if (stat(path, &tst) == 0) {
      fill_entry(&e, &tst);
    } else if (errno == ELOOP) {
      report_skip(r, &e, &st, N_("symbolic link loop, skipped"));
      return;
    } /* a dangling link stays a symlink */
  }
  if (e.type != ART_ENTRY_DIR) {
    report(r, &e);
    return;
  }
  for (const ancestor *a = up; a; a = a->up)
    if (a->dev == e.dev && a->ino == e.ino) {
      report_skip(r, &e, &st,
                  S_ISLNK(st.st_mode)
                      ? N_("symbolic link loop (its target is a folder "
                           "above), skipped")
                      : N_("directory loop (already visited above), skipped"));
      return;
    }
  if ((r->walk->flags & ART_WALK_ONE_FS) && e.dev != r->root_dev)
    return;
  if (r->walk->flags & ART_WALK_REPORT_DIRS) {
    art_walk_action a = report(r, &e);
    if (a != ART_WALK_CONTINUE)
      return;
  }
  ancestor me = {e.dev, e.ino, up};
  walk_dir(r, path, depth, &me);
}

static void
walk_dir(walk_run *r, const char *path, unsigned depth, const ancestor *up)
{
  char **names = NULL;
  size_t n = 0;
  if (r->walk->max_depth && depth >= r->walk->max_depth)
    return;
  int err = list_dir(path, &names, &n);
  if (err) {
    art_walk_entry e = {.path = path,
                        .type = ART_ENTRY_DIR,
                        .depth = depth,
                        .errmsg = "",
                        .errmsg_l = ""};
    const char *slash = strrchr(path, '/');
    e.name = slash && slash[1] ? slash + 1 : path;
    report_error(r, &e, err, NULL);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (!r->stopped) {
      char *child = join(path, names[i]);
      if (child) {
        visit(r, child, names[i], depth + 1, up);
        free(child);
      } else {
        art_walk_entry e = {.path = names[i],
                            .name = names[i],
                            .depth = depth + 1,
                            .errmsg = "",
                            .errmsg_l = ""};
        report_error(r, &e, ENOMEM, NULL);
      }
    }
    free(names[i]);
  }
  free(names);
}

art_status art_walk_run(art_ctx *ctx,
                        art_walk *walk,
                        const char *root,
                        art_walk_cb cb,
                        void *userdata)
{
  walk_run r = {walk, ctx, cb, userdata, 0, 0};
  struct stat st;
  const char *slash = strrchr(root, '/');
  art_walk_entry e = {.path = root,
                      .name = slash && slash[1] ? slash + 1 : root,
                      .errmsg = "",
                      .errmsg_l = ""};
  /* The root is followed even when it is a symlink (find -H). */
  if (stat(root, &st) != 0) {
    int err = errno;
    if (lstat(root, &st) == 0 && S_ISLNK(st.st_mode) && err == ENOENT) {
      fill_entry(&e, &st);
      cb(&e, userdata); /* a dangling symlink named as root */
      return ART_OK;
    }
    report_error(&r, &e, err, NULL);
    return art__set_errno(ctx, err, "%s", root);
  }
  fill_entry(&e, &st);
  r.root_dev = e.dev;
  if (e.type != ART_ENTRY_DIR) {
    report(&r, &e);
    return ART_OK;
  }
  if (walk->flags & ART_WALK_REPORT_DIRS) {
    if (report(&r, &e) != ART_WALK_CONTINUE)
      return ART_OK;
  }
  ancestor me = {e.dev, e.ino, NULL};
  walk_dir(&r, root, 0, &me);
  return ART_OK;
}
