/* Check suite for the timeline module: escaping, parsing, sorting, writers.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "timeline/timeline_private.h"

int art__tl_body_parse(char *line, size_t n, art__tl_entry *e);

/* ------------------------------------------------------------- escaping */

static char *esc(const char *s, size_t n, int mode)
{
  art__tl_buf b = {0};
  ck_assert_int_eq(art__tl_escape(&b, s, n, mode), 0);
  return b.p ? b.p : strdup("");
}

START_TEST(escape_tsk_caret)
{
  char *r = esc("a\x01|b\\\xff", 6, TL_ESC_TSK);
  ck_assert_str_eq(r, "a^|b\\\xff"); /* fls: only C0 bytes change */
  free(r);
}
END_TEST

START_TEST(escape_body)
{
  char *r = esc("a|b\\c\nd\xff\xc3\xa9", 10, TL_ESC_BODY);
  ck_assert_str_eq(r, "a\\|b\\\\c\\x0ad\\xff\xc3\xa9");
  free(r);
  r = esc("a|b", 3, TL_ESC_TEXT);
  ck_assert_str_eq(r, "a|b");
  free(r);
  r = esc("\xed\xa0\x80", 3, TL_ESC_TEXT); /* surrogate: invalid UTF-8 */
  ck_assert_str_eq(r, "\\xed\\xa0\\x80");
  free(r);
}
END_TEST

START_TEST(unescape_round_trip)
{
  const char raw[] = "x|y\\z\x01\xfe\xc3\xa9 end";
  char *e = esc(raw, sizeof raw - 1, TL_ESC_BODY);
  size_t n = art__tl_unescape(e, strlen(e));
  ck_assert_uint_eq(n, sizeof raw - 1);
  ck_assert(memcmp(e, raw, n) == 0);
  free(e);
}
END_TEST

START_TEST(display_name_suffixes)
{
  art__tl_entry e;
  memset(&e, 0, sizeof e);
  e.path = "dir/file";
  e.path_len = 8;
  e.ads = "zone";
  e.alloc = TL_REALLOC;
  art__tl_buf b = {0};
  ck_assert_int_eq(art__tl_display_name(&b, &e, TL_ESC_TSK), 0);
  ck_assert_str_eq(b.p, "/dir/file:zone (deleted-realloc)");
  b.len = 0;
  e.ads = NULL;
  e.fn = 1;
  e.alloc = TL_DELETED;
  e.link = "t|x";
  ck_assert_int_eq(art__tl_display_name(&b, &e, TL_ESC_BODY), 0);
  ck_assert_str_eq(b.p, "/dir/file ($FILE_NAME) -> t\\|x (deleted)");
  art__tl_buf_free(&b);
}
END_TEST

/* -------------------------------------------------------------- parsing */

START_TEST(parse_time_forms)
{
  int64_t s;
  ck_assert_int_eq(art_timeline_parse_time("2020-10-27", &s), ART_OK);
  ck_assert_int_eq(s, 1603756800);
  ck_assert_int_eq(art_timeline_parse_time("2020-10-27T04:01:00Z", &s), ART_OK);
  ck_assert_int_eq(s, 1603771260);
  ck_assert_int_eq(art_timeline_parse_time("2020-10-27T01:01:00-03:00", &s),
                   ART_OK);
  ck_assert_int_eq(s, 1603771260);
  ck_assert_int_eq(art_timeline_parse_time("1969-12-31T23:59:50", &s), ART_OK);
  ck_assert_int_eq(s, -10);
  ck_assert_int_eq(art_timeline_parse_time("@-5", &s), ART_OK);
  ck_assert_int_eq(s, -5);
  ck_assert_int_eq(art_timeline_parse_time("2020-13-01", &s),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_timeline_parse_time("yesterday", &s),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_timeline_parse_time("2020-01-01T00:00", &s),
                   ART_ERR_INVALID_ARG);
}
END_TEST

