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
#include "i18n.h"

#define ART_ERRMSG_MAX 1024

/* Every error is kept twice: MSG in the C locale (untranslated, what
 * art_ctx_errmsg returns and what records such as jsonl "errors" carry, so
 * machine outputs never change with the locale) and MSG_L translated for
 * the person reading it (art_ctx_errmsg_localized). */
struct art_ctx {
  art_status status;
  int os_errno;
  char msg[ART_ERRMSG_MAX];
  char msg_l[ART_ERRMSG_MAX];
};

/* Messages often embed another context's message ("%s: %s", path,
 * art_ctx_errmsg(inner)). The inner text given is the C one; the translated
 * outer message gets the inner translation back from the last few pairs this
 * thread recorded. */
#define ART_RECENT_MAX 4
static _Thread_local struct {
  char c[ART_ERRMSG_MAX];
  char l[ART_ERRMSG_MAX];
} recent[ART_RECENT_MAX];
static _Thread_local unsigned recent_next;

static const char *const status_text[ART_ERR_COUNT_] = {
    [ART_OK] = N_("success"),
    [ART_ERR_INVALID_ARG] = N_("invalid argument"),
    [ART_ERR_NOMEM] = N_("out of memory"),
    [ART_ERR_IO] = N_("input/output error"),
    [ART_ERR_PERMISSION] = N_("permission denied"),
    [ART_ERR_NOT_FOUND] = N_("not found"),
    [ART_ERR_FORMAT] = N_("unrecognised or unsupported format"),
    [ART_ERR_CORRUPT] = N_("corrupt data"),
    [ART_ERR_LIMIT] = N_("limit reached"),
    [ART_ERR_TIMEOUT] = N_("timed out"),
    [ART_ERR_RULES] = N_("rules did not compile"),
    [ART_ERR_DB] = N_("database error"),
    [ART_ERR_INTEGRITY] = N_("integrity check failed"),
    [ART_ERR_UNSUPPORTED] = N_("not supported"),
    [ART_ERR_INTERNAL] = N_("internal error"),
};

const char *art_strerror(art_status st)
{
  if ((unsigned)st >= ART_ERR_COUNT_ || !status_text[st])
    return "unknown status";
  return status_text[st];
}

const char *art_strerror_localized(art_status st)
{
  art__i18n_init();
  if ((unsigned)st >= ART_ERR_COUNT_ || !status_text[st])
    return _("unknown status");
  return _(status_text[st]);
}

art_status art_ctx_new(art_ctx **out)
{
  if (!out)
    return ART_ERR_INVALID_ARG;
  art__i18n_init();
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

const char *art_ctx_errmsg_localized(const art_ctx *ctx)
{
  if (!ctx)
    return "";
  return ctx->msg_l[0] || !ctx->msg[0] ? ctx->msg_l : ctx->msg;
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
  ctx->msg_l[0] = '\0';
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

/* Replace the first occurrence of each recently recorded C message in the
 * translated message BUF with its translation. */
void art__i18n_relocalize(char *buf, size_t size)
{
  for (unsigned i = 0; i < ART_RECENT_MAX; i++) {
    const char *c = recent[i].c, *l = recent[i].l;
    size_t clen = strlen(c), llen = strlen(l), tail;
    char *at;
    if (!clen || strcmp(c, l) == 0 || !(at = strstr(buf, c)))
      continue;
    tail = strlen(at + clen);
    if ((size_t)(at - buf) + llen + tail + 1 > size)
      continue; /* would not fit: keep the untranslated inner text */
    memmove(at + llen, at + clen, tail + 1);
    memcpy(at, l, llen);
  }
}

/* A message given the C strerror of its errno as an argument gets the
 * process locale's in its translation. */
static void relocalize_errno(art_ctx *ctx, int errnum)
{
  char reason[256];
  const char *c = art__strerror_c(errnum);
  const char *l = strerror_r(errnum, reason, sizeof reason);
  size_t clen = strlen(c), llen = strlen(l), tail;
  char *at = strstr(ctx->msg_l, c);
  if (!clen || !at || strcmp(c, l) == 0)
    return;
  tail = strlen(at + clen);
  if ((size_t)(at - ctx->msg_l) + llen + tail + 1 > sizeof ctx->msg_l)
    return;
  memmove(at + llen, at + clen, tail + 1);
  memcpy(at, l, llen);
}

static void remember(const art_ctx *ctx)
{
  unsigned i = recent_next++ % ART_RECENT_MAX;
  if (strcmp(ctx->msg, ctx->msg_l) == 0)
    return;
  snprintf(recent[i].c, sizeof recent[i].c, "%s", ctx->msg);
  snprintf(recent[i].l, sizeof recent[i].l, "%s", ctx->msg_l);
}

/* Format FMT twice: as given (the C text) and translated. */
static void set_messages(art_ctx *ctx, const char *fmt, va_list ap)
{
  va_list ap2;
  const char *fmt_l = fmt && *fmt ? _(fmt) : fmt;
  va_copy(ap2, ap);
  if (vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap) < 0)
    ctx->msg[0] = '\0';
  if (vsnprintf(ctx->msg_l, sizeof ctx->msg_l, fmt_l, ap2) < 0)
    ctx->msg_l[0] = '\0';
  va_end(ap2);
  art__i18n_relocalize(ctx->msg_l, sizeof ctx->msg_l);
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
  set_messages(ctx, fmt, ap);
  va_end(ap);
  if (os_errno)
    relocalize_errno(ctx, os_errno);
  remember(ctx);
  return status;
}

art_status art__set_error_texts(art_ctx *ctx,
                                art_status status,
                                int os_errno,
                                const char *c_text,
                                const char *l_text)
{
  if (!ctx)
    return status;
  ctx->status = status;
  ctx->os_errno = os_errno;
  snprintf(ctx->msg, sizeof ctx->msg, "%s", c_text ? c_text : "");
  snprintf(ctx->msg_l, sizeof ctx->msg_l, "%s", l_text ? l_text : ctx->msg);
  remember(ctx);
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

const char *art__strerror_c(int errnum)
{
  locale_t c = art__i18n_c_locale();
  return c ? strerror_l(errnum, c) : strerror(errnum);
}

const char *art__strerror_r(int errnum, char *buf, size_t len)
{
  locale_t c = art__i18n_c_locale();
  if (c)
    return strerror_l(errnum, c);
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
  set_messages(ctx, fmt, ap);
  va_end(ap);
  /* The C text takes the C locale's strerror, the translated one the
   * process locale's. */
  used = strlen(ctx->msg);
  snprintf(ctx->msg + used, sizeof ctx->msg - used, ": %s",
           art__strerror_c(errnum));
  used = strlen(ctx->msg_l);
  snprintf(ctx->msg_l + used, sizeof ctx->msg_l - used, ": %s",
           strerror_r(errnum, reason, sizeof reason));
  remember(ctx);
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
