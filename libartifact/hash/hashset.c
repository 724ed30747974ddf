/* Hash set lookup: a memory-mapped .hset file, validated on open.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/hashset.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx_private.h"
#include "hashset_private.h"

typedef struct table {
  uint64_t count;
  size_t dlen;
  const uint8_t *data;
  const uint8_t *index; /* 2^bits + 1 little-endian uint64 */
  unsigned bits;
} table;

struct art_hashset {
  const uint8_t *map;
  size_t len;
  int mapped;
  char *path; /* for messages */
  art_hashset_kind kind;
  int64_t created;
  char name[HSET_NAME_MAX], source[HSET_NAME_MAX];
  table tables[HSET_TABLES];
};

const char *art_hashset_kind_name(art_hashset_kind kind)
{
  return kind == ART_HASHSET_NOTABLE ? "notable" : "known";
}

art_status art_hashset_kind_parse(const char *name, art_hashset_kind *kind)
{
  if (!name || !kind)
    return ART_ERR_INVALID_ARG;
  if (!strcasecmp(name, "known"))
    *kind = ART_HASHSET_KNOWN;
  else if (!strcasecmp(name, "notable"))
    *kind = ART_HASHSET_NOTABLE;
  else
    return ART_ERR_INVALID_ARG;
  return ART_OK;
}

static const char *const format_names[] = {"auto", "nsrl", "hashdeep", "sums",
                                           "hset"};

const char *art_hashset_format_name(art_hashset_format format)
{
  return (unsigned)format < 5 ? format_names[format] : "unknown";
}

art_status art_hashset_format_parse(const char *name,
                                    art_hashset_format *format)
{
  if (!name || !format)
    return ART_ERR_INVALID_ARG;
  for (unsigned i = 0; i < 5; i++)
    if (!strcasecmp(name, format_names[i])) {
      *format = (art_hashset_format)i;
      return ART_OK;
    }
  if (!strcasecmp(name, "list") || !strcasecmp(name, "md5sum") ||
      !strcasecmp(name, "sha1sum") || !strcasecmp(name, "sha256sum")) {
    *format = ART_HASHSET_FMT_SUMS;
    return ART_OK;
  }
  return ART_ERR_INVALID_ARG;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

art_status art_hashset_parse_hex(const char *hex,
                                 size_t len,
                                 art_hash_alg *alg,
                                 uint8_t *bin)
{
  if (!hex || !alg || !bin)
    return ART_ERR_INVALID_ARG;
  if (len == 32)
    *alg = ART_HASH_MD5;
  else if (len == 40)
    *alg = ART_HASH_SHA1;
  else if (len == 64)
    *alg = ART_HASH_SHA256;
  else
    return ART_ERR_INVALID_ARG;
  for (size_t i = 0; i < len; i += 2) {
    int hi = hexval((unsigned char)hex[i]),
        lo = hexval((unsigned char)hex[i + 1]);
    if (hi < 0 || lo < 0)
      return ART_ERR_INVALID_ARG;
    bin[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return ART_OK;
}

static int table_of(art_hash_alg alg)
{
  for (unsigned i = 0; i < HSET_TABLES; i++)
    if (art__hset_algs[i] == alg)
      return (int)i;
  return -1;
}

/* Validate the header and tables of DATA into HS. */
static art_status parse(art_ctx *ctx,
                        const uint8_t *d,
                        size_t len,
                        const char *what,
                        art_hashset *hs)
{
  char sum[ART_HASH_MAX_HEX];
  art_status st;
  uint32_t version, hsize, kind, ntables;
  if (len < 8 || memcmp(d, HSET_MAGIC, 8))
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not a hash set (no ARTHSET1 signature)", what);
  if (len < HSET_HEADER_SIZE)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: truncated hash set header (%zu of %u bytes)",
                          what, len, HSET_HEADER_SIZE);
  version = art__hset_get32(d + HSET_OFF_VERSION);
  if (version != HSET_VERSION)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: hash set version %u (this build reads %u)", what,
                          version, HSET_VERSION);
  st = art_hash_buffer(ctx, ART_HASH_SHA256, d, HSET_OFF_CHECKSUM, sum);
  if (st != ART_OK)
    return st;
  if (memcmp(sum, d + HSET_OFF_CHECKSUM, 64))
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: hash set header checksum mismatch", what);
  hsize = art__hset_get32(d + HSET_OFF_HEADER_SIZE);
  kind = art__hset_get32(d + HSET_OFF_KIND);
  ntables = art__hset_get32(d + HSET_OFF_NTABLES);
  if (hsize != HSET_HEADER_SIZE || kind > 1 || ntables != HSET_TABLES)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: bad hash set header fields", what);
  hs->kind = (art_hashset_kind)kind;
  hs->created = (int64_t)art__hset_get64(d + HSET_OFF_CREATED);
  memcpy(hs->name, d + HSET_OFF_NAME, HSET_NAME_MAX);
  hs->name[HSET_NAME_MAX - 1] = '\0';
  memcpy(hs->source, d + HSET_OFF_SOURCE, HSET_NAME_MAX);
  hs->source[HSET_NAME_MAX - 1] = '\0';
  for (unsigned i = 0; i < HSET_TABLES; i++) {
    const uint8_t *t = d + HSET_OFF_TABLES + i * HSET_TABLE_SIZE;
    table *tb = &hs->tables[i];
    uint32_t alg = art__hset_get32(t), dlen = art__hset_get32(t + 4);
    uint64_t count = art__hset_get64(t + 8), doff = art__hset_get64(t + 16);
    uint64_t ioff = art__hset_get64(t + 24);
    uint32_t bits = art__hset_get32(t + 32);
    uint64_t isize;
    if (alg != (uint32_t)art__hset_algs[i] ||
        dlen != art_hash_alg_size(art__hset_algs[i]) || bits < HSET_MIN_BITS ||
        bits > HSET_MAX_BITS)
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: bad descriptor for table %u", what, i);
    isize = ((1ull << bits) + 1) * 8;
    if (count > len / dlen || doff > len || count * dlen > len - doff ||
        ioff > len || isize > len - ioff)
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: %s table outside the file (truncated?)", what,
                            art_hash_alg_name(art__hset_algs[i]));
    tb->count = count;
    tb->dlen = dlen;
    tb->data = d + doff;
    tb->index = d + ioff;
    tb->bits = bits;
  }
  return ART_OK;
}

