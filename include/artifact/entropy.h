/* Shannon entropy of a byte stream, whole and per block (the most and least
 * random blocks with their offsets).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_entropy_new() with a block size; either art_entropy_attach()
 * it to a reader and art_reader_run(), or art_entropy_update() the bytes and
 * art_entropy_final(); read art_entropy_value() and art_entropy_extremes();
 * art_entropy_reset() for the next input; art_entropy_free(). One-shot:
 * art_entropy_buffer(). An object is used by one thread at a time.
 *
 * Entropy is in bits per byte, 0 (one byte value) to 8 (uniform). Blocks
 * are aligned at multiples of the block size from offset 0; a shorter last
 * block counts only when it is the only one (an input smaller than a
 * block), as its value is not comparable with full blocks'.
 */
#ifndef ART_ENTROPY_H
#define ART_ENTROPY_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_entropy art_entropy;

#define ART_ENTROPY_BLOCK_DEFAULT 4096u

/* BLOCK_SIZE 0: ART_ENTROPY_BLOCK_DEFAULT. */
ART_API art_status art_entropy_new(art_ctx *ctx,
                                   size_t block_size,
                                   art_entropy **out);
ART_API void art_entropy_free(art_entropy *e);
ART_API void art_entropy_reset(art_entropy *e);
ART_API art_status art_entropy_update(art_ctx *ctx,
                                      art_entropy *e,
                                      const void *data,
                                      size_t len);
ART_API art_status art_entropy_final(art_ctx *ctx, art_entropy *e);
/* Add E to READER as a consumer. Resets E. */
ART_API art_status art_entropy_attach(art_ctx *ctx,
                                      art_entropy *e,
                                      art_reader *reader);

/* Results after final() or a reader run. */
ART_API double art_entropy_value(const art_entropy *e);
ART_API uint64_t art_entropy_bytes(const art_entropy *e);
/* Blocks measured (0 for empty input). */
ART_API uint64_t art_entropy_block_count(const art_entropy *e);
ART_API size_t art_entropy_block_size(const art_entropy *e);
/* The most and least random blocks: offsets and values (the first such
 * block when several tie). ART_ERR_NOT_FOUND when no block was measured.
 * Any out-parameter may be NULL. */
ART_API art_status art_entropy_extremes(const art_entropy *e,
                                        uint64_t *max_offset,
                                        double *max,
                                        uint64_t *min_offset,
                                        double *min);

/* Shannon entropy of a buffer (0 for an empty one). */
ART_API double art_entropy_buffer(const void *data, size_t len);

ART_END_DECLS

#endif
