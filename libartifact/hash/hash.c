/* Cryptographic hashes through OpenSSL EVP, whole-input and piecewise, each
 * algorithm a reader consumer of its own.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"

#include <artifact/hash.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct alg_desc {
  const char *name;
  const char *evp_name;
  size_t size;
  double cost; /* ns/byte on one core here (openssl speed -evp, 16 KiB) */
} alg_desc;

static const alg_desc algs[ART_HASH_COUNT_] = {
    [ART_HASH_MD5] = {"md5", "MD5", 16, 1.315},
    [ART_HASH_SHA1] = {"sha1", "SHA1", 20, 0.523},
    [ART_HASH_SHA256] = {"sha256", "SHA256", 32, 0.561},
    [ART_HASH_SHA512] = {"sha512", "SHA512", 64, 1.210},
    [ART_HASH_SHA3_256] = {"sha3-256", "SHA3-256", 32, 1.988},
    [ART_HASH_BLAKE2B_512] = {"blake2b-512", "BLAKE2B-512", 64, 1.062},
};

typedef struct alg_state {
  struct art_hash *h;
  art_hash_alg alg;
  int enabled;
  EVP_MD *md;
  EVP_MD_CTX *whole, *piece;
  uint64_t piece_fill; /* bytes in the current piece */
  uint8_t *pieces;     /* piece digests, size bytes each */
  size_t n_pieces, cap_pieces;
  uint64_t bytes;
  int failed;
  char hex[ART_HASH_MAX_HEX];
  art_consumer ops;
} alg_state;

struct art_hash {
  unsigned mask;
  uint64_t piece;
  alg_state a[ART_HASH_COUNT_];
  char piece_hex[ART_HASH_MAX_HEX];
};

const char *art_hash_alg_name(art_hash_alg alg)
{
  return (unsigned)alg < ART_HASH_COUNT_ ? algs[alg].name : "?";
}

size_t art_hash_alg_size(art_hash_alg alg)
{
  return (unsigned)alg < ART_HASH_COUNT_ ? algs[alg].size : 0;
}

art_status art_hash_alg_parse(const char *name, art_hash_alg *alg)
{
  static const struct {
    const char *alias;
    art_hash_alg alg;
  } aliases[] = {{"sha-1", ART_HASH_SHA1},
                 {"sha-256", ART_HASH_SHA256},
                 {"sha-512", ART_HASH_SHA512},
                 {"sha3_256", ART_HASH_SHA3_256},
                 {"sha3", ART_HASH_SHA3_256},
                 {"blake2b", ART_HASH_BLAKE2B_512},
                 {"blake2b512", ART_HASH_BLAKE2B_512}};
  for (int i = 0; i < ART_HASH_COUNT_; i++)
    if (strcasecmp(name, algs[i].name) == 0) {
      *alg = (art_hash_alg)i;
      return ART_OK;
    }
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcasecmp(name, aliases[i].alias) == 0) {
      *alg = aliases[i].alg;
      return ART_OK;
    }
  return ART_ERR_INVALID_ARG;
}

art_status art_hash_algs_parse(art_ctx *ctx, const char *list, unsigned *mask)
{
  unsigned m = 0;
  const char *p = list;
  *mask = 0;
  if (!list || !*list)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "empty list of hash algorithms");
  if (strcasecmp(list, "all") == 0) {
    *mask = (1u << ART_HASH_COUNT_) - 1;
    return ART_OK;
  }
  while (*p) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char name[32];
    art_hash_alg alg;
    if (n == 0 || n >= sizeof name)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "unknown hash algorithm '%.*s' (known: md5, sha1, "
                            "sha256, sha512, sha3-256, blake2b-512)",
                            (int)n, p);
    memcpy(name, p, n);
    name[n] = '\0';
    if (art_hash_alg_parse(name, &alg) != ART_OK)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "unknown hash algorithm '%s' (known: md5, sha1, "
                            "sha256, sha512, sha3-256, blake2b-512)",
                            name);
    m |= ART_HASH_MASK(alg);
    p += n;
    if (*p == ',')
      p++;
  }
  *mask = m;
  return ART_OK;
}

static void to_hex(const uint8_t *d, size_t n, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[2 * n] = '\0';
}

