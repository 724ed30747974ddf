/* Check suite for known lists (hashdeep, sum, jsonl) and the audit
 * classification, and for the hash-list writers' escaping.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <artifact/hashlist.h>
#include <artifact/knownset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static art_hash *hash_of(const char *s, unsigned mask)
{
  art_hash *h;
  ck_assert_int_eq(art_hash_new(ctx, mask, &h), ART_OK);
  art_hash_update(ctx, h, s, strlen(s));
  art_hash_final(ctx, h);
  return h;
}

static art_knownset *load(const char *name, const char *text)
{
  char *p = tu_path(dir, name);
  art_knownset *ks = NULL;
  tu_write(p, text, strlen(text));
  ck_assert_msg(art_knownset_load(ctx, p, &ks) == ART_OK, "%s",
                art_ctx_errmsg(ctx));
  free(p);
  return ks;
}

#define MD5_ABC  "900150983cd24fb0d6963f7d28e17f72"
#define MD5_XYZ  "d16fb36f0911f878998c136191af705e"
#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"

START_TEST(test_hashdeep_names_with_commas)
{
  art_knownset *ks =
      load("k.hd", "%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,filename\n"
                   "## comment\n3," MD5_ABC "," SHA1_ABC ",dir/a,b,c.txt\n");
  art_hash *h = hash_of("abc", ART_HASH_MASK(ART_HASH_MD5) |
                                   ART_HASH_MASK(ART_HASH_SHA1));
  ck_assert_uint_eq(art_knownset_count(ks), 1);
  ck_assert_int_eq(art_knownset_audit(ks, "dir/a,b,c.txt", 3, h, NULL),
                   ART_AUDIT_MATCHED);
  art_hash_free(h);
  art_knownset_free(ks);
}
END_TEST

START_TEST(test_sum_escaped_and_tags)
{
  art_knownset *ks = load("k.sum", "\\" MD5_ABC "  new\\nline\\\\x\n" MD5_XYZ
                                   " *plain\nMD5 (tagged) = " MD5_ABC "\n");
  ck_assert_uint_eq(art_knownset_count(ks), 3);
  art_hash *h = hash_of("abc", ART_HASH_MASK(ART_HASH_MD5));
  ck_assert_int_eq(art_knownset_audit(ks, "new\nline\\x", 3, h, NULL),
                   ART_AUDIT_MATCHED);
  ck_assert_int_eq(art_knownset_audit(ks, "tagged", 3, h, NULL),
                   ART_AUDIT_MATCHED);
  const char *was = NULL;
  ck_assert_int_eq(art_knownset_audit(ks, "plain", 3, h, &was),
                   ART_AUDIT_CHANGED);
  ck_assert_str_eq(was, "plain");
  art_hash_free(h);
  art_knownset_free(ks);
}
END_TEST

START_TEST(test_jsonl_raw_names)
{
  art_knownset *ks =
      load("k.jsonl",
           "{\"schema\":\"artifact.hash/1\",\"path\":\"\\ufffd\",\"path_hex\":"
           "\"ff41\",\"size\":3,\"hashes\":{\"md5\":\"" MD5_ABC
           "\"},\"status\":\"ok\"}\n"
           "{\"schema\":\"artifact.hash/1\",\"path\":\"bad\",\"size\":0,"
           "\"status\":\"error\",\"error\":\"bad: Permission denied\"}\n");
  ck_assert_uint_eq(art_knownset_count(ks), 1);
  art_hash *h = hash_of("abc", ART_HASH_MASK(ART_HASH_MD5));
  ck_assert_int_eq(art_knownset_audit(ks,
                                      "\xff"
                                      "A",
                                      3, h, NULL),
                   ART_AUDIT_MATCHED);
  art_hash_free(h);
  art_knownset_free(ks);
}
END_TEST

static void put_name(const char *name, void *ud)
{
  fputs(name, ud);
}

START_TEST(test_audit_categories)
{
  art_knownset *ks =
      load("k.sum", MD5_ABC "  same\n" MD5_ABC "  changed\n" MD5_XYZ
                            "  old\n" MD5_XYZ "  gone\n");
  art_hash *abc = hash_of("abc", ART_HASH_MASK(ART_HASH_MD5));
  art_hash *xyz = hash_of("xyz", ART_HASH_MASK(ART_HASH_MD5));
  art_hash *other = hash_of("other", ART_HASH_MASK(ART_HASH_MD5));
  const char *was;
  ck_assert_int_eq(art_knownset_audit(ks, "same", 3, abc, &was),
                   ART_AUDIT_MATCHED);
  ck_assert_int_eq(art_knownset_audit(ks, "changed", 5, other, &was),
                   ART_AUDIT_CHANGED);
  ck_assert_int_eq(art_knownset_audit(ks, "new-name", 3, xyz, &was),
                   ART_AUDIT_MOVED);
  ck_assert_str_eq(was, "old");
  ck_assert_int_eq(art_knownset_audit(ks, "fresh", 5, other, &was),
                   ART_AUDIT_NEW);
  ck_assert_int_eq(art_knownset_contains(ks, xyz), 1);
  ck_assert_int_eq(art_knownset_contains(ks, other), 0);
  char *missing = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&missing, &len);
  art_knownset_foreach_unused(ks, put_name, m);
  fclose(m);
  ck_assert_str_eq(missing, "gone");
  free(missing);
  art_hash_free(abc);
  art_hash_free(xyz);
  art_hash_free(other);
  art_knownset_free(ks);
}
END_TEST

START_TEST(test_bad_lines_name_the_line)
{
  char *p = tu_path(dir, "bad.hd");
  art_knownset *ks = (art_knownset *)1;
  const char *text = "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n"
                     "3," MD5_ABC ",ok\nnot-a-size,zz,x\n";
  tu_write(p, text, strlen(text));
  ck_assert_int_eq(art_knownset_load(ctx, p, &ks), ART_ERR_FORMAT);
  ck_assert_ptr_null(ks);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "bad.hd:4:"));
  /* an unknown column is named (found by fuzz_knownset: use after free) */
  const char *md2 = "%%%% HASHDEEP-1.0\n%%%% size,md2,filename\n";
  tu_write(p, md2, strlen(md2));
  ck_assert_int_eq(art_knownset_load(ctx, p, &ks), ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "column 'md2'"));
  tu_write(p, "", 0);
  ck_assert_int_eq(art_knownset_load(ctx, p, &ks), ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "no hashes"));
  tu_write(p, "1234  short-digest\n", 19);
  ck_assert_int_eq(art_knownset_load(ctx, p, &ks), ART_ERR_FORMAT);
  free(p);
}
END_TEST

