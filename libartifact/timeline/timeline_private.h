/* Timeline internals shared by the sources, the sorter and the writers.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_TIMELINE_PRIVATE_H
#define ART_TIMELINE_PRIVATE_H

#include <artifact/timeline.h>
#include <stdio.h>
#include <string.h>

#include "ctx_private.h"
#include "i18n.h"

/* Time slots of one entry: m a c b d. $FILE_NAME lines use the same slots
 * with entry.fn set. */
enum { TL_M = 0, TL_A, TL_C, TL_B, TL_D, TL_NSLOTS };

typedef struct art__tl_time {
  int64_t sec;
  uint32_t nsec;
  uint8_t set; /* 0: the source does not store it (not 1970) */
} art__tl_time;

/* Times outside years 0001..9999 are not kept (dates cannot show them). */
#define TL_SEC_MIN   INT64_C(-62135596800)
#define TL_SEC_MAX   INT64_C(253402300799)
#define TL_SEC_OK(s) ((s) >= TL_SEC_MIN && (s) <= TL_SEC_MAX)

enum { TL_ALLOC = 0, TL_DELETED = 1, TL_REALLOC = 2 };

/* A Windows artifact event riding on an entry (strings borrowed). */
typedef struct art__tl_art {
  const char *data_type, *desc, *source, *sourcetype, *message;
  const char *file;  /* the artifact's path (l2tcsv filename, jsonl path) */
  const char *attrs; /* key NUL value NUL ... */
  size_t attrs_len;
} art__tl_art;

/* One file entry (one body line): what a source reports. Strings are
 * borrowed for the call. */
typedef struct art__tl_entry {
  uint32_t src;     /* index in the timeline's source table */
  const char *path; /* raw bytes: parent path + name, no leading '/' */
  size_t path_len;
  const char *ads;  /* NTFS stream name to append after ':' or NULL */
  const char *link; /* symlink target or NULL */
  int fn;           /* the $FILE_NAME line */
  int verbatim;     /* path is already a complete display name (body in) */
  int empty_ids;    /* body in: UID or GID field was empty (read as 0) */
  const art__tl_art *art; /* a Windows artifact event, else NULL */
  int alloc;              /* TL_ALLOC / TL_DELETED / TL_REALLOC */
  char inode[48];         /* "65-128-2", "12" */
  const char *mode;       /* "r/rrw-r--r--" */
  char md5[40];           /* "0" unless known */
  uint64_t meta_addr;
  uint64_t uid, gid;
  uint64_t size;
  art__tl_time t[TL_NSLOTS];
} art__tl_entry;

typedef struct art__tl_source {
  char *evidence; /* path of the image/tree/archive/body file */
  char *origin;   /* "tsk", "statx", "archive", "bodyfile" */
  char *fs_type;  /* "ntfs", "ext4", ... or the archive format */
  char *tz;       /* zone assumed for local-time file systems, or NULL */
  char *sha256;   /* of the evidence's media bytes, or NULL */
  uint64_t fs_offset;
  int has_offset;
} art__tl_source;

/* Sorter: records are (key, payload) byte strings ordered by key, then by
 * arrival. Runs beyond the budget go to temporary files. */
typedef struct art__tl_sorter art__tl_sorter;
typedef art_status (*art__tl_emit_fn)(void *user,
                                      const unsigned char *key,
                                      size_t klen,
                                      const unsigned char *pay,
                                      size_t plen);
art_status art__tl_sorter_new(art_ctx *ctx,
                              size_t budget,
                              const char *tmpdir,
                              art__tl_sorter **out);
void art__tl_sorter_free(art__tl_sorter *s);
art_status art__tl_sorter_add(art_ctx *ctx,
                              art__tl_sorter *s,
                              const void *key,
                              size_t klen,
                              const void *pay,
                              size_t plen);
