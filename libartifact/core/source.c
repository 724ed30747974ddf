/* Byte sources: files, block devices, standard input and split raw images,
 * opened read-only; E01 images are delegated to source_ewf.c.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 100000u

typedef struct segment {
  int fd;
  uint64_t start, size;
  char *path;
} segment;

struct art_source {
  char *path;
  art_source_info info;
  segment *segs; /* FILE/DEVICE/STDIN: one; SPLIT: several */
  unsigned n_segs;
  art__ewf *ewf;
  uint64_t pos; /* sequential position */
  int own_fd;   /* 0 for standard input */
};

const char *art_source_kind_name(art_source_kind kind)
{
  switch (kind) {
  case ART_SOURCE_FILE:
    return "file";
  case ART_SOURCE_DEVICE:
    return "device";
  case ART_SOURCE_STDIN:
    return "stdin";
  case ART_SOURCE_SPLIT:
    return "split";
  case ART_SOURCE_EWF:
    return "ewf";
  default:
    return "auto";
  }
}

/* Open read-only without updating the access time when we may. */
static int open_evidence(const char *path)
{
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  int fd = open(path, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) /* O_NOATIME needs ownership or CAP_FOWNER */
    fd = open(path, flags);
  return fd;
}

/* O_NONBLOCK only kept a FIFO from blocking in open(); reads of FIFOs and
 * character devices must block. Regular files and block devices ignore it. */
static void make_blocking(int fd, const struct stat *st)
{
  if (S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode)) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
      fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
}

static void fill_info(art_source_info *info, const struct stat *st)
{
  info->dev = (uint64_t)st->st_dev;
  info->ino = (uint64_t)st->st_ino;
  info->mode = (uint32_t)st->st_mode;
  info->nlink = (uint64_t)st->st_nlink;
  info->uid = (uint32_t)st->st_uid;
  info->gid = (uint32_t)st->st_gid;
  info->mtime_sec = (int64_t)st->st_mtim.tv_sec;
  info->mtime_nsec = st->st_mtim.tv_nsec;
  info->atime_sec = (int64_t)st->st_atim.tv_sec;
  info->atime_nsec = st->st_atim.tv_nsec;
  info->ctime_sec = (int64_t)st->st_ctim.tv_sec;
  info->ctime_nsec = st->st_ctim.tv_nsec;
}

/* PATH ends in ".001" (or ".000") and the next segment exists. */
static int looks_split(const char *path, char *next, size_t next_len)
{
  size_t n = strlen(path);
  struct stat st;
  if (n < 5 || path[n - 4] != '.' || path[n - 3] != '0' || path[n - 2] != '0' ||
      (path[n - 1] != '1' && path[n - 1] != '0'))
    return 0;
  if (n + 1 > next_len)
    return 0;
  memcpy(next, path, n + 1);
  next[n - 1] = (char)(path[n - 1] + 1);
  return stat(next, &st) == 0 && S_ISREG(st.st_mode);
}

static art_status add_segment(
    art_ctx *ctx, art_source *src, int fd, const char *path, uint64_t size)
{
  segment *segs = realloc(src->segs, (src->n_segs + 1) * sizeof *segs);
  if (!segs)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  src->segs = segs;
  segment *s = &segs[src->n_segs];
  s->fd = fd;
  s->start = src->info.size;
  s->size = size;
  s->path = art__strdup(ctx, path);
  if (!s->path)
    return ART_ERR_NOMEM;
  src->n_segs++;
  src->info.size += size;
  return ART_OK;
}

