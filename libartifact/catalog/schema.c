/* Evidence catalogue: opening a catalogue in its store, and helpers.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "catalog_private.h"

const char *const art__cat_item_fields[] = {"description",
                                            "kind",
                                            "type_label",
                                            "make",
                                            "model",
                                            "serial_number",
                                            "capacity",
                                            "condition",
                                            "source_host",
                                            "source_identifier",
                                            "owner",
                                            "found_location",
                                            "collection_method",
                                            "acq_tool",
                                            "acq_tool_version",
                                            "acq_settings",
                                            "write_blocker",
                                            "acquired_by",
                                            "acquired_at",
                                            "acquired_where",
                                            "storage_location",
                                            "seal_number",
                                            "file_name",
                                            "size_bytes",
                                            "mime_type",
                                            "derivation",
                                            "parent_item",
                                            "container_format",
                                            "notes",
                                            NULL};

/* ---- small helpers ---- */

void art__buf_add(art__buf *b, const void *data, size_t len)
{
  if (b->failed || len == 0)
    return;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  if (b->flush && b->len >= ART__BUF_FLUSH)
    art__buf_flush(b);
}

void art__buf_flush(art__buf *b)
{
  if (!b->flush || b->failed || b->len == 0)
    return;
  if (b->flush(b->flush_ud, b->data, b->len) != 0)
    b->failed = 1;
  b->len = 0;
  b->data[0] = '\0';
}

void art__buf_str(art__buf *b, const char *s)
{
  if (s)
    art__buf_add(b, s, strlen(s));
}

