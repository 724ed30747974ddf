/* Status codes returned by every fallible libartifact function.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: a function returns ART_OK or an error status; the detailed
 * message ("evidence/disk.E01: Permission denied") is in the art_ctx the
 * call was given (art_ctx_errmsg); art_strerror() gives the short text.
 * ART_ERR_LIMIT and ART_ERR_CORRUPT mean a partial result, not a failure of
 * the whole run: walkers report them per item and go on.
 */
#ifndef ART_ERROR_H
#define ART_ERROR_H

#include "common.h"

ART_BEGIN_DECLS

typedef enum art_status {
  ART_OK = 0,
  ART_ERR_INVALID_ARG, /* caller bug or bad option value */
  ART_ERR_NOMEM,
  ART_ERR_IO,         /* read/write failure; errno kept in the context */
  ART_ERR_PERMISSION, /* EACCES/EPERM, kept distinct from ENOENT */
  ART_ERR_NOT_FOUND,
  ART_ERR_FORMAT,  /* not the format we were asked to parse */
  ART_ERR_CORRUPT, /* damaged data: partial result */
  ART_ERR_LIMIT,   /* a size/depth/ratio/count limit was hit: partial */
  ART_ERR_TIMEOUT,
  ART_ERR_RULES,     /* YARA rules did not compile */
  ART_ERR_DB,        /* database error */
  ART_ERR_INTEGRITY, /* a stored hash, chain or signature does not verify */
  ART_ERR_UNSUPPORTED,
  ART_ERR_INTERNAL,
  ART_ERR_COUNT_ /* number of codes; not a status */
} art_status;

/* Short static text for a status ("permission denied"). Never NULL. */
ART_API const char *art_strerror(art_status st);
/* art_strerror translated for a person (gettext domain "libartifact"). */
ART_API const char *art_strerror_localized(art_status st);

ART_END_DECLS

#endif
