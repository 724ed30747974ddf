/* Hash set builder: reads NSRL RDS v3, hashdeep, *sum files and lists, and
 * writes a sorted, indexed .hset file.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/hashset.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx_private.h"
#include "hashset_private.h"

typedef struct digests {
  uint8_t *buf;
  uint64_t count, cap;
  size_t dlen;
} digests;

struct art_hashset_builder {
  char name[HSET_NAME_MAX], source[HSET_NAME_MAX];
  art_hashset_kind kind;
  digests d[HSET_TABLES];
};

static void copy_name(char *dst, const char *src)
{
  size_t n = src ? strlen(src) : 0;
  if (n >= HSET_NAME_MAX)
    n = HSET_NAME_MAX - 1;
  memset(dst, 0, HSET_NAME_MAX);
  if (n)
    memcpy(dst, src, n);
}

art_status art_hashset_builder_new(art_ctx *ctx,
                                   const char *name,
                                   art_hashset_kind kind,
                                   art_hashset_builder **out)
{
  art_hashset_builder *b;
  if (!out || !name ||
      (kind != ART_HASHSET_KNOWN && kind != ART_HASHSET_NOTABLE))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "hashset: a name and a kind are needed");
  *out = NULL;
  b = art__calloc(ctx, 1, sizeof *b);
  if (!b)
    return ART_ERR_NOMEM;
  copy_name(b->name, name);
  b->kind = kind;
  for (unsigned i = 0; i < HSET_TABLES; i++)
    b->d[i].dlen = art_hash_alg_size(art__hset_algs[i]);
  *out = b;
  return ART_OK;
}

void art_hashset_builder_free(art_hashset_builder *b)
{
  if (!b)
    return;
  for (unsigned i = 0; i < HSET_TABLES; i++)
    free(b->d[i].buf);
  free(b);
}

art_status art_hashset_builder_set_source(art_ctx *ctx,
                                          art_hashset_builder *b,
                                          const char *source)
{
  if (!b || !source)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no source");
  copy_name(b->source, source);
  return ART_OK;
}

static int table_index(art_hash_alg alg)
{
  for (unsigned i = 0; i < HSET_TABLES; i++)
    if (art__hset_algs[i] == alg)
      return (int)i;
  return -1;
}

art_status art_hashset_builder_add(art_ctx *ctx,
                                   art_hashset_builder *b,
                                   art_hash_alg alg,
                                   const uint8_t *digest)
{
  int t = table_index(alg);
  digests *d;
  if (!b || t < 0 || !digest)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "hashset: MD5, SHA-1 or SHA-256 only");
  d = &b->d[t];
  if (d->count == d->cap) {
    uint64_t cap = d->cap ? d->cap * 2 : 4096;
    uint8_t *nb = realloc(d->buf, (size_t)(cap * d->dlen));
    if (!nb)
      return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM,
                            "hashset: no memory for %llu digests",
                            (unsigned long long)cap);
    d->buf = nb;
    d->cap = cap;
  }
  memcpy(d->buf + d->count * d->dlen, digest, d->dlen);
  d->count++;
  return ART_OK;
}

art_status art_hashset_builder_add_hex(art_ctx *ctx,
                                       art_hashset_builder *b,
                                       const char *hex)
{
  uint8_t bin[32];
  art_hash_alg alg;
  if (!hex || art_hashset_parse_hex(hex, strlen(hex), &alg, bin) != ART_OK)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: not an MD5, SHA-1 or SHA-256 hex digest",
                          hex ? hex : "(null)");
  return art_hashset_builder_add(ctx, b, alg, bin);
}

/* Add the hex digest at P (LEN chars) when it is one; 1 if added. */
static int add_span(art_ctx *ctx,
                    art_hashset_builder *b,
                    const char *p,
                    size_t len,
                    art_hashset_stats *stats,
                    art_status *err)
{
  uint8_t bin[32];
  art_hash_alg alg;
  int t;
  if (art_hashset_parse_hex(p, len, &alg, bin) != ART_OK)
    return 0;
  *err = art_hashset_builder_add(ctx, b, alg, bin);
  if (*err != ART_OK)
    return 0;
  t = table_index(alg);
  stats->added[t]++;
  return 1;
}

