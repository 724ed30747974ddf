/* libFuzzer target: the known-list parser (hashdeep, sum, jsonl) on any bytes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/knownset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[] = "/tmp/fuzz-knownset-XXXXXX";
  int fd = mkstemp(path);
  art_ctx *ctx = NULL;
  art_knownset *ks = NULL;
  if (fd < 0)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  art_ctx_new(&ctx);
  if (art_knownset_load(ctx, path, &ks) == ART_OK) {
    art_hash *h = NULL;
    if (art_hash_new(ctx, art_knownset_mask(ks), &h) == ART_OK) {
      art_hash_update(ctx, h, data, size);
      art_hash_final(ctx, h);
      art_knownset_audit(ks, "x", size, h, NULL);
      art_knownset_contains(ks, h);
      art_hash_free(h);
    }
    art_knownset_free(ks);
  }
  art_ctx_free(ctx);
  unlink(path);
  return 0;
}
