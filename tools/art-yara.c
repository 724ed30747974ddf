/* art-yara: scan files, trees, images and archive members (at any depth,
 * with lineage) with YARA rules; yara 4.2's command line and text lines, or
 * bounded JSON Lines.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/archive.h>
#include <artifact/yara.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/cli_sandbox.h"

#define MAX_LIST 64
/* Output held for in-order printing: a record bigger than REC_MEM, or any
 * record once HELD_MAX bytes are held in total, goes to a temporary file
 * instead, so the ordering window is bounded in bytes whatever the size of
 * a record (a huge one streams through the file). */
#define REC_MEM  (1u << 20)
#define HELD_MAX (32u << 20)
/* Templates of hard-linked files' output kept for their other names, in
 * total at most (beyond, those names are scanned again). */
#define LINKS_MAX (64u << 20)
/* A character device named as a target (/dev/zero) is read this far at
 * most unless --max-scan-size says otherwise. */
#define DEVICE_MAX (64ull << 20)
/* Results of archive members kept per worker to answer the same bytes met
 * again without a second scan (art_yara_scanner_set_once). */
#define ONCE_MAX (32u << 20)

typedef struct modarg {
  const char *module;
  unsigned char *data;
  size_t len;
} modarg;

typedef struct opts {
  const char **rules; /* -R, as many as given (public sets have 1,000) */
  const char *defines[MAX_LIST], *tags[MAX_LIST], *idents[MAX_LIST],
      *modules[MAX_LIST];
  size_t n_rules, n_defines, n_tags, n_idents, n_modules;
  modarg mods[MAX_LIST];
  unsigned fmt, scan_flags, compile_flags, timeout, scan_timeout, archive_depth,
      max_strings, stack_size;
  int json, count, exit_on_match, no_cache, no_archives, null_list, quiet,
      verbose, compiled, stats, scan_list, max_size_set, max_matches_set,
      max_data_set;
  uint64_t max_size, skip_larger, max_rules, cache_max;
  size_t max_matches, max_data;
  const char *output, *cache_dir, *files_from, *atom_table;
  art_batch_opts batch;
  art_sandbox_opts sandbox;
} opts;

typedef struct run {
  opts *o;
  FILE *out;
  art_yara_rules *rules;
  art_yara_scanner *err_scanner; /* records for inputs never scanned */
  unsigned long failures;
  _Atomic unsigned long matches;
  _Atomic size_t held;  /* output bytes held in memory, all records */
  uint64_t rules_shown; /* for -l */
  uint64_t deadline_ms; /* -a: one deadline for the run, as yara (monotonic) */
  int limit_hit;
  int single; /* one file named (yara's single-target mode: -c prints N) */
  art_batch *batch;      /* for the progress line's byte count */
  art_sandbox *sandbox;  /* NULL with --no-sandbox */
  art_yara_links *links; /* hard links scanned once; NULL: each name */
} run;

typedef struct wstate {
  art_yara_scanner *top, *member;
  art_archive *ar;
} wstate;

/* Text held for one item: in memory, or in a temporary file past a size. */
typedef struct stream {
  char *mem;
  size_t len, cap;
  FILE *spill;
} stream;

typedef struct output {
  stream head, body; /* the input's own record; its members' */
  unsigned long failures, matches;
  /* With hard links: the same records without the path, for the file's
   * other names (art_yara_links), unless something made it unusable. */
  art_yara_tmpl *tm;
} output;

static void usage(void)
{
  printf(_(
      "Usage: art-yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR\n"
      "   or: art-yara [OPTION]... -R RULES [-R RULES]... TARGET...\n"
      "Scan files, trees, images and archive members with YARA rules.\n"
      "yara 4.2's options mean what they mean in yara:\n"
      "  -C, --compiled-rules       RULES_FILE was compiled by yarac\n"
      "  -c, --count                number of matching rules per artifact\n"
      "  -d, --define VAR=VALUE     external variable\n"
      "      --fail-on-warnings     warnings fail their rules file\n"
      "  -f, --fast-scan            stop at each string's first match\n"
      "  -i, --identifier RULE      only rule RULE (repeatable)\n"
      "  -l, --max-rules N          stop after N matching rules\n"
      "      --max-strings-per-rule N  (default 10000)\n"
      "  -x, --module-data MOD=FILE pass FILE's bytes to module MOD\n"
      "  -n, --negate               rules that do not match\n"
      "  -N, --no-follow-symlinks   do not follow symlinks (the default)\n"
      "  -w, --no-warnings          no compiler warnings\n"
      "  -m, --print-meta   -g, --print-tags   -e, --print-namespace\n"
      "  -D, --print-module-data    module data of each artifact\n"
      "  -S, --print-stats          rule set statistics\n"
      "  -s, --print-strings        matched strings\n"
      "  -L, --print-string-length  lengths of matched strings\n"
      "  -X, --print-xor-key        xor key and plaintext (yara 4.3)\n"
      "  -r, --recursive            descend into directories\n"
      "      --scan-list            TARGET lists the files to scan\n"
      "  -z, --skip-larger N        skip files in trees larger than N bytes\n"
      "  -k, --stack-size SLOTS     condition stack (default 16384)\n"
      "  -t, --tag TAG              only rules with TAG (repeatable)\n"
      "  -p, --threads N            worker threads (default: CPUs)\n"
      "  -a, --timeout SECS         stop scanning after SECS (whole run)\n"
      "      --atom-quality-table FILE   --max-process-memory-chunk N\n"
      "      --shard K/N|auto           scan only shard K of N (art-merge)\n"
      "      --manifest FILE            with --shard: describe the shard\n"
      "  -v, --version    -h, --help\n"
      "art-yara's own:\n"
      "  -R, --rules PATH           rules file or folder (repeatable)\n"
      "      --follow               follow symbolic links inside trees\n"
      "      --format FMT           text (yara's lines, default) or jsonl\n"
      "      --max-matches N        matches printed per string (jsonl: "
      "10)\n"
      "      --max-match-data N     bytes printed per match (jsonl: 64)\n"
      "      --max-scan-size SIZE   bytes scanned per artifact (default 1G)\n"
      "      --scan-timeout SECS    per-artifact scan timeout\n"
      "      --filetype-names thor  filetype external as THOR/Loki names\n"
      "      --namespace-per-file   each rules file in its own namespace\n"
      "      --no-archives          do not scan inside archives\n"
      "      --archive-depth N      deepest member scanned (default 10)\n"
      "  -o, --output FILE          write results to FILE\n"
      "      --skip-bad-rules       scan with the rules files that compile\n"
      "      --no-includes          refuse include directives\n"
      "      --cache-dir DIR        compiled rules cache "
      "(default ~/.cache/artifact/yara)\n"
      "      --cache-max SIZE       cache size kept (default 1G)\n"
      "      --no-cache             always compile from source\n"
      "      --exit-on-match        exit 1 when something matched\n"
      "  -T, --files-from FILE      targets listed in FILE; -0 NUL-separated\n"
      "      --image                a named NAME.001 (with NAME.002) is a "
      "split\n"
      "                             raw image: scan its media\n"
      "      --no-images            named E01/VMDK/VHD/QCOW2 files are plain "
      "files\n"
      "  -j, --jobs N               as -p\n"
      "      --quiet                no compiler warnings\n"
      "      --verbose              say how the rules were loaded\n"
      "      --memory-limit SIZE    address space of each sandboxed worker "
      "(2G)\n"
      "      --no-sandbox           scan in this process (debugging only)\n\n"
      "Exit: 0 done; 1 a match (with --exit-on-match); 2 usage; 3 some\n"
      "artifacts could not be (fully) scanned; 4 fatal (rules did not "
      "compile).\n"));
}

