/* The per-thread context and the library's error reporting.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "ctx_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact_version_private.h"

#define ART_ERRMSG_MAX 1024

struct art_ctx {
  art_status status;
  int os_errno;
  char msg[ART_ERRMSG_MAX];
};

static const char *const status_text[ART_ERR_COUNT_] = {
    [ART_OK] = "success",
    [ART_ERR_INVALID_ARG] = "invalid argument",
    [ART_ERR_NOMEM] = "out of memory",
    [ART_ERR_IO] = "input/output error",
    [ART_ERR_PERMISSION] = "permission denied",
    [ART_ERR_NOT_FOUND] = "not found",
    [ART_ERR_FORMAT] = "unrecognised or unsupported format",
    [ART_ERR_CORRUPT] = "corrupt data",
    [ART_ERR_LIMIT] = "limit reached",
    [ART_ERR_TIMEOUT] = "timed out",
    [ART_ERR_RULES] = "rules did not compile",
    [ART_ERR_DB] = "database error",
    [ART_ERR_INTEGRITY] = "integrity check failed",
    [ART_ERR_UNSUPPORTED] = "not supported",
    [ART_ERR_INTERNAL] = "internal error",
};

const char *art_strerror(art_status st)
{
  if ((unsigned)st >= ART_ERR_COUNT_ || !status_text[st])
    return "unknown status";
  return status_text[st];
}

art_status art_ctx_new(art_ctx **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  *out = calloc(1, sizeof(art_ctx));
  return *out ? ART_OK : ART_ERR_NOMEM;
}

void art_ctx_free(art_ctx *ctx)
{
  free(ctx);
}

const char *art_ctx_errmsg(const art_ctx *ctx)
{
  return ctx ? ctx->msg : "";
}

int art_ctx_errno(const art_ctx *ctx)
{
  return ctx ? ctx->os_errno : 0;
}

art_status art_ctx_status(const art_ctx *ctx)
{
  return ctx ? ctx->status : ART_ERR_INVALID_ARG;
}

void art_ctx_clear(art_ctx *ctx)
{
  if (!ctx)
    return;
  ctx->status = ART_OK;
  ctx->os_errno = 0;
  ctx->msg[0] = '\0';
}

void art_free(void *p)
{
  free(p);
}

const char *art_signatures_dir(void)
{
  return ART_SIGNATURES_DIR;
}

const char *art_version(void)
{
  return ART_VERSION_STRING;
}

static void set_message(art_ctx *ctx, const char *fmt, va_list ap)
{
  int n = vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
  if (n < 0)
    ctx->msg[0] = '\0';
}

art_status art__set_error(
    art_ctx *ctx, art_status status, int os_errno, const char *fmt, ...)
{
  va_list ap;
  if (!ctx)
    return status;
  ctx->status = status;
  ctx->os_errno = os_errno;
  va_start(ap, fmt);
  set_message(ctx, fmt, ap);
  va_end(ap);
  return status;
}

art_status art__status_from_errno(int errnum)
{
  switch (errnum) {
  case EACCES:
  case EPERM:
    return ART_ERR_PERMISSION;
  case ENOENT:
  case ENOTDIR:
    return ART_ERR_NOT_FOUND;
  case ENOMEM:
    return ART_ERR_NOMEM;
  default:
    return ART_ERR_IO;
  }
}

const char *art__strerror_r(int errnum, char *buf, size_t len)
{
  /* GNU strerror_r may return a static string instead of filling BUF. */
  return strerror_r(errnum, buf, len);
}

art_status art__set_errno(art_ctx *ctx, int errnum, const char *fmt, ...)
{
  va_list ap;
  char reason[256];
  size_t used;
  art_status status = art__status_from_errno(errnum);
  if (!ctx)
    return status;
  ctx->status = status;
  ctx->os_errno = errnum;
  va_start(ap, fmt);
  set_message(ctx, fmt, ap);
  va_end(ap);
  used = strlen(ctx->msg);
  snprintf(ctx->msg + used, sizeof ctx->msg - used, ": %s",
           art__strerror_r(errnum, reason, sizeof reason));
  return status;
}

void *art__calloc(art_ctx *ctx, size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  return p;
}

char *art__strdup(art_ctx *ctx, const char *s)
{
  char *p = strdup(s ? s : "");
  if (!p)
    art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "out of memory");
  return p;
}
