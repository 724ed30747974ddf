/* Check suite for shards and merge: --shard values, every input in exactly
 * one shard, balance by bytes, determinism, and merges byte for byte with
 * refusals of missing, duplicated, foreign and altered shards.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <artifact/shard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shard_private.h"

START_TEST(test_spec)
{
  art_ctx *ctx = NULL;
  unsigned k = 0, n = 0;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "2/4", &k, &n), ART_OK);
  ck_assert_uint_eq(k, 2);
  ck_assert_uint_eq(n, 4);
  const char *bad[] = {"0/4", "5/4",  "a/b",  "3",       "1/0", "/4",
                       "1/",  "-1/4", "1/4x", "2/70000", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_assert_int_eq(art_shard_spec_parse(ctx, bad[i], &k, &n),
                     ART_ERR_INVALID_ARG);
  unsetenv("SLURM_ARRAY_TASK_ID");
  unsetenv("JOB_COMPLETION_INDEX");
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n),
                   ART_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "SLURM_ARRAY_TASK_ID"));
  /* Slurm: --array=0-3 and --array=1-4 both give K from 1. */
  setenv("SLURM_ARRAY_TASK_ID", "0", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n), ART_OK);
  ck_assert_uint_eq(k, 1);
  ck_assert_uint_eq(n, 4);
  setenv("SLURM_ARRAY_TASK_ID", "4", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n), ART_OK);
  ck_assert_uint_eq(k, 4);
  setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n),
                   ART_ERR_INVALID_ARG);
  unsetenv("SLURM_ARRAY_TASK_ID");
  unsetenv("SLURM_ARRAY_TASK_MIN");
  unsetenv("SLURM_ARRAY_TASK_COUNT");
  /* Kubernetes Indexed Job: index from 0, count given. */
  setenv("JOB_COMPLETION_INDEX", "2", 1);
  unsetenv("ART_SHARD_COUNT");
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n),
                   ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto/3", &k, &n), ART_OK);
  ck_assert_uint_eq(k, 3);
  ck_assert_uint_eq(n, 3);
  setenv("ART_SHARD_COUNT", "8", 1);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto", &k, &n), ART_OK);
  ck_assert_uint_eq(k, 3);
  ck_assert_uint_eq(n, 8);
  ck_assert_int_eq(art_shard_spec_parse(ctx, "auto/2", &k, &n),
                   ART_ERR_INVALID_ARG);
  unsetenv("JOB_COMPLETION_INDEX");
  unsetenv("ART_SHARD_COUNT");
  art_ctx_free(ctx);
}
END_TEST

/* Sizes shaped like a file tree: mostly small, a tail of large ones. */
static uint64_t tree_size(unsigned *seed)
{
  unsigned r = (unsigned)rand_r(seed);
  unsigned bucket = r % 100;
  uint64_t base = bucket < 60   ? 4096
                  : bucket < 90 ? 65536
                  : bucket < 99 ? 1u << 20
                                : 16u << 20;
  return (uint64_t)rand_r(seed) % base;
}

static art_shard *plan(art_ctx *ctx,
                       unsigned k,
                       unsigned n,
                       size_t count,
                       unsigned seed,
                       uint64_t huge)
{
  art_shard *s = NULL;
  char name[64];
  ck_assert_int_eq(art_shard_new(ctx, k, n, &s), ART_OK);
  for (size_t i = 0; i < count; i++) {
    snprintf(name, sizeof name, "tree/d%zu/f%zu", i % 97, i);
    uint64_t size = tree_size(&seed);
    if (huge && i == count / 2)
      size = huge;
    ck_assert_int_eq(art_shard_add(ctx, s, name, size), ART_OK);
  }
  ck_assert_int_eq(art_shard_assign(ctx, s), ART_OK);
  return s;
}

