/* Evidence catalogue: cases and evidence items (registration with hashing
 * through the core reader), and reading them back as JSON or text.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/hash.h>
#include <artifact/magic.h>
#include <artifact/reader.h>
#include <artifact/source.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog_private.h"
#include "i18n.h"

static int blank(const char *s)
{
  return !s || !*s;
}

art_status art__cat_item_find(art_ctx *ctx,
                              art_catalog *cat,
                              const char *case_number,
                              const char *item,
                              int64_t *item_id)
{
  *item_id = 0;
  art__cat_stmt *q;
  art_status st;
  if (!blank(case_number)) {
    if ((st = art__cat_prepare(
             ctx, cat, "SELECT id FROM cases WHERE number = ?", &q)) != ART_OK)
      return st;
    art__cat_bind_text5(q, 1, case_number, -1, ART__CAT_STATIC);
    int rc = art__cat_step(q);
    art__cat_finish(cat, q);
    if (rc != ART__CAT_ROW)
      return art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "case %s: not found",
                            case_number);
  }
  if ((st = art__cat_prepare(
           ctx, cat,
           "SELECT i.id FROM items i JOIN cases c ON c.id = i.case_id "
           "WHERE i.item_number = ?1 AND c.number = coalesce(?2, c.number) "
           "LIMIT 2",
           &q)) != ART_OK)
    return st;
  art__cat_bind_text5(q, 1, item, -1, ART__CAT_STATIC);
  if (!blank(case_number))
    art__cat_bind_text5(q, 2, case_number, -1, ART__CAT_STATIC);
  int n = 0, rc;
  while ((rc = art__cat_step(q)) == ART__CAT_ROW) {
    if (n++ == 0)
      *item_id = art__cat_col_int64(q, 0);
  }
  art__cat_finish(cat, q);
  if (rc != ART__CAT_DONE)
    return art__cat_db_error(ctx, cat, "item lookup");
  if (n == 0) {
    *item_id = 0;
    if (!blank(case_number))
      return art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                            "item %s: not found in case %s", item, case_number);
    return art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "item %s: not found",
                          item);
  }
  if (n > 1) {
    *item_id = 0;
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "item %s: in several cases; name one with --case",
                          item);
  }
  return ART_OK;
}

art_status art_catalog_case_add(art_ctx *ctx,
                                art_catalog *cat,
                                const char *actor,
                                const char *case_number,
                                const char *title)
{
  if (!cat || blank(case_number))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "case add: a case number is needed");
  if (blank(actor))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "case %s: an event needs an actor (--actor or "
                          "ART_ACTOR)",
                          case_number);
  art_status st;
  if ((st = art__cat_check_text(ctx, "case number", case_number)) != ART_OK ||
      (st = art__cat_check_text(ctx, "--title", title)) != ART_OK ||
      (st = art__cat_check_text(ctx, "--actor", actor)) != ART_OK)
    return st;
  if ((st = art__cat_tx_begin(ctx, cat)) != ART_OK)
    return st;
  art__cat_stmt *q = NULL;
  char uuid[40];
  char *ptext = NULL;
  if ((st = art__cat_prepare(ctx, cat, "SELECT 1 FROM cases WHERE number = ?",
                             &q)) != ART_OK)
    goto out;
  art__cat_bind_text5(q, 1, case_number, -1, ART__CAT_STATIC);
  int exists = art__cat_step(q) == ART__CAT_ROW;
  art__cat_finish(cat, q);
  q = NULL;
  if (exists) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "case %s: already exists",
                        case_number);
    goto out;
  }
  art__cat_uuid4(uuid, sizeof uuid);
  json_t *p = json_pack("{s:s}", "case_uuid", uuid);
  if (p && !blank(title))
    json_object_set_new(p, "title", json_string(title));
  ptext = p ? art__cat_json_dump(p) : NULL;
  json_decref(p);
  if (!ptext) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "case %s: title is not valid UTF-8", case_number);
    goto out;
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = "case_open";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_CASE] = case_number;
  ev.f[ART__EV_PAYLOAD] = ptext;
  if ((st = art__cat_append(ctx, cat, &ev, 0)) != ART_OK)
    goto out;
  if ((st = art__cat_prepare(ctx, cat,
                             "INSERT INTO cases (uuid, number, title, "
                             "opened_seq) VALUES (?, ?, ?, ?)",
                             &q)) != ART_OK)
    goto out;
  art__cat_bind_text5(q, 1, uuid, -1, ART__CAT_STATIC);
  art__cat_bind_text5(q, 2, case_number, -1, ART__CAT_STATIC);
  art__cat_bind_text(ctx, cat, q, 3, blank(title) ? NULL : title);
  art__cat_bind_int64(q, 4, (int64_t)ev.seq);
  if (art__cat_step(q) != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, case_number);
out:
  art__cat_finish(cat, q);
  free(ptext);
  return art__cat_tx_end(ctx, cat, st);
}

/* ---- hashing through the core ---- */

static json_t *
hash_entry(const char *alg, const char *value, const char *origin)
{
  return json_pack("{s:s, s:s, s:s}", "algorithm", alg, "value", value,
                   "origin", origin);
}

