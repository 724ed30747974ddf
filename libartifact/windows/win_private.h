/* Windows artifact parsers: helpers shared by the parsers.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_WIN_PRIVATE_H
#define ART_WIN_PRIVATE_H

#include <artifact/windows.h>
#include <libbfio.h>
#include <stdarg.h>

#include "ctx_private.h"

#define WIN_MAX_ATTRS 64

/* One event being built: attributes and message in one growable arena
 * (offsets, resolved to pointers when emitted). */
typedef struct win_rec {
  char *buf;
  size_t len, cap;
  size_t nattr;
  const char *keys[WIN_MAX_ATTRS]; /* NULL: the key is in buf at koff */
  size_t koff[WIN_MAX_ATTRS];
  size_t voff[WIN_MAX_ATTRS];
  int oom;
} win_rec;

void win_rec_reset(win_rec *r);
void win_rec_free(win_rec *r);
/* Add KEY (a string literal) with a printf-formatted value. */
void win_attr(win_rec *r, const char *key, const char *fmt, ...)
    ART_PRINTF(3, 4);
/* Add KEY with N bytes of S (made valid UTF-8: bad bytes become \xNN). */
void win_attrn(win_rec *r, const char *key, const char *s, size_t n);
/* Add a key that comes from the artifact (copied, made valid UTF-8). */
void win_attr_dyn(
    win_rec *r, const char *key, size_t klen, const char *s, size_t n);
/* Value of an attribute already added, or NULL. */
const char *win_attr_get(const win_rec *r, const char *key);
/* Emit one event; a zero time (not set) is skipped. MSG is printf-like. */
art_status win_emit(win_rec *r,
                    art_ctx *ctx,
                    art_win_event_fn fn,
                    void *user,
                    int64_t sec,
                    uint32_t nsec,
                    const char *data_type,
                    const char *desc,
                    const char *source,
                    const char *sourcetype,
                    const char *msg,
                    ...) ART_PRINTF(11, 12);
/* The same with a FILETIME; 0 and out-of-range values are skipped. */
art_status win_emit_ft(win_rec *r,
                       art_ctx *ctx,
                       art_win_event_fn fn,
                       void *user,
                       uint64_t filetime,
                       const char *data_type,
                       const char *desc,
                       const char *source,
                       const char *sourcetype,
                       const char *msg,
                       ...) ART_PRINTF(10, 11);

/* A libyal call failed: the error "NAME: WHAT[: MSG]", MSG being the
 * library's error_sprint text (may be empty), put on one line here. */
art_status win_lib_fail(
    art_ctx *ctx, art_status st, const char *name, const char *what, char *msg);

/* A read-only libbfio handle over N bytes at DATA (kept by the caller
 * until the handle is freed), every read bounds-checked. INIT is the
 * libbfio_handle_initialize of the libbfio the reader uses (evt loads
 * its own with dlmopen). 1, or -1 (out of memory). */
typedef __typeof__(libbfio_handle_initialize) *win_bfio_init_fn;
int win_bfio_open(win_bfio_init_fn init,
                  const void *data,
                  size_t n,
                  libbfio_handle_t **h);

/* A libyal reader in a link-map namespace of its own (dlmopen), with the
 * libbfio.so.1 of that namespace: Debian's libyal libraries export their
 * bundled libcerror/libfdata/libfvalue/libfwnt copies, which would
 * otherwise bind to another library's (older) copy. 0, or -1 with the
 * reason in ERR. */
int win_dlmopen(const char *lib, void **h, void **bfio, char *err, size_t n);
/* The function NAME from H (from BFIO for libbfio_*) into *FN. 0 or -1. */
int win_dlsym(
    void *h, void *bfio, const char *name, void **fn, char *err, size_t n);

/* Read the whole input into a new buffer (at most ART_WIN_MAX_LOAD). */
art_status
win_load(art_ctx *ctx, const art_win_input *in, unsigned char **out, size_t *n);
/* Read exactly LEN bytes at OFF (short read: ART_ERR_CORRUPT). */
art_status win_read_at(
    art_ctx *ctx, const art_win_input *in, uint64_t off, void *buf, size_t len);

/* UTF-16LE (N code units at P) to UTF-8 appended to OUT (NUL-terminated);
 * unpaired surrogates become \uXXXX text. Stops at a NUL unit. */
int win_utf16(const unsigned char *p, size_t n, char **out, size_t *outlen);
/* The same into O (room for 6 bytes per unit, no NUL added): bytes
 * written. */
size_t win_utf16_to(char *o, const unsigned char *p, size_t n);
/* Code point CP as UTF-8 into O (room for 4): bytes written. */
int win_put_utf8(char *o, unsigned cp);
/* A Windows-1252/ANSI string (stops at NUL) as UTF-8 (Latin-1 mapping for
 * 0x80-0xFF, so nothing is dropped). */
int win_ansi(const unsigned char *p, size_t n, char **out);

/* One shortcut as liblnk reads it (lnk.c), for the timeline events and the
 * lnk dissector. Strings are UTF-8 or NULL. */
typedef struct win_lnk_info {
  char *local, *net, *rel, *wd, *args, *desc, *icon, *env, *mach, *label;
  uint64_t ctime, mtime, atime; /* FILETIME, 0: not set */
  uint32_t size, attrs, data_flags, show_window, drive_type, drive_serial;
  uint32_t icon_index;
  uint16_t hot_key;
  int has_volume, has_droid, has_birth_droid;
  uint8_t droid_file[16], birth_droid_file[16]; /* GUID bytes as stored */
} win_lnk_info;
/* Read the shortcut in DATA (ART_ERR_FORMAT when liblnk cannot: the
 * message names ORIGIN); free with win_lnk_info_free. */
art_status win_lnk_read(art_ctx *ctx,
                        const unsigned char *data,
                        size_t n,
                        const char *origin,
                        win_lnk_info *li);
void win_lnk_info_free(win_lnk_info *li);

static inline uint16_t win_le16(const unsigned char *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t win_le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t win_le64(const unsigned char *p)
{
  return (uint64_t)win_le32(p) | (uint64_t)win_le32(p + 4) << 32;
}

/* Decode an AppCompatCache value (Windows 7, 8, 10/11 layouts): one event
 * per entry. ART_ERR_FORMAT for an unknown layout, ART_ERR_CORRUPT when
 * damaged after *ENTRIES entries. */
art_status win_shimcache(art_ctx *ctx,
                         const unsigned char *d,
                         size_t n,
                         const char *key_path,
                         art_win_event_fn fn,
                         void *user,
                         unsigned *entries);

/* ISO 8601 UTC text of a FILETIME ("2020-10-27T04:01:00.0262856Z"), or
 * "-" when not set. */
void win_ft_text(uint64_t ft, char *buf, size_t len);

#endif
