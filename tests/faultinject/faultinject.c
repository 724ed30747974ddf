/* Fault-injection shim (LD_PRELOAD): reads of one chosen file fail with EIO
 * (or another errno) from a chosen byte offset on, as a disk with a bad
 * sector does. The bytes before the offset are returned (a short read up to
 * it), every read that starts at or past it fails.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Environment:
 *   ART_FI_PATH    the file (matched by device and inode, whatever name or
 *                  descriptor it is read through)
 *   ART_FI_OFFSET  first unreadable byte (default 0)
 *   ART_FI_LENGTH  unreadable bytes from there (default: to the end)
 *   ART_FI_RANGES  instead of OFFSET/LENGTH: several unreadable ranges,
 *                  "OFF:LEN,OFF:LEN,..." (at most 16, in any order)
 *   ART_FI_ERRNO   errno to fail with (default EIO)
 *   ART_FI_TRUNCATE  with ART_FI_PATH: instead of failing, the file is cut
 *                  to ART_FI_OFFSET bytes when a read first reaches that
 *                  offset (a file that shrinks while it is read)
 *   ART_FI_SWAP    a path: just before the process first opens it, it is
 *                  removed and, with ART_FI_SWAP_TO set, replaced by a
 *                  symbolic link to that path (an input that changes
 *                  between the listing of its folder and its reading)
 */
/* Both pread and pread64 are defined here: no renaming of one to the
 * other (the build sets _FILE_OFFSET_BITS=64; off_t is 64 bits on 64-bit
 * systems either way). */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static dev_t fi_dev;
static ino_t fi_ino;
static int fi_on;
static uint64_t fi_off, fi_len = UINT64_MAX;
#define FI_MAX_RANGES 16
static uint64_t fi_r_off[FI_MAX_RANGES], fi_r_end[FI_MAX_RANGES];
static int fi_nr;
static int fi_errno = EIO;
static int fi_truncate;
static const char *fi_path;

static const char *fi_swap, *fi_swap_to;
static int fi_swapped;
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_preadv)(int, const struct iovec *, int, off_t);
static ssize_t (*real_preadv64)(int, const struct iovec *, int, off_t);

