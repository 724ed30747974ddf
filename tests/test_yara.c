/* Check suite for the YARA module: compiling (diagnostics, skip-bad-files,
 * includes, externals), the compiled cache, scanning (strings, negate,
 * timeout, too many matches, maximum size, reader consumer, threads) and the
 * text/JSON forms.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/archive.h>
#include <artifact/yara.h>

#include <archive.h>
#include <archive_entry.h>

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void write_str(const char *dir, const char *name, const char *text)
{
  char *p = tu_path(dir, name);
  tu_write(p, text, strlen(text));
  free(p);
}

static const char *RULES_A = "rule Hello : greet demo {\n"
                             "  meta:\n"
                             "    author = \"tester\"\n"
                             "    score = 5\n"
                             "    ok = true\n"
                             "  strings:\n"
                             "    $h = \"hello\"\n"
                             "    $mz = { 4D 5A }\n"
                             "  condition:\n"
                             "    any of them\n"
                             "}\n"
                             "rule Never { condition: false }\n";

/* Collects diagnostics. */
typedef struct diags {
  int errors, warnings, skipped;
  char first[512];
} diags;

static void on_diag(const art_yara_diag *d, void *ud)
{
  diags *g = ud;
  if (d->level == ART_YARA_DIAG_ERROR)
    g->errors++;
  else
    g->warnings++;
  if (d->skipped)
    g->skipped++;
  if (!g->first[0])
    snprintf(g->first, sizeof g->first, "%s(%d): %s", d->file, d->line,
             d->message);
}

static art_yara_rules *build(art_ctx *ctx,
                             const char *path,
                             unsigned flags,
                             const char *cache,
                             diags *g,
                             art_status *st)
{
  art_yara_compiler *c = NULL;
  art_yara_rules *r = NULL;
  ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
  ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, path, NULL), ART_OK);
  art_yara_compiler_set_flags(c, flags);
  if (cache)
    ck_assert_int_eq(art_yara_compiler_set_cache_dir(ctx, c, cache), ART_OK);
  if (g)
    art_yara_compiler_set_diag(c, on_diag, g);
  *st = art_yara_compiler_build(ctx, c, &r);
  art_yara_compiler_free(c);
  return r;
}

static art_yara_result *scan(art_ctx *ctx,
                             const art_yara_rules *rules,
                             const char *path,
                             const void *data,
                             size_t len,
                             art_status *st)
{
  art_yara_scanner *s = NULL;
  art_yara_result *res = NULL;
  art_yara_artifact a = {0};
  a.path = path;
  ck_assert_int_eq(art_yara_scanner_new(ctx, rules, &s), ART_OK);
  ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
  *st = art_yara_scan_buffer(ctx, s, data, len, &res);
  art_yara_scanner_free(s);
  return res;
}

/* One rules file compiled into a scanner set to artifact a: the set-up and
 * tear-down most scanning tests share. */
typedef struct {
  char *dir;
  char *path;
  art_ctx *ctx;
  art_yara_rules *r;
  art_yara_scanner *s;
} fixture;

