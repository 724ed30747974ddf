/* Timeline helpers: byte buffers, name escaping, display names, ISO times.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "timeline_private.h"

int art__tl_buf_grow(art__tl_buf *b, size_t extra)
{
  if (b->len + extra + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p)
    return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

char *art__tl_dec(char *p, uint64_t v)
{
  char t[20];
  size_t i = sizeof t;
  do {
    t[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  memcpy(p, t + i, sizeof t - i);
  return p + (sizeof t - i);
}

int art__tl_buf_addu(art__tl_buf *b, uint64_t v)
{
  char t[20];
  return art__tl_buf_add(b, t, (size_t)(art__tl_dec(t, v) - t));
}

int art__tl_buf_addf(art__tl_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char tmp[256];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  if ((size_t)n < sizeof tmp)
    return art__tl_buf_add(b, tmp, (size_t)n);
  if (art__tl_buf_reserve(b, (size_t)n))
    return -1;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void art__tl_buf_free(art__tl_buf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  unsigned cp = c & (0x7Fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

static int add_hex(art__tl_buf *b, unsigned char c)
{
  static const char hex[] = "0123456789abcdef";
  char t[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
  return art__tl_buf_add(b, t, 4);
}

int art__tl_escape(art__tl_buf *b, const char *str, size_t n, int mode)
{
  const unsigned char *s = (const unsigned char *)str;
  if (art__tl_buf_reserve(b, n))
    return -1;
  if (mode == TL_ESC_RAW)
    return art__tl_buf_add(b, str, n);
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (mode == TL_ESC_TSK) {
      if (art__tl_buf_addc(b, c < 0x20 ? '^' : (char)c))
        return -1;
      i++;
      continue;
    }
    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '|') {
      size_t j = i + 1; /* a run of plain ASCII, copied at once */
      while (j < n && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '\\' &&
             s[j] != '|')
        j++;
      if (art__tl_buf_add(b, s + i, j - i))
        return -1;
      i = j;
      continue;
    }
    if (c == '\\' || (c == '|' && mode == TL_ESC_BODY)) {
      char t[2] = {'\\', (char)c};
      if (art__tl_buf_add(b, t, 2))
        return -1;
      i++;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      if (add_hex(b, c))
        return -1;
      i++;
      continue;
    }
    size_t l = utf8_len(s + i, n - i);
    if (l == 0) {
      if (add_hex(b, c))
        return -1;
      i++;
      continue;
    }
    if (art__tl_buf_add(b, s + i, l))
      return -1;
    i += l;
  }
  return 0;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

size_t art__tl_unescape(char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n) {
      char c = s[i + 1];
      if (c == '\\' || c == '|') {
        s[o++] = c;
        i++;
        continue;
      }
      if (c == 'x' && i + 3 < n && hexval(s[i + 2]) >= 0 &&
          hexval(s[i + 3]) >= 0) {
        s[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
        i += 3;
        continue;
      }
    }
    s[o++] = s[i];
  }
  return o;
}

int art__tl_display_name(art__tl_buf *b, const art__tl_entry *e, int mode)
{
  if (e->verbatim) /* body-file input: the name as read, same rules */
    return art__tl_escape(b, e->path, e->path_len, mode);
  if (art__tl_buf_addc(b, '/') || art__tl_escape(b, e->path, e->path_len, mode))
    return -1;
  if (e->ads && (art__tl_buf_addc(b, ':') ||
                 art__tl_escape(b, e->ads, strlen(e->ads), mode)))
    return -1;
  if (e->fn && art__tl_buf_adds(b, " ($FILE_NAME)"))
    return -1;
  if (e->link) {
    if (art__tl_buf_adds(b, " -> "))
      return -1;
    /* fls writes the link target without any sanitising */
    if (mode == TL_ESC_TSK || mode == TL_ESC_RAW
            ? art__tl_buf_adds(b, e->link)
            : art__tl_escape(b, e->link, strlen(e->link), mode))
      return -1;
  }
  if (e->alloc == TL_DELETED && art__tl_buf_adds(b, " (deleted)"))
    return -1;
  if (e->alloc == TL_REALLOC && art__tl_buf_adds(b, " (deleted-realloc)"))
    return -1;
  return 0;
}

