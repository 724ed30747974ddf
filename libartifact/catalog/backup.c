/* Evidence catalogue: a consistent copy with SQLite's online backup API,
 * then a verify of the copy.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog_private.h"

art_status art_catalog_backup(art_ctx *ctx,
                              art_catalog *cat,
                              const char *actor,
                              const char *dest,
                              unsigned flags,
                              art_catalog_verify_result *res)
{
  if (res)
    memset(res, 0, sizeof *res);
  if (!cat || !dest || !*dest)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "backup: a destination file is needed");
  art__cat_tmpfile t;
  art_status st = art__cat_tmp_create(ctx, dest, flags, &t);
  if (st != ART_OK)
    return st;
  /* A checkpoint first (when we may write): the copy then carries the
   * head it was taken at, and this catalogue knows a copy left it. */
  if (!cat->readonly && actor && *actor) {
    char *cp = NULL;
    if ((st = art_catalog_checkpoint(ctx, cat, actor, &cp)) != ART_OK)
      goto out;
    free(cp);
  }
  sqlite3 *dst = NULL;
  if (sqlite3_open_v2(t.tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    st = art__set_error(ctx, ART_ERR_IO, 0, "%s: %s", dest,
                        dst ? sqlite3_errmsg(dst) : "cannot open");
    sqlite3_close(dst);
    goto out;
  }
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", cat->db, "main");
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
    st = art__set_error(ctx, ART_ERR_IO, full ? ENOSPC : 0,
                        full ? "%s: disk full while writing the backup"
                             : "%s: backup failed: %s",
                        dest, sqlite3_errmsg(dst));
    sqlite3_close(dst);
    goto out;
  }
  if (sqlite3_close(dst) != SQLITE_OK) {
    st = art__set_error(ctx, ART_ERR_IO, 0, "%s: backup failed on close", dest);
    goto out;
  }
  if ((st = art__cat_tmp_commit(ctx, &t)) != ART_OK)
    goto out;
  /* The copy must stand on its own: open it as any reader would. */
  art_catalog *copy = NULL;
  if ((st = art_catalog_open(ctx, dest, ART_CATALOG_READONLY, &copy)) != ART_OK)
    goto out;
  art_catalog_verify_result local;
  st = art_catalog_verify(ctx, copy, NULL, res ? res : &local, NULL);
  art_catalog_free(copy);
out:
  art__cat_tmp_discard(&t);
  return st;
}