static void fx_open(fixture *f,
                    const char *name,
                    const char *rules,
                    const art_yara_artifact *a)
{
  art_status st;
  f->dir = tu_tmpdir();
  f->path = tu_path(f->dir, name);
  f->ctx = NULL;
  f->s = NULL;
  ck_assert_int_eq(art_ctx_new(&f->ctx), ART_OK);
  write_str(f->dir, name, rules);
  f->r = build(f->ctx, f->path, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(art_yara_scanner_new(f->ctx, f->r, &f->s), ART_OK);
  ck_assert_int_eq(art_yara_scanner_set_artifact(f->ctx, f->s, a), ART_OK);
}

static void fx_close(fixture *f)
{
  art_yara_scanner_free(f->s);
  art_yara_rules_free(f->r);
  art_ctx_free(f->ctx);
  free(f->path);
  tu_rmtree(f->dir);
  free(f->dir);
}

START_TEST(test_compile_and_scan)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_result *res;
  const art_yara_match *m;
  static const char data[] = "xxhello MZ hello";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_uint_eq(art_yara_rules_count(r), 2);
  ck_assert_uint_eq(art_yara_rules_files(r), 1);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  res = scan(ctx, r, "mem", data, sizeof data - 1, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  m = art_yara_result_match(res, 0);
  ck_assert_str_eq(m->rule, "Hello");
  ck_assert_str_eq(m->ns, "a");
  ck_assert_uint_eq(m->n_tags, 2);
  ck_assert_str_eq(m->tags[1], "demo");
  ck_assert_uint_eq(m->n_meta, 3);
  ck_assert_str_eq(m->meta[0].key, "author");
  ck_assert_str_eq(m->meta[0].string, "tester");
  ck_assert_int_eq(m->meta[1].integer, 5);
  ck_assert_int_eq(m->meta[2].type, ART_YARA_META_BOOLEAN);
  ck_assert_uint_eq(m->n_strings, 3);
  ck_assert_str_eq(m->strings[0].id, "$h");
  ck_assert_uint_eq(m->strings[0].offset, 2);
  ck_assert_uint_eq(m->strings[1].offset, 11);
  ck_assert_str_eq(m->strings[2].id, "$mz");
  ck_assert_uint_eq(m->strings[2].offset, 8);
  ck_assert_int_eq(m->strings[2].hex, 1);
  ck_assert_ptr_null(art_yara_result_match(res, 1));
  art_yara_result_free(res);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_format)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_result *res;
  char *text = NULL;
  size_t shown = 0;
  static const char data[] = "hello\x01 MZ";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  res = scan(ctx, r, "dir/f\nx", data, sizeof data - 1, &st);
  ck_assert_int_eq(art_yara_result_text(ctx, res,
                                        ART_YARA_FMT_STRINGS |
                                            ART_YARA_FMT_META |
                                            ART_YARA_FMT_TAGS | ART_YARA_FMT_NS,
                                        NULL, NULL, &text, &shown),
                   ART_OK);
  ck_assert_uint_eq(shown, 1);
  ck_assert_str_eq(text, "a:Hello [greet,demo] [author=\"tester\",score =5,"
                         "ok=true] dir/f\\x0Ax\n"
                         "0x0:$h: hello\n"
                         "0x7:$mz: 4D 5A\n");
  art_free(text);
  ck_assert_int_eq(
      art_yara_result_text(ctx, res, ART_YARA_FMT_LENGTH | ART_YARA_FMT_STRINGS,
                           NULL, NULL, &text, NULL),
      ART_OK);
  ck_assert_str_eq(text, "Hello dir/f\\x0Ax\n0x0:5:$h: hello\n0x7:2:$mz: 4D "
                         "5A\n");
  art_free(text);
  ck_assert_int_eq(art_yara_result_json(ctx, res, NULL, NULL, &text, &shown),
                   ART_OK);
  ck_assert_ptr_nonnull(strstr(text, "\"schema\":\"artifact.yara/2\""));
  ck_assert_ptr_nonnull(strstr(text, "\"path\":\"dir/f\\nx\""));
  ck_assert_ptr_nonnull(strstr(text, "\"status\":\"ok\""));
  ck_assert_ptr_nonnull(strstr(text, "\"author\":\"tester\""));
  /* The summary: per string its count and first offsets, no data. */
  ck_assert_ptr_nonnull(
      strstr(text, "{\"identifier\":\"$mz\",\"count\":1,\"offsets\":[7]}"));
  ck_assert_ptr_null(strstr(text, "data"));
  art_free(text);
  /* With -s: the data too, as text (printable) or hex, never both. */
  ck_assert_int_eq(art_yara_result_json_fmt(ctx, res, ART_YARA_FMT_STRINGS,
                                            NULL, NULL, &text, &shown),
                   ART_OK);
  ck_assert_ptr_nonnull(
      strstr(text, "{\"identifier\":\"$mz\",\"count\":1,\"matches\":[{"
                   "\"offset\":7,\"length\":2,\"data\":\"MZ\"}]}"));
  ck_assert_ptr_null(strstr(text, "data_hex"));
  art_free(text);
  /* A backslash in a name is doubled in text, so it cannot pass for an
   * escape: "a\x0Ab" (literal) and "a<LF>b" print differently. */
  art_yara_result_free(res);
  res = scan(ctx, r, "a\\x0Ab", data, sizeof data - 1, &st);
  ck_assert_int_eq(art_yara_result_text(ctx, res, 0, NULL, NULL, &text, NULL),
                   ART_OK);
  ck_assert_str_eq(text, "Hello a\\\\x0Ab\n");
  art_free(text);
  ck_assert_int_eq(
      art_yara_result_matches_json(ctx, res, NULL, NULL, &text, &shown),
      ART_OK);
  ck_assert_uint_eq(shown, 1);
  ck_assert_int_eq(text[0], '[');
  ck_assert_ptr_nonnull(strstr(text, "\"rule\":\"Hello\""));
  art_free(text);
  art_yara_result_free(res);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_bad_rules)
{
  char *dir = tu_tmpdir();
  char *sub = tu_path(dir, "set");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  diags g = {0};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_str(sub, "a.yar", RULES_A);
  write_str(sub, "b.yar",
            "rule ok2 { condition: true }\n\n"
            "rule broken { condition: foo }\n");
  write_str(sub, "c.yara", "rule c1 { strings: $a = \"abc\" condition: $a }\n");
  write_str(sub, "ignored.txt", "not rules");
  r = build(ctx, sub, 0, NULL, &g, &st);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(st, ART_ERR_RULES);
  ck_assert_msg(strstr(art_ctx_errmsg(ctx), "set/b.yar(3)") != NULL, "%s",
                art_ctx_errmsg(ctx));
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "foo"));
  ck_assert_int_eq(g.errors, 1);
  ck_assert_ptr_nonnull(strstr(g.first, "b.yar(3)"));

  memset(&g, 0, sizeof g);
  r = build(ctx, sub, ART_YARA_SKIP_BAD_FILES, NULL, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(g.errors, 1);
  ck_assert_int_eq(g.skipped, 1);
  ck_assert_uint_eq(art_yara_rules_files(r), 2);
  ck_assert_uint_eq(art_yara_rules_skipped(r), 1);
  ck_assert_uint_eq(art_yara_rules_count(r), 3);
  art_yara_rules_free(r);

  /* Nothing compiles: an error even with skip. */
  write_str(sub, "a.yar", "rule {");
  write_str(sub, "c.yara", "rule x { condition: nope }");
  r = build(ctx, sub, ART_YARA_SKIP_BAD_FILES, NULL, NULL, &st);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(st, ART_ERR_RULES);
  /* A missing file names itself. */
  {
    art_yara_compiler *c = NULL;
    ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
    ck_assert_int_eq(
        art_yara_compiler_add_path(ctx, c, "/nonexistent.yar", NULL),
        ART_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "/nonexistent.yar"));
    art_yara_compiler_free(c);
  }
  art_ctx_free(ctx);
  free(sub);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_warnings)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "w.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  diags g = {0};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "w.yar",
            "rule slow { strings: $a = { 00 ?? } condition: "
            "$a }\n");
  r = build(ctx, path, 0, NULL, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(g.warnings, 1);
  ck_assert_ptr_nonnull(strstr(g.first, "w.yar(1)"));
  art_yara_rules_free(r);
  memset(&g, 0, sizeof g);
  r = build(ctx, path, ART_YARA_NO_WARNINGS, NULL, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(g.warnings, 0);
  art_yara_rules_free(r);
  r = build(ctx, path, ART_YARA_FAIL_ON_WARNINGS, NULL, NULL, &st);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(st, ART_ERR_RULES);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_includes)
{
  char *dir = tu_tmpdir();
  char *sub = tu_path(dir, "rules");
  char *top = tu_path(sub, "top.yar");
  char *esc = tu_path(sub, "escape.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  diags g = {0};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_str(dir, "outside.yar", "rule outside { condition: true }\n");
  write_str(sub, "inc.yar", "rule included { condition: true }\n");
  write_str(sub, "top.yar",
            "include \"inc.yar\"\nrule top { condition: "
            "included }\n");
  write_str(sub, "escape.yar", "include \"../outside.yar\"\n");
  /* Includes are off by default. */
  r = build(ctx, top, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_ERR_RULES);
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_uint_eq(art_yara_rules_count(r), 2);
  art_yara_rules_free(r);
  /* Outside the folder: refused, and the error names the file. */
  r = build(ctx, esc, ART_YARA_ALLOW_INCLUDES, NULL, &g, &st);
  ck_assert_int_eq(st, ART_ERR_RULES);
  ck_assert_ptr_nonnull(strstr(g.first, "escape.yar(1)"));
  art_ctx_free(ctx);
  free(top);
  free(esc);
  free(sub);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_externals)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "e.yar");
  art_ctx *ctx = NULL;
  art_yara_compiler *c = NULL;
  art_yara_rules *r = NULL;
  art_yara_scanner *s = NULL;
  art_yara_result *res = NULL;
  art_yara_artifact a = {0};
  static const char pdf[] = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n"
                            "%%EOF\n";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "e.yar",
            "rule name { condition: filename == \"doc.PDF\" }\n"
            "rule ext { condition: extension == \".pdf\" }\n"
            "rule path { condition: filepath contains \"sub/doc\" }\n"
            "rule type { condition: filetype == \"application/pdf\" }\n"
            "rule own { condition: owner == \"someone\" }\n"
            "rule num { condition: level > 2 and flag and ratio > 0.5 and "
            "tag == \"x\" }\n");
  ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
  ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, path, NULL), ART_OK);
  ck_assert_int_eq(art_yara_compiler_define(ctx, c, "level=3"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_define(ctx, c, "flag=true"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_define(ctx, c, "ratio=0.75"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_define(ctx, c, "tag=x"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_define(ctx, c, "novalue"),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_yara_compiler_build(ctx, c, &r), ART_OK);
  art_yara_compiler_free(c);
  ck_assert_int_eq(art_yara_scanner_new(ctx, r, &s), ART_OK);
  a.path = "/x/sub/doc.PDF";
  a.owner = "someone";
  ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, pdf, sizeof pdf - 1, &res),
                   ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 6);
  art_yara_result_free(res);
  /* Another artifact: the externals follow it. */
  a.path = "/y/other.txt";
  a.owner = "nobody-else";
  ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, "text", 4, &res), ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_str_eq(art_yara_result_match(res, 0)->rule, "num");
  art_yara_result_free(res);
  /* A member: filename from the member's own path, filepath the lineage. */
  a.path = "/z/a.zip!sub/doc.PDF";
  a.member = "sub/doc.PDF";
  a.root = "/z/a.zip";
  a.depth = 1;
  a.owner = NULL;
  ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, pdf, sizeof pdf - 1, &res),
                   ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 5);
  {
    char *json = NULL;
    ck_assert_int_eq(art_yara_result_json(ctx, res, NULL, NULL, &json, NULL),
                     ART_OK);
    ck_assert_ptr_nonnull(strstr(json, "\"member\":\"sub/doc.PDF\""));
    ck_assert_ptr_nonnull(strstr(json, "\"root\":\"/z/a.zip\""));
    ck_assert_ptr_nonnull(strstr(json, "\"depth\":1"));
    art_free(json);
  }
  art_yara_result_free(res);
  art_yara_scanner_free(s);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_negate_fast)
{
  fixture f;
  art_ctx *ctx;
  art_yara_scanner *s;
  art_yara_result *res = NULL;
  art_yara_artifact a = {"buf", NULL, NULL, 0, NULL, NULL};
  fx_open(&f, "a.yar", RULES_A, &a);
  ctx = f.ctx;
  s = f.s;
  art_yara_scanner_set_flags(s, ART_YARA_SCAN_NEGATE);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, "hello", 5, &res), ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_str_eq(art_yara_result_match(res, 0)->rule, "Never");
  art_yara_result_free(res);
  art_yara_scanner_set_flags(s, ART_YARA_SCAN_FAST);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, "hello hello", 11, &res),
                   ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->n_strings, 1);
  art_yara_result_free(res);
  fx_close(&f);
}
END_TEST