art_status art__tl_sorter_finish(art_ctx *ctx,
                                 art__tl_sorter *s,
                                 art__tl_emit_fn emit,
                                 void *user);
/* Write records the caller has already sorted as one more run. */
art_status art__tl_sorter_run_begin(art_ctx *ctx, art__tl_sorter *s);
art_status art__tl_sorter_run_add(art_ctx *ctx,
                                  art__tl_sorter *s,
                                  const void *key,
                                  size_t klen,
                                  const void *pay,
                                  size_t plen);
art_status art__tl_sorter_run_end(art_ctx *ctx, art__tl_sorter *s);
uint64_t art__tl_sorter_runs(const art__tl_sorter *s);
size_t art__tl_sorter_peak(const art__tl_sorter *s);

/* Growable byte buffer. */
typedef struct art__tl_buf {
  char *p;
  size_t len, cap;
} art__tl_buf;
/* Room for EXTRA more bytes and a NUL; 0 or -1 (no memory). The appends
 * are inline: every field of every row goes through them. */
int art__tl_buf_grow(art__tl_buf *b, size_t extra);
static inline int art__tl_buf_reserve(art__tl_buf *b, size_t extra)
{
  return b->len + extra + 1 <= b->cap ? 0 : art__tl_buf_grow(b, extra);
}
static inline int art__tl_buf_add(art__tl_buf *b, const void *d, size_t n)
{
  if (art__tl_buf_reserve(b, n))
    return -1;
  if (n)
    memcpy(b->p + b->len, d, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}
static inline int art__tl_buf_addc(art__tl_buf *b, char c)
{
  if (art__tl_buf_reserve(b, 1))
    return -1;
  b->p[b->len++] = c;
  b->p[b->len] = '\0';
  return 0;
}
static inline int art__tl_buf_adds(art__tl_buf *b, const char *s)
{
  return art__tl_buf_add(b, s, strlen(s));
}
/* V in decimal (no printf: one call per field of every row). */
int art__tl_buf_addu(art__tl_buf *b, uint64_t v);
/* V in decimal at P (room for 20 digits, no NUL); returns the end. */
char *art__tl_dec(char *p, uint64_t v);
int art__tl_buf_addf(art__tl_buf *b, const char *fmt, ...) ART_PRINTF(2, 3);
void art__tl_buf_free(art__tl_buf *b);

/* TSK-style mode "r/rrwsr-xr-x" of a POSIX st_mode (set-id and sticky
 * bits as s/S and t/T). */
void art__tl_mode_str(char *out, size_t len, unsigned m);

/* Name rendering. */
enum {
  TL_ESC_TSK = 0,  /* fls: bytes 0x00-0x1F become '^', nothing else */
  TL_ESC_BODY = 1, /* \\ \| and \xNN for control bytes and bad UTF-8 */
  TL_ESC_TEXT = 2, /* \\ and \xNN for control bytes and bad UTF-8 */
  TL_ESC_RAW = 3   /* the bytes as they are */
};
int art__tl_escape(art__tl_buf *b, const char *s, size_t n, int mode);
/* The body-file name field of an entry: "/" path [:ads] [ ($FILE_NAME)]
 * [ -> link] [ (deleted|deleted-realloc)]. */
int art__tl_display_name(art__tl_buf *b, const art__tl_entry *e, int mode);
/* A volume layer's name (vss1:) before the name fls would print: the whole
 * display name "MOUNT/path..." built in D (raw bytes), and E made to point
 * at it as a verbatim name. 0, or -1 out of memory. */
int art__tl_mount_name(art__tl_buf *d, const char *mount, art__tl_entry *e);
/* Undo TL_ESC_BODY escapes in place; returns the new length. */
size_t art__tl_unescape(char *s, size_t n);

/* Event record (sort payload) shared by the sorted writers. */
typedef struct art__tl_event {
  int64_t sec;
  uint32_t nsec;
  uint32_t src;
  uint32_t kinds; /* ART_TIMELINE_KIND_BIT mask (merged macb) */
  uint8_t alloc;
  uint64_t size, uid, gid, meta_addr;
  const char *inode, *mode, *name;
  size_t inode_len, mode_len, name_len;
  /* artifact events (dtype_len > 0): plaso fields, message, file, and
   * attributes as key NUL value NUL ... */
  const char *dtype, *tdesc, *srcs, *srcl, *msg, *file, *attrs;
  size_t dtype_len, tdesc_len, srcs_len, srcl_len, msg_len, file_len, attrs_len;
  /* the sorted record it comes from, numbered from 1 as written (0: not
   * known): the rows of one record's kinds share all but their kind, and
   * a writer may keep what they share */
  uint64_t rec;
} art__tl_event;
int art__tl_event_pack(art__tl_buf *b, const art__tl_event *ev);
int art__tl_event_unpack(const unsigned char *p, size_t n, art__tl_event *ev);

/* The job. */
struct art_timeline {
  art_timeline_format format;
  FILE *out;
  int tsk_compat;
  int has_from, has_to;
  int64_t from, to;
  char *display_tz, *fs_tz, *prefix, *tmpdir;
  size_t prefix_len;
  int deleted_only, no_orphans, hash_evidence;
  char *cur_sha256; /* of the image being read */
  unsigned kinds;
  size_t memory;
  int has_offset;
  uint64_t offset_sectors;
  art_timeline_media media; /* volume layers: VSS, APFS, BitLocker (tsk.c) */
  art_timeline_progress_fn progress;
  void *progress_user;
  art_timeline_problem_fn problem;
  void *problem_user;
  const char *cur_input;

  art__tl_source *srcs;
  size_t nsrcs, capsrcs;
  art__tl_sorter *sorter;
  art__tl_buf scratch, key, pay;
  art_timeline_stats stats;
  void *dups; /* mactime: names seen (for "last line wins" side data) */
  void *mac;  /* mactime: compact in-memory store while it fits */
  int mac_generic;
  int finished;
  int write_err;
  uint64_t body_noids;    /* body in: lines with an empty UID/GID field */
  unsigned artifacts;     /* ART_TIMELINE_ARTIFACTS_* */
  char **only, **exclude; /* data_type filters (NULL-terminated) */
  int merge_macb;
  void *merge; /* --merge-macb: the pending group */
  /* FAT short names' code page (tsk.c), or NULL */
  char *fs_codepage;
  /* In a sandbox worker (relay.c): sources, entries and problems go to the
   * parent as records instead of to the output. */
  struct art__tl_relay_out *relay;
};

/* relay.c: the worker side's hooks (event.c calls them when tl->relay is
 * set) and a heartbeat for long reads that find nothing (tsk.c). */
struct art__tl_relay_out;
art_status art__tl_relay_source(art_timeline *tl, int idx);
art_status art__tl_relay_entry(art_timeline *tl, const art__tl_entry *e);
void art__tl_relay_problem(art_timeline *tl, art_status st, const char *msg);
void art__tl_relay_tick(art_timeline *tl);
/* winart.c, before the artifact IN (candidate CAND of source SRC) found in
 * an image is parsed: tells the parent (flushed, so that a crash names
 * it); *SKIP: do not parse it (a new worker going on after a stopped one
 * passes the artifacts up to it). After it is parsed, _end. */
struct art_win_input;
art_status art__tl_relay_artifact(art_ctx *ctx,
                                  art_timeline *tl,
                                  uint32_t src,
                                  size_t cand,
                                  const struct art_win_input *in,
                                  int *skip);
art_status
art__tl_relay_artifact_end(art_timeline *tl, uint32_t src, size_t cand);
/* tsk.c: art_timeline_add_image on an opened source (kept by the caller). */
art_status art__tl_add_image_source(art_ctx *ctx,
                                    art_timeline *tl,
                                    art_source *src,
                                    const char *path);

/* winart.c: art_timeline_add_artifact on an opened source. */
art_status art__tl_add_artifact_source(art_ctx *ctx,
                                       art_timeline *tl,
                                       art_source *src,
                                       const char *path);

/* Register a source; returns its index or -1 (NOMEM recorded). */
int art__tl_source_add(art_ctx *ctx,
                       art_timeline *tl,
                       const char *evidence,
                       const char *origin,
                       const char *fs_type,
                       const char *tz,
                       int has_offset,
                       uint64_t offset);
/* Hand one entry to the job: filters, then the body writer or the sorter. */
art_status
art__tl_entry_emit(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e);
/* Set the process time zone (TZ) and tzset(). */
void art__tl_set_tz(const char *tz);
void art__tl_problem(art_timeline *tl, art_status st, const char *fmt, ...)
    ART_PRINTF(3, 4);
/* A note (not a failure): through the problem callback with ART_OK. */
void art__tl_note(art_timeline *tl, const char *fmt, ...) ART_PRINTF(2, 3);

/* Writers. */
int art__tl_body_write(art_timeline *tl, const art__tl_entry *e);
art_status art__tl_mactime_finish(art_ctx *ctx, art_timeline *tl);
art_status
art__tl_mactime_add(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e);
art_status
art__tl_events_add(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e);
art_status art__tl_events_finish(art_ctx *ctx, art_timeline *tl);
void art__tl_dups_free(void *dups);
void art__tl_mac_free(void *mac);

/* Per-format row writers over sorted events. */
typedef struct art__tl_writer {
  art_status (*begin)(art_timeline *tl, void **state);
  art_status (*row)(art_timeline *tl, void *state, const art__tl_event *ev);
  art_status (*end)(art_timeline *tl, void *state);
} art__tl_writer;
extern const art__tl_writer art__tl_writer_l2tcsv;
extern const art__tl_writer art__tl_writer_jsonl;
extern const art__tl_writer art__tl_writer_html;

/* The MACB slot plaso gives a timestamp_desc (0 m, 1 a, 2 c, 3 b), -1 for
 * "....". */
int art__tl_desc_slot(const char *desc);
/* Keep events of this data_type (--only / --exclude)? */
int art__tl_type_ok(const art_timeline *tl, const char *data_type);
void art__tl_strv_free(char **v);
void art__tl_merge_free(art_timeline *tl);
/* Windows artifacts: scan a file system libtsk opened (NTFS) for them by
 * path; the file-system walk notes candidates as it goes. */
struct TSK_FS_INFO;
struct TSK_FS_FILE;
typedef struct art__tl_winscan art__tl_winscan;
art__tl_winscan *art__tl_winscan_new(art_timeline *tl);
void art__tl_winscan_note(art__tl_winscan *ws,
                          const char *parent,
                          const struct TSK_FS_FILE *f);
art_status art__tl_winscan_run(art_ctx *ctx,
                               art__tl_winscan *ws,
                               struct TSK_FS_INFO *fs,
                               uint32_t src,
                               const char *evidence);
void art__tl_winscan_free(art__tl_winscan *ws);

/* Shared formatting for the event writers. */
struct json_t;
/* A JSON string of N bytes; bytes that are not valid UTF-8 become \xNN. */
struct json_t *art__tl_jstr(const char *s, size_t n);
const char *art__tl_kind_desc(art_timeline_kind k); /* plaso timestamp_desc */
const char *art__tl_kind_name(art_timeline_kind k); /* "m", "fn_b", ... */
/* ISO 8601 with 6 (or 9) fractional digits and the display zone's offset. */
int art__tl_iso(char *buf, size_t len, int64_t sec, uint32_t nsec, int digits);
/* Nanoseconds since the epoch as a decimal integer string. */
void art__tl_ns(char *buf, size_t len, int64_t sec, uint32_t nsec);

#endif
