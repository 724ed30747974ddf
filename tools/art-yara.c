/* art-yara: scan files, trees, images and archive members (at any depth,
 * with lineage) with YARA rules; yara's text lines or JSON Lines.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <artifact/archive.h>
#include <artifact/yara.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/cli_sandbox.h"

#define MAX_LIST 64

typedef struct opts {
  const char *rules[MAX_LIST], *defines[MAX_LIST], *tags[MAX_LIST],
      *idents[MAX_LIST];
  size_t n_rules, n_defines, n_tags, n_idents;
  unsigned fmt, scan_flags, compile_flags, timeout, archive_depth;
  int json, count, exit_on_match, no_cache, no_archives, null_list, quiet,
      verbose;
  uint64_t max_size;
  const char *output, *cache_dir, *files_from;
  art_batch_opts batch;
  art_sandbox_opts sandbox;
} opts;

typedef struct run {
  opts *o;
  FILE *out;
  art_yara_rules *rules;
  art_yara_scanner *err_scanner; /* records for inputs never scanned */
  unsigned long failures, matches;
  art_sandbox *sandbox;
} run;

typedef struct wstate {
  art_yara_scanner *top, *member;
  art_archive *ar;
} wstate;

/* Every record of one input: the input, then its members in walk order. */
typedef struct job {
  const char *input;
  wstate *ws;
  art_yara_result **recs;
  uint64_t *ids;
  size_t n, cap;
  uint64_t cur; /* the member being read */
} job;

typedef struct output {
  char *text;
  unsigned long failures, matches;
  art_status err_status; /* not scanned to its end (sandbox) */
  char *err;
} output;

static void usage(void)
{
  printf("Usage: art-yara [OPTION]... RULES... TARGET\n"
         "   or: art-yara [OPTION]... -R RULES [-R RULES]... TARGET...\n"
         "Scan files, trees, images and archive members with YARA rules.\n\n"
         "  -R, --rules PATH         rules file or folder (repeatable)\n"
         "  -r, --recursive          descend into directories\n"
         "  -L, --follow             follow symbolic links inside trees\n"
         "  -N, --no-follow-symlinks do not follow them (the default)\n"
         "  -s, --print-strings      matched strings\n"
         "      --print-string-length  with their lengths\n"
         "  -m, --print-meta         -g, --print-tags   -e, "
         "--print-namespace\n"
         "  -t, --tag TAG            only rules with TAG (repeatable)\n"
         "  -i, --identifier RULE    only rule RULE (repeatable)\n"
         "  -n, --negate             rules that do not match\n"
         "  -c, --count              number of matching rules per artifact\n"
         "  -d, --define NAME=VALUE  external variable\n"
         "      --fast               stop at each string's first match\n"
         "  -a, --timeout SECS       per-artifact scan timeout (the sandbox\n"
         "                           stops a worker at twice this plus 10 s;\n"
         "                           60 s without it)\n"
         "      --memory-limit SIZE  address space of each worker (2G)\n"
         "      --no-sandbox         scan in this process (debugging only)\n"
         "  -z, --max-size SIZE      bytes scanned per artifact (default 1G)\n"
         "      --no-archives        do not scan inside archives\n"
         "      --archive-depth N    deepest member scanned (default 10)\n"
         "  -f, --format FMT         text (yara's lines, default) or jsonl\n"
         "  -o, --output FILE        write results to FILE\n"
         "  -w, --no-warnings        --fail-on-warnings   --skip-bad-rules\n"
         "      --no-includes        refuse include directives\n"
         "      --cache-dir DIR      compiled rules cache "
         "(default ~/.cache/artifact/yara)\n"
         "      --no-cache           always compile from source\n"
         "      --exit-on-match      exit 1 when something matched\n"
         "  -T, --files-from FILE    targets listed in FILE; -0 NUL-separated\n"
         "      --no-images          named .E01/.001 files are plain files\n"
         "  -j, --jobs N             worker threads (also -p; default: CPUs)\n"
         "  -q, --quiet              no compiler warnings\n"
         "  -v, --verbose            say how the rules were loaded\n"
         "  -h, --help   --version\n\n"
         "Exit: 0 done; 1 a match (with --exit-on-match); 2 usage; 3 some\n"
         "artifacts could not be (fully) scanned; 4 fatal (rules did not "
         "compile).\n");
}

