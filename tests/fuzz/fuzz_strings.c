/* libFuzzer target: string extraction in every encoding, fed in pieces, and
 * the strings summary (indicators, JSON).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cb(const art_string *s, void *ud)
{
  size_t *n = ud;
  /* Touch every byte: the sanitizers check the bounds. */
  for (size_t i = 0; i < s->len; i++)
    *n += (unsigned char)s->text[i];
  *n += s->text[s->len] == '\0';
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  /* First byte: encodings and whitespace; second: minimum length. */
  art_strings_opts o = {.encodings = data[0] & 0x7f,
                        .min_len = (size_t)(data[1] % 12) + 1,
                        .include_whitespace = data[0] >> 7};
  art_strings *s = NULL;
  size_t sum = 0;
  if (art_strings_new(NULL, &o, cb, &sum, &s) != ART_OK)
    return 0;
  size_t off = 2, step = 1;
  while (off < size) {
    size_t n = step < size - off ? step : size - off;
    art_strings_update(NULL, s, data + off, n);
    off += n;
    step = step * 3 % 61 + 1;
  }
  art_strings_final(NULL, s);
  art_strings_free(s);

  art_strings_summary_opts so = {
      .max_iocs = 4, .max_ioc_len = 16, .min_len = o.min_len};
  art_strings_summary *sum2 = NULL;
  if (art_strings_summary_new(NULL, &so, &sum2) != ART_OK)
    return 0;
  art_strings_summary_update(NULL, sum2, data + 2, size - 2);
  art_strings_summary_final(NULL, sum2);
  char *js = NULL;
  if (art_strings_summary_json(NULL, sum2, &js) == ART_OK)
    art_free(js);
  art_strings_summary_free(sum2);
  return 0;
}
