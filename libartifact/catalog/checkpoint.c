/* Evidence catalogue: signed checkpoints of the chain head, their text form,
 * and finding one inside an earlier export (JSON, CSV or HTML).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

#define CP_MAGIC "art-catalog checkpoint v1"

static int starts(const char *line, size_t len, const char *prefix)
{
  size_t n = strlen(prefix);
  return len >= n && memcmp(line, prefix, n) == 0;
}

static int copy_value(char *dst, size_t cap, const char *src, size_t len)
{
  if (len >= cap)
    return -1;
  memcpy(dst, src, len);
  dst[len] = '\0';
  return memchr(dst, '\0', len) ? -1 : 0;
}

/* Parse the checkpoint text exactly as art__cat_checkpoint_make writes it:
 * "art-catalog checkpoint v1", then "catalog:", "size:", "head:", "time:",
 * "actor:" lines, then optionally "key:" and "signature:". */
art_status art__cat_checkpoint_parse(art_ctx *ctx,
                                     const char *text,
                                     size_t len,
                                     art__cat_checkpoint *cp)
{
  memset(cp, 0, sizeof *cp);
  static const char *const keys[] = {
      CP_MAGIC, "catalog: ", "size: ", "head: ",
      "time: ", "actor: ",   "key: ",  "signature: "};
  size_t pos = 0;
  int idx = 0;
  while (pos < len && idx < 8) {
    const char *line = text + pos;
    const char *nl = memchr(line, '\n', len - pos);
    if (!nl)
      break; /* every line ends with a newline */
    size_t llen = (size_t)(nl - line);
    if (!starts(line, llen, keys[idx]))
      break;
    const char *v = line + strlen(keys[idx]);
    size_t vlen = llen - strlen(keys[idx]);
    char tmp[160];
    switch (idx) {
    case 0:
      if (vlen != 0)
        goto bad;
      break;
    case 1:
      if (copy_value(cp->catalog, sizeof cp->catalog, v, vlen) != 0)
        goto bad;
      break;
    case 2: {
      if (vlen == 0 || vlen > 19 || copy_value(tmp, sizeof tmp, v, vlen) != 0)
        goto bad;
      uint64_t n = 0;
      for (size_t i = 0; i < vlen; i++) {
        if (tmp[i] < '0' || tmp[i] > '9')
          goto bad;
        n = n * 10 + (uint64_t)(tmp[i] - '0');
      }
      cp->size = n;
      break;
    }
    case 3:
      if (copy_value(tmp, sizeof tmp, v, vlen) != 0 ||
          art__cat_unhex(tmp, cp->head, ART__CAT_HASH_LEN) != 0)
        goto bad;
      break;
    case 4:
      if (copy_value(cp->time, sizeof cp->time, v, vlen) != 0)
        goto bad;
      break;
    case 5:
      if (copy_value(cp->actor, sizeof cp->actor, v, vlen) != 0)
        goto bad;
      break;
    case 6: {
      /* "key: <id> <public key hex>" */
      if (vlen != 32 + 1 + 64 || v[32] != ' ')
        goto bad;
      memcpy(cp->key_id, v, 32);
      cp->key_id[32] = '\0';
      if (copy_value(tmp, sizeof tmp, v + 33, 64) != 0 ||
          art__cat_unhex(tmp, cp->pub, 32) != 0)
        goto bad;
      char id[33];
      art__cat_key_id_of(cp->pub, id);
      if (strcmp(id, cp->key_id) != 0)
        goto bad;
      break;
    }
    case 7:
      if (copy_value(tmp, sizeof tmp, v, vlen) != 0 ||
          art__cat_unhex(tmp, cp->sig, ART__CAT_SIG_LEN) != 0)
        goto bad;
      cp->signed_ = 1;
      cp->body_len = pos;
      break;
    }
    pos += llen + 1;
    idx++;
  }
  /* The five mandatory lines; a key line needs its signature line. */
  if (idx == 6 || idx == 8)
    return ART_OK;
bad:
  return art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "checkpoint: malformed text (line %d)", idx + 1);
}

int art__cat_checkpoint_sig_ok(const art__cat_checkpoint *cp, const char *text)
{
  if (!cp->signed_)
    return 0;
  return art__cat_verify_sig(cp->pub, text, cp->body_len, cp->sig) == 0;
}

