/* Sandboxed examination, worker side: resource limits, no_new_privs and
 * the seccomp allow-list (docs/sandbox.md), then one job per message.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"
#include "extract_hook_private.h"
#include "i18n.h"
#include "sandbox_private.h"
#include "source_private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <malloc.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#define WORKER_NOFILE 64
/* No file can be opened for writing; the only files a worker writes are its
 * own memory files (libmagic's window, at most 7 MiB), so this bounds them. */
#define WORKER_FSIZE (16u << 20)

/* Calls a worker needs, each for a reason given in docs/sandbox.md. */
static const char *const allowed[] = {
    /* reading the input and the job messages, sending results */
    "read", "pread64", "readv", "preadv", "preadv2", "lseek", "recvmsg",
    "recvfrom", "sendmsg", "sendto", "write", "writev", "close", "fstat",
    "newfstatat", "statx", "fadvise64", "readahead",
    /* memory */
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "membarrier",
    /* threads (reader lanes) and their synchronisation */
    "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
    "sched_yield", "sched_getaffinity", "gettid", "getpid", "exit",
    "exit_group", "nanosleep", "clock_nanosleep",
    /* signals (a crash must still end as a signal, abort() raises one) */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    /* time and randomness (libraries seed hash tables, time the scan) */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
    /* facts libraries ask for (qsort asks sysinfo for physical memory) */
    "sysinfo", "uname", "getuid", "geteuid", "getgid", "getegid", "getrlimit",
    "prlimit64", "getcwd", "readlink", "readlinkat", "access", "faccessat",
    "faccessat2", "getdents64", "fcntl", "poll", "ppoll"};

/* Calls that mean the worker was taken over: they end it at once (SIGSYS)
 * rather than fail, so the parent reports it. */
static const char *const fatal[] = {"execve",
                                    "execveat",
                                    "ptrace",
                                    "process_vm_readv",
                                    "process_vm_writev",
                                    "socketpair",
                                    "connect",
                                    "bind",
                                    "listen",
                                    "accept",
                                    "accept4",
                                    "fork",
                                    "vfork",
                                    "kexec_load",
                                    "init_module",
                                    "finit_module",
                                    "mount",
                                    "umount2",
                                    "pivot_root",
                                    "chroot",
                                    "setuid",
                                    "setgid",
                                    "setreuid",
                                    "setregid",
                                    "setresuid",
                                    "setresgid",
                                    "setns",
                                    "unshare",
                                    "bpf",
                                    "perf_event_open",
                                    "userfaultfd",
                                    "keyctl",
                                    "add_key",
                                    "request_key"};

static int add_rule(scmp_filter_ctx f, uint32_t action, const char *name)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return 0; /* not on this architecture */
  return seccomp_rule_add(f, action, nr, 0);
}

static int load_seccomp(void)
{
  /* What the list does not name fails with EPERM: a library that probes
   * for something gets an error it handles, not a dead worker. */
  scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  int rc = 0;
  if (!f)
    return -1;
  for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0]; i++)
    rc = add_rule(f, SCMP_ACT_ALLOW, allowed[i]);
  for (size_t i = 0; rc == 0 && i < sizeof fatal / sizeof fatal[0]; i++)
    rc = add_rule(f, SCMP_ACT_KILL_PROCESS, fatal[i]);
  /* socket: the network ends the worker; a local socket is refused (glibc's
   * user lookup, getpwuid for YARA's "owner", asks nscd first, then reads
   * /etc/passwd). */
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                          SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 1,
                          SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  /* open/openat only read-only: no write access, no creation, no
   * truncation (libmagic, iconv's modules and image segments read files). */
  const scmp_datum_t wmask =
      O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, wmask, 0));
  if (rc == 0 && seccomp_syscall_resolve_name("open") != __NR_SCMP_ERROR)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                          SCMP_A1(SCMP_CMP_MASKED_EQ, wmask, 0));
  /* New threads only (CLONE_THREAD); clone3 hides its flags from seccomp,
   * so it reports ENOSYS and glibc falls back to clone. */
  if (rc == 0)
    rc = seccomp_rule_add(
        f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  if (rc == 0 && seccomp_syscall_resolve_name("clone3") != __NR_SCMP_ERROR)
    rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  /* Signals only to itself (abort, a thread's cancellation). */
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
  /* The type identification hands libmagic its window of bytes as an
   * in-memory file (memfd): creating one (no huge pages) and emptying it,
   * never standard error (a file the user redirected it to). */
  if (rc == 0)
    rc = seccomp_rule_add(
        f, SCMP_ACT_ALLOW, SCMP_SYS(memfd_create), 1,
        SCMP_A1(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)MFD_CLOEXEC, 0));
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ftruncate), 1,
                          SCMP_A0(SCMP_CMP_GT, STDERR_FILENO));
  /* ioctl: the size of a block device, and isatty() */
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)BLKGETSIZE64));
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)TCGETS));
  /* prctl: naming threads only */
  if (rc == 0)
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                          SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
  if (rc == 0)
    rc = seccomp_load(f);
  seccomp_release(f);
  return rc == 0 ? 0 : -1;
}

