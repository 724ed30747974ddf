/* The sandbox options every tool that parses artifacts shares:
 * --no-sandbox, --timeout SECS, --memory-limit SIZE.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_CLI_SANDBOX_H
#define ART_CLI_SANDBOX_H

#include <artifact/artifact.h>
#include <getopt.h>

#include "i18n.h"

enum {
  CLI_OPT_NO_SANDBOX = 0x5a00,
  CLI_OPT_SANDBOX_TIMEOUT,
  CLI_OPT_MEMORY_LIMIT
};

#define CLI_SANDBOX_LONGOPTS                                                   \
  {"no-sandbox", no_argument, NULL, CLI_OPT_NO_SANDBOX},                       \
      {"timeout", required_argument, NULL, CLI_OPT_SANDBOX_TIMEOUT},           \
  {                                                                            \
    "memory-limit", required_argument, NULL, CLI_OPT_MEMORY_LIMIT              \
  }

#define CLI_SANDBOX_HELP                                                       \
  N_("      --timeout SECS       wall-clock limit per input (60; 0: none)\n"   \
     "      --memory-limit SIZE  address space of each worker (1G)\n"          \
     "      --no-sandbox         parse in this process (debugging only)\n")

/* Handle option C (one of the CLI_OPT_* above) into O. 0: done; else the
 * usage error's exit code (already printed). */
int cli_sandbox_option(int c, const char *arg, art_sandbox_opts *o);

/* Print the outcome of a sandboxed job that did not finish (crash, time or
 * memory limit) as "art-<tool>: PATH: what (sha256 ...)". */
void cli_sandbox_report(const char *path, const art_sandbox_result *res);

#endif