START_TEST(test_limits)
{
  fixture f;
  art_ctx *ctx;
  art_yara_scanner *s;
  art_status st;
  art_yara_result *res = NULL;
  art_yara_artifact a = {"zeros", NULL, NULL, 0, NULL, NULL};
  const art_yara_match *m;
  size_t n = 1100000;
  unsigned char *zeros = calloc(1, n);
  ck_assert_ptr_nonnull(zeros);
  fx_open(&f, "l.yar",
          "rule many { strings: $z = { 00 00 } condition: $z }\n"
          "rule tail { strings: $t = \"TAIL\" condition: $t }\n",
          &a);
  ctx = f.ctx;
  s = f.s;
  /* Too many matches: reported as a partial result, not lost. */
  st = art_yara_scan_buffer(ctx, s, zeros, n, &res);
  ck_assert_int_eq(st, ART_ERR_LIMIT);
  ck_assert_ptr_nonnull(res);
  ck_assert_int_eq(art_yara_result_status(res), ART_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(art_yara_result_message(res), "too many"));
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  m = art_yara_result_match(res, 0);
  ck_assert_str_eq(m->rule, "many");
  ck_assert_int_eq(m->incomplete, 1);
  art_yara_result_free(res);
  /* Maximum size: the tail is not scanned, and the result says so. */
  memcpy(zeros + 1000, "TAIL", 4);
  memset(zeros, 'x', 1000);
  art_yara_scanner_set_max_size(s, 1002);
  st = art_yara_scan_buffer(ctx, s, zeros, 1004, &res);
  ck_assert_int_eq(st, ART_ERR_LIMIT);
  ck_assert_uint_eq(art_yara_result_count(res), 0);
  ck_assert_uint_eq(art_yara_result_bytes(res), 1002);
  ck_assert_ptr_nonnull(strstr(art_yara_result_message(res), "1002 of 1004"));
  art_yara_result_free(res);
  art_yara_scanner_set_max_size(s, 1004);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, zeros, 1004, &res), ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  art_yara_result_free(res);
  free(zeros);
  fx_close(&f);
}
END_TEST

START_TEST(test_timeout)
{
  fixture f;
  art_ctx *ctx;
  art_yara_scanner *s;
  art_status st;
  art_yara_result *res = NULL;
  art_yara_artifact a = {"slow", NULL, NULL, 0, NULL, NULL};
  char *json = NULL;
  size_t n = 200000;
  unsigned char *buf = malloc(n);
  ck_assert_ptr_nonnull(buf);
  for (size_t i = 0; i < n; i++)
    buf[i] = (unsigned char)(i * 7);
  fx_open(&f, "t.yar",
          "rule slow { condition: for all i in (0..filesize) : "
          "(for all j in (0..filesize) : (uint8(i) != uint8(j) or i == "
          "j or true)) }\n",
          &a);
  ctx = f.ctx;
  s = f.s;
  art_yara_scanner_set_timeout(s, 1);
  st = art_yara_scan_buffer(ctx, s, buf, n, &res);
  ck_assert_int_eq(st, ART_ERR_TIMEOUT);
  ck_assert_ptr_nonnull(res);
  ck_assert_int_eq(art_yara_result_status(res), ART_ERR_TIMEOUT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "slow: scan timed out"));
  ck_assert_int_eq(art_yara_result_json(ctx, res, NULL, NULL, &json, NULL),
                   ART_OK);
  ck_assert_ptr_nonnull(strstr(json, "\"status\":\"timeout\""));
  art_free(json);
  art_yara_result_free(res);
  free(buf);
  fx_close(&f);
}
END_TEST