static int set_limit(int res, rlim_t v)
{
  struct rlimit r = {v, v};
  return setrlimit(res, &r);
}

/* The peak address space from /proc/self/status (opened before the
 * filter; reading it again gives fresh figures). */
static uint64_t vm_peak(int fd)
{
#ifdef SBX_ASAN
  (void)fd; /* the shadow memory makes it meaningless: no RLIMIT_AS */
  return 0;
#endif
  char buf[4096];
  ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  const char *p = strstr(buf, "VmPeak:");
  if (!p)
    return 0;
  return strtoull(p + 7, NULL, 10) * 1024u;
}

/* A streamed job's output goes to the parent in pieces. */
static int flush_to_parent(art_sandbox_buf *b)
{
  return art__sbx_send(*(int *)b->flush_ud, SBX_DATA, 0, b->p, b->len, NULL, 0,
                       -1);
}

/* ---- extraction through the parent ---- */

const art__extract_hook *art__extract_hook_active;
static int hook_sock = -1;

static int hook_reply(int32_t *handle)
{
  sbx_hdr h;
  int32_t v = -1;
  int passed;
  if (art__sbx_recv_hdr(hook_sock, &h, &passed, 0) != 0)
    return -1;
  if (passed >= 0)
    close(passed);
  if (h.type != SBX_X_REPLY || h.len != sizeof v ||
      art__sbx_read(hook_sock, &v, sizeof v, 0) != 0) {
    errno = EPROTO;
    return -1;
  }
  if (h.aux) {
    errno = (int)h.aux;
    return -1;
  }
  if (handle)
    *handle = v;
  return 0;
}

static int hook_open(const char *rel)
{
  int32_t handle = -1;
  if (art__sbx_send(hook_sock, SBX_X_OPEN, 0, rel, strlen(rel), NULL, 0, -1) !=
          0 ||
      hook_reply(&handle) != 0)
    return -1;
  return handle;
}

static int hook_write(int handle, const void *p, size_t n)
{
  return art__sbx_send(hook_sock, SBX_X_DATA, (uint32_t)handle, p, n, NULL, 0,
                       -1);
}

static int hook_close(int handle, int failed)
{
  uint32_t f = failed != 0;
  if (art__sbx_send(hook_sock, SBX_X_CLOSE, (uint32_t)handle, &f, sizeof f,
                    NULL, 0, -1) != 0)
    return -1;
  return hook_reply(NULL);
}

static const art__extract_hook parent_writes = {hook_open, hook_write,
                                                hook_close};

#ifdef ART_TESTING
/* Test-only hostile behaviour, chosen by the input's name
 * (ART_SANDBOX_TEST_<what>...): what a taken-over parser would try. */
static void test_hook(const char *path, art_ctx *ctx)
{
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  if (strncmp(b, "ART_SANDBOX_TEST_", 17) != 0)
    return;
  b += 17;
  if (strncmp(b, "write", 5) == 0) {
    int fd =
        open("/tmp/art-sandbox-escaped", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    art__set_error(ctx, ART_ERR_PERMISSION, errno,
                   "%s: test hook: open for writing %s: %s", path,
                   fd >= 0 ? "succeeded" : "failed",
                   fd >= 0 ? "sandbox broken" : art__strerror_c(errno));
  } else if (strncmp(b, "socket", 6) == 0) {
    syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); /* dies: SIGSYS */
    art__set_error(ctx, ART_ERR_INTERNAL, errno,
                   "%s: test hook: socket() returned: sandbox broken", path);
  } else if (strncmp(b, "segv", 4) == 0) {
    raise(SIGSEGV);
  } else if (strncmp(b, "spin", 4) == 0) {
    for (volatile unsigned long i = 0;; i++)
      ;
  } else if (strncmp(b, "alloc", 5) == 0) {
    /* Touch memory until the limit stops it. */
    for (;;) {
      char *p = malloc(16u << 20);
      if (!p)
        abort();
      memset(p, 1, 16u << 20);
    }
  }
}
#endif

/* dissect/office_crypto.c */
int art__office_crypto_init(void);

