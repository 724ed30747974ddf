/* Evidence catalogue: copy a whole catalogue from one store to another
 * (SQLite to PostgreSQL and back), row for row, then verify the copy.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

/* The tables in an order that satisfies their references, each with its
 * key; blob and integer columns are named, the rest is text. */
static const struct {
  const char *table, *key;
} tables[] = {{"actors", "id"},     {"locations", "id"}, {"cases", "id"},
              {"items", "id"},      {"events", "seq"},   {"hashes", "id"},
              {"checkpoints", "id"}};

static int is_blob(const char *c)
{
  return strcmp(c, "prev_hash") == 0 || strcmp(c, "record_hash") == 0 ||
         strcmp(c, "signature") == 0 || strcmp(c, "head_hash") == 0;
}

static int is_int(const char *c)
{
  static const char *const ints[] = {
      "id",  "opened_seq", "case_id",   "parent_id", "registered_seq",
      "seq", "item_id",    "event_seq", "size",      NULL};
  for (size_t i = 0; ints[i]; i++)
    if (strcmp(c, ints[i]) == 0)
      return 1;
  return 0;
}

static art_status copy_table(art_ctx *ctx,
                             art_catalog *src,
                             art_catalog *dst,
                             const char *table,
                             const char *key,
                             uint64_t *rows)
{
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", table, key);
  art__cat_stmt *q = NULL, *ins = NULL;
  art_status st = art__cat_prepare(ctx, src, sql, &q);
  if (st != ART_OK)
    return st;
  int rc = art__cat_step(q);
  int n = art__cat_col_count(q);
  art__buf b = {0};
  art__buf_printf(&b, "INSERT INTO %s (", table);
  for (int i = 0; i < n; i++)
    art__buf_printf(&b, "%s%s", i ? ", " : "", art__cat_col_name(q, i));
  art__buf_str(&b, ") VALUES (");
  for (int i = 0; i < n; i++)
    art__buf_str(&b, i ? ", ?" : "?");
  art__buf_str(&b, ")");
  if (b.failed) {
    st = art__set_errno(ctx, ENOMEM, "copy");
    goto out;
  }
  if (rc == ART__CAT_ROW &&
      (st = art__cat_prepare(ctx, dst, b.data, &ins)) != ART_OK)
    goto out;
  for (; rc == ART__CAT_ROW; rc = art__cat_step(q)) {
    for (int i = 0; i < n; i++) {
      const char *c = art__cat_col_name(q, i);
      if (art__cat_col_type(q, i) == ART__CAT_NULL)
        art__cat_bind_null(ins, i + 1);
      else if (is_blob(c))
        art__cat_bind_blob(ins, i + 1, art__cat_col_blob(q, i),
                           art__cat_col_bytes(q, i), ART__CAT_TRANSIENT);
      else if (is_int(c))
        art__cat_bind_int64(ins, i + 1, art__cat_col_int64(q, i));
      else
        art__cat_bind_text5(ins, i + 1, art__cat_col_text(q, i), -1,
                            ART__CAT_TRANSIENT);
    }
    if (art__cat_step(ins) != ART__CAT_DONE) {
      st = art__cat_db_error(ctx, dst, table);
      goto out;
    }
    art__cat_reset(ins);
    (*rows)++;
  }
  if (rc != ART__CAT_DONE)
    st = art__cat_db_error(ctx, src, table);
out:
  art__buf_free(&b);
  art__cat_finish(src, q);
  art__cat_finish(dst, ins);
  return st;
}

art_status art_catalog_copy(art_ctx *ctx,
                            art_catalog *src,
                            const char *dest,
                            art_catalog_verify_result *res,
                            uint64_t *rows)
{
  if (res)
    memset(res, 0, sizeof *res);
  if (rows)
    *rows = 0;
  if (!src || !dest || !*dest)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "copy: a destination catalogue is needed");
  art_catalog *dst = NULL;
  /* The copy keeps the source's id: the chain starts from it. */
  art_status st = art__cat_open_copy(ctx, dest, src, &dst);
  if (st != ART_OK)
    return st;
  uint64_t n = 0;
  if ((st = art__cat_tx_begin(ctx, dst)) != ART_OK)
    goto out;
  int reading = src->ops->read_begin(src);
  for (size_t i = 0; i < sizeof tables / sizeof tables[0] && st == ART_OK; i++)
    st = copy_table(ctx, src, dst, tables[i].table, tables[i].key, &n);
  if (reading)
    src->ops->read_end(src);
  if (st == ART_OK && dst->ops->after_copy)
    st = dst->ops->after_copy(ctx, dst);
  st = art__cat_tx_end(ctx, dst, st);
  if (st != ART_OK)
    goto out;
  if (rows)
    *rows = n;
  art_catalog_verify_result local;
  st = art_catalog_verify(ctx, dst, NULL, res ? res : &local, NULL);
out:
  art_catalog_free(dst);
  return st;
}
