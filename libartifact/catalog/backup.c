/* Evidence catalogue: a consistent copy made by its store (SQLite's
 * online backup API), then a verify of the copy.
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
  if ((st = cat->ops->backup(ctx, cat, dest, t.tmp)) != ART_OK)
    goto out;
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
