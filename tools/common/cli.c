/* What every art-* tool shares: messages, output files, sizes, progress.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <artifact/shard.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *tool_name = "art";

/* --shard state: one run per process. */
static struct {
  const char *spec, *manifest;
  unsigned k, n;
  art_shard *shard;
  FILE *out;
  const char *out_path;
  char **roots;
  int n_roots;
  const char *lists[8];
  int n_lists;
  time_t start;
  unsigned long errors;
  int counting;
} shard_st;

void cli_i18n_init(void)
{
  setlocale(LC_ALL, "");
  /* Decimal points and digit grouping of machine formats (JSON, CSV,
   * rates) stay those of C whatever the user's locale. */
  setlocale(LC_NUMERIC, "C");
  /* The library's rule: $ART_LOCALEDIR, else the installed catalogues. */
  bindtextdomain(ART_TOOLS_DOMAIN, art_localedir());
  bind_textdomain_codeset(ART_TOOLS_DOMAIN, "UTF-8");
  textdomain(ART_TOOLS_DOMAIN);
}

void cli_init(const char *tool)
{
  tool_name = tool;
  cli_i18n_init();
}

const char *cli_tool(void)
{
  return tool_name;
}

void cli_error(const char *fmt, ...)
{
  va_list ap;
  if (shard_st.counting)
    shard_st.errors++;
  fprintf(stderr, "%s: ", tool_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_error_ctx(const art_ctx *ctx, art_status st)
{
  /* The translated text for the person reading stderr; records keep
   * art_ctx_errmsg (C locale). */
  const char *msg = art_ctx_errmsg_localized(ctx);
  cli_error("%s", msg && *msg ? msg : art_strerror_localized(st));
}

int cli_usage_error(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", tool_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, _("\nTry '%s --help' for more information.\n"), tool_name);
  return ART_EXIT_USAGE;
}

void cli_version(void)
{
  printf("%s (artifact) %s\n", tool_name, art_version());
}

/* An output file is written under a temporary name in its folder and
 * renamed when complete, so that a failed run (a full disk) never leaves a
 * partial file under the name asked for. Outputs that are not regular files
 * (a FIFO, /dev/null, a terminal) or are symbolic links are written in
 * place. */
typedef struct out_file {
  FILE *f;
  char *final, *tmp;
  struct out_file *next;
} out_file;
static out_file *outs;

static FILE *open_output_file(const char *path)
{
  struct stat st;
  out_file *o;
  FILE *f;
  if (!path || strcmp(path, "-") == 0)
    return stdout;
  if ((lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) ||
      !(o = calloc(1, sizeof *o))) {
    f = fopen(path, "w");
    if (!f)
      cli_error("%s: %s", path, strerror(errno));
    return f;
  }
  const char *slash = strrchr(path, '/');
  int dlen = slash ? (int)(slash - path + 1) : 0;
  int fd = -1;
  if (asprintf(&o->tmp, "%.*s.%s.XXXXXX", dlen, path,
               slash ? slash + 1 : path) < 0) {
    o->tmp = NULL;
    errno = ENOMEM;
  } else if ((fd = mkostemp(o->tmp, O_CLOEXEC)) >= 0) {
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0 || !(o->f = fdopen(fd, "w"))) {
      close(fd);
      unlink(o->tmp);
      fd = -1;
    }
  }
  if (fd < 0) {
    cli_error("%s: %s", path, strerror(errno));
    free(o->tmp);
    free(o);
    return NULL;
  }
  o->final = strdup(path);
  o->next = outs;
  outs = o;
  return o->f;
}

FILE *cli_open_output(const char *path)
{
  FILE *f = open_output_file(path);
  /* --shard records where its output went (the manifest names it). */
  shard_st.out = f;
  shard_st.out_path = f && f != stdout ? path : NULL;
  return f;
}

void cli_abandon_output(FILE *f)
{
  out_file **pp = &outs, *o;
  if (!f || f == stdout)
    return;
  while (*pp && (*pp)->f != f)
    pp = &(*pp)->next;
  fclose(f);
  if (!(o = *pp))
    return;
  *pp = o->next;
  cli_error(_("%s: incomplete, not kept"), o->final);
  unlink(o->tmp);
  free(o->tmp);
  free(o->final);
  free(o);
}

int cli_close_output(FILE *f)
{
  int rc = 0, e = 0;
  out_file **pp = &outs, *o = NULL;
  if (!f)
    return 0;
  while (*pp && (*pp)->f != f)
    pp = &(*pp)->next;
  if (*pp) {
    o = *pp;
    *pp = o->next;
  }
  const char *name = o && o->final ? o->final
                     : f == stdout ? _("standard output")
                                   : _("output");
  if (fflush(f) != 0 || ferror(f)) {
    e = errno ? errno : EIO;
    rc = -1;
  }
  if (f != stdout && fclose(f) != 0 && rc == 0) {
    e = errno;
    rc = -1;
  }
  if (o && rc == 0 && o->final && rename(o->tmp, o->final) != 0) {
    e = errno;
    rc = -1;
  }
  if (rc != 0)
    cli_error(_("%s: write error: %s%s"), name, strerror(e),
              o ? _(" (nothing written under that name)") : "");
  if (o) {
    if (rc != 0)
      unlink(o->tmp);
    free(o->tmp);
    free(o->final);
    free(o);
  }
  return rc;
}

int cli_parse_size(const char *s, uint64_t *out)
{
  char *end = NULL;
  errno = 0;
  if (!s || !*s || *s == '-')
    return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return -1;
  uint64_t mul = 1;
  switch (*end) {
  case '\0':
    break;
  case 'k':
  case 'K':
    mul = 1024ull;
    break;
  case 'm':
  case 'M':
    mul = 1024ull * 1024;
    break;
  case 'g':
  case 'G':
    mul = 1024ull * 1024 * 1024;
    break;
  case 't':
  case 'T':
    mul = 1024ull * 1024 * 1024 * 1024;
    break;
  default:
    return -1;
  }
  if (*end && end[1] && !(end[1] == 'i' && end[2] == 'B' && !end[3]) &&
      !(end[1] == 'B' && !end[2]))
    return -1;
  if (v > UINT64_MAX / mul)
    return -1;
  *out = (uint64_t)v * mul;
  return 0;
}

int cli_parse_uint(const char *s, unsigned *out)
{
  char *end = NULL;
  errno = 0;
  if (!s || !*s || *s == '-')
    return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > 0xffffffffUL)
    return -1;
  *out = (unsigned)v;
  return 0;
}