void art__buf_printf(art__buf *b, const char *fmt, ...)
{
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    art__buf_add(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->failed = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  art__buf_add(b, big, (size_t)n);
  free(big);
}

void art__buf_free(art__buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int art__cat_item_field_index(const char *name)
{
  for (int i = 0; art__cat_item_fields[i]; i++)
    if (strcmp(art__cat_item_fields[i], name) == 0)
      return i;
  return -1;
}

const char *const *art_catalog_field_names(void)
{
  return art__cat_item_fields;
}

void art__cat_now(char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, len, "%s.%06ldZ", base, ts.tv_nsec / 1000);
}

void art__cat_hex(const uint8_t *data, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * len] = '\0';
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int art__cat_unhex(const char *hex, uint8_t *out, size_t len)
{
  if (!hex || strlen(hex) != 2 * len)
    return -1;
  for (size_t i = 0; i < len; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

void art__cat_uuid4(char *buf, size_t len)
{
  uint8_t r[16];
  if (RAND_bytes(r, sizeof r) != 1) {
    /* RAND_bytes does not fail on a seeded system; fall back to the clock so
     * that ids stay unique within one process rather than all-zero. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(r, 0, sizeof r);
    memcpy(r, &ts, sizeof ts < sizeof r ? sizeof ts : sizeof r);
  }
  r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
  r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
  char h[33];
  art__cat_hex(r, 16, h);
  snprintf(buf, len, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
           h + 20);
}

char *art__cat_json_dump(const json_t *j)
{
  return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
}

/* ---- the storage interface, shared part ---- */

const art__cat_store *art__cat_store_for(const char *target)
{
  if (target && (strncmp(target, "postgresql://", 13) == 0 ||
                 strncmp(target, "postgres://", 11) == 0))
    return &art__cat_store_pg;
  return &art__cat_store_sqlite;
}

int art__cat_step(art__cat_stmt *st)
{
  return st->ops->step(st);
}

void art__cat_reset(art__cat_stmt *st)
{
  st->ops->reset(st);
}

int art__cat_bind_text5(
    art__cat_stmt *st, int idx, const char *s, int len, int mode)
{
  (void)mode; /* the stores always copy what they are given */
  return s ? st->ops->bind_text(st, idx, s, len) : st->ops->bind_null(st, idx);
}

int art__cat_bind_int64(art__cat_stmt *st, int idx, int64_t v)
{
  return st->ops->bind_int64(st, idx, v);
}

int art__cat_bind_blob(
    art__cat_stmt *st, int idx, const void *p, int len, int mode)
{
  (void)mode;
  return p ? st->ops->bind_blob(st, idx, p, len) : st->ops->bind_null(st, idx);
}

int art__cat_bind_null(art__cat_stmt *st, int idx)
{
  return st->ops->bind_null(st, idx);
}

int art__cat_col_count(art__cat_stmt *st)
{
  return st->ops->col_count(st);
}

const char *art__cat_col_name(art__cat_stmt *st, int i)
{
  return st->ops->col_name(st, i);
}

int art__cat_col_type(art__cat_stmt *st, int i)
{
  return st->ops->col_type(st, i);
}

const char *art__cat_col_text(art__cat_stmt *st, int i)
{
  return st->ops->col_text(st, i);
}

int64_t art__cat_col_int64(art__cat_stmt *st, int i)
{
  return st->ops->col_int64(st, i);
}

const void *art__cat_col_blob(art__cat_stmt *st, int i)
{
  return st->ops->col_blob(st, i);
}

int art__cat_col_bytes(art__cat_stmt *st, int i)
{
  return st->ops->col_bytes(st, i);
}

art_status art__cat_db_error(art_ctx *ctx, art_catalog *cat, const char *what)
{
  if (!cat || !cat->ops)
    return art__set_error(ctx, ART_ERR_DB, 0, "catalog: %s: no database", what);
  return cat->ops->error(ctx, cat, what);
}

art_status art__cat_exec(art_ctx *ctx, art_catalog *cat, const char *sql)
{
  return cat->ops->exec(ctx, cat, sql);
}

art_status art__cat_prepare(art_ctx *ctx,
                            art_catalog *cat,
                            const char *sql,
                            art__cat_stmt **st)
{
  size_t n = sizeof cat->stmts / sizeof cat->stmts[0], i, free_slot = n;
  for (i = 0; i < n; i++) {
    if (!cat->stmts[i].sql) {
      if (free_slot == n)
        free_slot = i;
      continue;
    }
    if (strcmp(cat->stmts[i].sql, sql) == 0) {
      if (cat->stmts[i].busy)
        break; /* in use further up the stack: make a fresh one */
      cat->stmts[i].busy = 1;
      *st = cat->stmts[i].st;
      return ART_OK;
    }
  }
  int keep = i == n && free_slot < n;
  art_status s = cat->ops->prepare(ctx, cat, sql, keep, st);
  if (s != ART_OK) {
    *st = NULL;
    return s;
  }
  if (keep) {
    char *copy = strdup(sql);
    if (copy) {
      cat->stmts[free_slot].sql = copy;
      cat->stmts[free_slot].st = *st;
      cat->stmts[free_slot].busy = 1;
    }
  }
  return ART_OK;
}

void art__cat_finish(art_catalog *cat, art__cat_stmt *st)
{
  if (!st)
    return;
  for (size_t i = 0; i < sizeof cat->stmts / sizeof cat->stmts[0]; i++) {
    if (cat->stmts[i].st == st && cat->stmts[i].sql) {
      st->ops->reset(st);
      cat->stmts[i].busy = 0;
      return;
    }
  }
  st->ops->finalize(st);
}

art_status art__cat_bind_text(
    art_ctx *ctx, art_catalog *cat, art__cat_stmt *st, int idx, const char *s)
{
  if (art__cat_bind_text5(st, idx, s, -1, ART__CAT_TRANSIENT) != ART__CAT_OK)
    return art__cat_db_error(ctx, cat, "bind");
  return ART_OK;
}

art_status art__cat_tx_begin(art_ctx *ctx, art_catalog *cat)
{
  if (cat->in_batch)
    return ART_OK;
  if (cat->readonly)
    return art__set_error(ctx, ART_ERR_PERMISSION, 0,
                          "%s: catalogue opened read-only", cat->path);
  return cat->ops->tx_begin(ctx, cat);
}

art_status art__cat_tx_commit(art_ctx *ctx, art_catalog *cat)
{
  if (cat->in_batch)
    return ART_OK;
  art_status st = cat->ops->tx_commit(ctx, cat);
  if (st != ART_OK)
    cat->ops->tx_rollback(cat);
  return st;
}

void art__cat_tx_rollback(art_catalog *cat)
{
  if (cat->in_batch)
    return;
  cat->ops->tx_rollback(cat);
}

art_status art__cat_tx_end(art_ctx *ctx, art_catalog *cat, art_status st)
{
  if (st == ART_OK)
    return art__cat_tx_commit(ctx, cat);
  art__cat_tx_rollback(cat);
  return st;
}

art_status art_catalog_begin(art_ctx *ctx, art_catalog *cat)
{
  if (!cat || cat->in_batch)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "catalog: begin: already in a batch");
  art_status st = art__cat_tx_begin(ctx, cat);
  if (st == ART_OK)
    cat->in_batch = 1;
  return st;
}

art_status art_catalog_commit(art_ctx *ctx, art_catalog *cat)
{
  if (!cat || !cat->in_batch)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "catalog: commit: not in a batch");
  cat->in_batch = 0;
  return art__cat_tx_commit(ctx, cat);
}

void art_catalog_rollback(art_catalog *cat)
{
  if (!cat)
    return;
  cat->in_batch = 0;
  art__cat_tx_rollback(cat);
}

art_status art__cat_meta_init(art_ctx *ctx, art_catalog *cat)
{
  char uuid[40], now[40];
  const char *created = now;
  char *src_created = NULL;
  cat->created = 1;
  art__cat_uuid4(uuid, sizeof uuid);
  art__cat_now(now, sizeof now);
  if (cat->copy_of) {
    /* A copy carries its source's id (the chain's genesis is bound to it)
     * and creation time. */
    snprintf(uuid, sizeof uuid, "%s", cat->copy_of->uuid);
    art__cat_stmt *q;
    art_catalog *src = (art_catalog *)cat->copy_of;
    if (art__cat_prepare(ctx, src,
                         "SELECT value FROM meta WHERE key = 'created_at'",
                         &q) == ART_OK) {
      if (art__cat_step(q) == ART__CAT_ROW && art__cat_col_text(q, 0))
        src_created = strdup(art__cat_col_text(q, 0));
      art__cat_finish(src, q);
    }
    if (src_created)
      created = src_created;
  }
  art__cat_stmt *ins;
  art_status st =
      art__cat_prepare(ctx, cat, "INSERT INTO meta VALUES (?, ?)", &ins);
  if (st != ART_OK) {
    free(src_created);
    return st;
  }
  const char *kv[][2] = {{"catalog_uuid", uuid},
                         {"created_at", created},
                         {"encoding", ART__CAT_MAGIC}};
  for (size_t i = 0; i < 3 && st == ART_OK; i++) {
    art__cat_bind_text5(ins, 1, kv[i][0], -1, ART__CAT_STATIC);
    art__cat_bind_text5(ins, 2, kv[i][1], -1, ART__CAT_STATIC);
    if (art__cat_step(ins) != ART__CAT_DONE)
      st = art__cat_db_error(ctx, cat, "meta");
    art__cat_reset(ins);
  }
  art__cat_finish(cat, ins);
  free(src_created);
  return st;
}

art_status art__cat_meta_read(art_ctx *ctx, art_catalog *cat)
{
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat, "SELECT value FROM meta WHERE key = 'catalog_uuid'", &q);
  if (st != ART_OK)
    return st;
  if (art__cat_step(q) == ART__CAT_ROW && art__cat_col_text(q, 0))
    snprintf(cat->uuid, sizeof cat->uuid, "%s", art__cat_col_text(q, 0));
  else
    st = art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: catalogue has no id",
                        cat->path);
  art__cat_finish(cat, q);
  return st;
}

/* A URL's password is never shown in messages or exports. */
static char *mask_target(art_ctx *ctx, const char *target)
{
  char *s = art__strdup(ctx, target);
  if (!s)
    return NULL;
  char *scheme = strstr(s, "://");
  if (!scheme)
    return s;
  char *auth = scheme + 3;
  char *at = strchr(auth, '@');
  char *slash = strchr(auth, '/');
  if (!at || (slash && slash < at))
    return s;
  char *colon = memchr(auth, ':', (size_t)(at - auth));
  if (colon) {
    /* user:secret@host -> user:***@host */
    memmove(colon + 4, at, strlen(at) + 1);
    memcpy(colon + 1, "***", 3);
  }
  return s;
}

/* An earlier copy of the same catalogue that failed before any row was
 * written: the tables and id are there, nothing else. */
static int empty_copy(art_catalog *cat, const art_catalog *src)
{
  if (strcmp(cat->uuid, src->uuid) != 0)
    return 0;
  art__cat_stmt *q;
  int empty = 0;
  if (art__cat_prepare(NULL, cat,
                       "SELECT (SELECT count(*) FROM events) + (SELECT "
                       "count(*) FROM cases) + (SELECT count(*) FROM items)",
                       &q) == ART_OK) {
    empty = art__cat_step(q) == ART__CAT_ROW && art__cat_col_int64(q, 0) == 0;
    art__cat_finish(cat, q);
  }
  return empty;
}

static art_status open_as(art_ctx *ctx,
                          const char *path,
                          unsigned flags,
                          const art_catalog *copy_of,
                          art_catalog **out)
{
  if (out)
    *out = NULL;
  if (!path || !*path || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "catalog: open: no path");
  art_catalog *cat = art__calloc(ctx, 1, sizeof *cat);
  if (!cat)
    return ART_ERR_NOMEM;
  cat->ops = art__cat_store_for(path);
  cat->readonly = (flags & ART_CATALOG_READONLY) != 0;
  cat->copy_of = copy_of;
  if (!(cat->path = mask_target(ctx, path))) {
    free(cat);
    return ART_ERR_NOMEM;
  }
  art_status st = cat->ops->open(ctx, cat, path, flags);
  if (st == ART_OK && copy_of && !cat->created && !empty_copy(cat, copy_of))
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "%s: already holds a catalogue (%s); copy only into "
                        "a new file or an empty database",
                        cat->path, cat->uuid);
  if (st != ART_OK) {
    art_catalog_free(cat);
    return st;
  }
  cat->copy_of = NULL;
  *out = cat;
  return ART_OK;
}