START_TEST(test_cache)
{
  char *dir = tu_tmpdir();
  char *cache = tu_path(dir, "cache/sub");
  char *sub = tu_path(dir, "rules");
  char *top = tu_path(sub, "top.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_result *res;
  diags g = {0};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_str(sub, "inc.yar",
            "rule inc { strings: $a = \"abc\" condition: $a "
            "}\n");
  write_str(sub, "top.yar",
            "include \"inc.yar\"\n"
            "rule slow { strings: $b = { 00 ?? } condition: "
            "$b }\n");
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  ck_assert_int_eq(g.warnings, 1);
  art_yara_rules_free(r);
  /* Second run: from the cache, same warnings replayed, same matches. */
  memset(&g, 0, sizeof g);
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 1);
  ck_assert_int_eq(g.warnings, 1);
  ck_assert_ptr_nonnull(strstr(g.first, "top.yar(2)"));
  ck_assert_uint_eq(art_yara_rules_count(r), 2);
  res = scan(ctx, r, "m", "xxabc", 5, &st);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  art_yara_result_free(res);
  art_yara_rules_free(r);
  /* Other flags: another entry. */
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES | ART_YARA_NO_WARNINGS, cache,
            NULL, &st);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  art_yara_rules_free(r);
  /* An included file changes: rebuilt, and the new rule is used. */
  write_str(sub, "inc.yar",
            "rule inc { strings: $a = \"xyz\" condition: $a "
            "}\n");
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  res = scan(ctx, r, "m", "xxabc", 5, &st);
  ck_assert_uint_eq(art_yara_result_count(res), 0);
  art_yara_result_free(res);
  art_yara_rules_free(r);
  /* The top file changes: rebuilt. */
  write_str(sub, "top.yar", "include \"inc.yar\"\n");
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, NULL, &st);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  ck_assert_uint_eq(art_yara_rules_count(r), 1);
  art_yara_rules_free(r);
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, NULL, &st);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 1);
  art_yara_rules_free(r);
  /* A damaged entry is ignored (rebuilt), never loaded. */
  {
    char *cmd = NULL;
    int status = 0;
    char *outp;
    ck_assert_int_ne(asprintf(&cmd,
                              "for f in '%s'/*.yarc; do printf 'XXXX' | dd "
                              "of=\"$f\" bs=1 seek=600 conv=notrunc "
                              "2>/dev/null; done",
                              cache),
                     -1);
    outp = tu_run(cmd, &status);
    free(outp);
    free(cmd);
  }
  r = build(ctx, top, ART_YARA_ALLOW_INCLUDES, cache, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_int_eq(art_yara_rules_from_cache(r), 0);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(top);
  free(sub);
  free(cache);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_reader_and_source)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  char *target = tu_path(dir, "target.bin");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_scanner *s = NULL;
  art_yara_result *res = NULL;
  art_reader *reader = NULL;
  art_reader_opts ro = {4096, 1};
  art_source *src = NULL;
  art_yara_artifact a = {0};
  size_t n = 3 * 4096 + 100;
  unsigned char *buf = calloc(1, n);
  ck_assert_ptr_nonnull(buf);
  /* "hello" across a block boundary must still match. */
  memcpy(buf + 4094, "hello", 5);
  memcpy(buf + n - 2, "MZ", 2);
  tu_write(target, buf, n);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(art_yara_scanner_new(ctx, r, &s), ART_OK);
  a.path = target;
  ck_assert_int_eq(art_yara_scanner_set_artifact(ctx, s, &a), ART_OK);
  ck_assert_int_eq(art_reader_new(ctx, &ro, &reader), ART_OK);
  ck_assert_int_eq(art_yara_attach(ctx, s, reader), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, target, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, reader, src, NULL), ART_OK);
  ck_assert_int_eq(art_yara_scanner_take_result(ctx, s, &res), ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->n_strings, 2);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->strings[0].offset, 4094);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->strings[1].offset, n - 2);
  ck_assert_uint_eq(art_yara_result_bytes(res), n);
  art_yara_result_free(res);
  art_source_free(src);
  /* The reader keeps only up to the maximum size. */
  art_reader_clear(reader);
  art_yara_scanner_set_max_size(s, 4096);
  ck_assert_int_eq(art_yara_attach(ctx, s, reader), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, target, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, reader, src, NULL), ART_OK);
  ck_assert_int_eq(art_yara_scanner_take_result(ctx, s, &res), ART_ERR_LIMIT);
  ck_assert_uint_eq(art_yara_result_count(res), 0);
  ck_assert_uint_eq(art_yara_result_bytes(res), 4096);
  art_yara_result_free(res);
  art_source_free(src);
  art_reader_free(reader);
  /* scan_source: the same bytes from one read. */
  art_yara_scanner_set_max_size(s, 0);
  ck_assert_int_eq(art_source_open(ctx, target, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_yara_scan_source(ctx, s, src, &res), ART_OK);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->n_strings, 2);
  art_yara_result_free(res);
  art_source_free(src);
  art_yara_scanner_set_max_size(s, 5000);
  ck_assert_int_eq(art_source_open(ctx, target, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_yara_scan_source(ctx, s, src, &res), ART_ERR_LIMIT);
  ck_assert_uint_eq(art_yara_result_match(res, 0)->n_strings, 1);
  art_yara_result_free(res);
  art_source_free(src);
  /* A larger file (mapped rather than copied): the same matches, and its
   * bytes stay readable for a container walk. */
  {
    size_t big = 300000;
    unsigned char *b2 = calloc(1, big);
    const void *bytes;
    size_t blen = 0;
    ck_assert_ptr_nonnull(b2);
    memcpy(b2 + 70000, "hello", 5);
    memcpy(b2 + big - 2, "MZ", 2);
    tu_write(target, b2, big);
    art_yara_scanner_set_max_size(s, 0);
    ck_assert_int_eq(art_source_open(ctx, target, ART_SOURCE_FILE, &src),
                     ART_OK);
    ck_assert_int_eq(art_yara_scan_source(ctx, s, src, &res), ART_OK);
    ck_assert_uint_eq(art_yara_result_count(res), 1);
    ck_assert_uint_eq(art_yara_result_match(res, 0)->n_strings, 2);
    ck_assert_uint_eq(art_yara_result_match(res, 0)->strings[0].offset, 70000);
    ck_assert_uint_eq(art_yara_result_bytes(res), big);
    bytes = art_yara_scanner_bytes(s, &blen);
    ck_assert_uint_eq(blen, big);
    ck_assert_int_eq(memcmp(bytes, b2, big), 0);
    art_yara_result_free(res);
    art_source_free(src);
    free(b2);
  }
  art_yara_scanner_free(s);
  art_yara_rules_free(r);
  free(buf);
  art_ctx_free(ctx);
  free(path);
  free(target);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* Archive members through the consumer interface: the results come back by
 * the callback, one per member, in walk order, with the member's identity. */
typedef struct member_results {
  art_yara_scanner *s;
  art_archive *ar;
  art_yara_result *res[8];
  size_t n;
} member_results;

static void on_member(art_yara_result *r, art_status st, void *ud)
{
  member_results *m = ud;
  (void)st;
  if (m->n < 8)
    m->res[m->n++] = r;
  else
    art_yara_result_free(r);
}

static art_walk_action member_begin(void *ud, const art_archive_member *mem)
{
  member_results *m = ud;
  art_yara_artifact a = {mem->lineage, mem->path, "a.zip",
                         mem->depth,   NULL,      NULL};
  if (mem->type != ART_ENTRY_FILE)
    return ART_WALK_CONTINUE;
  art_yara_scanner_set_artifact(NULL, m->s, &a);
  art_archive_add_consumer(m->ar, art_yara_consumer(m->s), m->s);
  return ART_WALK_CONTINUE;
}

START_TEST(test_archive_members)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_result *disk;
  member_results m = {0};
  struct archive *a = archive_write_new();
  static const char body1[] = "xx hello yy MZ", body2[] = "nothing here";
  const char *bodies[2] = {body1, body2}, *names[2] = {"d/one.bin", "two"};
  unsigned char zip[4096];
  size_t used = 0;
  art_archive_ops ops = {.begin = member_begin};
  art_archive_opts ao;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
  ck_assert_int_eq(archive_write_open_memory(a, zip, sizeof zip, &used),
                   ARCHIVE_OK);
  for (int i = 0; i < 2; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, names[i]);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(bodies[i]));
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_data(a, bodies[i], strlen(bodies[i])),
                     (la_ssize_t)strlen(bodies[i]));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  ck_assert_int_eq(art_yara_scanner_new(ctx, r, &m.s), ART_OK);
  art_archive_opts_init(&ao);
  ck_assert_int_eq(art_archive_new(ctx, &ao, &m.ar), ART_OK);
  art_yara_scanner_set_result_cb(m.s, on_member, &m);
  ck_assert_int_eq(
      art_archive_walk_buffer(ctx, m.ar, zip, used, "a.zip", &ops, &m), ART_OK);
  ck_assert_uint_eq(m.n, 2);
  /* The member matches as the same bytes do on their own. */
  disk = scan(ctx, r, "one.bin", body1, strlen(body1), &st);
  ck_assert_uint_eq(art_yara_result_count(m.res[0]),
                    art_yara_result_count(disk));
  ck_assert_uint_eq(art_yara_result_count(m.res[0]), 1);
  ck_assert_uint_eq(art_yara_result_match(m.res[0], 0)->n_strings,
                    art_yara_result_match(disk, 0)->n_strings);
  for (size_t k = 0; k < art_yara_result_match(disk, 0)->n_strings; k++)
    ck_assert_uint_eq(art_yara_result_match(m.res[0], 0)->strings[k].offset,
                      art_yara_result_match(disk, 0)->strings[k].offset);
  ck_assert_str_eq(art_yara_result_path(m.res[0]), "a.zip!d/one.bin");
  ck_assert_uint_eq(art_yara_result_count(m.res[1]), 0);
  art_yara_result_free(disk);
  for (size_t i = 0; i < m.n; i++)
    art_yara_result_free(m.res[i]);
  art_archive_free(m.ar);
  art_yara_scanner_free(m.s);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

