/* libFuzzer target: opening (header parsing), looking up and verifying
 * hash set files of arbitrary bytes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/hashset.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  art_ctx *ctx = NULL;
  art_hashset *hs = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_hashset_open_buffer(ctx, data, size, &hs) == ART_OK) {
    uint8_t d[32];
    /* Probe with digests taken from the input and a few fixed ones. */
    for (int k = 0; k < 8; k++) {
      memset(d, k * 37, sizeof d);
      if (size >= 32 && k < 4)
        memcpy(d, data + (size - 32) * (size_t)k / 4, 32);
      art_hashset_contains(hs, ART_HASH_MD5, d);
      art_hashset_contains(hs, ART_HASH_SHA1, d);
      art_hashset_contains(hs, ART_HASH_SHA256, d);
    }
    art_hashset_verify(ctx, hs);
    art_hashset_free(hs);
  }
  art_ctx_free(ctx);
  return 0;
}
