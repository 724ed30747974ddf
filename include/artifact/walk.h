/* The tree walker: every entry below a root, in a deterministic order.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_walk_new() with flags; optionally art_walk_set_max_depth();
 * art_walk_run() on each root with a callback; art_walk_free().
 *
 * Entries in a directory are visited in byte order of their names. Symbolic
 * links are reported, not followed, unless ART_WALK_FOLLOW is set (a root
 * given as a symlink is always followed, as find -H does); with FOLLOW, a
 * link back to an ancestor directory is reported as a loop, not entered.
 * FIFOs, sockets and devices inside a tree are reported by type and never
 * opened. An entry that cannot be read (a directory without permission, a
 * vanished file) is reported with its status and message, and the walk
 * goes on. The walker never opens regular files.
 */
#ifndef ART_WALK_H
#define ART_WALK_H

#include "ctx.h"

ART_BEGIN_DECLS

typedef struct art_walk art_walk;

typedef enum art_entry_type {
  ART_ENTRY_FILE = 0,
  ART_ENTRY_DIR,
  ART_ENTRY_SYMLINK,
  ART_ENTRY_FIFO,
  ART_ENTRY_SOCKET,
  ART_ENTRY_CHAR_DEVICE,
  ART_ENTRY_BLOCK_DEVICE,
  ART_ENTRY_UNKNOWN
} art_entry_type;

enum {
  ART_WALK_FOLLOW = 1u << 0,     /* follow symbolic links inside trees */
  ART_WALK_ONE_FS = 1u << 1,     /* do not cross into other file systems */
  ART_WALK_REPORT_DIRS = 1u << 2 /* also report directories (pre-order) */
};

/* What the callback asks for next. SKIP on a directory skips its contents. */
typedef enum art_walk_action {
  ART_WALK_CONTINUE = 0,
  ART_WALK_SKIP,
  ART_WALK_STOP
} art_walk_action;

/* One entry; valid only during the callback. */
typedef struct art_walk_entry {
  const char *path; /* root joined with the names below it */
  const char *name; /* last component */
  art_entry_type type;
  unsigned depth;     /* 0 for the root */
  art_status status;  /* ART_OK, or why the entry could not be read */
  const char *errmsg; /* "PATH: reason" when status != ART_OK; with ART_OK,
                         "" or a note on an entry skipped without failure
                         (a symlink loop under ART_WALK_FOLLOW: reported
                         once as a symlink not followed, "PATH: symbolic
                         link loop, skipped") */
  uint64_t size, dev, ino, nlink;
  uint32_t mode;
  int64_t mtime_sec;
  long mtime_nsec;
  uint32_t uid, gid;
  const char *errmsg_l; /* ERRMSG translated for a person (LC_MESSAGES);
                           ERRMSG itself stays in the C locale, the text
                           machine records carry */
} art_walk_entry;

typedef art_walk_action (*art_walk_cb)(const art_walk_entry *entry,
                                       void *userdata);

ART_API art_status art_walk_new(art_ctx *ctx, unsigned flags, art_walk **out);
ART_API void art_walk_free(art_walk *walk);
/* 0 (the default) means no limit. Entries deeper than the limit are not
 * visited. */
ART_API void art_walk_set_max_depth(art_walk *walk, unsigned depth);

/* Walk ROOT. Returns ART_OK when the walk completed (even if entries had
 * errors, which the callback saw), an error when ROOT itself cannot be
 * examined (also reported to the callback first). */
ART_API art_status art_walk_run(art_ctx *ctx,
                                art_walk *walk,
                                const char *root,
                                art_walk_cb cb,
                                void *userdata);

/* Short name of an entry type: "file", "directory", "symlink", "fifo", ... */
ART_API const char *art_entry_type_name(art_entry_type type);

ART_END_DECLS

#endif