void cli_image_option(int opt, art_batch_opts *batch)
{
  if (opt == CLI_OPT_IMAGE)
    batch->split_images = 1;
  else if (opt == CLI_OPT_NO_IMAGES)
    batch->no_images = 1;
}

art_source_kind cli_image_kind(const art_batch_opts *batch)
{
  return batch->no_images      ? ART_SOURCE_FILE
         : batch->split_images ? ART_SOURCE_AUTO
                               : ART_SOURCE_NAMED;
}

/* Same file (by device and inode)? */
static int same_file(const char *a, const char *b)
{
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

int cli_segment_skip(int argc, char **argv, int i, int split_raw)
{
  char *first = NULL;
  unsigned num = art_source_segment_number(argv[i], split_raw, &first);
  int skip = 0;
  if (num > 1) {
    for (int j = 0; j < argc && !skip; j++)
      if (j != i && first && same_file(argv[j], first))
        skip = 1;
    if (skip)
      cli_error(_("note: %s: segment %u of the image %s, also named: read "
                  "once, as part of that image"),
                argv[i], num, first);
    else
      cli_error(_("warning: %s: segment %u of an image whose first segment "
                  "(%s) was not named: read as a plain file"),
                argv[i], num, first ? first : "?");
  }
  free(first);
  return skip;
}

int cli_shard_option(int opt, const char *arg)
{
  if (opt == CLI_OPT_MANIFEST) {
    shard_st.manifest = arg;
    return 0;
  }
  art_ctx *ctx = NULL;
  if (art_ctx_new(&ctx) != ART_OK)
    return ART_EXIT_FATAL;
  art_status st = art_shard_spec_parse(ctx, arg, &shard_st.k, &shard_st.n);
  int rc =
      st == ART_OK ? 0 : cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
  shard_st.spec = arg;
  art_ctx_free(ctx);
  return rc;
}

int cli_shard_active(void)
{
  return shard_st.spec != NULL;
}

/* A list read twice under --shard (once to plan, once to run) must be a
 * regular file: anything else is copied to a temporary one first. */
static int shard_list_fd(int fd)
{
  struct stat st;
  if (fd < 0 || !shard_st.spec || (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)))
    return fd;
  FILE *tmp = tmpfile();
  if (!tmp)
    return -1;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || fwrite(buf, 1, (size_t)n, tmp) != (size_t)n) {
      fclose(tmp);
      return -1;
    }
  }
  if (fflush(tmp) != 0) {
    fclose(tmp);
    return -1;
  }
  int out = dup(fileno(tmp));
  fclose(tmp);
  if (out >= 0)
    lseek(out, 0, SEEK_SET);
  return out;
}

