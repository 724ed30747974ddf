/* libFuzzer target: the Windows artifact parsers (libartifact/windows/).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The first byte picks the artifact kind (evtx, registry, prefetch, lnk,
 * jump lists, $UsnJrnl, Recycle Bin, browser histories, evt); the rest is
 * the artifact, read from memory through art_win_input.
 */
#include <artifact/artifact.h>
#include <artifact/windows.h>
#include <string.h>

typedef struct mem {
  const uint8_t *p;
  size_t n;
} mem;

static art_status
mem_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  const mem *m = user;
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

static art_status on_event(void *user, const art_win_event *ev)
{
  size_t *n = user;
  /* touch what a writer would read */
  *n += strlen(ev->message) + strlen(ev->data_type);
  for (size_t i = 0; i < ev->nattrs; i++)
    *n += strlen(ev->attrs[i].key) + strlen(ev->attrs[i].value);
  return ART_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  art_win_kind kind = (art_win_kind)(1 + data[0] % (ART_WIN_KIND_COUNT_ - 1));
  mem m = {data + 1, size - 1};
  art_win_input in = {"fuzz", size - 1, mem_read, &m};
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  size_t n = 0;
  (void)art_win_parse(ctx, kind, &in, on_event, &n);
  art_ctx_free(ctx);
  return 0;
}
