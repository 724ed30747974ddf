/* The batch driver: inputs -> items (walking trees), worker threads, and
 * in-order delivery of results through a bounded reorder window.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "i18n.h"
#include "source_private.h"

#include <artifact/batch.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct input {
  char *path; /* NULL for a list */
  int list_fd;
  int nul;
} input;

typedef struct slot {
  art_batch_item item;
  char *path, *errmsg, *errmsg_l;
  void *result;
  int needs_work, taken, done;
} slot;

struct art_batch {
  art_batch_opts opts;
  input *inputs;
  size_t n_inputs, cap_inputs;
  /* run state */
  const art_batch_ops *ops;
  void *ud;
  slot *win;
  size_t win_size;
  uint64_t next_seq, next_emit, next_work;
  int producing, stop;
  unsigned idle_workers; /* waiting on cv_work */
  int producer_waiting;  /* waiting on cv_space */
  pthread_mutex_t mu, emit_mu;
  pthread_cond_t cv_work, cv_space;
  art_walk *walker;
  atomic_uint_fast64_t items_done, bytes_done, bytes_found;
  atomic_int walk_done;
  art_batch_filter filter;
  int has_filter;
};

unsigned art_cpu_count(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1u;
}

art_status
art_batch_new(art_ctx *ctx, const art_batch_opts *opts, art_batch **out)
{
  art_batch *b;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no output pointer");
  *out = NULL;
  b = art__calloc(ctx, 1, sizeof *b);
  if (!b)
    return ART_ERR_NOMEM;
  if (opts)
    b->opts = *opts;
  if (!b->opts.jobs)
    b->opts.jobs = art_cpu_count();
  pthread_mutex_init(&b->mu, NULL);
  pthread_mutex_init(&b->emit_mu, NULL);
  pthread_cond_init(&b->cv_work, NULL);
  pthread_cond_init(&b->cv_space, NULL);
  *out = b;
  return ART_OK;
}

void art_batch_free(art_batch *b)
{
  if (!b)
    return;
  for (size_t i = 0; i < b->n_inputs; i++)
    free(b->inputs[i].path);
  free(b->inputs);
  pthread_mutex_destroy(&b->mu);
  pthread_mutex_destroy(&b->emit_mu);
  pthread_cond_destroy(&b->cv_work);
  pthread_cond_destroy(&b->cv_space);
  free(b);
}

void art_batch_set_filter(art_batch *b, const art_batch_filter *f)
{
  b->has_filter = f != NULL;
  if (f)
    b->filter = *f;
}

int art_batch_rewind_lists(art_batch *b)
{
  for (size_t i = 0; i < b->n_inputs; i++)
    if (!b->inputs[i].path && lseek(b->inputs[i].list_fd, 0, SEEK_SET) != 0)
      return -1;
  return 0;
}

static art_status add_input(art_batch *b, input in)
{
  if (b->n_inputs == b->cap_inputs) {
    size_t cap = b->cap_inputs ? b->cap_inputs * 2 : 16;
    input *p = realloc(b->inputs, cap * sizeof *p);
    if (!p)
      return ART_ERR_NOMEM;
    b->inputs = p;
    b->cap_inputs = cap;
  }
  b->inputs[b->n_inputs++] = in;
  return ART_OK;
}

const art_batch_opts *art_batch_get_opts(const art_batch *b)
{
  return &b->opts;
}

art_status art_batch_add_path(art_batch *b, const char *path)
{
  input in = {strdup(path), -1, 0};
  if (!in.path)
    return ART_ERR_NOMEM;
  art_status st = add_input(b, in);
  if (st != ART_OK)
    free(in.path);
  return st;
}

art_status art_batch_add_list(art_batch *b, int fd, int nul_separated)
{
  return add_input(b, (input){NULL, fd, nul_separated});
}

void art_batch_progress(const art_batch *b,
                        uint64_t *items_done,
                        uint64_t *bytes_done,
                        uint64_t *bytes_found,
                        int *walk_done)
{
  art_batch *m = (art_batch *)b;
  if (items_done)
    *items_done = atomic_load(&m->items_done);
  if (bytes_done)
    *bytes_done = atomic_load(&m->bytes_done);
  if (bytes_found)
    *bytes_found = atomic_load(&m->bytes_found);
  if (walk_done)
    *walk_done = atomic_load(&m->walk_done);
}

void art_batch_add_bytes(art_batch *b, uint64_t bytes)
{
  atomic_fetch_add(&b->bytes_done, bytes);
}

/* Emit every finished item at the head of the window, in order. Called by
 * whoever just finished the item at the head; emit_mu serialises the emit
 * callbacks, and only the holder of emit_mu moves next_emit, so the slots it
 * counted stay put while it emits them without holding mu. */