art_status art_catalog_open(art_ctx *ctx,
                            const char *path,
                            unsigned flags,
                            art_catalog **out)
{
  return open_as(ctx, path, flags, NULL, out);
}

art_status art__cat_open_copy(art_ctx *ctx,
                              const char *dest,
                              const art_catalog *src,
                              art_catalog **out)
{
  return open_as(ctx, dest, ART_CATALOG_CREATE, src, out);
}

void art_catalog_free(art_catalog *cat)
{
  if (!cat)
    return;
  for (size_t i = 0; i < sizeof cat->stmts / sizeof cat->stmts[0]; i++) {
    if (cat->stmts[i].sql) {
      cat->stmts[i].st->ops->finalize(cat->stmts[i].st);
      free(cat->stmts[i].sql);
    }
  }
  if (cat->db)
    cat->ops->close(cat);
  art_catalog_key_free(cat->signer);
  art_magic_free(cat->magic);
  free(cat->path);
  free(cat);
}

const char *art_catalog_uuid(const art_catalog *cat)
{
  return cat ? cat->uuid : "";
}

const char *art_catalog_store_name(const art_catalog *cat)
{
  return cat && cat->ops ? cat->ops->name : "";
}

/* ---- field sets ---- */

art_status art_catalog_fields_new(art_ctx *ctx, art_catalog_fields **out)
{
  *out = NULL;
  size_t n = 0;
  while (art__cat_item_fields[n])
    n++;
  art_catalog_fields *f = art__calloc(ctx, 1, sizeof *f);
  if (!f)
    return ART_ERR_NOMEM;
  if (!(f->values = art__calloc(ctx, n, sizeof *f->values))) {
    free(f);
    return ART_ERR_NOMEM;
  }
  *out = f;
  return ART_OK;
}

