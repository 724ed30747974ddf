/* The batch driver: turns the user's inputs (paths, trees, name lists) into
 * items, examines them on --jobs worker threads, and hands each result back
 * in input order. Every tool that processes many inputs runs on it.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_batch_new() with options; art_batch_add_path() and
 * art_batch_add_list() the inputs in order; art_batch_run() with the work and
 * emit callbacks; art_batch_free().
 *
 * Order: items are emitted in the order they were found (inputs in the order
 * added; trees in the walker's order), whatever the number of jobs, so the
 * same inputs give the same output. Memory stays bounded: at most a small
 * window of items is in flight. Inputs that cannot be examined (a walk
 * error, a directory without recursion) reach emit with their status and
 * message and no work is done for them; symlinks not followed, FIFOs,
 * sockets and devices found inside trees reach emit with their type and
 * are never opened.
 */
#ifndef ART_BATCH_H
#define ART_BATCH_H

#include "source.h"
#include "walk.h"

ART_BEGIN_DECLS

typedef struct art_batch art_batch;

typedef struct art_batch_opts {
  unsigned jobs;       /* worker threads; 0: the number of online CPUs */
  int recursive;       /* descend into directories */
  unsigned walk_flags; /* ART_WALK_FOLLOW, ART_WALK_ONE_FS */
  unsigned max_depth;  /* 0: no limit */
  int no_images;       /* inputs named by the user are plain files, never
                          split/E01 images */
  int split_images;    /* a named NAME.001 with a NAME.002 beside it is a
                          split raw image (ART_SOURCE_AUTO); without it a
                          named input is ART_SOURCE_NAMED: an image only when
                          its content says so (E01, virtual disks) */
  unsigned window;     /* items in flight from the oldest one not yet
                          emitted (results wait to be emitted in order);
                          0: 16 per worker + 64. A tool whose held results
                          are bounded in bytes sets more, so that one long
                          input does not leave the other workers idle */
} art_batch_opts;

/* One input; valid only during the callback it is passed to. */
typedef struct art_batch_item {
  uint64_t seq;         /* position in output order, from 0 */
  const char *path;     /* as given, or as found by the walk */
  art_source_kind kind; /* what to open it as (AUTO for named inputs) */
  int named;            /* named by the user rather than found in a tree */
  art_entry_type type;  /* from lstat (stat for named inputs) */
  art_status status;    /* ART_OK, or why it cannot be examined */
  const char *errmsg;   /* "PATH: reason" when status != ART_OK */
  uint64_t size, dev, ino, nlink;
  uint32_t mode;
  int64_t mtime_sec;
  long mtime_nsec;
  uint32_t uid, gid;
  const char *errmsg_l; /* ERRMSG translated for a person (what a tool
                           prints); ERRMSG stays in the C locale (records) */
} art_batch_item;

typedef struct art_batch_ops {
  /* Per worker, on that worker's thread, with the worker's own context.
   * Either may be NULL. */
  art_status (*worker_init)(void *userdata, art_ctx *ctx, void **wstate);
  void (*worker_fini)(void *userdata, void *wstate);
  /* Examine one item on a worker: a regular file found in a tree, or a
   * named input of any type but directory and socket (a FIFO or device
   * named by the user is read). The returned result goes to emit. */
  void *(*work)(void *userdata,
                void *wstate,
                art_ctx *ctx,
                const art_batch_item *item);
  /* Called once per item in order, one call at a time (on any thread).
   * RESULT is what work returned, or NULL when no work was done; emit owns
   * it. Return nonzero to stop the run early (emit is still called for
   * items already in flight, so it can release their results). */
  int (*emit)(void *userdata, const art_batch_item *item, void *result);
} art_batch_ops;

ART_API art_status art_batch_new(art_ctx *ctx,
                                 const art_batch_opts *opts,
                                 art_batch **out);
ART_API void art_batch_free(art_batch *batch);

/* The options the batch was made with (borrowed). */
ART_API const art_batch_opts *art_batch_get_opts(const art_batch *batch);

/* Queue a path: a file, a directory (walked when recursive), a device, an
 * image, or "-" for standard input's bytes. */
ART_API art_status art_batch_add_path(art_batch *batch, const char *path);
/* Queue a list of paths read from FD when the run reaches it, one per line
 * (or NUL-separated when NUL_SEPARATED); each is then handled like
 * art_batch_add_path(). */
ART_API art_status art_batch_add_list(art_batch *batch,
                                      int fd,
                                      int nul_separated);

/* Run everything queued. Returns ART_OK when every input was handed to emit
 * (whatever each item's status), or a fatal error. */
ART_API art_status art_batch_run(art_ctx *ctx,
                                 art_batch *batch,
                                 const art_batch_ops *ops,
                                 void *userdata);

/* A filter on the items a run examines (art-* --shard): KEEP is called by
 * the producer for each item found, in order, before it is queued; items it
 * refuses are neither examined nor emitted. KEEP may set *SEQ to the item's
 * position in an unfiltered run, which the item then carries. BEFORE_EMIT
 * and AFTER_EMIT bracket each emit call (any may be NULL). */
typedef struct art_batch_filter {
  int (*keep)(void *ud, const art_batch_item *item, uint64_t *seq);
  void (*before_emit)(void *ud, const art_batch_item *item);
  void (*after_emit)(void *ud, const art_batch_item *item);
  void *ud;
} art_batch_filter;
/* Install (or with NULL remove) a filter for the next runs. */
ART_API void art_batch_set_filter(art_batch *batch,
                                  const art_batch_filter *filter);
/* Rewind the queued name lists to their start so that the inputs can be run
 * again (each list must be a seekable file). 0 on success. */
ART_API int art_batch_rewind_lists(art_batch *batch);

/* For progress displays, from any thread: items and bytes done so far, and
 * the bytes of the items found so far (*WALK_DONE set once every input has
 * been found). Workers report bytes with art_batch_add_bytes(). */
ART_API void art_batch_progress(const art_batch *batch,
                                uint64_t *items_done,
                                uint64_t *bytes_done,
                                uint64_t *bytes_found,
                                int *walk_done);
ART_API void art_batch_add_bytes(art_batch *batch, uint64_t bytes);

/* The number of online CPUs (at least 1). */
ART_API unsigned art_cpu_count(void);

ART_END_DECLS

#endif
