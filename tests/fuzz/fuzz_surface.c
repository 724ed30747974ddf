/* libFuzzer target: surface analysis of arbitrary bytes (every analysis,
 * container members, PE/ELF records) and both record formats, with small
 * limits so each input stays cheap.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static art_surface_config *cfg;
static art_surface *an;
static art_ctx *ctx;

static int init(void)
{
  art_surface_opts o;
  if (ctx)
    return an != NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  art_surface_opts_init(&o);
  o.archive.max_member_bytes = 1u << 20;
  o.archive.max_total_bytes = 4u << 20;
  o.archive.max_artifacts = 100;
  o.archive.ratio_min_bytes = 256u << 10;
  o.keep_limit = 1u << 20;
  if (art_surface_config_new(ctx, &o, &cfg) != ART_OK ||
      art_surface_new(ctx, cfg, &an) != ART_OK)
    return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[64];
  art_surface_report *rep = NULL;
  int fd;
  if (!init())
    return 0;
  fd = memfd_create("fuzz", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  art_surface_examine_path(ctx, an, path, 0, &rep);
  for (size_t i = 0; i < art_surface_report_count(rep); i++) {
    char *a = NULL, *b = NULL;
    art_surface_record_json(ctx, rep, i, &a);
    art_surface_record_text(ctx, rep, i, &b);
    art_free(a);
    art_free(b);
  }
  art_surface_report_free(rep);
  close(fd);
  return 0;
}
