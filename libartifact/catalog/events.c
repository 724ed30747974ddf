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
    "collect",  "acquire", "transfer", "receive", "check_out",
    "check_in", "access",  "copy",     "verify",  "seal",
    "unseal",   "move",    "release",  "return",  "dispose",
    "note",     "amend",   "analysis", NULL};

const char *art__cat_event_types(void)
{
  return "collect acquire transfer receive check-out check-in access copy "
         "verify seal unseal move release return dispose note amend "
         "analysis";
}

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

void art__cat_event_from_row(art__cat_stmt *st, art__cat_event *ev)
{
  memset(ev, 0, sizeof *ev);
  ev->seq = (uint64_t)art__cat_col_int64(st, 0);
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    ev->f[i] = (const char *)art__cat_col_text(st, i + 1);
  const void *p = art__cat_col_blob(st, ART__EV_NFIELDS + 1);
  int n = art__cat_col_bytes(st, ART__EV_NFIELDS + 1);
  /* A stored link of the wrong length cannot match anything: fill it with a
   * pattern no SHA-256 output is expected to have. */
  memset(ev->prev, 0xff, sizeof ev->prev);
  if (p && n == ART__CAT_HASH_LEN)
    memcpy(ev->prev, p, ART__CAT_HASH_LEN);
  p = art__cat_col_blob(st, ART__EV_NFIELDS + 2);
  n = art__cat_col_bytes(st, ART__EV_NFIELDS + 2);
  memset(ev->hash, 0xff, sizeof ev->hash);
  if (p && n == ART__CAT_HASH_LEN)
    memcpy(ev->hash, p, ART__CAT_HASH_LEN);
  p = art__cat_col_blob(st, ART__EV_NFIELDS + 3);
  n = art__cat_col_bytes(st, ART__EV_NFIELDS + 3);
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
  art__cat_stmt *st;
  art_status s = art__cat_prepare(ctx, cat, sql, &st);
  if (s != ART_OK)
    return s;
  art__cat_bind_text5(st, 1, name, -1, ART__CAT_STATIC);
  if (art__cat_step(st) != ART__CAT_DONE)
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
    if (ev->f[i] &&
        (st = art__cat_check_text(ctx, "event text", ev->f[i])) != ART_OK)
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

  art__cat_stmt *q;
  if ((st = art__cat_prepare(
           ctx, cat,
           "SELECT seq, record_hash FROM events ORDER BY seq DESC LIMIT 1",
           &q)) != ART_OK)
    return st;
  int rc = art__cat_step(q);
  if (rc == ART__CAT_ROW) {
    ev->seq = (uint64_t)art__cat_col_int64(q, 0) + 1;
    const void *h = art__cat_col_blob(q, 1);
    if (!h || art__cat_col_bytes(q, 1) != ART__CAT_HASH_LEN) {
      art__cat_finish(cat, q);
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "%s: the chain head is damaged; run verify",
                            cat->path);
    }
    memcpy(ev->prev, h, ART__CAT_HASH_LEN);
  } else if (rc == ART__CAT_DONE) {
    ev->seq = 1;
    art__cat_genesis(cat->uuid, ev->prev);
  } else {
    art__cat_finish(cat, q);
    return art__cat_db_error(ctx, cat, "chain head");
  }
  art__cat_finish(cat, q);

  int sign = 0;
  if (cat->signer) {
    /* The administrator key's own record is signed by the key it names
     * (which is registered by that very record). */
    if (strcmp(ev->f[ART__EV_TYPE], "admin_key") == 0)
      st = ART_OK;
    else
      st = art__cat_key_check(ctx, cat, cat->signer->id, ev->f[ART__EV_ACTOR]);
    if (st == ART_OK) {
      sign = 1;
      ev->f[ART__EV_KEY_ID] = cat->signer->id;
    } else if (strcmp(ev->f[ART__EV_TYPE], "key_register") == 0) {
      /* A catalogue without an administrator key (made before them): the
       * examiner registers their own key, unsigned as before. */
      art_ctx_clear(ctx);
    } else {
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

  art__cat_stmt *ins;
  if ((st = art__cat_prepare(
           ctx, cat,
           "INSERT INTO events (seq, uuid, type, recorded_at, occurred_at, "
           "actor, case_number, item_number, from_actor, to_actor, purpose, "
           "location, payload, key_id, prev_hash, record_hash, signature, "
           "item_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
           &ins)) != ART_OK)
    return st;
  art__cat_bind_int64(ins, 1, (int64_t)ev->seq);
  for (int i = 0; i < ART__EV_NFIELDS; i++)
    art__cat_bind_text5(ins, i + 2, ev->f[i], -1, ART__CAT_STATIC);
  art__cat_bind_blob(ins, ART__EV_NFIELDS + 2, ev->prev, ART__CAT_HASH_LEN,
                     ART__CAT_STATIC);
  art__cat_bind_blob(ins, ART__EV_NFIELDS + 3, ev->hash, ART__CAT_HASH_LEN,
                     ART__CAT_STATIC);
  if (ev->has_sig)
    art__cat_bind_blob(ins, ART__EV_NFIELDS + 4, ev->sig, ART__CAT_SIG_LEN,
                       ART__CAT_STATIC);
  if (item_id > 0)
    art__cat_bind_int64(ins, ART__EV_NFIELDS + 5, item_id);
  if (art__cat_step(ins) != ART__CAT_DONE)
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
    art__cat_stmt *q;
    if ((st = art__cat_prepare(ctx, cat, sql, &q)) != ART_OK)
      break;
    art__cat_bind_int64(q, 1, item_id);
    if (art__cat_step(q) == ART__CAT_ROW) {
      const char *old = (const char *)art__cat_col_text(q, 0);
      json_object_set_new(before, name, old ? json_string(old) : json_null());
    }
    art__cat_finish(cat, q);
    json_object_set_new(after, name, json_string(f->values[i]));
    snprintf(sql, sizeof sql, "UPDATE items SET %s = ? WHERE id = ?", name);
    if ((st = art__cat_prepare(ctx, cat, sql, &q)) != ART_OK)
      break;
    art__cat_bind_text5(q, 1, f->values[i], -1, ART__CAT_STATIC);
    art__cat_bind_int64(q, 2, item_id);
    if (art__cat_step(q) != ART__CAT_DONE)
      st = art__cat_db_error(ctx, cat, name);
    art__cat_finish(cat, q);
    changed++;
  }
  if (st == ART_OK && !changed)
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "amend: no field to change (use --set NAME=VALUE)");
  return st;
}

