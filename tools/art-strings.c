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

#define SPOOL_MEM (1u << 20)
/* Reader blocks: small enough to keep memory near GNU strings', large
 * enough that the per-block cost does not show. */
#define BLOCK    (256u * 1024u)
#define JSON_CAP (1u << 20)

enum { FMT_TEXT, FMT_JSONL };

typedef struct opts {
  art_strings_opts so;
  art_batch_opts batch;
  int radix; /* 0, 'd', 'x', 'o' */
  int format, format_given;
  int ioc, print_name;
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
  spool *sp; /* batch mode */
  FILE *out; /* direct mode */
  uint64_t piece_base[ART_STR_ENC_COUNT_];
  char *acc; /* jsonl: the string so far */
  size_t acc_len;
  int acc_trunc;
  art_ctx *ctx;
} job;

static void sp_write(job *j, const void *p, size_t n)
{
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

static unsigned unit_bytes(art_str_enc e)
{
  return e == ART_STR_UTF16LE || e == ART_STR_UTF16BE   ? 2u
         : e == ART_STR_UTF32LE || e == ART_STR_UTF32BE ? 4u
                                                        : 1u;
}

static void on_iocs(job *j, const art_string *s)
{
  art_ioc found[64];
  size_t n = art_ioc_find(s->text, s->len, found, 64);
  uint64_t base =
      (s->flags & ART_STR_CONTINUED) ? j->piece_base[s->encoding] : 0;
  unsigned ub = unit_bytes(s->encoding);
  for (size_t i = 0; i < n && i < 64; i++) {
    uint64_t off = s->offset + (base + found[i].start) * ub;
    if (j->o->classes && !(j->o->classes & (1u << found[i].cls)))
      continue;
    const char *cls = art_ioc_class_name(found[i].cls);
    if (j->o->format == FMT_JSONL) {
      put_json(j, off, s->encoding, cls, s->text + found[i].start, found[i].len,
               0);
    } else {
      prefix(j, off);
      sp_puts(j, cls);
      sp_write(j, "\t", 1);
      sp_write(j, s->text + found[i].start, found[i].len);
      sp_write(j, "\n", 1);
    }
  }
  j->piece_base[s->encoding] = (s->flags & ART_STR_MORE) ? base + s->len : 0;
}

static int on_string(const art_string *s, void *ud)
{
  job *j = ud;
  if (j->o->ioc) {
    on_iocs(j, s);
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

/* Extract from one input; the message is in CTX on failure. */
static art_status run_one(art_ctx *ctx,
                          art_reader *reader,
                          const opts *o,
                          const char *path,
                          art_source_kind kind,
                          job *j)
{
  art_source *src = NULL;
  art_strings *st = NULL;
  j->ctx = ctx;
  art_status rs = art_source_open(ctx, path, kind, &src);
  if (rs == ART_OK)
    rs = art_strings_new(ctx, &o->so, on_string, j, &st);
  if (rs == ART_OK) {
    art_reader_clear(reader);
    rs = art_strings_attach(ctx, st, reader);
  }
  if (rs == ART_OK)
    rs = art_reader_run(ctx, reader, src, NULL);
  art_reader_clear(reader);
  art_strings_free(st);
  art_source_free(src);
  free(j->acc);
  j->acc = NULL;
  return rs;
}

typedef struct result {
  art_status status;
  char *errmsg;
  spool sp;
} result;

typedef struct run {
  const opts *o;
  FILE *out;
  unsigned failures;
  art_batch *batch;
} run;

typedef struct progress {
  art_batch *batch;
  uint64_t last;
} progress;

static void on_progress(uint64_t bytes, void *ud)
{
  progress *p = ud;
  art_batch_add_bytes(p->batch, bytes - p->last);
  p->last = bytes;
}

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

static void *work(void *ud, void *ws, art_ctx *ctx, const art_batch_item *it)
{
  run *r = ud;
  result *res = calloc(1, sizeof *res);
  if (!res)
    return NULL;
  job j = {.o = r->o, .path = it->path, .sp = &res->sp};
  progress pr = {r->batch, 0};
  art_reader_set_progress(ws, on_progress, &pr);
  res->status = run_one(ctx, ws, r->o, it->path, it->kind, &j);
  art_reader_set_progress(ws, NULL, NULL);
  if (res->status == ART_OK && res->sp.err) {
    res->status = ART_ERR_IO;
    if (asprintf(&res->errmsg, "%s: spooling output: %s", it->path,
                 strerror(res->sp.err)) < 0)
      res->errmsg = NULL;
  } else if (res->status != ART_OK) {
    res->errmsg = strdup(art_ctx_errmsg(ctx));
  }
  return res;
}

static int emit(void *ud, const art_batch_item *it, void *resp)
{
  run *r = ud;
  result *res = resp;
  if (it->status != ART_OK) {
    cli_error("%s", it->errmsg);
    r->failures++;
  } else if (!res && *it->errmsg) {
    cli_error("%s", it->errmsg); /* a symlink loop: skipped, no failure */
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
    cli_error("%s", res->errmsg ? res->errmsg : art_strerror(res->status));
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
      "Usage: art-strings [OPTION]... [FILE]...\n"
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
      "                         L/B (32-bit LE/BE), u (UTF-8); several "
      "letters combine\n"
      "  -w, --include-all-whitespace  count every whitespace as printable\n"
      "  -s, --output-separator SEP    end each string with SEP instead of "
      "a newline\n"
      "      --print-file-name  print the file name before each string\n"
      "      --ioc              print only the indicators found in strings\n"
      "      --class LIST       only these indicator classes (url,ipv4,...); "
      "implies --ioc\n"
      "  -f, --format FMT       text (default) or jsonl\n"
      "  -r, --recursive        descend into directories\n"
      "  -j, --jobs N           worker threads for many inputs\n"
      "  -o, --output FILE      write to FILE instead of standard output\n"
      "      --shard K/N|auto   examine only shard K of N (art-merge)\n"
      "      --manifest FILE    with --shard: describe the shard in FILE\n"
      "  -h, --help             this help\n"
      "      --version          the version\n\n"
      "Exit status: 0 done, 2 usage error, 3 some inputs could not be read, "
      "4 fatal.\n");
}

static int parse_opts(int argc, char **argv, opts *o)
{
  enum { OPT_VERSION = 256, OPT_IOC, OPT_NAME, OPT_CLASS };
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
      {"format", required_argument, NULL, 'f'},
      {"recursive", no_argument, NULL, 'r'},
      {"jobs", required_argument, NULL, 'j'},
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION},
      {"shard", required_argument, NULL, CLI_OPT_SHARD},
      {"manifest", required_argument, NULL, CLI_OPT_MANIFEST},
      {NULL, 0, NULL, 0}};
  int c;
  unsigned u;
  while ((c = getopt_long(argc, argv, "an:t:e:ws:f:rj:o:h", lo, NULL)) != -1) {
    switch (c) {
    case 'a':
      break;
    case 'n':
      if (cli_parse_uint(optarg, &u) != 0 || u == 0 || u > (1u << 20))
        return cli_usage_error("invalid minimum length '%s'", optarg);
      o->so.min_len = u;
      break;
    case 't':
      if (strlen(optarg) != 1 || !strchr("dxo", optarg[0]))
        return cli_usage_error("invalid radix '%s' (d, x or o)", optarg);
      o->radix = optarg[0];
      break;
    case 'e':
      if (art_str_enc_parse(optarg, &o->so.encodings) != ART_OK)
        return cli_usage_error("invalid encoding '%s'", optarg);
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
          return cli_usage_error("unknown indicator class '%s'", w);
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
        return cli_usage_error("unknown format '%s' (text, jsonl)", optarg);
      o->format_given = 1;
      break;
    case 'r':
      o->batch.recursive = 1;
      break;
    case 'j':
      if (cli_parse_uint(optarg, &o->batch.jobs) != 0 || o->batch.jobs == 0)
        return cli_usage_error("invalid job count '%s'", optarg);
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
    case CLI_OPT_SHARD:
    case CLI_OPT_MANIFEST:
      if (cli_shard_option(c, optarg) != 0)
        return ART_EXIT_USAGE;
      break;
    default:
      return cli_usage_error("unknown option");
    }
  }
  if (o->ioc && !o->format_given)
    o->format = FMT_JSONL;
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
  if (nin <= 1 && !o.batch.recursive && !cli_shard_active()) {
    /* One input: straight to the output, no spooling. */
    const char *path = nin ? argv[optind] : "-";
    art_reader_opts ro = {BLOCK, 1};
    st = art_reader_new(ctx, &ro, &reader);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      goto out;
    }
    job j = {.o = &o, .path = path, .out = r.out};
    st = run_one(ctx, reader, &o, path, ART_SOURCE_AUTO, &j);
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      r.failures++;
    }
  } else {
    st = art_batch_new(ctx, &o.batch, &batch);
    for (int i = optind; st == ART_OK && i < argc; i++)
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
  art_ctx_free(ctx);
  return rc;
}