void art_catalog_fields_free(art_catalog_fields *f)
{
  if (!f)
    return;
  for (size_t i = 0; art__cat_item_fields[i]; i++)
    free(f->values[i]);
  free(f->values);
  json_decref(f->declared);
  free(f);
}

art_status art_catalog_fields_set(art_ctx *ctx,
                                  art_catalog_fields *f,
                                  const char *name,
                                  const char *value)
{
  int i = name ? art__cat_item_field_index(name) : -1;
  if (!f || i < 0)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "%s: not an item field",
                          name ? name : "(null)");
  art_status st = art__cat_check_text(ctx, name, value);
  if (st != ART_OK)
    return st;
  char norm[64];
  if (value && strcmp(name, "acquired_at") == 0) {
    /* A real date, kept as UTC; the offset it was given with goes into the
     * register event. */
    art__cat_time t;
    if ((st = art__cat_time_parse(ctx, "--acquired-at", value, &t)) != ART_OK)
      return st;
    snprintf(norm, sizeof norm, "%s", t.utc);
    snprintf(f->acquired_offset, sizeof f->acquired_offset, "%s", t.offset);
    value = norm;
  } else if (value && strcmp(name, "size_bytes") == 0) {
    size_t n = strspn(value, "0123456789");
    if (!*value || value[n] || n > 20)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "--size-bytes: '%s' is not a number of bytes",
                            value);
  } else if (value && strcmp(name, "derivation") == 0) {
    static const char *const ok[] = {"original", "image", "working_copy",
                                     "extracted", "export"};
    size_t k, n = sizeof ok / sizeof ok[0];
    for (k = 0; k < n && strcmp(ok[k], value) != 0; k++)
      ;
    if (k == n)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "--derivation: '%s' is not one of original, "
                            "image, working_copy, extracted, export",
                            value);
  }
  char *v = NULL;
  if (value && !(v = art__strdup(ctx, value)))
    return ART_ERR_NOMEM;
  free(f->values[i]);
  f->values[i] = v;
  return ART_OK;
}

