/* Evidence catalogue: verification of the chain, its signatures, the
 * checkpoints and the register, and re-hashing of the evidence.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog_private.h"
#include "i18n.h"

#define CP_MAGIC "art-catalog checkpoint v1"

const char *art_catalog_verdict_name(art_catalog_verdict v)
{
  static const char *const names[] = {
      "pass",      "modified",      "missing",       "reordered", "truncated",
      "rewritten", "bad_signature", "hash_mismatch", "register",  "foreign"};
  if ((unsigned)v < sizeof names / sizeof names[0])
    return names[v];
  return "unknown";
}

typedef struct keyrec {
  char id[33];
  uint8_t pub[32];
  EVP_PKEY *pkey; /* made once: building it per event dominates the cost */
  char actor[256];
  uint64_t reg, rev; /* rev 0: not revoked */
} keyrec;

/* A signature to check once the walk is done: each is independent, so
 * they are checked on all cores. */
typedef struct sigjob {
  uint64_t seq;
  uint8_t hash[ART__CAT_HASH_LEN];
  uint8_t sig[ART__CAT_SIG_LEN];
  EVP_PKEY *pkey; /* borrowed from the key list */
  char key_id[33];
  int bad;
} sigjob;

typedef struct vstate {
  art_catalog_verify_result *res;
  const art_catalog_verify_opts *opts;
  const char *uuid;
  keyrec *keys;
  size_t nkeys, capkeys;
  sigjob *jobs;
  size_t njobs, capjobs;
  int jobs_failed; /* out of memory queueing: checked inline instead */
  char admin_id[33];
  uint64_t admin_seq;
  unsigned legacy_regs;
  uint64_t total; /* events, for progress */
  json_t *items;  /* "case\x1fitem" -> fields from register + amend */
  json_t *hashes; /* "seq" -> hashes array of register/verify events */
  json_t *rehash; /* report entries */
} vstate;

/* Append FMT to the result's message twice: as given (C locale: the
 * report's JSON) and translated (message_l, for a person). */
static void
verify_vsay(art_catalog_verify_result *res, const char *fmt, va_list ap)
{
  va_list ap2;
  size_t n = strlen(res->message), nl = strlen(res->message_l);
  va_copy(ap2, ap);
  if (n < sizeof res->message)
    vsnprintf(res->message + n, sizeof res->message - n, fmt, ap);
  if (nl < sizeof res->message_l)
    vsnprintf(res->message_l + nl, sizeof res->message_l - nl, _(fmt), ap2);
  va_end(ap2);
  art__i18n_relocalize(res->message_l, sizeof res->message_l);
}

static void verify_say(art_catalog_verify_result *res, const char *fmt, ...)
    ART_PRINTF(2, 3);

static void verify_say(art_catalog_verify_result *res, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verify_vsay(res, fmt, ap);
  va_end(ap);
}

static void verify_fail(vstate *v,
                        art_catalog_verdict verdict,
                        uint64_t seq,
                        const char *fmt,
                        ...) ART_PRINTF(4, 5);

static void verify_fail(
    vstate *v, art_catalog_verdict verdict, uint64_t seq, const char *fmt, ...)
{
  if (v->res->verdict != ART_CATALOG_PASS)
    return; /* the first failure is the one reported */
  v->res->verdict = verdict;
  v->res->seq = seq;
  v->res->message[0] = v->res->message_l[0] = '\0';
  va_list ap;
  va_start(ap, fmt);
  verify_vsay(v->res, fmt, ap);
  va_end(ap);
}

static keyrec *key_find(vstate *v, const char *id)
{
  for (size_t i = 0; i < v->nkeys; i++)
    if (strcmp(v->keys[i].id, id) == 0)
      return &v->keys[i];
  return NULL;
}

/* A key counts for position SEQ when it was registered before it and not
 * revoked before it (a revocation may itself be signed by the key). */
static int key_valid_at(const keyrec *k, uint64_t seq)
{
  return k->reg < seq && (k->rev == 0 || seq <= k->rev);
}

static keyrec *key_add(vstate *v,
                       const char *id,
                       const uint8_t pub[32],
                       const char *owner,
                       uint64_t reg)
{
  if (key_find(v, id) || v->nkeys >= 4096)
    return NULL;
  if (v->nkeys == v->capkeys) {
    size_t cap = v->capkeys ? 2 * v->capkeys : 8;
    keyrec *n = realloc(v->keys, cap * sizeof *n);
    if (!n)
      return NULL;
    v->keys = n;
    v->capkeys = cap;
  }
  keyrec k = {0};
  memcpy(k.id, id, 33);
  memcpy(k.pub, pub, 32);
  snprintf(k.actor, sizeof k.actor, "%s", owner);
  k.reg = reg;
  k.pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, k.pub, 32);
  v->keys[v->nkeys] = k;
  return &v->keys[v->nkeys++];
}

/* The administrator key's record: the first admin_key event, signed by
 * the key it names. Run before the event's signature is checked. */
static void note_admin(vstate *v, const art__cat_event *ev)
{
  json_t *p = ev->f[ART__EV_PAYLOAD]
                  ? json_loads(ev->f[ART__EV_PAYLOAD], 0, NULL)
                  : NULL;
  const char *id = json_string_value(json_object_get(p, "key_id"));
  const char *pub = json_string_value(json_object_get(p, "public_key"));
  uint8_t raw[32];
  char calc[33];
  if (v->admin_seq) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: a second administrator key (the first is key %s, "
                "event %llu)",
                (unsigned long long)ev->seq, v->admin_id,
                (unsigned long long)v->admin_seq);
  } else if (!id || !pub || art__cat_unhex(pub, raw, 32) != 0 ||
             (art__cat_key_id_of(raw, calc), strcmp(calc, id) != 0)) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: the administrator key record is malformed",
                (unsigned long long)ev->seq);
  } else if (!ev->f[ART__EV_KEY_ID] || strcmp(ev->f[ART__EV_KEY_ID], id) != 0 ||
             ev->has_sig != 1) {
    verify_fail(
        v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
        "event %llu: the administrator key %s record is not signed by that "
        "key",
        (unsigned long long)ev->seq, id);
  } else {
    const char *owner = json_string_value(json_object_get(p, "owner"));
    key_add(v, id, raw, owner ? owner : ev->f[ART__EV_ACTOR], ev->seq - 1);
    memcpy(v->admin_id, id, 33);
    v->admin_seq = ev->seq;
  }
  json_decref(p);
}