/* Open NAME.001, NAME.002, ... until the next number is missing. */
static art_status open_split(art_ctx *ctx,
                             art_source *src,
                             int first_fd,
                             const struct stat *first)
{
  size_t n = strlen(src->path);
  char *name = art__strdup(ctx, src->path);
  art_status st;
  if (!name) {
    close(first_fd);
    return ART_ERR_NOMEM;
  }
  st = add_segment(ctx, src, first_fd, name, (uint64_t)first->st_size);
  if (st != ART_OK) {
    close(first_fd);
    goto out;
  }
  for (unsigned k = (unsigned)(name[n - 1] - '0') + 1; k < MAX_SEGMENTS; k++) {
    struct stat sst;
    /* keep the digit count of the first name, growing past 999 */
    char suffix[16];
    int w = snprintf(suffix, sizeof suffix, "%03u", k);
    char *next = malloc(n + (size_t)w + 1);
    if (!next) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
      goto out;
    }
    memcpy(next, name, n - 3);
    memcpy(next + n - 3, suffix, (size_t)w + 1);
    int fd = open_evidence(next);
    if (fd < 0) {
      int e = errno;
      if (e != ENOENT)
        st = art__set_errno(ctx, e, "%s", next);
      free(next);
      break;
    }
    if (fstat(fd, &sst) != 0 || !S_ISREG(sst.st_mode)) {
      st =
          art__set_error(ctx, ART_ERR_FORMAT, 0,
                         "%s: split image segment is not a regular file", next);
      close(fd);
      free(next);
      break;
    }
    st = add_segment(ctx, src, fd, next, (uint64_t)sst.st_size);
    free(next);
    if (st != ART_OK) {
      close(fd);
      break;
    }
  }
out:
  free(name);
  src->info.segments = src->n_segs;
  return st;
}

static uint64_t block_device_size(int fd)
{
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) != 0)
    size = 0;
  return size;
}

static art_status open_fd_source(art_ctx *ctx,
                                 art_source *src,
                                 int fd,
                                 const struct stat *st,
                                 art_source_kind kind)
{
  src->info.kind = kind;
  src->info.size_known = S_ISREG(st->st_mode) || S_ISBLK(st->st_mode);
  src->info.segments = 1;
  uint64_t size = S_ISBLK(st->st_mode)   ? block_device_size(fd)
                  : S_ISREG(st->st_mode) ? (uint64_t)st->st_size
                                         : 0;
  art_status s = add_segment(ctx, src, fd, src->path, size);
  if (s != ART_OK && fd != STDIN_FILENO)
    close(fd);
  /* Read-ahead advice pays only for inputs larger than one read. */
  if (s == ART_OK && src->info.size_known && size > (1u << 20))
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return s;
}

static _Thread_local struct {
  const char *path;
  uint64_t dev, ino;
} expect;

void art__source_expect(const char *path, uint64_t dev, uint64_t ino)
{
  expect.path = path;
  expect.dev = dev;
  expect.ino = ino;
}

static art_status open_path(art_ctx *ctx, art_source *src, art_source_kind kind)
{
  const char *path = src->path;
  struct stat st;
  char next[4096];
  unsigned char sig[8];
  int fd = open_evidence(path);
  if (fd < 0)
    return art__set_errno(ctx, errno, "%s", path);
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return art__set_errno(ctx, e, "%s", path);
  }
  if (expect.path && strcmp(expect.path, path) == 0 &&
      ((uint64_t)st.st_dev != expect.dev ||
       (uint64_t)st.st_ino != expect.ino)) {
    close(fd);
    return art__set_error(ctx, ART_ERR_IO, 0,
                          "%s: replaced between the listing of its folder "
                          "and its opening: not read",
                          path);
  }
  fill_info(&src->info, &st);
  make_blocking(fd, &st);
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return art__set_error(ctx, ART_ERR_FORMAT, EISDIR, "%s: Is a directory",
                          path);
  }
  if (S_ISSOCK(st.st_mode)) {
    close(fd);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: is a socket", path);
  }
  if (kind == ART_SOURCE_AUTO) {
    kind = S_ISBLK(st.st_mode) ? ART_SOURCE_DEVICE : ART_SOURCE_FILE;
    if (S_ISREG(st.st_mode)) {
      ssize_t n = pread(fd, sig, sizeof sig, 0);
      if (n == (ssize_t)sizeof sig && art__ewf_signature(sig, sizeof sig))
        kind = ART_SOURCE_EWF;
      else if (looks_split(path, next, sizeof next))
        kind = ART_SOURCE_SPLIT;
    }
  }
  switch (kind) {
  case ART_SOURCE_EWF: {
    art_status s;
    close(fd);
    src->own_fd = 0;
    src->info.kind = ART_SOURCE_EWF;
    src->info.size_known = 1;
    s = art__ewf_open(ctx, path, &src->ewf, &src->info.size,
                      &src->info.segments);
    return s;
  }
  case ART_SOURCE_SPLIT:
    if (!S_ISREG(st.st_mode)) {
      close(fd);
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s: split image segment is not a regular file",
                            path);
    }
    src->info.kind = ART_SOURCE_SPLIT;
    src->info.size_known = 1;
    return open_split(ctx, src, fd, &st);
  default:
    return open_fd_source(ctx, src, fd, &st,
                          S_ISBLK(st.st_mode) ? ART_SOURCE_DEVICE
                                              : ART_SOURCE_FILE);
  }
}