art_status art_catalog_fields_add_hash(art_ctx *ctx,
                                       art_catalog_fields *f,
                                       const char *alg,
                                       const char *hex)
{
  static const struct {
    const char *name;
    size_t len;
  } algs[] = {{"md5", 32}, {"sha1", 40}, {"sha256", 64}, {"sha512", 128}};
  size_t i, n = sizeof algs / sizeof algs[0];
  for (i = 0; i < n; i++)
    if (alg && strcmp(alg, algs[i].name) == 0)
      break;
  if (!f || i == n)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: not a hash algorithm (md5, sha1, sha256, "
                          "sha512)",
                          alg ? alg : "(null)");
  uint8_t tmp[64];
  if (!hex || art__cat_unhex(hex, tmp, algs[i].len / 2) != 0)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: not a %s digest in hex", hex ? hex : "(null)",
                          alg);
  char low[129];
  art__cat_hex(tmp, algs[i].len / 2, low);
  if (!f->declared && !(f->declared = json_array()))
    return art__set_errno(ctx, ENOMEM, "hash");
  if (json_array_append_new(f->declared, json_pack("{s:s, s:s}", "algorithm",
                                                   alg, "value", low)) != 0)
    return art__set_errno(ctx, ENOMEM, "hash");
  return ART_OK;
}

