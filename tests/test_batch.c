/* Check suite for the batch driver: order whatever the jobs, errors reach
 * emit, lists, stop.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct log {
  char buf[65536];
  int worked, errors, stop_at;
  int emitted;
} log_t;

static void *work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  (void)ws;
  (void)ctx;
  log_t *l = ud;
  __atomic_fetch_add(&l->worked, 1, __ATOMIC_SEQ_CST);
  /* finish out of order: later items are quicker */
  if (it->seq % 3 == 0)
    usleep(2000);
  return strdup(it->path);
}

static int emit(void *ud, const art_batch_item *it, void *res)
{
  log_t *l = ud;
  size_t n = strlen(l->buf);
  if (it->status != ART_OK) {
    l->errors++;
    snprintf(l->buf + n, sizeof l->buf - n, "E %s\n", it->errmsg);
  } else if (res) {
    snprintf(l->buf + n, sizeof l->buf - n, "%s\n", (char *)res);
  } else {
    snprintf(l->buf + n, sizeof l->buf - n, "skip %s %s\n", it->path,
             art_entry_type_name(it->type));
  }
  free(res);
  l->emitted++;
  return l->stop_at && l->emitted >= l->stop_at;
}

static void run_batch(
    art_batch_opts *o, const char *const *paths, int n, int list_fd, log_t *l)
{
  art_ctx *ctx;
  art_batch *b;
  art_batch_ops ops = {NULL, NULL, work, emit};
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_batch_new(ctx, o, &b), ART_OK);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(art_batch_add_path(b, paths[i]), ART_OK);
  if (list_fd >= 0)
    ck_assert_int_eq(art_batch_add_list(b, list_fd, 1), ART_OK);
  ck_assert_int_eq(art_batch_run(ctx, b, &ops, l), ART_OK);
  art_batch_free(b);
  art_ctx_free(ctx);
}

START_TEST(test_order_independent_of_jobs)
{
  char *d = tu_tmpdir();
  char name[64];
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "f%03d", i);
    char *p = tu_path(d, name);
    tu_write(p, name, strlen(name));
    free(p);
  }
  char *missing = tu_path(d, "no-such-file");
  const char *paths[2] = {d, missing};
  static log_t one, four;
  memset(&one, 0, sizeof one);
  memset(&four, 0, sizeof four);
  art_batch_opts o = {.jobs = 1, .recursive = 1};
  run_batch(&o, paths, 2, -1, &one);
  o.jobs = 4;
  run_batch(&o, paths, 2, -1, &four);
  ck_assert_str_eq(one.buf, four.buf);
  ck_assert_int_eq(four.worked, 300);
  ck_assert_int_eq(four.errors, 1);
  ck_assert_ptr_nonnull(strstr(four.buf, "no-such-file: No such file"));
  /* in byte order, the error last */
  ck_assert_ptr_nonnull(strstr(four.buf, "/f000\n"));
  ck_assert_msg((strstr(four.buf, "/f000\n")) < (strstr(four.buf, "/f299\n")),
                "order");
  ck_assert_msg((strstr(four.buf, "/f299\n")) < (strstr(four.buf, "E ")),
                "order");
  tu_rmtree(d);
  free(d);
  free(missing);
}
END_TEST

START_TEST(test_directory_without_recursion)
{
  char *d = tu_tmpdir();
  const char *paths[1] = {d};
  static log_t l;
  memset(&l, 0, sizeof l);
  art_batch_opts o = {.jobs = 2};
  run_batch(&o, paths, 1, -1, &l);
  ck_assert_int_eq(l.errors, 1);
  ck_assert_ptr_nonnull(strstr(l.buf, ": Is a directory"));
  ck_assert_int_eq(l.worked, 0);
  tu_rmtree(d);
  free(d);
}
END_TEST

START_TEST(test_specials_in_trees_are_not_worked)
{
  char *d = tu_tmpdir();
  char *f = tu_path(d, "fifo");
  char *a = tu_path(d, "a");
  ck_assert_int_eq(mkfifo(f, 0644), 0);
  tu_write(a, "a", 1);
  const char *paths[1] = {d};
  static log_t l;
  memset(&l, 0, sizeof l);
  art_batch_opts o = {.jobs = 2, .recursive = 1};
  run_batch(&o, paths, 1, -1, &l);
  ck_assert_int_eq(l.worked, 1);
  ck_assert_ptr_nonnull(strstr(l.buf, "fifo fifo\n"));
  tu_rmtree(d);
  free(d);
  free(f);
  free(a);
}
END_TEST

