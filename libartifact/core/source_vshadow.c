/* Volume Shadow Copies through libvshadow: the stores of an NTFS volume
 * read through art_source (libbfio over the volume's byte range), each
 * store opened as a source of its own.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <libvshadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libvshadow's error as one line (the last of its chain), freed. */
static void vss_reason(libvshadow_error_t *err, char *buf, size_t len)
{
  buf[0] = '\0';
  if (err) {
    libvshadow_error_sprint(err, buf, len);
    libvshadow_error_free(&err);
  }
  art__libyal_last_line(buf, len, "libvshadow error");
}

/* The handles behind one opened volume: volume, store, libbfio range. */
typedef struct vss_open {
  libvshadow_volume_t *vol;
  libvshadow_store_t *store;
  libbfio_handle_t *io;
} vss_open;

static void vss_release(vss_open *v)
{
  if (v->store)
    libvshadow_store_free(&v->store, NULL);
  if (v->vol) {
    libvshadow_volume_close(v->vol, NULL);
    libvshadow_volume_free(&v->vol, NULL);
  }
  art__bfio_free(&v->io);
}

/* Open the VSS catalog of the volume. ART_OK with *HAS 0 when the volume
 * has none. */
static art_status vss_volume(art_ctx *ctx,
                             art_source *src,
                             uint64_t offset,
                             uint64_t size,
                             vss_open *v,
                             int *has)
{
  libvshadow_error_t *err = NULL;
  char reason[512];
  art_status st = art__bfio_range(ctx, src, offset, size, &v->io);
  *has = 0;
  if (st != ART_OK)
    return st;
  int sig = libvshadow_check_volume_signature_file_io_handle(v->io, NULL);
  if (sig != 1)
    return ART_OK; /* no NTFS volume with a VSS catalog */
  if (libvshadow_volume_initialize(&v->vol, &err) != 1) {
    vss_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "%s: %s", art_source_path(src),
                          reason);
  }
  if (libvshadow_volume_open_file_io_handle(v->vol, v->io, LIBVSHADOW_OPEN_READ,
                                            &err) != 1) {
    vss_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: volume at byte %llu: volume shadow copy layer: "
                          "cannot read the VSS catalog: %s",
                          art_source_path(src), (unsigned long long)offset,
                          reason);
  }
  *has = 1;
  return ART_OK;
}

art_status art_source_vss_count(art_ctx *ctx,
                                art_source *src,
                                uint64_t offset,
                                uint64_t size,
                                unsigned *count)
{
  vss_open v = {0};
  int has = 0, n = 0;
  *count = 0;
  art_status st = vss_volume(ctx, src, offset, size, &v, &has);
  if (st == ART_OK && has &&
      libvshadow_volume_get_number_of_stores(v.vol, &n, NULL) == 1 && n > 0)
    *count = (unsigned)n;
  vss_release(&v);
  return st;
}

static art_status store_pread(art_ctx *ctx,
                              art__media *m,
                              void *buf,
                              size_t len,
                              uint64_t offset,
                              size_t *got)
{
  vss_open *v = m->h;
  libvshadow_error_t *err = NULL;
  char reason[512];
  ssize_t n = libvshadow_store_read_buffer_at_offset(v->store, buf, len,
                                                     (off64_t)offset, &err);
  if (n < 0) {
    vss_reason(err, reason, sizeof reason);
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: volume shadow copy layer: cannot read offset "
                          "%llu: %s",
                          m->path, (unsigned long long)offset, reason);
  }
  *got = (size_t)n;
  return ART_OK;
}

static void store_close(art__media *m)
{
  vss_open *v = m->h;
  if (v) {
    vss_release(v);
    free(v);
  }
  m->h = NULL;
}

static const art__media_ops store_ops = {store_pread, store_close};

static void guid_text(const uint8_t *g, char *out, size_t len)
{
  snprintf(out, len,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x"
           "%02x",
           g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10],
           g[11], g[12], g[13], g[14], g[15]);
}

