/* Timeline job: options, source table, filters and dispatch to the writers.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/datefmt_private.h"
#include "timeline_private.h"

#define DEFAULT_MEMORY ((size_t)256 << 20)

art_status art_timeline_new(art_ctx *ctx, art_timeline **out)
{
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "timeline: no output");
  *out = NULL;
  art_timeline *tl = art__calloc(ctx, 1, sizeof *tl);
  if (!tl)
    return ART_ERR_NOMEM;
  tl->format = ART_TIMELINE_BODY;
  tl->out = stdout;
  tl->kinds = ART_TIMELINE_KINDS_ALL;
  tl->memory = DEFAULT_MEMORY;
  tl->fs_tz = art__strdup(ctx, "UTC");
  tl->display_tz = art__strdup(ctx, "UTC");
  if (!tl->fs_tz || !tl->display_tz) {
    art_timeline_free(tl);
    return ART_ERR_NOMEM;
  }
  *out = tl;
  return ART_OK;
}

void art_timeline_free(art_timeline *tl)
{
  if (!tl)
    return;
  for (size_t i = 0; i < tl->nsrcs; i++) {
    free(tl->srcs[i].evidence);
    free(tl->srcs[i].origin);
    free(tl->srcs[i].fs_type);
    free(tl->srcs[i].tz);
    free(tl->srcs[i].sha256);
  }
  free(tl->srcs);
  art__tl_sorter_free(tl->sorter);
  art__tl_buf_free(&tl->scratch);
  art__tl_buf_free(&tl->key);
  art__tl_buf_free(&tl->pay);
  art__tl_dups_free(tl->dups);
  art__tl_mac_free(tl->mac);
  free(tl->display_tz);
  free(tl->fs_tz);
  free(tl->fs_codepage);
  free(tl->prefix);
  free(tl->tmpdir);
  art__tl_strv_free(tl->only);
  art__tl_strv_free(tl->exclude);
  art__tl_merge_free(tl);
  free(tl);
}

art_status art_timeline_format_from_name(const char *name,
                                         art_timeline_format *out)
{
  static const struct {
    const char *n;
    art_timeline_format f;
  } t[] = {{"body", ART_TIMELINE_BODY},
           {"mactime", ART_TIMELINE_MACTIME},
           {"l2tcsv", ART_TIMELINE_L2TCSV},
           {"jsonl", ART_TIMELINE_JSONL},
           {"html", ART_TIMELINE_HTML}};
  for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
    if (strcmp(name, t[i].n) == 0) {
      *out = t[i].f;
      return ART_OK;
    }
  return ART_ERR_INVALID_ARG;
}

art_status art_timeline_kinds_from_string(const char *list, unsigned *mask)
{
  unsigned m = 0;
  const char *p = list;
  if (!list || !*list)
    return ART_ERR_INVALID_ARG;
  while (*p) {
    size_t n = strcspn(p, ",");
    int found = 0;
    for (unsigned k = 0; k < ART_TIMELINE_KIND_COUNT_; k++) {
      const char *kn = art__tl_kind_name((art_timeline_kind)k);
      if (strlen(kn) == n && strncmp(p, kn, n) == 0) {
        m |= ART_TIMELINE_KIND_BIT(k);
        found = 1;
      }
    }
    if (!found) { /* letters run together: "macb" */
      for (size_t i = 0; i < n; i++) {
        const char *pos = strchr("macbd", p[i]);
        if (!pos || !p[i])
          return ART_ERR_INVALID_ARG;
        m |= ART_TIMELINE_KIND_BIT(pos - "macbd");
      }
    }
    p += n;
    if (*p == ',')
      p++;
  }
  *mask = m;
  return ART_OK;
}

static int digits(const char *s, int n, int *v)
{
  int r = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    r = r * 10 + (s[i] - '0');
  }
  *v = r;
  return 0;
}

art_status art_timeline_parse_time(const char *text, int64_t *sec)
{
  if (!text || !sec)
    return ART_ERR_INVALID_ARG;
  if (text[0] == '@') {
    char *end;
    errno = 0;
    long long v = strtoll(text + 1, &end, 10);
    if (errno || end == text + 1 || *end)
      return ART_ERR_INVALID_ARG;
    *sec = v;
    return ART_OK;
  }
  int y, mo, d, h = 0, mi = 0, s = 0;
  size_t len = strlen(text);
  if (len < 10 || digits(text, 4, &y) || text[4] != '-' ||
      digits(text + 5, 2, &mo) || text[7] != '-' || digits(text + 8, 2, &d))
    return ART_ERR_INVALID_ARG;
  const char *p = text + 10;
  long off = 0;
  if (*p == 'T' || *p == ' ') {
    if (strlen(p) < 9 || digits(p + 1, 2, &h) || p[3] != ':' ||
        digits(p + 4, 2, &mi) || p[6] != ':' || digits(p + 7, 2, &s))
      return ART_ERR_INVALID_ARG;
    p += 9;
    if (*p == '.')
      for (p++; isdigit((unsigned char)*p); p++)
        ;
    if (*p == 'Z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int oh, om;
      if (strlen(p) != 6 || digits(p + 1, 2, &oh) || p[3] != ':' ||
          digits(p + 4, 2, &om))
        return ART_ERR_INVALID_ARG;
      off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
      p += 6;
    }
  }
  if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return ART_ERR_INVALID_ARG;
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *sec = (int64_t)timegm(&tm) - off;
  return ART_OK;
}

