/* Check suite for the evidence catalogue: canonical encoding against the
 * published vectors, the chain and its tampering classes, Ed25519 keys and
 * signatures (RFC 8032), checkpoints, exports, concurrency and bad input.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/catalog_private.h"

/* docs/catalog-format.md, "Test vectors" (also printed by
 * tests/data/catalog/reverify.py --vectors, an independent Python
 * implementation of the format). */
#define VEC_CATALOG "3f0c6a52-7d1e-4c43-9a55-0d6f1b2e9a01"
#define VEC_GENESIS                                                            \
  "7310232ccefc232fcf569975a51db67c6c07aca08148d2a7857538cdf6eba4b2"
#define VEC_E1_BYTES                                                           \
  "4c4152542d435553544f44592d56310000000000000000017310232ccefc232fcf5699"     \
  "75a51db67c6c07aca08148d2a7857538cdf6eba4b200010000002431313131313131312d"   \
  "323232322d343333332d383434342d35353535353535353535353500020000000963617365" \
  "5f6f70656e00030000001b323032352d30332d30345430393a30303a30302e3030303030"   \
  "305a00050000000a412e20416e616c79737400060000000c49522d323032352d30303432"   \
  "000c000000187b227469746c65223a22457866696c74726174696f6e227d"
#define VEC_E1_HASH                                                            \
  "3b915c35237ee3b5fff06c2a09f7032c18f71fc78099b9076640321366b8546a"
#define VEC_E2_HASH                                                            \
  "95d6f9aabf257a2dadd1f4d8d5dab1e7737a758d0d2f907e468585cbb3c215ed"

static art_ctx *ctx;
static char *dir;

static void setup(void)
{
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  dir = tu_tmpdir();
}

static void teardown(void)
{
  tu_rmtree(dir);
  free(dir);
  art_ctx_free(ctx);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
  art__cat_hex(d, n, out);
}

static art_catalog *new_catalog(const char *name)
{
  char *p = tu_path(dir, name);
  art_catalog *cat = NULL;
  ck_assert_msg(art_catalog_open(ctx, p, ART_CATALOG_CREATE, &cat) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  free(p);
  return cat;
}

/* A catalogue with one case, two items and some custody events. */
static art_catalog *sample(const char *name, char **evidence)
{
  art_catalog *cat = new_catalog(name);
  char *ev = tu_path(dir, "evidence.bin");
  tu_write_random(ev, 200000, 7);
  ck_assert_int_eq(art_catalog_case_add(ctx, cat, "alice", "C-1", "Case one"),
                   ART_OK);
  art_catalog_fields *f;
  ck_assert_int_eq(art_catalog_fields_new(ctx, &f), ART_OK);
  ck_assert_int_eq(art_catalog_fields_set(ctx, f, "description", "USB stick"),
                   ART_OK);
  uint64_t seq;
  ck_assert_msg(art_catalog_item_add(ctx, cat, "alice", "C-1", "E001", f, ev,
                                     &seq) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  ck_assert_uint_eq(seq, 2);
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C-1", "E002", NULL, NULL, &seq),
      ART_OK);
  art_catalog_fields_free(f);
  art_catalog_event_spec spec = {0};
  spec.type = "transfer";
  spec.item = "E001";
  spec.actor = "alice";
  spec.from = "alice";
  spec.to = "bob";
  spec.purpose = "analysis";
  spec.location = "Lab A";
  spec.occurred_at = "2025-03-04T11:00:00Z";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, &seq), ART_OK);
  spec.type = "check-out";
  spec.occurred_at = NULL;
  spec.actor = "bob";
  spec.from = NULL;
  spec.to = "carol";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, &seq), ART_OK);
  spec.type = "note";
  spec.note = "photographed";
  spec.to = NULL;
  spec.item = "E002";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, &seq), ART_OK);
  if (evidence)
    *evidence = ev;
  else
    free(ev);
  return cat;
}

static art_catalog_verdict
verify(art_catalog *cat, const char *checkpoint, uint64_t *seq)
{
  art_catalog_verify_opts o = {0};
  o.checkpoint_file = checkpoint;
  art_catalog_verify_result r;
  ck_assert_msg(art_catalog_verify(ctx, cat, &o, &r, NULL) == ART_OK, "%s",
                art_ctx_errmsg(ctx));
  if (seq)
    *seq = r.seq;
  return r.verdict;
}

/* Tamper with the file behind the library's back, as sqlite3(1) would. */
static void tamper(art_catalog *cat, const char *sql)
{
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(cat->path, &db), SQLITE_OK);
  char *err = NULL;
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s",
                err ? err : "");
  sqlite3_close(db);
}

/* ---- canonical encoding ---- */

START_TEST(test_vectors)
{
  uint8_t g[32], h1[32], h2[32];
  char x[1024];
  art__cat_genesis(VEC_CATALOG, g);
  hex(g, 32, x);
  ck_assert_str_eq(x, VEC_GENESIS);
  art__cat_event e1 = {0};
  e1.seq = 1;
  memcpy(e1.prev, g, 32);
  e1.f[ART__EV_UUID] = "11111111-2222-4333-8444-555555555555";
  e1.f[ART__EV_TYPE] = "case_open";
  e1.f[ART__EV_RECORDED_AT] = "2025-03-04T09:00:00.000000Z";
  e1.f[ART__EV_ACTOR] = "A. Analyst";
  e1.f[ART__EV_CASE] = "IR-2025-0042";
  e1.f[ART__EV_PAYLOAD] = "{\"title\":\"Exfiltration\"}";
  art__buf b = {0};
  art__cat_encode(&e1, &b);
  char *bx = malloc(2 * b.len + 1);
  hex((const uint8_t *)b.data, b.len, bx);
  ck_assert_str_eq(bx, VEC_E1_BYTES);
  free(bx);
  art__buf_free(&b);
  ck_assert_int_eq(art__cat_record_hash(&e1, h1), 0);
  hex(h1, 32, x);
  ck_assert_str_eq(x, VEC_E1_HASH);
  art__cat_event e2 = {0};
  e2.seq = 2;
  memcpy(e2.prev, h1, 32);
  e2.f[ART__EV_UUID] = "66666666-7777-4888-9999-aaaaaaaaaaaa";
  e2.f[ART__EV_TYPE] = "transfer";
  e2.f[ART__EV_RECORDED_AT] = "2025-03-04T11:05:00.000000Z";
  e2.f[ART__EV_OCCURRED_AT] = "2025-03-04T11:00:00Z";
  e2.f[ART__EV_ACTOR] = "A. Analyst";
  e2.f[ART__EV_CASE] = "IR-2025-0042";
  e2.f[ART__EV_ITEM] = "E001";
  e2.f[ART__EV_FROM] = "A. Analyst";
  e2.f[ART__EV_TO] = "B. Custodian";
  e2.f[ART__EV_PURPOSE] = "secure storage";
  e2.f[ART__EV_LOCATION] = "Evidence locker 3";
  ck_assert_int_eq(art__cat_record_hash(&e2, h2), 0);
  hex(h2, 32, x);
  ck_assert_str_eq(x, VEC_E2_HASH);
  /* An absent field and an empty one encode differently. */
  e2.f[ART__EV_PURPOSE] = "";
  ck_assert_int_eq(art__cat_record_hash(&e2, h2), 0);
  hex(h2, 32, x);
  ck_assert_str_ne(x, VEC_E2_HASH);
}
END_TEST

START_TEST(test_reference_script)
{
  /* The independent Python implementation prints the same vectors. */
  char cmd[4096];
  int status;
  snprintf(cmd, sizeof cmd,
           "python3 %s/tests/data/catalog/reverify.py --vectors",
           ART_SOURCE_DIR);
  char *out = tu_run(cmd, &status);
  ck_assert_int_eq(status, 0);
  ck_assert_ptr_nonnull(strstr(out, VEC_GENESIS));
  ck_assert_ptr_nonnull(strstr(out, VEC_E1_BYTES));
  ck_assert_ptr_nonnull(strstr(out, VEC_E1_HASH));
  ck_assert_ptr_nonnull(strstr(out, VEC_E2_HASH));
  free(out);
}
END_TEST