int art__tl_mount_name(art__tl_buf *d, const char *mount, art__tl_entry *e)
{
  d->len = 0;
  if (art__tl_buf_adds(d, mount) || art__tl_display_name(d, e, TL_ESC_RAW))
    return -1;
  e->path = d->p;
  e->path_len = d->len;
  e->verbatim = 1;
  return 0;
}

static const char *const kind_names[ART_TIMELINE_KIND_COUNT_] = {
    "m", "a", "c", "b", "d", "fn_m", "fn_a", "fn_c", "fn_b"};

/* plaso's timestamp_desc vocabulary (data/timeliner.yaml). */
static const char *const kind_descs[ART_TIMELINE_KIND_COUNT_] = {
    "Content Modification Time",   "Last Access Time",
    "Metadata Modification Time",  "Creation Time",
    "Content Deletion Time",       "$FILE_NAME Content Modification Time",
    "$FILE_NAME Last Access Time", "$FILE_NAME Metadata Modification Time",
    "$FILE_NAME Creation Time"};

const char *art__tl_kind_name(art_timeline_kind k)
{
  return (unsigned)k < ART_TIMELINE_KIND_COUNT_ ? kind_names[k] : "?";
}

const char *art__tl_kind_desc(art_timeline_kind k)
{
  return (unsigned)k < ART_TIMELINE_KIND_COUNT_ ? kind_descs[k] : "Unknown";
}

int art__tl_iso(char *buf, size_t len, int64_t sec, uint32_t nsec, int digits)
{
  time_t t = (time_t)sec;
  struct tm tm;
  if (!localtime_r(&t, &tm))
    return -1;
  long off = tm.tm_gmtoff;
  char sign = off < 0 ? '-' : '+';
  if (off < 0)
    off = -off;
  char frac[16] = "";
  if (digits == 6)
    snprintf(frac, sizeof frac, ".%06u", nsec / 1000u);
  else if (digits == 9)
    snprintf(frac, sizeof frac, ".%09u", nsec);
  long long year = (long long)tm.tm_year + 1900;
  int n = snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d%s%c%02ld:%02ld",
                   year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, frac, sign, off / 3600, (off % 3600) / 60);
  return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

void art__tl_ns(char *buf, size_t len, int64_t sec, uint32_t nsec)
{
  /* sec * 10^9 + nsec in decimal, without overflow (years 1..9999 exceed
   * int64 nanoseconds); -10.5 s is stored as sec -11, nsec 500000000 */
  int neg = sec < 0;
  uint64_t s = neg ? (uint64_t)(-(sec + (nsec ? 1 : 0))) : (uint64_t)sec;
  uint32_t f = neg && nsec ? 1000000000u - nsec : nsec;
  /* digits from the right: f (9 digits when s is not 0), then s */
  char t[48];
  size_t i = sizeof t;
  t[--i] = '\0';
  for (int k = 0; k < 9 && (s || f || k == 0); k++) {
    t[--i] = (char)('0' + f % 10);
    f /= 10;
  }
  while (s) {
    t[--i] = (char)('0' + s % 10);
    s /= 10;
  }
  if (neg && (t[i] != '0' || t[i + 1]))
    t[--i] = '-';
  size_t n = sizeof t - i;
  if (len) {
    if (n > len)
      n = len; /* never in practice: callers give 48 bytes */
    memcpy(buf, t + i, n);
    buf[n - 1] = '\0';
  }
}

static char type_char(unsigned m)
{
  switch (m & S_IFMT) {
  case S_IFREG:
    return 'r';
  case S_IFDIR:
    return 'd';
  case S_IFLNK:
    return 'l';
  case S_IFCHR:
    return 'c';
  case S_IFBLK:
    return 'b';
  case S_IFIFO:
    return 'p';
  case S_IFSOCK:
    return 's';
  default:
    return '-';
  }
}

void art__tl_mode_str(char *out, size_t len, unsigned m)
{
  char t = type_char(m);
  char p[10];
  const char *rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++)
    p[i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
  if (m & S_ISUID)
    p[2] = (m & S_IXUSR) ? 's' : 'S';
  if (m & S_ISGID)
    p[5] = (m & S_IXGRP) ? 's' : 'S';
  if (m & S_ISVTX)
    p[8] = (m & S_IXOTH) ? 't' : 'T';
  snprintf(out, len, "%c/%c%.9s", t, t, p);
}