int cli_shard_setup(art_batch *batch, int n_roots, char **roots)
{
  art_ctx *ctx = NULL;
  art_status st;
  if (!shard_st.spec) {
    if (shard_st.manifest) {
      cli_error(_("--manifest needs --shard"));
      return -1;
    }
    return 0;
  }
  shard_st.roots = roots;
  shard_st.n_roots = n_roots;
  shard_st.start = time(NULL);
  for (int i = 0; i < n_roots; i++)
    if (strcmp(roots[i], "-") == 0 && shard_st.n_lists == 0) {
      cli_error(_("--shard: standard input cannot be shared between shards; "
                  "name files, trees or lists"));
      return -1;
    }
  if (n_roots == 0 && shard_st.n_lists == 0) {
    cli_error(_("--shard: standard input cannot be shared between shards; "
                "name files, trees or lists"));
    return -1;
  }
  if (art_ctx_new(&ctx) != ART_OK)
    return -1;
  st = art_shard_new(ctx, shard_st.k, shard_st.n, &shard_st.shard);
  if (st == ART_OK)
    st = art_shard_plan(ctx, shard_st.shard, batch);
  if (st == ART_OK && shard_st.manifest) {
    if (!shard_st.out) {
      st = ART_ERR_INVALID_ARG;
      cli_error(_("--manifest: no output"));
    } else {
      size_t len = strlen(shard_st.manifest) + 8;
      char *idx = malloc(len);
      if (!idx) {
        art_ctx_free(ctx);
        return -1;
      }
      snprintf(idx, len, "%s.index", shard_st.manifest);
      st = art_shard_attach(ctx, shard_st.shard, batch, shard_st.out, idx);
      free(idx);
      if (st != ART_OK)
        cli_error_ctx(ctx, st);
    }
  } else if (st == ART_OK) {
    /* No manifest: only the filter, with the index thrown away. */
    st = art_shard_attach(ctx, shard_st.shard, batch, shard_st.out, NULL);
    if (st != ART_OK)
      cli_error_ctx(ctx, st);
  } else {
    cli_error_ctx(ctx, st);
  }
  art_ctx_free(ctx);
  shard_st.counting = st == ART_OK;
  if (st != ART_OK) { /* no manifest for a run that never started */
    art_shard_free(shard_st.shard);
    shard_st.shard = NULL;
  }
  return st == ART_OK ? 0 : -1;
}