static int add_list(const char **list, size_t *n, const char *v)
{
  if (*n >= MAX_LIST)
    return cli_usage_error("too many values for one option (max %d)", MAX_LIST);
  list[(*n)++] = v;
  return -1;
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum {
    O_VERSION = 256,
    O_LEN,
    O_FAST,
    O_NO_ARCH,
    O_DEPTH,
    O_FAILW,
    O_SKIP,
    O_NOINC,
    O_CACHE,
    O_NOCACHE,
    O_EXIT,
    O_NOIMG
  };
  static const struct option lo[] = {
      {"rules", required_argument, NULL, 'R'},
      {"recursive", no_argument, NULL, 'r'},
      {"follow", no_argument, NULL, 'L'},
      {"no-follow-symlinks", no_argument, NULL, 'N'},
      {"print-strings", no_argument, NULL, 's'},
      {"print-string-length", no_argument, NULL, O_LEN},
      {"print-meta", no_argument, NULL, 'm'},
      {"print-tags", no_argument, NULL, 'g'},
      {"print-namespace", no_argument, NULL, 'e'},
      {"tag", required_argument, NULL, 't'},
      {"identifier", required_argument, NULL, 'i'},
      {"negate", no_argument, NULL, 'n'},
      {"count", no_argument, NULL, 'c'},
      {"define", required_argument, NULL, 'd'},
      {"fast", no_argument, NULL, O_FAST},
      {"fast-scan", no_argument, NULL, O_FAST},
      {"timeout", required_argument, NULL, 'a'},
      {"max-size", required_argument, NULL, 'z'},
      {"no-archives", no_argument, NULL, O_NO_ARCH},
      {"archive-depth", required_argument, NULL, O_DEPTH},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"no-warnings", no_argument, NULL, 'w'},
      {"fail-on-warnings", no_argument, NULL, O_FAILW},
      {"skip-bad-rules", no_argument, NULL, O_SKIP},
      {"no-includes", no_argument, NULL, O_NOINC},
      {"cache-dir", required_argument, NULL, O_CACHE},
      {"no-cache", no_argument, NULL, O_NOCACHE},
      {"exit-on-match", no_argument, NULL, O_EXIT},
      {"files-from", required_argument, NULL, 'T'},
      {"null", no_argument, NULL, '0'},
      {"no-images", no_argument, NULL, O_NOIMG},
      {"jobs", required_argument, NULL, 'j'},
      {"threads", required_argument, NULL, 'p'},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, O_VERSION},
      {"no-sandbox", no_argument, NULL, CLI_OPT_NO_SANDBOX},
      {"memory-limit", required_argument, NULL, CLI_OPT_MEMORY_LIMIT},
      {NULL, 0, NULL, 0}};
  int c, rc;
  o->compile_flags = ART_YARA_ALLOW_INCLUDES;
  while ((c = getopt_long(argc, argv, "R:rLNsmget:i:ncd:a:z:f:o:wT:0j:p:qvh",
                          lo, NULL)) != -1) {
    rc = -1;
    switch (c) {
    case 'R':
      rc = add_list(o->rules, &o->n_rules, optarg);
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case 'L':
      o->batch.walk_flags |= ART_WALK_FOLLOW;
      break;
    case 'N':
      o->batch.walk_flags &= ~(unsigned)ART_WALK_FOLLOW;
      break;
    case 's':
      o->fmt |= ART_YARA_FMT_STRINGS;
      break;
    case O_LEN:
      o->fmt |= ART_YARA_FMT_STRINGS | ART_YARA_FMT_LENGTH;
      break;
    case 'm':
      o->fmt |= ART_YARA_FMT_META;
      break;
    case 'g':
      o->fmt |= ART_YARA_FMT_TAGS;
      break;
    case 'e':
      o->fmt |= ART_YARA_FMT_NS;
      break;
    case 't':
      rc = add_list(o->tags, &o->n_tags, optarg);
      break;
    case 'i':
      rc = add_list(o->idents, &o->n_idents, optarg);
      break;
    case 'n':
      o->scan_flags |= ART_YARA_SCAN_NEGATE;
      break;
    case 'c':
      o->count = 1;
      break;
    case 'd':
      rc = add_list(o->defines, &o->n_defines, optarg);
      break;
    case O_FAST:
      o->scan_flags |= ART_YARA_SCAN_FAST;
      break;
    case 'a':
      if (cli_parse_uint(optarg, &o->timeout) != 0)
        return cli_usage_error("bad timeout '%s'", optarg);
      break;
    case 'z':
      if (cli_parse_size(optarg, &o->max_size) != 0 || o->max_size == 0)
        return cli_usage_error("bad size '%s'", optarg);
      break;
    case O_NO_ARCH:
      o->no_archives = 1;
      break;
    case O_DEPTH:
      if (cli_parse_uint(optarg, &o->archive_depth) != 0)
        return cli_usage_error("bad depth '%s'", optarg);
      break;
    case 'f':
      if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "ndjson") == 0)
        o->json = 1;
      else if (strcmp(optarg, "text") != 0)
        return cli_usage_error("unknown format '%s' (text, jsonl)", optarg);
      break;
    case 'o':
      o->output = optarg;
      break;
    case 'w':
      o->compile_flags |= ART_YARA_NO_WARNINGS;
      break;
    case O_FAILW:
      o->compile_flags |= ART_YARA_FAIL_ON_WARNINGS;
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
    case 'j':
    case 'p':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0)
        return cli_usage_error("bad job count '%s'", optarg);
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
    case CLI_OPT_MEMORY_LIMIT:
      if ((c = cli_sandbox_option(c, optarg, &o->sandbox)) != 0)
        return c;
      break;
    default:
      return cli_usage_error("unknown option");
    }
    if (rc >= 0)
      return rc;
  }
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
            d->level == ART_YARA_DIAG_ERROR ? "error" : "warning",
            d->rule ? "rule \"" : "", d->rule ? d->rule : "",
            d->rule ? "\": " : "", d->message,
            d->skipped ? " (file skipped)" : "");
}

