/* The sandbox options and messages shared by the tools.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli_sandbox.h"

#include "cli.h"

int cli_sandbox_option(int c, const char *arg, art_sandbox_opts *o)
{
  unsigned u;
  uint64_t sz;
  switch (c) {
  case CLI_OPT_NO_SANDBOX:
    o->disabled = 1;
    return 0;
  case CLI_OPT_SANDBOX_TIMEOUT:
    if (cli_parse_uint(arg, &u) != 0 || u > 86400u * 7)
      return cli_usage_error(_("bad timeout '%s' (seconds)"), arg);
    o->timeout_ms = u * 1000u;
    return 0;
  case CLI_OPT_MEMORY_LIMIT:
    if (cli_parse_size(arg, &sz) != 0 || sz < (64u << 20))
      return cli_usage_error(_("bad memory limit '%s' (at least 64M)"), arg);
    o->memory_limit = sz;
    return 0;
  default:
    return cli_usage_error(_("unknown option"));
  }
}

void cli_sandbox_report(const char *path, const art_sandbox_result *res)
{
  /* stderr is for a person: the translated text (records take errmsg) */
  const char *m = res->errmsg_l ? res->errmsg_l : res->errmsg;
  if (res->sha256[0])
    cli_error("%s: %s (sha256 %s)", path, m ? m : "", res->sha256);
  else
    cli_error("%s: %s", path, m ? m : "");
}
