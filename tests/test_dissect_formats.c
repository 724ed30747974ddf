/* Check suite for the triage dissectors of Outlook messages, shortcuts,
 * TNEF, OneNote and ODF: their decoders against the specifications'
 * examples, recognition, and hostile inputs through the dissectors.
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

#ifndef ART_SOURCE_DIR
#error "ART_SOURCE_DIR must name the source tree (tests/data)"
#endif

static uint8_t *read_file(const char *rel, size_t *n)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", ART_SOURCE_DIR, rel);
  FILE *f = fopen(path, "rb");
  uint8_t *b = NULL;
  *n = 0;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  b = malloc(len > 0 ? (size_t)len : 1);
  if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
    free(b);
    b = NULL;
  }
  fclose(f);
  if (b)
    *n = (size_t)len;
  return b;
}

typedef struct got {
  size_t n;
  char names[16][96];
  char via[16][32];
  size_t len[16];
  char sha[16][8]; /* first bytes, for spot checks */
} got;

static art_status on_child(void *ud, const art_dissect_child *c)
{
  got *g = ud;
  if (g->n < 16) {
    snprintf(g->names[g->n], sizeof g->names[0], "%s", c->name ? c->name : "");
    snprintf(g->via[g->n], sizeof g->via[0], "%s", c->via);
    g->len[g->n] = c->len;
    memcpy(g->sha[g->n], c->data, c->len < 8 ? c->len : 8);
  }
  g->n++;
  return ART_OK;
}

/* Run dissector NAME on DATA; the summary (NULL when none) and status. */
static json_t *
run(const char *name, const void *data, size_t len, got *g, art_status *st)
{
  art_ctx *ctx = NULL;
  art_dissect_sink *sink = NULL;
  const art_dissector *d = art_dissect_find(name);
  ck_assert_ptr_nonnull(d);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_dissect_sink_new(ctx, on_child, g, &sink), ART_OK);
  art_dissect_input in = {data, len, "t", 0};
  *st = art_dissect_run(ctx, d, &in, sink);
  const char *sum = art_dissect_sink_get_summary(sink);
  json_t *j = sum ? json_loads(sum, 0, NULL) : NULL;
  art_dissect_sink_free(sink);
  art_ctx_free(ctx);
  return j;
}

/* ---- compressed RTF ---------------------------------------------------- */

