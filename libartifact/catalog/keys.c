/* Evidence catalogue: examiner keys (Ed25519 through OpenSSL EVP), their
 * registration and revocation as custody events, and signatures.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog_private.h"

void art__cat_key_id_of(const uint8_t pub[32], char id[33])
{
  uint8_t h[ART__CAT_HASH_LEN];
  art__cat_sha256(pub, 32, h);
  art__cat_hex(h, 16, id);
}

static art_status
ossl_error(art_ctx *ctx, const char *subject, const char *what)
{
  char buf[256];
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e)
    ERR_error_string_n(e, buf, sizeof buf);
  else
    snprintf(buf, sizeof buf, "unknown OpenSSL error");
  return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: %s: %s", subject, what,
                        buf);
}

static art_status key_from_pkey(art_ctx *ctx,
                                EVP_PKEY *pkey,
                                int priv,
                                const char *subject,
                                art_catalog_key **out)
{
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not an Ed25519 key",
                          subject);
  }
  art_catalog_key *k = art__calloc(ctx, 1, sizeof *k);
  if (!k) {
    EVP_PKEY_free(pkey);
    return ART_ERR_NOMEM;
  }
  size_t len = sizeof k->pub;
  if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1 || len != 32) {
    EVP_PKEY_free(pkey);
    free(k);
    return ossl_error(ctx, subject, "public key");
  }
  k->pkey = pkey;
  k->has_private = priv;
  art__cat_key_id_of(k->pub, k->id);
  *out = k;
  return ART_OK;
}

static art_status write_file_excl(art_ctx *ctx,
                                  const char *path,
                                  mode_t mode,
                                  EVP_PKEY *pkey,
                                  const char *pass)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return art__set_errno(ctx, errno, "%s", path);
  FILE *fp = fdopen(fd, "w");
  if (!fp) {
    int e = errno;
    close(fd);
    unlink(path);
    return art__set_errno(ctx, e, "%s", path);
  }
  int ok = pass ? PEM_write_PrivateKey(fp, pkey, EVP_aes_256_cbc(),
                                       (const unsigned char *)pass,
                                       (int)strlen(pass), NULL, NULL)
                : PEM_write_PUBKEY(fp, pkey);
  int e = errno;
  if (fclose(fp) != 0 && ok) {
    ok = 0;
    e = errno;
  }
  if (!ok) {
    unlink(path);
    return art__set_errno(ctx, e ? e : EIO, "%s", path);
  }
  return ART_OK;
}

art_status
art_catalog_key_generate(art_ctx *ctx, const char *path, const char *passphrase)
{
  if (!path || !passphrase || !*passphrase)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: a key needs a passphrase", path ? path : "key");
  size_t n = strlen(path);
  char *pub = malloc(n + 5);
  if (!pub)
    return art__set_errno(ctx, ENOMEM, "%s", path);
  memcpy(pub, path, n);
  memcpy(pub + n, ".pub", 5);
  art_status st = ART_OK;
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  if (!pkey) {
    st = ossl_error(ctx, path, "key generation");
    goto out;
  }
  if ((st = write_file_excl(ctx, path, 0600, pkey, passphrase)) != ART_OK)
    goto out;
  if ((st = write_file_excl(ctx, pub, 0644, pkey, NULL)) != ART_OK)
    unlink(path);
out:
  EVP_PKEY_free(pkey);
  free(pub);
  return st;
}

art_status art_catalog_key_load(art_ctx *ctx,
                                const char *path,
                                const char *passphrase,
                                art_catalog_key **out)
{
  *out = NULL;
  FILE *fp = fopen(path, "re");
  if (!fp)
    return art__set_errno(ctx, errno, "%s", path);
  char head[64] = "";
  size_t got = fread(head, 1, sizeof head - 1, fp);
  head[got] = '\0';
  rewind(fp);
  EVP_PKEY *pkey = NULL;
  int priv = 0;
  if (strstr(head, "PUBLIC KEY")) {
    pkey = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
  } else {
    if (!passphrase) {
      fclose(fp);
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "%s: the private key needs its passphrase", path);
    }
    pkey = PEM_read_PrivateKey(fp, NULL, NULL, (void *)passphrase);
    priv = 1;
  }
  fclose(fp);
  if (!pkey)
    return ossl_error(ctx, path,
                      priv ? "cannot read private key (wrong passphrase?)"
                           : "cannot read public key");
  return key_from_pkey(ctx, pkey, priv, path, out);
}

void art_catalog_key_free(art_catalog_key *key)
{
  if (!key)
    return;
  EVP_PKEY_free(key->pkey);
  free(key);
}

const char *art_catalog_key_id(const art_catalog_key *key)
{
  return key ? key->id : "";
}

int art__cat_key_sign(const art_catalog_key *key,
                      const void *msg,
                      size_t len,
                      uint8_t sig[ART__CAT_SIG_LEN])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t siglen = ART__CAT_SIG_LEN;
  int ok =
      md &&
      EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1 &&
      EVP_DigestSign(md, sig, &siglen, msg, len) == 1 &&
      siglen == ART__CAT_SIG_LEN;
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  return ok ? 0 : -1;
}

int art__cat_verify_sig_pkey(EVP_PKEY *pkey,
                             const void *msg,
                             size_t len,
                             const uint8_t sig[ART__CAT_SIG_LEN])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok =
      pkey && md &&
      EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
      EVP_DigestVerify(md, sig, ART__CAT_SIG_LEN, msg, len) == 1;
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  return ok ? 0 : -1;
}

int art__cat_verify_sig(const uint8_t pub[32],
                        const void *msg,
                        size_t len,
                        const uint8_t sig[ART__CAT_SIG_LEN])
{
  EVP_PKEY *pkey =
      EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub, 32);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok =
      pkey && md &&
      EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
      EVP_DigestVerify(md, sig, ART__CAT_SIG_LEN, msg, len) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  ERR_clear_error();
  return ok ? 0 : -1;
}

art_status art_catalog_set_signer(art_ctx *ctx,
                                  art_catalog *cat,
                                  const art_catalog_key *key)
{
  if (!cat)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "catalog: no handle");
  art_catalog_key_free(cat->signer);
  cat->signer = NULL;
  if (!key)
    return ART_OK;
  if (!key->has_private)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key %s: signing needs the private key", key->id);
  art_catalog_key *k = art__calloc(ctx, 1, sizeof *k);
  if (!k)
    return ART_ERR_NOMEM;
  *k = *key;
  EVP_PKEY_up_ref(k->pkey);
  cat->signer = k;
  return ART_OK;
}

/* The key's owner and whether it has been registered / revoked, from the
 * key events in the chain. */
