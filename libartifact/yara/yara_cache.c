/* The compiled-rules cache: a rule set compiled once is saved (libyara's own
 * format behind a header of ours) and loaded on later runs when the sources,
 * included files, externals, flags and libyara version are the same.
 * SPDX-License-Identifier: Apache-2.0
 *
 * File DIR/KEY.yarc: text header lines up to "end\n", then the payload
 * written by yr_rules_save_stream(). The header keeps the payload's SHA-256
 * (checked before libyara sees a byte: only caches we wrote are loaded),
 * each included file's SHA-256 (a changed include is a miss), and the
 * diagnostics of the compile so a cached run reports the same warnings.
 */
#include "yara_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctx_private.h"

#define CACHE_MAGIC "ARTYARC 1\n"

art_status
art__yara_sha256(art_ctx *ctx, const void *data, size_t len, char hex[65])
{
  static const char hx[] = "0123456789abcdef";
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0,
                          "yara cache: SHA-256 "
                          "failed");
  for (size_t i = 0; i < 32; i++) {
    hex[2 * i] = hx[md[i] >> 4];
    hex[2 * i + 1] = hx[md[i] & 15];
  }
  hex[64] = '\0';
  return ART_OK;
}

art_status
art__yara_cache_key(art_ctx *ctx, const art_yara_compiler *c, char key[65])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  static const char hx[] = "0123456789abcdef";
  unsigned char out[32];
  unsigned int outlen = 0;
  unsigned flags = c->flags;
  int ok;
  if (!md)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
#define FEED(p, n) (ok = ok && EVP_DigestUpdate(md, (p), (n)))
#define FEEDS(s)   FEED((s), strlen(s) + 1)
  FEEDS(CACHE_MAGIC);
  FEEDS(YR_VERSION);
  FEED(&flags, sizeof flags);
  FEED(&c->max_strings, sizeof c->max_strings);
  if (c->atom_table) {
    FEEDS("atoms");
    FEEDS(c->atom_sha);
  }
  for (size_t i = 0; i < c->n_defs; i++) {
    FEEDS("define");
    FEEDS(c->defs[i].name);
    FEEDS(c->defs[i].value);
  }
  for (size_t i = 0; i < c->n_srcs; i++) {
    uint64_t len = c->srcs[i].len;
    /* The canonical path: the same rules named by a relative and an
     * absolute path (or through a link) are one entry. The root is where
     * includes are confined, canonical too. */
    char *root = realpath(c->srcs[i].root, NULL);
    FEEDS("file");
    FEEDS(c->srcs[i].canon ? c->srcs[i].canon : c->srcs[i].path);
    FEEDS(c->srcs[i].ns);
    FEEDS(root ? root : c->srcs[i].root);
    free(root);
    FEED(&len, sizeof len);
    FEED(c->srcs[i].data, c->srcs[i].len);
  }
#undef FEED
#undef FEEDS
  ok = ok && EVP_DigestFinal_ex(md, out, &outlen);
  EVP_MD_CTX_free(md);
  if (!ok || outlen != 32)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0,
                          "yara cache: SHA-256 failed");
  for (size_t i = 0; i < 32; i++) {
    key[2 * i] = hx[out[i] >> 4];
    key[2 * i + 1] = hx[out[i] & 15];
  }
  key[64] = '\0';
  return ART_OK;
}

typedef struct mem_stream {
  unsigned char *p;
  size_t len, cap, pos;
  int oom;
} mem_stream;

static size_t ms_read(void *ptr, size_t size, size_t count, void *ud)
{
  mem_stream *m = ud;
  size_t items;
  if (size == 0 || m->pos >= m->len)
    return 0;
  items = (m->len - m->pos) / size;
  if (items > count)
    items = count;
  memcpy(ptr, m->p + m->pos, items * size);
  m->pos += items * size;
  return items;
}

static size_t ms_write(const void *ptr, size_t size, size_t count, void *ud)
{
  mem_stream *m = ud;
  size_t n = size * count;
  if (m->oom)
    return 0;
  if (n == 0) /* P may still be NULL: memcpy(NULL, ..., 0) is undefined */
    return count;
  if (m->len + n > m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 1u << 20;
    unsigned char *p;
    while (ncap < m->len + n)
      ncap *= 2;
    p = realloc(m->p, ncap);
    if (!p) {
      m->oom = 1;
      return 0;
    }
    m->p = p;
    m->cap = ncap;
  }
  memcpy(m->p + m->len, ptr, n);
  m->len += n;
  return count;
}

/* Header fields are percent-escaped so names with tabs or newlines survive.
 */
static void put_escaped(mem_stream *m, const char *s)
{
  static const char hx[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '%' || ch == '\t' || ch == '\n' || ch == '\r') {
      char e[3] = {'%', hx[ch >> 4], hx[ch & 15]};
      ms_write(e, 1, 3, m);
    } else {
      ms_write(s, 1, 1, m);
    }
  }
}

