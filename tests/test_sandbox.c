/* Check suite for the sandbox (libartifact/core/sandbox*.c): jobs in reused
 * worker processes, results equal to the in-process run, crashes, time
 * limits, refused writes and sockets, streamed output, inputs that cannot be
 * opened.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

/* The job: reads the whole input, then acts on its first word:
 * "SEGV" crashes, "SPIN" loops, "WRITE" tries to create a file (the path
 * follows), "INET" opens a network socket, "BIG" streams 5 MB; otherwise it
 * answers "<pid> <bytes> <sha256>". */
static art_status job_run(void *ud,
                          void *ws,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *out)
{
  static char data[1 << 16];
  size_t got = 0, total = 0;
  char line[256], hex[ART_HASH_MAX_HEX];
  (void)ud;
  (void)ws;
  (void)it;
  for (;;) {
    size_t n = 0;
    art_status st =
        art_source_read(ctx, src, data + total, sizeof data - total, &n);
    if (st != ART_OK)
      return st;
    if (!n)
      break;
    total += n;
    got = total;
  }
  if (got >= 4 && memcmp(data, "SEGV", 4) == 0)
    raise(SIGSEGV);
  if (got >= 4 && memcmp(data, "SPIN", 4) == 0)
    for (volatile unsigned long i = 0;; i++)
      ;
  if (got >= 5 && memcmp(data, "WRITE", 5) == 0) {
    data[got] = '\0';
    int fd = open(data + 6, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    snprintf(line, sizeof line, "write %d %d", fd >= 0, fd >= 0 ? 0 : errno);
    return art_sandbox_buf_append(out, line, strlen(line));
  }
  if (got >= 4 && memcmp(data, "INET", 4) == 0)
    socket(AF_INET, SOCK_STREAM, 0);
  if (got >= 3 && memcmp(data, "BIG", 3) == 0) {
    for (unsigned i = 0; i < 5u * 1024u; i++) {
      char block[1024];
      memset(block, 'a' + (int)(i % 26), sizeof block);
      art_status st = art_sandbox_buf_append(out, block, sizeof block);
      if (st != ART_OK)
        return st;
    }
    return ART_OK;
  }
  art_hash_buffer(ctx, ART_HASH_SHA256, data, got, hex);
  snprintf(line, sizeof line, "%ld %zu %s", (long)getpid(), got, hex);
  return art_sandbox_buf_append(out, line, strlen(line));
}

static const art_sandbox_job job = {NULL, NULL, job_run};

static art_sandbox *make(int disabled, unsigned timeout_ms)
{
  art_ctx *ctx = NULL;
  art_sandbox *sb = NULL;
  art_sandbox_opts o;
  art_sandbox_opts_init(&o);
  o.disabled = disabled;
  o.workers = 1;
  if (timeout_ms)
    o.timeout_ms = timeout_ms;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_sandbox_new(ctx, &o, &job, NULL, &sb), ART_OK);
  art_ctx_free(ctx);
  return sb;
}

/* Run PATH; the result's text (caller frees) and outcome. */
static char *
run(art_sandbox *sb, const char *path, art_sandbox_result *res, int *sig)
{
  art_ctx *ctx = NULL;
  art_batch_item it = {0};
  it.path = path;
  it.kind = ART_SOURCE_AUTO;
  it.named = 1;
  it.type = ART_ENTRY_FILE;
  it.errmsg = "";
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_sandbox_run(sb, ctx, &it, res), ART_OK);
  art_ctx_free(ctx);
  char *text = calloc(1, res->len + 1);
  ck_assert_ptr_nonnull(text);
  if (res->len)
    memcpy(text, res->data, res->len);
  if (sig)
    *sig = res->signal;
  return text;
}

static char *sha256_of(const char *path)
{
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "sha256sum < '%s'", path);
  return tu_run_word(cmd);
}

START_TEST(test_result_equals_in_process_and_sha256sum)
{
  char *dir = tu_tmpdir(), *f = tu_path(dir, "in.bin");
  tu_write_random(f, 40000, 7);
  char *want = sha256_of(f);
  for (int disabled = 0; disabled < 2; disabled++) {
    art_sandbox *sb = make(disabled, 0);
    art_sandbox_result res;
    char *text = run(sb, f, &res, NULL);
    long pid;
    size_t n;
    char hex[80];
    ck_assert_int_eq(res.outcome, ART_SANDBOX_DONE);
    ck_assert_int_eq(res.status, ART_OK);
    ck_assert_int_eq(sscanf(text, "%ld %zu %79s", &pid, &n, hex), 3);
    ck_assert_uint_eq(n, 40000);
    ck_assert_str_eq(hex, want);
    /* sandboxed: another process; disabled: this one */
    ck_assert(disabled ? pid == (long)getpid() : pid != (long)getpid());
    free(text);
    art_sandbox_result_clear(&res);
    art_sandbox_free(sb);
  }
  free(want);
  free(f);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_worker_reused_then_replaced_after_crash)
{
  char *dir = tu_tmpdir(), *a = tu_path(dir, "a"), *s = tu_path(dir, "s");
  tu_write(a, "hello", 5);
  tu_write(s, "SEGV", 4);
  art_sandbox *sb = make(0, 0);
  art_sandbox_result res;
  long first = 0, pid = 0;
  for (int i = 0; i < 20; i++) {
    char *t = run(sb, a, &res, NULL);
    ck_assert_int_eq(sscanf(t, "%ld", &pid), 1);
    if (i == 0)
      first = pid;
    ck_assert_int_eq(pid, first); /* forked once, reused */
    free(t);
    art_sandbox_result_clear(&res);
  }
  int sig = 0;
  char *t = run(sb, s, &res, &sig);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_CRASHED);