void art_timeline_set_format(art_timeline *tl, art_timeline_format f)
{
  tl->format = f;
}
void art_timeline_set_output(art_timeline *tl, FILE *out)
{
  tl->out = out;
}
void art_timeline_set_tsk_compat(art_timeline *tl, int on)
{
  tl->tsk_compat = on;
}
void art_timeline_set_range(
    art_timeline *tl, int has_from, int64_t from, int has_to, int64_t to)
{
  tl->has_from = has_from;
  tl->from = from;
  tl->has_to = has_to;
  tl->to = to;
}

static art_status set_str(art_ctx *ctx, char **dst, const char *v)
{
  char *c = NULL;
  if (v && !(c = art__strdup(ctx, v)))
    return ART_ERR_NOMEM;
  free(*dst);
  *dst = c;
  return ART_OK;
}

static int tz_ok(const char *tz)
{
  /* a zone name: a file under the zoneinfo tree, or UTC/GMT */
  return tz && *tz != ':' && art__date_zone_ok(tz);
}

art_status art_timeline_set_display_timezone(art_ctx *ctx,
                                             art_timeline *tl,
                                             const char *tz)
{
  if (!tz_ok(tz))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "%s: unknown time zone",
                          tz ? tz : "(null)");
  return set_str(ctx, &tl->display_tz, tz);
}

art_status
art_timeline_set_fs_timezone(art_ctx *ctx, art_timeline *tl, const char *tz)
{
  if (!tz_ok(tz))
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "%s: unknown time zone",
                          tz ? tz : "(null)");
  return set_str(ctx, &tl->fs_tz, tz);
}

art_status art_timeline_set_fs_codepage(art_ctx *ctx,
                                        art_timeline *tl,
                                        const char *codepage)
{
  if (codepage) {
    iconv_t cd = iconv_open("UTF-8", codepage);
    if (cd == (iconv_t)-1)
      return art__set_error(ctx, ART_ERR_INVALID_ARG, 0,
                            "%s: unknown code page", codepage);
    iconv_close(cd);
  }
  return set_str(ctx, &tl->fs_codepage, codepage);
}

art_status
art_timeline_set_path_prefix(art_ctx *ctx, art_timeline *tl, const char *prefix)
{
  art_status st = set_str(ctx, &tl->prefix, prefix);
  tl->prefix_len = tl->prefix ? strlen(tl->prefix) : 0;
  return st;
}

void art_timeline_set_deleted_only(art_timeline *tl, int on)
{
  tl->deleted_only = on;
}
void art_timeline_set_kinds(art_timeline *tl, unsigned mask)
{
  tl->kinds = mask;
}
void art_timeline_set_memory(art_timeline *tl, size_t bytes)
{
  tl->memory = bytes;
}
art_status
art_timeline_set_tmpdir(art_ctx *ctx, art_timeline *tl, const char *dir)
{
  return set_str(ctx, &tl->tmpdir, dir);
}
void art_timeline_set_offset(art_timeline *tl, int has, uint64_t sectors)
{
  tl->has_offset = has;
  tl->offset_sectors = sectors;
}
void art_timeline_set_hash_evidence(art_timeline *tl, int on)
{
  tl->hash_evidence = on;
}
void art_timeline_set_no_orphans(art_timeline *tl, int on)
{
  tl->no_orphans = on;
}
void art_timeline_set_progress(art_timeline *tl,
                               art_timeline_progress_fn fn,
                               void *user)
{
  tl->progress = fn;
  tl->progress_user = user;
}
void art_timeline_set_problem(art_timeline *tl,
                              art_timeline_problem_fn fn,
                              void *user)
{
  tl->problem = fn;
  tl->problem_user = user;
}

const art_timeline_stats *art_timeline_get_stats(const art_timeline *tl)
{
  return &tl->stats;
}

void art__tl_problem(art_timeline *tl, art_status st, const char *fmt, ...)
{
  tl->stats.problems++;
  if (!tl->problem && !tl->relay)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, _(fmt), ap); /* printed for a person */
  va_end(ap);
  art__i18n_relocalize(msg, sizeof msg);
  if (tl->relay)
    art__tl_relay_problem(tl, st, msg);
  else
    tl->problem(tl->problem_user, st, msg);
}