art_status art__cat_hash_path(art_ctx *ctx,
                              art_catalog *cat,
                              const char *path,
                              json_t **hashes,
                              json_t **info)
{
  art_source *src = NULL;
  art_reader *reader = NULL;
  art_hash *h = NULL;
  art_magic *m = NULL;
  int magic_attached = 0;
  *hashes = json_array();
  *info = json_object();
  art_status st;
  if (!*hashes || !*info) {
    st = art__set_errno(ctx, ENOMEM, "%s", path);
    goto out;
  }
  if ((st = art_source_open(ctx, path, ART_SOURCE_AUTO, &src)) != ART_OK)
    goto out;
  art_reader_opts ro = {0};
  ro.threads = 3; /* one lane per digest on large inputs */
  if ((st = art_reader_new(ctx, &ro, &reader)) != ART_OK)
    goto out;
  unsigned mask = ART_HASH_MASK(ART_HASH_MD5) | ART_HASH_MASK(ART_HASH_SHA1) |
                  ART_HASH_MASK(ART_HASH_SHA256);
  if ((st = art_hash_new(ctx, mask, &h)) != ART_OK)
    goto out;
  if ((st = art_hash_attach(ctx, h, reader)) != ART_OK)
    goto out;
  /* Type detection is a nicety: without a magic database the item is still
   * registered, only without a MIME type. */
  if (!cat->magic && !cat->magic_failed &&
      art_magic_new(ctx, &cat->magic) != ART_OK) {
    cat->magic_failed = 1;
    art_ctx_clear(ctx);
  }
  if ((m = cat->magic) && art_magic_attach(ctx, m, reader) == ART_OK)
    magic_attached = 1;
  else
    art_ctx_clear(ctx);
  uint64_t bytes = 0;
  if ((st = art_reader_run(ctx, reader, src, &bytes)) != ART_OK)
    goto out;
  int changed = 0;
  if ((st = art_source_unchanged(ctx, src, &changed)) != ART_OK)
    goto out;
  if (changed) {
    st = art__set_error(ctx, ART_ERR_IO, 0,
                        "%s: changed while it was being hashed", path);
    goto out;
  }
  static const art_hash_alg algs[] = {ART_HASH_MD5, ART_HASH_SHA1,
                                      ART_HASH_SHA256};
  for (size_t i = 0; i < 3; i++) {
    const char *hex = art_hash_hex(h, algs[i]);
    if (!hex) {
      st = art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s: %s not computed", path,
                          art_hash_alg_name(algs[i]));
      goto out;
    }
    json_array_append_new(
        *hashes, hash_entry(art_hash_alg_name(algs[i]), hex, "computed"));
  }
  const art_source_info *si = art_source_get_info(src);
  json_object_set_new(*info, "source_kind",
                      json_string(art_source_kind_name(si->kind)));
  json_object_set_new(*info, "size", json_integer((json_int_t)bytes));
  json_object_set_new(*info, "segments", json_integer(si->segments));
  if (magic_attached && art_magic_mime(m))
    json_object_set_new(*info, "mime_type", json_string(art_magic_mime(m)));
  /* Hashes an image carries from its acquisition, kept apart from ours and
   * compared with them. */
  const char *alg, *hex, *key, *value;
  for (size_t i = 0; art_source_stored_hash(src, i, &alg, &hex) == ART_OK;
       i++) {
    json_t *e = hash_entry(alg, hex, "imported");
    for (size_t j = 0; j < 3; j++) {
      if (strcmp(alg, art_hash_alg_name(algs[j])) == 0)
        json_object_set_new(
            e, "match",
            json_boolean(strcasecmp(hex, art_hash_hex(h, algs[j])) == 0));
    }
    json_array_append_new(*hashes, e);
  }
  json_t *hdr = json_object();
  for (size_t i = 0; art_source_header(src, i, &key, &value) == ART_OK; i++)
    if (value && *value) {
      /* Header text is the image's, not ours: bytes that are not UTF-8
       * are kept visible as \xHH rather than dropped. */
      char *v = art__cat_escape_bytes(value);
      if (v)
        json_object_set_new(hdr, key, json_string(v));
      free(v);
    }
  if (json_object_size(hdr))
    json_object_set_new(*info, "headers", hdr);
  else
    json_decref(hdr);
out:
  art_hash_free(h);
  art_reader_free(reader);
  art_source_free(src);
  if (st != ART_OK) {
    json_decref(*hashes);
    json_decref(*info);
    *hashes = *info = NULL;
  }
  return st;
}

/* ---- items ---- */

static void fill(char **values, const char *name, const char *value)
{
  int i = art__cat_item_field_index(name);
  if (i >= 0 && !values[i] && value && *value)
    values[i] = strdup(value);
}

