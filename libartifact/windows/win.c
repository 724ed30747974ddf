/* Windows artifact parsers: kinds, detection, dispatch, shared helpers.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <artifact/source.h>

#include "win_private.h"

static const char *const kind_names[ART_WIN_KIND_COUNT_] = {
    "unknown",   "evtx",          "registry",        "prefetch",
    "lnk",       "jumplist_auto", "jumplist_custom", "usnjrnl",
    "recycle_i", "recycle_info2", "chrome_history",  "firefox_places",
    "evt"};

const char *art_win_kind_name(art_win_kind kind)
{
  return (unsigned)kind < ART_WIN_KIND_COUNT_ ? kind_names[kind] : "unknown";
}

art_win_kind art_win_kind_from_name(const char *name)
{
  for (int i = 1; i < ART_WIN_KIND_COUNT_; i++)
    if (name && strcmp(name, kind_names[i]) == 0)
      return (art_win_kind)i;
  return ART_WIN_UNKNOWN;
}

static int ends_with_ci(const char *s, const char *suf)
{
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static const char *base_name(const char *p)
{
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

art_win_kind art_win_detect(const char *name, const void *head, size_t n)
{
  static const unsigned char lnk_clsid[16] = {
      0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
  static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0,
                                       0xA1, 0xB1, 0x1A, 0xE1};
  const unsigned char *h = head;
  const char *b = base_name(name ? name : "");
  if (n >= 8 && memcmp(h, "ElfFile", 8) == 0)
    return ART_WIN_EVTX;
  /* EVT header: its size (48) then "LfLe" */
  if (n >= 8 && win_le32(h) == 0x30 && memcmp(h + 4, "LfLe", 4) == 0)
    return ART_WIN_EVT;
  if (n >= 4 && memcmp(h, "regf", 4) == 0)
    return ART_WIN_REGISTRY;
  if (n >= 8 && (memcmp(h, "MAM\x04", 4) == 0 || memcmp(h + 4, "SCCA", 4) == 0))
    return ART_WIN_PREFETCH;
  if (n >= 20 && win_le32(h) == 0x4C && memcmp(h + 4, lnk_clsid, 16) == 0)
    return ART_WIN_LNK;
  if (n >= 8 && memcmp(h, ole, 8) == 0)
    return ends_with_ci(b, ".automaticDestinations-ms") ? ART_WIN_JUMPLIST_AUTO
                                                        : ART_WIN_UNKNOWN;
  if (ends_with_ci(b, ".customDestinations-ms"))
    return ART_WIN_JUMPLIST_CUSTOM;
  if (n >= 16 && memcmp(h, "SQLite format 3", 16) == 0) {
    if (strcasecmp(b, "History") == 0 || strcasecmp(b, "Archived History") == 0)
      return ART_WIN_CHROME_HISTORY;
    if (strcasecmp(b, "places.sqlite") == 0)
      return ART_WIN_FIREFOX_PLACES;
    return ART_WIN_UNKNOWN;
  }
  if (strncmp(b, "$I", 2) == 0 && n >= 24 &&
      (win_le64(h) == 1 || win_le64(h) == 2))
    return ART_WIN_RECYCLE_I;
  if (strcasecmp(b, "INFO2") == 0 && n >= 20)
    return ART_WIN_RECYCLE_INFO2;
  if (strcmp(b, "$J") == 0 || strcasestr(b, "UsnJrnl"))
    return ART_WIN_USNJRNL;
  return ART_WIN_UNKNOWN;
}

