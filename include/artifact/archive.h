/* Recursion into containers (libarchive): zip, 7z, rar, tar (plain, gz,
 * bz2, xz, zstd, lz4), cpio, ar (.deb), iso9660, cab and lone gz/bz2/xz/
 * zstd/lz4 streams. Members are analysed as streams, never written to disk
 * (unless extraction is asked for), with lineage, password attempts and
 * limits that are reported when hit.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_archive_opts_init() the defaults and change what is needed;
 * art_archive_new(); art_archive_add_password() for caller passwords;
 * art_archive_walk_source() (or _path, _buffer) on a container with the
 * callbacks: begin() for each member may add consumers with
 * art_archive_add_consumer() (hash, magic, strings... fed block by block
 * from the one read of the member), data() sees the same blocks, the
 * read_done callback (art_archive_set_read_done) comes when the member's own
 * bytes are done (take the consumers' results there), end() gets the member's
 * full result after its own members (if it is a container) have been walked;
 * read art_archive_get_result(); art_archive_free().
 *
 * Lineage: the input itself has id 0, depth 0; every member gets the next
 * id in walk order (pre-order: a member, then its members), its parent's
 * id, root 0, depth parent+1, its path inside the parent, and how it was
 * reached: an archive member, or the decompressed content of a lone
 * compressed stream (foo.gz -> foo).
 *
 * Memory: a member that is itself a container is kept in memory (at most
 * max_member_bytes) so that libarchive can seek in it (7z, zip central
 * directory); other members are streamed in blocks and never kept. Memory
 * is bounded by max_depth x max_member_bytes and, as members count against
 * max_total_bytes, by max_total_bytes.
 *
 * Limits (defaults; 0 in an option means the default): each hit sets a
 * flag on the member concerned and on the walk result. A limit stops the
 * reading of the member it concerns, never the listing of the archive:
 * every later member's header is still reported (a member whose data was
 * not read, or not read to its end, because of a limit carries
 * ART_ARCHIVE_F_SKIPPED_LIMIT besides the limit's own flag, its status is
 * ART_ERR_LIMIT and r->bytes is what was read, never its size). Only the
 * artifact and byte budgets and the time limit stop the walk.
 * The ratio check compares the bytes decompressed from a member (from the
 * whole stream for a compressed container such as .tar.gz) with the bytes
 * libarchive consumed for them, and applies only past ratio_min_bytes of
 * output (256 MiB): a legitimate disk image that compresses 1000:1 (a
 * 250 MB image of a mostly empty disk in a 250 KB .xz) is read whole,
 * while a zip bomb member is cut after 256 MiB (about 0.5 s) and flagged
 * ART_ARCHIVE_F_RATIO. A ratio hit on a compressed stream (.tar.gz) ends
 * that stream's listing too, since finding its next member would mean
 * decompressing the bomb. 42.zip-style nesting ends on max_total_bytes or
 * max_artifacts (2 GiB of output, about 5 s on the 2-core machine).
 *
 * Time and memory: timeout_ms (60 s by default) is checked between
 * headers, between blocks and in libarchive's read and seek callbacks,
 * so a stream that decompresses slowly, a bomb being skipped or a reader
 * that keeps reading ends with ART_ARCHIVE_F_TIMEOUT and ART_ERR_TIMEOUT.
 * Members kept in memory to be expanded count against max_memory (512
 * MiB): past it a nested container is not expanded (ART_ARCHIVE_F_MEMORY).
 * Three inputs Debian 12's libarchive 3.6.2 never finishes are
 * recognised before libarchive runs and refused (status ART_ERR_CORRUPT,
 * "not read: ..."): compression nested more than 4 layers deep (a
 * recursive bomb: flag ART_ARCHIVE_F_MEMORY; the layers are followed with
 * libarchive's filter bidding bypassed), a XAR whose table of contents
 * gives a file several link targets (a link loop: ART_ARCHIVE_F_TIMEOUT;
 * the TOC is read with zlib) and an ISO 9660 image whose Rock Ridge
 * continuation areas lead back into one already read (ART_ARCHIVE_F_MEMORY;
 * a compressed image is decompressed into memory, up to max_memory, to be
 * checked). See tests/data/hostile/README.md. What this cannot bound: any
 * other loop or allocation spree inside one libarchive call that never
 * calls back (the deadline is checked only when it does). Only a separate
 * process can stop those: the sandboxed worker (issue 11) is what keeps a
 * batch moving on them; in process, they hang the thread that walks them.
 *
 * Names: member names are taken from libarchive under a UTF-8 LC_CTYPE
 * (set for the walking thread only, while libarchive runs), so Unicode
 * names (ZIP with the UTF-8 flag, 7z, RAR, Joliet, pax) are exactly what
 * `bsdtar -tf` lists under LANG=C.UTF-8. Names stored as bytes in a
 * legacy code page (ZIP without the UTF-8 flag, tar, cpio, ar) are kept
 * when valid UTF-8, else converted with iconv: with opts.charset when
 * given (any iconv name: "CP932", "CP866", "EUC-JP", "KOI8-R"), else
 * CP932 when the bytes are valid CP932 and read as Japanese (kana or
 * kanji, nothing else outside ASCII), else CP437 for ZIP (the ZIP
 * default). Bytes that cannot be decoded are written as \xNN (never
 * U+FFFD), the member gets ART_ARCHIVE_F_NAME_ESCAPED, and name_hex holds
 * the stored bytes whenever they were not UTF-8.
 *
 * Encryption: libarchive decrypts zip only (ZipCrypto, WinZip AES). The
 * passwords tried, in order: "infected", "malware", "virus", "password"
 * (what analysts use to exchange samples), then the caller's.
 * Members that cannot be decrypted (wrong passwords, or encrypted 7z/rar)
 * are still reported, with ART_ARCHIVE_F_ENCRYPTED and status
 * ART_ERR_UNSUPPORTED; the container result counts them.
 *
 * Consumers run for regular file members only: for directories, links,
 * devices and members begin() skips, consumers added in begin() are
 * dropped without a call.
 *
 * Threads: an art_archive is used by one thread at a time.
 */
