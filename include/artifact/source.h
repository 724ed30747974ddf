/* Byte sources: evidence opened read-only as one stream of bytes.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_source_open() a path (a regular file, a block device, "-" for
 * standard input, the first segment of a split raw image, an EnCase E01
 * image, or a virtual disk: VMDK, VHD, VHDX, QCOW2); art_source_read()
 * sequentially until it returns 0 bytes, or art_source_pread() at offsets (not
 * for standard input); read the image's stored hashes and header values;
 * art_source_unchanged() tells whether the file changed while it was read;
 * art_source_free().
 *
 * Evidence is never written to: files are opened O_RDONLY, with O_NOATIME
 * where the system allows it, and no timestamp is touched. A source is used
 * by one thread at a time.
 */
#ifndef ART_SOURCE_H
#define ART_SOURCE_H

#include "ctx.h"

ART_BEGIN_DECLS

typedef struct art_source art_source;

typedef enum art_source_kind {
  ART_SOURCE_AUTO = 0, /* decide from the path and content (see open) */
  ART_SOURCE_FILE,     /* a regular file, read as it is */
  ART_SOURCE_DEVICE,   /* a block device */
  ART_SOURCE_STDIN,    /* standard input; size unknown, no pread */
  ART_SOURCE_SPLIT,    /* NAME.001, NAME.002, ... concatenated */
  ART_SOURCE_EWF,      /* EnCase E01 (EWF) image: its media bytes */
  ART_SOURCE_NAMED,    /* a path named by the user to a file tool: an image
                          only when its content says so (E01 signature of the
                          first segment, a virtual disk's signature); never a
                          split raw image; otherwise a file or device */
  ART_SOURCE_VMDK,     /* VMware VMDK (flat, sparse, split, stream-optimised) */
  ART_SOURCE_VHD,      /* Microsoft VHD or VHDX (fixed, dynamic,
                          differential with its parent) */
  ART_SOURCE_QCOW,     /* QEMU QCOW/QCOW2 (with its backing file) */
  ART_SOURCE_VSS,      /* a Volume Shadow Copy store of an NTFS volume */
  ART_SOURCE_BDE       /* a BitLocker volume, decrypted */
} art_source_kind;

/* Facts about the source as it was when opened. Times are seconds and
 * nanoseconds since the epoch; for images they are the first segment's. */
typedef struct art_source_info {
  art_source_kind kind;
  int size_known;    /* 0 for standard input and pipes */
  uint64_t size;     /* media size for images */
  uint64_t dev, ino; /* of the (first) file */
  uint32_t mode;     /* st_mode */
  uint64_t nlink;
  int64_t mtime_sec, atime_sec, ctime_sec;
  long mtime_nsec, atime_nsec, ctime_nsec;
  unsigned segments; /* files behind the source (split/E01), else 1 */
  uint32_t uid, gid; /* owner of the (first) file */
  /* Image format of the media: "raw", "split", "E01", "VMDK", "VHD",
   * "VHDX", "QCOW2"; for a file that is an image in a format no back end
   * reads (format_unsupported set, read as a plain file): its name, such as
   * "VDI", "QED", "Ex01", "AFF"; NULL for a plain file. */
  const char *format;
  int format_unsupported;
  /* A later segment (number > 1) of a split raw or E01 image, opened as a
   * plain file: its segment number; else 0. */
  unsigned later_segment;
} art_source_info;

/* Open PATH read-only. With ART_SOURCE_AUTO: "-" is standard input; a block
 * device is a device; a regular file starting with the EWF signature of a
 * first segment is an E01 image (its other segments found beside it; a later
 * segment is a plain file with later_segment set); a VMDK, VHD, VHDX or
 * QCOW2 file (by signature) is that virtual disk, its extents or parent
 * found beside it; a name ending in .001 with a .002 beside it is a split
 * raw image; anything else is a file. ART_SOURCE_NAMED is the same without
 * split raw images.
 * Errors: ART_ERR_NOT_FOUND, ART_ERR_PERMISSION, ART_ERR_IO, ART_ERR_FORMAT
 * (a directory, a FIFO/socket, or an image libewf cannot open),
 * ART_ERR_CORRUPT. The message names PATH. */
ART_API art_status art_source_open(art_ctx *ctx,
                                   const char *path,
                                   art_source_kind kind,
                                   art_source **out);
ART_API void art_source_free(art_source *src);

ART_API const art_source_info *art_source_get_info(const art_source *src);
/* The path the source was opened with (borrowed). */
ART_API const char *art_source_path(const art_source *src);
/* Short name of a kind: "file", "device", "stdin", "split", "ewf", "vmdk",
 * "vhd", "qcow". */
ART_API const char *art_source_kind_name(art_source_kind kind);
/* The files behind an image source, in order: the segments of a split raw
 * or E01 image, the extents of a VMDK, a virtual disk and its parents or
 * backing files. Index from 0; NULL past the last. Borrowed. */
ART_API const char *art_source_file(const art_source *src, unsigned index);