/* ---- the catalogue and the chain ---- */

START_TEST(test_open_schema)
{
  art_catalog *cat = new_catalog("a.db");
  sqlite3_stmt *q;
  ck_assert_int_eq(
      sqlite3_prepare_v2(cat->db, "PRAGMA application_id", -1, &q, NULL),
      SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_int(q, 0), ART_CATALOG_APPLICATION_ID);
  sqlite3_finalize(q);
  const char *checks[][2] = {{"PRAGMA user_version", "1"},
                             {"PRAGMA journal_mode", "wal"},
                             {"PRAGMA synchronous", "2"},
                             {"PRAGMA foreign_keys", "1"},
                             {"PRAGMA recursive_triggers", "1"}};
  for (size_t i = 0; i < 5; i++) {
    ck_assert_int_eq(sqlite3_prepare_v2(cat->db, checks[i][0], -1, &q, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), checks[i][1]);
    sqlite3_finalize(q);
  }
  ck_assert_uint_eq(strlen(art_catalog_uuid(cat)), 36);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_chain_and_state)
{
  art_catalog *cat = sample("c.db", NULL);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  char *json;
  ck_assert_int_eq(art_catalog_item_show(ctx, cat, NULL, "E001", &json),
                   ART_OK);
  json_t *j = json_loads(json, 0, NULL);
  art_free(json);
  json_t *state = json_object_get(j, "state");
  ck_assert_str_eq(json_string_value(json_object_get(state, "custodian")),
                   "carol");
  ck_assert_str_eq(json_string_value(json_object_get(state, "status")),
                   "checked_out");
  ck_assert_str_eq(json_string_value(json_object_get(state, "location")),
                   "Lab A");
  /* register, acquire, transfer, check_out */
  ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 4);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "hashes")), 3);
  json_decref(j);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_triggers)
{
  art_catalog *cat = sample("t.db", NULL);
  /* Through the library's own connection (recursive_triggers on), neither
   * UPDATE, DELETE nor INSERT OR REPLACE touches a custody event. */
  const char *sql[] = {
      "UPDATE events SET purpose = 'x' WHERE seq = 3",
      "DELETE FROM events WHERE seq = 3",
      "INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq = 3",
      "UPDATE hashes SET value = '00'",
      "DELETE FROM hashes",
      "INSERT OR REPLACE INTO hashes SELECT * FROM hashes",
      "DELETE FROM items"};
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
    ck_assert_msg(sqlite3_exec(cat->db, sql[i], NULL, NULL, NULL) != SQLITE_OK,
                  "%s succeeded", sql[i]);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_modified)
{
  art_catalog *cat = sample("m.db", NULL);
  tamper(cat, "DROP TRIGGER events_no_update;"
              "UPDATE events SET purpose = 'home' WHERE seq = 4");
  uint64_t seq;
  ck_assert_int_eq(verify(cat, NULL, &seq), ART_CATALOG_MODIFIED);
  ck_assert_uint_eq(seq, 4);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_missing)
{
  art_catalog *cat = sample("d.db", NULL);
  tamper(cat, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq=4");
  uint64_t seq;
  ck_assert_int_eq(verify(cat, NULL, &seq), ART_CATALOG_MISSING);
  ck_assert_uint_eq(seq, 4);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_reordered)
{
  art_catalog *cat = sample("r.db", NULL);
  tamper(cat, "DROP TRIGGER events_no_update;"
              "UPDATE events SET seq = -1 WHERE seq = 4;"
              "UPDATE events SET seq = 4 WHERE seq = 5;"
              "UPDATE events SET seq = 5 WHERE seq = -1;");
  uint64_t seq;
  ck_assert_int_eq(verify(cat, NULL, &seq), ART_CATALOG_REORDERED);
  ck_assert_uint_eq(seq, 4);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_truncated)
{
  art_catalog *cat = sample("tr.db", NULL);
  char *text;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &text), ART_OK);
  char *cpfile = tu_path(dir, "kept.txt");
  tu_write(cpfile, text, strlen(text));
  art_free(text);
  tamper(cat, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq>5");
  /* The stored checkpoint still covers the removed events. */
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_TRUNCATED);
  /* Without it, only a checkpoint kept elsewhere tells. */
  tamper(cat, "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints");
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  ck_assert_int_eq(verify(cat, cpfile, NULL), ART_CATALOG_TRUNCATED);
  free(cpfile);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_rewritten)
{
  art_catalog *cat = sample("rw.db", NULL);
  char *text;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &text), ART_OK);
  char *cpfile = tu_path(dir, "kept.txt");
  tu_write(cpfile, text, strlen(text));
  art_free(text);
  /* Replace the last event with a consistent forgery: the chain itself
   * verifies, the kept checkpoint does not. */
  tamper(cat, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq=7;"
              "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints");
  art_catalog_event_spec spec = {0};
  spec.type = "note";
  spec.item = "E002";
  spec.actor = "mallory";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL), ART_OK);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  uint64_t seq;
  ck_assert_int_eq(verify(cat, cpfile, &seq), ART_CATALOG_REWRITTEN);
  ck_assert_uint_eq(seq, 7);
  free(cpfile);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_tamper_register)
{
  art_catalog *cat = sample("rg.db", NULL);
  tamper(cat, "UPDATE items SET description = 'other' WHERE "
              "item_number = 'E001'");
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_REGISTER);
  art_catalog_free(cat);
  /* The same change through amend is legitimate. */
  cat = sample("rg2.db", NULL);
  art_catalog_fields *f;
  ck_assert_int_eq(art_catalog_fields_new(ctx, &f), ART_OK);
  ck_assert_int_eq(art_catalog_fields_set(ctx, f, "description", "other"),
                   ART_OK);
  art_catalog_event_spec spec = {0};
  spec.type = "amend";
  spec.item = "E001";
  spec.actor = "alice";
  spec.amend = f;
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL), ART_OK);
  art_catalog_fields_free(f);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  char *json;
  ck_assert_int_eq(art_catalog_item_show(ctx, cat, "C-1", "E001", &json),
                   ART_OK);
  ck_assert_ptr_nonnull(strstr(json, "\\\"before\\\":{\\\"description\\\":"
                                     "\\\"USB stick\\\"}"));
  art_free(json);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_foreign_splice)
{
  /* A chain copied into another catalogue does not start its chain. */
  art_catalog *a = sample("a.db", NULL);
  art_catalog *b = new_catalog("b.db");
  char sql[512];
  snprintf(sql, sizeof sql,
           "ATTACH '%s' AS a; DROP TRIGGER events_no_delete;"
           "INSERT INTO events SELECT * FROM a.events WHERE item_id IS NULL;",
           a->path);
  tamper(b, sql);
  ck_assert_int_eq(verify(b, NULL, NULL), ART_CATALOG_FOREIGN);
  art_catalog_free(a);
  art_catalog_free(b);
}
END_TEST

/* ---- keys and signatures ---- */

START_TEST(test_rfc8032)
{
  /* RFC 8032 section 7.1, test 1: the empty message. */
  uint8_t seed[32], sig[64];
  art__cat_unhex(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed,
      32);
  art_catalog_key k = {0};
  k.pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, 32);
  ck_assert_ptr_nonnull(k.pkey);
  ck_assert_int_eq(art__cat_key_sign(&k, "", 0, sig), 0);
  char x[129];
  hex(sig, 64, x);
  ck_assert_str_eq(x, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e0"
                      "65224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595b"
                      "be24655141438e7a100b");
  uint8_t pub[32];
  size_t len = 32;
  EVP_PKEY_get_raw_public_key(k.pkey, pub, &len);
  hex(pub, 32, x);
  ck_assert_str_eq(
      x, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  ck_assert_int_eq(art__cat_verify_sig(pub, "", 0, sig), 0);
  sig[0] ^= 1;
  ck_assert_int_ne(art__cat_verify_sig(pub, "", 0, sig), 0);
  EVP_PKEY_free(k.pkey);
}
END_TEST

