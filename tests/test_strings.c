/* Check suite for strings: extraction against GNU strings, streaming, UTF-8,
 * the summary and JSON records.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct outbuf {
  char *p;
  size_t len, cap;
  int pieces;
} outbuf;

static void ob_add(outbuf *o, const char *s, size_t n)
{
  if (o->len + n + 1 > o->cap) {
    o->cap = (o->len + n + 1) * 2;
    o->p = realloc(o->p, o->cap);
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
  o->p[o->len] = '\0';
}

/* Format as `strings -t d` does. */
static int gnu_cb(const art_string *s, void *ud)
{
  outbuf *o = ud;
  char pre[40];
  if (!(s->flags & ART_STR_CONTINUED)) {
    int n = snprintf(pre, sizeof pre, "%7" PRIu64 " ", s->offset);
    ob_add(o, pre, (size_t)n);
  } else {
    o->pieces++;
  }
  ob_add(o, s->text, s->len);
  if (!(s->flags & ART_STR_MORE))
    ob_add(o, "\n", 1);
  return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  unsigned char *b = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* Our strings of BUF, fed in chunks of varying size from SEED. */
static char *extract(const unsigned char *buf,
                     size_t len,
                     unsigned enc,
                     size_t min,
                     unsigned seed,
                     int *pieces)
{
  outbuf o = {0};
  ob_add(&o, "", 0);
  art_strings_opts opts = {.encodings = enc, .min_len = min};
  art_strings *s;
  ck_assert_int_eq(art_strings_new(NULL, &opts, gnu_cb, &o, &s), ART_OK);
  size_t off = 0;
  unsigned x = seed;
  while (off < len) {
    x = x * 1103515245u + 12345u;
    size_t n = seed ? 1 + (x >> 8) % 5000 : len;
    if (n > len - off)
      n = len - off;
    ck_assert_int_eq(art_strings_update(NULL, s, buf + off, n), ART_OK);
    off += n;
  }
  ck_assert_int_eq(art_strings_final(NULL, s), ART_OK);
  art_strings_free(s);
  if (pieces)
    *pieces = o.pieces;
  return o.p;
}

static void diff_gnu(const char *path, const char *letter, size_t min)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "strings -a -t d -n %zu -e %s '%s'", min, letter,
           path);
  int st;
  char *ref = tu_run(cmd, &st);
  ck_assert_int_eq(st, 0);
  unsigned mask;
  ck_assert_int_eq(art_str_enc_parse(letter, &mask), ART_OK);
  size_t len;
  unsigned char *buf = slurp(path, &len);
  char *mine = extract(buf, len, mask, min, (unsigned)min + 1, NULL);
  if (strcmp(ref, mine) != 0) {
    size_t i = 0;
    while (ref[i] && ref[i] == mine[i])
      i++;
    ck_abort_msg("%s -e %s -n %zu differs at output byte %zu: ours '%.60s', "
                 "GNU '%.60s'",
                 path, letter, min, i, mine + i, ref + i);
  }
  free(ref);
  free(mine);
  free(buf);
}

/* Text in several encodings, at odd and even offsets, between noise. */
static char *make_mixed(const char *dir)
{
  unsigned char *b = calloc(1, 200000);
  size_t n = 0;
  unsigned x = 99;
  const char *words[] = {"hello world",
                         "C:\\Windows\\system32\\cmd.exe",
                         "http://example.com/x",
                         "abc",
                         "tab\there",
                         "Software\\Microsoft\\Windows\\CurrentVersion\\Run"};
  for (int rep = 0; rep < 300; rep++) {
    for (int k = 0; k < 1 + rep % 40; k++) {
      x = x * 1103515245u + 12345u;
      b[n++] = (unsigned char)(x >> 16);
    }
    const char *w = words[rep % 6];
    size_t wl = strlen(w);
    switch (rep % 5) {
    case 0:
      memcpy(b + n, w, wl);
      n += wl;
      break;
    case 1: /* UTF-16LE */
    case 2:
      for (size_t i = 0; i < wl; i++) {
        b[n++] = (unsigned char)w[i];
        b[n++] = 0;
      }
      break;
    case 3: /* UTF-16BE */
      for (size_t i = 0; i < wl; i++) {
        b[n++] = 0;
        b[n++] = (unsigned char)w[i];
      }
      break;
    case 4: /* UTF-32LE */
      for (size_t i = 0; i < wl; i++) {
        b[n++] = (unsigned char)w[i];
        b[n++] = 0;
        b[n++] = 0;
        b[n++] = 0;
      }
      break;
    }
  }
  char *p = tu_path(dir, "mixed.bin");
  tu_write(p, b, n);
  free(b);
  return p;
}