typedef struct thread_arg {
  const art_yara_rules *rules;
  int matches;
} thread_arg;

static void *scan_thread(void *p)
{
  thread_arg *t = p;
  art_ctx *ctx = NULL;
  art_yara_scanner *s = NULL;
  art_yara_artifact a = {"t", NULL, NULL, 0, NULL, NULL};
  if (art_ctx_new(&ctx) != ART_OK ||
      art_yara_scanner_new(ctx, t->rules, &s) != ART_OK)
    return NULL;
  art_yara_scanner_set_artifact(ctx, s, &a);
  for (int i = 0; i < 200; i++) {
    art_yara_result *res = NULL;
    if (art_yara_scan_buffer(ctx, s, "..hello..MZ", 11, &res) == ART_OK)
      t->matches += (int)art_yara_result_count(res);
    art_yara_result_free(res);
  }
  art_yara_scanner_free(s);
  art_ctx_free(ctx);
  return NULL;
}

START_TEST(test_threads_and_init)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r1, *r2;
  art_yara_result *res;
  pthread_t th[4];
  thread_arg args[4];
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r1 = build(ctx, path, 0, NULL, NULL, &st);
  r2 = build(ctx, path, 0, NULL, NULL, &st);
  /* Freeing one rule set must not finalise libyara under the other. */
  art_yara_rules_free(r1);
  res = scan(ctx, r2, "m", "hello", 5, &st);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  art_yara_result_free(res);
  for (int i = 0; i < 4; i++) {
    args[i].rules = r2;
    args[i].matches = 0;
    ck_assert_int_eq(pthread_create(&th[i], NULL, scan_thread, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(args[i].matches, 200);
  }
  art_yara_rules_free(r2);
  /* And a fresh start after everything was released. */
  r1 = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  art_yara_rules_free(r1);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* The per-artifact library call: the members' records in walk order, the
 * artifact's own last (marked top); an unreadable path still gives a
 * record. */
typedef struct records {
  char paths[8][128];
  int top[8];
  size_t n;
} records;

static void on_record(art_yara_result *res, int top, void *ud)
{
  records *rc = ud;
  if (rc->n < 8) {
    snprintf(rc->paths[rc->n], sizeof rc->paths[0], "%s:%zu:%s",
             art_yara_result_path(res), art_yara_result_count(res),
             art_yara_result_status(res) == ART_OK ? "ok" : "error");
    rc->top[rc->n++] = top;
  }
  art_yara_result_free(res);
}

/* Scan once per content: the same bytes again give a copy of the first
 * result under the new artifact's name, equal in every printed field; other
 * bytes, a cut scan or a name-dependent rule set are scanned again. */
START_TEST(test_scan_once)
{
  fixture f;
  art_yara_artifact a = {"one", NULL, NULL, 0, NULL, NULL};
  art_yara_result *r1 = NULL, *r2 = NULL, *r3 = NULL;
  static const char data[] = "xxhello MZ hello", other[] = "hello there";
  unsigned fmt = ART_YARA_FMT_STRINGS | ART_YARA_FMT_META | ART_YARA_FMT_TAGS |
                 ART_YARA_FMT_NS;
  char *t1 = NULL, *t2 = NULL, *j1 = NULL, *j2 = NULL;
  size_t shown = 0;
  fx_open(&f, "a.yar", RULES_A, &a);
  art_yara_scanner_set_once(f.s, 1u << 20);
  ck_assert_int_eq(art_yara_scan_buffer(f.ctx, f.s, data, sizeof data - 1, &r1),
                   ART_OK);
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 0);
  a.path = "two";
  ck_assert_int_eq(art_yara_scanner_set_artifact(f.ctx, f.s, &a), ART_OK);
  ck_assert_int_eq(art_yara_scan_buffer(f.ctx, f.s, data, sizeof data - 1, &r2),
                   ART_OK);
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 1);
  ck_assert_str_eq(art_yara_result_path(r2), "two");
  ck_assert_uint_eq(art_yara_result_bytes(r2), sizeof data - 1);
  ck_assert_int_eq(
      art_yara_result_text(f.ctx, r1, fmt, NULL, NULL, &t1, &shown), ART_OK);
  ck_assert_int_eq(
      art_yara_result_text(f.ctx, r2, fmt, NULL, NULL, &t2, &shown), ART_OK);
  ck_assert_ptr_nonnull(strstr(t1, "author=\"tester\""));
  ck_assert_ptr_nonnull(strstr(t2, "author=\"tester\""));
  ck_assert_str_eq(strstr(t1, "\n"), strstr(t2, "\n")); /* the strings */
  ck_assert_int_eq(strncmp(t1, t2, (size_t)(strstr(t1, " one") - t1)), 0);
  ck_assert_int_eq(
      art_yara_result_json_fmt(f.ctx, r1, fmt, NULL, NULL, &j1, &shown),
      ART_OK);
  ck_assert_int_eq(
      art_yara_result_json_fmt(f.ctx, r2, fmt, NULL, NULL, &j2, &shown),
      ART_OK);
  ck_assert_str_eq(strstr(j1, "\"matches\""), strstr(j2, "\"matches\""));
  /* Other bytes: scanned. */
  ck_assert_int_eq(
      art_yara_scan_buffer(f.ctx, f.s, other, sizeof other - 1, &r3), ART_OK);
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 1);
  ck_assert_uint_eq(art_yara_result_count(r3), 1);
  art_yara_result_free(r3);
  /* A scan cut at the maximum size is never kept nor answered. */
  art_yara_scanner_set_max_size(f.s, 4);
  for (int i = 0; i < 2; i++) {
    r3 = NULL;
    ck_assert_int_eq(
        art_yara_scan_buffer(f.ctx, f.s, other, sizeof other - 1, &r3),
        ART_ERR_LIMIT);
    art_yara_result_free(r3);
  }
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 1);
  art_yara_scanner_set_max_size(f.s, 0);
  /* Other flags: the results kept are dropped. */
  art_yara_scanner_set_flags(f.s, ART_YARA_SCAN_FAST);
  r3 = NULL;
  ck_assert_int_eq(art_yara_scan_buffer(f.ctx, f.s, data, sizeof data - 1, &r3),
                   ART_OK);
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 1);
  art_yara_result_free(r3);
  /* Contents up to 1 MiB only: a bigger one is not hashed, so scanned each
   * time it comes (1 MiB itself is answered the second time). */
  {
    size_t big_len = (1u << 20) + 1;
    char *big = calloc(1, big_len);
    ck_assert_ptr_nonnull(big);
    for (int i = 0; i < 4; i++) {
      r3 = NULL;
      ck_assert_int_eq(
          art_yara_scan_buffer(f.ctx, f.s, big, big_len - (i >= 2), &r3),
          ART_OK);
      art_yara_result_free(r3);
    }
    ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 2);
    free(big);
  }
  art_free(t1);
  art_free(t2);
  art_free(j1);
  art_free(j2);
  art_yara_result_free(r1);
  art_yara_result_free(r2);
  fx_close(&f);
  /* A rule reading the name: every artifact is scanned. */
  a.path = "x.exe";
  fx_open(&f, "n.yar", "rule N { condition: extension == \".exe\" }\n", &a);
  art_yara_scanner_set_once(f.s, 1u << 20);
  for (int i = 0; i < 2; i++) {
    r1 = NULL;
    a.path = i ? "y.txt" : "x.exe";
    ck_assert_int_eq(art_yara_scanner_set_artifact(f.ctx, f.s, &a), ART_OK);
    ck_assert_int_eq(
        art_yara_scan_buffer(f.ctx, f.s, data, sizeof data - 1, &r1), ART_OK);
    ck_assert_uint_eq(art_yara_result_count(r1), i ? 0 : 1);
    art_yara_result_free(r1);
  }
  ck_assert_uint_eq(art_yara_scanner_once_hits(f.s), 0);
  fx_close(&f);
}
END_TEST