/* For inputs named together (a shell glob such as img.E0*): whether PATH is
 * a later segment of a split raw (only when SPLIT_RAW) or E01 image. Returns
 * the segment number (0 when PATH is no segment, 1 for a first segment) and,
 * for a later segment, the first segment's path in *FIRST (malloc'd; the
 * caller frees it; NULL when it could not be named). Only a name that can
 * be a segment's (NAME.E02, NAME.Ex02, NAME.002, ...) is opened, and only
 * its first bytes read; a missing or unreadable PATH gives 0. */
ART_API unsigned
art_source_segment_number(const char *path, int split_raw, char **first);

/* Read up to LEN bytes at the current position; *GOT is 0 at the end.
 * Corrupt image chunks give ART_ERR_CORRUPT with the offset in the message. */
ART_API art_status art_source_read(
    art_ctx *ctx, art_source *src, void *buf, size_t len, size_t *got);
/* Read up to LEN bytes at OFFSET without moving the sequential position.
 * ART_ERR_UNSUPPORTED for standard input. */
ART_API art_status art_source_pread(art_ctx *ctx,
                                    art_source *src,
                                    void *buf,
                                    size_t len,
                                    uint64_t offset,
                                    size_t *got);

/* After reading: *CHANGED is set when the file's size or modification time
 * differs from what it was at open (a file written while being hashed).
 * Always 0 for standard input. */
ART_API art_status art_source_unchanged(art_ctx *ctx,
                                        art_source *src,
                                        int *changed);

/* Hashes stored inside an image at acquisition (E01: "md5", "sha1").
 * Index from 0; returns ART_ERR_NOT_FOUND past the last. Borrowed strings. */
ART_API art_status art_source_stored_hash(const art_source *src,
                                          size_t index,
                                          const char **alg,
                                          const char **hex);
/* Header values stored inside an image (E01: case_number, examiner_name,
 * acquiry_date, ...). Index from 0; ART_ERR_NOT_FOUND past the last. */
ART_API art_status art_source_header(const art_source *src,
                                     size_t index,
                                     const char **key,
                                     const char **value);

/* Volume Shadow Copies (libvshadow) of the NTFS volume at byte OFFSET (SIZE
 * bytes) of SRC. */
typedef struct art_vss_store {
  unsigned number;      /* 1-based, as vshadowinfo counts */
  uint64_t volume_size; /* size of the volume the store reproduces */
  int64_t creation_sec; /* creation time, seconds since the epoch */
  long creation_nsec;   /* and nanoseconds (FILETIME: 100 ns steps) */
  char identifier[40];  /* store GUID, as vshadowinfo prints it */
  char copy_set[40];    /* shadow copy set GUID */
} art_vss_store;

/* A volume inside a source: its byte offset and size. */
typedef struct art_volume {
  uint64_t offset, size;
} art_volume;
/* The NTFS volumes of SRC (at most MAX): the whole source when it is one,
 * else the MBR partitions and GPT entries whose boot sector says NTFS. */
ART_API art_status art_source_ntfs_volumes(
    art_ctx *ctx, art_source *src, art_volume *out, size_t max, size_t *count);

/* Number of shadow copy stores of the volume (0 when it has none, or is no
 * NTFS volume with a VSS catalog). */
ART_API art_status art_source_vss_count(art_ctx *ctx,
                                        art_source *src,
                                        uint64_t offset,
                                        uint64_t size,
                                        unsigned *count);
/* Open store NUMBER (1-based) as a source of its own: the volume as it was
 * when the snapshot was taken. PARENT must outlive it. INFO (may be NULL)
 * receives the store's facts. */
ART_API art_status art_source_open_vss(art_ctx *ctx,
                                       art_source *parent,
                                       uint64_t offset,
                                       uint64_t size,
                                       unsigned number,
                                       art_source **out,
                                       art_vss_store *info);

/* Keys for encrypted volumes; NULL members are not given. */
typedef struct art_volume_keys {
  const char *recovery_password; /* BitLocker 48-digit recovery password */
  const char *password;          /* BitLocker user password */
  const char *startup_key;       /* BitLocker startup key file (.BEK) */
} art_volume_keys;

/* Open the BitLocker volume at byte OFFSET (SIZE bytes) of PARENT with one
 * of KEYS, as a source of decrypted bytes. ART_ERR_PERMISSION when no key
 * unlocks it (the message names the volume and its protectors),
 * ART_ERR_FORMAT when it is no BitLocker volume. */
ART_API art_status art_source_open_bde(art_ctx *ctx,
                                       art_source *parent,
                                       uint64_t offset,
                                       uint64_t size,
                                       const art_volume_keys *keys,
                                       art_source **out);

/* Whether the volume at byte OFFSET of SRC is encrypted: BitLocker (named
 * with its volume GUID, encryption method and key protectors) or LUKS
 * (version and UUID). Writes the description to OUT and returns 1; 0 when
 * the volume is not one of these (or cannot be read). */
ART_API int
art_source_encryption(art_source *src, uint64_t offset, char *out, size_t len);

ART_END_DECLS

#endif