/* ---- NSRL RDS v3 ---- */

static art_status add_nsrl(art_ctx *ctx,
                           art_hashset_builder *b,
                           const char *path,
                           art_hashset_stats *stats)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  art_status st = ART_OK;
  int rc;
  rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) {
    st = art__set_error(ctx, ART_ERR_DB, 0, "%s: %s", path,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    goto out;
  }
  rc = sqlite3_prepare_v2(db, "SELECT md5, sha1, sha256 FROM FILE", -1, &q,
                          NULL);
  if (rc != SQLITE_OK) {
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: not an NSRL RDS v3 database (no FILE view with "
                        "md5, sha1, sha256): %s",
                        path, sqlite3_errmsg(db));
    goto out;
  }
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int any = 0;
    stats->lines++;
    for (int c = 0; c < 3 && st == ART_OK; c++) {
      const void *v;
      int n = sqlite3_column_bytes(q, c);
      int type = sqlite3_column_type(q, c);
      if (type == SQLITE_NULL)
        continue;
      if (type == SQLITE_BLOB && (size_t)n == b->d[c].dlen) {
        v = sqlite3_column_blob(q, c);
        st = art_hashset_builder_add(ctx, b, art__hset_algs[c], v);
        if (st == ART_OK) {
          stats->added[c]++;
          any = 1;
        }
        continue;
      }
      v = sqlite3_column_text(q, c);
      if (v && (size_t)n == 2 * b->d[c].dlen)
        any |= add_span(ctx, b, v, (size_t)n, stats, &st);
    }
    if (st != ART_OK)
      goto out;
    if (!any) {
      stats->skipped++;
      if (!stats->first_bad_line)
        stats->first_bad_line = stats->lines;
    }
  }
  if (rc != SQLITE_DONE)
    st = art__set_error(ctx, ART_ERR_DB, 0, "%s: %s", path, sqlite3_errmsg(db));
out:
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}

/* ---- text formats ---- */

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One line of a sum file or list: "HEX  name", "HEX *name", "\HEX  name",
 * "HEX", "MD5 (name) = HEX", "HEX,..." */
static int sums_line(art_ctx *ctx,
                     art_hashset_builder *b,
                     char *line,
                     art_hashset_stats *stats,
                     art_status *err)
{
  char *p = line, *e, *eq;
  size_t n = strlen(line);
  while (n && is_space(line[n - 1]))
    line[--n] = '\0';
  while (is_space(*p))
    p++;
  if (!*p || *p == '#')
    return -1; /* not counted */
  eq = strstr(p, ") = ");
  if (eq && strchr(p, '(') && strchr(p, '(') < eq) {
    e = eq + 4;
    return add_span(ctx, b, e, strlen(e), stats, err);
  }
  if (*p == '\\')
    p++;
  e = p;
  while (*e && !is_space(*e) && *e != ',' && *e != ';')
    e++;
  return add_span(ctx, b, p, (size_t)(e - p), stats, err);
}

