/* art-strings: printable strings in files, like GNU strings -a, with UTF-8
 * and indicator classification (--ioc) as JSON Lines.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/cli_sandbox.h"

#define SPOOL_MEM (1u << 20)
/* Reader blocks: small enough to keep memory near GNU strings', large
 * enough that the per-block cost does not show. */
#define BLOCK    (256u * 1024u)
#define JSON_CAP (1u << 20)

enum { FMT_TEXT, FMT_JSONL };

typedef struct opts {
  art_strings_opts so;
  art_batch_opts batch;
  art_sandbox_opts sandbox;
  int radix; /* 0, 'd', 'x', 'o' */
  int format, format_given;
  int ioc, print_name;
  int enc_given, lang_ja;
  unsigned classes; /* --class: mask of art_ioc_class; 0: all */
  const char *sep;
  const char *output;
} opts;

/* Output of one input: memory first, then a temporary file. */
typedef struct spool {
  char *mem;
  size_t len;
  FILE *tmp;
  int err;
} spool;

typedef struct job {
  const opts *o;
  const char *path;
  spool *sp;             /* batch mode */
  FILE *out;             /* direct mode */
  art_sandbox_buf *sbuf; /* in a sandboxed worker: back to the parent */
  art_str_iocs *iocs;    /* --ioc */
  uint64_t piece_base[ART_STR_ENC_COUNT_];
  char *acc; /* jsonl: the string so far */
  size_t acc_len;
  int acc_trunc;
  art_ctx *ctx;
} job;

static void sp_write(job *j, const void *p, size_t n)
{
  if (j->sbuf) {
    art_sandbox_buf_append(j->sbuf, p, n);
    return;
  }
  if (j->out) {
    fwrite(p, 1, n, j->out);
    return;
  }
  spool *s = j->sp;
  if (s->err)
    return;
  if (!s->tmp && s->len + n > SPOOL_MEM) {
    s->tmp = tmpfile();
    if (!s->tmp || fwrite(s->mem, 1, s->len, s->tmp) != s->len) {
      s->err = errno ? errno : EIO;
      return;
    }
    s->len = 0;
  }
  if (s->tmp) {
    if (fwrite(p, 1, n, s->tmp) != n)
      s->err = errno ? errno : EIO;
    return;
  }
  if (!s->mem && !(s->mem = malloc(SPOOL_MEM))) {
    s->err = ENOMEM;
    return;
  }
  memcpy(s->mem + s->len, p, n);
  s->len += n;
}

static void sp_puts(job *j, const char *s)
{
  sp_write(j, s, strlen(s));
}

static void prefix(job *j, uint64_t off)
{
  char buf[64];
  if (j->o->print_name) {
    /* As GNU strings names standard input. */
    sp_puts(j, strcmp(j->path, "-") == 0 ? "{standard input}" : j->path);
    sp_puts(j, ": ");
  }
  int n = 0;
  switch (j->o->radix) {
  case 'd':
    n = snprintf(buf, sizeof buf, "%7" PRIu64 " ", off);
    break;
  case 'x':
    n = snprintf(buf, sizeof buf, "%7" PRIx64 " ", off);
    break;
  case 'o':
    n = snprintf(buf, sizeof buf, "%7" PRIo64 " ", off);
    break;
  }
  if (n > 0)
    sp_write(j, buf, (size_t)n);
}

static void put_json(job *j,
                     uint64_t off,
                     art_str_enc enc,
                     const char *cls,
                     const char *text,
                     size_t len,
                     int trunc)
{
  char *line = NULL;
  if (art_strings_json_record(j->ctx, j->path, off, enc, cls, text, len, trunc,
                              &line) != ART_OK)
    return;
  sp_puts(j, line);
  sp_write(j, "\n", 1);
  art_free(line);
}

static int on_ioc(const art_str_ioc *ioc, void *ud)
{
  job *j = ud;
  if (j->o->classes && !(j->o->classes & (1u << ioc->cls)))
    return 0;
  if (j->o->format == FMT_JSONL) {
    char *line = NULL;
    if (art_str_ioc_json(j->ctx, j->path, ioc, &line) != ART_OK)
      return 0;
    sp_puts(j, line);
    sp_write(j, "\n", 1);
    art_free(line);
  } else {
    prefix(j, ioc->offset);
    sp_puts(j, art_ioc_class_name(ioc->cls));
    sp_write(j, "\t", 1);
    sp_puts(j, ioc->value);
    sp_write(j, "\n", 1);
  }
  return 0;
}