art_status art_win_parse(art_ctx *ctx,
                         art_win_kind kind,
                         const art_win_input *in,
                         art_win_event_fn fn,
                         void *user)
{
  switch (kind) {
  case ART_WIN_EVTX:
    return art_win_parse_evtx(ctx, in, fn, user);
  case ART_WIN_EVT:
    return art_win_parse_evt(ctx, in, fn, user);
  case ART_WIN_REGISTRY:
    return art_win_parse_registry(ctx, in, fn, user);
  case ART_WIN_PREFETCH:
    return art_win_parse_prefetch(ctx, in, fn, user);
  case ART_WIN_LNK:
    return art_win_parse_lnk(ctx, in, fn, user);
  case ART_WIN_JUMPLIST_AUTO:
    return art_win_parse_jumplist_auto(ctx, in, fn, user);
  case ART_WIN_JUMPLIST_CUSTOM:
    return art_win_parse_jumplist_custom(ctx, in, fn, user);
  case ART_WIN_USNJRNL:
    return art_win_parse_usnjrnl(ctx, in, fn, user);
  case ART_WIN_RECYCLE_I:
    return art_win_parse_recycle_i(ctx, in, fn, user);
  case ART_WIN_RECYCLE_INFO2:
    return art_win_parse_recycle_info2(ctx, in, fn, user);
  case ART_WIN_CHROME_HISTORY:
    return art_win_parse_chrome_history(ctx, in, fn, user);
  case ART_WIN_FIREFOX_PLACES:
    return art_win_parse_firefox_places(ctx, in, fn, user);
  default:
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: not a Windows artifact this tool reads",
                          in->name);
  }
}

static art_status
src_read(void *user, uint64_t off, void *buf, size_t len, size_t *got)
{
  void **u = user;
  return art_source_pread(u[0], u[1], buf, len, off, got);
}

art_status art_win_parse_source(art_ctx *ctx,
                                art_source *src,
                                const char *name,
                                art_win_kind kind,
                                art_win_kind *kind_out,
                                art_win_event_fn fn,
                                void *user)
{
  art_status st = ART_OK;
  const art_source_info *info = art_source_get_info(src);
  void *u[2] = {ctx, src};
  art_win_input in = {name, info->size, src_read, u};
  if (kind == ART_WIN_UNKNOWN) {
    unsigned char head[4096];
    size_t got = 0, have = 0;
    while (have < sizeof head) {
      st = art_source_pread(ctx, src, head + have, sizeof head - have, have,
                            &got);
      if (st != ART_OK || got == 0)
        break;
      have += got;
    }
    if (st == ART_OK)
      kind = art_win_detect(name, head, have);
  }
  if (kind_out)
    *kind_out = kind;
  if (st == ART_OK)
    st = art_win_parse(ctx, kind, &in, fn, user);
  return st;
}

art_status art_win_parse_file(art_ctx *ctx,
                              const char *path,
                              art_win_kind kind,
                              art_win_kind *kind_out,
                              art_win_event_fn fn,
                              void *user)
{
  art_source *src = NULL;
  art_status st = art_source_open(ctx, path, ART_SOURCE_FILE, &src);
  if (st != ART_OK)
    return st;
  st = art_win_parse_source(ctx, src, path, kind, kind_out, fn, user);
  art_source_free(src);
  return st;
}

int art_win_filetime(uint64_t ft, int64_t *sec, uint32_t *nsec)
{
  /* 1601-01-01 .. 9999-12-31T23:59:59.9999999 */
  if (ft == 0 || ft > UINT64_C(2650467743999999999))
    return 0;
  *sec = (int64_t)(ft / 10000000u) - INT64_C(11644473600);
  *nsec = (uint32_t)(ft % 10000000u) * 100u;
  return 1;
}

void win_ft_text(uint64_t ft, char *buf, size_t len)
{
  int64_t s;
  uint32_t ns;
  if (!art_win_filetime(ft, &s, &ns)) {
    snprintf(buf, len, "-");
    return;
  }
  time_t t = (time_t)s;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(buf, len, "-");
    return;
  }
  snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%07uZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           ns / 100u);
}

/* ------------------------------------------------------------- records */

static int rec_reserve(win_rec *r, size_t extra)
{
  if (r->len + extra + 1 <= r->cap)
    return 0;
  size_t cap = r->cap ? r->cap : 512;
  while (cap < r->len + extra + 1)
    cap *= 2;
  char *p = realloc(r->buf, cap);
  if (!p) {
    r->oom = 1;
    return -1;
  }
  r->buf = p;
  r->cap = cap;
  return 0;
}