START_TEST(test_membership_and_balance)
{
  art_ctx *ctx = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  const unsigned ns[] = {1, 2, 3, 4, 7, 16};
  for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
    unsigned n = ns[t];
    art_shard *a = plan(ctx, 1, n, 20000, 42, 0);
    /* The same inputs planned as another shard (another machine). */
    art_shard *b = plan(ctx, n, n, 20000, 42, 0);
    uint64_t bytes[16] = {0}, total = 0;
    unsigned seed = 42;
    for (size_t i = 0; i < art_shard_inputs(a); i++) {
      unsigned o = art_shard_owner(a, i);
      ck_assert_uint_ge(o, 1);
      ck_assert_uint_le(o, n);
      ck_assert_uint_eq(o, art_shard_owner(b, i));
      uint64_t size = tree_size(&seed);
      bytes[o - 1] += size;
      total += size;
    }
    for (unsigned k = 0; k < n; k++) {
      double share = (double)bytes[k] / ((double)total / n);
      ck_assert_msg(share > 0.9 && share < 1.1,
                    "shard %u/%u has %.3f of its share", k + 1, n, share);
    }
    art_shard_free(a);
    art_shard_free(b);
  }
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_huge_file_alone)
{
  art_ctx *ctx = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  /* One file bigger than the whole rest: it fills its shard alone. */
  art_shard *s = plan(ctx, 1, 4, 2000, 7, 100ull << 30);
  unsigned huge_owner = art_shard_owner(s, 1000);
  size_t with_huge = 0;
  for (size_t i = 0; i < art_shard_inputs(s); i++)
    with_huge += art_shard_owner(s, i) == huge_owner;
  ck_assert_uint_eq(with_huge, 1);
  art_shard_free(s);
  art_ctx_free(ctx);
}
END_TEST

START_TEST(test_escape_roundtrip)
{
  const char *names[] = {
      "plain",           "tab\there",  "nl\nname", "back\\slash",
      "inv\xff\xfeutf8", "日本語.txt", "cr\r",     "\x01"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char *e = art__shard_escape(names[i]);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(strchr(e, '\t'));
    ck_assert_ptr_null(strchr(e, '\n'));
    char *u = art__shard_unescape(e);
    ck_assert_str_eq(u, names[i]);
    free(e);
    free(u);
  }
  char *e = art__shard_escape("inv\xff");
  ck_assert_str_eq(e, "inv\\xff");
  free(e);
  ck_assert_ptr_null(art__shard_unescape("bad\\q"));
}
END_TEST

/* A toy tool over the batch: one line per input, "<seq> <path> <size>". */
typedef struct toy {
  FILE *out;
} toy;

static void *
toy_work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  (void)ud, (void)ws, (void)ctx;
  return strdup(it->path);
}

static int toy_emit(void *ud, const art_batch_item *it, void *res)
{
  toy *t = ud;
  fprintf(t->out, "%llu %s %llu\n", (unsigned long long)it->seq, it->path,
          (unsigned long long)it->size);
  free(res);
  return 0;
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *b = calloc(1, (size_t)n + 1);
  ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return b;
}

static void toy_run(art_ctx *ctx,
                    const char *root,
                    unsigned k,
                    unsigned n,
                    const char *outp,
                    const char *manifest)
{
  art_batch_opts bo = {.jobs = 2, .recursive = 1};
  art_batch *b = NULL;
  art_shard *s = NULL;
  toy t = {fopen(outp, "w")};
  ck_assert_ptr_nonnull(t.out);
  fputs("# toy header\n", t.out);
  ck_assert_int_eq(art_batch_new(ctx, &bo, &b), ART_OK);
  ck_assert_int_eq(art_batch_add_path(b, root), ART_OK);
  if (n) {
    char idx[4096];
    snprintf(idx, sizeof idx, "%s.index", manifest);
    ck_assert_int_eq(art_shard_new(ctx, k, n, &s), ART_OK);
    ck_assert_int_eq(art_shard_plan(ctx, s, b), ART_OK);
    ck_assert_int_eq(art_shard_attach(ctx, s, b, t.out, idx), ART_OK);
  }
  art_batch_ops ops = {NULL, NULL, toy_work, toy_emit};
  ck_assert_int_eq(art_batch_run(ctx, b, &ops, &t), ART_OK);
  fputs("# toy end\n", t.out);
  ck_assert_int_eq(fclose(t.out), 0);
  if (n) {
    const char *roots[] = {root};
    art_shard_info info = {.tool = "toy",
                           .output = outp,
                           .roots = roots,
                           .n_roots = 1,
                           .start = 1,
                           .end = 2};
    ck_assert_int_eq(art_shard_write_manifest(ctx, s, &info, manifest), ART_OK);
    art_shard_free(s);
  }
  art_batch_free(b);
}

typedef struct notes {
  char text[8192];
} notes;

static void on_note(void *ud, const char *msg)
{
  notes *n = ud;
  size_t l = strlen(n->text);
  snprintf(n->text + l, sizeof n->text - l, "%s\n", msg);
}

static art_status merge(art_ctx *ctx,
                        const char **m,
                        size_t n,
                        const char *outp,
                        notes *nt,
                        art_merge_result *res)
{
  FILE *f = fopen(outp, "w");
  art_merge_opts mo = {1, on_note, nt};
  memset(nt, 0, sizeof *nt);
  art_status st = art_merge(ctx, m, n, f, &mo, res);
  fclose(f);
  return st;
}