START_TEST(test_against_gnu)
{
  char *dir = tu_tmpdir();
  char *mixed = make_mixed(dir);
  const char *files[] = {mixed, "/usr/bin/ls", "/usr/bin/strings"};
  const char *encs[] = {"s", "S", "l", "b", "L", "B"};
  for (size_t f = 0; f < 3; f++)
    for (size_t e = 0; e < 6; e++)
      for (size_t min = 3; min <= 8; min += 5)
        diff_gnu(files[f], encs[e], min);
  diff_gnu(mixed, "l", 1);
  diff_gnu(mixed, "s", 20);
  free(mixed);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_against_gnu_samples)
{
  /* Real documents and images from Debian's forensics samples. */
  int st;
  char *list = tu_run("find /usr/share/forensics-samples/original-files "
                      "-type f -size -3M 2>/dev/null | sort | head -12",
                      &st);
  int n = 0;
  char *save = NULL;
  for (char *p = strtok_r(list, "\n", &save); p;
       p = strtok_r(NULL, "\n", &save)) {
    diff_gnu(p, "s", 4);
    diff_gnu(p, "l", 4);
    n++;
  }
  free(list);
  (void)n;
}
END_TEST

START_TEST(test_pieces_and_chunking)
{
  size_t len = 300000;
  unsigned char *b = malloc(len);
  memset(b, 'A', len);
  b[1000] = 0;
  int pieces = 0;
  char *one = extract(b, len, ART_STR_MASK(ART_STR_ASCII), 4, 0, &pieces);
  char *many = extract(b, len, ART_STR_MASK(ART_STR_ASCII), 4, 7, NULL);
  ck_assert_str_eq(one, many);
  /* 299,999 bytes in pieces of at most ART_STR_PIECE. */
  ck_assert_int_ge(pieces, 4);
  ck_assert_uint_eq(strlen(one), 1000 + 9 + (len - 1001) + 9);
  free(one);
  free(many);
  /* Several encodings: the same output whatever the chunking. */
  for (size_t i = 0; i < len; i++)
    b[i] = (unsigned char)((i * 2654435761u) >> 13);
  memcpy(b + 5000, "h\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0", 22);
  memcpy(b + 9000, "caf\xc3\xa9 cr\xc3\xa8me", 13);
  unsigned all = ART_STR_MASK(ART_STR_ASCII) | ART_STR_MASK(ART_STR_UTF16LE) |
                 ART_STR_MASK(ART_STR_UTF8) | ART_STR_MASK(ART_STR_UTF32BE);
  one = extract(b, len, all, 4, 0, NULL);
  many = extract(b, len, all, 4, 3, NULL);
  ck_assert_str_eq(one, many);
  ck_assert_ptr_nonnull(strstr(one, "   5000 hello world\n"));
  ck_assert_ptr_nonnull(strstr(one, "   9000 caf\xc3\xa9 cr\xc3\xa8me\n"));
  free(one);
  free(many);
  free(b);
}
END_TEST