/* Options that do not change results, left out of the manifest. */
static int neutral_option(char **argv, int i, int *skip)
{
  static const char *const with_arg[] = {"--shard", "--manifest", "--output",
                                         "--jobs",  "-o",         "-j"};
  static const char *const flags[] = {"--quiet", "-q", "--progress"};
  static const char *const yara_arg[] = {"--threads", "-p", "--cache-dir",
                                         "--cache-max"};
  static const char *const yara_flags[] = {"--no-cache"};
  int yara = strcmp(tool_name, "art-yara") == 0;
  size_t n_with = sizeof with_arg / sizeof *with_arg + (yara ? 4 : 0);
  *skip = 0;
  for (size_t k = 0; k < n_with; k++) {
    const char *o = k < 6 ? with_arg[k] : yara_arg[k - 6];
    size_t l = strlen(o);
    if (strncmp(argv[i], o, l) != 0)
      continue;
    if (argv[i][l] == '\0') {
      *skip = 1;
      return 1;
    }
    if (argv[i][l] == '=' || (o[1] != '-' && argv[i][l] != '\0'))
      return 1;
  }
  for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
    if (strcmp(argv[i], flags[k]) == 0)
      return 1;
  if (yara && strcmp(argv[i], yara_flags[0]) == 0)
    return 1;
  return 0;
}

/* The command line as the process got it (tools may shift their argv). */
static char **read_cmdline(int *argc, char **buf)
{
  FILE *f = fopen("/proc/self/cmdline", "re");
  size_t cap = 0, len = 0, n;
  char chunk[4096];
  *buf = NULL;
  *argc = 0;
  if (!f)
    return NULL;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    char *p = realloc(*buf, cap = len + n + 1);
    if (!p) {
      fclose(f);
      return NULL;
    }
    *buf = p;
    memcpy(p + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!*buf)
    return NULL;
  (*buf)[len] = '\0';
  for (size_t i = 0; i < len; i++)
    if ((*buf)[i] == '\0')
      (*argc)++;
  char **v = calloc((size_t)*argc + 1, sizeof *v);
  if (!v)
    return NULL;
  size_t at = 0;
  for (int i = 0; i < *argc; i++) {
    v[i] = *buf + at;
    at += strlen(v[i]) + 1;
  }
  (void)cap;
  return v;
}

int cli_shard_finish(int rc)
{
  if (!shard_st.shard) {
    art_shard_free(shard_st.shard);
    return rc;
  }
  shard_st.counting = 0;
  if (shard_st.manifest) {
    int argc = 0;
    char *cmdbuf = NULL;
    char **argv = read_cmdline(&argc, &cmdbuf);
    const char **opts = calloc((size_t)argc + 1, sizeof *opts);
    char *used = calloc((size_t)shard_st.n_roots + 1, 1);
    char link[4096];
    const char *out = shard_st.out_path;
    if (!out) {
      ssize_t n = readlink("/proc/self/fd/1", link, sizeof link - 1);
      link[n > 0 ? n : 0] = '\0';
      out = link;
    }
    size_t n_opts = 0;
    for (int i = 1; opts && i < argc; i++) {
      int skip = 0, root = 0;
      for (int r = 0; used && r < shard_st.n_roots && !root; r++)
        if (!used[r] && strcmp(argv[i], shard_st.roots[r]) == 0)
          used[r] = 1, root = 1;
      if (root)
        continue;
      if (neutral_option(argv, i, &skip)) {
        i += skip;
        continue;
      }
      opts[n_opts++] = argv[i];
    }
    art_shard_info info = {
        .tool = tool_name,
        .output = out,
        .options = opts,
        .n_options = n_opts,
        .roots = (const char *const *)shard_st.roots,
        .n_roots = (size_t)shard_st.n_roots,
        .lists = shard_st.lists,
        .n_lists = (size_t)shard_st.n_lists,
        .exit_code = rc,
        .failures = shard_st.errors,
        .start = (int64_t)shard_st.start,
        .end = (int64_t)time(NULL),
    };
    art_ctx *ctx = NULL;
    art_status st = opts && art_ctx_new(&ctx) == ART_OK
                        ? art_shard_write_manifest(ctx, shard_st.shard, &info,
                                                   shard_st.manifest)
                        : ART_ERR_NOMEM;
    if (st != ART_OK) {
      cli_error_ctx(ctx, st);
      rc = ART_EXIT_FATAL;
    }
    art_ctx_free(ctx);
    free(opts);
    free(used);
    free(argv);
    free(cmdbuf);
  }
  art_shard_free(shard_st.shard);
  shard_st.shard = NULL;
  return rc;
}