#ifndef ART_ARCHIVE_H
#define ART_ARCHIVE_H

#include "reader.h"
#include "walk.h"

ART_BEGIN_DECLS

typedef struct art_archive art_archive;

typedef struct art_archive_opts {
  unsigned max_depth;        /* deepest member depth expanded: 10 */
  uint64_t max_artifacts;    /* members per input: 10000 */
  uint64_t max_member_bytes; /* bytes read from one member: 256 MiB */
  uint64_t max_total_bytes;  /* decompressed bytes per input: 2 GiB */
  double max_ratio;          /* decompressed : compressed: 200 */
  uint64_t ratio_min_bytes;  /* ratio checked past this: 16 MiB */
  size_t block_size;         /* bytes per block to consumers: 64 KiB */
  int no_default_passwords;  /* do not try "infected", "malware"... */
  const char *extract_dir;   /* also write file members under this
                                existing directory (see extraction) */
  unsigned timeout_ms;       /* wall-clock time per input: 60000 (see
                                "Time and memory"); UINT_MAX: none */
  uint64_t max_memory;       /* bytes of members kept in memory to be
                                expanded, all depths together: 512 MiB */
  const char *charset;       /* iconv name for names stored in a legacy
                                code page; NULL or "auto": detect (see
                                "Names"). Copied by art_archive_new. */
} art_archive_opts;

/* How a member was reached. */
typedef enum art_archive_via {
  ART_ARCHIVE_VIA_FILE = 0,    /* the input itself */
  ART_ARCHIVE_VIA_MEMBER,      /* a member of an archive */
  ART_ARCHIVE_VIA_DECOMPRESSED /* the content of a lone compressed stream */
} art_archive_via;

