/* Helpers shared by the Check suites.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_tmpdir(void)
{
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/art-test-XXXXXX", base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  ck_assert_msg(d != NULL, "mkdtemp failed");
  return strdup(d);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static int
chmod_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)ftw;
  if (flag == FTW_D || flag == FTW_DNR)
    chmod(path, 0700);
  else if (flag == FTW_F && !S_ISLNK(st->st_mode))
    chmod(path, 0600);
  return 0;
}

void tu_rmtree(const char *dir)
{
  if (!dir)
    return;
  nftw(dir, chmod_one, 16, FTW_PHYS);
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_path(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  ck_assert_ptr_nonnull(p);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

void tu_write(const char *path, const void *data, size_t len)
{
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

void tu_write_random(const char *path, size_t len, unsigned seed)
{
  unsigned char *buf = malloc(len ? len : 1);
  unsigned x = seed * 2654435761u + 1;
  ck_assert_ptr_nonnull(buf);
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
  tu_write(path, buf, len);
  free(buf);
}

char *tu_run(const char *cmd, int *status)
{
  FILE *p = popen(cmd, "r");
  char *out = NULL;
  size_t len = 0;
  ck_assert_msg(p != NULL, "cannot run %s", cmd);
  FILE *mem = open_memstream(&out, &len);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    fwrite(buf, 1, n, mem);
  fclose(mem);
  int st = pclose(p);
  if (status)
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

char *tu_run_word(const char *cmd)
{
  char *out = tu_run(cmd, NULL);
  size_t n = strcspn(out, " \t\n");
  out[n] = '\0';
  return out;
}

int tu_main(Suite *s)
{
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

char *tu_timeline_body(const char *in, int format, int compat)
{
  art_ctx *ctx;
  art_timeline *tl;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_timeline_new(ctx, &tl), ART_OK);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  ck_assert_ptr_nonnull(out);
  art_timeline_set_output(tl, out);
  art_timeline_set_format(tl, (art_timeline_format)format);
  art_timeline_set_tsk_compat(tl, compat);
  ck_assert_int_eq(art_timeline_add_bodyfile(ctx, tl, in), ART_OK);
  ck_assert_int_eq(art_timeline_finish(ctx, tl), ART_OK);
  fclose(out);
  art_timeline_free(tl);
  art_ctx_free(ctx);
  return buf;
}