__attribute__((constructor)) static void fi_init(void)
{
  const char *p = getenv("ART_FI_PATH"), *v;
  struct stat st;
  real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
  real_pread =
      (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
  real_pread64 =
      (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
  real_readv =
      (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "readv");
  real_preadv = (ssize_t(*)(int, const struct iovec *, int, off_t))dlsym(
      RTLD_NEXT, "preadv");
  real_preadv64 = (ssize_t(*)(int, const struct iovec *, int, off_t))dlsym(
      RTLD_NEXT, "preadv64");
  real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
  real_open64 = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
  real_openat =
      (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
  fi_swap = getenv("ART_FI_SWAP");
  fi_swap_to = getenv("ART_FI_SWAP_TO");
  if (!p || stat(p, &st) != 0)
    return;
  fi_dev = st.st_dev;
  fi_ino = st.st_ino;
  if ((v = getenv("ART_FI_OFFSET")))
    fi_off = strtoull(v, NULL, 0);
  if ((v = getenv("ART_FI_LENGTH")))
    fi_len = strtoull(v, NULL, 0);
  fi_r_off[0] = fi_off;
  fi_r_end[0] = fi_len == UINT64_MAX || fi_off + fi_len < fi_off
                    ? UINT64_MAX
                    : fi_off + fi_len;
  fi_nr = 1;
  if ((v = getenv("ART_FI_RANGES"))) {
    char *end;
    fi_nr = 0;
    while (*v && fi_nr < FI_MAX_RANGES) {
      uint64_t o = strtoull(v, &end, 0), l;
      if (*end != ':')
        break;
      l = strtoull(end + 1, &end, 0);
      fi_r_off[fi_nr] = o;
      fi_r_end[fi_nr++] = o + l < o ? UINT64_MAX : o + l;
      if (*end != ',')
        break;
      v = end + 1;
    }
  }
  if ((v = getenv("ART_FI_ERRNO")))
    fi_errno = atoi(v);
  fi_truncate = getenv("ART_FI_TRUNCATE") != NULL;
  fi_path = p;
  fi_on = 1;
}

static int is_target(int fd)
{
  struct stat st;
  return fi_on && fstat(fd, &st) == 0 && st.st_dev == fi_dev &&
         st.st_ino == fi_ino;
}

/* How many of LEN bytes at OFF may be read: all, some (up to the bad
 * range), or none (-1: fail). */
static ssize_t allowed(uint64_t off, size_t len)
{
  if (fi_truncate) {
    if (off + len > fi_off && fi_path) {
      truncate(fi_path, (off_t)fi_off);
      fi_path = NULL; /* once */
    }
    return (ssize_t)len;
  }
  /* the bytes up to the first bad range met: a short read, or none */
  uint64_t ok = len;
  for (int i = 0; i < fi_nr; i++) {
    if (off >= fi_r_end[i] || off + len <= fi_r_off[i])
      continue;
    if (off >= fi_r_off[i])
      return -1;
    if (fi_r_off[i] - off < ok)
      ok = fi_r_off[i] - off;
  }
  return (ssize_t)ok;
}

ssize_t read(int fd, void *buf, size_t len)
{
  if (is_target(fd)) {
    off_t cur = lseek(fd, 0, SEEK_CUR);
    if (cur >= 0) {
      ssize_t ok = allowed((uint64_t)cur, len);
      if (ok < 0) {
        errno = fi_errno;
        return -1;
      }
      len = (size_t)ok;
    }
  }
  return real_read(fd, buf, len);
}

static ssize_t fi_pread(ssize_t (*real)(int, void *, size_t, off_t),
                        int fd,
                        void *buf,
                        size_t len,
                        off_t off)
{
  if (is_target(fd)) {
    ssize_t ok = allowed((uint64_t)off, len);
    if (ok < 0) {
      errno = fi_errno;
      return -1;
    }
    len = (size_t)ok;
  }
  return real(fd, buf, len, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
  return fi_pread(real_pread, fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
  return fi_pread(real_pread64, fd, buf, len, off);
}

/* Vector reads of the target are cut to their first buffer, which the
 * scalar rule then governs. */
ssize_t readv(int fd, const struct iovec *iov, int n)
{
  if (is_target(fd) && n > 0)
    return read(fd, iov[0].iov_base, iov[0].iov_len);
  return real_readv(fd, iov, n);
}

ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
  if (is_target(fd) && n > 0)
    return pread(fd, iov[0].iov_base, iov[0].iov_len, off);
  return real_preadv(fd, iov, n, off);
}

ssize_t preadv64(int fd, const struct iovec *iov, int n, off_t off)
{
  if (is_target(fd) && n > 0)
    return pread64(fd, iov[0].iov_base, iov[0].iov_len, off);
  return real_preadv64(fd, iov, n, off);
}

static void maybe_swap(const char *path)
{
  if (!fi_swap || fi_swapped || !path || strcmp(path, fi_swap) != 0)
    return;
  fi_swapped = 1;
  unlink(path);
  if (fi_swap_to && *fi_swap_to)
    symlink(fi_swap_to, path);
}

static mode_t mode_arg(int flags, va_list ap)
{
  return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
  va_list ap;
  va_start(ap, flags);
  mode_t m = mode_arg(flags, ap);
  va_end(ap);
  maybe_swap(path);
  return real_open(path, flags, m);
}

int open64(const char *path, int flags, ...)
{
  va_list ap;
  va_start(ap, flags);
  mode_t m = mode_arg(flags, ap);
  va_end(ap);
  maybe_swap(path);
  return real_open64(path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...)
{
  va_list ap;
  va_start(ap, flags);
  mode_t m = mode_arg(flags, ap);
  va_end(ap);
  maybe_swap(path);
  return real_openat(dirfd, path, flags, m);
}
