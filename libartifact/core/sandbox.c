/* Sandboxed examination, parent side: the zygote that forks workers, the
 * pool of workers, handing items to them and enforcing the limits.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "i18n.h"
#include "sandbox_private.h"
#include "source_private.h"

#include <artifact/archive.h>
#include <artifact/hash.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A member file being extracted for a worker: written under a temporary
 * name, renamed when complete. */
#define MAX_XFILES 8
typedef struct xfile {
  int fd;  /* -1: free */
  int dfd; /* its folder */
  int err; /* first write error */
  char tmp[32];
  char *name;
} xfile;

typedef struct wslot {
  xfile x[MAX_XFILES];
  pid_t pid; /* 0: no worker yet (or it was replaced) */
  int sock;
  int busy;
  void *wstate; /* disabled: the job's state for this slot */
  int inited;
} wslot;

struct art_sandbox {
  art_sandbox_opts o;
  art_sandbox_job job;
  void *ud;
  wslot *slots;
  unsigned n;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_mutex_t zmu; /* one zygote request at a time */
  pid_t zpid;
  int zsock;
  int xdirfd; /* opts.extract_dir, or -1 */
};

void art_sandbox_opts_init(art_sandbox_opts *o)
{
  memset(o, 0, sizeof *o);
  o->memory_limit = ART_SANDBOX_DEFAULT_MEMORY;
  o->timeout_ms = ART_SANDBOX_DEFAULT_TIMEOUT_MS;
}

int art_sandbox_available(void)
{
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
}

const char *art_sandbox_signal_name(int sig)
{
  static const struct {
    int sig;
    const char *name;
  } names[] = {
      {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},
      {SIGILL, "SIGILL"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
      {SIGSYS, "SIGSYS"},   {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
      {SIGXFSZ, "SIGXFSZ"}, {SIGPIPE, "SIGPIPE"}, {SIGTRAP, "SIGTRAP"},
      {SIGINT, "SIGINT"},   {SIGHUP, "SIGHUP"},   {SIGQUIT, "SIGQUIT"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].sig == sig)
      return names[i].name;
  return "unknown signal";
}

art_status art_sandbox_buf_flush(art_sandbox_buf *b)
{
  if (b->oom)
    return ART_ERR_NOMEM;
  if (b->flush_failed)
    return ART_ERR_IO;
  if (!b->flush)
    return ART_OK;
  if (b->flush(b) != 0) {
    b->flush_failed = 1;
    return ART_ERR_IO;
  }
  b->len = 0;
  return ART_OK;
}

art_status art_sandbox_buf_append(art_sandbox_buf *b, const void *p, size_t n)
{
  if (b->oom)
    return ART_ERR_NOMEM;
  if (b->flush_failed)
    return ART_ERR_IO;
  if (b->flush && b->len + n >= SBX_PIECE) {
    if (b->len && b->flush(b) != 0) {
      b->flush_failed = 1;
      return ART_ERR_IO;
    }
    b->len = 0;
    if (n >= SBX_PIECE) {
      /* Large enough to go as it is. */
      unsigned char *keep = b->p;
      size_t kl = b->len;
      b->p = (unsigned char *)p;
      b->len = n;
      int rc = b->flush(b);
      b->p = keep;
      b->len = kl;
      if (rc != 0) {
        b->flush_failed = 1;
        return ART_ERR_IO;
      }
      return ART_OK;
    }
  }
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n) {
      if (cap > SBX_MAX_MSG) {
        b->oom = 1;
        return ART_ERR_NOMEM;
      }
      cap *= 2;
    }
    unsigned char *q = realloc(b->p, cap);
    if (!q) {
      b->oom = 1;
      return ART_ERR_NOMEM;
    }
    b->p = q;
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->len, p, n);
  b->len += n;
  return ART_OK;
}

/* ---- framing ------------------------------------------------------------ */

uint64_t art__sbx_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int art__sbx_send(int fd,
                  uint32_t type,
                  uint32_t aux,
                  const void *a,
                  size_t alen,
                  const void *b,
                  size_t blen,
                  int pass)
{
  sbx_hdr h = {type, aux, (uint64_t)alen + blen};
  struct iovec iov[3] = {{&h, sizeof h}, {(void *)a, alen}, {(void *)b, blen}};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr m = {0};
  size_t left = sizeof h + alen + blen;
  int first = 1;
  m.msg_iov = iov;
  m.msg_iovlen = 3;
  while (left) {
    if (first && pass >= 0) {
      memset(&u, 0, sizeof u);
      m.msg_control = u.buf;
      m.msg_controllen = sizeof u.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &pass, sizeof pass);
    } else {
      m.msg_control = NULL;
      m.msg_controllen = 0;
    }
    ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    first = 0;
    left -= (size_t)w;
    /* Skip what was sent. */
    size_t k = (size_t)w;
    while (k && m.msg_iovlen) {
      if (k >= m.msg_iov->iov_len) {
        k -= m.msg_iov->iov_len;
        m.msg_iov++;
        m.msg_iovlen--;
      } else {
        m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + k;
        m.msg_iov->iov_len -= k;
        k = 0;
      }
    }
  }
  return 0;
}

