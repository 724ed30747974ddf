/* NTFS change journal ($Extend/$UsnJrnl:$J): USN_RECORD_V2 and V3, read
 * by our own code (the format is small and documented by Microsoft).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The stream is mostly sparse (zeros before the live records); it is read
 * in 1 MiB blocks and zeros are skipped 8 bytes at a time (records are
 * 8-byte aligned). A record whose length or name does not fit is counted
 * as damaged and the scan resumes at the next 8-byte boundary.
 *
 * V2: length u32 @0, major u16 @4, minor @6, file reference u64 @8, parent
 * u64 @16, USN i64 @24, time FILETIME @32, reason u32 @40, source info
 * @44, security id @48, attributes @52, name length (bytes) u16 @56, name
 * offset u16 @58. V3: 128-bit references @8 and @24, USN @40, time @48,
 * reason @56, source info @60, security id @64, attributes @68, name
 * length @72, name offset @74.
 *
 * Events: fs:ntfs:usn_change, "Metadata Modification Time" (plaso's
 * ENTRY_MODIFICATION), FILE / NTFS USN change.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

static const struct {
  uint32_t bit;
  const char *name;
} reasons[] = {{0x00000001u, "USN_REASON_DATA_OVERWRITE"},
               {0x00000002u, "USN_REASON_DATA_EXTEND"},
               {0x00000004u, "USN_REASON_DATA_TRUNCATION"},
               {0x00000010u, "USN_REASON_NAMED_DATA_OVERWRITE"},
               {0x00000020u, "USN_REASON_NAMED_DATA_EXTEND"},
               {0x00000040u, "USN_REASON_NAMED_DATA_TRUNCATION"},
               {0x00000100u, "USN_REASON_FILE_CREATE"},
               {0x00000200u, "USN_REASON_FILE_DELETE"},
               {0x00000400u, "USN_REASON_EA_CHANGE"},
               {0x00000800u, "USN_REASON_SECURITY_CHANGE"},
               {0x00001000u, "USN_REASON_RENAME_OLD_NAME"},
               {0x00002000u, "USN_REASON_RENAME_NEW_NAME"},
               {0x00004000u, "USN_REASON_INDEXABLE_CHANGE"},
               {0x00008000u, "USN_REASON_BASIC_INFO_CHANGE"},
               {0x00010000u, "USN_REASON_HARD_LINK_CHANGE"},
               {0x00020000u, "USN_REASON_COMPRESSION_CHANGE"},
               {0x00040000u, "USN_REASON_ENCRYPTION_CHANGE"},
               {0x00080000u, "USN_REASON_OBJECT_ID_CHANGE"},
               {0x00100000u, "USN_REASON_REPARSE_POINT_CHANGE"},
               {0x00200000u, "USN_REASON_STREAM_CHANGE"},
               {0x00400000u, "USN_REASON_TRANSACTED_CHANGE"},
               {0x00800000u, "USN_REASON_INTEGRITY_CHANGE"},
               {0x80000000u, "USN_REASON_CLOSE"}};

/* "A, B, C" names of the reason flags (unknown bits as 0x...). */
static void reason_text(uint32_t r, char *buf, size_t len)
{
  size_t k = 0;
  buf[0] = 0;
  uint32_t known = 0;
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
    known |= reasons[i].bit;
    if (r & reasons[i].bit)
      k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s",
                            k ? ", " : "", reasons[i].name);
  }
  if ((r & ~known) && k < len)
    snprintf(buf + k, len - k, "%s0x%08" PRIx32, k ? ", " : "", r & ~known);
}

