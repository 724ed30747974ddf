/* Surface analysis: one record per artifact (a file, or a member found in
 * it) with hashes, ssdeep, file type, entropy, header bytes, strings
 * summary, PE/ELF details, hash-set hits, YARA matches and container
 * lineage, all computed from one read of the artifact's bytes.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline:
 *   1. art_surface_opts_init() the defaults and change what is needed;
 *      art_surface_config_new(); optionally _add_hashset(), _add_password(),
 *      _set_rules() (compiled YARA rules, borrowed), _add_similar() (ssdeep
 *      hashes to compare with). The configuration is then immutable and is
 *      shared by every thread.
 *   2. Per worker thread: art_surface_new() over the configuration.
 *   3. Per input: art_surface_examine() on an opened source (or
 *      art_surface_examine_path()); it gives an art_surface_report holding
 *      the input's record and the records of the members found inside it,
 *      in lineage order (pre-order: a container, then its members).
 *   4. Read each record's summary (art_surface_record_get) and format it
 *      as JSON Lines (art_surface_record_json, docs/surface-schema.md) or as
 *      the readable text report (art_surface_record_text);
 *      art_surface_report_free().
 *   5. art_surface_free() each analyser, then art_surface_config_free().
 *
 * One read: the input's bytes go once through an art_reader to every
 * analysis (hash, ssdeep, magic, entropy, strings, PE/ELF collectors, YARA
 * and a header/container keeper). A container is kept in memory (up to
 * keep_limit) and walked from there; a larger container is walked with a
 * second, streaming read of the source (the only case of two reads).
 * Members are analysed as streams inside the archive walk (art_archive),
 * never written to disk unless extraction is asked for.
 *
 * Dissectors (dissect.h): every artifact whose content a dissector
 * recognises (a mail, an OLE2 file...) is kept in memory (up to
 * keep_limit) and dissected; the dissector's summary goes under its key in
 * the record and its children (attachments, macro source...) are analysed
 * like members, recursively, with the archive limits (depth, artifacts,
 * member and total bytes, timeout_ms) counted over the whole input. A
 * record's members come before its dissected children.
 *
 * Threads: a configuration is shared read-only; an art_surface and a report
 * are used by one thread at a time.
 */
#ifndef ART_SURFACE_H
#define ART_SURFACE_H

#include "archive.h"
#include "strings.h"

ART_BEGIN_DECLS

#define ART_SURFACE_SCHEMA "artifact.surface/2"

typedef struct art_surface_config art_surface_config;
typedef struct art_surface art_surface;
typedef struct art_surface_report art_surface_report;
struct art_yara_rules;

typedef struct art_surface_opts {
  unsigned extra_hashes; /* more algorithms besides md5, sha1, sha256:
                            ART_HASH_MASK(ART_HASH_SHA512), ... */
  size_t header_bytes;   /* first bytes shown: 0 -> 32 */
  size_t entropy_block;  /* 0 -> ART_ENTROPY_BLOCK_DEFAULT */
  size_t keep_limit;     /* bytes of an artifact kept in memory for the
                            PE/ELF parsers, YARA and (top level) the
                            container walk: 0 -> 64 MiB; longer ones are
                            parsed and scanned up to there (flagged) and
                            walked with a second, streaming read */
  art_strings_summary_opts strings; /* 0s: the summary's defaults */
  int no_strings;                   /* leave the strings summary out */
  int no_recurse;                   /* do not look into containers */
  int skip_known;           /* do not expand containers a known set holds */
  art_archive_opts archive; /* limits, extraction (see archive.h) */
  unsigned reader_threads;  /* reader lanes for large inputs (0, 1: none) */
  unsigned yara_timeout;    /* seconds per artifact, 0: none */
  int similar_threshold;    /* ssdeep matches must score above this */
} art_surface_opts;

ART_API void art_surface_opts_init(art_surface_opts *opts);

ART_API art_status art_surface_config_new(art_ctx *ctx,
                                          const art_surface_opts *opts,
                                          art_surface_config **out);
ART_API void art_surface_config_free(art_surface_config *cfg);
/* Map a .hset file (art-hashset); hits are reported per set. */
ART_API art_status art_surface_config_add_hashset(art_ctx *ctx,
                                                  art_surface_config *cfg,
                                                  const char *path);
/* A password to try on encrypted zip members after "infected" and
 * "password" (copied). */
