/* Check suite for hash sets: building from an NSRL-style SQLite database,
 * hashdeep, sha256sum/md5sum output and lists; hits and misses for MD5,
 * SHA-1 and SHA-256; damaged set files.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/hashset.h>

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static art_ctx *ctx;
static char *dir;

static void setup(void)
{
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  dir = tu_tmpdir();
}

static void teardown(void)
{
  tu_rmtree(dir);
  free(dir);
  art_ctx_free(ctx);
}

static void hex_of(const uint8_t *d, size_t n, char *out, int upper)
{
  static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
  const char *h = upper ? up : lo;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[d[i] >> 4];
    out[2 * i + 1] = h[d[i] & 15];
  }
  out[2 * n] = '\0';
}

/* Pseudo-random digests: row R of algorithm A (0 md5, 1 sha1, 2 sha256). */
static void digest_of(unsigned a, uint64_t r, uint8_t *out, size_t n)
{
  uint64_t x = r * 0x9E3779B97F4A7C15ull + a * 0xD1B54A32D192ED03ull + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    out[i] = (uint8_t)x;
  }
}

static const size_t dlen[3] = {16, 20, 32};
static const art_hash_alg algs[3] = {ART_HASH_MD5, ART_HASH_SHA1,
                                     ART_HASH_SHA256};

/* An RDS v3-like database: METADATA and the FILE view over it, upper-case
 * hex as NIST publishes. */
static char *make_nsrl(uint64_t rows)
{
  char *path = tu_path(dir, "RDS_test_modern.db");
  sqlite3 *db;
  sqlite3_stmt *ins;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(
      sqlite3_exec(db,
                   "CREATE TABLE METADATA (package_id INTEGER, sha256 "
                   "VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT "
                   "NULL, crc32 VARCHAR, file_name VARCHAR, file_size "
                   "INTEGER, extension VARCHAR);"
                   "CREATE VIEW FILE AS SELECT sha256, sha1, md5, file_name, "
                   "file_size, package_id FROM METADATA;"
                   "BEGIN;",
                   NULL, NULL, NULL),
      SQLITE_OK);
  ck_assert_int_eq(
      sqlite3_prepare_v2(db,
                         "INSERT INTO METADATA VALUES (1, ?, ?, ?, NULL, "
                         "'f.dll', 10, 'dll')",
                         -1, &ins, NULL),
      SQLITE_OK);
  for (uint64_t r = 0; r < rows; r++) {
    char hex[3][65];
    for (unsigned a = 0; a < 3; a++) {
      uint8_t d[32];
      digest_of(a, r, d, dlen[a]);
      hex_of(d, dlen[a], hex[a], 1);
    }
    sqlite3_bind_text(ins, 1, hex[2], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, hex[1], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, hex[0], -1, SQLITE_TRANSIENT);
    ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  ck_assert_int_eq(sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  return path;
}

START_TEST(test_nsrl)
{
  const uint64_t rows = 5000;
  char *db = make_nsrl(rows), *out = tu_path(dir, "nsrl.hset");
  art_hashset_builder *b;
  art_hashset_stats stats;
  art_hashset *hs;
  uint64_t counts[3];
  ck_assert_int_eq(
      art_hashset_builder_new(ctx, "NSRL test", ART_HASHSET_KNOWN, &b), ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, db, ART_HASHSET_FMT_AUTO, &stats),
      ART_OK);
  ck_assert_int_eq(stats.format, ART_HASHSET_FMT_NSRL);
  ck_assert_uint_eq(stats.lines, rows);
  ck_assert_uint_eq(stats.skipped, 0);
  ck_assert_int_eq(art_hashset_builder_set_source(ctx, b, "RDS test"), ART_OK);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, out, counts), ART_OK);
  art_hashset_builder_free(b);
  for (unsigned a = 0; a < 3; a++)
    ck_assert_uint_eq(counts[a], rows);

  ck_assert_int_eq(art_hashset_open(ctx, out, &hs), ART_OK);
  ck_assert_str_eq(art_hashset_name(hs), "NSRL test");
  ck_assert_str_eq(art_hashset_source(hs), "RDS test");
  ck_assert_int_eq(art_hashset_get_kind(hs), ART_HASHSET_KNOWN);
  ck_assert_int_gt(art_hashset_created(hs), 0);
  ck_assert_int_eq(art_hashset_verify(ctx, hs), ART_OK);
  for (unsigned a = 0; a < 3; a++) {
    ck_assert_uint_eq(art_hashset_count(hs, algs[a]), rows);
    for (uint64_t r = 0; r < rows; r++) {
      uint8_t d[32];
      char hex[65];
      int found;
      digest_of(a, r, d, dlen[a]);
      ck_assert_msg(art_hashset_contains(hs, algs[a], d), "alg %u row %llu", a,
                    (unsigned long long)r);
      /* Misses: the same digest with the last byte changed, and rows that
       * were never added. */
      d[dlen[a] - 1] ^= 0x5a;
      ck_assert(!art_hashset_contains(hs, algs[a], d));
      digest_of(a, rows + r, d, dlen[a]);
      ck_assert(!art_hashset_contains(hs, algs[a], d));
      if (r % 97 == 0) {
        digest_of(a, r, d, dlen[a]);
        hex_of(d, dlen[a], hex, (int)(r & 1));
        ck_assert_int_eq(art_hashset_lookup_hex(ctx, hs, hex, &found), ART_OK);
        ck_assert_int_eq(found, 1);
      }
    }
  }
  ck_assert_uint_eq(art_hashset_count(hs, ART_HASH_SHA512), 0);
  {
    int found = 7;
    ck_assert_int_eq(art_hashset_lookup_hex(ctx, hs, "xyz", &found),
                     ART_ERR_INVALID_ARG);
    ck_assert_int_eq(found, 0);
  }
  art_hashset_free(hs);
  free(db);
  free(out);
}
END_TEST