static int count_cb(const art_string *s, void *ud)
{
  outbuf *o = ud;
  char pre[64];
  int n = snprintf(pre, sizeof pre, "%" PRIu64 ":%s:", s->offset,
                   art_str_enc_name(s->encoding));
  ob_add(o, pre, (size_t)n);
  ob_add(o, s->text, s->len);
  ob_add(o, "\n", 1);
  return 0;
}

static char *run_cb(const char *data, size_t len, unsigned mask, size_t min)
{
  outbuf o = {0};
  ob_add(&o, "", 0);
  art_strings_opts opts = {.encodings = mask, .min_len = min};
  art_strings *s;
  ck_assert_int_eq(art_strings_new(NULL, &opts, count_cb, &o, &s), ART_OK);
  art_strings_update(NULL, s, data, len);
  art_strings_final(NULL, s);
  art_strings_free(s);
  return o.p;
}

START_TEST(test_utf8)
{
  const char d[] = "\x01plain ascii\x02na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac"
                   "\x03\xc3(bad\xed\xa0\x80surrogate\xc2\x85"
                   "c1\x04";
  size_t len = sizeof d - 1;
  char *u = run_cb(d, len, ART_STR_MASK(ART_STR_UTF8), 4);
  ck_assert_str_eq(u, "1:utf8:plain ascii\n13:utf8:na\xc3\xafve "
                      "\xe6\x97\xa5\xe6\x9c\xac\n28:utf8:(bad\n"
                      "35:utf8:surrogate\n");
  free(u);
  /* With ASCII too, pure-ASCII runs are ASCII strings only. */
  u = run_cb(d, len, ART_STR_MASK(ART_STR_UTF8) | ART_STR_MASK(ART_STR_ASCII),
             4);
  ck_assert_str_eq(u, "1:ascii:plain ascii\n13:utf8:na\xc3\xafve "
                      "\xe6\x97\xa5\xe6\x9c\xac\n28:ascii:(bad\n"
                      "35:ascii:surrogate\n");
  free(u);
}
END_TEST

START_TEST(test_combined_encodings)
{
  /* Several encodings at once give each encoding's strings, interleaved
   * by where they end. */
  size_t len;
  unsigned char *b = slurp("/usr/bin/ls", &len);
  unsigned all = ART_STR_MASK(ART_STR_ASCII) | ART_STR_MASK(ART_STR_UTF16LE) |
                 ART_STR_MASK(ART_STR_UTF32BE);
  char *both = run_cb((const char *)b, len, all, 4);
  const art_str_enc encs[3] = {ART_STR_ASCII, ART_STR_UTF16LE, ART_STR_UTF32BE};
  for (int e = 0; e < 3; e++) {
    char *one = run_cb((const char *)b, len, ART_STR_MASK(encs[e]), 4);
    outbuf f = {0};
    ob_add(&f, "", 0);
    char tag[32];
    snprintf(tag, sizeof tag, ":%s:", art_str_enc_name(encs[e]));
    for (char *l = both; *l;) {
      char *nl = strchr(l, '\n');
      if (strstr(l, tag) && strstr(l, tag) < nl)
        ob_add(&f, l, (size_t)(nl - l + 1));
      l = nl + 1;
    }
    ck_assert_str_eq(f.p, one);
    free(f.p);
    free(one);
  }
  free(both);
  free(b);
}
END_TEST

static int stop_cb(const art_string *s, void *ud)
{
  (void)s;
  int *n = ud;
  return ++*n >= 2;
}

START_TEST(test_stop)
{
  /* The callback stops the scan in the middle of a long string: no more
   * calls, and no endless loop on the full buffer. */
  size_t len = 400000;
  char *b = malloc(len);
  memset(b, 'Z', len);
  for (unsigned mask = 1; mask <= ART_STR_MASK(ART_STR_UTF8) * 2 - 1;
       mask = mask * 2 + 1) {
    art_strings_opts o = {.encodings = mask};
    int n = 0;
    art_strings *s;
    ck_assert_int_eq(art_strings_new(NULL, &o, stop_cb, &n, &s), ART_OK);
    art_status st = art_strings_update(NULL, s, b, len);
    ck_assert(st == ART_ERR_LIMIT || st == ART_OK);
    st = art_strings_update(NULL, s, b, len);
    ck_assert_int_eq(st, ART_ERR_LIMIT);
    art_strings_final(NULL, s);
    ck_assert_int_eq(n, 2);
    art_strings_free(s);
  }
  free(b);
}
END_TEST

