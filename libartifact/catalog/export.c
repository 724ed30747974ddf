/* Evidence catalogue: the export driver (checkpoint first, the export's
 * bytes, then an export event with their SHA-256), in one transaction.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/datefmt_private.h"
#include "catalog_private.h"

static const char *const format_names[] = {"csv",   "custody-csv", "json",
                                           "jsonl", "html",        "case"};

art_status art_catalog_format_parse(const char *name, art_catalog_format *fmt)
{
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
    if (name && strcmp(name, format_names[i]) == 0) {
      *fmt = (art_catalog_format)i;
      return ART_OK;
    }
  return ART_ERR_INVALID_ARG;
}

/* Where an export's bytes go as they are made: hashed and written in
 * windows of ART__BUF_FLUSH bytes, so memory stays bounded. */
typedef struct sink {
  EVP_MD_CTX *md;
  art_catalog_write_fn write;
  void *userdata;
  uint64_t bytes;
  int write_failed;
} sink;

static int sink_flush(void *ud, const void *data, size_t len)
{
  sink *k = ud;
  if (EVP_DigestUpdate(k->md, data, len) != 1)
    return -1;
  if (k->write(k->userdata, data, len) != 0) {
    k->write_failed = 1;
    return -1;
  }
  k->bytes += len;
  return 0;
}

/* Called once every byte is written, before the export event is recorded:
 * nonzero fails the export (nothing recorded). */
typedef art_status (*finish_fn)(art_ctx *ctx, void *ud);

static art_status export_run(art_ctx *ctx,
                             art_catalog *cat,
                             const char *actor,
                             art_catalog_format fmt,
                             art_catalog_write_fn write,
                             void *userdata,
                             char *sha256_hex,
                             finish_fn finish,
                             void *finish_ud);

art_status art_catalog_export(art_ctx *ctx,
                              art_catalog *cat,
                              const char *actor,
                              art_catalog_format fmt,
                              art_catalog_write_fn write,
                              void *userdata,
                              char *sha256_hex)
{
  return export_run(ctx, cat, actor, fmt, write, userdata, sha256_hex, NULL,
                    NULL);
}

/* ---- files written whole or not at all ---- */

art_status art__cat_tmp_create(art_ctx *ctx,
                               const char *dest,
                               unsigned flags,
                               art__cat_tmpfile *t)
{
  memset(t, 0, sizeof *t);
  t->fd = -1;
  struct stat sb;
  if (!(flags & ART_CATALOG_FORCE) && lstat(dest, &sb) == 0)
    return art__set_error(ctx, ART_ERR_IO, EEXIST,
                          "%s: already exists; not overwritten (use --force)",
                          dest);
  size_t n = strlen(dest);
  if (!(t->tmp = malloc(n + 16)) || !(t->dest = strdup(dest))) {
    free(t->tmp);
    t->tmp = NULL;
    return art__set_errno(ctx, ENOMEM, "%s", dest);
  }
  /* In the same folder, so the final rename cannot cross file systems. */
  const char *slash = strrchr(dest, '/');
  size_t dl = slash ? (size_t)(slash - dest + 1) : 0;
  snprintf(t->tmp, n + 16, "%.*s.%s.XXXXXX", (int)dl, dest, dest + dl);
  t->fd = mkstemp(t->tmp);
  if (t->fd < 0) {
    int e = errno;
    art_status st = art__set_error(
        ctx,
        e == EACCES || e == EPERM || e == EROFS ? ART_ERR_PERMISSION
                                                : ART_ERR_IO,
        e, "%s: cannot write here: %s", dest, art__strerror_c(e));
    art__cat_tmp_discard(t);
    return st;
  }
  fchmod(t->fd, 0644);
  t->flags = flags;
  return ART_OK;
}

art_status art__cat_tmp_write(art_ctx *ctx,
                              art__cat_tmpfile *t,
                              const void *data,
                              size_t len)
{
  const char *p = data;
  while (len) {
    ssize_t w = write(t->fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      t->err = e;
      if (e == ENOSPC || e == EDQUOT)
        return art__set_error(ctx, ART_ERR_IO, e,
                              "%s: disk full while writing it (nothing "
                              "written under that name)",
                              t->dest);
      return art__set_error(ctx, ART_ERR_IO, e, "%s: write failed: %s", t->dest,
                            art__strerror_c(e));
    }
    p += w;
    len -= (size_t)w;
  }
  return ART_OK;
}