static void note_key_event(vstate *v, const art__cat_event *ev)
{
  json_t *p = ev->f[ART__EV_PAYLOAD]
                  ? json_loads(ev->f[ART__EV_PAYLOAD], 0, NULL)
                  : NULL;
  const char *id = json_string_value(json_object_get(p, "key_id"));
  const char *signer = ev->f[ART__EV_KEY_ID];
  if (!id || strlen(id) != 32) {
    json_decref(p);
    return;
  }
  if (strcmp(ev->f[ART__EV_TYPE], "key_register") == 0) {
    const char *pub = json_string_value(json_object_get(p, "public_key"));
    const char *owner = json_string_value(json_object_get(p, "owner"));
    if (!owner)
      owner = ev->f[ART__EV_ACTOR];
    uint8_t raw[32];
    char calc[33];
    if (pub && art__cat_unhex(pub, raw, 32) == 0) {
      art__cat_key_id_of(raw, calc);
      if (strcmp(calc, id) == 0) {
        if (v->admin_seq) {
          /* Authorised: signed by the administrator key (its signature is
           * checked with the others) and proven by the new key. */
          if (!signer || strcmp(signer, v->admin_id) != 0)
            verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                        "event %llu: the registration of key %s for %s is not "
                        "signed by the administrator key %s",
                        (unsigned long long)ev->seq, id, owner, v->admin_id);
          else if (!art__cat_proof_ok(
                       v->uuid, owner, raw,
                       json_string_value(json_object_get(p, "proof"))))
            verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                        "event %llu: the registration of key %s for %s has no "
                        "valid proof of possession",
                        (unsigned long long)ev->seq, id, owner);
        } else {
          v->legacy_regs++;
        }
        key_add(v, id, raw, owner, ev->seq);
      }
    }
  } else {
    keyrec *k = key_find(v, id);
    if (v->admin_seq && (!signer || (strcmp(signer, v->admin_id) != 0 &&
                                     strcmp(signer, id) != 0)))
      verify_fail(
          v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
          "event %llu: the revocation of key %s is signed neither by the "
          "administrator key nor by the key itself",
          (unsigned long long)ev->seq, id);
    if (k && !k->rev)
      k->rev = ev->seq;
  }
  json_decref(p);
}

static void check_signature(vstate *v, const art__cat_event *ev)
{
  const char *kid = ev->f[ART__EV_KEY_ID];
  if (!kid && !ev->has_sig)
    return;
  if (!kid) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: a signature without a key id",
                (unsigned long long)ev->seq);
    return;
  }
  if (ev->has_sig != 1) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: names key %s but its signature is missing",
                (unsigned long long)ev->seq, kid);
    return;
  }
  keyrec *k = key_find(v, kid);
  if (!k) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: signed with key %s, which is not registered",
                (unsigned long long)ev->seq, kid);
    return;
  }
  if (!key_valid_at(k, ev->seq)) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: signed with key %s, revoked at event %llu",
                (unsigned long long)ev->seq, kid, (unsigned long long)k->rev);
    return;
  }
  if (strcmp(k->actor, ev->f[ART__EV_ACTOR]) != 0) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: recorded by %s but signed with %s's key %s",
                (unsigned long long)ev->seq, ev->f[ART__EV_ACTOR], k->actor,
                kid);
    return;
  }
  if (!v->jobs_failed && v->njobs == v->capjobs) {
    size_t cap = v->capjobs ? 2 * v->capjobs : 1024;
    sigjob *n = realloc(v->jobs, cap * sizeof *n);
    if (n) {
      v->jobs = n;
      v->capjobs = cap;
    } else {
      v->jobs_failed = 1;
    }
  }
  if (!v->jobs_failed) {
    sigjob *j = &v->jobs[v->njobs++];
    j->seq = ev->seq;
    memcpy(j->hash, ev->hash, sizeof j->hash);
    memcpy(j->sig, ev->sig, sizeof j->sig);
    j->pkey = k->pkey;
    memcpy(j->key_id, kid, sizeof j->key_id);
    j->bad = 0;
    return;
  }
  uint8_t msg[ART__CAT_SIG_MSG_MAX];
  size_t mlen;
  art__cat_sig_message(ev->hash, msg, &mlen);
  if (art__cat_verify_sig_pkey(k->pkey, msg, mlen, ev->sig) != 0) {
    verify_fail(v, ART_CATALOG_BAD_SIGNATURE, ev->seq,
                "event %llu: bad signature (key %s)",
                (unsigned long long)ev->seq, kid);
    return;
  }
  v->res->signed_events++;
}

typedef struct sigpool {
  sigjob *jobs;
  size_t n;
  size_t next; /* guarded by mu */
  size_t done;
  pthread_mutex_t mu;
} sigpool;

#define SIG_CHUNK 256

