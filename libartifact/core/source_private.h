/* Internal interface between the source front end and its back ends.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_SOURCE_PRIVATE_H
#define ART_SOURCE_PRIVATE_H

#include <artifact/source.h>

typedef struct art__kv {
  char *key;
  char *value;
} art__kv;

/* EWF back end (source_ewf.c). */
typedef struct art__ewf art__ewf;
art_status art__ewf_open(art_ctx *ctx,
                         const char *path,
                         art__ewf **out,
                         uint64_t *media_size,
                         unsigned *segments);
art_status art__ewf_pread(art_ctx *ctx,
                          art__ewf *ewf,
                          const char *path,
                          void *buf,
                          size_t len,
                          uint64_t offset,
                          size_t *got);
/* Stored hashes and header values, read at open. */
size_t art__ewf_hash_count(const art__ewf *ewf);
const art__kv *art__ewf_hash(const art__ewf *ewf, size_t i);
size_t art__ewf_header_count(const art__ewf *ewf);
const art__kv *art__ewf_header(const art__ewf *ewf, size_t i);
void art__ewf_close(art__ewf *ewf);

/* Whether the 8 bytes at BUF are the EWF (E01) signature. */
int art__ewf_signature(const unsigned char *buf, size_t len);

/* For the sandbox (sandbox.c): the descriptor behind a source read from one
 * file, device or stdin (else -1: a split or EWF image is opened by path),
 * and a source made around a descriptor received from another process
 * (taken over: closed by art_source_free). */
int art__source_fd(const art_source *src);
art_status art__source_open_fd(art_ctx *ctx,
                               int fd,
                               const char *path,
                               art_source_kind kind,
                               art_source **out);

/* The batch driver says, per worker thread, which file an item found in a
 * tree must be (its device and inode when the walk listed it): opening
 * PATH then fails if it is another file now (replaced, or a link put in
 * its place), so that no tool reads outside the tree. NULL clears it. */
void art__source_expect(const char *path, uint64_t dev, uint64_t ino);

#endif