/* Wait until FD is readable or the deadline passes. */
static int wait_readable(int fd, uint64_t deadline_ms)
{
  for (;;) {
    int timeout = -1;
    if (deadline_ms) {
      uint64_t now = art__sbx_now_ms();
      if (now >= deadline_ms) {
        errno = ETIMEDOUT;
        return -1;
      }
      uint64_t left = deadline_ms - now;
      timeout = left > 60000 ? 60000 : (int)left;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r > 0)
      return 0;
  }
}

int art__sbx_read(int fd, void *buf, size_t len, uint64_t deadline_ms)
{
  size_t got = 0;
  while (got < len) {
    if (deadline_ms && wait_readable(fd, deadline_ms) != 0)
      return -1;
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0)
      return -1;
    if (n == 0) {
      errno = EPIPE;
      return -1;
    }
    got += (size_t)n;
  }
  return 0;
}

int art__sbx_recv_hdr(int fd, sbx_hdr *h, int *passed, uint64_t deadline_ms)
{
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } u;
  struct iovec iov = {h, sizeof *h};
  struct msghdr m = {0};
  ssize_t n;
  *passed = -1;
  if (deadline_ms && wait_readable(fd, deadline_ms) != 0)
    return -1;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  do
    n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if (n == 0) {
    errno = EPIPE;
    return -1;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int f;
      memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
      if (*passed < 0)
        *passed = f;
      else
        close(f); /* only one is expected */
    }
  }
  if ((size_t)n < sizeof *h &&
      art__sbx_read(fd, (char *)h + n, sizeof *h - (size_t)n, deadline_ms)) {
    if (*passed >= 0)
      close(*passed);
    *passed = -1;
    return -1;
  }
  return 0;
}

/* ---- zygote ------------------------------------------------------------- */

/* Keep FD and standard error; standard input and output become /dev/null
 * (a worker must not read the user's terminal or write into the output). */
static void close_inherited(int keep)
{
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    if (null > STDERR_FILENO)
      close(null);
  }
  for (int fd = STDERR_FILENO + 1; fd < 1024; fd++) {
    /* close_range() would do, but fd counts this low are cheap enough. */
    if (fd != keep)
      close(fd);
  }
}

static pid_t *zpids;
static size_t zn, zcap;

static void zygote_main(art_sandbox *sb, int sock)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NAME, "art-zygote");
  close_inherited(sock);
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    sbx_hdr h;
    int passed;
    if (art__sbx_recv_hdr(sock, &h, &passed, 0) != 0)
      break;
    if (passed >= 0)
      close(passed);
    if (h.type == SBX_SPAWN) {
      int sv[2] = {-1, -1};
      pid_t pid = -1;
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        pid = fork();
        if (pid == 0) {
          close(sock);
          close(sv[0]);
          art__sbx_worker_main(sv[1], &sb->o, &sb->job, sb->ud);
        }
        close(sv[1]);
      }
      if (pid > 0 && zn == zcap) {
        size_t cap = zcap ? zcap * 2 : 16;
        pid_t *p = realloc(zpids, cap * sizeof *p);
        if (p) {
          zpids = p;
          zcap = cap;
        }
      }
      if (pid > 0 && zn < zcap)
        zpids[zn++] = pid;
      art__sbx_send(sock, SBX_SPAWNED, pid > 0 ? (uint32_t)pid : 0, NULL, 0,
                    NULL, 0, pid > 0 ? sv[0] : -1);
      if (sv[0] >= 0)
        close(sv[0]);
    } else if (h.type == SBX_REAP) {
      sbx_reaped r = {0};
      struct rusage ru = {0};
      int status = 0;
      pid_t pid = (pid_t)h.aux, w = -1;
      for (size_t i = 0; i < zn; i++) {
        if (zpids[i] == pid) { /* only our own children */
          do
            w = wait4(pid, &status, 0, &ru);
          while (w < 0 && errno == EINTR);
          zpids[i] = zpids[--zn];
          break;
        }
      }
      r.status = w == pid ? status : -1;
      r.maxrss_kb = ru.ru_maxrss;
      art__sbx_send(sock, SBX_REAPED, 0, &r, sizeof r, NULL, 0, -1);
    } else {
      break;
    }
  }
  /* The parent is gone or done: end the workers it left. */
  for (size_t i = 0; i < zn; i++)
    kill(zpids[i], SIGKILL);
  for (size_t i = 0; i < zn; i++)
    waitpid(zpids[i], NULL, 0);
  _exit(0);
}

static int zygote_spawn(art_sandbox *sb, pid_t *pid, int *sock)
{
  sbx_hdr h;
  int passed = -1, rc = -1;
  pthread_mutex_lock(&sb->zmu);
  if (art__sbx_send(sb->zsock, SBX_SPAWN, 0, NULL, 0, NULL, 0, -1) == 0 &&
      art__sbx_recv_hdr(sb->zsock, &h, &passed, 0) == 0 &&
      h.type == SBX_SPAWNED && h.aux > 0 && passed >= 0) {
    *pid = (pid_t)h.aux;
    *sock = passed;
    passed = -1;
    rc = 0;
  }
  pthread_mutex_unlock(&sb->zmu);
  if (passed >= 0)
    close(passed);
  return rc;
}