static void *sig_worker(void *arg)
{
  sigpool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    size_t start = p->next;
    p->next = start + SIG_CHUNK < p->n ? start + SIG_CHUNK : p->n;
    size_t end = p->next;
    pthread_mutex_unlock(&p->mu);
    if (start >= end)
      break;
    for (size_t i = start; i < end; i++) {
      uint8_t msg[ART__CAT_SIG_MSG_MAX];
      size_t mlen;
      art__cat_sig_message(p->jobs[i].hash, msg, &mlen);
      p->jobs[i].bad = art__cat_verify_sig_pkey(p->jobs[i].pkey, msg, mlen,
                                                p->jobs[i].sig) != 0;
    }
    pthread_mutex_lock(&p->mu);
    p->done += end - start;
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

/* Check the queued signatures on all cores; the first bad one (by seq)
 * is a failure unless an earlier event already failed. */
static void check_queued_signatures(vstate *v)
{
  if (!v->njobs)
    return;
  /* The cores this process may run on (taskset, cgroups), not all. */
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    cores = CPU_COUNT(&set);
  unsigned n = v->opts && v->opts->threads ? v->opts->threads
               : cores > 0                 ? (unsigned)cores
                                           : 1;
  if (n > 64)
    n = 64;
  if ((size_t)n * SIG_CHUNK > v->njobs)
    n = (unsigned)((v->njobs + SIG_CHUNK - 1) / SIG_CHUNK);
  sigpool p = {v->jobs, v->njobs, 0, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t tids[64];
  unsigned started = 0;
  for (unsigned i = 1; i < n; i++)
    if (pthread_create(&tids[started], NULL, sig_worker, &p) == 0)
      started++;
  if (v->opts && v->opts->progress) {
    /* This thread reports progress and takes its share of the work. */
    for (;;) {
      pthread_mutex_lock(&p.mu);
      size_t start = p.next;
      p.next = start + SIG_CHUNK < p.n ? start + SIG_CHUNK : p.n;
      size_t end = p.next;
      pthread_mutex_unlock(&p.mu);
      if (start >= end)
        break;
      for (size_t i = start; i < end; i++) {
        uint8_t msg[ART__CAT_SIG_MSG_MAX];
        size_t mlen;
        art__cat_sig_message(p.jobs[i].hash, msg, &mlen);
        p.jobs[i].bad = art__cat_verify_sig_pkey(p.jobs[i].pkey, msg, mlen,
                                                 p.jobs[i].sig) != 0;
      }
      pthread_mutex_lock(&p.mu);
      p.done += end - start;
      size_t done = p.done;
      pthread_mutex_unlock(&p.mu);
      v->opts->progress(v->opts->progress_ud, "signatures", done, p.n);
    }
  } else {
    sig_worker(&p);
  }
  for (unsigned i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  if (v->opts && v->opts->progress)
    v->opts->progress(v->opts->progress_ud, "signatures", p.n, p.n);
  pthread_mutex_destroy(&p.mu);
  for (size_t i = 0; i < v->njobs; i++) {
    sigjob *j = &v->jobs[i];
    if (!j->bad) {
      v->res->signed_events++;
      continue;
    }
    if (v->res->verdict == ART_CATALOG_PASS || v->res->seq > j->seq ||
        v->res->seq == 0) {
      v->res->verdict = ART_CATALOG_BAD_SIGNATURE;
      v->res->seq = j->seq;
      v->res->message[0] = v->res->message_l[0] = '\0';
      verify_say(v->res, "event %llu: bad signature (key %s)",
                 (unsigned long long)j->seq, j->key_id);
    }
    break;
  }
}

static int seq_of_hash(art_catalog *cat, const uint8_t *hash, uint64_t *seq)
{
  art__cat_stmt *q;
  if (art__cat_prepare(NULL, cat,
                       "SELECT seq FROM events WHERE record_hash = ?",
                       &q) != ART_OK)
    return 0;
  art__cat_bind_blob(q, 1, hash, ART__CAT_HASH_LEN, ART__CAT_STATIC);
  int found = art__cat_step(q) == ART__CAT_ROW;
  if (found)
    *seq = (uint64_t)art__cat_col_int64(q, 0);
  art__cat_finish(cat, q);
  return found;
}

/* Record what register/amend/verify events say, to check the register
 * tables against the chain afterwards. */
static void note_register(vstate *v, const art__cat_event *ev)
{
  const char *type = ev->f[ART__EV_TYPE];
  if (!ev->f[ART__EV_PAYLOAD] || !ev->f[ART__EV_CASE] || !ev->f[ART__EV_ITEM])
    return;
  int reg = strcmp(type, "register") == 0, amend = strcmp(type, "amend") == 0,
      ver = strcmp(type, "verify") == 0;
  if (!reg && !amend && !ver)
    return;
  json_t *p = json_loads(ev->f[ART__EV_PAYLOAD], 0, NULL);
  if (!p)
    return;
  char key[600];
  snprintf(key, sizeof key, "%s\x1f%s", ev->f[ART__EV_CASE],
           ev->f[ART__EV_ITEM]);
  if (reg) {
    json_t *f = json_object_get(p, "fields");
    json_object_set_new(v->items, key, f ? json_deep_copy(f) : json_object());
  } else if (amend) {
    json_t *f = json_object_get(v->items, key);
    if (f)
      json_object_update(f, json_object_get(p, "after"));
  }
  json_t *h = json_object_get(p, "hashes");
  if (h && (reg || ver)) {
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)ev->seq);
    json_object_set(v->hashes, s, h);
  }
  json_decref(p);
}

static art_status walk_chain(art_ctx *ctx, art_catalog *cat, vstate *v)
{
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat, "SELECT " ART__CAT_EVENT_COLS " FROM events ORDER BY seq", &q);
  if (st != ART_OK)
    return st;
  uint8_t prev[ART__CAT_HASH_LEN], calc[ART__CAT_HASH_LEN];
  art__cat_genesis(cat->uuid, prev);
  uint64_t expected = 1;
  int rc;
  while ((rc = art__cat_step(q)) == ART__CAT_ROW) {
    art__cat_event ev;
    art__cat_event_from_row(q, &ev);
    v->res->events++;
    if (v->res->verdict != ART_CATALOG_PASS) {
      expected = ev.seq + 1;
      continue; /* count the rest, report the first failure only */
    }
    if (ev.seq != expected) {
      if (ev.seq > expected && ev.seq - expected > 1)
        verify_fail(
            v, ART_CATALOG_MISSING, expected,
            "events %llu to %llu are missing: the chain jumps from event "
            "%llu to event %llu",
            (unsigned long long)expected, (unsigned long long)(ev.seq - 1),
            (unsigned long long)(expected - 1), (unsigned long long)ev.seq);
      else if (ev.seq > expected)
        verify_fail(v, ART_CATALOG_MISSING, expected,
                    "event %llu is missing: the chain jumps from event %llu to "
                    "event %llu",
                    (unsigned long long)expected,
                    (unsigned long long)(expected - 1),
                    (unsigned long long)ev.seq);
      else
        verify_fail(v, ART_CATALOG_REORDERED, ev.seq, "event %llu out of order",
                    (unsigned long long)ev.seq);
      continue;
    }
    int bad_fields = !ev.f[ART__EV_UUID] || !ev.f[ART__EV_TYPE] ||
                     !ev.f[ART__EV_RECORDED_AT] || !ev.f[ART__EV_ACTOR];
    if (bad_fields || art__cat_record_hash(&ev, calc) != 0 ||
        memcmp(calc, ev.hash, ART__CAT_HASH_LEN) != 0) {
      /* Content that hashes right under a nearby position was moved
       * here: look a little way either side. */
      art__cat_event moved = ev;
      for (uint64_t d = 1; !bad_fields && d <= 64; d++) {
        for (int sign = 0; sign < 2; sign++) {
          if (sign && ev.seq <= d)
            continue;
          moved.seq = sign ? ev.seq - d : ev.seq + d;
          if (art__cat_record_hash(&moved, calc) == 0 &&
              memcmp(calc, ev.hash, ART__CAT_HASH_LEN) == 0) {
            verify_fail(
                v, ART_CATALOG_REORDERED, ev.seq,
                "event %llu holds the record of event %llu: events were "
                "reordered",
                (unsigned long long)ev.seq, (unsigned long long)moved.seq);
            d = 65;
            break;
          }
        }
      }
      if (v->res->verdict != ART_CATALOG_PASS)
        continue;
      verify_fail(v, ART_CATALOG_MODIFIED, ev.seq,
                  "event %llu was modified: its content no longer matches its "
                  "record hash",
                  (unsigned long long)ev.seq);
      continue;
    }
    if (memcmp(ev.prev, prev, ART__CAT_HASH_LEN) != 0) {
      uint64_t k;
      if (seq_of_hash(cat, ev.prev, &k))
        verify_fail(
            v, ART_CATALOG_REORDERED, ev.seq,
            "event %llu follows event %llu in the chain, not event %llu",
            (unsigned long long)ev.seq, (unsigned long long)k,
            (unsigned long long)(ev.seq - 1));
      else if (ev.seq == 1)
        verify_fail(
            v, ART_CATALOG_FOREIGN, 1,
            "event 1 does not start this catalogue's chain (spliced from "
            "another catalogue?)");
      else
        verify_fail(v, ART_CATALOG_MODIFIED, ev.seq - 1,
                    "event %llu was replaced: event %llu links to a different "
                    "record",
                    (unsigned long long)(ev.seq - 1),
                    (unsigned long long)ev.seq);
      continue;
    }
    const char *type = ev.f[ART__EV_TYPE];
    if (strcmp(type, "admin_key") == 0)
      note_admin(v, &ev);
    check_signature(v, &ev);
    if (strcmp(type, "key_register") == 0 || strcmp(type, "key_revoke") == 0)
      note_key_event(v, &ev);
    note_register(v, &ev);
    memcpy(prev, ev.hash, ART__CAT_HASH_LEN);
    expected = ev.seq + 1;
    if (v->opts && v->opts->progress && (ev.seq & 4095) == 0)
      v->opts->progress(v->opts->progress_ud, "chain", ev.seq, v->total);
  }
  if (rc != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, "reading events");
  art__cat_finish(cat, q);
  return st;
}

