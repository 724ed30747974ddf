/* Evidence catalogue: CSV exports (evidence register and custody log),
 * RFC 4180 with spreadsheet formula injection neutralised.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

void art__cat_csv_field(art__buf *b, const char *s, int last)
{
  if (!s)
    s = "";
  /* A cell a spreadsheet would evaluate as a formula is prefixed with a
   * quote so it stays text. */
  /* Spreadsheets skip leading blanks and line breaks before a formula, so
   * " =cmd" and "\n=cmd" are formulas too. */
  size_t lead = strspn(s, " \t\r\n");
  char c = s[lead];
  int formula = c == '=' || c == '+' || c == '-' || c == '@' || s[0] == '\t' ||
                s[0] == '\r';
  int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  if (quote)
    art__buf_str(b, "\"");
  if (formula)
    art__buf_str(b, "'");
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      art__buf_str(b, "\"\"");
    else
      art__buf_add(b, p, 1);
  }
  if (quote)
    art__buf_str(b, "\"");
  art__buf_str(b, last ? "\r\n" : ",");
}

static const char *js(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The checkpoint as footer rows, one line per row in the first column, so
 * the table stays rectangular and `verify --checkpoint` can find it. */
static void footer(art__buf *b, const char *cp, size_t ncols)
{
  for (size_t i = 0; i < ncols; i++)
    art__cat_csv_field(b, "", i + 1 == ncols);
  const char *p = cp;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    char *line = strndup(p, l);
    if (!line) {
      b->failed = 1;
      return;
    }
    art__cat_csv_field(b, line, ncols == 1);
    for (size_t i = 1; i < ncols; i++)
      art__cat_csv_field(b, "", i + 1 == ncols);
    free(line);
    p += l + (nl ? 1 : 0);
  }
}

/* After an empty row, one row per key: "key", id, owner, role,
 * fingerprint, registered at, revoked at, authorised by. */
static void keys_rows(art__buf *b, json_t *keys, size_t ncols)
{
  if (!json_array_size(keys) || ncols < 8)
    return;
  for (size_t i = 0; i < ncols; i++)
    art__cat_csv_field(b, "", i + 1 == ncols);
  size_t k;
  json_t *key;
  json_array_foreach(keys, k, key)
  {
    char reg[32] = "", rev[32] = "";
    snprintf(
        reg, sizeof reg, "%lld",
        (long long)json_integer_value(json_object_get(key, "registered_seq")));
    if (json_object_get(key, "revoked_seq"))
      snprintf(
          rev, sizeof rev, "%lld",
          (long long)json_integer_value(json_object_get(key, "revoked_seq")));
    const char *cells[] = {"key",
                           js(key, "key_id"),
                           js(key, "owner"),
                           js(key, "role"),
                           js(key, "fingerprint_sha256"),
                           reg,
                           rev,
                           js(key, "authorised_by")};
    for (size_t i = 0; i < ncols; i++)
      art__cat_csv_field(b, i < 8 ? cells[i] : "", i + 1 == ncols);
  }
}

static const char *hash_of(json_t *item, const char *alg, const char *origin)
{
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(item, "hashes"), i, h)
  {
    if (strcmp(js(h, "algorithm"), alg) == 0 &&
        strcmp(js(h, "origin"), origin) == 0)
      return js(h, "value");
  }
  return "";
}

