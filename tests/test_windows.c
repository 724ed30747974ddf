/* Windows artifact parsers: detection, FILETIME, and hand-decoded records
 * built here ($UsnJrnl, $I, INFO2); damaged inputs fail cleanly.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The corpus files are compared with the libyal tools' goldens in
 * tests/cli/test_timeline.sh (tests/data/windows/make-goldens.sh).
 */
#include <artifact/windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "win_private.h"

typedef struct mem {
  const unsigned char *p;
  size_t n;
} mem;

static art_status
mem_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  mem *m = user;
  *got = 0;
  if (off >= m->n)
    return ART_OK;
  if (len > m->n - off)
    len = (size_t)(m->n - off);
  memcpy(buf, m->p + off, len);
  *got = len;
  return ART_OK;
}

typedef struct seen {
  int n;
  int64_t sec;
  uint32_t nsec;
  char dtype[64], desc[64], msg[512], a1[256];
  const char *want_key;
} seen;

static art_status on_ev(void *user, const art_win_event *ev)
{
  seen *s = user;
  s->n++;
  s->sec = ev->sec;
  s->nsec = ev->nsec;
  snprintf(s->dtype, sizeof s->dtype, "%s", ev->data_type);
  snprintf(s->desc, sizeof s->desc, "%s", ev->timestamp_desc);
  snprintf(s->msg, sizeof s->msg, "%s", ev->message);
  for (size_t i = 0; i < ev->nattrs; i++)
    if (s->want_key && strcmp(ev->attrs[i].key, s->want_key) == 0)
      snprintf(s->a1, sizeof s->a1, "%s", ev->attrs[i].value);
  return ART_OK;
}

static void put16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

START_TEST(filetime_conversion)
{
  int64_t s;
  uint32_t ns;
  /* 0x01d12bb43bedc180 = 130933917270000000 (100 ns since 1601):
   * 13093391727 s - 11644473600 s = 1448918127 = 2015-11-30T21:15:27Z */
  ck_assert(art_win_filetime(UINT64_C(0x01d12bb43bedc180), &s, &ns));
  ck_assert_int_eq(s, 1448918127);
  ck_assert_uint_eq(ns, 0);
  ck_assert(art_win_filetime(UINT64_C(116444736000000001), &s, &ns));
  ck_assert_int_eq(s, 0);
  ck_assert_uint_eq(ns, 100);
  ck_assert(!art_win_filetime(0, &s, &ns));          /* not set */
  ck_assert(!art_win_filetime(UINT64_MAX, &s, &ns)); /* past 9999 */
}
END_TEST

START_TEST(detect_kinds)
{
  ck_assert_int_eq(art_win_detect("x", "ElfFile\0", 8), ART_WIN_EVTX);
  /* EVT: header size 48, then "LfLe" */
  ck_assert_int_eq(art_win_detect("x", "\x30\0\0\0LfLe", 8), ART_WIN_EVT);
  ck_assert_int_eq(art_win_detect("x", "\x31\0\0\0LfLe", 8), ART_WIN_UNKNOWN);
  ck_assert_str_eq(art_win_kind_name(ART_WIN_EVT), "evt");
  ck_assert_int_eq(art_win_kind_from_name("evt"), ART_WIN_EVT);
  ck_assert_int_eq(art_win_detect("x", "regf\1\0\0\0", 8), ART_WIN_REGISTRY);
  ck_assert_int_eq(art_win_detect("A.pf", "MAM\x04\0\0\0\0", 8),
                   ART_WIN_PREFETCH);
  ck_assert_int_eq(art_win_detect("/a/$J", "\0\0\0\0", 4), ART_WIN_USNJRNL);
  ck_assert_int_eq(art_win_detect("x/INFO2",
                                  "\5\0\0\0\0\0\0\0\0\0\0\0 "
                                  "\3\0\0\0\0\0\0",
                                  20),
                   ART_WIN_RECYCLE_INFO2);
  ck_assert_int_eq(art_win_detect("notes.txt", "hello world", 11),
                   ART_WIN_UNKNOWN);
  ck_assert_int_eq(art_win_kind_from_name("prefetch"), ART_WIN_PREFETCH);
  ck_assert_str_eq(art_win_kind_name(ART_WIN_LNK), "lnk");
}
END_TEST