/* Check one checkpoint TEXT against the chain. */
static void check_checkpoint(art_ctx *ctx,
                             art_catalog *cat,
                             vstate *v,
                             const char *text,
                             const char *where)
{
  art__cat_checkpoint cp;
  if (art__cat_checkpoint_parse(ctx, text, strlen(text), &cp) != ART_OK) {
    verify_fail(v, ART_CATALOG_REWRITTEN, 0, "%s: %s", where,
                art_ctx_errmsg(ctx));
    art_ctx_clear(ctx);
    return;
  }
  v->res->checkpoints++;
  if (strcmp(cp.catalog, cat->uuid) != 0) {
    verify_fail(v, ART_CATALOG_FOREIGN, 0,
                "%s: a checkpoint of catalogue %s, not of this one (%s)", where,
                cp.catalog, cat->uuid);
    return;
  }
  if (cp.signed_) {
    keyrec *k = key_find(v, cp.key_id);
    if (!art__cat_checkpoint_sig_ok(&cp, text)) {
      verify_fail(v, ART_CATALOG_BAD_SIGNATURE, cp.size,
                  "%s: bad checkpoint signature (key %s)", where, cp.key_id);
      return;
    }
    if (!k || memcmp(k->pub, cp.pub, 32) != 0 ||
        !key_valid_at(k, cp.size + 1) || strcmp(k->actor, cp.actor) != 0) {
      verify_fail(v, ART_CATALOG_BAD_SIGNATURE, cp.size,
                  "%s: checkpoint signed with key %s, not a key of %s valid at "
                  "event %llu",
                  where, cp.key_id, cp.actor, (unsigned long long)cp.size);
      return;
    }
  }
  if (cp.size > v->res->events) {
    verify_fail(
        v, ART_CATALOG_TRUNCATED, v->res->events + 1,
        "%s: the checkpoint covers %llu events, the catalogue has %llu: "
        "events were removed from the end",
        where, (unsigned long long)cp.size, (unsigned long long)v->res->events);
    return;
  }
  uint8_t head[ART__CAT_HASH_LEN];
  art__cat_genesis(cat->uuid, head);
  if (cp.size > 0) {
    art__cat_stmt *q;
    int found = 0;
    if (art__cat_prepare(NULL, cat,
                         "SELECT record_hash FROM events WHERE seq = ?",
                         &q) == ART_OK) {
      art__cat_bind_int64(q, 1, (int64_t)cp.size);
      if (art__cat_step(q) == ART__CAT_ROW &&
          art__cat_col_bytes(q, 0) == ART__CAT_HASH_LEN) {
        memcpy(head, art__cat_col_blob(q, 0), ART__CAT_HASH_LEN);
        found = 1;
      }
      art__cat_finish(cat, q);
    }
    if (!found) {
      verify_fail(v, ART_CATALOG_MISSING, cp.size,
                  "%s: event %llu, the checkpoint's head, is missing", where,
                  (unsigned long long)cp.size);
      return;
    }
  }
  if (memcmp(head, cp.head, ART__CAT_HASH_LEN) != 0)
    verify_fail(v, ART_CATALOG_REWRITTEN, cp.size,
                "%s: the chain at event %llu differs from the checkpoint: the "
                "history was rewritten",
                where, (unsigned long long)cp.size);
}

