/* Evidence catalogue: the SQLite store (one file, WAL, triggers).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "catalog_private.h"

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

typedef struct lite_stmt {
  art__cat_stmt base;
  sqlite3_stmt *st;
} lite_stmt;

#define DB(cat) ((sqlite3 *)(cat)->db)
#define ST(s)   (((lite_stmt *)(s))->st)

static art_status lite_error(art_ctx *ctx, art_catalog *cat, const char *what)
{
  const char *msg = cat && cat->db ? sqlite3_errmsg(DB(cat)) : "no database";
  int code = cat && cat->db ? sqlite3_extended_errcode(DB(cat)) : 0;
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
  return art__set_error(ctx, st, 0, "%s: %s: %s", path, what, msg);
}

static art_status lite_exec(art_ctx *ctx, art_catalog *cat, const char *sql)
{
  if (sqlite3_exec(DB(cat), sql, NULL, NULL, NULL) != SQLITE_OK)
    return lite_error(ctx, cat, sql);
  return ART_OK;
}

static art_status lite_prepare(art_ctx *ctx,
                               art_catalog *cat,
                               const char *sql,
                               int persistent,
                               art__cat_stmt **out)
{
  lite_stmt *s = calloc(1, sizeof *s);
  if (!s)
    return art__set_errno(ctx, ENOMEM, "%s", cat->path);
  if (sqlite3_prepare_v3(DB(cat), sql, -1,
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s->st,
                         NULL) != SQLITE_OK) {
    free(s);
    return lite_error(ctx, cat, "prepare");
  }
  s->base.ops = &art__cat_store_sqlite;
  s->base.cat = cat;
  *out = &s->base;
  return ART_OK;
}

static void lite_finalize(art__cat_stmt *st)
{
  sqlite3_finalize(ST(st));
  free(st);
}

static void lite_reset(art__cat_stmt *st)
{
  sqlite3_reset(ST(st));
  sqlite3_clear_bindings(ST(st));
}

static int lite_bind_text(art__cat_stmt *st, int i, const char *s, int len)
{
  return sqlite3_bind_text(ST(st), i, s, len, SQLITE_TRANSIENT);
}

static int lite_bind_int64(art__cat_stmt *st, int i, int64_t v)
{
  return sqlite3_bind_int64(ST(st), i, (sqlite3_int64)v);
}

static int lite_bind_blob(art__cat_stmt *st, int i, const void *p, int len)
{
  return sqlite3_bind_blob(ST(st), i, p, len, SQLITE_TRANSIENT);
}

static int lite_bind_null(art__cat_stmt *st, int i)
{
  return sqlite3_bind_null(ST(st), i);
}

static int lite_step(art__cat_stmt *st)
{
  int rc = sqlite3_step(ST(st));
  return rc == SQLITE_ROW    ? ART__CAT_ROW
         : rc == SQLITE_DONE ? ART__CAT_DONE
         : rc == SQLITE_OK   ? 1
                             : rc;
}

static int lite_col_count(art__cat_stmt *st)
{
  return sqlite3_column_count(ST(st));
}

static const char *lite_col_name(art__cat_stmt *st, int i)
{
  return sqlite3_column_name(ST(st), i);
}

static int lite_col_type(art__cat_stmt *st, int i)
{
  return sqlite3_column_type(ST(st), i) == SQLITE_NULL ? ART__CAT_NULL : 1;
}

static const char *lite_col_text(art__cat_stmt *st, int i)
{
  return (const char *)sqlite3_column_text(ST(st), i);
}

static int64_t lite_col_int64(art__cat_stmt *st, int i)
{
  return sqlite3_column_int64(ST(st), i);
}

static const void *lite_col_blob(art__cat_stmt *st, int i)
{
  return sqlite3_column_blob(ST(st), i);
}

static int lite_col_bytes(art__cat_stmt *st, int i)
{
  return sqlite3_column_bytes(ST(st), i);
}

static art_status lite_tx_begin(art_ctx *ctx, art_catalog *cat)
{
  /* IMMEDIATE takes the write lock before the chain head is read, so two
   * appenders never build on the same head; the busy timeout queues them. */
  return lite_exec(ctx, cat, "BEGIN IMMEDIATE");
}

