/* File type identification with libmagic: description and MIME type, fed
 * from the stream, and a check of the name's extension against the type.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_magic_new() loads the system magic database (slow: do it
 * once per thread and keep the object); per input either art_magic_attach()
 * it to a reader and art_reader_run(), or art_magic_reset() then
 * art_magic_update() block by block and art_magic_final(), or
 * art_magic_buffer() on bytes in memory; read art_magic_description() and
 * art_magic_mime(); art_magic_ext_mismatch() with the input's name;
 * art_magic_free().
 *
 * Threads: an art_magic owns one libmagic handle, which is not thread-safe:
 * use one art_magic per thread (a batch worker's state is the right place).
 *
 * What is read: the consumer keeps the first art_magic_limit() bytes of the
 * stream (by default libmagic's own bytes_max, 7 MiB in libmagic 5.44, the
 * amount file(1) reads) and then needs no more data. The bytes are handed
 * to libmagic through an anonymous memory file, so results are those of
 * `file -b` and `file -b --mime-type` on the same bytes, including the ELF
 * details file(1) reads through the descriptor (interpreter, BuildID,
 * stripped). They differ only when libmagic would look past the limit: ELF
 * files larger than the limit whose section headers lie beyond it (file(1)
 * reads those with pread on the whole file) lose the details that come from
 * section headers (BuildID, "stripped"; libmagic says "missing section
 * headers at N" instead; /usr/bin/node is such a file), and "data"/text
 * verdicts on files larger than the limit rest on the first bytes (as file(1)
 * itself does). The description never has file(1)'s "setuid "/"setgid "/"sticky
 * " prefixes: those come from the file's mode, not its bytes.
 */
#ifndef ART_MAGIC_H
#define ART_MAGIC_H

#include "reader.h"

ART_BEGIN_DECLS

typedef struct art_magic art_magic;

ART_API art_status art_magic_new(art_ctx *ctx, art_magic **out);
ART_API void art_magic_free(art_magic *m);

/* Bytes kept from the start of each input (0: libmagic's bytes_max). */
ART_API art_status art_magic_set_limit(art_magic *m, size_t bytes);
ART_API size_t art_magic_limit(const art_magic *m);

/* Start over for a new input. */
ART_API void art_magic_reset(art_magic *m);
/* Add M to READER as a consumer (resets M). Results after the run. */
ART_API art_status art_magic_attach(art_ctx *ctx,
                                    art_magic *m,
                                    art_reader *reader);
/* The consumer interface, for walkers that feed consumers themselves (the
 * archive walker): OPS is static, STATE is M. */
ART_API const art_consumer *art_magic_consumer(void);

/* Direct use: feed the stream in order (bytes past the limit are ignored),
 * then identify. */
ART_API art_status art_magic_update(art_ctx *ctx,
                                    art_magic *m,
                                    const void *data,
                                    size_t len);
ART_API art_status art_magic_final(art_ctx *ctx, art_magic *m);
/* One-shot on a whole buffer (reset, update, final). */
ART_API art_status art_magic_buffer(art_ctx *ctx,
                                    art_magic *m,
                                    const void *data,
                                    size_t len);

/* Results, borrowed until the next reset: libmagic's description
 * ("PDF document, version 1.4, 1 pages") and MIME type ("application/pdf").
 * NULL before a successful identification. */
ART_API const char *art_magic_description(const art_magic *m);
ART_API const char *art_magic_mime(const art_magic *m);
/* For text (a MIME type text/...): the encoding uchardet detects in the
 * bytes kept ("UTF-8", "ASCII", "SHIFT_JIS", "EUC-JP", "ISO-2022-JP",
 * "WINDOWS-1252", ...), or NULL when not text or not recognised. */
ART_API const char *art_magic_charset(const art_magic *m);
/* The first bytes of the input that were kept (up to the limit), borrowed
 * until the next reset; *LEN gets their number. Useful beside the type:
 * the first bytes as hex, art_archive_is_container() on them, or
 * art_archive_walk_buffer() when the whole input fitted (LEN below the
 * limit), which saves a second read of a small container. */
ART_API const uint8_t *art_magic_head(const art_magic *m, size_t *len);
/* After a failed identification or consumer run: the reason (empty if
 * none). */
ART_API const char *art_magic_errmsg(const art_magic *m);

/* Extension check. Returns 1 when NAME's extension (after the last dot of
 * the last path component, case-insensitive) is in the built-in table of
 * common extensions and MIME is not one of the types that extension may
 * have; 0 otherwise (no extension, an unknown extension, or a match). When
 * EXPECTED is not NULL it receives the extension's main MIME type (static)
 * or NULL for an unknown extension. */
ART_API int art_magic_ext_mismatch(const char *name,
                                   const char *mime,
                                   const char **expected);

ART_END_DECLS

#endif