static void check_stored_checkpoints(art_ctx *ctx, art_catalog *cat, vstate *v)
{
  art__cat_stmt *q;
  if (art__cat_prepare(ctx, cat,
                       "SELECT id, size, head_hash, text FROM checkpoints "
                       "ORDER BY id",
                       &q) != ART_OK) {
    art_ctx_clear(ctx);
    return;
  }
  while (art__cat_step(q) == ART__CAT_ROW) {
    char where[64];
    snprintf(where, sizeof where, "checkpoint %lld",
             (long long)art__cat_col_int64(q, 0));
    const char *text = (const char *)art__cat_col_text(q, 3);
    art__cat_checkpoint cp;
    if (!text ||
        art__cat_checkpoint_parse(ctx, text, strlen(text), &cp) != ART_OK ||
        (uint64_t)art__cat_col_int64(q, 1) != cp.size ||
        art__cat_col_bytes(q, 2) != ART__CAT_HASH_LEN ||
        memcmp(art__cat_col_blob(q, 2), cp.head, ART__CAT_HASH_LEN) != 0) {
      art_ctx_clear(ctx);
      verify_fail(v, ART_CATALOG_REWRITTEN, 0,
                  "%s: its row disagrees with its own text", where);
      continue;
    }
    check_checkpoint(ctx, cat, v, text, where);
    if (cp.size > v->res->anchored)
      v->res->anchored = cp.size;
  }
  art__cat_finish(cat, q);
}

static char *html_unescape(const char *s, size_t len)
{
  static const struct {
    const char *ent;
    char c;
  } ents[] = {{"&amp;", '&'},
              {"&lt;", '<'},
              {"&gt;", '>'},
              {"&quot;", '"'},
              {"&#39;", '\''}};
  char *out = malloc(len + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < len;) {
    size_t k, n = sizeof ents / sizeof ents[0];
    for (k = 0; k < n; k++) {
      size_t el = strlen(ents[k].ent);
      if (len - i >= el && memcmp(s + i, ents[k].ent, el) == 0) {
        out[o++] = ents[k].c;
        i += el;
        break;
      }
    }
    if (k == n)
      out[o++] = s[i++];
  }
  out[o] = '\0';
  return out;
}

/* Find the checkpoint in DATA: a checkpoint file, or an earlier export
 * (JSON or JSON Lines with a "checkpoint" string; CSV or HTML with the
 * text in a footer). */
