/* Check suite for ssdeep: hashes and scores against the ssdeep tool.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static int have_ssdeep(void)
{
  int st = 0;
  char *o = tu_run("command -v ssdeep >/dev/null 2>&1 && echo yes", &st);
  int ok = strncmp(o, "yes", 3) == 0;
  free(o);
  return ok;
}

static char *hash_file(const char *path, int fixed, size_t chunk)
{
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "open %s", path);
  art_ssdeep *s;
  ck_assert_int_eq(art_ssdeep_new(NULL, &s), ART_OK);
  if (fixed) {
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(art_ssdeep_set_total(NULL, s, (uint64_t)sb.st_size),
                     ART_OK);
  }
  unsigned char *buf = malloc(chunk);
  size_t n;
  while ((n = fread(buf, 1, chunk, f)) > 0)
    ck_assert_int_eq(art_ssdeep_update(NULL, s, buf, n), ART_OK);
  fclose(f);
  free(buf);
  ck_assert_int_eq(art_ssdeep_final(NULL, s), ART_OK);
  char *r = strdup(art_ssdeep_result(s));
  art_ssdeep_free(s);
  return r;
}

/* Compare our hash of every file named in LIST (one per line) with the
 * ssdeep tool's; returns how many were compared. */
static int compare_list(const char *list)
{
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "xargs -d '\\n' -a '%s' ssdeep -s 2>/dev/null | tail -n +2", list);
  int st;
  char *out = tu_run(cmd, &st);
  int n = 0;
  char *save = NULL;
  for (char *line = strtok_r(out, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *comma = strchr(line, ',');
    ck_assert_ptr_nonnull(comma);
    *comma = '\0';
    char *path = comma + 2; /* ,"path" */
    path[strlen(path) - 1] = '\0';
    char *mine = hash_file(path, n % 2, (size_t)(1 + (n * 7919) % 70000));
    ck_assert_msg(strcmp(mine, line) == 0, "%s: ours %s, ssdeep %s", path, mine,
                  line);
    free(mine);
    n++;
  }
  free(out);
  return n;
}

START_TEST(test_hash_random_sizes)
{
  if (!have_ssdeep())
    return;
  char *dir = tu_tmpdir();
  char *list = tu_path(dir, "list");
  FILE *lf = fopen(list, "w");
  static const size_t sizes[] = {
      0,    1,     2,     3,     4,     6,      7,      8,      20,   63,
      64,   65,    100,   191,   192,   193,    500,    1000,   4095, 4096,
      6144, 12289, 30000, 65536, 99999, 200000, 393216, 1000003};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    char name[32];
    snprintf(name, sizeof name, "r%zu", i);
    char *p = tu_path(dir, name);
    tu_write_random(p, sizes[i], (unsigned)i + 1);
    fprintf(lf, "%s\n", p);
    free(p);
  }
  /* Low-entropy inputs: long runs and text. */
  char *p = tu_path(dir, "zeros");
  char *z = calloc(1, 300000);
  tu_write(p, z, 300000);
  fprintf(lf, "%s\n", p);
  free(p);
  memset(z, 'A', 5000);
  p = tu_path(dir, "aaaa");
  tu_write(p, z, 5000);
  fprintf(lf, "%s\n", p);
  free(p);
  for (size_t i = 0; i < 300000; i++)
    z[i] = (char)("the quick brown fox jumps over the lazy dog\n"[i % 44]);
  p = tu_path(dir, "text");
  tu_write(p, z, 300000);
  fprintf(lf, "%s\n", p);
  free(p);
  free(z);
  fclose(lf);
  ck_assert_int_eq(compare_list(list), 31);
  free(list);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_hash_real_files)
{
  if (!have_ssdeep())
    return;
  char *dir = tu_tmpdir();
  char *list = tu_path(dir, "list");
  char cmd[1024];
  /* A sample of /usr/bin (every 12th regular file), the forensic sample
   * files and one 30 MB image. */
  snprintf(cmd, sizeof cmd,
           "{ find /usr/bin -maxdepth 1 -type f | sort | awk 'NR%%12==0' | "
           "head -40; find /usr/share/forensics-samples -type f -size -8M "
           "2>/dev/null | sort; ls /usr/share/forensics-samples/fs.ntfs.xz "
           "2>/dev/null; } > '%s'",
           list);
  int st;
  free(tu_run(cmd, &st));
  ck_assert_int_gt(compare_list(list), 20);
  free(list);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_hash_buffer_and_stream)
{
  unsigned char *buf = malloc(500000);
  unsigned x = 12345;
  for (size_t i = 0; i < 500000; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (unsigned char)(x >> 16);
  }
  char one[ART_SSDEEP_MAX_RESULT];
  ck_assert_int_eq(art_ssdeep_buffer(NULL, buf, 500000, one), ART_OK);
  art_ssdeep *s;
  ck_assert_int_eq(art_ssdeep_new(NULL, &s), ART_OK);
  for (size_t off = 0; off < 500000;) {
    size_t n = 1 + (off * 31) % 9000;
    if (n > 500000 - off)
      n = 500000 - off;
    ck_assert_int_eq(art_ssdeep_update(NULL, s, buf + off, n), ART_OK);
    off += n;
  }
  ck_assert_int_eq(art_ssdeep_final(NULL, s), ART_OK);
  ck_assert_str_eq(art_ssdeep_result(s), one);
  ck_assert_uint_eq(art_ssdeep_bytes(s), 500000);
  /* A declared total that does not match is an error. */
  art_ssdeep_reset(s);
  ck_assert_ptr_null(art_ssdeep_result(s));
  ck_assert_int_eq(art_ssdeep_set_total(NULL, s, 10), ART_OK);
  ck_assert_int_eq(art_ssdeep_set_total(NULL, s, 11), ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_ssdeep_update(NULL, s, buf, 5), ART_OK);
  ck_assert_int_eq(art_ssdeep_final(NULL, s), ART_ERR_INVALID_ARG);
  ck_assert_int_eq(art_ssdeep_set_total(NULL, s, ART_SSDEEP_MAX_INPUT + 1),
                   ART_ERR_LIMIT);
  art_ssdeep_free(s);
  free(buf);
  ck_assert_int_eq(art_ssdeep_buffer(NULL, "", 0, one), ART_OK);
  ck_assert_str_eq(one, "3::");
}
END_TEST

