/* Byte sources: files, block devices, standard input and split raw images,
 * opened read-only; E01 images are delegated to source_ewf.c, virtual disks
 * to source_vmdk.c, source_vhdi.c and source_qcow.c. The decision what a
 * named path is (image or file) is taken here, for every tool.
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
  art__media media; /* virtual disks: ops set */
  uint64_t pos;     /* sequential position */
  int own_fd;       /* 0 for standard input */
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
  case ART_SOURCE_VMDK:
    return "vmdk";
  case ART_SOURCE_VHD:
    return "vhd";
  case ART_SOURCE_QCOW:
    return "qcow";
  case ART_SOURCE_NAMED:
    return "named";
  case ART_SOURCE_VSS:
    return "vss";
  case ART_SOURCE_BDE:
    return "bitlocker";
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

/* Segment number of an E01 segment file from its header (EWF v1: a 16-bit
 * number after the signature and one byte). */
static unsigned ewf_segment_number(const unsigned char *head, size_t n)
{
  if (n < 13 || !art__ewf_signature(head, n))
    return 0;
  return (unsigned)head[9] | (unsigned)head[10] << 8;
}

/* For NAME.EXY: NAME.E01 in the same case, malloc'd; NULL otherwise. */
static char *ewf_first_name(const char *path)
{
  size_t n = strlen(path);
  if (n < 5 || path[n - 4] != '.')
    return NULL;
  char *f = strdup(path);
  if (f) {
    f[n - 2] = '0';
    f[n - 1] = '1';
  }
  return f;
}

/* NAME.NNN (three or more digits, number > 1) whose NAME.001 (or .000)
 * exists: the segment number and the first segment's name. */
static unsigned split_later(const char *path, char **first)
{
  size_t n = strlen(path), d = 0;
  struct stat st;
  while (d < n && path[n - 1 - d] >= '0' && path[n - 1 - d] <= '9')
    d++;
  if (d < 3 || d > 6 || d == n || path[n - 1 - d] != '.')
    return 0;
  unsigned num = 0;
  for (size_t i = n - d; i < n; i++)
    num = num * 10 + (unsigned)(path[i] - '0');
  if (num < 2)
    return 0;
  char *f = malloc(n - d + 4);
  if (!f)
    return 0;
  memcpy(f, path, n - d);
  for (int start = 1; start >= 0; start--) {
    memcpy(f + n - d, start ? "001" : "000", 4);
    if (stat(f, &st) == 0 && S_ISREG(st.st_mode)) {
      *first = f;
      return start == 0 ? num + 1 : num;
    }
  }
  free(f);
  return 0;
}

/* Whether the name can be a segment's: NAME.E02 (a letter and two digits),
 * NAME.Ex02, NAME.EAB (upper-case letters, as EnCase counts past 99), or
 * NAME.NNN (three or more digits). Other names are not opened, so a long
 * list of named files costs no extra open. */
static int segment_like_name(const char *path)
{
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash))
    return 0;
  const char *x = dot + 1;
  size_t n = strlen(x);
#define D(c) ((c) >= '0' && (c) <= '9')
#define L(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define U(c) ((c) >= 'A' && (c) <= 'Z')
  size_t d = 0;
  while (d < n && D(x[d]))
    d++;
  if (d == n)
    return n >= 3;
  if (n == 3)
    return L(x[0]) && ((D(x[1]) && D(x[2])) || (U(x[0]) && U(x[1]) && U(x[2])));
  if (n == 4)
    return L(x[0]) && (x[1] == 'x' || x[1] == 'X') && D(x[2]) && D(x[3]);
  return 0;
#undef D
#undef L
#undef U
}

unsigned
art_source_segment_number(const char *path, int split_raw, char **first)
{
  unsigned char head[16];
  struct stat st;
  *first = NULL;
  if (!segment_like_name(path))
    return 0;
  int fd = open_evidence(path);
  if (fd < 0)
    return 0;
  ssize_t n = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    n = pread(fd, head, sizeof head, 0);
  close(fd);
  if (n < 0)
    return 0;
  unsigned num = ewf_segment_number(head, (size_t)n);
  if (num > 1) {
    *first = ewf_first_name(path);
    return num;
  }
  if (num == 1)
    return 1;
  if (!split_raw)
    return 0;
  char next[4096];
  if (looks_split(path, next, sizeof next))
    return 1;
  return split_later(path, first);
}

const char *art_source_file(const art_source *src, unsigned index)
{
  if (src->ewf)
    return art__ewf_segment(src->ewf, index);
  if (src->media.ops)
    return index < src->media.n_files ? src->media.files[index] : NULL;
  if (src->info.kind == ART_SOURCE_SPLIT)
    return index < src->n_segs ? src->segs[index].path : NULL;
  return NULL;
}

