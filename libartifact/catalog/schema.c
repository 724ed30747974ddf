/* Evidence catalogue: opening the SQLite file, its schema, and helpers.
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

/* The schema. Every TEXT column of items is one of art__cat_item_fields. */
static const char schema_sql[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
    " STRICT;"
    "CREATE TABLE locations (id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE) STRICT;"
    "CREATE TABLE cases (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
    " number TEXT NOT NULL UNIQUE, title TEXT, opened_seq INTEGER NOT NULL)"
    " STRICT;"
    "CREATE TABLE items (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " item_number TEXT NOT NULL,"
    " parent_id INTEGER REFERENCES items(id),"
    " description TEXT, kind TEXT, type_label TEXT, make TEXT, model TEXT,"
    " serial_number TEXT, capacity TEXT, condition TEXT, source_host TEXT,"
    " source_identifier TEXT, owner TEXT, found_location TEXT,"
    " collection_method TEXT, acq_tool TEXT, acq_tool_version TEXT,"
    " acq_settings TEXT, write_blocker TEXT, acquired_by TEXT,"
    " acquired_at TEXT, acquired_where TEXT, storage_location TEXT,"
    " seal_number TEXT, file_name TEXT, size_bytes TEXT, mime_type TEXT,"
    " derivation TEXT NOT NULL DEFAULT 'original' CHECK (derivation IN"
    " ('original','image','working_copy','extracted','export')),"
    " parent_item TEXT, container_format TEXT, notes TEXT,"
    " container_metadata TEXT, source_path TEXT,"
    " registered_seq INTEGER NOT NULL,"
    " UNIQUE (case_id, item_number)) STRICT;"
    "CREATE INDEX items_number ON items(item_number);"
    "CREATE TABLE events (seq INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    " recorded_at TEXT NOT NULL, occurred_at TEXT, actor TEXT NOT NULL,"
    " case_number TEXT, item_number TEXT,"
    " item_id INTEGER REFERENCES items(id),"
    " from_actor TEXT, to_actor TEXT, purpose TEXT, location TEXT,"
    " payload TEXT, key_id TEXT, prev_hash BLOB NOT NULL,"
    " record_hash BLOB NOT NULL UNIQUE, signature BLOB) STRICT;"
    "CREATE INDEX events_item ON events(item_id, seq);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE TABLE hashes (id INTEGER PRIMARY KEY,"
    " item_id INTEGER NOT NULL REFERENCES items(id),"
    " algorithm TEXT NOT NULL, value TEXT NOT NULL,"
    " origin TEXT NOT NULL CHECK (origin IN"
    " ('computed','imported','declared','verify')),"
    " status TEXT NOT NULL DEFAULT 'recorded' CHECK (status IN"
    " ('recorded','match','mismatch')),"
    " event_seq INTEGER NOT NULL REFERENCES events(seq)) STRICT;"
    "CREATE INDEX hashes_item ON hashes(item_id);"
    "CREATE UNIQUE INDEX hashes_once ON hashes(item_id, algorithm, origin)"
    " WHERE origin <> 'verify';"
    "CREATE TABLE checkpoints (id INTEGER PRIMARY KEY,"
    " size INTEGER NOT NULL, head_hash BLOB NOT NULL,"
    " created_at TEXT NOT NULL, actor TEXT, key_id TEXT,"
    " text TEXT NOT NULL) STRICT;"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;"
    "CREATE TRIGGER hashes_no_update BEFORE UPDATE ON hashes"
    " BEGIN SELECT RAISE(ABORT, 'hashes are never overwritten'); END;"
    "CREATE TRIGGER hashes_no_delete BEFORE DELETE ON hashes"
    " BEGIN SELECT RAISE(ABORT, 'hashes are never overwritten'); END;"
    "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
    "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
    "CREATE TRIGGER items_no_delete BEFORE DELETE ON items"
    " BEGIN SELECT RAISE(ABORT, 'evidence items are never deleted'); END;"
    "CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases"
    " BEGIN SELECT RAISE(ABORT, 'cases are never deleted'); END;";

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

/* ---- SQLite plumbing ---- */

art_status art__cat_db_error(art_ctx *ctx, art_catalog *cat, const char *what)
{
  const char *msg = cat && cat->db ? sqlite3_errmsg(cat->db) : "no database";
  int code = cat && cat->db ? sqlite3_extended_errcode(cat->db) : 0;
  art_status st = ART_ERR_DB;
  if (code == SQLITE_NOTADB)
    st = ART_ERR_FORMAT;
  else if ((code & 0xff) == SQLITE_BUSY)
    st = ART_ERR_TIMEOUT;
  else if ((code & 0xff) == SQLITE_CONSTRAINT)
    st = ART_ERR_INTEGRITY;
  return art__set_error(ctx, st, 0, "%s: %s: %s", cat ? cat->path : "catalog",
                        what, msg);
}

art_status art__cat_exec(art_ctx *ctx, art_catalog *cat, const char *sql)
{
  if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return art__cat_db_error(ctx, cat, sql);
  return ART_OK;
}

art_status art__cat_prepare(art_ctx *ctx,
                            art_catalog *cat,
                            const char *sql,
                            sqlite3_stmt **st)
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
  if (sqlite3_prepare_v3(cat->db, sql, -1,
                         i == n && free_slot < n ? SQLITE_PREPARE_PERSISTENT
                                                 : 0,
                         st, NULL) != SQLITE_OK) {
    *st = NULL;
    return art__cat_db_error(ctx, cat, "prepare");
  }
  if (i == n && free_slot < n) {
    char *copy = strdup(sql);
    if (copy) {
      cat->stmts[free_slot].sql = copy;
      cat->stmts[free_slot].st = *st;
      cat->stmts[free_slot].busy = 1;
    }
  }
  return ART_OK;
}

