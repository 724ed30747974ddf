/* Microsoft VHD and VHDX virtual disks through libvhdi: fixed, dynamic, and
 * differential disks with their parent (found beside the image by the name
 * the child records).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#define LIBVHDI_HAVE_BFIO                                                      \
  1 /* its libbfio entry points, exported by the library */
#include <libvhdi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARENTS 8

/* libvhdi's error as one line (the last of its chain), freed. */
static void vhdi_reason(libvhdi_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libvhdi_error_sprint(err, buf, len);
    libvhdi_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libvhdi error");
}

static void vhdi_free_file(libvhdi_file_t **f)
{
  if (*f) {
    libvhdi_file_close(*f, NULL);
    libvhdi_file_free(f, NULL);
  }
}

static art_status vhdi_pread(art_ctx *ctx,
                             art__media *m,
                             void *buf,
                             size_t len,
                             uint64_t offset,
                             size_t *got)
{
  libvhdi_error_t *err = NULL;
  char reason[512];
  ssize_t n =
      libvhdi_file_read_buffer_at_offset(m->h, buf, len, (off64_t)offset, &err);
  if (n < 0) {
    vhdi_reason(err, reason, sizeof reason);
    return art__media_read_error(ctx, m, offset, reason);
  }
  *got = (size_t)n;
  return ART_OK;
}

static void vhdi_close(art__media *m)
{
  libvhdi_file_t *f = m->h;
  vhdi_free_file(&f);
  m->h = NULL;
  for (int i = 0; i < MAX_PARENTS; i++) {
    f = m->extra[i];
    vhdi_free_file(&f);
    m->extra[i] = NULL;
  }
}

static const art__media_ops vhdi_ops = {vhdi_pread, vhdi_close};

static art_status open_one(art_ctx *ctx,
                           art__media *m,
                           const char *path,
                           const char *named,
                           libvhdi_file_t **out)
{
  libvhdi_error_t *err = NULL;
  char reason[512];
  libvhdi_file_t *f = NULL;
  *out = NULL;
  if (libvhdi_file_initialize(&f, &err) != 1) {
    vhdi_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", named, reason);
  }
  libbfio_handle_t *io = NULL;
  art_status st = art__media_open_raw(ctx, m, path, &io);
  if (st != ART_OK) {
    libvhdi_file_free(&f, NULL);
    return st;
  }
  if (libvhdi_file_open_file_io_handle(f, io, LIBVHDI_OPEN_READ, &err) != 1) {
    vhdi_reason(err, reason, sizeof reason);
    libvhdi_file_free(&f, NULL);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format VHD: cannot open %s: %s", named,
                          path, reason);
  }
  *out = f;
  return ART_OK;
}

/* The parent a differential disk names (a Windows path, often absolute):
 * looked for beside PATH by its last component. NULL when none. */
static char *parent_name(libvhdi_file_t *f, const char *path)
{
  size_t sz = 0;
  if (libvhdi_file_get_utf8_parent_filename_size(f, &sz, NULL) != 1 ||
      sz <= 1 || sz > 65536)
    return NULL;
  uint8_t *name = calloc(1, sz + 1);
  char *full = NULL;
  if (name && libvhdi_file_get_utf8_parent_filename(f, name, sz, NULL) == 1 &&
      name[0]) {
    const char *base = (const char *)name;
    for (const char *p = base; *p; p++)
      if (*p == '\\' || *p == '/')
        base = p + 1;
    if (*base)
      full = art__media_sibling(path, base);
  }
  free(name);
  return full;
}

art_status art__vhdi_open(art_ctx *ctx, const char *path, art__media *m)
{
  libvhdi_file_t *f = NULL;
  libvhdi_error_t *err = NULL;
  char reason[512];
  art_status st = open_one(ctx, m, path, path, &f);
  if (st != ART_OK)
    return st;
  m->ops = &vhdi_ops;
  m->h = f;
  int type = 0;
  libvhdi_file_get_file_type(f, &type, NULL);
  m->format = type == LIBVHDI_FILE_TYPE_VHDX ? "VHDX" : "VHD";
  if ((st = art__media_add_file(ctx, m, path)) != ART_OK)
    return st;
  libvhdi_file_t *child = f;
  char *cur = art__strdup(ctx, path);
  for (int depth = 0; cur; depth++) {
    uint32_t dtype = 0;
    if (libvhdi_file_get_disk_type(child, &dtype, NULL) != 1 ||
        dtype != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
      break;
    char *pname = parent_name(child, cur);
    if (!pname) {
      free(cur);
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: image format %s: differential disk without "
                            "a parent file name",
                            path, m->format);
    }
    if (depth >= MAX_PARENTS) {
      free(pname);
      free(cur);
      return art__set_error(ctx, ART_ERR_LIMIT, 0,
                            "%s: image format %s: more than %d parent disks",
                            path, m->format, MAX_PARENTS);
    }
    libvhdi_file_t *pf = NULL;
    st = open_one(ctx, m, pname, path, &pf);
    if (st != ART_OK) {
      char prev[512];
      snprintf(prev, sizeof prev, "%s", art_ctx_errmsg(ctx));
      art__set_error(ctx, st, 0,
                     "%s: image format %s: parent disk %s not found or not "
                     "readable beside it: %s",
                     path, m->format, pname, prev);
      free(pname);
      free(cur);
      return st;
    }
    m->extra[depth] = pf;
    art__media_add_file(ctx, m, pname);
    if (libvhdi_file_set_parent_file(child, pf, &err) != 1) {
      vhdi_reason(err, reason, sizeof reason);
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format %s: parent disk %s does not fit: "
                          "%s",
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
  if (libvhdi_file_get_media_size(f, &size, &err) != 1) {
    vhdi_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format %s: no media size: %s", path,
                          m->format, reason);
  }
  m->size = size;
  return ART_OK;
}