char *art__cat_checkpoint_extract(const char *data, size_t len)
{
  json_error_t jerr;
  json_t *j = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, &jerr);
  if (j) {
    const char *t = json_string_value(json_object_get(j, "checkpoint"));
    if (!t) { /* JSON-LD: in the graph's catalogue node */
      json_t *g = json_object_get(j, "@graph");
      size_t i;
      json_t *n;
      json_array_foreach(g, i, n)
      {
        t = json_string_value(json_object_get(n, "uco-core:statement"));
        if (t && strncmp(t, CP_MAGIC, strlen(CP_MAGIC)) == 0)
          break;
        t = NULL;
      }
    }
    char *r = t ? strdup(t) : NULL;
    json_decref(j);
    if (r)
      return r;
  }
  const char *m = NULL;
  for (size_t i = 0; i + strlen(CP_MAGIC) <= len; i++)
    if (memcmp(data + i, CP_MAGIC, strlen(CP_MAGIC)) == 0) {
      m = data + i;
      break;
    }
  if (!m)
    return NULL;
  /* Up to 8 lines; CSV quoting and HTML escaping are undone line by line. */
  art__buf b = {0};
  const char *p = m, *end = data + len;
  for (int line = 0; line < 8 && p < end; line++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (l && p[l - 1] == '\r')
      l--;
    while (l && p[l - 1] == ',') /* a CSV footer row's empty cells */
      l--;
    const char *s = p;
    size_t sl = l;
    art__buf un = {0};
    if (sl >= 2 && s[0] == '"' && s[sl - 1] == '"') {
      for (size_t i = 1; i + 1 < sl; i++) {
        art__buf_add(&un, s + i, 1);
        if (s[i] == '"' && i + 2 < sl && s[i + 1] == '"')
          i++;
      }
      s = un.data ? un.data : "";
      sl = un.len;
    }
    char *h = html_unescape(s, sl);
    /* Strip an HTML tag that ends the text on the same line. */
    if (h) {
      char *tag = strchr(h, '<');
      if (tag)
        *tag = '\0';
      art__buf_str(&b, h);
      art__buf_str(&b, "\n");
    }
    free(h);
    art__buf_free(&un);
    if (!nl)
      break;
    p = nl + 1;
  }
  if (b.failed) {
    art__buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* Rebuild the register from the chain and compare with the tables. */
static void check_register(art_ctx *ctx, art_catalog *cat, vstate *v)
{
  art__cat_stmt *q;
  if (art__cat_prepare(ctx, cat,
                       "SELECT c.number, i.* FROM items i JOIN cases c ON "
                       "c.id = i.case_id ORDER BY i.id",
                       &q) != ART_OK) {
    art_ctx_clear(ctx);
    return;
  }
  while (v->res->verdict == ART_CATALOG_PASS &&
         art__cat_step(q) == ART__CAT_ROW) {
    const char *cn = (const char *)art__cat_col_text(q, 0);
    const char *in = NULL;
    int n = art__cat_col_count(q);
    for (int i = 1; i < n; i++)
      if (strcmp(art__cat_col_name(q, i), "item_number") == 0)
        in = (const char *)art__cat_col_text(q, i);
    char key[600];
    snprintf(key, sizeof key, "%s\x1f%s", cn ? cn : "", in ? in : "");
    json_t *f = json_object_get(v->items, key);
    if (!f) {
      verify_fail(v, ART_CATALOG_REGISTER, 0,
                  "item %s of case %s has no register event in the chain",
                  in ? in : "?", cn ? cn : "?");
      break;
    }
    for (int i = 1; i < n; i++) {
      const char *name = art__cat_col_name(q, i);
      if (art__cat_item_field_index(name) < 0)
        continue;
      const char *have = (const char *)art__cat_col_text(q, i);
      const char *want = json_string_value(json_object_get(f, name));
      if ((have == NULL) != (want == NULL) ||
          (have && strcmp(have, want) != 0)) {
        verify_fail(
            v, ART_CATALOG_REGISTER, 0,
            "item %s of case %s: field %s is \"%s\" in the register but "
            "\"%s\" in the chain (changed without an amend event)",
            in ? in : "?", cn ? cn : "?", name, have ? have : "",
            want ? want : "");
        break;
      }
    }
  }
  art__cat_finish(cat, q);
  if (v->res->verdict != ART_CATALOG_PASS)
    return;
  /* Every stored hash must be one its event recorded. */
  if (art__cat_prepare(ctx, cat,
                       "SELECT id, algorithm, value, origin, event_seq FROM "
                       "hashes ORDER BY id",
                       &q) != ART_OK) {
    art_ctx_clear(ctx);
    return;
  }
  while (art__cat_step(q) == ART__CAT_ROW) {
    const char *alg = (const char *)art__cat_col_text(q, 1);
    const char *val = (const char *)art__cat_col_text(q, 2);
    const char *org = (const char *)art__cat_col_text(q, 3);
    char s[32];
    snprintf(s, sizeof s, "%lld", (long long)art__cat_col_int64(q, 4));
    json_t *arr = json_object_get(v->hashes, s);
    size_t i;
    json_t *e;
    int ok = 0;
    json_array_foreach(arr, i, e)
    {
      const char *a = json_string_value(json_object_get(e, "algorithm"));
      const char *x = json_string_value(json_object_get(e, "value"));
      const char *o = json_string_value(json_object_get(e, "origin"));
      if (a && x && o && alg && val && org && strcmp(a, alg) == 0 &&
          strcmp(x, val) == 0 && strcmp(o, org) == 0)
        ok = 1;
    }
    if (!ok) {
      verify_fail(v, ART_CATALOG_REGISTER, (uint64_t)art__cat_col_int64(q, 4),
                  "hash %lld (%s %s) is not the one event %s recorded",
                  (long long)art__cat_col_int64(q, 0), alg ? alg : "?",
                  val ? val : "?", s);
      break;
    }
  }
  art__cat_finish(cat, q);
}

/* Re-read one item's evidence and record a verify event. */
static art_status rehash_item(art_ctx *ctx,
                              art_catalog *cat,
                              vstate *v,
                              int64_t item_id,
                              const char *case_number,
                              const char *item,
                              const char *path,
                              const char *actor)
{
  json_t *hashes = NULL, *info = NULL, *rec = json_array();
  /* PATH holds the exact bytes to open; JSON shows them escaped. */
  char *shown = art__cat_escape_bytes(path);
  json_t *entry = json_pack("{s:s, s:s, s:s}", "case", case_number, "item",
                            item, "path", shown ? shown : "");
  const char *result = "match";
  char errmsg[512] = "";
  art_status st = art__cat_hash_path(ctx, cat, path, &hashes, &info);
  v->res->rehashed++;
  if (st != ART_OK) {
    snprintf(errmsg, sizeof errmsg, "%s", art_ctx_errmsg(ctx));
    art_ctx_clear(ctx);
    result = "unreadable";
    v->res->unreadable++;
    size_t ul = strlen(v->res->unreadable_items);
    if (ul + 4 < sizeof v->res->unreadable_items)
      snprintf(v->res->unreadable_items + ul,
               sizeof v->res->unreadable_items - ul,
               "%sitem %s of case %s (%s)", ul ? "; " : "", item, case_number,
               errmsg);
  } else {
    /* Compare each computed digest with the one registered. */
    art__cat_stmt *q;
    if ((st = art__cat_prepare(ctx, cat,
                               "SELECT value FROM hashes WHERE item_id = ? "
                               "AND algorithm = ? AND origin = 'computed'",
                               &q)) != ART_OK)
      goto out;
    size_t i;
    json_t *e;
    json_array_foreach(hashes, i, e)
    {
      if (strcmp(json_string_value(json_object_get(e, "origin")), "computed") !=
          0)
        continue;
      const char *alg = json_string_value(json_object_get(e, "algorithm"));
      const char *val = json_string_value(json_object_get(e, "value"));
      art__cat_bind_int64(q, 1, item_id);
      art__cat_bind_text5(q, 2, alg, -1, ART__CAT_STATIC);
      const char *orig = NULL;
      if (art__cat_step(q) == ART__CAT_ROW)
        orig = (const char *)art__cat_col_text(q, 0);
      int match = orig && strcmp(orig, val) == 0;
      if (orig && !match)
        result = "mismatch";
      json_array_append_new(rec, json_pack("{s:s, s:s, s:s, s:b}", "algorithm",
                                           alg, "value", val, "origin",
                                           "verify", "match", match));
      art__cat_reset(q);
    }
    art__cat_finish(cat, q);
  }
  json_object_set_new(entry, "result", json_string(result));
  if (*errmsg)
    json_object_set_new(entry, "error", json_string(errmsg));
  json_array_append(v->rehash, entry);
  if (strcmp(result, "mismatch") == 0)
    verify_fail(v, ART_CATALOG_HASH_MISMATCH, 0,
                "item %s of case %s: %s no longer has its registered hash",
                item, case_number, path);

  /* The verify event and, next to the registered hashes, the new ones. */
  json_t *p = json_pack("{s:s, s:O, s:s}", "result", result, "hashes", rec,
                        "source_path", shown ? shown : "");
  if (p && *errmsg)
    json_object_set_new(p, "error", json_string(errmsg));
  char *ptext = p ? art__cat_json_dump(p) : NULL;
  json_decref(p);
  if (!ptext) {
    st = art__set_errno(ctx, ENOMEM, "verify");
    goto out;
  }
  if ((st = art__cat_tx_begin(ctx, cat)) != ART_OK) {
    free(ptext);
    goto out;
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = "verify";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_CASE] = case_number;
  ev.f[ART__EV_ITEM] = item;
  ev.f[ART__EV_PAYLOAD] = ptext;
  st = art__cat_append(ctx, cat, &ev, item_id);
  free(ptext);
  if (st == ART_OK)
    v->res->events++;
  if (st == ART_OK) {
    art__cat_stmt *ins;
    if ((st = art__cat_prepare(ctx, cat,
                               "INSERT INTO hashes (item_id, algorithm, "
                               "value, origin, status, event_seq) VALUES "
                               "(?, ?, ?, 'verify', ?, ?)",
                               &ins)) == ART_OK) {
      size_t i;
      json_t *e;
      json_array_foreach(rec, i, e)
      {
        art__cat_bind_int64(ins, 1, item_id);
        art__cat_bind_text5(ins, 2,
                            json_string_value(json_object_get(e, "algorithm")),
                            -1, ART__CAT_TRANSIENT);
        art__cat_bind_text5(ins, 3,
                            json_string_value(json_object_get(e, "value")), -1,
                            ART__CAT_TRANSIENT);
        art__cat_bind_text5(
            ins, 4,
            json_is_true(json_object_get(e, "match")) ? "match" : "mismatch",
            -1, ART__CAT_STATIC);
        art__cat_bind_int64(ins, 5, (int64_t)ev.seq);
        if (art__cat_step(ins) != ART__CAT_DONE) {
          st = art__cat_db_error(ctx, cat, "verify hash");
          break;
        }
        art__cat_reset(ins);
      }
      art__cat_finish(cat, ins);
    }
  }
  st = art__cat_tx_end(ctx, cat, st);
out:
  free(shown);
  json_decref(entry);
  json_decref(rec);
  json_decref(hashes);
  json_decref(info);
  return st;
}

static art_status
rehash_all(art_ctx *ctx, art_catalog *cat, vstate *v, const char *actor)
{
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat,
      "SELECT i.id, c.number, i.item_number, i.source_path FROM items i "
      "JOIN cases c ON c.id = i.case_id WHERE i.source_path IS NOT NULL "
      "ORDER BY i.id",
      &q);
  if (st != ART_OK)
    return st;
  /* Collect first: appending while a read statement is open on the same
   * connection would hold its snapshot. Plain strings, not JSON: a path
   * may hold bytes that are not UTF-8, and it must still be re-read. */
  struct todo {
    int64_t id;
    char *f[3];
  } *todo = NULL;
  size_t n = 0, cap = 0;
  int rc;
  while ((rc = art__cat_step(q)) == ART__CAT_ROW) {
    if (n == cap) {
      size_t nc = cap ? 2 * cap : 16;
      struct todo *t = realloc(todo, nc * sizeof *t);
      if (!t) {
        st = art__set_errno(ctx, ENOMEM, "verify");
        break;
      }
      todo = t;
      cap = nc;
    }
    todo[n].id = art__cat_col_int64(q, 0);
    for (int k = 0; k < 3; k++) {
      const char *s = (const char *)art__cat_col_text(q, k + 1);
      todo[n].f[k] = strdup(s ? s : "");
    }
    n++;
  }
  if (st == ART_OK && rc != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, "items");
  art__cat_finish(cat, q);
  for (size_t i = 0; i < n && st == ART_OK; i++) {
    if (!todo[i].f[0] || !todo[i].f[1] || !todo[i].f[2]) {
      st = art__set_errno(ctx, ENOMEM, "verify");
      break;
    }
    st = rehash_item(ctx, cat, v, todo[i].id, todo[i].f[0], todo[i].f[1],
                     todo[i].f[2], actor);
  }
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      free(todo[i].f[k]);
  free(todo);
  return st;
}