static void fill_from_info(char **values, const char *path, json_t *info)
{
  const char *base = strrchr(path, '/');
  char *name = art__cat_escape_bytes(base ? base + 1 : path);
  fill(values, "file_name", name);
  free(name);
  char size[32];
  snprintf(size, sizeof size, "%lld",
           (long long)json_integer_value(json_object_get(info, "size")));
  fill(values, "size_bytes", size);
  fill(values, "mime_type",
       json_string_value(json_object_get(info, "mime_type")));
  const char *kind = json_string_value(json_object_get(info, "source_kind"));
  if (kind && strcmp(kind, "file") != 0)
    fill(values, "container_format", kind);
  json_t *hdr = json_object_get(info, "headers");
  if (hdr) {
    static const char *const map[][2] = {
        {"description", "description"},
        {"examiner_name", "acquired_by"},
        {"acquiry_software", "acq_tool"},
        {"acquiry_software_version", "acq_tool_version"},
        {"acquiry_date", "acquired_at"},
        {"model", "model"},
        {"serial_number", "serial_number"},
        {"notes", "notes"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
      fill(values, map[i][1],
           json_string_value(json_object_get(hdr, map[i][0])));
    fill(values, "derivation", "image");
  }
}

/* An E01 header's acquisition date ("Thu Dec  3 06:23:13 2026", local
 * time without a zone) as RFC 3339: in UTC with TZ, else without a zone.
 * Returns how the zone is known ("+09:00", "Z", or "unknown"), or NULL when
 * the value is not such a date (then left as it is). */
static const char *e01_date(char **values, const char *tz)
{
  static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int i = art__cat_item_field_index("acquired_at");
  const char *v = values[i];
  char wd[8], mn[8];
  int d, h, mi, sec, y;
  if (!v ||
      sscanf(v, "%3s %3s %d %d:%d:%d %d", wd, mn, &d, &h, &mi, &sec, &y) != 7)
    return NULL;
  int m;
  for (m = 0; m < 12 && strcmp(mon[m], mn) != 0; m++)
    ;
  if (m == 12)
    return NULL;
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, m + 1, d, h,
           mi, sec, tz && *tz ? tz : "Z");
  art__cat_time t;
  if (art__cat_time_parse(NULL, "acquired_at", buf, &t) != ART_OK)
    return NULL;
  free(values[i]);
  if (tz && *tz) {
    values[i] = strdup(t.utc);
    return strcmp(tz, "Z") == 0 ? "Z" : tz;
  }
  buf[19] = '\0'; /* no zone: the local time as written */
  values[i] = strdup(buf);
  return "unknown";
}

static art_status insert_hashes(art_ctx *ctx,
                                art_catalog *cat,
                                int64_t item_id,
                                json_t *hashes,
                                uint64_t seq)
{
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat,
      "INSERT INTO hashes (item_id, algorithm, value, origin, status, "
      "event_seq) VALUES (?, ?, ?, ?, ?, ?)",
      &q);
  if (st != ART_OK)
    return st;
  size_t i;
  json_t *e;
  json_array_foreach(hashes, i, e)
  {
    json_t *match = json_object_get(e, "match");
    const char *status = !match                ? "recorded"
                         : json_is_true(match) ? "match"
                                               : "mismatch";
    art__cat_bind_int64(q, 1, item_id);
    art__cat_bind_text5(q, 2,
                        json_string_value(json_object_get(e, "algorithm")), -1,
                        ART__CAT_TRANSIENT);
    art__cat_bind_text5(q, 3, json_string_value(json_object_get(e, "value")),
                        -1, ART__CAT_TRANSIENT);
    art__cat_bind_text5(q, 4, json_string_value(json_object_get(e, "origin")),
                        -1, ART__CAT_TRANSIENT);
    art__cat_bind_text5(q, 5, status, -1, ART__CAT_STATIC);
    art__cat_bind_int64(q, 6, (int64_t)seq);
    if (art__cat_step(q) != ART__CAT_DONE) {
      st = art__cat_db_error(ctx, cat, "hash");
      break;
    }
    art__cat_reset(q);
  }
  art__cat_finish(cat, q);
  return st;
}

static art_status item_precheck(art_ctx *ctx,
                                art_catalog *cat,
                                const char *case_number,
                                const char *item,
                                int64_t *case_id)
{
  art__cat_stmt *q;
  art_status st =
      art__cat_prepare(ctx, cat, "SELECT id FROM cases WHERE number = ?", &q);
  if (st != ART_OK)
    return st;
  art__cat_bind_text5(q, 1, case_number, -1, ART__CAT_STATIC);
  int rc = art__cat_step(q);
  *case_id = rc == ART__CAT_ROW ? art__cat_col_int64(q, 0) : 0;
  art__cat_finish(cat, q);
  if (rc != ART__CAT_ROW)
    return art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "case %s: not found",
                          case_number);
  if ((st = art__cat_prepare(ctx, cat,
                             "SELECT 1 FROM items WHERE case_id = ? AND "
                             "item_number = ?",
                             &q)) != ART_OK)
    return st;
  art__cat_bind_int64(q, 1, *case_id);
  art__cat_bind_text5(q, 2, item, -1, ART__CAT_STATIC);
  rc = art__cat_step(q);
  art__cat_finish(cat, q);
  if (rc == ART__CAT_ROW)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "item %s: already registered in case %s", item,
                          case_number);
  return ART_OK;
}

static int is_acq_field(const char *name)
{
  return strncmp(name, "acq", 3) == 0 || strcmp(name, "write_blocker") == 0 ||
         strcmp(name, "collection_method") == 0;
}

