/* Shannon entropy, whole input and per block, as a reader consumer.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/entropy.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"

struct art_entropy {
  size_t block_size;
  uint64_t total[256];
  uint64_t block[256];
  size_t in_block; /* bytes in the current block */
  uint64_t bytes, blocks;
  uint64_t max_off, min_off;
  double max, min, value;
};

static double shannon(const uint64_t *counts, uint64_t n)
{
  if (n == 0)
    return 0.0;
  double h = 0.0, dn = (double)n;
  for (unsigned i = 0; i < 256; i++)
    if (counts[i]) {
      double p = (double)counts[i] / dn;
      h -= p * log2(p);
    }
  /* -0.0 and rounding just below zero read badly. */
  return h > 0.0 ? h : 0.0;
}

double art_entropy_buffer(const void *data, size_t len)
{
  uint64_t counts[256] = {0};
  const uint8_t *p = data;
  if (!data)
    return 0.0;
  for (size_t i = 0; i < len; i++)
    counts[p[i]]++;
  return shannon(counts, len);
}

void art_entropy_reset(art_entropy *e)
{
  if (!e)
    return;
  size_t bs = e->block_size;
  memset(e, 0, sizeof(*e));
  e->block_size = bs;
}

art_status art_entropy_new(art_ctx *ctx, size_t block_size, art_entropy **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = NULL;
  art_entropy *e = calloc(1, sizeof(*e));
  if (!e) {
    if (ctx)
      art__set_error(ctx, ART_ERR_NOMEM, 0, "entropy: out of memory");
    return ART_ERR_NOMEM;
  }
  e->block_size = block_size ? block_size : ART_ENTROPY_BLOCK_DEFAULT;
  *out = e;
  return ART_OK;
}

void art_entropy_free(art_entropy *e)
{
  free(e);
}

static void close_block(art_entropy *e, uint64_t offset)
{
  double h = shannon(e->block, e->in_block);
  if (e->blocks == 0 || h > e->max) {
    e->max = h;
    e->max_off = offset;
  }
  if (e->blocks == 0 || h < e->min) {
    e->min = h;
    e->min_off = offset;
  }
  e->blocks++;
  for (unsigned i = 0; i < 256; i++)
    e->total[i] += e->block[i];
  memset(e->block, 0, sizeof(e->block));
  e->in_block = 0;
}

art_status
art_entropy_update(art_ctx *ctx, art_entropy *e, const void *data, size_t len)
{
  (void)ctx;
  if (!e || (!data && len))
    return ART_ERR_INVALID_ARG;
  const uint8_t *p = data;
  while (len) {
    size_t n = e->block_size - e->in_block;
    if (n > len)
      n = len;
    for (size_t i = 0; i < n; i++)
      e->block[p[i]]++;
    e->in_block += n;
    e->bytes += n;
    p += n;
    len -= n;
    if (e->in_block == e->block_size)
      close_block(e, e->bytes - e->block_size);
  }
  return ART_OK;
}

art_status art_entropy_final(art_ctx *ctx, art_entropy *e)
{
  (void)ctx;
  if (!e)
    return ART_ERR_INVALID_ARG;
  if (e->in_block) {
    if (e->blocks == 0) {
      close_block(e, 0);
    } else {
      for (unsigned i = 0; i < 256; i++)
        e->total[i] += e->block[i];
      memset(e->block, 0, sizeof(e->block));
      e->in_block = 0;
    }
  }
  e->value = shannon(e->total, e->bytes);
  return ART_OK;
}

static art_status c_begin(void *state, int size_known, uint64_t size)
{
  (void)size_known;
  (void)size;
  art_entropy_reset(state);
  return ART_OK;
}

static art_status
c_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  return art_entropy_update(NULL, state, data, len);
}

static art_status c_finish(void *state, art_status read_status)
{
  art_entropy_final(NULL, state);
  return read_status;
}

static const art_consumer entropy_consumer = {
    .name = "entropy",
    .cost = 0.8,
    .begin = c_begin,
    .update = c_update,
    .finish = c_finish,
};

art_status art_entropy_attach(art_ctx *ctx, art_entropy *e, art_reader *reader)
{
  (void)ctx;
  if (!e || !reader)
    return ART_ERR_INVALID_ARG;
  art_entropy_reset(e);
  return art_reader_add(reader, &entropy_consumer, e);
}

double art_entropy_value(const art_entropy *e)
{
  return e ? e->value : 0.0;
}

uint64_t art_entropy_bytes(const art_entropy *e)
{
  return e ? e->bytes : 0;
}

uint64_t art_entropy_block_count(const art_entropy *e)
{
  return e ? e->blocks : 0;
}

size_t art_entropy_block_size(const art_entropy *e)
{
  return e ? e->block_size : 0;
}

art_status art_entropy_extremes(const art_entropy *e,
                                uint64_t *max_offset,
                                double *max,
                                uint64_t *min_offset,
                                double *min)
{
  if (!e)
    return ART_ERR_INVALID_ARG;
  if (e->blocks == 0)
    return ART_ERR_NOT_FOUND;
  if (max_offset)
    *max_offset = e->max_off;
  if (max)
    *max = e->max;
  if (min_offset)
    *min_offset = e->min_off;
  if (min)
    *min = e->min;
  return ART_OK;
}