START_TEST(test_csv_and_sum_escaping)
{
  char *out = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&out, &len);
  art_csv_write_field(m, "plain");
  fputc('|', m);
  art_csv_write_field(m, "a,b\"c");
  fputc('|', m);
  art_csv_write_field(m, "=HYPERLINK(\"x\")");
  fputc('|', m);
  art_csv_write_field(m, "-1");
  fputc('|', m);
  ck_assert_int_eq(art_sum_write_name(m, "a\\b\nc\rd", 1), 1);
  fclose(m);
  ck_assert_str_eq(out, "plain|\"a,b\"\"c\"|\"'=HYPERLINK(\"\"x\"\")\"|\"'-1\"|"
                        "a\\\\b\\nc\\rd");
  free(out);
}
END_TEST

static Suite *knownset_suite(void)
{
  Suite *s = suite_create("knownset");
  TCase *tc = tcase_create("load");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_hashdeep_names_with_commas);
  tcase_add_test(tc, test_sum_escaped_and_tags);
  tcase_add_test(tc, test_jsonl_raw_names);
  tcase_add_test(tc, test_bad_lines_name_the_line);
  suite_add_tcase(s, tc);
  tc = tcase_create("audit");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_audit_categories);
  tcase_add_test(tc, test_csv_and_sum_escaping);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(knownset_suite());
}