art_status art_catalog_item_add(art_ctx *ctx,
                                art_catalog *cat,
                                const char *actor,
                                const char *case_number,
                                const char *item,
                                const art_catalog_fields *fields,
                                const char *path,
                                uint64_t *seq)
{
  if (seq)
    *seq = 0;
  if (!cat || blank(case_number) || blank(item))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "add: a case (--case) and an item number (--item) "
                          "are needed");
  if (blank(actor))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "item %s: an event needs an actor (--actor or "
                          "ART_ACTOR)",
                          item);
  art_status cst;
  if ((cst = art__cat_check_text(ctx, "case number", case_number)) != ART_OK ||
      (cst = art__cat_check_text(ctx, "item number", item)) != ART_OK ||
      (cst = art__cat_check_text(ctx, "--actor", actor)) != ART_OK)
    return cst;
  size_t nf = 0;
  while (art__cat_item_fields[nf])
    nf++;
  char **values = calloc(nf, sizeof *values);
  json_t *hashes = NULL, *info = NULL, *payload = NULL, *fj = NULL;
  char *ptext = NULL, *atext = NULL, *meta = NULL;
  char *abs = NULL;
  const char *acq_zone = NULL;
  art__cat_stmt *q = NULL;
  int in_tx = 0;
  art_status st = ART_OK;
  if (!values)
    return art__set_errno(ctx, ENOMEM, "item %s", item);
  for (size_t i = 0; fields && i < nf; i++)
    if (fields->values[i] && !(values[i] = strdup(fields->values[i]))) {
      st = art__set_errno(ctx, ENOMEM, "item %s", item);
      goto out;
    }
  int64_t case_id;
  /* Fail before the (possibly long) read when the item cannot go in. */
  if ((st = item_precheck(ctx, cat, case_number, item, &case_id)) != ART_OK)
    goto out;
  if (path) {
    if ((st = art__cat_hash_path(ctx, cat, path, &hashes, &info)) != ART_OK)
      goto out;
    int had_acq = values[art__cat_item_field_index("acquired_at")] != NULL;
    fill_from_info(values, path, info);
    if (!had_acq)
      acq_zone = e01_date(values, fields ? fields->tz : "");
    abs = realpath(path, NULL);
    json_t *hdr = json_object_get(info, "headers");
    if (hdr)
      meta = art__cat_json_dump(hdr);
  } else {
    hashes = json_array();
  }
  if (fields && fields->declared) {
    size_t i;
    json_t *d;
    json_array_foreach(fields->declared, i, d)
    {
      const char *alg = json_string_value(json_object_get(d, "algorithm"));
      const char *val = json_string_value(json_object_get(d, "value"));
      json_t *e = hash_entry(alg, val, "declared");
      size_t j;
      json_t *c;
      json_array_foreach(hashes, j, c)
      {
        const char *o = json_string_value(json_object_get(c, "origin"));
        if (strcmp(o, "computed") == 0 &&
            strcmp(json_string_value(json_object_get(c, "algorithm")), alg) ==
                0)
          json_object_set_new(
              e, "match",
              json_boolean(
                  strcmp(json_string_value(json_object_get(c, "value")), val) ==
                  0));
      }
      json_array_append_new(hashes, e);
    }
  }
  if (!values[art__cat_item_field_index("derivation")])
    values[art__cat_item_field_index("derivation")] = strdup("original");
  int64_t parent_id = 0;

  if ((st = art__cat_tx_begin(ctx, cat)) != ART_OK)
    goto out;
  in_tx = 1;
  if ((st = item_precheck(ctx, cat, case_number, item, &case_id)) != ART_OK)
    goto out;
  const char *parent = values[art__cat_item_field_index("parent_item")];
  if (parent) {
    if ((st = art__cat_prepare(ctx, cat,
                               "SELECT id FROM items WHERE case_id = ? AND "
                               "item_number = ?",
                               &q)) != ART_OK)
      goto out;
    art__cat_bind_int64(q, 1, case_id);
    art__cat_bind_text5(q, 2, parent, -1, ART__CAT_STATIC);
    if (art__cat_step(q) == ART__CAT_ROW)
      parent_id = art__cat_col_int64(q, 0);
    art__cat_finish(cat, q);
    q = NULL;
    if (!parent_id) {
      st = art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                          "item %s: parent item %s not found in case %s", item,
                          parent, case_number);
      goto out;
    }
  }
  char uuid[40];
  art__cat_uuid4(uuid, sizeof uuid);
  /* The item row first (events refer to it), its register event next. */
  art__buf sql = {0};
  art__buf_str(&sql, "INSERT INTO items (uuid, case_id, item_number, "
                     "parent_id, container_metadata, source_path, "
                     "registered_seq");
  for (size_t i = 0; i < nf; i++)
    art__buf_printf(&sql, ", %s", art__cat_item_fields[i]);
  art__buf_str(&sql, ") VALUES (?, ?, ?, ?, ?, ?, 0");
  for (size_t i = 0; i < nf; i++)
    art__buf_str(&sql, ", ?");
  art__buf_str(&sql, ") RETURNING id");
  if (sql.failed) {
    art__buf_free(&sql);
    st = art__set_errno(ctx, ENOMEM, "item %s", item);
    goto out;
  }
  st = art__cat_prepare(ctx, cat, sql.data, &q);
  art__buf_free(&sql);
  if (st != ART_OK)
    goto out;
  art__cat_bind_text5(q, 1, uuid, -1, ART__CAT_STATIC);
  art__cat_bind_int64(q, 2, case_id);
  art__cat_bind_text5(q, 3, item, -1, ART__CAT_STATIC);
  if (parent_id)
    art__cat_bind_int64(q, 4, parent_id);
  art__cat_bind_text5(q, 5, meta, -1, ART__CAT_STATIC);
  art__cat_bind_text5(q, 6, abs ? abs : path, -1, ART__CAT_STATIC);
  for (size_t i = 0; i < nf; i++)
    art__cat_bind_text5(q, (int)i + 7, values[i], -1, ART__CAT_STATIC);
  if (art__cat_step(q) != ART__CAT_ROW) {
    st = art__cat_db_error(ctx, cat, item);
    goto out;
  }
  int64_t item_id = art__cat_col_int64(q, 0);
  art__cat_finish(cat, q);
  q = NULL;

  /* The register event carries every register field, the hashes and the
   * source path, so the chain alone can rebuild and check the register. */
  fj = json_object();
  for (size_t i = 0; i < nf; i++)
    if (values[i])
      json_object_set_new(fj, art__cat_item_fields[i], json_string(values[i]));
  payload = json_pack("{s:s, s:O, s:O}", "item_uuid", uuid, "fields", fj,
                      "hashes", hashes);
  if (payload && (abs || path)) {
    /* The path as the file system spells it; bytes that are not UTF-8
     * shown as \xHH (the register row keeps the exact bytes to re-read). */
    char *sp = art__cat_escape_bytes(abs ? abs : path);
    json_object_set_new(payload, "source_path", json_string(sp ? sp : ""));
    free(sp);
  }
  if (payload && fields && fields->acquired_offset[0] &&
      strcmp(fields->acquired_offset, "Z") != 0)
    json_object_set_new(payload, "acquired_at_offset",
                        json_string(fields->acquired_offset));
  if (payload && acq_zone)
    json_object_set_new(payload, "acquired_at_zone", json_string(acq_zone));
  if (payload && info && json_object_get(info, "headers"))
    json_object_set(payload, "container_metadata",
                    json_object_get(info, "headers"));
  if (!payload || !(ptext = art__cat_json_dump(payload))) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "item %s: a field is not valid UTF-8", item);
    goto out;
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = "register";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_CASE] = case_number;
  ev.f[ART__EV_ITEM] = item;
  ev.f[ART__EV_LOCATION] =
      values[art__cat_item_field_index("storage_location")];
  ev.f[ART__EV_PAYLOAD] = ptext;
  if ((st = art__cat_append(ctx, cat, &ev, item_id)) != ART_OK)
    goto out;
  uint64_t reg_seq = ev.seq;
  if ((st = insert_hashes(ctx, cat, item_id, hashes, reg_seq)) != ART_OK)
    goto out;
  if ((st = art__cat_prepare(ctx, cat,
                             "UPDATE items SET registered_seq = ? WHERE id = "
                             "?",
                             &q)) != ART_OK)
    goto out;
  art__cat_bind_int64(q, 1, (int64_t)reg_seq);
  art__cat_bind_int64(q, 2, item_id);
  if (art__cat_step(q) != ART__CAT_DONE) {
    st = art__cat_db_error(ctx, cat, item);
    goto out;
  }
  art__cat_finish(cat, q);
  q = NULL;

  /* The acquisition, when there was one: the file read here, or an
   * acquisition described by the fields. */
  json_t *acq = json_object();
  for (size_t i = 0; i < nf; i++)
    if (values[i] && is_acq_field(art__cat_item_fields[i]))
      json_object_set_new(acq, art__cat_item_fields[i], json_string(values[i]));
  if (path || json_object_size(acq)) {
    if (info)
      json_object_set(acq, "source", info);
    atext = art__cat_json_dump(acq);
    json_decref(acq);
    if (!atext) {
      st = art__set_errno(ctx, ENOMEM, "item %s", item);
      goto out;
    }
    art__cat_event aev = {0};
    aev.f[ART__EV_TYPE] = "acquire";
    aev.f[ART__EV_ACTOR] = actor;
    aev.f[ART__EV_CASE] = case_number;
    aev.f[ART__EV_ITEM] = item;
    aev.f[ART__EV_TO] = values[art__cat_item_field_index("acquired_by")];
    aev.f[ART__EV_LOCATION] =
        values[art__cat_item_field_index("acquired_where")];
    aev.f[ART__EV_PAYLOAD] = atext;
    if ((st = art__cat_append(ctx, cat, &aev, item_id)) != ART_OK)
      goto out;
  } else {
    json_decref(acq);
  }
  if (seq)
    *seq = reg_seq;