art_status art__cat_tmp_commit(art_ctx *ctx, art__cat_tmpfile *t)
{
  if (fsync(t->fd) != 0 || close(t->fd) != 0) {
    int e = errno;
    t->fd = -1;
    return art__set_error(ctx, ART_ERR_IO, e,
                          e == ENOSPC ? "%s: disk full while writing it"
                                      : "%s: write failed",
                          t->dest);
  }
  t->fd = -1;
  int rc;
  if (t->flags & ART_CATALOG_FORCE) {
    rc = rename(t->tmp, t->dest);
  } else {
    /* link() fails when the name was taken meanwhile: never overwrite. */
    rc = link(t->tmp, t->dest);
    if (rc == 0)
      unlink(t->tmp);
  }
  if (rc != 0)
    return art__set_error(ctx, ART_ERR_IO, errno, "%s: %s", t->dest,
                          errno == EEXIST
                              ? "already exists; not overwritten (use --force)"
                              : art__strerror_c(errno));
  t->done = 1;
  char *dir = strdup(t->dest);
  if (dir) {
    char *slash = strrchr(dir, '/');
    if (slash)
      slash[slash == dir ? 1 : 0] = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    free(dir);
  }
  return ART_OK;
}

void art__cat_tmp_discard(art__cat_tmpfile *t)
{
  if (t->fd >= 0)
    close(t->fd);
  t->fd = -1;
  if (t->tmp && !t->done)
    unlink(t->tmp);
  free(t->tmp);
  free(t->dest);
  t->tmp = t->dest = NULL;
}

static int tmp_write_cb(void *ud, const void *data, size_t len)
{
  art__cat_tmpfile *t = ud;
  return art__cat_tmp_write(t->ctx, t, data, len) == ART_OK ? 0 : -1;
}

static art_status tmp_finish_cb(art_ctx *ctx, void *ud)
{
  return art__cat_tmp_commit(ctx, ud);
}

art_status art_catalog_export_file(art_ctx *ctx,
                                   art_catalog *cat,
                                   const char *actor,
                                   art_catalog_format fmt,
                                   const char *path,
                                   unsigned flags,
                                   char *sha256_hex)
{
  if (!path || !*path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "export: no file");
  art__cat_tmpfile t;
  art_status st = art__cat_tmp_create(ctx, path, flags, &t);
  if (st != ART_OK)
    return st;
  t.ctx = ctx;
  st = export_run(ctx, cat, actor, fmt, tmp_write_cb, &t, sha256_hex,
                  tmp_finish_cb, &t);
  if (st != ART_OK && t.done)
    unlink(path); /* renamed, but the export event could not be recorded */
  art__cat_tmp_discard(&t);
  return st;
}

