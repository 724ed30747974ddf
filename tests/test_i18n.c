/* Check suite for libartifact's translations: Japanese for people, C text for
 * records. SPDX-License-Identifier: Apache-2.0
 *
 * The catalogue is the build's locale/ja/LC_MESSAGES/libartifact.mo
 * (ART_LOCALEDIR, set by ctest; set here from ART_BINARY_DIR otherwise).
 * Each test selects its locale itself: Check forks one process per test.
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"

/* Select LOCALE for messages (LC_ALL, as a user's LANG would); 0 when the
 * system lacks it (locales-all not installed). */
static int use_locale(const char *locale)
{
  if (!getenv("ART_LOCALEDIR"))
    setenv("ART_LOCALEDIR", ART_BINARY_DIR "/locale", 1);
  setenv("LC_ALL", locale, 1);
  unsetenv("LANGUAGE");
  if (!setlocale(LC_ALL, "")) {
    fprintf(stderr,
            "test_i18n: locale %s not installed (locales-all); "
            "Japanese cases skipped\n",
            locale);
    return 0;
  }
  return 1;
}

START_TEST(test_c_locale_english)
{
  art_ctx *ctx;
  ck_assert(use_locale("C"));
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not a regular file", "ev/a");
  ck_assert_str_eq(art_ctx_errmsg(ctx), "ev/a: not a regular file");
  ck_assert_str_eq(art_ctx_errmsg_localized(ctx), "ev/a: not a regular file");
  art__set_errno(ctx, ENOENT, "%s: cannot read", "ev/b");
  ck_assert_str_eq(art_ctx_errmsg_localized(ctx),
                   "ev/b: cannot read: No such file or directory");
  ck_assert_str_eq(art_strerror_localized(ART_ERR_NOT_FOUND), "not found");
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_japanese_error)
{
  art_ctx *ctx;
  if (!use_locale("ja_JP.UTF-8"))
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  /* An error with its format translated; the record's text stays C. */
  art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not a regular file", "ev/a");
  ck_assert_str_eq(art_ctx_errmsg(ctx), "ev/a: not a regular file");
  ck_assert_str_eq(art_ctx_errmsg_localized(ctx),
                   "ev/a: 通常ファイルではありません");
  /* With an errno: the reason in the locale's words (glibc's libc.mo). */
  art__set_errno(ctx, ENOENT, "%s: cannot read", "ev/b");
  ck_assert_str_eq(art_ctx_errmsg(ctx),
                   "ev/b: cannot read: No such file or directory");
  const char *l = art_ctx_errmsg_localized(ctx);
  ck_assert_msg(strncmp(l, "ev/b: 読み取れません: ",
                        strlen("ev/b: 読み取れません: ")) == 0,
                "%s", l);
  ck_assert_msg(!strstr(l, "No such file"), "%s", l);
  ck_assert_str_eq(art_strerror(ART_ERR_NOT_FOUND), "not found");
  ck_assert_str_eq(art_strerror_localized(ART_ERR_NOT_FOUND), "見つかりません");
  art_ctx_free(ctx);
}
END_TEST

/* A message that embeds another context's (C) message gets its
 * translation back in the translated text; the C text stays C. */
START_TEST(test_japanese_nested)
{
  art_ctx *in, *out;
  if (!use_locale("ja_JP.UTF-8"))
    return;
  ck_assert_int_eq(art_ctx_new(&in), ART_OK);
  ck_assert_int_eq(art_ctx_new(&out), ART_OK);
  art__set_error(in, ART_ERR_CORRUPT, 0, "%s: DestList too short", "jl");
  art__set_error(out, ART_ERR_CORRUPT, 0, "%s: %s", "disk.E01",
                 art_ctx_errmsg(in));
  ck_assert_str_eq(art_ctx_errmsg(out), "disk.E01: jl: DestList too short");
  ck_assert_str_eq(art_ctx_errmsg_localized(out),
                   "disk.E01: jl: DestList が短すぎます");
  art_ctx_free(in);
  art_ctx_free(out);
}
END_TEST