/* hashdeep: "%%%% size,md5,sha256,filename" names the columns. */
static int hashdeep_line(art_ctx *ctx,
                         art_hashset_builder *b,
                         char *line,
                         int *cols,
                         int *ncols,
                         art_hashset_stats *stats,
                         art_status *err)
{
  size_t n = strlen(line);
  int any = 0, c = 0;
  char *p = line;
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  if (!strncmp(line, "%%%% ", 5) && strchr(line, ',')) {
    if (strncmp(line, "%%%% HASHDEEP", 13)) {
      char *s = line + 5;
      *ncols = 0;
      while (*s && *ncols < 16) {
        char *comma = strchr(s, ',');
        size_t l = comma ? (size_t)(comma - s) : strlen(s);
        cols[(*ncols)++] = l == 3 && !strncasecmp(s, "md5", 3)      ? 0
                           : l == 4 && !strncasecmp(s, "sha1", 4)   ? 1
                           : l == 6 && !strncasecmp(s, "sha256", 6) ? 2
                                                                    : -1;
        s = comma ? comma + 1 : s + l;
      }
    }
    return -1;
  }
  if (!strncmp(line, "%%%%", 4) || !strncmp(line, "##", 2) || !*line)
    return -1;
  /* The file name is the last column and may hold commas. */
  while (c < *ncols - 1 && p) {
    char *comma = strchr(p, ',');
    size_t l = comma ? (size_t)(comma - p) : strlen(p);
    if (cols[c] >= 0 && l == 2 * b->d[cols[c]].dlen)
      any |= add_span(ctx, b, p, l, stats, err);
    if (*err != ART_OK)
      return 0;
    p = comma ? comma + 1 : NULL;
    c++;
  }
  return any;
}

static art_status add_text(art_ctx *ctx,
                           art_hashset_builder *b,
                           const char *path,
                           FILE *f,
                           int hashdeep,
                           art_hashset_stats *stats)
{
  char *line = NULL;
  size_t cap = 0;
  int cols[16], ncols = 0;
  art_status st = ART_OK;
  while (getline(&line, &cap, f) >= 0) {
    int r;
    if (hashdeep)
      r = hashdeep_line(ctx, b, line, cols, &ncols, stats, &st);
    else
      r = sums_line(ctx, b, line, stats, &st);
    if (st != ART_OK)
      break;
    if (r < 0)
      continue;
    stats->lines++;
    if (!r) {
      stats->skipped++;
      if (!stats->first_bad_line)
        stats->first_bad_line = stats->lines;
    }
  }
  if (st == ART_OK && ferror(f))
    st = art__set_errno(ctx, errno, "%s", path);
  free(line);
  return st;
}

static art_status add_hset(art_ctx *ctx,
                           art_hashset_builder *b,
                           const char *path,
                           art_hashset_stats *stats)
{
  art_hashset *hs;
  art_status st = art_hashset_open(ctx, path, &hs);
  if (st != ART_OK)
    return st;
  /* Read the tables through the public lookup view: a merge re-reads the
   * digests in order, which the builder sorts again anyway. */
  {
    FILE *f = fopen(path, "rb");
    uint8_t head[HSET_HEADER_SIZE];
    if (!f || fread(head, 1, sizeof head, f) != sizeof head) {
      st = art__set_errno(ctx, errno ? errno : EIO, "%s", path);
      if (f)
        fclose(f);
      art_hashset_free(hs);
      return st;
    }
    for (unsigned i = 0; i < HSET_TABLES && st == ART_OK; i++) {
      const uint8_t *t = head + HSET_OFF_TABLES + i * HSET_TABLE_SIZE;
      uint64_t count = art__hset_get64(t + 8), off = art__hset_get64(t + 16);
      uint8_t dg[32];
      if (fseeko(f, (off_t)off, SEEK_SET) != 0) {
        st = art__set_errno(ctx, errno, "%s", path);
        break;
      }
      for (uint64_t r = 0; r < count && st == ART_OK; r++) {
        if (fread(dg, 1, b->d[i].dlen, f) != b->d[i].dlen) {
          st = art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: truncated", path);
          break;
        }
        st = art_hashset_builder_add(ctx, b, art__hset_algs[i], dg);
        stats->added[i]++;
      }
    }
    fclose(f);
  }
  art_hashset_free(hs);
  return st;
}