static int close_piece(alg_state *s)
{
  size_t sz = algs[s->alg].size;
  unsigned int outlen = 0;
  if (s->n_pieces == s->cap_pieces) {
    size_t cap = s->cap_pieces ? s->cap_pieces * 2 : 64;
    uint8_t *p = realloc(s->pieces, cap * sz);
    if (!p)
      return -1;
    s->pieces = p;
    s->cap_pieces = cap;
  }
  if (EVP_DigestFinal_ex(s->piece, s->pieces + s->n_pieces * sz, &outlen) !=
          1 ||
      EVP_DigestInit_ex2(s->piece, s->md, NULL) != 1)
    return -1;
  s->n_pieces++;
  s->piece_fill = 0;
  return 0;
}

/* Start this algorithm over (each consumer resets itself in begin, so any
 * driver can reuse it). */
static art_status alg_begin(void *state, int size_known, uint64_t size)
{
  alg_state *s = state;
  (void)size_known;
  (void)size;
  s->bytes = 0;
  s->failed = 0;
  s->n_pieces = 0;
  s->piece_fill = 0;
  s->hex[0] = '\0';
  if (EVP_DigestInit_ex2(s->whole, s->md, NULL) != 1 ||
      EVP_DigestInit_ex2(s->piece, s->md, NULL) != 1) {
    s->failed = 1;
    return ART_ERR_INTERNAL;
  }
  return ART_OK;
}

static art_status
alg_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  alg_state *s = state;
  uint64_t piece = s->h->piece;
  (void)offset;
  if (s->failed)
    return ART_ERR_INTERNAL;
  if (EVP_DigestUpdate(s->whole, data, len) != 1) {
    s->failed = 1;
    return ART_ERR_INTERNAL;
  }
  s->bytes += len;
  while (piece && len > 0) {
    size_t take = len;
    if (take > piece - s->piece_fill)
      take = (size_t)(piece - s->piece_fill);
    if (EVP_DigestUpdate(s->piece, data, take) != 1) {
      s->failed = 1;
      return ART_ERR_INTERNAL;
    }
    s->piece_fill += take;
    data += take;
    len -= take;
    if (s->piece_fill == piece && close_piece(s) != 0) {
      s->failed = 1;
      return ART_ERR_NOMEM;
    }
  }
  return ART_OK;
}

static art_status alg_finish(void *state, art_status read_status)
{
  alg_state *s = state;
  uint8_t d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  (void)read_status;
  if (!s->failed && s->h->piece && s->piece_fill > 0 && close_piece(s) != 0)
    s->failed = 1;
  if (s->failed || EVP_DigestFinal_ex(s->whole, d, &n) != 1) {
    s->failed = 1;
    s->hex[0] = '\0';
    return ART_ERR_INTERNAL;
  }
  to_hex(d, n, s->hex);
  return ART_OK;
}

art_status art_hash_new(art_ctx *ctx, unsigned mask, art_hash **out)
{
  art_hash *h;
  art_status st = ART_OK;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = NULL;
  mask &= (1u << ART_HASH_COUNT_) - 1;
  if (!mask)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "no hash algorithm selected");
  h = art__calloc(ctx, 1, sizeof *h);
  if (!h)
    return ART_ERR_NOMEM;
  h->mask = mask;
  for (int i = 0; i < ART_HASH_COUNT_; i++) {
    alg_state *s = &h->a[i];
    s->h = h;
    s->alg = (art_hash_alg)i;
    if (!(mask & ART_HASH_MASK(i)))
      continue;
    s->enabled = 1;
    s->md = EVP_MD_fetch(NULL, algs[i].evp_name, NULL);
    s->whole = EVP_MD_CTX_new();
    s->piece = EVP_MD_CTX_new();
    if (!s->md || !s->whole || !s->piece) {
      st = art__set_error(ctx, ART_ERR_INTERNAL, 0, "OpenSSL cannot provide %s",
                          algs[i].name);
      break;
    }
    s->ops = (art_consumer){algs[i].name, algs[i].cost, alg_begin, alg_update,
                            alg_finish};
  }
  if (st == ART_OK)
    st = art_hash_reset(ctx, h);
  if (st != ART_OK) {
    art_hash_free(h);
    return st;
  }
  *out = h;
  return ART_OK;
}

void art_hash_free(art_hash *h)
{
  if (!h)
    return;
  for (int i = 0; i < ART_HASH_COUNT_; i++) {
    EVP_MD_CTX_free(h->a[i].whole);
    EVP_MD_CTX_free(h->a[i].piece);
    EVP_MD_free(h->a[i].md);
    free(h->a[i].pieces);
  }
  free(h);
}

unsigned art_hash_mask(const art_hash *h)
{
  return h->mask;
}

art_status art_hash_set_piecewise(art_hash *h, uint64_t piece)
{
  h->piece = piece;
  return ART_OK;
}

