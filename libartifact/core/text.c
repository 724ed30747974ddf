/* Internal text helpers: UTF-8 checks and byte encodings.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "text_private.h"

#include <stdlib.h>
#include <string.h>

size_t art__utf8_seq_len(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t len;
  unsigned cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  /* overlong forms, surrogates, beyond U+10FFFF */
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  return len;
}

int art__utf8_valid(const char *s)
{
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    size_t l = art__utf8_seq_len((const unsigned char *)s + i, n - i);
    if (!l)
      return 0;
    i += l;
  }
  return 1;
}

char *art__utf8_lossy(const char *s)
{
  size_t n = strlen(s);
  char *out = malloc(n * 3 + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n;) {
    size_t l = art__utf8_seq_len((const unsigned char *)s + i, n - i);
    if (l) {
      memcpy(out + o, s + i, l);
      o += l;
      i += l;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
      i++;
    }
  }
  out[o] = '\0';
  return out;
}

char *art__hex_encode(const unsigned char *p, size_t n)
{
  static const char digits[] = "0123456789abcdef";
  char *out = malloc(2 * n + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
  return out;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

unsigned char *art__hex_decode(const char *hex, size_t *n_out)
{
  size_t n = strlen(hex);
  unsigned char *out;
  if (n % 2)
    return NULL;
  out = malloc(n / 2 + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  out[n / 2] = 0;
  *n_out = n / 2;
  return out;
}
