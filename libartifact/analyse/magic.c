/* File type identification through libmagic, as a stream consumer.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/magic.h>

#include <uchardet/uchardet.h>

#include <errno.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctx_private.h"

#define MAGIC_MSG_MAX 512

struct art_magic {
  magic_t cookie;
  int fd; /* the memory file handed to libmagic, reused */
  size_t limit;
  uint8_t *buf;
  size_t len, cap;
  char *desc, *mime;
  char charset[64]; /* text: uchardet's name, "" when not text or unknown */
  char err[MAGIC_MSG_MAX];
};

static void set_err(art_magic *m, const char *what, const char *why)
{
  size_t n = 0;
  const char *parts[3] = {what, ": ", why ? why : "unknown error"};
  for (size_t i = 0; i < 3; i++) {
    size_t l = strlen(parts[i]);
    if (n + l >= sizeof m->err)
      l = sizeof m->err - 1 - n;
    memcpy(m->err + n, parts[i], l);
    n += l;
  }
  m->err[n] = '\0';
}

art_status art_magic_new(art_ctx *ctx, art_magic **out)
{
  art_magic *m = NULL;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "magic: no output");
  *out = NULL;
  m = art__calloc(ctx, 1, sizeof *m);
  if (!m)
    return ART_ERR_NOMEM;
  m->cookie = magic_open(MAGIC_NONE);
  if (!m->cookie) {
    free(m);
    return art__set_errno(ctx, errno, "libmagic");
  }
  if (magic_load(m->cookie, NULL) != 0) {
    art_status st = art__set_error(ctx, ART_ERR_NOT_FOUND, 0,
                                   "libmagic: cannot load the database: %s",
                                   magic_error(m->cookie));
    magic_close(m->cookie);
    free(m);
    return st;
  }
  m->limit = 0;
  m->fd = -1;
  *out = m;
  return ART_OK;
}

void art_magic_free(art_magic *m)
{
  if (!m)
    return;
  magic_close(m->cookie);
  if (m->fd >= 0)
    close(m->fd);
  free(m->buf);
  free(m->desc);
  free(m->mime);
  free(m);
}

art_status art_magic_set_limit(art_magic *m, size_t bytes)
{
  if (!m)
    return ART_ERR_INVALID_ARG;
  m->limit = bytes;
  return ART_OK;
}

size_t art_magic_limit(const art_magic *m)
{
  size_t v = 7u * 1024u * 1024u;
  if (!m)
    return 0;
  if (m->limit)
    return m->limit;
  if (magic_getparam(m->cookie, MAGIC_PARAM_BYTES_MAX, &v) != 0)
    v = 7u * 1024u * 1024u;
  return v;
}

void art_magic_reset(art_magic *m)
{
  if (!m)
    return;
  m->len = 0;
  free(m->desc);
  free(m->mime);
  m->desc = m->mime = NULL;
  m->err[0] = '\0';
}

static art_status feed(art_magic *m, const uint8_t *data, size_t len)
{
  size_t lim = art_magic_limit(m);
  if (m->len >= lim)
    return ART_ERR_LIMIT;
  if (len > lim - m->len)
    len = lim - m->len;
  if (m->len + len > m->cap) {
    size_t cap = m->cap ? m->cap : 64 * 1024;
    while (cap < m->len + len)
      cap *= 2;
    if (cap > lim)
      cap = lim;
    uint8_t *nb = realloc(m->buf, cap);
    if (!nb) {
      set_err(m, "magic", "out of memory");
      return ART_ERR_NOMEM;
    }
    m->buf = nb;
    m->cap = cap;
  }
  if (len)
    memcpy(m->buf + m->len, data, len);
  m->len += len;
  return m->len >= lim ? ART_ERR_LIMIT : ART_OK;
}

