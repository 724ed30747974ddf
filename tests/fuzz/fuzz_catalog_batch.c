/* libFuzzer target: batch operations (JSON lines) applied to a catalogue,
 * then verified; the batch is rolled back on error and must leave a chain
 * that verifies.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static art_ctx *ctx;
static art_catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* Evidence paths would make the fuzzer read the machine's files. */
  if (memmem(data, size, "path", 4))
    return 0;
  if (!cat) {
    char tmpl[] = "/tmp/fuzz-catalog-XXXXXX";
    char *dir = mkdtemp(tmpl);
    char path[256];
    if (!dir || art_ctx_new(&ctx) != ART_OK)
      abort();
    snprintf(path, sizeof path, "%s/fuzz.db", dir);
    if (art_catalog_open(ctx, path, ART_CATALOG_CREATE, &cat) != ART_OK ||
        art_catalog_case_add(ctx, cat, "fuzzer", "C", NULL) != ART_OK ||
        art_catalog_item_add(ctx, cat, "fuzzer", "C", "I", NULL, NULL, NULL) !=
            ART_OK)
      abort();
    /* Speed: the fuzzer does not need durable commits. */
    cat->ops->exec(ctx, cat, "PRAGMA synchronous = OFF");
  }
  uint64_t n;
  art_catalog_batch(ctx, cat, "fuzzer", (const char *)data, size, &n);
  art_catalog_verify_result r;
  if (art_catalog_verify(ctx, cat, NULL, &r, NULL) != ART_OK ||
      r.verdict != ART_CATALOG_PASS)
    abort();
  return 0;
}
