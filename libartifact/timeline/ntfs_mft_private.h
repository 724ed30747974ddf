/* Timeline: the sequential NTFS MFT reader's entry points (ntfs_mft.c).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_NTFS_MFT_PRIVATE_H
#define ART_NTFS_MFT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "timeline_private.h"

struct TSK_FS_INFO;

/* fls -r -m / of the NTFS file system FS from one sequential read of its
 * MFT: 1 walked (problems reported to TL), 0 not handled (nothing emitted:
 * the caller walks with libtsk), -2 fatal (*st). */
int art__tl_ntfs_walk(art_ctx *ctx,
                      art_timeline *tl,
                      struct TSK_FS_INFO *fs,
                      uint32_t src,
                      const char *mount,
                      art__tl_winscan *ws,
                      art_status *st);

/* Parse one MFT record (REC, RSIZE bytes, modified in place by the update
 * sequence fixup) as libtsk would; for the fuzz target and the tests.
 * Returns 0 parsed, 1 an entry libtsk cannot read, 2 one left to libtsk. */
int art__tl_ntfs_parse_record(uint8_t *rec, size_t rsize, uint64_t nblocks);

/* Read one $I30 index record (REC, LEN bytes, fixed up in place) of
 * directory DIR as libtsk lists it, slack included; for the fuzz target
 * and the tests. Returns the names listed, -1 when libtsk refuses it. */
int art__tl_ntfs_parse_index(uint8_t *rec, size_t len, uint64_t dir);

#endif