static art_catalog_key *gen_key(const char *name)
{
  char *kf = tu_path(dir, name);
  art_catalog_key *k = NULL;
  ck_assert_int_eq(art_catalog_key_generate(ctx, kf, "pw"), ART_OK);
  ck_assert_int_eq(art_catalog_key_load(ctx, kf, "pw", &k), ART_OK);
  free(kf);
  return k;
}

START_TEST(test_keys_and_signed_events)
{
  char *kf = tu_path(dir, "alice.pem"), *pub = tu_path(dir, "alice.pem.pub");
  art_catalog_key *key = NULL, *pk = NULL;
  ck_assert_int_eq(art_catalog_key_generate(ctx, kf, "pass phrase"), ART_OK);
  /* Never overwritten. */
  ck_assert_int_ne(art_catalog_key_generate(ctx, kf, "pass phrase"), ART_OK);
  ck_assert_int_ne(art_catalog_key_load(ctx, kf, "wrong", &key), ART_OK);
  ck_assert_ptr_null(key);
  ck_assert_int_eq(art_catalog_key_load(ctx, kf, "pass phrase", &key), ART_OK);
  ck_assert_int_eq(art_catalog_key_load(ctx, pub, NULL, &pk), ART_OK);
  ck_assert_str_eq(art_catalog_key_id(key), art_catalog_key_id(pk));
  int status;
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "head -1 '%s'", kf);
  char *first = tu_run(cmd, &status);
  ck_assert_str_eq(first, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n");
  free(first);

  art_catalog *cat = sample("k.db", NULL);
  /* No administrator key: no registration can be authorised. */
  ck_assert_int_eq(art_catalog_key_register(ctx, cat, "alice", "alice", key),
                   ART_ERR_PERMISSION);
  art_catalog_key *admin = gen_key("kadmin.pem");
  ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "admin", admin), ART_OK);
  /* An unregistered key signs nothing. */
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, key), ART_OK);
  art_catalog_event_spec spec = {0};
  spec.type = "note";
  spec.item = "E001";
  spec.actor = "alice";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INTEGRITY);
  /* A registration is signed by the new key (proof of possession) and by
   * the administrator key. */
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, admin), ART_OK);
  ck_assert_int_ne(art_catalog_key_register(ctx, cat, "admin", "alice", pk),
                   ART_OK);
  ck_assert_int_eq(art_catalog_key_register(ctx, cat, "admin", "alice", key),
                   ART_OK);
  ck_assert_int_ne(art_catalog_key_register(ctx, cat, "admin", "alice", key),
                   ART_OK);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, key), ART_OK);
  uint64_t seq;
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, &seq), ART_OK);
  /* Bob cannot sign with Alice's key. */
  spec.actor = "bob";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INTEGRITY);
  art_catalog_verify_result r;
  ck_assert_int_eq(art_catalog_verify(ctx, cat, NULL, &r, NULL), ART_OK);
  ck_assert_int_eq(r.verdict, ART_CATALOG_PASS);
  ck_assert_uint_eq(r.signed_events, 3); /* admin_key, key_register, note */
  /* Signed checkpoint. */
  spec.actor = "alice";
  char *text;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &text), ART_OK);
  ck_assert_ptr_nonnull(strstr(text, "\nsignature: "));
  art_free(text);
  /* Revoked: signing stops, earlier signatures still count. */
  ck_assert_int_eq(
      art_catalog_key_revoke(ctx, cat, "alice", art_catalog_key_id(key)),
      ART_OK);
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INTEGRITY);
  ck_assert_int_eq(art_catalog_verify(ctx, cat, NULL, &r, NULL), ART_OK);
  ck_assert_int_eq(r.verdict, ART_CATALOG_PASS);
  /* admin_key, key_register, the note, the checkpoint's nothing, and the
   * revocation (signed by the key itself) */
  ck_assert_uint_eq(r.signed_events, 4);
  /* A flipped signature byte. */
  char sql[256];
  snprintf(sql, sizeof sql,
           "DROP TRIGGER events_no_update; UPDATE events SET signature = "
           "zeroblob(64) WHERE seq = %llu",
           (unsigned long long)seq);
  tamper(cat, sql);
  uint64_t bad;
  ck_assert_int_eq(verify(cat, NULL, &bad), ART_CATALOG_BAD_SIGNATURE);
  ck_assert_uint_eq(bad, seq);
  art_catalog_free(cat);
  art_catalog_key_free(key);
  art_catalog_key_free(pk);
  art_catalog_key_free(admin);
  free(kf);
  free(pub);
}
END_TEST

/* Append an event behind the library's back with a correct chain link and
 * hash, signed with SIGNER when given: an insider with the file and some
 * key, but not the administrator key. Returns its seq. */
static uint64_t forge(art_catalog *cat,
                      const char *type,
                      const char *actor,
                      const char *payload,
                      const art_catalog_key *signer)
{
  sqlite3_stmt *q;
  ck_assert_int_eq(sqlite3_prepare_v2(cat->db,
                                      "SELECT seq, record_hash FROM events "
                                      "ORDER BY seq DESC LIMIT 1",
                                      -1, &q, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
  art__cat_event ev = {0};
  ev.seq = (uint64_t)sqlite3_column_int64(q, 0) + 1;
  memcpy(ev.prev, sqlite3_column_blob(q, 1), 32);
  sqlite3_finalize(q);
  char uuid[40];
  art__cat_uuid4(uuid, sizeof uuid);
  ev.f[ART__EV_UUID] = uuid;
  ev.f[ART__EV_TYPE] = type;
  ev.f[ART__EV_RECORDED_AT] = "2030-01-01T00:00:00.000000Z";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_PAYLOAD] = payload;
  if (signer)
    ev.f[ART__EV_KEY_ID] = signer->id;
  ck_assert_int_eq(art__cat_record_hash(&ev, ev.hash), 0);
  if (signer) {
    uint8_t msg[ART__CAT_SIG_MSG_MAX];
    size_t mlen;
    art__cat_sig_message(ev.hash, msg, &mlen);
    ck_assert_int_eq(art__cat_key_sign(signer, msg, mlen, ev.sig), 0);
  }
  ck_assert_int_eq(
      sqlite3_prepare_v2(cat->db,
                         "INSERT INTO events (seq, uuid, type, recorded_at, "
                         "actor, payload, key_id, prev_hash, record_hash, "
                         "signature) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         -1, &q, NULL),
      SQLITE_OK);
  sqlite3_bind_int64(q, 1, (sqlite3_int64)ev.seq);
  sqlite3_bind_text(q, 2, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, type, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 4, ev.f[ART__EV_RECORDED_AT], -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 6, payload, -1, SQLITE_STATIC);
  if (signer) {
    sqlite3_bind_text(q, 7, signer->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 10, ev.sig, 64, SQLITE_STATIC);
  }
  sqlite3_bind_blob(q, 8, ev.prev, 32, SQLITE_STATIC);
  sqlite3_bind_blob(q, 9, ev.hash, 32, SQLITE_STATIC);
  ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
  sqlite3_finalize(q);
  return ev.seq;
}

START_TEST(test_revoked_key_signature)
{
  /* Events signed by a key after its revocation do not count: splice a
   * signed event of a catalogue where the key is valid into one where it
   * was revoked, with a recomputed chain (an insider with the file and the
   * key, not the checkpoints). */
  char *kf = tu_path(dir, "k.pem");
  art_catalog_key *key;
  ck_assert_int_eq(art_catalog_key_generate(ctx, kf, "pw"), ART_OK);
  ck_assert_int_eq(art_catalog_key_load(ctx, kf, "pw", &key), ART_OK);
  art_catalog *cat = sample("rv.db", NULL);
  art_catalog_key *admin = gen_key("rvadmin.pem");
  ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "admin", admin), ART_OK);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, admin), ART_OK);
  ck_assert_int_eq(art_catalog_key_register(ctx, cat, "admin", "alice", key),
                   ART_OK);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, key), ART_OK);
  ck_assert_int_eq(
      art_catalog_key_revoke(ctx, cat, "alice", art_catalog_key_id(key)),
      ART_OK);
  uint64_t seq = forge(cat, "note", "alice", NULL, key);
  uint64_t bad;
  ck_assert_int_eq(verify(cat, NULL, &bad), ART_CATALOG_BAD_SIGNATURE);
  ck_assert_uint_eq(bad, seq);
  art_catalog_free(cat);
  art_catalog_key_free(key);
  art_catalog_key_free(admin);
  free(kf);
}
END_TEST