/* Copy the write-ahead log into the main file after every write: the
 * catalogue is small and writes are rare, and an event that lives only in
 * the -wal file is lost with it (someone deleting or not copying it). A
 * reader holding an old snapshot may keep some frames back; the next write
 * copies them. Never an error: the commit already happened. */
static void wal_checkpoint(art_catalog *cat)
{
  int log = 0, done = 0;
  sqlite3_busy_timeout(DB(cat), 2000);
  int rc = sqlite3_wal_checkpoint_v2(DB(cat), NULL, SQLITE_CHECKPOINT_FULL,
                                     &log, &done);
  sqlite3_busy_timeout(DB(cat), ART__CAT_BUSY_MS);
  cat->wal_pending = rc != SQLITE_OK || log != done;
}

static art_status lite_tx_commit(art_ctx *ctx, art_catalog *cat)
{
  art_status st = lite_exec(ctx, cat, "COMMIT");
  if (st == ART_OK)
    wal_checkpoint(cat);
  return st;
}

static void lite_tx_rollback(art_catalog *cat)
{
  if (!sqlite3_get_autocommit(DB(cat)))
    sqlite3_exec(DB(cat), "ROLLBACK", NULL, NULL, NULL);
}

static int lite_read_begin(art_catalog *cat)
{
  return sqlite3_get_autocommit(DB(cat)) &&
         sqlite3_exec(DB(cat), "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void lite_read_end(art_catalog *cat)
{
  sqlite3_exec(DB(cat), "COMMIT", NULL, NULL, NULL);
}

static art_status
pragma_int(art_ctx *ctx, art_catalog *cat, const char *sql, int64_t *v)
{
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(DB(cat), sql, -1, &st, NULL) != SQLITE_OK)
    return lite_error(ctx, cat, sql);
  art_status s = ART_OK;
  if (sqlite3_step(st) == SQLITE_ROW)
    *v = sqlite3_column_int64(st, 0);
  else
    s = lite_error(ctx, cat, sql);
  sqlite3_finalize(st);
  return s;
}

static art_status create_schema(art_ctx *ctx, art_catalog *cat)
{
  art_status st = lite_exec(ctx, cat, "BEGIN IMMEDIATE");
  if (st != ART_OK)
    return st;
  int64_t n = 0;
  st = pragma_int(ctx, cat, "SELECT count(*) FROM sqlite_schema", &n);
  if (st != ART_OK)
    goto out;
  if (n != 0) /* another process created it first */
    goto out;
  st = lite_exec(ctx, cat, schema_sql);
  if (st != ART_OK)
    goto out;
  char sql[160];
  snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
           ART_CATALOG_APPLICATION_ID);
  if ((st = lite_exec(ctx, cat, sql)) != ART_OK)
    goto out;
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
           ART_CATALOG_SCHEMA_VERSION);
  if ((st = lite_exec(ctx, cat, sql)) != ART_OK)
    goto out;
  st = art__cat_meta_init(ctx, cat);
out:
  if (st == ART_OK)
    st = lite_exec(ctx, cat, "COMMIT");
  if (st != ART_OK)
    sqlite3_exec(DB(cat), "ROLLBACK", NULL, NULL, NULL);
  return st;
}