static int on_string(const art_string *s, void *ud)
{
  job *j = ud;
  if (j->o->ioc) {
    art_str_iocs_string(j->iocs, s);
    return 0;
  }
  if (j->o->format == FMT_JSONL) {
    size_t take = s->len;
    if (j->acc_len + take > JSON_CAP) {
      take = JSON_CAP - j->acc_len;
      j->acc_trunc = 1;
    }
    if (!j->acc && !(j->acc = malloc(JSON_CAP)))
      return 1;
    memcpy(j->acc + j->acc_len, s->text, take);
    j->acc_len += take;
    if (!(s->flags & ART_STR_MORE)) {
      put_json(j, s->offset, s->encoding, NULL, j->acc, j->acc_len,
               j->acc_trunc);
      j->acc_len = 0;
      j->acc_trunc = 0;
    }
    return 0;
  }
  if (!(s->flags & ART_STR_CONTINUED))
    prefix(j, s->offset);
  sp_write(j, s->text, s->len);
  if (!(s->flags & ART_STR_MORE)) {
    if (j->o->sep)
      sp_puts(j, j->o->sep);
    else
      sp_write(j, "\n", 1);
  }
  return 0;
}

typedef struct result {
  art_status status;
  char *errmsg; /* for the person (translated): only stderr shows it */
  spool sp;
} result;

typedef struct run {
  const opts *o;
  FILE *out;
  unsigned failures;
  art_batch *batch;
  art_sandbox *sandbox;
} run;

static art_status worker_init(void *ud, art_ctx *ctx, void **ws)
{
  (void)ud;
  art_reader *reader = NULL;
  art_reader_opts ro = {BLOCK, 1};
  art_status st = art_reader_new(ctx, &ro, &reader);
  *ws = reader;
  return st;
}

static void worker_fini(void *ud, void *ws)
{
  (void)ud;
  art_reader_free(ws);
}

/* The sandboxed job (docs/sandbox.md): the strings of one input, sent back
 * to the parent as they are found. */
static art_status job_run(void *ud,
                          void *ws,
                          art_ctx *ctx,
                          art_source *src,
                          const art_batch_item *it,
                          art_sandbox_buf *out)
{
  const opts *o = ud;
  art_strings *st = NULL;
  job j = {.o = o, .path = it->path, .sbuf = out, .ctx = ctx};
  art_status rs = art_strings_new(ctx, &o->so, on_string, &j, &st);
  if (rs == ART_OK && o->ioc)
    rs = art_str_iocs_new(ctx, on_ioc, &j, &j.iocs);
  if (rs == ART_OK) {
    art_reader_clear(ws);
    rs = art_strings_attach(ctx, st, ws);
  }
  if (rs == ART_OK)
    rs = art_reader_run(ctx, ws, src, NULL);
  /* Indicators held back are printed even after a read error. */
  art_str_iocs_final(j.iocs);
  art_str_iocs_free(j.iocs);
  art_reader_clear(ws);
  art_strings_free(st);
  free(j.acc);
  return rs;
}

static int sink_spool(void *ud, const void *p, size_t n)
{
  job j = {.sp = ud};
  sp_write(&j, p, n);
  return 0;
}

static int sink_out(void *ud, const void *p, size_t n)
{
  return fwrite(p, 1, n, ud) == n ? 0 : -1;
}

/* Run one input in the sandbox; the output goes to SINK. The message of a
 * failure, translated for the person (art-strings prints errors only on
 * stderr), is in *ERRMSG. */