/* Run libmagic with FLAGS on the descriptor; the result is copied. */
static art_status identify_fd(art_magic *m, int fd, int flags, char **out)
{
  const char *r;
  if (lseek(fd, 0, SEEK_SET) != 0) {
    set_err(m, "magic", art__strerror_c(errno));
    return ART_ERR_IO;
  }
  if (magic_setflags(m->cookie, flags) != 0) {
    set_err(m, "libmagic", magic_error(m->cookie));
    return ART_ERR_INTERNAL;
  }
  r = magic_descriptor(m->cookie, fd);
  if (!r) {
    set_err(m, "libmagic", magic_error(m->cookie));
    return ART_ERR_FORMAT;
  }
  *out = strdup(r);
  if (!*out) {
    set_err(m, "magic", "out of memory");
    return ART_ERR_NOMEM;
  }
  return ART_OK;
}

static art_status write_all(int fd, const uint8_t *p, size_t n)
{
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return ART_ERR_IO;
    }
    p += (size_t)w;
    n -= (size_t)w;
  }
  return ART_OK;
}

/* The text encoding of a text artifact, by uchardet over the bytes kept
 * (libmagic names EUC-JP and Shift_JIS "ISO-8859 text" or "Non-ISO extended-
 * ASCII text"; uchardet tells them apart). */
static void detect_charset(art_magic *m)
{
  uchardet_t ud = uchardet_new();
  if (!ud)
    return;
  if (uchardet_handle_data(ud, (const char *)m->buf, m->len) == 0) {
    uchardet_data_end(ud);
    const char *cs = uchardet_get_charset(ud);
    if (cs && strlen(cs) < sizeof m->charset) {
      size_t i = 0;
      for (; cs[i]; i++)
        m->charset[i] = cs[i];
      m->charset[i] = '\0';
    }
  }
  uchardet_delete(ud);
}

/* The bytes go to libmagic through a memory file rather than magic_buffer():
 * only with a descriptor does libmagic run its ELF parser, and file(1) runs
 * it, so this is what keeps our results equal to file(1)'s. */
static art_status identify(art_magic *m)
{
  art_status st;
  free(m->desc);
  free(m->mime);
  m->desc = m->mime = NULL;
  if (m->fd < 0) {
    m->fd = memfd_create("art-magic", MFD_CLOEXEC);
    if (m->fd < 0) {
      set_err(m, "magic: memfd_create", art__strerror_c(errno));
      return ART_ERR_IO;
    }
  }
  if (ftruncate(m->fd, 0) != 0 || lseek(m->fd, 0, SEEK_SET) != 0) {
    set_err(m, "magic: memory file", art__strerror_c(errno));
    return ART_ERR_IO;
  }
  st = write_all(m->fd, m->buf, m->len);
  if (st != ART_OK) {
    set_err(m, "magic: memory file", art__strerror_c(errno));
    return st;
  }
  st = identify_fd(m, m->fd, MAGIC_NONE, &m->desc);
  if (st == ART_OK)
    st = identify_fd(m, m->fd, MAGIC_MIME_TYPE, &m->mime);
  m->charset[0] = '\0';
  if (st == ART_OK && m->mime && strncmp(m->mime, "text/", 5) == 0)
    detect_charset(m);
  if (st != ART_OK) {
    free(m->desc);
    m->desc = NULL;
  }
  /* Give the memory back: the next input rewrites the file anyway. */
  if (ftruncate(m->fd, 0) != 0 && st == ART_OK) {
    set_err(m, "magic: memory file", art__strerror_c(errno));
    st = ART_ERR_IO;
  }
  return st;
}

/* Consumer callbacks. */
static art_status c_begin(void *state, int size_known, uint64_t size)
{
  (void)size_known;
  (void)size;
  art_magic_reset(state);
  return ART_OK;
}

static art_status
c_update(void *state, const uint8_t *data, size_t len, uint64_t offset)
{
  (void)offset;
  return feed(state, data, len);
}

static art_status c_finish(void *state, art_status read_status)
{
  art_magic *m = state;
  (void)read_status;
  return identify(m);
}

static const art_consumer magic_consumer = {
    .name = "magic",
    .cost = 0.05,
    .begin = c_begin,
    .update = c_update,
    .finish = c_finish,
};

const art_consumer *art_magic_consumer(void)
{
  return &magic_consumer;
}

