/* Evidence catalogue: appending custody events to the chain, reading them
 * back, and deriving an item's custodian, location and status from them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

/* Event types a user may record; register, case_open, key_* and export are
 * recorded by the library itself. */
static const char *const user_types[] = {
    "collect", "acquire", "transfer", "check_out", "check_in", "access",
    "copy",    "verify",  "seal",     "unseal",    "move",     "release",
    "return",  "dispose", "note",     "amend",     NULL};

const char *art__cat_event_type_norm(const char *type)
{
  if (!type)
    return NULL;
  if (strcmp(type, "check-out") == 0 || strcmp(type, "checkout") == 0)
    return "check_out";
  if (strcmp(type, "check-in") == 0 || strcmp(type, "checkin") == 0)
    return "check_in";
  for (size_t i = 0; user_types[i]; i++)
    if (strcmp(type, user_types[i]) == 0)
      return user_types[i];
  return NULL;
}

void art__cat_event_from_row(sqlite3_stmt *st, art__cat_event *ev)
{
  memset(ev, 0, sizeof *ev);
  ev->seq = (uint64_t)sqlite3_column_int64(st, 0);
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    ev->f[i] = (const char *)sqlite3_column_text(st, i + 1);
  const void *p = sqlite3_column_blob(st, ART__EV_NFIELDS + 1);
  int n = sqlite3_column_bytes(st, ART__EV_NFIELDS + 1);
  /* A stored link of the wrong length cannot match anything: fill it with a
   * pattern no SHA-256 output is expected to have. */
  memset(ev->prev, 0xff, sizeof ev->prev);
  if (p && n == ART__CAT_HASH_LEN)
    memcpy(ev->prev, p, ART__CAT_HASH_LEN);
  p = sqlite3_column_blob(st, ART__EV_NFIELDS + 2);
  n = sqlite3_column_bytes(st, ART__EV_NFIELDS + 2);
  memset(ev->hash, 0xff, sizeof ev->hash);
  if (p && n == ART__CAT_HASH_LEN)
    memcpy(ev->hash, p, ART__CAT_HASH_LEN);
  p = sqlite3_column_blob(st, ART__EV_NFIELDS + 3);
  n = sqlite3_column_bytes(st, ART__EV_NFIELDS + 3);
  if (p && n == ART__CAT_SIG_LEN) {
    memcpy(ev->sig, p, ART__CAT_SIG_LEN);
    ev->has_sig = 1;
  } else if (p) {
    ev->has_sig = -1; /* present but malformed */
  }
}

static art_status
touch(art_ctx *ctx, art_catalog *cat, const char *sql, const char *name)
{
  sqlite3_stmt *st;
  art_status s = art__cat_prepare(ctx, cat, sql, &st);
  if (s != ART_OK)
    return s;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE)
    s = art__cat_db_error(ctx, cat, name);
  art__cat_finish(cat, st);
  return s;
}

art_status
art__cat_actor_touch(art_ctx *ctx, art_catalog *cat, const char *name)
{
  return touch(ctx, cat, "INSERT OR IGNORE INTO actors(name) VALUES (?)", name);
}

art_status
art__cat_location_touch(art_ctx *ctx, art_catalog *cat, const char *name)
{
  return touch(ctx, cat, "INSERT OR IGNORE INTO locations(name) VALUES (?)",
               name);
}

static int blank(const char *s)
{
  return !s || !*s;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM): the xsd:dateTime form the
 * exports need. */
static int rfc3339(const char *s)
{
  static const char pat[] = "dddd-dd-ddTdd:dd:dd";
  size_t i;
  for (i = 0; pat[i]; i++) {
    if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
      return 0;
  }
  if (s[i] == '.') {
    size_t d = 0;
    for (i++; s[i] >= '0' && s[i] <= '9'; i++)
      d++;
    if (!d)
      return 0;
  }
  if (s[i] == 'Z')
    return s[i + 1] == '\0';
  if (s[i] != '+' && s[i] != '-')
    return 0;
  static const char tz[] = "dd:dd";
  for (size_t k = 0; tz[k]; k++) {
    char c = s[i + 1 + k];
    if (tz[k] == 'd' ? (c < '0' || c > '9') : c != tz[k])
      return 0;
  }
  return s[i + 6] == '\0';
}

