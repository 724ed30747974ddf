/* art-merge: join the outputs of art-* --shard runs into the output a single
 * run would have written, refusing incomplete, duplicated or foreign sets.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/shard.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

static void usage(void)
{
  printf(
      _("Usage: art-merge [OPTION]... MANIFEST...\n"
        "Join the outputs of art-hash, art-surface, art-yara or art-strings\n"
        "runs made with --shard K/N --manifest MANIFEST into the output one\n"
        "run over all the inputs would have written.\n\n"
        "  -o, --output FILE   write the merged output to FILE (default: "
        "stdout)\n"
        "      --no-coverage   do not walk the roots again\n"
        "  -h, --help          this help\n"
        "      --version       version\n\n"
        "Every shard 1..N must be given once, made by the same tool and\n"
        "version with the same options, roots and inputs; otherwise nothing\n"
        "is written and each problem is named.\n"
        "Exit: 0 merged; 1 merged, but inputs are in no shard or vanished\n"
        "(coverage); 2 usage; 3 merged, but some shards reported failed\n"
        "inputs; 4 refused or fatal error.\n"));
}

static void on_note(void *ud, const char *msg)
{
  (void)ud;
  cli_error("%s", msg);
}

int main(int argc, char **argv)
{
  enum { OPT_VERSION = 256, OPT_NO_COVERAGE };
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},
      {"no-coverage", no_argument, NULL, OPT_NO_COVERAGE},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION},
      {NULL, 0, NULL, 0}};
  const char *output = NULL;
  int coverage = 1, c;
  cli_init("art-merge");
  while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case OPT_NO_COVERAGE:
      coverage = 0;
      break;
    case 'h':
      usage();
      return ART_EXIT_OK;
    case OPT_VERSION:
      cli_version();
      return ART_EXIT_OK;
    default:
      return cli_usage_error(_("unknown option"));
    }
  }
  if (optind == argc)
    return cli_usage_error(_("no manifest given"));
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  int rc = ART_EXIT_FATAL;
  /* Written to a temporary name and renamed, so a refused set leaves no
   * half-merged file behind. */
  char *tmp = NULL;
  FILE *out = stdout;
  if (output && strcmp(output, "-") != 0) {
    size_t len = strlen(output) + 16;
    tmp = malloc(len);
    if (!tmp)
      goto out;
    snprintf(tmp, len, "%s.merging", output);
    out = cli_open_output(tmp);
    if (!out)
      goto out;
  }
  art_merge_opts mo = {coverage, on_note, NULL};
  art_merge_result res;
  art_status st = art_merge(ctx, (const char *const *)argv + optind,
                            (size_t)(argc - optind), out, &mo, &res);
  if (st == ART_ERR_INTEGRITY) {
    cli_error(_("shard set refused: nothing merged"));
  } else if (st != ART_OK) {
    cli_error_ctx(ctx, st);
  } else {
    rc = res.uncovered || res.vanished                       ? ART_EXIT_FOUND
         : res.exit_code == ART_EXIT_PARTIAL || res.failures ? ART_EXIT_PARTIAL
                                                             : ART_EXIT_OK;
    if (res.failures)
      cli_error(_("the shards reported %lu failed input(s)"), res.failures);
  }
  if (cli_close_output(out) != 0)
    rc = ART_EXIT_FATAL;
  if (tmp) {
    if (rc != ART_EXIT_FATAL && rename(tmp, output) != 0) {
      cli_error(_("%s: cannot rename from %s"), output, tmp);
      rc = ART_EXIT_FATAL;
    }
    if (rc == ART_EXIT_FATAL)
      remove(tmp);
  }
out:
  free(tmp);
  art_ctx_free(ctx);
  return rc;
}
