/* l2tcsv writer: plaso's 17-column CSV, one row per event.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Columns: date,time,timezone,MACB,source,sourcetype,type,user,host,short,
 * desc,version,filename,inode,notes,format,extra. No quoting: commas in a
 * value become spaces, so every row has 16 commas. date is MM/DD/YYYY and
 * time HH:MM:SS in the display zone (l2tcsv has no fraction; the extra
 * column keeps the nanoseconds).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeline_private.h"

static int add_clean(art__tl_buf *b, const char *s, size_t n)
{
  if (art__tl_buf_reserve(b, n))
    return -1;
  char *o = b->p + b->len;
  size_t i = 0;
  while (i < n) {
    size_t j = i; /* a run without commas or line breaks, copied at once */
    while (j < n && s[j] != ',' && s[j] != '\n' && s[j] != '\r')
      j++;
    memcpy(o, s + i, j - i);
    o += j - i;
    if (j == n)
      break;
    if (s[j] != '\r')
      *o++ = s[j] == ',' ? ' ' : '-';
    i = j + 1;
  }
  b->len = (size_t)(o - b->p);
  b->p[b->len] = '\0';
  return 0;
}

/* Append again the N bytes at AT of B (after the room is made: the buffer
 * may move). */
static int add_again(art__tl_buf *b, size_t at, size_t n)
{
  if (art__tl_buf_reserve(b, n))
    return -1;
  memcpy(b->p + b->len, b->p + at, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

/* "MM/DD/YYYY,HH:MM:SS," written digit by digit (one row per event). */
static int add_date(art__tl_buf *b, const struct tm *tm)
{
  long long y = (long long)tm->tm_year + 1900;
  if (y < 0 || y > 9999)
    return art__tl_buf_addf(b, "%02d/%02d/%04lld,%02d:%02d:%02d,",
                            tm->tm_mon + 1, tm->tm_mday, y, tm->tm_hour,
                            tm->tm_min, tm->tm_sec);
  char t[20];
  int v[6] = {tm->tm_mon + 1, tm->tm_mday, 0,
              tm->tm_hour,    tm->tm_min,  tm->tm_sec};
  t[0] = (char)('0' + v[0] / 10);
  t[1] = (char)('0' + v[0] % 10);
  t[2] = '/';
  t[3] = (char)('0' + v[1] / 10);
  t[4] = (char)('0' + v[1] % 10);
  t[5] = '/';
  t[6] = (char)('0' + y / 1000);
  t[7] = (char)('0' + y / 100 % 10);
  t[8] = (char)('0' + y / 10 % 10);
  t[9] = (char)('0' + y % 10);
  t[10] = ',';
  for (int i = 0; i < 3; i++) {
    t[11 + 3 * i] = (char)('0' + v[3 + i] / 10);
    t[12 + 3 * i] = (char)('0' + v[3 + i] % 10);
    t[13 + 3 * i] = i < 2 ? ':' : ',';
  }
  return art__tl_buf_add(b, t, 20);
}

/* localtime_r, remembered for the last second asked (rows come sorted,
 * so runs of equal seconds are common); one cache per output. */
typedef struct l2t_state {
  time_t last_t;
  struct tm last_tm;
  int have;
  /* what the rows of one file-system record share (fs_parts): */
  uint64_t rec;     /* that record (art__tl_event.rec), 0: none held */
  art__tl_buf part; /* its date and zone, name, and the two tails */
  size_t end[4];    /* where each part ends in it */
} l2t_state;

static int local_tm(l2t_state *c, time_t t, struct tm *out)
{
  if (c && c->have && t == c->last_t) {
    *out = c->last_tm;
    return 0;
  }
  if (!localtime_r(&t, out))
    return -1;
  if (c) {
    c->last_t = t;
    c->last_tm = *out;
    c->have = 1;
  }
  return 0;
}

static art_status l2t_begin(art_timeline *tl, void **state)
{
  *state = calloc(1, sizeof(l2t_state)); /* NULL: no cache, still works */
  if (fputs("date,time,timezone,MACB,source,sourcetype,type,user,host,"
            "short,desc,version,filename,inode,notes,format,extra\n",
            tl->out) < 0) {
    free(*state);
    *state = NULL;
    return ART_ERR_IO;
  }
  return ART_OK;
}

static const char *alloc_name(int a)
{
  return a == TL_ALLOC     ? "allocated"
         : a == TL_DELETED ? "deleted"
                           : "reallocated";
}

/* plaso's parser name (l2tcsv "format" column) for a data_type. */
static const char *parser_of(const char *dt, size_t n)
{
  static const struct {
    const char *prefix, *parser;
  } map[] = {{"windows:evtx:", "winevtx"},
             {"windows:evt:", "winevt"},
             {"windows:registry:", "winreg"},
             {"windows:prefetch:", "prefetch"},
             {"windows:volume:", "prefetch"},
             {"windows:lnk:", "lnk"},
             {"olecf:dest_list:", "olecf/olecf_automatic_destinations"},
             {"windows:shell_item:", "winreg/bagmru"},
             {"fs:ntfs:usn_change", "usnjrnl"},
             {"windows:metadata:deleted_item", "recycle_bin"},
             {"chrome:history:", "sqlite/chrome_history"},
             {"firefox:places:", "sqlite/firefox_history"},
             {"firefox:bookmark", "sqlite/firefox_history"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    size_t l = strlen(map[i].prefix);
    if (n >= l && memcmp(dt, map[i].prefix, l) == 0)
      return map[i].parser;
  }
  return "-";
}

static int add_attrs(art__tl_buf *b, const char *a, size_t n)
{
  /* key NUL value NUL ..., written "key: value; " in the order given */
  size_t i = 0;
  int first = 1;
  while (i < n) {
    const char *k = a + i;
    size_t kl = strnlen(k, n - i);
    if (i + kl + 1 > n)
      break;
    const char *v = k + kl + 1;
    size_t vl = strnlen(v, n - i - kl - 1);
    if ((!first && art__tl_buf_adds(b, "; ")) || add_clean(b, k, kl) ||
        art__tl_buf_adds(b, ": ") || add_clean(b, v, vl))
      return -1;
    first = 0;
    i += kl + 1 + vl + 1;
  }
  return 0;
}

static art_status
l2t_art_row(art_timeline *tl, const art__tl_event *ev, const struct tm *tm)
{
  art__tl_buf *b = &tl->scratch;
  const art__tl_source *src = &tl->srcs[ev->src];
  char macb[5] = "....";
  char desc[96];
  snprintf(desc, sizeof desc, "%.*s", (int)ev->tdesc_len, ev->tdesc);
  int slot = art__tl_desc_slot(desc);
  if (slot >= 0)
    macb[slot] = "MACB"[slot];
  char ns[48];
  art__tl_ns(ns, sizeof ns, ev->sec, ev->nsec);
  /* user: the SID or user name when the artifact has one; host: the
   * computer name of an event record */
  const char *user = NULL, *host = NULL;
  size_t ul = 0, hl = 0;
  for (size_t i = 0; i < ev->attrs_len;) {
    const char *k = ev->attrs + i;
    size_t kl = strnlen(k, ev->attrs_len - i);
    if (i + kl + 1 > ev->attrs_len)
      break;
    const char *v = k + kl + 1;
    size_t vl = strnlen(v, ev->attrs_len - i - kl - 1);
    if (vl && (!strcmp(k, "user_sid") || !strcmp(k, "username")))
      user = v, ul = vl;
    if (vl && !strcmp(k, "computer_name"))
      host = v, hl = vl;
    i += kl + 1 + vl + 1;
  }
  const char *scheme = strcmp(src->origin, "tsk") == 0 ? "TSK:" : "OS:";
  int bad = add_date(b, tm) ||
            add_clean(b, tm->tm_zone ? tm->tm_zone : "UTC",
                      strlen(tm->tm_zone ? tm->tm_zone : "UTC")) ||
            art__tl_buf_addf(b, ",%s,", macb) ||
            add_clean(b, ev->srcs, ev->srcs_len) || art__tl_buf_addc(b, ',') ||
            add_clean(b, ev->srcl, ev->srcl_len) || art__tl_buf_addc(b, ',') ||
            add_clean(b, ev->tdesc, ev->tdesc_len) ||
            art__tl_buf_addc(b, ',') ||
            (user ? add_clean(b, user, ul) : art__tl_buf_addc(b, '-')) ||
            art__tl_buf_addc(b, ',') ||
            (host ? add_clean(b, host, hl) : art__tl_buf_addc(b, '-')) ||
            art__tl_buf_addc(b, ',') ||
            add_clean(b, ev->msg, ev->msg_len < 80 ? ev->msg_len : 80) ||
            (ev->msg_len > 80 && art__tl_buf_adds(b, "...")) ||
            art__tl_buf_addc(b, ',') || add_clean(b, ev->msg, ev->msg_len) ||
            art__tl_buf_addf(b, ",2,%s", scheme) ||
            add_clean(b, ev->file, ev->file_len) || art__tl_buf_addc(b, ',') ||
            (ev->meta_addr ? art__tl_buf_addf(b, "%" PRIu64, ev->meta_addr)
                           : art__tl_buf_addc(b, '-')) ||
            art__tl_buf_adds(b, ",-,") ||
            art__tl_buf_adds(b, parser_of(ev->dtype, ev->dtype_len)) ||
            art__tl_buf_adds(b, ",data_type: ") ||
            add_clean(b, ev->dtype, ev->dtype_len) ||
            art__tl_buf_adds(b, "; evidence: ") ||
            add_clean(b, src->evidence, strlen(src->evidence)) ||
            (src->sha256 && (art__tl_buf_adds(b, "; evidence_sha256: ") ||
                             art__tl_buf_adds(b, src->sha256))) ||
            art__tl_buf_addf(b, "; timestamp_ns: %s", ns) ||
            (ev->attrs_len && art__tl_buf_adds(b, "; ")) ||
            add_attrs(b, ev->attrs, ev->attrs_len) || art__tl_buf_addc(b, '\n');
  if (bad)
    return ART_ERR_NOMEM;
  return fwrite(b->p, 1, b->len, tl->out) == b->len ? ART_OK : ART_ERR_IO;
}

/* The parts of a file-system row that do not depend on its kind, in
 * C->part: the date and zone; the cleaned name; the tail from the
 * unallocated mark to "time_kind: "; and the rest of the line. The rows of
 * one record's kinds reuse them (C->rec). */
static int fs_parts(art_timeline *tl,
                    l2t_state *c,
                    const art__tl_event *ev,
                    const struct tm *tm)
{
  art__tl_buf *b = &c->part;
  const art__tl_source *src = &tl->srcs[ev->src];
  const char *scheme = strcmp(src->origin, "tsk") == 0       ? "TSK:"
                       : strcmp(src->origin, "statx") == 0   ? "OS:"
                       : strcmp(src->origin, "archive") == 0 ? "ARCHIVE:"
                                                             : "BODY:";
  const char *tz = tm->tm_zone ? tm->tm_zone : "UTC";
  char ns[48];
  art__tl_ns(ns, sizeof ns, ev->sec, ev->nsec);
  b->len = 0;
  c->rec = 0;
  if (add_date(b, tm) || add_clean(b, tz, strlen(tz)))
    return -1;
  c->end[0] = b->len;
  if (add_clean(b, ev->name, ev->name_len))
    return -1;
  c->end[1] = b->len;
  size_t name_at = c->end[0], name_len = c->end[1] - c->end[0];
  int bad = (ev->alloc != TL_ALLOC && art__tl_buf_adds(b, " (unallocated)")) ||
            art__tl_buf_adds(b, ",2,") || art__tl_buf_adds(b, scheme) ||
            add_again(b, name_at, name_len) || art__tl_buf_addc(b, ',') ||
            (ev->inode_len ? add_clean(b, ev->inode, ev->inode_len)
                           : art__tl_buf_addc(b, '-')) ||
            art__tl_buf_adds(b, ",-,filestat,allocation: ") ||
            art__tl_buf_adds(b, alloc_name(ev->alloc)) ||
            art__tl_buf_adds(b, "; evidence: ") ||
            add_clean(b, src->evidence, strlen(src->evidence)) ||
            (src->sha256 && (art__tl_buf_adds(b, "; evidence_sha256: ") ||
                             art__tl_buf_adds(b, src->sha256))) ||
            art__tl_buf_adds(b, "; fs_offset: ") ||
            (src->has_offset ? art__tl_buf_addu(b, src->fs_offset)
                             : art__tl_buf_addc(b, '-')) ||
            art__tl_buf_adds(b, "; fs_type: ") ||
            add_clean(b, src->fs_type, strlen(src->fs_type)) ||
            art__tl_buf_adds(b, "; gid: ") || art__tl_buf_addu(b, ev->gid) ||
            art__tl_buf_adds(b, "; mode: ") ||
            add_clean(b, ev->mode, ev->mode_len) ||
            art__tl_buf_adds(b, "; size: ") || art__tl_buf_addu(b, ev->size) ||
            art__tl_buf_adds(b, "; time_kind: ");
  if (bad)
    return -1;
  c->end[2] = b->len;
  if (art__tl_buf_adds(b, "; timestamp_ns: ") || art__tl_buf_adds(b, ns) ||
      art__tl_buf_adds(b, "; uid: ") || art__tl_buf_addu(b, ev->uid) ||
      art__tl_buf_addc(b, '\n'))
    return -1;
  c->end[3] = b->len;
  c->rec = ev->rec;
  return 0;
}

/* A file-system row: the kind's letters, description and name around the
 * record's parts. */
static art_status fs_row(art_timeline *tl,
                         l2t_state *c,
                         const art__tl_event *ev,
                         const struct tm *tm,
                         const char *macb,
                         const char *kinds)
{
  if ((!ev->rec || ev->rec != c->rec) && fs_parts(tl, c, ev, tm))
    return ART_ERR_NOMEM;
  art__tl_buf *b = &tl->scratch;
  const char *desc = tl->key.p; /* the kinds' descriptions */
  const char *p = c->part.p;
  const size_t *e = c->end;
  int bad =
      art__tl_buf_add(b, p, e[0]) || art__tl_buf_addc(b, ',') ||
      art__tl_buf_adds(b, macb) || art__tl_buf_adds(b, ",FILE,File stat,") ||
      art__tl_buf_adds(b, desc) || art__tl_buf_adds(b, ",-,-,") ||
      art__tl_buf_add(b, p + e[0], e[1] - e[0]) || art__tl_buf_addc(b, ',') ||
      art__tl_buf_add(b, p + e[0], e[1] - e[0]) ||
      art__tl_buf_adds(b, " Type: ") || art__tl_buf_adds(b, desc) ||
      art__tl_buf_add(b, p + e[1], e[2] - e[1]) || art__tl_buf_adds(b, kinds) ||
      art__tl_buf_add(b, p + e[2], e[3] - e[2]);
  if (bad)
    return ART_ERR_NOMEM;
  return fwrite(b->p, 1, b->len, tl->out) == b->len ? ART_OK : ART_ERR_IO;
}

static art_status
l2t_row(art_timeline *tl, void *state, const art__tl_event *ev)
{
  art__tl_buf *b = &tl->scratch;
  b->len = 0;
  time_t t = (time_t)ev->sec;
  struct tm tm;
  if (local_tm(state, t, &tm))
    return ART_ERR_INTERNAL;
  if (ev->dtype_len)
    return l2t_art_row(tl, ev, &tm);
  /* one kind, or several merged by --merge-macb (psort's MACB group:
   * the letters together, the timestamp_descs joined by "; ") */
  char macb[5] = "....";
  art__tl_buf *d = &tl->key; /* free while writing */
  d->len = 0;
  char kinds[64] = "";
  unsigned kind = ART_TIMELINE_KIND_COUNT_;
  for (unsigned k = 0; k < ART_TIMELINE_KIND_COUNT_; k++) {
    if (!(ev->kinds & (1u << k)))
      continue;
    if (kind == ART_TIMELINE_KIND_COUNT_)
      kind = k;
    unsigned base = k >= ART_TIMELINE_FN_M ? k - ART_TIMELINE_FN_M : k;
    if (base == ART_TIMELINE_D)
      macb[0] = 'M'; /* plaso: deletion counts as a modification */
    else if (base < 4)
      macb[base] = "MACB"[base];
    if ((d->len && art__tl_buf_adds(d, "; ")) ||
        art__tl_buf_adds(d, art__tl_kind_desc((art_timeline_kind)k)))
      return ART_ERR_NOMEM;
    size_t kl = strlen(kinds);
    const char *kn = art__tl_kind_name((art_timeline_kind)k);
    size_t nl = strlen(kn);
    if (kl + 1 + nl < sizeof kinds) {
      if (kl)
        kinds[kl++] = ',';
      memcpy(kinds + kl, kn, nl + 1);
    }
  }
  if (kind == ART_TIMELINE_KIND_COUNT_)
    return ART_ERR_INTERNAL;
  if (!state) {
    l2t_state one = {0}; /* no state: the parts made for this row only */
    art_status st = fs_row(tl, &one, ev, &tm, macb, kinds);
    art__tl_buf_free(&one.part);
    return st;
  }
  return fs_row(tl, state, ev, &tm, macb, kinds);
}

static art_status l2t_end(art_timeline *tl, void *state)
{
  (void)tl;
  l2t_state *st = state;
  if (st)
    art__tl_buf_free(&st->part);
  free(state);
  return ART_OK;
}

const art__tl_writer art__tl_writer_l2tcsv = {l2t_begin, l2t_row, l2t_end};