void art__cat_finish(art_catalog *cat, sqlite3_stmt *st)
{
  if (!st)
    return;
  for (size_t i = 0; i < sizeof cat->stmts / sizeof cat->stmts[0]; i++) {
    if (cat->stmts[i].st == st && cat->stmts[i].sql) {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      cat->stmts[i].busy = 0;
      return;
    }
  }
  sqlite3_finalize(st);
}

art_status art__cat_bind_text(
    art_ctx *ctx, art_catalog *cat, sqlite3_stmt *st, int idx, const char *s)
{
  int rc = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT)
             : sqlite3_bind_null(st, idx);
  if (rc != SQLITE_OK)
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
  /* IMMEDIATE takes the write lock before the chain head is read, so two
   * appenders never build on the same head; the busy timeout queues them. */
  return art__cat_exec(ctx, cat, "BEGIN IMMEDIATE");
}

art_status art__cat_tx_commit(art_ctx *ctx, art_catalog *cat)
{
  if (cat->in_batch)
    return ART_OK;
  art_status st = art__cat_exec(ctx, cat, "COMMIT");
  if (st != ART_OK)
    art__cat_tx_rollback(cat);
  return st;
}

void art__cat_tx_rollback(art_catalog *cat)
{
  if (cat->in_batch)
    return;
  if (!sqlite3_get_autocommit(cat->db))
    sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
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

static art_status
pragma_int(art_ctx *ctx, art_catalog *cat, const char *sql, int64_t *v)
{
  sqlite3_stmt *st;
  art_status s = art__cat_prepare(ctx, cat, sql, &st);
  if (s != ART_OK)
    return s;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *v = sqlite3_column_int64(st, 0);
  else
    s = art__cat_db_error(ctx, cat, sql);
  art__cat_finish(cat, st);
  return s;
}

static art_status create_schema(art_ctx *ctx, art_catalog *cat)
{
  art_status st = art__cat_exec(ctx, cat, "BEGIN IMMEDIATE");
  if (st != ART_OK)
    return st;
  int64_t n = 0;
  st = pragma_int(ctx, cat, "SELECT count(*) FROM sqlite_schema", &n);
  if (st != ART_OK)
    goto out;
  if (n != 0) /* another process created it first */
    goto out;
  st = art__cat_exec(ctx, cat, schema_sql);
  if (st != ART_OK)
    goto out;
  char sql[160];
  snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
           ART_CATALOG_APPLICATION_ID);
  if ((st = art__cat_exec(ctx, cat, sql)) != ART_OK)
    goto out;
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
           ART_CATALOG_SCHEMA_VERSION);
  if ((st = art__cat_exec(ctx, cat, sql)) != ART_OK)
    goto out;
  char uuid[40], now[40];
  art__cat_uuid4(uuid, sizeof uuid);
  art__cat_now(now, sizeof now);
  sqlite3_stmt *ins;
  if ((st = art__cat_prepare(ctx, cat, "INSERT INTO meta VALUES (?, ?)",
                             &ins)) != ART_OK)
    goto out;
  const char *kv[][2] = {{"catalog_uuid", uuid},
                         {"created_at", now},
                         {"encoding", ART__CAT_MAGIC}};
  for (size_t i = 0; i < 3 && st == ART_OK; i++) {
    sqlite3_bind_text(ins, 1, kv[i][0], -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, kv[i][1], -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE)
      st = art__cat_db_error(ctx, cat, "meta");
    sqlite3_reset(ins);
  }
  art__cat_finish(cat, ins);
