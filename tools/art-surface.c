/* art-surface: surface analysis of files, trees and archives, one record per
 * artifact (JSON Lines or a readable report).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/cli_sandbox.h"

typedef struct opts {
  art_surface_opts s;
  art_batch_opts batch;
  art_sandbox_opts sandbox;
  int text, format_given, verbose, quiet, no_yara, null_list;
  const char *output, *files_from, *similar_to;
  const char **hashsets, **rules, **passwords;
  size_t n_hashsets, n_rules, n_passwords;
} opts;

/* One record as the sandboxed job sends it back: these facts, then the
 * formatted record (JSON or text), TEXT_LEN bytes. */
typedef struct wire_rec {
  uint8_t known, notable, directory, extract_failed, pad[4];
  uint64_t similar, size, text_len;
} wire_rec;

typedef struct run {
  opts *o;
  FILE *out;
  art_surface_config *cfg;
  art_yara_rules *rules;
  art_ctx *ctx;
  art_batch *batch;
  art_sandbox *sandbox;
  unsigned long inputs, records, failures, known_skipped, found;
} run;

static void usage(void)
{
  printf(
      _("Usage: art-surface [OPTION]... [FILE|DIR|-]...\n"
        "Surface analysis: hashes, ssdeep, type, entropy, strings, PE/ELF,\n"
        "hash sets, YARA, archive members and dissected children (mail\n"
        "attachments, VBA macros...), one record per artifact.\n\n"
        "  -r, --recursive          descend into directories\n"
        "  -L, --follow             follow symbolic links inside trees\n"
        "  -f, --format FMT         jsonl (default when not a terminal), text\n"
        "  -o, --output FILE        write records to FILE\n"));
  fputs(_(CLI_IMAGE_HELP), stdout);
  fputs(
      _("  -j, --jobs N             worker threads (default: online CPUs)\n"
        "      --sha512             also compute SHA-512\n"
        "  -n, --min-len N          minimum string length (default 4)\n"
        "  -e, --encodings LIST     strings summary encodings, as art-strings "
        "-e\n"
        "                           (default: ascii,utf16le; plus utf8 and "
        "the\n"
        "                           Japanese ones under a Japanese locale; "
        "all)\n"
        "      --no-strings         leave the strings summary out\n"
        "      --hashset FILE       report hits in a .hset file (repeatable)\n"
        "      --skip-known         leave artifacts in known sets out\n"
        "      --rules PATH         YARA rules file or folder (repeatable;\n"
        "                           default: the installed signatures)\n"
        "      --no-yara            no YARA scan\n"
        "      --archive-password PW\n"
        "                           try PW on encrypted zip members, after\n"
        "                           'infected', 'malware', 'virus' and\n"
        "                           'password' (repeatable; or --password)\n"
        "      --no-recurse         do not look into containers nor dissect\n"
        "      --max-depth N        container depth expanded (10)\n"
        "      --max-artifacts N    members per input (10000)\n"
        "      --max-member SIZE    bytes read per member (256M)\n"
        "      --max-total SIZE     decompressed bytes per input (2G)\n"
        "      --max-ratio N        compression ratio, checked past 256 MiB\n"
        "                           of a member's output (200)\n"
        "      --archive-timeout S  seconds per input for its members (60;\n"
        "                           0: none)\n"
        "      --archive-charset CS code page of member names that are not\n"
        "                           UTF-8 (cp932, cp866, euc-jp, koi8-r...;\n"
        "                           default: auto, CP932 if Japanese, else\n"
        "                           CP437 for zip)\n"
        "      --extract DIR        also write members below DIR (safely)\n"
        "      --similar-to FILE    compare ssdeep hashes with FILE (ssdeep\n"
        "                           output or art-surface JSON Lines)\n"
        "      --threshold N        report similarity scores above N (0)\n"
        "  -T, --files-from FILE    read input names from FILE (- for stdin)\n"
        "  -0, --null               names in lists are NUL-separated; a '-'\n"
        "                           argument is then a list on stdin\n"
        "  -q, --quiet              no warnings for skipped entries\n"
        "  -v, --verbose            summary on stderr; report skipped "
        "entries\n"
        "      --shard K/N|auto     examine only shard K of N (art-merge)\n"
        "      --manifest FILE      with --shard: describe the shard in "
        "FILE\n"),
      stdout);
  fputs(_(CLI_SANDBOX_HELP), stdout);
  fputs(_("  -h, --help               this help\n"
          "      --version            version\n\n"
          "Exit: 0 done; 1 notable hash-set hits or similarity matches; 2 "
          "usage;\n"
          "3 some inputs could not be examined; 4 fatal error.\n"),
        stdout);
}