/* A hard-linked file's template crosses the sandbox packed: one that
 * matched nothing (no text, no slots) must come back whole, or every other
 * name is scanned again; one with a record renders each name's path. */
START_TEST(test_tmpl_pack)
{
  fixture f;
  art_yara_artifact a = {"/d/first", NULL, NULL, 0, NULL, NULL};
  art_yara_result *res = NULL;
  art_yara_tmpl *t = NULL, *back = NULL;
  void *blob = NULL;
  size_t blen = 0, hl = 0, bl = 0;
  char *head = NULL, *body = NULL;
  fx_open(&f, "a.yar", RULES_A, &a);
  ck_assert_int_eq(art_yara_tmpl_new(f.ctx, "/d/first", &t), ART_OK);
  ck_assert_int_eq(art_yara_tmpl_pack(f.ctx, t, &blob, &blen), ART_OK);
  ck_assert_uint_gt(blen, 0);
  ck_assert_int_eq(art_yara_tmpl_unpack(f.ctx, blob, blen, &back), ART_OK);
  ck_assert(art_yara_tmpl_usable(back));
  ck_assert_int_eq(
      art_yara_tmpl_render(f.ctx, back, "/d/other", &head, &hl, &body, &bl),
      ART_OK);
  ck_assert_uint_eq(hl + bl, 0);
  ck_assert_uint_eq(art_yara_tmpl_matches(back), 0);
  free(head);
  free(body);
  free(blob);
  art_yara_tmpl_free(back);
  /* A cut blob is refused. */
  ck_assert_int_eq(art_yara_tmpl_pack(f.ctx, t, &blob, &blen), ART_OK);
  ck_assert_int_eq(art_yara_tmpl_unpack(f.ctx, blob, blen - 1, &back),
                   ART_ERR_FORMAT);
  free(blob);
  art_yara_tmpl_free(t);
  /* One match: the other name's line carries its own path. */
  ck_assert_int_eq(art_yara_tmpl_new(f.ctx, "/d/first", &t), ART_OK);
  ck_assert_int_eq(art_yara_scan_buffer(f.ctx, f.s, "hello", 5, &res), ART_OK);
  art_yara_tmpl_add(f.ctx, t, 0, res, 0, NULL, NULL, 1);
  ck_assert_int_eq(art_yara_tmpl_pack(f.ctx, t, &blob, &blen), ART_OK);
  ck_assert_int_eq(art_yara_tmpl_unpack(f.ctx, blob, blen, &back), ART_OK);
  ck_assert_int_eq(
      art_yara_tmpl_render(f.ctx, back, "/d/other", &head, &hl, &body, &bl),
      ART_OK);
  ck_assert_str_eq(head, "Hello /d/other\n");
  free(head);
  free(body);
  free(blob);
  art_yara_tmpl_free(back);
  art_yara_tmpl_free(t);
  art_yara_result_free(res);
  fx_close(&f);
}
END_TEST