static art_status key_state(art_ctx *ctx,
                            art_catalog *cat,
                            const char *key_id,
                            char *owner,
                            size_t owner_len,
                            int *registered,
                            int *revoked)
{
  art__cat_stmt *st;
  *registered = *revoked = 0;
  owner[0] = '\0';
  art_status s = art__cat_prepare(
      ctx, cat,
      "SELECT type, coalesce(json_extract(payload, '$.owner'), actor) FROM "
      "events WHERE type IN ('key_register', 'key_revoke', 'admin_key') AND "
      "json_extract(payload, '$.key_id') = ? ORDER BY seq",
      &st);
  if (s != ART_OK)
    return s;
  art__cat_bind_text5(st, 1, key_id, -1, ART__CAT_STATIC);
  int rc;
  while ((rc = art__cat_step(st)) == ART__CAT_ROW) {
    const char *type = (const char *)art__cat_col_text(st, 0);
    const char *actor = (const char *)art__cat_col_text(st, 1);
    if (type &&
        (strcmp(type, "key_register") == 0 || strcmp(type, "admin_key") == 0) &&
        !*registered) {
      *registered = 1;
      snprintf(owner, owner_len, "%s", actor ? actor : "");
    } else if (type && strcmp(type, "key_revoke") == 0) {
      *revoked = 1;
    }
  }
  if (rc != ART__CAT_DONE)
    s = art__cat_db_error(ctx, cat, "key lookup");
  art__cat_finish(cat, st);
  return s;
}

art_status art__cat_key_check(art_ctx *ctx,
                              art_catalog *cat,
                              const char *key_id,
                              const char *actor)
{
  char owner[256];
  int reg, rev;
  art_status s = key_state(ctx, cat, key_id, owner, sizeof owner, &reg, &rev);
  if (s != ART_OK)
    return s;
  if (!reg)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "key %s: not registered in this catalogue", key_id);
  if (rev)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0, "key %s: revoked", key_id);
  if (strcmp(owner, actor) != 0)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "key %s: registered to %s, not to %s", key_id, owner,
                          actor);
  return ART_OK;
}