START_TEST(kinds_forms)
{
  unsigned m;
  ck_assert_int_eq(art_timeline_kinds_from_string("m,fn_b", &m), ART_OK);
  ck_assert_uint_eq(m, ART_TIMELINE_KIND_BIT(ART_TIMELINE_M) |
                           ART_TIMELINE_KIND_BIT(ART_TIMELINE_FN_B));
  ck_assert_int_eq(art_timeline_kinds_from_string("macb", &m), ART_OK);
  ck_assert_uint_eq(m, 0xFu);
  ck_assert_int_eq(art_timeline_kinds_from_string("x", &m),
                   ART_ERR_INVALID_ARG);
  art_timeline_format f;
  ck_assert_int_eq(art_timeline_format_from_name("l2tcsv", &f), ART_OK);
  ck_assert_int_eq(f, ART_TIMELINE_L2TCSV);
  ck_assert_int_eq(art_timeline_format_from_name("csv", &f),
                   ART_ERR_INVALID_ARG);
}
END_TEST

START_TEST(body_parse_lines)
{
  art__tl_entry e;
  char l1[] = "0|/a|b.txt|12|r/rrw-r--r--|0|0|1|5|6|7|0";
  ck_assert_int_eq(art__tl_body_parse(l1, strlen(l1), &e), 0);
  ck_assert_str_eq(e.path, "/a|b.txt"); /* fields taken from the right */
  ck_assert_str_eq(e.inode, "12");
  ck_assert_int_eq(e.t[TL_A].sec, 5);
  ck_assert_int_eq(e.t[TL_M].sec, 6);
  ck_assert_int_eq(e.t[TL_C].sec, 7);
  ck_assert(e.t[TL_B].set && e.t[TL_B].sec == 0);
  char l2[] = "0|/x\\|y (deleted)|65-128-2|r/r---|48|0|9|-10.5|1.000000001|0|0";
  ck_assert_int_eq(art__tl_body_parse(l2, strlen(l2), &e), 0);
  ck_assert_str_eq(e.path, "/x|y (deleted)");
  ck_assert_int_eq(e.alloc, TL_DELETED);
  ck_assert_uint_eq(e.meta_addr, 65);
  ck_assert_int_eq(e.t[TL_A].sec, -11);
  ck_assert_uint_eq(e.t[TL_A].nsec, 500000000u);
  ck_assert_uint_eq(e.t[TL_M].nsec, 1u);
  char h1[] = "class|host|start_time";
  ck_assert_int_eq(art__tl_body_parse(h1, strlen(h1), &e), 1);
  char h2[] = "# comment";
  ck_assert_int_eq(art__tl_body_parse(h2, strlen(h2), &e), 1);
  char b1[] = "0|/x|1|r|0|0|1|2|3|4";
  ck_assert_int_eq(art__tl_body_parse(b1, strlen(b1), &e), -1);
  char b2[] = "0|/x|1|r|0|0|1|2|3|4|zz";
  ck_assert_int_eq(art__tl_body_parse(b2, strlen(b2), &e), -1);
  /* issue 9 item 14: comments after blanks or a BOM; empty UID/GID */
  char h3[] = "   # indented comment";
  ck_assert_int_eq(art__tl_body_parse(h3, strlen(h3), &e), 1);
  char h4[] = "\xEF\xBB\xBF# comment after a BOM";
  ck_assert_int_eq(art__tl_body_parse(h4, strlen(h4), &e), 1);
  char d1[] = "0|/dfimagetools|5-1|r/rrw-r--r--|||10|1|2|3|4";
  ck_assert_int_eq(art__tl_body_parse(d1, strlen(d1), &e), 0);
  ck_assert_uint_eq(e.uid, 0);
  ck_assert_uint_eq(e.gid, 0);
  ck_assert_int_eq(e.empty_ids, 1);
  ck_assert_uint_eq(e.size, 10);
  char d2[] = "0|/x|5|r/rrw-r--r--|1000|1000|10|1|2|3|4";
  ck_assert_int_eq(art__tl_body_parse(d2, strlen(d2), &e), 0);
  ck_assert_int_eq(e.empty_ids, 0);
  char d3[] = "0|/x|5|r/rrw-r--r--|0|0||1|2|3|4"; /* size stays required */
  ck_assert_int_eq(art__tl_body_parse(d3, strlen(d3), &e), -1);
}
END_TEST