/* [MS-OXRTFCP] 3.1.1.1 and 3.1.1.2 (compressed bytes and their text). */
static const uint8_t rtf1[] = {
    0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a,
    0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00,
    0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
    0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77,
    0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
static const char rtf1_text[] =
    "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";
static const uint8_t rtf2[] = {0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,
                               0x4c, 0x5a, 0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51,
                               0x41, 0x00, 0x04, 0x20, 0x57, 0x58, 0x59, 0x5a,
                               0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0};
static const char rtf2_text[] = "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";

START_TEST(test_lzfu_spec)
{
  size_t n = 0;
  const char *why = "x";
  uint8_t *o = art__lzfu_decompress(rtf1, sizeof rtf1, 1 << 20, &n, &why);
  ck_assert_ptr_nonnull(o);
  ck_assert_ptr_null(why);
  ck_assert_uint_eq(n, sizeof rtf1_text - 1);
  ck_assert(memcmp(o, rtf1_text, n) == 0);
  free(o);
  o = art__lzfu_decompress(rtf2, sizeof rtf2, 1 << 20, &n, &why);
  ck_assert_ptr_null(why);
  ck_assert_uint_eq(n, sizeof rtf2_text - 1);
  ck_assert(memcmp(o, rtf2_text, n) == 0);
  free(o);
  /* the output cap holds */
  o = art__lzfu_decompress(rtf2, sizeof rtf2, 10, &n, &why);
  ck_assert_uint_eq(n, 10);
  ck_assert(memcmp(o, rtf2_text, 10) == 0);
  free(o);
}
END_TEST

START_TEST(test_lzfu_damaged)
{
  uint8_t b[sizeof rtf1];
  size_t n = 0;
  const char *why = NULL;
  /* one bit changed: CRC mismatch, the text is still given */
  memcpy(b, rtf1, sizeof b);
  b[20] ^= 0x20;
  uint8_t *o = art__lzfu_decompress(b, sizeof b, 1 << 20, &n, &why);
  ck_assert_ptr_nonnull(o);
  ck_assert_str_eq(why, "CRC mismatch");
  free(o);
  /* cut: fewer bytes than COMPSIZE */
  o = art__lzfu_decompress(rtf1, 30, 1 << 20, &n, &why);
  ck_assert_ptr_nonnull(o);
  ck_assert_ptr_nonnull(why);
  ck_assert_uint_lt(n, sizeof rtf1_text - 1);
  free(o);
  /* a huge RAWSIZE is never allocated beyond the cap */
  memcpy(b, rtf1, sizeof b);
  b[4] = b[5] = b[6] = b[7] = 0xff;
  o = art__lzfu_decompress(b, sizeof b, 4096, &n, &why);
  ck_assert_ptr_nonnull(o);
  ck_assert_uint_eq(n, sizeof rtf1_text - 1);
  free(o);
  /* not compressed RTF; shorter than the header */
  ck_assert_ptr_null(art__lzfu_decompress((const uint8_t *)"0123456789abcdefgh",
                                          18, 100, &n, &why));
  ck_assert_ptr_null(art__lzfu_decompress(rtf1, 8, 100, &n, &why));
  /* MELA: stored as is */
  static const uint8_t mela[] = {0x0f, 0,   0, 0, 3, 0, 0,   0,   'M', 'E',
                                 'L',  'A', 0, 0, 0, 0, 'a', 'b', 'c'};
  o = art__lzfu_decompress(mela, sizeof mela, 100, &n, &why);
  ck_assert_uint_eq(n, 3);
  ck_assert(memcmp(o, "abc", 3) == 0);
  free(o);
}
END_TEST

START_TEST(test_msg_not_a_message)
{
  got g = {0};
  art_status st;
  size_t n = 0;
  uint8_t *b = read_file("tests/data/oletools/encrypted.xls", &n);
  ck_assert_ptr_nonnull(b);
  const art_dissector *d = art_dissect_find("msg");
  ck_assert(d->recognise(b, n)); /* a compound file: looked into */
  json_t *j = run("msg", b, n, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_ptr_null(j); /* but not a message */
  ck_assert_uint_eq(g.n, 0);
  /* a damaged compound file: the ole dissector says so, not msg */
  j = run("msg", b, 600, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_ptr_null(j);
  free(b);
}
END_TEST

/* ---- TNEF ------------------------------------------------------------------
 */

static size_t tnef_attr(
    uint8_t *o, unsigned level, uint32_t id, const void *data, uint32_t len)
{
  uint16_t sum = 0;
  o[0] = (uint8_t)level;
  for (int i = 0; i < 4; i++) {
    o[1 + i] = (uint8_t)(id >> (8 * i));
    o[5 + i] = (uint8_t)(len >> (8 * i));
  }
  memcpy(o + 9, data, len);
  for (uint32_t i = 0; i < len; i++)
    sum = (uint16_t)(sum + o[9 + i]);
  o[9 + len] = (uint8_t)sum;
  o[10 + len] = (uint8_t)(sum >> 8);
  return 11 + len;
}

START_TEST(test_tnef_attachment_and_hostile_props)
{
  uint8_t b[512];
  size_t n = 0;
  got g = {0};
  art_status st;
  memcpy(b, "\x78\x9f\x3e\x22\x01\x00", 6);
  n = 6;
  n += tnef_attr(b + n, 2, 0x00069002, "\x01\x00", 2);
  n += tnef_attr(b + n, 2, 0x00018010, "a.txt", 6);
  n += tnef_attr(b + n, 2, 0x0006800f, "hello", 5);
  /* attAttachment claiming 4 billion properties: stops, flagged partial */
  n += tnef_attr(b + n, 2, 0x00069005, "\xff\xff\xff\xff\x1f\x00\x07\x37", 8);
  json_t *j = run("tnef", b, n, &g, &st);
  ck_assert_int_eq(st, ART_ERR_CORRUPT);
  ck_assert_ptr_nonnull(j);
  ck_assert(json_is_true(json_object_get(j, "partial")));
  ck_assert_uint_eq(g.n, 1);
  ck_assert_str_eq(g.names[0], "a.txt");
  ck_assert_str_eq(g.via[0], "tnef-attachment");
  ck_assert_uint_eq(g.len[0], 5);
  json_decref(j);
  /* an attribute length beyond the end */
  memset(&g, 0, sizeof g);
  b[6 + 5] = 0xff;
  b[6 + 8] = 0x7f;
  j = run("tnef", b, n, &g, &st);
  ck_assert_int_eq(st, ART_ERR_CORRUPT);
  ck_assert_uint_eq(g.n, 0);
  json_decref(j);
}
END_TEST

/* ---- OneNote ---------------------------------------------------------------
 */

START_TEST(test_onenote_hostile_length)
{
  static const uint8_t one[16] = {0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8,
                                  0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78,
                                  0xd0, 0x29, 0x96, 0xd3};
  static const uint8_t fdso[16] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                   0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                   0x0b, 0x7a, 0x9e, 0xac};
  uint8_t *b = calloc(1, 2048);
  got g = {0};
  art_status st;
  memcpy(b, one, 16);
  memcpy(b + 1100, fdso, 16);
  memset(b + 1116, 0xff, 8); /* cbLength: 2^64 - 1 */
  memcpy(b + 1136, "MZ", 2);
  ck_assert(art_dissect_find("onenote")->recognise(b, 2048));
  json_t *j = run("onenote", b, 2048, &g, &st);
  ck_assert_int_eq(st, ART_ERR_CORRUPT);
  ck_assert_uint_eq(g.n, 1);
  ck_assert_uint_eq(g.len[0], 2048 - 1136); /* what is there */
  ck_assert(json_is_true(json_object_get(j, "partial")));
  json_decref(j);
  /* a GUID at the very end, no room for its length */
  memset(&g, 0, sizeof g);
  j = run("onenote", b, 1110, &g, &st);
  ck_assert_int_eq(st, ART_OK);
  ck_assert_uint_eq(g.n, 0);
  json_decref(j);
  free(b);
}
END_TEST

/* ---- LNK --------------------------------------------------------------------
 */

START_TEST(test_lnk_garbage_after_header)
{
  uint8_t b[200];
  got g = {0};
  art_status st;
  memset(b, 0xff, sizeof b);
  memcpy(b, "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46", 20);
  ck_assert(art_dissect_find("lnk")->recognise(b, sizeof b));
  json_t *j = run("lnk", b, sizeof b, &g, &st);
  ck_assert_int_eq(st, ART_ERR_CORRUPT); /* liblnk refuses it */
  ck_assert_ptr_nonnull(j);              /* the header is still given */
  ck_assert(json_is_true(json_object_get(j, "partial")));
  ck_assert_uint_eq(g.n, 0);
  json_decref(j);
  /* not a shortcut: the CLSID differs */
  b[19] = 0x47;
  ck_assert(!art_dissect_find("lnk")->recognise(b, sizeof b));
}
END_TEST

int main(void)
{
  Suite *s = suite_create("dissect_formats");
  TCase *tc = tcase_create("msg");
  tcase_add_test(tc, test_lzfu_spec);
  tcase_add_test(tc, test_lzfu_damaged);
  tcase_add_test(tc, test_msg_not_a_message);
  suite_add_tcase(s, tc);
  tc = tcase_create("others");
  tcase_add_test(tc, test_tnef_attachment_and_hostile_props);
  tcase_add_test(tc, test_onenote_hostile_length);
  tcase_add_test(tc, test_lnk_garbage_after_header);
  suite_add_tcase(s, tc);
  return tu_main(s);
}