START_TEST(test_scan_artifact)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "a.yar");
  char *zpath = tu_path(dir, "a.zip");
  char *missing = tu_path(dir, "missing");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_scanner *top = NULL, *mem = NULL;
  art_archive *ar = NULL;
  art_archive_opts ao;
  records rc;
  struct archive *a = archive_write_new();
  static const char body1[] = "xx hello yy MZ", body2[] = "nothing here";
  const char *bodies[2] = {body1, body2}, *names[2] = {"one.bin", "two"};
  char want[256];
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "a.yar", RULES_A);
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
  ck_assert_int_eq(archive_write_open_filename(a, zpath), ARCHIVE_OK);
  for (int i = 0; i < 2; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, names[i]);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(bodies[i]));
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    archive_write_data(a, bodies[i], strlen(bodies[i]));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  ck_assert_int_eq(art_yara_scanner_new(ctx, r, &top), ART_OK);
  ck_assert_int_eq(art_yara_scanner_new(ctx, r, &mem), ART_OK);
  art_archive_opts_init(&ao);
  ck_assert_int_eq(art_archive_new(ctx, &ao, &ar), ART_OK);
  memset(&rc, 0, sizeof rc);
  ck_assert_int_eq(art_yara_scan_artifact(ctx, top, mem, ar, zpath,
                                          ART_SOURCE_FILE, on_record, &rc),
                   ART_OK);
  ck_assert_uint_eq(rc.n, 3);
  snprintf(want, sizeof want, "%s!one.bin:1:ok", zpath);
  ck_assert_str_eq(rc.paths[0], want);
  ck_assert_int_eq(rc.top[0], 0);
  snprintf(want, sizeof want, "%s!two:0:ok", zpath);
  ck_assert_str_eq(rc.paths[1], want);
  snprintf(want, sizeof want, "%s:0:ok", zpath);
  ck_assert_str_eq(rc.paths[2], want);
  ck_assert_int_eq(rc.top[2], 1);
  /* Without the archive walker: the file alone. */
  memset(&rc, 0, sizeof rc);
  ck_assert_int_eq(art_yara_scan_artifact(ctx, top, NULL, NULL, zpath,
                                          ART_SOURCE_FILE, on_record, &rc),
                   ART_OK);
  ck_assert_uint_eq(rc.n, 1);
  /* A path that cannot be opened is an error record, never nothing. */
  memset(&rc, 0, sizeof rc);
  ck_assert_int_eq(art_yara_scan_artifact(ctx, top, mem, ar, missing,
                                          ART_SOURCE_FILE, on_record, &rc),
                   ART_OK);
  ck_assert_uint_eq(rc.n, 1);
  snprintf(want, sizeof want, "%s:0:error", missing);
  ck_assert_str_eq(rc.paths[0], want);
  art_archive_free(ar);
  art_yara_scanner_free(top);
  art_yara_scanner_free(mem);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  free(zpath);
  free(missing);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* Strings matching tens of thousands of times: the result keeps the exact
 * count and only the first matches asked for, so its size does not grow
 * with the matches; with every match kept, all are there. */
START_TEST(test_bounded_matches)
{
  fixture f;
  art_ctx *ctx;
  art_yara_scanner *s;
  art_yara_result *res = NULL;
  art_yara_artifact a = {0};
  const art_yara_match *m;
  char *text = NULL;
  size_t n = 100000;
  char *data = malloc(n);
  ck_assert_ptr_nonnull(data);
  for (size_t i = 0; i < n; i += 2)
    memcpy(data + i, "ab", 2);
  memcpy(data + 100, "h\0i\0", 4);
  a.path = "many.bin";
  fx_open(&f, "many.yar",
          "rule many { strings: $ab = \"ab\" $w = \"hi\" wide "
          "$long = /(ab){40}/ condition: $ab or $w or $long }\n",
          &a);
  ctx = f.ctx;
  s = f.s;
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, data, n, &res), ART_OK);
  m = art_yara_result_match(res, 0);
  ck_assert_uint_eq(m->n_idents, 3);
  ck_assert_str_eq(m->idents[0].id, "$ab");
  ck_assert_uint_eq(m->idents[0].count, n / 2 - 2); /* "h\0i\0" broke two */
  ck_assert_uint_eq(m->idents[0].n_matches, ART_YARA_KEEP_DEFAULT);
  ck_assert_uint_eq(m->n_strings, 2 * ART_YARA_KEEP_DEFAULT + 1);
  ck_assert_uint_eq(m->idents[1].count, 1);
  ck_assert_uint_eq(m->idents[2].matches[0].data_len, ART_YARA_DATA_DEFAULT);
  ck_assert_int_eq(art_yara_result_json_fmt(ctx, res, ART_YARA_FMT_STRINGS,
                                            NULL, NULL, &text, NULL),
                   ART_OK);
  ck_assert_uint_lt(strlen(text), 4096);
  ck_assert_ptr_nonnull(strstr(text, "\"data_hex\":\"68006900\""));
  art_free(text);
  art_yara_result_free(res);
  /* None kept: only the counts. */
  art_yara_scanner_set_max_matches(s, 0);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, data, n, &res), ART_OK);
  m = art_yara_result_match(res, 0);
  ck_assert_uint_eq(m->n_strings, 0);
  ck_assert_uint_eq(m->idents[0].count, n / 2 - 2);
  art_yara_result_free(res);
  /* All of them (yara -s), data cut at 8 bytes. */
  art_yara_scanner_set_max_matches(s, SIZE_MAX);
  art_yara_scanner_set_max_data(s, 8);
  ck_assert_int_eq(art_yara_scan_buffer(ctx, s, data, n, &res), ART_OK);
  m = art_yara_result_match(res, 0);
  ck_assert_uint_eq(m->idents[0].n_matches, n / 2 - 2);
  ck_assert_uint_eq(m->idents[2].matches[0].data_len, 8);
  ck_assert_uint_eq(m->idents[2].matches[0].length, 80);
  art_yara_result_free(res);
  free(data);
  fx_close(&f);
}
END_TEST

/* yara's namespaces: files share "default", so a helper file's rules serve
 * the files after it (Yara-Rules' is__elf); per file, they do not. */