static int push(const char ***arr, size_t *n, const char *v)
{
  const char **p = realloc(*arr, (*n + 1) * sizeof *p);
  if (!p)
    return -1;
  p[(*n)++] = v;
  *arr = p;
  return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum {
    O_VERSION = 256,
    O_SHA512,
    O_NO_STRINGS,
    O_HASHSET,
    O_SKIP_KNOWN,
    O_RULES,
    O_NO_YARA,
    O_PASSWORD,
    O_NO_RECURSE,
    O_MAX_DEPTH,
    O_MAX_ARTIFACTS,
    O_MAX_MEMBER,
    O_MAX_TOTAL,
    O_MAX_RATIO,
    O_ARCHIVE_TIMEOUT,
    O_ARCHIVE_CHARSET,
    O_EXTRACT,
    O_SIMILAR,
    O_THRESHOLD
  };
  static const struct option longopts[] = {
      {"recursive", no_argument, NULL, 'r'},
      {"follow", no_argument, NULL, 'L'},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"jobs", required_argument, NULL, 'j'},
      {"sha512", no_argument, NULL, O_SHA512},
      {"min-len", required_argument, NULL, 'n'},
      {"encodings", required_argument, NULL, 'e'},
      {"no-strings", no_argument, NULL, O_NO_STRINGS},
      {"hashset", required_argument, NULL, O_HASHSET},
      {"skip-known", no_argument, NULL, O_SKIP_KNOWN},
      {"rules", required_argument, NULL, O_RULES},
      {"no-yara", no_argument, NULL, O_NO_YARA},
      {"archive-password", required_argument, NULL, O_PASSWORD},
      {"password", required_argument, NULL, O_PASSWORD},
      {"no-recurse", no_argument, NULL, O_NO_RECURSE},
      {"max-depth", required_argument, NULL, O_MAX_DEPTH},
      {"max-artifacts", required_argument, NULL, O_MAX_ARTIFACTS},
      {"max-member", required_argument, NULL, O_MAX_MEMBER},
      {"max-total", required_argument, NULL, O_MAX_TOTAL},
      {"max-ratio", required_argument, NULL, O_MAX_RATIO},
      {"archive-timeout", required_argument, NULL, O_ARCHIVE_TIMEOUT},
      {"archive-charset", required_argument, NULL, O_ARCHIVE_CHARSET},
      {"extract", required_argument, NULL, O_EXTRACT},
      {"similar-to", required_argument, NULL, O_SIMILAR},
      {"threshold", required_argument, NULL, O_THRESHOLD},
      CLI_IMAGE_OPTIONS,
      {"files-from", required_argument, NULL, 'T'},
      {"null", no_argument, NULL, '0'},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, O_VERSION},
      {"shard", required_argument, NULL, CLI_OPT_SHARD},
      {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
      CLI_SANDBOX_LONGOPTS,
      {NULL, 0, NULL, 0}};
  int c;
  unsigned u;
  uint64_t sz;
  while ((c = getopt_long(argc, argv, "rLf:o:j:n:e:T:0qvh", longopts, NULL)) !=
         -1) {
    switch (c) {
    case CLI_OPT_IMAGE:
    case CLI_OPT_NO_IMAGES:
      cli_image_option(c, &o->batch);
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case 'L':
      o->batch.walk_flags |= ART_WALK_FOLLOW;
      break;
    case 'f':
      if (strcmp(optarg, "text") != 0 && strcmp(optarg, "jsonl") != 0)
        return cli_usage_error(_("unknown format '%s' (jsonl, text)"), optarg);
      o->text = strcmp(optarg, "text") == 0;
      o->format_given = 1;
      break;
    case 'o':
      o->output = optarg;
      break;
    case 'j':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0)
        return cli_usage_error(_("bad job count '%s'"), optarg);
      break;
    case O_SHA512:
      o->s.extra_hashes |= ART_HASH_MASK(ART_HASH_SHA512);
      break;
    case 'n':
      if (cli_parse_uint(optarg, &u) != 0 || u == 0)
        return cli_usage_error(_("bad minimum length '%s'"), optarg);
      o->s.strings.min_len = u;
      break;
    case 'e':
      if (art_str_enc_parse(optarg, &o->s.strings.encodings) != ART_OK ||
          o->s.strings.encodings == 0)
        return cli_usage_error(_("bad encodings '%s'"), optarg);
      break;
    case O_NO_STRINGS:
      o->s.no_strings = 1;
      break;
    case O_HASHSET:
      if (push(&o->hashsets, &o->n_hashsets, optarg))
        return ART_EXIT_FATAL;
      break;
    case O_SKIP_KNOWN:
      o->s.skip_known = 1;
      break;
    case O_RULES:
      if (push(&o->rules, &o->n_rules, optarg))
        return ART_EXIT_FATAL;
      break;
    case O_NO_YARA:
      o->no_yara = 1;
      break;
    case O_PASSWORD:
      if (push(&o->passwords, &o->n_passwords, optarg))
        return ART_EXIT_FATAL;
      break;
    case O_NO_RECURSE:
      o->s.no_recurse = 1;
      break;
    case O_MAX_DEPTH:
      if (cli_parse_uint(optarg, &u) != 0 || u == 0)
        return cli_usage_error(_("bad depth '%s'"), optarg);
      o->s.archive.max_depth = u;
      break;
    case O_MAX_ARTIFACTS:
      if (cli_parse_uint(optarg, &u) != 0 || u == 0)
        return cli_usage_error(_("bad artifact count '%s'"), optarg);
      o->s.archive.max_artifacts = u;
      break;
    case O_MAX_MEMBER:
    case O_MAX_TOTAL:
      if (cli_parse_size(optarg, &sz) != 0 || sz == 0)
        return cli_usage_error(_("bad size '%s'"), optarg);
      if (c == O_MAX_MEMBER)
        o->s.archive.max_member_bytes = sz;
      else
        o->s.archive.max_total_bytes = sz;
      break;
    case O_MAX_RATIO:
      if (cli_parse_uint(optarg, &u) != 0 || u == 0)
        return cli_usage_error(_("bad ratio '%s'"), optarg);
      o->s.archive.max_ratio = u;
      break;
    case O_ARCHIVE_TIMEOUT:
      if (cli_parse_uint(optarg, &u) != 0 || u > 4000000)
        return cli_usage_error(_("bad time limit '%s'"), optarg);
      o->s.archive.timeout_ms = u ? (unsigned)u * 1000u : UINT_MAX;
      break;
    case O_ARCHIVE_CHARSET:
      o->s.archive.charset = optarg;
      break;
    case O_EXTRACT:
      o->s.archive.extract_dir = optarg;
      break;
    case O_SIMILAR:
      o->similar_to = optarg;
      break;
    case O_THRESHOLD:
      if (cli_parse_uint(optarg, &u) != 0 || u > 100)
        return cli_usage_error(_("bad threshold '%s' (0-100)"), optarg);
      o->s.similar_threshold = (int)u;
      break;
    case 'T':
      o->files_from = optarg;
      break;
    case '0':
      o->null_list = 1;
      break;
    case 'q':
      o->quiet = 1;
      break;
    case 'v':
      o->verbose = 1;
      break;
    case 'h':
      usage();
      exit(ART_EXIT_OK);
    case O_VERSION:
      cli_version();
      exit(ART_EXIT_OK);
    case CLI_OPT_NO_SANDBOX:
    case CLI_OPT_SANDBOX_TIMEOUT:
    case CLI_OPT_MEMORY_LIMIT:
      if ((c = cli_sandbox_option(c, optarg, &o->sandbox)) != 0)
        return c;
      break;
    case CLI_OPT_SHARD:
    case CLI_OPT_MANIFEST:
      if (cli_shard_option(c, optarg) != 0)
        return ART_EXIT_USAGE;
      break;
    default:
      return cli_usage_error(_("unknown option"));
    }
  }
  if (!o->format_given)
    o->text = !o->output && isatty(STDOUT_FILENO);
  /* Japanese users: the strings summary also reads UTF-8 and the Japanese
   * encodings (as art-strings --ioc does under a Japanese locale). */
  if (!o->s.strings.encodings) {
    const char *loc = getenv("LC_ALL");
    if (!loc || !*loc)
      loc = getenv("LC_CTYPE");
    if (!loc || !*loc)
      loc = getenv("LANG");
    if (loc && strncmp(loc, "ja", 2) == 0)
      o->s.strings.encodings = ART_STR_MASK(ART_STR_ASCII) |
                               ART_STR_MASK(ART_STR_UTF16LE) |
                               ART_STR_MASK(ART_STR_UTF8) | ART_STR_JAPANESE;
  }
  return -1;
}