/* A registration payload for OWNER's KEY with a proof made by PROVER. */
static char *reg_payload(art_catalog *cat,
                         const char *owner,
                         const art_catalog_key *key,
                         const art_catalog_key *prover)
{
  art__buf m = {0};
  art__cat_proof_message(cat->uuid, owner, key->pub, &m);
  uint8_t sig[64];
  ck_assert_int_eq(art__cat_key_sign(prover, m.data, m.len, sig), 0);
  art__buf_free(&m);
  char pub[65], proof[129], *out = malloc(512);
  art__cat_hex(key->pub, 32, pub);
  art__cat_hex(sig, 64, proof);
  snprintf(out, 512,
           "{\"algorithm\":\"ed25519\",\"key_id\":\"%s\",\"owner\":\"%s\","
           "\"proof\":\"%s\",\"public_key\":\"%s\"}",
           key->id, owner, proof, pub);
  return out;
}

START_TEST(test_admin_trust_model)
{
  art_catalog_key *admin = gen_key("admin.pem"), *bob = gen_key("bob.pem"),
                  *evil = gen_key("evil.pem");
  art_catalog *cat = sample("adm.db", NULL);
  ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "lab admin", admin),
                   ART_OK);
  ck_assert_int_ne(art_catalog_admin_init(ctx, cat, "lab admin", evil), ART_OK);
  /* Registering needs the administrator key as signer. */
  ck_assert_int_eq(art_catalog_key_register(ctx, cat, "bob", "bob", bob),
                   ART_ERR_PERMISSION);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, evil), ART_OK);
  ck_assert_int_eq(art_catalog_key_register(ctx, cat, "bob", "bob", bob),
                   ART_ERR_PERMISSION);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, admin), ART_OK);
  /* A request for another owner than the proof names is refused. */
  char *req = NULL;
  ck_assert_int_eq(art_catalog_key_request(ctx, cat, "bob", bob, &req), ART_OK);
  char *swapped = strdup(req);
  char *o = strstr(swapped, "owner: bob");
  ck_assert_ptr_nonnull(o);
  memcpy(o + 7, "eve", 3);
  ck_assert_int_eq(art_catalog_key_register_request(ctx, cat, "lab admin",
                                                    swapped, strlen(swapped)),
                   ART_ERR_INTEGRITY);
  free(swapped);
  ck_assert_msg(art_catalog_key_register_request(ctx, cat, "lab admin", req,
                                                 strlen(req)) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  art_free(req);
  /* Bob signs as Bob. */
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, bob), ART_OK);
  art_catalog_event_spec spec = {0};
  spec.type = "note";
  spec.item = "E002";
  spec.actor = "bob";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL), ART_OK);
  /* Anyone but the administrator or Bob cannot revoke Bob's key. */
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, NULL), ART_OK);
  ck_assert_int_eq(art_catalog_key_revoke(ctx, cat, "mallory", bob->id),
                   ART_ERR_PERMISSION);
  art_catalog_verify_result r;
  ck_assert_int_eq(art_catalog_verify(ctx, cat, NULL, &r, NULL), ART_OK);
  ck_assert_msg(r.verdict == ART_CATALOG_PASS, "%s", r.message);
  ck_assert_uint_eq(r.signed_events, 3); /* admin_key, register, note */
  art_catalog_free(cat);

  /* Forged behind the library's back, each caught by verify. */
  const char *cases[] = {"unsigned", "self-signed", "bad proof", "revoke"};
  for (size_t c = 0; c < 4; c++) {
    char name[32];
    snprintf(name, sizeof name, "forge%zu.db", c);
    cat = sample(name, NULL);
    ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "lab admin", admin),
                     ART_OK);
    ck_assert_int_eq(art_catalog_set_signer(ctx, cat, admin), ART_OK);
    ck_assert_int_eq(
        art_catalog_key_register(ctx, cat, "lab admin", "bob", bob), ART_OK);
    art_catalog_set_signer(ctx, cat, NULL);
    uint64_t bad;
    if (c < 3) {
      /* Mallory registers her key as "bob"'s and signs as bob. */
      char *p = reg_payload(cat, "bob", evil, c == 2 ? bob : evil);
      bad = forge(cat, "key_register", c == 1 ? "bob" : "lab admin", p,
                  c == 1 ? evil : (c == 2 ? admin : NULL));
      free(p);
      forge(cat, "note", "bob", "{\"note\":\"forged\"}", evil);
    } else {
      char p[128];
      snprintf(p, sizeof p, "{\"key_id\":\"%s\"}", bob->id);
      bad = forge(cat, "key_revoke", "mallory", p, NULL);
    }
    uint64_t at;
    ck_assert_msg(verify(cat, NULL, &at) == ART_CATALOG_BAD_SIGNATURE,
                  "case %s", cases[c]);
    ck_assert_uint_eq(at, bad);
    art_catalog_free(cat);
  }
  art_catalog_key_free(admin);
  art_catalog_key_free(bob);
  art_catalog_key_free(evil);
}
END_TEST

static unsigned progress_calls;
static void
count_progress(void *ud, const char *phase, uint64_t done, uint64_t total)
{
  (void)ud;
  (void)phase;
  ck_assert_uint_le(done, total);
  progress_calls++;
}

START_TEST(test_parallel_signatures)
{
  /* Many signed events checked on several threads: the same verdicts and
   * the first bad signature found whatever thread met it. */
  art_catalog_key *k = gen_key("p.pem");
  art_catalog *cat = sample("par.db", NULL);
  ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "alice", k), ART_OK);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, k), ART_OK);
  art_catalog_event_spec spec = {0};
  spec.type = "note";
  spec.item = "E002";
  spec.actor = "alice";
  spec.note = "n";
  ck_assert_int_eq(art_catalog_begin(ctx, cat), ART_OK);
  for (int i = 0; i < 3000; i++)
    ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL), ART_OK);
  ck_assert_int_eq(art_catalog_commit(ctx, cat), ART_OK);
  art_catalog_verify_opts o = {0};
  art_catalog_verify_result r;
  for (unsigned t = 1; t <= 4; t *= 2) {
    o.threads = t;
    o.progress = count_progress;
    progress_calls = 0;
    ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, NULL), ART_OK);
    ck_assert_msg(r.verdict == ART_CATALOG_PASS, "%s", r.message);
    ck_assert_uint_eq(r.signed_events, 3001);
    ck_assert_uint_gt(progress_calls, 0);
  }
  tamper(cat, "DROP TRIGGER events_no_update; UPDATE events SET signature "
              "= zeroblob(64) WHERE seq IN (2500, 900)");
  for (unsigned t = 1; t <= 4; t *= 2) {
    o.threads = t;
    ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, NULL), ART_OK);
    ck_assert_int_eq(r.verdict, ART_CATALOG_BAD_SIGNATURE);
    ck_assert_uint_eq(r.seq, 900);
  }
  art_catalog_free(cat);
  art_catalog_key_free(k);
}
END_TEST