void art__tl_note(art_timeline *tl, const char *fmt, ...)
{
  if (!tl->problem && !tl->relay)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, _(fmt), ap);
  va_end(ap);
  art__i18n_relocalize(msg, sizeof msg);
  if (tl->relay)
    art__tl_relay_problem(tl, ART_OK, msg);
  else
    tl->problem(tl->problem_user, ART_OK, msg);
}

int art__tl_source_add(art_ctx *ctx,
                       art_timeline *tl,
                       const char *evidence,
                       const char *origin,
                       const char *fs_type,
                       const char *tz,
                       int has_offset,
                       uint64_t offset)
{
  if (tl->nsrcs == tl->capsrcs) {
    size_t cap = tl->capsrcs ? tl->capsrcs * 2 : 8;
    art__tl_source *s = realloc(tl->srcs, cap * sizeof *s);
    if (!s) {
      art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "timeline sources");
      return -1;
    }
    tl->srcs = s;
    tl->capsrcs = cap;
  }
  art__tl_source *s = &tl->srcs[tl->nsrcs];
  memset(s, 0, sizeof *s);
  s->evidence = art__strdup(ctx, evidence ? evidence : "");
  s->origin = art__strdup(ctx, origin ? origin : "");
  s->fs_type = art__strdup(ctx, fs_type ? fs_type : "");
  s->tz = tz ? art__strdup(ctx, tz) : NULL;
  s->has_offset = has_offset;
  s->fs_offset = offset;
  s->sha256 = NULL;
  if (tl->cur_sha256 && !(s->sha256 = art__strdup(ctx, tl->cur_sha256))) {
    free(s->evidence);
    free(s->origin);
    free(s->fs_type);
    free(s->tz);
    return -1;
  }
  if (!s->evidence || !s->origin || !s->fs_type || (tz && !s->tz)) {
    free(s->evidence);
    free(s->origin);
    free(s->fs_type);
    free(s->tz);
    return -1;
  }
  if (tl->relay && art__tl_relay_source(tl, (int)tl->nsrcs) != ART_OK)
    return -1;
  return (int)tl->nsrcs++;
}

static int in_range(const art_timeline *tl, int64_t sec)
{
  if (tl->has_from && sec < tl->from)
    return 0;
  if (tl->has_to && sec >= tl->to)
    return 0;
  return 1;
}

static int prefix_ok(art_timeline *tl, const art__tl_entry *e)
{
  if (!tl->prefix || !tl->prefix_len)
    return 1;
  const char *p = tl->prefix;
  size_t n = tl->prefix_len;
  if (!e->verbatim) { /* entry paths have no leading '/' */
    if (*p == '/') {
      p++;
      n--;
    }
  }
  return e->path_len >= n && memcmp(e->path, p, n) == 0;
}

art_status
art__tl_entry_emit(art_ctx *ctx, art_timeline *tl, const art__tl_entry *e)
{
  if (tl->relay)
    return art__tl_relay_entry(tl, e);
  if (tl->write_err)
    return ART_ERR_IO;
  tl->stats.entries++;
  if (tl->progress && (tl->stats.entries & 4095) == 0) {
    art_timeline_progress p = {tl->cur_input, tl->stats.entries,
                               tl->stats.events};
    tl->progress(tl->progress_user, &p);
  }
  if (tl->deleted_only && e->alloc == TL_ALLOC)
    return ART_OK;
  if (!prefix_ok(tl, e))
    return ART_OK;
  if ((tl->only || tl->exclude) &&
      !art__tl_type_ok(tl, e->art ? e->art->data_type : "fs:stat"))
    return ART_OK;
  switch (tl->format) {
  case ART_TIMELINE_BODY: {
    if (tl->has_from || tl->has_to) {
      int any = 0;
      for (int i = 0; i < TL_NSLOTS; i++)
        if (e->t[i].set && in_range(tl, e->t[i].sec))
          any = 1;
      if (!any)
        return ART_OK;
    }
    tl->stats.events++;
    if (art__tl_body_write(tl, e)) {
      tl->write_err = 1;
      return art__set_errno(ctx, errno ? errno : EIO, "writing output");
    }
    tl->stats.rows++;
    return ART_OK;
  }
  case ART_TIMELINE_MACTIME:
    return art__tl_mactime_add(ctx, tl, e);
  default:
    return art__tl_events_add(ctx, tl, e);
  }
}

void art__tl_set_tz(const char *tz)
{
  setenv("TZ", tz && *tz ? tz : "UTC", 1);
  tzset();
}

