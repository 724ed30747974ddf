/* ssdeep context-triggered piecewise hashes (CTPH) and their similarity
 * score, written from the published algorithm (Kornblum 2006), compatible
 * with the ssdeep 2.14 tool's output. See docs/ssdeep.md.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_ssdeep_new(); either art_ssdeep_attach() it to a reader and
 * art_reader_run(), or optionally art_ssdeep_set_total() then
 * art_ssdeep_update() and art_ssdeep_final(); read art_ssdeep_result()
 * ("blocksize:hash:hash"); art_ssdeep_reset() for the next input;
 * art_ssdeep_free(). One-shot: art_ssdeep_buffer(). Similarity of two
 * results: art_ssdeep_compare() (0-100, as ssdeep -d/-m print it).
 * An object is used by one thread at a time; comparison is stateless.
 */
#ifndef ART_SSDEEP_H
#define ART_SSDEEP_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_ssdeep art_ssdeep;

/* Room for the longest result, terminating NUL included. */
#define ART_SSDEEP_MAX_RESULT 148
/* The largest input ssdeep can hash: 3 * 2^30 * 64 bytes (192 GiB). */
#define ART_SSDEEP_MAX_INPUT (UINT64_C(3) << 36)

ART_API art_status art_ssdeep_new(art_ctx *ctx, art_ssdeep **out);
ART_API void art_ssdeep_free(art_ssdeep *s);
/* Start over for a new input. */
ART_API void art_ssdeep_reset(art_ssdeep *s);

/* Declare the input's total size before the first update (optional, like
 * libfuzzy's fuzzy_set_total_input_length): fewer block sizes are tracked,
 * the result is the same. The final size must then equal it
 * (ART_ERR_INVALID_ARG otherwise). ART_ERR_LIMIT over ART_SSDEEP_MAX_INPUT. */
ART_API art_status art_ssdeep_set_total(art_ctx *ctx,
                                        art_ssdeep *s,
                                        uint64_t size);
ART_API art_status art_ssdeep_update(art_ctx *ctx,
                                     art_ssdeep *s,
                                     const void *data,
                                     size_t len);
/* Compute the result. ART_ERR_LIMIT when the input was over
 * ART_SSDEEP_MAX_INPUT. */
ART_API art_status art_ssdeep_final(art_ctx *ctx, art_ssdeep *s);

/* Add S to READER as one consumer (the size given to begin() is used as the
 * total size). Resets S. After the run, art_ssdeep_status() tells whether a
 * result is there. */
ART_API art_status art_ssdeep_attach(art_ctx *ctx,
                                     art_ssdeep *s,
                                     art_reader *reader);
/* ART_OK once a result was computed (after final() or a reader run), else
 * why not (ART_ERR_LIMIT: input too large; the read's error; ...). */
ART_API art_status art_ssdeep_status(const art_ssdeep *s);
/* The result "blocksize:hash1:hash2", borrowed until the next reset; NULL
 * when there is none. */
ART_API const char *art_ssdeep_result(const art_ssdeep *s);
ART_API uint64_t art_ssdeep_bytes(const art_ssdeep *s);

/* One-shot: the hash of a buffer into OUT (ART_SSDEEP_MAX_RESULT bytes). */
ART_API art_status art_ssdeep_buffer(art_ctx *ctx,
                                     const void *data,
                                     size_t len,
                                     char *out);

/* Similarity score of two results, 0 (no similarity, or block sizes that
 * cannot be compared) to 100, as ssdeep computes it. Each string is
 * "blocksize:hash1:hash2", optionally followed by ",filename" as in ssdeep's
 * output. ART_ERR_FORMAT (message in CTX, which may be NULL) when either
 * string is not a well-formed ssdeep hash. */
ART_API art_status art_ssdeep_compare(art_ctx *ctx,
                                      const char *a,
                                      const char *b,
                                      int *score);

ART_END_DECLS

#endif
