/* Timeline export: file-system, directory-tree, archive and body-file times.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_timeline_new(); choose the output format and options
 * (art_timeline_set_*); art_timeline_set_output() a stream; add sources
 * (art_timeline_add_image / _tree / _archive / _bodyfile), each as many
 * times as needed; art_timeline_finish() sorts (in bounded memory, spilling
 * sorted runs to temporary files beyond the budget) and writes; then
 * art_timeline_free().
 *
 * Events carry their evidence (image path, partition byte offset, file
 * system type), path, inode/MFT entry and attribute, allocation state,
 * size, mode and which time they are (m, a, c, b, deletion, $FILE_NAME
 * m/a/c/b). Times keep the precision the source stores (nanoseconds) and
 * their sign; an unset time is not 1970.
 *
 * The "body" format is written as sources are read (like fls -m); the
 * others are sorted by time and written by art_timeline_finish().
 *
 * FAT and exFAT store local times: libtsk converts them with the process
 * time zone, so adding an image sets the TZ environment variable to the
 * file-system zone (art_timeline_set_fs_timezone, default "UTC") while it
 * is read, and finish() sets it to the display zone. One art_timeline at a
 * time per process; not thread-safe.
 */
#ifndef ART_TIMELINE_H
#define ART_TIMELINE_H

#include <stdio.h>

#include "ctx.h"
#include "source.h"

ART_BEGIN_DECLS

typedef struct art_timeline art_timeline;

typedef enum art_timeline_format {
  ART_TIMELINE_BODY = 0, /* TSK 3.x body file (extended, or fls -m exact) */
  ART_TIMELINE_MACTIME,  /* the CSV of mactime -d -y */
  ART_TIMELINE_L2TCSV,   /* plaso's 17-column l2tcsv */
  ART_TIMELINE_JSONL,    /* Timesketch-importable JSON Lines */
  ART_TIMELINE_HTML      /* one self-contained HTML page */
} art_timeline_format;

/* Which time an event is. */
typedef enum art_timeline_kind {
  ART_TIMELINE_M = 0, /* content modification */
  ART_TIMELINE_A,     /* last access */
  ART_TIMELINE_C,     /* metadata change (NTFS: MFT entry modified) */
  ART_TIMELINE_B,     /* birth / creation */
  ART_TIMELINE_D,     /* deletion (ext2/3/4 dtime) */
  ART_TIMELINE_FN_M,  /* NTFS $FILE_NAME times */
  ART_TIMELINE_FN_A,
  ART_TIMELINE_FN_C,
  ART_TIMELINE_FN_B,
  ART_TIMELINE_KIND_COUNT_
} art_timeline_kind;

#define ART_TIMELINE_KIND_BIT(k) (1u << (unsigned)(k))
#define ART_TIMELINE_KINDS_ALL   ((1u << ART_TIMELINE_KIND_COUNT_) - 1u)

/* Progress while reading sources: entries seen so far, current input. */
typedef struct art_timeline_progress {
  const char *input;
  uint64_t entries;
  uint64_t events;
} art_timeline_progress;

typedef void (*art_timeline_progress_fn)(void *user,
                                         const art_timeline_progress *p);
/* A part of an input that could not be examined (one partition of an
 * image, one unreadable directory); the rest goes on. MESSAGE names the
 * input, partition and reason. */
typedef void (*art_timeline_problem_fn)(void *user,
                                        art_status status,
                                        const char *message);

typedef struct art_timeline_stats {
  uint64_t entries;   /* file entries read (body lines) */
  uint64_t events;    /* events kept after filters */
  uint64_t rows;      /* rows written */
  uint64_t runs;      /* sorted runs spilled to temporary files */
  uint64_t problems;  /* partitions/parts that failed */
  size_t peak_buffer; /* most bytes held in the sort buffer */
} art_timeline_stats;

ART_API art_status art_timeline_new(art_ctx *ctx, art_timeline **out);
ART_API void art_timeline_free(art_timeline *tl);

/* Format names: "body", "mactime", "l2tcsv", "jsonl", "html". */
ART_API art_status art_timeline_format_from_name(const char *name,
                                                 art_timeline_format *out);