static art_status key_event(art_ctx *ctx,
                            art_catalog *cat,
                            const char *type,
                            const char *actor,
                            json_t *payload)
{
  char *text = art__cat_json_dump(payload);
  json_decref(payload);
  if (!text)
    return art__set_errno(ctx, ENOMEM, "catalog: key event");
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = type;
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_PAYLOAD] = text;
  art_status st = art__cat_append(ctx, cat, &ev, 0);
  free(text);
  return st;
}

/* The administrator key's id, from the admin_key event ("" when the
 * catalogue has none: made before administrator keys existed). */
art_status art__cat_admin_id(art_ctx *ctx, art_catalog *cat, char id[33])
{
  art__cat_stmt *q;
  id[0] = '\0';
  art_status st = art__cat_prepare(
      ctx, cat,
      "SELECT json_extract(payload, '$.key_id') FROM events WHERE type = "
      "'admin_key' ORDER BY seq LIMIT 1",
      &q);
  if (st != ART_OK)
    return st;
  if (art__cat_step(q) == ART__CAT_ROW && art__cat_col_text(q, 0))
    snprintf(id, 33, "%s", (const char *)art__cat_col_text(q, 0));
  art__cat_finish(cat, q);
  return ART_OK;
}

void art__cat_proof_message(const char *catalog,
                            const char *owner,
                            const uint8_t pub[32],
                            art__buf *b)
{
  static const char tag[] = ART__CAT_MAGIC " key-proof";
  art__buf_add(b, tag, sizeof tag); /* with its NUL */
  art__buf_add(b, catalog, strlen(catalog) + 1);
  art__buf_add(b, owner, strlen(owner) + 1);
  art__buf_add(b, pub, 32);
}

int art__cat_proof_ok(const char *catalog,
                      const char *owner,
                      const uint8_t pub[32],
                      const char *proof_hex)
{
  uint8_t sig[ART__CAT_SIG_LEN];
  if (!proof_hex || art__cat_unhex(proof_hex, sig, sizeof sig) != 0)
    return 0;
  art__buf b = {0};
  art__cat_proof_message(catalog, owner, pub, &b);
  int ok = !b.failed && art__cat_verify_sig(pub, b.data, b.len, sig) == 0;
  art__buf_free(&b);
  return ok;
}

static art_status need_text(art_ctx *ctx, const char *what, const char *s)
{
  if (!s || !*s || strpbrk(s, "\r\n"))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "%s: a name on one line is needed", what);
  return art__cat_check_text(ctx, what, s);
}

art_status art_catalog_key_request(art_ctx *ctx,
                                   art_catalog *cat,
                                   const char *owner,
                                   const art_catalog_key *key,
                                   char **text)
{
  *text = NULL;
  art_status st;
  if (!cat || !key)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key request: a key is needed");
  if ((st = need_text(ctx, "key request: the owner (--actor)", owner)) !=
      ART_OK)
    return st;
  if (!key->has_private)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key %s: a request is signed with the private key "
                          "(proof of possession)",
                          key->id);
  art__buf m = {0};
  art__cat_proof_message(cat->uuid, owner, key->pub, &m);
  uint8_t sig[ART__CAT_SIG_LEN];
  int ok = !m.failed && art__cat_key_sign(key, m.data, m.len, sig) == 0;
  art__buf_free(&m);
  if (!ok)
    return art__set_error(ctx, ART_ERR_INTERNAL, 0, "key %s: signing failed",
                          key->id);
  char pub[65], sighex[2 * ART__CAT_SIG_LEN + 1];
  art__cat_hex(key->pub, 32, pub);
  art__cat_hex(sig, sizeof sig, sighex);
  art__buf b = {0};
  art__buf_printf(&b,
                  "art-catalog key request v1\ncatalog: %s\nowner: %s\n"
                  "key: %s %s\nproof: %s\n",
                  cat->uuid, owner, key->id, pub, sighex);
  if (b.failed) {
    art__buf_free(&b);
    return art__set_errno(ctx, ENOMEM, "key request");
  }
  *text = b.data;
  return ART_OK;
}

