/* Sandboxed examination: a pool of worker processes that parse hostile
 * bytes under seccomp and resource limits, fed file descriptors by the
 * process that owns the output.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline:
 *   1. art_sandbox_opts_init() the defaults; set what the user asked
 *      (--no-sandbox, --timeout, --memory-limit).
 *   2. art_sandbox_new() with the per-artifact job, while the process has
 *      one thread (before art_batch_run): it forks a single-threaded
 *      "zygote" that later forks every worker, so workers inherit the
 *      job's configuration (compiled rules, hash sets) as it is now.
 *   3. From any thread (typically the batch's work callback):
 *      art_sandbox_run() on one item. The parent opens the input read-only
 *      (art_source: O_NOATIME), passes the descriptor to a free worker
 *      (SCM_RIGHTS), and waits for the job's output bytes at most the
 *      timeout. art_sandbox_result_clear() when done with the result.
 *   4. art_sandbox_free() ends the workers and the zygote.
 *
 * A worker, before it touches input bytes, sets RLIMIT_AS (the memory
 * limit), RLIMIT_FSIZE 0, RLIMIT_NOFILE 64 and RLIMIT_CORE 0, sets
 * PR_SET_NO_NEW_PRIVS and loads a seccomp allow-list (docs/sandbox.md):
 * no open for writing, no execve, no sockets, no ptrace. A worker that
 * goes over the timeout, dies on a signal or comes to its memory limit is
 * replaced; the item's result says which (outcome), and the next items
 * go on in new workers. Workers are forked once and reused, never per
 * item.
 *
 * With opts.disabled the job runs in the calling thread, in this process,
 * with the same inputs and outputs (for debugging).
 */
#ifndef ART_SANDBOX_H
#define ART_SANDBOX_H

#include "batch.h"
#include "source.h"

ART_BEGIN_DECLS

typedef struct art_sandbox art_sandbox;

#define ART_SANDBOX_DEFAULT_MEMORY     (1ull << 30) /* 1 GiB per worker */
#define ART_SANDBOX_DEFAULT_TIMEOUT_MS 60000u       /* per artifact */

typedef struct art_sandbox_opts {
  int disabled;            /* run jobs in this process (--no-sandbox) */
  unsigned workers;        /* processes in the pool; 0: online CPUs */
  uint64_t memory_limit;   /* RLIMIT_AS of each worker, bytes */
  unsigned timeout_ms;     /* wall-clock limit per item; 0: none */
  int timeout_idle;        /* the limit counts from the worker's last piece
                              of streamed output, not from the start (a
                              job that streams as it goes, and sends a
                              piece at least every second while it works:
                              art_sandbox_buf_flush) */
  const char *extract_dir; /* archive members extracted by a job are
                              written here by this process (the workers
                              send their bytes); must exist */
} art_sandbox_opts;

ART_API void art_sandbox_opts_init(art_sandbox_opts *opts);

/* Growable output of one job: what the worker sends back. When the run
 * was given a sink (art_sandbox_run_stream), the output goes to it in
 * pieces as it grows, so that a job may produce more than fits in memory
 * (the strings of a disk image). */
typedef struct art_sandbox_buf art_sandbox_buf;
ART_API art_status art_sandbox_buf_append(art_sandbox_buf *buf,
                                          const void *data,
                                          size_t len);

/* A streamed job: send what BUF holds now, even nothing (a sign of life
 * for timeout_idle). Not streamed: nothing to do. */
ART_API art_status art_sandbox_buf_flush(art_sandbox_buf *buf);
/* Receives a streamed job's output in order, in this process: 0 to go on,
 * nonzero to drop the rest of it. */
typedef int (*art_sandbox_sink)(void *sink_ud, const void *data, size_t len);

/* The per-artifact work, run in a worker (or, disabled, in the caller's
 * thread). init and fini may be NULL; they run once per worker. run
 * examines SRC (opened from ITEM) and appends its result to OUT; its
 * status and, when not ART_OK, the context's message travel back too. */
typedef struct art_sandbox_job {
  art_status (*init)(void *userdata, art_ctx *ctx, void **wstate);
  void (*fini)(void *userdata, void *wstate);
  art_status (*run)(void *userdata,
                    void *wstate,
                    art_ctx *ctx,
                    art_source *src,
                    const art_batch_item *item,
                    art_sandbox_buf *out);
} art_sandbox_job;

typedef enum art_sandbox_outcome {
  ART_SANDBOX_DONE = 0, /* the job ran to its end (see status) */
  ART_SANDBOX_TIMEOUT,  /* over the wall-clock limit: worker killed */
  ART_SANDBOX_MEMORY,   /* the memory limit was reached: worker replaced;
                           data is there when the job still finished */
  ART_SANDBOX_CRASHED,  /* the worker died on a signal (see signal) */
  ART_SANDBOX_FAILED    /* the sandbox itself failed (see status) */
} art_sandbox_outcome;

typedef struct art_sandbox_result {
  art_sandbox_outcome outcome;
  art_status status;   /* the job's status, or why it could not run */
  char *errmsg;        /* DONE: the job's "PATH: reason" when status !=
                          ART_OK; otherwise what happened to the worker,
                          without the path ("worker crashed: SIGSEGV"), in
                          the C locale (what records carry) */
  char *errmsg_l;      /* ERRMSG translated for a person (LC_MESSAGES), as
                          the worker or the parent formatted it; NULL when
                          ERRMSG is */
  int signal;          /* CRASHED: the signal that ended the worker */
  unsigned char *data; /* the job's output (DONE, maybe MEMORY) */
  size_t len;
  char sha256[65]; /* TIMEOUT, MEMORY, CRASHED: the input's sha256, for
                      reproduction ("" when it could not be read) */
} art_sandbox_result;

/* The job and USERDATA must stay valid until art_sandbox_free. */
ART_API art_status art_sandbox_new(art_ctx *ctx,
                                   const art_sandbox_opts *opts,
                                   const art_sandbox_job *job,
                                   void *userdata,
                                   art_sandbox **out);
ART_API void art_sandbox_free(art_sandbox *sb);

/* Run the job on ITEM (its path and kind; a regular file, a device or a
 * FIFO named by the user, or standard input) in a free worker. Returns
 * ART_OK when RES was filled (whatever the outcome), or a fatal error. */
ART_API art_status art_sandbox_run(art_sandbox *sb,
                                   art_ctx *ctx,
                                   const art_batch_item *item,
                                   art_sandbox_result *res);
/* The same, with the job's output handed to SINK as it comes (RES->data
 * stays empty). */
ART_API art_status art_sandbox_run_stream(art_sandbox *sb,
                                          art_ctx *ctx,
                                          const art_batch_item *item,
                                          art_sandbox_sink sink,
                                          void *sink_ud,
                                          art_sandbox_result *res);
ART_API void art_sandbox_result_clear(art_sandbox_result *res);

/* A signal's name ("SIGSEGV"), or "signal N". */
ART_API const char *art_sandbox_signal_name(int sig);

/* Whether this build and kernel can sandbox (seccomp available). */
ART_API int art_sandbox_available(void);

ART_END_DECLS

#endif
