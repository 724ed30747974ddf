/* art-hashset: build, inspect and query memory-mapped hash sets (known and
 * notable files) from NSRL RDS v3, hashdeep, *sum files and lists.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/hashset.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cli.h"

static void usage(void)
{
  printf(_(
      "Usage: art-hashset build -n NAME [-k KIND] [-F FORMAT] -o SET INPUT...\n"
      "       art-hashset lookup -s SET [-s SET]... [HASH...|-]\n"
      "       art-hashset info SET...\n"
      "       art-hashset verify SET...\n"
      "Build and query hash sets of known (ignorable) or notable (alert) "
      "files.\n\n"
      "build: read every INPUT (NSRL RDS v3 SQLite, hashdeep, md5sum/sha1sum/"
      "\n"
      "sha256sum, BSD tags, plain lists, other sets) into one set file.\n"
      "  -n, --name NAME        the set's name (required)\n"
      "  -k, --kind KIND        known (default) or notable\n"
      "  -F, --input-format F   auto (default), nsrl, hashdeep, sums, hset\n"
      "  -S, --source TEXT      provenance kept in the set\n"
      "  -o, --output SET       the set file to write (required)\n\n"
      "lookup: print HASH, the kind of the set that has it (or unknown) and\n"
      "the set's name, tab-separated, one line per hash and matching set;\n"
      "hashes come from the arguments or, with none or \"-\", from standard\n"
      "input, one per line. Exit status 1 when any hash was found.\n"
      "  -s, --set SET          a set file (repeatable)\n"
      "      --hits             print found hashes only\n\n"
      "info: name, kind, source, creation time and counts of each set.\n"
      "verify: check every table's order and index (reads the whole file).\n\n"
      "  -q, --quiet            no per-input summary while building\n"
      "  -h, --help             this help\n"
      "      --version          version\n\n"
      "Exit status: 0 done, 1 hashes found (lookup), 2 usage error, 3 some\n"
      "inputs, hashes or sets could not be used, 4 fatal error.\n"));
}

static int cmd_build(art_ctx *ctx, int argc, char **argv, int quiet)
{
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'},
      {"kind", required_argument, NULL, 'k'},
      {"input-format", required_argument, NULL, 'F'},
      {"source", required_argument, NULL, 'S'},
      {"output", required_argument, NULL, 'o'},
      {"quiet", no_argument, NULL, 'q'},
      {NULL, 0, NULL, 0}};
  const char *name = NULL, *out = NULL, *source = NULL;
  art_hashset_kind kind = ART_HASHSET_KNOWN;
  art_hashset_format fmt = ART_HASHSET_FMT_AUTO;
  art_hashset_builder *b = NULL;
  uint64_t counts[3];
  int c, failed = 0, ok = 0;
  art_status st;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+n:k:F:S:o:q", longopts, NULL)) != -1) {
    switch (c) {
    case 'n':
      name = optarg;
      break;
    case 'k':
      if (art_hashset_kind_parse(optarg, &kind) != ART_OK)
        return cli_usage_error(_("unknown kind '%s' (known or notable)"),
                               optarg);
      break;
    case 'F':
      if (art_hashset_format_parse(optarg, &fmt) != ART_OK)
        return cli_usage_error(_("unknown input format '%s'"), optarg);
      break;
    case 'S':
      source = optarg;
      break;
    case 'o':
      out = optarg;
      break;
    case 'q':
      quiet = 1;
      break;
    default:
      return cli_usage_error(_("bad option for build"));
    }
  }
  if (!name || !out)
    return cli_usage_error(_("build needs --name and --output"));
  if (optind >= argc)
    return cli_usage_error(_("build needs at least one input"));
  st = art_hashset_builder_new(ctx, name, kind, &b);
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    return ART_EXIT_FATAL;
  }
  if (source)
    art_hashset_builder_set_source(ctx, b, source);
  for (int i = optind; i < argc; i++) {
    art_hashset_stats s;
    st = art_hashset_builder_add_file(ctx, b, argv[i], fmt, &s);
    if (st == ART_ERR_NOMEM) {
      cli_error_ctx(ctx, st);
      art_hashset_builder_free(b);
      return ART_EXIT_FATAL;
    }
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      failed++;
      continue;
    }
    ok++;
    if (s.skipped)
      cli_error(_("%s: %llu of %llu lines without a digest (first: line %llu)"),
                argv[i], (unsigned long long)s.skipped,
                (unsigned long long)s.lines,
                (unsigned long long)s.first_bad_line);
    if (!quiet)
      fprintf(stderr, _("%s: %s: %llu md5, %llu sha1, %llu sha256\n"), argv[i],
              art_hashset_format_name(s.format), (unsigned long long)s.added[0],
              (unsigned long long)s.added[1], (unsigned long long)s.added[2]);
  }
  if (!ok) {
    cli_error(_("%s: not written: no input could be read"), out);
    art_hashset_builder_free(b);
    return ART_EXIT_PARTIAL;
  }
  st = art_hashset_builder_write(ctx, b, out, counts);
  art_hashset_builder_free(b);
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    return ART_EXIT_FATAL;
  }
  if (!quiet)
    fprintf(stderr,
            _("%s: %s set \"%s\": %llu md5, %llu sha1, %llu sha256 (unique)\n"),
            out, art_hashset_kind_name(kind), name,
            (unsigned long long)counts[0], (unsigned long long)counts[1],
            (unsigned long long)counts[2]);
  return failed ? ART_EXIT_PARTIAL : ART_EXIT_OK;
}

typedef struct lookup_state {
  art_hashset **sets;
  size_t n_sets;
  int hits_only, found, bad;
} lookup_state;

static void lookup_one(art_ctx *ctx, lookup_state *ls, const char *hex)
{
  int any = 0;
  for (size_t i = 0; i < ls->n_sets; i++) {
    int found = 0;
    art_status st = art_hashset_lookup_hex(ctx, ls->sets[i], hex, &found);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      ls->bad = 1;
      return;
    }
    if (found) {
      any = 1;
      printf("%s\t%s\t%s\n", hex,
             art_hashset_kind_name(art_hashset_get_kind(ls->sets[i])),
             art_hashset_name(ls->sets[i]));
    }
  }
  if (any)
    ls->found = 1;
  else if (!ls->hits_only)
    printf("%s\tunknown\t\n", hex);
}

static int cmd_lookup(art_ctx *ctx, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"set", required_argument, NULL, 's'},
      {"hits", no_argument, NULL, 'H'},
      {NULL, 0, NULL, 0}};
  lookup_state ls = {0};
  int c, rc;
  optind = 1;
  ls.sets = calloc((size_t)argc, sizeof *ls.sets);
  if (!ls.sets)
    return ART_EXIT_FATAL;
  while ((c = getopt_long(argc, argv, "+s:", longopts, NULL)) != -1) {
    art_status st;
    if (c == 'H') {
      ls.hits_only = 1;
      continue;
    }
    if (c != 's') {
      rc = cli_usage_error(_("bad option for lookup"));
      goto out;
    }
    st = art_hashset_open(ctx, optarg, &ls.sets[ls.n_sets]);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      rc = ART_EXIT_FATAL;
      goto out;
    }
    ls.n_sets++;
  }
  if (!ls.n_sets) {
    rc = cli_usage_error(_("lookup needs at least one --set"));
    goto out;
  }
  if (optind >= argc || (optind == argc - 1 && !strcmp(argv[optind], "-"))) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
      while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                   line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
      if (n)
        lookup_one(ctx, &ls, line);
    }
    free(line);
  } else {
    for (int i = optind; i < argc; i++)
      lookup_one(ctx, &ls, argv[i]);
  }
  rc = ls.bad ? ART_EXIT_PARTIAL : ls.found ? ART_EXIT_FOUND : ART_EXIT_OK;
out:
  if (fflush(stdout) != 0)
    rc = ART_EXIT_FATAL;
  for (size_t i = 0; i < ls.n_sets; i++)
    art_hashset_free(ls.sets[i]);
  free(ls.sets);
  return rc;
}

static int cmd_info(art_ctx *ctx, int argc, char **argv, int verify)
{
  int failed = 0;
  if (argc < 2)
    return cli_usage_error(_("%s needs at least one set"),
                           verify ? "verify" : "info");
  for (int i = 1; i < argc; i++) {
    art_hashset *hs = NULL;
    art_status st = art_hashset_open(ctx, argv[i], &hs);
    if (st == ART_OK && verify)
      st = art_hashset_verify(ctx, hs);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      failed++;
      art_hashset_free(hs);
      continue;
    }
    if (verify) {
      printf("%s: OK\n", argv[i]);
    } else {
      char when[32] = "";
      time_t t = (time_t)art_hashset_created(hs);
      struct tm tm;
      if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
      printf(_("file: %s\nname: %s\nkind: %s\nsource: %s\ncreated: %s\n"
               "md5: %llu\nsha1: %llu\nsha256: %llu\n"),
             argv[i], art_hashset_name(hs),
             art_hashset_kind_name(art_hashset_get_kind(hs)),
             art_hashset_source(hs), when,
             (unsigned long long)art_hashset_count(hs, ART_HASH_MD5),
             (unsigned long long)art_hashset_count(hs, ART_HASH_SHA1),
             (unsigned long long)art_hashset_count(hs, ART_HASH_SHA256));
      if (i + 1 < argc)
        printf("\n");
    }
    art_hashset_free(hs);
  }
  if (fflush(stdout) != 0)
    return ART_EXIT_FATAL;
  return failed ? ART_EXIT_PARTIAL : ART_EXIT_OK;
}

int main(int argc, char **argv)
{
  art_ctx *ctx = NULL;
  int rc, quiet = 0;
  const char *cmd;
  cli_init("art-hashset");
  if (argc < 2)
    return cli_usage_error(
        _("a command is needed: build, lookup, info, verify"));
  cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
    usage();
    return ART_EXIT_OK;
  }
  if (!strcmp(cmd, "--version")) {
    cli_version();
    return ART_EXIT_OK;
  }
  if (!strcmp(cmd, "-q") || !strcmp(cmd, "--quiet")) {
    quiet = 1;
    argv++;
    argc--;
    if (argc < 2)
      return cli_usage_error(_("a command is needed"));
    cmd = argv[1];
  }
  if (art_ctx_new(&ctx) != ART_OK) {
    cli_error(_("out of memory"));
    return ART_EXIT_FATAL;
  }
  if (!strcmp(cmd, "build"))
    rc = cmd_build(ctx, argc - 1, argv + 1, quiet);
  else if (!strcmp(cmd, "lookup"))
    rc = cmd_lookup(ctx, argc - 1, argv + 1);
  else if (!strcmp(cmd, "info"))
    rc = cmd_info(ctx, argc - 1, argv + 1, 0);
  else if (!strcmp(cmd, "verify"))
    rc = cmd_info(ctx, argc - 1, argv + 1, 1);
  else
    rc = cli_usage_error(_("unknown command '%s'"), cmd);
  art_ctx_free(ctx);
  return rc;
}
