/* QEMU QCOW (version 1) and QCOW2 virtual disks through libqcow, with their
 * chain of backing files (named in the image header, found beside it).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <errno.h>
#include <fcntl.h>
#define LIBQCOW_HAVE_BFIO                                                      \
  1 /* its libbfio entry points, exported by the library */
#include <libqcow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARENTS 8

/* libqcow's error as one line (the last of its chain), freed. */
static void qcow_reason(libqcow_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libqcow_error_sprint(err, buf, len);
    libqcow_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libqcow error");
}

static void qcow_free_file(libqcow_file_t **f)
{
  if (*f) {
    libqcow_file_close(*f, NULL);
    libqcow_file_free(f, NULL);
  }
}

static art_status qcow_pread(art_ctx *ctx,
                             art__media *m,
                             void *buf,
                             size_t len,
                             uint64_t offset,
                             size_t *got)
{
  libqcow_error_t *err = NULL;
  char reason[512];
  ssize_t n =
      libqcow_file_read_buffer_at_offset(m->h, buf, len, (off64_t)offset, &err);
  if (n < 0) {
    qcow_reason(err, reason, sizeof reason);
    return art__media_read_error(ctx, m, offset, reason);
  }
  *got = (size_t)n;
  return ART_OK;
}

static void qcow_close(art__media *m)
{
  libqcow_file_t *f = m->h;
  qcow_free_file(&f);
  m->h = NULL;
  for (int i = 0; i < MAX_PARENTS; i++) {
    f = m->extra[i];
    qcow_free_file(&f);
    m->extra[i] = NULL;
  }
}

static const art__media_ops qcow_ops = {qcow_pread, qcow_close};

static uint64_t be64(const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

/* The backing file the header at PATH names (offset 8: its offset, 16: its
 * length), looked for beside PATH; NULL when none. *BAD is set when the
 * header names one that cannot be read. */
static char *backing_name(const char *path, int *bad)
{
  unsigned char h[20];
  char *full = NULL;
  *bad = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  if (pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h) {
    uint64_t off = be64(h + 8);
    uint32_t len = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 |
                   (uint32_t)h[18] << 8 | h[19];
    if (off && len) {
      char *name = len <= 4096 ? calloc(1, (size_t)len + 1) : NULL;
      if (name && pread(fd, name, len, (off_t)off) == (ssize_t)len &&
          !memchr(name, '\0', len))
        full = art__media_sibling(path, name);
      else
        *bad = 1;
      free(name);
    }
  }
  close(fd);
  return full;
}

static art_status open_one(art_ctx *ctx,
                           art__media *m,
                           const char *path,
                           const char *named,
                           libqcow_file_t **out)
{
  libqcow_error_t *err = NULL;
  char reason[512];
  libqcow_file_t *f = NULL;
  *out = NULL;
  if (libqcow_file_initialize(&f, &err) != 1) {
    qcow_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", named, reason);
  }
  libbfio_handle_t *io = NULL;
  art_status st = art__media_open_raw(ctx, m, path, &io);
  if (st != ART_OK) {
    libqcow_file_free(&f, NULL);
    return st;
  }
  if (libqcow_file_open_file_io_handle(f, io, LIBQCOW_OPEN_READ, &err) != 1) {
    qcow_reason(err, reason, sizeof reason);
    libqcow_file_free(&f, NULL);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format QCOW2: cannot open %s: %s", named,
                          path, reason);
  }
  uint32_t enc = 0;
  if (libqcow_file_get_encryption_method(f, &enc, NULL) == 1 &&
      enc != LIBQCOW_ENCRYPTION_METHOD_NONE) {
    qcow_free_file(&f);
    return art__set_error(
        ctx, ART_ERR_UNSUPPORTED, 0,
        "%s: image format QCOW2: %s is encrypted (%s); no key was given", named,
        path, enc == LIBQCOW_ENCRYPTION_METHOD_LUKS ? "LUKS" : "AES-128-CBC");
  }
  *out = f;
  return ART_OK;
}

art_status art__qcow_open(art_ctx *ctx, const char *path, art__media *m)
{
  libqcow_file_t *f = NULL;
  libqcow_error_t *err = NULL;
  char reason[512];
  art_status st = open_one(ctx, m, path, path, &f);
  if (st != ART_OK)
    return st;
  m->ops = &qcow_ops;
  m->h = f;
  uint32_t version = 0;
  libqcow_file_get_format_version(f, &version, NULL);
  m->format = version == 1 ? "QCOW" : "QCOW2";
  if ((st = art__media_add_file(ctx, m, path)) != ART_OK)
    return st;
  libqcow_file_t *child = f;
  char *cur = art__strdup(ctx, path);
  for (int depth = 0; cur; depth++) {
    int bad = 0;
    char *pname = backing_name(cur, &bad);
    if (!pname) {
      if (bad) {
        free(cur);
        return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                              "%s: image format %s: unreadable backing file "
                              "name",
                              path, m->format);
      }
      break;
    }
    if (depth >= MAX_PARENTS) {
      free(pname);
      free(cur);
      return art__set_error(ctx, ART_ERR_LIMIT, 0,
                            "%s: image format %s: more than %d backing files",
                            path, m->format, MAX_PARENTS);
    }
    unsigned char sig[4] = {0};
    int pfd = open(pname, O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (pfd < 0 && errno == EPERM)
      pfd = open(pname, O_RDONLY | O_CLOEXEC);
    if (pfd >= 0) {
      if (pread(pfd, sig, sizeof sig, 0) != (ssize_t)sizeof sig)
        memset(sig, 0, sizeof sig);
      close(pfd);
    }
    if (pfd >= 0 && memcmp(sig, "QFI\xfb", 4) != 0) {
      st = art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: image format %s: backing file %s is not a "
                          "QCOW image (raw backing files are not read)",
                          path, m->format, pname);
      free(pname);
      free(cur);
      return st;
    }
    libqcow_file_t *pf = NULL;
    st = open_one(ctx, m, pname, path, &pf);
    if (st != ART_OK) {
      char prev[512];
      snprintf(prev, sizeof prev, "%s", art_ctx_errmsg(ctx));
      art__set_error(ctx, st, 0,
                     "%s: image format %s: backing file %s not found or not "
                     "readable: %s",
                     path, m->format, pname, prev);
      free(pname);
      free(cur);
      return st;
    }
    m->extra[depth] = pf;
    art__media_add_file(ctx, m, pname);
    if (libqcow_file_set_parent_file(child, pf, &err) != 1) {
      qcow_reason(err, reason, sizeof reason);
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format %s: backing file %s does not "
                          "fit: %s",
                          path, m->format, pname, reason);
      free(pname);
      free(cur);
      return st;
    }
    free(cur);
    cur = pname;
    child = pf;
  }
  free(cur);
  size64_t size = 0;
  if (libqcow_file_get_media_size(f, &size, &err) != 1) {
    qcow_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format %s: no media size: %s", path,
                          m->format, reason);
  }
  m->size = size;
  return ART_OK;
}