art_status art_source_open(art_ctx *ctx,
                           const char *path,
                           art_source_kind kind,
                           art_source **out)
{
  art_status st;
  art_source *src;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = NULL;
  if (!path || !*path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "empty path");
  src = art__calloc(ctx, 1, sizeof *src);
  if (!src)
    return ART_ERR_NOMEM;
  src->own_fd = 1;
  src->path = art__strdup(ctx, path);
  if (!src->path) {
    free(src);
    return ART_ERR_NOMEM;
  }
  if (kind == ART_SOURCE_STDIN ||
      (kind == ART_SOURCE_AUTO && strcmp(path, "-") == 0)) {
    struct stat sst;
    src->own_fd = 0;
    if (fstat(STDIN_FILENO, &sst) != 0) {
      st = art__set_errno(ctx, errno, "%s", "standard input");
      goto out;
    }
    fill_info(&src->info, &sst);
    st = open_fd_source(ctx, src, STDIN_FILENO, &sst, ART_SOURCE_STDIN);
    /* A regular file redirected to stdin may not start at offset 0. */
    if (st == ART_OK && S_ISREG(sst.st_mode)) {
      off_t cur = lseek(STDIN_FILENO, 0, SEEK_CUR);
      if (cur > 0 && (uint64_t)cur <= src->info.size) {
        src->segs[0].size -= (uint64_t)cur;
        src->info.size -= (uint64_t)cur;
        src->pos = 0;
      }
    }
  } else {
    st = open_path(ctx, src, kind);
  }
out:
  if (st != ART_OK) {
    art_source_free(src);
    return st;
  }
  *out = src;
  return ART_OK;
}

void art_source_free(art_source *src)
{
  if (!src)
    return;
  for (unsigned i = 0; i < src->n_segs; i++) {
    if (src->own_fd && src->segs[i].fd >= 0)
      close(src->segs[i].fd);
    free(src->segs[i].path);
  }
  free(src->segs);
  art__ewf_close(src->ewf);
  free(src->path);
  free(src);
}

const art_source_info *art_source_get_info(const art_source *src)
{
  return &src->info;
}

const char *art_source_path(const art_source *src)
{
  return src->path;
}

/* read() that retries on EINTR and short reads until LEN or EOF. */
static art_status read_full(art_ctx *ctx,
                            int fd,
                            const char *path,
                            void *buf,
                            size_t len,
                            size_t *got,
                            int positional,
                            uint64_t off)
{
  size_t total = 0;
  while (total < len) {
    ssize_t n = positional ? pread(fd, (char *)buf + total, len - total,
                                   (off_t)(off + total))
                           : read(fd, (char *)buf + total, len - total);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      *got = total;
      return art__set_errno(ctx, errno, "%s: read at offset %llu", path,
                            (unsigned long long)(off + total));
    }
    if (n == 0)
      break;
    total += (size_t)n;
  }
  *got = total;
  return ART_OK;
}