/* A format given the C strerror of its errno as an argument (the
 * "%s: write failed: %s" pattern): the translation gets the locale's. */
START_TEST(test_japanese_errno_argument)
{
  art_ctx *ctx;
  if (!use_locale("ja_JP.UTF-8"))
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  art__set_error(ctx, ART_ERR_IO, ENOSPC, "%s: write failed: %s", "out.csv",
                 art__strerror_c(ENOSPC));
  ck_assert_str_eq(art_ctx_errmsg(ctx),
                   "out.csv: write failed: No space left on device");
  const char *l = art_ctx_errmsg_localized(ctx);
  ck_assert_msg(strncmp(l, "out.csv: 書き込みに失敗しました: ",
                        strlen("out.csv: 書き込みに失敗しました: ")) == 0 &&
                    !strstr(l, "No space"),
                "%s", l);
  art_ctx_free(ctx);
}
END_TEST

/* A real library call: opening a missing file. */
START_TEST(test_japanese_source_open)
{
  art_ctx *ctx;
  art_source *src = NULL;
  if (!use_locale("ja_JP.UTF-8"))
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_ne(
      art_source_open(ctx, "/nonexistent/証拠.E01", ART_SOURCE_FILE, &src),
      ART_OK);
  ck_assert_msg(strstr(art_ctx_errmsg(ctx), "No such file or directory"), "%s",
                art_ctx_errmsg(ctx));
  ck_assert_msg(strstr(art_ctx_errmsg(ctx), "/nonexistent/証拠.E01"), "%s",
                art_ctx_errmsg(ctx));
  const char *l = art_ctx_errmsg_localized(ctx);
  ck_assert_msg(strstr(l, "/nonexistent/証拠.E01") && !strstr(l, "No such"),
                "%s", l);
  art_ctx_free(ctx);
}
END_TEST

/* The batch walker: errmsg (records) in C, errmsg_l translated. */
typedef struct seen {
  char msg[512], msg_l[512];
} seen;

static void *b_work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  (void)ud;
  (void)ws;
  (void)ctx;
  (void)it;
  return NULL;
}

static int b_emit(void *ud, const art_batch_item *it, void *res)
{
  seen *s = ud;
  (void)res;
  if (it->status != ART_OK) {
    snprintf(s->msg, sizeof s->msg, "%s", it->errmsg);
    snprintf(s->msg_l, sizeof s->msg_l, "%s", it->errmsg_l);
  }
  return 0;
}

START_TEST(test_japanese_batch_item)
{
  art_ctx *ctx;
  art_batch *b;
  seen s = {{0}, {0}};
  if (!use_locale("ja_JP.UTF-8"))
    return;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  art_batch_ops ops = {0};
  ops.work = b_work;
  ops.emit = b_emit;
  art_batch_opts opts = {0};
  ck_assert_int_eq(art_batch_new(ctx, &opts, &b), ART_OK);
  ck_assert_int_eq(art_batch_add_path(b, "/nonexistent/x"), ART_OK);
  art_batch_run(ctx, b, &ops, &s);
  art_batch_free(b);
  ck_assert_str_eq(s.msg, "/nonexistent/x: No such file or directory");
  ck_assert_msg(strncmp(s.msg_l, "/nonexistent/x: ", 16) == 0 &&
                    !strstr(s.msg_l, "No such"),
                "%s", s.msg_l);
  art_ctx_free(ctx);
}
END_TEST

static const char body[] =
    "0|/ev/報告書.docx|12-128-1|r/rrwxrwxrwx|0|0|100|1700000000|"
    "1700000001|1700000002|1700000003\n";

static char *timeline_html(const char *in)
{
  return tu_timeline_body(in, ART_TIMELINE_HTML, 0);
}