static int same(const char *a, const char *b)
{
  return a && b && strcmp(a, b) == 0;
}

/* The item's acquisition time as UTC seconds; 0 when unknown. A time
 * without a zone (an E01 header read without --tz) may be up to 14 hours
 * later in UTC terms: only what is surely before it is refused. */
static int acquired_secs(art_catalog *cat, int64_t item_id, int64_t *secs)
{
  art__cat_stmt *q;
  int ok = 0;
  if (art__cat_prepare(NULL, cat, "SELECT acquired_at FROM items WHERE id = ?",
                       &q) != ART_OK)
    return 0;
  art__cat_bind_int64(q, 1, item_id);
  if (art__cat_step(q) == ART__CAT_ROW && art__cat_col_text(q, 0)) {
    const char *a = (const char *)art__cat_col_text(q, 0);
    art__cat_time t;
    char buf[64];
    if (art__cat_time_parse(NULL, "acquired_at", a, &t) == ART_OK) {
      *secs = t.secs;
      ok = 1;
    } else if (strlen(a) == 19 && snprintf(buf, sizeof buf, "%sZ", a) > 0 &&
               art__cat_time_parse(NULL, "acquired_at", buf, &t) == ART_OK) {
      *secs = t.secs - 14 * 3600;
      ok = 1;
    }
  }
  art__cat_finish(cat, q);
  return ok;
}