art_status art_source_pread(art_ctx *ctx,
                            art_source *src,
                            void *buf,
                            size_t len,
                            uint64_t offset,
                            size_t *got)
{
  size_t total = 0;
  *got = 0;
  if (src->ewf)
    return art__ewf_pread(ctx, src->ewf, src->path, buf, len, offset, got);
  if (src->info.kind == ART_SOURCE_STDIN)
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "standard input: cannot read at an offset");
  for (unsigned i = 0; i < src->n_segs && total < len; i++) {
    segment *s = &src->segs[i];
    uint64_t at = offset + total;
    if (at < s->start || at >= s->start + s->size) {
      if (src->n_segs > 1)
        continue;
    }
    size_t want = len - total;
    if (src->n_segs > 1 && want > s->start + s->size - at)
      want = (size_t)(s->start + s->size - at);
    size_t n = 0;
    art_status st = read_full(ctx, s->fd, s->path, (char *)buf + total, want,
                              &n, 1, at - s->start);
    total += n;
    if (st != ART_OK) {
      *got = total;
      return st;
    }
    if (n < want)
      break;
  }
  *got = total;
  return ART_OK;
}

art_status art_source_read(
    art_ctx *ctx, art_source *src, void *buf, size_t len, size_t *got)
{
  art_status st;
  *got = 0;
  if (src->ewf || src->n_segs > 1) {
    st = art_source_pread(ctx, src, buf, len, src->pos, got);
  } else {
    /* Plain read() follows growing files and works on pipes. */
    st = read_full(ctx, src->segs[0].fd, src->path, buf, len, got, 0, src->pos);
  }
  src->pos += *got;
  return st;
}

art_status art_source_unchanged(art_ctx *ctx, art_source *src, int *changed)
{
  struct stat st;
  *changed = 0;
  if (src->info.kind == ART_SOURCE_STDIN || src->n_segs == 0)
    return ART_OK;
  for (unsigned i = 0; i < src->n_segs; i++) {
    if (fstat(src->segs[i].fd, &st) != 0)
      return art__set_errno(ctx, errno, "%s", src->segs[i].path);
    if (i == 0 && (st.st_mtim.tv_sec != src->info.mtime_sec ||
                   st.st_mtim.tv_nsec != src->info.mtime_nsec))
      *changed = 1;
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != src->segs[i].size)
      *changed = 1;
  }
  return ART_OK;
}

art_status art_source_stored_hash(const art_source *src,
                                  size_t index,
                                  const char **alg,
                                  const char **hex)
{
  const art__kv *kv = src->ewf ? art__ewf_hash(src->ewf, index) : NULL;
  if (!kv)
    return ART_ERR_NOT_FOUND;
  *alg = kv->key;
  *hex = kv->value;
  return ART_OK;
}

art_status art_source_header(const art_source *src,
                             size_t index,
                             const char **key,
                             const char **value)
{
  const art__kv *kv = src->ewf ? art__ewf_header(src->ewf, index) : NULL;
  if (!kv)
    return ART_ERR_NOT_FOUND;
  *key = kv->key;
  *value = kv->value;
  return ART_OK;
}

int art__source_fd(const art_source *src)
{
  if (!src || src->ewf || src->n_segs != 1)
    return -1;
  return src->segs[0].fd;
}

art_status art__source_open_fd(art_ctx *ctx,
                               int fd,
                               const char *path,
                               art_source_kind kind,
                               art_source **out)
{
  struct stat st;
  art_source *src;
  art_status s;
  *out = NULL;
  if (fstat(fd, &st) != 0) {
    s = art__set_errno(ctx, errno, "%s", path);
    close(fd);
    return s;
  }
  src = art__calloc(ctx, 1, sizeof *src);
  if (!src || !(src->path = art__strdup(ctx, path))) {
    free(src);
    close(fd);
    return ART_ERR_NOMEM;
  }
  src->own_fd = 1;
  fill_info(&src->info, &st);
  if (kind != ART_SOURCE_STDIN)
    kind = S_ISBLK(st.st_mode) ? ART_SOURCE_DEVICE : ART_SOURCE_FILE;
  s = open_fd_source(ctx, src, fd, &st, kind);
  if (s != ART_OK) {
    src->n_segs = 0; /* open_fd_source closed FD */
    art_source_free(src);
    return s;
  }
  if (kind == ART_SOURCE_STDIN && S_ISREG(st.st_mode)) {
    off_t cur = lseek(fd, 0, SEEK_CUR);
    if (cur > 0 && (uint64_t)cur <= src->info.size) {
      src->segs[0].size -= (uint64_t)cur;
      src->info.size -= (uint64_t)cur;
    }
  }
  *out = src;
  return ART_OK;
}