START_TEST(test_merge)
{
  art_ctx *ctx = NULL;
  char *d = tu_tmpdir();
  char p[4096], single[4096], merged[4096], out[3][4096], man[3][4096];
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  for (int i = 0; i < 120; i++) {
    snprintf(p, sizeof p, "%s/tree/%s%d", d, i % 3 ? "a/" : "", i);
    if (i == 1) {
      snprintf(p, sizeof p, "%s/tree/a", d);
      mkdir(p, 0755);
      snprintf(p, sizeof p, "%s/tree/a/%d", d, i);
    }
    if (i == 0) {
      snprintf(p, sizeof p, "%s/tree", d);
      mkdir(p, 0755);
      snprintf(p, sizeof p, "%s/tree/0", d);
    }
    tu_write_random(p, (size_t)(i * 37 % 5000), (unsigned)i);
  }
  snprintf(p, sizeof p, "%s/tree", d);
  snprintf(single, sizeof single, "%s/single", d);
  toy_run(ctx, p, 0, 0, single, NULL);
  const char *m[4];
  for (int k = 0; k < 3; k++) {
    snprintf(out[k], sizeof out[k], "%s/out%d", d, k + 1);
    snprintf(man[k], sizeof man[k], "%s/m%d.json", d, k + 1);
    toy_run(ctx, p, (unsigned)k + 1, 3, out[k], man[k]);
    m[k] = man[k];
  }
  snprintf(merged, sizeof merged, "%s/merged", d);
  notes nt;
  art_merge_result res;
  /* In any order of manifests: the single run's bytes. */
  const char *rev[] = {m[2], m[0], m[1]};
  ck_assert_int_eq(merge(ctx, rev, 3, merged, &nt, &res), ART_OK);
  char *a = slurp(single), *b = slurp(merged);
  ck_assert_str_eq(a, b);
  ck_assert_uint_eq(res.records, 120);
  ck_assert_int_eq(res.coverage_checked, 1);
  ck_assert_uint_eq(res.uncovered, 0);
  free(b);
  /* Missing. */
  ck_assert_int_eq(merge(ctx, m, 2, merged, &nt, &res), ART_ERR_INTEGRITY);
  ck_assert_ptr_nonnull(strstr(nt.text, "missing shard: 3/3"));
  /* Duplicated. */
  const char *dup[] = {m[0], m[1], m[2], m[1]};
  ck_assert_int_eq(merge(ctx, dup, 4, merged, &nt, &res), ART_ERR_INTEGRITY);
  ck_assert_ptr_nonnull(strstr(nt.text, "duplicated shard: 2/3"));
  /* Coverage: a file added since is named, the merge still written. */
  snprintf(p, sizeof p, "%s/tree/a/late", d);
  tu_write(p, "late", 4);
  ck_assert_int_eq(merge(ctx, m, 3, merged, &nt, &res), ART_OK);
  ck_assert_uint_eq(res.uncovered, 1);
  ck_assert_ptr_nonnull(strstr(nt.text, "tree/a/late: in no shard"));
  unlink(p);
  /* Foreign: a shard of another plan (the tree changed in between). */
  snprintf(p, sizeof p, "%s/tree/a/extra", d);
  tu_write(p, "x", 1);
  snprintf(p, sizeof p, "%s/tree", d);
  char o4[4096], m4[4096];
  snprintf(o4, sizeof o4, "%s/out4", d);
  snprintf(m4, sizeof m4, "%s/m4.json", d);
  toy_run(ctx, p, 2, 3, o4, m4);
  const char *foreign[] = {m[0], m4, m[2]};
  ck_assert_int_eq(merge(ctx, foreign, 3, merged, &nt, &res),
                   ART_ERR_INTEGRITY);
  ck_assert_ptr_nonnull(strstr(nt.text, "foreign shard"));
  /* Altered output. */
  FILE *f = fopen(out[1], "a");
  fputs("tampered\n", f);
  fclose(f);
  ck_assert_int_eq(merge(ctx, m, 3, merged, &nt, &res), ART_ERR_INTEGRITY);
  ck_assert_ptr_nonnull(strstr(nt.text, "changed since the shard wrote it"));
  free(a);
  art_ctx_free(ctx);
  tu_rmtree(d);
  free(d);
}
END_TEST

static Suite *shard_suite(void)
{
  Suite *s = suite_create("shard");
  TCase *tc = tcase_create("shard");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_spec);
  tcase_add_test(tc, test_membership_and_balance);
  tcase_add_test(tc, test_huge_file_alone);
  tcase_add_test(tc, test_escape_roundtrip);
  tcase_add_test(tc, test_merge);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(shard_suite());
}