#ifndef __SANITIZE_ADDRESS__
  ck_assert_int_eq(sig, SIGSEGV);
  ck_assert_str_eq(res.errmsg, "worker crashed: SIGSEGV");
#else
  /* AddressSanitizer reports the SIGSEGV, then aborts or exits */
  (void)sig;
  ck_assert_ptr_nonnull(strstr(res.errmsg, "worker crashed: "));
#endif
  char *want = sha256_of(s);
  ck_assert_str_eq(res.sha256, want);
  free(want);
  free(t);
  art_sandbox_result_clear(&res);
  t = run(sb, a, &res, NULL);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_DONE);
  ck_assert_int_eq(sscanf(t, "%ld", &pid), 1);
  ck_assert_int_ne(pid, first); /* a new worker took over */
  free(t);
  art_sandbox_result_clear(&res);
  art_sandbox_free(sb);
  free(a);
  free(s);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_time_limit)
{
  char *dir = tu_tmpdir(), *a = tu_path(dir, "a"), *s = tu_path(dir, "s");
  tu_write(a, "hello", 5);
  tu_write(s, "SPIN", 4);
  art_sandbox *sb = make(0, 500);
  art_sandbox_result res;
  char *t = run(sb, s, &res, NULL);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_TIMEOUT);
  ck_assert_int_eq(res.status, ART_ERR_TIMEOUT);
  free(t);
  art_sandbox_result_clear(&res);
  t = run(sb, a, &res, NULL);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_DONE);
  free(t);
  art_sandbox_result_clear(&res);
  art_sandbox_free(sb);
  free(a);
  free(s);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_write_refused_socket_kills)
{
  char *dir = tu_tmpdir(), *w = tu_path(dir, "w"), *n = tu_path(dir, "n");
  char *target = tu_path(dir, "escaped"), *content = NULL;
  ck_assert_int_ge(asprintf(&content, "WRITE %s", target), 0);
  tu_write(w, content, strlen(content));
  tu_write(n, "INET", 4);
  art_sandbox *sb = make(0, 0);
  art_sandbox_result res;
  char *t = run(sb, w, &res, NULL);
  char want[64];
  snprintf(want, sizeof want, "write 0 %d", EPERM);
  ck_assert_str_eq(t, want);
  ck_assert_int_ne(access(target, F_OK), 0);
  free(t);
  art_sandbox_result_clear(&res);
  int sig = 0;
  t = run(sb, n, &res, &sig);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_CRASHED);
  ck_assert_int_eq(sig, SIGSYS);
  free(t);
  art_sandbox_result_clear(&res);
  art_sandbox_free(sb);
  free(content);
  free(target);
  free(w);
  free(n);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

typedef struct sink_state {
  size_t len;
  int in_order;
} sink_state;

static int sink(void *ud, const void *p, size_t n)
{
  sink_state *s = ud;
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++, s->len++)
    if (b[i] != 'a' + (int)((s->len / 1024) % 26))
      s->in_order = 0;
  return 0;
}

START_TEST(test_streamed_output)
{
  char *dir = tu_tmpdir(), *b = tu_path(dir, "b");
  tu_write(b, "BIG", 3);
  for (int disabled = 0; disabled < 2; disabled++) {
    art_sandbox *sb = make(disabled, 0);
    art_sandbox_result res;
    art_ctx *ctx = NULL;
    art_batch_item it = {.path = b,
                         .kind = ART_SOURCE_AUTO,
                         .named = 1,
                         .type = ART_ENTRY_FILE,
                         .errmsg = ""};
    sink_state st = {0, 1};
    ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
    ck_assert_int_eq(art_sandbox_run_stream(sb, ctx, &it, sink, &st, &res),
                     ART_OK);
    ck_assert_int_eq(res.outcome, ART_SANDBOX_DONE);
    ck_assert_uint_eq(st.len, 5u * 1024u * 1024u);
    ck_assert(st.in_order);
    ck_assert_uint_eq(res.len, 0);
    art_sandbox_result_clear(&res);
    art_ctx_free(ctx);
    art_sandbox_free(sb);
  }
  free(b);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_missing_input)
{
  char *dir = tu_tmpdir(), *m = tu_path(dir, "missing");
  art_sandbox *sb = make(0, 0);
  art_sandbox_result res;
  char *t = run(sb, m, &res, NULL);
  ck_assert_int_eq(res.outcome, ART_SANDBOX_DONE);
  ck_assert_int_eq(res.status, ART_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(res.errmsg, "missing: No such file"));
  free(t);
  art_sandbox_result_clear(&res);
  art_sandbox_free(sb);
  free(m);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("sandbox");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_result_equals_in_process_and_sha256sum);
  tcase_add_test(tc, test_worker_reused_then_replaced_after_crash);
  tcase_add_test(tc, test_time_limit);
  tcase_add_test(tc, test_write_refused_socket_kills);
  tcase_add_test(tc, test_streamed_output);
  tcase_add_test(tc, test_missing_input);
  suite_add_tcase(s, tc);
  return tu_main(s);
}