/* The sandboxed job: examine one input and send its records back, already
 * formatted, with the facts emit counts. Runs in a worker process. */
static art_status job_init(void *ud, art_ctx *ctx, void **ws)
{
  run *r = ud;
  return art_surface_new(ctx, r->cfg, (art_surface **)ws);
}

static void job_fini(void *ud, void *ws)
{
  (void)ud;
  art_surface_free(ws);
}

static art_status job_run(void *ud,
                          void *ws,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *out)
{
  run *r = ud;
  art_surface_report *rep = NULL;
  art_status st = art_surface_examine(ctx, ws, src, it->path, it->seq, &rep);
  size_t n = art_surface_report_count(rep);
  for (size_t i = 0; i < n; i++) {
    const art_surface_record *rec = art_surface_record_get(rep, i);
    wire_rec w = {0};
    char *text = NULL;
    w.known = rec->known != 0;
    w.notable = rec->notable != 0;
    w.directory = rec->directory != 0;
    w.similar = rec->similar;
    w.size = rec->size;
    if (r->o->s.archive.extract_dir && rec->errors) {
      /* A member that could not be written below --extract (a full disk):
       * the run is incomplete. */
      char *j = NULL;
      if (art_surface_record_json(ctx, rep, i, &j) == ART_OK &&
          strstr(j, ": extract "))
        w.extract_failed = 1;
      art_free(j);
    }
    if (!(rec->known && r->o->s.skip_known) &&
        !(rec->directory && r->o->text)) {
      art_status fs = r->o->text ? art_surface_record_text(ctx, rep, i, &text)
                                 : art_surface_record_json(ctx, rep, i, &text);
      if (fs != ART_OK)
        text = NULL;
    }
    w.text_len = text ? strlen(text) : 0;
    if (art_sandbox_buf_append(out, &w, sizeof w) != ART_OK ||
        art_sandbox_buf_append(out, text, w.text_len) != ART_OK) {
      art_free(text);
      break;
    }
    art_free(text);
  }
  art_surface_report_free(rep);
  return st;
}