static void drain(art_batch *b)
{
  pthread_mutex_lock(&b->emit_mu);
  for (;;) {
    uint64_t k = 0, head;
    pthread_mutex_lock(&b->mu);
    head = b->next_emit;
    while (head + k < b->next_seq && b->win[(head + k) % b->win_size].done)
      k++;
    pthread_mutex_unlock(&b->mu);
    if (k == 0)
      break;
    int stop = 0;
    for (uint64_t q = head; q < head + k; q++) {
      slot *s = &b->win[q % b->win_size];
      /* After a stop, emit still runs so it can release the result. */
      if (b->has_filter && b->filter.before_emit)
        b->filter.before_emit(b->filter.ud, &s->item);
      if (b->ops->emit(b->ud, &s->item, s->result))
        stop = 1;
      if (b->has_filter && b->filter.after_emit)
        b->filter.after_emit(b->filter.ud, &s->item);
      free(s->path);
      free(s->errmsg);
      free(s->errmsg_l);
      memset(s, 0, sizeof *s);
    }
    atomic_fetch_add(&b->items_done, k);
    pthread_mutex_lock(&b->mu);
    if (stop)
      b->stop = 1;
    b->next_emit = head + k;
    if (b->producer_waiting || stop)
      pthread_cond_broadcast(&b->cv_space);
    if (stop)
      pthread_cond_broadcast(&b->cv_work);
    pthread_mutex_unlock(&b->mu);
  }
  pthread_mutex_unlock(&b->emit_mu);
}

/* Put one item into the window (waiting for space). */
static int push_item(art_batch *b, const art_batch_item *item, int needs_work)
{
  uint64_t seq = 0;
  int filtered = b->has_filter && b->filter.keep;
  if (filtered && !b->filter.keep(b->filter.ud, item, &seq))
    return 0;
  pthread_mutex_lock(&b->mu);
  while (!b->stop && b->next_seq - b->next_emit >= b->win_size) {
    b->producer_waiting = 1;
    pthread_cond_wait(&b->cv_space, &b->mu);
    b->producer_waiting = 0;
  }
  if (b->stop) {
    pthread_mutex_unlock(&b->mu);
    return -1;
  }
  slot *s = &b->win[b->next_seq % b->win_size];
  memset(s, 0, sizeof *s);
  s->item = *item;
  s->item.seq = filtered ? seq : b->next_seq;
  s->path = strdup(item->path ? item->path : "");
  s->errmsg = strdup(item->errmsg ? item->errmsg : "");
  s->item.path = s->path ? s->path : "";
  s->item.errmsg = s->errmsg ? s->errmsg : "";
  s->errmsg_l = strdup(item->errmsg_l && *item->errmsg_l ? item->errmsg_l
                                                         : s->item.errmsg);
  s->item.errmsg_l = s->errmsg_l ? s->errmsg_l : s->item.errmsg;
  s->needs_work = needs_work;
  s->done = !needs_work;
  /* Bytes of the regular files to examine (filtered ones excluded), for
   * the progress line's ETA. */
  if (item->status == ART_OK && item->type == ART_ENTRY_FILE && needs_work)
    atomic_fetch_add(&b->bytes_found, item->size);
  b->next_seq++;
  if (needs_work && b->idle_workers > 0)
    pthread_cond_signal(&b->cv_work);
  pthread_mutex_unlock(&b->mu);
  if (!needs_work)
    drain(b);
  return 0;
}

static void fill_from_stat(art_batch_item *it, const struct stat *st)
{
  it->size = (uint64_t)st->st_size;
  it->dev = (uint64_t)st->st_dev;
  it->ino = (uint64_t)st->st_ino;
  it->nlink = (uint64_t)st->st_nlink;
  it->mode = (uint32_t)st->st_mode;
  it->mtime_sec = (int64_t)st->st_mtim.tv_sec;
  it->mtime_nsec = st->st_mtim.tv_nsec;
  it->uid = (uint32_t)st->st_uid;
  it->gid = (uint32_t)st->st_gid;
}

static art_walk_action on_entry(const art_walk_entry *e, void *ud)
{
  art_batch *b = ud;
  art_batch_item it = {0};
  it.path = e->path;
  it.kind = ART_SOURCE_FILE;
  it.type = e->type;
  it.status = e->status;
  it.errmsg = e->errmsg;
  it.errmsg_l = e->errmsg_l;
  it.size = e->size;
  it.dev = e->dev;
  it.ino = e->ino;
  it.nlink = e->nlink;
  it.mode = e->mode;
  it.mtime_sec = e->mtime_sec;
  it.mtime_nsec = e->mtime_nsec;
  it.uid = e->uid;
  it.gid = e->gid;
  it.named = e->depth == 0;
  if (it.named && !b->opts.no_images)
    it.kind = b->opts.split_images ? ART_SOURCE_AUTO : ART_SOURCE_NAMED;
  int work = e->status == ART_OK && e->type == ART_ENTRY_FILE;
  return push_item(b, &it, work) == 0 ? ART_WALK_CONTINUE : ART_WALK_STOP;
}