art_status art_catalog_verify(art_ctx *ctx,
                              art_catalog *cat,
                              const art_catalog_verify_opts *opts,
                              art_catalog_verify_result *res,
                              char **report)
{
  if (report)
    *report = NULL;
  if (!cat || !res)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "verify: no catalog");
  memset(res, 0, sizeof *res);
  art_catalog_verify_opts none = {0};
  if (!opts)
    opts = &none;
  if (opts->rehash && (!opts->actor || !*opts->actor))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "verify --rehash records events: it needs an actor "
                          "(--actor or ART_ACTOR)");
  char *external = NULL;
  if (opts->checkpoint_file) {
    FILE *fp = fopen(opts->checkpoint_file, "rb");
    if (!fp)
      return art__set_errno(ctx, errno, "%s", opts->checkpoint_file);
    art__buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len < (64u << 20))
      art__buf_add(&b, chunk, n);
    int err = ferror(fp);
    fclose(fp);
    if (err || b.failed) {
      art__buf_free(&b);
      return art__set_error(ctx, ART_ERR_IO, 0, "%s: cannot read",
                            opts->checkpoint_file);
    }
    external = b.data ? art__cat_checkpoint_extract(b.data, b.len) : NULL;
    art__buf_free(&b);
    if (!external)
      return art__set_error(ctx, ART_ERR_FORMAT, 0,
                            "%s: no catalogue checkpoint found in it",
                            opts->checkpoint_file);
    art__cat_checkpoint cp;
    art_status pst =
        art__cat_checkpoint_parse(ctx, external, strlen(external), &cp);
    if (pst != ART_OK) {
      free(external);
      return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: %s",
                            opts->checkpoint_file, "malformed checkpoint");
    }
  }
  vstate v = {0};
  v.res = res;
  v.items = json_object();
  v.hashes = json_object();
  v.rehash = json_array();
  art_status st = ART_OK;
  /* One read transaction: the chain, checkpoints and register are seen at
   * one moment even while others append. */
  int reading = cat->ops->read_begin(cat);
  v.opts = opts;
  v.uuid = cat->uuid;
  if (opts->progress) {
    art__cat_stmt *cq;
    if (art__cat_prepare(ctx, cat, "SELECT max(seq) FROM events", &cq) ==
        ART_OK) {
      if (art__cat_step(cq) == ART__CAT_ROW)
        v.total = (uint64_t)art__cat_col_int64(cq, 0);
      art__cat_finish(cat, cq);
    }
  }
  if ((st = walk_chain(ctx, cat, &v)) == ART_OK) {
    check_queued_signatures(&v);
    check_stored_checkpoints(ctx, cat, &v);
    if (external) {
      art_catalog_verdict before = res->verdict;
      check_checkpoint(ctx, cat, &v, external, opts->checkpoint_file);
      res->external_match =
          before == ART_CATALOG_PASS && res->verdict != ART_CATALOG_PASS ? -1
                                                                         : 1;
    }
    if (res->verdict == ART_CATALOG_PASS)
      check_register(ctx, cat, &v);
  }
  if (reading)
    cat->ops->read_end(cat);
  if (st == ART_OK && opts->rehash)
    st = rehash_all(ctx, cat, &v, opts->actor);
  if (st == ART_OK && res->verdict == ART_CATALOG_PASS) {
    res->message[0] = res->message_l[0] = '\0';
    verify_say(res, "%llu events, %llu signed, %llu checkpoints verified",
               (unsigned long long)res->events,
               (unsigned long long)res->signed_events,
               (unsigned long long)res->checkpoints);
    if (external)
      verify_say(res, "; the checkpoint in %s matched", opts->checkpoint_file);
    if (opts->rehash)
      verify_say(res, "; %u items re-read, %u unreadable", res->rehashed,
                 res->unreadable);
    /* Only a checkpoint kept outside this file proves that no event was
     * lost from its end (a deleted -wal, a truncation): say when the
     * newest one given out is behind the head. */
    if (!v.admin_seq && v.legacy_regs)
      verify_say(res,
                 "; note: this catalogue has no administrator key, so its %u "
                 "key registrations were authorised by no one (made before "
                 "administrator keys)",
                 v.legacy_regs);
    if (res->anchored < res->events)
      verify_say(res,
                 "; note: the newest checkpoint given out covers %llu of %llu "
                 "events: events %llu to %llu are not yet anchored outside "
                 "this file (export, checkpoint -o FILE or backup)",
                 (unsigned long long)res->anchored,
                 (unsigned long long)res->events,
                 (unsigned long long)res->anchored + 1,
                 (unsigned long long)res->events);
  }
  if (st == ART_OK && report) {
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:I}", "schema",
                  "art-catalog-verify/1", "catalog", cat->uuid, "result",
                  res->verdict == ART_CATALOG_PASS ? "PASS" : "FAIL", "seq",
                  (json_int_t)res->seq, "message", res->message, "events",
                  (json_int_t)res->events, "signed_events",
                  (json_int_t)res->signed_events, "checkpoints",
                  (json_int_t)res->checkpoints);
    if (r) {
      json_object_set_new(r, "class",
                          json_string(art_catalog_verdict_name(res->verdict)));
      json_object_set_new(r, "anchored",
                          json_integer((json_int_t)res->anchored));
      if (external)
        json_object_set_new(
            r, "external_checkpoint",
            json_string(res->external_match > 0 ? "matched" : "differs"));
      if (opts->rehash)
        json_object_set(r, "rehash", v.rehash);
      *report = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
      json_decref(r);
    }
    if (!*report)
      st = art__set_errno(ctx, ENOMEM, "verify report");
  }
  free(external);
  for (size_t i = 0; i < v.nkeys; i++)
    EVP_PKEY_free(v.keys[i].pkey);
  free(v.keys);
  free(v.jobs);
  json_decref(v.items);
  json_decref(v.hashes);
  json_decref(v.rehash);
  return st;
}