START_TEST(test_shared_namespace)
{
  char *dir = tu_tmpdir();
  char *common = tu_path(dir, "000_common.yar");
  char *user = tu_path(dir, "elf_user.yar");
  art_ctx *ctx = NULL;
  art_yara_compiler *c = NULL;
  art_yara_rules *r = NULL;
  art_yara_result *res;
  art_status st;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "000_common.yar",
            "private rule is__elf { condition: uint32(0) == 0x464c457f }\n");
  write_str(dir, "elf_user.yar",
            "rule elf_user { condition: is__elf and filesize > 4 }\n");
  for (int shared = 0; shared < 2; shared++) {
    ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
    art_yara_compiler_set_flags(c, shared ? ART_YARA_SHARED_NAMESPACE : 0);
    ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, common, NULL), ART_OK);
    ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, user, NULL), ART_OK);
    st = art_yara_compiler_build(ctx, c, &r);
    art_yara_compiler_free(c);
    ck_assert_int_eq(st, shared ? ART_OK : ART_ERR_RULES);
  }
  res = scan(ctx, r, "e",
             "\x7f"
             "ELF\x02\x01",
             6, &st);
  ck_assert_uint_eq(art_yara_result_count(res), 1);
  ck_assert_str_eq(art_yara_result_match(res, 0)->ns, "default");
  art_yara_result_free(res);
  art_yara_rules_free(r);
  /* The same namespace named twice is yara's default:a default:b. */
  ck_assert_int_eq(art_yara_compiler_new(ctx, &c), ART_OK);
  art_yara_compiler_set_flags(c, ART_YARA_SHARED_NAMESPACE);
  ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, common, "x"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_add_path(ctx, c, user, "x"), ART_OK);
  ck_assert_int_eq(art_yara_compiler_build(ctx, c, &r), ART_OK);
  art_yara_compiler_free(c);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(common);
  free(user);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* A failed include says why, not libyara's "callback failed to provide
 * include resource". */
START_TEST(test_include_reasons)
{
  char *dir = tu_tmpdir();
  char *sub = tu_path(dir, "rules");
  char *miss = tu_path(sub, "missing.yar");
  char *esc = tu_path(sub, "escape.yar");
  art_ctx *ctx = NULL;
  art_status st;
  diags g = {0};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_str(dir, "outside.yar", "rule outside { condition: true }\n");
  write_str(sub, "missing.yar", "include \"nope.yar\"\n");
  write_str(sub, "escape.yar", "include \"../outside.yar\"\n");
  ck_assert_ptr_null(build(ctx, miss, ART_YARA_ALLOW_INCLUDES, NULL, &g, &st));
  ck_assert_msg(strstr(g.first, "include \"nope.yar\"") &&
                    strstr(g.first, "No such file or directory"),
                "%s", g.first);
  memset(&g, 0, sizeof g);
  ck_assert_ptr_null(build(ctx, esc, ART_YARA_ALLOW_INCLUDES, NULL, &g, &st));
  ck_assert_msg(strstr(g.first, "outside the rules folder"), "%s", g.first);
  memset(&g, 0, sizeof g);
  ck_assert_ptr_null(build(ctx, esc, 0, NULL, &g, &st));
  ck_assert_msg(strstr(g.first, "includes are disabled"), "%s", g.first);
  art_ctx_free(ctx);
  free(miss);
  free(esc);
  free(sub);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* THOR/Loki type names from libmagic's answers (signature-base compares
 * filetype with them). */
START_TEST(test_filetype_names)
{
  ck_assert_str_eq(art_yara_filetype_name("application/x-dosexec",
                                          "PE32 executable (GUI) Intel 80386, "
                                          "for MS Windows"),
                   "EXE");
  ck_assert_str_eq(
      art_yara_filetype_name("application/x-dosexec",
                             "PE32+ executable (DLL) (console) x86-64, for MS "
                             "Windows"),
      "DLL");
  ck_assert_str_eq(art_yara_filetype_name("application/x-pie-executable",
                                          "ELF 64-bit LSB pie executable"),
                   "ELF");
  ck_assert_str_eq(art_yara_filetype_name("application/zip", "Zip archive"),
                   "ZIP");
  ck_assert_str_eq(art_yara_filetype_name("application/x-7z-compressed", ""),
                   "7Z");
  ck_assert_str_eq(art_yara_filetype_name("image/jpeg", ""), "JPG");
  ck_assert_str_eq(art_yara_filetype_name("application/msword", ""), "DOC");
  ck_assert_str_eq(art_yara_filetype_name("application/octet-stream", "data"),
                   "");
}
END_TEST

/* -X on libyara 4.2: the key comes from the match's first byte. */
START_TEST(test_xor_key)
{
  char *dir = tu_tmpdir();
  char *path = tu_path(dir, "x.yar");
  art_ctx *ctx = NULL;
  art_status st;
  art_yara_rules *r;
  art_yara_result *res;
  char *text = NULL;
  char data[32] = "..";
  const char *plain = "secret!";
  for (size_t i = 0; i < strlen(plain); i++)
    data[2 + i] = (char)(plain[i] ^ 0x41);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  write_str(dir, "x.yar",
            "rule x { strings: $x = \"secret!\" xor condition: $x }\n");
  r = build(ctx, path, 0, NULL, NULL, &st);
  ck_assert_int_eq(st, ART_OK);
  res = scan(ctx, r, "f", data, 2 + strlen(plain), &st);
  ck_assert_int_eq(
      art_yara_result_text(ctx, res, ART_YARA_FMT_XOR, NULL, NULL, &text, NULL),
      ART_OK);
  ck_assert_str_eq(text, "x f\n0x2:$x:xor(0x41,secret!)\n");
  art_free(text);
  art_yara_result_free(res);
  art_yara_rules_free(r);
  art_ctx_free(ctx);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

static Suite *yara_suite(void)
{
  Suite *s = suite_create("yara");
  TCase *tc = tcase_create("compile");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_compile_and_scan);
  tcase_add_test(tc, test_bad_rules);
  tcase_add_test(tc, test_warnings);
  tcase_add_test(tc, test_includes);
  tcase_add_test(tc, test_externals);
  tcase_add_test(tc, test_shared_namespace);
  tcase_add_test(tc, test_include_reasons);
  suite_add_tcase(s, tc);
  tc = tcase_create("cache");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cache);
  suite_add_tcase(s, tc);
  tc = tcase_create("scan");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_negate_fast);
  tcase_add_test(tc, test_limits);
  tcase_add_test(tc, test_timeout);
  tcase_add_test(tc, test_reader_and_source);
  tcase_add_test(tc, test_archive_members);
  tcase_add_test(tc, test_threads_and_init);
  tcase_add_test(tc, test_bounded_matches);
  tcase_add_test(tc, test_scan_artifact);
  tcase_add_test(tc, test_scan_once);
  tcase_add_test(tc, test_tmpl_pack);
  tcase_add_test(tc, test_xor_key);
  suite_add_tcase(s, tc);
  tc = tcase_create("format");
  tcase_add_test(tc, test_format);
  tcase_add_test(tc, test_filetype_names);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(yara_suite());
}