/* One named input: a file, device, directory or "-". */
static int produce_path(art_batch *b, art_ctx *ctx, const char *path)
{
  art_batch_item it = {0};
  struct stat st;
  char reason[256];
  char *msg = NULL;
  it.path = path;
  it.named = 1;
  it.kind = b->opts.no_images      ? ART_SOURCE_FILE
            : b->opts.split_images ? ART_SOURCE_AUTO
                                   : ART_SOURCE_NAMED;
  it.errmsg = "";
  if (strcmp(path, "-") == 0) {
    it.kind = ART_SOURCE_STDIN;
    it.type = ART_ENTRY_FILE;
    return push_item(b, &it, 1);
  }
  if (stat(path, &st) != 0) {
    int e = errno;
    const char *r = art__strerror_c(e);
    const char *r_l = strerror_r(e, reason, sizeof reason);
    char *msg_l = NULL;
    size_t n = strlen(path) + strlen(r) + 3,
           n_l = strlen(path) + strlen(r_l) + 3;
    msg = malloc(n);
    msg_l = malloc(n_l);
    if (msg)
      snprintf(msg, n, "%s: %s", path, r);
    if (msg_l)
      snprintf(msg_l, n_l, "%s: %s", path, r_l);
    it.status = art__status_from_errno(e);
    it.errmsg = msg ? msg : r;
    it.errmsg_l = msg_l ? msg_l : r_l;
    it.type = ART_ENTRY_UNKNOWN;
    int rc = push_item(b, &it, 0);
    free(msg);
    free(msg_l);
    return rc;
  }
  fill_from_stat(&it, &st);
  if (S_ISDIR(st.st_mode)) {
    it.type = ART_ENTRY_DIR;
    if (b->opts.recursive) {
      art_walk_run(ctx, b->walker, path, on_entry, b);
      return b->stop ? -1 : 0;
    }
    const char *r = art__strerror_c(EISDIR);
    const char *r_l = strerror_r(EISDIR, reason, sizeof reason);
    char *msg_l = NULL;
    size_t n = strlen(path) + strlen(r) + 3,
           n_l = strlen(path) + strlen(r_l) + 3;
    msg = malloc(n);
    msg_l = malloc(n_l);
    if (msg)
      snprintf(msg, n, "%s: %s", path, r);
    if (msg_l)
      snprintf(msg_l, n_l, "%s: %s", path, r_l);
    it.status = ART_ERR_FORMAT;
    it.errmsg = msg ? msg : r;
    it.errmsg_l = msg_l ? msg_l : r_l;
    int rc = push_item(b, &it, 0);
    free(msg);
    free(msg_l);
    return rc;
  }
  it.type = S_ISREG(st.st_mode)    ? ART_ENTRY_FILE
            : S_ISBLK(st.st_mode)  ? ART_ENTRY_BLOCK_DEVICE
            : S_ISCHR(st.st_mode)  ? ART_ENTRY_CHAR_DEVICE
            : S_ISFIFO(st.st_mode) ? ART_ENTRY_FIFO
                                   : ART_ENTRY_SOCKET;
  /* Named inputs are opened whatever they are (a FIFO from process
   * substitution is a normal input), sockets excepted. */
  return push_item(b, &it, it.type != ART_ENTRY_SOCKET);
}