/* Record the registration: payload {algorithm, key_id, public_key, owner,
 * proof}; signed by the administrator key when the catalogue has one. */
static art_status register_key(art_ctx *ctx,
                               art_catalog *cat,
                               const char *actor,
                               const char *owner,
                               const uint8_t pub[32],
                               const char *proof_hex)
{
  char id[33], admin[33], pubhex[65];
  art_status st;
  art__cat_key_id_of(pub, id);
  if ((st = need_text(ctx, "key register: the owner", owner)) != ART_OK ||
      (st = art__cat_check_text(ctx, "--actor", actor)) != ART_OK)
    return st;
  if (!art__cat_proof_ok(cat->uuid, owner, pub, proof_hex))
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "key %s: the proof of possession does not verify "
                          "(a request for another catalogue or owner?)",
                          id);
  if ((st = art__cat_tx_begin(ctx, cat)) != ART_OK)
    return st;
  char who[256];
  int reg, rev;
  if ((st = art__cat_admin_id(ctx, cat, admin)) != ART_OK ||
      (st = key_state(ctx, cat, id, who, sizeof who, &reg, &rev)) != ART_OK)
    goto out;
  if (reg) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "key %s: already registered (to %s)", id, who);
    goto out;
  }
  if (!admin[0]) {
    st = art__set_error(ctx, ART_ERR_PERMISSION, 0,
                        "key %s: this catalogue has no administrator key, so "
                        "no registration could be authorised; give it one "
                        "first (art-catalog key admin FILE)",
                        id);
    goto out;
  }
  if (!cat->signer || strcmp(cat->signer->id, admin) != 0) {
    st = art__set_error(ctx, ART_ERR_PERMISSION, 0,
                        "key %s: registering a key needs the catalogue's "
                        "administrator key %s (--key)",
                        id, admin);
    goto out;
  }
  art__cat_hex(pub, 32, pubhex);
  json_t *p =
      json_pack("{s:s, s:s, s:s, s:s, s:s}", "algorithm", "ed25519", "key_id",
                id, "public_key", pubhex, "owner", owner, "proof", proof_hex);
  if (!p) {
    st = art__set_errno(ctx, ENOMEM, "key %s", id);
    goto out;
  }
  st = key_event(ctx, cat, "key_register", actor, p);
out:
  return art__cat_tx_end(ctx, cat, st);
}

art_status art_catalog_key_register_request(art_ctx *ctx,
                                            art_catalog *cat,
                                            const char *actor,
                                            const char *text,
                                            size_t len)
{
  if (!cat || !text)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key register: no request");
  char catalog[512] = "", owner[512] = "", id[64] = "", pub[80] = "",
       proof[512] = "";
  const char *p = text, *end = text + len;
  int magic = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    char line[512];
    if (l < sizeof line) {
      memcpy(line, p, l);
      line[l] = '\0';
      if (strcmp(line, "art-catalog key request v1") == 0)
        magic = 1;
      else if (strncmp(line, "catalog: ", 9) == 0)
        snprintf(catalog, sizeof catalog, "%s", line + 9);
      else if (strncmp(line, "owner: ", 7) == 0)
        snprintf(owner, sizeof owner, "%s", line + 7);
      else if (strncmp(line, "key: ", 5) == 0)
        sscanf(line + 5, "%63s %79s", id, pub);
      else if (strncmp(line, "proof: ", 7) == 0)
        snprintf(proof, sizeof proof, "%s", line + 7);
    }
    p += l + 1;
  }
  uint8_t raw[32];
  char calc[33];
  if (!magic || !owner[0] || art__cat_unhex(pub, raw, 32) != 0)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "not a key request (art-catalog key request)");
  art__cat_key_id_of(raw, calc);
  if (strcmp(calc, id) != 0)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "key request: the key id does not match the key");
  if (strcmp(catalog, cat->uuid) != 0)
    return art__set_error(ctx, ART_ERR_INTEGRITY, 0,
                          "key request: made for catalogue %s, not this one "
                          "(%s)",
                          catalog, cat->uuid);
  return register_key(ctx, cat, actor, owner, raw, proof);
}

