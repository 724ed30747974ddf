/* Check suite for entropy: known values, blocks, streaming.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_known_values)
{
  unsigned char b[512];
  memset(b, 0, sizeof b);
  ck_assert_double_eq(art_entropy_buffer(b, sizeof b), 0.0);
  ck_assert_double_eq(art_entropy_buffer(b, 0), 0.0);
  for (unsigned i = 0; i < 512; i++)
    b[i] = (unsigned char)(i % 2);
  ck_assert_double_eq_tol(art_entropy_buffer(b, 512), 1.0, 1e-12);
  for (unsigned i = 0; i < 512; i++)
    b[i] = (unsigned char)i;
  ck_assert_double_eq_tol(art_entropy_buffer(b, 512), 8.0, 1e-12);
  for (unsigned i = 0; i < 512; i++)
    b[i] = (unsigned char)(i % 4);
  ck_assert_double_eq_tol(art_entropy_buffer(b, 512), 2.0, 1e-12);
  /* p = 1/4, 3/4 */
  for (unsigned i = 0; i < 512; i++)
    b[i] = (unsigned char)(i % 4 == 0);
  ck_assert_double_eq_tol(art_entropy_buffer(b, 512),
                          -(0.25 * log2(0.25) + 0.75 * log2(0.75)), 1e-12);
}
END_TEST

START_TEST(test_blocks)
{
  /* Blocks of 1024: zeros, a ramp (8 bits... over 1024 bytes: 8.0), two
   * values, then a short tail that is not a block. */
  size_t bs = 1024, len = 3 * bs + 100;
  unsigned char *b = calloc(1, len);
  for (size_t i = 0; i < bs; i++)
    b[bs + i] = (unsigned char)i;
  for (size_t i = 0; i < bs; i++)
    b[2 * bs + i] = (unsigned char)(i % 2 ? 0x41 : 0x42);
  memset(b + 3 * bs, 0x7f, 100);
  art_entropy *e;
  ck_assert_int_eq(art_entropy_new(NULL, bs, &e), ART_OK);
  for (size_t off = 0; off < len; off += 77)
    ck_assert_int_eq(
        art_entropy_update(NULL, e, b + off, off + 77 > len ? len - off : 77),
        ART_OK);
  ck_assert_int_eq(art_entropy_final(NULL, e), ART_OK);
  ck_assert_uint_eq(art_entropy_block_count(e), 3);
  ck_assert_uint_eq(art_entropy_bytes(e), len);
  ck_assert_uint_eq(art_entropy_block_size(e), bs);
  uint64_t maxo = 99, mino = 99;
  double mx = 0, mn = 9;
  ck_assert_int_eq(art_entropy_extremes(e, &maxo, &mx, &mino, &mn), ART_OK);
  ck_assert_uint_eq(maxo, bs);
  ck_assert_double_eq_tol(mx, 8.0, 1e-12);
  ck_assert_uint_eq(mino, 0);
  ck_assert_double_eq(mn, 0.0);
  ck_assert_double_eq_tol(art_entropy_value(e), art_entropy_buffer(b, len),
                          1e-12);
  /* Reset: an input smaller than a block is one block. */
  art_entropy_reset(e);
  ck_assert_int_eq(art_entropy_extremes(e, NULL, NULL, NULL, NULL),
                   ART_ERR_NOT_FOUND);
  art_entropy_update(NULL, e, b + bs, 16);
  art_entropy_final(NULL, e);
  ck_assert_uint_eq(art_entropy_block_count(e), 1);
  ck_assert_int_eq(art_entropy_extremes(e, &maxo, &mx, &mino, &mn), ART_OK);
  ck_assert_double_eq_tol(mx, 4.0, 1e-12);
  ck_assert_double_eq_tol(mn, 4.0, 1e-12);
  /* Empty input: no block. */
  art_entropy_reset(e);
  art_entropy_final(NULL, e);
  ck_assert_uint_eq(art_entropy_block_count(e), 0);
  ck_assert_double_eq(art_entropy_value(e), 0.0);
  art_entropy_free(e);
  free(b);
}
END_TEST

START_TEST(test_reference_python)
{
  /* The whole-file value agrees with an independent computation. */
  int st;
  char *py = tu_run("command -v python3 >/dev/null && python3 -c \""
                    "import math,collections;d=open('/usr/bin/ls','rb')."
                    "read();c=collections.Counter(d);n=len(d);"
                    "print('%.12f'%-sum(v/n*math.log2(v/n) for v in "
                    "c.values()))\"",
                    &st);
  if (st != 0 || !*py) {
    free(py);
    return;
  }
  double want = strtod(py, NULL);
  free(py);
  FILE *f = fopen("/usr/bin/ls", "rb");
  ck_assert_ptr_nonnull(f);
  art_entropy *e;
  ck_assert_int_eq(art_entropy_new(NULL, 0, &e), ART_OK);
  unsigned char buf[10000];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    art_entropy_update(NULL, e, buf, n);
  fclose(f);
  art_entropy_final(NULL, e);
  ck_assert_double_eq_tol(art_entropy_value(e), want, 1e-9);
  ck_assert_uint_eq(art_entropy_block_size(e), ART_ENTROPY_BLOCK_DEFAULT);
  art_entropy_free(e);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("entropy");
  TCase *tc = tcase_create("entropy");
  tcase_add_test(tc, test_known_values);
  tcase_add_test(tc, test_blocks);
  tcase_add_test(tc, test_reference_python);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
