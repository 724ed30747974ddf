/* libFuzzer target: indicator classification of arbitrary text (IDN names
 * included), and the indicator layer (NFKC, refanging) on it as a UTF-8,
 * CP932-decoded or ASCII string.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_ioc(const art_str_ioc *ioc, void *ud)
{
  const size_t *size = ud;
  if (ioc->offset < 7 || ioc->offset > 7 + *size || !*ioc->value)
    abort();
  return 0;
}

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
  /* The same text as a string of each kind of text. */
  static const art_str_enc encs[] = {ART_STR_ASCII, ART_STR_8BIT, ART_STR_UTF8,
                                     ART_STR_CP932};
  for (size_t e = 0; e < sizeof encs / sizeof *encs; e++) {
    art_str_iocs *x = NULL;
    if (art_str_iocs_new(NULL, on_ioc, &size, &x) != ART_OK)
      break;
    char *z = malloc(size + 1);
    if (z) {
      memcpy(z, data, size);
      z[size] = '\0';
      art_string s = {.offset = 7,
                      .encoding = encs[e],
                      .flags = ART_STR_BOL | ART_STR_EOL,
                      .text = z,
                      .len = size,
                      .chars = size,
                      .piece_offset = 7};
      art_str_iocs_string(x, &s);
      art_str_iocs_final(x);
      free(z);
    }
    art_str_iocs_free(x);
  }
  free(t);
  return 0;
}
