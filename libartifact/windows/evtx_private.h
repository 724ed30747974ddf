/* Our own EVTX reader (evtx_chunk.c, evtx_binxml.c): shared definitions.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Why our own: libevtx/libfwevt build a tree of allocated tags and
 * libfvalue values for every record and render it to XML twice; that cost
 * alone equals the whole evtxexport run, and a crafted record makes
 * libfwevt read past its buffer. This reader parses each chunk's template
 * definitions once (per-chunk cache), substitutes only the values of each
 * instance, keeps only the fields our events carry, and checks every
 * length and offset against the chunk.
 */
#ifndef ART_EVTX_PRIVATE_H
#define ART_EVTX_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "win_private.h"

#define EVX_FILE_HEADER   4096u
#define EVX_CHUNK         65536u
#define EVX_CHUNK_HEADER  512u
#define EVX_RECORD_HEADER 24u
#define EVX_MAX_DEPTH     64 /* element nesting */
#define EVX_MAX_NEST      8  /* Binary XML values inside values */

/* A string of the record being read: N bytes at OFF in the reader's
 * arena; N == UINT32_MAX: absent. */
typedef struct evx_str {
  uint32_t off, n;
} evx_str;
#define EVX_ABSENT UINT32_MAX

typedef struct evx_kv {
  evx_str key; /* absent: <Data> without Name */
  evx_str val;
} evx_kv;

/* One record, as our events carry it (the fields libevtx gave). */
typedef struct evx_record {
  uint64_t number;  /* event record identifier (header) */
  uint64_t written; /* FILETIME (header) */
  uint32_t eid, qual;
  uint8_t level;
  int has_qual;
  int recovered;
  evx_str source, pname, guid, channel, computer, sid;
  evx_kv *kv;
  size_t nkv, kvcap;
} evx_record;

typedef struct evx_op evx_op;
typedef struct evx_val evx_val;
typedef struct evx_frame {
  uint8_t kind;
  uint8_t nattr; /* attributes rendered (not dropped) */
  uint8_t drop;  /* last optional substitution was NULL */
  uint8_t cand;  /* Channel / EventData candidate (needs no attributes) */
  uint32_t cap0; /* arena length when the capture started */
  evx_str key;   /* <Data Name="..."> */
} evx_frame;

typedef struct evx_tc {
  uint32_t off; /* template definition offset in the chunk, 0: free */
  uint32_t op0, nops;
} evx_tc;

#define EVX_TCACHE 512  /* templates per chunk (power of two) */
#define EVX_NCACHE 1024 /* names per chunk (power of two) */

/* The reader: per-chunk caches and per-record output, all reused. */
typedef struct evx_reader {
  const uint8_t *c; /* the chunk being read (EVX_CHUNK bytes) */
  evx_op *ops;
  size_t nops, opcap;
  char *pool; /* names and static text of the compiled templates */
  size_t plen, pcap;
  evx_tc tc[EVX_TCACHE];
  size_t ntc;
  struct {
    uint32_t off, s, n;
  } nc[EVX_NCACHE];
  evx_val *vals;
  size_t nvals, valcap;
  /* the record being read */
  char *arena;
  size_t alen, acap;
  evx_record rec;
  evx_frame st[EVX_MAX_DEPTH + 1];
  int sp;
  int nest;
  unsigned long work; /* elements opened for this record */
  unsigned seen;      /* first-occurrence flags */
  int oom;
  char err[192];
} evx_reader;

void evx_reader_init(evx_reader *rd);
void evx_reader_free(evx_reader *rd);
/* Start a new chunk: forget its templates and names. */
void evx_chunk_begin(evx_reader *rd, const uint8_t *chunk);
/* Read the Binary XML of the record at [POS, END) of the chunk into
 * rd->rec (number/written/recovered are the caller's). 0, or -1 with the
 * reason in rd->err (rd->oom: out of memory). */
int evx_record_parse(evx_reader *rd, uint32_t pos, uint32_t end);
/* Text of S (NUL-terminated in the arena), or NULL when absent. */
const char *evx_str_get(const evx_reader *rd, evx_str s);

/* Callback per record of evx_read: 0 go on, non-zero stop (returned). */
typedef int (*evx_record_fn)(evx_reader *rd, void *user);

/* Problems found in a file: counted, the first of the file or a chunk
 * and the first of a record kept in words. */
typedef struct evx_problems {
  unsigned bad_records, bad_chunks;
  unsigned records, chunks;
  char first[256], first_record[256];
} evx_problems;

/* Read every record of the EVTX file in DATA (N bytes), in file order,
 * then the recovered ones (free space of each chunk, chunks past the
 * header's count), calling FN. Returns 0 (PB says what was damaged), -1
 * when DATA is not an EVTX file (reason in PB->first), -2 out of memory,
 * or FN's non-zero value. */
int evx_read(const uint8_t *data,
             size_t n,
             evx_reader *rd,
             evx_record_fn fn,
             void *user,
             evx_problems *pb);

#endif
