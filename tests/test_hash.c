/* Check suite for hashes: names, one-shot, streaming, reader lanes and
 * piecewise digests, against coreutils' *sum tools.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *ref_sum(const char *tool, const char *path)
{
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s '%s'", tool, path);
  return tu_run_word(cmd);
}

START_TEST(test_names)
{
  art_hash_alg a;
  art_ctx *ctx;
  unsigned mask;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_hash_alg_parse("SHA-256", &a), ART_OK);
  ck_assert_int_eq(a, ART_HASH_SHA256);
  ck_assert_int_eq(art_hash_alg_parse("blake2b", &a), ART_OK);
  ck_assert_int_eq(a, ART_HASH_BLAKE2B_512);
  ck_assert_int_eq(art_hash_alg_parse("tiger", &a), ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_hash_algs_parse(ctx, "md5,sha1,sha256", &mask), ART_OK);
  ck_assert_uint_eq(mask, ART_HASH_MASK(ART_HASH_MD5) |
                              ART_HASH_MASK(ART_HASH_SHA1) |
                              ART_HASH_MASK(ART_HASH_SHA256));
  ck_assert_int_eq(art_hash_algs_parse(ctx, "md5,whirlpool", &mask),
                   ART_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "whirlpool"));
  ck_assert_int_eq(art_hash_algs_parse(ctx, "all", &mask), ART_OK);
  ck_assert_uint_eq(mask, (1u << ART_HASH_COUNT_) - 1);
  ck_assert_str_eq(art_hash_alg_name(ART_HASH_SHA3_256), "sha3-256");
  ck_assert_uint_eq(art_hash_alg_size(ART_HASH_SHA512), 64);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_known_vectors)
{
  char hex[ART_HASH_MAX_HEX];
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_hash_buffer(ctx, ART_HASH_MD5, "abc", 3, hex), ART_OK);
  ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
  ck_assert_int_eq(art_hash_buffer(ctx, ART_HASH_SHA1, "abc", 3, hex), ART_OK);
  ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
  ck_assert_int_eq(art_hash_buffer(ctx, ART_HASH_SHA256, "", 0, hex), ART_OK);
  ck_assert_str_eq(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ck_assert_int_eq(art_hash_buffer(ctx, ART_HASH_SHA3_256, "abc", 3, hex),
                   ART_OK);
  ck_assert_str_eq(
      hex, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  art_ctx_free(ctx);
}
END_TEST

/* Hash FILE through a reader with THREADS lanes and compare every algorithm
 * with the coreutils tool. */
static void check_file(const char *path, unsigned threads, size_t block)
{
  art_ctx *ctx;
  art_source *src;
  art_reader *r;
  art_hash *h;
  uint64_t bytes = 0;
  art_reader_opts ro = {block, threads};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, path, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_reader_new(ctx, &ro, &r), ART_OK);
  ck_assert_int_eq(art_hash_new(ctx, (1u << ART_HASH_COUNT_) - 1, &h), ART_OK);
  ck_assert_int_eq(art_hash_attach(ctx, h, r), ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, r, src, &bytes), ART_OK);
  ck_assert_uint_eq(bytes, art_source_get_info(src)->size);
  char *md5 = ref_sum("md5sum", path), *sha1 = ref_sum("sha1sum", path),
       *sha256 = ref_sum("sha256sum", path),
       *sha512 = ref_sum("sha512sum", path), *b2 = ref_sum("b2sum", path);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_MD5), md5);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_SHA1), sha1);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_SHA256), sha256);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_SHA512), sha512);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_BLAKE2B_512), b2);
  free(md5);
  free(sha1);
  free(sha256);
  free(sha512);
  free(b2);
  art_hash_free(h);
  art_reader_free(r);
  art_source_free(src);
  art_ctx_free(ctx);
}