START_TEST(test_enc_parse)
{
  unsigned m = 0;
  ck_assert_int_eq(art_str_enc_parse("s", &m), ART_OK);
  ck_assert_uint_eq(m, ART_STR_MASK(ART_STR_ASCII));
  ck_assert_int_eq(art_str_enc_parse("slu", &m), ART_OK);
  ck_assert_uint_eq(m, ART_STR_MASK(ART_STR_ASCII) |
                           ART_STR_MASK(ART_STR_UTF16LE) |
                           ART_STR_MASK(ART_STR_UTF8));
  ck_assert_int_eq(art_str_enc_parse("ascii,utf16be", &m), ART_OK);
  ck_assert_uint_eq(m, ART_STR_MASK(ART_STR_ASCII) |
                           ART_STR_MASK(ART_STR_UTF16BE));
  ck_assert_int_eq(art_str_enc_parse("x", &m), ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_str_enc_parse("", &m), ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_str_enc_parse("ascii,", &m), ART_ERR_INVALID_ARG);
  ck_assert_str_eq(art_str_enc_name(ART_STR_UTF16LE), "utf16le");
}
END_TEST

START_TEST(test_summary)
{
  art_strings_summary_opts so = {.max_iocs = 3};
  art_strings_summary *sum;
  ck_assert_int_eq(art_strings_summary_new(NULL, &so, &sum), ART_OK);
  unsigned char b[4096];
  memset(b, 0, sizeof b);
  const char *a1 = "connect to http://evil.example.com/a.php now";
  memcpy(b + 10, a1, strlen(a1));
  memcpy(b + 100, a1, strlen(a1)); /* a duplicate */
  const char *w = "8.8.4.4";
  for (size_t i = 0; i < strlen(w); i++)
    b[201 + 2 * i] = (unsigned char)w[i];
  memcpy(b + 400, "mail bob@example.org", 20);
  memcpy(b + 500, "HKLM\\Software\\Foo", 17);
  ck_assert_int_eq(art_strings_summary_update(NULL, sum, b, 300), ART_OK);
  ck_assert_int_eq(art_strings_summary_update(NULL, sum, b + 300, 3796),
                   ART_OK);
  ck_assert_int_eq(art_strings_summary_final(NULL, sum), ART_OK);
  ck_assert_uint_eq(art_strings_summary_count(sum, ART_STR_ASCII), 4);
  ck_assert_uint_eq(art_strings_summary_count(sum, ART_STR_UTF16LE), 1);
  ck_assert_uint_eq(art_strings_summary_ioc_total(sum), 5);
  int trunc = 0;
  ck_assert_uint_eq(art_strings_summary_ioc_count(sum, &trunc), 3);
  ck_assert_int_eq(trunc, 1);
  art_strings_ioc ioc;
  ck_assert_int_eq(art_strings_summary_ioc(sum, 0, &ioc), ART_OK);
  ck_assert_str_eq(ioc.cls, "url");
  ck_assert_str_eq(ioc.value, "http://evil.example.com/a.php");
  ck_assert_uint_eq(ioc.offset, 21);
  ck_assert_int_eq(art_strings_summary_ioc(sum, 1, &ioc), ART_OK);
  ck_assert_str_eq(ioc.cls, "ipv4");
  ck_assert_str_eq(ioc.value, "8.8.4.4");
  ck_assert_uint_eq(ioc.offset, 201);
  ck_assert_int_eq(ioc.encoding, ART_STR_UTF16LE);
  ck_assert_int_eq(art_strings_summary_ioc(sum, 2, &ioc), ART_OK);
  ck_assert_str_eq(ioc.cls, "email");
  ck_assert_uint_eq(ioc.offset, 405);
  ck_assert_int_eq(art_strings_summary_ioc(sum, 3, &ioc), ART_ERR_NOT_FOUND);
  char *js = NULL;
  ck_assert_int_eq(art_strings_summary_json(NULL, sum, &js), ART_OK);
  json_error_t err;
  json_t *o = json_loads(js, 0, &err);
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(
      json_integer_value(json_object_get(json_object_get(o, "count"), "ascii")),
      4);
  ck_assert(json_is_true(json_object_get(o, "truncated")));
  ck_assert_uint_eq(json_array_size(json_object_get(o, "iocs")), 3);
  json_decref(o);
  art_free(js);
  /* Reset for the next input. */
  art_strings_summary_reset(sum);
  ck_assert_uint_eq(art_strings_summary_ioc_count(sum, NULL), 0);
  ck_assert_uint_eq(art_strings_summary_count(sum, ART_STR_ASCII), 0);
  art_strings_summary_free(sum);
}
END_TEST

