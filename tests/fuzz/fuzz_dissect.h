/* The body every dissector's libFuzzer target shares: the named dissector
 * on arbitrary bytes, every child's bytes read.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_FUZZ_DISSECT_H
#define ART_FUZZ_DISSECT_H

#include <artifact/artifact.h>
#include <artifact/dissect.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static art_status fuzz_dissect_child(void *ud, const art_dissect_child *c)
{
  size_t *sum = ud;
  const uint8_t *p = c->data;
  for (size_t i = 0; i < c->len; i++)
    *sum += p[i];
  return ART_OK;
}

/* Run dissector NAME (art_dissect_find) on DATA. Always 0 (libFuzzer). */
static int fuzz_dissect(const char *name, const uint8_t *data, size_t size)
{
  art_ctx *ctx = NULL;
  art_dissect_sink *sink = NULL;
  size_t sum = 0;
  const art_dissector *d = art_dissect_find(name);
  if (!d || art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_dissect_sink_new(ctx, fuzz_dissect_child, &sum, &sink) == ART_OK) {
    art_dissect_input in = {data, size, "fuzz", 0};
    d->recognise(data, size);
    art_dissect_run(ctx, d, &in, sink);
  }
  art_dissect_sink_free(sink);
  art_ctx_free(ctx);
  return 0;
}

#endif