/* Flags on a member and on the walk result. */
enum {
  ART_ARCHIVE_F_DEPTH = 1u << 0,       /* a container deeper than max_depth
                                          was not expanded */
  ART_ARCHIVE_F_ARTIFACTS = 1u << 1,   /* max_artifacts reached, walk stopped */
  ART_ARCHIVE_F_MEMBER_SIZE = 1u << 2, /* member cut at max_member_bytes */
  ART_ARCHIVE_F_TOTAL = 1u << 3,       /* max_total_bytes reached, stopped */
  ART_ARCHIVE_F_RATIO = 1u << 4,       /* compression ratio over max_ratio */
  ART_ARCHIVE_F_ENCRYPTED = 1u << 5,   /* encrypted, could not be read */
  ART_ARCHIVE_F_CORRUPT = 1u << 6,     /* damaged container or member */
  ART_ARCHIVE_F_UNSAFE_PATH = 1u << 7, /* absolute or ../ name (not
                                          extracted) */
  ART_ARCHIVE_F_SPECIAL = 1u << 8,     /* symlink, device, fifo: never read
                                          or extracted */
  ART_ARCHIVE_F_DECRYPTED = 1u << 9,   /* encrypted, read with a password */
  ART_ARCHIVE_F_TIMEOUT = 1u << 10,    /* timeout_ms reached, walk stopped */
  ART_ARCHIVE_F_UNSUPPORTED = 1u << 11,   /* compression method or filter
                                             libarchive cannot decode */
  ART_ARCHIVE_F_SKIPPED_LIMIT = 1u << 12, /* data not read, or not to its
                                             end, because of a limit */
  ART_ARCHIVE_F_MEMORY = 1u << 13,        /* max_memory: not expanded */
  ART_ARCHIVE_F_NAME_ESCAPED = 1u << 14   /* undecodable bytes in the name
                                             written as \xNN */
};
#define ART_ARCHIVE_F_LAST ART_ARCHIVE_F_NAME_ESCAPED

/* One member; valid only during the callback. */
typedef struct art_archive_member {
  uint64_t id, parent, root;
  unsigned depth;
  art_archive_via via;
  const char *path;        /* path inside the parent, in UTF-8 (see
                              "Names") */
  const char *name;        /* last component of path */
  const char *lineage;     /* parent paths joined with "!": a.zip!b.tgz!c */
  const char *container;   /* the parent's format: "zip", "tar", "raw" */
  const char *filters;     /* the parent's filters: "gzip", "" */
  art_entry_type type;     /* file, directory, symlink, device ... */
  const char *link_target; /* for symlinks and hard links, else NULL */
  int size_known;
  uint64_t size; /* as declared by the archive (not trusted) */
  int has_mtime;
  int64_t mtime_sec;
  uint32_t mode;
  int encrypted; /* the archive says the data is encrypted */
  /* How the stored name was read: "utf-8", "cp932", "cp437", the
   * charset asked for, or "escaped" (some bytes as \xNN). */
  const char *name_charset;
  /* The stored bytes of name (last component) in hex when they were not
   * UTF-8 (converted or escaped), else NULL. */
  const char *name_hex;
} art_archive_member;

/* What came of one member. */
typedef struct art_archive_result {
  art_status status;  /* ART_OK, or why the member is partial/unread */
  const char *errmsg; /* "lineage: reason" when status != ART_OK */
  unsigned flags;     /* ART_ARCHIVE_F_* */
  uint64_t bytes;     /* bytes read from the member */
  /* The password that opened it, else NULL. libarchive does not say which
   * of its candidates worked: when it opened the member with one it held
   * from earlier members and it holds several, the member is read again
   * with each alone to find out (NULL when the input cannot be reread). */
  const char *password;
  const char *extracted_path; /* where it was written, else NULL */
  /* When the member was itself expanded as a container: */
  int is_container;
  const char *format, *format_filters; /* "tar", "gzip" */
  uint64_t entries;                    /* its direct members */
  uint64_t encrypted_entries;          /* of which could not be decrypted */
  uint64_t compressed_bytes;           /* bytes libarchive consumed */
  uint64_t uncompressed_bytes;
  /* Where the container starts inside the member (self-extracting
   * executables, a ZIP appended to a JPEG, leading data): 0 when at the
   * start. */
  uint64_t container_offset;
} art_archive_result;