art_status art_magic_attach(art_ctx *ctx, art_magic *m, art_reader *reader)
{
  if (!m || !reader)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "magic: no reader");
  art_magic_reset(m);
  return art_reader_add(reader, &magic_consumer, m);
}

art_status
art_magic_update(art_ctx *ctx, art_magic *m, const void *data, size_t len)
{
  art_status st;
  if (!m || (!data && len))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "magic: no data");
  st = feed(m, data, len);
  if (st == ART_ERR_NOMEM)
    return art__set_error(ctx, st, ENOMEM, "%s", m->err);
  return ART_OK;
}

art_status art_magic_final(art_ctx *ctx, art_magic *m)
{
  art_status st;
  if (!m)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "magic: no object");
  st = identify(m);
  if (st != ART_OK)
    return art__set_error(ctx, st, 0, "%s", m->err);
  return ART_OK;
}

art_status
art_magic_buffer(art_ctx *ctx, art_magic *m, const void *data, size_t len)
{
  art_status st;
  art_magic_reset(m);
  st = art_magic_update(ctx, m, data, len);
  if (st != ART_OK)
    return st;
  return art_magic_final(ctx, m);
}

const char *art_magic_description(const art_magic *m)
{
  return m ? m->desc : NULL;
}

const char *art_magic_mime(const art_magic *m)
{
  return m ? m->mime : NULL;
}

const char *art_magic_charset(const art_magic *m)
{
  return m && m->mime && m->charset[0] ? m->charset : NULL;
}

const uint8_t *art_magic_head(const art_magic *m, size_t *len)
{
  if (len)
    *len = m ? m->len : 0;
  return m && m->len ? m->buf : NULL;
}

const char *art_magic_errmsg(const art_magic *m)
{
  return m ? m->err : "";
}

/* Extensions and the MIME types libmagic 5.44 gives files that deserve them.
 * A type ending in '/' accepts any subtype ("text/" for text formats). */
struct ext_mime {
  const char *ext;
  const char *mimes[6];
};

