/* libFuzzer target: scanning arbitrary bytes with rules that exercise
 * strings, regexps, hex jumps and the pe/elf modules, then copying the
 * matches out and formatting them as text and JSON.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/yara.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RULES[] =
    "import \"pe\"\nimport \"elf\"\n"
    "rule text : t1 t2 { meta: author = \"fuzz\" n = 3 b = true strings: "
    "$a = \"MZ\" $b = \"This program\" nocase $c = \"PK\" wide ascii "
    "condition: any of them }\n"
    "rule hex { strings: $h = { 4D 5A [2-40] 50 45 00 00 } $j = { 7F 45 4C "
    "46 ?? 01 } condition: any of them }\n"
    "rule re { strings: $r = /[a-z]{3,8}[0-9]{1,4}/ $s = /\\x00\\x00.\\xff/ "
    "condition: any of them }\n"
    "rule mods { condition: pe.number_of_sections > 1 or elf.number_of_"
    "sections > 1 or pe.is_pe }\n"
    "rule ext { condition: filename == \"x\" or filetype contains \"text\" "
    "}\n"
    "private rule p { strings: $p = \"abc\" condition: $p }\n"
    "rule uses_private { condition: p }\n";

static art_yara_rules *rules;
static art_yara_scanner *scanner;
static art_ctx *ctx;

static int setup(void)
{
  char dir[] = "/tmp/art_fuzz_scan_XXXXXX", path[600];
  art_yara_compiler *c = NULL;
  FILE *f;
  if (!mkdtemp(dir) || art_ctx_new(&ctx) != ART_OK)
    return -1;
  snprintf(path, sizeof path, "%s/fuzz.yar", dir);
  f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(RULES, f);
  fclose(f);
  if (art_yara_compiler_new(ctx, &c) != ART_OK ||
      art_yara_compiler_add_path(ctx, c, path, NULL) != ART_OK ||
      art_yara_compiler_build(ctx, c, &rules) != ART_OK)
    return -1;
  art_yara_compiler_free(c);
  unlink(path);
  rmdir(dir);
  if (art_yara_scanner_new(ctx, rules, &scanner) != ART_OK)
    return -1;
  art_yara_scanner_set_timeout(scanner, 5);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  art_yara_result *res = NULL;
  art_yara_artifact a = {"dir/x", NULL, NULL, 0, NULL, NULL};
  char *text = NULL;
  if (!ready) {
    if (setup() != 0)
      abort();
    ready = 1;
  }
  if (art_yara_scanner_set_artifact(ctx, scanner, &a) != ART_OK)
    return 0;
  art_yara_scanner_set_flags(scanner,
                             size && (data[0] & 1) ? ART_YARA_SCAN_NEGATE : 0);
  art_yara_scan_buffer(ctx, scanner, data, size, &res);
  if (!res)
    return 0;
  if (art_yara_result_text(ctx, res, 0x1f, NULL, NULL, &text, NULL) == ART_OK)
    art_free(text);
  if (art_yara_result_json(ctx, res, NULL, NULL, &text, NULL) == ART_OK)
    art_free(text);
  art_yara_result_free(res);
  return 0;
}