/* A USN_RECORD_V2 decoded by hand: "b.txt", ref 30-1, parent 5-5, time
 * 0x01d12bb43bedc180, reason FILE_DELETE|CLOSE (0x80000200), after 64
 * zero bytes; then 8 bytes of garbage (counted as damage). */
START_TEST(usn_record_v2)
{
  unsigned char b[64 + 72 + 8];
  memset(b, 0, sizeof b);
  unsigned char *r = b + 64;
  put32(r, 72);
  put16(r + 4, 2);
  put64(r + 8, (UINT64_C(1) << 48) | 30);
  put64(r + 16, (UINT64_C(5) << 48) | 5);
  put64(r + 24, 4096);
  put64(r + 32, UINT64_C(0x01d12bb43bedc180));
  put32(r + 40, 0x80000200u);
  put16(r + 56, 10);
  put16(r + 58, 60);
  const char *nm = "b.txt";
  for (int i = 0; i < 5; i++)
    put16(r + 60 + 2 * i, (unsigned char)nm[i]);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  mem m = {b, 64 + 72};
  art_win_input in = {"$J", m.n, mem_read, &m};
  seen s = {0};
  s.want_key = "update_reason";
  ck_assert_int_eq(art_win_parse_usnjrnl(ctx, &in, on_ev, &s), ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.dtype, "fs:ntfs:usn_change");
  ck_assert_str_eq(s.desc, "Metadata Modification Time");
  ck_assert_str_eq(s.a1, "USN_REASON_FILE_DELETE, USN_REASON_CLOSE");
  ck_assert_ptr_nonnull(strstr(s.msg, "b.txt File reference: 30-1 Parent "
                                      "file reference: 5-5"));
  /* garbage after the record: the record is kept, the damage reported */
  memset(b + 64 + 72, 0x41, 8);
  m.n = sizeof b;
  in.size = m.n;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_usnjrnl(ctx, &in, on_ev, &s), ART_ERR_CORRUPT);
  ck_assert_int_eq(s.n, 1);
  art_ctx_free(ctx);
}
END_TEST

/* $I version 1: size 5000, deleted 0x01d12bb43bedc180, path C:\a.doc */
START_TEST(recycle_i_v1)
{
  unsigned char b[24 + 520];
  memset(b, 0, sizeof b);
  put64(b, 1);
  put64(b + 8, 5000);
  put64(b + 16, UINT64_C(0x01d12bb43bedc180));
  const char *p = "C:\\a.doc";
  for (size_t i = 0; i < strlen(p); i++)
    put16(b + 24 + 2 * i, (unsigned char)p[i]);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  mem m = {b, sizeof b};
  art_win_input in = {"$IX.doc", m.n, mem_read, &m};
  seen s = {0};
  s.want_key = "original_filename";
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s), ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_str_eq(s.a1, "C:\\a.doc");
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.desc, "Content Deletion Time");
  /* truncated: refused with a reason, no event */
  m.n = 10;
  in.size = 10;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s),
                   ART_ERR_FORMAT);
  ck_assert_int_eq(s.n, 0);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "$IX.doc"));
  /* cut inside the 260-unit path field (after the path's NUL): corrupt,
   * never a clean record */
  m.n = 272;
  in.size = 272;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_win_parse_recycle_i(ctx, &in, on_ev, &s),
                   ART_ERR_CORRUPT);
  ck_assert_int_eq(s.n, 0);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "past the end"));
  art_ctx_free(ctx);
}
END_TEST

art_status win_shimcache(art_ctx *ctx,
                         const unsigned char *d,
                         size_t n,
                         const char *key_path,
                         art_win_event_fn fn,
                         void *user,
                         unsigned *entries);

/* A Windows 10 AppCompatCache value made here: 0x34-byte header, one
 * "10ts" entry for C:\x.exe (16 path bytes) modified at
 * 0x01d12bb43bedc180 (2015-11-30T21:15:27Z), 4 data bytes; then a second
 * entry whose size runs past the end (damage after one entry). */
