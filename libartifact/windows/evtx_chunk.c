/* EVTX file header, 64 KiB chunks and their event records.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Layout (libyal's EVTX documentation): a 4096-byte file header
 * ("ElfFile\0", chunk count, flags), then chunks of 65536 bytes: a
 * 512-byte header ("ElfChnk\0", first/last record numbers, last record
 * and free space offsets, CRC32 of the records, CRC32 of the header),
 * records from offset 512 (signature 0x00002a2a, size, record
 * identifier, written FILETIME, Binary XML, copy of the size).
 *
 * Which records are read follows libevtx, so the events stay those it
 * gave: records from offset 512 up to the last record offset, stopping at
 * the first one that is not whole; chunks past the header's chunk count
 * (file not dirty) and records found in a chunk's free space are
 * reported as recovered. Unlike libevtx, a damaged chunk (signature,
 * header size, offsets, either CRC32) or record is named in the problems
 * and the rest of the file is still read; a whole file is never refused
 * for one chunk.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "evtx_private.h"
#include "i18n.h"
#include "win_private.h"

static void note(char *first, const char *fmt, ...) ART_PRINTF(2, 3);
static void note(char *first, const char *fmt, ...)
{
  if (first[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(first, 256, fmt, ap);
  va_end(ap);
}

static int all_zero(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return 0;
  return 1;
}

static uint32_t crc(const uint8_t *p, size_t n, uint32_t init)
{
  return (uint32_t)crc32(init, p, (uInt)n);
}

/* Is there a whole record at OFF of chunk C? Its size, or 0. */
static uint32_t record_at(const uint8_t *c, uint32_t off)
{
  if (off > EVX_CHUNK - EVX_RECORD_HEADER - 4)
    return 0;
  const uint8_t *p = c + off;
  if (win_le32(p) != 0x00002a2a)
    return 0;
  uint32_t size = win_le32(p + 4);
  if (size < EVX_RECORD_HEADER + 4 || size > EVX_CHUNK - off)
    return 0;
  if (win_le32(p + size - 4) != size)
    return 0;
  return size;
}

/* One record: header fields, Binary XML, callback. */
static int one(evx_reader *rd,
               const uint8_t *c,
               uint32_t off,
               uint32_t size,
               int recovered,
               uint64_t chunk_no,
               evx_record_fn fn,
               void *user,
               evx_problems *pb)
{
  int rc = evx_record_parse(rd, off + EVX_RECORD_HEADER, off + size - 4);
  rd->rec.number = win_le64(c + off + 8);
  rd->rec.written = win_le64(c + off + 16);
  rd->rec.recovered = recovered;
  if (rc) {
    if (rd->oom)
      return -2;
    if (!recovered) { /* recovery is best effort: only real records count */
      pb->bad_records++;
      note(pb->first_record, _("chunk %" PRIu64 ", record %" PRIu64 ": %s"),
           chunk_no, rd->rec.number, rd->err);
    }
    return 0;
  }
  pb->records++;
  return fn(rd, user);
}

