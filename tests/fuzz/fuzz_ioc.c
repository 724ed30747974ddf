/* libFuzzer target: indicator classification of arbitrary text.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* An exact-size copy, so reading past the end is caught. */
  char *t = malloc(size ? size : 1);
  if (!t)
    return 0;
  memcpy(t, data, size);
  art_ioc out[8];
  size_t n = art_ioc_find(t, size, out, 8);
  for (size_t i = 0; i < n && i < 8; i++) {
    if (out[i].start + out[i].len > size || out[i].len == 0)
      abort();
    if (i > 0 && out[i].start < out[i - 1].start + out[i - 1].len)
      abort(); /* kept indicators never overlap */
    (void)art_ioc_class_name(out[i].cls);
  }
  (void)art_ioc_is_tld(t, size);
  free(t);
  return 0;
}