START_TEST(shimcache_win10)
{
  unsigned char b[0x34 + 12 + 2 + 16 + 8 + 4 + 4 + 12];
  memset(b, 0, sizeof b);
  put32(b, 0x34);
  unsigned char *e = b + 0x34;
  memcpy(e, "10ts", 4);
  put32(e + 8, 2 + 16 + 8 + 4 + 4);
  put16(e + 12, 16);
  const char *p = "C:\\x.exe";
  for (int i = 0; i < 8; i++)
    put16(e + 14 + 2 * i, (unsigned char)p[i]);
  put64(e + 30, UINT64_C(0x01d12bb43bedc180));
  put32(e + 38, 4);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  seen s = {0};
  s.want_key = "path";
  unsigned n = 0;
  size_t whole = 0x34 + 12 + 2 + 16 + 8 + 4 + 4;
  ck_assert_int_eq(
      win_shimcache(ctx, b, whole, "\\ControlSet001", on_ev, &s, &n), ART_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(s.a1, "C:\\x.exe");
  ck_assert_int_eq(s.sec, 1448918127);
  ck_assert_str_eq(s.dtype, "windows:registry:appcompatcache");
  /* a second entry that claims more bytes than there are */
  memcpy(b + whole, "10ts", 4);
  put32(b + whole + 8, 1000);
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(win_shimcache(ctx, b, sizeof b, "\\CS", on_ev, &s, &n),
                   ART_ERR_CORRUPT);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(s.n, 1);
  /* not a cache at all */
  ck_assert_int_eq(win_shimcache(ctx, (const unsigned char *)"hello", 5, "\\CS",
                                 on_ev, &s, &n),
                   ART_ERR_FORMAT);
  art_ctx_free(ctx);
}
END_TEST

/* A message whose arguments point into the record's own buffer, long
 * enough to make it grow (found by mutating an EVTX file: the channel,
 * taken back from the attributes, was read after the buffer moved). */
START_TEST(record_args_inside_buffer)
{
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  win_rec r = {0};
  char big[3000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  win_attr(&r, "channel", "%s", big);
  win_attrn(&r, "copy", win_attr_get(&r, "channel"), 2999);
  seen s = {0};
  ck_assert_int_eq(win_emit(&r, ctx, on_ev, &s, 1, 0, "t", "d", "S", "ST",
                            "%s / %s", win_attr_get(&r, "channel"),
                            win_attr_get(&r, "copy")),
                   ART_OK);
  ck_assert_int_eq(s.n, 1);
  ck_assert_uint_eq(strlen(s.msg), sizeof s.msg - 1); /* truncated copy */
  ck_assert_int_eq(s.msg[0], 'a');
  win_rec_free(&r);
  art_ctx_free(ctx);
}
END_TEST

/* Garbage given to every parser: an error naming the input, no crash. */
START_TEST(garbage_everywhere)
{
  unsigned char b[4096];
  for (size_t i = 0; i < sizeof b; i++)
    b[i] = (unsigned char)(i * 131u + 7u);
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  for (int k = 1; k < ART_WIN_KIND_COUNT_; k++) {
    mem m = {b, sizeof b};
    art_win_input in = {"junk.bin", m.n, mem_read, &m};
    seen s = {0};
    art_status st = art_win_parse(ctx, (art_win_kind)k, &in, on_ev, &s);
    ck_assert_msg(st != ART_OK || s.n == 0, "kind %d", k);
    if (st != ART_OK)
      ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "junk.bin"));
  }
  art_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("windows");
  TCase *tc = tcase_create("parsers");
  tcase_add_test(tc, filetime_conversion);
  tcase_add_test(tc, detect_kinds);
  tcase_add_test(tc, usn_record_v2);
  tcase_add_test(tc, recycle_i_v1);
  tcase_add_test(tc, shimcache_win10);
  tcase_add_test(tc, record_args_inside_buffer);
  tcase_add_test(tc, garbage_everywhere);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *r = srunner_create(suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
