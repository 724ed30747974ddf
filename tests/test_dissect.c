/* Check suite for the dissector layer: the registry, the sink, name flags,
 * MS-OVBA decompression against the vectors of the specification (as
 * olevba's decompress_stream decodes them), the compound-file reader on
 * damaged input, and the e-mail header decoder through the dissector.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/dissect.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_private.h"
#include "testutil.h"

START_TEST(test_registry)
{
  size_t n = art_dissect_count();
  ck_assert_uint_ge(n, 2);
  for (size_t i = 0; i < n; i++) {
    const art_dissector *d = art_dissect_at(i);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_eq(art_dissect_find(d->name), d);
    ck_assert(d->recognise && d->run && d->description);
    /* nothing recognises an empty or a zero-filled input */
    static const uint8_t zeros[4096];
    ck_assert(!d->recognise(zeros, 0));
    ck_assert(!d->recognise(zeros, sizeof zeros));
  }
  ck_assert_ptr_null(art_dissect_at(n));
  ck_assert_ptr_null(art_dissect_find("no-such-dissector"));
  ck_assert_ptr_nonnull(art_dissect_find("email"));
  ck_assert_ptr_nonnull(art_dissect_find("ole"));
}
END_TEST

typedef struct got {
  size_t n;
  char names[8][64];
  char via[8][32];
  size_t len[8];
  art_status answer;
} got;

static art_status on_child(void *ud, const art_dissect_child *c)
{
  got *g = ud;
  if (g->n < 8) {
    snprintf(g->names[g->n], 64, "%s", c->name ? c->name : "");
    snprintf(g->via[g->n], 32, "%s", c->via);
    g->len[g->n] = c->len;
  }
  g->n++;
  return g->answer;
}

static json_t *run(const char *name, const char *text, got *g, art_status *st)
{
  art_ctx *ctx = NULL;
  art_dissect_sink *sink = NULL;
  const art_dissector *d = art_dissect_find(name);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_dissect_sink_new(ctx, on_child, g, &sink), ART_OK);
  art_dissect_input in = {(const uint8_t *)text, strlen(text), "t.eml", 0};
  ck_assert(d->recognise(in.data, in.len));
  *st = art_dissect_run(ctx, d, &in, sink);
  const char *sum = art_dissect_sink_get_summary(sink);
  json_t *j = sum ? json_loads(sum, 0, NULL) : NULL;
  ck_assert_uint_eq(art_dissect_sink_children(sink), g->n);
  art_dissect_sink_free(sink);
  art_ctx_free(ctx);
  return j;
}

static const char mail[] =
    "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n"
    "To: a@example.org\r\n"
    "Subject: =?UTF-8?Q?caf=C3=A9?= =?UTF-8?B?IOOBguOBhA==?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "see http://203.0.113.5/a\r\n"
    "--b\r\n"
    "Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAw==\r\n"
    "--b--\r\n";

START_TEST(test_email_summary)
{
  got g = {.answer = ART_OK};
  art_status st;
  json_t *j = run("email", mail, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_ptr_nonnull(j);
  /* 山田 in ISO-2022-JP; two encoded words joined without the space */
  ck_assert_str_eq(json_string_value(json_object_get(
                       json_array_get(json_object_get(j, "from"), 0), "name")),
                   "\xe5\xb1\xb1\xe7\x94\xb0");
  ck_assert_str_eq(json_string_value(json_object_get(j, "subject")),
                   "caf\xc3\xa9 \xe3\x81\x82\xe3\x81\x84");
  ck_assert_uint_eq(g.n, 2);
  ck_assert_str_eq(g.via[0], "mime-body");
  ck_assert_str_eq(g.via[1], "mime-part");
  ck_assert_str_eq(g.names[1], "x.bin");
  ck_assert_uint_eq(g.len[1], 4);
  json_decref(j);
}
END_TEST

START_TEST(test_child_limit_stops)
{
  /* A caller saying ART_ERR_LIMIT at the first child stops the yield. */
  got g = {.answer = ART_ERR_LIMIT};
  art_status st;
  json_t *j = run("email", mail, &g, &st);
  ck_assert_int_eq(st, ART_ERR_LIMIT);
  ck_assert_uint_eq(g.n, 1);
  ck_assert_ptr_nonnull(j); /* the summary is still there */
  json_decref(j);
}
END_TEST

START_TEST(test_name_flags)
{
  json_t *a = json_array();
  ck_assert_uint_eq(art__dissect_name_flags("Invoice_2024.pdf.exe", a), 1);
  ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "double_extension");
  json_array_clear(a);
  /* "invoice" U+202E "fdp.exe": shows as invoiceexe.pdf */
  ck_assert_uint_eq(art__dissect_name_flags("invoice\xe2\x80\xae"
                                            "fdp.exe",
                                            a),
                    1);
  ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "rtl_override");
  json_array_clear(a);
  ck_assert_uint_eq(art__dissect_name_flags("report.pdf          .exe", a), 1);
  ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "padded_name");
  ck_assert_uint_eq(art__dissect_name_flags("archive.tar.gz", NULL), 0);
  ck_assert_uint_eq(art__dissect_name_flags("setup.exe", NULL), 0);
  ck_assert_uint_eq(art__dissect_name_flags(NULL, NULL), 0);
  json_decref(a);
}
END_TEST