art_status art_catalog_key_register(art_ctx *ctx,
                                    art_catalog *cat,
                                    const char *actor,
                                    const char *owner,
                                    const art_catalog_key *key)
{
  if (!cat || !key || !actor || !*actor)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key register: an actor and a key are needed");
  char *req = NULL;
  art_status st = art_catalog_key_request(ctx, cat, owner, key, &req);
  if (st != ART_OK)
    return st;
  st = art_catalog_key_register_request(ctx, cat, actor, req, strlen(req));
  free(req);
  return st;
}

art_status art_catalog_admin_init(art_ctx *ctx,
                                  art_catalog *cat,
                                  const char *actor,
                                  const art_catalog_key *key)
{
  art_status st;
  if (!cat || !key)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "administrator key: a key is needed");
  if ((st = need_text(ctx, "administrator key: --actor", actor)) != ART_OK)
    return st;
  if (!key->has_private)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key %s: the administrator key is given with its "
                          "private part (it signs its own record)",
                          key->id);
  if ((st = art__cat_tx_begin(ctx, cat)) != ART_OK)
    return st;
  char admin[33], who[256];
  int reg, rev;
  if ((st = art__cat_admin_id(ctx, cat, admin)) != ART_OK ||
      (st = key_state(ctx, cat, key->id, who, sizeof who, &reg, &rev)) !=
          ART_OK)
    goto out;
  if (admin[0]) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "this catalogue already has an administrator key "
                        "(%s)",
                        admin);
    goto out;
  }
  if (reg) {
    st = art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                        "key %s: already registered (to %s)", key->id, who);
    goto out;
  }
  char pubhex[65];
  art__cat_hex(key->pub, 32, pubhex);
  json_t *p =
      json_pack("{s:s, s:s, s:s, s:s}", "algorithm", "ed25519", "key_id",
                key->id, "public_key", pubhex, "owner", actor);
  if (!p) {
    st = art__set_errno(ctx, ENOMEM, "key %s", key->id);
    goto out;
  }
  /* The record is signed by the key it names: append signs with the
   * catalogue's signer, which must be this key. */
  art_catalog_key *saved = cat->signer;
  art_catalog_key tmp = *key;
  cat->signer = &tmp;
  st = key_event(ctx, cat, "admin_key", actor, p);
  cat->signer = saved;
out:
  return art__cat_tx_end(ctx, cat, st);
}

art_status art_catalog_key_revoke(art_ctx *ctx,
                                  art_catalog *cat,
                                  const char *actor,
                                  const char *key_id)
{
  if (!cat || !key_id || !actor || !*actor)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "key revoke: an actor and a key id are needed");
  art_status st = art__cat_tx_begin(ctx, cat);
  if (st != ART_OK)
    return st;
  char owner[256], admin[33];
  int reg, rev;
  if ((st = art__cat_admin_id(ctx, cat, admin)) != ART_OK ||
      (st = key_state(ctx, cat, key_id, owner, sizeof owner, &reg, &rev)) !=
          ART_OK)
    goto out;
  if (!reg || rev) {
    st = art__set_error(ctx, ART_ERR_NOT_FOUND, 0, "key %s: %s", key_id,
                        reg ? "already revoked" : "not registered");
    goto out;
  }
  if (admin[0] && (!cat->signer || (strcmp(cat->signer->id, admin) != 0 &&
                                    strcmp(cat->signer->id, key_id) != 0))) {
    st = art__set_error(ctx, ART_ERR_PERMISSION, 0,
                        "key %s: revoking a key needs the administrator key "
                        "%s or the key itself (--key)",
                        key_id, admin);
    goto out;
  }
  json_t *p = json_pack("{s:s}", "key_id", key_id);
  if (!p) {
    st = art__set_errno(ctx, ENOMEM, "key %s", key_id);
    goto out;
  }
  st = key_event(ctx, cat, "key_revoke", actor, p);
out:
  return art__cat_tx_end(ctx, cat, st);
}

/* The keys named in the chain, with their owners and fingerprints: for the
 * exports, so a reader can tell whose key signed what. */
