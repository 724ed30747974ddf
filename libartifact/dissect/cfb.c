/* Compound File Binary (OLE2) reader over bytes in memory: header, FAT,
 * mini FAT, directory tree and stream contents, every index and chain
 * checked ([MS-CFB]).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define ENDOFCHAIN  0xfffffffeu
#define FREESECT    0xffffffffu
#define NOSTREAM    0xffffffffu
#define MAX_ENTRIES 65536u

struct cfb {
  const uint8_t *data;
  size_t len;
  unsigned sector;      /* 512 or 4096 */
  unsigned mini_cutoff; /* 4096 */
  uint32_t *fat;
  size_t n_fat;
  uint32_t *minifat;
  size_t n_minifat;
  uint8_t *ministream;
  size_t ministream_len;
  cfb_entry *ents;
  size_t n_ents;
  int partial; /* something did not add up: what could be read is given */
};

int art__cfb_is_cfb(const uint8_t *data, size_t len)
{
  static const uint8_t sig[8] = {0xd0, 0xcf, 0x11, 0xe0,
                                 0xa1, 0xb1, 0x1a, 0xe1};
  return len >= 512 && memcmp(data, sig, 8) == 0;
}

static const uint8_t *sector_at(const cfb *c, uint32_t s)
{
  uint64_t off = ((uint64_t)s + 1) * c->sector;
  if (s >= ENDOFCHAIN - 4 || off + c->sector > c->len)
    return NULL;
  return c->data + off;
}

/* Follow a chain in TABLE from START, appending each sector's bytes (from
 * SECTOR_AT or the mini stream) to a new buffer, up to MAX bytes. */
static uint8_t *
read_chain(cfb *c, uint32_t start, uint64_t want, int mini, size_t *out_len)
{
  const uint32_t *table = mini ? c->minifat : c->fat;
  size_t n_table = mini ? c->n_minifat : c->n_fat;
  size_t ss = mini ? 64 : c->sector;
  /* A chain visits each sector once: it cannot give more than the file
   * (or the mini stream) holds, whatever size the directory claims. */
  uint64_t most = mini ? c->ministream_len : c->len;
  size_t cap = (size_t)(want < most ? want : most);
  size_t got = 0, steps = 0;
  uint8_t *buf = malloc(cap ? cap : 1);
  uint8_t *seen = calloc(n_table / 8 + 1, 1);
  uint32_t s = start;
  *out_len = 0;
  if (!buf || !seen) {
    free(buf);
    free(seen);
    return NULL;
  }
  while (got < cap && s != ENDOFCHAIN) {
    const uint8_t *src;
    if (s >= n_table || ++steps > n_table || (seen[s / 8] & (1u << (s % 8)))) {
      c->partial = 1; /* broken or looping chain */
      break;
    }
    seen[s / 8] |= (uint8_t)(1u << (s % 8));
    if (mini) {
      if ((uint64_t)s * 64 + 64 > c->ministream_len) {
        c->partial = 1;
        break;
      }
      src = c->ministream + (size_t)s * 64;
    } else {
      src = sector_at(c, s);
      if (!src) {
        c->partial = 1;
        break;
      }
    }
    size_t n = cap - got < ss ? cap - got : ss;
    memcpy(buf + got, src, n);
    got += n;
    s = table[s];
  }
  free(seen);
  *out_len = got;
  return buf;
}

/* UTF-16LE directory name to UTF-8 (control characters kept: names such
 * as "\x01CompObj" and "\x05SummaryInformation" are shown as \x01). */
