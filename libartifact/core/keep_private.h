/* Internal: a growing buffer that keeps the first LIMIT bytes of a stream,
 * for consumers that parse a whole file once the read ends (PE, ELF).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_KEEP_PRIVATE_H
#define ART_KEEP_PRIVATE_H

#include <artifact/error.h>
#include <stddef.h>
#include <stdint.h>

typedef struct art__keep {
  uint8_t *buf;
  size_t len, cap, limit;
  int truncated; /* more bytes came than LIMIT */
} art__keep;

/* Start over for the next input (the buffer is kept for reuse). */
void art__keep_reset(art__keep *k);
/* Append what fits under the limit. ART_OK, ART_ERR_LIMIT once the limit is
 * reached (truncated is then set), or ART_ERR_NOMEM. */
art_status art__keep_append(art__keep *k, const uint8_t *data, size_t len);
void art__keep_free(art__keep *k);

#endif