int evx_read(const uint8_t *data,
             size_t n,
             evx_reader *rd,
             evx_record_fn fn,
             void *user,
             evx_problems *pb)
{
  memset(pb, 0, sizeof *pb);
  if (n < 128 || memcmp(data, "ElfFile\0", 8) != 0) {
    note(pb->first, _("no EVTX file header (signature ElfFile)"));
    return -1;
  }
  uint32_t hsize = win_le16(data + 40); /* header block size */
  uint16_t nchunks = win_le16(data + 42);
  uint32_t flags = win_le32(data + 120);
  int hdr_ok = 0;
  if (hsize != EVX_FILE_HEADER) {
    note(pb->first, _("file header block size %" PRIu32 " (expected 4096)"),
         hsize);
    pb->bad_chunks++;
    hsize = EVX_FILE_HEADER;
  } else if (crc(data, 120, 0) != win_le32(data + 124)) {
    note(pb->first, _("file header checksum mismatch"));
    pb->bad_chunks++;
  } else
    hdr_ok = 1;
  int dirty = flags & 1;
  size_t whole = n >= hsize ? (n - hsize) / EVX_CHUNK : 0;
  /* pass 1: records; pass 2: recovered ones (libevtx's order) */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t ci = 0; ci < whole; ci++) {
      const uint8_t *c = data + hsize + ci * EVX_CHUNK;
      if (pass == 0)
        pb->chunks++;
      if (all_zero(c, EVX_CHUNK_HEADER) && all_zero(c, EVX_CHUNK))
        continue; /* never used */
      if (memcmp(c, "ElfChnk\0", 8) != 0) {
        if (pass == 0) {
          pb->bad_chunks++;
          note(pb->first, _("chunk %zu: no chunk signature (ElfChnk)"), ci);
        }
        continue;
      }
      uint32_t hdr = win_le32(c + 40), last = win_le32(c + 44),
               free_off = win_le32(c + 48);
      if (hdr != 128 || free_off < EVX_CHUNK_HEADER || free_off > EVX_CHUNK) {
        if (pass == 0) {
          pb->bad_chunks++;
          note(pb->first,
               _("chunk %zu: damaged header (header size %" PRIu32
                 ", free space offset %" PRIu32 ")"),
               ci, hdr, free_off);
        }
        continue;
      }
      if (pass == 0) {
        uint32_t h = crc(c, 120, 0);
        h = crc(c + 128, 384, h);
        if (h != win_le32(c + 124)) {
          pb->bad_chunks++;
          note(pb->first,
               _("chunk %zu: header checksum mismatch (records read anyway)"),
               ci);
        } else if (crc(c + EVX_CHUNK_HEADER, free_off - EVX_CHUNK_HEADER, 0) !=
                   win_le32(c + 52)) {
          pb->bad_chunks++;
          note(pb->first,
               _("chunk %zu: records checksum mismatch (records read anyway)"),
               ci);
        }
      }
      evx_chunk_begin(rd, c);
      /* records beyond the header's chunk count are recovered ones,
       * unless the file is dirty */
      int in_range = ci < nchunks || dirty;
      uint32_t off = EVX_CHUNK_HEADER;
      while (off <= last) {
        if (off > EVX_CHUNK - EVX_RECORD_HEADER - 4 ||
            all_zero(c + off, EVX_RECORD_HEADER))
          break;
        uint32_t size = record_at(c, off);
        if (!size) {
          if (pass == 0 && in_range) {
            pb->bad_records++;
            note(pb->first_record,
                 _("chunk %zu: damaged record header at chunk offset %" PRIu32
                   " (rest of the chunk not read)"),
                 ci, off);
          }
          break;
        }
        if (pass == (in_range ? 0 : 1)) {
          int rc = one(rd, c, off, size, !in_range, ci, fn, user, pb);
          if (rc)
            return rc;
        }
        off += size;
      }
      if (pass == 0)
        continue;
      /* free space: whole records with a Binary XML start */
      for (; off + EVX_RECORD_HEADER + 4 <= EVX_CHUNK; off += 4) {
        if (win_le32(c + off) != 0x00002a2a)
          continue;
        uint32_t size = record_at(c, off);
        if (!size)
          continue;
        const uint8_t *x = c + off + EVX_RECORD_HEADER;
        size_t xn = size - EVX_RECORD_HEADER - 4;
        if (!((xn >= 5 && x[0] == 0x0a) ||
              (xn >= 4 && x[0] == 0x0f && x[1] == 1 && x[2] == 1 && !x[3])))
          continue;
        int rc = one(rd, c, off, size, 1, ci, fn, user, pb);
        if (rc)
          return rc;
        off += size - 4;
      }
    }
  }
  size_t tail = n >= hsize ? (n - hsize) % EVX_CHUNK : 0;
  if (tail && !all_zero(data + n - tail, tail)) {
    pb->chunks++; /* the truncated one */
    pb->bad_chunks++;
    note(pb->first,
         _("%zu bytes after the last whole chunk (a truncated chunk) were not "
           "read"),
         tail);
  }
  /* a file cut at a chunk boundary: fewer chunks than its header counts
   * (evtxinfo says "Is corrupted"); the missing ones are damaged too.
   * A damaged header's count is not trusted (it is reported already). */
  if (hdr_ok && pb->chunks < nchunks) {
    note(pb->first,
         _("the file header counts %u chunks, the file holds %zu (a truncated "
           "file)"),
         (unsigned)nchunks, whole);
    pb->bad_chunks += nchunks - pb->chunks;
    pb->chunks = nchunks;
  }
  return 0;
}
