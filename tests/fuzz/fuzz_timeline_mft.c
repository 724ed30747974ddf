/* libFuzzer target: the timeline's NTFS MFT reader (timeline/ntfs_mft.c):
 * one MFT record (update sequence fixup, attributes, names, run lists) or
 * one $I30 index record (fixup, entries, slack) as libtsk would read it.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The first byte selects the kind (even: MFT record, odd: index record);
 * the rest is the record, of any length (libtsk's are 1024 and 4096).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntfs_mft_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1 || size > 65537)
    return 0;
  size_t n = size - 1;
  /* a copy of exactly N bytes: ASan sees any read past the record */
  uint8_t *rec = malloc(n ? n : 1);
  if (!rec)
    return 0;
  memcpy(rec, data + 1, n);
  if (data[0] & 1) {
    /* the directory: the parent named by the first entry, so the entries
     * pass libtsk's parent check */
    uint64_t dir = 5;
    if (n >= 28) {
      size_t first = 24 + ((size_t)rec[24] | (size_t)rec[25] << 8);
      if (first + 16 + 6 <= n) {
        dir = 0;
        for (int i = 5; i >= 0; i--)
          dir = dir << 8 | rec[first + 16 + (size_t)i];
      }
    }
    (void)art__tl_ntfs_parse_index(rec, n, dir);
  } else
    (void)art__tl_ntfs_parse_record(rec, n, 1u << 20);
  free(rec);
  return 0;
}
