/* Internal helpers every module uses to record errors in the context.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_CTX_PRIVATE_H
#define ART_CTX_PRIVATE_H

#include <artifact/ctx.h>

/* Record STATUS with a printf-style message and the OS errno (0 if none).
 * Returns STATUS so callers can write: return art__set_error(...). */
art_status art__set_error(art_ctx *ctx,
                          art_status status,
                          int os_errno,
                          const char *fmt,
                          ...) ART_PRINTF(4, 5);
/* Record ERRNUM: the status follows from it (EACCES -> PERMISSION, ENOENT ->
 * NOT_FOUND, ENOMEM -> NOMEM, else IO) and ": strerror" is appended to the
 * formatted subject. */
art_status art__set_errno(art_ctx *ctx, int errnum, const char *fmt, ...)
    ART_PRINTF(3, 4);
/* Record STATUS with messages already formatted elsewhere (a sandboxed
 * worker's): C_TEXT in the C locale, L_TEXT translated (NULL: C_TEXT). */
art_status art__set_error_texts(art_ctx *ctx,
                                art_status status,
                                int os_errno,
                                const char *c_text,
                                const char *l_text);
/* The status an errno maps to. */
art_status art__status_from_errno(int errnum);
/* Allocation helpers that record ART_ERR_NOMEM. */
void *art__calloc(art_ctx *ctx, size_t n, size_t size);
char *art__strdup(art_ctx *ctx, const char *s);

/* strerror in the C locale (English whatever the process locale), for the
 * texts the library records (they reach machine outputs); BUF may be used.
 * art__set_errno adds the translated reason to the translated message. */
const char *art__strerror_r(int errnum, char *buf, size_t len);
/* The same without a buffer (thread-safe in glibc). */
const char *art__strerror_c(int errnum);

#endif