art_status art_hashset_open_buffer(art_ctx *ctx,
                                   const void *data,
                                   size_t len,
                                   art_hashset **out)
{
  art_hashset *hs;
  art_status st;
  if (!out || (!data && len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no data");
  *out = NULL;
  hs = art__calloc(ctx, 1, sizeof *hs);
  if (!hs)
    return ART_ERR_NOMEM;
  st = parse(ctx, data ? data : (const void *)"", len, "buffer", hs);
  if (st != ART_OK) {
    free(hs);
    return st;
  }
  hs->map = data;
  hs->len = len;
  hs->path = strdup("buffer");
  if (!hs->path) {
    free(hs);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "hashset: buffer");
  }
  *out = hs;
  return ART_OK;
}

art_status art_hashset_open(art_ctx *ctx, const char *path, art_hashset **out)
{
  art_hashset *hs = NULL;
  struct stat st;
  void *map = MAP_FAILED;
  art_status rc;
  int fd;
  if (!out || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no path");
  *out = NULL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return art__set_errno(ctx, errno, "%s", path);
  if (fstat(fd, &st) != 0) {
    rc = art__set_errno(ctx, errno, "%s", path);
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not a regular file", path);
    goto out;
  }
  if (st.st_size < HSET_HEADER_SIZE) {
    uint8_t head[8] = {0};
    ssize_t n = read(fd, head, sizeof head);
    if (n == 8 && !memcmp(head, HSET_MAGIC, 8))
      rc = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: truncated hash set header (%lld of %u bytes)",
                          path, (long long)st.st_size, HSET_HEADER_SIZE);
    else
      rc = art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not a hash set (no ARTHSET1 signature)", path);
    goto out;
  }
  map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    rc = art__set_errno(ctx, errno, "%s: mmap", path);
    goto out;
  }
  hs = art__calloc(ctx, 1, sizeof *hs);
  if (!hs) {
    rc = ART_ERR_NOMEM;
    goto out;
  }
  rc = parse(ctx, map, (size_t)st.st_size, path, hs);
  if (rc != ART_OK)
    goto out;
  /* Lookups jump around: read-ahead would only waste the page cache. */
  madvise(map, (size_t)st.st_size, MADV_RANDOM);
  hs->path = art__strdup(ctx, path);
  if (!hs->path) {
    rc = ART_ERR_NOMEM;
    goto out;
  }
  hs->map = map;
  hs->len = (size_t)st.st_size;
  hs->mapped = 1;
  *out = hs;
  hs = NULL;
  map = MAP_FAILED;
out:
  if (map != MAP_FAILED)
    munmap(map, (size_t)st.st_size);
  free(hs);
  close(fd);
  return rc;
}