/* The whole walk. */
typedef struct art_archive_walk_result {
  unsigned flags;     /* union of the members' flags and the walk's own */
  uint64_t artifacts; /* members reported */
  uint64_t bytes;     /* decompressed bytes read */
  uint64_t encrypted; /* members that could not be decrypted */
  const char *format, *filters; /* the input's format */
  uint64_t entries;             /* the input's direct members */
  uint64_t offset; /* where the container starts in the input (0: at the
                      start; see container_offset) */
} art_archive_walk_result;

typedef struct art_archive_ops {
  /* Before the member's data. Add consumers with art_archive_add_consumer()
   * here. Return ART_WALK_SKIP to not read this member (nor recurse into
   * it), ART_WALK_STOP to end the walk. May be NULL. */
  art_walk_action (*begin)(void *userdata, const art_archive_member *m);
  /* Each block of the member's bytes, in order. Nonzero stops reading the
   * member. May be NULL. */
  int (*data)(void *userdata,
              const art_archive_member *m,
              const uint8_t *buf,
              size_t len,
              uint64_t offset);
  /* Last, after the member's members for a container, with the complete
   * result. Return ART_WALK_STOP to end the walk. May be NULL. */
  art_walk_action (*end)(void *userdata,
                         const art_archive_member *m,
                         const art_archive_result *r);
} art_archive_ops;

/* Called after a member's own bytes were read and its consumers finished,
 * before its members (if it is a container) are walked: the place to take
 * the consumers' results, since the same consumer objects may then be used
 * for its members. R holds the member's own outcome (is_container and the
 * container fields are not known yet). Called for every member, also those
 * not read, with the walk's userdata. Return ART_WALK_SKIP to not expand
 * the member, ART_WALK_STOP to end the walk. */
typedef art_walk_action (*art_archive_read_done_cb)(
    void *userdata, const art_archive_member *m, const art_archive_result *r);

ART_API void art_archive_opts_init(art_archive_opts *opts);

ART_API art_status art_archive_new(art_ctx *ctx,
                                   const art_archive_opts *opts,
                                   art_archive **out);
ART_API void art_archive_free(art_archive *ar);
/* Add a password to try after the defaults (copied). */
ART_API art_status art_archive_add_password(art_ctx *ctx,
                                            art_archive *ar,
                                            const char *password);

/* Set (or clear with NULL) the read_done callback for the next walks. Kept
 * out of art_archive_ops so that initializers of that struct stay valid. */
ART_API void art_archive_set_read_done(art_archive *ar,
                                       art_archive_read_done_cb cb);

/* Within begin(): feed this member's bytes to OPS/STATE too (begin,
 * update for each block, finish with the read status). Not copied: they
 * must outlive the member. At most 32 per member. */
ART_API art_status art_archive_add_consumer(art_archive *ar,
                                            const art_consumer *ops,
                                            void *state);

/* Whether the first bytes of an input (at least 64 bytes, or 40 KiB for
 * iso9660 and tar) look like a container this module expands. A cheap
 * signature test to decide whether to walk an input at all. Besides the
 * signatures at offset 0 (including tar without ustar magic, LZH, RPM,
 * lzma-alone, zstd skippable frames, legacy lz4), it answers yes for an
 * executable holding a 7z/RAR/ZIP signature (self-extracting archives)
 * and for bytes whose last 64 KiB hold a ZIP end of central directory
 * (a ZIP appended to anything): pass the whole input when it is at hand.
 * libarchive then decides. */
