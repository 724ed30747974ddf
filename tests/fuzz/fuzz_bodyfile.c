/* libFuzzer target: body-file parsing and every timeline writer.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The first byte picks the format and options; the rest is a body file.
 */
#include <artifact/artifact.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline/timeline_private.h"

art_status art__tl_body_read(
    art_ctx *ctx, art_timeline *tl, FILE *f, const char *label, uint64_t *bad);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  unsigned sel = data[0];
  FILE *in = fmemopen((void *)(data + 1), size - 1, "rb");
  if (size == 1)
    in = fmemopen((void *)"", 1, "rb");
  if (!in)
    return 0;
  art_ctx *ctx = NULL;
  art_timeline *tl = NULL;
  if (art_ctx_new(&ctx) != ART_OK || art_timeline_new(ctx, &tl) != ART_OK) {
    fclose(in);
    art_ctx_free(ctx);
    return 0;
  }
  FILE *out = fopen("/dev/null", "w");
  art_timeline_set_output(tl, out);
  art_timeline_set_format(tl, (art_timeline_format)(sel % 5));
  art_timeline_set_tsk_compat(tl, (sel >> 3) & 1);
  if ((sel >> 4) & 1)
    art_timeline_set_range(tl, 1, -100, 1, 2000000000);
  if ((sel >> 5) & 1)
    art_timeline_set_deleted_only(tl, 1);
  art_timeline_set_memory(tl, 1u << 20);
  uint64_t bad = 0;
  (void)art__tl_body_read(ctx, tl, in, "fuzz", &bad);
  (void)art_timeline_finish(ctx, tl);
  art_timeline_free(tl);
  art_ctx_free(ctx);
  fclose(in);
  fclose(out);
  return 0;
}