static void rec_vadd(win_rec *r, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  size_t room = r->cap > r->len ? r->cap - r->len : 0;
  int n = vsnprintf(room ? r->buf + r->len : NULL, room, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    r->oom = 1;
    return;
  }
  if ((size_t)n >= room) {
    /* did not fit: format into a copy first, since an argument may point
     * into the buffer that growing it would move */
    char *tmp = malloc((size_t)n + 1);
    if (!tmp) {
      r->oom = 1;
      return;
    }
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    if (rec_reserve(r, (size_t)n + 1)) {
      free(tmp);
      r->oom = 1;
      return;
    }
    memcpy(r->buf + r->len, tmp, (size_t)n + 1);
    free(tmp);
  }
  r->len += (size_t)n + 1; /* keep the NUL */
}

/* Printable ASCII or valid UTF-8 without control characters: nothing to
 * escape (the common case, checked before copying). */
static int clean_text(const unsigned char *u, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned c = u[i];
    if (c >= 0x20 && c < 0x7F)
      continue;
    if (c < 0xC2 || c > 0xF4)
      return 0;
    size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + want > n)
      return 0;
    for (size_t k = 1; k < want; k++)
      if ((u[i + k] & 0xC0) != 0x80)
        return 0;
    if ((c == 0xE0 && u[i + 1] < 0xA0) || (c == 0xED && u[i + 1] >= 0xA0) ||
        (c == 0xF0 && u[i + 1] < 0x90) || (c == 0xF4 && u[i + 1] >= 0x90))
      return 0;
    i += want - 1;
  }
  return 1;
}

static void rec_addn(win_rec *r, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  if (r->buf && s >= r->buf && s < r->buf + r->cap) {
    /* a value already in the record: growing would move it */
    char *tmp = malloc(n + 1);
    if (!tmp) {
      r->oom = 1;
      return;
    }
    memcpy(tmp, s, n);
    rec_addn(r, tmp, n);
    free(tmp);
    return;
  }
  if (rec_reserve(r, n * 4 + 1))
    return;
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = u[i];
    size_t l = 0;
    if (c >= 0x20 && c < 0x7F) {
      l = 1; /* a run of printable ASCII, copied at once */
      while (i + l < n && u[i + l] >= 0x20 && u[i + l] < 0x7F)
        l++;
    } else if (c >= 0xC2 && c <= 0xF4) {
      size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (i + want <= n) {
        l = want;
        for (size_t k = 1; k < want; k++)
          if ((u[i + k] & 0xC0) != 0x80)
            l = 0;
        if (l == 3 &&
            ((c == 0xE0 && u[i + 1] < 0xA0) || (c == 0xED && u[i + 1] >= 0xA0)))
          l = 0;
        if (l == 4 &&
            ((c == 0xF0 && u[i + 1] < 0x90) || (c == 0xF4 && u[i + 1] >= 0x90)))
          l = 0;
      }
    }
    if (l) {
      memcpy(r->buf + r->len, u + i, l);
      r->len += l;
      i += l;
    } else {
      char *o = r->buf + r->len;
      o[0] = '\\';
      o[1] = 'x';
      o[2] = hex[c >> 4];
      o[3] = hex[c & 15];
      r->len += 4;
      i++;
    }
  }
  r->buf[r->len++] = '\0';
}

void win_rec_reset(win_rec *r)
{
  r->len = 0;
  r->nattr = 0;
  r->oom = 0;
}

void win_rec_free(win_rec *r)
{
  free(r->buf);
  memset(r, 0, sizeof *r);
}