START_TEST(test_text_and_dates)
{
  art__cat_time t;
  ck_assert_int_eq(
      art__cat_time_parse(ctx, "at", "2026-03-04T10:30:00.25+01:00", &t),
      ART_OK);
  ck_assert_str_eq(t.utc, "2026-03-04T09:30:00.25Z");
  ck_assert_str_eq(t.offset, "+01:00");
  ck_assert_int_eq(
      art__cat_time_parse(ctx, "at", "2024-02-29T23:00:00-14:00", &t), ART_OK);
  ck_assert_str_eq(t.utc, "2024-03-01T13:00:00Z");
  const char *bad[] = {"2026-13-45T25:61:61Z",
                       "2026-02-30T00:00:00Z",
                       "2025-02-29T00:00:00Z",
                       "2026-01-01T00:00:00+25:00",
                       "2026-01-01T00:00:00+14:01",
                       "2026-06-30T23:59:60Z",
                       "0000-01-01T00:00:00Z",
                       "9999-12-31T23:59:59Z",
                       "",
                       "2026-01-01T00:00:00",
                       "2026-01-01T00:00:00Zjunk",
                       "2026-01-01T00:00:00.Z"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(art__cat_time_parse(ctx, "at", bad[i], &t) ==
                      ART_ERR_INVALID_ARG,
                  "%s accepted", bad[i]);
  /* UTF-8: Latin-1, CP932, surrogates, overlongs refused; real text kept */
  ck_assert_uint_eq(art__cat_utf8_bad("caf\xc3\xa9 \xe6\x97\xa5"), 0);
  ck_assert_uint_eq(art__cat_utf8_bad("caf\xe9"), 4);
  ck_assert_uint_eq(art__cat_utf8_bad("\x93\xfa\x96\x7b"), 1);
  ck_assert_uint_eq(art__cat_utf8_bad("\xed\xa0\x80"), 1);
  ck_assert_uint_eq(art__cat_utf8_bad("\xc0\xaf"), 1);
  ck_assert_uint_eq(art__cat_utf8_bad("\xf4\x90\x80\x80"), 1);
  art_catalog_fields *f;
  ck_assert_int_eq(art_catalog_fields_new(ctx, &f), ART_OK);
  ck_assert_int_eq(art_catalog_fields_set(ctx, f, "description", "caf\xe9"),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_catalog_fields_set(ctx, f, "size_bytes", "banana"),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_catalog_fields_set(ctx, f, "derivation", "copy"),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_catalog_fields_set_tz(ctx, f, "+15:00"),
                   ART_ERR_INVALID_ARG);
  art_catalog_fields_free(f);
  /* Escaped display */
  art__buf b = {0};
  art__cat_text_safe(&b,
                     "a\xe2\x80\xae"
                     "b\x1b[1m\xe2\x80\x8b\n",
                     0);
  ck_assert_str_eq(b.data, "a<U+202E>b\\x1B[1m<U+200B>\\n");
  art__buf_free(&b);
  char *e = art__cat_escape_bytes("caf\xe9\\x");
  ck_assert_str_eq(e, "caf\\xE9\\\\x");
  free(e);
}
END_TEST

START_TEST(test_export_file_and_backup)
{
  art_catalog *cat = sample("ef.db", NULL);
  char *path = tu_path(dir, "reg.json"), *bak = tu_path(dir, "copy.db");
  char sha[65];
  ck_assert_int_eq(art_catalog_export_file(ctx, cat, "alice", ART_CATALOG_JSON,
                                           path, 0, sha),
                   ART_OK);
  ck_assert_int_eq(art_catalog_export_file(ctx, cat, "alice", ART_CATALOG_JSON,
                                           path, 0, sha),
                   ART_ERR_IO);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "already exists"));
  ck_assert_int_eq(art_catalog_export_file(ctx, cat, "alice", ART_CATALOG_JSON,
                                           path, ART_CATALOG_FORCE, sha),
                   ART_OK);
  art_catalog_verify_result r;
  ck_assert_int_eq(art_catalog_backup(ctx, cat, "alice", bak, 0, &r), ART_OK);
  ck_assert_msg(r.verdict == ART_CATALOG_PASS, "%s", r.message);
  ck_assert_int_eq(art_catalog_backup(ctx, cat, "alice", bak, 0, &r),
                   ART_ERR_IO);
  art_catalog *copy;
  ck_assert_int_eq(art_catalog_open(ctx, bak, ART_CATALOG_READONLY, &copy),
                   ART_OK);
  ck_assert_str_eq(art_catalog_uuid(copy), art_catalog_uuid(cat));
  art_catalog_free(copy);
  /* Nothing but the two files in the folder: no temporary left over. */
  int status;
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '^\\.'", dir);
  char *n = tu_run(cmd, &status);
  ck_assert_str_eq(n, "0\n");
  free(n);
  art_catalog_free(cat);
  free(path);
  free(bak);
}
END_TEST

/* ---- stores and copy ---- */

START_TEST(test_store_choice)
{
  ck_assert_ptr_eq(art__cat_store_for("case.db"), &art__cat_store_sqlite);
  ck_assert_ptr_eq(art__cat_store_for("./postgresql/x.db"),
                   &art__cat_store_sqlite);
  ck_assert_ptr_eq(art__cat_store_for("postgresql://u@h/db"),
                   &art__cat_store_pg);
  ck_assert_ptr_eq(art__cat_store_for("postgres:///db?host=/tmp"),
                   &art__cat_store_pg);
  /* No server on this socket directory: a clear error, password masked. */
  art_catalog *cat = NULL;
  char url[4200];
  snprintf(url, sizeof url, "postgresql://al:s3cret@%%2Fnone%s/db", dir);
  ck_assert_int_eq(art_catalog_open(ctx, url, 0, &cat), ART_ERR_IO);
  ck_assert_ptr_null(cat);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "cannot connect"));
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "al:***@"));
  ck_assert_ptr_null(strstr(art_ctx_errmsg(ctx), "s3cret"));
}
END_TEST

/* Rows of TABLE in a text form that shows blobs in hex. */
static char *rows_of(const char *path, const char *sql)
{
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_stmt *q;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  art__buf b = {0};
  while (sqlite3_step(q) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(q); i++) {
      const char *t = (const char *)sqlite3_column_text(q, i);
      art__buf_str(&b, t ? t : "<null>");
      art__buf_str(&b, "|");
    }
    art__buf_str(&b, "\n");
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return b.data;
}

START_TEST(test_copy_between_catalogues)
{
  art_catalog *cat = sample("src.db", NULL);
  char *cp = NULL;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &cp), ART_OK);
  free(cp);
  char *src = tu_path(dir, "src.db"), *dst = tu_path(dir, "dst.db");
  art_catalog_verify_result r;
  uint64_t rows = 0;
  ck_assert_msg(art_catalog_copy(ctx, cat, dst, &r, &rows) == ART_OK, "%s",
                art_ctx_errmsg(ctx));
  ck_assert_msg(r.verdict == ART_CATALOG_PASS, "%s", r.message);
  art_catalog_verify_result sr;
  ck_assert_int_eq(art_catalog_verify(ctx, cat, NULL, &sr, NULL), ART_OK);
  ck_assert_uint_eq(r.events, sr.events);
  ck_assert_uint_gt(rows, sr.events);
  /* Every event, hash and checkpoint the same, the id kept. */
  static const char *const q[] = {
      "SELECT seq, uuid, type, recorded_at, actor, item_id, hex(prev_hash), "
      "hex(record_hash), hex(signature) FROM events ORDER BY seq",
      "SELECT * FROM hashes ORDER BY id", "SELECT * FROM items ORDER BY id",
      "SELECT id, size, hex(head_hash), text FROM checkpoints ORDER BY id",
      "SELECT * FROM meta ORDER BY key"};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    char *a = rows_of(src, q[i]), *b = rows_of(dst, q[i]);
    ck_assert_msg(a && b && strcmp(a, b) == 0, "%s differs", q[i]);
    free(a);
    free(b);
  }
  /* The copy goes on from where the source was. */
  art_catalog *copy;
  ck_assert_int_eq(art_catalog_open(ctx, dst, 0, &copy), ART_OK);
  ck_assert_str_eq(art_catalog_uuid(copy), art_catalog_uuid(cat));
  art_catalog_event_spec spec = {0};
  spec.type = "note";
  spec.item = "E002";
  spec.actor = "alice";
  spec.note = "after the copy";
  uint64_t seq;
  ck_assert_int_eq(art_catalog_event_add(ctx, copy, &spec, &seq), ART_OK);
  ck_assert_uint_eq(seq, sr.events + 1);
  ck_assert_int_eq(verify(copy, NULL, NULL), ART_CATALOG_PASS);
  art_catalog_free(copy);
  /* Never into an existing catalogue. */
  ck_assert_int_eq(art_catalog_copy(ctx, cat, dst, &r, &rows),
                   ART_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "already holds"));
  art_catalog_free(cat);
  free(src);
  free(dst);
}
END_TEST

