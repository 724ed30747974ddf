/* The body the Windows artifact libFuzzer targets share: one parser on
 * bytes in memory (through art_win_input), every event's text read, as a
 * writer would.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_FUZZ_WINDOWS_H
#define ART_FUZZ_WINDOWS_H

#include <artifact/artifact.h>
#include <artifact/windows.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_mem {
  const uint8_t *p;
  size_t n;
} fuzz_mem;

static art_status
fuzz_mem_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  const fuzz_mem *m = user;
  *got = 0;
  if (off >= m->n)
    return ART_OK;
  size_t k = m->n - (size_t)off;
  if (k > len)
    k = len;
  memcpy(buf, m->p + off, k);
  *got = k;
  return ART_OK;
}

static art_status fuzz_win_event(void *user, const art_win_event *ev)
{
  size_t *n = user;
  *n += strlen(ev->message) + strlen(ev->data_type);
  for (size_t i = 0; i < ev->nattrs; i++)
    *n += strlen(ev->attrs[i].key) + strlen(ev->attrs[i].value);
  return ART_OK;
}

/* Parse the N bytes at DATA as KIND (named NAME). */
static void fuzz_win_parse(art_win_kind kind,
                           const char *name,
                           const uint8_t *data,
                           size_t n)
{
  fuzz_mem m = {data, n};
  art_win_input in = {name, n, fuzz_mem_read, &m};
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return;
  size_t sum = 0;
  (void)art_win_parse(ctx, kind, &in, fuzz_win_event, &sum);
  art_ctx_free(ctx);
}

#endif
