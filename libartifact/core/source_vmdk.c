/* VMware VMDK virtual disks through libvmdk: monolithic and split flat and
 * sparse extents, stream-optimised, and differential disks with their
 * parent (found by the descriptor's parentFileNameHint beside the image).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <libvmdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARENTS 8

/* libvmdk's error as one line (the last of its chain), freed. */
static void vmdk_reason(libvmdk_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libvmdk_error_sprint(err, buf, len);
    libvmdk_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libvmdk error");
}

static void vmdk_free_handle(libvmdk_handle_t **h)
{
  if (*h) {
    libvmdk_handle_close(*h, NULL);
    libvmdk_handle_free(h, NULL);
  }
}

static art_status vmdk_pread(art_ctx *ctx,
                             art__media *m,
                             void *buf,
                             size_t len,
                             uint64_t offset,
                             size_t *got)
{
  libvmdk_error_t *err = NULL;
  char reason[512];
  ssize_t n = libvmdk_handle_read_buffer_at_offset(m->h, buf, len,
                                                   (off64_t)offset, &err);
  if (n < 0) {
    vmdk_reason(err, reason, sizeof reason);
    return art__media_read_error(ctx, m, offset, reason);
  }
  *got = (size_t)n;
  return ART_OK;
}

static void vmdk_close(art__media *m)
{
  libvmdk_handle_t *h = m->h;
  vmdk_free_handle(&h);
  m->h = NULL;
  for (int i = 0; i < MAX_PARENTS; i++) {
    h = m->extra[i];
    vmdk_free_handle(&h);
    m->extra[i] = NULL;
  }
}

static const art__media_ops vmdk_ops = {vmdk_pread, vmdk_close};

/* Open one VMDK (descriptor or sparse file) and its extent data files; the
 * names of the extents go to M's file list. */
static art_status open_one(art_ctx *ctx,
                           art__media *m,
                           const char *path,
                           const char *named,
                           libvmdk_handle_t **out)
{
  libvmdk_error_t *err = NULL;
  char reason[512];
  libvmdk_handle_t *h = NULL;
  art_status st;
  *out = NULL;
  if (libvmdk_handle_initialize(&h, &err) != 1) {
    vmdk_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", named, reason);
  }
  if (libvmdk_handle_open(h, path, libvmdk_get_access_flags_read(), &err) !=
      1) {
    vmdk_reason(err, reason, sizeof reason);
    libvmdk_handle_free(&h, NULL);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format VMDK: cannot open %s: %s", named,
                          path, reason);
  }
  if ((st = art__media_add_file(ctx, m, path)) != ART_OK) {
    vmdk_free_handle(&h);
    return st;
  }
  int n_ext = 0;
  libvmdk_handle_get_number_of_extents(h, &n_ext, NULL);
  for (int i = 0; i < n_ext; i++) {
    libvmdk_extent_descriptor_t *d = NULL;
    size_t fl = 0;
    if (libvmdk_handle_get_extent_descriptor(h, i, &d, NULL) != 1)
      continue;
    if (libvmdk_extent_descriptor_get_utf8_filename_size(d, &fl, NULL) == 1 &&
        fl > 1 && fl < 65536) {
      uint8_t *name = calloc(1, fl + 1);
      if (name &&
          libvmdk_extent_descriptor_get_utf8_filename(d, name, fl, NULL) == 1) {
        char *full = art__media_sibling(path, (const char *)name);
        if (full && strcmp(full, path) != 0)
          art__media_add_file(ctx, m, full);
        free(full);
      }
      free(name);
    }
    libvmdk_extent_descriptor_free(&d, NULL);
  }
  if (libvmdk_handle_open_extent_data_files(h, &err) != 1) {
    vmdk_reason(err, reason, sizeof reason);
    vmdk_free_handle(&h);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format VMDK: cannot open the extent data "
                          "files of %s (missing or unreadable extent): %s",
                          named, path, reason);
  }
  *out = h;
  return ART_OK;
}

/* The parent file name a differential VMDK names, or NULL. */
static char *parent_name(libvmdk_handle_t *h, const char *path)
{
  size_t sz = 0;
  if (libvmdk_handle_get_utf8_parent_filename_size(h, &sz, NULL) != 1 ||
      sz <= 1 || sz > 65536)
    return NULL;
  uint8_t *name = calloc(1, sz + 1);
  char *full = NULL;
  if (name && libvmdk_handle_get_utf8_parent_filename(h, name, sz, NULL) == 1 &&
      name[0])
    full = art__media_sibling(path, (const char *)name);
  free(name);
  return full;
}

art_status art__vmdk_open(art_ctx *ctx, const char *path, art__media *m)
{
  libvmdk_handle_t *h = NULL;
  libvmdk_error_t *err = NULL;
  char reason[512];
  art_status st = open_one(ctx, m, path, path, &h);
  if (st != ART_OK)
    return st;
  m->ops = &vmdk_ops;
  m->h = h;
  m->format = "VMDK";
  /* A chain of differential disks: each child gets its parent. */
  libvmdk_handle_t *child = h;
  char *cur = art__strdup(ctx, path);
  for (int depth = 0; cur; depth++) {
    char *pname = parent_name(child, cur);
    if (!pname)
      break;
    if (depth >= MAX_PARENTS) {
      free(pname);
      free(cur);
      return art__set_error(ctx, ART_ERR_LIMIT, 0,
                            "%s: image format VMDK: more than %d parent "
                            "disks",
                            path, MAX_PARENTS);
    }
    libvmdk_handle_t *ph = NULL;
    st = open_one(ctx, m, pname, path, &ph);
    if (st != ART_OK) {
      char prev[512];
      snprintf(prev, sizeof prev, "%s", art_ctx_errmsg(ctx));
      art__set_error(ctx, st, 0, "%s: image format VMDK: parent disk %s: %s",
                     path, pname, prev);
      free(pname);
      free(cur);
      return st;
    }
    m->extra[depth] = ph;
    if (libvmdk_handle_set_parent_handle(child, ph, &err) != 1) {
      vmdk_reason(err, reason, sizeof reason);
      free(cur);
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format VMDK: parent disk %s does not "
                          "fit: %s",
                          path, pname, reason);
      free(pname);
      return st;
    }
    free(cur);
    cur = pname;
    child = ph;
  }
  free(cur);
  size64_t size = 0;
  if (libvmdk_handle_get_media_size(h, &size, &err) != 1) {
    vmdk_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: image format VMDK: no media size: %s", path,
                          reason);
  }
  m->size = size;
  return ART_OK;
}
