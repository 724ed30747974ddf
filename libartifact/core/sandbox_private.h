/* Internal interface between the sandbox's parent side (sandbox.c) and its
 * worker side (sandbox_worker.c): the framing of messages on the sockets.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_SANDBOX_PRIVATE_H
#define ART_SANDBOX_PRIVATE_H

#include <artifact/sandbox.h>
#include <stddef.h>
#include <stdint.h>

/* Built with AddressSanitizer: no RLIMIT_AS (its shadow takes terabytes of
 * address space), and resident memory is about three times a normal
 * build's (shadow, quarantine), which the parent's watch allows for. */
#if defined(__SANITIZE_ADDRESS__)
#define SBX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_ASAN 1
#endif
#endif
#ifdef SBX_ASAN
#define SBX_RSS_FACTOR 3u
#else
#define SBX_RSS_FACTOR 1u
#endif

/* Every message: this header, then LEN bytes; a descriptor may ride on the
 * header (SCM_RIGHTS). */
typedef struct sbx_hdr {
  uint32_t type;
  uint32_t aux;
  uint64_t len;
} sbx_hdr;

enum {
  SBX_SPAWN = 1, /* parent -> zygote: fork a worker; reply SBX_SPAWNED with
                    aux = pid and the parent's end of its socket */
  SBX_SPAWNED,
  SBX_REAP,   /* parent -> zygote: wait for worker aux; reply SBX_REAPED */
  SBX_REAPED, /* payload: sbx_reaped */
  SBX_JOB,    /* parent -> worker: sbx_job + path; aux = 1: a descriptor */
  SBX_RESULT, /* worker -> parent: sbx_result + errmsg + errmsg_l + data */
  /* Extraction, written by the parent (extract_hook_private.h): */
  SBX_X_OPEN,  /* worker -> parent: the relative path; reply SBX_X_REPLY */
  SBX_X_DATA,  /* worker -> parent: aux = handle, bytes; no reply */
  SBX_X_CLOSE, /* worker -> parent: aux = handle, uint32 failed; reply */
  SBX_X_REPLY, /* parent -> worker: aux = errno (0: done), int32 handle */
  SBX_DATA     /* worker -> parent: a piece of a streamed job's output */
};

typedef struct sbx_reaped {
  int32_t status; /* as waitpid gives it */
  int32_t pad;
  int64_t maxrss_kb;
} sbx_reaped;

typedef struct sbx_job {
  uint64_t seq, size, dev, ino, nlink;
  int64_t mtime_sec, mtime_nsec;
  uint32_t mode, uid, gid, kind, named, type;
} sbx_job;

typedef struct sbx_result {
  uint32_t status;
  uint32_t errlen;   /* the C-locale message (records) */
  uint32_t errlen_l; /* then the same translated for a person */
  uint32_t pad;
  uint64_t vm_peak; /* bytes: the worker's peak address space so far */
} sbx_result;

/* The largest message accepted from a worker. */
#define SBX_MAX_MSG (1ull << 31)

struct art_sandbox_buf {
  unsigned char *p;
  size_t len, cap;
  int oom;
  /* Streaming: pieces of at least this size go to flush() at once. */
  int (*flush)(art_sandbox_buf *b);
  void *flush_ud;
  int flush_failed;
};

/* Streamed pieces are this large. */
#define SBX_PIECE (256u << 10)

/* Send a header and payload (two parts, either may be empty) on FD, with
 * descriptor PASS attached when >= 0. 0 or -1 (errno). */
int art__sbx_send(int fd,
                  uint32_t type,
                  uint32_t aux,
                  const void *a,
                  size_t alen,
                  const void *b,
                  size_t blen,
                  int pass);
/* Read exactly LEN bytes; DEADLINE_MS (CLOCK_MONOTONIC, 0: none) bounds
 * the wait. 0, or -1 with errno (ETIMEDOUT; EPIPE at end of stream). */
int art__sbx_read(int fd, void *buf, size_t len, uint64_t deadline_ms);
/* Read a header, with a received descriptor into *FD (else -1). */
int art__sbx_recv_hdr(int fd, sbx_hdr *h, int *passed, uint64_t deadline_ms);
uint64_t art__sbx_now_ms(void);

/* The worker's life (sandbox_worker.c): sandbox itself, init the job, serve
 * SBX_JOB messages on SOCK until it is closed; never returns. */
void art__sbx_worker_main(int sock,
                          const art_sandbox_opts *opts,
                          const art_sandbox_job *job,
                          void *userdata) __attribute__((noreturn));

#endif