START_TEST(test_json_record)
{
  char *line = NULL;
  ck_assert_int_eq(art_strings_json_record(NULL, "/tmp/a\xff.bin", 42,
                                           ART_STR_8BIT, NULL, "caf\xe9", 4, 0,
                                           &line),
                   ART_OK);
  ck_assert_str_eq(line, "{\"schema\":\"artifact.strings/1\",\"path\":\"/tmp/"
                         "a\xef\xbf\xbd.bin\",\"offset\":42,\"encoding\":"
                         "\"8bit\",\"value\":\"caf\xc3\xa9\"}");
  art_free(line);
  ck_assert_int_eq(art_strings_json_record(NULL, NULL, 7, ART_STR_ASCII, "url",
                                           "say \"hi\"", 8, 1, &line),
                   ART_OK);
  ck_assert_str_eq(line, "{\"schema\":\"artifact.strings/1\",\"offset\":7,"
                         "\"encoding\":\"ascii\",\"class\":\"url\",\"value\":"
                         "\"say \\\"hi\\\"\",\"truncated\":true}");
  art_free(line);
}
END_TEST

/* Japanese strings and indicators: the same results whatever the blocks
 * (escape sequences, lead bytes and pre-context cut anywhere), offsets of
 * converted text mapped back to the input. The bytes are encoded by iconv. */
typedef struct jrec {
  char buf[8192];
  size_t len;
} jrec;

static int jrec_ioc(const art_str_ioc *ioc, void *ud)
{
  jrec *r = ud;
  int n =
      snprintf(r->buf + r->len, sizeof r->buf - r->len, "%" PRIu64 " %s %s %s|",
               ioc->offset, art_str_enc_name(ioc->encoding),
               art_ioc_class_name(ioc->cls), ioc->value);
  if (n > 0 && (size_t)n < sizeof r->buf - r->len)
    r->len += (size_t)n;
  return 0;
}

typedef struct jctx {
  jrec strs;
  art_str_iocs *iocs;
} jctx;

static int jrec_str(const art_string *s, void *ud)
{
  jctx *j = ud;
  int n = snprintf(j->strs.buf + j->strs.len, sizeof j->strs.buf - j->strs.len,
                   "%" PRIu64 " %s %s|", s->offset,
                   art_str_enc_name(s->encoding), s->text);
  if (n > 0 && (size_t)n < sizeof j->strs.buf - j->strs.len)
    j->strs.len += (size_t)n;
  art_str_iocs_string(j->iocs, s);
  return 0;
}