art_status art_source_open_vss(art_ctx *ctx,
                               art_source *parent,
                               uint64_t offset,
                               uint64_t size,
                               unsigned number,
                               art_source **out,
                               art_vss_store *info)
{
  libvshadow_error_t *err = NULL;
  char reason[512];
  int has = 0, n = 0;
  *out = NULL;
  vss_open *v = calloc(1, sizeof *v);
  if (!v)
    return art__set_error(ctx, ART_ERR_NOMEM, 0, "out of memory");
  art_status st = vss_volume(ctx, parent, offset, size, v, &has);
  if (st == ART_OK && !has)
    st = art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                        "%s: volume at byte %llu has no volume shadow copies",
                        art_source_path(parent), (unsigned long long)offset);
  if (st == ART_OK &&
      (libvshadow_volume_get_number_of_stores(v->vol, &n, NULL) != 1 ||
       number < 1 || number > (unsigned)n))
    st = art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                        "%s: no volume shadow copy store %u (the volume has "
                        "%d)",
                        art_source_path(parent), number, n);
  if (st == ART_OK && libvshadow_volume_get_store(v->vol, (int)number - 1,
                                                  &v->store, &err) != 1) {
    vss_reason(err, reason, sizeof reason);
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: volume shadow copy store %u: %s",
                        art_source_path(parent), number, reason);
  }
  if (st != ART_OK) {
    vss_release(v);
    free(v);
    return st;
  }
  art__media m;
  memset(&m, 0, sizeof m);
  m.ops = &store_ops;
  m.h = v;
  m.format = "VSS";
  size64_t vsize = 0;
  libvshadow_store_get_volume_size(v->store, &vsize, NULL);
  m.size = vsize;
  if (info) {
    uint64_t ft = 0;
    uint8_t g[16];
    memset(info, 0, sizeof *info);
    info->number = number;
    info->volume_size = vsize;
    if (libvshadow_store_get_creation_time(v->store, &ft, NULL) == 1 && ft) {
      /* FILETIME: 100 ns steps since 1601-01-01 */
      int64_t secs = (int64_t)(ft / 10000000u) - INT64_C(11644473600);
      info->creation_sec = secs;
      info->creation_nsec = (long)(ft % 10000000u) * 100;
    }
    if (libvshadow_store_get_identifier(v->store, g, sizeof g, NULL) == 1)
      guid_text(g, info->identifier, sizeof info->identifier);
    if (libvshadow_store_get_copy_set_identifier(v->store, g, sizeof g, NULL) ==
        1)
      guid_text(g, info->copy_set, sizeof info->copy_set);
  }
  char name[4200];
  if (offset)
    snprintf(name, sizeof name, "%s@%llu:vss%u", art_source_path(parent),
             (unsigned long long)offset, number);
  else
    snprintf(name, sizeof name, "%s:vss%u", art_source_path(parent), number);
  return art__source_from_media(ctx, name, ART_SOURCE_VSS, &m, out);
}

static int is_ntfs_boot(const unsigned char *b)
{
  return memcmp(b + 3, "NTFS    ", 8) == 0 && b[510] == 0x55 && b[511] == 0xaa;
}

static uint32_t le32v(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t le64v(const unsigned char *p)
{
  return (uint64_t)le32v(p) | (uint64_t)le32v(p + 4) << 32;
}

/* Add the volume at OFF (SIZE bytes) when its boot sector says NTFS. */
static void add_if_ntfs(art_ctx *ctx,
                        art_source *src,
                        uint64_t off,
                        uint64_t size,
                        art_volume *out,
                        size_t max,
                        size_t *n)
{
  unsigned char b[512];
  size_t got = 0;
  if (*n >= max || size < 512 ||
      art_source_pread(ctx, src, b, sizeof b, off, &got) != ART_OK ||
      got < sizeof b || !is_ntfs_boot(b))
    return;
  out[*n].offset = off;
  out[*n].size = size;
  (*n)++;
}

art_status art_source_ntfs_volumes(
    art_ctx *ctx, art_source *src, art_volume *out, size_t max, size_t *count)
{
  unsigned char mbr[512];
  size_t got = 0;
  uint64_t media = art_source_get_info(src)->size;
  *count = 0;
  art_status st = art_source_pread(ctx, src, mbr, sizeof mbr, 0, &got);
  if (st != ART_OK)
    return st;
  if (got < sizeof mbr)
    return ART_OK;
  if (is_ntfs_boot(mbr)) { /* a volume image, no partition table */
    add_if_ntfs(ctx, src, 0, media, out, max, count);
    return ART_OK;
  }
  if (mbr[510] != 0x55 || mbr[511] != 0xaa)
    return ART_OK;
  int gpt = 0;
  for (int i = 0; i < 4; i++) {
    const unsigned char *e = mbr + 446 + 16 * i;
    uint64_t start = le32v(e + 8), len = le32v(e + 12);
    if (e[4] == 0xee)
      gpt = 1;
    else if (e[4] && len && (start + len) * 512 <= media)
      add_if_ntfs(ctx, src, start * 512, len * 512, out, max, count);
  }
  if (gpt) { /* GPT: the header at LBA 1, up to 128 entries */
    unsigned char h[512], ent[128];
    if (art_source_pread(ctx, src, h, sizeof h, 512, &got) != ART_OK ||
        got < sizeof h || memcmp(h, "EFI PART", 8) != 0)
      return ART_OK;
    uint64_t lba = le64v(h + 72);
    uint32_t n = le32v(h + 80), esz = le32v(h + 84);
    if (esz < 128 || esz > 4096 || n > 1024)
      return ART_OK;
    for (uint32_t i = 0; i < n; i++) {
      if (art_source_pread(ctx, src, ent, sizeof ent, lba * 512 + i * esz,
                           &got) != ART_OK ||
          got < sizeof ent)
        break;
      uint64_t first = le64v(ent + 32), last = le64v(ent + 40);
      if (first && last >= first && (last + 1) * 512 <= media)
        add_if_ntfs(ctx, src, first * 512, (last - first + 1) * 512, out, max,
                    count);
    }
  }
  return ART_OK;
}