/* Read names from a list, one per line or NUL-separated. */
static int produce_list(art_batch *b, art_ctx *ctx, const input *in)
{
  FILE *f = fdopen(dup(in->list_fd), "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  if (!f)
    return 0;
  while (rc == 0 && (n = getdelim(&line, &cap, in->nul ? '\0' : '\n', f)) > 0) {
    if (line[n - 1] == (in->nul ? '\0' : '\n'))
      line[--n] = '\0';
    if (n == 0)
      continue;
    rc = produce_path(b, ctx, line);
  }
  free(line);
  fclose(f);
  return rc;
}

typedef struct worker {
  art_batch *b;
  pthread_t thread;
  art_ctx *ctx;
} worker;

/* Take the next item that needs work, or NULL when there is none left. */
static slot *take_work(art_batch *b)
{
  slot *s = NULL;
  pthread_mutex_lock(&b->mu);
  for (;;) {
    /* Items before next_emit are finished and their slots may be reused. */
    if (b->next_work < b->next_emit)
      b->next_work = b->next_emit;
    while (b->next_work < b->next_seq) {
      slot *c = &b->win[b->next_work % b->win_size];
      b->next_work++;
      if (c->needs_work && !c->taken) {
        c->taken = 1;
        s = c;
        break;
      }
    }
    if (s || b->stop || !b->producing)
      break;
    b->idle_workers++;
    pthread_cond_wait(&b->cv_work, &b->mu);
    b->idle_workers--;
  }
  pthread_mutex_unlock(&b->mu);
  return s;
}

static void *worker_main(void *arg)
{
  worker *w = arg;
  art_batch *b = w->b;
  void *wstate = NULL;
  if (b->ops->worker_init &&
      b->ops->worker_init(b->ud, w->ctx, &wstate) != ART_OK) {
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_broadcast(&b->cv_space);
    pthread_cond_broadcast(&b->cv_work);
    pthread_mutex_unlock(&b->mu);
    return NULL;
  }
  slot *s;
  while ((s = take_work(b))) {
    art_ctx_clear(w->ctx);
    /* A file found in a tree must still be the one listed when opened. */
    if (!s->item.named && s->item.kind == ART_SOURCE_FILE)
      art__source_expect(s->item.path, s->item.dev, s->item.ino);
    void *res = b->stop ? NULL : b->ops->work(b->ud, wstate, w->ctx, &s->item);
    art__source_expect(NULL, 0, 0);
    pthread_mutex_lock(&b->mu);
    s->result = res;
    s->done = 1;
    int at_head = s == &b->win[b->next_emit % b->win_size];
    pthread_mutex_unlock(&b->mu);
    if (at_head) /* otherwise whoever finishes the head emits this too */
      drain(b);
  }
  if (b->ops->worker_fini)
    b->ops->worker_fini(b->ud, wstate);
  return NULL;
}

art_status art_batch_run(art_ctx *ctx,
                         art_batch *b,
                         const art_batch_ops *ops,
                         void *userdata)
{
  art_status st = ART_OK;
  unsigned n_workers = b->opts.jobs ? b->opts.jobs : 1;
  worker *ws = NULL;
  unsigned started = 0;
  if (!ops || !ops->work || !ops->emit)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "no work/emit callback");
  b->ops = ops;
  b->ud = userdata;
  b->win_size = b->opts.window ? b->opts.window : n_workers * 16 + 64;
  b->win = art__calloc(ctx, b->win_size, sizeof *b->win);
  ws = art__calloc(ctx, n_workers, sizeof *ws);
  if (!b->win || !ws) {
    st = ART_ERR_NOMEM;
    goto out;
  }
  st = art_walk_new(ctx, b->opts.walk_flags, &b->walker);
  if (st != ART_OK)
    goto out;
  art_walk_set_max_depth(b->walker, b->opts.max_depth);
  b->next_seq = b->next_emit = b->next_work = 0;
  b->stop = 0;
  b->producing = 1;
  for (unsigned i = 0; i < n_workers; i++) {
    ws[i].b = b;
    if (art_ctx_new(&ws[i].ctx) != ART_OK) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
      break;
    }
    if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
      art_ctx_free(ws[i].ctx);
      ws[i].ctx = NULL;
      if (started == 0)
        st = art__set_error(ctx, ART_ERR_INTERNAL, errno,
                            "cannot start a worker thread");
      break;
    }
    started++;
  }
  if (started > 0) {
    for (size_t i = 0; i < b->n_inputs && !b->stop; i++) {
      const input *in = &b->inputs[i];
      if (in->path ? produce_path(b, ctx, in->path) != 0
                   : produce_list(b, ctx, in) != 0)
        break;
    }
  }
  atomic_store(&b->walk_done, 1);
  pthread_mutex_lock(&b->mu);
  b->producing = 0;
  pthread_cond_broadcast(&b->cv_work);
  pthread_mutex_unlock(&b->mu);
  for (unsigned i = 0; i < started; i++) {
    pthread_join(ws[i].thread, NULL);
    art_ctx_free(ws[i].ctx);
  }
  drain(b);
  if (st == ART_OK && b->stop && b->next_emit < b->next_seq)
    st = ART_OK; /* stopped on request */
out:
  /* Free whatever a stopped run left in the window. */
  if (b->win) {
    for (uint64_t q = b->next_emit; q < b->next_seq; q++) {
      slot *s = &b->win[q % b->win_size];
      free(s->path);
      free(s->errmsg);
      free(s->errmsg_l);
    }
  }
  free(b->win);
  b->win = NULL;
  free(ws);
  art_walk_free(b->walker);
  b->walker = NULL;
  return st;
}