static int zygote_reap(art_sandbox *sb, pid_t pid, int *status, long *maxrss)
{
  sbx_hdr h;
  sbx_reaped r;
  int passed = -1, rc = -1;
  pthread_mutex_lock(&sb->zmu);
  if (art__sbx_send(sb->zsock, SBX_REAP, (uint32_t)pid, NULL, 0, NULL, 0, -1) ==
          0 &&
      art__sbx_recv_hdr(sb->zsock, &h, &passed, 0) == 0 &&
      h.type == SBX_REAPED && h.len == sizeof r &&
      art__sbx_read(sb->zsock, &r, sizeof r, 0) == 0) {
    *status = r.status;
    *maxrss = (long)r.maxrss_kb;
    rc = r.status == -1 ? -1 : 0;
  }
  pthread_mutex_unlock(&sb->zmu);
  if (passed >= 0)
    close(passed);
  return rc;
}

/* ---- pool --------------------------------------------------------------- */

art_status art_sandbox_new(art_ctx *ctx,
                           const art_sandbox_opts *opts,
                           const art_sandbox_job *job,
                           void *userdata,
                           art_sandbox **out)
{
  art_sandbox *sb;
  int sv[2];
  if (!out || !job || !job->run)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "sandbox: no job");
  *out = NULL;
  sb = art__calloc(ctx, 1, sizeof *sb);
  if (!sb)
    return ART_ERR_NOMEM;
  if (opts)
    sb->o = *opts;
  else
    art_sandbox_opts_init(&sb->o);
  sb->job = *job;
  sb->ud = userdata;
  sb->n = sb->o.workers ? sb->o.workers : art_cpu_count();
  sb->zsock = -1;
  sb->slots = art__calloc(ctx, sb->n, sizeof *sb->slots);
  if (!sb->slots) {
    free(sb);
    return ART_ERR_NOMEM;
  }
  sb->xdirfd = -1;
  for (unsigned i = 0; i < sb->n; i++) {
    sb->slots[i].sock = -1;
    for (unsigned k = 0; k < MAX_XFILES; k++)
      sb->slots[i].x[k].fd = sb->slots[i].x[k].dfd = -1;
  }
  pthread_mutex_init(&sb->mu, NULL);
  pthread_cond_init(&sb->cv, NULL);
  pthread_mutex_init(&sb->zmu, NULL);
  if (!sb->o.disabled && sb->o.extract_dir) {
    sb->xdirfd = open(sb->o.extract_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sb->xdirfd < 0) {
      art_status st = art__set_errno(ctx, errno, "%s", sb->o.extract_dir);
      art_sandbox_free(sb);
      return st;
    }
  }
  if (!sb->o.disabled) {
    if (!art_sandbox_available()) {
      art_sandbox_free(sb);
      return art__set_error(ctx, ART_ERR_UNSUPPORTED, ENOSYS,
                            "sandbox: this kernel has no seccomp; "
                            "--no-sandbox parses in process");
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      art_status st = art__set_errno(ctx, errno, "sandbox: socketpair");
      art_sandbox_free(sb);
      return st;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    /* Load the library's catalogue for the process locale now, so that the
     * workers forked from the zygote inherit it mapped and translate their
     * errors without opening it under their seccomp policy (which allows
     * read-only opens anyway: see docs/sandbox.md). */
    (void)_("out of memory");
    sb->zpid = fork();
    if (sb->zpid == 0) {
      close(sv[0]);
      zygote_main(sb, sv[1]);
    }
    close(sv[1]);
    if (sb->zpid < 0) {
      art_status st = art__set_errno(ctx, errno, "sandbox: fork");
      close(sv[0]);
      sb->zpid = 0;
      art_sandbox_free(sb);
      return st;
    }
    sb->zsock = sv[0];
  }
  *out = sb;
  return ART_OK;
}

/* Close extraction K of W; keep the file only when COMPLETE. 0 or errno. */
static int x_finish(wslot *w, unsigned k, int complete)
{
  xfile *x = &w->x[k];
  int err = x->err;
  if (x->fd < 0)
    return EBADF;
  if (close(x->fd) != 0 && !err)
    err = errno;
  if (complete && !err &&
      renameat2(x->dfd, x->tmp, x->dfd, x->name, RENAME_NOREPLACE) != 0)
    err = errno;
  if (!complete || err)
    unlinkat(x->dfd, x->tmp, 0);
  close(x->dfd);
  free(x->name);
  x->fd = x->dfd = -1;
  x->name = NULL;
  x->err = 0;
  return complete ? err : 0;
}

/* Create REL (checked again here: a worker is not trusted) below the
 * extraction folder, folders without following links, the file under a
 * temporary name. The slot index, or -1 with errno. */