static void *work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  art_sandbox_result *res = calloc(1, sizeof *res);
  wire_rec w;
  (void)ws;
  if (!res)
    return NULL;
  if (art_sandbox_run(r->sandbox, ctx, it, res) != ART_OK) {
    res->outcome = ART_SANDBOX_FAILED;
    res->status = art_ctx_status(ctx);
    if (!res->errmsg) {
      res->errmsg = strdup(art_ctx_errmsg(ctx));
      free(res->errmsg_l);
      res->errmsg_l = strdup(art_ctx_errmsg_localized(ctx));
    }
  }
  if (res->len >= sizeof w) {
    memcpy(&w, res->data, sizeof w);
    art_batch_add_bytes(r->batch, w.size);
  }
  return res;
}

static void write_error_record(run *r,
                               const art_batch_item *it,
                               const char *m,
                               const char *limit)
{
  char *line = NULL;
  if (r->o->text) {
    fprintf(r->out, "== %s\n  %-10s %s\n", it->path, "errors", m);
    if (limit)
      fprintf(r->out, "  %-10s %s\n", "limits_hit", limit);
    fputc('\n', r->out);
    return;
  }
  if (art_surface_error_json(r->ctx, it->path, it->seq, m, &line) == ART_OK) {
    size_t n = strlen(line);
    if (limit && n && line[n - 1] == '}')
      fprintf(r->out, "%.*s,\"limits_hit\":[\"%s\"]}\n", (int)(n - 1), line,
              limit);
    else
      fprintf(r->out, "%s\n", line);
  }
  art_free(line);
}