/* issue 9 item 13: control bytes in names, per output form */
START_TEST(control_bytes_per_form)
{
  art__tl_buf b = {0};
  art__tl_entry e;
  memset(&e, 0, sizeof e);
  e.path = "a\rb\nc\033d|e";
  e.path_len = strlen(e.path);
  e.verbatim = 1; /* as read from a body file */
  ck_assert_int_eq(art__tl_display_name(&b, &e, TL_ESC_TSK), 0);
  ck_assert_str_eq(b.p, "a^b^c^d|e");
  b.len = 0;
  ck_assert_int_eq(art__tl_display_name(&b, &e, TL_ESC_BODY), 0);
  ck_assert_str_eq(b.p, "a\\x0db\\x0ac\\x1bd\\|e");
  b.len = 0;
  ck_assert_int_eq(art__tl_display_name(&b, &e, TL_ESC_TEXT), 0);
  ck_assert_str_eq(b.p, "a\\x0db\\x0ac\\x1bd|e");
  art__tl_buf_free(&b);
}
END_TEST

/* issue 9 item 15: nanoseconds as an integer string */
START_TEST(ns_strings)
{
  char t[48];
  art__tl_ns(t, sizeof t, 1603771260, 26285600);
  ck_assert_str_eq(t, "1603771260026285600");
  art__tl_ns(t, sizeof t, 0, 5);
  ck_assert_str_eq(t, "5");
  art__tl_ns(t, sizeof t, -11, 500000000); /* -10.5 s */
  ck_assert_str_eq(t, "-10500000000");
  art__tl_ns(t, sizeof t, -1, 500000000); /* -0.5 s */
  ck_assert_str_eq(t, "-500000000");
  art__tl_ns(t, sizeof t, 253402300799, 999999999);
  ck_assert_str_eq(t, "253402300799999999999");
}
END_TEST

/* -------------------------------------------------------------- sorting */

static uint64_t sort_prev_key, sort_prev_seq, sort_count;
static int sort_bad;

static art_status check_emit(void *user,
                             const unsigned char *key,
                             size_t kl,
                             const unsigned char *pay,
                             size_t pl)
{
  (void)user;
  uint64_t k, seq;
  if (kl != 8 || pl != 8) {
    sort_bad = 1;
    return ART_OK;
  }
  memcpy(&k, key, 8);
  memcpy(&seq, pay, 8);
  k = __builtin_bswap64(k);
  if (sort_count &&
      (k < sort_prev_key || (k == sort_prev_key && seq < sort_prev_seq)))
    sort_bad = 1;
  sort_prev_key = k;
  sort_prev_seq = seq;
  sort_count++;
  return ART_OK;
}

static void run_sort(size_t budget, size_t n, uint64_t *runs)
{
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  art__tl_sorter *s;
  char *dir = tu_tmpdir();
  ck_assert_int_eq(art__tl_sorter_new(ctx, budget, dir, &s), ART_OK);
  uint64_t x = 88172645463325252ull;
  for (uint64_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint64_t k = __builtin_bswap64(x % 1000); /* many equal keys */
    ck_assert_int_eq(art__tl_sorter_add(ctx, s, &k, 8, &i, 8), ART_OK);
  }
  sort_prev_key = sort_prev_seq = sort_count = 0;
  sort_bad = 0;
  ck_assert_int_eq(art__tl_sorter_finish(ctx, s, check_emit, NULL), ART_OK);
  *runs = art__tl_sorter_runs(s);
  ck_assert_uint_le(art__tl_sorter_peak(s),
                    budget < (1u << 20) ? (1u << 20) : budget);
  art__tl_sorter_free(s);
  art_ctx_free(ctx);
  tu_rmtree(dir);
  free(dir);
  ck_assert_int_eq(sort_bad, 0);
  ck_assert_uint_eq(sort_count, n);
}

START_TEST(sort_in_memory)
{
  uint64_t runs;
  run_sort(64u << 20, 20000, &runs);
  ck_assert_uint_eq(runs, 0);
}
END_TEST

START_TEST(sort_spills_and_merges_stably)
{
  uint64_t runs;
  run_sort(1u << 20, 200000, &runs); /* ~6 MB of records in 1 MiB */
  ck_assert_uint_gt(runs, 2);
}
END_TEST

/* -------------------------------------------------------------- writers */

static char *run_body(const char *body, art_timeline_format f, int compat)
{
  char *dir = tu_tmpdir();
  char *in = tu_path(dir, "in.body");
  tu_write(in, body, strlen(body));
  char *buf = tu_timeline_body(in, f, compat);
  tu_rmtree(dir);
  free(dir);
  free(in);
  return buf;
}