static art_status
open_media(art_ctx *ctx, art_source *src, art_source_kind kind)
{
  art_status s;
  src->media.path = src->path;
  switch (kind) {
  case ART_SOURCE_VMDK:
    s = art__vmdk_open(ctx, src->path, &src->media);
    break;
  case ART_SOURCE_VHD:
    s = art__vhdi_open(ctx, src->path, &src->media);
    break;
  default:
    s = art__qcow_open(ctx, src->path, &src->media);
    break;
  }
  if (s != ART_OK) {
    if (src->media.ops)
      src->media.ops->close(&src->media);
    art__media_close_raw(&src->media);
    art__media_free_files(&src->media);
    memset(&src->media, 0, sizeof src->media);
    return s;
  }
  src->info.kind = kind;
  src->info.size_known = 1;
  src->info.size = src->media.size;
  src->info.format = src->media.format;
  src->info.segments = src->media.n_files ? src->media.n_files : 1;
  src->own_fd = 0;
  return ART_OK;
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
  unsigned char head[512], tail[512];
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
  if (kind == ART_SOURCE_AUTO || kind == ART_SOURCE_NAMED) {
    int split_ok = kind == ART_SOURCE_AUTO;
    kind = S_ISBLK(st.st_mode) ? ART_SOURCE_DEVICE : ART_SOURCE_FILE;
    if (S_ISREG(st.st_mode)) {
      ssize_t n = pread(fd, head, sizeof head, 0);
      ssize_t tn = -1;
      /* a fixed VHD (or a DMG) ends in a 512-byte footer: its size is a
       * multiple of 512, so other files need no second read */
      if (st.st_size >= 1024 && st.st_size % 512 == 0)
        tn = pread(fd, tail, sizeof tail, (off_t)(st.st_size - 512));
      art_source_kind ik = ART_SOURCE_FILE;
      const char *fmt =
          n > 0
              ? art__image_format(head, (size_t)n,
                                  tn == (ssize_t)sizeof tail ? tail : NULL, &ik)
              : NULL;
      unsigned num = n > 0 ? ewf_segment_number(head, (size_t)n) : 0;
      char *first = NULL;
      if (num > 1) {
        src->info.later_segment = num; /* a later E01 segment: a file */
      } else if (fmt && ik != ART_SOURCE_FILE) {
        kind = ik;
      } else if (fmt) {
        src->info.format = fmt;
        src->info.format_unsupported = 1;
      } else if (split_ok && looks_split(path, next, sizeof next)) {
        kind = ART_SOURCE_SPLIT;
      } else if (split_ok && (num = split_later(path, &first)) > 1) {
        src->info.later_segment = num;
      }
      free(first);
    }
  }
  switch (kind) {
  case ART_SOURCE_EWF: {
    art_status s;
    close(fd);
    src->own_fd = 0;
    src->info.kind = ART_SOURCE_EWF;
    src->info.size_known = 1;
    src->info.format = "E01";
    s = art__ewf_open(ctx, path, &src->ewf, &src->info.size,
                      &src->info.segments);
    return s;
  }
  case ART_SOURCE_VMDK:
  case ART_SOURCE_VHD:
  case ART_SOURCE_QCOW:
    close(fd);
    return open_media(ctx, src, kind);
  case ART_SOURCE_SPLIT:
    if (!S_ISREG(st.st_mode)) {
      close(fd);
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s: split image segment is not a regular file",
                            path);
    }
    src->info.kind = ART_SOURCE_SPLIT;
    src->info.size_known = 1;
    src->info.format = "split";
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

art_status art__source_from_media(art_ctx *ctx,
                                  const char *name,
                                  art_source_kind kind,
                                  art__media *m,
                                  art_source **out)
{
  art_source *src = art__calloc(ctx, 1, sizeof *src);
  *out = NULL;
  if (src)
    src->path = art__strdup(ctx, name);
  if (!src || !src->path) {
    if (m->ops)
      m->ops->close(m);
    art__media_free_files(m);
    free(src);
    return ART_ERR_NOMEM;
  }
  src->media = *m;
  src->media.path = src->path;
  src->info.kind = kind;
  src->info.size_known = 1;
  src->info.size = m->size;
  src->info.format = m->format;
  src->info.segments = 1;
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
  if (src->media.ops)
    src->media.ops->close(&src->media);
  art__media_close_raw(&src->media);
  art__media_free_files(&src->media);
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
  if (src->media.ops) {
    if (offset >= src->media.size)
      return ART_OK;
    if (len > src->media.size - offset)
      len = (size_t)(src->media.size - offset);
    return src->media.ops->pread(ctx, &src->media, buf, len, offset, got);
  }
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
  if (src->ewf || src->media.ops || src->n_segs > 1) {
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

void art__libyal_last_line(char *buf, size_t len, const char *fallback)
{
  char *nl;
  while ((nl = strrchr(buf, '\n')) && nl[1] == '\0')
    *nl = '\0';
  if ((nl = strrchr(buf, '\n')))
    memmove(buf, nl + 1, strlen(nl + 1) + 1);
  if (!buf[0])
    snprintf(buf, len, "%s", fallback);
}