#define OOXML "application/vnd.openxmlformats-officedocument."
static const struct ext_mime ext_table[] = {
    {"7z", {"application/x-7z-compressed"}},
    {"apk",
     {"application/zip", "application/java-archive",
      "application/vnd.android.package-archive"}},
    {"avi", {"video/x-msvideo"}},
    {"bmp", {"image/bmp", "image/x-ms-bmp"}},
    {"bz2", {"application/x-bzip2"}},
    {"cab", {"application/vnd.ms-cab-compressed"}},
    {"class", {"application/x-java-applet"}},
    {"cpl",
     {"application/vnd.microsoft.portable-executable",
      "application/x-dosexec"}},
    {"csv", {"text/", "application/csv"}},
    {"deb", {"application/vnd.debian.binary-package"}},
    {"dll",
     {"application/vnd.microsoft.portable-executable",
      "application/x-dosexec"}},
    {"doc",
     {"application/msword", "application/vnd.ms-office", "application/CDFV2",
      "application/x-ole-storage"}},
    {"docm",
     {"application/vnd.ms-word.document.macroEnabled.12",
      OOXML "wordprocessingml.document", "application/zip"}},
    {"docx", {OOXML "wordprocessingml.document", "application/zip"}},
    {"elf",
     {"application/x-executable", "application/x-sharedlib",
      "application/x-pie-executable", "application/x-object"}},
    {"exe",
     {"application/vnd.microsoft.portable-executable",
      "application/x-dosexec"}},
    {"flac", {"audio/flac", "audio/x-flac"}},
    {"gif", {"image/gif"}},
    {"gz", {"application/gzip", "application/x-gzip"}},
    {"htm", {"text/html"}},
    {"html", {"text/html"}},
    {"ico", {"image/vnd.microsoft.icon", "image/x-icon"}},
    {"iso", {"application/x-iso9660-image"}},
    {"jar", {"application/java-archive", "application/zip"}},
    {"jpeg", {"image/jpeg"}},
    {"jpg", {"image/jpeg"}},
    {"js", {"text/", "application/javascript"}},
    {"json", {"application/json", "text/"}},
    {"lnk", {"application/x-ms-shortcut"}},
    {"lz4", {"application/x-lz4"}},
    {"mp3", {"audio/mpeg"}},
    {"mp4", {"video/mp4"}},
    {"mpeg", {"video/mpeg"}},
    {"mpg", {"video/mpeg"}},
    {"msi",
     {"application/x-msi", "application/vnd.ms-msi",
      "application/x-ole-storage", "application/CDFV2"}},
    {"odp", {"application/vnd.oasis.opendocument.presentation"}},
    {"ods", {"application/vnd.oasis.opendocument.spreadsheet"}},
    {"odt", {"application/vnd.oasis.opendocument.text"}},
    {"oga", {"audio/ogg", "application/ogg"}},
    {"ogg", {"audio/ogg", "video/ogg", "application/ogg"}},
    {"ogv", {"video/ogg", "application/ogg"}},
    {"pdf", {"application/pdf"}},
    {"png", {"image/png"}},
    {"ppm", {"image/x-portable-pixmap"}},
    {"ppt",
     {"application/vnd.ms-powerpoint", "application/vnd.ms-office",
      "application/CDFV2", "application/x-ole-storage"}},
    {"pptx", {OOXML "presentationml.presentation", "application/zip"}},
    {"ps1", {"text/"}},
    {"py", {"text/"}},
    {"rar", {"application/x-rar", "application/vnd.rar"}},
    {"rtf", {"text/rtf"}},
    {"sh", {"text/"}},
    {"so", {"application/x-sharedlib", "application/x-pie-executable"}},
    {"sqlite", {"application/vnd.sqlite3", "application/x-sqlite3"}},
    {"svg", {"image/svg+xml", "text/"}},
    {"sys",
     {"application/vnd.microsoft.portable-executable",
      "application/x-dosexec"}},
    {"tar", {"application/x-tar"}},
    {"tgz", {"application/gzip", "application/x-gzip"}},
    {"tif", {"image/tiff"}},
    {"tiff", {"image/tiff"}},
    {"txt", {"text/"}},
    {"wav", {"audio/x-wav", "audio/wav"}},
    {"webm", {"video/webm"}},
    {"webp", {"image/webp"}},
    {"xcf", {"image/x-xcf"}},
    {"xls",
     {"application/vnd.ms-excel", "application/vnd.ms-office",
      "application/CDFV2", "application/x-ole-storage"}},
    {"xlsx", {OOXML "spreadsheetml.sheet", "application/zip"}},
    {"xml", {"text/xml", "application/xml", "text/"}},
    {"xz", {"application/x-xz"}},
    {"zip", {"application/zip"}},
    {"zst", {"application/zstd", "application/x-zstd"}},
};
#undef OOXML

static int ext_cmp(const void *key, const void *elem)
{
  return strcasecmp(key, ((const struct ext_mime *)elem)->ext);
}

int art_magic_ext_mismatch(const char *name,
                           const char *mime,
                           const char **expected)
{
  const char *base, *dot;
  const struct ext_mime *e;
  if (expected)
    *expected = NULL;
  if (!name)
    return 0;
  base = strrchr(name, '/');
  base = base ? base + 1 : name;
  dot = strrchr(base, '.');
  if (!dot || dot == base || !dot[1])
    return 0;
  e = bsearch(dot + 1, ext_table, sizeof ext_table / sizeof ext_table[0],
              sizeof ext_table[0], ext_cmp);
  if (!e)
    return 0;
  if (expected)
    *expected = e->mimes[0];
  /* No verdict on empty files or when the type is unknown. */
  if (!mime || !strcmp(mime, "application/x-empty"))
    return 0;
  for (size_t i = 0; i < sizeof e->mimes / sizeof e->mimes[0] && e->mimes[i];
       i++) {
    size_t l = strlen(e->mimes[i]);
    if (e->mimes[i][l - 1] == '/' ? !strncmp(mime, e->mimes[i], l)
                                  : !strcmp(mime, e->mimes[i]))
      return 0;
  }
  return 1;
}
