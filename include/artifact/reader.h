/* The reader: pulls a source through once, in large blocks, and hands every
 * block to any number of consumers (hashes, file type, strings, entropy,
 * YARA, ...). One read per input, whatever is computed from it.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_reader_new(); art_reader_add() each consumer (modules such as
 * hash provide ready-made ones: art_hash_attach); art_reader_run() on a
 * source; read each consumer's results; art_reader_clear() and add
 * consumers again for the next input, or art_reader_free().
 *
 * Threads: with threads > 1 and an input of at least ART_READER_LANE_MIN
 * bytes (or of unknown size), consumers are split into lanes balanced by
 * their declared cost, each lane runs on its own thread, and the reading
 * thread runs the cheapest lane itself; a run then costs about as much as
 * its slowest lane. Small inputs run every consumer on the calling thread.
 * A reader is used by one thread at a time. Its memory is bounded by
 * (block size x ring slots) whatever the input size.
 */
#ifndef ART_READER_H
#define ART_READER_H

#include "source.h"

ART_BEGIN_DECLS

typedef struct art_reader art_reader;

#define ART_READER_BLOCK_DEFAULT (1024u * 1024u)
#define ART_READER_LANE_MIN      (16u * 1024u * 1024u)

/* A consumer of the byte stream. The callbacks run on one thread each (not
 * necessarily the caller's); STATE is the consumer's own. */
typedef struct art_consumer {
  const char *name;
  /* Relative cost per byte (nanoseconds per byte on a reference core); used
   * only to balance lanes. */
  double cost;
  /* Called once before the first block with the source's size if known
   * (size_known 0 otherwise). May be NULL. */
  art_status (*begin)(void *state, int size_known, uint64_t size);
  /* Called for each block in order. Return ART_OK to go on, ART_ERR_LIMIT
   * to say the consumer needs no more data (not an error), or another
   * status to fail this consumer (its finish sees it). */
  art_status (*update)(void *state,
                       const uint8_t *data,
                       size_t len,
                       uint64_t offset);
  /* Called once at the end with the read status (ART_OK when every byte was
   * read). May be NULL. */
  art_status (*finish)(void *state, art_status read_status);
} art_consumer;

typedef struct art_reader_opts {
  size_t block_size; /* 0: ART_READER_BLOCK_DEFAULT */
  unsigned threads;  /* lanes for large inputs; 0 or 1: no threads */
} art_reader_opts;

ART_API art_status art_reader_new(art_ctx *ctx,
                                  const art_reader_opts *opts,
                                  art_reader **out);
ART_API void art_reader_free(art_reader *reader);

/* Add a consumer; OPS and STATE must stay valid until the reader is cleared
 * or freed (they are not copied). */
ART_API art_status art_reader_add(art_reader *reader,
                                  const art_consumer *ops,
                                  void *state);
/* Remove all consumers. */
ART_API void art_reader_clear(art_reader *reader);

/* Read SRC from its current position to its end, feeding every consumer.
 * *BYTES (may be NULL) receives the number of bytes read. Returns the read
 * status: ART_OK, or the source's error (the message says where); consumers'
 * own failures are theirs to report. */
ART_API art_status art_reader_run(art_ctx *ctx,
                                  art_reader *reader,
                                  art_source *src,
                                  uint64_t *bytes);

/* Progress hook, called on the reading thread after each block with the bytes
 * read so far. May be NULL. */
typedef void (*art_reader_progress_cb)(uint64_t bytes, void *userdata);
ART_API void art_reader_set_progress(art_reader *reader,
                                     art_reader_progress_cb cb,
                                     void *userdata);

/* Reading past damage, as ddrescue's first pass does (art-hash): with a
 * SECTOR size set (0: off, the default), a read error on a source that can
 * be read at offsets (a file, a device, an image) no longer ends the read.
 * The rest of the source is read with art_source_pread, block by block;
 * each block that fails is retried sector by sector from both its ends,
 * and what lies between the last good sectors is one unreadable range
 * (adjacent ranges merged). At most block/SECTOR + 2 reads per bad block.
 * The consumers are fed nothing after the first error (what they compute
 * is incomplete and must not be given out); art_reader_run still returns
 * the error, *BYTES counts every byte that could be read, and the message
 * says how many ranges and bytes could not. */
typedef struct art_read_range {
  uint64_t offset, length;
} art_read_range;
ART_API void art_reader_set_rescue(art_reader *reader, unsigned sector);
/* The unreadable ranges of the last run, in order (at most 4096 kept:
 * *MORE counts those beyond). Valid until the next run or free. */
ART_API size_t art_reader_bad_ranges(const art_reader *reader,
                                     const art_read_range **ranges,
                                     uint64_t *more);

ART_END_DECLS

#endif