static art_status export_run(art_ctx *ctx,
                             art_catalog *cat,
                             const char *actor,
                             art_catalog_format fmt,
                             art_catalog_write_fn write,
                             void *userdata,
                             char *sha256_hex,
                             finish_fn finish,
                             void *finish_ud)
{
  if (sha256_hex)
    *sha256_hex = '\0';
  if (!cat || !write ||
      (unsigned)fmt >= sizeof format_names / sizeof format_names[0])
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "export: bad arguments");
  if (!actor || !*actor)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "export: an export is recorded as an event: it "
                          "needs an actor (--actor or ART_ACTOR)");
  art__buf out = {0};
  char *cp = NULL, *ptext = NULL;
  sink k = {EVP_MD_CTX_new(), write, userdata, 0, 0};
  if (!k.md || EVP_DigestInit_ex(k.md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(k.md);
    return art__set_errno(ctx, ENOMEM, "export");
  }
  out.flush = sink_flush;
  out.flush_ud = &k;
  /* Holding the write lock from the checkpoint to the export event makes
   * the export show exactly the chain its checkpoint covers. */
  art_status st = art__cat_tx_begin(ctx, cat);
  if (st != ART_OK) {
    EVP_MD_CTX_free(k.md);
    return st;
  }
  if ((st = art__cat_checkpoint_make(ctx, cat, actor, &cp)) != ART_OK)
    goto out;
  switch (fmt) {
  case ART_CATALOG_CSV:
    st = art__cat_export_csv(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_CUSTODY_CSV:
    st = art__cat_export_custody_csv(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_JSON:
    st = art__cat_export_json(ctx, cat, &out, cp, 0);
    break;
  case ART_CATALOG_JSONL:
    st = art__cat_export_json(ctx, cat, &out, cp, 1);
    break;
  case ART_CATALOG_HTML:
    st = art__cat_export_html(ctx, cat, &out, cp);
    break;
  case ART_CATALOG_CASE:
    st = art__cat_export_case(ctx, cat, &out, cp);
    break;
  }
  if (st != ART_OK)
    goto out;
  art__buf_flush(&out);
  if (out.failed) {
    if (!k.write_failed)
      st = art__set_errno(ctx, ENOMEM, "export");
    else if (art_ctx_status(ctx) != ART_OK)
      st = art_ctx_status(ctx); /* the writer said why */
    else
      st = art__set_error(ctx, ART_ERR_IO, errno,
                          errno == ENOSPC ? "export: disk full while writing"
                                          : "export: write failed");
    goto out;
  }
  if (finish && (st = finish(ctx, finish_ud)) != ART_OK)
    goto out;
  uint8_t digest[ART__CAT_HASH_LEN];
  unsigned int dlen = 0;
  char hex[2 * ART__CAT_HASH_LEN + 1];
  if (EVP_DigestFinal_ex(k.md, digest, &dlen) != 1) {
    st = art__set_error(ctx, ART_ERR_INTERNAL, 0, "export: SHA-256 failed");
    goto out;
  }
  art__cat_hex(digest, ART__CAT_HASH_LEN, hex);
  art__cat_checkpoint parsed;
  art__cat_checkpoint_parse(ctx, cp, strlen(cp), &parsed);
  json_t *p = json_pack("{s:s, s:s, s:I, s:I}", "format", format_names[fmt],
                        "sha256", hex, "bytes", (json_int_t)k.bytes,
                        "checkpoint_size", (json_int_t)parsed.size);
  ptext = p ? art__cat_json_dump(p) : NULL;
  json_decref(p);
  if (!ptext) {
    st = art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  art__cat_event ev = {0};
  ev.f[ART__EV_TYPE] = "export";
  ev.f[ART__EV_ACTOR] = actor;
  ev.f[ART__EV_PAYLOAD] = ptext;
  if ((st = art__cat_append(ctx, cat, &ev, 0)) != ART_OK)
    goto out;
  if (sha256_hex)
    memcpy(sha256_hex, hex, sizeof hex);
out:
  st = art__cat_tx_end(ctx, cat, st);
  art__buf_free(&out);
  EVP_MD_CTX_free(k.md);
  free(cp);
  free(ptext);
  return st;
}

art_status
art_catalog_set_display_tz(art_ctx *ctx, art_catalog *cat, const char *zone)
{
  if (zone && *zone == ':')
    zone++;
  if (!cat || !zone || !art__date_zone_ok(zone) ||
      strlen(zone) >= sizeof cat->display_tz)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "%s: unknown time zone",
                          zone ? zone : "");
  snprintf(cat->display_tz, sizeof cat->display_tz, "%s", zone);
  return ART_OK;
}

art_status
art_catalog_set_paper(art_ctx *ctx, art_catalog *cat, const char *paper)
{
  if (!cat || !paper ||
      (strcasecmp(paper, "a4") != 0 && strcasecmp(paper, "letter") != 0))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                          "--paper: '%s' is not a4 or letter",
                          paper ? paper : "");
  snprintf(cat->paper, sizeof cat->paper, "%s",
           strcasecmp(paper, "a4") == 0 ? "A4" : "letter");
  return ART_OK;
}