out:
  art__cat_finish(cat, q);
  if (in_tx)
    st = art__cat_tx_end(ctx, cat, st);
  for (size_t i = 0; i < nf; i++)
    free(values[i]);
  free(values);
  json_decref(hashes);
  json_decref(info);
  json_decref(payload);
  json_decref(fj);
  free(ptext);
  free(atext);
  free(meta);
  free(abs);
  return st;
}

/* ---- reading back ---- */

json_t *art__cat_event_json(const art__cat_event *ev)
{
  static const char *const names[ART__EV_NFIELDS] = {
      "uuid", "type", "recorded_at", "occurred_at", "actor",   "case",  "item",
      "from", "to",   "purpose",     "location",    "payload", "key_id"};
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    if (ev->f[i])
      json_object_set_new(o, names[i], json_string(ev->f[i]));
  char hex[2 * ART__CAT_SIG_LEN + 1];
  art__cat_hex(ev->prev, ART__CAT_HASH_LEN, hex);
  json_object_set_new(o, "prev_hash", json_string(hex));
  art__cat_hex(ev->hash, ART__CAT_HASH_LEN, hex);
  json_object_set_new(o, "record_hash", json_string(hex));
  if (ev->has_sig == 1) {
    art__cat_hex(ev->sig, ART__CAT_SIG_LEN, hex);
    json_object_set_new(o, "signature", json_string(hex));
  }
  return o;
}