static art_status run_sandboxed(art_sandbox *sb,
                                art_ctx *ctx,
                                const art_batch_item *it,
                                art_sandbox_sink sink,
                                void *sink_ud,
                                char **errmsg)
{
  art_sandbox_result sr;
  art_status st = art_sandbox_run_stream(sb, ctx, it, sink, sink_ud, &sr);
  if (st != ART_OK) {
    *errmsg = strdup(art_ctx_errmsg_localized(ctx));
    return st;
  }
  st = sr.status;
  const char *m = sr.errmsg_l ? sr.errmsg_l : sr.errmsg;
  if (sr.outcome != ART_SANDBOX_DONE) {
    if (asprintf(errmsg, "%s: %s%s%s%s", it->path, m ? m : "",
                 sr.sha256[0] ? " (sha256 " : "", sr.sha256,
                 sr.sha256[0] ? ")" : "") < 0)
      *errmsg = NULL;
    if (st == ART_OK)
      st = ART_ERR_INTERNAL;
  } else if (st != ART_OK) {
    *errmsg = m ? strdup(m) : NULL;
  }
  art_sandbox_result_clear(&sr);
  return st;
}

static void *work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  result *res = calloc(1, sizeof *res);
  (void)ws;
  if (!res)
    return NULL;
  res->status =
      run_sandboxed(r->sandbox, ctx, it, sink_spool, &res->sp, &res->errmsg);
  if (res->errmsg) {
    return res;
  } else if (res->status == ART_OK && res->sp.err) {
    res->status = ART_ERR_IO;
    if (asprintf(&res->errmsg, _("%s: spooling output: %s"), it->path,
                 strerror(res->sp.err)) < 0)
      res->errmsg = NULL;
  } else if (res->status != ART_OK) {
    res->errmsg = strdup(art_ctx_errmsg_localized(ctx));
  }
  return res;
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  result *res = resp;
  if (it->status != ART_OK) {
    cli_error("%s", it->errmsg_l);
    r->failures++;
  } else if (!res && *it->errmsg) {
    cli_error("%s", it->errmsg_l); /* a symlink loop: skipped, no failure */
  }
  if (!res)
    return 0;
  /* What was found before a read error is printed too. */
  if (res->sp.tmp) {
    char buf[1 << 16];
    size_t n;
    rewind(res->sp.tmp);
    while ((n = fread(buf, 1, sizeof buf, res->sp.tmp)) > 0)
      fwrite(buf, 1, n, r->out);
    fclose(res->sp.tmp);
  } else if (res->sp.len) {
    fwrite(res->sp.mem, 1, res->sp.len, r->out);
  }
  if (res->status != ART_OK) {
    cli_error("%s",
              res->errmsg ? res->errmsg : art_strerror_localized(res->status));
    r->failures++;
  }
  free(res->sp.mem);
  free(res->errmsg);
  free(res);
  return 0;
}

static void usage(void)
{
  printf(
      _("Usage: art-strings [OPTION]... [FILE]...\n"
        "Print the printable strings in each FILE (standard input with none or "
        "-).\n\n"
        "  -a, --all              scan the whole file (always; for GNU "
        "compatibility)\n"
        "  -n, --bytes N          minimum string length in characters "
        "(default 4)\n"
        "  -t, --radix d|x|o      print each string's offset in decimal, hex "
        "or octal\n"
        "  -e, --encoding ENC     s (7-bit, default), S (8-bit), l/b (16-bit "
        "LE/BE),\n"
        "                         L/B (32-bit LE/BE), u (UTF-8), j (Shift_JIS/"
        "CP932),\n"
        "                         e (EUC-JP), i (ISO-2022-JP); several letters "
        "combine;\n"
        "                         all: every encoding\n"
        "  -w, --include-all-whitespace  count every whitespace as printable\n"
        "  -s, --output-separator SEP    end each string with SEP instead of "
        "a newline\n"
        "      --print-file-name  print the file name before each string\n"
        "      --ioc              print only the indicators found in strings "
        "(default\n"
        "                         encodings: s and l, plus u, j, e, i under a "
        "Japanese\n"
        "                         locale or with --lang ja)\n"
        "      --lang LANG        ja: also look for Japanese text (u, j, e, i) "
        "with --ioc\n"
        "      --class LIST       only these indicator classes (url,ipv4,...); "
        "implies --ioc\n"
        "  -f, --format FMT       text (default) or jsonl\n"
        "  -r, --recursive        descend into directories\n"));
  fputs(_(CLI_IMAGE_HELP), stdout);
  fputs(_("  -j, --jobs N           worker threads for many inputs\n"
          "  -o, --output FILE      write to FILE instead of standard "
          "output\n"
          "      --shard K/N|auto   examine only shard K of N (art-merge)\n"
          "      --manifest FILE    with --shard: describe the shard in "
          "FILE\n"),
        stdout);
  fputs(_(CLI_SANDBOX_HELP), stdout);
  fputs(
      _("  -h, --help             this help\n"
        "      --version          the version\n\n"
        "Exit status: 0 done, 2 usage error, 3 some inputs could not be read, "
        "4 fatal.\n"),
      stdout);
}