static int add_list(const char **list, size_t *n, const char *v)
{
  if (*n >= MAX_LIST)
    return cli_usage_error(_("too many values for one option (max %d)"),
                           MAX_LIST);
  list[(*n)++] = v;
  return -1;
}

/* The -R list; freed by main whatever path the run took. */
static const char **rules_list;

static int parse_u64(const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  if (!*s || *s == '-')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum {
    O_VERSION = 256,
    O_FOLLOW,
    O_FORMAT,
    O_MAXSCAN,
    O_VERBOSE,
    O_QUIET,
    O_NO_ARCH,
    O_DEPTH,
    O_FAILW,
    O_SKIP,
    O_NOINC,
    O_CACHE,
    O_CACHEMAX,
    O_NOCACHE,
    O_EXIT,
    O_NOIMG,
    O_MAXSTR,
    O_SCANLIST,
    O_MAXMATCH,
    O_MAXDATA,
    O_SCANTO,
    O_FTNAMES,
    O_NSFILE,
    O_ATOM,
    O_CHUNK
  };
  static const struct option lo[] = {
      {"compiled-rules", no_argument, NULL, 'C'},
      {"count", no_argument, NULL, 'c'},
      {"define", required_argument, NULL, 'd'},
      {"fail-on-warnings", no_argument, NULL, O_FAILW},
      {"fast-scan", no_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {"identifier", required_argument, NULL, 'i'},
      {"max-process-memory-chunk", required_argument, NULL, O_CHUNK},
      {"max-rules", required_argument, NULL, 'l'},
      {"max-strings-per-rule", required_argument, NULL, O_MAXSTR},
      {"module-data", required_argument, NULL, 'x'},
      {"negate", no_argument, NULL, 'n'},
      {"no-follow-symlinks", no_argument, NULL, 'N'},
      {"no-warnings", no_argument, NULL, 'w'},
      {"print-meta", no_argument, NULL, 'm'},
      {"print-module-data", no_argument, NULL, 'D'},
      {"print-namespace", no_argument, NULL, 'e'},
      {"print-stats", no_argument, NULL, 'S'},
      {"print-strings", no_argument, NULL, 's'},
      {"print-string-length", no_argument, NULL, 'L'},
      {"print-xor-key", no_argument, NULL, 'X'},
      {"print-tags", no_argument, NULL, 'g'},
      {"recursive", no_argument, NULL, 'r'},
      {"scan-list", no_argument, NULL, O_SCANLIST},
      {"skip-larger", required_argument, NULL, 'z'},
      {"stack-size", required_argument, NULL, 'k'},
      {"tag", required_argument, NULL, 't'},
      {"threads", required_argument, NULL, 'p'},
      {"timeout", required_argument, NULL, 'a'},
      {"version", no_argument, NULL, 'v'},
      {"atom-quality-table", required_argument, NULL, O_ATOM},
      /* art-yara's own */
      {"rules", required_argument, NULL, 'R'},
      {"follow", no_argument, NULL, O_FOLLOW},
      {"format", required_argument, NULL, O_FORMAT},
      {"max-scan-size", required_argument, NULL, O_MAXSCAN},
      {"max-matches", required_argument, NULL, O_MAXMATCH},
      {"max-match-data", required_argument, NULL, O_MAXDATA},
      {"scan-timeout", required_argument, NULL, O_SCANTO},
      {"filetype-names", required_argument, NULL, O_FTNAMES},
      {"namespace-per-file", no_argument, NULL, O_NSFILE},
      {"no-archives", no_argument, NULL, O_NO_ARCH},
      {"archive-depth", required_argument, NULL, O_DEPTH},
      {"output", required_argument, NULL, 'o'},
      {"skip-bad-rules", no_argument, NULL, O_SKIP},
      {"no-includes", no_argument, NULL, O_NOINC},
      {"cache-dir", required_argument, NULL, O_CACHE},
      {"cache-max", required_argument, NULL, O_CACHEMAX},
      {"no-cache", no_argument, NULL, O_NOCACHE},
      {"exit-on-match", no_argument, NULL, O_EXIT},
      {"files-from", required_argument, NULL, 'T'},
      {"null", no_argument, NULL, '0'},
      {"no-images", no_argument, NULL, O_NOIMG},
      {"image", no_argument, NULL, CLI_OPT_IMAGE},
      {"jobs", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, O_QUIET},
      {"no-sandbox", no_argument, NULL, CLI_OPT_NO_SANDBOX},
      {"memory-limit", required_argument, NULL, CLI_OPT_MEMORY_LIMIT},
      {"verbose", no_argument, NULL, O_VERBOSE},
      {"shard", required_argument, NULL, CLI_OPT_SHARD},
      {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
      {NULL, 0, NULL, 0}};
  int c, rc;
  uint64_t v;
  o->compile_flags = ART_YARA_ALLOW_INCLUDES | ART_YARA_SHARED_NAMESPACE;
  while ((c = getopt_long(argc, argv,
                          "Ccd:fhi:l:x:nNwmDeSsLXgrz:k:t:p:a:vR:o:T:0j:", lo,
                          NULL)) != -1) {
    rc = -1;
    switch (c) {
    case 'C':
      o->compiled = 1;
      break;
    case 'c':
      o->count = 1;
      break;
    case 'd':
      rc = add_list(o->defines, &o->n_defines, optarg);
      break;
    case O_FAILW:
      o->compile_flags |= ART_YARA_FAIL_ON_WARNINGS;
      break;
    case 'f':
      o->scan_flags |= ART_YARA_SCAN_FAST;
      break;
    case 'h':
      usage();
      exit(ART_EXIT_OK);
    case 'i':
      rc = add_list(o->idents, &o->n_idents, optarg);
      break;
    case O_CHUNK:
      /* Process memory is not scanned: accepted for yara's command lines. */
      if (parse_u64(optarg, &v) != 0)
        return cli_usage_error(_("bad chunk size '%s'"), optarg);
      break;
    case 'l':
      if (parse_u64(optarg, &o->max_rules) != 0)
        return cli_usage_error(_("bad rule count '%s'"), optarg);
      break;
    case O_MAXSTR:
      if (cli_parse_uint(optarg, &o->max_strings) != 0 || !o->max_strings)
        return cli_usage_error(_("bad string count '%s'"), optarg);
      break;
    case 'x':
      if (!strchr(optarg, '='))
        return cli_usage_error(_("-x wants MODULE=FILE, not '%s'"), optarg);
      rc = add_list(o->modules, &o->n_modules, optarg);
      break;
    case 'n':
      o->scan_flags |= ART_YARA_SCAN_NEGATE;
      break;
    case 'N':
      o->batch.walk_flags &= ~(unsigned)ART_WALK_FOLLOW;
      break;
    case 'w':
      o->compile_flags |= ART_YARA_NO_WARNINGS;
      break;
    case 'm':
      o->fmt |= ART_YARA_FMT_META;
      break;
    case 'D':
      o->scan_flags |= ART_YARA_SCAN_MODULE_DATA;
      break;
    case 'e':
      o->fmt |= ART_YARA_FMT_NS;
      break;
    case 'S':
      o->stats = 1;
      break;
    case 's':
      o->fmt |= ART_YARA_FMT_STRINGS;
      break;
    case 'L':
      o->fmt |= ART_YARA_FMT_LENGTH;
      break;
    case 'X':
      o->fmt |= ART_YARA_FMT_XOR;
      break;
    case 'g':
      o->fmt |= ART_YARA_FMT_TAGS;
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case O_SCANLIST:
      o->scan_list = 1;
      break;
    case 'z':
      if (parse_u64(optarg, &o->skip_larger) != 0)
        return cli_usage_error(_("bad size '%s'"), optarg);
      break;
    case 'k':
      if (cli_parse_uint(optarg, &o->stack_size) != 0 || !o->stack_size)
        return cli_usage_error(_("bad stack size '%s'"), optarg);
      break;
    case 't':
      rc = add_list(o->tags, &o->n_tags, optarg);
      break;
    case 'p':
    case 'j':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0)
        return cli_usage_error(_("bad thread count '%s'"), optarg);
      break;
    case 'a':
      if (cli_parse_uint(optarg, &o->timeout) != 0)
        return cli_usage_error(_("bad timeout '%s'"), optarg);
      break;
    case 'v':
      printf("%s\n", art_yara_version());
      exit(ART_EXIT_OK);
    case O_VERSION:
      cli_version();
      exit(ART_EXIT_OK);
    case O_ATOM:
      o->atom_table = optarg;
      break;
    case 'R':
      if (o->n_rules % 64 == 0) {
        const char **p =
            realloc(o->rules, (o->n_rules + 64) * sizeof *o->rules);
        if (!p)
          return cli_usage_error(_("out of memory"));
        o->rules = rules_list = p;
      }
      o->rules[o->n_rules++] = optarg;
      break;
    case O_FOLLOW:
      o->batch.walk_flags |= ART_WALK_FOLLOW;
      break;
    case O_FORMAT:
      if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "ndjson") == 0)
        o->json = 1;
      else if (strcmp(optarg, "text") != 0)
        return cli_usage_error(_("unknown format '%s' (text, jsonl)"), optarg);
      break;
    case O_MAXSCAN:
      if (cli_parse_size(optarg, &o->max_size) != 0 || o->max_size == 0)
        return cli_usage_error(_("bad size '%s'"), optarg);
      o->max_size_set = 1;
      break;
    case O_MAXMATCH:
      if (parse_u64(optarg, &v) != 0)
        return cli_usage_error(_("bad match count '%s'"), optarg);
      o->max_matches = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
      o->max_matches_set = 1;
      break;
    case O_MAXDATA:
      if (parse_u64(optarg, &v) != 0 || v > ART_YARA_DATA_MAX)
        return cli_usage_error(_("bad data size '%s' (0 to %d: yara keeps no "
                                 "more)"),
                               optarg, ART_YARA_DATA_MAX);
      o->max_data = (size_t)v;
      o->max_data_set = 1;
      break;
    case O_SCANTO:
      if (cli_parse_uint(optarg, &o->scan_timeout) != 0)
        return cli_usage_error(_("bad timeout '%s'"), optarg);
      break;
    case O_FTNAMES:
      if (strcmp(optarg, "thor") == 0)
        o->scan_flags |= ART_YARA_SCAN_FILETYPE_THOR;
      else if (strcmp(optarg, "mime") == 0)
        o->scan_flags &= ~(unsigned)ART_YARA_SCAN_FILETYPE_THOR;
      else
        return cli_usage_error(_("unknown file type names '%s' (mime, thor)"),
                               optarg);
      break;
    case O_NSFILE:
      o->compile_flags &= ~(unsigned)ART_YARA_SHARED_NAMESPACE;
      break;
    case O_NO_ARCH:
      o->no_archives = 1;
      break;
    case O_DEPTH:
      if (cli_parse_uint(optarg, &o->archive_depth) != 0)
        return cli_usage_error(_("bad depth '%s'"), optarg);
      break;
    case 'o':
      o->output = optarg;
      break;
    case O_SKIP:
      o->compile_flags |= ART_YARA_SKIP_BAD_FILES;
      break;
    case O_NOINC:
      o->compile_flags &= ~(unsigned)ART_YARA_ALLOW_INCLUDES;
      break;
    case O_CACHE:
      o->cache_dir = optarg;
      break;
    case O_CACHEMAX:
      if (cli_parse_size(optarg, &o->cache_max) != 0)
        return cli_usage_error(_("bad size '%s'"), optarg);
      break;
    case O_NOCACHE:
      o->no_cache = 1;
      break;
    case O_EXIT:
      o->exit_on_match = 1;
      break;
    case 'T':
      o->files_from = optarg;
      break;
    case '0':
      o->null_list = 1;
      break;
    case O_NOIMG:
      o->batch.no_images = 1;
      break;
    case CLI_OPT_IMAGE:
      cli_image_option(c, &o->batch);
      break;
    case CLI_OPT_NO_SANDBOX:
    case CLI_OPT_MEMORY_LIMIT:
      if ((c = cli_sandbox_option(c, optarg, &o->sandbox)) != 0)
        return c;
      break;
    case O_QUIET:
      o->quiet = 1;
      break;
    case O_VERBOSE:
      o->verbose = 1;
      break;
    case CLI_OPT_SHARD:
    case CLI_OPT_MANIFEST:
      if (cli_shard_option(c, optarg) != 0)
        return ART_EXIT_USAGE;
      break;
    default:
      return cli_usage_error(_("unknown option"));
    }
    if (rc >= 0)
      return rc;
  }
  /* What is kept per string: yara's text lines show every match (up to 512
   * bytes of each); JSON Lines a summary. Without -s/-L/-X the text lines
   * show no strings, so none are kept. */
  if (!o->max_matches_set) {
    if (o->json)
      o->max_matches = ART_YARA_KEEP_DEFAULT;
    else if (o->fmt &
             (ART_YARA_FMT_STRINGS | ART_YARA_FMT_LENGTH | ART_YARA_FMT_XOR))
      o->max_matches = SIZE_MAX;
    else
      o->max_matches = 0;
  }
  /* Match data is printed only with -s (JSON Lines: cut at 64 bytes). */
  if (!o->max_data_set)
    o->max_data = !o->json                          ? ART_YARA_DATA_MAX
                  : (o->fmt & ART_YARA_FMT_STRINGS) ? ART_YARA_DATA_DEFAULT
                                                    : 0;
  return -1;
}