START_TEST(test_inline_against_coreutils)
{
  char *dir = tu_tmpdir();
  size_t sizes[] = {0, 1, 63, 64, 65, 4096, 1000003};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "f%zu", i);
    char *p = tu_path(dir, name);
    tu_write_random(p, sizes[i], (unsigned)i + 1);
    check_file(p, 1, 0);
    free(p);
  }
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_lanes_against_coreutils)
{
  /* Above ART_READER_LANE_MIN, with small blocks so the ring wraps often. */
  char *dir = tu_tmpdir();
  char *p = tu_path(dir, "big");
  tu_write_random(p, ART_READER_LANE_MIN + 12345, 7);
  check_file(p, 2, 64 * 1024);
  check_file(p, 3, 4096 + 17);
  free(p);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_piecewise_against_dd)
{
  char *dir = tu_tmpdir();
  char *p = tu_path(dir, "pw.bin");
  art_ctx *ctx;
  art_hash *h;
  const size_t len = 5 * 65536 + 1000, piece = 65536;
  tu_write_random(p, len, 3);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_hash_new(ctx, ART_HASH_MASK(ART_HASH_SHA256), &h),
                   ART_OK);
  art_hash_set_piecewise(h, piece);
  art_reader *r;
  art_source *src;
  art_reader_opts ro = {10000, 1}; /* blocks straddle piece boundaries */
  ck_assert_int_eq(art_reader_new(ctx, &ro, &r), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, p, ART_SOURCE_AUTO, &src), ART_OK);
  ck_assert_int_eq(art_hash_attach(ctx, h, r), ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, r, src, NULL), ART_OK);
  ck_assert_uint_eq(art_hash_piece_count(h), 6);
  for (size_t i = 0; i < 6; i++) {
    uint64_t off, plen;
    const char *hex;
    char cmd[4096];
    ck_assert_int_eq(art_hash_piece(h, i, ART_HASH_SHA256, &off, &plen, &hex),
                     ART_OK);
    ck_assert_uint_eq(off, i * piece);
    ck_assert_uint_eq(plen, i < 5 ? piece : 1000);
    snprintf(cmd, sizeof cmd,
             "dd if='%s' bs=65536 skip=%zu count=1 status=none | sha256sum", p,
             i);
    char *ref = tu_run_word(cmd);
    ck_assert_str_eq(hex, ref);
    free(ref);
  }
  ck_assert_int_eq(art_hash_piece(h, 6, ART_HASH_SHA256, NULL, NULL, NULL),
                   ART_ERR_NOT_FOUND);
  art_source_free(src);
  art_reader_free(r);
  art_hash_free(h);
  art_ctx_free(ctx);
  free(p);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_update_final_and_reset)
{
  art_ctx *ctx;
  art_hash *h;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_hash_new(ctx, ART_HASH_MASK(ART_HASH_MD5), &h), ART_OK);
  ck_assert_int_eq(art_hash_update(ctx, h, "a", 1), ART_OK);
  ck_assert_int_eq(art_hash_update(ctx, h, "bc", 2), ART_OK);
  ck_assert_int_eq(art_hash_final(ctx, h), ART_OK);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_MD5),
                   "900150983cd24fb0d6963f7d28e17f72");
  ck_assert_ptr_null(art_hash_hex(h, ART_HASH_SHA1));
  ck_assert_int_eq(art_hash_reset(ctx, h), ART_OK);
  ck_assert_ptr_null(art_hash_hex(h, ART_HASH_MD5));
  ck_assert_int_eq(art_hash_final(ctx, h), ART_OK);
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_MD5),
                   "d41d8cd98f00b204e9800998ecf8427e");
  art_hash_free(h);
  ck_assert_int_eq(art_hash_new(ctx, 0, &h), ART_ERR_INVALID_ARG);
  ck_assert_ptr_null(h);
  art_ctx_free(ctx);
}
END_TEST

/* The consumers driven by hand, as the archive walker does: begin resets,
 * so one hash object serves input after input. */
START_TEST(test_consumers_for_other_drivers)
{
  art_ctx *ctx;
  art_hash *h;
  const art_consumer *ops[ART_HASH_COUNT_];
  void *states[ART_HASH_COUNT_];
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(
      art_hash_new(
          ctx, ART_HASH_MASK(ART_HASH_MD5) | ART_HASH_MASK(ART_HASH_SHA1), &h),
      ART_OK);
  size_t n = art_hash_consumers(h, ops, states, ART_HASH_COUNT_);
  ck_assert_uint_eq(n, 2);
  const char *inputs[2] = {"first input", "abc"};
  for (int round = 0; round < 2; round++) {
    for (size_t i = 0; i < n; i++) {
      ck_assert_int_eq(ops[i]->begin(states[i], 1, 3), ART_OK);
      ck_assert_int_eq(ops[i]->update(states[i], (const uint8_t *)inputs[round],
                                      strlen(inputs[round]), 0),
                       ART_OK);
      ck_assert_int_eq(ops[i]->finish(states[i], ART_OK), ART_OK);
    }
  }
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_MD5),
                   "900150983cd24fb0d6963f7d28e17f72");
  ck_assert_str_eq(art_hash_hex(h, ART_HASH_SHA1),
                   "a9993e364706816aba3e25717850c26c9cd0d89d");
  ck_assert_uint_eq(art_hash_consumers(h, ops, states, 1), 1);
  art_hash_free(h);
  art_ctx_free(ctx);
}
END_TEST

static Suite *hash_suite(void)
{
  Suite *s = suite_create("hash");
  TCase *tc = tcase_create("names");
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_known_vectors);
  tcase_add_test(tc, test_update_final_and_reset);
  tcase_add_test(tc, test_consumers_for_other_drivers);
  suite_add_tcase(s, tc);
  tc = tcase_create("reader");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_inline_against_coreutils);
  tcase_add_test(tc, test_lanes_against_coreutils);
  tcase_add_test(tc, test_piecewise_against_dd);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(hash_suite());
}