static char *name_utf8(const uint8_t *p, unsigned bytes)
{
  char *out = malloc(32 * 4 + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  if (bytes > 64)
    bytes = 64;
  for (unsigned i = 0; i + 1 < bytes; i += 2) {
    unsigned cp = le16(p + i);
    if (cp == 0)
      break;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < bytes) {
      unsigned lo = le16(p + i + 2);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i += 2;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
      cp = 0xfffd;
    if (cp < 0x20) {
      o += (size_t)snprintf(out + o, 5, "\\x%02x", cp);
    } else if (cp < 0x80) {
      out[o++] = (char)cp;
    } else if (cp < 0x800) {
      out[o++] = (char)(0xc0 | cp >> 6);
      out[o++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out[o++] = (char)(0xe0 | cp >> 12);
      out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      out[o++] = (char)(0x80 | (cp & 0x3f));
    } else {
      out[o++] = (char)(0xf0 | cp >> 18);
      out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
      out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      out[o++] = (char)(0x80 | (cp & 0x3f));
    }
  }
  out[o] = '\0';
  return out;
}

/* Give every entry reachable from the root its path: a red-black tree of
 * siblings under each storage, walked with an explicit stack and a visited
 * mark so that a crafted cycle ends. */
static void build_paths(cfb *c, const uint8_t *dir, size_t n_dir)
{
  uint32_t *stack = malloc(n_dir * sizeof *stack);
  uint32_t *parent = malloc(n_dir * sizeof *parent);
  uint8_t *seen = calloc(n_dir, 1);
  size_t sp = 0;
  if (!stack || !parent || !seen)
    goto out;
  uint32_t root_child = le32(dir + 76);
  seen[0] = 1;
  if (root_child < n_dir) {
    stack[sp++] = root_child;
    parent[root_child] = 0;
  }
  while (sp) {
    uint32_t i = stack[--sp];
    if (seen[i]) {
      c->partial = 1;
      continue;
    }
    seen[i] = 1;
    const uint8_t *e = dir + (size_t)i * 128;
    cfb_entry *ce = &c->ents[i];
    const cfb_entry *pe = &c->ents[parent[i]];
    if (ce->name) {
      size_t pl = parent[i] == 0 ? 0 : strlen(pe->path) + 1;
      ce->path = malloc(pl + strlen(ce->name) + 1);
      if (ce->path) {
        if (pl)
          snprintf(ce->path, pl + strlen(ce->name) + 1, "%s/%s", pe->path,
                   ce->name);
        else
          snprintf(ce->path, strlen(ce->name) + 1, "%s", ce->name);
      }
      ce->parent = (int)parent[i];
    }
    uint32_t kids[3] = {le32(e + 68), le32(e + 72), le32(e + 76)};
    for (int k = 0; k < 3; k++) {
      if (kids[k] >= n_dir || seen[kids[k]] || sp >= n_dir)
        continue;
      if (k == 2 && ce->type != CFB_STORAGE)
        continue;
      stack[sp++] = kids[k];
      parent[kids[k]] = k == 2 ? i : parent[i];
    }
  }
out:
  free(stack);
  free(parent);
  free(seen);
}

art_status art__cfb_open(
    const uint8_t *data, size_t len, cfb **out, char *err, size_t errlen)
{
  cfb *c;
  uint8_t *dir = NULL;
  size_t dir_len = 0;
  art_status st = ART_ERR_CORRUPT;
  *out = NULL;
  if (!art__cfb_is_cfb(data, len)) {
    snprintf(err, errlen, "not a compound file");
    return ART_ERR_FORMAT;
  }
  c = calloc(1, sizeof *c);
  if (!c)
    return ART_ERR_NOMEM;
  c->data = data;
  c->len = len;
  unsigned shift = le16(data + 0x1e);
  if (le16(data + 0x1c) != 0xfffe || (shift != 9 && shift != 12)) {
    snprintf(err, errlen, "bad compound file header (sector shift %u)", shift);
    goto fail;
  }
  c->sector = 1u << shift;
  c->mini_cutoff = le32(data + 0x38);
  if (c->mini_cutoff == 0 || c->mini_cutoff > 4096)
    c->mini_cutoff = 4096;
  /* The FAT: sectors listed in the header's DIFAT, then in DIFAT sectors. */
  uint32_t n_fat_sect = le32(data + 0x2c);
  size_t max_sect = len / c->sector;
  if (n_fat_sect > max_sect)
    n_fat_sect = (uint32_t)max_sect, c->partial = 1;
  size_t per = c->sector / 4;
  c->fat = malloc(((size_t)n_fat_sect * per + 1) * sizeof *c->fat);
  if (!c->fat) {
    st = ART_ERR_NOMEM;
    goto fail;
  }
  uint32_t listed = 0, difat = le32(data + 0x44);
  size_t difat_steps = 0;
  for (uint32_t i = 0; i < 109 && listed < n_fat_sect; i++, listed++) {
    const uint8_t *fs = sector_at(c, le32(data + 0x4c + 4 * i));
    if (!fs) {
      c->partial = 1;
      break;
    }
    for (size_t k = 0; k < per; k++)
      c->fat[c->n_fat++] = le32(fs + 4 * k);
  }
  while (listed < n_fat_sect && difat < ENDOFCHAIN - 4 &&
         ++difat_steps <= max_sect) {
    const uint8_t *ds = sector_at(c, difat);
    if (!ds) {
      c->partial = 1;
      break;
    }
    for (size_t i = 0; i + 1 < per && listed < n_fat_sect; i++, listed++) {
      const uint8_t *fs = sector_at(c, le32(ds + 4 * i));
      if (!fs) {
        c->partial = 1;
        continue;
      }
      for (size_t k = 0; k < per; k++)
        c->fat[c->n_fat++] = le32(fs + 4 * k);
    }
    difat = le32(ds + 4 * (per - 1));
  }
  /* The directory. */
  dir = read_chain(c, le32(data + 0x30), (uint64_t)max_sect * c->sector, 0,
                   &dir_len);
  if (!dir || dir_len < 128) {
    snprintf(err, errlen, "no directory");
    goto fail;
  }
  c->n_ents = dir_len / 128;
  if (c->n_ents > MAX_ENTRIES)
    c->n_ents = MAX_ENTRIES, c->partial = 1;
  c->ents = calloc(c->n_ents, sizeof *c->ents);
  if (!c->ents) {
    st = ART_ERR_NOMEM;
    goto fail;
  }
  for (size_t i = 0; i < c->n_ents; i++) {
    const uint8_t *e = dir + i * 128;
    cfb_entry *ce = &c->ents[i];
    ce->type = e[66];
    ce->parent = -1;
    if (ce->type != CFB_STORAGE && ce->type != CFB_STREAM &&
        ce->type != CFB_ROOT)
      continue;
    ce->name = name_utf8(e, le16(e + 64));
    ce->start = le32(e + 116);
    ce->size = le32(e + 120);
    if (c->sector == 4096)
      ce->size |= (uint64_t)le32(e + 124) << 32;
    memcpy(ce->clsid, e + 80, 16);
  }
  if (c->ents[0].type != CFB_ROOT) {
    snprintf(err, errlen, "no root entry");
    goto fail;
  }
  c->ents[0].path = strdup("");
  build_paths(c, dir, c->n_ents);
  /* The mini stream (in the root's chain) and the mini FAT. */
  {
    size_t mfl = 0;
    uint32_t n_mf = le32(data + 0x40);
    uint8_t *mf = NULL;
    if (n_mf && n_mf <= max_sect)
      mf =
          read_chain(c, le32(data + 0x3c), (uint64_t)n_mf * c->sector, 0, &mfl);
    if (mf) {
      c->n_minifat = mfl / 4;
      c->minifat = malloc((c->n_minifat + 1) * sizeof *c->minifat);
      for (size_t i = 0; c->minifat && i < c->n_minifat; i++)
        c->minifat[i] = le32(mf + 4 * i);
      free(mf);
    }
    if (c->ents[0].size && c->ents[0].start < ENDOFCHAIN - 4)
      c->ministream = read_chain(c, c->ents[0].start, c->ents[0].size, 0,
                                 &c->ministream_len);
  }
  free(dir);
  *out = c;
  return ART_OK;
fail:
  free(dir);
  art__cfb_free(c);
  return st;
}

void art__cfb_free(cfb *c)
{
  if (!c)
    return;
  for (size_t i = 0; c->ents && i < c->n_ents; i++) {
    free(c->ents[i].name);
    free(c->ents[i].path);
  }
  free(c->ents);
  free(c->fat);
  free(c->minifat);
  free(c->ministream);
  free(c);
}

size_t art__cfb_count(const cfb *c)
{
  return c->n_ents;
}

const cfb_entry *art__cfb_entry(const cfb *c, size_t i)
{
  return i < c->n_ents ? &c->ents[i] : NULL;
}

int art__cfb_partial(const cfb *c)
{
  return c->partial;
}

long art__cfb_find(const cfb *c, const char *path)
{
  for (size_t i = 0; i < c->n_ents; i++)
    if (c->ents[i].path && strcasecmp(c->ents[i].path, path) == 0)
      return (long)i;
  return -1;
}

uint8_t *art__cfb_read(cfb *c, size_t i, uint64_t max, size_t *len)
{
  const cfb_entry *e = art__cfb_entry(c, i);
  uint64_t want;
  *len = 0;
  if (!e || e->type != CFB_STREAM)
    return NULL;
  want = e->size < max ? e->size : max;
  if (want == 0)
    return calloc(1, 1);
  uint8_t *b = e->size < c->mini_cutoff
                   ? (c->minifat ? read_chain(c, e->start, want, 1, len) : NULL)
                   : read_chain(c, e->start, want, 0, len);
  if (!b || *len < want)
    c->partial = 1;
  return b;
}
