/* libFuzzer target: the PE parser and imphash on arbitrary bytes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/pe.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  art_ctx *ctx = NULL;
  art_pe *pe = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return 0;
  if (art_pe_parse(ctx, data, size, &pe) == ART_OK) {
    const art_pe_info *info = art_pe_get_info(pe);
    size_t sum = strlen(art_pe_imphash(pe));
    for (size_t i = 0; i < info->n_sections; i++)
      sum += strlen(art_pe_section_at(pe, i)->name);
    for (size_t i = 0; i < info->n_imports; i++) {
      const art_pe_import *im = art_pe_import_at(pe, i);
      sum += strlen(im->dll) + (im->name ? strlen(im->name) : 0);
    }
    for (size_t i = 0; i < info->n_exports; i++) {
      const art_pe_export *ex = art_pe_export_at(pe, i);
      sum += (ex->name ? strlen(ex->name) : 0) +
             (ex->forwarder ? strlen(ex->forwarder) : 0);
    }
    for (size_t i = 0; i < info->n_anomalies; i++)
      sum += strlen(art_pe_anomaly_at(pe, i));
    (void)sum;
    art_pe_free(pe);
  }
  art_ctx_free(ctx);
  return 0;
}
