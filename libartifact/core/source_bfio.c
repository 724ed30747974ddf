/* A libbfio handle over a range of an art_source, so that libyal volume
 * libraries (libvshadow, libbde) read evidence only through art_source:
 * read-only, O_NOATIME, and through whatever image layer is below.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <libbfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct range_io {
  art_ctx *ctx; /* its own: the range may outlive the caller's context */
  art_source *src;
  uint64_t start, size, pos;
  int open;
} range_io;

static int r_free(intptr_t **io, libbfio_error_t **err)
{
  (void)err;
  range_io *r = (range_io *)*io;
  if (r)
    art_ctx_free(r->ctx);
  free(r);
  *io = NULL;
  return 1;
}

static int r_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **err)
{
  (void)err;
  range_io *c = malloc(sizeof *c);
  if (!c)
    return -1;
  memcpy(c, src, sizeof *c);
  if (art_ctx_new(&c->ctx) != ART_OK) {
    free(c);
    return -1;
  }
  *dst = (intptr_t *)c;
  return 1;
}

static int r_open(intptr_t *io, int flags, libbfio_error_t **err)
{
  (void)err;
  range_io *r = (range_io *)io;
  if (flags & LIBBFIO_ACCESS_FLAG_WRITE)
    return -1; /* evidence is never written */
  r->open = 1;
  r->pos = 0;
  return 1;
}

static int r_close(intptr_t *io, libbfio_error_t **err)
{
  (void)err;
  ((range_io *)io)->open = 0;
  return 0;
}

static ssize_t
r_read(intptr_t *io, uint8_t *buf, size_t len, libbfio_error_t **err)
{
  (void)err;
  range_io *r = (range_io *)io;
  size_t done = 0;
  if (r->pos >= r->size)
    return 0;
  if (len > r->size - r->pos)
    len = (size_t)(r->size - r->pos);
  while (done < len) {
    size_t got = 0;
    if (art_source_pread(r->ctx, r->src, buf + done, len - done,
                         r->start + r->pos + done, &got) != ART_OK)
      return -1;
    if (got == 0)
      break;
    done += got;
  }
  r->pos += done;
  return (ssize_t)done;
}

static ssize_t
r_write(intptr_t *io, const uint8_t *buf, size_t len, libbfio_error_t **err)
{
  (void)io;
  (void)buf;
  (void)len;
  (void)err;
  return -1;
}

static off64_t
r_seek(intptr_t *io, off64_t off, int whence, libbfio_error_t **err)
{
  (void)err;
  range_io *r = (range_io *)io;
  int64_t base = whence == SEEK_CUR   ? (int64_t)r->pos
                 : whence == SEEK_END ? (int64_t)r->size
                                      : 0;
  if (off < 0 && -off > base)
    return -1;
  r->pos = (uint64_t)(base + off);
  return (off64_t)r->pos;
}

static int r_exists(intptr_t *io, libbfio_error_t **err)
{
  (void)io;
  (void)err;
  return 1;
}

static int r_is_open(intptr_t *io, libbfio_error_t **err)
{
  (void)err;
  return ((range_io *)io)->open;
}

static int r_size(intptr_t *io, size64_t *size, libbfio_error_t **err)
{
  (void)err;
  *size = ((range_io *)io)->size;
  return 1;
}

art_status art__bfio_range(art_ctx *ctx,
                           art_source *src,
                           uint64_t offset,
                           uint64_t size,
                           libbfio_handle_t **out)
{
  range_io *r = calloc(1, sizeof *r);
  *out = NULL;
  if (!r || art_ctx_new(&r->ctx) != ART_OK) {
    free(r);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory");
  }
  r->src = src;
  r->start = offset;
  r->size = size;
  if (libbfio_handle_initialize(out, (intptr_t *)r, r_free, r_clone, r_open,
                                r_close, r_read, r_write, r_seek, r_exists,
                                r_is_open, r_size,
                                LIBBFIO_FLAG_IO_HANDLE_MANAGED |
                                    LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
                                NULL) != 1) {
    art_ctx_free(r->ctx);
    free(r);
    *out = NULL;
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory (libbfio)");
  }
  return ART_OK;
}

void art__bfio_free(libbfio_handle_t **h)
{
  if (*h)
    libbfio_handle_free(h, NULL);
  *h = NULL;
}

art_status art__media_open_raw(art_ctx *ctx,
                               art__media *m,
                               const char *path,
                               libbfio_handle_t **io)
{
  art_source *raw = NULL;
  *io = NULL;
  if (m->n_raw >= sizeof m->raw / sizeof m->raw[0])
    return art__set_error(ctx, ART_ERR_LIMIT, 0, "%s: too many files", path);
  art_status st = art_source_open(ctx, path, ART_SOURCE_FILE, &raw);
  if (st != ART_OK)
    return st;
  st = art__bfio_range(ctx, raw, 0, art_source_get_info(raw)->size, io);
  if (st != ART_OK) {
    art_source_free(raw);
    return st;
  }
  m->raw[m->n_raw] = raw;
  m->io[m->n_raw] = *io;
  m->n_raw++;
  return ART_OK;
}

void art__media_close_raw(art__media *m)
{
  for (unsigned i = 0; i < m->n_raw; i++) {
    art__bfio_free(&m->io[i]);
    art_source_free(m->raw[i]);
    m->raw[i] = NULL;
  }
  m->n_raw = 0;
}
