/* Check suite for the reader: every consumer sees every byte in order,
 * inline and on lanes; early stop; lane balancing; read errors reach finish.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "testutil.h"

#include <artifact/artifact.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct counter {
  uint64_t bytes, next_off, sum;
  int began, finished, in_order;
  uint64_t stop_after;
  art_status seen_status;
  pthread_t thread;
} counter;

static art_status c_begin(void *st, int known, uint64_t size)
{
  counter *c = st;
  (void)known;
  (void)size;
  c->began++;
  c->in_order = 1;
  return ART_OK;
}

static art_status c_update(void *st, const uint8_t *d, size_t n, uint64_t off)
{
  counter *c = st;
  if (off != c->next_off)
    c->in_order = 0;
  c->next_off = off + n;
  c->bytes += n;
  for (size_t i = 0; i < n; i++)
    c->sum += d[i];
  c->thread = pthread_self();
  if (c->stop_after && c->bytes >= c->stop_after)
    return ART_ERR_LIMIT;
  return ART_OK;
}

static art_status c_finish(void *st, art_status rs)
{
  counter *c = st;
  c->finished++;
  c->seen_status = rs;
  return ART_OK;
}

static const art_consumer heavy = {"heavy", 2.0, c_begin, c_update, c_finish};
static const art_consumer light = {"light", 0.5, c_begin, c_update, c_finish};

static uint64_t byte_sum(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint64_t s = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF)
    s += (unsigned)ch;
  fclose(f);
  return s;
}

static void run(const char *path,
                unsigned threads,
                size_t block,
                counter *cs,
                int n,
                const art_consumer *const *ops)
{
  art_ctx *ctx;
  art_reader *r;
  art_source *src;
  art_reader_opts o = {block, threads};
  uint64_t bytes;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_reader_new(ctx, &o, &r), ART_OK);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(art_reader_add(r, ops[i], &cs[i]), ART_OK);
  ck_assert_int_eq(art_source_open(ctx, path, ART_SOURCE_FILE, &src), ART_OK);
  ck_assert_int_eq(art_reader_run(ctx, r, src, &bytes), ART_OK);
  ck_assert_uint_eq(bytes, art_source_get_info(src)->size);
  art_source_free(src);
  art_reader_free(r);
  art_ctx_free(ctx);
}

START_TEST(test_inline_and_lanes_see_everything)
{
  char *d = tu_tmpdir();
  char *p = tu_path(d, "data");
  const size_t size = ART_READER_LANE_MIN + 777;
  tu_write_random(p, size, 9);
  uint64_t want = byte_sum(p);
  const art_consumer *ops[4] = {&heavy, &light, &heavy, &light};
  for (unsigned threads = 1; threads <= 4; threads++) {
    counter cs[4];
    memset(cs, 0, sizeof cs);
    run(p, threads, 65536 + 3, cs, 4, ops);
    for (int i = 0; i < 4; i++) {
      ck_assert_int_eq(cs[i].began, 1);
      ck_assert_int_eq(cs[i].finished, 1);
      ck_assert_int_eq(cs[i].in_order, 1);
      ck_assert_uint_eq(cs[i].bytes, size);
      ck_assert_uint_eq(cs[i].sum, want);
      ck_assert_int_eq(cs[i].seen_status, ART_OK);
    }
    if (threads >= 2) /* the two heavy consumers ran on different threads */
      ck_assert_int_eq(pthread_equal(cs[0].thread, cs[2].thread), 0);
  }
  tu_rmtree(d);
  free(d);
  free(p);
}
END_TEST

START_TEST(test_small_input_stays_inline)
{
  char *d = tu_tmpdir();
  char *p = tu_path(d, "small");
  tu_write_random(p, 100000, 2);
  const art_consumer *ops[2] = {&heavy, &heavy};
  counter cs[2];
  memset(cs, 0, sizeof cs);
  run(p, 4, 0, cs, 2, ops);
  ck_assert_int_ne(pthread_equal(cs[0].thread, pthread_self()), 0);
  ck_assert_int_ne(pthread_equal(cs[1].thread, pthread_self()), 0);
  tu_rmtree(d);
  free(d);
  free(p);
}
END_TEST

START_TEST(test_consumer_can_stop_early)
{
  char *d = tu_tmpdir();
  char *p = tu_path(d, "data");
  tu_write_random(p, 1000000, 4);
  const art_consumer *ops[2] = {&light, &light};
  counter cs[2];
  memset(cs, 0, sizeof cs);
  cs[0].stop_after = 4096;
  run(p, 1, 4096, cs, 2, ops);
  ck_assert_uint_eq(cs[0].bytes, 4096);
  ck_assert_uint_eq(cs[1].bytes, 1000000);
  ck_assert_int_eq(cs[0].finished, 1);
  tu_rmtree(d);
  free(d);
  free(p);
}
END_TEST

START_TEST(test_empty_input)
{
  char *d = tu_tmpdir();
  char *p = tu_path(d, "empty");
  tu_write(p, "", 0);
  const art_consumer *ops[1] = {&light};
  counter cs[1];
  memset(cs, 0, sizeof cs);
  run(p, 2, 0, cs, 1, ops);
  ck_assert_uint_eq(cs[0].bytes, 0);
  ck_assert_int_eq(cs[0].began, 1);
  ck_assert_int_eq(cs[0].finished, 1);
  tu_rmtree(d);
  free(d);
  free(p);
}
END_TEST

static Suite *reader_suite(void)
{
  Suite *s = suite_create("reader");
  TCase *tc = tcase_create("reader");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_inline_and_lanes_see_everything);
  tcase_add_test(tc, test_small_input_stays_inline);
  tcase_add_test(tc, test_consumer_can_stop_early);
  tcase_add_test(tc, test_empty_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(reader_suite());
}