art_status art_hash_reset(art_ctx *ctx, art_hash *h)
{
  for (int i = 0; i < ART_HASH_COUNT_; i++) {
    alg_state *s = &h->a[i];
    if (s->enabled && alg_begin(s, 0, 0) != ART_OK)
      return art__set_error(ctx, ART_ERR_INTERNAL, 0, "OpenSSL cannot start %s",
                            algs[i].name);
  }
  return ART_OK;
}

art_status art_hash_attach(art_ctx *ctx, art_hash *h, art_reader *reader)
{
  /* No reset here: each algorithm's begin() starts it over when the reader
   * runs, and a reset now would initialise every context twice per input. */
  art_status st = ART_OK;
  for (int i = 0; st == ART_OK && i < ART_HASH_COUNT_; i++)
    if (h->a[i].enabled)
      st = art_reader_add(reader, &h->a[i].ops, &h->a[i]);
  if (st != ART_OK && st != ART_ERR_INTERNAL)
    return art__set_error(ctx, st, 0, "cannot attach hashes to the reader");
  return st;
}

size_t art_hash_consumers(art_hash *h,
                          const art_consumer **ops,
                          void **states,
                          size_t max)
{
  size_t n = 0;
  for (int i = 0; i < ART_HASH_COUNT_ && n < max; i++)
    if (h->a[i].enabled) {
      ops[n] = &h->a[i].ops;
      states[n] = &h->a[i];
      n++;
    }
  return n;
}

art_status
art_hash_update(art_ctx *ctx, art_hash *h, const void *data, size_t len)
{
  for (int i = 0; i < ART_HASH_COUNT_; i++)
    if (h->a[i].enabled && alg_update(&h->a[i], data, len, 0) != ART_OK)
      return art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s update failed",
                            algs[i].name);
  return ART_OK;
}

art_status art_hash_final(art_ctx *ctx, art_hash *h)
{
  for (int i = 0; i < ART_HASH_COUNT_; i++)
    if (h->a[i].enabled && alg_finish(&h->a[i], ART_OK) != ART_OK)
      return art__set_error(ctx, ART_ERR_INTERNAL, 0, "%s final failed",
                            algs[i].name);
  return ART_OK;
}

const char *art_hash_hex(const art_hash *h, art_hash_alg alg)
{
  if ((unsigned)alg >= ART_HASH_COUNT_ || !h->a[alg].enabled ||
      !h->a[alg].hex[0])
    return NULL;
  return h->a[alg].hex;
}

uint64_t art_hash_bytes(const art_hash *h)
{
  for (int i = 0; i < ART_HASH_COUNT_; i++)
    if (h->a[i].enabled)
      return h->a[i].bytes;
  return 0;
}

size_t art_hash_piece_count(const art_hash *h)
{
  for (int i = 0; i < ART_HASH_COUNT_; i++)
    if (h->a[i].enabled)
      return h->a[i].n_pieces;
  return 0;
}

art_status art_hash_piece(const art_hash *h,
                          size_t index,
                          art_hash_alg alg,
                          uint64_t *offset,
                          uint64_t *len,
                          const char **hex)
{
  const alg_state *s;
  if ((unsigned)alg >= ART_HASH_COUNT_ || !h->a[alg].enabled || !h->piece)
    return ART_ERR_INVALID_ARG;
  s = &h->a[alg];
  if (index >= s->n_pieces)
    return ART_ERR_NOT_FOUND;
  if (offset)
    *offset = (uint64_t)index * h->piece;
  if (len) {
    uint64_t start = (uint64_t)index * h->piece;
    *len = s->bytes - start < h->piece ? s->bytes - start : h->piece;
  }
  if (hex) {
    /* Borrowed until the next call: the buffer belongs to the object. */
    char *buf = ((art_hash *)h)->piece_hex;
    to_hex(s->pieces + index * algs[alg].size, algs[alg].size, buf);
    *hex = buf;
  }
  return ART_OK;
}

art_status art_hash_buffer(
    art_ctx *ctx, art_hash_alg alg, const void *data, size_t len, char *hex)
{
  uint8_t d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD *md;
  if ((unsigned)alg >= ART_HASH_COUNT_ || !hex)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "bad hash arguments");
  md = EVP_MD_fetch(NULL, algs[alg].evp_name, NULL);
  if (!md || EVP_Digest(data, len, d, &n, md, NULL) != 1) {
    EVP_MD_free(md);
    return art__set_error(ctx, ART_ERR_INTERNAL, 0, "OpenSSL %s failed",
                          algs[alg].name);
  }
  EVP_MD_free(md);
  to_hex(d, n, hex);
  return ART_OK;
}