/* Print a record the worker formatted. A worker is not trusted: a JSON
 * record must be one line, or it could forge records of other inputs. */
static void print_record(run *r, const char *p, size_t n, const char *limit)
{
  if (!r->o->text && memchr(p, '\n', n))
    return;
  if (limit && !r->o->text && n && p[n - 1] == '}') {
    /* the input's own record: the limit hit on the way */
    const char *at = memmem(p, n, "\"limits_hit\":[", 14);
    if (at) {
      size_t k = (size_t)(at - p) + 14;
      fprintf(r->out, "%.*s\"%s\"%s%.*s\n", (int)k, p, limit,
              p[k] == ']' ? "" : ",", (int)(n - k), p + k);
    } else {
      fprintf(r->out, "%.*s,\"limits_hit\":[\"%s\"]}\n", (int)(n - 1), p,
              limit);
    }
    return;
  }
  fwrite(p, 1, n, r->out);
  if (r->o->text && limit)
    fprintf(r->out, "  %-10s %s\n\n", "limits_hit", limit);
  if (!r->o->text)
    fputc('\n', r->out);
}

static const char *outcome_limit(art_sandbox_outcome o)
{
  return o == ART_SANDBOX_TIMEOUT  ? "timeout"
         : o == ART_SANDBOX_MEMORY ? "memory"
                                   : NULL;
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  art_sandbox_result *res = resp;
  if (it->status != ART_OK) {
    cli_error("%s", it->errmsg_l);
    r->failures++;
    write_error_record(r, it, it->errmsg, NULL);
    return 0;
  }
  if (!res) {
    if (*it->errmsg) /* a symlink loop under -L: skipped, not a failure */
      cli_error("%s", it->errmsg_l);
    else if (it->type != ART_ENTRY_FILE && r->o->verbose)
      cli_error(_("%s: skipped %s"), it->path, art_entry_type_name(it->type));
    return 0;
  }
  r->inputs++;
  const char *limit = outcome_limit(res->outcome);
  if (res->outcome != ART_SANDBOX_DONE) {
    cli_sandbox_report(it->path, res);
    r->failures++;
    if (!res->len)
      write_error_record(
          r, it, res->errmsg ? res->errmsg : art_strerror(res->status), limit);
  } else if (res->status != ART_OK) {
    /* stderr in the person's language, the record in the C locale */
    cli_error("%s", res->errmsg_l ? res->errmsg_l
                    : res->errmsg ? res->errmsg
                                  : art_strerror_localized(res->status));
    r->failures++;
    if (!res->len)
      write_error_record(
          r, it, res->errmsg ? res->errmsg : art_strerror(res->status), NULL);
  }
  size_t off = 0;
  for (int first = 1; res->len - off >= sizeof(wire_rec); first = 0) {
    wire_rec w;
    memcpy(&w, res->data + off, sizeof w);
    off += sizeof w;
    if (w.text_len > res->len - off)
      break;
    const char *text = (const char *)res->data + off;
    off += (size_t)w.text_len;
    if (w.extract_failed) {
      cli_error(_("%s: a member could not be extracted (see its record's "
                  "errors)"),
                it->path);
      r->failures++;
    }
    if (w.known && r->o->s.skip_known) {
      r->known_skipped++;
      continue;
    }
    if (w.directory && r->o->text)
      continue;
    if (w.notable || w.similar)
      r->found++;
    r->records++;
    if (w.text_len)
      print_record(r, text, (size_t)w.text_len, first ? limit : NULL);
  }
  art_sandbox_result_clear(res);
  free(res);
  return 0;
}