json_t *art__cat_item_json(art_ctx *ctx,
                           art_catalog *cat,
                           int64_t item_id,
                           int with_events)
{
  art__cat_stmt *q;
  json_t *o = json_object();
  if (!o)
    return NULL;
  if (art__cat_prepare(ctx, cat,
                       "SELECT c.number AS case_number, i.* FROM items i "
                       "JOIN cases c ON c.id = i.case_id WHERE i.id = ?",
                       &q) != ART_OK)
    goto fail;
  art__cat_bind_int64(q, 1, item_id);
  if (art__cat_step(q) != ART__CAT_ROW) {
    art__cat_finish(cat, q);
    art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "item %lld: not found",
                   (long long)item_id);
    goto fail;
  }
  int n = art__cat_col_count(q);
  for (int i = 0; i < n; i++) {
    const char *name = art__cat_col_name(q, i);
    if (strcmp(name, "id") == 0 || strcmp(name, "case_id") == 0 ||
        strcmp(name, "parent_id") == 0)
      continue;
    if (art__cat_col_type(q, i) == ART__CAT_NULL)
      continue;
    if (strcmp(name, "registered_seq") == 0) {
      json_object_set_new(o, name, json_integer(art__cat_col_int64(q, i)));
    } else if (strcmp(name, "container_metadata") == 0) {
      json_t *m = json_loads((const char *)art__cat_col_text(q, i), 0, NULL);
      if (m)
        json_object_set_new(o, name, m);
    } else {
      json_object_set_new(o, strcmp(name, "case_number") == 0 ? "case" : name,
                          json_string((const char *)art__cat_col_text(q, i)));
    }
  }
  art__cat_finish(cat, q);

  json_t *hashes = json_array();
  json_object_set_new(o, "hashes", hashes);
  if (art__cat_prepare(ctx, cat,
                       "SELECT algorithm, value, origin, status, event_seq "
                       "FROM hashes WHERE item_id = ? ORDER BY id",
                       &q) != ART_OK)
    goto fail;
  art__cat_bind_int64(q, 1, item_id);
  while (art__cat_step(q) == ART__CAT_ROW) {
    json_array_append_new(
        hashes, json_pack("{s:s, s:s, s:s, s:s, s:I}", "algorithm",
                          (const char *)art__cat_col_text(q, 0), "value",
                          (const char *)art__cat_col_text(q, 1), "origin",
                          (const char *)art__cat_col_text(q, 2), "status",
                          (const char *)art__cat_col_text(q, 3), "event_seq",
                          (json_int_t)art__cat_col_int64(q, 4)));
  }
  art__cat_finish(cat, q);

  art__cat_state s;
  if (art__cat_item_state(ctx, cat, item_id, &s) != ART_OK)
    goto fail;
  json_t *state =
      json_pack("{s:s, s:s, s:s, s:b}", "custodian", s.custodian, "location",
                s.location, "status", s.status, "sealed", s.sealed);
  if (state && s.last_verified[0]) {
    json_object_set_new(state, "last_verified", json_string(s.last_verified));
    json_object_set_new(state, "last_verification",
                        json_string(s.last_verify_result));
  }
  if (state && s.sealed && s.seal_number[0])
    json_object_set_new(state, "seal_number", json_string(s.seal_number));
  if (state && s.checked_out_to[0])
    json_object_set_new(state, "checked_out_to", json_string(s.checked_out_to));
  if (state && s.pending) {
    json_object_set_new(state, "unacknowledged_transfer",
                        json_integer((json_int_t)s.pending));
    json_object_set_new(state, "awaiting_receipt_by",
                        json_string(s.pending_to));
  }
  json_object_set_new(o, "state", state);

  if (with_events) {
    json_t *evs = json_array();
    json_object_set_new(o, "events", evs);
    if (art__cat_prepare(ctx, cat,
                         "SELECT " ART__CAT_EVENT_COLS
                         " FROM events WHERE item_id = ? ORDER BY seq",
                         &q) != ART_OK)
      goto fail;
    art__cat_bind_int64(q, 1, item_id);
    while (art__cat_step(q) == ART__CAT_ROW) {
      art__cat_event ev;
      art__cat_event_from_row(q, &ev);
      json_array_append_new(evs, art__cat_event_json(&ev));
    }
    art__cat_finish(cat, q);
  }
  return o;
fail:
  json_decref(o);
  return NULL;
}

static art_status dump_out(art_ctx *ctx, json_t *j, char **out)
{
  *out = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(j);
  if (!*out)
    return art_ctx_status(ctx) != ART_OK ? art_ctx_status(ctx)
                                         : art__set_errno(ctx, ENOMEM, "json");
  return ART_OK;
}

art_status art_catalog_item_show(art_ctx *ctx,
                                 art_catalog *cat,
                                 const char *case_number,
                                 const char *item,
                                 char **json)
{
  *json = NULL;
  int64_t id;
  art_status st = art__cat_item_find(ctx, cat, case_number, item, &id);
  if (st != ART_OK)
    return st;
  art_ctx_clear(ctx);
  return dump_out(ctx, art__cat_item_json(ctx, cat, id, 1), json);
}

static json_t *list_json(art_ctx *ctx, art_catalog *cat)
{
  art__cat_stmt *q;
  json_t *arr = json_array();
  if (art__cat_prepare(ctx, cat, "SELECT id FROM items ORDER BY id", &q) !=
      ART_OK) {
    json_decref(arr);
    return NULL;
  }
  while (art__cat_step(q) == ART__CAT_ROW) {
    json_t *it = art__cat_item_json(ctx, cat, art__cat_col_int64(q, 0), 0);
    if (!it) {
      json_decref(arr);
      arr = NULL;
      break;
    }
    json_array_append_new(arr, it);
  }
  art__cat_finish(cat, q);
  return arr;
}

art_status art_catalog_list(art_ctx *ctx, art_catalog *cat, char **json)
{
  *json = NULL;
  art_ctx_clear(ctx);
  return dump_out(ctx, list_json(ctx, cat), json);
}