/* [MS-OVBA] 3.2 examples; expected output as olevba's decompress_stream
 * gives it. */
START_TEST(test_vba_decompress)
{
  static const uint8_t none[] = {0x01, 0x19, 0xB0, 0x00, 0x61, 0x62, 0x63, 0x64,
                                 0x65, 0x66, 0x67, 0x68, 0x00, 0x69, 0x6A, 0x6B,
                                 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x00, 0x71, 0x72,
                                 0x73, 0x74, 0x75, 0x76, 0x2E};
  static const uint8_t normal[] = {
      0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64,
      0x65, 0x82, 0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01,
      0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00, 0x30, 0x6D, 0x6E, 0x6F, 0x70,
      0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74, 0x75, 0x76,
      0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C};
  static const uint8_t run_[] = {0x01, 0x03, 0xB0, 0x02, 0x61, 0x45, 0x00};
  size_t n = 0;
  uint8_t *o = art__vba_decompress(none, sizeof none, 1 << 20, &n);
  ck_assert_ptr_nonnull(o);
  ck_assert_uint_eq(n, 23);
  ck_assert(memcmp(o, "abcdefghijklmnopqrstuv.", n) == 0);
  free(o);
  o = art__vba_decompress(normal, sizeof normal, 1 << 20, &n);
  ck_assert_uint_eq(n, 56);
  ck_assert(memcmp(o,
                   "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
                   n) == 0);
  free(o);
  o = art__vba_decompress(run_, sizeof run_, 1 << 20, &n);
  ck_assert_uint_eq(n, 73);
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(o[i], 'a');
  free(o);
  /* the output cap holds */
  o = art__vba_decompress(run_, sizeof run_, 10, &n);
  ck_assert_uint_eq(n, 10);
  free(o);
  /* not a container; a copy token reaching before the chunk */
  ck_assert_ptr_null(art__vba_decompress((const uint8_t *)"\x02", 1, 100, &n));
  static const uint8_t bad[] = {0x01, 0x03, 0xB0, 0x01, 0xff, 0xff};
  o = art__vba_decompress(bad, sizeof bad, 1 << 20, &n);
  ck_assert_uint_eq(n, 0);
  free(o);
}
END_TEST

START_TEST(test_cfb_hostile)
{
  /* A header claiming a huge FAT and a directory beyond the end. */
  uint8_t h[1024];
  char err[128];
  cfb *c = NULL;
  memset(h, 0, sizeof h);
  memcpy(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  h[0x1c] = 0xfe;
  h[0x1d] = 0xff;
  h[0x1e] = 9;
  memset(h + 0x2c, 0xff, 4);   /* FAT sectors: 4 billion */
  memset(h + 0x30, 0x7f, 4);   /* directory far away */
  memset(h + 0x4c, 0x00, 436); /* DIFAT: sector 0 */
  art_status st = art__cfb_open(h, sizeof h, &c, err, sizeof err);
  ck_assert_int_eq(st, ART_ERR_CORRUPT);
  ck_assert_ptr_null(c);
  ck_assert_int_eq(
      art__cfb_open((const uint8_t *)"PK\3\4", 4, &c, err, sizeof err),
      ART_ERR_FORMAT);
}
END_TEST

/* fuzz_dissect_script: "action=" as the last bytes of the input was read
 * past the end (the buffer is exactly the text, so ASan sees it). */
START_TEST(test_script_form_at_end)
{
  static const char text[] = "<html><form action=";
  size_t n = sizeof text - 1;
  uint8_t *b = malloc(n);
  art_ctx *ctx = NULL;
  art_dissect_sink *sink = NULL;
  got g = {.answer = ART_OK};
  const art_dissector *d = art_dissect_find("script");
  memcpy(b, text, n);
  ck_assert_ptr_nonnull(d);
  ck_assert(d->recognise(b, n));
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_dissect_sink_new(ctx, on_child, &g, &sink), ART_OK);
  art_dissect_input in = {b, n, "cut.html", 0};
  ck_assert_int_eq(art_dissect_run(ctx, d, &in, sink), ART_OK);
  json_t *j = json_loads(art_dissect_sink_get_summary(sink), 0, NULL);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "forms")), 1);
  json_decref(j);
  art_dissect_sink_free(sink);
  art_ctx_free(ctx);
  free(b);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("dissect");
  TCase *tc = tcase_create("registry");
  tcase_add_test(tc, test_registry);
  tcase_add_test(tc, test_name_flags);
  suite_add_tcase(s, tc);
  tc = tcase_create("email");
  tcase_add_test(tc, test_email_summary);
  tcase_add_test(tc, test_child_limit_stops);
  suite_add_tcase(s, tc);
  tc = tcase_create("ole");
  tcase_add_test(tc, test_vba_decompress);
  tcase_add_test(tc, test_cfb_hostile);
  suite_add_tcase(s, tc);
  tc = tcase_create("script");
  tcase_add_test(tc, test_script_form_at_end);
  suite_add_tcase(s, tc);
  return tu_main(s);
}