art_status art__cat_export_csv(art_ctx *ctx,
                               art_catalog *cat,
                               art__buf *out,
                               const char *cp)
{
  json_t *all = art__cat_collect(ctx, cat);
  if (!all)
    return art_ctx_status(ctx);
  static const char *const pre[] = {"case", "case_title", "item_number"};
  static const char *const post[] = {"md5",
                                     "sha1",
                                     "sha256",
                                     "imported_md5",
                                     "imported_sha1",
                                     "status",
                                     "custodian",
                                     "location",
                                     "sealed",
                                     "current_seal",
                                     "awaiting_receipt_by",
                                     "last_verified",
                                     "last_verification",
                                     "registered_seq",
                                     "uuid"};
  size_t nf = 0;
  while (art__cat_item_fields[nf])
    nf++;
  size_t ncols = 3 + nf + sizeof post / sizeof post[0];
  for (size_t i = 0; i < 3; i++)
    art__cat_csv_field(out, pre[i], 0);
  for (size_t i = 0; i < nf; i++)
    art__cat_csv_field(out, art__cat_item_fields[i], 0);
  for (size_t i = 0; i < sizeof post / sizeof post[0]; i++)
    art__cat_csv_field(out, post[i], i + 1 == sizeof post / sizeof post[0]);
  size_t k;
  json_t *it;
  json_array_foreach(json_object_get(all, "items"), k, it)
  {
    json_t *state = json_object_get(it, "state");
    art__cat_csv_field(out, js(it, "case"), 0);
    const char *title = "";
    size_t ci;
    json_t *c;
    json_array_foreach(json_object_get(all, "cases"), ci, c)
    {
      if (strcmp(js(c, "number"), js(it, "case")) == 0)
        title = js(c, "title");
    }
    art__cat_csv_field(out, title, 0);
    art__cat_csv_field(out, js(it, "item_number"), 0);
    for (size_t i = 0; i < nf; i++)
      art__cat_csv_field(out, js(it, art__cat_item_fields[i]), 0);
    art__cat_csv_field(out, hash_of(it, "md5", "computed"), 0);
    art__cat_csv_field(out, hash_of(it, "sha1", "computed"), 0);
    art__cat_csv_field(out, hash_of(it, "sha256", "computed"), 0);
    art__cat_csv_field(out, hash_of(it, "md5", "imported"), 0);
    art__cat_csv_field(out, hash_of(it, "sha1", "imported"), 0);
    art__cat_csv_field(out, js(state, "status"), 0);
    art__cat_csv_field(out, js(state, "custodian"), 0);
    art__cat_csv_field(out, js(state, "location"), 0);
    art__cat_csv_field(
        out, json_is_true(json_object_get(state, "sealed")) ? "yes" : "no", 0);
    art__cat_csv_field(out, js(state, "seal_number"), 0);
    art__cat_csv_field(out, js(state, "awaiting_receipt_by"), 0);
    art__cat_csv_field(out, js(state, "last_verified"), 0);
    art__cat_csv_field(out, js(state, "last_verification"), 0);
    char seq[32];
    snprintf(
        seq, sizeof seq, "%lld",
        (long long)json_integer_value(json_object_get(it, "registered_seq")));
    art__cat_csv_field(out, seq, 0);
    art__cat_csv_field(out, js(it, "uuid"), 1);
  }
  keys_rows(out, json_object_get(all, "keys"), ncols);
  footer(out, cp, ncols);
  json_decref(all);
  return ART_OK;
}

typedef struct custody_run {
  art__buf *out;
} custody_run;

static const char *const custody_cols[][2] = {{"seq", "seq"},
                                              {"recorded_at", "recorded_at"},
                                              {"occurred_at", "occurred_at"},
                                              {"case", "case"},
                                              {"item", "item"},
                                              {"event", "type"},
                                              {"actor", "actor"},
                                              {"released_by", "from"},
                                              {"received_by", "to"},
                                              {"location", "location"},
                                              {"purpose", "purpose"},
                                              {"seal", "@seal"},
                                              {"details", "payload"},
                                              {"key_id", "key_id"},
                                              {"signature", "signature"},
                                              {"prev_hash", "prev_hash"},
                                              {"record_hash", "record_hash"},
                                              {"uuid", "uuid"}};
#define CUSTODY_NCOLS (sizeof custody_cols / sizeof custody_cols[0])

static int custody_row(void *ud, json_t *e)
{
  art__buf *out = ((custody_run *)ud)->out;
  for (size_t i = 0; i < CUSTODY_NCOLS; i++) {
    if (i == 0) {
      char seq[32];
      snprintf(seq, sizeof seq, "%lld",
               (long long)json_integer_value(json_object_get(e, "seq")));
      art__cat_csv_field(out, seq, 0);
    } else if (strcmp(custody_cols[i][1], "@seal") == 0) {
      json_t *p = json_loads(js(e, "payload"), 0, NULL);
      art__cat_csv_field(out, js(p, "seal_number"), 0);
      json_decref(p);
    } else {
      art__cat_csv_field(out, js(e, custody_cols[i][1]),
                         i + 1 == CUSTODY_NCOLS);
    }
  }
  return out->failed ? -1 : 0;
}

art_status art__cat_export_custody_csv(art_ctx *ctx,
                                       art_catalog *cat,
                                       art__buf *out,
                                       const char *cp)
{
  for (size_t i = 0; i < CUSTODY_NCOLS; i++)
    art__cat_csv_field(out, custody_cols[i][0], i + 1 == CUSTODY_NCOLS);
  /* What happened to each item, together: by case, item, then sequence
   * (catalogue-wide events first). */
  custody_run r = {out};
  art_status st =
      art__cat_each_event(ctx, cat,
                          "ORDER BY case_number IS NOT NULL, case_number, "
                          "item_number IS NOT NULL, item_number, seq",
                          0, custody_row, &r);
  if (st == ART_OK)
    footer(out, cp, CUSTODY_NCOLS);
  return st;
}