static void on_hash(const char *path, char *out)
{
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  unsigned char *b = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  ck_assert_int_eq(art_ssdeep_buffer(NULL, b, (size_t)n, out), ART_OK);
  free(b);
}

/* Files that share content in various ways, so scores cover the whole
 * range and the block-size pairings. */
static void make_similar(const char *dir)
{
  size_t n = 400000;
  unsigned char *a = malloc(2 * n);
  unsigned x = 7;
  for (size_t i = 0; i < 2 * n; i++) {
    x = x * 1103515245u + 12345u;
    a[i] = (unsigned char)(x >> 16);
  }
  char *p;
  p = tu_path(dir, "a");
  tu_write(p, a, n);
  free(p);
  unsigned char *b = malloc(2 * n);
  memcpy(b, a, n);
  memset(b + 100000, 'X', 3000);
  p = tu_path(dir, "b");
  tu_write(p, b, n);
  free(p);
  p = tu_path(dir, "c");
  tu_write(p, a, n / 2 + 1234);
  free(p);
  memcpy(b, a, n);
  memcpy(b + n, a, n);
  p = tu_path(dir, "d");
  tu_write(p, b, 2 * n);
  free(p);
  p = tu_path(dir, "e");
  tu_write(p, a + 50000, n - 50000);
  free(p);
  /* Text, small block sizes (scores capped by block size). */
  char t[6000];
  for (size_t i = 0; i < sizeof t; i++)
    t[i] = (char)("Lorem ipsum dolor sit amet, consectetur adipiscing elit "
                  "sed do eiusmod\n"[(i * 7 + i / 60) % 70]);
  p = tu_path(dir, "f");
  tu_write(p, t, 1500);
  free(p);
  t[700] = '#';
  t[900] = '#';
  p = tu_path(dir, "g");
  tu_write(p, t, 1500);
  free(p);
  p = tu_path(dir, "h");
  tu_write(p, t + 100, 1300);
  free(p);
  p = tu_path(dir, "i");
  tu_write(p, t, 6000);
  free(p);
  p = tu_path(dir, "j");
  tu_write(p, t, 600);
  free(p);
  free(a);
  free(b);
}