/* Kind names: m a c b d fn_m fn_a fn_c fn_b, comma-separated list to mask;
 * "macb" (letters run together) is also accepted. */
ART_API art_status art_timeline_kinds_from_string(const char *list,
                                                  unsigned *mask);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]" (UTC unless an
 * offset is given) or "@SECONDS" into seconds since the epoch. */
ART_API art_status art_timeline_parse_time(const char *text, int64_t *sec);

ART_API void art_timeline_set_format(art_timeline *tl, art_timeline_format f);
ART_API void art_timeline_set_output(art_timeline *tl, FILE *out);
/* Body: reproduce fls -r -m / byte for byte (whole seconds as unsigned 32
 * bits, control bytes as '^', nothing escaped). Mactime: use those values. */
ART_API void art_timeline_set_tsk_compat(art_timeline *tl, int on);
/* Keep events with FROM <= time < TO (seconds, UTC). */
ART_API void art_timeline_set_range(
    art_timeline *tl, int has_from, int64_t from, int has_to, int64_t to);
ART_API art_status art_timeline_set_display_timezone(art_ctx *ctx,
                                                     art_timeline *tl,
                                                     const char *tz);
ART_API art_status art_timeline_set_fs_timezone(art_ctx *ctx,
                                                art_timeline *tl,
                                                const char *tz);
/* Images: the code page of FAT short (8.3) names, an iconv name such as
 * "CP932" (Japanese Windows and DOS), "CP850" or "CP437"; NULL (the
 * default) shows them as libtsk and fls do, every byte above 0x7e as '^'.
 * Long names (UTF-16) are not affected. Bytes the code page does not map
 * are shown as \xNN. ART_ERR_INVALID_ARG when iconv does not know it. */
ART_API art_status art_timeline_set_fs_codepage(art_ctx *ctx,
                                                art_timeline *tl,
                                                const char *codepage);
/* Keep paths starting with PREFIX ("/dir"); NULL for all. */
ART_API art_status art_timeline_set_path_prefix(art_ctx *ctx,
                                                art_timeline *tl,
                                                const char *prefix);
ART_API void art_timeline_set_deleted_only(art_timeline *tl, int on);
ART_API void art_timeline_set_kinds(art_timeline *tl, unsigned mask);
/* Sort buffer budget in bytes (default 256 MiB); temporary run files go to
 * TMPDIR (default $TMPDIR or /tmp). */
ART_API void art_timeline_set_memory(art_timeline *tl, size_t bytes);
ART_API art_status art_timeline_set_tmpdir(art_ctx *ctx,
                                           art_timeline *tl,
                                           const char *dir);
/* Images: use only the file system at this sector offset (like fls -o). */
ART_API void
art_timeline_set_offset(art_timeline *tl, int has, uint64_t sectors);
/* Images: compute the SHA-256 of the image's media bytes (for an E01,
 * of the data it holds) and carry it in every event (evidence_sha256). */
ART_API void art_timeline_set_hash_evidence(art_timeline *tl, int on);
/* Images: skip the $OrphanFiles hunt (faster on big volumes). */
ART_API void art_timeline_set_no_orphans(art_timeline *tl, int on);
/* Images: the volume layers (tsk.c). VSS: 0 none, -1 every store, N store
 * N of each NTFS volume, walked after the volume itself, names shown under
 * "vssN:" and the evidence naming the store and its creation time. APFS:
 * 0 every volume of a pool, N volume N only (fls -B selects by block).
 * KEYS open BitLocker volumes; strings are borrowed for the timeline's
 * life. */
typedef struct art_timeline_media {
  int vss;
  int apfs_volume;
  art_volume_keys keys;
} art_timeline_media;
ART_API void art_timeline_set_media(art_timeline *tl,
                                    const art_timeline_media *m);
ART_API void art_timeline_set_progress(art_timeline *tl,
                                       art_timeline_progress_fn fn,
                                       void *user);
ART_API void art_timeline_set_problem(art_timeline *tl,
                                      art_timeline_problem_fn fn,
                                      void *user);

/* Windows artifacts (event logs, registry, prefetch, shortcuts, jump
 * lists, $UsnJrnl, Recycle Bin, browser histories; see windows.h). With
 * ART_TIMELINE_ARTIFACTS_WINDOWS they are found by path in each NTFS file
 * system of an image and added as events; add_artifact reads one file. */