static int x_open(art_sandbox *sb, wslot *w, const char *rel)
{
  unsigned k;
  char *copy = NULL, *comp, *slash;
  int dfd = -1, e = 0;
  if (sb->xdirfd < 0)
    return errno = EPERM, -1;
  if (!art_archive_path_is_safe(rel))
    return errno = EINVAL, -1;
  for (k = 0; k < MAX_XFILES && w->x[k].fd >= 0; k++)
    ;
  if (k == MAX_XFILES)
    return errno = EMFILE, -1;
  if (!(copy = strdup(rel)) || (dfd = dup(sb->xdirfd)) < 0) {
    e = copy ? errno : ENOMEM;
    goto fail;
  }
  for (char *p = copy; *p; p++)
    if (*p == '\\')
      *p = '/';
  for (comp = copy; (slash = strchr(comp, '/')); comp = slash + 1) {
    *slash = '\0';
    if (!*comp || !strcmp(comp, "."))
      continue;
    if (mkdirat(dfd, comp, 0755) != 0 && errno != EEXIST) {
      e = errno;
      goto fail;
    }
    int nfd =
        openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (nfd < 0) {
      e = errno;
      goto fail;
    }
    close(dfd);
    dfd = nfd;
  }
  if (!*comp || !strcmp(comp, ".")) {
    e = EINVAL;
    goto fail;
  }
  /* The final name must not exist (as when this process extracts). */
  struct stat st;
  if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    e = EEXIST;
    goto fail;
  }
  xfile *x = &w->x[k];
  for (unsigned tries = 0; tries < 100; tries++) {
    unsigned r;
    if (getentropy(&r, sizeof r) != 0)
      r = (unsigned)art__sbx_now_ms() + tries;
    snprintf(x->tmp, sizeof x->tmp, ".art-extract-%08x", r);
    x->fd = openat(dfd, x->tmp,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (x->fd >= 0 || errno != EEXIST)
      break;
  }
  if (x->fd < 0) {
    e = errno;
    goto fail;
  }
  x->dfd = dfd;
  x->name = strdup(comp);
  free(copy);
  if (!x->name) {
    x_finish(w, k, 0);
    return errno = ENOMEM, -1;
  }
  return (int)k;
fail:
  if (dfd >= 0)
    close(dfd);
  free(copy);
  errno = e;
  return -1;
}

/* Serve one extraction message of W (header H already read). 0, or -1
 * when the stream is broken. */
static int x_serve(art_sandbox *sb, wslot *w, const sbx_hdr *h, uint64_t dl)
{
  char buf[65536];
  int32_t handle = -1;
  uint32_t err = 0;
  if (h->type == SBX_X_DATA) {
    xfile *x = h->aux < MAX_XFILES ? &w->x[h->aux] : NULL;
    uint64_t left = h->len;
    while (left) {
      size_t n = left > sizeof buf ? sizeof buf : (size_t)left;
      if (art__sbx_read(w->sock, buf, n, dl) != 0)
        return -1;
      left -= n;
      for (size_t off = 0; x && x->fd >= 0 && !x->err && off < n;) {
        ssize_t k = write(x->fd, buf + off, n - off);
        if (k < 0 && errno == EINTR)
          continue;
        if (k <= 0) {
          x->err = k < 0 ? errno : EIO;
          break;
        }
        off += (size_t)k;
      }
    }
    return 0;
  }
  if (h->type == SBX_X_OPEN) {
    char *rel;
    if (h->len == 0 || h->len > 65536 || !(rel = calloc(1, h->len + 1)))
      return -1;
    if (art__sbx_read(w->sock, rel, h->len, dl) != 0) {
      free(rel);
      return -1;
    }
    handle = x_open(sb, w, rel);
    if (handle < 0)
      err = (uint32_t)errno;
    free(rel);
  } else { /* SBX_X_CLOSE */
    uint32_t failed;
    if (h->len != sizeof failed ||
        art__sbx_read(w->sock, &failed, sizeof failed, dl) != 0)
      return -1;
    err = h->aux < MAX_XFILES ? (uint32_t)x_finish(w, h->aux, !failed) : EBADF;
  }
  return art__sbx_send(w->sock, SBX_X_REPLY, err, &handle, sizeof handle, NULL,
                       0, -1);
}

static void end_worker(art_sandbox *sb, wslot *w, int *status, long *maxrss)
{
  int st = 0;
  long rss = 0;
  if (w->sock >= 0)
    close(w->sock);
  w->sock = -1;
  for (unsigned k = 0; k < MAX_XFILES; k++)
    if (w->x[k].fd >= 0)
      x_finish(w, k, 0); /* never a partial member under its name */
  if (w->pid > 0) {
    /* Already dead or not: SIGKILL does not change a dead one's status. */
    kill(w->pid, SIGKILL);
    zygote_reap(sb, w->pid, &st, &rss);
  }
  w->pid = 0;
  if (status)
    *status = st;
  if (maxrss)
    *maxrss = rss;
}

