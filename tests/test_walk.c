/* Check suite for the tree walker: order, symlinks, loops, special files,
 * unreadable directories, depth.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct seen {
  char buf[8192];
  int errors, notes;
  char errmsg[1024];
} seen;

static art_walk_action record(const art_walk_entry *e, void *ud)
{
  seen *s = ud;
  size_t n = strlen(s->buf);
  snprintf(s->buf + n, sizeof s->buf - n, "%s:%s:%u\n", e->path,
           art_entry_type_name(e->type), e->depth);
  if (e->status != ART_OK) {
    s->errors++;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", e->errmsg);
  } else if (*e->errmsg) {
    s->notes++;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", e->errmsg);
  }
  return ART_WALK_CONTINUE;
}

static void mk(const char *dir, const char *name)
{
  char *p = tu_path(dir, name);
  tu_write(p, "x", 1);
  free(p);
}

static char *walk(const char *root, unsigned flags, unsigned depth, seen *s)
{
  art_ctx *ctx;
  art_walk *w;
  memset(s, 0, sizeof *s);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_walk_new(ctx, flags, &w), ART_OK);
  art_walk_set_max_depth(w, depth);
  ck_assert_int_eq(art_walk_run(ctx, w, root, record, s), ART_OK);
  art_walk_free(w);
  art_ctx_free(ctx);
  return s->buf;
}

START_TEST(test_order_and_types)
{
  char *d = tu_tmpdir();
  char *sub = tu_path(d, "b");
  char *fifo = tu_path(d, "pipe");
  char *link = tu_path(d, "link");
  mkdir(sub, 0755);
  mk(d, "c");
  mk(d, "a");
  mk(sub, "z");
  mkfifo(fifo, 0644);
  ck_assert_int_eq(symlink("a", link), 0);
  seen s;
  char want[4096];
  walk(d, ART_WALK_REPORT_DIRS, 0, &s);
  snprintf(want, sizeof want,
           "%s:directory:0\n%s/a:file:1\n%s/b:directory:1\n%s/b/z:file:2\n"
           "%s/c:file:1\n%s/link:symlink:1\n%s/pipe:fifo:1\n",
           d, d, d, d, d, d, d);
  ck_assert_str_eq(s.buf, want);
  /* without REPORT_DIRS, following: the link is the file it points to */
  walk(d, ART_WALK_FOLLOW, 0, &s);
  snprintf(want, sizeof want,
           "%s/a:file:1\n%s/b/z:file:2\n%s/c:file:1\n%s/link:file:1\n"
           "%s/pipe:fifo:1\n",
           d, d, d, d, d);
  ck_assert_str_eq(s.buf, want);
  /* depth limit */
  walk(d, 0, 1, &s);
  ck_assert_ptr_null(strstr(s.buf, "/b/z"));
  tu_rmtree(d);
  free(d);
  free(sub);
  free(fifo);
  free(link);
}
END_TEST

START_TEST(test_symlink_loop)
{
  char *d = tu_tmpdir();
  char *loop = tu_path(d, "loop");
  char *self = tu_path(loop, "self");
  mkdir(loop, 0755);
  mk(loop, "f");
  ck_assert_int_eq(symlink("..", self), 0);
  seen s;
  walk(d, 0, 0, &s);
  ck_assert_int_eq(s.errors, 0);
  ck_assert_ptr_nonnull(strstr(s.buf, "loop/self:symlink:2"));
  /* Following: the loop is no failure (everything in it is walked once,
   * from above), reported once as a symlink not followed, with a note. */
  walk(d, ART_WALK_FOLLOW, 0, &s);
  ck_assert_int_eq(s.errors, 0);
  ck_assert_int_eq(s.notes, 1);
  ck_assert_ptr_nonnull(strstr(s.buf, "loop/self:symlink:2"));
  ck_assert_ptr_nonnull(strstr(s.buf, "loop/f:file:2"));
  ck_assert_ptr_nonnull(strstr(s.errmsg, "loop/self: symbolic link loop"));
  ck_assert_ptr_nonnull(strstr(s.errmsg, "skipped"));
  tu_rmtree(d);
  free(d);
  free(loop);
  free(self);
}
END_TEST