static long frac_nanos(const char *frac)
{
  long n = 0;
  int i = 0;
  for (; frac && frac[i] && i < 9; i++)
    n = n * 10 + (frac[i] - '0');
  for (; i < 9; i++)
    n *= 10;
  return n;
}

/* The rules of custody: a history that cannot have happened is refused. */
static art_status check_rules(art_ctx *ctx,
                              art_catalog *cat,
                              int64_t item_id,
                              const char *type,
                              const art_catalog_event_spec *spec,
                              const art__cat_state *s,
                              const art__cat_time *at)
{
  const char *item = spec->item;
  if (s->terminal && !same(type, "note") && !same(type, "verify") &&
      !same(type, "amend"))
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "item %s: %s: refused, the item was %s; only notes "
                          "and verification may follow",
                          item, type, s->status);
  if (same(type, "transfer")) {
    if (s->checked_out_to[0])
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: transfer: refused, it is checked out "
                            "to %s; check it in first",
                            item, s->checked_out_to);
    if (!same(spec->from, s->custodian))
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: transfer --from %s: refused, %s holds "
                            "the item now",
                            item, spec->from,
                            s->custodian[0] ? s->custodian : "nobody");
  }
  if (same(type, "receive")) {
    if (!s->pending)
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: receive: no transfer awaits "
                            "acknowledgement",
                            item);
    if (!same(spec->actor, s->pending_to))
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: receive: the transfer at event %llu "
                            "is to %s; only %s can acknowledge it",
                            item, (unsigned long long)s->pending, s->pending_to,
                            s->pending_to);
    if (!cat->signer)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "item %s: receive: the receiver acknowledges "
                            "with their own key (--key)",
                            item);
  }
  if (same(type, "check_out") && s->checked_out_to[0])
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "item %s: check-out: refused, already checked out "
                          "to %s",
                          item, s->checked_out_to);
  if (same(type, "check_in") && !s->checked_out_to[0])
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "item %s: check-in: refused, it is not checked out",
                          item);
  if (same(type, "seal") && s->sealed)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "item %s: seal: refused, already sealed (%s); "
                          "unseal it first",
                          item, s->seal_number[0] ? s->seal_number : "");
  if (same(type, "unseal") && !s->sealed)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "item %s: unseal: refused, it is not sealed", item);
  /* Dates: not before the acquisition, not before the previous event. */
  if (at && !spec->late_entry) {
    long ns = frac_nanos(at->frac);
    int64_t acq;
    if (acquired_secs(cat, item_id, &acq) && at->secs < acq)
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: %s at %s is before the item's "
                            "acquisition; give --late-entry REASON to "
                            "record it as a late entry",
                            item, type, at->utc);
    if (s->has_time && (at->secs < s->last_secs ||
                        (at->secs == s->last_secs && ns < s->last_nanos)))
      return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                            "item %s: %s at %s is before the item's previous "
                            "event; give --late-entry REASON to record it as "
                            "a late entry",
                            item, type, at->utc);
  }
  return ART_OK;
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
    return art__set_error(
        ctx, ART_ERR_INVALID_ARG, 0, "%s: unknown event type (valid: %s)",
        spec->type ? spec->type : "(none)", art__cat_event_types());
  if (blank(spec->actor))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: an event needs an actor (--actor or "
                          "ART_ACTOR)",
                          type);
  {
    const struct {
      const char *name, *v;
    } texts[] = {{"--actor", spec->actor},
                 {"--case", spec->case_number},
                 {"--item", spec->item},
                 {"--from", spec->from},
                 {"--to", spec->to},
                 {"--purpose", spec->purpose},
                 {"--location", spec->location},
                 {"--note", spec->note},
                 {"--seal", spec->seal},
                 {"--at", spec->occurred_at}};
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
  art__cat_time at;
  int has_at = spec->occurred_at != NULL;
  if (has_at) {
    art_status tst = art__cat_time_parse(ctx, "--at", spec->occurred_at, &at);
    if (tst != ART_OK)
      return tst;
  }
  if (spec->late_entry && !*spec->late_entry)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "--late-entry needs a reason");
  if (strcmp(type, "analysis") == 0 && blank(spec->tool))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "analysis: needs --tool (what examined it) and "
                          "--result");
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
  art__cat_stmt *q;
  char case_number[256] = "";
  if ((st = art__cat_prepare(ctx, cat,
                             "SELECT c.number FROM items i JOIN cases c ON "
                             "c.id = i.case_id WHERE i.id = ?",
                             &q)) != ART_OK)
    goto out;
  art__cat_bind_int64(q, 1, item_id);
  if (art__cat_step(q) == ART__CAT_ROW)
    snprintf(case_number, sizeof case_number, "%s",
             (const char *)art__cat_col_text(q, 0));
  art__cat_finish(cat, q);
  if (!payload) {
    st = art__set_errno(ctx, ENOMEM, "event");
    goto out;
  }
  art__cat_state state;
  if ((st = art__cat_item_state(ctx, cat, item_id, &state)) != ART_OK)
    goto out;
  if ((st = check_rules(ctx, cat, item_id, type, spec, &state,
                        has_at ? &at : NULL)) != ART_OK)
    goto out;
  if (!blank(spec->note))
    json_object_set_new(payload, "note", json_string(spec->note));
  if (!blank(spec->seal))
    json_object_set_new(payload, "seal_number", json_string(spec->seal));
  if (has_at && !at.utc_given)
    json_object_set_new(payload, "occurred_offset", json_string(at.offset));
  if (spec->late_entry)
    json_object_set_new(payload, "late_entry", json_string(spec->late_entry));
  if (!blank(spec->tool))
    json_object_set_new(payload, "tool", json_string(spec->tool));
  if (!blank(spec->result))
    json_object_set_new(payload, "result", json_string(spec->result));
  if (strcmp(type, "receive") == 0) {
    json_object_set_new(payload, "transfer_seq",
                        json_integer((json_int_t)state.pending));
    json_object_set_new(payload, "transfer_hash",
                        json_string(state.pending_hash));
  }
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
  ev.f[ART__EV_OCCURRED_AT] = has_at ? at.utc : NULL;
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
  return art__cat_tx_end(ctx, cat, st);
}