void win_attr(win_rec *r, const char *key, const char *fmt, ...)
{
  if (r->nattr >= WIN_MAX_ATTRS)
    return;
  size_t at = r->len;
  va_list ap;
  va_start(ap, fmt);
  if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
    /* a string as it is, unformatted (rec_addn validates it the same way) */
    const char *v = va_arg(ap, const char *);
    va_end(ap);
    win_attrn(r, key, v, v ? strlen(v) : 0);
    return;
  }
  rec_vadd(r, fmt, ap);
  va_end(ap);
  if (r->oom)
    return;
  /* formatted values may hold bytes from the artifact: make them valid */
  size_t n = r->len - at - 1;
  if (clean_text((const unsigned char *)r->buf + at, n)) {
    r->keys[r->nattr] = key;
    r->voff[r->nattr++] = at;
    return;
  }
  char *tmp = malloc(n + 1);
  if (!tmp) {
    r->oom = 1;
    return;
  }
  memcpy(tmp, r->buf + at, n);
  r->len = at;
  rec_addn(r, tmp, n);
  free(tmp);
  if (r->oom)
    return;
  r->keys[r->nattr] = key;
  r->voff[r->nattr++] = at;
}

void win_attrn(win_rec *r, const char *key, const char *s, size_t n)
{
  if (r->nattr >= WIN_MAX_ATTRS)
    return;
  size_t at = r->len;
  rec_addn(r, s ? s : "", s ? n : 0);
  if (r->oom)
    return;
  r->keys[r->nattr] = key;
  r->voff[r->nattr++] = at;
}

void win_attr_dyn(
    win_rec *r, const char *key, size_t klen, const char *s, size_t n)
{
  if (r->nattr >= WIN_MAX_ATTRS)
    return;
  size_t ko = r->len;
  rec_addn(r, key, klen);
  size_t vo = r->len;
  rec_addn(r, s ? s : "", s ? n : 0);
  if (r->oom)
    return;
  r->keys[r->nattr] = NULL;
  r->koff[r->nattr] = ko;
  r->voff[r->nattr++] = vo;
}

const char *win_attr_get(const win_rec *r, const char *key)
{
  for (size_t i = 0; i < r->nattr; i++)
    if (strcmp(r->keys[i] ? r->keys[i] : r->buf + r->koff[i], key) == 0)
      return r->buf + r->voff[i];
  return NULL;
}

static art_status emit_v(win_rec *r,
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
                         va_list ap)
{
  size_t mark = r->len;
  size_t at = r->len;
  rec_vadd(r, msg, ap);
  if (!r->oom &&
      !clean_text((const unsigned char *)r->buf + at, r->len - at - 1)) {
    size_t n = r->len - at - 1;
    char *tmp = malloc(n + 1);
    if (tmp) {
      memcpy(tmp, r->buf + at, n);
      r->len = at;
      rec_addn(r, tmp, n);
      free(tmp);
    } else {
      r->oom = 1;
    }
  }
  if (r->oom) {
    r->len = mark;
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "artifact event");
  }
  art_win_attr attrs[WIN_MAX_ATTRS];
  for (size_t i = 0; i < r->nattr; i++) {
    attrs[i].key = r->keys[i] ? r->keys[i] : r->buf + r->koff[i];
    attrs[i].value = r->buf + r->voff[i];
  }
  art_win_event ev = {sec,        nsec,        data_type, desc,    source,
                      sourcetype, r->buf + at, attrs,     r->nattr};
  art_status st = fn(user, &ev);
  r->len = mark; /* the message is per event; attributes stay */
  return st;
}

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
                    ...)
{
  if (sec == 0 && nsec == 0)
    return ART_OK;
  va_list ap;
  va_start(ap, msg);
  art_status st = emit_v(r, ctx, fn, user, sec, nsec, data_type, desc, source,
                         sourcetype, msg, ap);
  va_end(ap);
  return st;
}

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
                       ...)
{
  int64_t sec;
  uint32_t nsec;
  if (!art_win_filetime(filetime, &sec, &nsec))
    return ART_OK;
  va_list ap;
  va_start(ap, msg);
  art_status st = emit_v(r, ctx, fn, user, sec, nsec, data_type, desc, source,
                         sourcetype, msg, ap);
  va_end(ap);
  return st;
}

/* ---------------------------------------------------------------- input */

