/* Internal interface between the source front end and its back ends.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_SOURCE_PRIVATE_H
#define ART_SOURCE_PRIVATE_H

#include <artifact/source.h>
#include <libbfio.h>

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
/* Segment files found at open, the first one missing (NULL when none), and
 * the sectors of the last damaged range a read met. */
unsigned art__ewf_segment_count(const art__ewf *ewf);
const char *art__ewf_segment(const art__ewf *ewf, unsigned i);
const char *art__ewf_missing(const art__ewf *ewf);
int art__ewf_last_bad(const art__ewf *ewf, uint64_t *first, uint64_t *count);

/* Virtual disk back ends (source_vmdk.c, source_vhdi.c, source_qcow.c): a
 * handle that reads media bytes at offsets. */
typedef struct art__media art__media;
typedef struct art__media_ops {
  art_status (*pread)(art_ctx *ctx,
                      art__media *m,
                      void *buf,
                      size_t len,
                      uint64_t offset,
                      size_t *got);
  void (*close)(art__media *m);
} art__media_ops;

struct art__media {
  const art__media_ops *ops;
  void *h;        /* the library's handle */
  void *extra[8]; /* parents or backing files, opened by the back end */
  const char *path;
  uint64_t size;
  const char *format; /* "VMDK", "VHD", "VHDX", "QCOW2" */
  char **files;       /* files behind the media, first the one named */
  unsigned n_files;
  /* files the back end reads through art_source (read-only, O_NOATIME),
   * each behind a libbfio handle; closed after the library's handles */
  art_source *raw[9];
  libbfio_handle_t *io[9];
  unsigned n_raw;
};

/* Add a file name to M->files (copied). */
art_status art__media_add_file(art_ctx *ctx, art__media *m, const char *path);
/* Free M->files. */
void art__media_free_files(art__media *m);
/* "DIR/NAME" for NAME relative to the directory of BASE; NAME itself when
 * absolute. malloc'd, NULL when out of memory. */
char *art__media_sibling(const char *base, const char *name);

/* A back end's failed read of media OFFSET, with REASON (the library's
 * error line): ART_ERR_CORRUPT, the message naming M's path and format. */
art_status art__media_read_error(art_ctx *ctx,
                                 const art__media *m,
                                 uint64_t offset,
                                 const char *reason);

/* A libyal error as printed by its *_error_sprint into BUF (LEN bytes):
 * keep the last line of the chain of "function: message" lines, or
 * FALLBACK when there is none. */
void art__libyal_last_line(char *buf, size_t len, const char *fallback);

/* A source over a media handle that a volume back end (VSS, BitLocker)
 * opened: takes M over (closed with the source, also on error). NAME is the
 * source's path for messages. */
art_status art__source_from_media(art_ctx *ctx,
                                  const char *name,
                                  art_source_kind kind,
                                  art__media *m,
                                  art_source **out);

art_status art__vmdk_open(art_ctx *ctx, const char *path, art__media *m);
art_status art__vhdi_open(art_ctx *ctx, const char *path, art__media *m);
art_status art__qcow_open(art_ctx *ctx, const char *path, art__media *m);

/* A libbfio handle reading SRC's bytes [OFFSET, OFFSET + SIZE) through
 * art_source_pread (source_bfio.c); libbfio owns the range once made. */
art_status art__bfio_range(art_ctx *ctx,
                           art_source *src,
                           uint64_t offset,
                           uint64_t size,
                           libbfio_handle_t **out);
void art__bfio_free(libbfio_handle_t **h);

/* Open PATH as a plain file source and a libbfio handle over all of it,
 * kept in M (art__media_close_raw frees them after the library's handles
 * are closed): so libyal back ends read evidence through art_source. */
art_status art__media_open_raw(art_ctx *ctx,
                               art__media *m,
                               const char *path,
                               libbfio_handle_t **io);
void art__media_close_raw(art__media *m);

/* The image format that the first bytes HEAD (and the last 512 bytes TAIL of
 * the file, or NULL) announce: "E01", "VMDK", "VHD", "VHDX", "QCOW2", or a
 * format no back end reads ("VDI", "QED", "QCOW1", "Ex01", "AFF", "DMG",
 * "L01"); NULL for none. *KIND is the source kind that reads it, or
 * ART_SOURCE_FILE. */
const char *art__image_format(const unsigned char *head,
                              size_t head_len,
                              const unsigned char *tail,
                              art_source_kind *kind);

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
