/* Hash sets: compact, memory-mapped lookup files of known (ignorable) or
 * notable (alert) MD5, SHA-1 and SHA-256 digests, built from NIST NSRL RDS
 * v3 (SQLite), hashdeep files, md5sum/sha1sum/sha256sum files and plain
 * lists.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline, building: art_hashset_builder_new() with the set's name and
 * kind; art_hashset_builder_add_file() each input (or _add_hex/_add);
 * art_hashset_builder_write() the .hset file; art_hashset_builder_free().
 * Looking up: art_hashset_open() maps a .hset file; art_hashset_contains()
 * or art_hashset_lookup_hex() any number of times, from any number of
 * threads (the set is immutable); art_hashset_free().
 *
 * The file (version 1, little-endian): a 4096-byte header (magic
 * "ARTHSET1", name, kind, source, creation time, one table descriptor per
 * algorithm, and a SHA-256 of the header), then per algorithm a sorted
 * array of fixed-size digests (no duplicates) and a prefix index of
 * 2^bits + 1 uint64 record positions (bits chosen for about 8 digests per
 * bucket, 8 to 24). A lookup reads one index pair and binary-searches a
 * bucket: two or three page touches, so a set far larger than memory
 * (NSRL: about 100 million digests per algorithm, 6.8 GB for all three) is
 * served from the page cache by what is actually touched.
 *
 * Memory: the process's own memory stays at a few MB whatever the set's
 * size; the set's pages are the kernel's page cache, shared between
 * processes and dropped under memory pressure. Linux counts mapped
 * page-cache pages in a process's RSS (RssFile), and recent kernels map
 * whole large folios per fault, so RSS figures grow with the part of the
 * set touched (1,000 lookups in a 100-million-entry set: 1 GB RssFile,
 * 2 MB RssAnon on Linux 6.18) without that being memory the process holds.
 *
 * Opening checks the magic, version, header checksum and that every table
 * lies inside the file with sizes matching its count; art_hashset_verify()
 * also checks the order of every table and its index (it reads the whole
 * file). A damaged file gives ART_ERR_CORRUPT, or ART_ERR_FORMAT when it is
 * not a hash set at all, with the reason in the message.
 *
 * A set file must not be rewritten in place while it is open (a mapped
 * file cut short under a reader makes the reader fault): the builder
 * writes a new file and renames it over the old one, which is safe.
 *
 * Building keeps the digests in memory (16, 20 and 32 bytes each) and
 * sorts them; the output is written to a temporary name and renamed.
 */
#ifndef ART_HASHSET_H
#define ART_HASHSET_H

#include "hash.h"

ART_BEGIN_DECLS

typedef struct art_hashset art_hashset;
typedef struct art_hashset_builder art_hashset_builder;

typedef enum art_hashset_kind {
  ART_HASHSET_KNOWN = 0, /* known files: can be ignored */
  ART_HASHSET_NOTABLE    /* known bad: alert */
} art_hashset_kind;

typedef enum art_hashset_format {
  ART_HASHSET_FMT_AUTO = 0,
  ART_HASHSET_FMT_NSRL,     /* RDS v3 SQLite: the FILE view */
  ART_HASHSET_FMT_HASHDEEP, /* %%%% HASHDEEP-1.0 files */
  ART_HASHSET_FMT_SUMS,     /* md5sum/sha1sum/sha256sum, BSD tags, plain
                               lists: one digest per line */
  ART_HASHSET_FMT_HSET      /* another .hset file (merge) */
} art_hashset_format;

/* What one input gave. */
typedef struct art_hashset_stats {
  art_hashset_format format; /* as detected */
  uint64_t added[3];         /* md5, sha1, sha256 digests read */
  uint64_t lines, skipped;   /* lines (rows) read, and those without a
                                usable digest */
  uint64_t first_bad_line;   /* 1-based, 0 if none */
} art_hashset_stats;