START_TEST(test_compare_against_tool)
{
  if (!have_ssdeep())
    return;
  char *dir = tu_tmpdir();
  make_similar(dir);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cd '%s' && ssdeep -s -a -l -d *", dir);
  int st;
  char *out = tu_run(cmd, &st);
  int n = 0, nonzero = 0;
  char *save = NULL;
  for (char *line = strtok_r(out, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char fa[256], fb[256];
    int score;
    ck_assert_int_eq(sscanf(line, "%255s matches %255s (%d)", fa, fb, &score),
                     3);
    char ha[ART_SSDEEP_MAX_RESULT], hb[ART_SSDEEP_MAX_RESULT];
    char *pa = tu_path(dir, fa), *pb = tu_path(dir, fb);
    on_hash(pa, ha);
    on_hash(pb, hb);
    int mine = -1;
    ck_assert_int_eq(art_ssdeep_compare(NULL, ha, hb, &mine), ART_OK);
    ck_assert_msg(mine == score, "%s vs %s: ours %d, ssdeep %d", fa, fb, mine,
                  score);
    int rev = -1;
    ck_assert_int_eq(art_ssdeep_compare(NULL, hb, ha, &rev), ART_OK);
    ck_assert_int_eq(rev, mine);
    free(pa);
    free(pb);
    n++;
    nonzero += score > 0 && score < 100;
  }
  free(out);
  ck_assert_int_eq(n, 45);
  ck_assert_int_ge(nonzero, 6);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_match_against_tool)
{
  /* ssdeep -m: files against a list of known hashes. Our scores use the
   * list's own hash strings, as read from the file. */
  if (!have_ssdeep())
    return;
  char *dir = tu_tmpdir();
  make_similar(dir);
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && ssdeep -s -l a c f i > known.txt && "
           "ssdeep -s -a -l -m known.txt b d e g h j",
           dir);
  int st;
  char *out = tu_run(cmd, &st);
  char *kp = tu_path(dir, "known.txt");
  FILE *kf = fopen(kp, "r");
  ck_assert_ptr_nonnull(kf);
  char known[8][400];
  char names[8][400];
  int nk = 0;
  char line[400];
  while (fgets(line, sizeof line, kf) && nk < 8) {
    if (strncmp(line, "ssdeep,", 7) == 0)
      continue;
    line[strcspn(line, "\n")] = '\0';
    snprintf(known[nk], sizeof known[nk], "%s", line);
    char *q = strrchr(line, '"');
    *q = '\0';
    snprintf(names[nk], sizeof names[nk], "%s", strchr(line, '"') + 1);
    nk++;
  }
  fclose(kf);
  ck_assert_int_eq(nk, 4);
  int n = 0;
  char *save = NULL;
  for (char *l = strtok_r(out, "\n", &save); l;
       l = strtok_r(NULL, "\n", &save)) {
    char fa[256], fb[256];
    int score;
    ck_assert_int_eq(
        sscanf(l, "%255s matches known.txt:%255s (%d)", fa, fb, &score), 3);
    char ha[ART_SSDEEP_MAX_RESULT];
    char *pa = tu_path(dir, fa);
    on_hash(pa, ha);
    free(pa);
    const char *kh = NULL;
    for (int k = 0; k < nk; k++)
      if (strcmp(names[k], fb) == 0)
        kh = known[k];
    ck_assert_ptr_nonnull(kh);
    int mine = -1;
    ck_assert_int_eq(art_ssdeep_compare(NULL, ha, kh, &mine), ART_OK);
    ck_assert_msg(mine == score, "%s vs %s: ours %d, ssdeep -m %d", fa, fb,
                  mine, score);
    n++;
  }
  ck_assert_int_eq(n, 24);
  free(out);
  free(kp);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_compare_formats)
{
  int s = -1;
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  const char *h = "96:w1O9fgNGlq4APn8XTvZyvHm2JHLp/yn5GJ78JFCCK+nFLhcs6w:"
                  "2IkGlqPfyv8HDHLpDJICCust";
  ck_assert_int_eq(art_ssdeep_compare(ctx, h, h, &s), ART_OK);
  ck_assert_int_eq(s, 100);
  /* ssdeep's output lines carry the file name after a comma. */
  char line[256];
  snprintf(line, sizeof line, "%s,\"/tmp/x\"", h);
  ck_assert_int_eq(art_ssdeep_compare(ctx, h, line, &s), ART_OK);
  ck_assert_int_eq(s, 100);
  /* Incomparable block sizes score 0. */
  ck_assert_int_eq(art_ssdeep_compare(ctx, h, "384:abc:def", &s), ART_OK);
  ck_assert_int_eq(s, 0);
  ck_assert_int_eq(art_ssdeep_compare(ctx, "3::", "3::", &s), ART_OK);
  ck_assert_int_eq(s, 100);
  ck_assert_int_eq(art_ssdeep_compare(ctx, "x:a:b", h, &s), ART_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "not an ssdeep hash"));
  ck_assert_int_eq(art_ssdeep_compare(ctx, "3:abc", h, &s), ART_ERR_FORMAT);
  ck_assert_int_eq(art_ssdeep_compare(ctx, "", h, &s), ART_ERR_FORMAT);
  char longh[200] = "3:";
  memset(longh + 2, 'a', 100);
  for (int i = 0; i < 100; i++)
    longh[2 + i] = (char)('A' + i % 26);
  strcpy(longh + 102, ":b");
  ck_assert_int_eq(art_ssdeep_compare(ctx, longh, h, &s), ART_ERR_FORMAT);
  /* Runs longer than three are ignored when comparing. */
  ck_assert_int_eq(
      art_ssdeep_compare(ctx, "3:AAAAAAAAAAAAbcdefgh:x", "3:AAAbcdefgh:x", &s),
      ART_OK);
  ck_assert_int_eq(s, 100);
  art_ctx_free(ctx);
}
END_TEST