static void
run_blocks(const char *data, size_t len, size_t step, jctx *j, jrec *iocs)
{
  art_strings_opts o = {.encodings = ART_STR_ALL & ~ART_STR_MASK(ART_STR_8BIT),
                        .indicators = 1};
  art_strings *s;
  memset(j, 0, sizeof *j);
  memset(iocs, 0, sizeof *iocs);
  ck_assert_int_eq(art_str_iocs_new(NULL, jrec_ioc, iocs, &j->iocs), ART_OK);
  ck_assert_int_eq(art_strings_new(NULL, &o, jrec_str, j, &s), ART_OK);
  for (size_t off = 0; off < len; off += step)
    art_strings_update(NULL, s, data + off,
                       len - off < step ? len - off : step);
  art_strings_final(NULL, s);
  art_str_iocs_final(j->iocs);
  art_str_iocs_free(j->iocs);
  art_strings_free(s);
}

START_TEST(test_japanese_streaming)
{
  char *dir = tu_tmpdir(), *f = tu_path(dir, "j.bin"), cmd[2048];
  int status;
  snprintf(
      cmd, sizeof cmd,
      "{ printf '\\001\\002'; printf '%%s\\n' "
      "'担当：info@example-jp.co.jp までご連絡ください。' | iconv -t CP932;"
      " printf '\\000'; printf '%%s\\n' "
      "'連絡先は support@カード会社.jp です。' | iconv -t ISO-2022-JP;"
      " printf '\\000'; printf '%%s\\n' "
      "'お問い合わせ：ｓｕｐｐｏｒｔ＠ｅｘａｍｐｌｅ．ｊｐ まで。' | "
      "iconv -t EUC-JP; } > '%s'",
      f);
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  FILE *fp = fopen(f, "rb");
  ck_assert_ptr_nonnull(fp);
  char data[4096];
  size_t len = fread(data, 1, sizeof data, fp);
  fclose(fp);
  jctx whole, piece;
  jrec iw, ip;
  run_blocks(data, len, len, &whole, &iw);
  ck_assert_msg(strstr(iw.buf, "ascii email info@example-jp.co.jp|"), "%s",
                iw.buf);
  ck_assert_msg(strstr(iw.buf, "iso2022jp email support@カード会社.jp|"), "%s",
                iw.buf);
  ck_assert_msg(strstr(iw.buf, "eucjp email support@example.jp|"), "%s",
                iw.buf);
  ck_assert_msg(
      strstr(whole.strs.buf,
             "cp932 担当：info@example-jp.co.jp までご連絡ください。|"),
      "%s", whole.strs.buf);
  /* Each indicator's offset holds its first byte in the input: ASCII as
   * such, the full-width address's first byte in EUC-JP (0xa3). */
  for (const char *p = iw.buf; *p; p = strchr(p, '|') + 1) {
    uint64_t off = strtoull(p, NULL, 10);
    const char *v = strchr(strchr(strchr(p, ' ') + 1, ' ') + 1, ' ') + 1;
    ck_assert_uint_lt(off, len);
    if (strstr(p, "eucjp") == strchr(p, ' ') + 1)
      ck_assert_uint_eq((unsigned char)data[off], 0xa3);
    else
      ck_assert_int_eq(data[off], v[0]);
  }
  for (size_t step = 1; step < 9; step++) {
    run_blocks(data, len, step, &piece, &ip);
    ck_assert_str_eq(piece.strs.buf, whole.strs.buf);
    ck_assert_str_eq(ip.buf, iw.buf);
  }
  free(f);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("strings");
  TCase *tc = tcase_create("extract");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_against_gnu);
  tcase_add_test(tc, test_against_gnu_samples);
  tcase_add_test(tc, test_pieces_and_chunking);
  tcase_add_test(tc, test_utf8);
  tcase_add_test(tc, test_combined_encodings);
  tcase_add_test(tc, test_stop);
  tcase_add_test(tc, test_enc_parse);
  suite_add_tcase(s, tc);
  tc = tcase_create("summary");
  tcase_add_test(tc, test_summary);
  tcase_add_test(tc, test_json_record);
  tcase_add_test(tc, test_japanese_streaming);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