/* Whether the user's locale is Japanese (LC_ALL, LC_CTYPE, LANG as
 * setlocale reads them). */
static int japanese_locale(void)
{
  const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v)
      return strncmp(v, "ja", 2) == 0;
  }
  return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum { OPT_VERSION = 256, OPT_IOC, OPT_NAME, OPT_CLASS, OPT_LANG };
  static const struct option lo[] = {
      {"all", no_argument, NULL, 'a'},
      {"bytes", required_argument, NULL, 'n'},
      {"radix", required_argument, NULL, 't'},
      {"encoding", required_argument, NULL, 'e'},
      {"include-all-whitespace", no_argument, NULL, 'w'},
      {"output-separator", required_argument, NULL, 's'},
      {"print-file-name", no_argument, NULL, OPT_NAME},
      {"ioc", no_argument, NULL, OPT_IOC},
      {"class", required_argument, NULL, OPT_CLASS},
      {"lang", required_argument, NULL, OPT_LANG},
      {"format", required_argument, NULL, 'f'},
      {"recursive", no_argument, NULL, 'r'},
      CLI_IMAGE_OPTIONS,
      {"jobs", required_argument, NULL, 'j'},
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION},
      {"shard", required_argument, NULL, CLI_OPT_SHARD},
      {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
      CLI_SANDBOX_LONGOPTS,
      {NULL, 0, NULL, 0}};
  int c;
  unsigned u;
  while ((c = getopt_long(argc, argv, "an:t:e:ws:f:rj:o:h", lo, NULL)) != -1) {
    switch (c) {
    case CLI_OPT_IMAGE:
    case CLI_OPT_NO_IMAGES:
      cli_image_option(c, &o->batch);
      break;
    case 'a':
      break;
    case 'n':
      if (cli_parse_uint(optarg, &u) != 0 || u == 0 || u > (1u << 20))
        return cli_usage_error(_("invalid minimum length '%s'"), optarg);
      o->so.min_len = u;
      break;
    case 't':
      if (strlen(optarg) != 1 || !strchr("dxo", optarg[0]))
        return cli_usage_error(_("invalid radix '%s' (d, x or o)"), optarg);
      o->radix = optarg[0];
      break;
    case 'e':
      if (art_str_enc_parse(optarg, &o->so.encodings) != ART_OK)
        return cli_usage_error(_("invalid encoding '%s'"), optarg);
      o->enc_given = 1;
      break;
    case OPT_LANG:
      if (strcmp(optarg, "ja") == 0)
        o->lang_ja = 1;
      else if (strcmp(optarg, "en") == 0 || strcmp(optarg, "C") == 0)
        o->lang_ja = -1;
      else
        return cli_usage_error(_("unknown language '%s' (ja, en)"), optarg);
      break;
    case 'w':
      o->so.include_whitespace = 1;
      break;
    case 's':
      o->sep = optarg;
      break;
    case OPT_NAME:
      o->print_name = 1;
      break;
    case OPT_IOC:
      o->ioc = 1;
      break;
    case OPT_CLASS:
      for (char *save = NULL, *w = strtok_r(optarg, ",", &save); w;
           w = strtok_r(NULL, ",", &save)) {
        art_ioc_class cls;
        if (art_ioc_class_parse(w, &cls) != ART_OK || cls == ART_IOC_NONE)
          return cli_usage_error(_("unknown indicator class '%s'"), w);
        o->classes |= 1u << cls;
      }
      o->ioc = 1;
      break;
    case 'f':
      if (strcmp(optarg, "text") == 0)
        o->format = FMT_TEXT;
      else if (strcmp(optarg, "jsonl") == 0)
        o->format = FMT_JSONL;
      else
        return cli_usage_error(_("unknown format '%s' (text, jsonl)"), optarg);
      o->format_given = 1;
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case 'j':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0)
        return cli_usage_error(_("invalid job count '%s'"), optarg);
      break;
    case 'o':
      o->output = optarg;
      break;
    case 'h':
      usage();
      return ART_EXIT_OK;
    case OPT_VERSION:
      cli_version();
      return ART_EXIT_OK;
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
  if (o->ioc && !o->format_given)
    o->format = FMT_JSONL;
  if (o->ioc) {
    /* Indicators: the boundaries a reader sees, and by default the
     * encodings of art-surface's summary (ASCII and UTF-16LE, as FLOSS),
     * with the Japanese ones for Japanese users. Plain strings stay GNU's. */
    o->so.indicators = 1;
    if (!o->enc_given) {
      o->so.encodings =
          ART_STR_MASK(ART_STR_ASCII) | ART_STR_MASK(ART_STR_UTF16LE);
      if (o->lang_ja > 0 || (o->lang_ja == 0 && japanese_locale()))
        o->so.encodings |= ART_STR_JAPANESE | ART_STR_MASK(ART_STR_UTF8);
    }
  }
  return -1;
}

