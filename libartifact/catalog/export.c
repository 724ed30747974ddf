/* Evidence catalogue: the export driver (checkpoint first, the export's
 * bytes, then an export event with their SHA-256), in one transaction.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

static const char *const format_names[] = {"csv",   "custody-csv", "json",
                                           "jsonl", "html",        "case"};

art_status art_catalog_format_parse(const char *name, art_catalog_format *fmt)
{
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
    if (name && strcmp(name, format_names[i]) == 0) {
      *fmt = (art_catalog_format)i;
      return ART_OK;
    }
  return ART_ERR_INVALID_ARG;
}

/* Where an export's bytes go as they are made: hashed and written in
 * windows of ART__BUF_FLUSH bytes, so memory stays bounded. */
typedef struct sink {
  EVP_MD_CTX *md;
  art_catalog_write_fn write;
  void *userdata;
  uint64_t bytes;
  int write_failed;
} sink;

static int sink_flush(void *ud, const void *data, size_t len)
{
  sink *k = ud;
  if (EVP_DigestUpdate(k->md, data, len) != 1)
    return -1;
  if (k->write(k->userdata, data, len) != 0) {
    k->write_failed = 1;
    return -1;
  }
  k->bytes += len;
  return 0;
}

art_status art_catalog_export(art_ctx *ctx,
                              art_catalog *cat,
                              const char *actor,
                              art_catalog_format fmt,
                              art_catalog_write_fn write,
                              void *userdata,
                              char *sha256_hex)
{
  if (sha256_hex)
    *sha256_hex = '\0';
  if (!cat || !write ||
      (unsigned)fmt >= sizeof format_names / sizeof format_names[0])
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "export: bad arguments");
  if (!actor || !*actor)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "export: an export is recorded as an event: it "
                          "needs an actor (--actor or ART_ACTOR)");
  art__buf out = {0};
  char *cp = NULL, *ptext = NULL;
  sink k = {EVP_MD_CTX_new(), write, userdata, 0, 0};
  if (!k.md || EVP_DigestInit_ex(k.md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(k.md);
    return art__set_errno(ctx, ENOMEM, "export");
  }
  out.flush = sink_flush;
  out.flush_ud = &k;
  /* Holding the write lock from the checkpoint to the export event makes
   * the export show exactly the chain its checkpoint covers. */
  art_status st = art__cat_tx_begin(ctx, cat);
  if (st != ART_OK) {
    EVP_MD_CTX_free(k.md);
    return st;
  }
  if ((st = art__cat_checkpoint_make(ctx, cat, actor, &cp)) != ART_OK)
    goto out;
  switch (fmt) {
  case ART_CATALOG_CSV:
    st = art__cat_export_csv(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_CUSTODY_CSV:
    st = art__cat_export_custody_csv(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_JSON:
    st = art__cat_export_json(ctx, cat, &out, cp, 0);
    break;
  case ART_CATALOG_JSONL:
    st = art__cat_export_json(ctx, cat, &out, cp, 1);
    break;
  case ART_CATALOG_HTML:
    st = art__cat_export_html(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_CASE:
    st = art__cat_export_case(ctx, cat, &out, cp);
    break;
  }
  if (st != ART_OK)
    goto out;
  art__buf_flush(&out);
  if (out.failed) {
    st = k.write_failed
             ? art__set_error(ctx, ART_ERR_IO, errno, "export: write failed")
             : art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  uint8_t digest[ART__CAT_HASH_LEN];
  unsigned int dlen = 0;
  char hex[2 * ART__CAT_HASH_LEN + 1];
  if (EVP_DigestFinal_ex(k.md, digest, &dlen) != 1) {
    st = art__set_error(ctx, ART_ERR_INTERNAL, 0, "export: SHA-256 failed");
    goto out;
  }
  art__cat_hex(digest, ART__CAT_HASH_LEN, hex);
  art__cat_checkpoint parsed;
  art__cat_checkpoint_parse(ctx, cp, strlen(cp), &parsed);
  json_t *p = json_pack("{s:s, s:s, s:I, s:I}", "format", format_names[fmt],
                        "sha256", hex, "bytes", (json_int_t)k.bytes,
                        "checkpoint_size", (json_int_t)parsed.size);
  ptext = p ? art__cat_json_dump(p) : NULL;
  json_decref(p);
  if (!ptext) {
    st = art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = "export";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_PAYLOAD] = ptext;
  if ((st = art__cat_append(ctx, cat, &ev, 0)) != ART_OK)
    goto out;
  if (sha256_hex)
    memcpy(sha256_hex, hex, sizeof hex);
out:
  if (st == ART_OK)
    st = art__cat_tx_commit(ctx, cat);
  else
    art__cat_tx_rollback(cat);
  art__buf_free(&out);
  EVP_MD_CTX_free(k.md);
  free(cp);
  free(ptext);
  return st;
}