static void put_fmt(mem_stream *m, const char *fmt, ...) ART_PRINTF(2, 3);
static void put_fmt(mem_stream *m, const char *fmt, ...)
{
  char tmp[256];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    ms_write(tmp, 1, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1, m);
}

static char *unescape(const char *s, size_t n)
{
  char *out = malloc(n + 1), *o = out;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n) {
      unsigned v = 0;
      int ok = 1;
      for (size_t k = 1; k <= 2; k++) {
        char ch = s[i + k];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
          v |= (unsigned)(ch - '0');
        else if (ch >= 'A' && ch <= 'F')
          v |= (unsigned)(ch - 'A' + 10);
        else
          ok = 0;
      }
      if (ok) {
        *o++ = (char)v;
        i += 2;
        continue;
      }
    }
    *o++ = s[i];
  }
  *o = '\0';
  return out;
}

static char *entry_path(const art_yara_compiler *c, const char *key)
{
  size_t n = strlen(c->cache_dir) + 1 + 64 + 6;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s.yarc", c->cache_dir, key);
  return p;
}

static art_status read_whole(const char *path, unsigned char **out, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  unsigned char *buf;
  size_t used = 0;
  if (fd < 0)
    return ART_ERR_NOT_FOUND;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    close(fd);
    return ART_ERR_NOT_FOUND;
  }
  buf = malloc((size_t)st.st_size + 1);
  if (!buf) {
    close(fd);
    return ART_ERR_NOMEM;
  }
  while (used < (size_t)st.st_size) {
    ssize_t got = read(fd, buf + used, (size_t)st.st_size - used);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    used += (size_t)got;
  }
  close(fd);
  buf[used] = '\0';
  *out = buf;
  *len = used;
  return ART_OK;
}

/* Map a cache entry read-only (no copy, no zeroed buffer: it is read once
 * and handed to libyara, which makes its own copy). */
static art_status map_whole(const char *path, unsigned char **out, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  void *p;
  if (fd < 0)
    return ART_ERR_NOT_FOUND;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    close(fd);
    return ART_ERR_NOT_FOUND;
  }
  p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
           0);
  close(fd);
  if (p == MAP_FAILED)
    return ART_ERR_NOT_FOUND;
  *out = p;
  *len = (size_t)st.st_size;
  return ART_OK;
}

/* The next header line of DATA from *POS (without its newline). */
static const char *
next_line(const unsigned char *data, size_t len, size_t *pos, size_t *n)
{
  const unsigned char *nl;
  if (*pos >= len)
    return NULL;
  nl = memchr(data + *pos, '\n', len - *pos);
  if (!nl)
    return NULL;
  *n = (size_t)(nl - (data + *pos));
  {
    const char *line = (const char *)data + *pos;
    *pos += *n + 1;
    return line;
  }
}

static int dep_matches(const char *path, const char *sha)
{
  unsigned char *data = NULL;
  size_t len = 0;
  char now[65];
  int ok;
  if (read_whole(path, &data, &len) != ART_OK) {
    /* An empty file reads as missing; compare with the empty hash. */
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size != 0)
      return 0;
    data = NULL;
    len = 0;
  }
  ok = art__yara_sha256(NULL, data ? data : (const unsigned char *)"", len,
                        now) == ART_OK &&
       strcmp(now, sha) == 0;
  free(data);
  return ok;
}

