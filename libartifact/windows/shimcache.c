/* AppCompatCache (ShimCache) value of a SYSTEM hive: Windows 7 (x86 and
 * x64), 8.0/8.1 and 10/11 layouts, read by our own code.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Windows 7: magic 0xbadc0fee @0, entry count @4, 128-byte header, then
 * entries: x64 (48 bytes) path length u16 @0, maximum u16 @2, path offset
 * u64 @8, last-modified FILETIME @16, insertion flags @24, shim flags @28,
 * data size u64 @32, data offset u64 @40; x86 (32 bytes) length @0,
 * maximum @2, path offset u32 @4, FILETIME @8, flags @16 @20, data size
 * @24, data offset @28. Windows 8: 128-byte header, entries "00ts"/"10ts",
 * u32 @4, entry size u32 @8, path size u16 @12, path, package length u16,
 * package, flags u32, u32, FILETIME, data size u32, data. Windows 10:
 * header size u32 @0 (0x30 or 0x34), entries "10ts", u32 @4, entry size
 * u32 @8, path size u16 @12, path, FILETIME, data size u32, data.
 * Events: windows:registry:appcompatcache, "Content Modification Time"
 * (the file's modification time as cached), REG / AppCompatCache Registry
 * Key; entry_index is the cache order (0 = most recent).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

static art_status entry(win_rec *r,
                        art_ctx *ctx,
                        art_win_event_fn fn,
                        void *user,
                        const char *key_path,
                        unsigned idx,
                        const unsigned char *path,
                        size_t path_bytes,
                        uint64_t ft)
{
  char *p = NULL;
  if (win_utf16(path, path_bytes / 2, &p, NULL))
    return ART_ERR_NOMEM;
  win_rec_reset(r);
  win_attr(r, "key_path", "%s", key_path);
  win_attr(r, "path", "%s", p);
  win_attr(r, "entry_index", "%u", idx);
  art_status st = win_emit_ft(
      r, ctx, fn, user, ft, "windows:registry:appcompatcache",
      "Content Modification Time", "REG", "AppCompatCache Registry Key",
      "[%s] Cached entry: %u Path: %s", key_path, idx, p);
  free(p);
  return st;
}

art_status win_shimcache(art_ctx *ctx,
                         const unsigned char *d,
                         size_t n,
                         const char *key_path,
                         art_win_event_fn fn,
                         void *user,
                         unsigned *entries)
{
  win_rec r = {0};
  art_status st = ART_OK;
  int count = 0, bad = 0;
  if (n >= 128 && win_le32(d) == 0xbadc0feeu) { /* Windows 7 / 2008 R2 */
    uint32_t num = win_le32(d + 4);
    /* x64 if the first entry's path offset (u64 @8) lands in the value */
    int x64 = n >= 128 + 48 && win_le64(d + 128 + 8) < n &&
              win_le32(d + 128 + 12) == 0;
    size_t es = x64 ? 48 : 32;
    for (uint32_t i = 0; i < num && st == ART_OK; i++) {
      size_t o = 128 + (size_t)i * es;
      if (o + es > n) {
        bad = 1;
        break;
      }
      size_t len = win_le16(d + o);
      uint64_t po = x64 ? win_le64(d + o + 8) : win_le32(d + o + 4);
      uint64_t ft = x64 ? win_le64(d + o + 16) : win_le64(d + o + 8);
      if (po > n || len > n - po) {
        bad = 1;
        break;
      }
      st = entry(&r, ctx, fn, user, key_path, i, d + po, len, ft);
      count++;
    }
  } else if (n >= 0x34 && (win_le32(d) == 0x30 || win_le32(d) == 0x34) &&
             memcmp(d + win_le32(d), "10ts", 4) == 0) { /* Windows 10/11 */
    size_t o = win_le32(d);
    for (unsigned i = 0; o + 12 <= n && st == ART_OK; i++) {
      if (memcmp(d + o, "10ts", 4) != 0) {
        bad = 1;
        break;
      }
      size_t esz = win_le32(d + o + 8);
      if (o + 12 + esz > n || esz < 2) {
        bad = 1;
        break;
      }
      size_t plen = win_le16(d + o + 12);
      if (14 + plen + 8 > 12 + esz) {
        bad = 1;
        break;
      }
      uint64_t ft = win_le64(d + o + 14 + plen);
      st = entry(&r, ctx, fn, user, key_path, i, d + o + 14, plen, ft);
      count++;
      o += 12 + esz;
    }
  } else if (n >= 128 + 12 && (memcmp(d + 128, "00ts", 4) == 0 ||
                               memcmp(d + 128, "10ts", 4) == 0)) {
    size_t o = 128; /* Windows 8.0 / 8.1 */
    for (unsigned i = 0; o + 12 <= n && st == ART_OK; i++) {
      if (memcmp(d + o, "00ts", 4) != 0 && memcmp(d + o, "10ts", 4) != 0) {
        bad = 1;
        break;
      }
      size_t esz = win_le32(d + o + 8);
      if (o + 12 + esz > n || esz < 2) {
        bad = 1;
        break;
      }
      const unsigned char *e = d + o + 12, *end = e + esz;
      size_t plen = win_le16(e);
      if (2 + plen + 2 > esz) {
        bad = 1;
        break;
      }
      size_t pk = win_le16(e + 2 + plen);
      const unsigned char *t = e + 2 + plen + 2 + pk + 8;
      if (t + 8 > end) {
        bad = 1;
        break;
      }
      st = entry(&r, ctx, fn, user, key_path, i, e + 2, plen, win_le64(t));
      count++;
      o += 12 + esz;
    }
  } else {
    bad = 1;
  }
  win_rec_free(&r);
  *entries = (unsigned)count;
  if (st != ART_OK)
    return st;
  if (bad && count == 0)
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: AppCompatCache layout not recognised", key_path);
  if (bad)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                          "%s: AppCompatCache damaged after %d entries",
                          key_path, count);
  return ART_OK;
}
