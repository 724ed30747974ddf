/* What an image file is (by signature), and what the virtual disk back ends
 * share: the list of files behind the media, names beside the image.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "source_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

const char *art__image_format(const unsigned char *head,
                              size_t n,
                              const unsigned char *tail,
                              art_source_kind *kind)
{
  static const char descriptor[] = "# Disk DescriptorFile";
  *kind = ART_SOURCE_FILE;
  if (art__ewf_signature(head, n)) {
    *kind = ART_SOURCE_EWF;
    return "E01";
  }
  if (n >= 8 && memcmp(head, "EVF2\r\n\x81\x00", 8) == 0)
    return "Ex01";
  if (n >= 8 && memcmp(head, "LVF\x09\x0d\x0a\xff\x00", 8) == 0)
    return "L01";
  if (n >= 8 && memcmp(head, "LEF2\r\n\x81\x00", 8) == 0)
    return "Lx01";
  if (n >= 4 &&
      (memcmp(head, "KDMV", 4) == 0 || memcmp(head, "COWD", 4) == 0)) {
    *kind = ART_SOURCE_VMDK;
    return "VMDK";
  }
  if (n >= sizeof descriptor - 1 &&
      memcmp(head, descriptor, sizeof descriptor - 1) == 0) {
    *kind = ART_SOURCE_VMDK;
    return "VMDK";
  }
  if (n >= 8 && memcmp(head, "vhdxfile", 8) == 0) {
    *kind = ART_SOURCE_VHD;
    return "VHDX";
  }
  if ((n >= 8 && memcmp(head, "conectix", 8) == 0) ||
      (tail && memcmp(tail, "conectix", 8) == 0)) {
    *kind = ART_SOURCE_VHD;
    return "VHD";
  }
  if (n >= 8 && memcmp(head, "QFI\xfb", 4) == 0) {
    uint32_t v = be32(head + 4);
    if (v == 1) {
      *kind = ART_SOURCE_QCOW;
      return "QCOW";
    }
    if (v == 2 || v == 3) {
      *kind = ART_SOURCE_QCOW;
      return "QCOW2";
    }
    return "QCOW (unknown version)";
  }
  if (n >= 4 && memcmp(head, "QED\0", 4) == 0)
    return "QED";
  if (n >= 0x44 && le32(head + 0x40) == 0xbeda107fu)
    return "VDI";
  if (n >= 8 && memcmp(head, "AFF10\r\n\0", 8) == 0)
    return "AFF";
  if (n >= 16 && (memcmp(head, "WithoutFreeSpace", 16) == 0 ||
                  memcmp(head, "WithouFreSpacExt", 16) == 0))
    return "Parallels";
  if (tail && memcmp(tail, "koly", 4) == 0 && be32(tail + 4) == 4)
    return "DMG";
  return NULL;
}

art_status art__media_add_file(art_ctx *ctx, art__media *m, const char *path)
{
  char **f = realloc(m->files, (m->n_files + 1) * sizeof *f);
  if (!f)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  m->files = f;
  if (!(f[m->n_files] = art__strdup(ctx, path)))
    return ART_ERR_NOMEM;
  m->n_files++;
  return ART_OK;
}

void art__media_free_files(art__media *m)
{
  for (unsigned i = 0; i < m->n_files; i++)
    free(m->files[i]);
  free(m->files);
  m->files = NULL;
  m->n_files = 0;
}

art_status art__media_read_error(art_ctx *ctx,
                                 const art__media *m,
                                 uint64_t offset,
                                 const char *reason)
{
  return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: image format %s: cannot read media offset "
                        "%llu: %s",
                        m->path, m->format, (unsigned long long)offset, reason);
}

char *art__media_sibling(const char *base, const char *name)
{
  if (name[0] == '/')
    return strdup(name);
  const char *slash = strrchr(base, '/');
  size_t dl = slash ? (size_t)(slash - base) + 1 : 0;
  size_t nl = strlen(name);
  char *out = malloc(dl + nl + 1);
  if (!out)
    return NULL;
  memcpy(out, base, dl);
  memcpy(out + dl, name, nl + 1);
  return out;
}