/* Parse the record at P (AVAIL bytes); 0 ok, 1 not a record. */
static int one(art_ctx *ctx,
               const unsigned char *p,
               size_t avail,
               uint64_t off,
               win_rec *r,
               art_win_event_fn fn,
               void *user,
               art_status *st)
{
  uint32_t len = win_le32(p);
  uint16_t major = win_le16(p + 4);
  if (len < 60 || len > avail || (len & 7) != 0 || (major != 2 && major != 3))
    return 1;
  uint64_t ref, parent, ref_hi = 0, parent_hi = 0;
  int64_t usn;
  uint64_t ft;
  uint32_t reason, srcinfo, secid, attrs;
  uint16_t nlen, noff;
  if (major == 2) {
    ref = win_le64(p + 8);
    parent = win_le64(p + 16);
    usn = (int64_t)win_le64(p + 24);
    ft = win_le64(p + 32);
    reason = win_le32(p + 40);
    srcinfo = win_le32(p + 44);
    secid = win_le32(p + 48);
    attrs = win_le32(p + 52);
    nlen = win_le16(p + 56);
    noff = win_le16(p + 58);
  } else {
    if (len < 76)
      return 1;
    ref = win_le64(p + 8);
    ref_hi = win_le64(p + 16);
    parent = win_le64(p + 24);
    parent_hi = win_le64(p + 32);
    usn = (int64_t)win_le64(p + 40);
    ft = win_le64(p + 48);
    reason = win_le32(p + 56);
    srcinfo = win_le32(p + 60);
    secid = win_le32(p + 64);
    attrs = win_le32(p + 68);
    nlen = win_le16(p + 72);
    noff = win_le16(p + 74);
  }
  if ((size_t)noff + nlen > len || (nlen & 1) || noff < (major == 2 ? 60 : 76))
    return 1;
  char *name = NULL;
  if (win_utf16(p + noff, nlen / 2u, &name, NULL)) {
    *st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "usn name");
    return 0;
  }
  char rtext[1024];
  reason_text(reason, rtext, sizeof rtext);
  win_rec_reset(r);
  win_attr(r, "filename", "%s", name);
  win_attr(r, "file_reference", "%" PRIu64 "-%" PRIu64,
           ref & UINT64_C(0xFFFFFFFFFFFF), ref >> 48);
  win_attr(r, "parent_file_reference", "%" PRIu64 "-%" PRIu64,
           parent & UINT64_C(0xFFFFFFFFFFFF), parent >> 48);
  if (major == 3)
    win_attr(r, "file_reference_128", "%016" PRIx64 "%016" PRIx64, ref_hi, ref);
  (void)parent_hi;
  win_attr(r, "update_sequence_number", "%" PRId64, usn);
  win_attr(r, "update_reason_flags", "0x%08" PRIx32, reason);
  win_attr(r, "update_reason", "%s", rtext);
  win_attr(r, "update_source_flags", "0x%08" PRIx32, srcinfo);
  win_attr(r, "security_descriptor_identifier", "%" PRIu32, secid);
  win_attr(r, "file_attribute_flags", "0x%08" PRIx32, attrs);
  win_attr(r, "offset", "%" PRIu64, off);
  *st = win_emit_ft(r, ctx, fn, user, ft, "fs:ntfs:usn_change",
                    "Metadata Modification Time", "FILE", "NTFS USN change",
                    "%s File reference: %" PRIu64 "-%" PRIu64
                    " Parent file reference: %" PRIu64 "-%" PRIu64
                    " Update reason: %s",
                    name, ref & UINT64_C(0xFFFFFFFFFFFF), ref >> 48,
                    parent & UINT64_C(0xFFFFFFFFFFFF), parent >> 48, rtext);
  free(name);
  return 0;
}

art_status art_win_parse_usnjrnl(art_ctx *ctx,
                                 const art_win_input *in,
                                 art_win_event_fn fn,
                                 void *user)
{
  const size_t block = 1u << 20;
  const size_t maxrec = 64u << 10; /* a record is < 64 KiB */
  unsigned char *buf = malloc(block + maxrec);
  if (!buf)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
  win_rec r = {0};
  art_status st = ART_OK;
  uint64_t base = 0; /* stream offset of buf[0] */
  size_t have = 0;   /* bytes in buf */
  size_t pos = 0;    /* scan position in buf */
  uint64_t good = 0, bad = 0;
  int eof = 0;
  while (st == ART_OK) {
    /* keep at least maxrec bytes ahead of pos unless at the end */
    if (!eof && have - pos < maxrec) {
      memmove(buf, buf + pos, have - pos);
      base += pos;
      have -= pos;
      pos = 0;
      while (!eof && have < block + maxrec) {
        size_t got = 0;
        st = in->read(in->user, base + have, buf + have, block + maxrec - have,
                      &got);
        if (st != ART_OK)
          break;
        if (got == 0)
          eof = 1;
        have += got;
      }
      if (st != ART_OK)
        break;
    }
    if (pos + 8 > have)
      break;
    if (win_le32(buf + pos) == 0) {
      pos += 8; /* sparse zeros or padding */
      continue;
    }
    art_status rs = ART_OK;
    if (one(ctx, buf + pos, have - pos, base + pos, &r, fn, user, &rs) == 0) {
      st = rs;
      good++;
      pos += win_le32(buf + pos);
    } else {
      bad++;
      pos += 8;
    }
  }
  win_rec_free(&r);
  free(buf);
  if (st != ART_OK)
    return st;
  if (good == 0 && bad)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: no USN record found (%" PRIu64
                          " non-zero words that are not records)",
                          in->name, bad);
  if (bad)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: %" PRIu64 " records read, %" PRIu64
                          " damaged 8-byte words skipped",
                          in->name, good, bad);
  return ART_OK;
}