static int filter(const art_yara_match *m, void *ud)
{
  const opts *o = ud;
  int ok = o->n_idents == 0;
  for (size_t i = 0; !ok && i < o->n_idents; i++)
    ok = strcmp(m->rule, o->idents[i]) == 0;
  if (ok && o->n_tags) {
    ok = 0;
    for (size_t i = 0; !ok && i < o->n_tags; i++)
      for (size_t t = 0; !ok && t < m->n_tags; t++)
        ok = strcmp(m->tags[t], o->tags[i]) == 0;
  }
  return ok;
}

static void on_diag(const art_yara_diag *d, void *ud)
{
  const opts *o = ud;
  if (d->level == ART_YARA_DIAG_WARNING && o->quiet)
    return;
  cli_error("%s(%d): %s: %s%s%s%s%s", d->file, d->line,
            d->level == ART_YARA_DIAG_ERROR ? _("error") : _("warning"),
            d->rule ? _("rule \"") : "", d->rule ? d->rule : "",
            d->rule ? "\": " : "", d->message,
            d->skipped ? _(" (file skipped)") : "");
}

static art_status scanner_new(run *r, art_ctx *ctx, art_yara_scanner **s)
{
  art_status st = art_yara_scanner_new(ctx, r->rules, s);
  for (size_t i = 0; st == ART_OK && i < r->o->n_modules; i++)
    st = art_yara_scanner_set_module_data(
        ctx, *s, r->o->mods[i].module, r->o->mods[i].data, r->o->mods[i].len);
  if (st == ART_OK) {
    art_yara_scanner_set_timeout(*s, r->o->scan_timeout);
    art_yara_scanner_set_max_size(*s, r->o->max_size);
    art_yara_scanner_set_flags(*s, r->o->scan_flags);
    art_yara_scanner_set_max_matches(*s, r->o->max_matches);
    art_yara_scanner_set_max_data(*s, r->o->max_data);
  }
  return st;
}

