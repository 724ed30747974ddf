/* libFuzzer target: the archive walker (with libarchive underneath) on
 * arbitrary bytes, with small limits so each input stays cheap.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/archive.h>
#include <artifact/artifact.h>
#include <artifact/magic.h>
#include <string.h>

static art_status
count_update(void *state, const uint8_t *d, size_t len, uint64_t off)
{
  (void)d;
  (void)off;
  *(uint64_t *)state += len;
  return ART_OK;
}

static const art_consumer counter = {.name = "count", .update = count_update};

typedef struct fz {
  art_archive *ar;
  uint64_t bytes;
} fz;

static art_walk_action on_begin(void *ud, const art_archive_member *m)
{
  fz *f = ud;
  (void)strlen(m->lineage);
  art_archive_add_consumer(f->ar, &counter, &f->bytes);
  return ART_WALK_CONTINUE;
}

static art_walk_action
on_end(void *ud, const art_archive_member *m, const art_archive_result *r)
{
  (void)ud;
  (void)m;
  if (r->errmsg)
    (void)strlen(r->errmsg);
  return ART_WALK_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const art_archive_ops ops = {.begin = on_begin, .end = on_end};
  art_ctx *ctx = NULL;
  art_archive_opts o;
  fz f = {0};
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  art_archive_opts_init(&o);
  o.max_member_bytes = 1u << 20;
  o.max_total_bytes = 4u << 20;
  o.max_artifacts = 200;
  o.ratio_min_bytes = 256u << 10;
  o.max_memory = 16u << 20;
  o.timeout_ms = 5000; /* what the callbacks can bound */
  /* Half the inputs with names forced through CP932 (escapes, iconv). */
  o.charset = size && (data[0] & 1) ? "CP932" : NULL;
  if (art_archive_new(ctx, &o, &f.ar) == ART_OK) {
    art_archive_walk_buffer(ctx, f.ar, data, size, "fuzz", &ops, &f);
    art_archive_free(f.ar);
  }
  (void)art_archive_is_container(data, size);
  (void)art_archive_tail_is_zip(data, size);
  art_ctx_free(ctx);
  return 0;
}