/* ---- checkpoints ---- */

START_TEST(test_checkpoint_text)
{
  art_catalog *cat = sample("cp.db", NULL);
  char *text;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &text), ART_OK);
  art__cat_checkpoint cp;
  ck_assert_int_eq(art__cat_checkpoint_parse(ctx, text, strlen(text), &cp),
                   ART_OK);
  ck_assert_uint_eq(cp.size, 7);
  ck_assert_str_eq(cp.catalog, art_catalog_uuid(cat));
  ck_assert_int_eq(cp.signed_, 0);
  /* Malformed texts are refused, not half-read. */
  const char *bad[] = {"", "art-catalog checkpoint v1\n",
                       "art-catalog checkpoint v1\ncatalog: x\nsize: 1x\n",
                       ("art-catalog checkpoint v1\ncatalog: x\nsize: 1\n"
                        "head: 00\ntime: t\nactor: a\n")};
  for (size_t i = 0; i < 4; i++)
    ck_assert_int_eq(
        art__cat_checkpoint_parse(ctx, bad[i], strlen(bad[i]), &cp),
        ART_ERR_FORMAT);
  /* A signed checkpoint whose text was edited no longer verifies. */
  char *kf = tu_path(dir, "cp.pem");
  art_catalog_key *key;
  ck_assert_int_eq(art_catalog_key_generate(ctx, kf, "pw"), ART_OK);
  ck_assert_int_eq(art_catalog_key_load(ctx, kf, "pw", &key), ART_OK);
  /* Alice's key is the administrator key: it is registered to her. */
  ck_assert_int_eq(art_catalog_admin_init(ctx, cat, "alice", key), ART_OK);
  ck_assert_int_eq(art_catalog_set_signer(ctx, cat, key), ART_OK);
  char *signed_text;
  ck_assert_int_eq(art_catalog_checkpoint(ctx, cat, "alice", &signed_text),
                   ART_OK);
  char *sf = tu_path(dir, "signed.txt");
  tu_write(sf, signed_text, strlen(signed_text));
  ck_assert_int_eq(verify(cat, sf, NULL), ART_CATALOG_PASS);
  char *actor_line = strstr(signed_text, "actor: alice");
  ck_assert_ptr_nonnull(actor_line);
  memcpy(actor_line, "actor: bobby", 12);
  tu_write(sf, signed_text, strlen(signed_text));
  ck_assert_int_eq(verify(cat, sf, NULL), ART_CATALOG_BAD_SIGNATURE);
  art_free(signed_text);
  art_catalog_key_free(key);
  free(kf);
  free(sf);
  /* A checkpoint of another catalogue. */
  art_catalog *other = new_catalog("other.db");
  char *f = tu_path(dir, "cp.txt");
  tu_write(f, text, strlen(text));
  ck_assert_int_eq(verify(other, f, NULL), ART_CATALOG_FOREIGN);
  art_free(text);
  free(f);
  art_catalog_free(other);
  art_catalog_free(cat);
}
END_TEST

/* ---- exports ---- */

static int collect(void *ud, const void *data, size_t len)
{
  art__buf_add((art__buf *)ud, data, len);
  return 0;
}

static char *export(art_catalog *cat, art_catalog_format fmt)
{
  art__buf b = {0};
  char sha[65];
  ck_assert_msg(art_catalog_export(ctx, cat, "alice", fmt, collect, &b, sha) ==
                    ART_OK,
                "%s", art_ctx_errmsg(ctx));
  /* The export event records the SHA-256 of exactly these bytes. */
  uint8_t d[32];
  char x[65];
  art__cat_sha256(b.data, b.len, d);
  hex(d, 32, x);
  ck_assert_str_eq(x, sha);
  sqlite3_stmt *q;
  sqlite3_prepare_v2(cat->db,
                     "SELECT json_extract(payload, '$.sha256') FROM events "
                     "ORDER BY seq DESC LIMIT 1",
                     -1, &q, NULL);
  ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
  ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), sha);
  sqlite3_finalize(q);
  /* Every export carries a checkpoint that verifies against the
   * catalogue. */
  char *f = tu_path(dir, "export.out");
  tu_write(f, b.data, b.len);
  ck_assert_int_eq(verify(cat, f, NULL), ART_CATALOG_PASS);
  free(f);
  return b.data;
}

static art_catalog *export_sample(void)
{
  art_catalog *cat = sample("x.db", NULL);
  art_catalog_fields *f;
  ck_assert_int_eq(art_catalog_fields_new(ctx, &f), ART_OK);
  art_catalog_fields_set(ctx, f, "description",
                         "=HYPERLINK(\"x\") <script>alert(1)</script>, \"q\"");
  art_catalog_fields_set(ctx, f, "owner", "@evil\nline");
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C-1", "E003", f, NULL, NULL),
      ART_OK);
  art_catalog_fields_free(f);
  return cat;
}