ART_API int art_archive_is_container(const void *head, size_t len);
/* Whether TAIL, the last LEN bytes of an input, hold a ZIP end of central
 * directory (an appended or self-extracting ZIP). Read
 * the last 65,557 bytes (or the whole input when smaller). */
ART_API int art_archive_tail_is_zip(const void *tail, size_t len);

/* Walk a container. NAME is the input's name (for lineage and for naming a
 * lone stream's content). Returns ART_OK when the walk ran (members may
 * have failed: see their results and the walk result), ART_ERR_FORMAT when
 * the input is not a container, ART_ERR_CORRUPT when libarchive knows its
 * format but cannot read its first header, ART_ERR_LIMIT when the walk
 * stopped on the artifact or byte budget, ART_ERR_TIMEOUT when it stopped
 * on timeout_ms, or a fatal error. A member that
 * is a damaged container gets the same treatment: flag
 * ART_ARCHIVE_F_CORRUPT, status ART_ERR_CORRUPT; a member whose first
 * bytes merely look like a container is just a file. */
ART_API art_status art_archive_walk_path(art_ctx *ctx,
                                         art_archive *ar,
                                         const char *path,
                                         const art_archive_ops *ops,
                                         void *userdata);
ART_API art_status art_archive_walk_source(art_ctx *ctx,
                                           art_archive *ar,
                                           art_source *src,
                                           const char *name,
                                           const art_archive_ops *ops,
                                           void *userdata);
ART_API art_status art_archive_walk_buffer(art_ctx *ctx,
                                           art_archive *ar,
                                           const void *data,
                                           size_t len,
                                           const char *name,
                                           const art_archive_ops *ops,
                                           void *userdata);
/* After a walk; borrowed until the next walk. */
ART_API const art_archive_walk_result *
art_archive_get_result(const art_archive *ar);

/* Short names: "file", "member", "decompressed"; "depth_limit",
 * "artifact_limit", "size_limit", "byte_budget", "ratio_limit",
 * "encrypted", "corrupt_container", "unsafe_path", "special_file",
 * "decrypted", "timeout", "unsupported_codec", "skipped_limit",
 * "memory", "name_escaped" (for one flag bit). */
ART_API const char *art_archive_via_name(art_archive_via via);
ART_API const char *art_archive_flag_name(unsigned flag);

/* Extraction. With opts.extract_dir set, every regular file member is also
 * written below that directory: depth-1 members at DIR/<path>, deeper
 * members at DIR/<container's extracted path>.d/<path>. Names are made
 * safe first: absolute names, ".." components and empty names are refused
 * (the member is flagged ART_ARCHIVE_F_UNSAFE_PATH and not written);
 * symlinks, hard links, devices and FIFOs are never created (flag
 * ART_ARCHIVE_F_SPECIAL). Directories are opened component by component
 * with O_NOFOLLOW and files created with O_EXCL|O_NOFOLLOW, so nothing
 * already in DIR (or put there by the archive) can redirect a write. An
 * existing file is not overwritten (status ART_ERR_IO, "File exists"). */
/* Extract every member of the container at PATH (and of the containers
 * inside it) below DIR, an existing directory, as described above, with
 * OPTS' limits (NULL: the defaults) and the default passwords; OPS may be
 * NULL or observe each member. A walk with opts.extract_dir set. */
ART_API art_status art_archive_extract(art_ctx *ctx,
                                       const art_archive_opts *opts,
                                       const char *path,
                                       const char *dir,
                                       const art_archive_ops *ops,
                                       void *userdata);
/* Whether a member path is safe to extract (no absolute, no "..", not
 * empty); exposed for tests and tools. */
ART_API int art_archive_path_is_safe(const char *path);

ART_END_DECLS

#endif