art_status art__cat_append(art_ctx *ctx,
                           art_catalog *cat,
                           art__cat_event *ev,
                           int64_t item_id)
{
  char uuid[40], now[40];
  art_status st;
  if (blank(ev->f[ART__EV_ACTOR]))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: an event needs an actor (--actor or "
                          "ART_ACTOR)",
                          cat->path);
  /* Text goes into the chain exactly as given, and the exports are UTF-8:
   * refuse bytes that are not UTF-8 rather than store what an export could
   * not show. */
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    if (ev->f[i] && (st = art__cat_check_text(ctx, "event text", ev->f[i])) !=
                        ART_OK)
      return st;
  if (!ev->f[ART__EV_UUID]) {
    art__cat_uuid4(uuid, sizeof uuid);
    ev->f[ART__EV_UUID] = uuid;
  }
  if (!ev->f[ART__EV_RECORDED_AT]) {
    art__cat_now(now, sizeof now);
    ev->f[ART__EV_RECORDED_AT] = now;
  }
  if ((st = art__cat_actor_touch(ctx, cat, ev->f[ART__EV_ACTOR])) != ART_OK)
    return st;
  if (!blank(ev->f[ART__EV_FROM]) &&
      (st = art__cat_actor_touch(ctx, cat, ev->f[ART__EV_FROM])) != ART_OK)
    return st;
  if (!blank(ev->f[ART__EV_TO]) &&
      (st = art__cat_actor_touch(ctx, cat, ev->f[ART__EV_TO])) != ART_OK)
    return st;
  if (!blank(ev->f[ART__EV_LOCATION]) &&
      (st = art__cat_location_touch(ctx, cat, ev->f[ART__EV_LOCATION])) !=
          ART_OK)
    return st;

  sqlite3_stmt *q;
  if ((st = art__cat_prepare(
           ctx, cat,
           "SELECT seq, record_hash FROM events ORDER BY seq DESC LIMIT 1",
           &q)) != ART_OK)
    return st;
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    ev->seq = (uint64_t)sqlite3_column_int64(q, 0) + 1;
    const void *h = sqlite3_column_blob(q, 1);
    if (!h || sqlite3_column_bytes(q, 1) != ART__CAT_HASH_LEN) {
      art__cat_finish(cat, q);
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "%s: the chain head is damaged; run verify",
                            cat->path);
    }
    memcpy(ev->prev, h, ART__CAT_HASH_LEN);
  } else if (rc == SQLITE_DONE) {
    ev->seq = 1;
    art__cat_genesis(cat->uuid, ev->prev);
  } else {
    art__cat_finish(cat, q);
    return art__cat_db_error(ctx, cat, "chain head");
  }
  art__cat_finish(cat, q);

  int sign = 0;
  if (cat->signer) {
    st = art__cat_key_check(ctx, cat, cat->signer->id, ev->f[ART__EV_ACTOR]);
    if (st == ART_OK) {
      sign = 1;
      ev->f[ART__EV_KEY_ID] = cat->signer->id;
    } else if (strcmp(ev->f[ART__EV_TYPE], "key_register") != 0) {
      /* Refuse rather than record silently unsigned what the examiner
       * meant to sign. */
      return st;
    }
  }
  if (art__cat_record_hash(ev, ev->hash) != 0)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s: SHA-256 failed",
                          cat->path);
  if (sign) {
    uint8_t msg[ART__CAT_SIG_MSG_MAX];
    size_t mlen;
    art__cat_sig_message(ev->hash, msg, &mlen);
    if (art__cat_key_sign(cat->signer, msg, mlen, ev->sig) != 0)
      return art__set_error(ctx, ART_ERR_INTERNAL, 0, "key %s: signing failed",
                            cat->signer->id);
    ev->has_sig = 1;
  }

  sqlite3_stmt *ins;
  if ((st = art__cat_prepare(
           ctx, cat,
           "INSERT INTO events (seq, uuid, type, recorded_at, occurred_at, "
           "actor, case_number, item_number, from_actor, to_actor, purpose, "
           "location, payload, key_id, prev_hash, record_hash, signature, "
           "item_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
           &ins)) != ART_OK)
    return st;
  sqlite3_bind_int64(ins, 1, (sqlite3_int64)ev->seq);
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    sqlite3_bind_text(ins, i + 2, ev->f[i], -1, SQLITE_STATIC);
  sqlite3_bind_blob(ins, ART__EV_NFIELDS + 2, ev->prev, ART__CAT_HASH_LEN,
                    SQLITE_STATIC);
  sqlite3_bind_blob(ins, ART__EV_NFIELDS + 3, ev->hash, ART__CAT_HASH_LEN,
                    SQLITE_STATIC);
  if (ev->has_sig)
    sqlite3_bind_blob(ins, ART__EV_NFIELDS + 4, ev->sig, ART__CAT_SIG_LEN,
                      SQLITE_STATIC);
  if (item_id > 0)
    sqlite3_bind_int64(ins, ART__EV_NFIELDS + 5, item_id);
  if (sqlite3_step(ins) != SQLITE_DONE)
    st = art__cat_db_error(ctx, cat, "append event");
  art__cat_finish(cat, ins);
  /* The uuid/time buffers are local: do not leave EV pointing at them. */
  if (ev->f[ART__EV_UUID] == uuid)
    ev->f[ART__EV_UUID] = NULL;
  if (ev->f[ART__EV_RECORDED_AT] == now)
    ev->f[ART__EV_RECORDED_AT] = NULL;
  return st;
}

