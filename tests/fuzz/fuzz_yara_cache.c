/* libFuzzer target: the compiled-rules cache loader (its header parser and
 * the checks before libyara sees a byte) on arbitrary cache files.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/yara.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yara_private.h"

static char dir[] = "/tmp/art_fuzz_yara_XXXXXX";
static char key[65];
static char entry[512];
static art_yara_compiler *comp;
static art_ctx *ctx;

static int setup(void)
{
  char rules[600];
  FILE *f;
  if (!mkdtemp(dir) || art_ctx_new(&ctx) != ART_OK)
    return -1;
  snprintf(rules, sizeof rules, "%s/r.yar", dir);
  f = fopen(rules, "w");
  if (!f)
    return -1;
  fputs("rule r { strings: $a = \"abc\" condition: $a }\n", f);
  fclose(f);
  if (art_yara_compiler_new(ctx, &comp) != ART_OK ||
      art_yara_compiler_add_path(ctx, comp, rules, NULL) != ART_OK ||
      art_yara_compiler_set_cache_dir(ctx, comp, dir) != ART_OK ||
      art__yara_cache_key(ctx, comp, key) != ART_OK)
    return -1;
  snprintf(entry, sizeof entry, "%s/%s.yarc", dir, key);
  return art__yara_init(ctx) == ART_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  FILE *f;
  YR_RULES *yr = NULL;
  size_t files = 0, skipped = 0;
  unsigned uses = 0;
  if (!ready) {
    if (setup() != 0)
      abort();
    ready = 1;
  }
  f = fopen(entry, "wb");
  if (!f)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  if (art__yara_cache_load(ctx, comp, key, &yr, &files, &skipped, &uses) ==
      ART_OK)
    yr_rules_destroy(yr);
  /* Drop what the load recorded, as a fresh build would. */
  for (size_t i = 0; i < comp->n_diags; i++) {
    free(comp->diags[i].file);
    free(comp->diags[i].rule);
    free(comp->diags[i].message);
  }
  comp->n_diags = 0;
  for (size_t i = 0; i < comp->n_deps; i++)
    free(comp->deps[i].path);
  comp->n_deps = 0;
  return 0;
}