static art_status worker_init(void *ud, art_ctx *ctx, void **out)
{
  run *r = ud;
  wstate *ws = calloc(1, sizeof *ws);
  art_status st;
  if (!ws)
    return ART_ERR_NOMEM;
  st = scanner_new(r, ctx, &ws->top);
  if (st == ART_OK)
    st = scanner_new(r, ctx, &ws->member);
  if (st == ART_OK) /* identical members (a .o in several .a) scanned once */
    art_yara_scanner_set_once(ws->member, ONCE_MAX);
  if (st == ART_OK && !r->o->no_archives) {
    art_archive_opts ao;
    art_archive_opts_init(&ao);
    if (r->o->archive_depth)
      ao.max_depth = r->o->archive_depth;
    if (r->o->max_size)
      ao.max_member_bytes = r->o->max_size;
    st = art_archive_new(ctx, &ao, &ws->ar);
  }
  *out = ws;
  return st;
}

static void worker_fini(void *ud, void *p)
{
  wstate *ws = p;
  (void)ud;
  if (!ws)
    return;
  art_yara_scanner_free(ws->top);
  art_yara_scanner_free(ws->member);
  art_archive_free(ws->ar);
  free(ws);
}

/* ---- held output -------------------------------------------------------- */

static void stream_add(run *r, stream *s, const char *text, size_t n)
{
  if (!n)
    return;
  if (!s->spill &&
      (s->len + n > REC_MEM || atomic_load(&r->held) + n > HELD_MAX)) {
    s->spill = tmpfile();
    if (s->spill) {
      if (s->len)
        fwrite(s->mem, 1, s->len, s->spill);
      atomic_fetch_sub(&r->held, s->len);
      free(s->mem);
      s->mem = NULL;
      s->len = s->cap = 0;
    }
  }
  if (s->spill) {
    fwrite(text, 1, n, s->spill);
    return;
  }
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    char *p;
    while (cap < s->len + n)
      cap *= 2;
    p = realloc(s->mem, cap);
    if (!p)
      return; /* dropped only under memory exhaustion */
    s->mem = p;
    s->cap = cap;
  }
  memcpy(s->mem + s->len, text, n);
  s->len += n;
  atomic_fetch_add(&r->held, n);
}

/* Copy a held stream to the output. With -l, only up to the limit of rule
 * lines (a line not starting "0x" is a rule line: rule names never start
 * with a digit, and control characters in paths are escaped). */
static void stream_emit(run *r, stream *s)
{
  FILE *in = NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  if (s->spill) {
    rewind(s->spill);
    in = s->spill;
  } else if (s->len) {
    in = fmemopen(s->mem, s->len, "r");
  }
  if (in && !r->o->max_rules) {
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
      fwrite(buf, 1, got, r->out);
  } else if (in) {
    while ((n = getline(&line, &cap, in)) > 0) {
      int rule_line = !(n > 2 && line[0] == '0' && line[1] == 'x');
      if (rule_line && r->o->json)
        rule_line = 0; /* records are counted by their matches, in emit */
      if (rule_line && !r->o->count) {
        if (r->rules_shown >= r->o->max_rules) {
          r->limit_hit = 1;
          break;
        }
        r->rules_shown++;
      } else if (!rule_line && r->limit_hit) {
        break;
      }
      fwrite(line, 1, (size_t)n, r->out);
    }
  }
  free(line);
  if (in && in != s->spill)
    fclose(in);
  if (s->spill)
    fclose(s->spill);
  atomic_fetch_sub(&r->held, s->len);
  free(s->mem);
  memset(s, 0, sizeof *s);
}

/* "PATH: reason" messages from the library name the path; a record's
 * message is printed after its path, so the path is said once. */