/* Apply an amend: set the changed columns and return before/after. */
static art_status apply_amend(art_ctx *ctx,
                              art_catalog *cat,
                              int64_t item_id,
                              const art_catalog_fields *f,
                              json_t *before,
                              json_t *after)
{
  art_status st = ART_OK;
  int changed = 0;
  for (int i = 0; art__cat_item_fields[i] && st == ART_OK; i++) {
    if (!f->values[i])
      continue;
    const char *name = art__cat_item_fields[i];
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM items WHERE id = ?", name);
    sqlite3_stmt *q;
    if ((st = art__cat_prepare(ctx, cat, sql, &q)) != ART_OK)
      break;
    sqlite3_bind_int64(q, 1, item_id);
    if (sqlite3_step(q) == SQLITE_ROW) {
      const char *old = (const char *)sqlite3_column_text(q, 0);
      json_object_set_new(before, name, old ? json_string(old) : json_null());
    }
    art__cat_finish(cat, q);
    json_object_set_new(after, name, json_string(f->values[i]));
    snprintf(sql, sizeof sql, "UPDATE items SET %s = ? WHERE id = ?", name);
    if ((st = art__cat_prepare(ctx, cat, sql, &q)) != ART_OK)
      break;
    sqlite3_bind_text(q, 1, f->values[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, item_id);
    if (sqlite3_step(q) != SQLITE_DONE)
      st = art__cat_db_error(ctx, cat, name);
    art__cat_finish(cat, q);
    changed++;
  }
  if (st == ART_OK && !changed)
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "amend: no field to change (use --set NAME=VALUE)");
  return st;
}

art_status art_catalog_event_add(art_ctx *ctx,
                                 art_catalog *cat,
                                 const art_catalog_event_spec *spec,
                                 uint64_t *seq)
{
  if (seq)
    *seq = 0;
  if (!cat || !spec)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "event: no spec");
  const char *type = art__cat_event_type_norm(spec->type);
  if (!type)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "%s: unknown event type",
                          spec->type ? spec->type : "(none)");
  if (blank(spec->actor))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: an event needs an actor (--actor or "
                          "ART_ACTOR)",
                          type);
  {
    const struct {
      const char *name, *v;
    } texts[] = {{"--actor", spec->actor},       {"--case", spec->case_number},
                 {"--item", spec->item},         {"--from", spec->from},
                 {"--to", spec->to},             {"--purpose", spec->purpose},
                 {"--location", spec->location}, {"--note", spec->note},
                 {"--seal", spec->seal},         {"--at", spec->occurred_at}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
      art_status cst = art__cat_check_text(ctx, texts[i].name, texts[i].v);
      if (cst != ART_OK)
        return cst;
    }
  }
  if (blank(spec->item))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: an event needs an item (--item)", type);
  if (strcmp(type, "transfer") == 0 && (blank(spec->from) || blank(spec->to)))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "transfer: needs --from (released by) and --to "
                          "(received by)");
  if (strcmp(type, "move") == 0 && blank(spec->location))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "move: needs --location");
  if (!blank(spec->occurred_at) && !rfc3339(spec->occurred_at))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: not an RFC 3339 time "
                          "(YYYY-MM-DDTHH:MM:SS[.f](Z|+HH:MM))",
                          spec->occurred_at);
  if (strcmp(type, "amend") == 0 && !spec->amend)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "amend: no field to change (use --set NAME=VALUE)");

  art_status st = art__cat_tx_begin(ctx, cat);
  if (st != ART_OK)
    return st;
  json_t *payload = json_object();
  json_t *before = NULL, *after = NULL;
  char *ptext = NULL;
  int64_t item_id = 0;
  if ((st = art__cat_item_find(ctx, cat, spec->case_number, spec->item,
                               &item_id)) != ART_OK)
    goto out;
  sqlite3_stmt *q;
  char case_number[256] = "";
  if ((st = art__cat_prepare(ctx, cat,
                             "SELECT c.number FROM items i JOIN cases c ON "
                             "c.id = i.case_id WHERE i.id = ?",
                             &q)) != ART_OK)
    goto out;
  sqlite3_bind_int64(q, 1, item_id);
  if (sqlite3_step(q) == SQLITE_ROW)
    snprintf(case_number, sizeof case_number, "%s",
             (const char *)sqlite3_column_text(q, 0));
  art__cat_finish(cat, q);
  if (!payload) {
    st = art__set_errno(ctx, ENOMEM, "event");
    goto out;
  }
  if (!blank(spec->note))
    json_object_set_new(payload, "note", json_string(spec->note));
  if (!blank(spec->seal))
    json_object_set_new(payload, "seal_number", json_string(spec->seal));
  if (strcmp(type, "amend") == 0) {
    before = json_object();
    after = json_object();
    if ((st = apply_amend(ctx, cat, item_id, spec->amend, before, after)) !=
        ART_OK)
      goto out;
    json_object_set(payload, "before", before);
    json_object_set(payload, "after", after);
  }
  if (json_object_size(payload)) {
    if (!(ptext = art__cat_json_dump(payload))) {
      st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "event: text is not valid UTF-8");
      goto out;
    }
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = type;
  ev.f[ART__EV_ACTOR] = spec->actor;
  ev.f[ART__EV_CASE] = case_number;
  ev.f[ART__EV_ITEM] = spec->item;
  ev.f[ART__EV_OCCURRED_AT] =
      blank(spec->occurred_at) ? NULL : spec->occurred_at;
  ev.f[ART__EV_FROM] = blank(spec->from) ? NULL : spec->from;
  ev.f[ART__EV_TO] = blank(spec->to) ? NULL : spec->to;
  ev.f[ART__EV_PURPOSE] = blank(spec->purpose) ? NULL : spec->purpose;
  ev.f[ART__EV_LOCATION] = blank(spec->location) ? NULL : spec->location;
  ev.f[ART__EV_PAYLOAD] = ptext;
  if ((st = art__cat_append(ctx, cat, &ev, item_id)) != ART_OK)
    goto out;
  if (seq)
    *seq = ev.seq;