art_status art_hashset_builder_add_file(art_ctx *ctx,
                                        art_hashset_builder *b,
                                        const char *path,
                                        art_hashset_format format,
                                        art_hashset_stats *stats)
{
  art_hashset_stats local;
  art_status st;
  FILE *f = NULL;
  char head[16] = {0};
  size_t got;
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!b || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no input");
  f = fopen(path, "rb");
  if (!f)
    return art__set_errno(ctx, errno, "%s", path);
  got = fread(head, 1, sizeof head, f);
  if (format == ART_HASHSET_FMT_AUTO) {
    if (got == 16 && !memcmp(head, "SQLite format 3", 16))
      format = ART_HASHSET_FMT_NSRL;
    else if (got >= 8 && !memcmp(head, HSET_MAGIC, 8))
      format = ART_HASHSET_FMT_HSET;
    else if (got >= 13 && !memcmp(head, "%%%% HASHDEEP", 13))
      format = ART_HASHSET_FMT_HASHDEEP;
    else
      format = ART_HASHSET_FMT_SUMS;
  }
  stats->format = format;
  switch (format) {
  case ART_HASHSET_FMT_NSRL:
    fclose(f);
    f = NULL;
    st = add_nsrl(ctx, b, path, stats);
    break;
  case ART_HASHSET_FMT_HSET:
    fclose(f);
    f = NULL;
    st = add_hset(ctx, b, path, stats);
    break;
  default:
    rewind(f);
    st = add_text(ctx, b, path, f, format == ART_HASHSET_FMT_HASHDEEP, stats);
    break;
  }
  if (f)
    fclose(f);
  if (st == ART_OK && !stats->added[0] && !stats->added[1] && !stats->added[2])
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: no MD5, SHA-1 or SHA-256 digest found (read as "
                        "%s)",
                        path, art_hashset_format_name(format));
  return st;
}

/* ---- writing ---- */

static int cmp_digest(const void *a, const void *b, void *len)
{
  return memcmp(a, b, *(const size_t *)len);
}

static uint64_t dedup(digests *d)
{
  uint64_t w = 0;
  for (uint64_t r = 0; r < d->count; r++) {
    if (w && !memcmp(d->buf + (w - 1) * d->dlen, d->buf + r * d->dlen, d->dlen))
      continue;
    if (w != r)
      memcpy(d->buf + w * d->dlen, d->buf + r * d->dlen, d->dlen);
    w++;
  }
  d->count = w;
  return w;
}

static unsigned index_bits(uint64_t count)
{
  unsigned bits = HSET_MIN_BITS;
  while (bits < HSET_MAX_BITS && (count >> bits) > 8)
    bits++;
  return bits;
}

static art_status
write_all(art_ctx *ctx, int fd, const char *path, const void *p, size_t n)
{
  const uint8_t *c = p;
  while (n) {
    ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return art__set_errno(ctx, errno, "%s", path);
    }
    c += (size_t)w;
    n -= (size_t)w;
  }
  return ART_OK;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
  return (v + a - 1) / a * a;
}

