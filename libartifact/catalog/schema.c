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
  const char *path = cat ? cat->path : "catalog";
  if ((code & 0xff) == SQLITE_FULL)
    return art__set_error(ctx, ART_ERR_IO, ENOSPC,
                          "%s: disk full while writing the catalogue (%s)",
                          path, what);
  if ((code & 0xff) == SQLITE_CORRUPT)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: the catalogue is damaged (%s: %s); restore it "
                          "from a backup (art-catalog backup) and verify",
                          path, what, msg);
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

/* Copy the write-ahead log into the main file after every write: the
 * catalogue is small and writes are rare, and an event that lives only in
 * the -wal file is lost with it (someone deleting or not copying it). A
 * reader holding an old snapshot may keep some frames back; the next write
 * copies them. Never an error: the commit already happened. */
void art__cat_wal_checkpoint(art_catalog *cat)
{
  int log = 0, done = 0;
  sqlite3_busy_timeout(cat->db, 2000);
  int rc = sqlite3_wal_checkpoint_v2(cat->db, NULL, SQLITE_CHECKPOINT_FULL,
                                     &log, &done);
  sqlite3_busy_timeout(cat->db, ART__CAT_BUSY_MS);
  cat->wal_pending = rc != SQLITE_OK || log != done;
}

art_status art__cat_tx_commit(art_ctx *ctx, art_catalog *cat)
{
  if (cat->in_batch)
    return ART_OK;
  art_status st = art__cat_exec(ctx, cat, "COMMIT");
  if (st != ART_OK)
    art__cat_tx_rollback(cat);
  else
    art__cat_wal_checkpoint(cat);
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
    char magic[16] = "";
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(magic, 1, sizeof magic, fp) : 0;
    if (fp)
      fclose(fp);
    int sqlite =
        got == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0;
    if (sqlite && st != ART_ERR_CORRUPT && st != ART_ERR_TIMEOUT)
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: the catalogue is damaged (SQLite: %s); restore "
                          "it from a backup (art-catalog backup) and verify",
                          path, sqlite3_errmsg(cat->db));
    else if (st == ART_ERR_FORMAT || st == ART_ERR_DB)
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
