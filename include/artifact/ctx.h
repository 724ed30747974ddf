/* The per-thread context: carries the last error's status, message and errno.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_ctx_new() once per thread; pass the context to library calls;
 * after a call fails read art_ctx_errmsg()/art_ctx_errno(); art_ctx_free().
 * A context is not thread-safe: use one per thread. Nothing in the library
 * prints or exits; messages start with the input they are about.
 */
#ifndef ART_CTX_H
#define ART_CTX_H

#include "error.h"

ART_BEGIN_DECLS

typedef struct art_ctx art_ctx;

ART_API art_status art_ctx_new(art_ctx **out);
ART_API void art_ctx_free(art_ctx *ctx);

/* The last error's detailed message, borrowed until the next call with ctx.
 * Empty string when no error has been recorded. Always in the C locale
 * (English, untranslated): the text records and machine outputs carry. */
ART_API const char *art_ctx_errmsg(const art_ctx *ctx);
/* The same message translated for a person (gettext domain "libartifact",
 * LC_MESSAGES/LANGUAGE of the process): what a tool prints on stderr. */
ART_API const char *art_ctx_errmsg_localized(const art_ctx *ctx);
/* The OS errno behind the last error, 0 if none. */
ART_API int art_ctx_errno(const art_ctx *ctx);
/* The last error's status (ART_OK after art_ctx_clear). */
ART_API art_status art_ctx_status(const art_ctx *ctx);
ART_API void art_ctx_clear(art_ctx *ctx);

/* Release memory the library handed to the caller (char * results). */
ART_API void art_free(void *p);

/* Where the project's own YARA rules are installed
 * (PREFIX/share/artifact/signatures); a caller may fall back to the source
 * tree's signatures/ when this folder does not exist. */
ART_API const char *art_signatures_dir(void);

/* Where the message catalogues are looked up: $ART_LOCALEDIR when set
 * (tests, relocated installs), else PREFIX/share/locale. */
ART_API const char *art_localedir(void);

/* Library version, "MAJOR.MINOR.PATCH". */
ART_API const char *art_version(void);

ART_END_DECLS

#endif