#define ART_TIMELINE_ARTIFACTS_NONE    0u
#define ART_TIMELINE_ARTIFACTS_WINDOWS 1u
ART_API void art_timeline_set_artifacts(art_timeline *tl, unsigned mask);
/* Keep only events whose data_type is in ONLY, and none in EXCLUDE
 * (comma-separated; "windows:registry:" or "windows:*" match a prefix;
 * file-system events are "fs:stat"). NULL: no filter. */
ART_API art_status art_timeline_set_data_types(art_ctx *ctx,
                                               art_timeline *tl,
                                               const char *only,
                                               const char *exclude);
/* l2tcsv: merge same-time file-system events of one entry into one row
 * with several MACB letters (psort's MACB grouping). */
ART_API void art_timeline_set_merge_macb(art_timeline *tl, int on);
/* One Windows artifact file (art_win_detect decides its kind):
 * ART_ERR_FORMAT when it is none this tool reads. */
ART_API art_status art_timeline_add_artifact(art_ctx *ctx,
                                             art_timeline *tl,
                                             const char *path);

/* Disk image (raw, split raw, E01): every partition, or the one at the
 * offset. Returns ART_ERR_CORRUPT/ART_ERR_UNSUPPORTED when some partition
 * failed (each reported through the problem callback) and others were read;
 * an error status with the message in CTX when nothing could be read. */
ART_API art_status art_timeline_add_image(art_ctx *ctx,
                                          art_timeline *tl,
                                          const char *path);
/* Images read in a sandbox worker (docs/sandbox.md): libtsk and the
 * image formats parse in a worker process under seccomp and limits; what
 * it finds comes back as records and goes into TL as if the image had been
 * read here (the timeline is byte for byte the in-process one). Create the
 * pool with art_timeline_sandbox_new once TL is set up and while the
 * process has one thread (the workers start from TL as it is then); its
 * time limit counts from the worker's last sign of progress. A worker that
 * stops (time, memory, a crash) fails its image (ART_ERR_TIMEOUT,
 * ART_ERR_LIMIT, ART_ERR_INTERNAL; the message names the image and its
 * sha256); what it had found stays in the timeline. */
struct art_sandbox;
struct art_sandbox_opts;
ART_API art_status art_timeline_sandbox_new(art_ctx *ctx,
                                            art_timeline *tl,
                                            const struct art_sandbox_opts *o,
                                            struct art_sandbox **out);
ART_API art_status art_timeline_add_image_sandboxed(art_ctx *ctx,
                                                    art_timeline *tl,
                                                    struct art_sandbox *sb,
                                                    const char *path);
/* A Windows artifact file parsed in the same worker (libevtx, libregf,
 * libscca, liblnk, libolecf, SQLite and ours never run in this process);
 * a worker that stops fails the file (the message names it, the reason
 * and its sha256), the events it had sent stay. The artifacts found in an
 * image are parsed in the image's worker: one that stops a worker fails
 * alone (reported through the problem callback) and a new worker goes on
 * with the rest of the image. */
ART_API art_status art_timeline_add_artifact_sandboxed(art_ctx *ctx,
                                                       art_timeline *tl,
                                                       struct art_sandbox *sb,
                                                       const char *path);

/* Live directory tree, read with statx without following symlinks. */
ART_API art_status art_timeline_add_tree(art_ctx *ctx,
                                         art_timeline *tl,
                                         const char *path);
/* Archive members through libarchive. */
ART_API art_status art_timeline_add_archive(art_ctx *ctx,
                                            art_timeline *tl,
                                            const char *path);
/* Existing body file (TSK 3.x, mac-robber, our extended form); "-" is
 * standard input. Malformed lines are counted and skipped. */
ART_API art_status art_timeline_add_bodyfile(art_ctx *ctx,
                                             art_timeline *tl,
                                             const char *path);

/* Sort what was gathered and write it. */
ART_API art_status art_timeline_finish(art_ctx *ctx, art_timeline *tl);
ART_API const art_timeline_stats *
art_timeline_get_stats(const art_timeline *tl);

ART_END_DECLS

#endif