static void set_str(char *dst, size_t len, const char *s)
{
  snprintf(dst, len, "%s", s ? s : "");
}

void art__cat_state_apply(art__cat_state *s,
                          const char *type,
                          const char *actor,
                          const char *to,
                          const char *loc,
                          const char *payload,
                          const char *occurred,
                          const char *recorded,
                          uint64_t seq,
                          const uint8_t *record_hash)
{
  const char *holder = to ? to : actor;
  if (!type)
    return;
  s->events++;
  art__cat_time t;
  const char *when = occurred ? occurred : recorded;
  /* A registration is dated when it was typed in, not when the item was
   * seized: its time is the acquisition date, checked on its own. */
  if (strcmp(type, "register") == 0 || strcmp(type, "acquire") == 0)
    when = occurred;
  if (when && art__cat_time_parse(NULL, "date", when, &t) == ART_OK) {
    long ns = frac_nanos(t.frac);
    if (!s->has_time || t.secs > s->last_secs ||
        (t.secs == s->last_secs && ns > s->last_nanos)) {
      s->last_secs = t.secs;
      s->last_nanos = ns;
      s->has_time = 1;
    }
  }
  if (loc && strcmp(type, "note") != 0 && strcmp(type, "export") != 0)
    set_str(s->location, sizeof s->location, loc);
  json_t *p = NULL;
  if (payload && (strcmp(type, "verify") == 0 || strcmp(type, "seal") == 0))
    p = json_loads(payload, 0, NULL);
  if (strcmp(type, "register") == 0 || strcmp(type, "collect") == 0 ||
      strcmp(type, "acquire") == 0) {
    if (!s->terminal) {
      set_str(s->custodian, sizeof s->custodian, holder);
      if (strcmp(type, "acquire") != 0 || !s->status[0])
        set_str(s->status, sizeof s->status, "in_custody");
    }
  } else if (strcmp(type, "transfer") == 0) {
    set_str(s->custodian, sizeof s->custodian, holder);
    set_str(s->status, sizeof s->status, "in_custody");
    s->pending = seq;
    set_str(s->pending_to, sizeof s->pending_to, to);
    if (record_hash)
      art__cat_hex(record_hash, ART__CAT_HASH_LEN, s->pending_hash);
  } else if (strcmp(type, "receive") == 0) {
    s->pending = 0;
    s->pending_to[0] = s->pending_hash[0] = '\0';
  } else if (strcmp(type, "check_in") == 0) {
    s->checked_out_to[0] = '\0';
    set_str(s->custodian, sizeof s->custodian, holder);
    set_str(s->status, sizeof s->status, "in_custody");
  } else if (strcmp(type, "check_out") == 0) {
    set_str(s->checked_out_to, sizeof s->checked_out_to, holder);
    set_str(s->custodian, sizeof s->custodian, holder);
    set_str(s->status, sizeof s->status, "checked_out");
  } else if (strcmp(type, "release") == 0) {
    set_str(s->custodian, sizeof s->custodian, to);
    set_str(s->status, sizeof s->status, "released");
  } else if (strcmp(type, "return") == 0) {
    set_str(s->custodian, sizeof s->custodian, to);
    set_str(s->status, sizeof s->status, "returned");
    s->terminal = 1;
  } else if (strcmp(type, "dispose") == 0) {
    set_str(s->custodian, sizeof s->custodian, NULL);
    set_str(s->status, sizeof s->status, "disposed");
    s->terminal = 1;
  } else if (strcmp(type, "seal") == 0) {
    s->sealed = 1;
    set_str(s->seal_number, sizeof s->seal_number,
            json_string_value(json_object_get(p, "seal_number")));
  } else if (strcmp(type, "unseal") == 0) {
    s->sealed = 0;
  } else if (strcmp(type, "verify") == 0) {
    set_str(s->last_verified, sizeof s->last_verified, recorded);
    const char *r = json_string_value(json_object_get(p, "result"));
    set_str(s->last_verify_result, sizeof s->last_verify_result,
            r ? r : "recorded");
  }
  json_decref(p);
}