static const char *js(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* Everything shown on a terminal goes through art__cat_text_safe. */
static void S(art__buf *b, const char *s)
{
  art__cat_text_safe(b, s, 0);
}

static void text_event(art__buf *b, json_t *e)
{
  art__buf_printf(b, "  #%lld %s  ",
                  (long long)json_integer_value(json_object_get(e, "seq")),
                  js(e, "recorded_at"));
  S(b, js(e, "type"));
  art__buf_str(b, _("  by "));
  S(b, js(e, "actor"));
  /* event field (machine) and its label (for a person) */
  static const char *const parts[][2] = {{"from", N_("  released by ")},
                                         {"to", N_("  received by ")},
                                         {"location", N_("  at ")},
                                         {"purpose", N_("  purpose: ")}};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (*js(e, parts[i][0])) {
      art__buf_str(b, _(parts[i][1]));
      S(b, js(e, parts[i][0]));
    }
  json_t *p = json_loads(js(e, "payload"), 0, NULL);
  if (*js(e, "occurred_at")) {
    art__buf_str(b, _("  (occurred "));
    S(b, js(e, "occurred_at"));
    if (*js(p, "occurred_offset")) {
      art__buf_str(b, _(", given with offset "));
      S(b, js(p, "occurred_offset"));
    }
    art__buf_str(b, ")");
  }
  if (*js(p, "late_entry")) {
    art__buf_str(b, _("  LATE ENTRY: "));
    S(b, js(p, "late_entry"));
  }
  if (*js(p, "seal_number")) {
    art__buf_str(b, _("  seal "));
    S(b, js(p, "seal_number"));
  }
  if (*js(e, "key_id"))
    art__buf_printf(b, _("  signed %s"), js(e, "key_id"));
  art__buf_str(b, "\n");
  json_decref(p);
  if (*js(e, "payload")) {
    art__buf_str(b, "      ");
    S(b, js(e, "payload"));
    art__buf_str(b, "\n");
  }
}

static void text_item(art__buf *b, json_t *it, int full)
{
  json_t *state = json_object_get(it, "state");
  if (!full) {
    const char *cols[] = {js(it, "case"), js(it, "item_number"),
                          js(state, "status"), js(state, "custodian"),
                          js(state, "location")};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
      S(b, cols[i]);
      art__buf_str(b, "\t");
    }
    /* seal: the seal number when sealed; verified: the last re-hash */
    if (json_is_true(json_object_get(state, "sealed"))) {
      art__buf_str(b, _("sealed "));
      S(b, *js(state, "seal_number") ? js(state, "seal_number")
                                     : _("(no number)"));
    } else {
      art__buf_str(b, _("unsealed"));
    }
    art__buf_str(b, "\t");
    S(b,
      *js(state, "last_verification") ? js(state, "last_verification") : "-");
    if (json_object_get(state, "unacknowledged_transfer"))
      art__buf_str(b, _(" (transfer not acknowledged)"));
    art__buf_str(b, "\t");
    S(b, js(it, "description"));
    art__buf_str(b, "\n");
    return;
  }
  art__buf_str(b, _("Item "));
  S(b, js(it, "item_number"));
  art__buf_str(b, _(" (case "));
  S(b, js(it, "case"));
  art__buf_str(b, ")\n");
  const char *k;
  json_t *v;
  json_object_foreach(it, k, v)
  {
    if (json_is_string(v) && strcmp(k, "case") != 0 &&
        strcmp(k, "item_number") != 0) {
      art__buf_printf(b, "  %-18s ", k);
      S(b, json_string_value(v));
      art__buf_str(b, "\n");
    }
  }
  art__buf_str(b, _("State: "));
  S(b, js(state, "status"));
  art__buf_str(b, _(", custodian "));
  S(b, js(state, "custodian"));
  art__buf_str(b, _(", location "));
  S(b, js(state, "location"));
  if (json_is_true(json_object_get(state, "sealed"))) {
    art__buf_str(b, _(", sealed"));
    if (*js(state, "seal_number")) {
      art__buf_str(b, _(" (seal "));
      S(b, js(state, "seal_number"));
      art__buf_str(b, ")");
    }
  }
  if (*js(state, "last_verification")) {
    art__buf_str(b, _(", last verification "));
    S(b, js(state, "last_verification"));
  }
  art__buf_str(b, "\n");
  if (json_object_get(state, "unacknowledged_transfer")) {
    art__buf_printf(b, _("Transfer at event %lld not yet acknowledged by "),
                    (long long)json_integer_value(
                        json_object_get(state, "unacknowledged_transfer")));
    S(b, js(state, "awaiting_receipt_by"));
    art__buf_str(b, _(" (event receive)"));
    art__buf_str(b, "\n");
  }
  art__buf_str(b, _("Hashes:"));
  art__buf_str(b, "\n");
  size_t i;
  json_array_foreach(json_object_get(it, "hashes"), i, v)
  {
    art__buf_printf(
        b, _("  %-7s %s  %s %s (event %lld)\n"), js(v, "algorithm"),
        js(v, "value"), js(v, "origin"), js(v, "status"),
        (long long)json_integer_value(json_object_get(v, "event_seq")));
  }
  art__buf_str(b, _("Custody:"));
  art__buf_str(b, "\n");
  json_array_foreach(json_object_get(it, "events"), i, v) text_event(b, v);
}

static art_status text_out(art_ctx *ctx, art__buf *b, char **out)
{
  if (b->failed) {
    art__buf_free(b);
    return art__set_errno(ctx, ENOMEM, "catalog");
  }
  if (!b->data)
    art__buf_add(b, "", 1), b->len = 0;
  *out = b->data;
  return *out ? ART_OK : art__set_errno(ctx, ENOMEM, "catalog");
}