START_TEST(test_export_csv)
{
  art_catalog *cat = export_sample();
  char *csv = export(cat, ART_CATALOG_CSV);
  ck_assert_ptr_nonnull(
      strstr(csv, "case,case_title,item_number,description,"));
  ck_assert_ptr_nonnull(
      strstr(csv, "\"'=HYPERLINK(\"\"x\"\") <script>alert(1)</script>, "
                  "\"\"q\"\"\""));
  ck_assert_ptr_nonnull(strstr(csv, "\"'@evil\nline\""));
  ck_assert_ptr_nonnull(strstr(csv, "\r\nart-catalog checkpoint v1,"));
  free(csv);
  csv = export(cat, ART_CATALOG_CUSTODY_CSV);
  ck_assert_ptr_nonnull(strstr(csv, "seq,recorded_at,occurred_at,case,item,"
                                    "event,actor,released_by,received_by"));
  ck_assert_ptr_nonnull(strstr(csv, ",transfer,alice,alice,bob,Lab A,"));
  free(csv);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_export_json)
{
  art_catalog *cat = export_sample();
  char *s = export(cat, ART_CATALOG_JSON);
  json_error_t e;
  json_t *j = json_loads(s, 0, &e);
  ck_assert_ptr_nonnull(j);
  ck_assert_str_eq(json_string_value(json_object_get(j, "encoding")),
                   "LART-CUSTODY-V1");
  json_t *events = json_object_get(j, "events");
  ck_assert_uint_eq(json_array_size(events), 8);
  /* Each event's record hash recomputes from the exported fields. */
  uint8_t prev[32];
  art__cat_genesis(art_catalog_uuid(cat), prev);
  size_t i;
  json_t *ev;
  static const char *const names[ART__EV_NFIELDS] = {
      "uuid", "type", "recorded_at", "occurred_at", "actor",   "case",  "item",
      "from", "to",   "purpose",     "location",    "payload", "key_id"};
  json_array_foreach(events, i, ev)
  {
    art__cat_event x = {0};
    x.seq = i + 1;
    memcpy(x.prev, prev, 32);
    for (int k = 0; k < ART__EV_NFIELDS; k++)
      x.f[k] = json_string_value(json_object_get(ev, names[k]));
    uint8_t h[32];
    char hx[65];
    art__cat_record_hash(&x, h);
    hex(h, 32, hx);
    ck_assert_str_eq(hx, json_string_value(json_object_get(ev, "record_hash")));
    memcpy(prev, h, 32);
  }
  json_decref(j);
  free(s);
  s = export(cat, ART_CATALOG_JSONL);
  size_t lines = 0;
  for (char *p = s; *p; p++)
    if (*p == '\n')
      lines++;
  /* header, 1 case, 3 items, 9 events (with the first export), 2
   * checkpoints */
  ck_assert_uint_eq(lines, 1 + 1 + 3 + 9 + 2);
  char *line = strtok(s, "\n");
  while (line) {
    json_t *o = json_loads(line, 0, &e);
    ck_assert_msg(o != NULL, "%s", line);
    ck_assert_str_eq(json_string_value(json_object_get(o, "schema")),
                     "art-catalog-export/1");
    json_decref(o);
    line = strtok(NULL, "\n");
  }
  free(s);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_export_html)
{
  art_catalog *cat = export_sample();
  char *s = export(cat, ART_CATALOG_HTML);
  ck_assert_ptr_nonnull(strstr(s, "<!DOCTYPE html>"));
  ck_assert_ptr_null(strstr(s, "<script>"));
  ck_assert_ptr_nonnull(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  ck_assert_ptr_null(strstr(s, "http://"));
  ck_assert_ptr_null(strstr(s, "https://"));
  ck_assert_ptr_nonnull(strstr(s, "<th>Released by</th>"));
  ck_assert_ptr_nonnull(strstr(s, "<pre class=\"checkpoint\">art-catalog "
                                  "checkpoint v1\n"));
  free(s);
  art_catalog_free(cat);
}
END_TEST

START_TEST(test_export_case)
{
  art_catalog *cat = export_sample();
  char *s = export(cat, ART_CATALOG_CASE);
  json_t *j = json_loads(s, 0, NULL);
  ck_assert_ptr_nonnull(j);
  ck_assert_ptr_nonnull(json_object_get(j, "@context"));
  json_t *g = json_object_get(j, "@graph");
  size_t i, actions = 0, records = 0, files = 0, hashes = 0;
  json_t *n;
  json_array_foreach(g, i, n)
  {
    const char *t = json_string_value(json_object_get(n, "@type"));
    ck_assert_ptr_nonnull(json_object_get(n, "@id"));
    if (strcmp(t, "case-investigation:InvestigativeAction") == 0) {
      actions++;
      ck_assert_ptr_nonnull(json_object_get(n, "uco-action:performer"));
      ck_assert_ptr_nonnull(json_object_get(n, "uco-action:object"));
      ck_assert_ptr_nonnull(json_object_get(n, "uco-action:result"));
    } else if (strcmp(t, "case-investigation:ProvenanceRecord") == 0) {
      records++;
    } else if (strcmp(t, "uco-observable:File") == 0) {
      files++;
      json_t *f = json_array_get(json_object_get(n, "uco-core:hasFacet"), 1);
      hashes += json_array_size(json_object_get(f, "uco-observable:hash"));
    }
  }
  ck_assert_uint_eq(actions, 7); /* events about items */
  ck_assert_uint_eq(records, 7);
  ck_assert_uint_eq(files, 1);
  ck_assert_uint_eq(hashes, 3);
  json_decref(j);
  free(s);
  art_catalog_free(cat);
}
END_TEST

/* ---- items, images and rehash ---- */

START_TEST(test_e01_import)
{
  char *raw = tu_path(dir, "media.raw"), *img = tu_path(dir, "img");
  tu_write_random(raw, 307200, 3); /* whole sectors */
  char cmd[8192];
  int status;
  snprintf(cmd, sizeof cmd,
           "ewfacquire -u -q -t '%s' -c none -S 1.4GiB -d sha1 -e 'Eve "
           "Examiner' -C C-9 -D 'Laptop disk' -E E9 -N 'seized' -f encase6 "
           "'%s' >/dev/null 2>&1 && md5sum '%s' && sha1sum '%s'",
           img, raw, raw, raw);
  char *sums = tu_run(cmd, &status);
  ck_assert_int_eq(status, 0);
  char md5[33], sha1[41];
  ck_assert_int_eq(sscanf(sums, "%32s %*s %40s", md5, sha1), 2);
  free(sums);
  art_catalog *cat = new_catalog("e.db");
  ck_assert_int_eq(art_catalog_case_add(ctx, cat, "alice", "C-9", NULL),
                   ART_OK);
  char *e01 = tu_path(dir, "img.E01");
  ck_assert_msg(art_catalog_item_add(ctx, cat, "alice", "C-9", "E9", NULL, e01,
                                     NULL) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  char *json;
  ck_assert_int_eq(art_catalog_item_show(ctx, cat, NULL, "E9", &json), ART_OK);
  json_t *j = json_loads(json, 0, NULL);
  art_free(json);
  ck_assert_str_eq(json_string_value(json_object_get(j, "acquired_by")),
                   "Eve Examiner");
  ck_assert_str_eq(json_string_value(json_object_get(j, "description")),
                   "Laptop disk");
  ck_assert_str_eq(json_string_value(json_object_get(j, "container_format")),
                   "ewf");
  ck_assert_str_eq(json_string_value(json_object_get(j, "size_bytes")),
                   "307200");
  json_t *meta = json_object_get(j, "container_metadata");
  ck_assert_str_eq(json_string_value(json_object_get(meta, "case_number")),
                   "C-9");
  size_t i, imported = 0;
  json_t *h;
  json_array_foreach(json_object_get(j, "hashes"), i, h)
  {
    const char *alg = json_string_value(json_object_get(h, "algorithm"));
    const char *val = json_string_value(json_object_get(h, "value"));
    const char *want = strcmp(alg, "md5") == 0    ? md5
                       : strcmp(alg, "sha1") == 0 ? sha1
                                                  : NULL;
    if (want)
      ck_assert_str_eq(val, want);
    if (strcmp(json_string_value(json_object_get(h, "origin")), "imported") ==
        0) {
      imported++;
      ck_assert_str_eq(json_string_value(json_object_get(h, "status")),
                       "match");
    }
  }
  ck_assert_uint_eq(imported, 2);
  json_decref(j);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  art_catalog_free(cat);
  free(raw);
  free(img);
  free(e01);
}
END_TEST

START_TEST(test_rehash)
{
  char *ev;
  art_catalog *cat = sample("rh.db", &ev);
  art_catalog_verify_opts o = {0};
  o.rehash = 1;
  o.actor = "alice";
  art_catalog_verify_result r;
  char *report;
  ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, &report), ART_OK);
  ck_assert_int_eq(r.verdict, ART_CATALOG_PASS);
  ck_assert_uint_eq(r.rehashed, 1);
  art_free(report);
  tu_write_random(ev, 200000, 8); /* the evidence changed */
  ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, &report), ART_OK);
  ck_assert_int_eq(r.verdict, ART_CATALOG_HASH_MISMATCH);
  ck_assert_ptr_nonnull(strstr(report, "\"result\": \"mismatch\""));
  art_free(report);
  /* The original hash stays, the new one sits next to it, flagged. */
  sqlite3_stmt *q;
  sqlite3_prepare_v2(cat->db,
                     "SELECT origin, status, count(*) FROM hashes WHERE "
                     "algorithm = 'sha256' GROUP BY origin, status ORDER BY "
                     "origin, status",
                     -1, &q, NULL);
  const char *want[][2] = {
      {"computed", "recorded"}, {"verify", "match"}, {"verify", "mismatch"}};
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), want[i][0]);
    ck_assert_str_eq((const char *)sqlite3_column_text(q, 1), want[i][1]);
  }
  sqlite3_finalize(q);
  /* Without the file: recorded as unreadable, not a crash. */
  unlink(ev);
  ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, NULL), ART_OK);
  ck_assert_uint_eq(r.unreadable, 1);
  /* The chain (with its verify events) still verifies. */
  o.rehash = 0;
  ck_assert_int_eq(art_catalog_verify(ctx, cat, &o, &r, NULL), ART_OK);
  ck_assert_int_eq(r.verdict, ART_CATALOG_PASS);
  free(ev);
  art_catalog_free(cat);
}
END_TEST