art_status win_read_at(
    art_ctx *ctx, const art_win_input *in, uint64_t off, void *buf, size_t len)
{
  size_t done = 0;
  while (done < len) {
    size_t got = 0;
    art_status st =
        in->read(in->user, off + done, (char *)buf + done, len - done, &got);
    if (st != ART_OK)
      return st;
    if (got == 0)
      return art__set_error(ctx, ART_ERR_CORRUPT, 0,
                            "%s: truncated at byte %llu", in->name,
                            (unsigned long long)(off + done));
    done += got;
  }
  return ART_OK;
}

art_status
win_load(art_ctx *ctx, const art_win_input *in, unsigned char **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  if (in->size > ART_WIN_MAX_LOAD)
    return art__set_error(ctx, ART_ERR_LIMIT, 0,
                          "%s: %llu bytes, more than the %llu this parser "
                          "loads",
                          in->name, (unsigned long long)in->size,
                          (unsigned long long)ART_WIN_MAX_LOAD);
  if (in->size == 0)
    return art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: empty file", in->name);
  unsigned char *p = malloc((size_t)in->size);
  if (!p)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
  art_status st = win_read_at(ctx, in, 0, p, (size_t)in->size);
  if (st != ART_OK) {
    free(p);
    return st;
  }
  *out = p;
  *n = (size_t)in->size;
  return ART_OK;
}

/* ---------------------------------------------------------------- text */

int win_put_utf8(char *o, unsigned cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t win_utf16_to(char *o, const unsigned char *p, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned u = win_le16(p + 2 * i);
    if (u < 0x80) {
      if (!u)
        break;
      o[k++] = (char)u;
      continue;
    }
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
      unsigned v = win_le16(p + 2 * i + 2);
      if (v >= 0xDC00 && v <= 0xDFFF) {
        k += (size_t)win_put_utf8(o + k, 0x10000 + ((u - 0xD800) << 10) +
                                             (v - 0xDC00));
        i++;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) {
      static const char hx[] = "0123456789abcdef";
      o[k++] = '\\';
      o[k++] = 'u';
      o[k++] = hx[u >> 12];
      o[k++] = hx[(u >> 8) & 15];
      o[k++] = hx[(u >> 4) & 15];
      o[k++] = hx[u & 15];
      continue;
    }
    k += (size_t)win_put_utf8(o + k, u);
  }
  return k;
}

int win_utf16(const unsigned char *p, size_t n, char **out, size_t *outlen)
{
  char *o = malloc(n * 6 + 1);
  if (!o)
    return -1;
  size_t k = win_utf16_to(o, p, n);
  o[k] = '\0';
  *out = o;
  if (outlen)
    *outlen = k;
  return 0;
}

int win_ansi(const unsigned char *p, size_t n, char **out)
{
  char *o = malloc(n * 2 + 1);
  if (!o)
    return -1;
  size_t k = 0;
  for (size_t i = 0; i < n && p[i]; i++)
    k += (size_t)win_put_utf8(o + k, p[i]);
  o[k] = '\0';
  *out = o;
  return 0;
}

/* A bounds-checked read-only memory handle for the libyal readers.
 * libbfio 20170123's own memory range let libevt read past the end of the
 * buffer on a damaged log (SIGSEGV in memcpy, found with a byte-flipped
 * SysEvent.Evt); these callbacks clamp every read to the data. */
typedef struct mem_io {
  const uint8_t *p;
  size_t n;
  uint64_t off;
} mem_io;

