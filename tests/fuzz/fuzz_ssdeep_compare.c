/* libFuzzer target: ssdeep comparison of arbitrary strings, and hashing.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* Two NUL-terminated strings: split at the first newline. */
  const uint8_t *nl = memchr(data, '\n', size);
  size_t la = nl ? (size_t)(nl - data) : size;
  size_t lb = nl ? size - la - 1 : 0;
  char *a = malloc(la + 1), *b = malloc(lb + 1);
  if (!a || !b) {
    free(a);
    free(b);
    return 0;
  }
  memcpy(a, data, la);
  a[la] = '\0';
  memcpy(b, nl ? nl + 1 : data, lb);
  b[lb] = '\0';
  int score = -1;
  if (art_ssdeep_compare(NULL, a, b, &score) == ART_OK &&
      (score < 0 || score > 100))
    abort();
  int rev = -1;
  if (art_ssdeep_compare(NULL, b, a, &rev) == ART_OK && rev != score)
    abort(); /* the score is symmetric */
  if (art_ssdeep_compare(NULL, a, a, &score) == ART_OK && score != 100 &&
      strchr(a, ':') && score != 0)
    (void)score;
  /* Hash the input; a hash of anything compares with itself as 100. */
  char h[ART_SSDEEP_MAX_RESULT];
  if (art_ssdeep_buffer(NULL, data, size, h) != ART_OK)
    abort();
  if (art_ssdeep_compare(NULL, h, h, &score) != ART_OK || score != 100)
    abort();
  free(a);
  free(b);
  return 0;
}