art_status art_hashset_builder_write(art_ctx *ctx,
                                     art_hashset_builder *b,
                                     const char *path,
                                     uint64_t counts[3])
{
  uint8_t *head = NULL;
  uint64_t off = HSET_HEADER_SIZE;
  uint64_t doff[HSET_TABLES], ioff[HSET_TABLES];
  unsigned bits[HSET_TABLES];
  char *tmp = NULL;
  art_status st = ART_OK;
  int fd = -1;
  size_t plen;
  char sum[ART_HASH_MAX_HEX];
  if (!b || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "hashset: no output");
  for (unsigned i = 0; i < HSET_TABLES; i++) {
    digests *d = &b->d[i];
    if (d->count) {
      qsort_r(d->buf, (size_t)d->count, d->dlen, cmp_digest, &d->dlen);
      dedup(d);
    }
    if (counts)
      counts[i] = d->count;
    bits[i] = index_bits(d->count);
    doff[i] = off = align_up(off, 4096);
    off += d->count * d->dlen;
    ioff[i] = off = align_up(off, 8);
    off += ((1ull << bits[i]) + 1) * 8;
  }
  head = calloc(1, HSET_HEADER_SIZE);
  plen = strlen(path);
  tmp = malloc(plen + 16);
  if (!head || !tmp) {
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", path);
    goto out;
  }
  memcpy(head, HSET_MAGIC, 8);
  art__hset_put32(head + HSET_OFF_VERSION, HSET_VERSION);
  art__hset_put32(head + HSET_OFF_HEADER_SIZE, HSET_HEADER_SIZE);
  art__hset_put32(head + HSET_OFF_KIND, (uint32_t)b->kind);
  art__hset_put32(head + HSET_OFF_NTABLES, HSET_TABLES);
  art__hset_put64(head + HSET_OFF_CREATED, (uint64_t)time(NULL));
  memcpy(head + HSET_OFF_NAME, b->name, HSET_NAME_MAX);
  memcpy(head + HSET_OFF_SOURCE, b->source, HSET_NAME_MAX);
  for (unsigned i = 0; i < HSET_TABLES; i++) {
    uint8_t *t = head + HSET_OFF_TABLES + i * HSET_TABLE_SIZE;
    art__hset_put32(t, (uint32_t)art__hset_algs[i]);
    art__hset_put32(t + 4, (uint32_t)b->d[i].dlen);
    art__hset_put64(t + 8, b->d[i].count);
    art__hset_put64(t + 16, doff[i]);
    art__hset_put64(t + 24, ioff[i]);
    art__hset_put32(t + 32, bits[i]);
  }
  st = art_hash_buffer(ctx, ART_HASH_SHA256, head, HSET_OFF_CHECKSUM, sum);
  if (st != ART_OK)
    goto out;
  memcpy(head + HSET_OFF_CHECKSUM, sum, 64);

  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmpXXXXXX", 11);
  fd = mkstemp(tmp);
  if (fd < 0) {
    st = art__set_errno(ctx, errno, "%s", path);
    goto out;
  }
  st = write_all(ctx, fd, path, head, HSET_HEADER_SIZE);
  for (unsigned i = 0; i < HSET_TABLES && st == ART_OK; i++) {
    digests *d = &b->d[i];
    uint64_t nb = 1ull << bits[i], pos = 0;
    uint8_t *idx;
    if (lseek(fd, (off_t)doff[i], SEEK_SET) < 0) {
      st = art__set_errno(ctx, errno, "%s", path);
      break;
    }
    st = write_all(ctx, fd, path, d->buf, (size_t)(d->count * d->dlen));
    if (st != ART_OK)
      break;
    idx = malloc((size_t)((nb + 1) * 8));
    if (!idx) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", path);
      break;
    }
    for (uint64_t k = 0; k <= nb; k++) {
      while (pos < d->count &&
             art__hset_prefix(d->buf + pos * d->dlen, bits[i]) < k)
        pos++;
      art__hset_put64(idx + 8 * k, pos);
    }
    if (lseek(fd, (off_t)ioff[i], SEEK_SET) < 0)
      st = art__set_errno(ctx, errno, "%s", path);
    else
      st = write_all(ctx, fd, path, idx, (size_t)((nb + 1) * 8));
    free(idx);
  }
  if (st == ART_OK && fchmod(fd, 0644) != 0)
    st = art__set_errno(ctx, errno, "%s", path);
  if (st == ART_OK && fsync(fd) != 0)
    st = art__set_errno(ctx, errno, "%s", path);
  if (close(fd) != 0 && st == ART_OK)
    st = art__set_errno(ctx, errno, "%s", path);
  fd = -1;
  if (st == ART_OK && rename(tmp, path) != 0)
    st = art__set_errno(ctx, errno, "%s", path);
  if (st != ART_OK)
    unlink(tmp);
out:
  if (fd >= 0) {
    close(fd);
    unlink(tmp);
  }
  free(tmp);
  free(head);
  return st;
}
