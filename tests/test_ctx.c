/* Check suite for the context and error reporting.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <errno.h>
#include <string.h>

#include "ctx_private.h"

START_TEST(test_new_free)
{
  art_ctx *ctx = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_ptr_nonnull(ctx);
  ck_assert_str_eq(art_ctx_errmsg(ctx), "");
  ck_assert_int_eq(art_ctx_status(ctx), ART_OK);
  art_ctx_free(ctx);
  art_ctx_free(NULL);
  ck_assert_int_eq(art_ctx_new(NULL), ART_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_set_errno_maps_status)
{
  art_ctx *ctx = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art__set_errno(ctx, EACCES, "%s", "ev/disk.E01"),
                   ART_ERR_PERMISSION);
  ck_assert_str_eq(art_ctx_errmsg(ctx), "ev/disk.E01: Permission denied");
  ck_assert_int_eq(art_ctx_errno(ctx), EACCES);
  ck_assert_int_eq(art__set_errno(ctx, ENOENT, "%s", "x"), ART_ERR_NOT_FOUND);
  ck_assert_str_eq(art_ctx_errmsg(ctx), "x: No such file or directory");
  ck_assert_int_eq(art__set_errno(ctx, EIO, "%s", "y"), ART_ERR_IO);
  ck_assert_int_eq(art__set_errno(ctx, ENOMEM, "%s", "z"), ART_ERR_NOMEM);
  art_ctx_clear(ctx);
  ck_assert_str_eq(art_ctx_errmsg(ctx), "");
  ck_assert_int_eq(art_ctx_errno(ctx), 0);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_long_message_truncated)
{
  art_ctx *ctx = NULL;
  char big[5000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  art__set_error(ctx, ART_ERR_IO, 0, "%s", big);
  ck_assert_uint_lt(strlen(art_ctx_errmsg(ctx)), sizeof big);
  ck_assert_uint_gt(strlen(art_ctx_errmsg(ctx)), 100);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_strerror_total)
{
  for (int s = 0; s < ART_ERR_COUNT_; s++) {
    const char *t = art_strerror((art_status)s);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_ne(t, "unknown status");
  }
  ck_assert_str_eq(art_strerror((art_status)9999), "unknown status");
  ck_assert_str_eq(art_strerror(ART_ERR_PERMISSION), "permission denied");
}
END_TEST

START_TEST(test_version)
{
  ck_assert_ptr_nonnull(art_version());
  ck_assert_int_gt((int)strlen(art_version()), 4);
  const char *sig = art_signatures_dir();
  size_t n = strlen(sig);
  ck_assert_uint_gt(n, 25);
  ck_assert_str_eq(sig + n - 25, "share/artifact/signatures");
}
END_TEST

static Suite *ctx_suite(void)
{
  Suite *s = suite_create("ctx");
  TCase *tc = tcase_create("context");
  tcase_add_test(tc, test_new_free);
  tcase_add_test(tc, test_set_errno_maps_status);
  tcase_add_test(tc, test_long_message_truncated);
  suite_add_tcase(s, tc);
  tc = tcase_create("status");
  tcase_add_test(tc, test_strerror_total);
  tcase_add_test(tc, test_version);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(ctx_suite());
}
