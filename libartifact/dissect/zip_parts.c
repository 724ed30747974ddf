/* The parts of a zip package (OOXML, ODF) read into memory during one
 * art_archive walk: the collecting half of the walk's callbacks, shared by
 * the dissectors that read XML parts; each chooses which members to keep.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "dissect_private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int art__zip_parts_begin(art__zip_parts *z, const char *path)
{
  if (z->n == z->cap) {
    size_t cap = z->cap ? z->cap * 2 : 32;
    art__zip_part *p = realloc(z->parts, cap * sizeof *p);
    if (!p)
      return -1;
    z->parts = p;
    z->cap = cap;
  }
  char *name = strdup(path);
  if (!name)
    return -1;
  z->parts[z->n] = (art__zip_part){name, NULL, 0};
  z->cur = (int)z->n++;
  return 0;
}

int art__zip_parts_data(void *ud,
                        const art_archive_member *m,
                        const uint8_t *buf,
                        size_t len,
                        uint64_t off)
{
  art__zip_parts *z = ud;
  (void)m;
  (void)off;
  if (z->cur < 0)
    return 0;
  art__zip_part *p = &z->parts[z->cur];
  if (p->len + len > ART__ZIP_PART_MAX)
    return 1;
  char *q = realloc(p->data, p->len + len + 1);
  if (!q)
    return 1;
  memcpy(q + p->len, buf, len);
  p->len += len;
  q[p->len] = '\0';
  p->data = q;
  return 0;
}

art_walk_action art__zip_parts_end(void *ud,
                                   const art_archive_member *m,
                                   const art_archive_result *r)
{
  art__zip_parts *z = ud;
  (void)m;
  if (r->flags & ART_ARCHIVE_F_ENCRYPTED)
    z->encrypted_members++;
  else if (r->status != ART_OK)
    z->damaged = 1;
  return ART_WALK_CONTINUE;
}

art__zip_part *art__zip_parts_find(art__zip_parts *z, const char *name)
{
  for (size_t i = 0; i < z->n; i++)
    if (z->parts[i].data && strcasecmp(z->parts[i].name, name) == 0)
      return &z->parts[i];
  return NULL;
}

void art__zip_parts_free(art__zip_parts *z)
{
  for (size_t i = 0; i < z->n; i++) {
    free(z->parts[i].name);
    free(z->parts[i].data);
  }
  free(z->parts);
  memset(z, 0, sizeof *z);
  z->cur = -1;
}
