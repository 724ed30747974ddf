/* Hash lists: writing hash records in the formats other tools read
 * (hashdeep, md5sum/sha256sum, JSON Lines, CSV, DFXML).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_hashlist_format_parse() the user's -f value;
 * art_hashlist_writer_new() on an output stream (it writes the header);
 * art_hashlist_write() one record per input, in order;
 * art_hashlist_writer_finish() writes the footer; art_hashlist_writer_free().
 * Formats are documented in docs/hash-formats.md. A writer is used by one
 * thread at a time.
 */
#ifndef ART_HASHLIST_H
#define ART_HASHLIST_H

#include <stdio.h>

#include "hash.h"
#include "reader.h"

ART_BEGIN_DECLS

typedef enum art_hashlist_format {
  ART_HASHLIST_HASHDEEP = 0, /* HASHDEEP-1.0, readable by hashdeep -k */
  ART_HASHLIST_SUM,          /* md5sum/sha256sum lines, with their escaping */
  ART_HASHLIST_JSONL,        /* one JSON object per input */
  ART_HASHLIST_CSV,          /* RFC 4180 with a header row */
  ART_HASHLIST_DFXML         /* Digital Forensics XML fileobjects */
} art_hashlist_format;

ART_API art_status art_hashlist_format_parse(const char *name,
                                             art_hashlist_format *out);
ART_API const char *art_hashlist_format_name(art_hashlist_format f);

/* A hash stored in an image (E01) and how it compares with ours. */
typedef struct art_stored_hash {
  const char *alg; /* "md5", "sha1" */
  const char *hex;
  int verdict; /* 1 matches, 0 differs, -1 not computed */
} art_stored_hash;

/* One input's hashes. Pointers are borrowed for the call. */
typedef struct art_hash_record {
  const char *path;  /* as given or found */
  const char *kind;  /* art_source_kind_name(): "file", "ewf", ... */
  art_status status; /* ART_OK, or why it could not be (fully) hashed */
  const char *errmsg;
  uint64_t size;
  const art_hash *hash; /* results, pieces; NULL when status != ART_OK */
  int changed;          /* size or mtime changed while it was read */
  int64_t mtime_sec;    /* for DFXML; 0 when unknown */
  long mtime_nsec;
  const art_stored_hash *stored; /* image hashes; may be NULL */
  size_t n_stored;
  /* For hash-set lookups (issue 3): "known"/"notable" and the set's name,
   * or NULL. */
  const char *hashset_kind, *hashset_name;
  /* SIZE is the media size of an image (or the file's size); when fewer
   * bytes could be read (an error part way), BYTES_READ says how many and
   * HAS_BYTES_READ is set. */
  int has_bytes_read;
  uint64_t bytes_read;
  /* An input read as an image (E01, split raw, virtual disk): VIA is
   * "image", FORMAT its format ("E01", "split", "VMDK", ...) and FILES the
   * N_FILES files behind it (segments, extents, parents). NULL otherwise. */
  const char *via, *format;
  const char *const *files;
  size_t n_files;
  /* Ranges that could not be read (art_reader_set_rescue), in order, and
   * how many more were not kept; none: NULL, 0, 0. */
  const art_read_range *unreadable;
  size_t n_unreadable;
  uint64_t more_unreadable;
} art_hash_record;

typedef struct art_hashlist_writer art_hashlist_writer;

/* MASK: the algorithms, in art_hash_alg order, that the columns hold.
 * COMMAND: the command line, quoted in headers (may be NULL). PIECEWISE:
 * nonzero when records carry pieces instead of whole-input digests. For
 * ART_HASHLIST_SUM exactly one algorithm may be selected. */
ART_API art_status art_hashlist_writer_new(art_ctx *ctx,
                                           art_hashlist_format format,
                                           unsigned mask,
                                           int piecewise,
                                           const char *command,
                                           FILE *out,
                                           art_hashlist_writer **out_writer);
ART_API art_status art_hashlist_write(art_ctx *ctx,
                                      art_hashlist_writer *w,
                                      const art_hash_record *rec);
ART_API art_status art_hashlist_writer_finish(art_ctx *ctx,
                                              art_hashlist_writer *w);
ART_API void art_hashlist_writer_free(art_hashlist_writer *w);

/* Helpers shared with other writers. */
/* Write S as one RFC 4180 CSV field, quoting when needed and neutralising
 * spreadsheet formulas (a leading = + - @ TAB or CR gets a ' in front). */
ART_API void art_csv_write_field(FILE *out, const char *s);
/* Escape a file name the way coreutils' *sum tools do: returns nonzero when
 * the name needed escaping (the line then starts with a backslash). The
 * escaped text goes to OUT. */
ART_API int art_sum_write_name(FILE *out, const char *name, int escape);
ART_API int art_sum_name_needs_escape(const char *name);

ART_END_DECLS

#endif