START_TEST(test_not_nsrl)
{
  char *path = tu_path(dir, "other.db");
  sqlite3 *db;
  art_hashset_builder *b;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t (x);", NULL, NULL, NULL);
  sqlite3_close(db);
  ck_assert_int_eq(art_hashset_builder_new(ctx, "x", ART_HASHSET_NOTABLE, &b),
                   ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, path, ART_HASHSET_FMT_AUTO, NULL),
      ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "FILE view"));
  ck_assert_int_eq(art_hashset_builder_add_file(ctx, b, "/nonexistent/x",
                                                ART_HASHSET_FMT_AUTO, NULL),
                   ART_ERR_NOT_FOUND);
  art_hashset_builder_free(b);
  free(path);
}
END_TEST

/* hashdeep, sha256sum, md5sum, sha1sum and a plain list made by the real
 * tools over files written here; lookups of those files' digests. */
START_TEST(test_text_formats)
{
  char *files = tu_path(dir, "files"), cmd[4096], *out;
  char *hd = tu_path(dir, "known.hashdeep"), *s256 = tu_path(dir, "s.sha256");
  char *m5 = tu_path(dir, "s.md5"), *list = tu_path(dir, "list.txt");
  char *set = tu_path(dir, "text.hset"), *bsd = tu_path(dir, "bsd.txt");
  art_hashset_builder *b;
  art_hashset_stats st;
  art_hashset *hs;
  int status, found;
  ck_assert_int_eq(mkdir(files, 0755), 0);
  for (int i = 0; i < 6; i++) {
    char name[64], *p;
    snprintf(name, sizeof name, "f%d, with comma.bin", i);
    p = tu_path(files, name);
    tu_write_random(p, 1000 + (size_t)i * 37, (unsigned)i + 1);
    free(p);
  }
  snprintf(cmd, sizeof cmd,
           "cd '%s' && hashdeep -c md5,sha256 -r . > '%s' && sha256sum f0* "
           "f1* > '%s' && md5sum f2* > '%s' && (echo '# VirusShare-style "
           "list'; sha1sum f3* | cut -c1-40; echo 'not a digest') > '%s' && "
           "sha256sum --tag f4* > '%s'",
           files, hd, s256, m5, list, bsd);
  out = tu_run(cmd, &status);
  ck_assert_msg(status == 0, "%s", out);
  free(out);

  ck_assert_int_eq(
      art_hashset_builder_new(ctx, "local bad", ART_HASHSET_NOTABLE, &b),
      ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, hd, ART_HASHSET_FMT_AUTO, &st),
      ART_OK);
  ck_assert_int_eq(st.format, ART_HASHSET_FMT_HASHDEEP);
  ck_assert_uint_eq(st.added[0], 6);
  ck_assert_uint_eq(st.added[2], 6);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, s256, ART_HASHSET_FMT_AUTO, &st),
      ART_OK);
  ck_assert_int_eq(st.format, ART_HASHSET_FMT_SUMS);
  ck_assert_uint_eq(st.added[2], 2);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, m5, ART_HASHSET_FMT_AUTO, &st),
      ART_OK);
  ck_assert_uint_eq(st.added[0], 1);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, list, ART_HASHSET_FMT_AUTO, &st),
      ART_OK);
  ck_assert_uint_eq(st.added[1], 1);
  ck_assert_uint_eq(st.skipped, 1);
  ck_assert_uint_eq(st.first_bad_line, 2);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, bsd, ART_HASHSET_FMT_AUTO, &st),
      ART_OK);
  ck_assert_uint_eq(st.added[2], 1);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, set, NULL), ART_OK);
  art_hashset_builder_free(b);

  ck_assert_int_eq(art_hashset_open(ctx, set, &hs), ART_OK);
  ck_assert_int_eq(art_hashset_get_kind(hs), ART_HASHSET_NOTABLE);
  ck_assert_uint_eq(art_hashset_count(hs, ART_HASH_MD5), 6); /* deduped */
  ck_assert_uint_eq(art_hashset_count(hs, ART_HASH_SHA1), 1);
  ck_assert_uint_eq(art_hashset_count(hs, ART_HASH_SHA256), 6);
  /* Each file's digests, computed here, are found; a new file's are not. */
  for (int i = 0; i < 7; i++) {
    static const char *const tools[] = {"md5sum", "sha1sum", "sha256sum"};
    char name[64];
    snprintf(name, sizeof name, "f%d, with comma.bin", i);
    if (i == 6) {
      char *p = tu_path(files, name);
      tu_write_random(p, 500, 99);
      free(p);
    }
    for (int a = 0; a < 3; a++) {
      char *hex;
      snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s'", files, tools[a], name);
      hex = tu_run_word(cmd);
      ck_assert_int_eq(art_hashset_lookup_hex(ctx, hs, hex, &found), ART_OK);
      ck_assert_int_eq(found, i < 6 && (a != 1 || i == 3));
      free(hex);
    }
  }
  art_hashset_free(hs);
  free(files);
  free(hd);
  free(s256);
  free(m5);
  free(list);
  free(set);
  free(bsd);
}
END_TEST

