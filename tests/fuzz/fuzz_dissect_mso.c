/* libFuzzer target: the mso dissector (ActiveMime, Word 2003 XML) on
 * arbitrary bytes, every child's bytes read.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/dissect.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static art_status child(void *ud, const art_dissect_child *c)
{
  size_t *sum = ud;
  const uint8_t *p = c->data;
  for (size_t i = 0; i < c->len; i++)
    *sum += p[i];
  return ART_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  art_ctx *ctx = NULL;
  art_dissect_sink *sink = NULL;
  size_t sum = 0;
  const art_dissector *d = art_dissect_find("mso");
  if (!d || art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_dissect_sink_new(ctx, child, &sum, &sink) == ART_OK) {
    art_dissect_input in = {data, size, "fuzz", 0};
    d->recognise(data, size);
    art_dissect_run(ctx, d, &in, sink);
  }
  art_dissect_sink_free(sink);
  art_ctx_free(ctx);
  return 0;
}
