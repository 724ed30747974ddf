/* The .hset file layout shared by the hash set reader and builder.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_HASHSET_PRIVATE_H
#define ART_HASHSET_PRIVATE_H

#include <artifact/hashset.h>

#define HSET_MAGIC       "ARTHSET1"
#define HSET_VERSION     1u
#define HSET_HEADER_SIZE 4096u
#define HSET_NAME_MAX    256u
#define HSET_TABLES      3u
/* Offsets inside the header. */
#define HSET_OFF_VERSION     8u
#define HSET_OFF_HEADER_SIZE 12u
#define HSET_OFF_KIND        16u
#define HSET_OFF_NTABLES     20u
#define HSET_OFF_CREATED     24u
#define HSET_OFF_NAME        32u
#define HSET_OFF_SOURCE      (HSET_OFF_NAME + HSET_NAME_MAX)
#define HSET_OFF_TABLES      (HSET_OFF_SOURCE + HSET_NAME_MAX)
#define HSET_TABLE_SIZE      48u
/* Per table: u32 alg, u32 digest length, u64 count, u64 data offset,
 * u64 index offset, u32 index bits, u32 + u64 reserved. */
#define HSET_OFF_CHECKSUM                                                      \
  (HSET_HEADER_SIZE - 64u) /* SHA-256 hex of [0, here) */
#define HSET_MIN_BITS 8u
#define HSET_MAX_BITS 24u

/* The algorithms of the three tables, in order. */
static const art_hash_alg art__hset_algs[HSET_TABLES] = {
    ART_HASH_MD5, ART_HASH_SHA1, ART_HASH_SHA256};

static inline uint64_t art__hset_get64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static inline uint32_t art__hset_get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static inline void art__hset_put64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static inline void art__hset_put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* The bucket of a digest: its first BITS bits. */
static inline uint32_t art__hset_prefix(const uint8_t *d, unsigned bits)
{
  uint32_t v = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
  return v >> (24 - bits);
}

#endif