art_status art__yara_cache_load(art_ctx *ctx,
                                art_yara_compiler *c,
                                const char *key,
                                YR_RULES **yr,
                                size_t *files,
                                size_t *skipped,
                                unsigned *uses)
{
  char *path = entry_path(c, key);
  unsigned char *data = NULL;
  size_t len = 0, pos = 0, n = 0, payload_size = 0;
  char payload_sha[65] = "", sha[65];
  const char *line;
  int ended = 0, version_ok = 0, key_ok = 0;
  art_status st = ART_ERR_NOT_FOUND;
  mem_stream ms = {0};
  YR_STREAM stream;
  (void)ctx;
  *yr = NULL;
  if (!path)
    return ART_ERR_NOMEM;
  if (map_whole(path, &data, &len) != ART_OK)
    goto out;
  if (len < strlen(CACHE_MAGIC) ||
      memcmp(data, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
    goto out;
  pos = strlen(CACHE_MAGIC);
  while ((line = next_line(data, len, &pos, &n)) != NULL) {
    char buf[128];
    if (n == 3 && memcmp(line, "end", 3) == 0) {
      ended = 1;
      break;
    }
    if (n < sizeof buf) {
      memcpy(buf, line, n);
      buf[n] = '\0';
    } else {
      buf[0] = '\0';
    }
    if (strncmp(buf, "key ", 4) == 0) {
      key_ok = strcmp(buf + 4, key) == 0;
    } else if (strncmp(buf, "yara ", 5) == 0) {
      version_ok = strcmp(buf + 5, YR_VERSION) == 0;
    } else if (strncmp(buf, "payload-sha256 ", 15) == 0 &&
               strlen(buf + 15) == 64) {
      memcpy(payload_sha, buf + 15, 65);
    } else if (strncmp(buf, "payload-size ", 13) == 0) {
      payload_size = (size_t)strtoull(buf + 13, NULL, 10);
    } else if (strncmp(buf, "files ", 6) == 0) {
      *files = (size_t)strtoull(buf + 6, NULL, 10);
    } else if (strncmp(buf, "skipped ", 8) == 0) {
      *skipped = (size_t)strtoull(buf + 8, NULL, 10);
    } else if (strncmp(buf, "uses ", 5) == 0) {
      *uses = (unsigned)strtoul(buf + 5, NULL, 10);
    } else if (n > 69 && memcmp(line, "dep ", 4) == 0 && line[68] == ' ') {
      char dsha[65];
      char *dpath = unescape(line + 69, n - 69);
      memcpy(dsha, line + 4, 64);
      dsha[64] = '\0';
      if (!dpath || !dep_matches(dpath, dsha) ||
          art__yara_dep_add(c, dpath, dsha) != ART_OK) {
        free(dpath);
        goto out;
      }
      free(dpath);
    } else if (n > 5 && memcmp(line, "diag ", 5) == 0) {
      /* diag LEVEL SKIPPED INDEX LINE\tFILE\tRULE\tMESSAGE */
      const char *f[4];
      size_t fl[4];
      const char *p = line + 5, *end = line + n;
      unsigned lv = 0, sk = 0;
      size_t idx = 0;
      int ln = 0;
      char nums[64];
      const char *tab = memchr(p, '\t', (size_t)(end - p));
      if (!tab || (size_t)(tab - p) >= sizeof nums)
        goto out;
      memcpy(nums, p, (size_t)(tab - p));
      nums[tab - p] = '\0';
      if (sscanf(nums, "%u %u %zu %d", &lv, &sk, &idx, &ln) != 4)
        goto out;
      p = tab + 1;
      for (int k = 0; k < 4; k++) {
        const char *t = k < 3 ? memchr(p, '\t', (size_t)(end - p)) : end;
        if (!t)
          goto out;
        f[k] = p;
        fl[k] = (size_t)(t - p);
        p = t + 1;
      }
      {
        char *file = unescape(f[0], fl[0]);
        char *rule = unescape(f[1], fl[1]);
        char *msg = unescape(f[2], fl[2]);
        art_status rc = ART_ERR_NOMEM;
        (void)fl[3];
        if (file && rule && msg)
          rc = art__yara_diag_add(
              c, lv ? ART_YARA_DIAG_WARNING : ART_YARA_DIAG_ERROR, file, ln,
              *rule ? rule : NULL, msg, idx);
        if (rc == ART_OK)
          c->diags[c->n_diags - 1].skipped = sk ? 1 : 0;
        free(file);
        free(rule);
        free(msg);
        if (rc != ART_OK)
          goto out;
      }
    }
  }
  if (!ended || !version_ok || !key_ok || !payload_sha[0] ||
      len - pos != payload_size)
    goto out;
  if (art__yara_sha256(NULL, data + pos, payload_size, sha) != ART_OK ||
      strcmp(sha, payload_sha) != 0)
    goto out;
  ms.p = data + pos;
  ms.len = payload_size;
  stream.user_data = &ms;
  stream.read = ms_read;
  stream.write = NULL;
  if (yr_rules_load_stream(&stream, yr) != ERROR_SUCCESS) {
    *yr = NULL;
    goto out;
  }
  st = ART_OK;
  /* Used now: the eviction keeps the most recently used entries. */
  (void)utimensat(AT_FDCWD, path, NULL, 0);
out:
  free(path);
  if (data)
    munmap(data, len);
  return st;
}

art_status art__yara_cache_save(art_ctx *ctx,
                                const art_yara_compiler *c,
                                const char *key,
                                YR_RULES *yr,
                                size_t files,
                                size_t skipped,
                                unsigned uses)
{
  mem_stream ms = {0};
  YR_STREAM stream;
  char sha[65];
  char *path = NULL, *tmp = NULL;
  FILE *f = NULL;
  int fd = -1;
  art_status st = ART_ERR_IO;
  size_t tmplen;
  stream.user_data = &ms;
  stream.read = NULL;
  stream.write = ms_write;
  if (mkdir(c->cache_dir, 0700) != 0 && errno != EEXIST) {
    /* Create the parents too (…/.cache/artifact/yara). */
    char *d = strdup(c->cache_dir);
    for (char *p = d ? d + 1 : NULL; p && *p; p++) {
      if (*p == '/') {
        *p = '\0';
        (void)mkdir(d, 0700);
        *p = '/';
      }
    }
    if (d)
      (void)mkdir(d, 0700);
    free(d);
  }
  if (yr_rules_save_stream(yr, &stream) != ERROR_SUCCESS || ms.oom)
    goto out;
  if (art__yara_sha256(ctx, ms.p, ms.len, sha) != ART_OK)
    goto out;
  path = entry_path(c, key);
  tmplen = strlen(c->cache_dir) + 32;
  tmp = malloc(tmplen);
  if (!path || !tmp)
    goto out;
  snprintf(tmp, tmplen, "%s/.tmp.XXXXXX", c->cache_dir);
  fd = mkstemp(tmp);
  if (fd < 0) {
    st = art__set_errno(ctx, errno, "%s", c->cache_dir);
    goto out;
  }
  f = fdopen(fd, "wb");
  if (!f)
    goto out;
  fd = -1;
  {
    mem_stream h = {0};
    ms_write(CACHE_MAGIC, 1, strlen(CACHE_MAGIC), &h);
    put_fmt(&h, "key %s\nyara %s\npayload-sha256 %s\npayload-size %zu\n", key,
            YR_VERSION, sha, ms.len);
    put_fmt(&h, "files %zu\nskipped %zu\nuses %u\n", files, skipped, uses);
    for (size_t i = 0; i < c->n_deps; i++) {
      put_fmt(&h, "dep %s ", c->deps[i].sha256);
      put_escaped(&h, c->deps[i].path);
      ms_write("\n", 1, 1, &h);
    }
    for (size_t i = 0; i < c->n_diags; i++) {
      const art__yara_diag_rec *d = &c->diags[i];
      put_fmt(&h, "diag %u %u %zu %d\t", (unsigned)d->level,
              (unsigned)d->skipped, d->file_index, d->line);
      put_escaped(&h, d->file);
      ms_write("\t", 1, 1, &h);
      put_escaped(&h, d->rule ? d->rule : "");
      ms_write("\t", 1, 1, &h);
      put_escaped(&h, d->message);
      ms_write("\t\n", 1, 2, &h);
    }
    ms_write("end\n", 1, 4, &h);
    if (h.oom || fwrite(h.p, 1, h.len, f) != h.len) {
      free(h.p);
      goto out;
    }
    free(h.p);
  }
  if (fwrite(ms.p, 1, ms.len, f) != ms.len)
    goto out;
  if (fclose(f) != 0) {
    f = NULL;
    goto out;
  }
  f = NULL;
  if (rename(tmp, path) != 0)
    goto out;
  free(tmp);
  tmp = NULL;
  st = ART_OK;
  art__yara_cache_evict(c->cache_dir, c->cache_max, path);
out:
  if (f)
    fclose(f);
  if (fd >= 0)
    close(fd);
  if (tmp) {
    unlink(tmp);
    free(tmp);
  }
  free(path);
  free(ms.p);
  return st;
}

typedef struct cache_ent {
  char *path;
  uint64_t size;
  int64_t mtime;
} cache_ent;

static int ent_older(const void *a, const void *b)
{
  const cache_ent *x = a, *y = b;
  return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

void art__yara_cache_evict(const char *dir, uint64_t max, const char *keep)
{
  DIR *d;
  struct dirent *e;
  cache_ent *ents = NULL;
  size_t n = 0, cap = 0;
  uint64_t total = 0;
  if (!dir || !max || !(d = opendir(dir)))
    return;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    struct stat st;
    char *p;
    if (l < 6 || strcmp(e->d_name + l - 5, ".yarc") != 0)
      continue;
    if (!(p = malloc(strlen(dir) + l + 2)))
      break;
    snprintf(p, strlen(dir) + l + 2, "%s/%s", dir, e->d_name);
    if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(p);
      continue;
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 32;
      cache_ent *q = realloc(ents, nc * sizeof *q);
      if (!q) {
        free(p);
        break;
      }
      ents = q;
      cap = nc;
    }
    ents[n].path = p;
    ents[n].size = (uint64_t)st.st_size;
    ents[n].mtime =
        (int64_t)st.st_mtim.tv_sec * 1000000000 + (int64_t)st.st_mtim.tv_nsec;
    total += ents[n].size;
    n++;
  }
  closedir(d);
  if (n > 1)
    qsort(ents, n, sizeof *ents, ent_older);
  for (size_t i = 0; i < n && total > max; i++) {
    if (keep && strcmp(ents[i].path, keep) == 0)
      continue;
    if (unlink(ents[i].path) == 0)
      total -= ents[i].size;
  }
  for (size_t i = 0; i < n; i++)
    free(ents[i].path);
  free(ents);
}