/* The project's signatures: $ART_SIGNATURES, installed beside the tool
 * (../share/artifact/signatures), or the source tree's (../../signatures
 * from a build folder's tools/). */
static char *default_rules(void)
{
  const char *env = getenv("ART_SIGNATURES");
  char exe[PATH_MAX], *p, *dir = NULL;
  static const char *const rel[] = {"/../share/artifact/signatures",
                                    "/../../signatures"};
  struct stat sb;
  ssize_t n;
  if (env && *env)
    return strdup(env);
  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return NULL;
  exe[n] = '\0';
  p = strrchr(exe, '/');
  if (!p)
    return NULL;
  *p = '\0';
  for (size_t i = 0; i < 2; i++) {
    if (asprintf(&dir, "%s%s", exe, rel[i]) < 0)
      return NULL;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
      return dir;
    free(dir);
    dir = NULL;
  }
  return NULL;
}

static char *cache_dir(void)
{
  const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  char *p = NULL;
  if (x && *x)
    return asprintf(&p, "%s/artifact/yara", x) < 0 ? NULL : p;
  if (h && *h)
    return asprintf(&p, "%s/.cache/artifact/yara", h) < 0 ? NULL : p;
  return NULL;
}

/* Compile --rules, or the default signatures when there are any. Returns
 * an exit code, or -1 to go on. */
static int load_rules(run *r)
{
  art_yara_compiler *c = NULL;
  char *def = NULL, *cache = NULL;
  size_t n = r->o->n_rules;
  art_status st;
  if (r->o->no_yara)
    return -1;
  if (!n && !(def = default_rules()))
    return -1;
  st = art_yara_compiler_new(r->ctx, &c);
  for (size_t i = 0; st == ART_OK && i < (n ? n : 1); i++)
    st = art_yara_compiler_add_path(r->ctx, c, n ? r->o->rules[i] : def, NULL);
  art_yara_compiler_set_flags(c, ART_YARA_NO_WARNINGS);
  if (st == ART_OK && (cache = cache_dir()) &&
      art_yara_compiler_set_cache_dir(r->ctx, c, cache) != ART_OK)
    art_ctx_clear(r->ctx); /* no cache then */
  if (st == ART_OK)
    st = art_yara_compiler_build(r->ctx, c, &r->rules);
  art_yara_compiler_free(c);
  free(cache);
  free(def);
  if (st != ART_OK) {
    cli_error(_("rules: %s"), art_ctx_errmsg_localized(r->ctx));
    return n ? ART_EXIT_FATAL : -1; /* broken default rules: go on */
  }
  art_surface_config_set_rules(r->cfg, r->rules);
  return -1;
}