int cli_add_inputs(art_batch *batch,
                   int argc,
                   char **argv,
                   const char *files_from,
                   int null_list)
{
  art_status st = ART_OK;
  if (files_from) {
    int fd = strcmp(files_from, "-") == 0
                 ? shard_list_fd(STDIN_FILENO)
                 : shard_list_fd(open(files_from, O_RDONLY | O_CLOEXEC));
    if (fd < 0) {
      cli_error("%s: %s", files_from, strerror(errno));
      return -1;
    }
    if (shard_st.n_lists < 8)
      shard_st.lists[shard_st.n_lists++] = files_from;
    st = art_batch_add_list(batch, fd, null_list);
  }
  for (int i = 0; st == ART_OK && i < argc; i++) {
    if (null_list && strcmp(argv[i], "-") == 0) {
      int fd = shard_list_fd(STDIN_FILENO);
      if (fd < 0) {
        cli_error("-: %s", strerror(errno));
        return -1;
      }
      if (shard_st.n_lists < 8)
        shard_st.lists[shard_st.n_lists++] = "-";
      st = art_batch_add_list(batch, fd, 1);
    } else if (!art_batch_get_opts(batch)->no_images &&
               cli_segment_skip(argc, argv, i,
                                art_batch_get_opts(batch)->split_images)) {
      continue;
    } else {
      st = art_batch_add_path(batch, argv[i]);
    }
  }
  if (st == ART_OK && argc == 0 && !files_from)
    st = art_batch_add_path(batch, "-");
  if (st != ART_OK) {
    cli_error("%s", art_strerror_localized(st));
    return -1;
  }
  return cli_shard_setup(batch, argc, argv);
}

struct cli_progress {
  const art_batch *batch;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
  struct timespec start;
  const char *label;
  const _Atomic unsigned long *count;
};

static double since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) +
         (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void human(double bytes, char *buf, size_t len)
{
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    u++;
  }
  snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void *progress_main(void *arg)
{
  cli_progress *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&p->cv, &p->mu, &until);
    if (p->stop)
      break;
    uint64_t items, done, found;
    int walk_done;
    art_batch_progress(p->batch, &items, &done, &found, &walk_done);
    double secs = since(&p->start);
    double rate = secs > 0 ? (double)done / secs : 0;
    char b1[32], b2[32], eta[48] = "";
    human((double)done, b1, sizeof b1);
    human(rate, b2, sizeof b2);
    if (walk_done && rate > 0 && found > done) {
      uint64_t left = (uint64_t)((double)(found - done) / rate);
      snprintf(eta, sizeof eta,
               _(", ETA %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64), left / 3600,
               left / 60 % 60, left % 60);
    }
    char extra[64] = "";
    if (p->count)
      snprintf(extra, sizeof extra, ", %lu %s", (unsigned long)*p->count,
               p->label);
    fputc('\r', stderr);
    fprintf(stderr, _("%s: %" PRIu64 " files, %s, %s/s%s%s"), tool_name, items,
            b1, b2, extra, eta);
    fputs("\033[K", stderr);
    fflush(stderr);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

cli_progress *cli_progress_start(const art_batch *batch)
{
  if (!isatty(STDERR_FILENO))
    return NULL;
  cli_progress *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->batch = batch;
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
    free(p);
    return NULL;
  }
  return p;
}

void cli_progress_count(cli_progress *p,
                        const char *label,
                        const _Atomic unsigned long *count)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->label = label;
  p->count = count;
  pthread_mutex_unlock(&p->mu);
}

void cli_progress_stop(cli_progress *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  fprintf(stderr, "\r\033[K");
  fflush(stderr);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}
