/* Evidence catalogue: batches of operations (JSON lines) run in one
 * transaction, for bulk registration.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

static const char *str(json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

static art_status
fields_from(art_ctx *ctx, json_t *obj, json_t *hashes, art_catalog_fields **out)
{
  *out = NULL;
  art_catalog_fields *f;
  art_status st = art_catalog_fields_new(ctx, &f);
  if (st != ART_OK)
    return st;
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v)
  {
    if (!json_is_string(v)) {
      st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "field %s: not a string",
                          k);
      break;
    }
    if ((st = art_catalog_fields_set(ctx, f, k, json_string_value(v))) !=
        ART_OK)
      break;
  }
  size_t i;
  json_array_foreach(hashes, i, v)
  {
    if (st != ART_OK)
      break;
    st = art_catalog_fields_add_hash(ctx, f, str(v, "algorithm"),
                                     str(v, "value"));
  }
  if (st != ART_OK) {
    art_catalog_fields_free(f);
    return st;
  }
  *out = f;
  return ART_OK;
}

static art_status
one(art_ctx *ctx, art_catalog *cat, const char *actor, json_t *op)
{
  const char *kind = str(op, "op");
  const char *who = str(op, "actor") ? str(op, "actor") : actor;
  if (!json_is_object(op) || !kind)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "not an object with an \"op\"");
  if (strcmp(kind, "case") == 0)
    return art_catalog_case_add(ctx, cat, who, str(op, "case"),
                                str(op, "title"));
  art_catalog_fields *f = NULL;
  json_t *set =
      json_object_get(op, strcmp(kind, "item") == 0 ? "fields" : "set");
  if (set && !json_is_object(set))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "\"fields\"/\"set\" is not an object");
  json_t *hashes = json_object_get(op, "hashes");
  if (hashes && !json_is_array(hashes))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "\"hashes\" is not an array");
  art_status st = ART_OK;
  if ((set || hashes) && (st = fields_from(ctx, set, hashes, &f)) != ART_OK)
    return st;
  if (strcmp(kind, "item") == 0) {
    st = art_catalog_item_add(ctx, cat, who, str(op, "case"), str(op, "item"),
                              f, str(op, "path"), NULL);
  } else if (strcmp(kind, "event") == 0) {
    art_catalog_event_spec ev = {0};
    ev.type = str(op, "type");
    ev.case_number = str(op, "case");
    ev.item = str(op, "item");
    ev.actor = who;
    ev.from = str(op, "from");
    ev.to = str(op, "to");
    ev.purpose = str(op, "purpose");
    ev.location = str(op, "location");
    ev.occurred_at = str(op, "at");
    ev.note = str(op, "note");
    ev.seal = str(op, "seal");
    ev.late_entry = str(op, "late_entry");
    ev.tool = str(op, "tool");
    ev.result = str(op, "result");
    ev.amend = set ? f : NULL;
    st = art_catalog_event_add(ctx, cat, &ev, NULL);
  } else {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "unknown op \"%s\"", kind);
  }
  art_catalog_fields_free(f);
  return st;
}

art_status art_catalog_batch(art_ctx *ctx,
                             art_catalog *cat,
                             const char *actor,
                             const char *text,
                             size_t len,
                             uint64_t *count)
{
  if (count)
    *count = 0;
  if (!cat || !text)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "batch: no input");
  art_status st = art_catalog_begin(ctx, cat);
  if (st != ART_OK)
    return st;
  uint64_t n = 0, line = 0;
  size_t pos = 0;
  while (pos < len) {
    const char *p = text + pos;
    const char *nl = memchr(p, '\n', len - pos);
    size_t l = nl ? (size_t)(nl - p) : len - pos;
    pos += l + (nl ? 1 : 0);
    line++;
    size_t s = 0;
    while (s < l && (p[s] == ' ' || p[s] == '\t' || p[s] == '\r'))
      s++;
    if (s == l)
      continue; /* blank line */
    json_error_t jerr;
    json_t *op = json_loadb(p, l, 0, &jerr);
    if (!op) {
      st = art__set_error(ctx, ART_ERR_FORMAT, 0, "batch line %llu: %s",
                          (unsigned long long)line, jerr.text);
      break;
    }
    st = one(ctx, cat, actor, op);
    json_decref(op);
    if (st != ART_OK) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s", art_ctx_errmsg(ctx));
      st = art__set_error(ctx, st, 0, "batch line %llu: %s",
                          (unsigned long long)line, msg);
      break;
    }
    n++;
  }
  if (st != ART_OK) {
    art_catalog_rollback(cat);
    return st;
  }
  if ((st = art_catalog_commit(ctx, cat)) != ART_OK)
    return st;
  if (count)
    *count = n;
  return ART_OK;
}