static art_status scanner_new(run *r, art_ctx *ctx, art_yara_scanner **s)
{
  art_status st = art_yara_scanner_new(ctx, r->rules, s);
  if (st == ART_OK) {
    art_yara_scanner_set_timeout(*s, r->o->timeout);
    art_yara_scanner_set_max_size(*s, r->o->max_size);
    art_yara_scanner_set_flags(*s, r->o->scan_flags);
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

static void job_add(job *j, art_yara_result *res, uint64_t id)
{
  if (j->n == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 8;
    art_yara_result **p = realloc(j->recs, cap * sizeof *p);
    uint64_t *q = p ? realloc(j->ids, cap * sizeof *q) : NULL;
    if (p)
      j->recs = p;
    if (!q) {
      art_yara_result_free(res);
      return;
    }
    j->ids = q;
    j->cap = cap;
  }
  j->recs[j->n] = res;
  j->ids[j->n++] = id;
}

static void on_member_result(art_yara_result *res, art_status st, void *ud)
{
  job *j = ud;
  (void)st;
  job_add(j, res, j->cur);
}

static art_walk_action m_begin(void *ud, const art_archive_member *m)
{
  job *j = ud;
  art_ctx *ctx = NULL;
  art_yara_artifact a = {m->lineage, m->path, j->input, m->depth, NULL, NULL};
  if (m->type != ART_ENTRY_FILE)
    return ART_WALK_CONTINUE;
  if (art_ctx_new(&ctx) != ART_OK ||
      art_yara_scanner_set_artifact(ctx, j->ws->member, &a) != ART_OK) {
    art_ctx_free(ctx);
    return ART_WALK_SKIP;
  }
  art_ctx_free(ctx);
  j->cur = m->id;
  art_archive_add_consumer(j->ws->ar, art_yara_consumer(j->ws->member),
                           j->ws->member);
  return ART_WALK_CONTINUE;
}

static art_walk_action
m_end(void *ud, const art_archive_member *m, const art_archive_result *res)
{
  job *j = ud;
  if (res->status == ART_OK)
    return ART_WALK_CONTINUE;
  for (size_t i = 0; i < j->n; i++)
    if (j->ids[i] == m->id)
      art_yara_result_set_error(j->recs[i], res->status, res->errmsg);
  return ART_WALK_CONTINUE;
}

static void format_job(run *r, art_ctx *ctx, job *j, output *out)
{
  size_t len = 0;
  for (size_t i = 0; i < j->n; i++) {
    char *text = NULL;
    size_t shown = 0;
    art_yara_result *res = j->recs[i];
    art_status rs = art_yara_result_status(res);
    if (rs != ART_OK) {
      out->failures++;
      if (!r->o->json)
        cli_error("%s: %s", art_yara_result_path(res),
                  art_yara_result_message(res));
    }
    if (r->o->json)
      art_yara_result_json(ctx, res, filter, r->o, &text, &shown);
    else
      art_yara_result_text(ctx, res, r->o->fmt, filter, r->o, &text, &shown);
    out->matches += shown;
    if (text && r->o->count && !r->o->json) {
      art_free(text);
      text = NULL;
      /* An artifact that could not be read has no count (0 would say
       * "no match"). */
      if (rs != ART_OK ||
          asprintf(&text, "%s: %zu\n", art_yara_result_path(res), shown) < 0)
        text = NULL;
    } else if (text && r->o->json) {
      char *line = NULL;
      if (asprintf(&line, "%s\n", text) < 0)
        line = NULL;
      art_free(text);
      text = line;
    }
    if (text) {
      size_t tl = strlen(text);
      char *p = realloc(out->text, len + tl + 1);
      if (p) {
        memcpy(p + len, text, tl + 1);
        out->text = p;
        len += tl;
      }
      free(text);
    }
    art_yara_result_free(res);
  }
}

/* Scan one input (SRC, or opened here when NULL) and its members. */
static output *scan(
    run *r, wstate *ws, art_ctx *ctx, const art_batch_item *it, art_source *src)
{
  job j = {it->path, ws, NULL, NULL, 0, 0, 0};
  output *out = calloc(1, sizeof *out);
  art_source *own = NULL;
  art_yara_result *res = NULL;
  art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
  art_status st, rs;
  if (!out)
    return NULL;
  st = art_yara_scanner_set_artifact(ctx, ws->top, &a);
  if (st == ART_OK && !src) {
    st = art_source_open(ctx, it->path, it->kind, &own);
    src = own;
  }
  if (st == ART_OK)
    st = art_yara_scan_source(ctx, ws->top, src, &res);
  if (!res)
    art_yara_result_error(ctx, ws->top, st, art_ctx_errmsg(ctx), &res);
  if (res)
    job_add(&j, res, 0);
  rs = res ? art_yara_result_status(res) : ART_ERR_NOMEM;
  if (ws->ar && src &&
      (rs == ART_OK || rs == ART_ERR_LIMIT || rs == ART_ERR_TIMEOUT)) {
    size_t len = 0;
    const void *bytes = art_yara_scanner_bytes(ws->top, &len);
    if (art_archive_is_container(bytes, len)) {
      art_archive_ops ops = {.begin = m_begin, .end = m_end};
      art_yara_scanner_set_result_cb(ws->member, on_member_result, &j);
      st = art_archive_walk_buffer(ctx, ws->ar, bytes, len, it->path, &ops, &j);
      art_yara_scanner_set_result_cb(ws->member, NULL, NULL);
      if (st != ART_OK && st != ART_ERR_FORMAT)
        art_yara_result_set_error(res, st, art_ctx_errmsg(ctx));
    }
  }
  art_source_free(own);
  format_job(r, ctx, &j, out);
  free(j.recs);
  free(j.ids);
  return out;
}

/* The sandboxed job (docs/sandbox.md): the scan in a worker; the counts and
 * the formatted output go back to the parent. */
static art_status job_run(void *ud,
                          void *ws,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *buf)
{
  output *out = scan(ud, ws, ctx, it, src);
  uint64_t n[2];
  if (!out)
    return ART_ERR_NOMEM;
  n[0] = out->failures;
  n[1] = out->matches;
  art_status st = art_sandbox_buf_append(buf, n, sizeof n);
  if (st == ART_OK && out->text)
    st = art_sandbox_buf_append(buf, out->text, strlen(out->text));
  free(out->text);
  free(out);
  return st;
}

static void *work(void *ud, void *wsp, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  art_sandbox_result sr;
  output *out;
  uint64_t n[2];
  (void)wsp;
  if (art_sandbox_run(r->sandbox, ctx, it, &sr) != ART_OK)
    return NULL;
  out = calloc(1, sizeof *out);
  if (out && sr.outcome == ART_SANDBOX_DONE && sr.len >= sizeof n) {
    memcpy(n, sr.data, sizeof n);
    out->failures = (unsigned long)n[0];
    out->matches = (unsigned long)n[1];
    out->text = strndup((const char *)sr.data + sizeof n, sr.len - sizeof n);
  } else if (out) {
    /* Not scanned to its end (the worker crashed, a limit, the input could
     * not be opened): an error, never "no match". */
    out->failures = 1;
    out->err_status = sr.status != ART_OK ? sr.status : ART_ERR_INTERNAL;
    if (sr.outcome == ART_SANDBOX_DONE ||
        asprintf(&out->err, "%s: %s%s%s%s", it->path,
                 sr.errmsg ? sr.errmsg : "", sr.sha256[0] ? " (sha256 " : "",
                 sr.sha256, sr.sha256[0] ? ")" : "") < 0)
      out->err = sr.errmsg ? strdup(sr.errmsg) : NULL;
  }
  art_sandbox_result_clear(&sr);
  return out;
}

/* A JSON record for an input that could not be scanned. */
static void error_json(run *r, const char *path, art_status st, const char *m)
{
  art_yara_result *res = NULL;
  char *text = NULL;
  art_yara_artifact a = {path, NULL, NULL, 0, NULL, NULL};
  if (art_yara_scanner_set_artifact(NULL, r->err_scanner, &a) == ART_OK &&
      art_yara_result_error(NULL, r->err_scanner, st, m, &res) == ART_OK &&
      art_yara_result_json(NULL, res, NULL, NULL, &text, NULL) == ART_OK)
    fprintf(r->out, "%s\n", text);
  art_free(text);
  art_yara_result_free(res);
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  output *out = resp;
  if (it->status != ART_OK) {
    r->failures++;
    cli_error("%s", it->errmsg);
    if (r->o->json) {
      art_yara_result *res = NULL;
      char *text = NULL;
      art_yara_artifact a = {it->path, NULL, NULL, 0, NULL, NULL};
      if (art_yara_scanner_set_artifact(NULL, r->err_scanner, &a) == ART_OK &&
          art_yara_result_error(NULL, r->err_scanner, it->status, it->errmsg,
                                &res) == ART_OK &&
          art_yara_result_json(NULL, res, NULL, NULL, &text, NULL) == ART_OK)
        fprintf(r->out, "%s\n", text);
      art_free(text);
      art_yara_result_free(res);
    }
    return 0;
  }
  if (!out)
    return 0; /* symlinks not followed, special files: not scanned */
  if (out->err_status) {
    cli_error("%s", out->err ? out->err : art_strerror(out->err_status));
    if (r->o->json)
      error_json(r, it->path, out->err_status,
                 out->err ? out->err : art_strerror(out->err_status));
    free(out->err);
  }
  if (out->text)
    fputs(out->text, r->out);
  r->failures += out->failures;
  r->matches += out->matches;
  free(out->text);
  free(out);
  return 0;
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
  art_status st = art_yara_compiler_new(ctx, &c);
  char *cache = NULL;
  size_t n = r->o->n_rules;
  *first_target = 0;
  if (n == 0)
    *first_target = argc - 1;
  for (size_t i = 0; st == ART_OK && i < r->o->n_defines; i++)
    st = art_yara_compiler_define(ctx, c, r->o->defines[i]);
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
  art_yara_compiler_set_flags(c, r->o->compile_flags);
  art_yara_compiler_set_diag(c, on_diag, r->o);
  if (st == ART_OK && !r->o->no_cache &&
      (r->o->cache_dir || (cache = default_cache())))
    st = art_yara_compiler_set_cache_dir(
        ctx, c, r->o->cache_dir ? r->o->cache_dir : cache);
  if (st == ART_OK)
    st = art_yara_compiler_build(ctx, c, &r->rules);
  free(cache);
  art_yara_compiler_free(c);
  return st;
}

int main(int argc, char **argv)
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
    return cli_usage_error("give RULES... TARGET, or -R RULES TARGET...");
  if (o.n_rules && argc == 0 && !o.files_from)
    return cli_usage_error("no target");
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  rc = ART_EXIT_FATAL;
  st = compile(&r, ctx, argc, argv, &first);
  if (st == ART_ERR_RULES) {
    /* Each error was reported with its file and line. */
    cli_error("rules did not compile (--skip-bad-rules scans with the rest)");
    goto out;
  } else if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    goto out;
  }
  if (o.verbose)
    cli_error("%zu rules from %zu files (%zu skipped), %s",
              art_yara_rules_count(r.rules), art_yara_rules_files(r.rules),
              art_yara_rules_skipped(r.rules),
              art_yara_rules_from_cache(r.rules) ? "from the compiled cache"
                                                 : "compiled from source");
  if (scanner_new(&r, ctx, &r.err_scanner) != ART_OK ||
      !(r.out = cli_open_output(o.output)))
    goto out;
  setvbuf(r.out, NULL, _IOFBF, 1 << 20);
  if (!o.batch.recursive) {
    /* As yara: a folder named without -r is scanned one level deep. */
    o.batch.recursive = 1;
    o.batch.max_depth = 1;
  }
  st = art_batch_new(ctx, &o.batch, &batch);
  if (st == ART_OK && cli_add_inputs(batch, argc - first, argv + first,
                                     o.files_from, o.null_list) != 0)
    goto out;
  if (st == ART_OK) {
    /* Workers scan; forked now, they have the compiled rules. */
    art_sandbox_job sj = {worker_init, worker_fini, job_run};
    o.sandbox.workers = o.batch.jobs ? o.batch.jobs : art_cpu_count();
    if (o.timeout)
      o.sandbox.timeout_ms = (o.timeout * 2u + 10u) * 1000u;
    st = art_sandbox_new(ctx, &o.sandbox, &sj, &r, &r.sandbox);
  }
  if (st == ART_OK) {
    art_batch_ops ops = {.work = work, .emit = emit};
    progress = cli_progress_start(batch);
    st = art_batch_run(ctx, batch, &ops, &r);
    cli_progress_stop(progress);
  }
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    goto out;
  }
  rc = r.failures                       ? ART_EXIT_PARTIAL
       : (o.exit_on_match && r.matches) ? ART_EXIT_FOUND
                                        : ART_EXIT_OK;
out:
  if (r.out && cli_close_output(r.out) != 0)
    rc = ART_EXIT_FATAL;
  art_batch_free(batch);
  art_sandbox_free(r.sandbox);
  art_yara_scanner_free(r.err_scanner);
  art_yara_rules_free(r.rules);
  art_ctx_free(ctx);
  return rc;
}