/* ---- text and time checks ---- */

size_t art__cat_utf8_bad(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (p[i]) {
    unsigned c = p[i];
    size_t n;
    unsigned min;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      n = 1, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
      n = 2, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
      n = 3, min = 0x10000;
    else
      return i + 1;
    unsigned cp = c & (0x3f >> n);
    for (size_t k = 1; k <= n; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        return i + 1;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i + 1;
    i += n + 1;
  }
  return 0;
}

art_status art__cat_check_text(art_ctx *ctx, const char *what, const char *s)
{
  size_t bad = s ? art__cat_utf8_bad(s) : 0;
  if (!bad)
    return ART_OK;
  return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "%s: not valid UTF-8 (byte 0x%02X at offset %zu); "
                        "nothing was written. Convert the text first, e.g. "
                        "iconv -f latin1 -t utf-8 or iconv -f cp932 -t "
                        "utf-8",
                        what, (unsigned)(unsigned char)s[bad - 1], bad - 1);
}

char *art__cat_escape_bytes(const char *s)
{
  if (!s || !art__cat_utf8_bad(s))
    return s ? strdup(s) : NULL;
  art__buf b = {0};
  const char *p = s;
  while (*p) {
    size_t bad = art__cat_utf8_bad(p);
    size_t good = bad ? bad - 1 : strlen(p);
    for (size_t i = 0; i < good; i++) {
      if (p[i] == '\\')
        art__buf_str(&b, "\\\\");
      else
        art__buf_add(&b, p + i, 1);
    }
    p += good;
    if (!bad)
      break;
    art__buf_printf(&b, "\\x%02X", (unsigned)(unsigned char)*p);
    p++;
  }
  if (b.failed) {
    art__buf_free(&b);
    return NULL;
  }
  return b.data ? b.data : strdup("");
}

static int days_in(int y, int m)
{
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return d[m - 1];
}

/* Days since 1970-01-01 (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

void art__cat_time_format_utc(int64_t secs,
                              const char *frac,
                              char *out,
                              size_t len)
{
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int y, m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%sZ", y, m, d,
           (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60),
           frac && *frac ? "." : "", frac ? frac : "");
}

art_status art__cat_time_parse(art_ctx *ctx,
                               const char *what,
                               const char *s,
                               art__cat_time *t)
{
  memset(t, 0, sizeof *t);
  int y, mo, d, h, mi, sec, oh = 0, om = 0;
  const char *why = NULL;
  if (!s || !*s) {
    why = "empty";
    goto bad;
  }
  if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
      digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
      (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
      digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec)) {
    why = "not YYYY-MM-DDTHH:MM:SS";
    goto bad;
  }
  const char *p = s + 19;
  if (*p == '.') {
    size_t n = 0;
    for (p++; p[n] >= '0' && p[n] <= '9'; n++)
      ;
    if (n == 0 || n > 9) {
      why = "a fraction of a second needs 1 to 9 digits";
      goto bad;
    }
    memcpy(t->frac, p, n);
    t->frac[n] = '\0';
    p += n;
  }
  if (*p == 'Z' || *p == 'z') {
    if (p[1]) {
      why = "text after the time zone";
      goto bad;
    }
    t->offset_min = 0;
    t->utc_given = 1;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
             !digits(p + 1, 2, &oh) && p[3] == ':' && !digits(p + 4, 2, &om)) {
    if (om > 59 || oh * 60 + om > 14 * 60) {
      why = "the offset is outside -14:00..+14:00";
      goto bad;
    }
    t->offset_min = (*p == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    why = "no time zone (Z or +HH:MM/-HH:MM)";
    goto bad;
  }
  if (y < 1900 || y > 2199) {
    why = "the year is outside 1900..2199";
    goto bad;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo)) {
    why = "no such day";
    goto bad;
  }
  if (h > 23 || mi > 59 || sec > 59) {
    why = sec == 60 ? "leap seconds are not accepted (use :59)"
                    : "no such time of day";
    goto bad;
  }
  t->secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
            (int64_t)t->offset_min * 60;
  art__cat_time_format_utc(t->secs, t->frac, t->utc, sizeof t->utc);
  if (t->utc_given)
    snprintf(t->offset, sizeof t->offset, "Z");
  else
    snprintf(t->offset, sizeof t->offset, "%c%02d:%02d",
             t->offset_min < 0 ? '-' : '+', oh, om);
  return ART_OK;
bad:
  return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "%s: '%s' is not a valid RFC 3339 date and time "
                        "(%s; e.g. 2026-03-04T09:30:00Z or "
                        "2026-03-04T10:30:00+01:00)",
                        what, s ? s : "", why);
}

art_status
art_catalog_fields_set_tz(art_ctx *ctx, art_catalog_fields *f, const char *tz)
{
  char probe[40];
  art__cat_time t;
  if (!f || !tz)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "--tz: no value");
  const char *z = strcmp(tz, "UTC") == 0 || strcmp(tz, "utc") == 0 ? "Z" : tz;
  snprintf(probe, sizeof probe, "2000-01-01T00:00:00%s", z);
  if (strlen(z) > 6 || art__cat_time_parse(NULL, "--tz", probe, &t) != ART_OK)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "--tz: '%s' is not an offset (UTC, Z or +HH:MM / "
                          "-HH:MM within 14:00)",
                          tz);
  snprintf(f->tz, sizeof f->tz, "%s", z);
  return ART_OK;
}

/* Characters that change how the text around them reads without showing
 * themselves: bidirectional controls and invisible ones. */
