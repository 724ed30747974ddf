/* Recycle Bin records: Vista+ $I files and the Windows XP INFO2 file,
 * read by our own code.
 * SPDX-License-Identifier: Apache-2.0
 *
 * $I: version u64 @0 (1: Vista..8.1, 2: 10+), original size u64 @8,
 * deletion FILETIME @16, then v1: the path as 260 UTF-16 units @24; v2:
 * its length in units u32 @24 and the path @28.
 * INFO2: a 20-byte header (record size u32 @12: 280 or 800), then records:
 * ANSI path[260] @0, index u32 @260, drive number u32 @264 (0 = A:),
 * deletion FILETIME @268, size u32 @276, and for 800-byte records the
 * UTF-16 path[260] @280.
 * Events: windows:metadata:deleted_item "Content Deletion Time", RECBIN /
 * Recycle Bin.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

art_status art_win_parse_recycle_i(art_ctx *ctx,
                                   const art_win_input *in,
                                   art_win_event_fn fn,
                                   void *user)
{
  if (in->size < 24 || in->size > (1u << 20))
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: %llu bytes is not a $I record", in->name,
                          (unsigned long long)in->size);
  unsigned char *d = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &d, &n);
  if (st != ART_OK)
    return st;
  uint64_t ver = win_le64(d), size = win_le64(d + 8), ft = win_le64(d + 16);
  char *path = NULL;
  if (ver == 1) {
    /* the path field is always 260 units: a shorter file is cut off */
    if (n < 24 + 2 * 260)
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: path of %" PRIu32 " characters past the end",
                          in->name, (uint32_t)260);
    else if (win_utf16(d + 24, 260, &path, NULL))
      path = NULL;
  } else if (ver == 2 && n >= 28) {
    uint32_t units = win_le32(d + 24);
    if ((uint64_t)units * 2 + 28 > n)
      st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: path of %" PRIu32 " characters past the end",
                          in->name, units);
    else if (win_utf16(d + 28, units, &path, NULL))
      path = NULL;
  } else {
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: $I version %" PRIu64 " unknown", in->name, ver);
  }
  if (st == ART_OK && !path)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: no original path",
                        in->name);
  if (st == ART_OK) {
    win_rec r = {0};
    win_attr(&r, "original_filename", "%s", path);
    win_attr(&r, "file_size", "%" PRIu64, size);
    win_attr(&r, "format_version", "%" PRIu64, ver);
    st = win_emit_ft(&r, ctx, fn, user, ft, "windows:metadata:deleted_item",
                     "Content Deletion Time", "RECBIN", "Recycle Bin",
                     "%s (size: %" PRIu64 " bytes)", path, size);
    win_rec_free(&r);
  }
  free(path);
  free(d);
  return st;
}

art_status art_win_parse_recycle_info2(art_ctx *ctx,
                                       const art_win_input *in,
                                       art_win_event_fn fn,
                                       void *user)
{
  unsigned char *d = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &d, &n);
  if (st != ART_OK)
    return st;
  if (n < 20) {
    free(d);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: no INFO2 header",
                          in->name);
  }
  uint32_t rs = win_le32(d + 12);
  if (rs != 280 && rs != 800) {
    free(d);
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: INFO2 record size %" PRIu32 " (280 or 800 "
                          "expected)",
                          in->name, rs);
  }
  win_rec r = {0};
  size_t off = 20;
  for (; off + rs <= n && st == ART_OK; off += rs) {
    const unsigned char *e = d + off;
    char *ansi = NULL, *uni = NULL;
    if (win_ansi(e, 260, &ansi) ||
        (rs == 800 && win_utf16(e + 280, 260, &uni, NULL))) {
      free(ansi);
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
      break;
    }
    uint32_t idx = win_le32(e + 260), drive = win_le32(e + 264);
    uint64_t ft = win_le64(e + 268);
    uint32_t size = win_le32(e + 276);
    const char *name = uni && *uni ? uni : ansi;
    win_rec_reset(&r);
    win_attr(&r, "original_filename", "%s", name);
    if (uni && strcmp(uni, ansi) != 0)
      win_attr(&r, "short_filename", "%s", ansi);
    win_attr(&r, "record_index", "%" PRIu32, idx);
    win_attr(&r, "drive_number", "%" PRIu32, drive);
    win_attr(&r, "file_size", "%" PRIu32, size);
    char letter = drive < 26 ? (char)('A' + drive) : '?';
    st = win_emit_ft(&r, ctx, fn, user, ft, "windows:metadata:deleted_item",
                     "Content Deletion Time", "RECBIN", "Recycle Bin",
                     "DC%" PRIu32 " -> %s (from drive: %c) (size: %" PRIu32
                     " bytes)",
                     idx, name, letter, size);
    free(ansi);
    free(uni);
  }
  win_rec_free(&r);
  if (st == ART_OK && off != n)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %zu bytes after the last whole record", in->name,
                        n - off);
  free(d);
  return st;
}
