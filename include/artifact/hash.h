/* Cryptographic hashes (OpenSSL EVP): whole-input and piecewise digests of
 * several algorithms computed from one read.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_hash_algs_parse() a list such as "md5,sha256" into a mask;
 * art_hash_new() with the mask (and art_hash_set_piecewise() if wanted);
 * either art_hash_attach() it to a reader and art_reader_run(), or feed it
 * with art_hash_update() and art_hash_final(); read art_hash_hex() and the
 * pieces; art_hash_reset() for the next input; art_hash_free().
 * A hash object is used by one thread at a time (the reader may run its
 * algorithms on lanes of its own, which is safe).
 */
#ifndef ART_HASH_H
#define ART_HASH_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_hash art_hash;

typedef enum art_hash_alg {
  ART_HASH_MD5 = 0,
  ART_HASH_SHA1,
  ART_HASH_SHA256,
  ART_HASH_SHA512,
  ART_HASH_SHA3_256,
  ART_HASH_BLAKE2B_512,
  ART_HASH_COUNT_ /* number of algorithms; not an algorithm */
} art_hash_alg;

#define ART_HASH_MASK(alg)  (1u << (alg))
#define ART_HASH_MAX_DIGEST 64
#define ART_HASH_MAX_HEX    (2 * ART_HASH_MAX_DIGEST + 1)

/* Canonical lower-case name: "md5", "sha1", "sha256", "sha512", "sha3-256",
 * "blake2b-512". */
ART_API const char *art_hash_alg_name(art_hash_alg alg);
/* Parse one name, case-insensitive; "sha-256", "sha3_256" and "blake2b"
 * are accepted too. ART_ERR_INVALID_ARG for an unknown name. */
ART_API art_status art_hash_alg_parse(const char *name, art_hash_alg *alg);
/* Parse a comma-separated list ("md5,sha1,sha256" or "all") into a mask.
 * The message names the bad entry. */
ART_API art_status art_hash_algs_parse(art_ctx *ctx,
                                       const char *list,
                                       unsigned *mask);
/* Digest length in bytes. */
ART_API size_t art_hash_alg_size(art_hash_alg alg);

ART_API art_status art_hash_new(art_ctx *ctx, unsigned mask, art_hash **out);
ART_API void art_hash_free(art_hash *h);
ART_API unsigned art_hash_mask(const art_hash *h);

/* Also compute one digest per PIECE bytes (the last piece may be shorter),
 * as hashdeep -p and dcfldd hashwindow= do. 0 turns it off. */
ART_API art_status art_hash_set_piecewise(art_hash *h, uint64_t piece);

/* Start over for a new input. */
ART_API art_status art_hash_reset(art_ctx *ctx, art_hash *h);
/* Add each selected algorithm to READER as its own consumer, so the reader
 * can balance them over its lanes. H starts over when the reader runs. */
ART_API art_status art_hash_attach(art_ctx *ctx,
                                   art_hash *h,
                                   art_reader *reader);
/* The consumers that compute H's algorithms, one per algorithm, for drivers
 * other than the reader (the archive walker feeds members through them).
 * Each resets its algorithm in begin(), so they can be reused input after
 * input. Writes at most MAX entries to OPS and STATES; returns how many. */
ART_API size_t art_hash_consumers(art_hash *h,
                                  const art_consumer **ops,
                                  void **states,
                                  size_t max);
/* Direct use without a reader. */
ART_API art_status art_hash_update(art_ctx *ctx,
                                   art_hash *h,
                                   const void *data,
                                   size_t len);
ART_API art_status art_hash_final(art_ctx *ctx, art_hash *h);

/* Results, after the reader run or art_hash_final(). Lower-case hex,
 * borrowed until the next reset; NULL if ALG was not selected. */
ART_API const char *art_hash_hex(const art_hash *h, art_hash_alg alg);
ART_API uint64_t art_hash_bytes(const art_hash *h);
ART_API size_t art_hash_piece_count(const art_hash *h);
/* Piece INDEX: its offset, length and hex digest of ALG (borrowed). */
ART_API art_status art_hash_piece(const art_hash *h,
                                  size_t index,
                                  art_hash_alg alg,
                                  uint64_t *offset,
                                  uint64_t *len,
                                  const char **hex);

/* One-shot: hex digest of a buffer into HEX (ART_HASH_MAX_HEX bytes). */
ART_API art_status art_hash_buffer(
    art_ctx *ctx, art_hash_alg alg, const void *data, size_t len, char *hex);

ART_END_DECLS

#endif
