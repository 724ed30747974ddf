/* libFuzzer target: finding and parsing a catalogue checkpoint in untrusted
 * text (a checkpoint file or an earlier export given to verify --checkpoint).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  art_ctx *ctx;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  art__cat_checkpoint cp;
  if (art__cat_checkpoint_parse(ctx, (const char *)data, size, &cp) == ART_OK) {
    char *text = malloc(size + 1);
    if (text) {
      memcpy(text, data, size);
      text[size] = '\0';
      (void)art__cat_checkpoint_sig_ok(&cp, text);
      free(text);
    }
  }
  char *found = art__cat_checkpoint_extract((const char *)data, size);
  if (found) {
    art__cat_checkpoint_parse(ctx, found, strlen(found), &cp);
    free(found);
  }
  art_ctx_free(ctx);
  return 0;
}