ART_API art_status art_surface_config_add_password(art_ctx *ctx,
                                                   art_surface_config *cfg,
                                                   const char *password);
/* Scan every artifact with RULES (borrowed: they must outlive the
 * configuration's analysers). NULL: no YARA. */
ART_API void art_surface_config_set_rules(art_surface_config *cfg,
                                          const struct art_yara_rules *rules);
/* Load ssdeep hashes to compare every artifact with: an ssdeep file (as
 * `ssdeep` writes it, the header line optional) or art-surface JSON Lines
 * (hashes.ssdeep and path of each record). *COUNT (may be NULL) gets the
 * hashes read. ART_ERR_FORMAT when no hash was found. */
ART_API art_status art_surface_config_add_similar(art_ctx *ctx,
                                                  art_surface_config *cfg,
                                                  const char *path,
                                                  size_t *count);

ART_API art_status art_surface_new(art_ctx *ctx,
                                   const art_surface_config *cfg,
                                   art_surface **out);
ART_API void art_surface_free(art_surface *s);

/* Examine SRC (read from its current position) named PATH; INPUT is the
 * input's position in the run (lineage.input). Returns ART_OK with a report
 * (members may be partial: see their errors and limits_hit), or the read
 * error of the input itself, still with a report whose record lists it.
 * Only a fatal error (no memory) leaves *OUT NULL. */
ART_API art_status art_surface_examine(art_ctx *ctx,
                                       art_surface *s,
                                       art_source *src,
                                       const char *path,
                                       uint64_t input,
                                       art_surface_report **out);
/* Open PATH (ART_SOURCE_AUTO) and examine it. ART_ERR_NOT_FOUND,
 * ART_ERR_PERMISSION... with *OUT NULL when it cannot be opened. */
ART_API art_status art_surface_examine_path(art_ctx *ctx,
                                            art_surface *s,
                                            const char *path,
                                            uint64_t input,
                                            art_surface_report **out);
ART_API void art_surface_report_free(art_surface_report *rep);

/* Records in lineage order; index 0 is the input itself. */
ART_API size_t art_surface_report_count(const art_surface_report *rep);

/* A record's key facts (borrowed until the report is freed). */
typedef struct art_surface_record {
  uint64_t id, parent; /* parent meaningless for id 0 */
  unsigned depth;
  art_archive_via via;
  const char *path;   /* the input's path, or lineage "a.zip!b.tgz!c" */
  uint64_t size;      /* bytes read */
  const char *sha256; /* NULL when not computed (unread member) */
  const char *ssdeep; /* NULL when none */
  int known;          /* a hit in a "known" hash set */
  int notable;        /* a hit in a "notable" hash set */
  size_t similar;     /* ssdeep matches above the threshold */
  size_t yara_matches;
  size_t errors; /* entries in "errors" */
  size_t limits; /* entries in "limits_hit" */
  int directory; /* a directory member (reported only in JSON) */
  /* lineage.via: "file", "member", "decompressed", or the dissector's
   * ("mime-part", "vba-module"...; VIA is then ART_ARCHIVE_VIA_MEMBER) */
  const char *via_name;
} art_surface_record;

ART_API const art_surface_record *
art_surface_record_get(const art_surface_report *rep, size_t index);
/* The record as one JSON object (no newline); caller frees with art_free. */
ART_API art_status art_surface_record_json(art_ctx *ctx,
                                           const art_surface_report *rep,
                                           size_t index,
                                           char **out);
/* The record as a readable report block (lines ending in '\n'); caller
 * frees with art_free. */
ART_API art_status art_surface_record_text(art_ctx *ctx,
                                           const art_surface_report *rep,
                                           size_t index,
                                           char **out);
/* The ssdeep matches of a record: peer name and score (borrowed). */
ART_API art_status art_surface_record_similar(const art_surface_report *rep,
                                              size_t index,
                                              size_t k,
                                              const char **peer,
                                              int *score);

/* A record for an input that could not be examined at all (it cannot be
 * opened): schema, path, name, lineage and the message in "errors", so that
 * JSON Lines output lists every input. Caller frees with art_free. */
ART_API art_status art_surface_error_json(art_ctx *ctx,
                                          const char *path,
                                          uint64_t input,
                                          const char *message,
                                          char **out);

ART_END_DECLS

#endif
