/* Evidence catalogue: the canonical byte form of a custody event and the
 * SHA-256 chain over it (documented in docs/catalog-format.md).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "catalog_private.h"

int art__cat_sha256(const void *data,
                    size_t len,
                    uint8_t out[ART__CAT_HASH_LEN])
{
  unsigned int n = 0;
  return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 &&
                 n == ART__CAT_HASH_LEN
             ? 0
             : -1;
}

/* prev_hash of event 1: SHA-256("LART-CUSTODY-V1 genesis" 0x00 uuid), so a
 * chain cannot be moved into another catalogue. */
void art__cat_genesis(const char *catalog_uuid, uint8_t out[ART__CAT_HASH_LEN])
{
  static const char tag[] = ART__CAT_MAGIC " genesis";
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned int n = 0;
  memset(out, 0, ART__CAT_HASH_LEN);
  if (!md)
    return;
  if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
      EVP_DigestUpdate(md, tag, sizeof tag) == 1 && /* with its NUL */
      EVP_DigestUpdate(md, catalog_uuid, strlen(catalog_uuid)) == 1)
    EVP_DigestFinal_ex(md, out, &n);
  EVP_MD_CTX_free(md);
}

static void put_be(art__buf *b, uint64_t v, int bytes)
{
  uint8_t tmp[8];
  for (int i = 0; i < bytes; i++)
    tmp[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
  art__buf_add(b, tmp, (size_t)bytes);
}

/* "LART-CUSTODY-V1" 0x00 || u64be(seq) || prev_hash[32] || for each present
 * field in id order: u16be(id) || u32be(len) || UTF-8 bytes. */
void art__cat_encode(const art__cat_event *ev, art__buf *b)
{
  art__buf_add(b, ART__CAT_MAGIC, sizeof ART__CAT_MAGIC); /* with NUL */
  put_be(b, ev->seq, 8);
  art__buf_add(b, ev->prev, ART__CAT_HASH_LEN);
  for (int i = 0; i < ART__EV_NFIELDS; i++) {
    if (!ev->f[i])
      continue;
    size_t len = strlen(ev->f[i]);
    put_be(b, (uint64_t)(i + 1), 2);
    put_be(b, (uint64_t)len, 4);
    art__buf_add(b, ev->f[i], len);
  }
}

int art__cat_record_hash(const art__cat_event *ev,
                         uint8_t out[ART__CAT_HASH_LEN])
{
  art__buf b = {0};
  static const uint8_t leaf = 0x00; /* RFC 6962 leaf prefix */
  art__buf_add(&b, &leaf, 1);
  art__cat_encode(ev, &b);
  int rc = -1;
  if (!b.failed)
    rc = art__cat_sha256(b.data, b.len, out);
  art__buf_free(&b);
  return rc;
}

void art__cat_sig_message(const uint8_t hash[ART__CAT_HASH_LEN],
                          uint8_t *msg,
                          size_t *len)
{
  static const char tag[] = ART__CAT_MAGIC " signature";
  memcpy(msg, tag, sizeof tag); /* with its NUL */
  memcpy(msg + sizeof tag, hash, ART__CAT_HASH_LEN);
  *len = sizeof tag + ART__CAT_HASH_LEN;
}