/* A copy of the events script [B, E) with each row's shown date (the
 * string after the row's leading epoch number) emptied. */
static char *without_shown_dates(const char *b, const char *e)
{
  ck_assert_ptr_nonnull(e);
  char *out = calloc(1, (size_t)(e - b) + 1), *o = out;
  ck_assert_ptr_nonnull(out);
  while (b < e) {
    *o++ = *b;
    if (*b++ != '[' || b >= e || !(*b == '-' || (*b >= '0' && *b <= '9')))
      continue;
    while (b < e && *b != ',' && *b != ']')
      *o++ = *b++;
    if (e - b > 2 && b[0] == ',' && b[1] == '"') {
      memcpy(o, ",\"\"", 3);
      o += 3;
      b += 2;
      while (b < e && *b != '"')
        b++;
      b++;
    }
  }
  return out;
}

START_TEST(test_timeline_html_labels)
{
  char *c, *ja;
  char *dir = tu_tmpdir();
  char *in = tu_path(dir, "in.body");
  tu_write(in, body, strlen(body));
  ck_assert(use_locale("C"));
  c = timeline_html(in);
  ck_assert_ptr_nonnull(strstr(c, "<html lang=\"en\">"));
  ck_assert_ptr_nonnull(strstr(c, "<h1>Timeline</h1>"));
  ck_assert_ptr_nonnull(strstr(c, "\"summary\":\"{0} events, {1} matching\""));
  if (!use_locale("ja_JP.UTF-8")) {
    free(c);
    return;
  }
  ja = timeline_html(in);
  tu_rmtree(dir);
  free(dir);
  free(in);
  ck_assert_ptr_nonnull(strstr(ja, "<html lang=\"ja\">"));
  ck_assert_ptr_nonnull(strstr(ja, "<h1>タイムライン</h1>"));
  ck_assert_ptr_nonnull(strstr(ja, ">パス</th>"));
  ck_assert_ptr_nonnull(strstr(ja, "\"deleted\":\"削除済み\""));
  /* The events themselves (the data) are the same bytes, but for the
   * date shown to a person, which the locale writes its own way. */
  const char *ec = strstr(c, "<script id=\"events\"");
  const char *ej = strstr(ja, "<script id=\"events\"");
  ck_assert_ptr_nonnull(ec);
  ck_assert_ptr_nonnull(ej);
  char *dc = without_shown_dates(ec, strstr(ec, "</script>"));
  char *dj = without_shown_dates(ej, strstr(ej, "</script>"));
  ck_assert_str_eq(dc, dj);
  ck_assert_ptr_nonnull(strstr(ja, "年"));
  free(dc);
  free(dj);
  ck_assert_ptr_nonnull(strstr(ja, "報告書.docx"));
  free(c);
  free(ja);
}
END_TEST

/* Machine formats do not follow the locale: the body/mactime/l2tcsv/jsonl
 * writers give the same bytes in C and in Japanese. */
START_TEST(test_timeline_machine_formats_identical)
{
  static const char *const fmts[] = {"body", "mactime", "l2tcsv", "jsonl"};
  char *dir = tu_tmpdir();
  char *in = tu_path(dir, "in.body");
  tu_write(in, body, strlen(body));
  setenv("TZ", "Asia/Tokyo", 1);
  if (!use_locale("C"))
    return;
  for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
    char *out[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
      if (!use_locale(pass ? "ja_JP.UTF-8" : "C"))
        return;
      art_ctx *ctx;
      art_timeline *tl;
      art_timeline_format tf;
      ck_assert_int_eq(art_timeline_format_from_name(fmts[f], &tf), ART_OK);
      ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
      ck_assert_int_eq(art_timeline_new(ctx, &tl), ART_OK);
      FILE *o = open_memstream(&out[pass], &len[pass]);
      art_timeline_set_output(tl, o);
      art_timeline_set_format(tl, tf);
      ck_assert_int_eq(art_timeline_add_bodyfile(ctx, tl, in), ART_OK);
      ck_assert_int_eq(art_timeline_finish(ctx, tl), ART_OK);
      fclose(o);
      art_timeline_free(tl);
      art_ctx_free(ctx);
    }
    if (getenv("I18N_DEBUG"))
      fprintf(stderr, "[%s]\n[%s]\n", out[0], out[1]);
    ck_assert_msg(len[0] > 0 && len[0] == len[1] &&
                      memcmp(out[0], out[1], len[0]) == 0,
                  "%s differs between C and ja_JP.UTF-8", fmts[f]);
    free(out[0]);
    free(out[1]);
  }
  tu_rmtree(dir);
  free(dir);
  free(in);
}
END_TEST