int main(int argc, char **argv)
{
  opts o = {0};
  run r = {.o = &o};
  art_ctx *ctx = NULL;
  art_batch *batch = NULL;
  art_reader *reader = NULL;
  cli_init("art-strings");
  art_sandbox_opts_init(&o.sandbox);
  int rc = parse_opts(argc, argv, &o);
  if (rc >= 0)
    return rc;
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  rc = ART_EXIT_FATAL;
  r.out = cli_open_output(o.output);
  if (!r.out)
    goto out;
  setvbuf(r.out, NULL, _IOFBF, 1 << 20);
  int nin = argc - optind;
  art_status st;
  int single = nin <= 1 && !o.batch.recursive && !cli_shard_active();
  o.sandbox.workers = single         ? 1
                      : o.batch.jobs ? o.batch.jobs
                                     : art_cpu_count();
  art_sandbox_job sj = {worker_init, worker_fini, job_run};
  st = art_sandbox_new(ctx, &o.sandbox, &sj, &o, &r.sandbox);
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    goto out;
  }
  if (single) {
    /* One input: straight to the output, no spooling. */
    const char *path = nin ? argv[optind] : "-";
    art_batch_item it = {.path = path,
                         .kind = strcmp(path, "-") ? cli_image_kind(&o.batch)
                                                   : ART_SOURCE_AUTO,
                         .named = 1,
                         .type = ART_ENTRY_FILE,
                         .errmsg = ""};
    char *msg = NULL;
    st = run_sandboxed(r.sandbox, ctx, &it, sink_out, r.out, &msg);
    if (st != ART_OK) {
      cli_error("%s", msg ? msg : art_strerror_localized(st));
      r.failures++;
    }
    free(msg);
  } else {
    st = art_batch_new(ctx, &o.batch, &batch);
    for (int i = optind; st == ART_OK && i < argc; i++)
      if (o.batch.no_images ||
          !cli_segment_skip(argc - optind, argv + optind, i - optind,
                            o.batch.split_images))
        st = art_batch_add_path(batch, argv[i]);
    if (st == ART_OK && cli_shard_setup(batch, nin, argv + optind) != 0)
      goto out;
    if (st == ART_OK) {
      art_batch_ops ops = {worker_init, worker_fini, work, emit};
      r.batch = batch;
      cli_progress *prog = cli_progress_start(batch);
      st = art_batch_run(ctx, batch, &ops, &r);
      cli_progress_stop(prog);
    }
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      goto out;
    }
  }
  rc = r.failures ? ART_EXIT_PARTIAL : ART_EXIT_OK;
out:
  if (r.out && cli_close_output(r.out) != 0)
    rc = ART_EXIT_FATAL;
  rc = cli_shard_finish(rc);
  art_reader_free(reader);
  art_batch_free(batch);
  art_sandbox_free(r.sandbox);
  art_ctx_free(ctx);
  return rc;
}
