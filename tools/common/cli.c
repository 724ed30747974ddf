/* What every art-* tool shares: messages, output files, sizes, progress.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *tool_name = "art";

void cli_init(const char *tool)
{
  tool_name = tool;
}

const char *cli_tool(void)
{
  return tool_name;
}

void cli_error(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", tool_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_error_ctx(const art_ctx *ctx, art_status st)
{
  const char *msg = art_ctx_errmsg(ctx);
  cli_error("%s", msg && *msg ? msg : art_strerror(st));
}

int cli_usage_error(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", tool_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s --help' for more information.\n", tool_name);
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

FILE *cli_open_output(const char *path)
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
  cli_error("%s: incomplete, not kept", o->final);
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
                     : f == stdout ? "standard output"
                                   : "output";
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
    cli_error("%s: write error: %s%s", name, strerror(e),
              o ? " (nothing written under that name)" : "");
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
      cli_error("note: %s: segment %u of the image %s, also named: read "
                "once, as part of that image",
                argv[i], num, first);
    else
      cli_error("warning: %s: segment %u of an image whose first segment "
                "(%s) was not named: read as a plain file",
                argv[i], num, first ? first : "?");
  }
  free(first);
  return skip;
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
                 ? STDIN_FILENO
                 : open(files_from, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      cli_error("%s: %s", files_from, strerror(errno));
      return -1;
    }
    st = art_batch_add_list(batch, fd, null_list);
  }
  for (int i = 0; st == ART_OK && i < argc; i++) {
    if (null_list && strcmp(argv[i], "-") == 0)
      st = art_batch_add_list(batch, STDIN_FILENO, 1);
    else if (!art_batch_get_opts(batch)->no_images &&
             cli_segment_skip(argc, argv, i,
                              art_batch_get_opts(batch)->split_images))
      continue;
    else
      st = art_batch_add_path(batch, argv[i]);
  }
  if (st == ART_OK && argc == 0 && !files_from)
    st = art_batch_add_path(batch, "-");
  if (st != ART_OK) {
    cli_error("%s", art_strerror(st));
    return -1;
  }
  return 0;
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
      snprintf(eta, sizeof eta, ", ETA %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
               left / 3600, left / 60 % 60, left % 60);
    }
    char extra[64] = "";
    if (p->count)
      snprintf(extra, sizeof extra, ", %lu %s", (unsigned long)*p->count,
               p->label);
    fprintf(stderr, "\r%s: %" PRIu64 " files, %s, %s/s%s%s\033[K", tool_name,
            items, b1, b2, extra, eta);
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