art_status art_timeline_finish(art_ctx *ctx, art_timeline *tl)
{
  if (tl->finished)
    return ART_OK;
  tl->finished = 1;
  art__tl_set_tz(tl->display_tz);
  art_status st = ART_OK;
  switch (tl->format) {
  case ART_TIMELINE_BODY:
    break;
  case ART_TIMELINE_MACTIME:
    st = art__tl_mactime_finish(ctx, tl);
    break;
  default:
    st = art__tl_events_finish(ctx, tl);
    break;
  }
  if (tl->sorter) {
    tl->stats.runs = art__tl_sorter_runs(tl->sorter);
    if (art__tl_sorter_peak(tl->sorter) > tl->stats.peak_buffer)
      tl->stats.peak_buffer = art__tl_sorter_peak(tl->sorter);
    art__tl_sorter_free(tl->sorter);
    tl->sorter = NULL;
  }
  if (st == ART_OK && (fflush(tl->out) || ferror(tl->out)))
    st = art__set_errno(ctx, errno ? errno : EIO, "writing output");
  return st;
}

void art__tl_strv_free(char **v)
{
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

/* "a,b,c" into a NULL-terminated vector; NULL for an empty list. */
static art_status split_list(art_ctx *ctx, const char *list, char ***out)
{
  *out = NULL;
  if (!list || !*list)
    return ART_OK;
  size_t n = 1;
  for (const char *p = list; *p; p++)
    n += *p == ',';
  char **v = calloc(n + 1, sizeof *v);
  if (!v)
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "data types");
  size_t k = 0;
  const char *p = list;
  while (*p) {
    const char *c = strchr(p, ',');
    size_t l = c ? (size_t)(c - p) : strlen(p);
    if (l) {
      v[k] = strndup(p, l);
      if (!v[k]) {
        art__tl_strv_free(v);
        return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "data types");
      }
      k++;
    }
    p += l + (c ? 1 : 0);
  }
  if (!k) {
    free(v);
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "empty data type list");
  }
  *out = v;
  return ART_OK;
}

art_status art_timeline_set_data_types(art_ctx *ctx,
                                       art_timeline *tl,
                                       const char *only,
                                       const char *exclude)
{
  char **o = NULL, **x = NULL;
  art_status st = split_list(ctx, only, &o);
  if (st == ART_OK)
    st = split_list(ctx, exclude, &x);
  if (st != ART_OK) {
    art__tl_strv_free(o);
    return st;
  }
  art__tl_strv_free(tl->only);
  art__tl_strv_free(tl->exclude);
  tl->only = o;
  tl->exclude = x;
  return ART_OK;
}

/* A pattern matches the data_type exactly, or as a prefix ending in ':'
 * or '*' ("windows:registry:" or "windows:*" match every registry type). */
static int type_match(const char *pat, const char *t)
{
  size_t n = strlen(pat);
  if (n && pat[n - 1] == '*')
    return strncmp(pat, t, n - 1) == 0;
  if (n && pat[n - 1] == ':')
    return strncmp(pat, t, n) == 0;
  return strcmp(pat, t) == 0;
}

int art__tl_type_ok(const art_timeline *tl, const char *t)
{
  if (tl->only) {
    int any = 0;
    for (char **p = tl->only; *p && !any; p++)
      any = type_match(*p, t);
    if (!any)
      return 0;
  }
  if (tl->exclude)
    for (char **p = tl->exclude; *p; p++)
      if (type_match(*p, t))
        return 0;
  return 1;
}

void art_timeline_set_artifacts(art_timeline *tl, unsigned mask)
{
  tl->artifacts = mask;
}

void art_timeline_set_merge_macb(art_timeline *tl, int on)
{
  tl->merge_macb = on;
}

/* plaso's MACB letter for a timestamp_desc (output_mediator
 * GetMACBRepresentation): access-like times are A, written/modified/
 * deleted M, created/added/downloaded/first connected B, entry changes
 * C; others have none. */
int art__tl_desc_slot(const char *d)
{
  static const char *const a[] = {"Last Access Time",
                                  "Account Created",
                                  "Last Visited Time",
                                  "Start Time",
                                  "Last Shutdown Time",
                                  "Last Login Time",
                                  "Last Password Reset",
                                  "Last Connection Time",
                                  "Last Time Executed",
                                  "Last Printed Time",
                                  NULL};
  static const char *const m[] = {"Content Modification Time",
                                  "Content Deletion Time", NULL};
  static const char *const b[] = {"Creation Time", "File Downloaded",
                                  "First Connection Time", NULL};
  static const char *const c[] = {"Metadata Modification Time", NULL};
  const char *const *sets[4] = {m, a, c, b};
  for (int i = 0; i < 4; i++)
    for (const char *const *p = sets[i]; *p; p++)
      if (strcmp(*p, d) == 0)
        return i;
  return -1;
}