static int64_t count_events(art_catalog *cat)
{
  sqlite3_stmt *q;
  sqlite3_prepare_v2(cat->db, "SELECT count(*) FROM events", -1, &q, NULL);
  sqlite3_step(q);
  int64_t n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return n;
}

START_TEST(test_bad_input)
{
  art_catalog *cat = sample("b.db", NULL);
  int64_t n = count_events(cat);
  char *missing = tu_path(dir, "no-such-file");
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C-1", "E9", NULL, missing, NULL),
      ART_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "no-such-file"));
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C-404", "E9", NULL, NULL, NULL),
      ART_ERR_NOT_FOUND);
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C-1", "E001", NULL, NULL, NULL),
      ART_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "already registered"));
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, NULL, "C-1", "E9", NULL, NULL, NULL),
      ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_catalog_case_add(ctx, cat, "alice", "C-1", NULL),
                   ART_ERR_INVALID_ARG);
  art_catalog_event_spec spec = {0};
  spec.type = "transfer";
  spec.item = "E404";
  spec.actor = "alice";
  spec.from = "a";
  spec.to = "b";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_NOT_FOUND);
  spec.item = "E001";
  spec.from = "alice";
  spec.to = NULL;
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INVALID_ARG);
  spec.to = "b";
  spec.occurred_at = "yesterday";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INVALID_ARG);
  /* Checked out items are checked in before they change hands. */
  spec.occurred_at = NULL;
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INTEGRITY);
  spec.type = "check-in";
  spec.actor = "carol";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL), ART_OK);
  n++;
  spec.type = "transfer";
  spec.actor = "alice";
  spec.from = "b";
  spec.occurred_at = "2025-03-04T11:00:00.5+01:00";
  spec.late_entry = "copied from the paper form";
  ck_assert_msg(art_catalog_event_add(ctx, cat, &spec, NULL) == ART_OK, "%s",
                art_ctx_errmsg(ctx));
  n++;
  spec.late_entry = NULL;
  spec.occurred_at = NULL;
  spec.to = NULL;
  spec.type = "teleport";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INVALID_ARG);
  spec.type = "note";
  spec.actor = "";
  ck_assert_int_eq(art_catalog_event_add(ctx, cat, &spec, NULL),
                   ART_ERR_INVALID_ARG);
  /* A batch with one bad line writes nothing. */
  const char *batch = "{\"op\":\"event\",\"type\":\"note\",\"item\":\"E001\"}\n"
                      "{\"op\":\"event\",\"type\":\"note\",\"item\":\"X\"}\n";
  ck_assert_int_eq(
      art_catalog_batch(ctx, cat, "alice", batch, strlen(batch), NULL),
      ART_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "batch line 2"));
  ck_assert_int_eq(count_events(cat), n);
  free(missing);
  art_catalog_free(cat);

  /* Files that are not catalogues. */
  art_catalog *c2 = NULL;
  char *p = tu_path(dir, "text.db");
  tu_write(p, "hello, this is not a database at all", 36);
  ck_assert_int_eq(art_catalog_open(ctx, p, 0, &c2), ART_ERR_FORMAT);
  ck_assert_ptr_null(c2);
  free(p);
  p = tu_path(dir, "other.db");
  sqlite3 *db;
  sqlite3_open(p, &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
  sqlite3_close(db);
  ck_assert_int_eq(art_catalog_open(ctx, p, 0, &c2), ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "not an evidence"));
  free(p);
  p = tu_path(dir, "absent.db");
  ck_assert_int_eq(art_catalog_open(ctx, p, 0, &c2), ART_ERR_NOT_FOUND);
  free(p);
  /* A newer schema. */
  c2 = new_catalog("newer.db");
  tamper(c2, "PRAGMA user_version = 99");
  p = strdup(c2->path);
  art_catalog_free(c2);
  c2 = NULL;
  ck_assert_int_eq(art_catalog_open(ctx, p, 0, &c2), ART_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "newer"));
  free(p);
}
END_TEST

/* ---- concurrency ---- */

START_TEST(test_concurrent_appends)
{
  art_catalog *cat = new_catalog("conc.db");
  ck_assert_int_eq(art_catalog_case_add(ctx, cat, "alice", "C", NULL), ART_OK);
  ck_assert_int_eq(
      art_catalog_item_add(ctx, cat, "alice", "C", "I", NULL, NULL, NULL),
      ART_OK);
  char *path = strdup(cat->path);
  art_catalog_free(cat);
  pid_t pids[4];
  for (int p = 0; p < 4; p++) {
    pids[p] = fork();
    ck_assert_int_ge(pids[p], 0);
    if (pids[p] == 0) {
      art_ctx *c;
      art_catalog *mine;
      if (art_ctx_new(&c) != ART_OK ||
          art_catalog_open(c, path, 0, &mine) != ART_OK)
        _exit(2);
      char actor[32];
      snprintf(actor, sizeof actor, "writer%d", p);
      art_catalog_event_spec spec = {0};
      spec.type = "note";
      spec.item = "I";
      spec.actor = actor;
      for (int i = 0; i < 250; i++)
        if (art_catalog_event_add(c, mine, &spec, NULL) != ART_OK)
          _exit(3);
      art_catalog_free(mine);
      art_ctx_free(c);
      _exit(0);
    }
  }
  for (int p = 0; p < 4; p++) {
    int status;
    ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "writer %d failed (%d)", p, status);
  }
  ck_assert_int_eq(art_catalog_open(ctx, path, 0, &cat), ART_OK);
  sqlite3_stmt *q;
  sqlite3_prepare_v2(cat->db, "SELECT count(*), min(seq), max(seq) FROM events",
                     -1, &q, NULL);
  ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_int64(q, 0), 1002);
  ck_assert_int_eq(sqlite3_column_int64(q, 1), 1);
  ck_assert_int_eq(sqlite3_column_int64(q, 2), 1002);
  sqlite3_finalize(q);
  ck_assert_int_eq(verify(cat, NULL, NULL), ART_CATALOG_PASS);
  art_catalog_free(cat);
  free(path);
}
END_TEST

static Suite *catalog_suite(void)
{
  Suite *s = suite_create("catalog");
  TCase *tc = tcase_create("encoding");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_vectors);
  tcase_add_test(tc, test_reference_script);
  suite_add_tcase(s, tc);

  tc = tcase_create("chain");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_open_schema);
  tcase_add_test(tc, test_chain_and_state);
  tcase_add_test(tc, test_triggers);
  tcase_add_test(tc, test_tamper_modified);
  tcase_add_test(tc, test_tamper_missing);
  tcase_add_test(tc, test_tamper_reordered);
  tcase_add_test(tc, test_tamper_truncated);
  tcase_add_test(tc, test_tamper_rewritten);
  tcase_add_test(tc, test_tamper_register);
  tcase_add_test(tc, test_foreign_splice);
  suite_add_tcase(s, tc);

  tc = tcase_create("signatures");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_rfc8032);
  tcase_add_test(tc, test_keys_and_signed_events);
  tcase_add_test(tc, test_revoked_key_signature);
  tcase_add_test(tc, test_admin_trust_model);
  tcase_add_test(tc, test_parallel_signatures);
  tcase_add_test(tc, test_text_and_dates);
  tcase_add_test(tc, test_export_file_and_backup);
  tcase_add_test(tc, test_store_choice);
  tcase_add_test(tc, test_copy_between_catalogues);
  suite_add_tcase(s, tc);

  tc = tcase_create("checkpoints");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_checkpoint_text);
  suite_add_tcase(s, tc);

  tc = tcase_create("exports");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_export_csv);
  tcase_add_test(tc, test_export_json);
  tcase_add_test(tc, test_export_html);
  tcase_add_test(tc, test_export_case);
  suite_add_tcase(s, tc);

  tc = tcase_create("items");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_e01_import);
  tcase_add_test(tc, test_rehash);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);

  tc = tcase_create("concurrency");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_concurrent_appends);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(catalog_suite());
}
