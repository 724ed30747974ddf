/* Evidence catalogue: JSON and JSON Lines exports (complete enough to
 * re-verify the chain without libartifact), and the collector the other
 * exports share.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

json_t *art__cat_collect(art_ctx *ctx, art_catalog *cat)
{
  json_t *all = json_object(), *cases = json_array(), *items = json_array(),
         *cps = json_array();
  art__cat_stmt *q = NULL;
  if (!all || !cases || !items || !cps)
    goto fail;
  json_object_set_new(all, "cases", cases);
  json_object_set_new(all, "items", items);
  json_object_set_new(all, "checkpoints", cps);
  if (art__cat_prepare(ctx, cat,
                       "SELECT number, uuid, title, opened_seq FROM cases "
                       "ORDER BY id",
                       &q) != ART_OK)
    goto fail;
  while (art__cat_step(q) == ART__CAT_ROW) {
    json_t *c = json_pack("{s:s, s:s, s:I}", "number",
                          (const char *)art__cat_col_text(q, 0), "uuid",
                          (const char *)art__cat_col_text(q, 1), "opened_seq",
                          (json_int_t)art__cat_col_int64(q, 3));
    if (c && art__cat_col_text(q, 2))
      json_object_set_new(c, "title",
                          json_string((const char *)art__cat_col_text(q, 2)));
    json_array_append_new(cases, c);
  }
  art__cat_finish(cat, q);
  if (art__cat_prepare(ctx, cat, "SELECT id FROM items ORDER BY id", &q) !=
      ART_OK)
    goto fail;
  while (art__cat_step(q) == ART__CAT_ROW) {
    json_t *it = art__cat_item_json(ctx, cat, art__cat_col_int64(q, 0), 0);
    if (!it)
      goto fail;
    json_array_append_new(items, it);
  }
  art__cat_finish(cat, q);
  if (art__cat_prepare(ctx, cat, "SELECT text FROM checkpoints ORDER BY id",
                       &q) != ART_OK)
    goto fail;
  while (art__cat_step(q) == ART__CAT_ROW)
    json_array_append_new(cps,
                          json_string((const char *)art__cat_col_text(q, 0)));
  art__cat_finish(cat, q);
  q = NULL;
  json_t *keys = art__cat_keys_json(ctx, cat);
  if (!keys)
    goto fail;
  json_object_set_new(all, "keys", keys);
  return all;
fail:
  art__cat_finish(cat, q);
  json_decref(all);
  if (art_ctx_status(ctx) == ART_OK)
    art__set_errno(ctx, ENOMEM, "export");
  return NULL;
}

art_status art__cat_each_event(art_ctx *ctx,
                               art_catalog *cat,
                               const char *order,
                               int64_t item_id,
                               art__cat_event_cb cb,
                               void *ud)
{
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT " ART__CAT_EVENT_COLS " FROM events%s %s",
           item_id > 0 ? " WHERE item_id = ?" : "", order);
  art__cat_stmt *q;
  art_status st = art__cat_prepare(ctx, cat, sql, &q);
  if (st != ART_OK)
    return st;
  if (item_id > 0)
    art__cat_bind_int64(q, 1, item_id);
  int rc;
  while ((rc = art__cat_step(q)) == ART__CAT_ROW) {
    art__cat_event ev;
    art__cat_event_from_row(q, &ev);
    json_t *e = art__cat_event_json(&ev);
    int stop = !e || cb(ud, e) != 0;
    json_decref(e);
    if (stop) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "export: out of memory");
      break;
    }
  }
  if (st == ART_OK && rc != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, "reading events");
  art__cat_finish(cat, q);
  return st;
}

static json_t *header(art_catalog *cat, const char *cp)
{
  char now[40];
  art__cat_now(now, sizeof now);
  char genesis_hex[2 * ART__CAT_HASH_LEN + 1];
  uint8_t g[ART__CAT_HASH_LEN];
  art__cat_genesis(cat->uuid, g);
  art__cat_hex(g, ART__CAT_HASH_LEN, genesis_hex);
  return json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s}", "schema",
                   "art-catalog-export/1", "catalog", cat->uuid,
                   "application_id", ART_CATALOG_APPLICATION_ID,
                   "schema_version", ART_CATALOG_SCHEMA_VERSION, "encoding",
                   ART__CAT_MAGIC, "genesis_prev_hash", genesis_hex,
                   "exported_at", now, "checkpoint", cp);
}

static int append_line(art__buf *out, json_t *j)
{
  char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(j);
  if (!s)
    return -1;
  art__buf_str(out, s);
  art__buf_str(out, "\n");
  free(s);
  return 0;
}

static int dump_to(art__buf *out, json_t *j, size_t flags)
{
  char *s = json_dumps(j, flags | JSON_PRESERVE_ORDER);
  if (!s)
    return -1;
  art__buf_str(out, s);
  free(s);
  return out->failed ? -1 : 0;
}

typedef struct json_run {
  art__buf *out;
  int lines;
  size_t n;
} json_run;

static int json_event(void *ud, json_t *e)
{
  json_run *r = ud;
  if (r->lines) {
    json_t *o = json_pack("{s:s, s:s}", "schema", "art-catalog-export/1",
                          "kind", "event");
    if (!o)
      return -1;
    json_object_update(o, e);
    int rc = dump_to(r->out, o, JSON_COMPACT);
    json_decref(o);
    art__buf_str(r->out, "\n");
    return rc;
  }
  art__buf_str(r->out, r->n++ ? ",\n    " : "\n    ");
  return dump_to(r->out, e, JSON_COMPACT);
}

art_status art__cat_export_json(
    art_ctx *ctx, art_catalog *cat, art__buf *out, const char *cp, int lines)
{
  json_t *all = art__cat_collect(ctx, cat);
  json_t *h = header(cat, cp);
  art_status st = ART_OK;
  json_run r = {out, lines, 0};
  if (!all || !h) {
    st = art_ctx_status(ctx) != ART_OK ? art_ctx_status(ctx)
                                       : art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  if (!lines) {
    /* One object; the events are written one per line as they are read. */
    json_object_set(h, "cases", json_object_get(all, "cases"));
    json_object_set(h, "items", json_object_get(all, "items"));
    json_object_set(h, "keys", json_object_get(all, "keys"));
    char *head = json_dumps(h, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!head) {
      st = art__set_errno(ctx, ENOMEM, "export");
      goto out;
    }
    /* Drop the closing brace to go on with the events. */
    size_t n = strlen(head);
    while (n && (head[n - 1] == '\n' || head[n - 1] == ' '))
      n--;
    if (n && head[n - 1] == '}')
      n--;
    while (n && (head[n - 1] == '\n' || head[n - 1] == ' '))
      n--;
    art__buf_add(out, head, n);
    free(head);
    art__buf_str(out, ",\n  \"events\": [");
    if ((st = art__cat_each_event(ctx, cat, "ORDER BY seq", 0, json_event,
                                  &r)) != ART_OK)
      goto out;
    art__buf_str(out, "\n  ],\n  \"checkpoints\": ");
    if (dump_to(out, json_object_get(all, "checkpoints"), JSON_COMPACT) != 0)
      st = art__set_errno(ctx, ENOMEM, "export");
    art__buf_str(out, "\n}\n");
    goto out;
  }
  /* One object per line: the header (with the checkpoint) first, then
   * cases, items, events in chain order, stored checkpoints. */
  json_object_set_new(h, "kind", json_string("catalog"));
  if (append_line(out, json_incref(h)) != 0) {
    st = art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  static const char *const groups[][2] = {{"cases", "case"},
                                          {"keys", "key"},
                                          {"items", "item"},
                                          {NULL, "event"},
                                          {"checkpoints", "checkpoint"}};
  for (size_t g = 0; g < 5 && st == ART_OK; g++) {
    if (!groups[g][0]) {
      st = art__cat_each_event(ctx, cat, "ORDER BY seq", 0, json_event, &r);
      continue;
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(all, groups[g][0]), i, e)
    {
      json_t *o;
      if (json_is_string(e))
        o = json_pack("{s:s, s:s, s:O}", "schema", "art-catalog-export/1",
                      "kind", groups[g][1], "text", e);
      else {
        o = json_pack("{s:s, s:s}", "schema", "art-catalog-export/1", "kind",
                      groups[g][1]);
        if (o)
          json_object_update(o, e);
      }
      if (!o || append_line(out, o) != 0) {
        st = art__set_errno(ctx, ENOMEM, "export");
        break;
      }
    }
  }
out:
  json_decref(h);
  json_decref(all);
  return st;
}