static int hidden_cp(unsigned cp)
{
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200e || cp == 0x200f || cp == 0x061c ||
         (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) ||
         cp == 0xfeff || cp == 0x00ad || cp == 0x180e || cp == 0x034f ||
         (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f);
}

void art__cat_text_safe(art__buf *b, const char *s, int html)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    unsigned c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) {
        /* Terminal escapes, tabs and line breaks would let a value draw
         * over or split what the reader sees. */
        if (html)
          art__buf_printf(b, "<span class=\"cc\">[\\x%02X]</span>", c);
        else if (c == '\n')
          art__buf_str(b, "\\n");
        else if (c == '\t')
          art__buf_str(b, "\\t");
        else if (c == '\r')
          art__buf_str(b, "\\r");
        else
          art__buf_printf(b, "\\x%02X", c);
      } else if (html &&
                 (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'')) {
        art__buf_str(b, c == '&'   ? "&amp;"
                        : c == '<' ? "&lt;"
                        : c == '>' ? "&gt;"
                        : c == '"' ? "&quot;"
                                   : "&#39;");
      } else if (!html && c == '\\') {
        art__buf_str(b, "\\\\");
      } else {
        art__buf_add(b, p, 1);
      }
      p++;
      continue;
    }
    size_t bad = art__cat_utf8_bad((const char *)p);
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (bad == 1) {
      art__buf_printf(
          b, html ? "<span class=\"cc\">[\\x%02X]</span>" : "\\x%02X", c);
      p++;
      continue;
    }
    unsigned cp = c & (0x7f >> n);
    for (size_t k = 1; k < n; k++)
      cp = cp << 6 | (p[k] & 0x3f);
    if (hidden_cp(cp) || (cp >= 0x80 && cp < 0xa0)) {
      if (html)
        art__buf_printf(b,
                        "<span class=\"cc\" title=\"invisible or "
                        "direction-changing character\">[U+%04X]</span>",
                        cp);
      else
        art__buf_printf(b, "<U+%04X>", cp);
    } else {
      art__buf_add(b, p, n);
    }
    p += n;
  }
}