void art_hashset_free(art_hashset *hs)
{
  if (!hs)
    return;
  if (hs->mapped)
    munmap((void *)(uintptr_t)hs->map, hs->len);
  free(hs->path);
  free(hs);
}

const char *art_hashset_name(const art_hashset *hs)
{
  return hs ? hs->name : "";
}

art_hashset_kind art_hashset_get_kind(const art_hashset *hs)
{
  return hs ? hs->kind : ART_HASHSET_KNOWN;
}

const char *art_hashset_source(const art_hashset *hs)
{
  return hs ? hs->source : "";
}

int64_t art_hashset_created(const art_hashset *hs)
{
  return hs ? hs->created : 0;
}

uint64_t art_hashset_count(const art_hashset *hs, art_hash_alg alg)
{
  int t = table_of(alg);
  return hs && t >= 0 ? hs->tables[t].count : 0;
}

int art_hashset_contains(const art_hashset *hs,
                         art_hash_alg alg,
                         const uint8_t *digest)
{
  int ti = table_of(alg);
  const table *t;
  uint64_t lo, hi;
  uint32_t p;
  if (!hs || ti < 0 || !digest)
    return 0;
  t = &hs->tables[ti];
  if (!t->count)
    return 0;
  p = art__hset_prefix(digest, t->bits);
  lo = art__hset_get64(t->index + 8ull * p);
  hi = art__hset_get64(t->index + 8ull * (p + 1));
  /* A damaged index must not send us outside the table. */
  if (hi > t->count)
    hi = t->count;
  if (lo > hi)
    lo = hi;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    int c = memcmp(t->data + mid * t->dlen, digest, t->dlen);
    if (!c)
      return 1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

art_status art_hashset_lookup_hex(art_ctx *ctx,
                                  const art_hashset *hs,
                                  const char *hex,
                                  int *found)
{
  uint8_t bin[32];
  art_hash_alg alg;
  if (!found || !hs || !hex)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no input");
  *found = 0;
  if (art_hashset_parse_hex(hex, strlen(hex), &alg, bin) != ART_OK)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: not an MD5, SHA-1 or SHA-256 hex digest", hex);
  *found = art_hashset_contains(hs, alg, bin);
  return ART_OK;
}

art_status art_hashset_verify(art_ctx *ctx, const art_hashset *hs)
{
  if (!hs)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no set");
  for (unsigned i = 0; i < HSET_TABLES; i++) {
    const table *t = &hs->tables[i];
    uint64_t nb = 1ull << t->bits, pos = 0;
    const char *alg = art_hash_alg_name(art__hset_algs[i]);
    for (uint64_t r = 1; r < t->count; r++)
      if (memcmp(t->data + (r - 1) * t->dlen, t->data + r * t->dlen, t->dlen) >=
          0)
        return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                              "%s: %s table out of order at record %llu",
                              hs->path, alg, (unsigned long long)r);
    for (uint64_t b = 0; b <= nb; b++) {
      uint64_t v = art__hset_get64(t->index + 8 * b);
      /* First record whose prefix is >= b. */
      while (pos < t->count &&
             art__hset_prefix(t->data + pos * t->dlen, t->bits) < b)
        pos++;
      if (v != pos)
        return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                              "%s: %s index wrong at bucket %llu", hs->path,
                              alg, (unsigned long long)b);
    }
  }
  return ART_OK;
}