static int collect(void *ud, const void *data, size_t len)
{
  FILE *f = ud;
  return fwrite(data, 1, len, f) == len ? 0 : -1;
}

static char *register_html(void)
{
  char *dir = tu_tmpdir();
  char *db = tu_path(dir, "cat.db");
  art_ctx *ctx;
  art_catalog *cat;
  art_catalog_fields *f;
  char sha[65];
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_msg(art_catalog_open(ctx, db, ART_CATALOG_CREATE, &cat) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  ck_assert_int_eq(
      art_catalog_case_add(ctx, cat, "鈴木", "2026-001", "不正アクセス事案"),
      ART_OK);
  ck_assert_int_eq(art_catalog_fields_new(ctx, &f), ART_OK);
  art_catalog_fields_set(ctx, f, "description", "ノート PC の HDD");
  ck_assert_msg(art_catalog_item_add(ctx, cat, "鈴木", "2026-001", "E001", f,
                                     NULL, NULL) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  art_catalog_fields_free(f);
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  ck_assert_msg(art_catalog_export(ctx, cat, "鈴木", ART_CATALOG_HTML, collect,
                                   o, sha) == ART_OK,
                "%s", art_ctx_errmsg(ctx));
  fclose(o);
  art_catalog_free(cat);
  art_ctx_free(ctx);
  tu_rmtree(dir);
  free(dir);
  free(db);
  return buf;
}

START_TEST(test_register_html_labels)
{
  char *c, *ja;
  ck_assert(use_locale("C"));
  c = register_html();
  ck_assert_ptr_nonnull(strstr(c, "<h3>Chain of custody</h3>"));
  ck_assert_ptr_nonnull(strstr(c, "<th>Released by</th>"));
  if (!use_locale("ja_JP.UTF-8")) {
    free(c);
    return;
  }
  ja = register_html();
  ck_assert_ptr_nonnull(strstr(ja, "<html lang=\"ja\">"));
  ck_assert_ptr_nonnull(strstr(ja, "<h3>保管の連続性 (Chain of Custody)</h3>"));
  ck_assert_ptr_nonnull(strstr(ja, "<th>引渡し者</th>"));
  ck_assert_ptr_nonnull(strstr(ja, "<h3>ハッシュ値</h3>"));
  ck_assert_ptr_nonnull(strstr(ja, "<th>説明</th>"));
  ck_assert_ptr_nonnull(strstr(ja, "ノート PC の HDD"));
  ck_assert_ptr_null(strstr(ja, "Chain of custody</h3>"));
  free(c);
  free(ja);
}
END_TEST

static Suite *i18n_suite(void)
{
  Suite *s = suite_create("i18n");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_c_locale_english);
  tcase_add_test(tc, test_japanese_error);
  tcase_add_test(tc, test_japanese_nested);
  tcase_add_test(tc, test_japanese_errno_argument);
  tcase_add_test(tc, test_japanese_source_open);
  tcase_add_test(tc, test_japanese_batch_item);
  tcase_add_test(tc, test_timeline_html_labels);
  tcase_add_test(tc, test_timeline_machine_formats_identical);
  tcase_add_test(tc, test_register_html_labels);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(i18n_suite());
}