out:
  json_decref(payload);
  json_decref(before);
  json_decref(after);
  free(ptext);
  if (st == ART_OK)
    return art__cat_tx_commit(ctx, cat);
  art__cat_tx_rollback(cat);
  return st;
}

static void set_str(char *dst, size_t len, const char *s)
{
  snprintf(dst, len, "%s", s ? s : "");
}

art_status art__cat_item_state(art_ctx *ctx,
                               art_catalog *cat,
                               int64_t item_id,
                               art__cat_state *s)
{
  memset(s, 0, sizeof *s);
  sqlite3_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat,
      "SELECT type, actor, to_actor, location, payload, recorded_at "
      "FROM events WHERE item_id = ? ORDER BY seq",
      &q);
  if (st != ART_OK)
    return st;
  sqlite3_bind_int64(q, 1, item_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(q, 0);
    const char *actor = (const char *)sqlite3_column_text(q, 1);
    const char *to = (const char *)sqlite3_column_text(q, 2);
    const char *loc = (const char *)sqlite3_column_text(q, 3);
    const char *payload = (const char *)sqlite3_column_text(q, 4);
    const char *at = (const char *)sqlite3_column_text(q, 5);
    const char *holder = to ? to : actor;
    if (!type)
      continue;
    if (loc && strcmp(type, "note") != 0 && strcmp(type, "export") != 0)
      set_str(s->location, sizeof s->location, loc);
    if (strcmp(type, "register") == 0 || strcmp(type, "collect") == 0 ||
        strcmp(type, "acquire") == 0 || strcmp(type, "transfer") == 0 ||
        strcmp(type, "check_in") == 0) {
      set_str(s->custodian, sizeof s->custodian, holder);
      if (strcmp(type, "acquire") != 0 || !s->status[0])
        set_str(s->status, sizeof s->status, "in_custody");
    } else if (strcmp(type, "check_out") == 0) {
      set_str(s->custodian, sizeof s->custodian, holder);
      set_str(s->status, sizeof s->status, "checked_out");
    } else if (strcmp(type, "release") == 0) {
      set_str(s->custodian, sizeof s->custodian, to);
      set_str(s->status, sizeof s->status, "released");
    } else if (strcmp(type, "return") == 0) {
      set_str(s->custodian, sizeof s->custodian, to);
      set_str(s->status, sizeof s->status, "returned");
    } else if (strcmp(type, "dispose") == 0) {
      set_str(s->custodian, sizeof s->custodian, NULL);
      set_str(s->status, sizeof s->status, "disposed");
    } else if (strcmp(type, "seal") == 0) {
      s->sealed = 1;
    } else if (strcmp(type, "unseal") == 0) {
      s->sealed = 0;
    } else if (strcmp(type, "verify") == 0) {
      set_str(s->last_verified, sizeof s->last_verified, at);
      json_t *p = payload ? json_loads(payload, 0, NULL) : NULL;
      const char *r =
          p ? json_string_value(json_object_get(p, "result")) : NULL;
      set_str(s->last_verify_result, sizeof s->last_verify_result,
              r ? r : "recorded");
      json_decref(p);
    }
  }
  if (rc != SQLITE_DONE)
    st = art__cat_db_error(ctx, cat, "item state");
  art__cat_finish(cat, q);
  return st;
}