static int mem_free(intptr_t **io, libbfio_error_t **err)
{
  (void)err;
  free(*io);
  *io = NULL;
  return 1;
}
static int mem_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **err)
{
  (void)err;
  mem_io *c = malloc(sizeof *c);
  if (!c)
    return -1;
  memcpy(c, src, sizeof *c);
  c->off = 0;
  *dst = (intptr_t *)c;
  return 1;
}
static int mem_open(intptr_t *io, int flags, libbfio_error_t **err)
{
  (void)err;
  ((mem_io *)io)->off = 0;
  return (flags & 2) ? -1 : 1; /* LIBBFIO_ACCESS_FLAG_WRITE */
}
static int mem_close(intptr_t *io, libbfio_error_t **err)
{
  (void)io;
  (void)err;
  return 0;
}
static ssize_t
mem_read(intptr_t *io, uint8_t *buf, size_t size, libbfio_error_t **err)
{
  (void)err;
  mem_io *m = (mem_io *)io;
  if (!buf || size > SSIZE_MAX)
    return -1;
  if (m->off >= m->n)
    return 0;
  size_t k = m->n - (size_t)m->off;
  if (k > size)
    k = size;
  memcpy(buf, m->p + m->off, k);
  m->off += k;
  return (ssize_t)k;
}
static ssize_t
mem_write(intptr_t *io, const uint8_t *buf, size_t size, libbfio_error_t **err)
{
  (void)io;
  (void)buf;
  (void)size;
  (void)err;
  return -1; /* evidence is read-only */
}
static off64_t
mem_seek(intptr_t *io, off64_t off, int whence, libbfio_error_t **err)
{
  (void)err;
  mem_io *m = (mem_io *)io;
  int64_t base = whence == SEEK_SET   ? 0
                 : whence == SEEK_CUR ? (int64_t)m->off
                 : whence == SEEK_END ? (int64_t)m->n
                                      : -1;
  if (base < 0 || (off < 0 && -off > base) ||
      (off > 0 && off > INT64_MAX - base))
    return -1;
  m->off = (uint64_t)(base + off);
  return (off64_t)m->off;
}
static int mem_exists(intptr_t *io, libbfio_error_t **err)
{
  (void)io;
  (void)err;
  return 1;
}
static int mem_open_q(intptr_t *io, libbfio_error_t **err)
{
  (void)io;
  (void)err;
  return 1;
}
static int mem_size(intptr_t *io, size64_t *size, libbfio_error_t **err)
{
  (void)err;
  *size = ((mem_io *)io)->n;
  return 1;
}

art_status win_lib_fail(
    art_ctx *ctx, art_status st, const char *name, const char *what, char *msg)
{
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return art__set_error(ctx, st, 0, "%s: %s%s%s", name, what,
                        msg[0] ? ": " : "", msg);
}

int win_bfio_open(win_bfio_init_fn init,
                  const void *data,
                  size_t n,
                  libbfio_handle_t **h)
{
  mem_io *m = malloc(sizeof *m);
  if (!m)
    return -1;
  m->p = data;
  m->n = n;
  m->off = 0;
  libbfio_error_t *e = NULL;
  if (init(h, (intptr_t *)m, mem_free, mem_clone, mem_open, mem_close, mem_read,
           mem_write, mem_seek, mem_exists, mem_open_q, mem_size,
           LIBBFIO_FLAG_IO_HANDLE_MANAGED, &e) != 1) {
    /* the error belongs to INIT's libbfio (maybe another namespace): it
     * is left unfreed rather than freed by the wrong copy */
    free(m);
    *h = NULL;
    return -1;
  }
  return 1;
}

int win_dlmopen(const char *lib, void **h, void **bfio, char *err, size_t n)
{
  *h = dlmopen(LM_ID_NEWLM, lib, RTLD_NOW | RTLD_LOCAL);
  *bfio = NULL;
  if (!*h) {
    snprintf(err, n, "cannot load %s: %s", lib, dlerror());
    return -1;
  }
  Lmid_t id;
  if (dlinfo(*h, RTLD_DI_LMID, &id) == 0)
    *bfio = dlmopen(id, "libbfio.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!*bfio) {
    snprintf(err, n, "cannot load libbfio: %s", dlerror());
    return -1;
  }
  return 0;
}

int win_dlsym(
    void *h, void *bfio, const char *name, void **fn, char *err, size_t n)
{
  void *p = dlsym(strncmp(name, "libbfio_", 8) == 0 ? bfio : h, name);
  if (!p) {
    snprintf(err, n, "no %s in the loaded library", name);
    return -1;
  }
  memcpy(fn, &p, sizeof p);
  return 0;
}