START_TEST(test_merge_and_empty)
{
  char *a = tu_path(dir, "a.hset"), *m = tu_path(dir, "m.hset");
  art_hashset_builder *b;
  art_hashset *hs;
  uint64_t counts[3];
  ck_assert_int_eq(art_hashset_builder_new(ctx, "a", ART_HASHSET_KNOWN, &b),
                   ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_hex(ctx, b, "d41d8cd98f00b204e9800998ecf8427e"),
      ART_OK);
  ck_assert_int_eq(art_hashset_builder_add_hex(ctx, b, "nothex"),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, a, NULL), ART_OK);
  art_hashset_builder_free(b);
  ck_assert_int_eq(art_hashset_builder_new(ctx, "m", ART_HASHSET_KNOWN, &b),
                   ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_file(ctx, b, a, ART_HASHSET_FMT_AUTO, NULL),
      ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_add_hex(ctx, b,
                                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
                                  "934ca495991b7852b855"),
      ART_OK);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, m, counts), ART_OK);
  ck_assert_uint_eq(counts[0], 1);
  ck_assert_uint_eq(counts[1], 0);
  ck_assert_uint_eq(counts[2], 1);
  art_hashset_builder_free(b);
  ck_assert_int_eq(art_hashset_open(ctx, m, &hs), ART_OK);
  {
    int found;
    ck_assert_int_eq(art_hashset_lookup_hex(
                         ctx, hs, "D41D8CD98F00B204E9800998ECF8427E", &found),
                     ART_OK);
    ck_assert_int_eq(found, 1);
    ck_assert_int_eq(
        art_hashset_lookup_hex(
            ctx, hs, "da39a3ee5e6b4b0d3255bfef95601890afd80709", &found),
        ART_OK);
    ck_assert_int_eq(found, 0);
  }
  ck_assert_int_eq(art_hashset_verify(ctx, hs), ART_OK);
  art_hashset_free(hs);
  free(a);
  free(m);
}
END_TEST

static uint8_t *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

