/* Internal declarations shared by the YARA module's files (yara.c, the
 * compiler and scanner; yara_cache.c, the compiled-rules cache).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_YARA_PRIVATE_H
#define ART_YARA_PRIVATE_H

#include <pthread.h>
#include <sys/types.h>

#include <yara.h>

#include <artifact/yara.h>

/* Which of the built-in externals the rule sources mention; only those are
 * computed per artifact (filetype and owner cost a libmagic call and a
 * passwd lookup). */
enum {
  ART__YARA_USES_FILENAME = 1u << 0,
  ART__YARA_USES_FILEPATH = 1u << 1,
  ART__YARA_USES_EXTENSION = 1u << 2,
  ART__YARA_USES_FILETYPE = 1u << 3,
  ART__YARA_USES_OWNER = 1u << 4
};

typedef struct art__yara_diag_rec {
  art_yara_diag_level level;
  char *file;
  int line;
  char *rule; /* NULL when none */
  char *message;
  int skipped;
  size_t file_index; /* top-level file it came from */
} art__yara_diag_rec;

/* A top-level rules file as read for this build: the bytes hashed for the
 * cache key are the bytes compiled. */
typedef struct art__yara_src {
  char *path;  /* as given (display and diagnostics) */
  char *canon; /* canonical (realpath), for the cache key; NULL for stdin */
  char *ns;
  char *root; /* folder includes are confined to */
  unsigned char *data;
  size_t len;
  int bad;
} art__yara_src;

/* A file pulled in by an include directive. */
typedef struct art__yara_dep {
  char *path; /* resolved, absolute */
  char sha256[65];
} art__yara_dep;

typedef struct art__yara_define {
  char *name;
  char *value;
} art__yara_define;

struct art_yara_compiler {
  art__yara_src *srcs;
  size_t n_srcs, cap_srcs;
  art__yara_define *defs;
  size_t n_defs, cap_defs;
  unsigned flags;
  unsigned max_strings; /* --max-strings-per-rule (0: libyara's) */
  char *atom_table;     /* --atom-quality-table file, or NULL */
  char atom_sha[65];    /* its SHA-256, for the cache key */
  uint64_t cache_max;   /* bytes the cache folder may hold */
  char *cache_dir;
  art_yara_diag_cb diag_cb;
  void *diag_ud;
  int built;
  int stdin_used;
  /* Filled while building. */
  art__yara_diag_rec *diags;
  size_t n_diags, cap_diags;
  art__yara_dep *deps;
  size_t n_deps, cap_deps;
  unsigned uses;
};

struct art_yara_rules {
  YR_RULES *yr;
  size_t count, files, skipped;
  int from_cache;
  unsigned uses;
  /* Externals the user defined (-d): never overwritten per artifact. */
  char **user_ext;
  size_t n_user_ext;
  /* The thread that built the rules, waiting (in its own allocator arena)
   * until they are freed: closing KEEPER_FD ends it (art_yara_compiler_build
   * in yara.c says why). */
  int has_keeper, keeper_fd;
  pthread_t keeper;
  pid_t keeper_pid;
};

/* Evict the least recently used entries of the cache folder until it holds
 * at most MAX bytes (KEEP, the entry just written or used, stays). */
void art__yara_cache_evict(const char *dir, uint64_t max, const char *keep);

/* Reference-counted libyara initialisation, under a lock. */
art_status art__yara_init(art_ctx *ctx);
void art__yara_fini(void);

/* Cache key of a compiler's inputs, as 64 hex digits. */
art_status
art__yara_cache_key(art_ctx *ctx, const art_yara_compiler *c, char key[65]);
/* Load the cache entry KEY. ART_ERR_NOT_FOUND on a miss (including a stale
 * or damaged entry, which is then ignored); fills the compiler's diags and
 * deps and the counts. */
art_status art__yara_cache_load(art_ctx *ctx,
                                art_yara_compiler *c,
                                const char *key,
                                YR_RULES **yr,
                                size_t *files,
                                size_t *skipped,
                                unsigned *uses);
/* Store RULES under KEY, atomically (a temporary file renamed). */
art_status art__yara_cache_save(art_ctx *ctx,
                                const art_yara_compiler *c,
                                const char *key,
                                YR_RULES *yr,
                                size_t files,
                                size_t skipped,
                                unsigned uses);
/* SHA-256 hex of a buffer. */
art_status
art__yara_sha256(art_ctx *ctx, const void *data, size_t len, char hex[65]);
/* Add a diagnostic record to the compiler (copies the strings). */
art_status art__yara_diag_add(art_yara_compiler *c,
                              art_yara_diag_level level,
                              const char *file,
                              int line,
                              const char *rule,
                              const char *message,
                              size_t file_index);
art_status
art__yara_dep_add(art_yara_compiler *c, const char *path, const char *sha256);

/* Record on R that its artifact was read as a disk image (SRC's format and
 * files), for the JSON record's via/image_format/segments. */
void art__yara_result_set_image(art_yara_result *r, const art_source *src);

/* A growing text, always NUL-terminated (not counted in LEN); when memory
 * runs out OOM is set and nothing more is added. */
typedef struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
} sbuf;
void art__yara_sb_add(sbuf *b, const void *s, size_t n);

/* PATH as text records print it (control characters as \xNN, a backslash
 * doubled), NUL-terminated; NULL when memory runs out. */
char *art__yara_path_text(const char *path);

#endif