void art_sandbox_free(art_sandbox *sb)
{
  if (!sb)
    return;
  for (unsigned i = 0; i < sb->n; i++) {
    wslot *w = &sb->slots[i];
    if (w->sock >= 0)
      close(w->sock); /* the worker ends at the end of its stream */
    w->sock = -1;
    if (w->inited && sb->job.fini)
      sb->job.fini(sb->ud, w->wstate);
  }
  if (sb->zsock >= 0)
    close(sb->zsock); /* the zygote ends its workers and exits */
  if (sb->zpid > 0)
    waitpid(sb->zpid, NULL, 0);
  for (unsigned i = 0; i < sb->n; i++)
    for (unsigned k = 0; k < MAX_XFILES; k++)
      if (sb->slots[i].x[k].fd >= 0)
        x_finish(&sb->slots[i], k, 0);
  if (sb->xdirfd >= 0)
    close(sb->xdirfd);
  pthread_mutex_destroy(&sb->mu);
  pthread_cond_destroy(&sb->cv);
  pthread_mutex_destroy(&sb->zmu);
  free(sb->slots);
  free(sb);
}

void art_sandbox_result_clear(art_sandbox_result *res)
{
  if (!res)
    return;
  free(res->errmsg);
  free(res->errmsg_l);
  free(res->data);
  memset(res, 0, sizeof *res);
}

static wslot *acquire(art_sandbox *sb)
{
  wslot *w = NULL;
  pthread_mutex_lock(&sb->mu);
  for (;;) {
    for (unsigned i = 0; i < sb->n && !w; i++)
      if (!sb->slots[i].busy)
        w = &sb->slots[i];
    if (w)
      break;
    pthread_cond_wait(&sb->cv, &sb->mu);
  }
  w->busy = 1;
  pthread_mutex_unlock(&sb->mu);
  return w;
}

static void release(art_sandbox *sb, wslot *w)
{
  pthread_mutex_lock(&sb->mu);
  w->busy = 0;
  pthread_cond_signal(&sb->cv);
  pthread_mutex_unlock(&sb->mu);
}

/* RES's message, formatted twice: FMT as given (C locale, for records) and
 * translated (for people). The callers mark FMT with N_(). */
static void res_msg(art_sandbox_result *res, const char *fmt, ...)
    ART_PRINTF(2, 3);
static void res_msg(art_sandbox_result *res, const char *fmt, ...)
{
  va_list ap, ap2;
  free(res->errmsg);
  free(res->errmsg_l);
  res->errmsg = res->errmsg_l = NULL;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  if (vasprintf(&res->errmsg, fmt, ap) < 0)
    res->errmsg = NULL;
  if (vasprintf(&res->errmsg_l, _(fmt), ap2) < 0)
    res->errmsg_l = NULL;
  va_end(ap2);
  va_end(ap);
}

/* RES's message: CTX's error, in both texts. */
static void res_ctx_msg(art_sandbox_result *res, const art_ctx *ctx)
{
  free(res->errmsg);
  free(res->errmsg_l);
  res->errmsg = strdup(art_ctx_errmsg(ctx));
  res->errmsg_l = strdup(art_ctx_errmsg_localized(ctx));
}

/* The input's sha256, so that a crash can be reproduced; inputs larger than
 * this are not read again. */
#define SHA_REREAD_MAX (4ull << 30)

static void input_sha256(art_ctx *ctx,
                         const art_batch_item *it,
                         art_source_kind kind,
                         char *hex)
{
  art_source *src = NULL;
  art_hash *h = NULL;
  unsigned char *buf = NULL;
  hex[0] = '\0';
  if (kind == ART_SOURCE_STDIN || (it->size > SHA_REREAD_MAX))
    return;
  if (art_source_open(ctx, it->path, kind, &src) != ART_OK ||
      art_hash_new(ctx, ART_HASH_MASK(ART_HASH_SHA256), &h) != ART_OK ||
      !(buf = malloc(1 << 20)))
    goto out;
  for (;;) {
    size_t got = 0;
    if (art_source_read(ctx, src, buf, 1 << 20, &got) != ART_OK)
      goto out;
    if (!got)
      break;
    art_hash_update(ctx, h, buf, got);
  }
  if (art_hash_final(ctx, h) == ART_OK) {
    const char *x = art_hash_hex(h, ART_HASH_SHA256);
    if (x)
      snprintf(hex, 65, "%s", x);
  }
out:
  art_ctx_clear(ctx);
  free(buf);
  art_hash_free(h);
  art_source_free(src);
}

/* The worker's peak address space may be this close to its limit before
 * the limit counts as reached (an allocation it made failed, or would
 * have, on the way there). */
static uint64_t memory_margin(uint64_t limit)
{
  uint64_t m = limit / 16;
  return m > (64u << 20) ? (64u << 20) : m;
}

/* An input found in a tree must be the very file the walk listed: one
 * replaced since (by a link to elsewhere, another file) or gone is
 * reported, never read in its place. */
static art_status
check_same(art_ctx *ctx, const art_batch_item *it, const art_source *src)
{
  const art_source_info *info = art_source_get_info(src);
  if (it->named || !it->ino)
    return ART_OK;
  if (info->dev != it->dev || info->ino != it->ino)
    return art__set_error(ctx, ART_ERR_IO, 0,
                          "%s: replaced between the listing of its folder "
                          "and its opening: not read",
                          it->path);
  return ART_OK;
}