json_t *art__cat_keys_json(art_ctx *ctx, art_catalog *cat)
{
  art__cat_stmt *q;
  json_t *arr = json_array();
  if (!arr || art__cat_prepare(ctx, cat,
                               "SELECT seq, type, actor, payload, key_id FROM "
                               "events WHERE type IN ('admin_key', "
                               "'key_register', 'key_revoke') ORDER BY seq",
                               &q) != ART_OK) {
    json_decref(arr);
    return NULL;
  }
  int has_admin = 0;
  while (art__cat_step(q) == ART__CAT_ROW) {
    const char *type = (const char *)art__cat_col_text(q, 1);
    const char *actor = (const char *)art__cat_col_text(q, 2);
    const char *signer = (const char *)art__cat_col_text(q, 4);
    json_t *p = json_loads((const char *)art__cat_col_text(q, 3), 0, NULL);
    const char *id = json_string_value(json_object_get(p, "key_id"));
    json_int_t seq = (json_int_t)art__cat_col_int64(q, 0);
    if (!id || !type) {
      json_decref(p);
      continue;
    }
    if (strcmp(type, "key_revoke") == 0) {
      size_t i;
      json_t *k;
      json_array_foreach(arr, i, k)
      {
        if (strcmp(json_string_value(json_object_get(k, "key_id")), id) == 0 &&
            !json_object_get(k, "revoked_seq"))
          json_object_set_new(k, "revoked_seq", json_integer(seq));
      }
      json_decref(p);
      continue;
    }
    const char *pub = json_string_value(json_object_get(p, "public_key"));
    const char *owner = json_string_value(json_object_get(p, "owner"));
    uint8_t raw[32], fp[ART__CAT_HASH_LEN];
    char fphex[2 * ART__CAT_HASH_LEN + 1] = "";
    if (pub && art__cat_unhex(pub, raw, 32) == 0 &&
        art__cat_sha256(raw, 32, fp) == 0)
      art__cat_hex(fp, sizeof fp, fphex);
    int admin = strcmp(type, "admin_key") == 0;
    if (admin)
      has_admin = 1;
    const char *auth = admin                 ? "self (administrator key)"
                       : has_admin && signer ? "administrator key"
                                             : "none (no administrator key)";
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "key_id", id,
                       "owner", owner ? owner : (actor ? actor : ""), "role",
                       admin ? "administrator" : "examiner", "public_key",
                       pub ? pub : "", "fingerprint_sha256", fphex,
                       "registered_seq", seq, "authorised_by", auth));
    json_decref(p);
  }
  art__cat_finish(cat, q);
  return arr;
}

art_status
art_catalog_keys(art_ctx *ctx, art_catalog *cat, int as_json, char **out)
{
  *out = NULL;
  json_t *keys = art__cat_keys_json(ctx, cat);
  if (!keys)
    return art_ctx_status(ctx) != ART_OK ? art_ctx_status(ctx)
                                         : art__set_errno(ctx, ENOMEM, "keys");
  if (as_json) {
    *out = json_dumps(keys, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(keys);
    return *out ? ART_OK : art__set_errno(ctx, ENOMEM, "keys");
  }
  art__buf b = {0};
  art__buf_str(&b, "key\trole\towner\tfingerprint (sha256)\tregistered\t"
                   "revoked\tauthorised by\n");
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k)
  {
    const char *cols[] = {
        json_string_value(json_object_get(k, "key_id")),
        json_string_value(json_object_get(k, "role")),
        json_string_value(json_object_get(k, "owner")),
        json_string_value(json_object_get(k, "fingerprint_sha256"))};
    for (size_t c = 0; c < 4; c++) {
      art__cat_text_safe(&b, cols[c] ? cols[c] : "", 0);
      art__buf_str(&b, "\t");
    }
    art__buf_printf(
        &b, "event %lld\t",
        (long long)json_integer_value(json_object_get(k, "registered_seq")));
    if (json_object_get(k, "revoked_seq"))
      art__buf_printf(
          &b, "event %lld\t",
          (long long)json_integer_value(json_object_get(k, "revoked_seq")));
    else
      art__buf_str(&b, "-\t");
    art__buf_str(&b, json_string_value(json_object_get(k, "authorised_by")));
    art__buf_str(&b, "\n");
  }
  json_decref(keys);
  if (b.failed) {
    art__buf_free(&b);
    return art__set_errno(ctx, ENOMEM, "keys");
  }
  *out = b.data;
  return ART_OK;
}
