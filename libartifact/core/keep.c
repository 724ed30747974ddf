/* Internal: a growing buffer that keeps the first LIMIT bytes of a stream.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "keep_private.h"

#include <stdlib.h>
#include <string.h>

void art__keep_reset(art__keep *k)
{
  k->len = 0;
  k->truncated = 0;
}

art_status art__keep_append(art__keep *k, const uint8_t *data, size_t len)
{
  if (len > k->limit - k->len) {
    len = k->limit - k->len;
    k->truncated = 1;
  }
  if (k->len + len > k->cap) {
    size_t cap = k->cap ? k->cap : 1u << 20;
    uint8_t *nb;
    while (cap < k->len + len)
      cap *= 2;
    nb = realloc(k->buf, cap);
    if (!nb)
      return ART_ERR_NOMEM;
    k->buf = nb;
    k->cap = cap;
  }
  if (len)
    memcpy(k->buf + k->len, data, len);
  k->len += len;
  return k->truncated ? ART_ERR_LIMIT : ART_OK;
}

void art__keep_free(art__keep *k)
{
  free(k->buf);
  k->buf = NULL;
  k->len = k->cap = 0;
}