START_TEST(mactime_merges_and_zero_rows)
{
  /* mactime -b on this body prints exactly these rows */
  char *r = run_body("0|/b|7|r/rrw-r--r--|0|0|3|100|100|0|200\n"
                     "0|/a|100-128-2|r/rrw-r--r--|1|2|5|100|0|0|0\n"
                     "0|/z|64-144-2|d/drwxr-xr-x|0|0|0|100|0|0|0\n"
                     "0|/none|9|r/rrw-r--r--|0|0|0|0|0|0|0\n",
                     ART_TIMELINE_MACTIME, 0);
  ck_assert_str_eq(
      r, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n"
         "0000-00-00T00:00:00Z,5,m.cb,r/rrw-r--r--,1,2,100-128-2,\"/a\"\n"
         "0000-00-00T00:00:00Z,0,m.cb,d/drwxr-xr-x,0,0,64-144-2,\"/z\"\n"
         "0000-00-00T00:00:00Z,3,..c.,r/rrw-r--r--,0,0,7,\"/b\"\n"
         "1970-01-01T00:01:40Z,5,.a..,r/rrw-r--r--,1,2,100-128-2,\"/a\"\n"
         "1970-01-01T00:01:40Z,0,.a..,d/drwxr-xr-x,0,0,64-144-2,\"/z\"\n"
         "1970-01-01T00:01:40Z,3,ma..,r/rrw-r--r--,0,0,7,\"/b\"\n"
         "1970-01-01T00:03:20Z,3,...b,r/rrw-r--r--,0,0,7,\"/b\"\n");
  free(r);
}
END_TEST

START_TEST(mactime_last_line_wins_by_name)
{
  char *r = run_body("0|/same|1|r/rrw-r--r--|0|0|10|5|5|5|5\n"
                     "0|/same|2|d/drwx------|7|8|20|6|6|6|6\n",
                     ART_TIMELINE_MACTIME, 0);
  ck_assert_str_eq(
      r, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n"
         "1970-01-01T00:00:05Z,20,macb,d/drwx------,7,8,1,\"/same\"\n"
         "1970-01-01T00:00:06Z,20,macb,d/drwx------,7,8,2,\"/same\"\n");
  free(r);
}
END_TEST

START_TEST(body_extended_vs_compat)
{
  const char *in = "0|/n\\|x|5|r/rrw-r--r--|0|0|1|-10|1.5|0|0\n";
  char *r = run_body(in, ART_TIMELINE_BODY, 0);
  ck_assert_str_eq(r, "0|/n\\|x|5|r/rrw-r--r--|0|0|1|-10|1.500000000|0|0\n");
  free(r);
  r = run_body(in, ART_TIMELINE_BODY, 1);
  ck_assert_str_eq(r, "0|/n|x|5|r/rrw-r--r--|0|0|1|4294967286|1|0|0\n");
  free(r);
}
END_TEST

START_TEST(jsonl_fields)
{
  char *r = run_body("0|/f|5|r/rrw-r--r--|0|0|1|0|1603771260.0262856|0|0\n",
                     ART_TIMELINE_JSONL, 0);
  ck_assert_ptr_nonnull(strstr(r, "\"message\":\"/f\""));
  ck_assert_ptr_nonnull(
      strstr(r, "\"datetime\":\"2020-10-27T04:01:00.026285+00:00\""));
  ck_assert_ptr_nonnull(strstr(r, "\"timestamp\":1603771260026285,"));
  ck_assert_ptr_nonnull(
      strstr(r, "\"timestamp_desc\":\"Content Modification Time\""));
  ck_assert_ptr_nonnull(strstr(r, "\"timestamp_ns\":\"1603771260026285600\""));
  /* one event: the zero times are "not set" */
  ck_assert_ptr_eq(strchr(r, '\n'), r + strlen(r) - 1);
  free(r);
}
END_TEST

START_TEST(jsonl_invalid_utf8_fields)
{
  char *r =
      run_body("0|/a\xff|1\xfe|r/r\xfd|0|0|1|0|7|0|0\n", ART_TIMELINE_JSONL, 0);
  ck_assert_ptr_nonnull(strstr(r, "\"message\":\"/a\\\\xff\""));
  ck_assert_ptr_nonnull(strstr(r, "\"inode\":\"1\\\\xfe\""));
  ck_assert_ptr_nonnull(strstr(r, "\"mode\":\"r/r\\\\xfd\""));
  free(r);
}
END_TEST