void art__sbx_worker_main(int sock,
                          const art_sandbox_opts *opts,
                          const art_sandbox_job *job,
                          void *ud)
{
  art_ctx *ctx = NULL;
  void *wstate = NULL;
  int status_fd;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NAME, "art-worker");
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN); /* a write to a file fails with EFBIG instead */
  /* Few arenas: each thread's would reserve 64 MiB of the address space. */
  mallopt(M_ARENA_MAX, 2);
  status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  hook_sock = sock;
  art__extract_hook_active = &parent_writes;
#ifndef SBX_ASAN
  if (opts->memory_limit)
    set_limit(RLIMIT_AS, (rlim_t)opts->memory_limit);
#else
  /* AddressSanitizer reserves terabytes of shadow: no RLIMIT_AS there (the
   * parent's resident-memory watch still applies). */
  (void)opts;
#endif
  /* Per-process set-up the filter would forbid: OpenSSL's legacy provider
   * (RC4, for Office 97-2003 decryption) is a shared object to load. */
  art__office_crypto_init();
  if (set_limit(RLIMIT_FSIZE, WORKER_FSIZE) != 0 ||
      set_limit(RLIMIT_CORE, 0) != 0 ||
      set_limit(RLIMIT_NOFILE, WORKER_NOFILE) != 0 ||
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || load_seccomp() != 0)
    _exit(126); /* never examine anything unconfined */
  if (art_ctx_new(&ctx) != ART_OK)
    _exit(125);
  if (job->init && job->init(ud, ctx, &wstate) != ART_OK)
    _exit(124);
  for (;;) {
    sbx_hdr h;
    sbx_job j;
    int fd = -1;
    char *path = NULL;
    art_sandbox_buf out = {0};
    art_source *src = NULL;
    art_status st;
    if (art__sbx_recv_hdr(sock, &h, &fd, 0) != 0)
      break;
    if (h.type != SBX_JOB || h.len < sizeof j || h.len > (1u << 20) ||
        art__sbx_read(sock, &j, sizeof j, 0) != 0 ||
        !(path = calloc(1, (size_t)(h.len - sizeof j) + 1)) ||
        art__sbx_read(sock, path, (size_t)(h.len - sizeof j), 0) != 0)
      break;
    art_batch_item it = {0};
    it.seq = j.seq;
    it.path = path;
    it.kind = (art_source_kind)j.kind;
    it.named = (int)j.named;
    it.type = (art_entry_type)j.type;
    it.errmsg = "";
    it.size = j.size;
    it.dev = j.dev;
    it.ino = j.ino;
    it.nlink = j.nlink;
    it.mode = j.mode;
    it.mtime_sec = j.mtime_sec;
    it.mtime_nsec = (long)j.mtime_nsec;
    it.uid = j.uid;
    it.gid = j.gid;
    if (h.aux & 2u) {
      out.flush = flush_to_parent;
      out.flush_ud = &sock;
    }
    art_ctx_clear(ctx);
    st = fd >= 0 ? art__source_open_fd(ctx, fd, path, it.kind, &src)
                 : art_source_open(ctx, path, it.kind, &src);
#ifdef ART_TESTING
    if (st == ART_OK) {
      test_hook(path, ctx);
      if (art_ctx_status(ctx) != ART_OK)
        st = art_ctx_status(ctx);
    }
#endif
    if (st == ART_OK)
      st = job->run(ud, wstate, ctx, src, &it, &out);
    art_source_free(src);
    /* Both texts: the C one for records, the translated one for the
     * person reading the tool's errors (the worker inherited the tool's
     * locale and the catalogue the parent loaded before forking). */
    const char *msg = st != ART_OK ? art_ctx_errmsg(ctx) : "";
    const char *msg_l = st != ART_OK ? art_ctx_errmsg_localized(ctx) : "";
    if (out.flush_failed)
      break; /* the parent is gone */
    if (out.oom) {
      st = ART_ERR_NOMEM;
      msg = N_("out of memory for the result");
      msg_l = _(msg);
      out.len = 0;
    }
    sbx_result r = {(uint32_t)st, (uint32_t)strlen(msg),
                    (uint32_t)strlen(msg_l), 0, vm_peak(status_fd)};
    art_sandbox_buf head = {0};
    int rc = art_sandbox_buf_append(&head, &r, sizeof r) != ART_OK ||
             art_sandbox_buf_append(&head, msg, strlen(msg)) != ART_OK ||
             art_sandbox_buf_append(&head, msg_l, strlen(msg_l)) != ART_OK ||
             art__sbx_send(sock, SBX_RESULT, 0, head.p, head.len, out.p,
                           out.len, -1) != 0;
    free(head.p);
    free(out.p);
    free(path);
    if (rc)
      break;
  }
  _exit(0);
}
