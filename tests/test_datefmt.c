/* Check suite for core/datefmt: dates for people in a zone and a style.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/datefmt_private.h"
#include "testutil.h"

/* 2026-12-03T06:04:05Z */
#define T0 1796277845

static const char *fmt(int64_t sec,
                       uint32_t nsec,
                       int digits,
                       const char *zone,
                       art__date_style style)
{
  static char buf[256];
  ck_assert_int_eq(
      art__date_human(buf, sizeof buf, sec, nsec, digits, zone, style), 0);
  return buf;
}

START_TEST(japanese_form)
{
  ck_assert_str_eq(fmt(T0, 0, 0, "Asia/Tokyo", ART__DATE_JA),
                   "2026年12月3日 15:04:05 JST (UTC+9) / UTC "
                   "2026年12月3日 06:04:05");
  ck_assert_str_eq(fmt(T0, 0, 0, "UTC", ART__DATE_JA),
                   "2026年12月3日 06:04:05 UTC");
  /* half-hour and negative offsets, daylight saving time */
  ck_assert_str_eq(fmt(T0, 0, 0, "Asia/Kolkata", ART__DATE_JA),
                   "2026年12月3日 11:34:05 IST (UTC+5:30) / UTC "
                   "2026年12月3日 06:04:05");
  ck_assert_str_eq(fmt(T0, 0, 0, "America/St_Johns", ART__DATE_JA),
                   "2026年12月3日 02:34:05 NST (UTC-3:30) / UTC "
                   "2026年12月3日 06:04:05");
  ck_assert_str_eq(fmt(T0 - 160 * 86400, 0, 0, "Europe/Berlin", ART__DATE_JA),
                   "2026年6月26日 08:04:05 CEST (UTC+2) / UTC "
                   "2026年6月26日 06:04:05");
  /* a fraction when asked for */
  ck_assert_str_eq(fmt(T0, 5000000, 9, "Asia/Tokyo", ART__DATE_JA),
                   "2026年12月3日 15:04:05.005000000 JST (UTC+9) / UTC "
                   "2026年12月3日 06:04:05.005000000");
}
END_TEST

START_TEST(iso_form)
{
  ck_assert_str_eq(fmt(T0, 0, 0, "UTC", ART__DATE_ISO), "2026-12-03T06:04:05Z");
  ck_assert_str_eq(fmt(T0, 0, 0, "Asia/Tokyo", ART__DATE_ISO),
                   "2026-12-03T15:04:05+09:00 JST (2026-12-03T06:04:05Z)");
  ck_assert_str_eq(fmt(T0, 123456789, 9, "America/St_Johns", ART__DATE_ISO),
                   "2026-12-03T02:34:05.123456789-03:30 NST "
                   "(2026-12-03T06:04:05.123456789Z)");
  /* before 1970 */
  ck_assert_str_eq(fmt(-86400, 0, 0, "Asia/Tokyo", ART__DATE_ISO),
                   "1969-12-31T09:00:00+09:00 JST (1969-12-31T00:00:00Z)");
  /* a zone whose abbreviation is only its offset: not repeated */
  ck_assert_str_eq(fmt(T0, 0, 0, "America/Sao_Paulo", ART__DATE_ISO),
                   "2026-12-03T03:04:05-03:00 (2026-12-03T06:04:05Z)");
}
END_TEST

START_TEST(zone_restored)
{
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  fmt(T0, 0, 0, "Asia/Tokyo", ART__DATE_JA);
  ck_assert_str_eq(getenv("TZ"), "Europe/Paris");
  /* NULL: the process's zone as it is */
  ck_assert_str_eq(fmt(T0, 0, 0, NULL, ART__DATE_ISO),
                   "2026-12-03T07:04:05+01:00 CET (2026-12-03T06:04:05Z)");
  unsetenv("TZ");
  tzset();
  fmt(T0, 0, 0, "Asia/Tokyo", ART__DATE_ISO);
  ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

START_TEST(zones_checked)
{
  char buf[64];
  ck_assert(art__date_zone_ok("Asia/Tokyo"));
  ck_assert(art__date_zone_ok(":Asia/Tokyo"));
  ck_assert(art__date_zone_ok("UTC"));
  ck_assert(!art__date_zone_ok("Mars/Olympus_Mons"));
  ck_assert(!art__date_zone_ok("../../etc/passwd"));
  ck_assert(!art__date_zone_ok("/etc/localtime"));
  ck_assert(!art__date_zone_ok("JST-9")); /* POSIX rules: not a name */
  ck_assert(!art__date_zone_ok(""));
  ck_assert(!art__date_zone_ok(NULL));
  ck_assert_int_eq(
      art__date_human(buf, sizeof buf, T0, 0, 0, "Nowhere/X", ART__DATE_ISO),
      -1);
  /* too small a buffer is an error, never a cut date */
  ck_assert_int_eq(
      art__date_human(buf, 10, T0, 0, 0, "Asia/Tokyo", ART__DATE_JA), -1);
}
END_TEST

START_TEST(style_from_locale)
{
  if (!setlocale(LC_TIME, "ja_JP.UTF-8"))
    return; /* locales-all missing: said by the CLI tests */
  ck_assert_int_eq(art__date_style_locale(), ART__DATE_JA);
  setlocale(LC_TIME, "C");
  ck_assert_int_eq(art__date_style_locale(), ART__DATE_ISO);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("datefmt");
  TCase *tc = tcase_create("format");
  tcase_add_test(tc, japanese_form);
  tcase_add_test(tc, iso_form);
  tcase_add_test(tc, zone_restored);
  tcase_add_test(tc, zones_checked);
  tcase_add_test(tc, style_from_locale);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