/* "known"/"notable" and back; ART_ERR_INVALID_ARG for other names. */
ART_API const char *art_hashset_kind_name(art_hashset_kind kind);
ART_API art_status art_hashset_kind_parse(const char *name,
                                          art_hashset_kind *kind);
ART_API const char *art_hashset_format_name(art_hashset_format format);
ART_API art_status art_hashset_format_parse(const char *name,
                                            art_hashset_format *format);

/* ---- building ---- */

ART_API art_status art_hashset_builder_new(art_ctx *ctx,
                                           const char *name,
                                           art_hashset_kind kind,
                                           art_hashset_builder **out);
ART_API void art_hashset_builder_free(art_hashset_builder *b);
/* Add one digest (ALG is MD5, SHA1 or SHA256). */
ART_API art_status art_hashset_builder_add(art_ctx *ctx,
                                           art_hashset_builder *b,
                                           art_hash_alg alg,
                                           const uint8_t *digest);
/* Add a hex digest; the algorithm follows from its length (32, 40, 64). */
ART_API art_status art_hashset_builder_add_hex(art_ctx *ctx,
                                               art_hashset_builder *b,
                                               const char *hex);
/* Read every digest of an input file. STATS may be NULL. A file that has
 * lines without digests is still read (they are counted as skipped); a
 * file with no digest at all is ART_ERR_FORMAT. */
ART_API art_status art_hashset_builder_add_file(art_ctx *ctx,
                                                art_hashset_builder *b,
                                                const char *path,
                                                art_hashset_format format,
                                                art_hashset_stats *stats);
/* Free-form provenance kept in the header ("RDS_2024.12.1_modern"). */
ART_API art_status art_hashset_builder_set_source(art_ctx *ctx,
                                                  art_hashset_builder *b,
                                                  const char *source);
/* Sort, remove duplicates and write PATH. COUNTS (may be NULL) gets the
 * unique digests per algorithm (md5, sha1, sha256). */
ART_API art_status art_hashset_builder_write(art_ctx *ctx,
                                             art_hashset_builder *b,
                                             const char *path,
                                             uint64_t counts[3]);

/* ---- looking up ---- */

ART_API art_status art_hashset_open(art_ctx *ctx,
                                    const char *path,
                                    art_hashset **out);
/* The same over bytes in memory, which must outlive the set (for tests and
 * fuzzing; no copy is made). */
ART_API art_status art_hashset_open_buffer(art_ctx *ctx,
                                           const void *data,
                                           size_t len,
                                           art_hashset **out);
ART_API void art_hashset_free(art_hashset *hs);

ART_API const char *art_hashset_name(const art_hashset *hs);
ART_API art_hashset_kind art_hashset_get_kind(const art_hashset *hs);
ART_API const char *art_hashset_source(const art_hashset *hs);
ART_API int64_t art_hashset_created(const art_hashset *hs);
/* Digests of ALG in the set (0 for other algorithms). */
ART_API uint64_t art_hashset_count(const art_hashset *hs, art_hash_alg alg);

/* 1 when DIGEST (binary, art_hash_alg_size(ALG) bytes) is in the set. */
ART_API int art_hashset_contains(const art_hashset *hs,
                                 art_hash_alg alg,
                                 const uint8_t *digest);
/* Look up a hex digest (either case); the algorithm follows from its
 * length. ART_ERR_INVALID_ARG for a string that is not a digest. */
ART_API art_status art_hashset_lookup_hex(art_ctx *ctx,
                                          const art_hashset *hs,
                                          const char *hex,
                                          int *found);
/* Full check: every table sorted without duplicates and its index right. */
ART_API art_status art_hashset_verify(art_ctx *ctx, const art_hashset *hs);

/* Parse a hex digest into BIN (up to 32 bytes); returns the algorithm in
 * *ALG. ART_ERR_INVALID_ARG unless HEX is 32, 40 or 64 hex digits. */
ART_API art_status art_hashset_parse_hex(const char *hex,
                                         size_t len,
                                         art_hash_alg *alg,
                                         uint8_t *bin);

ART_END_DECLS

#endif