START_TEST(l2tcsv_row)
{
  char *r = run_body("0|/a,b|5|r/rrw-r--r--|0|0|1|0|1340821021|0|0\n",
                     ART_TIMELINE_L2TCSV, 0);
  const char *row = strchr(r, '\n') + 1;
  const char *want = "06/27/2012,18:17:01,UTC,M...,FILE,File stat,"
                     "Content Modification Time,-,-,/a b,";
  ck_assert(strncmp(row, want, strlen(want)) == 0);
  int commas = 0;
  for (const char *p = row; *p && *p != '\n'; p++)
    commas += *p == ',';
  ck_assert_int_eq(commas, 16);
  free(r);
}
END_TEST

/* -------------------------------------------------------------- sources */

START_TEST(image_not_an_image)
{
  char *dir = tu_tmpdir();
  char *p = tu_path(dir, "junk.img");
  tu_write_random(p, 65536, 3);
  art_ctx *ctx;
  art_timeline *tl;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_timeline_new(ctx, &tl), ART_OK);
  FILE *out = fopen("/dev/null", "w");
  art_timeline_set_output(tl, out);
  art_status st = art_timeline_add_image(ctx, tl, p);
  ck_assert_int_ne(st, ART_OK);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "junk.img"));
  ck_assert_uint_eq(art_timeline_get_stats(tl)->problems, 1);
  fclose(out);
  art_timeline_free(tl);
  art_ctx_free(ctx);
  tu_rmtree(dir);
  free(dir);
  free(p);
}
END_TEST

START_TEST(tree_lists_without_root)
{
  char *dir = tu_tmpdir();
  char *sub = tu_path(dir, "d");
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  char *f = tu_path(sub, "f");
  tu_write(f, "abc", 3);
  art_ctx *ctx;
  art_timeline *tl;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_timeline_new(ctx, &tl), ART_OK);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  art_timeline_set_output(tl, out);
  ck_assert_int_eq(art_timeline_add_tree(ctx, tl, dir), ART_OK);
  ck_assert_int_eq(art_timeline_finish(ctx, tl), ART_OK);
  fclose(out);
  ck_assert_ptr_nonnull(strstr(buf, "0|/d|"));
  ck_assert_ptr_nonnull(strstr(buf, "0|/d/f|"));
  ck_assert_ptr_nonnull(strstr(buf, "|r/rrw-"));
  ck_assert_uint_eq(art_timeline_get_stats(tl)->entries, 2);
  free(buf);
  art_timeline_free(tl);
  art_ctx_free(ctx);
  tu_rmtree(dir);
  free(dir);
  free(sub);
  free(f);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("timeline");
  TCase *tc = tcase_create("escape");
  tcase_add_test(tc, escape_tsk_caret);
  tcase_add_test(tc, escape_body);
  tcase_add_test(tc, unescape_round_trip);
  tcase_add_test(tc, display_name_suffixes);
  suite_add_tcase(s, tc);
  tc = tcase_create("parse");
  tcase_add_test(tc, parse_time_forms);
  tcase_add_test(tc, kinds_forms);
  tcase_add_test(tc, body_parse_lines);
  tcase_add_test(tc, control_bytes_per_form);
  tcase_add_test(tc, ns_strings);
  suite_add_tcase(s, tc);
  tc = tcase_create("sort");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, sort_in_memory);
  tcase_add_test(tc, sort_spills_and_merges_stably);
  suite_add_tcase(s, tc);
  tc = tcase_create("writers");
  tcase_add_test(tc, mactime_merges_and_zero_rows);
  tcase_add_test(tc, mactime_last_line_wins_by_name);
  tcase_add_test(tc, body_extended_vs_compat);
  tcase_add_test(tc, jsonl_fields);
  tcase_add_test(tc, jsonl_invalid_utf8_fields);
  tcase_add_test(tc, l2tcsv_row);
  suite_add_tcase(s, tc);
  tc = tcase_create("sources");
  tcase_add_test(tc, image_not_an_image);
  tcase_add_test(tc, tree_lists_without_root);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
