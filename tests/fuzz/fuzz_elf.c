/* libFuzzer target: the ELF parser on arbitrary bytes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/elf.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  art_ctx *ctx = NULL;
  art_elf *elf = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_elf_parse(ctx, data, size, &elf) == ART_OK) {
    const art_elf_info *info = art_elf_get_info(elf);
    size_t sum = info->interpreter ? strlen(info->interpreter) : 0;
    sum += info->soname ? strlen(info->soname) : 0;
    for (size_t i = 0; i < info->n_sections; i++)
      sum += strlen(art_elf_section_at(elf, i)->name);
    for (size_t i = 0; i < info->n_needed; i++)
      sum += strlen(art_elf_needed_at(elf, i));
    (void)sum;
    art_elf_free(elf);
  }
  art_ctx_free(ctx);
  return 0;
}