out:
  if (st == ART_OK)
    st = art__cat_exec(ctx, cat, "COMMIT");
  if (st != ART_OK)
    sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
  return st;
}

static art_status check_catalog(art_ctx *ctx, art_catalog *cat)
{
  int64_t app = 0, ver = 0, n = 0;
  art_status st =
      pragma_int(ctx, cat, "SELECT count(*) FROM sqlite_schema", &n);
  if (st != ART_OK)
    return st;
  if ((st = pragma_int(ctx, cat, "PRAGMA application_id", &app)) != ART_OK)
    return st;
  if ((st = pragma_int(ctx, cat, "PRAGMA user_version", &ver)) != ART_OK)
    return st;
  if (app != ART_CATALOG_APPLICATION_ID)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not an evidence catalogue (application id "
                          "0x%08llx)",
                          cat->path, (unsigned long long)app);
  if (ver > ART_CATALOG_SCHEMA_VERSION)
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: catalogue schema version %lld is newer than "
                          "this tool's (%d)",
                          cat->path, (long long)ver,
                          ART_CATALOG_SCHEMA_VERSION);
  if (ver < 1)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: catalogue has no schema version", cat->path);
  sqlite3_stmt *q;
  if ((st = art__cat_prepare(
           ctx, cat, "SELECT value FROM meta WHERE key = 'catalog_uuid'",
           &q)) != ART_OK)
    return st;
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
    snprintf(cat->uuid, sizeof cat->uuid, "%s",
             (const char *)sqlite3_column_text(q, 0));
  else
    st = art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: catalogue has no id",
                        cat->path);
  art__cat_finish(cat, q);
  return st;
}

/* WAL needs shared memory and POSIX locks that NFS and SMB do not give. */
static int on_network_fs(const char *path)
{
  struct statfs fs;
  char *dir = strdup(path);
  if (!dir)
    return 0;
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[slash == dir ? 1 : 0] = '\0';
  int rc = statfs(slash ? dir : ".", &fs);
  free(dir);
  if (rc != 0)
    return 0;
  switch ((unsigned long)fs.f_type) {
  case 0x6969UL:     /* NFS */
  case 0x517BUL:     /* SMB */
  case 0xFF534D42UL: /* CIFS */
  case 0xFE534D42UL: /* SMB2 */
    return 1;
  default:
    return 0;
  }
}

