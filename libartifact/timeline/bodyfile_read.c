/* Timeline source: existing body files (TSK 3.x, mac-robber, extended).
 * SPDX-License-Identifier: Apache-2.0
 *
 * A line is md5|name|inode|mode|uid|gid|size|atime|mtime|ctime|crtime. The
 * nine fields after the name are taken from the right (as plaso does), so
 * a raw '|' in a name still parses. Times may be negative and carry a
 * fraction. Names undo our escapes (\\, \| and \xNN). Comment lines (#),
 * blank lines and header lines (mac-robber's class/body lines, ils -m's
 * md5|file|st_ino line) are skipped; malformed lines are counted.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "timeline_private.h"

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
  if (n == 0 || n > 20)
    return -1;
  uint64_t r = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (r > (UINT64_MAX - d) / 10)
      return -1;
    r = r * 10 + d;
  }
  *v = r;
  return 0;
}

/* "[-]SECONDS[.FRACTION]" into t; 0 stays set (mactime reads it as 0). */
static int parse_time(const char *s, size_t n, art__tl_time *t)
{
  int neg = 0;
  if (n && s[0] == '-') {
    neg = 1;
    s++;
    n--;
  }
  size_t dot = 0;
  while (dot < n && s[dot] != '.')
    dot++;
  uint64_t sec;
  if (parse_u64(s, dot, &sec) || sec > (uint64_t)TL_SEC_MAX)
    return -1;
  uint32_t ns = 0;
  if (dot < n) {
    size_t f = n - dot - 1;
    if (f == 0)
      return -1;
    uint32_t scale = 100000000u;
    for (size_t i = 0; i < f; i++) {
      char c = s[dot + 1 + i];
      if (!isdigit((unsigned char)c))
        return -1;
      if (scale) {
        ns += (uint32_t)(c - '0') * scale;
        scale /= 10;
      }
    }
  }
  if (neg) {
    t->sec = -(int64_t)sec;
    if (ns) {
      t->sec -= 1;
      ns = 1000000000u - ns;
    }
  } else {
    t->sec = (int64_t)sec;
  }
  t->nsec = ns;
  t->set = 1;
  return 0;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
  size_t m = strlen(suf);
  return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* Parse LINE (NUL-terminated, no newline) into E. Returns 1 to skip, 0
 * for an entry, -1 if malformed. MODEBUF receives the mode string. */
int art__tl_body_parse(char *line, size_t n, art__tl_entry *e);
int art__tl_body_parse(char *line, size_t n, art__tl_entry *e)
{
  if (n && line[n - 1] == '\r')
    line[--n] = '\0';
  size_t sp = 0;
  if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
    sp = 3; /* a UTF-8 byte order mark on the first line */
  while (sp < n && isspace((unsigned char)line[sp]))
    sp++;
  if (sp == n || line[sp] == '#') /* blank or comment (mactime: ^#) */
    return 1;
  if (!strncmp(line, "class|host|", 11) || !strncmp(line, "body|", 5) ||
      !strncmp(line, "MD5|name|", 9) || !strncmp(line, "md5|file|", 9))
    return 1;
  /* md5 up to the first '|', then 9 fields from the right */
  char *bar = memchr(line, '|', n);
  if (!bar)
    return -1;
  size_t pos[9];
  size_t end = n;
  for (int i = 8; i >= 0; i--) {
    size_t j = end;
    while (j > 0 && line[j - 1] != '|')
      j--;
    if (j == 0 || line + j - 1 <= bar)
      return -1;
    pos[i] = j; /* field i starts at j, ends before end */
    end = j - 1;
    line[end] = '\0';
  }
  /* now: line[0..bar) md5, bar+1 .. end: name; fields at pos[] */
  *bar = '\0';
  memset(e, 0, sizeof *e);
  snprintf(e->md5, sizeof e->md5, "%s", line);
  char *name = bar + 1;
  size_t name_len = (size_t)(line + end - name);
  const char *f[9];
  size_t fl[9];
  for (int i = 0; i < 9; i++) {
    f[i] = line + pos[i];
    fl[i] = strlen(f[i]);
  }
  if (fl[0] == 0 || fl[0] >= sizeof e->inode)
    return -1;
  memcpy(e->inode, f[0], fl[0]);
  e->inode[fl[0]] = '\0';
  uint64_t addr = 0;
  size_t dig = strspn(f[0], "0123456789");
  if (dig && parse_u64(f[0], dig, &addr) == 0)
    e->meta_addr = addr;
  e->mode = f[1];
  /* dfimagetools leaves UID/GID empty when unknown: read as 0 (noted) */
  if ((fl[2] && parse_u64(f[2], fl[2], &e->uid)) ||
      (fl[3] && parse_u64(f[3], fl[3], &e->gid)) ||
      parse_u64(f[4], fl[4], &e->size))
    return -1;
  if (!fl[2] || !fl[3])
    e->empty_ids = 1;
  if (parse_time(f[5], fl[5], &e->t[TL_A]) ||
      parse_time(f[6], fl[6], &e->t[TL_M]) ||
      parse_time(f[7], fl[7], &e->t[TL_C]) ||
      parse_time(f[8], fl[8], &e->t[TL_B]))
    return -1;
  name_len = art__tl_unescape(name, name_len);
  name[name_len] = '\0';
  if (ends_with(name, name_len, " ($DTIME)")) {
    /* our extended form's deletion-time line */
    e->t[TL_D] = e->t[TL_C];
    e->t[TL_A].set = e->t[TL_M].set = e->t[TL_C].set = e->t[TL_B].set = 0;
    name_len -= strlen(" ($DTIME)");
    name[name_len] = '\0';
  }
  size_t base = name_len;
  if (ends_with(name, base, " (deleted)")) {
    e->alloc = TL_DELETED;
  } else if (ends_with(name, base, " (deleted-realloc)")) {
    e->alloc = TL_REALLOC;
  }
  if (strstr(name, " ($FILE_NAME)"))
    e->fn = 1;
  e->path = name;
  e->path_len = name_len;
  e->verbatim = 1;
  return 0;
}

/* Read body lines from F; bad lines are counted in *BAD. */
art_status art__tl_body_read(
    art_ctx *ctx, art_timeline *tl, FILE *f, const char *label, uint64_t *bad);
art_status art__tl_body_read(
    art_ctx *ctx, art_timeline *tl, FILE *f, const char *label, uint64_t *bad)
{
  int si = art__tl_source_add(ctx, tl, label, "bodyfile", "", NULL, 0, 0);
  if (si < 0)
    return ART_ERR_NOMEM;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  art_status st = ART_OK;
  *bad = 0;
  tl->body_noids = 0;
  while ((n = getline(&line, &cap, f)) > 0) {
    size_t len = (size_t)n;
    if (line[len - 1] == '\n')
      line[--len] = '\0';
    if (memchr(line, '\0', len)) { /* NUL inside a line */
      (*bad)++;
      continue;
    }
    art__tl_entry e;
    int r = art__tl_body_parse(line, len, &e);
    if (r < 0) {
      (*bad)++;
      continue;
    }
    if (r > 0)
      continue;
    if (e.empty_ids)
      tl->body_noids++;
    e.src = (uint32_t)si;
    st = art__tl_entry_emit(ctx, tl, &e);
    if (st != ART_OK)
      break;
  }
  if (st == ART_OK && ferror(f))
    st = art__set_errno(ctx, errno ? errno : EIO, "%s", label);
  free(line);
  return st;
}

art_status
art_timeline_add_bodyfile(art_ctx *ctx, art_timeline *tl, const char *path)
{
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f)
    return art__set_errno(ctx, errno, "%s", path);
  tl->cur_input = path;
  uint64_t bad = 0;
  art_status st = art__tl_body_read(ctx, tl, f, path, &bad);
  uint64_t noids = tl->body_noids;
  if (f != stdin)
    fclose(f);
  tl->cur_input = NULL;
  if (noids)
    art__tl_note(tl,
                 "%s: %" PRIu64 " lines with an empty UID or GID field, "
                 "read as 0",
                 path, noids);
  if (st == ART_OK && bad)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: %" PRIu64 " malformed lines skipped", path, bad);
  return st;
}