static art_status check_catalog(art_ctx *ctx, art_catalog *cat)
{
  int64_t app = 0, ver = 0;
  art_status st;
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
  return art__cat_meta_read(ctx, cat);
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

static art_status
lite_open(art_ctx *ctx, art_catalog *cat, const char *path, unsigned flags)
{
  art_status st = ART_OK;
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
  int oflags = cat->readonly
                   ? SQLITE_OPEN_READONLY
                   : SQLITE_OPEN_READWRITE |
                         (flags & ART_CATALOG_CREATE ? SQLITE_OPEN_CREATE : 0);
  oflags |= SQLITE_OPEN_NOMUTEX;
  sqlite3 *db = NULL;
  int orc = sqlite3_open_v2(path, &db, oflags, NULL);
  cat->db = db;
  if (orc != SQLITE_OK) {
    st = lite_error(ctx, cat, "open");
    goto out;
  }
  sqlite3_extended_result_codes(DB(cat), 1);
  sqlite3_busy_timeout(DB(cat), ART__CAT_BUSY_MS);
  sqlite3_db_config(DB(cat), SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(DB(cat), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  /* foreign_keys and recursive_triggers are per connection, never stored:
   * without recursive_triggers, INSERT OR REPLACE deletes a protected row
   * without firing its DELETE trigger. */
  if ((st = lite_exec(ctx, cat,
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
                          path, sqlite3_errmsg(DB(cat)));
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
      (st = lite_exec(ctx, cat,
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA cache_size = -32768;")) != ART_OK)
    goto out;
  if (n == 0 && ((st = create_schema(ctx, cat)) != ART_OK ||
                 (st = check_catalog(ctx, cat)) != ART_OK))
    goto out;
out:
  return st;
}

static void lite_close(art_catalog *cat)
{
  if (!sqlite3_get_autocommit(DB(cat)))
    sqlite3_exec(DB(cat), "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close_v2(DB(cat));
  cat->db = NULL;
}

/* A consistent copy into TMP with SQLite's online backup API. */
static art_status
lite_backup(art_ctx *ctx, art_catalog *cat, const char *dest, const char *tmp)
{
  sqlite3 *dst = NULL;
  if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    art_status st = art__set_error(ctx, ART_ERR_IO, 0, "%s: %s", dest,
                                   dst ? sqlite3_errmsg(dst) : "cannot open");
    sqlite3_close(dst);
    return st;
  }
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", DB(cat), "main");
  int rc = SQLITE_ERROR;
  if (b) {
    /* In steps, so appenders are not held off for the whole copy. */
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK ||
           rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
      if (rc != SQLITE_OK)
        sqlite3_sleep(20);
    sqlite3_backup_finish(b);
  }
  if (rc == SQLITE_DONE)
    rc = sqlite3_errcode(dst);
  if (rc == SQLITE_OK || rc == SQLITE_DONE)
    rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    int full = (sqlite3_errcode(dst) & 0xff) == SQLITE_FULL;
    art_status st =
        art__set_error(ctx, ART_ERR_IO, full ? ENOSPC : 0,
                       full ? "%s: disk full while writing the backup"
                            : "%s: backup failed: %s",
                       dest, sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return st;
  }
  if (sqlite3_close(dst) != SQLITE_OK)
    return art__set_error(ctx, ART_ERR_IO, 0, "%s: backup failed on close",
                          dest);
  return ART_OK;
}

const art__cat_store art__cat_store_sqlite = {
    .name = "SQLite",
    .kind = ART__CAT_SQLITE,
    .open = lite_open,
    .close = lite_close,
    .error = lite_error,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .reset = lite_reset,
    .bind_text = lite_bind_text,
    .bind_int64 = lite_bind_int64,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .col_count = lite_col_count,
    .col_name = lite_col_name,
    .col_type = lite_col_type,
    .col_text = lite_col_text,
    .col_int64 = lite_col_int64,
    .col_blob = lite_col_blob,
    .col_bytes = lite_col_bytes,
    .tx_begin = lite_tx_begin,
    .tx_commit = lite_tx_commit,
    .tx_rollback = lite_tx_rollback,
    .read_begin = lite_read_begin,
    .read_end = lite_read_end,
    .backup = lite_backup,
};