START_TEST(test_nul_list_and_stop)
{
  char *d = tu_tmpdir();
  char *listp = tu_path(d, "list");
  FILE *lf = fopen(listp, "wb");
  for (int i = 0; i < 20; i++) {
    char name[32];
    snprintf(name, sizeof name, "n%02d", i);
    char *p = tu_path(d, name);
    tu_write(p, "x", 1);
    fwrite(p, 1, strlen(p) + 1, lf);
    free(p);
  }
  fclose(lf);
  int fd = open(listp, O_RDONLY);
  static log_t l;
  memset(&l, 0, sizeof l);
  art_batch_opts o = {.jobs = 3};
  run_batch(&o, NULL, 0, fd, &l);
  close(fd);
  ck_assert_int_eq(l.emitted, 20);
  ck_assert_msg((strstr(l.buf, "/n00\n")) < (strstr(l.buf, "/n19\n")), "order");
  /* Stop: a list of 5,000 names, stopped at the 5th result. The producer
   * can run at most one window (jobs * 16 + 64 items) ahead of emit, so far
   * fewer than 5,000 items are ever examined, however the threads race
   * (window + the 5 emitted before the stop + slack). */
  char *first = tu_path(d, "n00");
  lf = fopen(listp, "wb");
  for (int i = 0; i < 5000; i++)
    fwrite(first, 1, strlen(first) + 1, lf);
  fclose(lf);
  free(first);
  fd = open(listp, O_RDONLY);
  memset(&l, 0, sizeof l);
  l.stop_at = 5;
  run_batch(&o, NULL, 0, fd, &l);
  close(fd);
  ck_assert_int_ge(l.emitted, 5);
  ck_assert_int_le(l.worked, 3 * 16 + 64 + 8);
  ck_assert_int_le(l.emitted, 3 * 16 + 64 + 8);
  tu_rmtree(d);
  free(d);
  free(listp);
}
END_TEST

/* The window: while the first item is being worked, the other worker goes
 * on with at most WINDOW - 1 items behind it (their results wait to be
 * emitted in order), and no further. */
typedef struct slow_first {
  int others;      /* items worked while the first one was in progress */
  int first_done;  /* the first item returned */
  int seen_during; /* OTHERS when the first item gave up waiting */
} slow_first;

static void *
work_slow_first(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  slow_first *sf = ud;
  (void)ws;
  (void)ctx;
  if (it->seq == 0) {
    /* Wait for the others to fill the window (at most 1 s). */
    for (int i = 0;
         i < 400 && __atomic_load_n(&sf->others, __ATOMIC_SEQ_CST) < 40; i++)
      usleep(5000);
    usleep(20000); /* anything beyond the window would be worked now */
    sf->seen_during = __atomic_load_n(&sf->others, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sf->first_done, 1, __ATOMIC_SEQ_CST);
  } else if (!__atomic_load_n(&sf->first_done, __ATOMIC_SEQ_CST)) {
    __atomic_fetch_add(&sf->others, 1, __ATOMIC_SEQ_CST);
  }
  return strdup(it->path);
}

static int emit_free(void *ud, const art_batch_item *it, void *res)
{
  (void)ud;
  (void)it;
  free(res);
  return 0;
}

static int window_run(unsigned window)
{
  char *d = tu_tmpdir();
  art_ctx *ctx;
  art_batch *b;
  art_batch_opts o = {0};
  art_batch_ops ops = {NULL, NULL, work_slow_first, emit_free};
  slow_first sf = {0};
  const char *paths[41];
  char *owned[41];
  for (int i = 0; i < 41; i++) {
    char name[16];
    snprintf(name, sizeof name, "f%02d", i);
    owned[i] = tu_path(d, name);
    tu_write(owned[i], "x", 1);
    paths[i] = owned[i];
  }
  o.jobs = 2;
  o.window = window;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_batch_new(ctx, &o, &b), ART_OK);
  for (int i = 0; i < 41; i++)
    ck_assert_int_eq(art_batch_add_path(b, paths[i]), ART_OK);
  ck_assert_int_eq(art_batch_run(ctx, b, &ops, &sf), ART_OK);
  art_batch_free(b);
  art_ctx_free(ctx);
  for (int i = 0; i < 41; i++)
    free(owned[i]);
  tu_rmtree(d);
  free(d);
  return sf.seen_during;
}

START_TEST(test_window)
{
  ck_assert_int_eq(window_run(8), 7);
  ck_assert_int_eq(window_run(64), 40);
}
END_TEST

static Suite *batch_suite(void)
{
  Suite *s = suite_create("batch");
  TCase *tc = tcase_create("batch");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_order_independent_of_jobs);
  tcase_add_test(tc, test_directory_without_recursion);
  tcase_add_test(tc, test_specials_in_trees_are_not_worked);
  tcase_add_test(tc, test_nul_list_and_stop);
  tcase_add_test(tc, test_window);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(batch_suite());
}