/* Open the input in this process: a plain file, device or stdin becomes a
 * descriptor for the worker; a split, E01 or virtual disk image is named
 * instead (its segments, extents and parents are opened by the worker,
 * read-only), so that no image format is parsed here. */
static art_status open_input(art_ctx *ctx,
                             const art_batch_item *it,
                             art_source **src,
                             art_source_kind *kind)
{
  art_status st;
  unsigned char sig[512];
  size_t got = 0;
  *kind = it->kind;
  if (it->kind == ART_SOURCE_AUTO && strcmp(it->path, "-") == 0)
    *kind = ART_SOURCE_STDIN;
  if (*kind != ART_SOURCE_AUTO && *kind != ART_SOURCE_FILE &&
      *kind != ART_SOURCE_STDIN && *kind != ART_SOURCE_DEVICE)
    return ART_OK; /* split, EWF: by name */
  st = art_source_open(ctx, it->path,
                       *kind == ART_SOURCE_AUTO ? ART_SOURCE_FILE : *kind, src);
  if (st == ART_OK)
    st = check_same(ctx, it, *src);
  if (st != ART_OK || *kind != ART_SOURCE_AUTO)
    return st;
  *kind = art_source_get_info(*src)->kind;
  if (*kind == ART_SOURCE_FILE) {
    size_t n = strlen(it->path);
    int split = n > 4 && (strcmp(it->path + n - 4, ".001") == 0 ||
                          strcmp(it->path + n - 4, ".000") == 0);
    /* EWF and the virtual disks (VMDK, VHD/VHDX, QCOW) are named too: their
     * extents, parents and backing files are other files; and so is any
     * other image format, which the worker names as unsupported just as the
     * in-process open does */
    unsigned char tail[512];
    size_t tgot = 0;
    uint64_t size = art_source_get_info(*src)->size;
    art_source_kind ik = ART_SOURCE_FILE;
    int head = !split &&
               art_source_pread(ctx, *src, sig, sizeof sig, 0, &got) == ART_OK;
    int named = split || (head && art__image_format(sig, got, NULL, &ik));
    /* the footer (fixed VHD, DMG) is read only when the head names nothing:
     * a footer adds formats, so it cannot unname a named file */
    if (!named && head && size >= 1024 && size % 512 == 0 &&
        art_source_pread(ctx, *src, tail, sizeof tail, size - 512, &tgot) ==
            ART_OK &&
        tgot == sizeof tail)
      named = art__image_format(sig, got, tail, &ik) != NULL;
    if (named) {
      /* Let the worker decide (it opens it as the in-process run would). */
      art_source_free(*src);
      *src = NULL;
      *kind = ART_SOURCE_AUTO;
    }
    art_ctx_clear(ctx);
  }
  return ART_OK;
}