art_status art__cat_item_state(art_ctx *ctx,
                               art_catalog *cat,
                               int64_t item_id,
                               art__cat_state *s)
{
  memset(s, 0, sizeof *s);
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat,
      "SELECT type, actor, to_actor, location, payload, occurred_at, "
      "recorded_at, seq, record_hash FROM events WHERE item_id = ? ORDER BY "
      "seq",
      &q);
  if (st != ART_OK)
    return st;
  art__cat_bind_int64(q, 1, item_id);
  int rc;
  while ((rc = art__cat_step(q)) == ART__CAT_ROW) {
    const uint8_t *h = art__cat_col_bytes(q, 8) == ART__CAT_HASH_LEN
                           ? art__cat_col_blob(q, 8)
                           : NULL;
    art__cat_state_apply(s, (const char *)art__cat_col_text(q, 0),
                         (const char *)art__cat_col_text(q, 1),
                         (const char *)art__cat_col_text(q, 2),
                         (const char *)art__cat_col_text(q, 3),
                         (const char *)art__cat_col_text(q, 4),
                         (const char *)art__cat_col_text(q, 5),
                         (const char *)art__cat_col_text(q, 6),
                         (uint64_t)art__cat_col_int64(q, 7), h);
  }
  if (rc != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, "item state");
  art__cat_finish(cat, q);
  return st;
}