art_status art__cat_checkpoint_make(art_ctx *ctx,
                                    art_catalog *cat,
                                    const char *actor,
                                    char **text)
{
  /* The caller holds the write transaction. */
  *text = NULL;
  if (!actor || !*actor)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "checkpoint: needs an actor (--actor or "
                          "ART_ACTOR)");
  if (strchr(actor, '\n'))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "checkpoint: actor name has a newline");
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat, "SELECT seq, record_hash FROM events ORDER BY seq DESC LIMIT 1",
      &q);
  if (st != ART_OK)
    return st;
  uint64_t size = 0;
  uint8_t head[ART__CAT_HASH_LEN];
  art__cat_genesis(cat->uuid, head);
  if (art__cat_step(q) == ART__CAT_ROW) {
    size = (uint64_t)art__cat_col_int64(q, 0);
    if (art__cat_col_bytes(q, 1) == ART__CAT_HASH_LEN)
      memcpy(head, art__cat_col_blob(q, 1), ART__CAT_HASH_LEN);
  }
  art__cat_finish(cat, q);
  if (cat->signer &&
      (st = art__cat_key_check(ctx, cat, cat->signer->id, actor)) != ART_OK)
    return st;
  char now[40], hex[2 * ART__CAT_SIG_LEN + 1];
  art__cat_now(now, sizeof now);
  art__cat_hex(head, ART__CAT_HASH_LEN, hex);
  art__buf b = {0};
  art__buf_printf(&b,
                  CP_MAGIC "\ncatalog: %s\nsize: %llu\nhead: %s\ntime: "
                           "%s\nactor: %s\n",
                  cat->uuid, (unsigned long long)size, hex, now, actor);
  if (cat->signer) {
    art__cat_hex(cat->signer->pub, 32, hex);
    art__buf_printf(&b, "key: %s %s\n", cat->signer->id, hex);
    uint8_t sig[ART__CAT_SIG_LEN];
    if (b.failed || art__cat_key_sign(cat->signer, b.data, b.len, sig) != 0) {
      art__buf_free(&b);
      return art__set_error(ctx, ART_ERR_INTERNAL, 0,
                            "checkpoint: signing failed");
    }
    art__cat_hex(sig, ART__CAT_SIG_LEN, hex);
    art__buf_printf(&b, "signature: %s\n", hex);
  }
  if (b.failed) {
    art__buf_free(&b);
    return art__set_errno(ctx, ENOMEM, "checkpoint");
  }
  if ((st = art__cat_prepare(ctx, cat,
                             "INSERT INTO checkpoints (size, head_hash, "
                             "created_at, actor, key_id, text) VALUES "
                             "(?, ?, ?, ?, ?, ?)",
                             &q)) != ART_OK) {
    art__buf_free(&b);
    return st;
  }
  art__cat_bind_int64(q, 1, (int64_t)size);
  art__cat_bind_blob(q, 2, head, ART__CAT_HASH_LEN, ART__CAT_STATIC);
  art__cat_bind_text5(q, 3, now, -1, ART__CAT_STATIC);
  art__cat_bind_text5(q, 4, actor, -1, ART__CAT_STATIC);
  art__cat_bind_text5(q, 5, cat->signer ? cat->signer->id : NULL, -1,
                      ART__CAT_STATIC);
  art__cat_bind_text5(q, 6, b.data, -1, ART__CAT_STATIC);
  if (art__cat_step(q) != ART__CAT_DONE)
    st = art__cat_db_error(ctx, cat, "checkpoint");
  art__cat_finish(cat, q);
  if (st != ART_OK) {
    art__buf_free(&b);
    return st;
  }
  *text = b.data;
  return ART_OK;
}

art_status art_catalog_checkpoint(art_ctx *ctx,
                                  art_catalog *cat,
                                  const char *actor,
                                  char **text)
{
  if (text)
    *text = NULL;
  if (!cat)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "catalog: no handle");
  art_status st = art__cat_tx_begin(ctx, cat);
  if (st != ART_OK)
    return st;
  char *t = NULL;
  st = art__cat_checkpoint_make(ctx, cat, actor, &t);
  st = art__cat_tx_end(ctx, cat, st);
  if (st == ART_OK && text)
    *text = t;
  else
    free(t);
  return st;
}

art_status
art__cat_checkpoint_latest(art_ctx *ctx, art_catalog *cat, char **text)
{
  *text = NULL;
  art__cat_stmt *q;
  art_status st = art__cat_prepare(
      ctx, cat, "SELECT text FROM checkpoints ORDER BY id DESC LIMIT 1", &q);
  if (st != ART_OK)
    return st;
  if (art__cat_step(q) == ART__CAT_ROW && art__cat_col_text(q, 0)) {
    *text = strdup((const char *)art__cat_col_text(q, 0));
    if (!*text)
      st = art__set_errno(ctx, ENOMEM, "checkpoint");
  }
  art__cat_finish(cat, q);
  return st;
}
