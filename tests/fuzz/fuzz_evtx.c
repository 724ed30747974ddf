/* libFuzzer target: our EVTX reader (windows/evtx_chunk.c, evtx_binxml.c).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The input is an .evtx file. Checksums do not stop the reader (a chunk
 * with a bad CRC32 is still read, and reported), so mutations reach the
 * records' Binary XML, the template cache and the value rendering. Every
 * event's text is read, as a writer would.
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
  *n += strlen(ev->message);
  for (size_t i = 0; i < ev->nattrs; i++)
    *n += strlen(ev->attrs[i].key) + strlen(ev->attrs[i].value);
  return ART_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  mem m = {data, size};
  art_win_input in = {"fuzz.evtx", size, mem_read, &m};
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  size_t n = 0;
  (void)art_win_parse(ctx, ART_WIN_EVTX, &in, on_event, &n);
  art_ctx_free(ctx);
  return 0;
}