static const char *reason_only(const char *msg, const char *path)
{
  size_t n = strlen(path);
  if (n && strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
    return msg + n + 2;
  return msg;
}

/* Format one result into S (and count it); frees it. SAID: an error
 * result's message translated for stderr (NULL: the record's C text). */
static void put_result_said(run *r,
                            art_ctx *ctx,
                            output *out,
                            stream *s,
                            art_yara_result *res,
                            int top,
                            const char *said)
{
  char *text = NULL;
  size_t shown = 0;
  art_status rs = art_yara_result_status(res);
  if (rs != ART_OK || art_yara_result_skipped(res))
    art_yara_tmpl_set_unusable(out->tm); /* a message the others lack */
  if (rs != ART_OK) {
    out->failures++;
    if (!r->o->json) {
      /* The library's error result carries the context's C text: when it
       * is the context's error, say its translation. */
      const char *m = art_yara_result_message(res);
      if (!said && ctx && strcmp(m, art_ctx_errmsg(ctx)) == 0)
        said = art_ctx_errmsg_localized(ctx);
      cli_error("%s: %s", art_yara_result_path(res),
                reason_only(said ? said : m, art_yara_result_path(res)));
    }
  } else if (art_yara_result_skipped(res) && !r->o->json) {
    cli_error("%s: %s", art_yara_result_path(res),
              art_yara_result_message(res));
  }
  if (r->o->json) {
    if (art_yara_result_json_fmt(ctx, res, r->o->fmt, filter, r->o, &text,
                                 &shown) == ART_OK) {
      stream_add(r, s, text, strlen(text));
      stream_add(r, s, "\n", 1);
    }
  } else if (!art_yara_result_skipped(res) &&
             art_yara_result_text(ctx, res, r->o->fmt, filter, r->o, &text,
                                  &shown) == ART_OK) {
    if (r->o->count) {
      char *line = NULL;
      int n = r->single && top ? asprintf(&line, "%zu\n", shown)
                               : asprintf(&line, "%s: %zu\n",
                                          art_yara_result_path(res), shown);
      if (n > 0)
        stream_add(r, s, line, (size_t)n);
      free(line);
    } else {
      const char *mod = art_yara_result_module_data(res);
      if (mod)
        stream_add(r, s, mod, strlen(mod));
      stream_add(r, s, text, strlen(text));
      art_yara_tmpl_add(ctx, out->tm, s == &out->head ? 0 : 1, res, r->o->fmt,
                        filter, r->o, shown);
    }
  }
  art_free(text);
  if (r->batch)
    art_batch_add_bytes(r->batch, art_yara_result_bytes(res));
  out->matches += shown;
  atomic_fetch_add(&r->matches, (unsigned long)shown);
  art_yara_result_free(res);
}

/* A record of the input (TOP) or of one of its members. */
typedef struct job {
  run *r;
  art_ctx *ctx;
  output *out;
} job;

static void put_result(
    run *r, art_ctx *ctx, output *out, stream *s, art_yara_result *res, int top)
{
  put_result_said(r, ctx, out, s, res, top, NULL);
}

static void on_record(art_yara_result *res, int top, void *ud)
{
  job *j = ud;
  put_result(j->r, j->ctx, j->out, top ? &j->out->head : &j->out->body, res,
             top);
}

/* ---- one input ---------------------------------------------------------- */

/* CLOCK_MONOTONIC in milliseconds: the -a deadline must not depend on where
 * in a wall-clock second the run started (time() made "-a 1" anything from
 * 0 to 1 s). */
static uint64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static unsigned remaining(const run *r)
{
  if (!r->deadline_ms)
    return r->o->scan_timeout;
  uint64_t now = mono_ms();
  if (now >= r->deadline_ms)
    return 0;
  /* whole seconds for libyara, rounded up: time is left */
  unsigned left = (unsigned)((r->deadline_ms - now + 999u) / 1000u);
  return r->o->scan_timeout && r->o->scan_timeout < left ? r->o->scan_timeout
                                                         : left;
}

/* Items in flight from the oldest one not yet printed. Results wait in
 * bytes-bounded memory (HELD_MAX) or temporary files, so many can wait
 * while one long input (node, libLLVM: seconds with signature-base) is
 * scanned: with the batch's default (96 with two workers) the other worker
 * ran out of items and idled 1.5 s under /usr/bin. Each waiting item may
 * hold two temporary files: half the descriptors, at most. */
static unsigned batch_window(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return 2048;
  rlim_t half = rl.rlim_cur < 256 ? 64 : (rl.rlim_cur - 128) / 2;
  return half < 2048 ? (unsigned)half : 2048;
}

/* Whether IT is one name of a file with several (scanned once). */
static int links_want(const run *r, const art_batch_item *it)
{
  return r->links && it->nlink > 1 && it->type == ART_ENTRY_FILE;
}

/* Whether ITEM is settled without reading it (special files, -z, the run's
 * -a deadline passed): then scanned in this process, never opened. */
static int settled_unread(const run *r, const art_batch_item *it)
{
  return it->type == ART_ENTRY_FIFO || it->type == ART_ENTRY_SOCKET ||
         (r->o->skip_larger && !it->named && it->size > r->o->skip_larger) ||
         (r->deadline_ms && mono_ms() >= r->deadline_ms);
}

/* Scan one input and its members (from SRC when given: a sandboxed
 * worker's descriptor) into an output. */
static output *scan_item(run *r,
                         wstate *ws,
                         art_ctx *ctx,
                         const art_batch_item *it,
                         art_source *src,
                         int want_tmpl)
{
  output *out = calloc(1, sizeof *out);
  job j = {r, ctx, out};
  art_yara_result *res = NULL;
  art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
  art_status st;
  unsigned left;
  if (!out)
    return NULL;
  if (want_tmpl && art_yara_tmpl_new(ctx, it->path, &out->tm) != ART_OK)
    out->tm = NULL; /* only the other names' reuse is lost */
  st = art_yara_scanner_set_artifact(ctx, ws->top, &a);
  if (st != ART_OK)
    goto failed;
  if (it->type == ART_ENTRY_FIFO || it->type == ART_ENTRY_SOCKET) {
    /* Never opened: a FIFO without a writer blocks for ever. */
    art_yara_result_skip(ctx, ws->top,
                         it->type == ART_ENTRY_FIFO
                             ? "FIFO, skipped (not read: it may never end)"
                             : "socket, skipped",
                         &res);
    if (res)
      put_result(r, ctx, out, &out->head, res, 1);
    return out;
  }
  if (r->o->skip_larger && !it->named && it->size > r->o->skip_larger) {
    char *why = NULL;
    if (asprintf(&why,
                 "skipped: %" PRIu64 " bytes, larger than %" PRIu64
                 " bytes (-z)",
                 it->size, r->o->skip_larger) < 0)
      why = NULL;
    art_yara_result_skip(ctx, ws->top, why ? why : "skipped (-z)", &res);
    free(why);
    if (res)
      put_result(r, ctx, out, &out->head, res, 1);
    return out;
  }
  left = remaining(r);
  if (r->deadline_ms && left == 0) {
    art_yara_result_error(ctx, ws->top, ART_ERR_TIMEOUT,
                          "not scanned: the run's timeout (-a) had passed",
                          &res);
    if (res)
      put_result(r, ctx, out, &out->head, res, 1);
    else
      out->failures++;
    return out;
  }
  art_yara_scanner_set_timeout(ws->top, left);
  art_yara_scanner_set_timeout(ws->member, left);
  if (it->type == ART_ENTRY_CHAR_DEVICE && !r->o->max_size_set)
    art_yara_scanner_set_max_size(ws->top, DEVICE_MAX);
  st = art_yara_scan_artifact_source(ctx, ws->top, ws->member, ws->ar, it->path,
                                     it->kind, src, on_record, &j);
  if (it->type == ART_ENTRY_CHAR_DEVICE && !r->o->max_size_set)
    art_yara_scanner_set_max_size(ws->top, r->o->max_size);
  if (st != ART_OK)
    goto failed;
  return out;
failed : {
  /* the record takes the C text, stderr the translated one */
  char *said = strdup(art_ctx_errmsg_localized(ctx));
  art_yara_result_error(ctx, ws->top, st,
                        reason_only(art_ctx_errmsg(ctx), it->path), &res);
  if (res)
    put_result_said(r, ctx, out, &out->head, res, 1, said);
  else
    out->failures++;
  free(said);
  return out;
}
}

/* Append a held stream's bytes to a sandbox buffer (and free it). */
static art_status stream_send(run *r, stream *s, art_sandbox_buf *buf)
{
  art_status st = ART_OK;
  if (s->spill) {
    char b[65536];
    size_t got;
    rewind(s->spill);
    while (st == ART_OK && (got = fread(b, 1, sizeof b, s->spill)) > 0)
      st = art_sandbox_buf_append(buf, b, got);
    fclose(s->spill);
  } else if (s->len) {
    st = art_sandbox_buf_append(buf, s->mem, s->len);
  }
  atomic_fetch_sub(&r->held, s->len);
  free(s->mem);
  memset(s, 0, sizeof *s);
  return st;
}

/* The sandboxed job (docs/sandbox.md), in a worker: the scan, then its
 * counts and formatted records back to the parent: failures, matches, the
 * input's record length, the input's record, its members' records. */
static art_status job_run(void *ud,
                          void *wsp,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *buf)
{
  run *r = ud;
  output *out = scan_item(r, wsp, ctx, it, src, links_want(r, it));
  uint64_t n[4];
  art_status st;
  if (!out)
    return ART_ERR_NOMEM;
  n[0] = out->failures;
  n[1] = out->matches;
  n[2] = out->head.spill ? (uint64_t)ftello(out->head.spill) : out->head.len;
  n[3] = out->body.spill ? (uint64_t)ftello(out->body.spill) : out->body.len;
  st = art_sandbox_buf_append(buf, n, sizeof n);
  /* Both streams are sent (and freed) whatever happened before. */
  art_status s1 = stream_send(r, &out->head, buf);
  art_status s2 = stream_send(r, &out->body, buf);
  if (st == ART_OK)
    st = s1 != ART_OK ? s1 : s2;
  /* Then the template for the file's other names, if any (an error here
   * costs only the reuse: the records above are complete). */
  if (out->failures)
    art_yara_tmpl_set_unusable(out->tm);
  {
    void *blob = NULL;
    size_t blen = 0;
    if (art_yara_tmpl_pack(ctx, out->tm, &blob, &blen) == ART_OK &&
        st == ART_OK && blen)
      art_sandbox_buf_append(buf, blob, blen);
    free(blob);
  }
  art_yara_tmpl_free(out->tm);
  free(out);
  return st;
}

/* Scan IT (in a sandboxed worker unless disabled); *T gets the template
 * for its other names when one was made. */
static output *scan_one(run *r,
                        wstate *ws,
                        art_ctx *ctx,
                        const art_batch_item *it,
                        art_yara_tmpl **t);

/* The output of IT from its records rendered for its path. */
static output *output_of(run *r,
                         const art_batch_item *it,
                         char *head,
                         size_t head_len,
                         char *body,
                         size_t body_len,
                         unsigned long matches)
{
  output *out = calloc(1, sizeof *out);
  if (out) {
    stream_add(r, &out->head, head, head_len);
    stream_add(r, &out->body, body, body_len);
    out->matches = matches;
    atomic_fetch_add(&r->matches, matches);
    if (r->batch)
      art_batch_add_bytes(r->batch, it->size);
  }
  free(head);
  free(body);
  return out;
}

static void *work(void *ud, void *wsp, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  output *out = NULL;
  art_yara_tmpl *t = NULL;
  char *head = NULL, *body = NULL;
  size_t hl = 0, bl = 0;
  unsigned long m = 0;
  if (!links_want(r, it) || settled_unread(r, it))
    return scan_one(r, wsp, ctx, it, NULL);
  switch (art_yara_links_claim(r->links, it->dev, it->ino, it->nlink, it->path,
                               &head, &hl, &body, &bl, &m)) {
  case ART_YARA_LINK_AGAIN: /* a name of a file already scanned */
    if ((out = output_of(r, it, head, hl, body, bl, m)) != NULL)
      return out;
    return scan_one(r, wsp, ctx, it, NULL);
  case ART_YARA_LINK_FIRST:
    out = scan_one(r, wsp, ctx, it, &t);
    if (!out || out->failures)
      art_yara_tmpl_set_unusable(t);
    art_yara_links_done(r->links, it->dev, it->ino, t);
    return out;
  case ART_YARA_LINK_SCAN:
  default:
    return scan_one(r, wsp, ctx, it, NULL);
  }
}

static output *scan_one(run *r,
                        wstate *ws,
                        art_ctx *ctx,
                        const art_batch_item *it,
                        art_yara_tmpl **t)
{
  art_sandbox_result sr;
  output *out;
  uint64_t n[4];
  if (!r->sandbox || settled_unread(r, it)) {
    out = scan_item(r, ws, ctx, it, NULL, t != NULL);
    if (out && t)
      *t = out->tm;
    else if (out)
      art_yara_tmpl_free(out->tm);
    if (out)
      out->tm = NULL;
    return out;
  }
  if (art_sandbox_run(r->sandbox, ctx, it, &sr) != ART_OK)
    return NULL;
  out = calloc(1, sizeof *out);
  if (out && sr.outcome == ART_SANDBOX_DONE && sr.len >= sizeof n) {
    const char *data = (const char *)sr.data + sizeof n;
    size_t len = sr.len - sizeof n;
    memcpy(n, sr.data, sizeof n);
    if (n[2] > len)
      n[2] = len;
    if (n[3] > len - n[2])
      n[3] = len - n[2];
    out->failures = (unsigned long)n[0];
    out->matches = (unsigned long)n[1];
    atomic_fetch_add(&r->matches, (unsigned long)n[1]);
    stream_add(r, &out->head, data, (size_t)n[2]);
    stream_add(r, &out->body, data + n[2], (size_t)n[3]);
    if (t && len > n[2] + n[3] &&
        art_yara_tmpl_unpack(ctx, data + n[2] + n[3],
                             len - (size_t)(n[2] + n[3]), t) != ART_OK)
      art_ctx_clear(ctx); /* only the other names' reuse is lost */
    if (r->batch)
      art_batch_add_bytes(r->batch, it->size);
  } else if (out) {
    /* Not scanned to its end (the worker crashed, a limit, the input could
     * not be opened): an error record, never "no match". */
    art_yara_result *res = NULL;
    art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
    char *msg = NULL, *said = NULL;
    art_status es = sr.status != ART_OK ? sr.status : ART_ERR_INTERNAL;
    if (sr.outcome == ART_SANDBOX_DONE) {
      msg = sr.errmsg ? strdup(reason_only(sr.errmsg, it->path)) : NULL;
      said = sr.errmsg_l ? strdup(reason_only(sr.errmsg_l, it->path)) : NULL;
    } else {
      if (asprintf(&msg, "%s%s%s%s", sr.errmsg ? sr.errmsg : "",
                   sr.sha256[0] ? " (sha256 " : "", sr.sha256,
                   sr.sha256[0] ? ")" : "") < 0)
        msg = NULL;
      if (asprintf(&said, "%s%s%s%s", sr.errmsg_l ? sr.errmsg_l : "",
                   sr.sha256[0] ? " (sha256 " : "", sr.sha256,
                   sr.sha256[0] ? ")" : "") < 0)
        said = NULL;
    }
    if (sr.outcome == ART_SANDBOX_TIMEOUT)
      es = ART_ERR_TIMEOUT;
    else if (sr.outcome == ART_SANDBOX_MEMORY)
      es = ART_ERR_LIMIT;
    if (art_yara_scanner_set_artifact(ctx, ws->top, &a) == ART_OK &&
        art_yara_result_error(ctx, ws->top, es, msg ? msg : art_strerror(es),
                              &res) == ART_OK)
      put_result_said(r, ctx, out, &out->head, res, 1, said);
    else
      out->failures++;
    free(msg);
    free(said);
  }
  art_sandbox_result_clear(&sr);
  return out;
}

static void emit_skipped(run *r, const art_batch_item *it, const char *why)
{
  art_yara_result *res = NULL;
  char *text = NULL;
  art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
  if (art_yara_scanner_set_artifact(NULL, r->err_scanner, &a) == ART_OK &&
      art_yara_result_skip(NULL, r->err_scanner, why, &res) == ART_OK &&
      art_yara_result_json(NULL, res, NULL, NULL, &text, NULL) == ART_OK)
    fprintf(r->out, "%s\n", text);
  art_free(text);
  art_yara_result_free(res);
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  output *out = resp;
  if (r->limit_hit) {
    if (out) {
      stream_emit(r, &out->head); /* frees */
      stream_emit(r, &out->body);
      free(out);
    }
    return 1;
  }
  if (it->status != ART_OK) {
    r->failures++;
    cli_error("%s", it->errmsg_l);
    if (r->o->json) {
      art_yara_result *res = NULL;
      char *text = NULL;
      art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
      if (art_yara_scanner_set_artifact(NULL, r->err_scanner, &a) == ART_OK &&
          art_yara_result_error(NULL, r->err_scanner, it->status,
                                reason_only(it->errmsg, it->path),
                                &res) == ART_OK &&
          art_yara_result_json(NULL, res, NULL, NULL, &text, NULL) == ART_OK)
        fprintf(r->out, "%s\n", text);
      art_free(text);
      art_yara_result_free(res);
    }
    return 0;
  }
  if (!out) {
    /* Not scanned on purpose: symlinks not followed, special files in
     * trees (as yara, silently in text), a loop under --follow (said once
     * on stderr: nothing below it goes unscanned). */
    if (*it->errmsg)
      cli_error("%s", it->errmsg_l);
    if (r->o->json && (*it->errmsg || it->type != ART_ENTRY_SYMLINK))
      emit_skipped(r, it,
                   *it->errmsg ? reason_only(it->errmsg, it->path)
                               : art_entry_type_name(it->type));
    return 0;
  }
  stream_emit(r, &out->head);
  stream_emit(r, &out->body);
  r->failures += out->failures;
  free(out);
  if (r->o->max_rules && r->o->json &&
      atomic_load(&r->matches) >= r->o->max_rules)
    r->limit_hit = 1;
  return r->limit_hit;
}

static char *default_cache(void)
{
  const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  char *p = NULL;
  if (x && *x)
    return asprintf(&p, "%s/artifact/yara", x) < 0 ? NULL : p;
  if (h && *h)
    return asprintf(&p, "%s/.cache/artifact/yara", h) < 0 ? NULL : p;
  return NULL;
}

/* Rules: -R paths, or yara's order (every argument but the last). A rules
 * argument may be NS:FILE when FILE exists and NS:FILE does not. */
static art_status
compile(run *r, art_ctx *ctx, int argc, char **argv, int *first_target)
{
  art_yara_compiler *c = NULL;
  art_status st;
  char *cache = NULL;
  size_t n = r->o->n_rules;
  *first_target = n ? 0 : argc - 1;
  if (r->o->compiled)
    return art_yara_rules_load(ctx, n ? r->o->rules[0] : argv[0], &r->rules);
  st = art_yara_compiler_new(ctx, &c);
  for (size_t i = 0; st == ART_OK && i < r->o->n_defines; i++)
    st = art_yara_compiler_define(ctx, c, r->o->defines[i]);
  if (st == ART_OK && r->o->max_strings)
    art_yara_compiler_set_max_strings_per_rule(c, r->o->max_strings);
  if (st == ART_OK && r->o->atom_table)
    st = art_yara_compiler_set_atom_quality_table(ctx, c, r->o->atom_table);
  art_yara_compiler_set_flags(c, r->o->compile_flags);
  for (int i = 0; st == ART_OK && i < (n ? (int)n : argc - 1); i++) {
    const char *p = n ? r->o->rules[i] : argv[i];
    const char *colon = strchr(p, ':');
    char *ns = NULL;
    if (colon && access(p, F_OK) != 0 && access(colon + 1, F_OK) == 0) {
      ns = strndup(p, (size_t)(colon - p));
      p = colon + 1;
    }
    st = art_yara_compiler_add_path(ctx, c, p, ns);
    free(ns);
  }
  art_yara_compiler_set_diag(c, on_diag, r->o);
  if (st == ART_OK && !r->o->no_cache &&
      (r->o->cache_dir || (cache = default_cache()))) {
    st = art_yara_compiler_set_cache_dir(
        ctx, c, r->o->cache_dir ? r->o->cache_dir : cache);
    art_yara_compiler_set_cache_max(c, r->o->cache_max);
  }
  if (st == ART_OK)
    st = art_yara_compiler_build(ctx, c, &r->rules);
  free(cache);
  art_yara_compiler_free(c);
  return st;
}

static int read_modules(opts *o)
{
  for (size_t i = 0; i < o->n_modules; i++) {
    const char *eq = strchr(o->modules[i], '=');
    char *mod = strndup(o->modules[i], (size_t)(eq - o->modules[i]));
    FILE *f = fopen(eq + 1, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, got;
    if (!mod || !f) {
      cli_error("%s: %s", eq + 1, strerror(errno));
      free(mod);
      if (f)
        fclose(f);
      return -1;
    }
    do {
      if (len == cap) {
        unsigned char *p = realloc(buf, cap ? cap * 2 : 65536);
        if (!p)
          break;
        buf = p;
        cap = cap ? cap * 2 : 65536;
      }
      got = fread(buf + len, 1, cap - len, f);
      len += got;
    } while (got > 0);
    fclose(f);
    o->mods[i].module = mod;
    o->mods[i].data = buf;
    o->mods[i].len = len;
  }
  return 0;
}

static int yara_main(int argc, char **argv)
{
  opts o = {0};
  run r = {.o = &o};
  art_ctx *ctx = NULL;
  art_batch *batch = NULL;
  cli_progress *progress = NULL;
  art_status st = ART_OK;
  int rc, first;
  cli_init("art-yara");
  art_sandbox_opts_init(&o.sandbox);
  /* YARA keeps up to a million matches per string, and their records
   * take over a gigabyte: room for that. */
  o.sandbox.memory_limit = 2ull << 30;
  if ((rc = parse_opts(argc, argv, &o)) >= 0)
    return rc;
  argc -= optind;
  argv += optind;
  if (o.n_rules == 0 && argc < 2)
    return cli_usage_error(_("give RULES... TARGET, or -R RULES TARGET..."));
  if (o.n_rules && argc == 0 && !o.files_from)
    return cli_usage_error(_("no target"));
  if (o.scan_list && o.n_rules && argc != 1)
    return cli_usage_error(_("--scan-list takes one list file as the target"));
  if (o.compiled && (o.n_rules ? o.n_rules : (size_t)argc - 1) != 1)
    return cli_usage_error(_("-C takes exactly one compiled rules file"));
  if (read_modules(&o) != 0)
    return ART_EXIT_FATAL;
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  rc = ART_EXIT_FATAL;
  if (o.stack_size)
    art_yara_set_stack_size(o.stack_size);
  st = compile(&r, ctx, argc, argv, &first);
  if (st == ART_ERR_RULES) {
    /* Each error was reported with its file and line. */
    cli_error(
        _("rules did not compile (--skip-bad-rules scans with the rest)"));
    goto out;
  } else if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    goto out;
  }
  if (o.verbose)
    cli_error(_("%zu rules from %zu files (%zu skipped), %s"),
              art_yara_rules_count(r.rules), art_yara_rules_files(r.rules),
              art_yara_rules_skipped(r.rules),
              art_yara_rules_from_cache(r.rules) ? _("from the compiled cache")
                                                 : _("compiled from source"));
  if (scanner_new(&r, ctx, &r.err_scanner) != ART_OK ||
      !(r.out = cli_open_output(o.output)))
    goto out;
  setvbuf(r.out, NULL, _IOFBF, 1 << 20);
  if (o.stats) {
    char *text = NULL;
    if (art_yara_rules_stats_text(ctx, r.rules, &text) == ART_OK)
      fputs(text, r.out);
    art_free(text);
  }
  o.batch.window = batch_window();
  if (!o.batch.recursive) {
    /* As yara: a folder named without -r is scanned one level deep. */
    o.batch.recursive = 1;
    o.batch.max_depth = 1;
  }
  if (o.timeout)
    r.deadline_ms = mono_ms() + (uint64_t)o.timeout * 1000u;
  {
    struct stat tst;
    r.single = !o.scan_list && !o.files_from && argc - first == 1 &&
               (strcmp(argv[first], "-") == 0 ||
                (stat(argv[first], &tst) == 0 && !S_ISDIR(tst.st_mode)));
  }
  st = art_batch_new(ctx, &o.batch, &batch);
  if (st == ART_OK &&
      (o.scan_list ? cli_add_inputs(batch, 0, NULL, argv[argc - 1], 0)
                   : cli_add_inputs(batch, argc - first, argv + first,
                                    o.files_from, o.null_list)) != 0)
    goto out;
  /* Hard links scanned once when the output cannot tell the difference:
   * text lines (not -c, -D, JSON), no rule reading the name, no run
   * deadline. Set before the workers are forked. */
  if (st == ART_OK && !o.json && !o.count && !o.timeout &&
      !(o.scan_flags & ART_YARA_SCAN_MODULE_DATA) &&
      !art_yara_rules_name_dependent(r.rules) &&
      art_yara_links_new(ctx, LINKS_MAX, &r.links) != ART_OK)
    art_ctx_clear(ctx); /* each name is scanned */
  if (st == ART_OK && !o.sandbox.disabled) {
    /* Workers scan; forked now, they have the compiled rules. The wall-clock
     * limit leaves room for yara's own per-file timeout. */
    art_sandbox_job sj = {worker_init, worker_fini, job_run};
    o.sandbox.workers = o.batch.jobs ? o.batch.jobs : art_cpu_count();
    if (o.scan_timeout)
      o.sandbox.timeout_ms = (o.scan_timeout * 2u + 10u) * 1000u;
    st = art_sandbox_new(ctx, &o.sandbox, &sj, &r, &r.sandbox);
  }
  if (st == ART_OK) {
    art_batch_ops ops = {.worker_init = worker_init,
                         .worker_fini = worker_fini,
                         .work = work,
                         .emit = emit};
    r.batch = batch;
    progress = cli_progress_start(batch);
    cli_progress_count(progress, _("matches"), &r.matches);
    st = art_batch_run(ctx, batch, &ops, &r);
    cli_progress_stop(progress);
  }
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    goto out;
  }
  rc = r.failures                                     ? ART_EXIT_PARTIAL
       : (o.exit_on_match && atomic_load(&r.matches)) ? ART_EXIT_FOUND
                                                      : ART_EXIT_OK;
out:
  if (r.out && cli_close_output(r.out) != 0)
    rc = ART_EXIT_FATAL;
  rc = cli_shard_finish(rc);
  art_batch_free(batch);
  art_sandbox_free(r.sandbox);
  art_yara_scanner_free(r.err_scanner);
  art_yara_rules_free(r.rules);
  art_yara_links_free(r.links);
  art_ctx_free(ctx);
  for (size_t i = 0; i < o.n_modules; i++) {
    free((char *)(uintptr_t)o.mods[i].module);
    free(o.mods[i].data);
  }

  return rc;
}

int main(int argc, char **argv)
{
  int rc = yara_main(argc, argv);
  free(rules_list);
  return rc;
}