START_TEST(test_damaged)
{
  char *set = tu_path(dir, "d.hset"), *bad = tu_path(dir, "bad.hset");
  art_hashset_builder *b;
  art_hashset *hs = NULL;
  uint8_t *data;
  size_t len;
  ck_assert_int_eq(art_hashset_builder_new(ctx, "d", ART_HASHSET_KNOWN, &b),
                   ART_OK);
  for (uint64_t r = 0; r < 3000; r++) {
    uint8_t d[32];
    digest_of(2, r, d, 32);
    ck_assert_int_eq(art_hashset_builder_add(ctx, b, ART_HASH_SHA256, d),
                     ART_OK);
  }
  ck_assert_int_eq(
      art_hashset_builder_add(ctx, b, ART_HASH_SHA512, (const uint8_t *)"x"),
      ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, set, NULL), ART_OK);
  art_hashset_builder_free(b);
  data = slurp(set, &len);

  /* Not a set at all. */
  tu_write(bad, "hello\n", 6);
  ck_assert_int_eq(art_hashset_open(ctx, bad, &hs), ART_ERR_FORMAT);
  ck_assert_ptr_null(hs);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "not a hash set"));
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), bad));
  /* Truncated header. */
  tu_write(bad, data, 100);
  ck_assert_int_eq(art_hashset_open(ctx, bad, &hs), ART_ERR_CORRUPT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "truncated"));
  /* Truncated tables. */
  tu_write(bad, data, len - 5000);
  ck_assert_int_eq(art_hashset_open(ctx, bad, &hs), ART_ERR_CORRUPT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "outside the file"));
  /* A flipped header byte. */
  data[40] ^= 1;
  tu_write(bad, data, len);
  ck_assert_int_eq(art_hashset_open(ctx, bad, &hs), ART_ERR_CORRUPT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "checksum"));
  data[40] ^= 1;
  /* A damaged table: opens (only the header is checked), lookups stay in
   * bounds, verify finds it. */
  {
    /* The SHA-256 table's offset: header offset 544 + 2 * 48 + 16. */
    uint64_t doff = 0;
    for (int i = 7; i >= 0; i--)
      doff = doff << 8 | data[656 + i];
    ck_assert_uint_lt(doff + 102 * 32, len);
    memcpy(data + doff + 100 * 32, data + doff + 101 * 32, 32);
  }
  tu_write(bad, data, len);
  ck_assert_int_eq(art_hashset_open(ctx, bad, &hs), ART_OK);
  ck_assert_int_eq(art_hashset_verify(ctx, hs), ART_ERR_CORRUPT);
  for (uint64_t r = 0; r < 3000; r++) {
    uint8_t d[32];
    digest_of(2, r, d, 32);
    (void)art_hashset_contains(hs, ART_HASH_SHA256, d);
  }
  art_hashset_free(hs);
  /* Every truncation of the buffer is refused or safe. */
  for (size_t cut = 0; cut < len; cut += cut < 8192 ? 61 : 4099) {
    if (art_hashset_open_buffer(ctx, data, cut, &hs) == ART_OK) {
      uint8_t d[32] = {0};
      art_hashset_contains(hs, ART_HASH_SHA256, d);
      art_hashset_free(hs);
    }
  }
  ck_assert_int_eq(art_hashset_open(ctx, "/nonexistent.hset", &hs),
                   ART_ERR_NOT_FOUND);
  ck_assert_int_eq(art_hashset_open(ctx, dir, &hs), ART_ERR_FORMAT);
  free(data);
  free(set);
  free(bad);
}
END_TEST

START_TEST(test_names)
{
  art_hashset_kind k;
  art_hashset_format f;
  uint8_t bin[32];
  art_hash_alg alg;
  ck_assert_int_eq(art_hashset_kind_parse("Notable", &k), ART_OK);
  ck_assert_int_eq(k, ART_HASHSET_NOTABLE);
  ck_assert_int_eq(art_hashset_kind_parse("nochange", &k), ART_ERR_INVALID_ARG);
  ck_assert_str_eq(art_hashset_kind_name(ART_HASHSET_KNOWN), "known");
  ck_assert_int_eq(art_hashset_format_parse("sha256sum", &f), ART_OK);
  ck_assert_int_eq(f, ART_HASHSET_FMT_SUMS);
  ck_assert_int_eq(art_hashset_format_parse("nsrl", &f), ART_OK);
  ck_assert_str_eq(art_hashset_format_name(ART_HASHSET_FMT_HASHDEEP),
                   "hashdeep");
  ck_assert_int_eq(
      art_hashset_parse_hex("da39a3ee5e6b4b0d3255bfef95601890afd80709", 40,
                            &alg, bin),
      ART_OK);
  ck_assert_int_eq(alg, ART_HASH_SHA1);
  ck_assert_uint_eq(bin[0], 0xda);
  ck_assert_int_eq(art_hashset_parse_hex("0g", 2, &alg, bin),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(
      art_hashset_parse_hex("zz39a3ee5e6b4b0d3255bfef95601890afd80709", 40,
                            &alg, bin),
      ART_ERR_INVALID_ARG);
}
END_TEST

static Suite *hashset_suite(void)
{
  Suite *s = suite_create("hashset");
  TCase *tc = tcase_create("build");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_nsrl);
  tcase_add_test(tc, test_not_nsrl);
  tcase_add_test(tc, test_text_formats);
  tcase_add_test(tc, test_merge_and_empty);
  suite_add_tcase(s, tc);
  tc = tcase_create("open");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_damaged);
  tcase_add_test(tc, test_names);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(hashset_suite());
}