/* An empty folder gives the sorter no names at all (qsort(NULL, 0) was
 * undefined behaviour: UBSan stops the sanitizer build on it). */
START_TEST(test_empty_dir)
{
  char *d = tu_tmpdir();
  char *e = tu_path(d, "empty");
  seen s;
  mkdir(e, 0755);
  walk(d, ART_WALK_REPORT_DIRS, 0, &s);
  ck_assert_int_eq(s.errors, 0);
  ck_assert_ptr_nonnull(strstr(s.buf, "empty:directory:1"));
  walk(e, 0, 0, &s);
  ck_assert_str_eq(s.buf, "");
  tu_rmtree(d);
  free(d);
  free(e);
}
END_TEST

/* As root nothing is unreadable: the walk then runs in a child that has
 * dropped to nobody, so the check is real under CI too. */
static int walk_unreadable(const char *d)
{
  seen s;
  walk(d, 0, 0, &s);
  return s.errors == 1 && strstr(s.errmsg, "locked: Permission denied") &&
         strstr(s.buf, "z-after:file:1");
}

START_TEST(test_unreadable_dir_goes_on)
{
  char *d = tu_tmpdir();
  char *locked = tu_path(d, "locked");
  mkdir(locked, 0755);
  mk(locked, "secret");
  mk(d, "z-after");
  chmod(locked, 0);
  if (geteuid() != 0) {
    ck_assert_int_eq(walk_unreadable(d), 1);
  } else {
    chmod(d, 0755);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
          setresuid(65534, 65534, 65534) != 0)
        _exit(2);
      _exit(walk_unreadable(d) ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "walk as nobody: status %d", status);
  }
  chmod(locked, 0755);
  tu_rmtree(d);
  free(d);
  free(locked);
}
END_TEST

START_TEST(test_missing_root)
{
  art_ctx *ctx;
  art_walk *w;
  seen s;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_walk_new(ctx, 0, &w), ART_OK);
  ck_assert_int_eq(art_walk_run(ctx, w, "/nonexistent/x", record, &s),
                   ART_ERR_NOT_FOUND);
  ck_assert_int_eq(s.errors, 1);
  ck_assert_str_eq(s.errmsg, "/nonexistent/x: No such file or directory");
  art_walk_free(w);
  art_ctx_free(ctx);
}
END_TEST

static art_walk_action stop_at_b(const art_walk_entry *e, void *ud)
{
  (*(int *)ud)++;
  return strcmp(e->name, "b") == 0 ? ART_WALK_STOP : ART_WALK_CONTINUE;
}

START_TEST(test_stop)
{
  char *d = tu_tmpdir();
  mk(d, "a");
  mk(d, "b");
  mk(d, "c");
  art_ctx *ctx;
  art_walk *w;
  int calls = 0;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_walk_new(ctx, 0, &w), ART_OK);
  ck_assert_int_eq(art_walk_run(ctx, w, d, stop_at_b, &calls), ART_OK);
  ck_assert_int_eq(calls, 2);
  art_walk_free(w);
  art_ctx_free(ctx);
  tu_rmtree(d);
  free(d);
}
END_TEST

static Suite *walk_suite(void)
{
  Suite *s = suite_create("walk");
  TCase *tc = tcase_create("walk");
  tcase_add_test(tc, test_order_and_types);
  tcase_add_test(tc, test_symlink_loop);
  tcase_add_test(tc, test_empty_dir);
  tcase_add_test(tc, test_unreadable_dir_goes_on);
  tcase_add_test(tc, test_missing_root);
  tcase_add_test(tc, test_stop);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(walk_suite());
}