art_status art_catalog_item_show_text(art_ctx *ctx,
                                      art_catalog *cat,
                                      const char *case_number,
                                      const char *item,
                                      char **text)
{
  *text = NULL;
  int64_t id;
  art_status st = art__cat_item_find(ctx, cat, case_number, item, &id);
  if (st != ART_OK)
    return st;
  json_t *it = art__cat_item_json(ctx, cat, id, 1);
  if (!it)
    return art_ctx_status(ctx);
  art__buf b = {0};
  text_item(&b, it, 1);
  json_decref(it);
  return text_out(ctx, &b, text);
}

art_status art_catalog_list_text(art_ctx *ctx, art_catalog *cat, char **text)
{
  *text = NULL;
  json_t *arr = list_json(ctx, cat);
  if (!arr)
    return art_ctx_status(ctx);
  art__buf b = {0};
  art__buf_str(&b, "case\titem\tstatus\tcustodian\tlocation\tseal\t"
                   "verification\tdescription\n");
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) text_item(&b, it, 0);
  json_decref(arr);
  return text_out(ctx, &b, text);
}

/* ---- cases ---- */

static json_t *cases_json(art_ctx *ctx, art_catalog *cat, const char *number)
{
  art__cat_stmt *q;
  json_t *arr = json_array();
  if (!arr ||
      art__cat_prepare(ctx, cat,
                       "SELECT c.id, c.number, c.title, c.uuid, "
                       "c.opened_seq, e.recorded_at, e.actor, "
                       "(SELECT count(*) FROM items i WHERE "
                       "i.case_id = c.id) FROM cases c LEFT JOIN "
                       "events e ON e.seq = c.opened_seq WHERE c.number = "
                       "coalesce(?1, c.number) ORDER BY c.id",
                       &q) != ART_OK) {
    json_decref(arr);
    return NULL;
  }
  if (number)
    art__cat_bind_text5(q, 1, number, -1, ART__CAT_STATIC);
  while (art__cat_step(q) == ART__CAT_ROW) {
    json_t *c = json_object();
    const char *keys[] = {NULL, "number",    "title",    "uuid",
                          NULL, "opened_at", "opened_by"};
    for (int i = 1; i < 7; i++)
      if (keys[i] && art__cat_col_type(q, i) != ART__CAT_NULL)
        json_object_set_new(c, keys[i],
                            json_string((const char *)art__cat_col_text(q, i)));
    json_object_set_new(c, "opened_seq",
                        json_integer(art__cat_col_int64(q, 4)));
    json_object_set_new(c, "items", json_integer(art__cat_col_int64(q, 7)));
    if (number) {
      json_t *items = json_array();
      art__cat_stmt *iq;
      if (art__cat_prepare(ctx, cat,
                           "SELECT id FROM items WHERE case_id = ? ORDER BY "
                           "id",
                           &iq) == ART_OK) {
        art__cat_bind_int64(iq, 1, art__cat_col_int64(q, 0));
        while (art__cat_step(iq) == ART__CAT_ROW) {
          json_t *it =
              art__cat_item_json(ctx, cat, art__cat_col_int64(iq, 0), 0);
          if (it)
            json_array_append_new(items, it);
        }
        art__cat_finish(cat, iq);
      }
      json_object_set_new(c, "item_list", items);
    }
    json_array_append_new(arr, c);
  }
  art__cat_finish(cat, q);
  return arr;
}

art_status art_catalog_cases(
    art_ctx *ctx, art_catalog *cat, const char *number, int as_json, char **out)
{
  *out = NULL;
  art_ctx_clear(ctx);
  json_t *arr = cases_json(ctx, cat, number);
  if (!arr)
    return art_ctx_status(ctx) != ART_OK ? art_ctx_status(ctx)
                                         : art__set_errno(ctx, ENOMEM, "case");
  if (number && json_array_size(arr) == 0) {
    json_decref(arr);
    return art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "case %s: not found",
                          number);
  }
  if (as_json) {
    json_t *one = number ? json_incref(json_array_get(arr, 0)) : NULL;
    json_decref(number ? arr : NULL);
    return dump_out(ctx, number ? one : arr, out);
  }
  art__buf b = {0};
  size_t i;
  json_t *c;
  if (!number)
    art__buf_str(&b, "case\titems\topened\topened by\ttitle\n");
  json_array_foreach(arr, i, c)
  {
    if (number) {
      art__buf_str(&b, _("Case "));
      S(&b, js(c, "number"));
      art__buf_str(&b, _("\n  title              "));
      S(&b, js(c, "title"));
      art__buf_str(&b, _("\n  uuid               "));
      S(&b, js(c, "uuid"));
      art__buf_str(&b, _("\n  opened             "));
      S(&b, js(c, "opened_at"));
      art__buf_str(&b, _(" by "));
      S(&b, js(c, "opened_by"));
      art__buf_printf(
          &b, _(" (event %lld)\nItems: %lld\n"),
          (long long)json_integer_value(json_object_get(c, "opened_seq")),
          (long long)json_integer_value(json_object_get(c, "items")));
      size_t k;
      json_t *it;
      json_array_foreach(json_object_get(c, "item_list"), k, it)
      {
        art__buf_str(&b, "  ");
        text_item(&b, it, 0);
      }
      continue;
    }
    S(&b, js(c, "number"));
    art__buf_printf(&b, "\t%lld\t",
                    (long long)json_integer_value(json_object_get(c, "items")));
    S(&b, js(c, "opened_at"));
    art__buf_str(&b, "\t");
    S(&b, js(c, "opened_by"));
    art__buf_str(&b, "\t");
    S(&b, js(c, "title"));
    art__buf_str(&b, "\n");
  }
  json_decref(arr);
  return text_out(ctx, &b, out);
}