static int setup(run *r)
{
  opts *o = r->o;
  art_status st = art_surface_config_new(r->ctx, &o->s, &r->cfg);
  for (size_t i = 0; st == ART_OK && i < o->n_hashsets; i++)
    st = art_surface_config_add_hashset(r->ctx, r->cfg, o->hashsets[i]);
  for (size_t i = 0; st == ART_OK && i < o->n_passwords; i++)
    st = art_surface_config_add_password(r->ctx, r->cfg, o->passwords[i]);
  if (st == ART_OK && o->similar_to)
    st = art_surface_config_add_similar(r->ctx, r->cfg, o->similar_to, NULL);
  if (st != ART_OK) {
    cli_error_ctx(r->ctx, st);
    return ART_EXIT_FATAL;
  }
  if (o->s.archive.extract_dir && mkdir(o->s.archive.extract_dir, 0700) != 0 &&
      errno != EEXIST) {
    cli_error("%s: %s", o->s.archive.extract_dir, strerror(errno));
    return ART_EXIT_FATAL;
  }
  if (!o->s.no_recurse) { /* a bad --archive-charset, before any input */
    art_archive *probe = NULL;
    st = art_archive_new(r->ctx, &o->s.archive, &probe);
    art_archive_free(probe);
    if (st != ART_OK) {
      cli_error_ctx(r->ctx, st);
      return ART_EXIT_USAGE;
    }
  }
  return load_rules(r);
}

int main(int argc, char **argv)
{
  opts o = {0};
  run r = {.o = &o};
  art_batch *batch = NULL;
  cli_progress *progress = NULL;
  art_status st;
  cli_init("art-surface");
  art_surface_opts_init(&o.s);
  o.s.reader_threads = art_cpu_count();
  art_sandbox_opts_init(&o.sandbox);
  int rc = parse_opts(argc, argv, &o);
  if (rc >= 0)
    return rc;
  if (art_ctx_new(&r.ctx) != ART_OK)
    return ART_EXIT_FATAL;
  rc = setup(&r);
  if (rc >= 0)
    goto out;
  rc = ART_EXIT_FATAL;
  r.out = cli_open_output(o.output);
  if (!r.out)
    goto out;
  setvbuf(r.out, NULL, _IOFBF, 1 << 20);
  st = art_batch_new(r.ctx, &o.batch, &batch);
  r.batch = batch;
  if (st != ART_OK) {
    cli_error_ctx(r.ctx, st);
    goto out;
  }
  if (cli_add_inputs(batch, argc - optind, argv + optind, o.files_from,
                     o.null_list) != 0)
    goto out;
  o.sandbox.workers = o.batch.jobs ? o.batch.jobs : art_cpu_count();
  o.sandbox.extract_dir = o.s.archive.extract_dir;
  art_sandbox_job job = {job_init, job_fini, job_run};
  st = art_sandbox_new(r.ctx, &o.sandbox, &job, &r, &r.sandbox);
  if (st != ART_OK) {
    cli_error_ctx(r.ctx, st);
    goto out;
  }
  art_batch_ops ops = {NULL, NULL, work, emit};
  progress = cli_progress_start(batch);
  st = art_batch_run(r.ctx, batch, &ops, &r);
  cli_progress_stop(progress);
  if (st != ART_OK) {
    cli_error_ctx(r.ctx, st);
    goto out;
  }
  if (o.verbose || o.s.skip_known)
    cli_error(_("%lu inputs, %lu records written, %lu known skipped, %lu "
                "inputs failed"),
              r.inputs, r.records, r.known_skipped, r.failures);
  rc = r.failures ? ART_EXIT_PARTIAL : r.found ? ART_EXIT_FOUND : ART_EXIT_OK;
out:
  if (r.out && cli_close_output(r.out) != 0)
    rc = ART_EXIT_FATAL;
  rc = cli_shard_finish(rc);
  art_batch_free(batch);
  art_sandbox_free(r.sandbox);
  art_surface_config_free(r.cfg);
  art_yara_rules_free(r.rules);
  art_ctx_free(r.ctx);
  free(o.hashsets);
  free(o.rules);
  free(o.passwords);
  return rc;
}
