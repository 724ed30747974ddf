/* libFuzzer target: string extraction in every encoding (the Japanese ones
 * included), fed in pieces, with and without the boundaries for indicators,
 * the indicator layer, and the strings summary (indicators, JSON).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz {
  size_t sum;
  art_str_iocs *iocs;
} fz;

static int on_ioc(const art_str_ioc *ioc, void *ud)
{
  size_t *n = ud;
  char *js = NULL;
  *n += strlen(ioc->value) + (ioc->original ? strlen(ioc->original) : 0) +
        (ioc->ascii ? strlen(ioc->ascii) : 0) +
        (ioc->unicode ? strlen(ioc->unicode) : 0);
  if (art_str_ioc_json(NULL, "f", ioc, &js) == ART_OK)
    art_free(js);
  return 0;
}

static int cb(const art_string *s, void *ud)
{
  fz *f = ud;
  /* Touch every byte: the sanitizers check the bounds. */
  for (size_t i = 0; i < s->len; i++)
    f->sum += (unsigned char)s->text[i];
  f->sum += s->text[s->len] == '\0';
  /* Every text position maps inside the input. */
  f->sum += (size_t)art_string_offset(s, s->len);
  if (f->iocs)
    art_str_iocs_string(f->iocs, s);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 3)
    return 0;
  /* First two bytes: encodings, whitespace, indicators; third: minimum
   * length. */
  unsigned bits = (unsigned)data[0] | (unsigned)data[1] << 8;
  art_strings_opts o = {.encodings = bits & ART_STR_ALL,
                        .min_len = (size_t)(data[2] % 12) + 1,
                        .include_whitespace = (bits >> 14) & 1,
                        .indicators = (bits >> 15) & 1};
  art_strings *s = NULL;
  fz f = {0};
  if (o.indicators && art_str_iocs_new(NULL, on_ioc, &f.sum, &f.iocs) != ART_OK)
    return 0;
  if (art_strings_new(NULL, &o, cb, &f, &s) != ART_OK) {
    art_str_iocs_free(f.iocs);
    return 0;
  }
  size_t off = 3, step = 1;
  while (off < size) {
    size_t n = step < size - off ? step : size - off;
    art_strings_update(NULL, s, data + off, n);
    off += n;
    step = step * 3 % 61 + 1;
  }
  art_strings_final(NULL, s);
  art_str_iocs_final(f.iocs);
  art_str_iocs_free(f.iocs);
  art_strings_free(s);

  art_strings_summary_opts so = {.encodings = o.encodings,
                                 .max_iocs = 4,
                                 .max_ioc_len = 16,
                                 .min_len = o.min_len};
  art_strings_summary *sum2 = NULL;
  if (art_strings_summary_new(NULL, &so, &sum2) != ART_OK)
    return 0;
  art_strings_summary_update(NULL, sum2, data + 3, size - 3);
  art_strings_summary_final(NULL, sum2);
  char *js = NULL;
  if (art_strings_summary_json(NULL, sum2, &js) == ART_OK)
    art_free(js);
  art_strings_summary_free(sum2);
  return 0;
}