/* One read through the core reader feeds ssdeep, entropy and the strings
 * summary; each agrees with its direct use. */
START_TEST(test_reader_consumers)
{
  art_ctx *ctx;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  const char *path = "/usr/bin/ls";
  art_reader_opts ro = {.block_size = 65536, .threads = 2};
  art_reader *reader;
  ck_assert_int_eq(art_reader_new(ctx, &ro, &reader), ART_OK);
  art_ssdeep *sd;
  art_entropy *en;
  art_strings_summary *sum;
  ck_assert_int_eq(art_ssdeep_new(ctx, &sd), ART_OK);
  ck_assert_int_eq(art_entropy_new(ctx, 0, &en), ART_OK);
  ck_assert_int_eq(art_strings_summary_new(ctx, NULL, &sum), ART_OK);
  for (int round = 0; round < 2; round++) {
    art_source *src;
    ck_assert_int_eq(art_source_open(ctx, path, ART_SOURCE_AUTO, &src), ART_OK);
    art_reader_clear(reader);
    ck_assert_int_eq(art_ssdeep_attach(ctx, sd, reader), ART_OK);
    ck_assert_int_eq(art_entropy_attach(ctx, en, reader), ART_OK);
    ck_assert_int_eq(art_strings_summary_attach(ctx, sum, reader), ART_OK);
    uint64_t bytes = 0;
    ck_assert_int_eq(art_reader_run(ctx, reader, src, &bytes), ART_OK);
    art_source_free(src);
    ck_assert_int_eq(art_ssdeep_status(sd), ART_OK);
    char *direct = hash_file(path, 0, 4096);
    ck_assert_str_eq(art_ssdeep_result(sd), direct);
    free(direct);
    ck_assert_uint_eq(art_ssdeep_bytes(sd), bytes);
    ck_assert_uint_eq(art_entropy_bytes(en), bytes);
    ck_assert(art_entropy_value(en) > 4.0 && art_entropy_value(en) < 8.0);
    ck_assert_uint_gt(art_strings_summary_count(sum, ART_STR_ASCII), 100);
  }
  art_strings_summary_free(sum);
  art_entropy_free(en);
  art_ssdeep_free(sd);
  art_reader_free(reader);
  art_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("ssdeep");
  TCase *tc = tcase_create("hash");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_hash_random_sizes);
  tcase_add_test(tc, test_hash_real_files);
  tcase_add_test(tc, test_hash_buffer_and_stream);
  suite_add_tcase(s, tc);
  tc = tcase_create("compare");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_compare_against_tool);
  tcase_add_test(tc, test_match_against_tool);
  tcase_add_test(tc, test_compare_formats);
  suite_add_tcase(s, tc);
  tc = tcase_create("reader");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_reader_consumers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