/* Resident memory of PID (bytes), 0 when unknown. */
static uint64_t rss_of(pid_t pid)
{
  char path[64], buf[128];
  unsigned long long pages = 0, size = 0;
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  if (sscanf(buf, "%llu %llu", &size, &pages) != 2)
    return 0;
  return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Wait for W's answer to begin. Every quarter second, check the worker's
 * resident memory: RLIMIT_AS cannot be set under AddressSanitizer, and
 * memory a worker maps without touching is not the point anyway. -1 with
 * errno ETIMEDOUT past the deadline or past the memory limit
 * (*OVER_MEMORY set). */
static int watch(art_sandbox *sb, wslot *w, uint64_t deadline, int *over)
{
  for (;;) {
    uint64_t tick = art__sbx_now_ms() + 250;
    if (deadline && deadline < tick)
      tick = deadline;
    struct pollfd p = {w->sock, POLLIN, 0};
    int r = poll(
        &p, 1,
        (int)(tick - art__sbx_now_ms() > 250 ? 250 : tick - art__sbx_now_ms()));
    if (r > 0)
      return 0;
    if (r < 0 && errno != EINTR)
      return -1;
    if (deadline && art__sbx_now_ms() >= deadline)
      return errno = ETIMEDOUT, -1;
    if (sb->o.memory_limit &&
        rss_of(w->pid) > sb->o.memory_limit * SBX_RSS_FACTOR) {
      *over = 1;
      return errno = ETIMEDOUT, -1;
    }
  }
}

typedef struct here_sink {
  art_sandbox_sink sink;
  void *ud;
} here_sink;

static int flush_here(art_sandbox_buf *b)
{
  here_sink *h = b->flush_ud;
  return h->sink(h->ud, b->p, b->len);
}

static art_status run_here(art_sandbox *sb,
                           wslot *w,
                           art_ctx *ctx,
                           const art_batch_item *it,
                           art_sandbox_sink sink,
                           void *sink_ud,
                           art_sandbox_result *res)
{
  art_sandbox_buf out = {0};
  here_sink hs = {sink, sink_ud};
  if (sink) {
    out.flush = flush_here;
    out.flush_ud = &hs;
  }
  art_source *src = NULL;
  art_status st = ART_OK;
  if (!w->inited) {
    if (sb->job.init)
      st = sb->job.init(sb->ud, ctx, &w->wstate);
    if (st != ART_OK)
      return st;
    w->inited = 1;
  }
  res->status = art_source_open(ctx, it->path, it->kind, &src);
  if (res->status == ART_OK)
    res->status = check_same(ctx, it, src);
  if (res->status == ART_OK)
    res->status = sb->job.run(sb->ud, w->wstate, ctx, src, it, &out);
  if (res->status != ART_OK)
    res_ctx_msg(res, ctx);
  art_source_free(src);
  if (sink && out.len && !out.flush_failed)
    sink(sink_ud, out.p, out.len);
  if (sink) {
    free(out.p);
    out.p = NULL;
    out.len = 0;
  }
  res->data = out.p;
  res->len = out.len;
  if (out.oom)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  return ART_OK;
}

/* Wait for the result of the job sent to W. 0: RES filled from it; -1:
 * the worker is gone or misbehaved (errno ETIMEDOUT for the time limit). */
/* Hand a streamed piece (header H read) to SINK, or drop it. */
static int take_piece(wslot *w,
                      const sbx_hdr *h,
                      uint64_t deadline,
                      art_sandbox_sink sink,
                      void *sink_ud,
                      int *sink_stop)
{
  char buf[65536];
  uint64_t left = h->len;
  while (left) {
    size_t n = left > sizeof buf ? sizeof buf : (size_t)left;
    if (art__sbx_read(w->sock, buf, n, deadline) != 0)
      return -1;
    left -= n;
    if (sink && !*sink_stop && sink(sink_ud, buf, n) != 0)
      *sink_stop = 1;
  }
  return 0;
}

static int read_result(art_sandbox *sb,
                       wslot *w,
                       uint64_t deadline,
                       art_sandbox_sink sink,
                       void *sink_ud,
                       art_sandbox_result *res,
                       uint64_t *vm_peak)
{
  int sink_stop = 0;
  sbx_hdr h;
  sbx_result r;
  int passed;
  for (;;) {
    if (art__sbx_recv_hdr(w->sock, &h, &passed, deadline) != 0)
      return -1;
    if (passed >= 0)
      close(passed);
    if (h.type == SBX_DATA) {
      if (take_piece(w, &h, deadline, sink, sink_ud, &sink_stop) != 0)
        return -1;
      if (sb->o.timeout_idle && deadline) /* a sign of life */
        deadline = art__sbx_now_ms() + sb->o.timeout_ms;
      continue;
    }
    if (h.type < SBX_X_OPEN || h.type > SBX_X_CLOSE)
      break;
    if (x_serve(sb, w, &h, deadline) != 0)
      return -1;
  }
  if (h.type != SBX_RESULT || h.len < sizeof r || h.len > SBX_MAX_MSG ||
      art__sbx_read(w->sock, &r, sizeof r, deadline) != 0) {
    errno = EPROTO;
    return -1;
  }
  size_t rest = (size_t)(h.len - sizeof r);
  if (r.errlen > rest || r.status >= ART_ERR_COUNT_) {
    errno = EPROTO;
    return -1;
  }
  if (r.errlen_l > rest - r.errlen) {
    errno = EPROTO;
    return -1;
  }
  size_t texts = (size_t)r.errlen + r.errlen_l;
  char *err = r.errlen ? malloc((size_t)r.errlen + 1) : NULL;
  char *err_l = r.errlen_l ? malloc((size_t)r.errlen_l + 1) : NULL;
  unsigned char *data = rest > texts ? malloc(rest - texts) : NULL;
  if ((r.errlen && !err) || (r.errlen_l && !err_l) || (rest > texts && !data) ||
      (r.errlen && art__sbx_read(w->sock, err, r.errlen, deadline) != 0) ||
      (r.errlen_l &&
       art__sbx_read(w->sock, err_l, r.errlen_l, deadline) != 0) ||
      (rest > texts &&
       art__sbx_read(w->sock, data, rest - texts, deadline) != 0)) {
    int e = errno;
    free(err);
    free(err_l);
    free(data);
    errno = e;
    return -1;
  }
  if (err)
    err[r.errlen] = '\0';
  if (err_l)
    err_l[r.errlen_l] = '\0';
  for (unsigned k = 0; k < MAX_XFILES; k++)
    if (w->x[k].fd >= 0)
      x_finish(w, k, 0); /* left open by the job: incomplete */
  res->status = (art_status)r.status;
  res->errmsg = err;
  res->errmsg_l = err_l;
  res->data = data;
  res->len = rest - texts;
  *vm_peak = r.vm_peak;
  return 0;
}

art_status art_sandbox_run(art_sandbox *sb,
                           art_ctx *ctx,
                           const art_batch_item *it,
                           art_sandbox_result *res)
{
  return art_sandbox_run_stream(sb, ctx, it, NULL, NULL, res);
}

art_status art_sandbox_run_stream(art_sandbox *sb,
                                  art_ctx *ctx,
                                  const art_batch_item *it,
                                  art_sandbox_sink sink,
                                  void *sink_ud,
                                  art_sandbox_result *res)
{
  art_source *src = NULL;
  art_source_kind kind;
  art_status st = ART_OK;
  uint64_t vm_peak = 0;
  wslot *w;
  if (!sb || !it || !res)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "sandbox: no item");
  memset(res, 0, sizeof *res);
  w = acquire(sb);
  if (sb->o.disabled) {
    st = run_here(sb, w, ctx, it, sink, sink_ud, res);
    release(sb, w);
    return st;
  }
  res->status = open_input(ctx, it, &src, &kind);
  if (res->status != ART_OK) {
    res_ctx_msg(res, ctx);
    goto out;
  }
  if (w->pid == 0 && zygote_spawn(sb, &w->pid, &w->sock) != 0) {
    w->pid = 0;
    res->outcome = ART_SANDBOX_FAILED;
    res->status = ART_ERR_INTERNAL;
    res_msg(res, N_("%s: sandbox: cannot start a worker"), it->path);
    goto out;
  }
  sbx_job j = {it->seq,           it->size,       it->dev,
               it->ino,           it->nlink,      it->mtime_sec,
               it->mtime_nsec,    it->mode,       it->uid,
               it->gid,           (uint32_t)kind, (uint32_t)it->named,
               (uint32_t)it->type};
  int fd = src ? art__source_fd(src) : -1;
  uint64_t deadline =
      sb->o.timeout_ms ? art__sbx_now_ms() + sb->o.timeout_ms : 0;
  int rc = art__sbx_send(w->sock, SBX_JOB, (fd >= 0) | (sink ? 2u : 0u), &j,
                         sizeof j, it->path, strlen(it->path), fd);
  int over_memory = 0;
  if (rc == 0)
    rc = watch(sb, w, deadline, &over_memory);
  if (rc == 0)
    rc = read_result(sb, w, deadline, sink, sink_ud, res, &vm_peak);
  if (rc == 0 && sink && res->len) {
    /* the last piece came with the result */
    sink(sink_ud, res->data, res->len);
    free(res->data);
    res->data = NULL;
    res->len = 0;
  }
  if (rc != 0) {
    int timed_out = errno == ETIMEDOUT && !over_memory, status = 0;
    long maxrss = 0;
    end_worker(sb, w, &status, &maxrss);
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    uint64_t rss = (uint64_t)maxrss * 1024u;
    if (timed_out) {
      res->outcome = ART_SANDBOX_TIMEOUT;
      res->status = ART_ERR_TIMEOUT;
      if (sb->o.timeout_idle)
        res_msg(res,
                N_("examination made no progress for %u s: worker stopped"),
                (sb->o.timeout_ms + 999) / 1000);
      else
        res_msg(res, N_("examination took longer than %u s: worker stopped"),
                (sb->o.timeout_ms + 999) / 1000);
    } else if (over_memory ||
               (sb->o.memory_limit && rss >= sb->o.memory_limit / 2 &&
                (sig || (WIFEXITED(status) && WEXITSTATUS(status) != 0)))) {
      /* Ended abnormally (a library's "out of memory" abort or exit, the
       * kernel's OOM killer) with half its address space or more resident:
       * the limit, not a bug, stopped it. */
      res->outcome = ART_SANDBOX_MEMORY;
      res->status = ART_ERR_LIMIT;
      res->signal = sig;
      res_msg(res, N_("worker reached its memory limit (%llu MiB)"),
              (unsigned long long)(sb->o.memory_limit >> 20));
    } else {
      res->outcome = ART_SANDBOX_CRASHED;
      res->status = ART_ERR_INTERNAL;
      res->signal = sig;
      if (sig)
        res_msg(res, N_("worker crashed: %s"), art_sandbox_signal_name(sig));
      else if (WIFEXITED(status))
        res_msg(res, N_("worker crashed: exit status %d"), WEXITSTATUS(status));
      else
        res_msg(res, N_("worker crashed: broken result stream"));
    }
    free(res->data);
    res->data = NULL;
    res->len = 0;
    input_sha256(ctx, it, kind == ART_SOURCE_AUTO ? it->kind : kind,
                 res->sha256);
  } else if (sb->o.memory_limit &&
             vm_peak + memory_margin(sb->o.memory_limit) >=
                 sb->o.memory_limit) {
    /* It finished, but came to its limit on the way: what it could not
     * allocate is missing from the result. A fresh worker takes over. */
    end_worker(sb, w, NULL, NULL);
    res->outcome = ART_SANDBOX_MEMORY;
    res_msg(res, N_("worker reached its memory limit (%llu MiB)"),
            (unsigned long long)(sb->o.memory_limit >> 20));
    input_sha256(ctx, it, kind == ART_SOURCE_AUTO ? it->kind : kind,
                 res->sha256);
  }
out:
  art_source_free(src);
  release(sb, w);
  if (res->status != ART_OK && !res->errmsg)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  return st;
}