art_status art_catalog_open(art_ctx *ctx,
                            const char *path,
                            unsigned flags,
                            art_catalog **out)
{
  art_status st = ART_OK;
  if (out)
    *out = NULL;
  if (!path || !out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "catalog: open: no path");
  struct stat sb;
  int exists = stat(path, &sb) == 0;
  if (!exists && !(flags & ART_CATALOG_CREATE))
    return art__set_errno(ctx, errno, "%s", path);
  if (exists && !S_ISREG(sb.st_mode))
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not an evidence catalogue (not a file)", path);
  if (!(flags & ART_CATALOG_READONLY) && on_network_fs(path))
    return art__set_error(ctx, ART_ERR_UNSUPPORTED, 0,
                          "%s: on a network file system, where SQLite's "
                          "write-ahead log and locks are not safe; keep the "
                          "catalogue on a local disk",
                          path);
  art_catalog *cat = art__calloc(ctx, 1, sizeof *cat);
  if (!cat)
    return ART_ERR_NOMEM;
  cat->readonly = (flags & ART_CATALOG_READONLY) != 0;
  if (!(cat->path = art__strdup(ctx, path))) {
    free(cat);
    return ART_ERR_NOMEM;
  }
  int oflags = cat->readonly
                   ? SQLITE_OPEN_READONLY
                   : SQLITE_OPEN_READWRITE |
                         (flags & ART_CATALOG_CREATE ? SQLITE_OPEN_CREATE : 0);
  oflags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &cat->db, oflags, NULL) != SQLITE_OK) {
    st = art__cat_db_error(ctx, cat, "open");
    goto out;
  }
  sqlite3_extended_result_codes(cat->db, 1);
  sqlite3_busy_timeout(cat->db, ART__CAT_BUSY_MS);
  sqlite3_db_config(cat->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(cat->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  /* foreign_keys and recursive_triggers are per connection, never stored:
   * without recursive_triggers, INSERT OR REPLACE deletes a protected row
   * without firing its DELETE trigger. */
  if ((st = art__cat_exec(ctx, cat,
                          "PRAGMA foreign_keys = ON;"
                          "PRAGMA recursive_triggers = ON;")) != ART_OK)
    goto out;
  /* Reading the schema count tells a non-database file apart early. */
  int64_t n = 0;
  if ((st = pragma_int(ctx, cat, "SELECT count(*) FROM sqlite_schema", &n)) !=
      ART_OK) {
    if (st == ART_ERR_FORMAT || st == ART_ERR_DB)
      st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not an evidence catalogue (not a SQLite "
                          "database)",
                          path);
    goto out;
  }
  if (n == 0) {
    if (!(flags & ART_CATALOG_CREATE) || cat->readonly) {
      st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not an evidence catalogue (empty database)",
                          path);
      goto out;
    }
  } else if ((st = check_catalog(ctx, cat)) != ART_OK) {
    goto out; /* not ours: change nothing in it */
  }
  /* WAL lets readers work while one process appends; FULL makes every
   * committed event survive a power loss. */
  if (!cat->readonly &&
      (st = art__cat_exec(ctx, cat,
                          "PRAGMA journal_mode = WAL;"
                          "PRAGMA synchronous = FULL;"
                          "PRAGMA cache_size = -32768;")) != ART_OK)
    goto out;
  if (n == 0 && ((st = create_schema(ctx, cat)) != ART_OK ||
                 (st = check_catalog(ctx, cat)) != ART_OK))
    goto out;
out:
  if (st != ART_OK) {
    art_catalog_free(cat);
    return st;
  }
  *out = cat;
  return ART_OK;
}

void art_catalog_free(art_catalog *cat)
{
  if (!cat)
    return;
  for (size_t i = 0; i < sizeof cat->stmts / sizeof cat->stmts[0]; i++) {
    if (cat->stmts[i].sql) {
      sqlite3_finalize(cat->stmts[i].st);
      free(cat->stmts[i].sql);
    }
  }
  if (cat->db) {
    if (!sqlite3_get_autocommit(cat->db))
      sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(cat->db);
  }
  art_catalog_key_free(cat->signer);
  art_magic_free(cat->magic);
  free(cat->path);
  free(cat);
}

const char *art_catalog_uuid(const art_catalog *cat)
{
  return cat ? cat->uuid : "";
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
